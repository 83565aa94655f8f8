// One line per event to stderr in logfmt: `level=info msg="..." key=value`.
// journald adds the timestamps. No line per poll at info level.

import Foundation

public struct Log: Sendable {
    public enum Level: Int, Sendable, Comparable, CaseIterable {
        case debug, info, warning, error

        public var name: String {
            switch self {
            case .debug: return "debug"
            case .info: return "info"
            case .warning: return "warn"
            case .error: return "error"
            }
        }

        public init?(name: String) {
            switch name {
            case "debug": self = .debug
            case "info": self = .info
            case "warn", "warning": self = .warning
            case "error": self = .error
            default: return nil
            }
        }

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public let minimum: Level
    private let write: @Sendable (String) -> Void

    /// Logs to stderr from `minimum` up.
    public init(minimum: Level = .info) {
        self.init(minimum: minimum) { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    /// Logs through `write` (tests collect the lines).
    public init(minimum: Level, write: @escaping @Sendable (String) -> Void) {
        self.minimum = minimum
        self.write = write
    }

    public func debug(_ message: String, _ fields: KeyValuePairs<String, String> = [:]) { emit(.debug, message, fields) }
    public func info(_ message: String, _ fields: KeyValuePairs<String, String> = [:]) { emit(.info, message, fields) }
    public func warning(_ message: String, _ fields: KeyValuePairs<String, String> = [:]) { emit(.warning, message, fields) }
    public func error(_ message: String, _ fields: KeyValuePairs<String, String> = [:]) { emit(.error, message, fields) }

    /// Writes a line that is already logfmt (from a stage with its own logger).
    public func raw(_ line: String) {
        write(line)
    }

    func emit(_ level: Level, _ message: String, _ fields: KeyValuePairs<String, String>) {
        guard level >= minimum else { return }
        var line = "level=\(level.name) msg=\(Self.quote(message))"
        for (key, value) in fields {
            line += " \(key)=\(Self.quoteIfNeeded(value))"
        }
        write(line)
    }

    static func quote(_ value: String) -> String {
        var out = "\""
        for character in value {
            switch character {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out + "\""
    }

    static func quoteIfNeeded(_ value: String) -> String {
        if value.isEmpty || value.contains(where: { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "\n" || $0 == "\\" }) {
            return quote(value)
        }
        return value
    }
}
