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
    private let child: RunningProcess

    init(_ arguments: [String]) throws {
        child = try RunningProcess(TestBinaries.pumpgw, arguments)
    }

    var process: Process { child.process }
    var stdout: String { child.stdout }

    /// SIGKILL, then everything it printed before it died.
    func killHard() -> String { child.killHard() }
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
