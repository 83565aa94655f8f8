// Running the `pumpgw` binary as a child process (copied in part from
// IntegrationTests/ChildProcess.swift: test targets cannot import each other).

import Foundation
import Synchronization
import Testing

enum StoreTestPaths {
    /// The `pumpgw` binary `swift test` built beside the test bundle, or $PUMPGW_BIN.
    static var pumpgw: String {
        if let override = ProcessInfo.processInfo.environment["PUMPGW_BIN"] { return override }
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return testBinary.deletingLastPathComponent().appendingPathComponent("pumpgw").path
    }
}

struct ChildResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `pumpgw ARGUMENTS` to its end, draining both pipes while it runs.
func runPumpgw(_ arguments: [String], timeout: TimeInterval = 60) throws -> ChildResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: StoreTestPaths.pumpgw)
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
        Issue.record("pumpgw \(arguments.joined(separator: " ")) did not finish within \(timeout) s")
    }
    process.waitUntilExit()
    let (stdout, stderr) = collected.withLock { $0 }
    return ChildResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                       stderr: String(decoding: stderr, as: UTF8.self))
}

/// A `pumpgw` child whose stdout is collected as it comes, to be killed.
final class RunningChild {
    let process = Process()
    private let output = CollectedOutput()
    private let pipe = Pipe()

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: StoreTestPaths.pumpgw)
        process.arguments = arguments
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        pipe.fileHandleForReading.readabilityHandler = { [output] handle in
            let chunk = handle.availableData
            output.data.withLock { $0.append(chunk) }
        }
        try process.run()
    }

    /// SIGKILL, then everything it printed before it died.
    func killHard() -> String {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        pipe.fileHandleForReading.readabilityHandler = nil
        let rest = pipe.fileHandleForReading.readDataToEndOfFile()
        return output.data.withLock { String(decoding: $0 + rest, as: UTF8.self) }
    }
}

/// Output collected from a pipe's handler thread.
final class CollectedOutput: Sendable {
    let data = Mutex(Data())
}
