// Durations as the config writes them: "500ms", "1s", "5m", "2h", "30d".

import Foundation

public enum DurationText {
    /// Parses `text` into a Duration, or nil if it is not `NUMBER UNIT`
    /// with unit ms, s, m, h or d (a bare number means seconds).
    public static func parse(_ text: String) -> Duration? {
        let trimmed = trimmingWhitespace(text[...])
        let digits = trimmed.prefix { $0.isNumber || $0 == "." }
        let unit = trimmingWhitespace(trimmed.dropFirst(digits.count))
        guard let number = Double(digits), number.isFinite, number >= 0 else { return nil }
        let seconds: Double
        switch unit {
        case "ms": seconds = number / 1000
        case "", "s": seconds = number
        case "m", "min": seconds = number * 60
        case "h": seconds = number * 3600
        case "d": seconds = number * 86_400
        default: return nil
        }
        let milliseconds = (seconds * 1000).rounded()
        // Beyond ~300 years a duration is a typo, and would overflow Int64.
        guard milliseconds < 1e13 else { return nil }
        return .milliseconds(Int64(milliseconds))
    }

    /// `text` without the white space (`CharacterSet.whitespaces`) at either
    /// end, as `trimmingCharacters(in:)` gives but without its cost (3 µs a
    /// call; a config of 1000 devices holds thousands of durations).
    static func trimmingWhitespace(_ text: Substring) -> Substring {
        func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
            scalar.isASCII ? scalar == " " || scalar == "\t" : CharacterSet.whitespaces.contains(scalar)
        }
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isWhitespace($0) }),
              let last = scalars.lastIndex(where: { !isWhitespace($0) }) else { return "" }
        return Substring(scalars[first...last])
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    public var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}
