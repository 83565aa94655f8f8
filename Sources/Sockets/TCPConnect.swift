// Opening a TCP connection within a deadline, for every client in the
// gateway (Modbus devices, feed servers): resolve (a name that does not
// resolve says so), try each address with a non-blocking connect, wait
// with poll(), read the outcome from SO_ERROR. Blocking: a dedicated thread
// or a sink's own queue, never the cooperative pool.

#if canImport(Glibc)
import Glibc
#endif

public enum TCPConnect {
    /// A connected, non-blocking, close-on-exec socket to `host`:`port`: the
    /// first address that accepts before `deadline`; else the last address's
    /// failure. `noDelay` sets TCP_NODELAY (small requests go at once).
    public static func open(host: String, port: Int, until deadline: Deadline, noDelay: Bool = false) throws(SocketError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw .unresolved(host: host, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        var failure = SocketError.timedOut
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            entry = address.pointee.ai_next
            do throws(SocketError) {
                return try connect(address.pointee, until: deadline, noDelay: noDelay)
            } catch {
                failure = error
            }
        }
        throw failure
    }

    private static func connect(_ address: addrinfo, until deadline: Deadline, noDelay: Bool) throws(SocketError) -> Int32 {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = socket(address.ai_family, type, 0)
        guard fd >= 0 else { throw .system(call: "socket", errno: errno) }
        var connected = false
        defer { if !connected { _ = Glibc.close(fd) } }
        if noDelay {
            var one: Int32 = 1
            _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        if Glibc.connect(fd, address.ai_addr, address.ai_addrlen) != 0 {
            guard errno == EINPROGRESS || errno == EINTR else { throw .system(call: "connect", errno: errno) }
            guard try Descriptor.wait(fd, for: Int16(POLLOUT), until: deadline) else { throw .timedOut }
            var code: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &size)
            if code != 0 { throw .system(call: "connect", errno: code) }
        }
        connected = true
        return fd
    }

    /// Sends every byte with MSG_NOSIGNAL (a closed peer is an error, never
    /// SIGPIPE). Each wait for room in the socket's buffer may last `stall`:
    /// a slow link that keeps taking bytes is not cut off.
    public static func sendAll(_ fd: Int32, _ bytes: [UInt8], stall: Duration) throws(SocketError) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { rest in
                Glibc.send(fd, rest.baseAddress, rest.count, Int32(MSG_NOSIGNAL))
            }
            if sent >= 0 {
                offset += sent
                continue
            }
            let code = errno
            guard code == EAGAIN || code == EINTR else { throw .system(call: "send", errno: code) }
            guard try Descriptor.wait(fd, for: Int16(POLLOUT), until: .after(stall)) else { throw .timedOut }
        }
    }
}
