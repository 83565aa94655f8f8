// A frame's `points` column: the JSON array of one poll's entries, written
// byte by byte into one buffer (no JSON encoder, no String per value). An
// entry is [point_id, value] for a good reading and [point_id, value, quality]
// otherwise; SQLite's JSON functions read it back with the types the
// per-point columns had (REAL, INTEGER, TEXT, NULL).
//
// History frames are dense (schema 10, Schema+DenseFrames.swift), and latest
// frames too since the round after (the fold writes explicit ones): the array
// starts with the base point id B, and a bare value (not an array) at
// position k >= 1 is point B + k - 1's value, good quality. The writer puts a
// bare value wherever the entry's point id is B + k - 1, its quality good and
// its value not null; else the explicit entry. A bare null at position k
// means point B + k - 1 has no entry: it fills a short gap of points that
// history by exception left out, so the entries after it stay bare. A frame
// where every value changed is [B,51.3,0.7,...]: half the bytes of
// [[B,51.3],[B+1,0.7],...]; one where the third point sat still is
// [B,51.3,0.7,null,12.5,...].

import Foundation
import Telemetry

struct FrameText {
    /// The most points without an entry a dense frame fills with nulls.
    static let longestFilledGap: Int64 = 3
    private var bytes: [UInt8] = []
    private var entries = 0
    /// Dense frames only: the base point id, written as element 0.
    private var base: Int64?
    private let dense: Bool

    init(expectedEntries: Int, dense: Bool = false) {
        self.dense = dense
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

    /// Appends an entry another frame already rendered (`range` from its
    /// `append`, of `pointID`). In a dense frame, as a bare value when it
    /// sits at its point's position, is good (`isGood`: no quality) and not null.
    mutating func appendCopy(of range: Range<Int>, from other: FrameText, pointID: Int64, isGood: Bool) {
        guard dense else {
            separate()
            bytes.append(contentsOf: other.bytes[range])
            return
        }
        let base = self.base ?? pointID
        if self.base == nil {
            appendInteger(pointID)  // element 0: no separator before it
            self.base = pointID
        }
        // A short gap (points not due by exception) is filled with nulls, so
        // the entries after it stay at their positions; a longer one is not
        // worth it (5 bytes a point), and the entries after it are explicit.
        let gap = pointID &- base &- Int64(entries)
        if gap > 0 && gap <= Self.longestFilledGap {
            for _ in 0..<gap {
                separate()
                appendASCII("null")
            }
        }
        separate()
        let source = other.bytes[range]
        // [id,value]: the value is what follows the first comma, up to the closing bracket.
        if isGood, pointID == base &+ Int64(entries) &- 1, let comma = source.firstIndex(of: UInt8(ascii: ",")),
           !source[(comma + 1)..<(range.upperBound - 1)].elementsEqual("null".utf8) {
            bytes.append(contentsOf: source[(comma + 1)..<(range.upperBound - 1)])
        } else {
            bytes.append(contentsOf: source)
        }
    }

    /// The finished JSON array (append nothing after this).
    mutating func closed() -> String {
        bytes.append(UInt8(ascii: "]"))
        return String(decoding: bytes, as: UTF8.self)
    }

    private mutating func separate() {
        if entries > 0 || base != nil { bytes.append(UInt8(ascii: ",")) }
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
