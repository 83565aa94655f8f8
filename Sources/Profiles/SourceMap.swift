// Where things are in a JSON5 file: the line of every key and array element,
// by its dotted path (`points[3].address`), and the line and column of the
// first syntax error. Foundation's JSON5 parser decides what is valid but
// says neither line nor column, so this small scanner walks the same text.
// It never traps: every index is checked and nesting is limited.
//
// The same walk builds the file's `JSONValue` tree, where it can be sure to
// read the text exactly as Foundation does (plain strings, decimal numbers,
// ASCII white space; the rest, rare in a profile or config, is left to
// Foundation, which takes ten times as long). The lines of paths are wanted
// only for problems: a second walk finds them, on the first question.

struct SourceMap {
    struct Position: Equatable, Sendable {
        var line: Int
        var column: Int
    }

    /// Keys written twice in one object: the path and the line of the second.
    let duplicateKeys: [(path: String, line: Int, firstLine: Int)]
    /// The first syntax error, if the scanner found one.
    let syntaxError: (message: String, position: Position)?
    /// The file's tree, when the text is valid and holds nothing whose value
    /// Foundation's reader must decide; nil otherwise.
    let tree: JSONValue?
    private let lineTable: LineTable

    static let maxDepth = 256

    init(text: String) {
        self.init(bytes: Array(text.utf8))
    }

    init(bytes: [UInt8]) {
        var scanner = SourceScanner(bytes: bytes, recordsPaths: false)
        let root = scanner.run()
        lineTable = LineTable(bytes: bytes)
        // Duplicate keys are problems: their paths and lines are wanted now.
        duplicateKeys = scanner.foundDuplicateKey ? lineTable.scan.duplicates : []
        syntaxError = scanner.error.map { message, offset in (message, Self.position(of: offset, in: bytes)) }
        tree = scanner.error == nil && scanner.readsLikeFoundation ? root : nil
    }

    /// The line of `path`, or of its nearest ancestor that has one.
    func line(of path: String) -> Int? {
        var current = path
        while true {
            if let line = lineTable.scan.lines[current] { return line }
            if current.isEmpty { return nil }
            current = Self.parent(of: current)
        }
    }

    /// Exactly the line of `path`, without falling back to an ancestor.
    func exactLine(of path: String) -> Int? { lineTable.scan.lines[path] }

    /// `points[3].address` → `points[3]` → `points` → "".
    static func parent(of path: String) -> String {
        if path.hasSuffix("]"), let open = path.lastIndex(of: "[") {
            return String(path[..<open])
        }
        if let dot = path.lastIndex(of: ".") { return String(path[..<dot]) }
        return ""
    }

    /// 1-based line and column (in Unicode scalars) of a byte offset.
    static func position(of offset: Int, in bytes: [UInt8]) -> Position {
        let end = min(max(offset, 0), bytes.count)
        var line = 1
        var lineStart = 0
        for index in 0..<end where bytes[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        // Count scalars: every byte that is not a UTF-8 continuation byte.
        let column = bytes[lineStart..<end].filter { $0 & 0xC0 != 0x80 }.count + 1
        return Position(line: line, column: column)
    }
}

/// The line of every path and the duplicate keys with their paths, from a
/// walk that writes out every path: made when first asked for (by the one
/// thread that reads the file). Lines: the key's line for object members,
/// the value's first line for array elements, the opening brace for the root ("").
private final class LineTable {
    private let bytes: [UInt8]
    private var found: (lines: [String: Int], duplicates: [(path: String, line: Int, firstLine: Int)])?

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    var scan: (lines: [String: Int], duplicates: [(path: String, line: Int, firstLine: Int)]) {
        if let found { return found }
        var scanner = SourceScanner(bytes: bytes, recordsPaths: true)
        _ = scanner.run()
        found = (scanner.lines, scanner.duplicates)
        return (scanner.lines, scanner.duplicates)
    }
}

/// The recursive-descent walk behind `SourceMap`: checks the syntax and
/// builds the tree; with `recordsPaths`, also the line of every path. Its
/// tokens (keys, strings, numbers, literals) are read in SourceScanner+Tokens.swift.
struct SourceScanner {
    let bytes: [UInt8]
    let recordsPaths: Bool
    var index = 0
    var line = 1
    var lines: [String: Int] = [:]
    var duplicates: [(path: String, line: Int, firstLine: Int)] = []
    var foundDuplicateKey = false
    var error: (String, Int)?
    /// False once the text holds something whose value Foundation's reader
    /// decides (or refuses): escapes other than \" \' \\ \/ \n \t, control
    /// characters in strings, numbers other than plain decimals or out of
    /// Double's range, non-ASCII names, white space other than ASCII's, a lone
    /// CR in a // comment, a byte order mark, duplicate keys.
    var readsLikeFoundation = true

    init(bytes: [UInt8], recordsPaths: Bool) {
        self.bytes = bytes
        self.recordsPaths = recordsPaths
    }

    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func fail(_ message: String, at offset: Int? = nil) {
        if error == nil { error = (message, offset ?? index) }
    }

    mutating func advance() {
        if current == UInt8(ascii: "\n") { line += 1 }
        index += 1
    }

