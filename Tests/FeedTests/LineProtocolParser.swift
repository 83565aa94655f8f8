// A strict line-protocol parser, written from the spec independently of the
// encoder, to check that every line the feed writes reads back as meant.
// Escapes: in measurements `\,` `\ `; in tag keys, tag values and field keys
// `\,` `\=` `\ `; any other backslash is literal (as InfluxDB 1.x reads
// names: `\\` there is two backslashes). String fields escape `\"` and `\\`.

struct ParsedLine: Equatable {
    struct Tag: Equatable { var key: String; var value: String }
    struct Field: Equatable { var key: String; var value: ParsedValue }
    var measurement: String
    var tags: [Tag]
    var fields: [Field]
    var timestamp: Int64?
}

enum ParsedValue: Equatable {
    case float(Double), integer(Int64), unsigned(UInt64), bool(Bool), string(String)
}

struct LineSyntaxError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

struct LineProtocolParser {
    private let chars: [Unicode.Scalar]
    private var index = 0

    static func parse(_ line: String) throws -> ParsedLine {
        var parser = LineProtocolParser(chars: Array(line.unicodeScalars))
        return try parser.line()
    }

    private init(chars: [Unicode.Scalar]) { self.chars = chars }

    private var current: Unicode.Scalar? { index < chars.count ? chars[index] : nil }

    private func fail(_ message: String) -> LineSyntaxError {
        LineSyntaxError(message: "column \(index): \(message)")
    }

    private mutating func line() throws -> ParsedLine {
        if chars.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\u{2028}" || $0 == "\u{85}" }) { throw fail("line break inside a line") }
        let measurement = try token(stops: [",", " "], escapable: [",", " "])
        guard !measurement.isEmpty else { throw fail("empty measurement") }
        var tags: [ParsedLine.Tag] = []
        while current == "," {
            index += 1
            let key = try token(stops: [",", " ", "="], escapable: [",", " ", "="])
            guard current == "=" else { throw fail("tag \(key) without =") }
            index += 1
            let value = try token(stops: [",", " ", "="], escapable: [",", " ", "="])
            if current == "=" { throw fail("unescaped = in tag value") }
            guard !key.isEmpty, !value.isEmpty else { throw fail("empty tag key or value") }
            tags.append(.init(key: key, value: value))
        }
        guard current == " " else { throw fail("expected a space before the fields") }
        index += 1
        var fields: [ParsedLine.Field] = []
        repeat {
            if !fields.isEmpty { index += 1 }
            let key = try token(stops: [",", " ", "="], escapable: [",", " ", "="])
            guard !key.isEmpty, current == "=" else { throw fail("bad field key \(key)") }
            index += 1
            fields.append(.init(key: key, value: try fieldValue()))
        } while current == ","
        var timestamp: Int64?
        if current == " " {
            index += 1
            let digits = String(String.UnicodeScalarView(chars[index...]))
            guard let parsed = Int64(digits) else { throw fail("bad timestamp \(digits)") }
            timestamp = parsed
            index = chars.count
        }
        guard current == nil else { throw fail("trailing text") }
        return ParsedLine(measurement: measurement, tags: tags, fields: fields, timestamp: timestamp)
    }

    /// A name up to an unescaped stop character.
    private mutating func token(stops: Set<Unicode.Scalar>, escapable: Set<Unicode.Scalar>) throws -> String {
        var out = String.UnicodeScalarView()
        while let char = current, !stops.contains(char) {
            if char == "\\", index + 1 < chars.count, escapable.contains(chars[index + 1]) {
                out.append(chars[index + 1])
                index += 2
            } else {
                out.append(char)
                index += 1
            }
        }
        return String(out)
    }

    private mutating func fieldValue() throws -> ParsedValue {
        if current == "\"" {
            index += 1
            var out = String.UnicodeScalarView()
            while let char = current, char != "\"" {
                if char == "\\", index + 1 < chars.count, chars[index + 1] == "\"" || chars[index + 1] == "\\" {
                    out.append(chars[index + 1])
                    index += 2
                } else {
                    out.append(char)
                    index += 1
                }
            }
            guard current == "\"" else { throw fail("unterminated string") }
            index += 1
            return .string(String(out))
        }
        var raw = String.UnicodeScalarView()
        while let char = current, char != ",", char != " " { raw.append(char); index += 1 }
        let text = String(raw)
        switch text {
        case "t", "T", "true", "True", "TRUE": return .bool(true)
        case "f", "F", "false", "False", "FALSE": return .bool(false)
        default: break
        }
        if text.hasSuffix("i"), let value = Int64(text.dropLast()) { return .integer(value) }
        if text.hasSuffix("u"), let value = UInt64(text.dropLast()) { return .unsigned(value) }
        guard !text.isEmpty, text.unicodeScalars.allSatisfy({ "0123456789.eE+-".unicodeScalars.contains($0) }),
              let value = Double(text), value.isFinite else { throw fail("bad field value \(text)") }
        return .float(value)
    }
}
