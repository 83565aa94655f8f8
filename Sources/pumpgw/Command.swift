// The shape every verb has, and the console helpers they share.

import Foundation
import Lifecycle
import Profiles
import Synchronization

protocol Command {
    static var help: String { get }
    /// Runs the verb; returns the exit code. Throws UsageError for exit 2,
    /// any other error for exit 1.
    static func run(_ arguments: [String]) throws -> Int32
}

enum Console {
    /// One line to stderr, prefixed `pumpgw: `.
    static func error(_ message: String) {
        FileHandle.standardError.write(Data("pumpgw: \(message)\n".utf8))
    }

    /// stdout, flushed at once (a parent process may be waiting for it).
    static func print(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}

/// Set when SIGINT or SIGTERM arrives; long-running verbs poll it.
let stopRequested = Atomic<Bool>(false)

/// Routes SIGINT and SIGTERM to `stopRequested` instead of killing the
/// process, for the verbs that poll a flag (simulate, farm, demo). Keep the
/// returned queue alive for as long as the signals should be caught.
enum StopSignals {
    static func install() -> SignalQueue {
        SignalQueue(catching: [SIGINT, SIGTERM]) { _ in stopRequested.store(true, ordering: .relaxed) }
    }
}

/// Loads a profile, printing every problem on stderr; nil when it has any.
func loadProfile(_ path: String) -> DeviceProfile? {
    do {
        return try ProfileLoader.load(path: path)
    } catch {
        for problem in error.problems { Console.error(problem.description) }
        return nil
    }
}