    /// The root value (meaningful only without an error).
    mutating func run() -> JSONValue {
        // A byte order mark may open the file.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            index = 3
            readsLikeFoundation = false
        }
        skipSpace()
        guard let first = current else {
            fail("the file is empty; expected a JSON5 object { ... }")
            return .null
        }
        // A profile or config is an object; a bare value is refused here, so
        // that Foundation never sees a number at the very end of its input
        // (its JSON5 number check trapped on one under the fuzzer).
        guard first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else {
            fail("expected a JSON5 object { ... } at the start of the file, found \(describe(index))")
            return .null
        }
        let root = value(path: recordsPaths ? "" : nil, depth: 0)
        guard error == nil else { return root }
        skipSpace()
        if current != nil { fail("unexpected \(describe(index)) after the end of the document") }
        return root
    }

    /// Skips white space and comments.
    mutating func skipSpace() {
        while error == nil, let byte = current {
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D:
                advance()
            case 0x0B, 0x0C:
                readsLikeFoundation = false
                advance()
            case 0xC2 where index + 1 < bytes.count && bytes[index + 1] == 0xA0:  // no-break space
                readsLikeFoundation = false
                index += 2
            case 0xE2 where index + 2 < bytes.count && bytes[index + 1] == 0x80
                            && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9):  // line/paragraph separator
                readsLikeFoundation = false
                index += 3
            case 0xEF where index + 2 < bytes.count && bytes[index + 1] == 0xBB && bytes[index + 2] == 0xBF:
                readsLikeFoundation = false
                index += 3
            case UInt8(ascii: "/"):
                let next = index + 1 < bytes.count ? bytes[index + 1] : nil
                if next == UInt8(ascii: "/") {
                    while let byte = current, byte != 0x0A {
                        // Foundation ends the comment at a CR; this scanner at the LF.
                        if byte == 0x0D, index + 1 < bytes.count, bytes[index + 1] != 0x0A { readsLikeFoundation = false }
                        advance()
                    }
                } else if next == UInt8(ascii: "*") {
                    let start = index
                    index += 2
                    while true {
                        guard let byte = current else { return fail("a /* comment is not closed", at: start) }
                        if byte == UInt8(ascii: "*"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "/") {
                            index += 2
                            break
                        }
                        advance()
                    }
                } else {
                    return
                }
            default:
                return
            }
        }
    }

    /// `path` is nil unless paths are recorded.
    mutating func value(path: String?, depth: Int) -> JSONValue {
        guard depth < SourceMap.maxDepth else {
            fail("nested more than \(SourceMap.maxDepth) levels deep")
            return .null
        }
        if let path, lines[path] == nil { lines[path] = line }
        guard let byte = current else {
            fail("the file ends where a value was expected")
            return .null
        }
        switch byte {
        case UInt8(ascii: "{"): return object(path: path, depth: depth)
        case UInt8(ascii: "["): return array(path: path, depth: depth)
        case UInt8(ascii: "\""), UInt8(ascii: "'"): return string().map(JSONValue.string) ?? .null
        default:
            if isNumberStart(byte) && !(byte == UInt8(ascii: "I") || byte == UInt8(ascii: "N")) || matchesNumberWord() {
                return number()
            }
            if let literal = literal() { return literal }
            if isIdentifierByte(byte) {
                let word = token(from: index)
                fail("'\(word)' is not a value; write text in quotes: \"\(word)\"")
            } else {
                fail("unexpected \(describe(index)); expected a value")
            }
            return .null
        }
    }

    mutating func object(path: String?, depth: Int) -> JSONValue {
        advance()  // {
        var members: [String: JSONValue] = [:]
        var keyLines: [String: Int] = [:]
        while error == nil {
            skipSpace()
            guard let byte = current else {
                fail("the file ends inside an object; a } is missing")
                break
            }
            if byte == UInt8(ascii: "}") { advance(); break }
            let keyLine = line
            let keyOffset = index
            guard let key = key() else { break }
            let memberPath = path.map { $0.isEmpty ? key : "\($0).\(key)" }
            if let first = keyLines[key] {
                foundDuplicateKey = true
                readsLikeFoundation = false
                if let memberPath { duplicates.append((memberPath, keyLine, first)) }
            } else {
                keyLines[key] = keyLine
                if let memberPath { lines[memberPath] = keyLine }
            }
            skipSpace()
            guard current == UInt8(ascii: ":") else {
                fail("expected ':' after the key '\(key)'", at: current == nil ? keyOffset : index)
                break
            }
            advance()
            skipSpace()
            let member = value(path: memberPath, depth: depth + 1)
            if members[key] == nil { members[key] = member }
            skipSpace()
            guard let next = current else {
                fail("the file ends inside an object; a } is missing")
                break
            }
            if next == UInt8(ascii: ",") { advance(); continue }
            if next == UInt8(ascii: "}") { advance(); break }
            fail("unexpected \(describe(index)) after the value of '\(key)'; expected ',' or '}'")
        }
        return .object(members)
    }

    mutating func array(path: String?, depth: Int) -> JSONValue {
        advance()  // [
        var items: [JSONValue] = []
        while error == nil {
            skipSpace()
            guard let byte = current else {
                fail("the file ends inside a list; a ] is missing")
                break
            }
            if byte == UInt8(ascii: "]") { advance(); break }
            if byte == UInt8(ascii: ",") {
                fail("unexpected ','; expected a value or ']'")
                break
            }
            items.append(value(path: path.map { "\($0)[\(items.count)]" }, depth: depth + 1))
            skipSpace()
            guard let next = current else {
                fail("the file ends inside a list; a ] is missing")
                break
            }
            if next == UInt8(ascii: ",") { advance(); continue }
            if next == UInt8(ascii: "]") { advance(); break }
            fail("unexpected \(describe(index)) after a list element; expected ',' or ']'")
        }
        return .array(items)
    }
}
