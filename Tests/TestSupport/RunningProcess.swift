// A long-running child for tests (a daemon, a simulator, a server): stdout
// and stderr collected as they come (pipes drained, so it never blocks on a
// full one), waited on by text, signalled, and always killed in the end.
// The child processes of every test target are this one type.

import Foundation
import Synchronization

public final class RunningProcess {
    public let process = Process()
    private let out = Stream()
    private let err = Stream()
    private let state = ExitState()

    /// One pipe's text, and whether it reached its end.
    private final class Stream: Sendable {
        let text = Mutex("")
        let closed = Atomic<Bool>(false)
    }

    /// Whether the child has exited, for the watchdog.
    private final class ExitState: Sendable {
        let exited = Atomic<Bool>(false)
    }
    private let stdinPipe = Pipe()

    /// Starts `executable`. With `keepStdinOpen`, its stdin stays open until
    /// `terminate()`: a child that exits when stdin closes (the pymodbus and
    /// Python test servers) cannot outlive a test that dies. With `lifetime`,
    /// a watchdog SIGKILLs the child that long after the start. `environment`
    /// adds to (or replaces in) this process's environment, for the child only.
    public init(_ executable: String, _ arguments: [String], keepStdinOpen: Bool = false,
                lifetime: TimeInterval? = nil, environment: [String: String] = [:]) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw TestSocketError(description: "\(executable) not found: build it (`swift build --build-tests`) or install it")
        }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let outPipe = Pipe(), errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = keepStdinOpen ? stdinPipe : FileHandle.nullDevice
        for (pipe, buffer) in [(outPipe, out), (errPipe, err)] {
            pipe.fileHandleForReading.readabilityHandler = { handle in
                let chunk = handle.availableData
                if chunk.isEmpty {
                    handle.readabilityHandler = nil
                    buffer.closed.store(true, ordering: .releasing)
                } else {
                    buffer.text.withLock { $0 += String(decoding: chunk, as: UTF8.self) }
                }
            }
        }
        let state = self.state
        process.terminationHandler = { _ in state.exited.store(true, ordering: .releasing) }
        try process.run()
        if let lifetime {
            let pid = process.processIdentifier
            DispatchQueue.global().asyncAfter(deadline: .now() + lifetime) {
                if !state.exited.load(ordering: .acquiring) { kill(pid, SIGKILL) }
            }
        }
    }

    public var stdout: String { out.text.withLock { $0 } }
    public var stderr: String { err.text.withLock { $0 } }
    public var pid: Int32 { process.processIdentifier }

    /// Waits until stdout or stderr (`inStderr`) contains `text`; false on
    /// timeout or when the child exits without writing it.
    public func waitFor(_ text: String, inStderr: Bool = true, timeout: TimeInterval = 10) -> Bool {
        waitForOutput(inStderr: inStderr, timeout: timeout) { $0.contains(text) ? true : nil } ?? false
    }

    /// Waits until stdout matches `pattern` (a regular expression) and returns
    /// its first capture group as a whole number, e.g. a port the child
    /// announces; nil on timeout or when the child exits without writing it.
    public func waitForNumber(_ pattern: String, timeout: TimeInterval = 20) throws -> Int? {
        let expression = try NSRegularExpression(pattern: pattern)
        return waitForOutput(inStderr: false, timeout: timeout) { text in
            guard let match = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
                  let range = Range(match.range(at: 1), in: text) else { return nil }
            return Int(text[range])
        }
    }

    /// Checks `found` on the collected output every 20 ms until it gives a value.
    private func waitForOutput<T>(inStderr: Bool, timeout: TimeInterval, _ found: (String) -> T?) -> T? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let value = found(inStderr ? stderr : stdout) { return value }
            if !process.isRunning { Thread.sleep(forTimeInterval: 0.05); return found(inStderr ? stderr : stdout) }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return found(inStderr ? stderr : stdout)
    }

    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Closes stdin, sends `signal` (SIGTERM) and waits for the exit status
    /// and for both pipes to be drained (so the last lines are there); nil
    /// when it was still running after `timeout` (then it is killed).
    @discardableResult
    public func terminate(signal number: Int32 = SIGTERM, timeout: TimeInterval = 15) -> Int32? {
        try? stdinPipe.fileHandleForWriting.close()
        if process.isRunning { signal(number) }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        waitForPipes()
        return process.terminationStatus
    }

    /// SIGKILL at once; then everything it wrote to stdout.
    public func killHard() -> String {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        waitForPipes()
        return stdout
    }

    /// Up to 2 s for both pipes to reach their end after the exit.
    private func waitForPipes() {
        let deadline = Date().addingTimeInterval(2)
        while !(out.closed.load(ordering: .acquiring) && err.closed.load(ordering: .acquiring)) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
