// A connected byte stream (a TCP socket or a serial port) read and written
// with poll() against a deadline (Sockets.Descriptor). poll(), unlike
// libmodbus's select(), has no descriptor ceiling. Every system call is
// checked here, EINTR retried.

import Sockets
#if canImport(Glibc)
import Glibc
#endif

/// An open, non-blocking descriptor and what can be done with it.
struct ByteChannel {
    let descriptor: Int32

    /// Waits until `events` are ready on the descriptor; false when the deadline passed first.
    func wait(for events: Int16, until deadline: Deadline) throws(ModbusError) -> Bool {
        do throws(SocketError) {
            return try Descriptor.wait(descriptor, for: events, until: deadline)
        } catch {
            guard case .system(_, let code) = error else { return false }
            throw .transport(TransportFailure(errno: code))
        }
    }

    /// Writes every byte before the deadline.
    func write(_ bytes: [UInt8], until deadline: Deadline) throws(ModbusError) {
        var sent = 0
        while sent < bytes.count {
            // Never write(2) to a socket: a peer that has gone (or a shutdown(2) from
            // SocketInterrupter) would raise SIGPIPE and end the gateway.
            let written = bytes.withUnsafeBytes { Descriptor.writeSome(descriptor, UnsafeRawBufferPointer(rebasing: $0[sent...])) }
            if written > 0 {
                sent += written
                continue
            }
            let code = errno
            guard written < 0, code == EAGAIN || code == EINTR else {
                throw .transport(written == 0 ? .reset : TransportFailure(errno: code))
            }
            guard try wait(for: Int16(POLLOUT), until: deadline) else { throw .transport(.timedOut) }
        }
    }

    /// Reads what has arrived (up to `buffer`'s free room), waiting until the deadline for the first byte.
    /// Throws `.transport(.timedOut)` at the deadline, `.transport(.reset)` when the peer closed.
    func read(into buffer: inout [UInt8], limit: Int, until deadline: Deadline) throws(ModbusError) {
        while true {
            let count = readAvailable(into: &buffer, limit: limit)
            if count > 0 { return }
            if count == 0 { throw .transport(.reset) }
            let code = errno
            guard code == EAGAIN || code == EINTR else { throw .transport(Self.failure(readErrno: code)) }
            guard try wait(for: Int16(POLLIN), until: deadline) else { throw .transport(.timedOut) }
        }
    }

    /// One read(2) appending at most `limit - buffer.count` bytes: its return value.
    private func readAvailable(into buffer: inout [UInt8], limit: Int) -> Int {
        let room = max(1, limit - buffer.count)
        var chunk = [UInt8](repeating: 0, count: room)
        let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, room) }
        if count > 0 { buffer.append(contentsOf: chunk[..<count]) }
        return count
    }

    /// Discards whatever arrives until the line has been quiet for `silence`,
    /// giving up (false) at `deadline`. A serial line needs this after a
    /// timeout or an invalid reply, so a late answer is not read as the next one.
    func discardUntilSilent(_ silence: Duration, until deadline: Deadline) throws(ModbusError) -> Bool {
        var scratch: [UInt8] = []
        while true {
            let quiet = min(Deadline.after(silence), deadline)
            if try !wait(for: Int16(POLLIN), until: quiet) { return quiet < deadline }
            scratch.removeAll(keepingCapacity: true)
            let count = readAvailable(into: &scratch, limit: 256)
            if count == 0 { throw .transport(.reset) }
            if count < 0 && errno != EAGAIN && errno != EINTR { throw .transport(Self.failure(readErrno: errno)) }
            if deadline.remaining == 0 { return false }
        }
    }

    /// True when bytes are waiting that no request asked for.
    func hasStrayBytes() -> Bool {
        Descriptor.isReadable(descriptor)
    }

    /// A serial adapter that vanished reads EIO: the port is gone, open it again.
    static func failure(readErrno code: Int32) -> TransportFailure {
        code == EIO || code == ENXIO || code == ENODEV ? .reset : TransportFailure(errno: code)
    }
}
