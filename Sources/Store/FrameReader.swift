// Reads a frame's `points` text (FrameText.swift writes it) back into
// entries, without SQLite's json_each: the compactor reads every frame once,
// and a point's head history finds its entry in each frame by a byte scan.
// Both forms: explicit entries only (every frame up to schema 9), and dense
// frames, whose element 0 is an integer, the base point id B, and whose bare
// (non-array) element k is point B + k - 1's value, good quality (a bare
// null: that point has no entry).
// Types as json_extract gives them: a number with '.', 'e' or 'E' is REAL,
// other numbers INTEGER (REAL beyond Int64), true/false 1/0, strings TEXT.
// Anything else is refused (nil), and the caller asks SQLite instead.

/// One entry of a frame: a point's value and quality (and, in latest frames
/// migrated from version 2, its own time).
struct FrameEntry: Equatable {
    var pointID: Int64
    var value: SQLiteValue
    var quality: String?
    var time: Int64? = nil
}

struct FrameReader {
    private let bytes: [UInt8]
    private var index = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    /// Every entry of the frame, or nil when the text is not a frame.
    static func entries(_ text: String) -> [FrameEntry]? {
        var reader = FrameReader(text)
        return reader.frame()
    }

    /// The entry of `pointID` in the frame: .none when it has none, nil
    /// when the text is not a frame. Skips other entries byte by byte.
    static func entry(of pointID: Int64, in text: String) -> FrameEntry?? {
        var reader = FrameReader(text)
        guard reader.take(UInt8(ascii: "[")) else { return nil }
        if reader.take(UInt8(ascii: "]")) { return .some(nil) }
        var base: Int64?
        var position: Int64 = 0
        repeat {
            let start = reader.index
            if reader.take(UInt8(ascii: "[")) {
                guard case .integer(let id)? = reader.number() else { return nil }
                if id == pointID {
                    reader.index = start
                    return reader.entry().map { .some($0) }
                }
                guard reader.skipToEntryEnd() else { return nil }
            } else if position == 0 {
                guard case .integer(let first)? = reader.scalar() else { return nil }
                base = first
            } else {
                guard let base else { return nil }
                if base &+ position &- 1 == pointID {
                    guard let value = reader.scalar() else { return nil }
                    if value != .null { return .some(FrameEntry(pointID: pointID, value: value, quality: nil)) }
                } else {
                    guard reader.skipBareValue() else { return nil }
                }
            }
            position += 1
        } while reader.take(UInt8(ascii: ","))
        return .some(nil)
    }

    /// Past a bare value of a dense frame: a string, or up to the next ',' or ']'.
    private mutating func skipBareValue() -> Bool {
        skipSpace()
        guard index < bytes.count else { return false }
        if bytes[index] == UInt8(ascii: "\"") { return string() != nil }
        let start = index
        while index < bytes.count, bytes[index] != UInt8(ascii: ","), bytes[index] != UInt8(ascii: "]") { index += 1 }
        return index > start
    }

