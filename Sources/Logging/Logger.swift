// The gateway's logger: one line per event to stderr in logfmt, filtered by
// one minimum level, carrying metadata (station, device, endpoint) that a
// component adds once and every line it writes then names. journald adds
// the timestamps. As in swift-log, a component accepts a Logger and adds its
// own metadata; nothing writes `level=` lines by hand.

import Foundation

public struct Logger: Sendable {
    public let minimum: LogLevel
    /// Added to every line after the event's own fields, in order.
    public private(set) var metadata: [(key: String, value: String)] = []
    private let write: @Sendable (String) -> Void

    /// Logs to stderr from `minimum` up.
    public init(minimum: LogLevel = .info) {
        self.init(minimum: minimum, write: Self.standardError)
    }

    /// Logs through `write` (tests collect the lines).
    public init(minimum: LogLevel, write: @escaping @Sendable (String) -> Void) {
        self.minimum = minimum
        self.write = write
    }

    /// A logger that writes nothing (tests and tools that do not log).
    public static let discarding = Logger(minimum: .error) { _ in }

    /// This logger with `key=value` added to every line it writes.
    public func with(_ key: String, _ value: String) -> Logger {
        var copy = self
        copy.metadata.removeAll { $0.key == key }
        copy.metadata.append((key, value))
        return copy
    }

    public func isEnabled(_ level: LogLevel) -> Bool { level >= minimum }

    public func debug(_ message: @autoclosure () -> String, _ fields: KeyValuePairs<String, String> = [:]) {
        log(.debug, message(), fields)
    }

    public func info(_ message: @autoclosure () -> String, _ fields: KeyValuePairs<String, String> = [:]) {
        log(.info, message(), fields)
    }

    public func warning(_ message: @autoclosure () -> String, _ fields: KeyValuePairs<String, String> = [:]) {
        log(.warning, message(), fields)
    }

    public func error(_ message: @autoclosure () -> String, _ fields: KeyValuePairs<String, String> = [:]) {
        log(.error, message(), fields)
    }

    public func log(_ level: LogLevel, _ message: @autoclosure () -> String,
                    _ fields: KeyValuePairs<String, String> = [:]) {
        guard level >= minimum else { return }
        write(Logfmt.line(level: level, message: message(), fields: fields, metadata: metadata))
    }

    private static let standardError: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
