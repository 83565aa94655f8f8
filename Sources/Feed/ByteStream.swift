// A connected byte stream read and written within deadlines: a plain TCP
// socket (SocketStream), or TLS over one (TLSStream). The bounded HTTP
// exchange speaks through it, so `http://` and `https://` replies are read
// by the same code and within the same limits.
// Blocking: use it from a sink's own queue, never from the cooperative pool.

import Sockets
#if canImport(Glibc)
import Glibc
#endif

protocol ByteStream: AnyObject {
    /// Sends every byte; each wait for room lasts at most the stream's timeout. Nil when all went.
    func send(_ bytes: [UInt8]) -> SocketFailure?
    /// At most `count` bytes, waiting until `deadline`; no bytes when the peer closed.
    func receive(upTo count: Int, until deadline: Deadline) -> Result<[UInt8], SocketFailure>
}

/// A plain TCP connection; its socket is closed when the stream is released.
final class SocketStream: ByteStream {
    let socket: Int32
    /// Seconds a send may wait for room in the socket's buffer.
    let timeout: Double

    /// Takes over `socket` (non-blocking, from `SocketConnect.open`).
    init(socket: Int32, timeout: Double) {
        self.socket = socket
        self.timeout = timeout
    }

    deinit { _ = Glibc.close(socket) }

    func send(_ bytes: [UInt8]) -> SocketFailure? {
        SocketConnect.sendAll(socket, bytes, timeout: timeout)
    }

    func receive(upTo count: Int, until deadline: Deadline) -> Result<[UInt8], SocketFailure> {
        var buffer = [UInt8](repeating: 0, count: max(1, min(count, 16384)))
        while true {
            do throws(SocketError) {
                guard try Descriptor.wait(socket, for: Int16(POLLIN), until: deadline) else {
                    return .failure(SocketFailure(nil, "timed out"))
                }
            } catch {
                return .failure(SocketFailure(error, during: "recv"))
            }
            let received = recv(socket, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if received >= 0 { return .success(Array(buffer[0..<received])) }
            if errno == EAGAIN || errno == EINTR { continue }
            return .failure(SocketFailure("recv", SocketConnect.describe(errno)))
        }
    }
}
