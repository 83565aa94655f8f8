// The feed outbox: each committed batch's lines appended as one row
// (OutboxBatch.swift, schema 8), read oldest first and removed by the feed
// sender as the server acknowledges them, moved to dead letters when it
// refuses them, and capped: when full, the OLDEST lines are dropped and
// counted. Removing lines from rows is in StoreEngine+OutboxRows.swift.

import Telemetry
import Foundation

extension StoreEngine {
    /// Appends a batch's lines, every device's, as one row (more only past
    /// `OutboxID.maxLinesPerRow` lines or `OutboxBatch.rowStreamBytes`).
    func appendOutbox(_ groups: [OutboxLines], into report: inout WriteReport) throws(StoreError) {
        let lines = groups.flatMap { group in group.lines.map { OutboxBatch.Line(deviceKey: group.deviceKey, line: $0) } }
        guard !lines.isEmpty else { return }
        try Schema.insertOutboxRows(lines, created: now, connection)
        if let depth = cachedOutboxDepth { cachedOutboxDepth = depth + lines.count }
        report.outboxLines += lines.count
    }

    /// Drops the oldest lines beyond `outboxMaxLines`; returns how many.
    func enforceOutboxCap() throws(StoreError) -> Int {
        let excess = try outboxDepth() - options.outboxMaxLines
        guard excess > 0 else { return 0 }
        let dropped = try dropOldestOutbox(excess)
        try connection.run("UPDATE counters SET value = value + ? WHERE name = 'dropped_lines'", [SQLiteValue(dropped)])
        return dropped
    }

    /// Lines in the outbox (counted once, then tracked).
    public func outboxDepth() throws(StoreError) -> Int {
        if let depth = cachedOutboxDepth { return depth }
        let depth = Int(try connection.scalar("SELECT coalesce(sum(live), 0) FROM outbox_batches")?.integer ?? 0)
        if writable { cachedOutboxDepth = depth }
        return depth
    }

    /// The oldest lines in id order: at most `maxLines`, and at most
    /// `maxBytes` of line text (but always at least one line, if any).
    public func outboxPeek(maxLines: Int, maxBytes: Int) throws(StoreError) -> [OutboxEntry] {
        guard maxLines > 0 else { return [] }
        var bytes = 0
        var taken: [OutboxEntry] = []
        // Row by row, inflating only the rows it takes lines from; stops at
        // either cap: a batch of 1 MB is a few hundred long lines, not `maxLines`.
        try connection.statement("SELECT id, created, lines, gone, data FROM outbox_batches ORDER BY id")
            .forEachRow { row throws(StoreError) in
                let id = row[0].integer ?? 0
                let created = ValueColumns.date(row[1].integer ?? 0)
                let batch = try Self.batch(id: id, lines: row[2], data: row[4])
                let gone = Int(row[3].integer ?? 0)
                for index in max(0, gone)..<batch.lines.count {
                    guard let line = batch.lines[index] else { continue }
                    bytes += line.line.utf8.count + 1
                    if bytes > maxBytes && !taken.isEmpty { return false }
                    taken.append(OutboxEntry(id: OutboxID.make(row: id, index: index), deviceKey: line.deviceKey,
                                             line: line.line, created: created))
                    if taken.count == maxLines { return false }
                }
                return true
            }
        return taken
    }

    /// A stored row's lines; damage is an error naming the row.
    static func batch(id: Int64, lines: SQLiteValue, data: SQLiteValue) throws(StoreError) -> OutboxBatch {
        guard let count = lines.integer, let blob = data.blob,
              let batch = OutboxBatch(deflated: blob, count: Int(clamping: count)) else {
            throw .sqlite(code: .corrupt, message: "outbox batch \(id) (table outbox_batches) cannot be inflated "
                          + "to its \(lines.integer.map(String.init) ?? "?") lines", sql: nil)
        }
        return batch
    }

    /// Deletes the lines with these ids (the server acknowledged them); returns how many.
    @discardableResult
    public func outboxDelete(ids: [Int64]) throws(StoreError) -> Int {
        try writeTransaction { () throws(StoreError) in
            let deleted = try removeOutboxLines(ids, each: nil)
            if let depth = cachedOutboxDepth { cachedOutboxDepth = depth - deleted }
            return deleted
        }
    }

    /// Moves lines the server refused to `dead_letters` with its message.
    @discardableResult
    public func outboxDeadLetter(ids: [Int64], message: String) throws(StoreError) -> Int {
        try writeTransaction { () throws(StoreError) in
            // Dead letters keep the line as text, for people to read.
            let insert = try connection.statement("INSERT INTO dead_letters (device_key, line, message, time) VALUES (?, ?, ?, ?)")
            let time = now
            let moved = try removeOutboxLines(ids) { line throws(StoreError) in
                try insert.run([.text(line.deviceKey), .text(line.line), .text(message), .integer(time)])
            }
            if let depth = cachedOutboxDepth { cachedOutboxDepth = depth - moved }
            return moved
        }
    }

    public func deadLetters(limit: Int = 1000) throws(StoreError) -> [DeadLetter] {
        try connection.rows("SELECT device_key, line, message, time FROM dead_letters ORDER BY id LIMIT ?",
                            [SQLiteValue(limit)]) { row in
            DeadLetter(deviceKey: row[0].text ?? "", line: row[1].text ?? "", message: row[2].text ?? "",
                       time: ValueColumns.date(row[3].integer ?? 0))
        }
    }

    public func droppedLines() throws(StoreError) -> Int {
        Int(try connection.scalar("SELECT value FROM counters WHERE name = 'dropped_lines'")?.integer ?? 0)
    }

    /// Drops lines older than `outboxMaxAge`, one small batch (whole rows of
    /// about `retentionBatchRows` lines); returns how many lines.
    /// Rows are created in id order by the store's clock, so the old ones are first.
    func dropAgedOutboxBatch() throws(StoreError) -> Int {
        guard let maxAge = options.outboxMaxAge else { return 0 }
        let cutoff = now - Int64(maxAge * 1000)
        return try writeTransaction { () throws(StoreError) in
            var rows: [Int64] = []
            var dropped = 0
            try connection.statement("SELECT id, live, created FROM outbox_batches ORDER BY id LIMIT ?")
                .forEachRow([SQLiteValue(options.retentionBatchRows)]) { row in
                    guard (row[2].integer ?? 0) < cutoff else { return true }
                    rows.append(row[0].integer ?? 0)
                    dropped += Int(row[1].integer ?? 0)
                    return dropped < options.retentionBatchRows
                }
            for id in rows { try connection.run("DELETE FROM outbox_batches WHERE id = ?", [.integer(id)]) }
            try connection.run("UPDATE counters SET value = value + ? WHERE name = 'dropped_lines'", [SQLiteValue(dropped)])
            if let depth = cachedOutboxDepth { cachedOutboxDepth = depth - dropped }
            return dropped
        }
    }
}

/// A line the server refused, kept for a person to look at.
public struct DeadLetter: Sendable, Equatable {
    public var deviceKey: String
    public var line: String
    public var message: String
    public var time: Date
}
