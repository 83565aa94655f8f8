// A value a rule compares a reading with (`equals`, `notEquals`), and a
// condition on a point (`when`, the `state` kind).

import Decoding
import Telemetry

/// A literal from a rule: true/false, a number, or an enum label.
public enum RuleValue: Sendable, Equatable, CustomStringConvertible {
    case bool(Bool)
    case number(Double)
    case text(String)

    /// True when `value` is this literal. A bool matches a bool reading;
    /// a number any numeric reading; a label an enum reading.
    public func matches(_ value: Value) -> Bool {
        switch (self, value) {
        case (.bool(let expected), .bool(let actual)): return expected == actual
        case (.text(let expected), .string(let actual)): return expected == actual
        case (.number(let expected), _):
            if case .string = value { return false }
            if case .bool = value { return false }
            return value.number == expected
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .bool(let value): return value ? "true" : "false"
        case .number(let value): return Value.format(value)
        case .text(let value): return value
        }
    }
}

/// "`point` equals (or does not equal) `expected`".
public struct PointCondition: Sendable, Equatable {
    public var point: String
    public var expected: RuleValue
    /// false: the condition is `notEquals`.
    public var equals: Bool

    public init(point: String, expected: RuleValue, equals: Bool) {
        self.point = point
        self.expected = expected
        self.equals = equals
    }

    /// Whether the condition holds for `value`.
    public func holds(for value: Value) -> Bool {
        expected.matches(value) == equals
    }
}
