// Raw TCP line protocol (`tcp://host:port`: VictoriaMetrics, Telegraf's
// socket listener). Blocking socket calls run on the sink's own serial
// queue, never on Swift's cooperative pool. TCP has no acknowledgement:
// a batch counts as delivered once the kernel took every byte. A listener
// never answers: what a peer sends back is read and discarded, at most
// `replyLimit` bytes per connection; past that the connection is dropped.

import Dispatch
import Foundation
import Sockets
#if canImport(Glibc)
import Glibc
#endif

// Safe to share: `descriptor` is read and written only on `queue`.
public final class TCPSink: FeedSink, @unchecked Sendable {
    public let host: String
    public let port: Int
    private let timeout: Double
    private let queue: DispatchQueue
    private var descriptor: Int32 = -1
    /// Bytes the peer sent back on this connection (read and discarded).
    private var repliedBytes = 0

    /// The most a peer may send back on one connection (the HTTP sink's bound).
    public static let replyLimit = HTTPSink.replyLimit

    /// `timeout` bounds the connect and each send, in seconds.
    public init(host: String, port: Int, timeout: Double = 10) {
        self.host = host
        self.port = port
        self.timeout = timeout
        queue = DispatchQueue(label: "pumpgw.feed.tcp.\(host):\(port)")
    }

    deinit {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
    }

    public var target: String { "tcp://\(host):\(port)" }

    public func write(_ lines: [String]) async -> SinkResult {
        let bytes = Array(lines.lineProtocolBody.utf8)
        return await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: self.send(bytes)) }
        }
    }

    /// On `queue`: connects when needed and sends every byte; on any failure
    /// closes the socket so the next write starts on a fresh connection.
    private func send(_ bytes: [UInt8]) -> SinkResult {
        if descriptor >= 0 {
            switch checkPeer() {
            case .quiet: break
            case .closed: closeSocket()
            case .talking(let failure):
                closeSocket()
                return failure
            }
        }
        if descriptor < 0 {
            switch SocketConnect.open(host: host, port: port, timeout: timeout) {
            case .success(let opened): descriptor = opened
            case .failure(let failure): return .retry(failure.reason, retryAfter: nil)
            }
        }
        if let failure = SocketConnect.sendAll(descriptor, bytes, timeout: timeout) {
            closeSocket()
            return .retry(failure.reason, retryAfter: nil)
        }
        return .accepted
    }

    private enum Peer {
        /// Nothing to read: the connection is fine.
        case quiet
        /// The peer closed the connection: bytes sent now would be lost unseen, reconnect.
        case closed
        /// The peer sent more than `replyLimit` bytes back.
        case talking(SinkResult)
    }

    /// Before a write: reads and discards what the peer sent, within `replyLimit`.
    private func checkPeer() -> Peer {
        var buffer = [UInt8](repeating: 0, count: 1024)
        while true {
            guard Descriptor.isReadable(descriptor) else { return .quiet }
            let count = recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count == 0 { return .closed }
            if count < 0 { return errno == EAGAIN || errno == EINTR ? .quiet : .closed }
            repliedBytes += count
            if repliedBytes > Self.replyLimit {
                return .talking(.refused(status: 0, "\(target) sent more than \(Self.replyLimit) bytes back; "
                                      + "a line-protocol listener never answers: check feed.url"))
            }
        }
    }

    private func closeSocket() {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
        descriptor = -1
        repliedBytes = 0
    }
}
