// The rules part of validating a config: every profile's point rules and
// every device's overrides, with the same FILE:LINE: path: message problems
// as the rest (Profiles cannot check rules: the rules stage depends on it).

import Foundation
import Profiles
import Rules

public enum RuleChecks {
    /// Problems in the rules of `profile`, read from `file`.
    public static func problems(inProfile profile: DeviceProfile, file: String) -> [ProfileProblem] {
        ProfileProblems.locating(RuleValidator.problems(in: profile, file: file), in: file)
    }

    /// Problems in the rules of every profile a config uses and in every device's overrides.
    public static func problems(in config: LoadedConfig) -> [ProfileProblem] {
        let timeZone = TimeZone(identifier: config.config.gateway.timeZone ?? "Asia/Shanghai")
        var problems: [ProfileProblem] = []
        var checkedProfiles: Set<String> = []
        for device in config.devices where checkedProfiles.insert(device.profile.profile).inserted {
            let file = config.profileFiles[device.profile.profile] ?? device.profile.profile
            problems += Self.problems(inProfile: device.profile, file: file)
        }
        for (stationIndex, station) in config.config.stations.enumerated() {
            for (deviceIndex, device) in station.devices.enumerated() {
                guard let profile = config.profiles[device.profile] else { continue }
                let profileFile = config.profileFiles[device.profile] ?? device.profile
                problems += RuleValidator.problems(inOverrides: device.rules, file: config.file,
                                                   path: "stations[\(stationIndex)].devices[\(deviceIndex)]",
                                                   profile: profile, profileFile: profileFile, timeZone: timeZone)
            }
        }
        return ProfileProblems.locating(problems.filter { $0.file == config.file }, in: config.file)
            + problems.filter { $0.file != config.file }
    }
}
