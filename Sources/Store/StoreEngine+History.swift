// History reads for `pumpgw history`: the point's chunks (compacted
// windows, ChunkCodec.swift) merged with the head (the frames not compacted
// yet), in time order; and downsampled reads, which take a chunk's
// count/min/max/sum/last from its row when the chunk lies inside one bucket.

import Telemetry
import Foundation

/// One stored history sample.
public struct HistorySample: Sendable, Equatable {
    public var time: Date
    public var value: Value?
    public var quality: Quality
}

/// One bucket of a downsampled history, over its good numeric samples.
public struct HistoryBucket: Sendable, Equatable {
    public var start: Date
    public var count: Int
    /// nil when the bucket holds no good numeric sample.
    public var min: Double?
    public var max: Double?
    public var mean: Double?
    public var last: Double?
}

extension StoreEngine {
    struct PointRow {
        var id: Int64
        var kind: String
        var deviceID: Int64
    }

    func pointRow(station: String, device: String, point: String) throws(StoreError) -> PointRow {
        let found = try connection.rows("""
            SELECT p.id, p.kind, p.device_id FROM points p JOIN devices d ON d.id = p.device_id JOIN stations s ON s.id = d.station_id
            WHERE s.name = ? AND d.name = ? AND p.name = ?
            """, [.text(station), .text(device), .text(point)]) { row in
            PointRow(id: row[0].integer ?? 0, kind: row[1].text ?? "double", deviceID: row[2].integer ?? 0)
        }
        guard let row = found.first else { throw .invalidArgument("no point \(station)/\(device)/\(point) in the store") }
        return row
    }

    /// The stored history of one point from `since` on, oldest first.
    public func history(station: String, device: String, point: String, since: Date,
                        limit: Int = 1_000_000) throws(StoreError) -> [HistorySample] {
        let row = try pointRow(station: station, device: device, point: point)
        let since = ValueColumns.milliseconds(since)
        var samples: [StoredSample] = []
        try connection.statement("""
            SELECT id, data FROM history_chunks WHERE point_id = ? AND start_time > ? ORDER BY start_time, first_frame
            """).forEachRow([.integer(row.id), .integer(since - Compactor.windowMilliseconds)]) { chunk throws(StoreError) in
            samples += try Self.decode(chunk[1], chunk: chunk[0]).lazy.filter { $0.time >= since }
            return true
        }
        samples += try headSamples(of: row, since: since)
        return Self.inTimeOrder(samples).prefix(limit).map { sample in
            HistorySample(time: ValueColumns.date(sample.time), value: ValueColumns.value(sample.value, kind: row.kind),
                          quality: ValueColumns.quality(SQLiteValue(sample.quality)))
        }
    }

    /// Buckets of `every` seconds (aligned to multiples of it since 1970) from
    /// `since` on: count, min, max, mean and last of the good numeric samples.
    public func historyBuckets(station: String, device: String, point: String, since: Date,
                               every seconds: TimeInterval) throws(StoreError) -> [HistoryBucket] {
        let every = Int64((seconds * 1000).rounded())
        guard every > 0 else { throw .invalidArgument("a bucket must be longer than 0 ms") }
        let row = try pointRow(station: station, device: device, point: point)
        let since = ValueColumns.milliseconds(since)
        var buckets: [Int64: ChunkSummary] = [:]
        func add(_ sample: StoredSample) {
            guard sample.time >= since, sample.quality == nil, let number = sample.value.numeric else { return }
            buckets[Self.floor(sample.time, every), default: ChunkSummary([])].add(number)
        }
        var toDecode: [Int64] = []
        try connection.statement("""
            SELECT id, start_time, end_time, count, min, max, sum, last FROM history_chunks
            WHERE point_id = ? AND start_time > ? ORDER BY start_time, first_frame
            """).forEachRow([.integer(row.id), .integer(since - Compactor.windowMilliseconds)]) { chunk in
            let start = chunk[1].integer ?? 0, end = chunk[2].integer ?? 0
            // A chunk inside one bucket and wholly after `since`: its row says it all.
            if start >= since && Self.floor(start, every) == Self.floor(end - 1, every) {
                let summary = ChunkSummary(count: Int(chunk[3].integer ?? 0), min: chunk[4].real, max: chunk[5].real,
                                           sum: chunk[6].real, last: chunk[7].real)
                buckets[Self.floor(start, every), default: ChunkSummary([])].merge(summary)
            } else {
                toDecode.append(chunk[0].integer ?? 0)
            }
            return true
        }
        for id in toDecode {
            let data = try connection.scalar("SELECT data FROM history_chunks WHERE id = ?", [.integer(id)]) ?? .null
            try Self.decode(data, chunk: .integer(id)).forEach(add)
        }
        try headSamples(of: row, since: since).forEach(add)
        return buckets.keys.sorted().map { start in
            let summary = buckets[start]!
            return HistoryBucket(start: ValueColumns.date(start), count: summary.count, min: summary.min, max: summary.max,
                                 mean: summary.sum.map { $0 / Double(Swift.max(summary.count, 1)) }, last: summary.last)
        }
    }

