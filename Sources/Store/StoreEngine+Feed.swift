// What `pumpgw status` and `pumpgw deadletters` read about the feed, and
// the writes behind them: the gateway's own state row (schema version 4),
// the outbox's depth and oldest line, the dead letters and their requeue.

import Foundation

/// What the running gateway last said about itself (the `gateway_state` row).
public struct GatewayState: Sendable, Equatable {
    /// When the gateway last wrote the row.
    public var updated: Date
    public var pid: Int32
    /// When the gateway stopped cleanly; nil while it runs (or after a crash).
    public var stopped: Date?
    /// Where the feed goes (never a secret).
    public var feedTarget: String
    /// "idle", "ok", "retrying" or "failing".
    public var feedState: String
    public var feedLastSuccess: Date?
    public var feedLastError: String?
    /// The last store failure the gateway saw (written once the store accepted writes again).
    public var storeFailure: String?
    public var storeFailureTime: Date?

    public init(updated: Date, pid: Int32, stopped: Date? = nil, feedTarget: String, feedState: String,
                feedLastSuccess: Date? = nil, feedLastError: String? = nil, storeFailure: String? = nil,
                storeFailureTime: Date? = nil) {
        self.updated = updated
        self.pid = pid
        self.stopped = stopped
        self.feedTarget = feedTarget
        self.feedState = feedState
        self.feedLastSuccess = feedLastSuccess
        self.feedLastError = feedLastError
        self.storeFailure = storeFailure
        self.storeFailureTime = storeFailureTime
    }
}

/// The outbox at a glance.
public struct OutboxSummary: Sendable, Equatable {
    public var lines: Int
    /// When the oldest waiting line was queued; nil when the outbox is empty.
    public var oldest: Date?
    public var deadLetters: Int
    /// Lines dropped, ever, because the outbox was full or too old.
    public var droppedLines: Int
}

/// A dead letter with its id, for `pumpgw deadletters`.
public struct StoredDeadLetter: Sendable, Equatable {
    public var id: Int64
    public var letter: DeadLetter
}

extension StoreEngine {
    public func saveGatewayState(_ state: GatewayState) throws(StoreError) {
        let date = { (value: Date?) in value.map { SQLiteValue.integer(ValueColumns.milliseconds($0)) } ?? .null }
        let text = { (value: String?) in value.map { SQLiteValue.text($0) } ?? .null }
        _ = try writeTransaction { () throws(StoreError) in
            try connection.run("""
                INSERT OR REPLACE INTO gateway_state (id, updated, pid, stopped, feed_target, feed_state,
                    feed_last_success, feed_last_error, store_failure, store_failure_time)
                VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [date(state.updated), .integer(Int64(state.pid)), date(state.stopped), .text(state.feedTarget),
                      .text(state.feedState), date(state.feedLastSuccess), text(state.feedLastError),
                      text(state.storeFailure), date(state.storeFailureTime)])
        }
    }

    public func gatewayState() throws(StoreError) -> GatewayState? {
        try connection.rows("""
            SELECT updated, pid, stopped, feed_target, feed_state, feed_last_success, feed_last_error,
                   store_failure, store_failure_time FROM gateway_state WHERE id = 1
            """) { row in
            GatewayState(updated: ValueColumns.date(row[0].integer ?? 0), pid: Int32(row[1].integer ?? 0),
                         stopped: ValueColumns.date(row[2]), feedTarget: row[3].text ?? "", feedState: row[4].text ?? "",
                         feedLastSuccess: ValueColumns.date(row[5]), feedLastError: row[6].text,
                         storeFailure: row[7].text, storeFailureTime: ValueColumns.date(row[8]))
        }.first
    }

    public func outboxSummary() throws(StoreError) -> OutboxSummary {
        let oldest = try connection.scalar("SELECT created FROM outbox_batches ORDER BY id LIMIT 1").flatMap(ValueColumns.date)
        return OutboxSummary(lines: try outboxDepth(), oldest: oldest,
                             deadLetters: Int(try connection.scalar("SELECT count(*) FROM dead_letters")?.integer ?? 0),
                             droppedLines: try droppedLines())
    }

    /// Dead letters from `since` on (all when nil), oldest first, at most `limit`.
    public func deadLetters(since: Date?, limit: Int = 1_000_000) throws(StoreError) -> [StoredDeadLetter] {
        let from = since.map { ValueColumns.milliseconds($0) } ?? Int64.min
        return try connection.rows("""
            SELECT id, device_key, line, message, time FROM dead_letters WHERE time >= ? ORDER BY id LIMIT ?
            """, [.integer(from), SQLiteValue(limit)]) { row in
            StoredDeadLetter(id: row[0].integer ?? 0,
                             letter: DeadLetter(deviceKey: row[1].text ?? "", line: row[2].text ?? "",
                                                message: row[3].text ?? "", time: ValueColumns.date(row[4].integer ?? 0)))
        }
    }

    /// Moves dead letters from `since` on (all when nil) back to the end of
    /// the outbox, in their order, as lines queued now; returns how many.
    @discardableResult
    public func requeueDeadLetters(since: Date?) throws(StoreError) -> Int {
        let from = since.map { ValueColumns.milliseconds($0) } ?? Int64.min
        return try writeTransaction { () throws(StoreError) in
            var moved = 0
            var lastID = Int64.min
            // A page at a time (memory stays a few MB), each page one or more outbox rows.
            while true {
                let page = try connection.rows("""
                    SELECT id, device_key, line FROM dead_letters WHERE time >= ? AND id > ? ORDER BY id LIMIT ?
                    """, [.integer(from), .integer(lastID), SQLiteValue(Schema.migrationPageLines)]) { row in
                    (id: row[0].integer ?? 0, line: OutboxBatch.Line(deviceKey: row[1].text ?? "", line: row[2].text ?? ""))
                }
                guard let last = page.last else { break }
                try Schema.insertOutboxRows(page.map(\.line), created: now, connection)
                moved += page.count
                lastID = last.id
            }
            try connection.run("DELETE FROM dead_letters WHERE time >= ?", [.integer(from)])
            if let depth = cachedOutboxDepth { cachedOutboxDepth = depth + moved }
            return moved
        }
    }
}
