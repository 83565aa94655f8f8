// How the store is opened: durability, history policy, retention, outbox cap.

import Foundation

/// What a commit survives. Both modes survive `kill -9` of the gateway with
/// nothing committed lost, and neither corrupts the database on power loss.
///
/// - `normal` (default): in WAL mode SQLite syncs the WAL only at checkpoints;
///   the compactor's thread also syncs it every `compactionInterval` (10 s).
///   A power cut or kernel crash may lose the transactions committed since
///   (at most those 10 s of polls); the database stays consistent. One fsync
///   per interval, not per commit.
/// - `full`: the WAL is synced at every commit, so a committed transaction
///   survives a power cut too. Costs one fsync per transaction (milliseconds
///   to tens of milliseconds on an SD card): batch devices into one write.
public enum SynchronousMode: String, Sendable {
    case normal, full
}

/// When a point's sample is kept in history (history by exception).
public struct HistoryPolicy: Sendable, Equatable {
    /// A numeric sample is stored when it differs from the last stored one by
    /// more than this; 0 stores any change. Non-numeric values: any change.
    public var deadband: Double
    /// A sample is stored when this long has passed since the last stored one,
    /// changed or not, so that a flat line still shows the point was alive.
    public var heartbeat: TimeInterval

    public init(deadband: Double = 0, heartbeat: TimeInterval = 15 * 60) {
        self.deadband = deadband
        self.heartbeat = heartbeat
    }
}

public struct StoreOptions: Sendable {
    public var synchronous: SynchronousMode
    /// How long a connection waits for a lock held by another (milliseconds).
    public var busyTimeoutMilliseconds: Int
    /// SQLite's page cache of the writer, in KiB (default 8 MiB: with history
    /// and latest as frames the pages written every poll are a few MB).
    public var cacheKilobytes: Int
    /// The policy of points without one of their own.
    public var defaultHistoryPolicy: HistoryPolicy
    /// Per-point policies, keyed by "STATION/DEVICE/POINT" or by point name
    /// (for that point on every device); the full path wins.
    public var historyPolicies: [String: HistoryPolicy]
    /// History and alarm events older than this are deleted by `runRetention`.
    public var retention: TimeInterval
    /// Largest database size in bytes before `runRetention` deletes the oldest history (nil: no limit).
    public var maxDatabaseBytes: Int64?
    /// Rows per retention transaction: small, so the writer never waits long.
    public var retentionBatchRows: Int
    /// Largest outbox in lines: beyond it the oldest lines are dropped and counted.
    public var outboxMaxLines: Int
    /// Outbox lines older than this are dropped (and counted) by `runRetention` (nil: kept).
    public var outboxMaxAge: TimeInterval?
    /// A hard ceiling on the file (`PRAGMA max_page_count`): writes beyond it fail
    /// with `isDiskFull`, as on a full disk (nil: none).
    public var maxPageCount: Int?
    /// How often the compactor's thread turns closed windows of history
    /// frames into chunks and syncs the WAL, so that a power cut loses at most
    /// this much of committed polls (nil: no thread; history stays in frames
    /// until `compactNow()`, and the writer checkpoints as SQLite does).
    public var compactionInterval: TimeInterval?
    /// How often the compactor's thread copies the WAL into the database file
    /// (a checkpoint), and sooner once the WAL holds `checkpointWALBytes`.
    /// Each page is copied once however often it changed since the last
    /// checkpoint, so rarer ones write fewer bytes (BENCHMARKS.md); the WAL
    /// syncs in between keep what a power cut can lose. nil: only at the
    /// WAL limit (measurements).
    public var checkpointInterval: TimeInterval?
    /// The WAL length that makes the compactor checkpoint before
    /// `checkpointInterval`; at 4 times this the writer checkpoints itself.
    public var checkpointWALBytes: Int
    /// How long the gateway gathers poll reports before it writes them in one
    /// transaction (`store.commit`). Every commit writes again the last,
    /// partly filled page of each table it appends to, so a station of a few
    /// devices writes far fewer bytes per sample with a longer one (BENCHMARKS.md:
    /// 10 devices, 68 -> 42 B per polled sample at 5 s); a kill -9 loses the
    /// reports of the current one, and the feed and `status` see polls that much later.
    public var commitInterval: TimeInterval = 1
    /// Bytes of frame text above which a compacted window's frames are deleted
    /// by row rather than by clearing their table, which holds the write lock
    /// while SQLite visits every page (Compactor+Clear.swift).
    public var largestClearedWindow = 256 << 20
    /// The store's clock (outbox times, retention cutoffs); UTC.
    public var clock: @Sendable () -> Date

    public init(synchronous: SynchronousMode = .normal, busyTimeoutMilliseconds: Int = 5000, cacheKilobytes: Int = 8192,
                defaultHistoryPolicy: HistoryPolicy = HistoryPolicy(), historyPolicies: [String: HistoryPolicy] = [:],
                retention: TimeInterval = 30 * 86_400, maxDatabaseBytes: Int64? = nil, retentionBatchRows: Int = 5000,
                outboxMaxLines: Int = 10_000_000, outboxMaxAge: TimeInterval? = nil, maxPageCount: Int? = nil,
                compactionInterval: TimeInterval? = 10, checkpointInterval: TimeInterval? = 60,
                checkpointWALBytes: Int = 64 << 20,
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.synchronous = synchronous
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        self.cacheKilobytes = cacheKilobytes
        self.defaultHistoryPolicy = defaultHistoryPolicy
        self.historyPolicies = historyPolicies
        self.retention = retention
        self.maxDatabaseBytes = maxDatabaseBytes
        self.retentionBatchRows = retentionBatchRows
        self.outboxMaxLines = outboxMaxLines
        self.outboxMaxAge = outboxMaxAge
        self.maxPageCount = maxPageCount
        self.compactionInterval = compactionInterval
        self.checkpointInterval = checkpointInterval
        self.checkpointWALBytes = checkpointWALBytes
        self.clock = clock
    }

    func historyPolicy(station: String, device: String, point: String) -> HistoryPolicy {
        historyPolicies["\(station)/\(device)/\(point)"] ?? historyPolicies[point] ?? defaultHistoryPolicy
    }
}
