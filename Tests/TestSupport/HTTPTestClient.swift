// A plain blocking TCP client for the server tests: it sends exactly the
// bytes a test gives it (well-formed or hostile) and reads what comes back.

import Foundation
import Glibc

// @unchecked Sendable: `fd` never changes; a test sends from one thread and
// reads (the only path that touches `lastEnd`) from another at most.
public final class TestClient: @unchecked Sendable {
    public let fd: Int32

    /// Connects to 127.0.0.1:`port`; reads give up after `timeout` seconds.
    public init(port: UInt16, timeout: Double = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError.failed("socket: errno \(errno)") }
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = port.bigEndian
        sin.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw ClientError.failed("connect: errno \(errno)")
        }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// One GET (or any request line) on a fresh connection, closed after.
    public static func get(port: UInt16, _ target: String, method: String = "GET", headers: [String: String] = [:],
                           timeout: Double = 10) throws -> TestResponse {
        let client = try TestClient(port: port, timeout: timeout)
        let extra = headers.map { "\($0.key): \($0.value)\r\n" }.joined()
        client.send("\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\(extra)\r\n")
        var all = client.readToEnd()
        guard let response = TestResponse.take(from: &all, isHead: method == "HEAD") else {
            throw ClientError.failed("no complete response to \(method) \(target): \(String(decoding: all.prefix(200), as: UTF8.self))")
        }
        return response
    }

    /// Sends all of `bytes`; false when the peer closed or reset.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { return false }
            offset += count
        }
        return true
    }

    @discardableResult
    public func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    public enum ReadEnd: Equatable { case closed, reset, timedOut }

    /// Reads one chunk; nil at end of stream, reset or timeout (see `lastEnd`).
    public private(set) var lastEnd: ReadEnd?
    public func readChunk() -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count > 0 { return Array(buffer[0..<count]) }
        lastEnd = count == 0 ? .closed : (errno == EAGAIN || errno == EWOULDBLOCK ? .timedOut : .reset)
        return nil
    }

    /// Everything until the server closes (or the timeout).
    public func readToEnd() -> [UInt8] {
        var all: [UInt8] = []
        while let chunk = readChunk() { all += chunk }
        return all
    }

    /// One response: head and Content-Length bytes of body (none for HEAD).
    public func readResponse(head isHead: Bool = false, pending: inout [UInt8]) -> TestResponse? {
        while true {
            if let response = TestResponse.take(from: &pending, isHead: isHead) { return response }
            guard let chunk = readChunk() else { return nil }
            pending += chunk
        }
    }

    public func readResponse(head isHead: Bool = false) -> TestResponse? {
        var pending: [UInt8] = []
        return readResponse(head: isHead, pending: &pending)
    }

    public enum ClientError: Error { case failed(String) }
}

public struct TestResponse {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// Cuts one response off the front of `bytes`, if it is all there.
    public static func take(from bytes: inout [UInt8], isHead: Bool) -> TestResponse? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, bytes.count - 3)).first(where: { Array(bytes[$0..<$0 + 4]) == separator }) else { return nil }
        let lines = String(decoding: bytes[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(lines[0].split(separator: " ")[1]) ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = isHead ? 0 : Int(headers["content-length"] ?? "0") ?? 0
        guard bytes.count >= end + 4 + length else { return nil }
        let body = Array(bytes[(end + 4)..<(end + 4 + length)])
        bytes.removeFirst(end + 4 + length)
        return TestResponse(status: status, headers: headers, body: body)
    }
}

/// The descriptors this process holds (entries of /proc/self/fd).
/// Leaves out the descriptor of the listing itself (closed by the time its
/// link is read, or pointing into /proc).
public func openDescriptors() -> [Int32] {
    ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { name in
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + name),
              !target.hasPrefix("/proc/") else { return nil }
        return Int32(name)
    }
}
