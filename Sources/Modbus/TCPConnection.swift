// Opening a TCP connection within a deadline: resolve (a name that does not
// resolve says so), connect non-blocking, wait with poll(), TCP_NODELAY.

#if canImport(Glibc)
import Glibc
#endif

enum TCPConnection {
    /// A connected, non-blocking socket to `host`:`port`.
    static func open(host: String, port: Int, until deadline: Deadline) throws(ModbusError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw .transport(.unresolved("\(host): \(String(cString: gai_strerror(status)))"))
        }
        defer { freeaddrinfo(list) }
        var failure = TransportFailure.unreachable
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            entry = address.pointee.ai_next
            do throws(ModbusError) {
                return try connect(address.pointee, until: deadline)
            } catch {
                if case .transport(let reason) = error { failure = reason }
            }
        }
        throw .transport(failure)
    }

    private static func connect(_ address: addrinfo, until deadline: Deadline) throws(ModbusError) -> Int32 {
        let fd = socket(address.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .transport(.system(errno)) }
        var ok = false
        defer { if !ok { _ = Glibc.close(fd) } }
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        if Glibc.connect(fd, address.ai_addr, address.ai_addrlen) != 0 {
            guard errno == EINPROGRESS || errno == EINTR else { throw .transport(connectFailure(errno)) }
            guard try ByteChannel(descriptor: fd).wait(for: Int16(POLLOUT), until: deadline) else {
                throw .transport(.timedOut)
            }
            var code: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &size)
            if code != 0 { throw .transport(connectFailure(code)) }
        }
        ok = true
        return fd
    }

    /// Any failed connect other than a refusal or a timeout is "unreachable".
    private static func connectFailure(_ code: Int32) -> TransportFailure {
        let failure = TransportFailure(errno: code)
        switch failure {
        case .refused, .timedOut, .unreachable: return failure
        default: return .unreachable
        }
    }
}
