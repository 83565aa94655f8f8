// A tiny HTTP/1.1 server on its own thread that answers each request with
// what the test's handler says (one request per connection, Connection: close).

import Foundation
import Synchronization
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Accepts one connection, or returns -1 after `seconds` (a test never hangs on accept).
func acceptWithin(_ listener: Int32, seconds: Double = 2) -> Int32 {
    var waiting = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
    guard poll(&waiting, 1, Int32(seconds * 1000)) > 0 else { return -1 }
    return accept(listener, nil, nil)
}

struct TestRequest: Sendable {
    var method: String
    var target: String
    var headers: [String: String]   // keys lower-cased
    var body: String
}

struct TestResponse: Sendable {
    var status: Int
    var headers: [String: String] = [:]
    var body: String = ""
}

// Safe to share: `requests` is a Mutex; the descriptor is written once
// before the thread starts and closed by `stop()` after the thread ended.
final class TestHTTPServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let handler: @Sendable (TestRequest) -> TestResponse
    private let received = Mutex<[TestRequest]>([])
    private let stopping = Mutex(false)
    private let finished = DispatchSemaphore(value: 0)

    init(_ handler: @escaping @Sendable (TestRequest) -> TestResponse) throws {
        (listener, port) = try listenLoopback()
        self.handler = handler
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    deinit { stop() }

    var requests: [TestRequest] { received.withLock { $0 } }

    func stop() {
        let already = stopping.withLock { old in defer { old = true }; return old }
        guard !already else { return }
        finished.wait()
        close(listener)
    }

    private func serve() {
        defer { finished.signal() }
        while !stopping.withLock({ $0 }) {
            var waiting = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&waiting, 1, 50) > 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            handle(connection)
            close(connection)
        }
    }

    private func handle(_ connection: Int32) {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        _ = setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var headerEnd: Int?
        var contentLength = 0
        while true {
            if let end = headerEnd, data.count >= end + contentLength { break }
            let count = recv(connection, &buffer, buffer.count, 0)
            guard count > 0 else { return }
            data += buffer[0..<count]
            if headerEnd == nil, let range = findHeaderEnd(data) {
                headerEnd = range
                let head = String(decoding: data[0..<range], as: UTF8.self)
                contentLength = parseHeaders(head).1["content-length"].flatMap { Int($0) } ?? 0
            }
        }
        guard let end = headerEnd else { return }
        let (requestLine, headers) = parseHeaders(String(decoding: data[0..<end], as: UTF8.self))
        let parts = requestLine.split(separator: " ")
        let request = TestRequest(method: parts.first.map(String.init) ?? "",
                                  target: parts.count > 1 ? String(parts[1]) : "",
                                  headers: headers,
                                  body: String(decoding: data[end..<(end + contentLength)], as: UTF8.self))
        received.withLock { $0.append(request) }
        let response = handler(request)
        var text = "HTTP/1.1 \(response.status) Status\r\nConnection: close\r\n"
        text += "Content-Length: \(response.body.utf8.count)\r\n"
        for (name, value) in response.headers { text += "\(name): \(value)\r\n" }
        text += "\r\n" + response.body
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return }
            offset += sent
        }
    }

    /// The index just past "\r\n\r\n".
    private func findHeaderEnd(_ data: [UInt8]) -> Int? {
        guard data.count >= 4 else { return nil }
        for index in 0...(data.count - 4)
        where data[index] == 13 && data[index + 1] == 10 && data[index + 2] == 13 && data[index + 3] == 10 {
            return index + 4
        }
        return nil
    }

    private func parseHeaders(_ head: String) -> (String, [String: String]) {
        let lines = head.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (lines.first ?? "", headers)
    }
}
