// Removing lines from outbox rows (OutboxBatch.swift says how a row is laid
// out). Two paths:
//
// - cheap: the lines are the row's oldest waiting ones and the row has no
//   holes (the sender acknowledging what it peeked, the cap dropping the
//   oldest): `gone` moves, or the row goes when nothing is left. No inflate.
// - rare: any other subset (dead letters, an acknowledgement with holes, the
//   cap cutting through a row with holes): the row is inflated, the lines
//   become holes, and the row is written again.
//
// Ids of lines already removed (or of rows gone) are skipped: only lines
// still waiting are counted.

extension StoreEngine {
    /// One row's counts, read without its data.
    struct OutboxRowState {
        var id: Int64
        var lines: Int
        var gone: Int
        var live: Int

        /// True when no line after `gone` is a hole.
        var hasNoHoles: Bool { live == lines - gone }

        /// True when `indexes` (ascending, distinct) are exactly the next waiting lines.
        func isPrefix(_ indexes: [Int]) -> Bool {
            guard hasNoHoles, let first = indexes.first, let last = indexes.last else { return false }
            return first == gone && last == gone + indexes.count - 1 && last < lines
        }
    }

    /// Removes the waiting lines among `ids`; `each` sees each one first (and
    /// forces the rare path, to read them). Returns how many were removed.
    func removeOutboxLines(_ ids: [Int64], each: ((OutboxBatch.Line) throws(StoreError) -> Void)?) throws(StoreError) -> Int {
        var byRow: [Int64: Set<Int>] = [:]
        for id in ids { byRow[OutboxID.row(of: id), default: []].insert(OutboxID.index(of: id)) }
        var removed = 0
        for rowID in byRow.keys.sorted() {
            guard let state = try outboxRowState(rowID), let wanted = byRow[rowID] else { continue }
            let indexes = wanted.sorted()
            if each == nil, state.isPrefix(indexes) {
                removed += try advanceOutboxRow(state, by: indexes.count)
            } else {
                removed += try rewriteOutboxRow(state, removing: { wanted.contains($0) }, each: each)
            }
        }
        return removed
    }

    /// Drops the `count` oldest waiting lines (whole rows where it can) and
    /// keeps the cached depth; returns how many. The caller counts them.
    func dropOldestOutbox(_ count: Int) throws(StoreError) -> Int {
        var states: [OutboxRowState] = []
        var covered = 0
        try connection.statement("SELECT id, lines, gone, live FROM outbox_batches ORDER BY id").forEachRow { row in
            let state = Self.rowState(row)
            states.append(state)
            covered += state.live
            return covered < count
        }
        var dropped = 0
        for state in states where dropped < count {
            let left = count - dropped
            if state.live <= left || state.hasNoHoles {
                dropped += try advanceOutboxRow(state, by: min(left, state.live))
            } else {
                var picked = 0
                dropped += try rewriteOutboxRow(state, removing: { _ in
                    picked += 1
                    return picked <= left
                }, each: nil)
            }
        }
        if let depth = cachedOutboxDepth { cachedOutboxDepth = depth - dropped }
        return dropped
    }

    private func outboxRowState(_ id: Int64) throws(StoreError) -> OutboxRowState? {
        try connection.statement("SELECT id, lines, gone, live FROM outbox_batches WHERE id = ?")
            .rows([.integer(id)], Self.rowState).first
    }

    private static func rowState(_ row: Statement) -> OutboxRowState {
        OutboxRowState(id: row[0].integer ?? 0, lines: Int(row[1].integer ?? 0), gone: Int(row[2].integer ?? 0),
                       live: Int(row[3].integer ?? 0))
    }

    /// The cheap path: the next `count` waiting lines (no holes among them) are gone.
    private func advanceOutboxRow(_ state: OutboxRowState, by count: Int) throws(StoreError) -> Int {
        if count >= state.live {
            try connection.run("DELETE FROM outbox_batches WHERE id = ?", [.integer(state.id)])
            return state.live
        }
        try connection.run("UPDATE outbox_batches SET gone = gone + ?, live = live - ? WHERE id = ?",
                           [SQLiteValue(count), SQLiteValue(count), .integer(state.id)])
        return count
    }

    /// The rare path: the waiting lines `remove` picks (asked in order) become
    /// holes, and the row is written again (or deleted when none is left).
    private func rewriteOutboxRow(_ state: OutboxRowState, removing remove: (Int) -> Bool,
                                  each: ((OutboxBatch.Line) throws(StoreError) -> Void)?) throws(StoreError) -> Int {
        let data = try connection.scalar("SELECT data FROM outbox_batches WHERE id = ?", [.integer(state.id)]) ?? .null
        var batch = try Self.batch(id: state.id, lines: SQLiteValue(state.lines), data: data)
        var removed = 0
        for index in max(0, state.gone)..<batch.lines.count {
            guard let line = batch.lines[index], remove(index) else { continue }
            try each?(line)
            batch.lines[index] = nil
            removed += 1
        }
        guard removed > 0 else { return 0 }
        var gone = state.gone
        while gone < batch.lines.count && batch.lines[gone] == nil { gone += 1 }
        let live = batch.lines[gone...].count { $0 != nil }
        if live == 0 {
            try connection.run("DELETE FROM outbox_batches WHERE id = ?", [.integer(state.id)])
            return removed
        }
        for index in 0..<gone { batch.lines[index] = nil }  // sent lines need no bytes
        try connection.run("UPDATE outbox_batches SET gone = ?, live = ?, data = ? WHERE id = ?",
                           [SQLiteValue(gone), SQLiteValue(live), .blob(try batch.deflated()), .integer(state.id)])
        return removed
    }
}
