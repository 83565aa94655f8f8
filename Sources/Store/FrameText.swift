// A frame's `points` column: the JSON array of one poll's entries, built
// straight into one string (no JSON encoder, no per-point allocations
// beyond the text itself). An entry is [point_id, value] for a good reading
// and [point_id, value, quality] otherwise; SQLite's JSON functions read it
// back with the types the per-point columns had (REAL, INTEGER, TEXT, NULL).

import Decoding
import Foundation

struct FrameText {
    private var text = "["
    private(set) var isEmpty = true

    init(expectedEntries: Int) {
        text.reserveCapacity(2 + expectedEntries * 16)
    }

    /// Appends one entry rendered by `render(pointID:value:quality:into:)`.
    mutating func append(_ entry: String) {
        if !isEmpty { text += "," }
        text += entry
        isEmpty = false
    }

    /// The finished JSON array.
    mutating func closed() -> String {
        text += "]"
        return text
    }

    /// Renders one entry into `entry` (emptied first, its storage reused).
    static func render(pointID: Int64, value: Value?, quality: SQLiteValue, into entry: inout String) {
        entry.removeAll(keepingCapacity: true)
        entry += "["
        entry += String(pointID)
        entry += ","
        switch value {
        case .none: entry += "null"
        case .double(let number):
            entry += number.isFinite ? number.description : JSONText.quoted(String(number))
        case .integer(let number): entry += String(number)
        case .unsigned(let number):
            entry += number <= UInt64(Int64.max) ? String(number) : JSONText.quoted(String(number))
        case .bool(let flag): entry += flag ? "1" : "0"
        case .string(let label): entry += JSONText.quoted(label)
        }
        if let why = quality.text {
            entry += ","
            entry += JSONText.quoted(why)
        }
        entry += "]"
    }
}

enum JSONText {
    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        var escaped = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case _ where scalar.value < 0x20: escaped += String(format: "\\u%04x", scalar.value)
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped + "\""
    }
}
