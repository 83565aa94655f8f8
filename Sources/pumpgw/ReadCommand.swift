// `pumpgw read`: one poll of one device, printed as a table or JSON; with
// `--raw` also the raw words of every block and every multi-register point
// decoded in all four byte orders (to find an unknown device's order).

import Decoding
import Foundation
import Gateway
import Modbus
import Profiles
import Telemetry

enum ReadCommand: Command {
    static let help = """
        pumpgw read: poll one device once and print its points in engineering units

        Usage: pumpgw read --profile FILE (--host HOST [--port 502] [--framing tcp|rtu]
                                           | --serial TTY [--baud 9600] [--parity none] [--data-bits 8] [--stop-bits 1])
                           [--unit 1] [--timeout 1s] [--json | --raw]

          --profile FILE   device profile (JSON5) describing the register map
        \(TransportOptions.help)
          --unit N         Modbus unit id 0-255 (default 1; RTU: 1-247)
          --timeout T      connect and response timeout, e.g. 500ms, 2s (default 1s)
          --json           print one JSON object instead of a table
          --raw            after the table, print each block's raw words in hex and every
                           32/64-bit point and string decoded in all four byte orders (* = the profile's)

        Exit status: 0 when every block was read; 1 when the device could not be
        reached or any block failed (the points read are still printed).

        """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try CommandLineArguments(arguments, options: TransportOptions.names.union(["profile", "unit", "timeout"]),
                                               flags: ["json", "raw"])
        guard options.positionals.isEmpty else { throw UsageError(message: "unexpected argument '\(options.positionals[0])'") }
        if options.has("json") && options.has("raw") { throw UsageError(message: "--raw prints text: leave out --json") }
        let profilePath = try options.required("profile")
        let transport = try TransportOptions.endpoint(options)
        let unit = try options.integer("unit", default: 1, range: 0...255)
        let timeoutText = options.string("timeout") ?? "1s"
        guard let timeout = DurationText.parse(timeoutText), timeout > .zero else {
            throw UsageError(message: "--timeout must be a duration such as 500ms or 2s, not '\(timeoutText)'")
        }

        guard let profile = loadProfile(profilePath) else { return 1 }
        let client = ModbusClient(endpoint: transport, unit: UInt8(unit), timeout: timeout)
        let endpoint = "\(transport) unit \(unit)"
        do {
            try client.connect()
        } catch {
            Console.error("cannot connect to \(endpoint): \(error)")
            return 1
        }
        let reader = DeviceReader(profile: profile, client: client)
        let result = reader.poll()
        client.close()

        let errors = result.errors
        if !errors.isEmpty && errors.count == result.blocks.count {
            Console.error("\(endpoint): every request failed: \(errors[0])")
            return 1
        }
        let device = DeviceSummary(profile: profile.profile, endpoint: transport, unit: unit)
        if options.has("json") {
            Console.print(ReadOutput.json(device: device, profile: profile, readings: result.readings))
        } else {
            Console.print(ReadOutput.table(profile: profile, readings: result.readings))
        }
        if options.has("raw") {
            Console.print(RawOutput.blocks(profile: profile, plan: result.plan, results: result.blocks))
            Console.print(RawOutput.orders(profile: profile, plan: result.plan, results: result.blocks))
        }
        if !errors.isEmpty {
            Console.error("\(endpoint): \(errors.count) of \(result.blocks.count) requests failed: \(errors[0])")
            return 1
        }
        return 0
    }
}

struct DeviceSummary: Encodable {
    var profile: String
    var host: String?
    var port: Int?
    /// "rtu" for RTU over TCP and serial (absent for Modbus TCP).
    var framing: String?
    var serial: String?
    var unit: Int

    init(profile: String, endpoint: ModbusEndpoint, unit: Int) {
        self.profile = profile
        self.unit = unit
        switch endpoint {
        case .tcp(let host, let port, let framing):
            (self.host, self.port) = (host, port)
            self.framing = framing == .rtu ? "rtu" : nil
        case .serial(let settings):
            serial = "\(settings.path) \(settings.lineText)"
            framing = "rtu"
        }
    }
}

