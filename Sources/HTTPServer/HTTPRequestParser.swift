// The request-head parser: bytes in, a request (or a reason to refuse it)
// out. Pure, so that it can be table-tested and fuzzed; the server feeds it
// what a connection has sent so far and calls it again when more arrives.
//
// Everything here is read from an adversary: the head is bounded
// (`maxHeadBytes`, `maxHeaderCount`), every byte is checked against the
// grammar of RFC 9112 (tokens, visible characters, no bare control bytes),
// and whatever could make two parsers disagree on where a request ends
// (obsolete line folding, Content-Length next to Transfer-Encoding, two
// different Content-Lengths) is refused rather than guessed.

public enum HTTPParseResult: Sendable, Equatable {
    /// No complete head yet, and the bytes so far are within the limits.
    case incomplete
    /// A complete head, and how many bytes of the input it took.
    case request(HTTPRequest, consumed: Int)
    /// A head the server refuses; the connection is answered and closed.
    case failure(HTTPParseFailure)
}

public enum HTTPParseFailure: Error, Sendable, Equatable {
    /// The request line and headers are longer than the limit, or too many: 431.
    case headTooLarge
    /// Anything that does not follow the grammar: 400, with the reason.
    case malformed(String)
    /// HTTP/2.0 and other versions than 1.0 and 1.1: 505.
    case versionNotSupported

    public var status: Int {
        switch self {
        case .headTooLarge: 431
        case .malformed: 400
        case .versionNotSupported: 505
        }
    }
}

public struct HTTPRequestParser: Sendable {
    /// Request line plus headers plus the empty line, bytes.
    public var maxHeadBytes = 8192
    public var maxHeaderCount = 100

    public init(maxHeadBytes: Int = 8192, maxHeaderCount: Int = 100) {
        self.maxHeadBytes = maxHeadBytes
        self.maxHeaderCount = maxHeaderCount
    }

    public func parse(_ bytes: some RandomAccessCollection<UInt8>) -> HTTPParseResult {
        let input = Array(bytes.prefix(maxHeadBytes))
        // RFC 9112 2.2: empty lines before the request line are ignored.
        var start = 0
        while start < input.count, input[start] == 0x0D || input[start] == 0x0A { start += 1 }
        guard let lines = Self.headLines(input, from: start) else {
            return bytes.count >= maxHeadBytes ? .failure(.headTooLarge) : .incomplete
        }
        guard lines.lines.count - 1 <= maxHeaderCount else { return .failure(.headTooLarge) }
        do {
            var request = try Self.requestLine(lines.lines[0])
            for line in lines.lines.dropFirst() {
                request.headers.append(try Self.header(line))
            }
            try Self.checkFraming(request)
            return .request(request, consumed: lines.end)
        } catch let failure {
            return .failure(failure)
        }
    }

