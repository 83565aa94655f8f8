// The feed outbox: lines appended by the writer in id order, read and
// deleted by the feed sender, moved to dead letters when the server refuses
// them, and capped: when full, the OLDEST lines are dropped and counted.

import Telemetry
import Foundation

extension StoreEngine {
    func appendOutbox(_ group: OutboxLines, into report: inout WriteReport) throws(StoreError) {
        let created = now
        for line in group.lines {
            try connection.run("INSERT INTO outbox (device_key, line, created) VALUES (?, ?, ?)",
                               [.text(group.deviceKey), OutboxText.stored(line), .integer(created)])
        }
        if let depth = cachedOutboxDepth { cachedOutboxDepth = depth + group.lines.count }
        report.outboxLines += group.lines.count
    }

    /// Drops the oldest lines beyond `outboxMaxLines`; returns how many.
    func enforceOutboxCap() throws(StoreError) -> Int {
        let excess = try outboxDepth() - options.outboxMaxLines
        guard excess > 0 else { return 0 }
        return try dropOldestOutbox(excess)
    }

    /// Deletes the `count` oldest lines and adds them to `dropped_lines`.
    private func dropOldestOutbox(_ count: Int) throws(StoreError) -> Int {
        let dropped = try connection.run("DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT ?)",
                                         [SQLiteValue(count)])
        try connection.run("UPDATE counters SET value = value + ? WHERE name = 'dropped_lines'", [SQLiteValue(dropped)])
        cachedOutboxDepth = try outboxDepth() - dropped
        return dropped
    }

    /// Lines in the outbox (counted once, then tracked).
    public func outboxDepth() throws(StoreError) -> Int {
        if let depth = cachedOutboxDepth { return depth }
        let depth = Int(try connection.scalar("SELECT count(*) FROM outbox")?.integer ?? 0)
        if writable { cachedOutboxDepth = depth }
        return depth
    }

    /// The oldest lines in id order: at most `maxLines`, and at most
    /// `maxBytes` of line text (but always at least one line, if any).
    public func outboxPeek(maxLines: Int, maxBytes: Int) throws(StoreError) -> [OutboxEntry] {
        var bytes = 0
        var taken: [OutboxEntry] = []
        // Stops reading at the byte cap: a batch of 1 MB is a few hundred long lines, not `maxLines`.
        try connection.statement("SELECT id, device_key, line, created FROM outbox ORDER BY id LIMIT ?")
            .forEachRow([SQLiteValue(max(0, maxLines))]) { row throws(StoreError) in
                let entry = OutboxEntry(id: row[0].integer ?? 0, deviceKey: row[1].text ?? "", line: try Self.line(row[2], id: row[0]),
                                        created: ValueColumns.date(row[3].integer ?? 0))
                bytes += entry.line.utf8.count + 1
                if bytes > maxBytes && !taken.isEmpty { return false }
                taken.append(entry)
                return true
            }
        return taken
    }

    /// A stored outbox line as text (OutboxText.swift).
    static func line(_ stored: SQLiteValue, id: SQLiteValue) throws(StoreError) -> String {
        guard let line = OutboxText.text(of: stored) else {
            throw .sqlite(code: .corrupt, message: "outbox line \(id.integer ?? 0) cannot be inflated", sql: nil)
        }
        return line
    }

    /// Deletes the lines with these ids (the server acknowledged them); returns how many.
    @discardableResult
    public func outboxDelete(ids: [Int64]) throws(StoreError) -> Int {
        try writeTransaction { () throws(StoreError) in
            var deleted = 0
            if let first = ids.first, let last = ids.last, Self.isRun(ids) {
                // A batch as peeked: consecutive ids, one range delete instead of one per line.
                deleted = try connection.run("DELETE FROM outbox WHERE id BETWEEN ? AND ?", [.integer(first), .integer(last)])
            } else {
                for id in ids { deleted += try connection.run("DELETE FROM outbox WHERE id = ?", [.integer(id)]) }
            }
            if let depth = cachedOutboxDepth { cachedOutboxDepth = depth - deleted }
            return deleted
        }
    }

    /// Whether `ids` are n, n+1, n+2, ... (every id of the range, in order).
    static func isRun(_ ids: [Int64]) -> Bool {
        guard let first = ids.first else { return false }
        for (offset, id) in ids.enumerated() where id != first + Int64(offset) { return false }
        return true
    }

    /// Moves lines the server refused to `dead_letters` with its message.
    @discardableResult
    public func outboxDeadLetter(ids: [Int64], message: String) throws(StoreError) -> Int {
        try writeTransaction { () throws(StoreError) in
            var moved = 0
            for id in ids {
                // Dead letters keep the line as text, for people to read.
                for row in try connection.rows("SELECT device_key, line FROM outbox WHERE id = ?", [.integer(id)], { [$0[0], $0[1]] }) {
                    try connection.run("INSERT INTO dead_letters (device_key, line, message, time) VALUES (?, ?, ?, ?)",
                                       [row[0], .text(try Self.line(row[1], id: .integer(id))), .text(message), .integer(now)])
                }
                moved += try connection.run("DELETE FROM outbox WHERE id = ?", [.integer(id)])
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

    /// Drops lines older than `outboxMaxAge`, one small batch; returns how many.
    /// Lines are created in id order by the store's clock, so the old ones are first.
    func dropAgedOutboxBatch() throws(StoreError) -> Int {
        guard let maxAge = options.outboxMaxAge else { return 0 }
        let cutoff = now - Int64(maxAge * 1000)
        return try writeTransaction { () throws(StoreError) in
            let dropped = try connection.run("""
                DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT ?) AND created < ?
                """, [SQLiteValue(options.retentionBatchRows), .integer(cutoff)])
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
