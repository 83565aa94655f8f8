// The tokens of a JSON5 text as `SourceScanner` reads them: keys, strings,
// numbers and the literal words, each checked without trapping, with what a
// syntax error says about the text it met.

extension SourceScanner {
    /// A quoted string or an identifier (ASCII letters, digits, _ and $, or any non-ASCII scalar).
    mutating func key() -> String? {
        guard let byte = current else { return nil }
        if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") { return string() }
        let start = index
        while let byte = current, isIdentifierByte(byte) {
            if byte >= 0x80 { readsLikeFoundation = false }
            index += 1
        }
        guard index > start, !isDigit(bytes[start]) else {
            fail("unexpected \(describe(start)); expected a key (a name or a quoted string) or '}'", at: start)
            return nil
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// A quoted string; returns its text with the simple escapes resolved
    /// (\n, \t, and \x for any other x: enough for keys).
    mutating func string() -> String? {
        guard let quote = current else { return nil }
        let start = index
        advance()
        var text: [UInt8] = []
        while let byte = current {
            if byte == quote { advance(); return String(decoding: text, as: UTF8.self) }
            if byte < 0x20 { readsLikeFoundation = false }
            if byte == UInt8(ascii: "\\") {
                advance()
                guard let escaped = current else { break }
                switch escaped {
                case UInt8(ascii: "n"): text.append(0x0A)
                case UInt8(ascii: "t"): text.append(0x09)
                case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(escaped)
                default:
                    readsLikeFoundation = false
                    text.append(escaped)
                }
                advance()
                continue
            }
            text.append(byte)
            advance()
        }
        fail("a string is not closed (missing \(quote == UInt8(ascii: "'") ? "'" : "\""))", at: start)
        return nil
    }

    /// A number; its value when it is a plain decimal (`-12.5e3`) that a
    /// Double holds, else Foundation reads it.
    mutating func number() -> JSONValue {
        let start = index
        if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
        if bytes[start] == UInt8(ascii: "+") { readsLikeFoundation = false }
        if matchWord("Infinity") || matchWord("NaN") {
            readsLikeFoundation = false
            return .null
        }
        if current == UInt8(ascii: "0"), index + 1 < bytes.count, bytes[index + 1] | 0x20 == UInt8(ascii: "x") {
            readsLikeFoundation = false
            index += 2
            let digits = index
            while let byte = current, isHexDigit(byte) { index += 1 }
            if index == digits { fail("a hexadecimal number needs digits after 0x", at: start) }
            endOfNumber(start)
            return .null
        }
        let integerStart = index
        while let byte = current, isDigit(byte) { index += 1 }
        let integerDigits = index - integerStart
        if integerDigits > 1 && bytes[integerStart] == UInt8(ascii: "0") {
            fail("a number may not start with 0 (write 8, not 08; hexadecimal as 0x1F)", at: start)
            return .null
        }
        var fractionDigits = 0
        if current == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while let byte = current, isDigit(byte) { index += 1 }
            fractionDigits = index - fractionStart
            if integerDigits == 0 || fractionDigits == 0 { readsLikeFoundation = false }
        }
        guard integerDigits + fractionDigits > 0 else {
            fail("unexpected \(describe(start)); expected a value", at: start)
            return .null
        }
        let mantissaEnd = index
        if let byte = current, byte | 0x20 == UInt8(ascii: "e") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            let exponentStart = index
            while let byte = current, isDigit(byte) { index += 1 }
            if index == exponentStart {
                fail("an exponent needs digits", at: start)
                return .null
            }
        }
        endOfNumber(start)
        // Foundation refuses a number that overflows, or that underflows to 0.
        guard let number = Double(String(decoding: bytes[start..<index], as: UTF8.self)), number.isFinite,
              number != 0 || !bytes[start..<mantissaEnd].contains(where: { (0x31...0x39).contains($0) }) else {
            readsLikeFoundation = false
            return .null
        }
        return .number(number)
    }

    /// A number must not run into letters or dots (`12ab`, `127.0.0.1`).
    mutating func endOfNumber(_ start: Int) {
        if let byte = current, isIdentifierByte(byte) || byte == UInt8(ascii: ".") {
            fail("'\(token(from: start))' is not a number; write text in quotes", at: start)
        }
    }

    /// The run of name characters and dots from `start`, for messages.
    func token(from start: Int) -> String {
        var end = start
        while end < bytes.count, end - start < 40,
              isIdentifierByte(bytes[end]) || bytes[end] == UInt8(ascii: ".") || bytes[end] == UInt8(ascii: "-") {
            end += 1
        }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// True when the text at the index is Infinity or NaN (a whole word).
    mutating func matchesNumberWord() -> Bool {
        let saved = index
        defer { index = saved }
        return matchWord("Infinity") || matchWord("NaN")
    }

    mutating func literal() -> JSONValue? {
        if matchWord("true") { return .bool(true) }
        if matchWord("false") { return .bool(false) }
        if matchWord("null") { return .null }
        return nil
    }

    mutating func matchWord(_ word: String) -> Bool {
        let utf8 = Array(word.utf8)
        guard index + utf8.count <= bytes.count, Array(bytes[index..<(index + utf8.count)]) == utf8 else { return false }
        let after = index + utf8.count
        if after < bytes.count, isIdentifierByte(bytes[after]) { return false }
        index = after
        return true
    }

    func isNumberStart(_ byte: UInt8) -> Bool {
        isDigit(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "I") || byte == UInt8(ascii: "N")
    }

    func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }

    func isHexDigit(_ byte: UInt8) -> Bool { isDigit(byte) || (0x61...0x66).contains(byte | 0x20) }

    func isIdentifierByte(_ byte: UInt8) -> Bool {
        isDigit(byte) || (0x61...0x7A).contains(byte | 0x20)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "$") || byte >= 0x80
    }

    /// `'x'` for a printable ASCII byte, else a name for it.
    func describe(_ offset: Int) -> String {
        guard offset < bytes.count else { return "end of file" }
        let byte = bytes[offset]
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        if byte == 0x0A { return "end of line" }
        if byte >= 0x80 {
            // The whole scalar, decoded leniently.
            var end = offset + 1
            while end < bytes.count, bytes[end] & 0xC0 == 0x80, end - offset < 4 { end += 1 }
            return "'\(String(decoding: bytes[offset..<end], as: UTF8.self))'"
        }
        return "character 0x\(String(byte, radix: 16, uppercase: true))"
    }
}
