// The door between the store's durable outbox and the sender: the gateway
// adapts the SQLite outbox to this protocol. `OutboxEntry` is in Telemetry,
// with the other data types the stages pass on.

import Telemetry

/// What the sender drains. Lines come out oldest first; nothing leaves the
/// outbox until the sender deletes or dead-letters it.
public protocol Outbox: Sendable {
    /// The oldest lines, in id order, at most `maxLines` and at most
    /// `maxBytes` (UTF-8 bytes plus one newline per line), but always at
    /// least one line when the outbox is not empty. Does not remove them.
    func peek(maxLines: Int, maxBytes: Int) async throws -> [OutboxEntry]
    /// Removes lines the server acknowledged.
    func delete(ids: [Int64]) async throws
    /// Moves lines the server rejected to the dead-letter table with its message.
    func deadLetter(ids: [Int64], message: String) async throws
}
