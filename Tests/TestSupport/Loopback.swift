// Test-only sockets on 127.0.0.1: a listener on a port the kernel picked
// (connects succeed into its backlog; nothing answers unless the test
// accepts), and a free port, shared by every test target.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct TestSocketError: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) { self.description = description }
}

/// A TCP socket listening on 127.0.0.1 on a port the kernel picked.
public func listenLoopback(backlog: Int32 = 16) throws -> (descriptor: Int32, port: Int) {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard descriptor >= 0 else { throw TestSocketError(description: "socket failed") }
    var reuse: Int32 = 1
    _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var size = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(descriptor, pointer, size) == 0 && listen(descriptor, backlog) == 0
                && getsockname(descriptor, pointer, &size) == 0
        }
    }
    guard ok else {
        close(descriptor)
        throw TestSocketError(description: "cannot listen on 127.0.0.1")
    }
    return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
}

/// A port on 127.0.0.1 nothing listens on (bound, read, released).
public func freePort() throws -> Int {
    let (descriptor, port) = try listenLoopback()
    close(descriptor)
    return port
}

/// `freePort()` under the name the integration tests have always used.
public func unusedPort() throws -> Int { try freePort() }
