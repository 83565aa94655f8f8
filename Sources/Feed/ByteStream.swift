// A connected byte stream read and written within deadlines: a plain TCP
// socket (SocketStream), or TLS over one (TLSStream). The bounded HTTP
// exchange speaks through it, so `http://` and `https://` replies are read
// by the same code and within the same limits.
// Blocking: use it from a sink's own queue, never from the cooperative pool.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

protocol ByteStream: AnyObject {
    /// Sends every byte; nil when all went.
    func send(_ bytes: [UInt8], until deadline: Date) -> SocketFailure?
    /// At most `count` bytes, waiting until `deadline`; no bytes when the peer closed.
    func receive(upTo count: Int, until deadline: Date) -> Result<[UInt8], SocketFailure>
}

/// A plain TCP connection; its socket is closed when the stream is released.
final class SocketStream: ByteStream {
    let socket: Int32

    /// Takes over `socket` (from `SocketConnect.open`: blocking, SO_SNDTIMEO set).
    init(socket: Int32) {
        self.socket = socket
    }

    deinit { _ = Glibc.close(socket) }

    /// SO_SNDTIMEO (the sink's timeout) bounds each send.
    func send(_ bytes: [UInt8], until deadline: Date) -> SocketFailure? {
        SocketConnect.sendAll(socket, bytes)
    }

    func receive(upTo count: Int, until deadline: Date) -> Result<[UInt8], SocketFailure> {
        var buffer = [UInt8](repeating: 0, count: max(1, min(count, 16384)))
        while true {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { return .failure(SocketFailure(nil, "timed out")) }
            var waiting = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&waiting, 1, Int32(min(remaining, 3600) * 1000) + 1)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { return .failure(SocketFailure(nil, "timed out")) }
            let received = recv(socket, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if received >= 0 { return .success(Array(buffer[0..<received])) }
            if errno == EAGAIN || errno == EINTR { continue }
            return .failure(SocketFailure("recv", SocketConnect.describe(errno)))
        }
    }
}
