// Turns one rule object of a point into an `AlarmRule`, reporting every
// problem with the object on its own key: unknown kind or keys, missing or
// bad values, durations, severities, `when`, and kinds the point cannot have.

import Foundation
import Decoding
import Profiles
import Telemetry

enum RuleParser {
    static let kindList = RuleKind.allCases.filter { $0 != .commLoss }.map(\.rawValue)

    /// The rule, or nil when a problem makes it unusable (the problems say why).
    static func parse(_ draft: RuleDraft, in profile: DeviceProfile, defaultTimeZone: TimeZone) -> (AlarmRule?, [ConfigProblem]) {
        var reader = RuleFieldReader(draft)
        let point = profile.points[draft.pointIndex]
        guard let kind = parseKind(&reader, point: point) else { return (nil, reader.problems.problems) }

        for key in draft.fields.keys.sorted() where !kind.allowedKeys.contains(key) {
            reader.report(key, "unknown key '\(key)' for a \(kind.rawValue) rule\(suggestion(for: key, among: kind.allowedKeys)); it may have: \(kind.allowedKeys.sorted().joined(separator: ", "))")
        }
        let id = reader.string("id") ?? kind.rawValue
        if id.isEmpty { reader.report("id", "must not be empty") }
        let severity = reader.severity(default: kind.defaultSeverity)
        let message = reader.string("message")
        _ = reader.bool("enabled")
        let when = parseWhen(&reader, point: point, in: profile)
        let realarm = reader.duration("realarm", positive: true)
        let delay = reader.duration("delay", positive: false) ?? .zero
        let offDelay = reader.duration("offDelay", positive: false) ?? .zero
        let condition = parseCondition(kind, &reader, point: point, defaultTimeZone: defaultTimeZone)
        let boost = RuleBoost.parse(&reader)

        guard let condition, reader.problems.problems.isEmpty else { return (nil, reader.problems.problems) }
        var rule = AlarmRule(id: id, point: point.name, unit: point.unit, condition: condition, severity: severity,
                             message: message, when: when, delay: delay, offDelay: offDelay, realarm: realarm)
        rule.boost = boost
        return (rule, [])
    }

    private static func parseKind(_ reader: inout RuleFieldReader, point: Point) -> RuleKind? {
        guard reader.has("kind") else {
            reader.problems.add(reader.draft.location, "a rule needs a kind: one of \(kindList.joined(separator: ", "))")
            return nil
        }
        guard let text = reader.string("kind") else { return nil }
        guard let kind = RuleKind(rawValue: text) else {
            reader.report("kind", "unknown kind '\(text)'\(suggestion(for: text, among: kindList)); kinds: \(kindList.joined(separator: ", "))")
            return nil
        }
        if kind == .commLoss {
            reader.report("kind", "commLoss is a device-level rule: set it in the gateway config's device rules, e.g. { rule: \"commLoss\", intervals: 3 }")
            return nil
        }
        if kind.needsNumber && [.bool, .bits, .enum].contains(point.type) {
            reader.report("kind", "a \(kind.rawValue) rule needs a numeric point, but \(point.name) is \(point.type.rawValue); use kind state (equals / notEquals) or stale")
            return nil
        }
        return kind
    }

    private static func parseWhen(_ reader: inout RuleFieldReader, point: Point, in profile: DeviceProfile) -> PointCondition? {
        guard let value = reader.draft.fields["when"] else { return nil }
        let location = reader.draft.location(of: "when")
        guard case .object(let fields) = value else {
            reader.report("when", "must be an object such as { point: \"pump1_running\", equals: true }")
            return nil
        }
        var whenReader = RuleFieldReader(RuleDraft(pointIndex: reader.draft.pointIndex, fields: fields, location: location))
        defer { reader.problems.problems += whenReader.problems.problems }
        for key in fields.keys.sorted() where !["point", "equals", "notEquals"].contains(key) {
            whenReader.report(key, "unknown key '\(key)' in when\(suggestion(for: key, among: ["point", "equals", "notEquals"])); it may have: point, equals, notEquals")
        }
        guard let name = whenReader.string("point") else {
            if !whenReader.has("point") { whenReader.problems.add(location, "when needs point: the name of the point it depends on") }
            return nil
        }
        guard let other = profile.points.first(where: { $0.name == name }) else {
            let names = profile.points.map(\.name)
            whenReader.report("point", "no point named '\(name)' in profile \(profile.profile)\(suggestion(for: name, among: names))")
            return nil
        }
        return parseComparison(&whenReader, point: other, what: "when")
    }

