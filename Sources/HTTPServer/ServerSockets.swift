// Every C call of the server in one place: listening, accepting, moving a
// descriptor above libmodbus's range, non-blocking reads and writes. Waiting
// (poll), descriptor flags and errno text are the shared Sockets module's.
//
// Why descriptors move: libmodbus waits with select(), so a Modbus socket
// numbered 1024 or more is refused (DESIGN.md "Known traps"). An HTTP socket
// left at the lowest free number would take a number a Modbus socket needs.
// So each HTTP descriptor is duplicated to 1024 or above (F_DUPFD_CLOEXEC)
// and the low copy closed at once; poll() has no such limit. The soft
// RLIMIT_NOFILE is raised (up to the hard limit) to leave room above 1023.
// Where that is impossible, the low descriptor is kept, and the server's
// connection cap (`maxConnections`, plus the listener and the wake pipe)
// is what it can take from the Modbus budget at most.

import Glibc
import Sockets

public struct HTTPServerError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

enum ServerSockets {
    /// The first descriptor number libmodbus cannot use.
    static let modbusCeiling: Int32 = 1024

    /// Raises the soft descriptor limit so that `needed` numbers above the
    /// ceiling exist, if the hard limit allows it.
    static func makeRoomAboveCeiling(_ needed: Int) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        let wanted = rlim_t(Int(modbusCeiling) + needed)
        guard limit.rlim_cur < wanted else { return }
        limit.rlim_cur = min(limit.rlim_max, wanted)
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }

    /// `fd` moved to a number of 1024 or more (the original is closed), or
    /// `fd` itself when the limit leaves no room there.
    static func moveAboveCeiling(_ fd: Int32) -> Int32 {
        guard fd < modbusCeiling else { return fd }
        let high = fcntl(fd, F_DUPFD_CLOEXEC, modbusCeiling)
        guard high >= 0 else { return fd }
        close(fd)
        return high
    }

    /// A pipe whose ends are non-blocking and close-on-exec.
    static func wakePipe() -> (read: Int32, write: Int32)? {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return nil }
        for fd in ends {
            Descriptor.setCloseOnExec(fd)
            Descriptor.setNonBlocking(fd)
        }
        return (moveAboveCeiling(ends[0]), moveAboveCeiling(ends[1]))
    }

    /// A non-blocking listening socket on `address`; the error names the
    /// address and, for a port in use, says so.
    static func listen(on address: ListenAddress, backlog: Int32 = 1024) throws(HTTPServerError) -> Int32 {
        guard let family = address.family else {
            throw HTTPServerError(message: "http.listen: '\(address.host)' is not a numeric IPv4 or IPv6 address")
        }
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HTTPServerError(message: "http.listen \(address): socket: \(systemErrorText(errno))") }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound: Int32
        if family == AF_INET {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = address.port.bigEndian
            inet_pton(AF_INET, address.host, &sin.sin_addr)
            bound = withUnsafePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        } else {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = address.port.bigEndian
            inet_pton(AF_INET6, address.host, &sin6.sin6_addr)
            bound = withUnsafePointer(to: &sin6) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
        if bound != 0 {
            let code = errno
            close(fd)
            if code == EADDRINUSE {
                throw HTTPServerError(message: "http.listen \(address): port \(address.port) is already in use (another pumpgw, or another program); choose another port")
            }
            throw HTTPServerError(message: "http.listen \(address): cannot bind: \(systemErrorText(code))")
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let code = errno
            close(fd)
            throw HTTPServerError(message: "http.listen \(address): listen: \(systemErrorText(code))")
        }
        Descriptor.setNonBlocking(fd)
        return fd
    }

    /// The port a listening socket is bound to (useful after port 0).
    static func boundPort(_ fd: Int32) -> UInt16 {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let family = storage.ss_family
        return withUnsafePointer(to: &storage) { pointer in
            if family == sa_family_t(AF_INET6) {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
    }

    /// An accepted, non-blocking, close-on-exec connection, or nil when none waits.
    static func accept(_ listener: Int32) -> Int32? {
        while true {
            let fd = Glibc.accept(listener, nil, nil)
            if fd >= 0 {
                Descriptor.setCloseOnExec(fd)
                Descriptor.setNonBlocking(fd)
                return fd
            }
            if errno == EINTR || errno == ECONNABORTED { continue }
            return nil
        }
    }

    enum IOResult { case bytes(Int), wouldBlock, closed }

    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> IOResult {
        while true {
            let count = recv(fd, buffer.baseAddress, buffer.count, 0)
            if count > 0 { return .bytes(count) }
            if count == 0 { return .closed }
            if errno == EINTR { continue }
            return errno == EAGAIN || errno == EWOULDBLOCK ? .wouldBlock : .closed
        }
    }

    static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> IOResult {
        while true {
            let count = send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if count >= 0 { return .bytes(count) }
            if errno == EINTR { continue }
            return errno == EAGAIN || errno == EWOULDBLOCK ? .wouldBlock : .closed
        }
    }
}
