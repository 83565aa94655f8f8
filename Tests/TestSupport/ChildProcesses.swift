// What every test target that runs the `pumpgw` binary shares: where the
// binary is, running a child to its end with both pipes drained, and a
// buffer for output collected on a pipe's handler thread.

import Foundation
import Synchronization
import Testing

public enum TestBinaries {
    /// The package root (this file is Tests/TestSupport/ChildProcesses.swift).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The `pumpgw` binary `swift test` built beside the test bundle, or $PUMPGW_BIN.
    public static var pumpgw: String {
        if let override = ProcessInfo.processInfo.environment["PUMPGW_BIN"] { return override }
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return testBinary.deletingLastPathComponent().appendingPathComponent("pumpgw").path
    }
}

/// The outcome of a process that ran to its end.
public struct Finished: Sendable {
    public var status: Int32
    public var reason: Process.TerminationReason
    public var stdout: String
    public var stderr: String

    public var stderrLines: [Substring] { stderr.split(separator: "\n") }
}

/// Runs `executable` to its end, draining both pipes while it runs; after
/// `timeout` it is killed and the test records an issue.
public func runToEnd(_ executable: String, _ arguments: [String], timeout: TimeInterval = 30) throws -> Finished {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()

    let collected = Mutex<(Data, Data)>((Data(), Data()))
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) {
        let data = out.fileHandleForReading.readDataToEndOfFile()
        collected.withLock { $0.0 = data }
    }
    DispatchQueue.global().async(group: group) {
        let data = err.fileHandleForReading.readDataToEndOfFile()
        collected.withLock { $0.1 = data }
    }
    if group.wait(timeout: .now() + timeout) == .timedOut {
        kill(process.processIdentifier, SIGKILL)
        group.wait()
        Issue.record("\(executable) \(arguments.joined(separator: " ")) did not finish within \(timeout) s")
    }
    process.waitUntilExit()
    let (stdout, stderr) = collected.withLock { $0 }
    return Finished(status: process.terminationStatus, reason: process.terminationReason,
                    stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
}

/// Text a child wrote, collected on a pipe's handler thread.
public final class OutputBuffer: Sendable {
    public let text = Mutex("")

    public init() {}
}
