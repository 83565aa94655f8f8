// A frame's `points` column: the JSON array of one poll's entries, written
// byte by byte into one buffer (no JSON encoder, no String per value). An
// entry is [point_id, value] for a good reading and [point_id, value, quality]
// otherwise; SQLite's JSON functions read it back with the types the
// per-point columns had (REAL, INTEGER, TEXT, NULL).

import Foundation
import Telemetry

struct FrameText {
    private var bytes: [UInt8] = []
    private var entries = 0

    init(expectedEntries: Int) {
        bytes.reserveCapacity(2 + expectedEntries * 16)
        bytes.append(UInt8(ascii: "["))
    }

    var isEmpty: Bool { entries == 0 }

    /// Appends one entry; returns where its bytes are, for `appendCopy`.
    @discardableResult
    mutating func append(pointID: Int64, value: Value?, quality: SQLiteValue) -> Range<Int> {
        separate()
        let start = bytes.count
        bytes.append(UInt8(ascii: "["))
        appendInteger(pointID)
        bytes.append(UInt8(ascii: ","))
        switch value {
        case .none: appendASCII("null")
        case .double(let number):
            if number.isFinite { appendASCII(number.description) } else { appendQuoted(String(number)) }
        case .integer(let number): appendInteger(number)
        case .unsigned(let number):
            if number <= UInt64(Int64.max) { appendInteger(Int64(number)) } else { appendQuoted(String(number)) }
        case .bool(let flag): bytes.append(flag ? UInt8(ascii: "1") : UInt8(ascii: "0"))
        case .string(let label): appendQuoted(label)
        }
        if let why = quality.text {
            bytes.append(UInt8(ascii: ","))
            appendQuoted(why)
        }
        bytes.append(UInt8(ascii: "]"))
        return start..<bytes.count
    }

    /// Appends an entry read back from a frame (the writer's fold,
    /// StoreEngine+Latest.swift): the same text the entry was read from.
    mutating func append(_ entry: FrameEntry) {
        separate()
        bytes.append(UInt8(ascii: "["))
        appendInteger(entry.pointID)
        bytes.append(UInt8(ascii: ","))
        switch entry.value {
        case .integer(let number): appendInteger(number)
        case .real(let number): appendASCII(number.description)  // finite: FrameReader reads non-finite as text
        case .text(let text): appendQuoted(text)
        case .null, .blob: appendASCII("null")
        }
        if let why = entry.quality {
            bytes.append(UInt8(ascii: ","))
            appendQuoted(why)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// Appends an entry another frame already rendered (`range` from its `append`).
    mutating func appendCopy(of range: Range<Int>, from other: FrameText) {
        separate()
        bytes.append(contentsOf: other.bytes[range])
    }

    /// The finished JSON array (append nothing after this).
    mutating func closed() -> String {
        bytes.append(UInt8(ascii: "]"))
        return String(decoding: bytes, as: UTF8.self)
    }

    private mutating func separate() {
        if entries > 0 { bytes.append(UInt8(ascii: ",")) }
        entries += 1
    }

    private mutating func appendASCII(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    private mutating func appendInteger(_ number: Int64) {
        appendASCII(String(number))  // a small string: no allocation
    }

    private mutating func appendQuoted(_ text: String) {
        bytes.append(contentsOf: JSONText.quoted(text).utf8)
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
