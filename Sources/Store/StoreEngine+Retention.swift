// Retention: history and alarm events by age, history by database size, in
// small batches, each its own short transaction, so that the writer's
// transactions run in between; then incremental vacuum returns free pages.

import Foundation

/// What one retention pass deleted.
public struct RetentionReport: Sendable, Equatable {
    /// History frames deleted (one frame is one device poll).
    public var historyFramesByAge = 0
    public var historyFramesBySize = 0
    /// History chunks deleted (one chunk is one point's window), always whole.
    public var historyChunksByAge = 0
    public var historyChunksBySize = 0
    public var alarmEvents = 0
    public var deadLetters = 0
    public var outboxLinesByAge = 0
    public var pagesVacuumed = 0

    public init() {}
}

extension StoreEngine {
    enum RetentionTable: String {
        case history = "history_frames", alarmEvents = "alarm_events", deadLetters = "dead_letters"
    }

    /// Deletes at most one batch of rows older than `cutoff` (ms); returns how
    /// many. History frames: from each frame table in turn, so a batch is only
    /// short when neither holds any more (the caller repeats full batches).
    func deleteBatch(from table: RetentionTable, olderThan cutoff: Int64) throws(StoreError) -> Int {
        let tables = table == .history ? FrameTable.both.map(\.name) : [table.rawValue]
        return try writeTransaction { () throws(StoreError) in
            var deleted = 0
            for name in tables where deleted < options.retentionBatchRows {
                deleted += try connection.run("""
                    DELETE FROM \(name) WHERE rowid IN
                        (SELECT rowid FROM \(name) WHERE time < ? ORDER BY time LIMIT ?)
                    """, [.integer(cutoff), SQLiteValue(options.retentionBatchRows - deleted)])
            }
            return deleted
        }
    }

    /// Deletes at most one batch of chunks that end at or before `cutoff` (ms): whole chunks only.
    func deleteChunkBatch(endingBefore cutoff: Int64) throws(StoreError) -> Int {
        try writeTransaction { () throws(StoreError) in
            try connection.run("""
                DELETE FROM history_chunks WHERE id IN
                    (SELECT id FROM history_chunks WHERE start_time <= ? ORDER BY start_time LIMIT ?)
                """, [.integer(cutoff - Compactor.windowMilliseconds), SQLiteValue(options.retentionBatchRows)])
        }
    }

    /// Deletes one batch of the oldest history: chunks while there are any
    /// (they are older than every frame but late ones), else frames.
    func deleteOldestHistoryBatch() throws(StoreError) -> (frames: Int, chunks: Int) {
        try writeTransaction { () throws(StoreError) in
            let chunks = try connection.run("""
                DELETE FROM history_chunks WHERE id IN (SELECT id FROM history_chunks ORDER BY start_time LIMIT ?)
                """, [SQLiteValue(options.retentionBatchRows)])
            if chunks > 0 { return (0, chunks) }
            return (try deleteOldestFrames(), 0)
        }
    }

    /// Deletes up to a batch of the oldest history frames of both tables.
    /// Two tables never share a time (a time is in one window), so every
    /// frame older than the other table's oldest is in the table that holds
    /// the oldest frame: those are the oldest frames of all.
    private func deleteOldestFrames() throws(StoreError) -> Int {
        var oldest: [(table: FrameTable, time: Int64)] = []
        for table in FrameTable.both {
            if let time = try table.aggregate("min(time)", on: connection) { oldest.append((table, time)) }
        }
        oldest.sort { $0.time < $1.time }
        guard let first = oldest.first else { return 0 }
        let before = oldest.count > 1 ? oldest[1].time : Int64.max
        return try connection.run("""
            DELETE FROM \(first.table.name) WHERE id IN
                (SELECT id FROM \(first.table.name) WHERE time < ? ORDER BY time LIMIT ?)
            """, [.integer(before), SQLiteValue(options.retentionBatchRows)])
    }

    /// Bytes the file cannot give back: pages that hold data, and up to
    /// `reserve` free pages that the head will fill again (see `incrementalVacuum`).
    func usedBytes(reserving reserve: Int = 0) throws(StoreError) -> Int64 {
        let pageSize = try connection.scalar("PRAGMA page_size")?.integer ?? 4096
        let pages = try connection.scalar("PRAGMA page_count")?.integer ?? 0
        return (pages - Int64(max(0, try connection.freePages() - reserve))) * pageSize
    }

    /// Returns up to `pages` free pages to the file system, keeping `reserve`
    /// of them; returns how many it returned. Vacuum moves the pages at the
    /// end of the file into the free ones, writing each: the newest history
    /// frames are there, so vacuuming the pages a compacted window freed
    /// would write a window of frames again (twice, with the checkpoint) only
    /// for the file to grow back as the next window's frames fill them.
    func incrementalVacuum(pages: Int, keeping reserve: Int = 0) throws(StoreError) -> Int {
        try requireWritable()
        let returned = min(try connection.freePages() - reserve, pages)
        guard returned > 0 else { return 0 }
        try connection.execute("PRAGMA incremental_vacuum(\(returned))")
        return returned
    }

    /// The retention cutoff: now minus the retention period, in ms.
    var retentionCutoff: Int64 { now - Int64(options.retention * 1000) }
}

extension SQLiteConnection {
    /// Pages on the file's freelist, as this connection sees it.
    func freePages() throws(StoreError) -> Int {
        Int(try scalar("PRAGMA freelist_count")?.integer ?? 0)
    }
}