    /// The point's samples in frames not compacted yet, from `since` on, in
    /// (time, frame) order. The time index of each frame table gives the
    /// device's frames without reading the other devices' rows.
    func headSamples(of point: PointRow, since: Int64) throws(StoreError) -> [StoredSample] {
        var samples: [StoredSample] = []
        try connection.statement(FrameTable.union({ table in """
            SELECT time, points, id FROM \(table.name) f INDEXED BY \(table.timeIndex)
            WHERE time >= ?1 AND device_id = ?2 AND NOT \(Schema.frameIsCompacted)
            """ }, then: "ORDER BY time, id")).forEachRow([.integer(since), .integer(point.deviceID)]) { frame throws(StoreError) in
            let text = frame[1].text ?? "[]"
            let entry: FrameEntry?
            if let found = FrameReader.entry(of: point.id, in: text) {
                entry = found
            } else {  // not as FrameText writes: let SQLite read it
                entry = try connection.rows("""
                    SELECT \(Schema.entryValue()), \(Schema.entryQuality()) FROM json_each(?1) e
                    WHERE \(Schema.isEntry()) AND \(Schema.entryPointID(frame: "?1")) = ?2
                    """, [.text(text), .integer(point.id)]) { FrameEntry(pointID: point.id, value: $0[0], quality: $0[1].text) }.first
            }
            if let entry { samples.append(StoredSample(time: frame[0].integer ?? 0, value: entry.value, quality: entry.quality)) }
            return true
        }
        return samples
    }

    static func decode(_ data: SQLiteValue, chunk id: SQLiteValue) throws(StoreError) -> [StoredSample] {
        do {
            return try ChunkCodec.decode(data.blob ?? [])
        } catch {
            throw .sqlite(code: .corrupt, message: "history chunk \(id.integer ?? 0): \(error)", sql: nil)
        }
    }

    /// Sorted by time, ties in the order given (chunks by window and frame, then the head).
    private static func inTimeOrder(_ samples: [StoredSample]) -> [StoredSample] {
        guard zip(samples, samples.dropFirst()).contains(where: { $0.time > $1.time }) else { return samples }
        return samples.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
    }

    static func floor(_ time: Int64, _ step: Int64) -> Int64 {
        let remainder = time % step
        return time - (remainder < 0 ? remainder + step : remainder)
    }

    /// Samples in history: entries of the head frames (not a dense frame's base id or gap) plus samples of the chunks.
    public func historyRowCount() throws(StoreError) -> Int {
        let head = try connection.scalar("""
            SELECT coalesce(sum((SELECT count(*) FROM json_each(f.points) e WHERE \(Schema.isEntry()))), 0)
            FROM history_frames f WHERE NOT \(Schema.frameIsCompacted)
            """)?.integer ?? 0
        let chunks = try connection.scalar("SELECT coalesce(sum(samples), 0) FROM history_chunks")?.integer ?? 0
        return Int(head + chunks)
    }
}

extension ChunkSummary {
    /// Adds another part of the same bucket, which comes after this one.
    mutating func merge(_ other: ChunkSummary) {
        guard other.count > 0, let otherMin = other.min, let otherMax = other.max else { return }
        count += other.count
        min = Swift.min(min ?? otherMin, otherMin)
        max = Swift.max(max ?? otherMax, otherMax)
        sum = (sum ?? 0) + (other.sum ?? 0)
        last = other.last ?? last
    }
}
