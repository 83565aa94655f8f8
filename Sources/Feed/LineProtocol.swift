// InfluxDB line protocol, the feed's wire format: escaping, typed field
// values, tag order and timestamp precision, exactly as the spec says.

import Foundation
import Telemetry

/// Timestamp precision of the lines (and of the `precision=` the sinks send).
public enum Precision: String, Sendable, CaseIterable {
    case s, ms, us, ns

    /// Units of this precision in one second.
    public var perSecond: Int64 {
        switch self {
        case .s: return 1
        case .ms: return 1_000
        case .us: return 1_000_000
        case .ns: return 1_000_000_000
        }
    }

    /// `date` as an integer count of this precision's units since 1970 (UTC),
    /// rounded to the nearest unit; whole seconds and the fraction are
    /// converted apart so that ns keeps what a Double holds.
    public func timestamp(_ date: Date) -> Int64 {
        let time = date.timeIntervalSince1970
        let seconds = time.rounded(.down)
        let fraction = time - seconds
        return Int64(seconds) * perSecond + Int64((fraction * Double(perSecond)).rounded())
    }
}

/// A field's value as the line carries it.
public enum FieldValue: Sendable, Equatable {
    case float(Double)
    case integer(Int64)
    case bool(Bool)
    case string(String)

    /// A decoded value as a field: unsigned values that fit Int64 stay
    /// integers, larger ones become floats (InfluxDB 1.x has no `u` type).
    public init(_ value: Value) {
        switch value {
        case .double(let number): self = .float(number)
        case .integer(let number): self = .integer(number)
        case .unsigned(let number):
            self = number <= UInt64(Int64.max) ? .integer(Int64(number)) : .float(Double(number))
        case .bool(let flag): self = .bool(flag)
        case .string(let text): self = .string(text)
        }
    }
}

public enum LineProtocol {
    /// One line without its newline, or nil when no field is left (NaN and
    /// ±Inf fields are dropped). Empty tag values are left out; tags are
    /// sorted by escaped key in byte order; a field key given twice keeps the first.
    public static func line(measurement: String, tags: [String: String], fields: [(String, FieldValue)],
                            time: Date, precision: Precision) -> String? {
        var seen = Set<String>()
        var fieldText: [String] = []
        for (key, value) in fields where seen.insert(key).inserted {
            let escapedKey = escape(key, specials: keySpecials)
            guard !escapedKey.isEmpty, let text = format(value) else { continue }
            fieldText.append(escapedKey + "=" + text)
        }
        guard !fieldText.isEmpty, let series = seriesKey(measurement: measurement, tags: tags) else { return nil }
        return series + " " + fieldText.joined(separator: ",") + " " + String(precision.timestamp(time))
    }

    /// The escaped measurement and its tags (`m,k1=v1,k2=v2`), the part of a
    /// line before the fields; nil when the measurement escapes to nothing.
    static func seriesKey(measurement: String, tags: [String: String]) -> String? {
        let name = escape(measurement, specials: measurementSpecials)
        guard !name.isEmpty else { return nil }
        var series = name
        let sortedTags = tags.map { (escape($0.key, specials: keySpecials), escape($0.value, specials: keySpecials)) }
            .filter { !$0.0.isEmpty && !$0.1.isEmpty }
            .sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
        for (key, value) in sortedTags {
            series += "," + key + "=" + value
        }
        return series
    }

    /// A field value's text; nil for NaN and ±Inf.
    public static func format(_ value: FieldValue) -> String? {
        switch value {
        case .float(let number): return number.isFinite ? formatFloat(number) : nil
        case .integer(let number): return String(number) + "i"  // not "\(number)i": no interpolation buffer
        case .bool(let flag): return flag ? "true" : "false"
        case .string(let text): return quote(text)
        }
    }

    /// Shortest text that reads back as the same Double ("0.453", "12.0", "1e-05").
    public static func formatFloat(_ number: Double) -> String {
        number == 0 ? "0.0" : number.description   // never "-0.0"
    }

    /// A string field value: in double quotes, with `"` and `\` escaped;
    /// line breaks become spaces (a newline would end the line).
    public static func quote(_ text: String) -> String {
        guard needsWork(text) else { return "\"" + text + "\"" }
        var out = String.UnicodeScalarView()
        out.append("\"")
        for scalar in flattened(text).unicodeScalars {
            if scalar == "\"" || scalar == "\\" { out.append("\\") }
            out.append(scalar)
        }
        out.append("\"")
        return String(out)
    }

    static let measurementSpecials: Set<Unicode.Scalar> = [",", " "]
    static let keySpecials: Set<Unicode.Scalar> = [",", " ", "="]

    /// Escapes a measurement, tag key, tag value or field key: each special
    /// character gets a backslash. Other backslashes stay literal, except a
    /// run of backslashes right before a special character or at the end,
    /// which is left out: InfluxDB 1.x reads any backslash before a
    /// delimiter as an escape and rejects the line, so such a name cannot be
    /// written as it is. Line breaks become spaces.
    static func escape(_ text: String, specials: Set<Unicode.Scalar>) -> String {
        guard needsWork(text) else { return text }
        var out = String.UnicodeScalarView()
        var pendingBackslashes = 0
        for scalar in flattened(text).unicodeScalars {
            if scalar == "\\" {
                pendingBackslashes += 1
                continue
            }
            if specials.contains(scalar) {
                out.append("\\")
            } else {
                out.append(contentsOf: repeatElement("\\", count: pendingBackslashes))
            }
            pendingBackslashes = 0
            out.append(scalar)
        }
        return String(out)
    }

    /// False when no byte of `text` can be special anywhere (comma, space,
    /// equals sign, quote, backslash, ASCII control) or start a non-ASCII line
    /// break (U+0085, U+2028, U+2029): such text is written as it is.
    static func needsWork(_ text: String) -> Bool {
        text.utf8.contains { byte in
            byte < 0x21 || byte == 0x22 || byte == 0x2C || byte == 0x3D || byte == 0x5C || byte == 0xC2 || byte == 0xE2
        }
    }

    /// Line breaks (CR, LF, CRLF, ...) as single spaces.
    static func flattened(_ text: String) -> String {
        guard text.contains(where: { $0.isNewline }) else { return text }
        return String(text.map { $0.isNewline ? " " : $0 })
    }
}
