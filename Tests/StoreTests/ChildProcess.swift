// Running the `pumpgw` binary as a child process: to its end (TestSupport),
// or killed while it writes.

import Foundation
import Synchronization
import Testing
import TestSupport

/// Runs `pumpgw ARGUMENTS` to its end.
func runPumpgw(_ arguments: [String], timeout: TimeInterval = 60) throws -> Finished {
    try runToEnd(TestBinaries.pumpgw, arguments, timeout: timeout)
}

/// A `pumpgw` child whose stdout is collected as it comes, to be killed.
final class RunningChild {
    let process = Process()
    private let output = CollectedOutput()
    private let pipe = Pipe()

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: TestBinaries.pumpgw)
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

/// From `pumpgw bench store --progress` output ("committed CYCLE lines N
/// samples S"): the last complete line's number after `word` (0: none).
/// The last line may have been cut by a kill: it does not count.
func lastCommitted(_ word: String, in output: String) -> Int {
    output.split(separator: "\n", omittingEmptySubsequences: false).dropLast().compactMap { line -> Int? in
        let words = line.split(separator: " ")
        guard words.count == 6, words[0] == "committed", let index = words.firstIndex(of: Substring(word)) else { return nil }
        return Int(words[index + 1])
    }.last ?? 0
}

/// Output collected from a pipe's handler thread.
final class CollectedOutput: Sendable {
    let data = Mutex(Data())
}
