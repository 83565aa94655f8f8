// The operations the gateway, the feed sender and the command line call:
// each as a synchronous `noasync` method and an async overload.

import Foundation
import Telemetry

extension StationStore {
    // MARK: the writer

    /// Writes a batch (several devices' cycles, health, alarm events, outbox
    /// lines) in ONE transaction: all of it or, on error, none of it.
    @available(*, noasync)
    @discardableResult
    public func write(_ batch: StoreBatch) throws -> WriteReport { try onQueue { try $0.write(batch) } }

    @discardableResult
    public func write(_ batch: StoreBatch) async throws -> WriteReport { try await onQueue { try $0.write(batch) } }

    // MARK: state

    /// The alarms raised and not cleared, oldest first: restored after a restart.
    @available(*, noasync)
    public func activeAlarms() throws -> [AlarmEvent] { try onQueue { try $0.activeAlarms() } }

    public func activeAlarms() async throws -> [AlarmEvent] { try await onQueue { try $0.activeAlarms() } }

    /// Per station and device: latest values, health and active alarms.
    @available(*, noasync)
    public func status() throws -> [StationStatus] { try onQueue { try $0.status() } }

    public func status() async throws -> [StationStatus] { try await onQueue { try $0.status() } }

    /// One point's stored history from `since`, oldest first (at most `limit` samples).
    @available(*, noasync)
    public func history(station: String, device: String, point: String, since: Date,
                        limit: Int = 1_000_000) throws -> [HistorySample] {
        try onQueue { try $0.history(station: station, device: device, point: point, since: since, limit: limit) }
    }

    /// Rows in the history table (counts them: slow on a large table).
    @available(*, noasync)
    public func historyRowCount() throws -> Int { try onQueue { try $0.historyRowCount() } }

    /// `PRAGMA integrity_check`: ["ok"] for a sound database.
    @available(*, noasync)
    public func integrityCheck() throws -> [String] { try onQueue { try $0.integrityCheck() } }

    // MARK: the outbox (for the feed sender)

    /// The oldest lines, in id order, within `maxLines` and `maxBytes` (at least one line if any).
    @available(*, noasync)
    public func outboxPeek(maxLines: Int, maxBytes: Int) throws -> [OutboxEntry] {
        try onQueue { try $0.outboxPeek(maxLines: maxLines, maxBytes: maxBytes) }
    }

    public func outboxPeek(maxLines: Int, maxBytes: Int) async throws -> [OutboxEntry] {
        try await onQueue { try $0.outboxPeek(maxLines: maxLines, maxBytes: maxBytes) }
    }

    /// Deletes every line with id <= `id`; returns how many.
    @available(*, noasync)
    @discardableResult
    public func outboxDelete(through id: Int64) throws -> Int { try onQueue { try $0.outboxDelete(through: id) } }

    @discardableResult
    public func outboxDelete(through id: Int64) async throws -> Int { try await onQueue { try $0.outboxDelete(through: id) } }

    /// Deletes the lines with these ids; returns how many.
    @available(*, noasync)
    @discardableResult
    public func outboxDelete(ids: [Int64]) throws -> Int { try onQueue { try $0.outboxDelete(ids: ids) } }

    @discardableResult
    public func outboxDelete(ids: [Int64]) async throws -> Int { try await onQueue { try $0.outboxDelete(ids: ids) } }

    /// Moves lines the server refused to the dead letters, with its message.
    @available(*, noasync)
    @discardableResult
    public func outboxDeadLetter(ids: [Int64], message: String) throws -> Int {
        try onQueue { try $0.outboxDeadLetter(ids: ids, message: message) }
    }

    @discardableResult
    public func outboxDeadLetter(ids: [Int64], message: String) async throws -> Int {
        try await onQueue { try $0.outboxDeadLetter(ids: ids, message: message) }
    }

    /// Lines waiting in the outbox.
    @available(*, noasync)
    public func outboxDepth() throws -> Int { try onQueue { try $0.outboxDepth() } }

    public func outboxDepth() async throws -> Int { try await onQueue { try $0.outboxDepth() } }

    /// Lines dropped, ever, because the outbox was full or too old.
    @available(*, noasync)
    public func droppedLines() throws -> Int { try onQueue { try $0.droppedLines() } }

    public func droppedLines() async throws -> Int { try await onQueue { try $0.droppedLines() } }

    @available(*, noasync)
    public func deadLetters(limit: Int = 1000) throws -> [DeadLetter] { try onQueue { try $0.deadLetters(limit: limit) } }
}
