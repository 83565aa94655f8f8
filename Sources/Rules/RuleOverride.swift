// The gateway config's per-device rule overrides:
//   { point: "outlet_pressure", rule: "high", limit: 0.65, severity: "critical" }
//   { point: "outlet_pressure", rule: "low", enabled: false }
//   { point: "flow", rule: "leak", kind: "nightFlow", limit: 1.5 }   // adds a rule
//   { rule: "commLoss", intervals: 5, severity: "critical" }         // device-level
// Each key other than point and rule replaces the rule's own.

import Foundation
import Profiles

enum RuleOverride {
    static func apply(_ entry: JSONValue, at location: FieldLocation, to drafts: inout [RuleDraft],
                      commLoss: inout CommLossDraft, profile: DeviceProfile, problems: inout ProblemList) {
        guard case .object(let fields) = entry else {
            problems.add(location, "an override must be an object such as { point: \"outlet_pressure\", rule: \"high\", limit: 0.65 }")
            return
        }
        guard case .string(let ruleId)? = fields["rule"] else {
            problems.add(location.child("rule"), fields["rule"] == nil
                         ? "missing rule: the id of the rule to change (its kind unless it has an id), or \"commLoss\""
                         : "must be a string: the id of the rule to change")
            return
        }
        let changes = fields.filter { $0.key != "point" && $0.key != "rule" }
        guard let pointValue = fields["point"] else {
            if ruleId == RuleKind.commLoss.rawValue {
                for (key, value) in changes { commLoss.override(key, with: value, at: location.child(key)) }
            } else {
                problems.add(location.child("point"), "missing point: the point whose rule '\(ruleId)' to change (only commLoss is device-level)")
            }
            return
        }
        guard case .string(let pointName) = pointValue else {
            problems.add(location.child("point"), "must be a string: a point name of profile \(profile.profile)")
            return
        }
        guard let pointIndex = profile.points.firstIndex(where: { $0.name == pointName }) else {
            let names = profile.points.map(\.name)
            problems.add(location.child("point"), "no point named '\(pointName)' in profile \(profile.profile)\(suggestion(for: pointName, among: names))")
            return
        }
        if let index = drafts.firstIndex(where: { $0.pointIndex == pointIndex && $0.id == ruleId }) {
            for (key, value) in changes.sorted(by: { $0.key < $1.key }) {
                drafts[index].override(key, with: value, at: location.child(key))
            }
        } else if changes["kind"] != nil {
            var fields = changes
            fields["id"] = .string(ruleId)
            drafts.append(RuleDraft(pointIndex: pointIndex, fields: fields, location: location))
        } else {
            let ids = drafts.filter { $0.pointIndex == pointIndex }.compactMap(\.id)
            let known = ids.isEmpty ? "it has none" : "its rules: " + ids.joined(separator: ", ")
            problems.add(location.child("rule"), "\(pointName) has no rule '\(ruleId)'\(suggestion(for: ruleId, among: ids)) (\(known)); to add one, give its kind")
        }
    }
}

/// The commLoss rule's keys as the overrides set them; on by default.
struct CommLossDraft {
    static let allowedKeys: Set<String> = ["intervals", "severity", "message", "realarm", "enabled"]
    var fields: [String: JSONValue] = [:]
    var locations: [String: FieldLocation] = [:]

    mutating func override(_ key: String, with value: JSONValue, at location: FieldLocation) {
        fields[key] = value
        locations[key] = location
    }

    /// The rule (nil when disabled or unusable).
    func parse(problems: inout ProblemList) -> CommLossRule? {
        let draft = RuleDraft(pointIndex: 0, fields: fields, location: FieldLocation(file: "", path: ""), overridden: locations)
        var reader = RuleFieldReader(draft)
        for key in fields.keys.sorted() where !Self.allowedKeys.contains(key) {
            reader.report(key, "unknown key '\(key)' for commLoss\(suggestion(for: key, among: Self.allowedKeys)); it may have: \(Self.allowedKeys.sorted().joined(separator: ", "))")
        }
        var rule = CommLossRule()
        if let intervals = reader.number("intervals", .positive) {
            if intervals == intervals.rounded() {
                rule.intervals = Int(intervals)
            } else {
                reader.report("intervals", "must be a whole number of poll intervals, not \(intervals)")
            }
        }
        rule.severity = reader.severity(default: rule.severity)
        rule.message = reader.string("message")
        rule.realarm = reader.duration("realarm", positive: true)
        let enabled = reader.bool("enabled") ?? true
        problems.problems += reader.problems.problems
        return enabled ? rule : nil
    }
}
