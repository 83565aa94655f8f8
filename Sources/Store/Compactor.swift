// The compactor: turns closed windows of history frames into per-point
// chunks (ChunkCodec.swift), on a connection of its own, so the writer's
// connection never does this work. A whole window at a time, in three steps
// (Schema+TimeOrder.swift says why):
//
// 1. one read of the window's entries in the time index lists each device's
//    frames not compacted yet;
// 2. per device, its frames are read and encoded outside any transaction,
//    then ONE short transaction inserts its chunks and its `compacted_windows`
//    row, which hides those frames from every reader;
// 3. the window's frames go: a window's frames are all in one of the two
//    frame tables (Schema+FrameTables.swift), so when that table holds
//    nothing else it is emptied as a whole, without writing its pages
//    (Compactor+Clear.swift); else the compacted frames are deleted, in
//    batches of short transactions.
//
// A crash at any point leaves each sample in frames or in chunks for the
// readers, never in neither and never in both; the next pass goes on.
//
// A window is [k x 30 min, (k+1) x 30 min) of frame time. It is due once the
// newest frame in the store is `headMilliseconds` past its end: the store's
// own newest time, not the wall clock, so a bench writing simulated days
// compacts as a gateway does, and a clock step does not stall compaction.

import Foundation

/// What compaction did.
public struct CompactionReport: Sendable, Equatable {
    /// Device windows compacted.
    public var windows = 0
    public var frames = 0
    public var chunks = 0
    public var samples = 0
    /// Bytes of chunk data written.
    public var bytes = 0
    /// Frame tables emptied as a whole once their window was in chunks (the cheap way).
    public var tablesCleared = 0
    /// Frames deleted by row instead (the table held other frames too, or too many).
    public var framesDeletedByRow = 0
    /// Bytes of frame text read (what clearing the table would make SQLite visit).
    public var frameBytes = 0

    public init() {}

    mutating func add(_ other: CompactionReport) {
        windows += other.windows
        frames += other.frames
        chunks += other.chunks
        samples += other.samples
        bytes += other.bytes
        tablesCleared += other.tablesCleared
        framesDeletedByRow += other.framesDeletedByRow
        frameBytes += other.frameBytes
    }
}

final class Compactor {
    /// The span of a chunk. Fixed: reads look for chunks that start up to one window before `since`.
    static let windowMilliseconds: Int64 = 30 * 60_000
    /// Frames kept past a window's end before it is compacted (late polls of slow devices).
    static let headMilliseconds: Int64 = 60_000
    /// Frames deleted per transaction once compacted (a few MB: the writer waits at most that long).
    static let deleteBatch = 2000

    let connection: SQLiteConnection
    /// A window with more frame text than this is deleted by row, not cleared (Compactor+Clear.swift).
    let largestClearedWindow: Int

    init(path: String, options: StoreOptions) throws(StoreError) {
        connection = try SQLiteConnection(path: path, readOnly: false)
        largestClearedWindow = options.largestClearedWindow
        try connection.execute("PRAGMA busy_timeout = \(options.busyTimeoutMilliseconds)")
        try connection.execute("PRAGMA synchronous = \(options.synchronous == .full ? "FULL" : "NORMAL")")
        try connection.execute("PRAGMA secure_delete = OFF")  // see StoreEngine.configure
        try connection.execute("PRAGMA wal_autocheckpoint = 0")  // it checkpoints itself: `checkpoint()`
    }

    static func windowStart(_ time: Int64) -> Int64 { StoreEngine.floor(time, windowMilliseconds) }

    /// Compacts the window of the oldest frame if it is due; nil when none is.
    /// Checks `shouldStop` between devices (what is done stays done).
    func compactOldestWindow(shouldStop: () -> Bool = { false }) throws(StoreError) -> CompactionReport? {
        var oldest: Int64?, newest: Int64?
        for table in FrameTable.both {
            if let time = try table.aggregate("min(time)", on: connection) { oldest = min(oldest ?? time, time) }
            if let time = try table.aggregate("max(time)", on: connection) { newest = max(newest ?? time, time) }
        }
        guard let oldest, let newest else { return nil }
        let start = Self.windowStart(oldest)
        // Rows of windows older than every frame hide nothing any more.
        try connection.run("DELETE FROM compacted_windows WHERE window_start < ?", [.integer(start)])
        guard start + Self.windowMilliseconds + Self.headMilliseconds <= newest else { return nil }
        var report = CompactionReport()
        let window = try framesToCompact(windowStart: start)
        for (device, ids) in window.devices {
            if shouldStop() { return report }
            report.add(try compact(device: device, windowStart: start, frameIDs: ids))
        }
        try removeCompactedFrames(windowStart: start, maxSeen: window.maxSeen, &report)
        return report
    }

    /// Compacts every due window; returns the total.
    func compactAll() throws(StoreError) -> CompactionReport {
        var total = CompactionReport()
        while let report = try compactOldestWindow() { total.add(report) }
        return total
    }

