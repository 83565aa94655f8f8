// Why a socket call failed, in terms each caller names in its own words
// (the Modbus client's TransportFailure, the feed's log text, the HTTP
// server's start-up error), and errno as text without strerror's shared buffer.

#if canImport(Glibc)
import Glibc
#endif

public enum SocketError: Error, Sendable, Hashable {
    /// getaddrinfo found no address: the host, and the resolver's words.
    case unresolved(host: String, reason: String)
    /// The deadline passed first.
    case timedOut
    /// A system call failed: its name ("socket", "connect", "poll", "send") and errno.
    case system(call: String, errno: Int32)
}

/// strerror's text through strerror_r (strerror shares one buffer between threads).
public func systemErrorText(_ code: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard strerror_r(code, &buffer, buffer.count) == 0 else { return "error \(code)" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
