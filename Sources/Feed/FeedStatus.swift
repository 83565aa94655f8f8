// The sender's state and counters, for the gateway's health line and its
// feed-failure alarm.

import Foundation

public enum FeedState: Sendable, Equatable {
    /// Nothing sent yet.
    case idle
    /// The last write was acknowledged.
    case ok
    /// Passing failures (5xx, timeouts, refused connections): retrying with backoff.
    case retrying(String)
    /// The server refuses us (401, 403, 404, ...): a configuration problem.
    /// The gateway raises its feed-failure alarm; lines keep buffering.
    case failing(String)

    public var isFailing: Bool {
        if case .failing = self { return true }
        return false
    }

    /// "idle", "ok", "retrying" or "failing".
    public var name: String {
        switch self {
        case .idle: return "idle"
        case .ok: return "ok"
        case .retrying: return "retrying"
        case .failing: return "failing"
        }
    }
}

public struct FeedStatus: Sendable, Equatable {
    public var state: FeedState = .idle
    /// Lines the server acknowledged.
    public var sentLines = 0
    /// Writes the server acknowledged.
    public var sentBatches = 0
    /// Failed writes that will be retried (transient or refused).
    public var retries = 0
    /// Lines moved to the dead-letter table.
    public var deadLettered = 0
    /// The last failure's text (the server's message where it gave one).
    public var lastError: String?
    /// When the server last acknowledged a write.
    public var lastSuccess: Date?

    public init() {}
}