    /// `equals` or `notEquals` (exactly one) against `point`.
    private static func parseComparison(_ reader: inout RuleFieldReader, point: Point, what: String) -> PointCondition? {
        switch (reader.has("equals"), reader.has("notEquals")) {
        case (true, true):
            reader.report("notEquals", "give equals or notEquals, not both")
            return nil
        case (false, false):
            reader.problems.add(reader.draft.location, "\(what) needs equals or notEquals, e.g. equals: \(example(for: point))")
            return nil
        case (let equals, _):
            guard let value = reader.literal(equals ? "equals" : "notEquals", for: point) else { return nil }
            return PointCondition(point: point.name, expected: value, equals: equals)
        }
    }

    private static func example(for point: Point) -> String {
        switch point.type {
        case .bool, .bits: return "true"
        case .enum: return "\"\((point.values ?? [:]).values.sorted().first ?? "label")\""
        default: return "0"
        }
    }

    private static func parseCondition(_ kind: RuleKind, _ reader: inout RuleFieldReader, point: Point,
                                       defaultTimeZone: TimeZone) -> RuleCondition? {
        switch kind {
        case .high, .highHigh, .low, .lowLow:
            let limit = reader.number("limit", required: "0.6")
            let deadband = reader.number("deadband", .zeroOrMore) ?? 0
            return limit.map { .limit(LimitCondition(kind: kind, limit: $0, deadband: deadband)) }
        case .rateOfChange:
            let rising = reader.number("rising", .positive)
            let falling = reader.number("falling", .positive)
            let period = reader.duration("period", positive: true, required: "10s")
            let deadband = reader.number("deadband", .zeroOrMore) ?? 0
            if !reader.has("rising") && !reader.has("falling") {
                reader.problems.add(reader.draft.location, "a rateOfChange rule needs rising and/or falling: the largest change per period, e.g. falling: 0.1")
            }
            checkDeadband(deadband, below: [rising, falling], &reader)
            guard let period, rising != nil || falling != nil else { return nil }
            return .rateOfChange(RateOfChangeCondition(rising: rising, falling: falling, period: period, deadband: deadband))
        case .instability:
            let window = reader.duration("window", positive: true, required: "1m")
            let peakToPeak = reader.number("peakToPeak", .positive)
            let stddev = reader.number("stddev", .positive)
            let deadband = reader.number("deadband", .zeroOrMore) ?? 0
            if !reader.has("peakToPeak") && !reader.has("stddev") {
                reader.problems.add(reader.draft.location, "an instability rule needs peakToPeak and/or stddev: the largest swing allowed in the window, e.g. peakToPeak: 0.05")
            }
            checkDeadband(deadband, below: [peakToPeak, stddev], &reader)
            guard let window, peakToPeak != nil || stddev != nil else { return nil }
            return .instability(InstabilityCondition(window: window, peakToPeak: peakToPeak, stddev: stddev, deadband: deadband))
        case .state:
            return parseComparison(&reader, point: point, what: "a state rule").map { .state($0) }
        case .stale:
            return reader.duration("duration", positive: true, required: "30m").map { .stale(StaleCondition(duration: $0)) }
        case .nightFlow:
            return parseNightFlow(&reader, defaultTimeZone: defaultTimeZone)
        case .commLoss:
            return nil
        }
    }

    /// A deadband as large as a limit would keep the alarm from ever clearing.
    private static func checkDeadband(_ deadband: Double, below limits: [Double?], _ reader: inout RuleFieldReader) {
        guard let smallest = limits.compactMap({ $0 }).min(), deadband > 0, deadband >= smallest else { return }
        reader.report("deadband", "deadband \(Value.format(deadband)) must be less than the limit \(Value.format(smallest)), or the alarm could never clear")
    }

    private static func parseNightFlow(_ reader: inout RuleFieldReader, defaultTimeZone: TimeZone) -> RuleCondition? {
        let limit = reader.number("limit", .zeroOrMore, required: "2")
        func localTime(_ key: String, default fallback: LocalTime) -> LocalTime? {
            guard let text = reader.string(key) else { return reader.has(key) ? nil : fallback }
            guard let time = LocalTime(parsing: text) else {
                reader.report(key, "'\(text)' is not a local time HH:MM such as \"02:00\"")
                return nil
            }
            return time
        }
        let from = localTime("from", default: LocalTime(hour: 2, minute: 0))
        let to = localTime("to", default: LocalTime(hour: 4, minute: 0))
        if let from, let to, from == to {
            reader.report("to", "the window \(from)-\(to) is empty: from and to must differ")
        }
        var timeZone = defaultTimeZone
        if let name = reader.string("timeZone") {
            if let zone = TimeZone(identifier: name) {
                timeZone = zone
            } else {
                reader.report("timeZone", "'\(name)' is not an IANA time zone such as \"Asia/Shanghai\"")
            }
        }
        guard let limit, let from, let to, from != to else { return nil }
        return .nightFlow(NightFlowCondition(window: DailyWindow(from: from, to: to, timeZone: timeZone), limit: limit))
    }
}
