// `pumpgw read`: one poll of one device, printed as a table or JSON.

import Decoding
import Foundation
import Gateway
import Modbus
import Profiles

enum ReadCommand: Command {
    static let help = """
        pumpgw read: poll one device once and print its points in engineering units

        Usage: pumpgw read --profile FILE --host HOST [--port 502] [--unit 1] [--timeout 1s] [--json]

          --profile FILE   device profile (JSON5) describing the register map
          --host HOST      device address (IP or name)
          --port N         Modbus TCP port (default 502)
          --unit N         Modbus unit id 0-255 (default 1)
          --timeout T      connect and response timeout, e.g. 500ms, 2s (default 1s)
          --json           print one JSON object instead of a table

        Exit status: 0 when every block was read; 1 when the device could not be
        reached or any block failed (the points read are still printed).

        """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try CommandLineArguments(arguments, options: ["profile", "host", "port", "unit", "timeout"], flags: ["json"])
        guard options.positionals.isEmpty else { throw UsageError(message: "unexpected argument '\(options.positionals[0])'") }
        let profilePath = try options.required("profile")
        let host = try options.required("host")
        let port = try options.integer("port", default: 502, range: 1...65535)
        let unit = try options.integer("unit", default: 1, range: 0...255)
        let timeoutText = options.string("timeout") ?? "1s"
        guard let timeout = DurationText.parse(timeoutText), timeout > .zero else {
            throw UsageError(message: "--timeout must be a duration such as 500ms or 2s, not '\(timeoutText)'")
        }

        guard let profile = loadProfile(profilePath) else { return 1 }
        let client = ModbusTCPClient(host: host, port: port, unit: UInt8(unit), timeout: timeout)
        let endpoint = "\(host):\(port) unit \(unit)"
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
        let device = DeviceSummary(profile: profile.profile, host: host, port: port, unit: unit)
        if options.has("json") {
            Console.print(ReadOutput.json(device: device, profile: profile, readings: result.readings))
        } else {
            Console.print(ReadOutput.table(profile: profile, readings: result.readings))
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
    var host: String
    var port: Int
    var unit: Int
}

/// Presentation of one poll: a table for people, JSON for scripts.
enum ReadOutput {
    static func table(profile: DeviceProfile, readings: [Reading]) -> String {
        let rows = zip(profile.points, readings).map { point, reading in
            [point.name, reading.value?.description ?? "-", point.unit ?? "", reading.quality.description]
        }
        let header = ["POINT", "VALUE", "UNIT", "QUALITY"]
        let widths = (0..<header.count).map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                column == cells.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    struct PointOutput: Encodable {
        var name: String
        var value: Value?
        var unit: String?
        var quality: String

        enum CodingKeys: String, CodingKey { case name, value, unit, quality }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            switch value {
            case .none: try container.encodeNil(forKey: .value)
            case .double(let number): try container.encode(Double(Value.format(number)) ?? number, forKey: .value)
            case .integer(let number): try container.encode(number, forKey: .value)
            case .unsigned(let number): try container.encode(number, forKey: .value)
            case .bool(let flag): try container.encode(flag, forKey: .value)
            case .string(let text): try container.encode(text, forKey: .value)
            }
            try container.encode(unit ?? "", forKey: .unit)
            try container.encode(quality, forKey: .quality)
        }
    }

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
