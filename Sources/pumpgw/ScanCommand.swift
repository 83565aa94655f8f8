// `pumpgw scan`: which unit ids answer on a bus or behind a converter.
// Read-only: one small read per id, plus Read Device Identification (43/14)
// for the ids that answered. An exception reply counts as "a device is there".

import Foundation
import Modbus
import Profiles

enum ScanCommand: Command {
    static let help = """
        pumpgw scan: find the unit ids that answer on a bus or behind a serial server

        Usage: pumpgw scan (--host HOST [--port 502] [--framing tcp|rtu]
                           | --serial TTY [--baud 9600] [--parity none] [--data-bits 8] [--stop-bits 1])
                           [--units 1-247] [--register holding:0] [--timeout 200ms] [--json]

        \(TransportOptions.help)
          --units R        unit ids to try: 1-247 (default), 5, or 1-10,20
          --register R     the one register read from each id (default holding:0)
          --timeout T      wait for each id (default 200ms); a silent id costs this much
          --json           {"units": [{"unit", "answered", "reply", "identification"}]}: the ids that answered

        Read-only: it never writes. Exit status 0 when some id answered, 1 when none did.

        """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try CommandLineArguments(arguments, options: TransportOptions.names.union(["units", "register", "timeout"]),
                                               flags: ["json"])
        guard options.positionals.isEmpty else { throw UsageError(message: "unexpected argument '\(options.positionals[0])'") }
        let endpoint = try TransportOptions.endpoint(options)
        let units = try unitList(options.string("units") ?? "1-247")
        let (table, address) = try register(options.string("register") ?? "holding:0")
        let timeoutText = options.string("timeout") ?? "200ms"
        guard let timeout = DurationText.parse(timeoutText), timeout > .zero else {
            throw UsageError(message: "--timeout must be a duration such as 200ms, not '\(timeoutText)'")
        }
        let client = ModbusClient(endpoint: endpoint, unit: units[0], timeout: timeout)
        defer { client.close() }
        let started = Date()
        var found: [ScanResult] = []
        for unit in units {
            client.unit = unit
            if let result = probe(client, table: table, address: address) { found.append(result) }
        }
        let seconds = Date().timeIntervalSince(started)
        if options.has("json") {
            Console.print(json(found))
        } else {
            Console.print(TextTable.text([["UNIT", "REPLY", "IDENTIFICATION"]] + found.map {
                [String($0.unit), $0.reply, $0.identification.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")]
            }))
            Console.print("scanned \(units.count) unit ids on \(endpoint) in \(String(format: "%.1f", seconds)) s: \(found.count) answered")
        }
        return found.isEmpty ? 1 : 0
    }

    struct ScanResult: Encodable {
        var unit: UInt8
        var answered = true
        var reply: String
        var identification: [String: String]
    }

    /// One read of `unit`; nil when it did not answer (silence, or a reply not for it).
    static func probe(_ client: ModbusClient, table: ModbusTable, address: Int) -> ScanResult? {
        let reply: String
        do throws(ModbusError) {
            if table.holdsBits {
                _ = try client.readBits(table, address: address, count: 1)
                reply = "bits"
            } else {
                _ = try client.readRegisters(table, address: address, count: 1)
                reply = "registers"
            }
        } catch .exception(let exception) {
            reply = "exception \(exception.rawValue)"
        } catch {
            return nil
        }
        var identification: [String: String] = [:]
        if let objects = try? client.identification() {
            let names: [UInt8: String] = [0: "vendor", 1: "product", 2: "revision", 3: "url", 4: "name", 5: "model"]
            for (id, text) in objects { identification[names[id] ?? "object \(id)"] = text }
        }
        return ScanResult(unit: client.unit, reply: reply, identification: identification)
    }

    static func json(_ found: [ScanResult]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(["units": found]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// "1-247", "5", "1-10,20".
    static func unitList(_ text: String) throws(UsageError) -> [UInt8] {
        var units: [UInt8] = []
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-", maxSplits: 1).map { UInt8($0) }
            guard let first = bounds.first ?? nil, let last = bounds.count == 2 ? bounds[1] : first, first <= last else {
                throw UsageError(message: "--units must look like 1-247, 5 or 1-10,20, not '\(text)'")
            }
            units += Array(first...last)
        }
        guard !units.isEmpty else { throw UsageError(message: "--units names no unit id") }
        return units
    }

    /// "holding:0" (a PDU address, as on the wire).
    static func register(_ text: String) throws(UsageError) -> (ModbusTable, Int) {
        let parts = text.split(separator: ":", maxSplits: 1)
        let tables: [String: ModbusTable] = ["holding": .holdingRegisters, "input": .inputRegisters,
                                             "coil": .coils, "discrete": .discreteInputs]
        guard parts.count == 2, let table = tables[String(parts[0])], let address = Int(parts[1]), (0...65535).contains(address) else {
            throw UsageError(message: "--register must look like holding:0 (holding, input, coil or discrete, a PDU address), not '\(text)'")
        }
        return (table, address)
    }
}