/// The raw view of one poll, for finding a device's byte order and address base.
enum RawOutput {
    /// Each block with its words in hex, eight to a line, each line led by its
    /// first address (as the profile writes addresses, with its addressBase).
    static func blocks(profile: DeviceProfile, plan: ReadPlan, results: [BlockResult]) -> String {
        var lines = ["", "RAW WORDS (addresses as in the profile, addressBase \(profile.addressBase))"]
        for (block, result) in zip(plan.blocks, results) {
            let first = block.start + profile.addressBase
            let unit = block.table.holdsBits ? "bits" : "registers"
            lines.append("\(block.table.rawValue) \(first)...\(first + block.count - 1) (\(block.count) \(unit))")
            switch result {
            case .registers(let words):
                for row in stride(from: 0, to: words.count, by: 8) {
                    let hex = words[row..<min(row + 8, words.count)].map(hex4).joined(separator: " ")
                    lines.append("  \(first + row): \(hex)")
                }
            case .bits(let bits):
                for row in stride(from: 0, to: bits.count, by: 16) {
                    let text = bits[row..<min(row + 16, bits.count)].map { $0 ? "1" : "0" }.joined(separator: " ")
                    lines.append("  \(first + row): \(text)")
                }
            case .failed(let error):
                lines.append("  error: \(error)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Every 32/64-bit point decoded in each byte order; `*` marks the profile's.
    static func orders(profile: DeviceProfile, plan: ReadPlan, results: [BlockResult]) -> String {
        var rows: [[String]] = []
        for (block, result) in zip(plan.blocks, results) {
            guard case .registers(let words) = result else { continue }
            for index in block.pointIndexes where profile.points[index].type.isMultiRegister {
                var point = profile.points[index]
                let offset = profile.pduAddress(of: point) - block.start
                guard offset >= 0, offset + point.registerCount <= words.count else { continue }
                let slice = words[offset..<(offset + point.registerCount)]
                let chosen = profile.effectiveOrder(of: point)
                var row = [point.name, "\(point.address) \(point.type.rawValue)", slice.map(hex4).joined(separator: " ")]
                for order in ByteOrder.allCases {
                    point.order = order
                    let reading = PointDecoder.decode(point, words: slice, defaultOrder: order)
                    let text = reading.value?.description ?? reading.quality.description
                    row.append(text + (order == chosen ? " *" : ""))
                }
                rows.append(row)
            }
        }
        guard !rows.isEmpty else { return "\n(no 32/64-bit points)" }
        let header = ["POINT", "ADDRESS TYPE", "WORDS"] + ByteOrder.allCases.map(\.rawValue)
        return "\nBYTE ORDERS (32-bit: ABCD CDAB BADC DCBA; 64-bit: ABCDEFGH GHEFCDAB BADCFEHG HGFEDCBA)\n"
            + TextTable.text([header] + rows)
    }

    static func hex4(_ word: UInt16) -> String {
        let digits = String(word, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }
}

/// Presentation of one poll: a table for people, JSON for scripts.
enum ReadOutput {
    static func table(profile: DeviceProfile, readings: [Reading]) -> String {
        let rows = zip(profile.points, readings).map { point, reading in
            [point.name, reading.value?.description ?? "-", point.unit ?? "", reading.quality.description]
        }
        return TextTable.text([["POINT", "VALUE", "UNIT", "QUALITY"]] + rows)
    }

    typealias PointOutput = PointReadingJSON

    struct Document: Encodable {
        var device: DeviceSummary
        var points: [PointOutput]
    }

    static func json(device: DeviceSummary, profile: DeviceProfile, readings: [Reading]) -> String {
        let points = zip(profile.points, readings).map { point, reading in
            PointOutput(name: point.name, value: reading.value, unit: point.unit, quality: reading.quality.description)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        guard let data = try? encoder.encode(Document(device: device, points: points)) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