    /// Past the "]" that closes the current entry (strings skipped whole).
    private mutating func skipToEntryEnd() -> Bool {
        var inString = false
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if inString {
                if byte == UInt8(ascii: "\\") { index += 1 } else if byte == UInt8(ascii: "\"") { inString = false }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: "]") {
                return true
            }
        }
        return false
    }

    private mutating func frame() -> [FrameEntry]? {
        guard take(UInt8(ascii: "[")) else { return nil }
        var entries: [FrameEntry] = []
        if take(UInt8(ascii: "]")) { return atEnd ? entries : nil }
        var base: Int64?  // a dense frame's element 0 (FrameText.swift)
        var position: Int64 = 0
        repeat {
            if peek(UInt8(ascii: "[")) {
                guard let entry = entry() else { return nil }
                entries.append(entry)
            } else if position == 0 {
                guard case .integer(let first)? = scalar() else { return nil }
                base = first
            } else {
                guard let base, let value = scalar() else { return nil }
                if value != .null {  // a bare null: the point has no entry (a filled gap)
                    entries.append(FrameEntry(pointID: base &+ position &- 1, value: value, quality: nil))
                }
            }
            position += 1
        } while take(UInt8(ascii: ","))
        guard take(UInt8(ascii: "]")), atEnd else { return nil }
        return entries
    }

    /// [id, value] or [id, value, quality] or [id, value, quality, time] (latest frames).
    private mutating func entry() -> FrameEntry? {
        guard take(UInt8(ascii: "[")), case .integer(let pointID)? = scalar(), take(UInt8(ascii: ",")),
              let value = scalar() else { return nil }
        var quality: String?
        var time: Int64?
        if take(UInt8(ascii: ",")) {
            switch scalar() {
            case .text(let text)?: quality = text
            case .null?: quality = nil
            default: return nil
            }
            if take(UInt8(ascii: ",")) {
                switch scalar() {
                case .integer(let own)?: time = own
                case .null?: time = nil
                default: return nil
                }
            }
        }
        guard take(UInt8(ascii: "]")) else { return nil }
        return FrameEntry(pointID: pointID, value: value, quality: quality, time: time)
    }

    private mutating func scalar() -> SQLiteValue? {
        skipSpace()
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "\""): return string().map { .text($0) }
        case UInt8(ascii: "n"): return word("null") ? .null : nil
        case UInt8(ascii: "t"): return word("true") ? .integer(1) : nil
        case UInt8(ascii: "f"): return word("false") ? .integer(0) : nil
        default: return number()
        }
    }

    private mutating func number() -> SQLiteValue? {
        let start = index
        var isReal = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                isReal = true
            } else if !(byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || (byte >= 48 && byte <= 57)) {
                break
            }
            index += 1
        }
        guard index > start else { return nil }
        let token = String(decoding: bytes[start..<index], as: UTF8.self)
        if !isReal, let integer = Int64(token) { return .integer(integer) }
        return Double(token).map { .real($0) }
    }

    private mutating func string() -> String? {
        index += 1  // the opening quote
        var utf8: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { return nil }
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "n"): utf8.append(10)
                case UInt8(ascii: "t"): utf8.append(9)
                case UInt8(ascii: "r"): utf8.append(13)
                case UInt8(ascii: "b"): utf8.append(8)
                case UInt8(ascii: "f"): utf8.append(12)
                case UInt8(ascii: "u"):
                    guard let scalar = unicodeEscape() else { return nil }
                    utf8.append(contentsOf: String(Character(scalar)).utf8)
                default: utf8.append(escaped)  // \" \\ \/
                }
            default: utf8.append(byte)
            }
        }
        return nil
    }

    /// After "\u": four hex digits, and a low surrogate's escape after a high one.
    private mutating func unicodeEscape() -> Unicode.Scalar? {
        guard let high = hex4() else { return nil }
        if (0xD800..<0xDC00).contains(high) {
            guard take(UInt8(ascii: "\\")), take(UInt8(ascii: "u")), let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
            return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
        }
        return Unicode.Scalar(high)
    }

    private mutating func hex4() -> UInt32? {
        guard index + 4 <= bytes.count,
              let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16) else { return nil }
        index += 4
        return value
    }

    private mutating func word(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let matches = text.withUTF8Buffer { Array($0) == Array(bytes[index..<index + count]) }
        if matches { index += count }
        return matches
    }

    private mutating func peek(_ byte: UInt8) -> Bool {
        skipSpace()
        return index < bytes.count && bytes[index] == byte
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        skipSpace()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func skipSpace() {
        while index < bytes.count, bytes[index] == 32 || bytes[index] == 10 || bytes[index] == 9 || bytes[index] == 13 { index += 1 }
    }

    private var atEnd: Bool {
        var probe = self
        probe.skipSpace()
        return probe.index == bytes.count
    }
}
