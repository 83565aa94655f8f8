// One parsed HTTP/1.1 request head: what the server needs to answer a GET
// or HEAD. Bodies are never read (the server is read-only); a request that
// announces one is answered and its connection closed.

public struct HTTPRequest: Sendable, Equatable {
    public var method: String
    /// The path, percent-decoded, without the query ("/api/history").
    public var path: String
    /// Query parameters in order, percent-decoded ("+" is a space).
    public var query: [(name: String, value: String)]
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    public var minorVersion: Int
    /// Header fields in order; names lower-cased, values trimmed.
    public var headers: [(name: String, value: String)]

    public init(method: String, path: String, query: [(name: String, value: String)] = [],
                minorVersion: Int = 1, headers: [(name: String, value: String)] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.minorVersion = minorVersion
        self.headers = headers
    }

    /// The first value of a header (name in any case).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name == lower }?.value
    }

    /// The first value of a query parameter.
    public func parameter(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }

    /// Whether the connection may carry another request after this one:
    /// HTTP/1.1 unless `Connection: close`; HTTP/1.0 never (when in doubt, close).
    public var keepAlive: Bool {
        guard minorVersion >= 1 else { return false }
        let tokens = (header("connection") ?? "").lowercased().split(separator: ",")
        return !tokens.contains { $0.trimmingSpaces() == "close" }
    }

    /// Whether the request announces a body (which the server will not read).
    public var announcesBody: Bool {
        if header("transfer-encoding") != nil { return true }
        if let length = header("content-length") { return length != "0" }
        return false
    }

    public static func == (a: HTTPRequest, b: HTTPRequest) -> Bool {
        a.method == b.method && a.path == b.path && a.minorVersion == b.minorVersion
            && a.query.map { [$0.name, $0.value] } == b.query.map { [$0.name, $0.value] }
            && a.headers.map { [$0.name, $0.value] } == b.headers.map { [$0.name, $0.value] }
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result.removeFirst() }
        while let last = result.last, last == " " || last == "\t" { result.removeLast() }
        return result
    }
}
