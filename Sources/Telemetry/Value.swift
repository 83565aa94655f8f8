// Engineering values and their quality, as every later stage sees them.

import Foundation

/// A decoded value, typed as the feed will carry it.
public enum Value: Sendable, Equatable, CustomStringConvertible {
    /// A scaled number or a float register.
    case double(Double)
    /// An unscaled integer register (the feed writes it with `i`).
    case integer(Int64)
    /// An unscaled uint64 too large for Int64.
    case unsigned(UInt64)
    case bool(Bool)
    /// An enum's label.
    case string(String)

    public var description: String {
        switch self {
        case .double(let value): return Self.format(value)
        case .integer(let value): return String(value)
        case .unsigned(let value): return String(value)
        case .bool(let value): return value ? "true" : "false"
        case .string(let value): return value
        }
    }

    /// The value as a number, where it is one (booleans as 0/1).
    public var number: Double? {
        switch self {
        case .double(let value): return value
        case .integer(let value): return Double(value)
        case .unsigned(let value): return Double(value)
        case .bool(let value): return value ? 1 : 0
        case .string: return nil
        }
    }

    /// Shortest text that reads back as the same Double, without float noise
    /// such as 0.45300000000000001 (scaled values are rounded to 12 significant digits).
    public static func format(_ value: Double) -> String {
        guard value.isFinite else { return String(value) }
        let rounded = Double(String(format: "%.12g", value)) ?? value
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int64(rounded)) }
        return String(rounded)
    }
}

/// How good a point's value is.
public enum Quality: Sendable, Equatable, CustomStringConvertible {
    case good
    /// The device said "not available" (sentinel) or sent NaN/Inf.
    case invalid(String)
    /// The read failed: the reason, e.g. "timeout" or "exception 2 (illegal data address)".
    case error(String)

    public var isGood: Bool { self == .good }

    public var description: String {
        switch self {
        case .good: return "good"
        case .invalid: return "invalid"
        case .error(let reason): return "error: \(reason)"
        }
    }
}

/// One point's reading: a value (nil unless quality is good) and its quality.
public struct Reading: Sendable, Equatable {
    public var value: Value?
    public var quality: Quality

    public init(value: Value?, quality: Quality) {
        self.value = value
        self.quality = quality
    }

    public static func good(_ value: Value) -> Reading { Reading(value: value, quality: .good) }
    public static func invalid(_ why: String) -> Reading { Reading(value: nil, quality: .invalid(why)) }
    public static func error(_ why: String) -> Reading { Reading(value: nil, quality: .error(why)) }
}
