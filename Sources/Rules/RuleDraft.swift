// A rule's JSON object before parsing, with where each key was written:
// the profile (`points[3].rules[0].limit`) or a config override
// (`stations[0].devices[1].rules[2].limit`), so problems name the right file.

import Profiles

/// A file and a dotted path inside it.
struct FieldLocation: Sendable, Equatable {
    var file: String
    var path: String

    init(file: String, path: String) {
        self.file = file
        self.path = path
    }

    func child(_ key: String) -> FieldLocation { FieldLocation(file: file, path: path + "." + key) }

    func problem(_ message: String) -> ConfigProblem {
        ConfigProblem(file: file, line: nil, path: path, message: message)
    }
}

/// One rule object on its way to an `AlarmRule`.
struct RuleDraft {
    /// Index of the point in the profile.
    var pointIndex: Int
    var fields: [String: JSONValue]
    /// Where the whole object was written (the profile's, or the override that added it).
    var location: FieldLocation
    /// Where keys changed by an override were written.
    var overridden: [String: FieldLocation] = [:]

    func location(of key: String) -> FieldLocation { overridden[key] ?? location.child(key) }

    /// The rule's id as written, else its kind.
    var id: String? {
        if case .string(let id)? = fields["id"] { return id }
        if case .string(let kind)? = fields["kind"] { return kind }
        return nil
    }

    var isEnabled: Bool { fields["enabled"] != .bool(false) }

    /// Sets `key` from an override written at `location`.
    mutating func override(_ key: String, with value: JSONValue, at location: FieldLocation) {
        fields[key] = value
        overridden[key] = location
    }
}

/// Problems collected while reading rules.
struct ProblemList {
    var problems: [ConfigProblem] = []

    mutating func add(_ location: FieldLocation, _ message: String) {
        problems.append(location.problem(message))
    }
}

/// "did you mean 'limit'?" for a key or name one or two edits away from a known one.
func suggestion(for word: String, among known: some Sequence<String>) -> String {
    var best: (name: String, distance: Int)?
    for name in known {
        let distance = editDistance(word.lowercased(), name.lowercased())
        guard distance <= 2, distance < word.count else { continue }
        if let current = best, current.distance < distance || (current.distance == distance && current.name < name) { continue }
        best = (name, distance)
    }
    guard let best else { return "" }
    return " (did you mean '\(best.name)'?)"
}

private func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            let substitution: Int = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            let insertionOrDeletion: Int = Swift.min(previous[j], current[j - 1]) + 1
            current[j] = Swift.min(substitution, insertionOrDeletion)
        }
        previous = current
    }
    return previous[b.count]
}
