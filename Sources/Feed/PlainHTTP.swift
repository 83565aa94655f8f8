// One HTTP/1.1 POST over a plain TCP socket, read within hard bounds: a reply
// head of at most `headLimit` bytes, and at most `bodyLimit` bytes of body,
// read only when the head announces that much or less (or the body ends
// with the connection); then the connection is closed. URLSession keeps
// reading a hostile body while a cancel is on its way (tens of MB a write),
// so `http://` feeds go this way; `https://` stays on URLSession.
// Blocking: run it on a sink's own queue, never on the cooperative pool.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

enum PlainHTTP {
    struct Reply {
        var status: Int
        /// Lower-cased names.
        var headers: [String: String]
        var body: Data
        /// Why the body was not read ("a reply body of 2147483648 bytes"), if so.
        var unread: String?
    }

    /// The most of a reply head read.
    static let headLimit = 8192

    /// Sends `body` to `url` with `headers` and reads the reply; `timeout`
    /// bounds the connect, each send, and the whole reply.
    static func post(_ url: URL, headers: [(String, String)], body: [UInt8], timeout: Double,
                     bodyLimit: Int) -> Result<Reply, SocketFailure> {
        guard let parts = URLComponents(url: url, resolvingAgainstBaseURL: false), let host = parts.host else {
            return .failure(SocketFailure(nil, "bad URL \(url.absoluteString)"))
        }
        let port = parts.port ?? 80
        let socket: Int32
        switch SocketConnect.open(host: host, port: port, timeout: timeout) {
        case .success(let opened): socket = opened
        case .failure(let failure): return .failure(failure)
        }
        defer { _ = close(socket) }
        let target = (parts.percentEncodedPath.isEmpty ? "/" : parts.percentEncodedPath)
            + (parts.percentEncodedQuery.map { "?" + $0 } ?? "")
        let authority = (host.contains(":") ? "[\(host)]" : host) + ":\(port)"   // an IPv6 literal in brackets
        var head = "POST \(target) HTTP/1.1\r\nHost: \(authority)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        if let failure = SocketConnect.sendAll(socket, Array(head.utf8) + body) { return .failure(failure) }
        var reader = BoundedReader(socket: socket, deadline: Date().addingTimeInterval(timeout))
        return reader.reply(bodyLimit: bodyLimit)
    }

    /// Reads from a socket until a deadline, never more than asked for.
    private struct BoundedReader {
        let socket: Int32
        let deadline: Date
        var received: [UInt8] = []
        var ended = false

        /// Reads until `received` holds `count` bytes, the peer closes, or the deadline.
        mutating func fill(to count: Int) -> SocketFailure? {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while received.count < count && !ended {
                let remaining = deadline.timeIntervalSinceNow
                guard remaining > 0 else { return SocketFailure(nil, "timed out") }
                var waiting = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
                let ready = poll(&waiting, 1, Int32(min(remaining, 3600) * 1000) + 1)
                if ready < 0 && errno == EINTR { continue }
                guard ready > 0 else { return SocketFailure(nil, "timed out") }
                let count = recv(socket, &buffer, min(buffer.count, count - received.count), Int32(MSG_DONTWAIT))
                if count == 0 { ended = true }
                if count < 0 {
                    if errno == EAGAIN || errno == EINTR { continue }
                    return SocketFailure("recv", SocketConnect.describe(errno))
                }
                received += buffer[0..<max(0, count)]
            }
            return nil
        }

        mutating func reply(bodyLimit: Int) -> Result<Reply, SocketFailure> {
            var headEnd: Int?
            while headEnd == nil {
                let before = received.count
                if let failure = fill(to: min(before + 1024, PlainHTTP.headLimit)) { return .failure(failure) }
                headEnd = Self.endOfHead(received)
                if headEnd == nil && (ended || received.count >= PlainHTTP.headLimit) {
                    return .failure(SocketFailure(nil, ended && received.isEmpty ? "connection closed without a reply"
                                                  : "no HTTP reply head within \(PlainHTTP.headLimit) bytes"))
                }
            }
            guard let end = headEnd, let (status, headers) = Self.parseHead(received[..<end]) else {
                return .failure(SocketFailure(nil, "not an HTTP reply"))
            }
            var reply = Reply(status: status, headers: headers, body: Data(), unread: nil)
            let length = headers["content-length"].flatMap { Int($0) }
            if headers["transfer-encoding"] != nil {
                reply.unread = "a reply body of unknown length"
            } else if let length, length > bodyLimit {
                reply.unread = "a reply body of \(length) bytes"
            } else {
                // Within the limit, or until the connection ends (cut at the limit).
                let wanted = end + min(length ?? bodyLimit, bodyLimit)
                if fill(to: wanted) != nil && length != nil { return .failure(SocketFailure(nil, "timed out")) }
                reply.body = Data(received[end..<min(received.count, wanted)])
            }
            return .success(reply)
        }

        static func endOfHead(_ bytes: [UInt8]) -> Int? {
            guard bytes.count >= 4 else { return nil }
            for index in 0...(bytes.count - 4)
            where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
                return index + 4
            }
            return nil
        }

        /// "HTTP/1.1 400 Bad Request" and its headers; nil when it is not HTTP.
        static func parseHead(_ bytes: ArraySlice<UInt8>) -> (Int, [String: String])? {
            let lines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")
            let statusLine = lines.first?.split(separator: " ", maxSplits: 2) ?? []
            guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), let status = Int(statusLine[1]),
                  (100...599).contains(status) else { return nil }
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            return (status, headers)
        }
    }
}
