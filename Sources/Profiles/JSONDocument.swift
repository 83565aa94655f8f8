// A JSON5 file read in three steps, so that every problem is found in one
// pass: our scanner (or, for the rare text whose values it leaves to
// Foundation, Foundation's parser with `allowsJSON5`) turns the text into a
// generic `JSONValue` tree; the tree is checked against a `Shape`; then the
// parts that passed, and at last the whole, are decoded from the tree into
// the typed model (`JSONValueDecoder`): the text is read once.

import Foundation

struct JSONDocument {
    let file: String
    let tree: JSONValue
    let map: SourceMap

    /// Parses `data`; a syntax error is thrown as one problem with line and column.
    ///
    /// Our scanner reads the text first and gives the tree where it reads
    /// the text exactly as Foundation would (`SourceMap.tree`). Foundation
    /// reads the rest, and only text that is valid UTF-8 and that the scanner
    /// found well formed: Foundation's JSON5 reader (swift-foundation 6.3)
    /// trapped on some input under Fuzz/run.sh: invalid UTF-8 in an unquoted
    /// key, and a number at the very end of the input.
    static func parse(_ data: Data, file: String) throws(ConfigProblems) -> JSONDocument {
        let bytes = [UInt8](data)
        if let offset = UTF8Check.firstInvalidByte(in: bytes) {
            let position = SourceMap.position(of: offset, in: bytes)
            throw ConfigProblems([ConfigProblem(file: file, line: position.line, column: position.column, path: "",
                                                  message: "not UTF-8: byte 0x\(String(bytes[offset], radix: 16, uppercase: true)) (save the file as UTF-8)")])
        }
        let map = SourceMap(bytes: bytes)
        if let (message, position) = map.syntaxError {
            throw ConfigProblems([ConfigProblem(file: file, line: position.line, column: position.column, path: "",
                                                  message: "not valid JSON5: \(message)")])
        }
        if let tree = map.tree { return JSONDocument(file: file, tree: tree, map: map) }
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        // A final newline ends any token inside the buffer Foundation reads.
        var terminated = data
        terminated.append(0x0A)
        do {
            let tree = try decoder.decode(JSONValue.self, from: terminated)
            return JSONDocument(file: file, tree: tree, map: map)
        } catch {
            // Foundation refused what our scanner accepted: no position to give.
            throw ConfigProblems([ConfigProblem(file: file, path: "", message: "not valid JSON5 (\(Self.reason(error)))")])
        }
    }

    static func reason(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            if let underlying = context.underlyingError,
               let detail = (underlying as NSError).userInfo[NSDebugDescriptionErrorKey] as? String {
                return detail
            }
            return context.debugDescription
        }
        return "\(error)"
    }

    /// Unknown keys, missing keys, wrong types and duplicate keys, each with its line.
    func shapeProblems(_ fields: [Field]) -> [ConfigProblem] {
        var checker = ShapeChecker()
        checker.check(tree, .object(fields), path: "")
        var problems = checker.problems.map { found in
            ConfigProblem(file: file, line: map.line(of: found.path), path: found.path, message: found.message)
        }
        for duplicate in map.duplicateKeys {
            let key = duplicate.path.split(separator: ".").last.map(String.init) ?? duplicate.path
            problems.append(ConfigProblem(file: file, line: duplicate.line, path: duplicate.path,
                                           message: "duplicate key '\(key)' (first written on line \(duplicate.firstLine))"))
        }
        return problems
    }

    /// The line of `path` (or of its nearest ancestor written in the file).
    func line(_ path: String) -> Int? { map.line(of: path) }

    /// Decodes one part of the tree into a typed value; nil if it does not
    /// fit, or if it holds a non-finite number (as when this was a round trip
    /// through JSONEncoder, which refuses them).
    static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) -> T? {
        guard value.isFinite else { return nil }
        return try? JSONValueDecoder.decode(type, from: value)
    }
}

/// Paths that already have a problem, so that later checks skip them.
struct ProblemPaths {
    private var paths: Set<String> = []

    init(_ problems: [ConfigProblem]) {
        for problem in problems { paths.insert(problem.path) }
    }

    /// True when `path` or anything inside it has a problem.
    func contains(under path: String) -> Bool {
        paths.contains { $0 == path || $0.hasPrefix(path + ".") || $0.hasPrefix(path + "[") }
    }
}

extension JSONValue {
    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    var string: String? { if case .string(let text) = self { return text } else { return nil } }
    var bool: Bool? { if case .bool(let flag) = self { return flag } else { return nil } }
    var array: [JSONValue]? { if case .array(let items) = self { return items } else { return nil } }
    var number: Double? { if case .number(let number) = self { return number } else { return nil } }

    /// A whole number that fits in Int exactly.
    var integer: Int? {
        guard let number, abs(number) <= ShapeChecker.integerLimit else { return nil }
        return Int(exactly: number)
    }
}
