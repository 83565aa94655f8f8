// How values, qualities and times become columns and come back.

import Foundation
import Telemetry

enum ValueColumns {
    /// The `points.kind` of a value: which `Value` case to rebuild.
    static func kind(of value: Value) -> String {
        switch value {
        case .double: return "double"
        case .integer: return "integer"
        case .unsigned: return "unsigned"
        case .bool: return "bool"
        case .string: return "string"
        }
    }

    static func column(_ value: Value?) -> SQLiteValue {
        switch value {
        case .none: return .null
        case .double(let number): return number.isFinite ? .real(number) : .text(String(number))
        case .integer(let number): return .integer(number)
        case .unsigned(let number): return Int64(exactly: number).map { .integer($0) } ?? .text(String(number))
        case .bool(let flag): return .integer(flag ? 1 : 0)
        case .string(let text): return .text(text)
        }
    }

    static func value(_ column: SQLiteValue, kind: String) -> Value? {
        switch (kind, column) {
        case (_, .null): return nil
        case ("integer", .integer(let number)): return .integer(number)
        case ("unsigned", .integer(let number)): return UInt64(exactly: number).map { .unsigned($0) }
        case ("unsigned", .text(let text)): return UInt64(text).map { .unsigned($0) }
        case ("bool", _): return column.integer.map { .bool($0 != 0) }
        case ("string", .text(let text)): return .string(text)
        case (_, .text(let text)): return Double(text).map { .double($0) } ?? .string(text)
        default: return column.real.map { .double($0) }
        }
    }

    /// NULL for good; "invalid: why" or "error: why" otherwise.
    static func column(_ quality: Quality) -> SQLiteValue {
        switch quality {
        case .good: return .null
        case .invalid(let why): return .text("invalid: \(why)")
        case .error(let why): return .text("error: \(why)")
        }
    }

    static func quality(_ column: SQLiteValue) -> Quality {
        guard let text = column.text else { return .good }
        if text.hasPrefix("invalid: ") { return .invalid(String(text.dropFirst("invalid: ".count))) }
        if text.hasPrefix("error: ") { return .error(String(text.dropFirst("error: ".count))) }
        return .error(text)
    }

    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    static func date(_ milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    static func date(_ column: SQLiteValue) -> Date? {
        column.integer.map(date)
    }
}
