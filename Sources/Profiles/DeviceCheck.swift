// A later stage's check of the resolved devices (the rules stage checks
// every rule and override), run by ConfigLoader in the same pass as the
// shape and meaning checks: a config with a shape problem in one place still
// gets the rule problems of the devices that resolved, all at once, each
// with its line. Profiles cannot check rules itself: Rules depends on it.

import Foundation

/// A station whose own fields (id, name, tags, rules) are sound.
public struct ResolvedStation: Sendable {
    /// "stations[0]".
    public var path: String
    /// Its fields and rule overrides (`devices` left empty).
    public var station: Station
    /// Every device of the station resolved: only then is an override that
    /// matches none of its devices' points surely a mistake.
    public var complete: Bool
}

/// What the loader resolved so far, whether or not other parts have problems.
public struct ResolvedDevices: Sendable {
    /// The config file.
    public var file: String
    public var stations: [ResolvedStation]
    /// The devices that resolved (a device with a shape problem does not).
    public var devices: [ResolvedDevice]
    /// The file each profile was read from, by profile id.
    public var profileFiles: [String: String]
    /// `gateway.timeZone` as written (nil: not given, or not a string).
    public var timeZone: String?
}

public struct DeviceCheck: Sendable {
    /// Problems found in the resolved devices, with or without their lines
    /// (the loader fills them in from the files' text as it was read).
    public typealias Check = @Sendable (ResolvedDevices) -> [ConfigProblem]
    let check: Check

    public init(check: @escaping Check) {
        self.check = check
    }
}
