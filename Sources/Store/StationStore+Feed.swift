// The feed's view of the store for the command line and the gateway's
// state row (see StoreEngine+Feed.swift).

import Foundation

extension StationStore {
    /// Writes the gateway's state row (one small transaction).
    @available(*, noasync)
    public func saveGatewayState(_ state: GatewayState) throws { try onQueue { try $0.saveGatewayState(state) } }

    /// The gateway's state row; nil when no gateway has written one yet.
    @available(*, noasync)
    public func gatewayState() throws -> GatewayState? { try onQueue { try $0.gatewayState() } }

    /// Outbox lines, the oldest line's age, dead letters and dropped lines.
    @available(*, noasync)
    public func outboxSummary() throws -> OutboxSummary { try onQueue { try $0.outboxSummary() } }

    /// Dead letters from `since` on (all when nil), oldest first.
    @available(*, noasync)
    public func deadLetters(since: Date?, limit: Int = 1_000_000) throws -> [StoredDeadLetter] {
        try onQueue { try $0.storedDeadLetters(since: since, limit: limit) }
    }

    /// Puts dead letters from `since` on (all when nil) back at the end of the outbox; returns how many.
    @available(*, noasync)
    @discardableResult
    public func requeueDeadLetters(since: Date?) throws -> Int { try onQueue { try $0.requeueDeadLetters(since: since) } }
}