    /// The head's lines (without their CRLF or LF) up to the empty line, and
    /// the offset after it; nil while the empty line has not arrived.
    static func headLines(_ input: [UInt8], from start: Int) -> (lines: [ArraySlice<UInt8>], end: Int)? {
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = start
        var index = start
        while index < input.count {
            if input[index] == 0x0A {
                var lineEnd = index
                if lineEnd > lineStart, input[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                if lineEnd == lineStart { return lines.isEmpty ? nil : (lines, index + 1) }
                lines.append(input[lineStart..<lineEnd])
                lineStart = index + 1
            }
            index += 1
        }
        return nil
    }

    static func requestLine(_ line: ArraySlice<UInt8>) throws(HTTPParseFailure) -> HTTPRequest {
        let parts = line.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformed("the request line must be METHOD SP TARGET SP VERSION") }
        let method = parts[0], target = parts[1], version = parts[2]
        guard !method.isEmpty, method.allSatisfy(isTokenByte) else { throw .malformed("the method is not a token") }
        guard Array(version.prefix(5)) == Array("HTTP/".utf8) else { throw .malformed("the version is not HTTP/x.y") }
        let minor: Int
        switch Array(version.dropFirst(5)) {
        case Array("1.1".utf8): minor = 1
        case Array("1.0".utf8): minor = 0
        case let digits where digits.count == 3 && digits[1] == 0x2E && isDigit(digits[0]) && isDigit(digits[2]):
            throw .versionNotSupported
        default: throw .malformed("the version is not HTTP/x.y")
        }
        guard target.first == 0x2F, target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .malformed("the target must be a path starting with /")
        }
        let questionMark = target.firstIndex(of: 0x3F)
        let path = try percentDecoded(target[..<(questionMark ?? target.endIndex)], plusIsSpace: false)
        var query: [(name: String, value: String)] = []
        if let questionMark {
            for pair in target[(questionMark + 1)...].split(separator: 0x26) {
                let equals = pair.firstIndex(of: 0x3D)
                let name = try percentDecoded(pair[..<(equals ?? pair.endIndex)], plusIsSpace: true)
                var value = ""
                if let equals { value = try percentDecoded(pair[(equals + 1)...], plusIsSpace: true) }
                query.append((name, value))
            }
        }
        return HTTPRequest(method: String(decoding: method, as: UTF8.self), path: path, query: query, minorVersion: minor)
    }

    static func header(_ line: ArraySlice<UInt8>) throws(HTTPParseFailure) -> (name: String, value: String) {
        guard line.first != 0x20, line.first != 0x09 else { throw .malformed("obsolete line folding is not accepted") }
        guard let colon = line.firstIndex(of: 0x3A) else { throw .malformed("a header line has no colon") }
        let name = line[..<colon]
        guard !name.isEmpty, name.allSatisfy(isTokenByte) else { throw .malformed("a header name is not a token") }
        var value = line[(colon + 1)...]
        while let first = value.first, first == 0x20 || first == 0x09 { value.removeFirst() }
        while let last = value.last, last == 0x20 || last == 0x09 { value.removeLast() }
        guard value.allSatisfy({ $0 == 0x09 || $0 >= 0x20 && $0 != 0x7F }) else {
            throw .malformed("a header value holds a control character")
        }
        return (String(decoding: name, as: UTF8.self).lowercased(), String(decoding: value, as: UTF8.self))
    }

    /// Refuses heads whose end of message two parsers could read differently.
    static func checkFraming(_ request: HTTPRequest) throws(HTTPParseFailure) {
        let lengths = request.headers.filter { $0.name == "content-length" }.map(\.value)
        if !lengths.isEmpty && request.header("transfer-encoding") != nil {
            throw .malformed("Content-Length and Transfer-Encoding together")
        }
        guard lengths.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 18 && $0.utf8.allSatisfy(isDigit) }),
              Set(lengths).count <= 1 else {
            throw .malformed("Content-Length is not one decimal number")
        }
        if request.minorVersion == 1, request.header("host") == nil {
            throw .malformed("an HTTP/1.1 request must have a Host header")
        }
    }

    static func percentDecoded(_ bytes: ArraySlice<UInt8>, plusIsSpace: Bool) throws(HTTPParseFailure) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == 0x25 {
                guard index + 2 < bytes.endIndex,
                      let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) else {
                    throw .malformed("a bad percent escape in the target")
                }
                let decoded = high << 4 | low
                guard decoded != 0 else { throw .malformed("a NUL byte in the target") }
                out.append(decoded)
                index += 3
            } else {
                out.append(plusIsSpace && byte == 0x2B ? 0x20 : byte)
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// tchar of RFC 9110 5.6.2.
func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
    case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
         UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
         UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"): true
    default: false
    }
}

func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case 0x30...0x39: byte - 0x30
    case 0x41...0x46: byte - 0x41 + 10
    case 0x61...0x66: byte - 0x61 + 10
    default: nil
    }
}
