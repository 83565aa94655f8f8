// The compactor: turns closed windows of history frames into per-point
// chunks (ChunkCodec.swift), on a connection of its own, so the writer's
// connection never does this work. One device's window at a time: its
// frames are read and encoded outside any write transaction, then ONE short
// transaction inserts the window's chunks and deletes its frames. A crash
// leaves the frames or the chunks, never neither and never both.
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

    public init() {}

    mutating func add(_ other: CompactionReport) {
        windows += other.windows
        frames += other.frames
        chunks += other.chunks
        samples += other.samples
        bytes += other.bytes
    }
}

final class Compactor {
    /// The span of a chunk. Fixed: reads look for chunks that start up to one window before `since`.
    static let windowMilliseconds: Int64 = 30 * 60_000
    /// Frames kept past a window's end before it is compacted (late polls of slow devices).
    static let headMilliseconds: Int64 = 60_000

    let connection: SQLiteConnection
    /// The newest frame time seen (nil: not looked up yet).
    private var newestSeen: Int64?

    init(path: String, options: StoreOptions) throws(StoreError) {
        connection = try SQLiteConnection(path: path, readOnly: false)
        try connection.execute("PRAGMA busy_timeout = \(options.busyTimeoutMilliseconds)")
        try connection.execute("PRAGMA synchronous = \(options.synchronous == .full ? "FULL" : "NORMAL")")
        try connection.execute("PRAGMA secure_delete = OFF")  // see StoreEngine.configure
        try connection.execute("PRAGMA wal_autocheckpoint = 0")  // it checkpoints itself: `checkpoint()`
    }

    static func windowStart(_ time: Int64) -> Int64 { StoreEngine.floor(time, windowMilliseconds) }

    /// Compacts the window of one device's first frame (by id: the oldest
    /// but after a clock step) if it is due; nil when no device has one.
    /// Two index seeks per device: no scan, no index on time.
    func compactOldestWindow() throws(StoreError) -> CompactionReport? {
        // The newest frame time ever seen: the frame last by id is not the
        // newest after a clock step back (or a v3 file's frames of the future),
        // so one scan at the start, then the last frames by id keep it up.
        if newestSeen == nil { newestSeen = try connection.scalar("SELECT max(time) FROM history_frames")?.integer ?? .min }
        var firstTimes: [(device: Int64, time: Int64)] = [], newest = newestSeen ?? .min
        for device in try connection.rows("SELECT id FROM devices ORDER BY id", [], { $0[0].integer ?? 0 }) {
            let bounds = FrameIDs.bounds(of: device)
            guard let first = try connection.scalar("SELECT time FROM history_frames WHERE id BETWEEN ? AND ? ORDER BY id LIMIT 1",
                                                    bounds)?.integer,
                  let last = try connection.scalar("SELECT time FROM history_frames WHERE id BETWEEN ? AND ? ORDER BY id DESC LIMIT 1",
                                                   bounds)?.integer else { continue }
            firstTimes.append((device, first))
            newest = max(newest, last, first)
        }
        newestSeen = newest
        for (device, time) in firstTimes.sorted(by: { $0.time < $1.time }) {
            let start = Self.windowStart(time)
            guard start + Self.windowMilliseconds + Self.headMilliseconds <= newest else { return nil }
            return try compact(device: device, windowStart: start)
        }
        return nil
    }

    /// Compacts every due window; returns the total.
    func compactAll() throws(StoreError) -> CompactionReport {
        var total = CompactionReport()
        while let report = try compactOldestWindow() { total.add(report) }
        return total
    }

    /// One device's frames of one window as chunks, in one transaction.
    func compact(device: Int64, windowStart start: Int64) throws(StoreError) -> CompactionReport {
        let end = start + Self.windowMilliseconds
        let frames = try connection.rows("""
            SELECT id, time, points FROM history_frames WHERE id BETWEEN ? AND ? AND time >= ? AND time < ? ORDER BY time, id
            """, FrameIDs.bounds(of: device) + [.integer(start), .integer(end)]) { row in
            (id: row[0].integer ?? 0, time: row[1].integer ?? 0, points: row[2].text ?? "[]")
        }
        guard let lastID = frames.map(\.id).max() else { return CompactionReport() }
        var series: [Int64: (firstFrame: Int64, samples: [StoredSample])] = [:]
        for frame in frames {
            for entry in try entries(of: frame.points) {
                let sample = StoredSample(time: frame.time, value: entry.value, quality: entry.quality)
                series[entry.pointID, default: (frame.id, [])].samples.append(sample)
            }
        }
        var report = CompactionReport()
        report.windows = 1
        report.frames = frames.count
        var rows: [[SQLiteValue]] = []
        for pointID in series.keys.sorted() {
            let (firstFrame, samples) = series[pointID]!
            for slice in stride(from: 0, to: samples.count, by: ChunkCodec.maxSamples) {
                let part = Array(samples[slice..<min(slice + ChunkCodec.maxSamples, samples.count)])
                let data = ChunkCodec.encode(part)
                let summary = ChunkSummary(part)
                rows.append([.integer(pointID), .integer(start), .integer(end), .integer(firstFrame + Int64(slice)),
                             SQLiteValue(part.count), SQLiteValue(summary.count), SQLiteValue(summary.min),
                             SQLiteValue(summary.max), SQLiteValue(summary.sum), SQLiteValue(summary.last), .blob(data)])
                report.chunks += 1
                report.samples += part.count
                report.bytes += data.count
            }
        }
        try connection.transaction { () throws(StoreError) in
            // Frames that retention deleted meanwhile: give up; the next pass reads again.
            let deleted = try connection.run("""
                DELETE FROM history_frames WHERE id BETWEEN ? AND ? AND time >= ? AND time < ?
                """, [FrameIDs.bounds(of: device)[0], .integer(lastID), .integer(start), .integer(end)])
            guard deleted == frames.count else {
                throw .invalidArgument("frames changed during compaction (\(deleted) of \(frames.count)); retrying")
            }
            for row in rows {
                try connection.run("""
                    INSERT INTO history_chunks (point_id, start_time, end_time, first_frame, samples, count, min, max, sum, last, data)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, row)
            }
        }
        return report
    }

    /// A frame's entries: read in Swift, or by SQLite when the text is not one FrameText wrote.
    private func entries(of points: String) throws(StoreError) -> [FrameEntry] {
        if let entries = FrameReader.entries(points) { return entries }
        return try connection.rows("""
            SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(?)
            """, [.text(points)]) { row in
            FrameEntry(pointID: row[0].integer ?? 0, value: row[1], quality: row[2].text)
        }
    }

    /// Copies the WAL into the database without waiting for readers (PASSIVE).
    func checkpoint() throws(StoreError) {
        _ = try connection.rows("PRAGMA wal_checkpoint(PASSIVE)") { _ in 0 }
    }
}

/// A history frame's id: its device's id << 40 plus a count, so that one
/// device's frames are neighbours in the table (see Schema.version4).
enum FrameIDs {
    static func range(of device: Int64) -> ClosedRange<Int64> { (device << 40)...((device << 40) + (1 << 40) - 1) }

    /// The range's bounds, to bind to `id BETWEEN ? AND ?`.
    static func bounds(of device: Int64) -> [SQLiteValue] {
        let range = range(of: device)
        return [.integer(range.lowerBound), .integer(range.upperBound)]
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
