// The window's JSON and text helpers: the active alarms document, ages,
// timestamps, CSV fields. (`/api/status` is written by the same function as
// `pumpgw status --json`, which the command line hands to the runtime.)

import Decoding
import Foundation
import Telemetry
import Rules
import Store

public enum StatusDocument {
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
