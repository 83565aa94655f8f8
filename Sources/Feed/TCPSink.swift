// Raw TCP line protocol (`tcp://host:port`: VictoriaMetrics, Telegraf's
// socket listener). Blocking socket calls run on the sink's own serial
// queue, never on Swift's cooperative pool. TCP has no acknowledgement:
// a batch counts as delivered once the kernel took every byte. A listener
// never answers: what a peer sends back is read and discarded, at most
// `replyLimit` bytes per connection; past that the connection is dropped.

import Dispatch
import Foundation
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
            switch connectSocket() {
            case .success(let opened): descriptor = opened
            case .failure(let failure): return .retry(failure.reason, retryAfter: nil)
            }
        }
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { rest in
                Glibc.send(descriptor, rest.baseAddress, rest.count, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EINTR { continue }
                let reason = "send: " + Self.describe(errno)
                closeSocket()
                return .retry(reason, retryAfter: nil)
            }
            offset += sent
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
            var waiting = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&waiting, 1, 0) > 0 else { return .quiet }
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

    private func connectSocket() -> Result<Int32, SocketFailure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            return .failure(SocketFailure("cannot resolve \(host): " + String(cString: gai_strerror(status))))
        }
        defer { freeaddrinfo(list) }
        var lastError = SocketFailure("no address for \(host)")
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            let opened = socket(info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue),
                                info.pointee.ai_protocol)
            guard opened >= 0 else { lastError = SocketFailure("socket: " + Self.describe(errno)); continue }
            if let failure = connect(opened, info.pointee.ai_addr, info.pointee.ai_addrlen) {
                _ = Glibc.close(opened)
                lastError = failure
                continue
            }
            var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
            _ = setsockopt(opened, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            return .success(opened)
        }
        return .failure(lastError)
    }

    /// A connect bounded by `timeout`: non-blocking connect, then poll.
    private func connect(_ socket: Int32, _ address: UnsafeMutablePointer<sockaddr>, _ length: socklen_t)
        -> SocketFailure? {
        let flags = fcntl(socket, F_GETFL)
        _ = fcntl(socket, F_SETFL, flags | O_NONBLOCK)
        defer { _ = fcntl(socket, F_SETFL, flags) }
        if Glibc.connect(socket, address, length) == 0 { return nil }
        guard errno == EINPROGRESS else { return SocketFailure("connect: " + Self.describe(errno)) }
        var waiting = pollfd(fd: socket, events: Int16(POLLOUT), revents: 0)
        let ready = poll(&waiting, 1, Int32(timeout * 1000))
        guard ready > 0 else { return SocketFailure("connect: timed out") }
        var error: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        _ = getsockopt(socket, SOL_SOCKET, SO_ERROR, &error, &size)
        return error == 0 ? nil : SocketFailure("connect: " + Self.describe(error))
    }

    /// errno as text, without `strerror` (not thread-safe).
    static func describe(_ code: Int32) -> String {
        switch code {
        case ECONNREFUSED: return "connection refused"
        case ETIMEDOUT, EAGAIN: return "timed out"
        case ECONNRESET: return "connection reset"
        case EPIPE: return "connection closed by peer"
        case EHOSTUNREACH: return "host unreachable"
        case ENETUNREACH: return "network unreachable"
        default: return "errno \(code)"
        }
    }
}

struct SocketFailure: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}

