// Finds the line of a field in a profile's text, so that problems can say
// `FILE:LINE:`. A best effort: it walks the points list by `name:` keys,
// which is where nearly every problem lives.

struct SourceLocator {
    let lines: [Substring]

    init(text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// Line (1-based) of the n-th point's `name:` key, counting from 0.
    func line(ofPoint index: Int) -> Int? {
        var seen = -1
        guard let pointsLine = firstLine(containingKey: "points") else { return nil }
        for number in pointsLine..<lines.count where Self.hasKey("name", in: lines[number]) {
            seen += 1
            if seen == index { return number + 1 }
        }
        return nil
    }

    /// Line of a top-level or point-level key named in a coding path.
    func line(forPath codingPath: [any CodingKey]) -> Int? {
        if codingPath.count >= 2, codingPath[0].stringValue == "points", let index = codingPath[1].intValue {
            guard let start = line(ofPoint: index) else { return nil }
            if codingPath.count >= 3 {
                return line(ofKey: codingPath[2].stringValue, near: start) ?? start
            }
            return start
        }
        if let key = codingPath.first?.stringValue, let found = firstLine(containingKey: key) {
            return found + 1
        }
        return nil
    }

    /// The line of `key` in the object that starts near `line` (1-based):
    /// the same line or the few after it, before the next point's name.
    func line(ofKey key: String, near line: Int) -> Int? {
        var number = line - 1
        while number < lines.count {
            if Self.hasKey(key, in: lines[number]) { return number + 1 }
            number += 1
            if number < lines.count, Self.hasKey("name", in: lines[number]) { break }
        }
        return nil
    }

    func firstLine(containingKey key: String) -> Int? {
        lines.firstIndex { Self.hasKey(key, in: $0) }
    }

    static func hasKey(_ key: String, in line: Substring) -> Bool {
        let code = line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first ?? line
        for spelling in [key, "\"\(key)\"", "'\(key)'"] {
            var rest = code[...]
            while let range = rest.range(of: spelling) {
                let before = rest[..<range.lowerBound].last
                let after = rest[range.upperBound...].drop { $0 == " " || $0 == "\t" }.first
                let startsWord = before.map { !($0.isLetter || $0.isNumber || $0 == "_") } ?? true
                if startsWord && after == ":" { return true }
                rest = rest[range.upperBound...]
            }
        }
        return false
    }
}