    /// The ids of the window's frames not in chunks yet, per device, in (time,
    /// id) order; and `maxSeen`, the largest id of any frame of the window in
    /// its table, compacted or not (Compactor+Clear.swift needs it).
    private func framesToCompact(windowStart start: Int64) throws(StoreError)
        -> (devices: [(device: Int64, ids: [Int64])], maxSeen: Int64?) {
        var ids: [Int64: [Int64]] = [:]
        var maxSeen: Int64?
        let table = FrameTable.of(time: start)
        try connection.statement("""
            SELECT device_id, id, \(Schema.frameIsCompacted) FROM \(table.name) f INDEXED BY \(table.timeIndex)
            WHERE time >= ? AND time < ? ORDER BY time, id
            """).forEachRow([.integer(start), .integer(start + Self.windowMilliseconds)]) { row in
            let id = row[1].integer ?? 0
            maxSeen = max(maxSeen ?? id, id)
            if row[2].integer == 0 { ids[row[0].integer ?? 0, default: []].append(id) }
            return true
        }
        return (ids.keys.sorted().map { ($0, ids[$0]!) }, maxSeen)
    }

    /// One device's frames of one window (`frameIDs`, in time order) as
    /// chunks, and the row that hides those frames, in one transaction.
    func compact(device: Int64, windowStart start: Int64, frameIDs: [Int64]) throws(StoreError) -> CompactionReport {
        guard let firstID = frameIDs.first, let lastID = frameIDs.last else { return CompactionReport() }
        var series: [Int64: (firstFrame: Int64, samples: [StoredSample])] = [:]
        var frameBytes = 0
        let table = FrameTable.of(time: start)
        let read = try connection.statement("SELECT time, points FROM \(table.name) WHERE id = ?")
        for id in frameIDs {
            guard let frame = try read.rows([.integer(id)], { ($0[0].integer ?? 0, $0[1].text ?? "[]") }).first else {
                throw .invalidArgument("frame \(id) went during compaction (retention); retrying")
            }
            frameBytes += frame.1.utf8.count
            for entry in try connection.frameEntries(frame.1) {
                series[entry.pointID, default: (id, [])].samples.append(StoredSample(time: frame.0, value: entry.value, quality: entry.quality))
            }
        }
        var report = CompactionReport()
        report.windows = 1
        report.frames = frameIDs.count
        report.frameBytes = frameBytes
        var rows: [[SQLiteValue]] = []
        for pointID in series.keys.sorted() {
            let (firstFrame, samples) = series[pointID]!
            for slice in stride(from: 0, to: samples.count, by: ChunkCodec.maxSamples) {
                let part = Array(samples[slice..<min(slice + ChunkCodec.maxSamples, samples.count)])
                let data = ChunkCodec.encode(part)
                let summary = ChunkSummary(part)
                rows.append([.integer(pointID), .integer(start), .integer(start + Self.windowMilliseconds),
                             .integer(firstFrame + Int64(slice)), SQLiteValue(part.count), SQLiteValue(summary.count),
                             SQLiteValue(summary.min), SQLiteValue(summary.max), SQLiteValue(summary.sum),
                             SQLiteValue(summary.last), .blob(data)])
                report.chunks += 1
                report.samples += part.count
                report.bytes += data.count
            }
        }
        try connection.transaction { () throws(StoreError) in
            // Retention deletes the oldest frames first: if the device's first
            // frame of the window is still there, so is every later one.
            guard try connection.scalar("SELECT count(*) FROM \(table.name) WHERE id IN (?, ?)",
                                        [.integer(firstID), .integer(lastID)])?.integer == (firstID == lastID ? 1 : 2) else {
                throw .invalidArgument("frames went during compaction (retention); retrying")
            }
            for row in rows {
                try connection.run("""
                    INSERT INTO history_chunks (point_id, start_time, end_time, first_frame, samples, count, min, max, sum, last, data)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, row)
            }
            try connection.run("""
                INSERT INTO compacted_windows (device_id, window_start, last_frame) VALUES (?, ?, ?)
                ON CONFLICT (device_id, window_start) DO UPDATE SET last_frame = max(last_frame, excluded.last_frame)
                """, [.integer(device), .integer(start), .integer(lastID)])
        }
        return report
    }

    /// Copies the WAL into the database without waiting for readers (PASSIVE).
    /// Again while the writer committed meanwhile (a few times at most, each
    /// shorter): SQLite starts the WAL over only once every frame is copied,
    /// else it grows until the writer's own backstop checkpoint.
    func checkpoint() throws(StoreError) {
        for _ in 0..<4 {
            let result = try connection.rows("PRAGMA wal_checkpoint(PASSIVE)") { ($0[1].integer ?? 0, $0[2].integer ?? 0) }
            guard let (walFrames, copied) = result.first, walFrames > copied else { return }
        }
    }
}

/// A chunk's count, min, max, sum and last over its good numeric samples
/// (NULL columns when it has none): downsampled reads use these.
struct ChunkSummary: Equatable {
    var count = 0
    var min: Double?
    var max: Double?
    var sum: Double?
    var last: Double?

    init(_ samples: [StoredSample]) {
        for sample in samples where sample.quality == nil {
            guard let number = sample.value.numeric else { continue }
            add(number)
        }
    }

    init(count: Int, min: Double?, max: Double?, sum: Double?, last: Double?) {
        (self.count, self.min, self.max, self.sum, self.last) = (count, min, max, sum, last)
    }

    mutating func add(_ number: Double) {
        count += 1
        min = Swift.min(min ?? number, number)
        max = Swift.max(max ?? number, number)
        sum = (sum ?? 0) + number
        last = number
    }
}

extension SQLiteValue {
    /// An INTEGER or REAL as a number (TEXT, "nan" included, is not one).
    var numeric: Double? {
        switch self {
        case .integer(let number): return Double(number)
        case .real(let number): return number
        default: return nil
        }
    }
}

@available(*, unavailable)
extension Compactor: Sendable {}
