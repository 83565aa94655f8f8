// A problem found in a config, profile or rule, said so that the engineer
// knows what to fix: `FILE:LINE: path.to.field: message` (syntax errors
// also carry the column: `FILE:LINE:COLUMN: message`).

import Foundation

public struct ConfigProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based line in the file, where it can be known.
    public var line: Int?
    /// 1-based column (in characters), for syntax errors.
    public var column: Int?
    /// Dotted path to the field, e.g. `points[3].address`; empty for the whole file.
    public var path: String
    public var message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, path: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    public var description: String {
        var text = file
        if let line {
            text += ":\(line)"
            if let column { text += ":\(column)" }
        }
        text += ": "
        if !path.isEmpty { text += "\(path): " }
        return text + message
    }
}

/// Every problem found in one file, in the order of their lines.
public struct ConfigProblems: Error, Sendable, CustomStringConvertible {
    public var problems: [ConfigProblem]

    public init(_ problems: [ConfigProblem]) {
        self.problems = problems
    }

    /// Problems of each file ordered by line (those without a line last),
    /// keeping the order they were found in within a line.
    public static func ordered(_ problems: [ConfigProblem]) -> [ConfigProblem] {
        var fileOrder: [String: Int] = [:]
        for problem in problems where fileOrder[problem.file] == nil { fileOrder[problem.file] = fileOrder.count }
        return problems.enumerated().sorted { left, right in
            let a = left.element, b = right.element
            let fileA = fileOrder[a.file] ?? 0, fileB = fileOrder[b.file] ?? 0
            if fileA != fileB { return fileA < fileB }
            let lineA = a.line ?? Int.max, lineB = b.line ?? Int.max
            if lineA != lineB { return lineA < lineB }
            return left.offset < right.offset
        }.map(\.element)
    }

    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}

extension ConfigProblems {
    /// `problems` with the line of each one's path filled in, where a later
    /// stage (the rules) found them without one: from `texts`, the files'
    /// text as it was read, by file path (never by reading a file again).
    public static func locating(_ problems: [ConfigProblem], texts: [String: [UInt8]]) -> [ConfigProblem] {
        var maps: [String: SourceMap] = [:]
        return problems.map { problem in
            guard problem.line == nil, let text = texts[problem.file] else { return problem }
            var located = problem
            if maps[problem.file] == nil { maps[problem.file] = SourceMap(bytes: text) }
            located.line = maps[problem.file]?.line(of: problem.path)
            return located
        }
    }
}
