// Typed reading of one rule object's keys, each mistake reported at the
// key's own path with what to write instead.

import Foundation
import Decoding
import Profiles
import Telemetry

struct RuleFieldReader {
    let draft: RuleDraft
    var problems = ProblemList()

    init(_ draft: RuleDraft) {
        self.draft = draft
    }

    func has(_ key: String) -> Bool { draft.fields[key] != nil }

    mutating func report(_ key: String, _ message: String) {
        problems.add(draft.location(of: key), message)
    }

    mutating func string(_ key: String) -> String? {
        guard let value = draft.fields[key] else { return nil }
        guard case .string(let text) = value else {
            report(key, "must be a string, not \(describe(value))")
            return nil
        }
        return text
    }

    mutating func bool(_ key: String) -> Bool? {
        guard let value = draft.fields[key] else { return nil }
        guard case .bool(let flag) = value else {
            report(key, "must be true or false, not \(describe(value))")
            return nil
        }
        return flag
    }

    /// One of the four severities; `fallback` when absent or wrong (reported).
    mutating func severity(default fallback: Severity) -> Severity {
        guard let text = string("severity") else { return fallback }
        guard let severity = Severity(rawValue: text) else {
            report("severity", "'\(text)' is not a severity: use critical (red), major (orange), minor (yellow) or warning (blue)")
            return fallback
        }
        return severity
    }

    enum NumberRange { case any, zeroOrMore, positive }

    /// A number; `required` reports its absence with `example` showing how to write it.
    mutating func number(_ key: String, _ range: NumberRange = .any, required example: String? = nil) -> Double? {
        guard let value = draft.fields[key] else {
            if let example { report(key, "missing \(key): write it in the point's unit, e.g. \(key): \(example)") }
            return nil
        }
        guard case .number(let number) = value, number.isFinite else {
            report(key, "must be a number, not \(describe(value))")
            return nil
        }
        switch range {
        case .any: return number
        case .zeroOrMore where number < 0:
            report(key, "must be 0 or more, not \(Value.format(number))")
            return nil
        case .positive where number <= 0:
            report(key, "must be more than 0, not \(Value.format(number))")
            return nil
        default: return number
        }
    }

    /// A duration string; `required` reports its absence with an example.
    mutating func duration(_ key: String, positive: Bool, required example: String? = nil) -> Duration? {
        guard has(key) else {
            if let example { report(key, "missing \(key): a duration such as \"\(example)\"") }
            return nil
        }
        guard let text = string(key) else { return nil }
        guard let duration = DurationText.parse(text) else {
            report(key, "'\(text)' is not a duration such as \"500ms\", \"10s\", \"5m\" or \"1h\"")
            return nil
        }
        if positive && duration <= .zero {
            report(key, "must be longer than 0")
            return nil
        }
        return duration
    }

    /// A literal (bool, number or enum label) that `point` can take.
    mutating func literal(_ key: String, for point: Point) -> RuleValue? {
        guard let value = draft.fields[key] else { return nil }
        switch (point.type, value) {
        case (.bool, .bool(let flag)), (.bits, .bool(let flag)):
            return .bool(flag)
        case (.bool, _), (.bits, _):
            report(key, "\(point.name) is a \(point.type.rawValue) point: compare it with true or false, not \(describe(value))")
        case (.enum, .string(let label)):
            let labels = (point.values ?? [:]).values.sorted()
            if labels.contains(label) { return .text(label) }
            report(key, "'\(label)' is not one of \(point.name)'s labels (\(labels.joined(separator: ", ")))\(suggestion(for: label, among: labels))")
        case (.enum, _):
            report(key, "\(point.name) is an enum: compare it with one of its labels as a string, not \(describe(value))")
        case (_, .number(let number)):
            return .number(number)
        default:
            report(key, "\(point.name) is a \(point.type.rawValue) point: compare it with a number, not \(describe(value))")
        }
        return nil
    }

    func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let number): return Value.format(number)
        case .string(let text): return "\"\(text)\""
        case .array: return "a list"
        case .object: return "an object"
        }
    }
}
