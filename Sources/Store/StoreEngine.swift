// The store's connection and in-memory caches, opened and configured.
// Touched only on the store's serial queue (see `StationStore`); the writes,
// queries, outbox and retention live in extensions, one file each.

import Foundation
import Telemetry

/// What the writer remembers about a point between writes: its row id and
/// the last sample stored in history (for history by exception).
struct PointState {
    var id: Int64
    var name: String
    var unit: String?
    var kind: String
    var policy: HistoryPolicy
    var historyValue: Value?
    var historyQuality: SQLiteValue
    var historyTime: Int64?
    /// What a reader of the store shows for the point now (StoreEngine+Latest.swift).
    var shownValue: Value?
    var shownQuality: SQLiteValue = .null

    /// Whether this state is `point`'s: same name and unit, and a value of the stored kind.
    func describes(_ point: PointSample) -> Bool {
        guard name == point.name, unit == point.unit else { return false }
        guard let value = point.reading.value else { return true }
        return ValueColumns.kind(of: value) == kind
    }
}

/// The store's connection and caches, handed to `StationStore.read` and
/// `write` closures on the store's queue; valid only inside them.
public final class StoreEngine {
    let connection: SQLiteConnection
    let options: StoreOptions
    let writable: Bool
    /// Which point list a sample carries: the device, how many points, the first one's name.
    struct PointListKey: Hashable {
        var deviceID: Int64
        var count: Int
        var first: String
    }

    /// Held while open for writing; released by deinit (or by the kernel on kill -9).
    private let lock: WriterLock?

    /// Caches, valid only for committed state: cleared when a transaction fails.
    var deviceIDs: [String: (id: Int64, profile: String)] = [:]
    /// Per device and point list (a device with poll groups sends samples
    /// of different point lists), in the order its samples list the points,
    /// so the hot path finds a point by position instead of hashing its name.
    var points: [PointListKey: [PointState]] = [:]
    var cachedOutboxDepth: Int?
    /// Per point list: when its latest frame was written and when it was polled.
    var latestLists: [PointListKey: LatestListState] = [:]
    /// The id the next history frame gets (nil: look it up).
    var nextFrame: Int64?
    var frameStatements: FrameStatements?

    /// Opens for writing: takes the writer lock, configures, migrates. With a
    /// `walWatch` the compactor's thread makes the checkpoints (WALWatch.swift).
    init(writingTo path: String, options: StoreOptions, walWatch: WALWatch? = nil) throws(StoreError) {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try Directories.create(directory) }
        lock = try WriterLock(databasePath: path)
        connection = try SQLiteConnection(path: path, readOnly: false)
        self.options = options
        writable = true
        guard !connection.isReadOnly else {
            throw .sqlite(code: .readOnly, message: "the file or its file system is read-only", sql: nil)
        }
        try configure(walWatch: walWatch)
        try Schema.migrate(connection)
        // Polls a kill -9 left after the last latest frames: written into
        // them before the compactor could hide those polls' history frames.
        try foldBehindLatestFrames()
    }

    /// Opens for reading only, beside a running gateway: no lock, no migration.
    init(readingFrom path: String, options: StoreOptions) throws(StoreError) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw .sqlite(code: .cantOpen, message: "no database at \(path)", sql: nil)
        }
        lock = nil
        connection = try SQLiteConnection(path: path, readOnly: true)
        self.options = options
        writable = false
        try connection.execute("PRAGMA busy_timeout = \(options.busyTimeoutMilliseconds)")
        let found = try Schema.version(of: connection)
        if found > Schema.currentVersion {
            throw .newerSchema(path: path, found: found, supported: Schema.currentVersion)
        }
        if found < Schema.currentVersion {
            throw .olderSchema(path: path, found: found, supported: Schema.currentVersion)
        }
    }

    private func configure(walWatch: WALWatch?) throws(StoreError) {
        try connection.execute("PRAGMA busy_timeout = \(options.busyTimeoutMilliseconds)")
        // Takes effect only before the first table exists (a new file).
        try connection.execute("PRAGMA auto_vacuum = INCREMENTAL")
        let mode = try connection.scalar("PRAGMA journal_mode = WAL")?.text
        guard mode?.lowercased() == "wal" else {
            throw .sqlite(code: .cantOpen, message: "cannot switch to WAL mode (got \(mode ?? "nothing"))", sql: nil)
        }
        try connection.execute("PRAGMA synchronous = \(options.synchronous == .full ? "FULL" : "NORMAL")")
        try connection.execute("PRAGMA foreign_keys = ON")
        // Debian builds SQLite with SECURE_DELETE: every deleted row is zeroed
        // and its page written again. The outbox deletes each line once sent
        // and retention deletes old history, so that doubled the writes (and
        // the SD card's wear) for nothing: nothing here is secret.
        try connection.execute("PRAGMA secure_delete = OFF")
        // Checkpoints: with a compactor thread it makes them (CompactionService),
        // off this connection and the pipeline's thread, and the hook only
        // tells it the WAL's length (its backstop should the thread be stuck).
        // A checkpoint writes each page once however often it changed since
        // the last: the latest frames change every poll, freed outbox pages
        // are reused, so fewer checkpoints are fewer bytes on the SD card.
        // Without a compactor, SQLite's own every 1000 pages.
        if let walWatch { connection.watchWAL(walWatch) } else { try connection.execute("PRAGMA wal_autocheckpoint = 1000") }
        // Keep the WAL file from growing without bound after a long read,
        // and from being truncated and regrown after every checkpoint.
        try connection.execute("PRAGMA journal_size_limit = \(64 * 1024 * 1024)")
        // A page cache that holds what every poll writes: the latest frames,
        // the tails of history, its indexes and the outbox (the default 2 MB
        // is smaller than the latest frames of 1000 devices).
        try connection.execute("PRAGMA cache_size = -\(options.cacheKilobytes)")
        if let maxPageCount = options.maxPageCount {
            try connection.execute("PRAGMA max_page_count = \(maxPageCount)")
        }
    }

    deinit {
        frameStatements = nil  // finalised before the connection closes
    }

    /// True inside a `read` closure: writes are refused.
    private var inRead = false

    func requireWritable() throws(StoreError) {
        guard writable else {
            throw .sqlite(code: .readOnly, message: "the store was opened for reading only", sql: nil)
        }
        guard !inRead else {
            throw .sqlite(code: .readOnly, message: "a write inside StationStore.read; use StationStore.write", sql: nil)
        }
    }

    func readingOnly<T>(_ body: () throws -> T) rethrows -> T {
        inRead = true
        defer { inRead = false }
        return try body()
    }

    /// Forgets every cache after a failed transaction: they are rebuilt from the database.
    func forgetCaches() {
        deviceIDs.removeAll()
        points.removeAll()
        latestLists.removeAll()
        cachedOutboxDepth = nil
        nextFrame = nil
    }

    /// Runs `body` in one write transaction; on failure the caches are dropped.
    func writeTransaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try requireWritable()
        do {
            return try connection.transaction(body)
        } catch {
            forgetCaches()
            throw error
        }
    }

    var now: Int64 { ValueColumns.milliseconds(options.clock()) }
}

@available(*, unavailable)
extension StoreEngine: Sendable {}
