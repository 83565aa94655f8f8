// Opening a TCP connection for the sinks that speak over their own sockets
// (TCP line protocol, HTTP), with the feed's words for what went wrong. The
// mechanics (resolve, non-blocking connect within a deadline, sends that
// cannot raise SIGPIPE) are the shared Sockets module's.
// Blocking: call it from a sink's own queue, never from the cooperative pool.

import Sockets
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

    /// A shared-module error in the feed's words; a timeout is named after `step`.
    init(_ error: SocketError, during step: String?) {
        switch error {
        case .unresolved(let host, let reason): self.init(nil, "cannot resolve \(host): " + reason)
        case .timedOut: self.init(step, "timed out")
        case .system(let call, let code): self.init(call, SocketConnect.describe(code))
        }
    }
}

enum SocketConnect {
    /// A connected, non-blocking socket to `host:port` (the first address
    /// that answers), the connect bounded by `timeout` seconds.
    static func open(host: String, port: Int, timeout: Double) -> Result<Int32, SocketFailure> {
        do throws(SocketError) {
            return .success(try TCPConnect.open(host: host, port: port, until: .after(.seconds(timeout))))
        } catch {
            return .failure(SocketFailure(error, during: "connect"))
        }
    }

    /// Sends every byte; each wait for room may last `timeout` seconds. Nil when all went.
    static func sendAll(_ socket: Int32, _ bytes: [UInt8], timeout: Double) -> SocketFailure? {
        do throws(SocketError) {
            try TCPConnect.sendAll(socket, bytes, stall: .seconds(timeout))
            return nil
        } catch {
            return SocketFailure(error, during: "send")
        }
    }

    /// errno as text for a feed log line: short words for the usual network failures.
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
