// `pumpgw status`: per station and device, the latest values with unit,
// quality and age, the connection state and the active alarms, read from
// the store (the `latest` table, never history) beside a running gateway;
// then the gateway itself: feed, outbox, store (StatusGateway.swift).

import Decoding
import Foundation
import Gateway
import Profiles
import Rules
import Store
import Telemetry

enum StatusCommand: Command {
    static let help = """
        pumpgw status: latest values, connection state and active alarms from the store,
        and the gateway's feed, outbox and store

        Usage: pumpgw status [--db FILE] [--json]

          --db FILE   the gateway's SQLite store (default var/pumpgw.db)
          --json      print one JSON object instead of tables

        Reads while the gateway runs (it takes no lock and writes nothing).

        """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try CommandLineArguments(arguments, options: ["db"], flags: ["json"])
        guard options.positionals.isEmpty else { throw UsageError(message: "unexpected argument '\(options.positionals[0])'") }
        let store = try StationStore.openForReading(path: options.string("db") ?? "var/pumpgw.db")
        let now = Date()
        guard !options.has("json") else {
            Console.print(try StatusOutput.document(store, now: now))
            return 0
        }
        Console.print(StatusOutput.text(try store.read { try $0.status() }, gateway: try GatewaySection.read(store, now: now), now: now))
        let (boosts, boosted) = try StatusOutput.boostState(store, now: now)
        if !boosts.isEmpty {
            Console.print("active boosts (pumpgw boost --list):\n" + BoostListing.render(boosts, json: false, now: now)
                .split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        }
        if !boosted.isEmpty {
            Console.print("polled densely now (every source: cli, http, schedule, rule):\n" + BoostedJSON.render(boosted, now: now)
                .map { "  " + $0 }.joined(separator: "\n"))
        }
        return 0
    }
}

enum StatusOutput {
    /// The JSON document of `status --json`, which `GET /api/status` serves too.
    @Sendable static func document(_ store: StationStore, now: Date) throws -> String {
        let (boosts, boosted) = try boostState(store, now: now)
        return json(try store.read { try $0.status() }, gateway: try GatewaySection.read(store, now: now),
                    boosts: boosts, boosted: boosted, now: now)
    }

    /// From one read of the boost tables: `requests`, the boosts table's rows
    /// in force (as `pumpgw boost --list` shows them); `boosted`, the devices
    /// the gateway polls densely now, whatever asked for it (a request, a
    /// scheduled window, a rule): the boost events it wrote, each device's
    /// last one a start whose end is still ahead.
    static func boostState(_ store: StationStore, now: Date) throws
        -> (requests: [BoostRecord], boosted: [BoostEventRecord]) {
        let table = try BoostTable(path: store.path, readOnly: true)
        let boosted = try table.openStarts().filter { $0.until > now }
            .sorted { ($0.station, $0.device) < ($1.station, $1.device) }
        return (try table.active(at: now), boosted)
    }

    static func text(_ stations: [StationStatus], gateway: GatewaySection, now: Date) -> String {
        var lines: [String] = stations.isEmpty ? ["no devices in the store yet"] : []
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
        lines.append("")
        lines += gateway.text(now: now)
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

    // MARK: JSON

    struct Document: Encodable {
        var time: String
        var stations: [StationJSON]
        var gateway: GatewaySection.JSON
        var boosts: [BoostListing.JSON]
        var boosted: [BoostedJSON]
    }

    struct StationJSON: Encodable {
        var station: String
        var tags: [String: String]
        var devices: [DeviceJSON]
    }

    struct DeviceJSON: Encodable {
        var device: String
        var profile: String
        var connected: Bool?
        var lastPoll: String?
        var lastError: String?
        var points: [PointJSON]
        var alarms: [AlarmJSON]

        enum CodingKeys: String, CodingKey { case device, profile, connected, lastPoll, lastError, points, alarms }

        /// Absent values are written as null, not left out.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(device, forKey: .device)
            try container.encode(profile, forKey: .profile)
            try container.encode(connected, forKey: .connected)
            try container.encode(lastPoll, forKey: .lastPoll)
            try container.encode(lastError, forKey: .lastError)
            try container.encode(points, forKey: .points)
            try container.encode(alarms, forKey: .alarms)
        }
    }

    struct PointJSON: Encodable {
        var reading: ReadOutput.PointOutput
        var time: String?
        var ageSeconds: Double?

        enum CodingKeys: String, CodingKey { case time, ageSeconds }

        func encode(to encoder: any Encoder) throws {
            try reading.encode(to: encoder)  // name, value (null unless good), unit, quality
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(time, forKey: .time)
            try container.encode(ageSeconds, forKey: .ageSeconds)
        }
    }

    struct AlarmJSON: Encodable {
        var point, rule, severity, time, message: String
        var value, limit: OrNull<Double>

        init(_ alarm: AlarmEvent) {
            (point, rule, severity, time, message) = (alarm.point, alarm.rule, alarm.severity.rawValue,
                                                      timestamp(alarm.time), alarm.message)
            (value, limit) = (OrNull(alarm.value), OrNull(alarm.limit))
        }
    }

    static func json(_ stations: [StationStatus], gateway: GatewaySection, boosts: [BoostRecord],
                     boosted: [BoostEventRecord], now: Date) -> String {
        let document = Document(time: timestamp(now), stations: stations.map { station in
            StationJSON(station: station.station, tags: station.tags, devices: station.devices.map { device in
                DeviceJSON(device: device.device, profile: device.profile, connected: device.health?.connected,
                           lastPoll: device.health.map { timestamp($0.time) }, lastError: device.health?.lastError,
                           points: device.points.map { point in
                               PointJSON(reading: ReadOutput.PointOutput(name: point.name, value: point.value, unit: point.unit,
                                                                         quality: point.quality.description),
                                         time: point.time.map(timestamp),
                                         ageSeconds: point.time.map { (now.timeIntervalSince($0) * 1000).rounded() / 1000 })
                           },
                           alarms: device.activeAlarms.map(AlarmJSON.init))
            })
        }, gateway: gateway.json(now: now), boosts: boosts.map(BoostListing.JSON.init), boosted: boosted.map(BoostedJSON.init))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(document) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// ISO 8601 in UTC with milliseconds.
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

/// One densely polled device in `status` (`boosted` in its JSON): since when,
/// at what interval, until when, and why.
struct BoostedJSON: Encodable {
    var station, device: String
    var interval_ms: Int64
    var since, until, source, reason: String

    init(_ event: BoostEventRecord) {
        (station, device, interval_ms) = (event.station, event.device, event.intervalMilliseconds)
        (since, until) = (BoostListing.utc(event.time), BoostListing.utc(event.until))
        (source, reason) = (event.source, event.reason)
    }

    static func render(_ events: [BoostEventRecord], now: Date) -> [String] {
        TextTable.lines(header: ["DEVICE", "INTERVAL", "SINCE", "UNTIL", "SOURCE", "REASON"], rows: events.map { event in
            ["\(event.station)/\(event.device)", DurationText.format(.milliseconds(event.intervalMilliseconds)),
             BoostListing.utc(event.time), BoostListing.utc(event.until), event.source, event.reason]
        })
    }
}
