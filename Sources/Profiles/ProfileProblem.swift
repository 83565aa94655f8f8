// A problem found in a profile or config file, said so that the engineer
// knows what to fix: `FILE:LINE: path.to.field: message`.

public struct ProfileProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based line in the file, where it can be known.
    public var line: Int?
    /// Dotted path to the field, e.g. `points[3].address`; empty for the whole file.
    public var path: String
    public var message: String

    public init(file: String, line: Int? = nil, path: String, message: String) {
        self.file = file
        self.line = line
        self.path = path
        self.message = message
    }

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if !path.isEmpty { text += "\(path): " }
        return text + message
    }
}

/// Every problem found in one file, in the order they were found.
public struct ProfileProblems: Error, Sendable, CustomStringConvertible {
    public var problems: [ProfileProblem]

    public init(_ problems: [ProfileProblem]) {
        self.problems = problems
    }

    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}
