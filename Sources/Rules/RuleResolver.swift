// Builds a device's rules: the profile's point rules, changed by the gateway
// config's overrides, parsed and checked together (duplicate ids, limits in
// order, deadbands inside the band). The public entry points for `pumpgw check`
// and for the gateway.

import Foundation
import Profiles

/// A device's rules and every problem found while building them.
public struct RuleResolution: Sendable {
    public var rules: DeviceRules
    public var problems: [ConfigProblem]
}

public enum RuleResolver {
    /// Time zone of daily windows when neither the rule nor the caller names one.
    public static let defaultTimeZoneIdentifier = "Asia/Shanghai"

    /// The rules of one device.
    /// - Parameters:
    ///   - profile: the device's profile; `profileFile` names it in problems.
    ///   - overrides: the device config's `rules` entries, written in `overridesFile`
    ///     at `overridesPath` (e.g. "stations[0].devices[1]"); problems get
    ///     paths such as "stations[0].devices[1].rules[2].limit".
    ///   - timeZone: default time zone of nightFlow windows (the gateway's `timeZone`).
    public static func resolve(profile: DeviceProfile, profileFile: String,
                               overrides: [JSONValue]? = nil, overridesFile: String = "", overridesPath: String = "",
                               timeZone: TimeZone? = nil) -> RuleResolution {
        let zone = timeZone ?? TimeZone(identifier: defaultTimeZoneIdentifier) ?? .gmt
        var problems = ProblemList()
        var drafts: [RuleDraft] = []
        for (pointIndex, point) in profile.points.enumerated() {
            for (ruleIndex, value) in (point.rules ?? []).enumerated() {
                let location = FieldLocation(file: profileFile, path: "points[\(pointIndex)].rules[\(ruleIndex)]")
                guard case .object(let fields) = value else {
                    problems.add(location, "a rule must be an object such as { kind: \"high\", limit: 0.6, deadband: 0.02, delay: \"10s\" }")
                    continue
                }
                drafts.append(RuleDraft(pointIndex: pointIndex, fields: fields, location: location))
            }
        }
        var commLoss = CommLossDraft()
        let base = FieldLocation(file: overridesFile, path: overridesPath.isEmpty ? "rules" : overridesPath + ".rules")
        for (index, entry) in (overrides ?? []).enumerated() {
            let location = FieldLocation(file: base.file, path: "\(base.path)[\(index)]")
            RuleOverride.apply(entry, at: location, to: &drafts, commLoss: &commLoss, profile: profile, problems: &problems)
        }

        var parsed: [(draft: RuleDraft, rule: AlarmRule)] = []
        for draft in drafts {
            let (rule, ruleProblems) = RuleParser.parse(draft, in: profile, defaultTimeZone: zone)
            problems.problems += ruleProblems
            if let rule, draft.isEnabled { parsed.append((draft, rule)) }
        }
        problems.problems += RuleConsistency.problems(parsed)
        let rules = DeviceRules(rules: parsed.map(\.rule), commLoss: commLoss.parse(problems: &problems))
        return RuleResolution(rules: rules, problems: problems.problems)
    }
}

public enum RuleValidator {
    /// Every problem with the rules of `profile`, at paths such as
    /// "points[3].rules[0].limit".
    public static func problems(in profile: DeviceProfile, file: String) -> [ConfigProblem] {
        RuleResolver.resolve(profile: profile, profileFile: file).problems
    }

    /// Problems with a device config's rule overrides only (those written in
    /// `file`), for `pumpgw check` of a config whose profiles are checked on their own.
    public static func problems(inOverrides overrides: [JSONValue]?, file: String, path: String,
                                profile: DeviceProfile, profileFile: String, timeZone: TimeZone? = nil) -> [ConfigProblem] {
        RuleResolver.resolve(profile: profile, profileFile: profileFile, overrides: overrides,
                             overridesFile: file, overridesPath: path, timeZone: timeZone)
            .problems.filter { $0.file == file && $0.file != profileFile }
    }
}
