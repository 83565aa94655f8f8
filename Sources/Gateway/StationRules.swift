// Station-level rule overrides: an entry in a station's `rules` applies to
// every device of the station whose profile has the point it names (entries
// without a point, such as commLoss, to every device), before the device's
// own overrides, which therefore win.

import Profiles

enum StationRules {
    /// The overrides that apply to `device`: the station's that fit its profile, then its own.
    static func overrides(for device: DeviceConfig, profile: DeviceProfile, station: Station) -> [JSONValue]? {
        let fitting = (station.rules ?? []).filter { applies($0, to: profile) }
        let combined = fitting + (device.rules ?? [])
        return combined.isEmpty ? nil : combined
    }

    /// True when the entry names no point, or a point of `profile`.
    static func applies(_ entry: JSONValue, to profile: DeviceProfile) -> Bool {
        guard case .object(let fields) = entry, case .string(let point)? = fields["point"] else { return true }
        return profile.points.contains { $0.name == point }
    }

    /// The point an entry names, if any.
    static func point(of entry: JSONValue) -> String? {
        guard case .object(let fields) = entry, case .string(let point)? = fields["point"] else { return nil }
        return point
    }
}
