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

    /// One pipe's text, and whether it reached its end.
    private final class Stream: Sendable {
        let text = Mutex("")
        let closed = Atomic<Bool>(false)
    }
    private let stdinPipe = Pipe()

    /// Starts `executable`. With `keepStdinOpen`, its stdin stays open until
    /// `terminate()`: a child that exits when stdin closes (the pymodbus and
    /// Python test servers) cannot outlive a test that dies. `environment`
    /// adds to (or replaces in) this process's environment, for the child only.
    public init(_ executable: String, _ arguments: [String], keepStdinOpen: Bool = false,
                environment: [String: String] = [:]) throws {
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
        try process.run()
    }

    public var stdout: String { out.text.withLock { $0 } }
    public var stderr: String { err.text.withLock { $0 } }
    public var pid: Int32 { process.processIdentifier }

    /// Waits until stdout or stderr (`inStderr`) contains `text`; false on
    /// timeout or when the child exits without writing it.
    public func waitFor(_ text: String, inStderr: Bool = true, timeout: TimeInterval = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        func found() -> Bool { (inStderr ? stderr : stdout).contains(text) }
        while Date() < deadline {
            if found() { return true }
            if !process.isRunning { Thread.sleep(forTimeInterval: 0.05); return found() }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return found()
    }

    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Closes stdin, sends `signal` (SIGTERM) and waits for the exit status;
    /// nil when it was still running after `timeout` (then it is killed).
    @discardableResult
    public func terminate(signal number: Int32 = SIGTERM, timeout: TimeInterval = 15) -> Int32? {
        try? stdinPipe.fileHandleForWriting.close()
        guard process.isRunning else { return process.terminationStatus }
        signal(number)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    /// SIGKILL at once; then everything it wrote to stdout.
    public func killHard() -> String {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let deadline = Date().addingTimeInterval(5)
        while !out.closed.load(ordering: .acquiring) && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        return stdout
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
