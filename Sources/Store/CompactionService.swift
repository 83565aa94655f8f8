// The compactor's own thread (not a queue of the store, not Swift's pool):
// every `compactionInterval` it compacts every due window, then either
// checkpoints the WAL (every `checkpointInterval`, or sooner once the WAL is
// `checkpointWALBytes` long) or only syncs it, so that committed polls
// survive a power cut without the checkpoint's bytes. The writer's connection
// leaves checkpoints to it (WALWatch.swift), so the pipeline thread never
// copies the WAL.

import Foundation
import Synchronization

/// How compaction went so far (for `pumpgw bench store` and tests).
public struct CompactionStatus: Sendable, Equatable {
    public var total = CompactionReport()
    /// Wall time spent compacting and checkpointing.
    public var seconds: Double = 0
    public var checkpoints = 0
    /// Passes of the thread (each compacts what is due, then checkpoints or syncs the WAL).
    public var passes = 0
    /// The last failure (cleared by the next success).
    public var lastError: String?
    /// Pages the last compacted window left free (its frames' pages, less
    /// what its chunks took): the head reuses them within the next window,
    /// so retention's vacuum keeps that many (StationStore+Retention.swift).
    public var freedByLastWindow = 0

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
    private let checkpointInterval: TimeInterval?
    private let checkpointFrames: Int
    private let wal: WALWatch
    /// When the thread last checkpointed (uptime seconds; touched by the thread only).
    private let lastCheckpoint = Mutex(ProcessInfo.processInfo.systemUptime)

    /// Opens the compactor's connection; `start()` starts its thread.
    init(path: String, options: StoreOptions, interval: TimeInterval, wal: WALWatch) throws(StoreError) {
        compactor = Mutex(Optional(try Compactor(path: path, options: options)))
        self.interval = interval
        checkpointInterval = options.checkpointInterval
        checkpointFrames = max(1, options.checkpointWALBytes / 4096)
        self.wal = wal
    }

    func start() {
        let thread = Thread { [self] in
            while !stopping.load(ordering: .relaxed) {
                _ = try? compactAndCheckpoint(onlyIfDue: true)
                _ = wake.wait(timeout: .now() + interval)
            }
            finished.signal()
        }
        thread.name = "pumpgw.compactor"
        thread.start()
    }

    /// Stops the thread after the device it is on; returns when it has stopped
    /// (at once on a second call: `close()` then `deinit`).
    func stop() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        wake.signal()
        finished.wait()
        compactor.withLock { $0 = nil }
    }

    var current: CompactionStatus { status.withLock { $0 } }

    /// Compacts every due window (checking for a stop between devices), then
    /// checkpoints: always, or with `onlyIfDue` when the interval has passed or
    /// the WAL is long, else only syncs the WAL. Runs on the calling thread;
    /// the compactor is used by one thread at a time.
    @discardableResult
    func compactAndCheckpoint(onlyIfDue: Bool = false) throws(StoreError) -> CompactionReport {
        let started = Date()
        var total = CompactionReport()
        do {
            while !stopping.load(ordering: .relaxed), let (report, freed) = try compactNextWindow() {
                total.add(report)
                record(report, since: started, checkpointed: false)
                if report.windows > 0 && freed > 0 { status.withLock { $0.freedByLastWindow = freed } }
            }
            defer { status.withLock { $0.passes += 1 } }
            guard !onlyIfDue || checkpointDue() else {
                wal.sync()
                return total
            }
            try compactor.withLock { (compactor) throws(StoreError) in try compactor?.checkpoint() }
            lastCheckpoint.withLock { $0 = ProcessInfo.processInfo.systemUptime }
            record(CompactionReport(), since: started, checkpointed: true)
        } catch {
            status.withLock { $0.lastError = error.description }
            throw error
        }
        return total
    }

    /// Compacts the oldest due window; nil when none is. Also returns the
    /// pages it left free (frames deleted less chunks written).
    private func compactNextWindow() throws(StoreError) -> (CompactionReport, freed: Int)? {
        try compactor.withLock { (compactor) throws(StoreError) -> (CompactionReport, freed: Int)? in
            guard let compactor else { return nil }
            let before = try compactor.connection.freePages()
            guard let report = try compactor.compactOldestWindow(shouldStop: { self.stopping.load(ordering: .relaxed) }) else {
                return nil
            }
            return (report, try compactor.connection.freePages() - before)
        }
    }

    private func checkpointDue() -> Bool {
        if wal.frames.load(ordering: .relaxed) >= checkpointFrames { return true }
        guard let checkpointInterval else { return false }
        return ProcessInfo.processInfo.systemUptime - lastCheckpoint.withLock { $0 } >= checkpointInterval
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
