// The hand-over from the pollers (many threads) to the pipeline (one
// thread): pollers append reports, the pipeline takes all that are waiting
// at once, so that cycles arriving together are stored in one transaction.

import Dispatch
import Synchronization

final class ReportQueue: Sendable {
    /// The reports waiting are `items[start...]`: dropping the oldest moves
    /// `start` (O(1)); the dropped slots are reclaimed once they outnumber
    /// the capacity, so a push costs O(1) amortised even while overflowing.
    private struct Waiting {
        var items: [PollReport] = []
        var start = 0
        var count: Int { items.count - start }
    }

    private let waiting = Mutex(Waiting())
    private let signal = DispatchSemaphore(value: 0)
    /// Reports waiting at most; beyond it (the store cannot keep up) the
    /// oldest are dropped and counted, so memory stays bounded.
    let capacity: Int
    private let dropped = Atomic<Int>(0)

    init(capacity: Int = 20_000) {
        self.capacity = max(1, capacity)
    }

    /// Reports dropped because the queue was full, since start.
    var droppedReports: Int { dropped.load(ordering: .relaxed) }

    /// Called by pollers; never blocks for long.
    func push(_ report: PollReport) {
        let overflow = waiting.withLock { waiting -> Int in
            waiting.items.append(report)
            let excess = waiting.count - capacity
            guard excess > 0 else { return 0 }
            waiting.start += excess
            if waiting.start >= capacity {
                waiting.items.removeFirst(waiting.start)
                waiting.start = 0
            }
            return excess
        }
        if overflow > 0 { dropped.add(overflow, ordering: .relaxed) }
        signal.signal()
    }

    /// Waits until reports arrive or `timeout` passes, then takes them all.
    func takeAll(waitingAtMost timeout: DispatchTimeInterval) -> [PollReport] {
        _ = signal.wait(timeout: .now() + timeout)
        let taken = waiting.withLock { waiting -> [PollReport] in
            let all = Array(waiting.items[waiting.start...])
            waiting.items.removeAll(keepingCapacity: true)
            waiting.start = 0
            return all
        }
        // Swallow the signals of the reports taken with this one.
        for _ in 0..<max(0, taken.count - 1) { _ = signal.wait(timeout: .now()) }
        return taken
    }

    /// Wakes a waiting `takeAll` (at shutdown).
    func wake() { signal.signal() }
}
