// How a compacted window's frames go (step 3 of Compactor.swift).
//
// All frames of window w are in frame table w & 1 (Schema+FrameTables.swift).
// Usually, when w is compacted, that table holds nothing else: the writer is
// filling window w + 1, in the other table. Then `DELETE FROM table` with no
// WHERE clause frees its pages without writing them to the WAL (SQLite's
// truncate optimization: it needs no WHERE, no triggers, no foreign keys).
//
// It is only safe if every frame in the table is in chunks. One transaction
// (BEGIN IMMEDIATE: the writer cannot commit meanwhile) checks that the table
// holds
// - no frame outside window w (a clock step can put frames of w - 2 or w + 2
//   there): its min(time) and max(time) lie inside the window;
// - no frame the compactor did not see: its max(id) equals `maxSeen`, the
//   largest id the compactor's read of the window found. Ids only grow: the
//   writer hands them out from one count and commits in that order, so a
//   frame committed after that read (a late poll of window w) has an id above
//   every id the read saw, above `maxSeen`.
// Every frame the read saw was in chunks already or was compacted by this
// pass (which ran to the end over every device). Otherwise the compacted
// frames are deleted by row, a batch per transaction, as before; the late
// frames stay and a later pass compacts them.
//
// The clear holds the write lock while SQLite visits every page of the table
// to free it (0.63 s for a 300 MB table, warm cache, Benchmarks/delete-pages.py's
// setup), and the pipeline's writer waits that long. A window of more than
// `StoreOptions.largestClearedWindow` of frame text (256 MB by default: 100
// devices x 100 points at 1 s make about 115 MB) is deleted by row instead,
// in short transactions, so the writer never waits more than about half a second.

extension Compactor {
    /// Removes the window's compacted frames: the whole table when it holds
    /// nothing else (see above), else by row.
    func removeCompactedFrames(windowStart start: Int64, maxSeen: Int64?, _ report: inout CompactionReport) throws(StoreError) {
        let table = FrameTable.of(time: start)
        if report.frameBytes <= largestClearedWindow, try clearIfAlone(table, windowStart: start, maxSeen: maxSeen) {
            report.tablesCleared += 1
        } else {
            report.framesDeletedByRow += try deleteCompactedFrames(from: table, windowStart: start)
        }
    }

    /// Empties `table` in one transaction if it holds only the window's frames
    /// up to `maxSeen` (see above); false, and nothing done, if not.
    private func clearIfAlone(_ table: FrameTable, windowStart start: Int64, maxSeen: Int64?) throws(StoreError) -> Bool {
        try connection.transaction { () throws(StoreError) -> Bool in
            guard let maxSeen, try table.aggregate("max(id)", on: connection) == maxSeen,
                  let oldest = try table.aggregate("min(time)", on: connection),
                  let newest = try table.aggregate("max(time)", on: connection),
                  oldest >= start, newest < start + Self.windowMilliseconds else { return false }
            try connection.run("DELETE FROM \(table.name)")
            return true
        }
    }

    /// Deletes the window's compacted frames, a batch per transaction; returns how many.
    private func deleteCompactedFrames(from table: FrameTable, windowStart start: Int64) throws(StoreError) -> Int {
        var total = 0
        while true {
            let deleted = try connection.transaction { () throws(StoreError) in
                try connection.run("""
                    DELETE FROM \(table.name) WHERE id IN (SELECT id FROM \(table.name) f INDEXED BY \(table.timeIndex)
                        WHERE time >= ? AND time < ? AND \(Schema.frameIsCompacted) LIMIT ?)
                    """, [.integer(start), .integer(start + Self.windowMilliseconds), SQLiteValue(Self.deleteBatch)])
            }
            total += deleted
            if deleted == 0 { return total }
        }
    }
}
