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

    /// The loader's check of the rules: every profile a resolved device uses,
    /// every station's and device's overrides (lines filled in by the loader).
    public static let check = DeviceCheck { problems(in: $0) }

    /// Problems in the rules of every profile the devices use and in every override.
    static func problems(in resolved: ResolvedDevices) -> [ConfigProblem] {
        let timeZone = TimeZone(identifier: resolved.timeZone ?? RuleResolver.defaultTimeZoneIdentifier)
        var problems: [ConfigProblem] = []
        var checkedProfiles: Set<String> = []
        for device in resolved.devices where checkedProfiles.insert(device.profile.profile).inserted {
            problems += RuleValidator.problems(in: device.profile, file: resolved.profileFile(of: device.profile))
        }
        for station in resolved.stations {
            let devices = resolved.devices.filter { $0.stationPath == station.path }
            problems += stationProblems(station, devices: devices, in: resolved, timeZone: timeZone)
            // A device without overrides has only its profile's rules, checked above.
            for device in devices where !(device.config.rules ?? []).isEmpty {
                problems += RuleValidator.problems(inOverrides: device.config.rules, file: resolved.file, path: device.path,
                                                   profile: device.profile, profileFile: resolved.profileFile(of: device.profile),
                                                   timeZone: timeZone)
            }
        }
        return problems
    }

    /// A station's overrides: each entry checked against every device profile
    /// it applies to; an entry naming a point no device of the station has is
    /// a problem (said only when every device of the station resolved).
    static func stationProblems(_ resolvedStation: ResolvedStation, devices: [ResolvedDevice], in resolved: ResolvedDevices,
                                timeZone: TimeZone?) -> [ConfigProblem] {
        guard let entries = resolvedStation.station.rules, !entries.isEmpty else { return [] }
        let path = resolvedStation.path, station = resolvedStation.station
        var profiles: [DeviceProfile] = []
        for device in devices where !profiles.contains(where: { $0.profile == device.profile.profile }) {
            profiles.append(device.profile)
        }
        var problems: [ConfigProblem] = []
        var seen: Set<String> = []
        for (entryIndex, entry) in entries.enumerated() {
            let fitting = profiles.filter { StationRules.applies(entry, to: $0) }
            if fitting.isEmpty, let point = StationRules.point(of: entry) {
                if resolvedStation.complete {
                    problems.append(ConfigProblem(file: resolved.file, path: "\(path).rules[\(entryIndex)].point",
                                                  message: "no device of station '\(station.id)' has a point '\(point)'"))
                }
                continue
            }
            for profile in fitting {
                let found = RuleValidator.problems(inOverrides: [entry], file: resolved.file, path: path, profile: profile,
                                                   profileFile: resolved.profileFile(of: profile), timeZone: timeZone)
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

extension ResolvedDevices {
    /// The file `profile` was read from (its id when unknown).
    func profileFile(of profile: DeviceProfile) -> String {
        profileFiles[profile.profile] ?? profile.profile
    }
}
