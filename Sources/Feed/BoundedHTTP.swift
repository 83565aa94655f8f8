// One HTTP/1.1 POST, read within hard bounds: a reply head of at most
// `headLimit` bytes, and at most `bodyLimit` bytes of body, read only when
// the head announces that much or less (or the body ends with the
// connection); then the connection is closed. `http://` goes over a plain
// socket, `https://` over TLS on one (TLSStream): the same reader, the same
// bounds. (URLSession, used for https before, kept reading a hostile body
// while its cancel was on its way: 100-280 MB a write.)
// Blocking: run it on a sink's own queue, never on the cooperative pool.

import Foundation
import Sockets

enum BoundedHTTP {
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
    /// bounds the connect, the TLS handshake, each send, and the whole reply.
    /// `tls` is needed for an `https://` URL.
    static func post(_ url: URL, headers: [(String, String)], body: [UInt8], timeout: Double,
                     bodyLimit: Int, tls: TLSContext?) -> Result<Reply, SocketFailure> {
        guard let parts = URLComponents(url: url, resolvingAgainstBaseURL: false), let host = parts.host else {
            return .failure(SocketFailure(nil, "bad URL \(url.absoluteString)"))
        }
        let port = parts.port ?? (tls == nil ? 80 : 443)
        let stream: any ByteStream
        switch open(host: host, port: port, timeout: timeout, tls: tls) {
        case .success(let opened): stream = opened
        case .failure(let failure): return .failure(failure)
        }
        let target = (parts.percentEncodedPath.isEmpty ? "/" : parts.percentEncodedPath)
            + (parts.percentEncodedQuery.map { "?" + $0 } ?? "")
        let authority = (host.contains(":") ? "[\(host)]" : host) + ":\(port)"   // an IPv6 literal in brackets
        var head = "POST \(target) HTTP/1.1\r\nHost: \(authority)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        if let failure = stream.send(Array(head.utf8) + body) { return .failure(failure) }
        var reader = BoundedReader(stream: stream, deadline: .after(.seconds(timeout)))
        return reader.reply(bodyLimit: bodyLimit)
    }

    /// A connected stream to `host:port`: TLS when `tls` is given.
    private static func open(host: String, port: Int, timeout: Double, tls: TLSContext?) -> Result<any ByteStream, SocketFailure> {
        let socket: SocketStream
        switch SocketConnect.open(host: host, port: port, timeout: timeout) {
        case .success(let opened): socket = SocketStream(socket: opened, timeout: timeout)
        case .failure(let failure): return .failure(failure)
        }
        guard let tls else { return .success(socket) }
        return TLSStream.handshake(over: socket, host: host, context: tls, until: .after(.seconds(timeout)))
            .map { $0 as any ByteStream }
    }

    /// Reads from a stream until a deadline, never more than asked for.
    private struct BoundedReader {
        let stream: any ByteStream
        let deadline: Deadline
        var received: [UInt8] = []
        var ended = false

        /// Reads until `received` holds `count` bytes, the peer closes, or the deadline.
        mutating func fill(to count: Int) -> SocketFailure? {
            while received.count < count && !ended {
                switch stream.receive(upTo: count - received.count, until: deadline) {
                case .success(let bytes): received += bytes; ended = bytes.isEmpty
                case .failure(let failure): return failure
                }
            }
            return nil
        }

        mutating func reply(bodyLimit: Int) -> Result<Reply, SocketFailure> {
            var headEnd: Int?
            while headEnd == nil {
                let before = received.count
                if let failure = fill(to: min(before + 1024, BoundedHTTP.headLimit)) { return .failure(failure) }
                headEnd = Self.endOfHead(received)
                if headEnd == nil && (ended || received.count >= BoundedHTTP.headLimit) {
                    return .failure(SocketFailure(nil, ended && received.isEmpty ? "connection closed without a reply"
                                                  : "no HTTP reply head within \(BoundedHTTP.headLimit) bytes"))
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
