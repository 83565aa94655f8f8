// `stations[].intensive` and `minInterval` as the config writes them, and
// their checks (run by `check` and on every load, FILE:LINE like the rest).

import Foundation

public struct IntensiveWindowConfig: Codable, Sendable, Equatable {
    /// "mon" ... "sun".
    public var days: [String]
    /// Local times "HH:MM" in the gateway's time zone; `to` at or before
    /// `from` crosses midnight.
    public var from: String
    public var to: String
    public var interval: String
    /// Only these devices of the station (default: all).
    public var devices: [String]?

    public init(days: [String], from: String, to: String, interval: String, devices: [String]? = nil) {
        self.days = days
        self.from = from
        self.to = to
        self.interval = interval
        self.devices = devices
    }
}

/// A local time of day as configs write it.
public enum LocalTimeText {
    /// Hour and minute of "HH:MM" (or "H:MM"), nil unless 00:00-23:59.
    public static func parse(_ text: String) -> (hour: Int, minute: Int)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].count == 2, (1...2).contains(parts[0].count),
              let hour = Int(parts[0]), let minute = Int(parts[1]),
              (0...23).contains(hour), (0...59).contains(minute) else { return nil }
        return (hour, minute)
    }
}

extension ResolvedDevice {
    /// The device's minInterval, else its profile's (validated by the loader).
    public var minInterval: Duration? {
        (config.minInterval ?? profile.minInterval).flatMap(DurationText.parse)
    }
}

extension ConfigChecks {
    /// A station's intensive windows: times, a real interval, known devices.
    mutating func checkIntensive(_ station: JSONValue, path: String) {
        guard let windows = station["intensive"]?.array else { return }
        let deviceIds = Set((station["devices"]?.array ?? []).compactMap { $0["id"]?.string })
        for (index, window) in windows.enumerated() {
            let windowPath = "\(path).intensive[\(index)]"
            for key in ["from", "to"] {
                if let text = window[key]?.string, LocalTimeText.parse(text) == nil {
                    report("\(windowPath).\(key)", "'\(text)' is not a local time HH:MM (00:00-23:59)")
                }
            }
            if let from = window["from"]?.string, from == window["to"]?.string {
                report("\(windowPath).to", "equals from (\(from)): a window must have a length")
            }
            if let text = window["interval"]?.string {
                if let interval = duration(text, "\(windowPath).interval", default: .seconds(1)), interval <= .zero {
                    report("\(windowPath).interval", "must be more than 0")
                }
            }
            if let days = window["days"]?.array, days.isEmpty {
                report("\(windowPath).days", "name at least one day (mon ... sun)")
            }
            for (deviceIndex, device) in (window["devices"]?.array ?? []).enumerated() {
                if let id = device.string, !deviceIds.contains(id) {
                    report("\(windowPath).devices[\(deviceIndex)]", "no device '\(id)' in this station (has: \(deviceIds.sorted().joined(separator: ", ")))")
                }
            }
        }
    }

    /// The device's (or else its profile's) minInterval parses and is more than 0.
    mutating func checkMinInterval(_ device: DeviceConfig, profile: DeviceProfile?, path: String) {
        if let text = device.minInterval {
            if let value = duration(text, "\(path).minInterval", default: .zero), value <= .zero {
                report("\(path).minInterval", "must be more than 0")
            }
        } else if let profile, let text = profile.minInterval, (DurationText.parse(text) ?? .zero) <= .zero {
            report("\(path).profile", "profile \(profile.profile) has minInterval '\(text)', which is not a duration more than 0 such as \"500ms\"")
        }
    }
}
