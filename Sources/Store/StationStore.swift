// The store's public face. Every SQLite call runs on ONE serial
// DispatchQueue owned by the store, never on Swift's cooperative pool:
// synchronous methods (for the writer thread, `noasync`) wait on the queue;
// async overloads hop to it with a continuation and suspend meanwhile.

import Dispatch
import Foundation

/// The local SQLite store: latest values, history, alarms, device health and
/// the feed outbox. Open one for writing per database (the writer lock
/// refuses a second); open any number for reading (`openForReading`).
///
/// How the gateway uses it: collect the cycles that finished since the last
/// write (samples, health, alarm events, encoded feed lines) into one
/// `StoreBatch` and `write` it: one transaction, so batching many devices is
/// what makes it fast. The feed sender calls `outboxPeek`, then
/// `outboxDelete(ids:)` after the server acknowledged, or
/// `outboxDeadLetter` for lines it refused. Call `runRetention` now and then
/// (e.g. hourly). On start, `activeAlarms()` restores the rules' state.
///
/// Faults: every failure is a `StoreError`. `isDiskFull` (SQLITE_FULL) and
/// `isReadOnly` (SQLITE_READONLY) are the ones to raise a store-failure alarm
/// for; the failed batch was rolled back whole, the store stays open and the
/// same batch can be written again later. `kill -9` or a crash at any moment
/// leaves a sound database holding every committed batch.
///
/// Durability (`StoreOptions.synchronous`): with `normal` (the default) a
/// power cut may lose the last transactions committed since the WAL was last
/// synced (by the compactor's thread every `compactionInterval`, 10 s; without
/// one, at SQLite's checkpoints), never corrupts; with `full` each committed
/// batch survives a power cut, at the price of one fsync per transaction.
///
/// `@unchecked Sendable` is safe because the only mutable state, `engine`
/// (the SQLite connection and caches, not Sendable), is read and written
/// only by work items on `queue`, a serial queue: one at a time, in order.
/// `options` is an immutable Sendable value.
public final class StationStore: @unchecked Sendable {
    public let path: String
    public let options: StoreOptions
    private let queue: DispatchQueue
    /// Touched only on `queue`.
    private var engine: StoreEngine?
    /// The compactor's thread and connection (writers with `compactionInterval` only).
    private let compaction: CompactionService?
    /// The writer's WAL hook (WALWatch.swift): kept here, it outlives the connection.
    private let walWatch: WALWatch?

    /// Opens `path` for writing (creating it and its folder), takes the writer
    /// lock, switches to WAL and migrates the schema forward.
    /// Throws `StoreError.inUse` when another gateway holds the database,
    /// `.newerSchema` for a file from a newer pumpgw, `.isReadOnly` errors.
    @available(*, noasync, message: "use `await StationStore.open(path:options:)`")
    public init(path: String, options: StoreOptions = StoreOptions()) throws {
        self.path = path
        self.options = options
        queue = DispatchQueue(label: "pumpgw.store")
        let wal = options.compactionInterval.map { _ in
            WALWatch(databasePath: path, backstopFrames: 4 * max(1, options.checkpointWALBytes / 4096))
        }
        walWatch = wal
        engine = try queue.sync { try StoreEngine(writingTo: path, options: options, walWatch: wal) }
        if let interval = options.compactionInterval, let wal {
            compaction = try CompactionService(path: path, options: options, interval: interval, wal: wal)
            compaction?.start()
        } else {
            compaction = nil
        }
    }

    private init(path: String, options: StoreOptions, readingWith engine: StoreEngine, queue: DispatchQueue) {
        self.path = path
        self.options = options
        self.queue = queue
        self.engine = engine
        compaction = nil
        walWatch = nil
    }

    deinit { compaction?.stop() }

    /// Opens `path` for writing without blocking the caller's thread.
    public static func open(path: String, options: StoreOptions = StoreOptions()) async throws -> StationStore {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try StationStore(path: path, options: options) })
            }
        }
    }

    /// Opens an existing database for reading only, beside a running gateway.
    @available(*, noasync)
    public static func openForReading(path: String, options: StoreOptions = StoreOptions()) throws -> StationStore {
        let queue = DispatchQueue(label: "pumpgw.store.reader")
        let engine = try queue.sync { try StoreEngine(readingFrom: path, options: options) }
        return StationStore(path: path, options: options, readingWith: engine, queue: queue)
    }

    /// Stops the compactor, brings every latest frame up to its list's last
    /// poll (StoreEngine+Latest.swift), closes the connection and releases
    /// the writer lock; later calls throw.
    @available(*, noasync)
    public func close() {
        compaction?.stop()
        queue.sync {
            // A failed fold (disk full) leaves the frames as they were: still
            // exact through the readers' overlay, and folded at the next open.
            if let engine, engine.writable { try? engine.foldBehindLatestFrames() }
            engine = nil
        }
    }

    /// Compacts every due window of history frames into chunks now, on the
    /// calling thread (with the compactor's connection, or one of its own
    /// when the store has no compactor thread), then checkpoints.
    @available(*, noasync)
    @discardableResult
    public func compactNow() throws -> CompactionReport {
        if let compaction { return try compaction.compactAndCheckpoint() }
        try onQueue { try $0.requireWritable() }
        let compactor = try Compactor(path: path, options: options)
        let report = try compactor.compactAll()
        try compactor.checkpoint()
        return report
    }

    /// What the compactor thread did so far (nil: the store has none).
    public var compactionStatus: CompactionStatus? { compaction?.current }

    // MARK: running work on the queue

    /// Runs `work` on the queue and waits for it (never call from the queue itself).
    @available(*, noasync)
    func onQueue<T>(_ work: (StoreEngine) throws -> T) throws -> T {
        dispatchPrecondition(condition: .notOnQueue(queue))
        return try queue.sync { () throws -> T in
            guard let engine else { throw StoreError.invalidArgument("the store at \(path) is closed") }
            return try work(engine)
        }
    }

    /// Runs `work` on the queue; the calling task suspends until it is done.
    func onQueue<T: Sendable>(_ work: @escaping @Sendable (StoreEngine) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                guard let engine = self.engine else {
                    continuation.resume(throwing: StoreError.invalidArgument("the store at \(self.path) is closed"))
                    return
                }
                continuation.resume(with: Result { try work(engine) })
            }
        }
    }
}
