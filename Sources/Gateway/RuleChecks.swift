// The rules part of validating a config: every profile's point rules and
// every device's overrides, with the same FILE:LINE: path: message problems
// as the rest (Profiles cannot check rules: the rules stage depends on it).

import Foundation
import Profiles
import Rules

public enum RuleChecks {
    /// Problems in the rules of `profile`, read from `file` whose text is `text`.
    public static func problems(inProfile profile: DeviceProfile, file: String, text: [UInt8]) -> [ConfigProblem] {
        ConfigProblems.locating(RuleValidator.problems(in: profile, file: file), texts: [file: text])
    }

    /// Problems in the rules of every profile a config uses and in every device's overrides.
    public static func problems(in config: LoadedConfig) -> [ConfigProblem] {
        let timeZone = TimeZone(identifier: config.config.gateway.timeZone ?? RuleResolver.defaultTimeZoneIdentifier)
        var problems: [ConfigProblem] = []
        var checkedProfiles: Set<String> = []
        for device in config.devices where checkedProfiles.insert(device.profile.profile).inserted {
            let file = config.profileFiles[device.profile.profile] ?? device.profile.profile
            problems += RuleValidator.problems(in: device.profile, file: file)
        }
        for (stationIndex, station) in config.config.stations.enumerated() {
            problems += stationProblems(station, index: stationIndex, config: config, timeZone: timeZone)
            // A device without overrides has only its profile's rules, checked above.
            for (deviceIndex, device) in station.devices.enumerated() where !(device.rules ?? []).isEmpty {
                guard let profile = config.profiles[device.profile] else { continue }
                let profileFile = config.profileFiles[device.profile] ?? device.profile
                problems += RuleValidator.problems(inOverrides: device.rules, file: config.file,
                                                   path: "stations[\(stationIndex)].devices[\(deviceIndex)]",
                                                   profile: profile, profileFile: profileFile, timeZone: timeZone)
            }
        }
        // Lines from the files as they were read (they may have changed since).
        return config.locating(problems)
    }

    /// A station's overrides: each entry checked against every device profile
    /// it applies to; an entry naming a point no device of the station has is a problem.
    static func stationProblems(_ station: Station, index stationIndex: Int, config: LoadedConfig,
                                timeZone: TimeZone?) -> [ConfigProblem] {
        guard let entries = station.rules, !entries.isEmpty else { return [] }
        let path = "stations[\(stationIndex)]"
        let profiles = station.devices.compactMap { config.profiles[$0.profile] }
        var problems: [ConfigProblem] = []
        var seen: Set<String> = []
        for (entryIndex, entry) in entries.enumerated() {
            let fitting = profiles.filter { StationRules.applies(entry, to: $0) }
            if fitting.isEmpty, let point = StationRules.point(of: entry) {
                problems.append(ConfigProblem(file: config.file, path: "\(path).rules[\(entryIndex)].point",
                                               message: "no device of station '\(station.id)' has a point '\(point)'"))
                continue
            }
            for profile in fitting {
                let found = RuleValidator.problems(inOverrides: [entry], file: config.file, path: path, profile: profile,
                                                   profileFile: config.profileFiles[profile.profile] ?? profile.profile,
                                                   timeZone: timeZone)
                for var problem in found {
                    // Checked alone, the entry is rules[0]: give its real index.
                    problem.path = problem.path.replacingOccurrences(of: "\(path).rules[0]", with: "\(path).rules[\(entryIndex)]")
                    if seen.insert(problem.description).inserted { problems.append(problem) }
                }
            }
        }
        return problems
    }
}
