// The request-head parser on hand-written heads: what it accepts, what it
// refuses and with which status. Expected values come from RFC 9112's
// grammar, worked out by hand for each line of the table.

import HTTPServer
import Testing

struct ParserTests {
    let parser = HTTPRequestParser()

    func parse(_ text: String) -> HTTPParseResult { parser.parse(Array(text.utf8)) }

    @Test func simpleGet() {
        let head = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:9108\r\nAccept: text/plain\r\n\r\n"
        guard case .request(let request, let consumed) = parse(head) else { Issue.record("not parsed"); return }
        #expect(consumed == head.utf8.count)
        #expect(request.method == "GET")
        #expect(request.path == "/metrics")
        #expect(request.minorVersion == 1)
        #expect(request.header("HOST") == "127.0.0.1:9108")
        #expect(request.header("accept") == "text/plain")
        #expect(request.keepAlive)
        #expect(!request.announcesBody)
    }

    @Test func queryIsDecoded() {
        // %2F is "/", "+" a space in a query, %41 is "A".
        guard case .request(let request, _) =
                parse("GET /api/history?point=FT-0412%2Fctrl1%2Foutlet_pressure&since=1h&x=a+b&flag&%41=1 HTTP/1.1\r\nHost: h\r\n\r\n")
        else { Issue.record("not parsed"); return }
        #expect(request.path == "/api/history")
        #expect(request.parameter("point") == "FT-0412/ctrl1/outlet_pressure")
        #expect(request.parameter("since") == "1h")
        #expect(request.parameter("x") == "a b")
        #expect(request.parameter("flag") == "")
        #expect(request.parameter("A") == "1")
    }

    @Test func pipelinedHeadsAreTakenOneAtATime() {
        let first = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
        let second = "HEAD /b HTTP/1.1\r\nHost: h\r\n\r\n"
        guard case .request(let a, let consumed) = parse(first + second) else { Issue.record("first"); return }
        #expect(a.path == "/a")
        #expect(consumed == first.utf8.count)
        guard case .request(let b, _) = parse(second) else { Issue.record("second"); return }
        #expect(b.method == "HEAD" && b.path == "/b")
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\r\nHost: h\r\n", "no empty line yet"),
        ("GET / HTTP/1.1\r\nHo", "half a header"),
        ("GET /", "half a request line"),
        ("\r\n\r\n", "only the empty lines RFC 9112 2.2 lets a server skip"),
        ("", "nothing"),
    ])
    func incomplete(_ head: String, _ why: String) {
        #expect(parse(head) == .incomplete, "\(why)")
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", false),
        ("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Close\r\n\r\n", false),
        ("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n", true),
        ("GET / HTTP/1.0\r\n\r\n", false),                          // 1.0: close when in doubt
        ("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", false),
        ("\r\nGET / HTTP/1.1\nHost: h\n\n", true),                  // bare LF lines are tolerated
    ])
    func keepAlive(_ head: String, _ expected: Bool) {
        guard case .request(let request, _) = parse(head) else { Issue.record("not parsed: \(head)"); return }
        #expect(request.keepAlive == expected)
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n", true),
        ("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", false),
        ("GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", true),
    ])
    func bodies(_ head: String, _ announces: Bool) {
        guard case .request(let request, _) = parse(head) else { Issue.record("not parsed"); return }
        #expect(request.announcesBody == announces)
    }

    @Test(arguments: [
        "GET / HTTP/1.1 extra\r\nHost: h\r\n\r\n",            // four parts
        "GET  / HTTP/1.1\r\nHost: h\r\n\r\n",                  // two spaces
        "G(T / HTTP/1.1\r\nHost: h\r\n\r\n",                   // "(" is no token byte
        "GET http://x/ HTTP/1.1\r\nHost: h\r\n\r\n",           // absolute form: origin form only
        "GET /a\u{7F} HTTP/1.1\r\nHost: h\r\n\r\n",            // DEL in the target
        "GET /%zz HTTP/1.1\r\nHost: h\r\n\r\n",                // bad escape
        "GET /%4 HTTP/1.1\r\nHost: h\r\n\r\n",                 // escape cut short
        "GET /%00 HTTP/1.1\r\nHost: h\r\n\r\n",                // NUL
        "GET / HTTP/x.y\r\nHost: h\r\n\r\n",
        "GET / HTTP/1.1\r\nHost h\r\n\r\n",                    // no colon
        "GET / HTTP/1.1\r\nHost : h\r\n\r\n",                  // space before the colon
        "GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n",        // obsolete folding
        "GET / HTTP/1.1\r\nHost: h\u{01}\r\n\r\n",             // control byte in a value
        "GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n",             // bare CR inside a line
        "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n",
        "GET / HTTP/1.1\r\n\r\n",                               // 1.1 without Host
    ])
    func malformedIs400(_ head: String) {
        let result = parse(head)
        guard case .failure(let failure) = result else { Issue.record("accepted: \(head.debugDescription)"); return }
        #expect(failure.status == 400, "\(head.debugDescription)")
    }

    @Test func otherVersionsAre505() {
        #expect(parse("GET / HTTP/2.0\r\nHost: h\r\n\r\n") == .failure(.versionNotSupported))
        #expect(parse("GET / HTTP/0.9\r\n\r\n") == .failure(.versionNotSupported))
    }

    @Test func headLimits() {
        // 8192 bytes without an empty line: 431, whether or not more follows.
        let long = "GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 8192)
        #expect(parse(long) == .failure(.headTooLarge))
        #expect(parser.parse(Array(long.utf8.prefix(8192))) == .failure(.headTooLarge))
        #expect(parser.parse(Array(long.utf8.prefix(8191))) == .incomplete)
        // Exactly 8192 bytes including the empty line is accepted:
        // "GET / HTTP/1.1\r\n" 16 + "Host: h\r\n" 9 + "X: " 3 + filler + "\r\n\r\n" 4 = 8192.
        let exact = "GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "b", count: 8192 - 32) + "\r\n\r\n"
        #expect(exact.utf8.count == 8192)
        guard case .request(_, let consumed) = parse(exact) else { Issue.record("exact limit refused"); return }
        #expect(consumed == 8192)
        // 101 header fields (limit 100): 431.
        let many = "GET / HTTP/1.1\r\n" + (0...100).map { "H\($0): v\r\n" }.joined() + "\r\n"
        #expect(parse(many) == .failure(.headTooLarge))
        // Empty lines alone cannot run forever either.
        #expect(parse(String(repeating: "\r\n", count: 4096)) == .failure(.headTooLarge))
    }
}
