// The compactor's own thread (not a queue of the store, not Swift's pool):
// every `interval` it compacts every due window, then checkpoints the WAL.
// The writer's connection leaves checkpoints to it (its autocheckpoint is
// only a backstop), so the pipeline thread never copies the WAL.

import Foundation
import Synchronization

/// How compaction went so far (for `pumpgw bench store` and tests).
public struct CompactionStatus: Sendable, Equatable {
    public var total = CompactionReport()
    /// Wall time spent compacting and checkpointing.
    public var seconds: Double = 0
    public var checkpoints = 0
    /// The last failure (cleared by the next success).
    public var lastError: String?

    public init() {}
}

final class CompactionService: Sendable {
    /// nil once stopped: its connection is closed with the store.
    private let compactor: Mutex<Compactor?>
    private let status = Mutex(CompactionStatus())
    private let stopping = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let interval: TimeInterval

    /// Opens the compactor's connection; `start()` starts its thread.
    init(path: String, options: StoreOptions, interval: TimeInterval) throws(StoreError) {
        compactor = Mutex(Optional(try Compactor(path: path, options: options)))
        self.interval = interval
    }

    func start() {
        let thread = Thread { [self] in
            while !stopping.load(ordering: .relaxed) {
                _ = try? compactAndCheckpoint()
                _ = wake.wait(timeout: .now() + interval)
            }
            finished.signal()
        }
        thread.name = "pumpgw.compactor"
        thread.start()
    }

    /// Stops the thread after the window it is on; returns when it has stopped
    /// (at once on a second call: `close()` then `deinit`).
    func stop() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        wake.signal()
        finished.wait()
        compactor.withLock { $0 = nil }
    }

    var current: CompactionStatus { status.withLock { $0 } }

    /// Compacts every due window (checking for a stop between windows), then
    /// checkpoints. Runs on the calling thread; the compactor is used by one thread at a time.
    @discardableResult
    func compactAndCheckpoint() throws(StoreError) -> CompactionReport {
        let started = Date()
        var total = CompactionReport()
        do {
            while !stopping.load(ordering: .relaxed),
                  let report = try compactor.withLock({ (compactor) throws(StoreError) in try compactor?.compactOldestWindow() }) {
                total.add(report)
                record(report, since: started, checkpointed: false)
            }
            try compactor.withLock { (compactor) throws(StoreError) in try compactor?.checkpoint() }
            record(CompactionReport(), since: started, checkpointed: true)
        } catch {
            status.withLock { $0.lastError = error.description }
            throw error
        }
        return total
    }

    private func record(_ report: CompactionReport, since started: Date, checkpointed: Bool) {
        status.withLock { status in
            status.total.add(report)
            if checkpointed {
                status.checkpoints += 1
                status.seconds += Date().timeIntervalSince(started)
            }
            status.lastError = nil
        }
    }
}
