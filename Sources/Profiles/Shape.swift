// The structure a profile or config must have, checked on the generic JSON
// tree before the typed model is decoded: unknown keys (with a "did you
// mean" hint), missing required keys and wrong value types, all reported in
// one pass. `FileShapes` holds the shapes of the two file kinds.

/// What one value of a file must look like.
public indirect enum Shape: Sendable {
    case string
    /// A whole number (|n| ≤ 2^53, so it converts to Int exactly).
    case integer
    /// A finite number.
    case number
    case bool
    /// A string from a fixed set.
    case choice([String])
    case list(Shape)
    /// An object with free keys, each value of one shape.
    case map(Shape)
    case object([Field])
    /// An object whose keys another stage checks (alarm rules).
    case opaqueObject

    /// How a message names what was expected.
    var noun: String {
        switch self {
        case .string, .choice: return "a string"
        case .integer: return "an integer"
        case .number: return "a number"
        case .bool: return "true or false"
        case .list: return "a list"
        case .map, .object, .opaqueObject: return "an object"
        }
    }
}

/// One key of an object shape.
public struct Field: Sendable {
    public var name: String
    public var shape: Shape
    public var required: Bool
    /// What the JSON Schema says beyond the shape, as JSON members
    /// (`"minimum": 0, "description": "..."`): for editors (ProfileSchema).
    public var schema: String

    public init(_ name: String, _ shape: Shape, required: Bool = false, schema: String = "") {
        self.name = name
        self.shape = shape
        self.required = required
        self.schema = schema
    }
}

/// Walks a JSON tree against a shape and reports every mismatch.
struct ShapeChecker {
    /// Largest magnitude of an integer that a Double holds exactly.
    static let integerLimit = 9_007_199_254_740_992.0

    private(set) var problems: [(path: String, message: String)] = []

    mutating func check(_ value: JSONValue, _ shape: Shape, path: String) {
        switch (shape, value) {
        case (.string, .string), (.bool, .bool):
            return
        case (.integer, .number(let number)):
            if number.rounded() != number || abs(number) > Self.integerLimit {
                report(path, "expected an integer, found \(Self.describe(value))")
            }
        case (.number, .number(let number)):
            if !number.isFinite { report(path, "expected a finite number, found \(Self.describe(value))") }
        case (.choice(let options), .string(let text)):
            if !options.contains(text) {
                var message = "'\(text)' is not one of \(options.joined(separator: ", "))"
                if let guess = Self.suggestion(for: text, among: options) { message += "; did you mean '\(guess)'?" }
                report(path, message)
            }
        case (.list(let element), .array(let items)):
            for (index, item) in items.enumerated() {
                check(item, element, path: "\(path)[\(index)]")
            }
        case (.map(let element), .object(let members)):
            for key in members.keys.sorted() {
                if let member = members[key] { check(member, element, path: Self.join(path, key)) }
            }
        case (.opaqueObject, .object):
            return
        case (.object(let fields), .object(let members)):
            checkObject(members, fields, path: path)
        default:
            report(path, "expected \(shape.noun), found \(Self.describe(value))")
        }
    }

    private mutating func checkObject(_ members: [String: JSONValue], _ fields: [Field], path: String) {
        let names = fields.map(\.name)
        // A misspelt required key is reported once, as the unknown key with its hint.
        var suggested: Set<String> = []
        for key in members.keys.sorted() where !names.contains(key) {
            var message = "unknown key '\(key)'"
            if let guess = Self.suggestion(for: key, among: names) {
                message += "; did you mean '\(guess)'?"
                suggested.insert(guess)
            } else {
                message += " (allowed: \(names.joined(separator: ", ")))"
            }
            report(Self.join(path, key), message)
        }
        for field in fields {
            guard let member = members[field.name] else {
                if field.required && !suggested.contains(field.name) { report(Self.join(path, field.name), "missing required key '\(field.name)'") }
                continue
            }
            if case .null = member, !field.required { continue }
            check(member, field.shape, path: Self.join(path, field.name))
        }
    }

    private mutating func report(_ path: String, _ message: String) {
        problems.append((path, message))
    }

    static func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    /// `the string "ten"`, `the number 1.5`, `a list`, ... for messages.
    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let number): return number.isFinite ? "the number \(formatNumber(number))" : formatNumber(number)
        case .string(let text):
            let shown = text.count > 40 ? String(text.prefix(40)) + "..." : text
            return "the string \"\(shown)\""
        case .array: return "a list"
        case .object: return "an object"
        }
    }

    static func formatNumber(_ number: Double) -> String {
        if number.isNaN { return "NaN" }
        if number.isInfinite { return number > 0 ? "Infinity" : "-Infinity" }
        if number.rounded() == number, abs(number) < 1e15 { return String(Int64(number)) }
        return String(number)
    }

    /// The closest option to a misspelt `word`: same letters ignoring case
    /// and underscores, or at most one edit (two for longer words).
    static func suggestion(for word: String, among options: [String]) -> String? {
        func folded(_ text: String) -> [Character] { Array(text.lowercased().filter { $0 != "_" && $0 != "-" }) }
        let target = folded(word)
        guard !target.isEmpty, target.count <= 64 else { return nil }
        var best: (option: String, distance: Int)?
        for option in options {
            let distance = editDistance(target, folded(option))
            if let current = best, current.distance <= distance { continue }
            best = (option, distance)
        }
        guard let best else { return nil }
        let allowed = target.count >= 5 ? 2 : 1
        return best.distance <= allowed ? best.option : nil
    }

    /// Edits (insert, delete, replace, swap two neighbours) from `a` to `b`.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var best = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    best = min(best, table[i - 2][j - 2] + 1)
                }
                table[i][j] = best
            }
        }
        return table[a.count][b.count]
    }
}
