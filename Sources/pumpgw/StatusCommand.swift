// `pumpgw status`: per station and device, the latest values with unit,
// quality and age, the connection state and the active alarms, read from
// the store (the `latest` table, never history) beside a running gateway.

import Decoding
import Foundation
import Gateway
import Rules
import Store
import Telemetry

enum StatusCommand: Command {
    static let help = """
        pumpgw status: latest values, connection state and active alarms from the store

        Usage: pumpgw status [--db FILE] [--json]

          --db FILE   the gateway's SQLite store (default var/pumpgw.db)
          --json      print one JSON object instead of tables

        Reads while the gateway runs (it takes no lock and writes nothing).

        """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try CommandLineArguments(arguments, options: ["db"], flags: ["json"])
        guard options.positionals.isEmpty else { throw UsageError(message: "unexpected argument '\(options.positionals[0])'") }
        let store = try StationStore.openForReading(path: options.string("db") ?? "var/pumpgw.db")
        let stations = try store.status()
        let now = Date()
        Console.print(options.has("json") ? StatusOutput.json(stations, now: now) : StatusOutput.text(stations, now: now))
        return 0
    }
}

enum StatusOutput {
    static func text(_ stations: [StationStatus], now: Date) -> String {
        guard !stations.isEmpty else { return "no devices in the store yet" }
        var lines: [String] = []
        for station in stations {
            let tags = station.tags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            lines.append(tags.isEmpty ? station.station : "\(station.station)  (\(tags))")
            for device in station.devices {
                lines.append("  \(device.device)  \(device.profile)  \(connection(device.health, now: now))")
                let rows = device.points.map { point in
                    [point.name, point.value?.description ?? "-", point.unit ?? "", point.quality.description,
                     point.time.map { age(now.timeIntervalSince($0)) } ?? "never"]
                }
                lines += TextTable.lines(header: ["POINT", "VALUE", "UNIT", "QUALITY", "AGE"], rows: rows).map { "    " + $0 }
                for alarm in device.activeAlarms {
                    let value = alarm.value.map { " value \(Value.format($0))" } ?? ""
                    lines.append("    ALARM \(alarm.severity.rawValue) \(alarm.point.isEmpty ? "" : alarm.point + " ")\(alarm.rule)\(value), raised \(age(now.timeIntervalSince(alarm.time))) ago: \(alarm.message)")
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    static func connection(_ health: DeviceHealth?, now: Date) -> String {
        guard let health else { return "connection unknown" }
        if health.connected { return "connected, polled \(age(now.timeIntervalSince(health.time))) ago" }
        let since = health.lastGoodPoll.map { ", last answer \(age(now.timeIntervalSince($0))) ago" } ?? ", never answered"
        return "DISCONNECTED\(since): \(health.lastError ?? "no error recorded")"
    }

    /// "850ms", "42s", "5m", "3h", "2d".
    static func age(_ seconds: TimeInterval) -> String { StatusDocument.age(seconds) }

    // MARK: JSON (the document lives in Gateway: /api/status serves the same one)

    static func json(_ stations: [StationStatus], now: Date) -> String { StatusDocument.json(stations, now: now) }

    /// ISO 8601 in UTC with milliseconds.
    static func timestamp(_ date: Date) -> String { StatusDocument.timestamp(date) }
}
