// The status document: per station and device, the latest values with
// quality and age, the connection state and the active alarms. One
// definition for `pumpgw status --json` and `GET /api/status`.

import Decoding
import Foundation
import Telemetry
import Rules
import Store

public enum StatusDocument {
    struct Document: Encodable {
        var time: String
        var stations: [StationJSON]
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
        var reading: PointReadingJSON
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
        var station, device, point, rule, severity, time, message: String
        var value, limit: Double?
        /// Station and device are written in `/api/alarms` (in the status
        /// document the alarm sits under its device already).
        var withPlace = false

        enum CodingKeys: String, CodingKey { case station, device, point, rule, severity, time, message, value, limit }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            if withPlace {
                try container.encode(station, forKey: .station)
                try container.encode(device, forKey: .device)
            }
            for (key, text) in [(CodingKeys.point, point), (.rule, rule), (.severity, severity), (.time, time), (.message, message)] {
                try container.encode(text, forKey: key)
            }
            try container.encode(value, forKey: .value)
            try container.encode(limit, forKey: .limit)
        }
    }

    public static func json(_ stations: [StationStatus], now: Date) -> String {
        let document = Document(time: timestamp(now), stations: stations.map { station in
            StationJSON(station: station.station, tags: station.tags, devices: station.devices.map { device in
                DeviceJSON(device: device.device, profile: device.profile, connected: device.health?.connected,
                           lastPoll: device.health.map { timestamp($0.time) }, lastError: device.health?.lastError,
                           points: device.points.map { point in
                               PointJSON(reading: PointReadingJSON(name: point.name, value: point.value, unit: point.unit,
                                                                   quality: point.quality.description),
                                         time: point.time.map(timestamp),
                                         ageSeconds: point.time.map { (now.timeIntervalSince($0) * 1000).rounded() / 1000 })
                           },
                           alarms: device.activeAlarms.map { alarm($0) })
            })
        })
        return encode(document)
    }

    /// `{"time": ..., "alarms": [...]}`: the active alarms, most severe first.
    public static func alarmsJSON(_ alarms: [AlarmEvent], now: Date) -> String {
        struct Alarms: Encodable { var time: String; var alarms: [AlarmJSON] }
        let sorted = alarms.sorted { ($0.severity, $0.time) < ($1.severity, $1.time) }
        return encode(Alarms(time: timestamp(now), alarms: sorted.map { alarm($0, withPlace: true) }))
    }

    static func alarm(_ alarm: AlarmEvent, withPlace: Bool = false) -> AlarmJSON {
        AlarmJSON(station: alarm.station, device: alarm.device, point: alarm.point, rule: alarm.rule,
                  severity: alarm.severity.rawValue, time: timestamp(alarm.time), message: alarm.message,
                  value: alarm.value, limit: alarm.limit, withPlace: withPlace)
    }

    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// "850ms", "42s", "5m", "3h", "2d".
    public static func age(_ seconds: TimeInterval) -> String {
        let seconds = max(0, seconds)
        if seconds < 1 { return "\(Int(seconds * 1000))ms" }
        if seconds < 120 { return "\(Int(seconds))s" }
        if seconds < 7200 { return "\(Int(seconds / 60))m" }
        if seconds < 172_800 { return "\(Int(seconds / 3600))h" }
        return "\(Int(seconds / 86_400))d"
    }

    /// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
    public static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// ISO 8601 in UTC with milliseconds.
    public static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
