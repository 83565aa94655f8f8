// The hand-over from the pollers (many threads) to the pipeline (one
// thread): pollers append reports, the pipeline takes all that are waiting
// at once, so that cycles arriving together are stored in one transaction.

import Dispatch
import Synchronization

final class ReportQueue: Sendable {
    private let waiting = Mutex<[PollReport]>([])
    private let signal = DispatchSemaphore(value: 0)

    /// Called by pollers; never blocks for long.
    func push(_ report: PollReport) {
        waiting.withLock { $0.append(report) }
        signal.signal()
    }

    /// Waits until reports arrive or `timeout` passes, then takes them all.
    func takeAll(waitingAtMost timeout: DispatchTimeInterval) -> [PollReport] {
        _ = signal.wait(timeout: .now() + timeout)
        let taken = waiting.withLock { reports -> [PollReport] in
            let all = reports
            reports.removeAll(keepingCapacity: true)
            return all
        }
        // Swallow the signals of the reports taken with this one.
        for _ in 0..<max(0, taken.count - 1) { _ = signal.wait(timeout: .now()) }
        return taken
    }

    /// Wakes a waiting `takeAll` (at shutdown).
    func wake() { signal.signal() }
}
