// Where lines go: the sink protocol and the outcome of one write, which
// tells the sender whether to delete, retry, bisect or alarm.

/// The outcome of writing one batch.
public enum SinkResult: Sendable, Equatable {
    /// The server acknowledged every line (HTTP 2xx, or bytes handed to the
    /// socket or file): the batch may be deleted.
    case accepted
    /// A passing failure (5xx, 429, timeout, refused, reset): retry the same
    /// batch later; `retryAfter` seconds when the server said so.
    case retry(String, retryAfter: Double?)
    /// The data was refused (400, 413, 422): some line in the batch is bad;
    /// the server's message.
    case rejected(String)
    /// The server refuses us, not the data (401, 403, 404, other 4xx): a
    /// configuration problem; keep buffering, alarm, retry slowly.
    case refused(status: Int, String)
}

/// A destination for batches of lines. Implementations never block the
/// calling task's thread on I/O.
public protocol FeedSink: Sendable {
    /// Writes `lines` (each without its newline) as one batch.
    func write(_ lines: [String]) async -> SinkResult
    /// Where the lines go, for logs: never contains a secret.
    var target: String { get }
}

extension Array where Element == String {
    /// The batch as the body of a write: every line ended by a newline.
    var lineProtocolBody: String {
        var body = joined(separator: "\n")
        body += "\n"
        return body
    }
}
