// Opening a TCP connection with a deadline, for the sinks that speak over
// their own sockets (TCP line protocol, plain HTTP). Blocking: call it from
// a sink's own queue, never from the cooperative pool.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why a socket step failed: `problem` in words ("connection refused"), and
/// the step it happened in ("connect"), if any.
struct SocketFailure: Error {
    var step: String?
    var problem: String

    init(_ step: String?, _ problem: String) {
        self.step = step
        self.problem = problem
    }

    /// "connect: connection refused".
    var reason: String { step.map { "\($0): " + problem } ?? problem }
}

enum SocketConnect {
    /// A connected socket to `host:port` (the first address that answers),
    /// with `timeout` bounding the connect and each send (SO_SNDTIMEO).
    static func open(host: String, port: Int, timeout: Double) -> Result<Int32, SocketFailure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            return .failure(SocketFailure(nil, "cannot resolve \(host): " + String(cString: gai_strerror(status))))
        }
        defer { freeaddrinfo(list) }
        var lastError = SocketFailure(nil, "no address for \(host)")
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            let opened = socket(info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue),
                                info.pointee.ai_protocol)
            guard opened >= 0 else { lastError = SocketFailure("socket", describe(errno)); continue }
            if let failure = connect(opened, info.pointee.ai_addr, info.pointee.ai_addrlen, timeout: timeout) {
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
    private static func connect(_ socket: Int32, _ address: UnsafeMutablePointer<sockaddr>, _ length: socklen_t,
                                timeout: Double) -> SocketFailure? {
        let flags = fcntl(socket, F_GETFL)
        _ = fcntl(socket, F_SETFL, flags | O_NONBLOCK)
        defer { _ = fcntl(socket, F_SETFL, flags) }
        if Glibc.connect(socket, address, length) == 0 { return nil }
        guard errno == EINPROGRESS else { return SocketFailure("connect", describe(errno)) }
        var waiting = pollfd(fd: socket, events: Int16(POLLOUT), revents: 0)
        let ready = poll(&waiting, 1, Int32(timeout * 1000))
        guard ready > 0 else { return SocketFailure("connect", "timed out") }
        var error: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        _ = getsockopt(socket, SOL_SOCKET, SO_ERROR, &error, &size)
        return error == 0 ? nil : SocketFailure("connect", describe(error))
    }

    /// Sends every byte (SO_SNDTIMEO bounds each send); nil when all went.
    static func sendAll(_ socket: Int32, _ bytes: [UInt8]) -> SocketFailure? {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { rest in
                Glibc.send(socket, rest.baseAddress, rest.count, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EINTR { continue }
                return SocketFailure("send", describe(errno))
            }
            offset += sent
        }
        return nil
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
