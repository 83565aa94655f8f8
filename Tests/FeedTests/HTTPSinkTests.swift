// The HTTP sink through URLSession against a local test server: what is
// sent (URL, precision, auth headers, body) and how each answer is treated.

import Foundation
import TestSupport
import Testing
@testable import Feed
import Profiles

@Suite(.timeLimit(.minutes(1))) struct HTTPSinkTests {
    func sink(_ server: TestHTTPServer, path: String = "/write?db=pumps", timeout: Double = 5,
              section: (String) -> FeedSection = { FeedSection(url: $0) },
              environment: [String: String] = [:]) throws -> any FeedSink {
        try FeedSinks.make(section("http://127.0.0.1:\(server.port)\(path)"), environment: environment, timeout: timeout)
    }

    @Test func acceptedWriteSendsTheLinesWithPrecisionAndBasicAuth() async throws {
        let server = try TestHTTPServer { _ in TestResponse(status: 204) }
        defer { server.stop() }
        let feed = try sink(server, section: { FeedSection(url: $0, precision: "us", tokenEnv: "PW", username: "gw") },
                            environment: ["PW": "s3cret"])
        #expect(await feed.write(["m a=1i 1", "m a=2i 2"]) == .accepted)
        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(request.target == "/write?db=pumps&precision=u")
        #expect(request.body == "m a=1i 1\nm a=2i 2\n")
        #expect(request.headers["authorization"] == "Basic " + Data("gw:s3cret".utf8).base64EncodedString())
        #expect(!feed.target.contains("s3cret"))
    }

    @Test func influxV2SendsTheToken() async throws {
        let server = try TestHTTPServer { _ in TestResponse(status: 204) }
        defer { server.stop() }
        let feed = try sink(server, path: "/api/v2/write?org=water&bucket=pumps",
                            section: { FeedSection(url: $0, precision: "ns", tokenEnv: "TOKEN") },
                            environment: ["TOKEN": "tok-123\n"])
        #expect(await feed.write(["m a=1i 1"]) == .accepted)
        let request = try #require(server.requests.first)
        #expect(request.target == "/api/v2/write?org=water&bucket=pumps&precision=ns")
        #expect(request.headers["authorization"] == "Token tok-123")
    }

    @Test func serverErrorsRetryThenTheSameBatchIsAccepted() async throws {
        let server = try TestHTTPServer { _ in TestResponse(status: 204) }
        let failing = try TestHTTPServer { _ in
            TestResponse(status: 500, body: #"{"error":"engine: cache maximum memory size exceeded"}"#)
        }
        defer { server.stop(); failing.stop() }
        let outbox = MemoryOutbox(numbered(3))
        let feed = sender(outbox, try sink(failing))
        #expect(try await feed.step() == .wait(1))
        #expect(await feed.status.lastError == "HTTP 500: engine: cache maximum memory size exceeded")
        #expect(await outbox.depth == 3)
        let good = sender(outbox, try sink(server))
        #expect(try await good.step() == .progressed(sent: 3, deadLettered: 0))
        #expect(failing.requests.first?.body == server.requests.first?.body)
    }

    @Test func retryAfterFromTheServer() async throws {
        let server = try TestHTTPServer { _ in TestResponse(status: 503, headers: ["Retry-After": "3"], body: "busy") }
        defer { server.stop() }
        let feed = try sink(server)
        #expect(await feed.write(["m a=1i 1"]) == .retry("HTTP 503: busy", retryAfter: 3))
        let date = Date(timeIntervalSince1970: 1_764_115_200)
        #expect(HTTPSink.parseRetryAfter("Wed, 26 Nov 2025 00:00:30 GMT", now: date) == 30)
        #expect(HTTPSink.parseRetryAfter("soon", now: date) == nil)
    }

    @Test(arguments: [401, 403, 404])
    func refusals(_ status: Int) async throws {
        let server = try TestHTTPServer { _ in TestResponse(status: status, body: #"{"error":"database not found: \"pumps\""}"#) }
        defer { server.stop() }
        let log = LogLines()
        let outbox = MemoryOutbox(numbered(2))
        let feed = sender(outbox, try sink(server, section: { FeedSection(url: $0, tokenEnv: "PW", username: "gw") },
                                            environment: ["PW": "s3cret"]), log: log)
        #expect(try await feed.step() == .wait(60))
        #expect(await feed.status.state == .failing("HTTP \(status): database not found: \"pumps\""))
        #expect(await outbox.depth == 2)
        #expect(log.all.count == 1 && log.all[0].contains("status=\(status)"))
        #expect(!log.all.joined().contains("s3cret"))
    }

    @Test func partialWritesAreBisected() async throws {
        // Like InfluxDB 1.x: a batch with a bad line is answered 400 (the good lines are written).
        let server = try TestHTTPServer { request in
            request.body.contains("bad")
                ? TestResponse(status: 400, body: #"{"error":"partial write: unable to parse 'bad': missing fields dropped=1"}"#)
                : TestResponse(status: 204)
        }
        defer { server.stop() }
        var lines = numbered(6)
        lines[3] = "bad"
        let outbox = MemoryOutbox(lines)
        let feed = sender(outbox, try sink(server))
        #expect(try await feed.step() == .progressed(sent: 5, deadLettered: 1))
        #expect(await outbox.deadLetters.map(\.message) == ["HTTP 400: partial write: unable to parse 'bad': missing fields dropped=1"])
        #expect(await outbox.depth == 0)
    }

    @Test func unprocessableIsRejectedToo() {
        #expect(HTTPSink.classify(status: 422, body: Data(#"{"code":"unprocessable","message":"bad timestamp"}"#.utf8),
                                  retryAfter: nil) == .rejected("HTTP 422: bad timestamp"))
        #expect(HTTPSink.classify(status: 200, body: Data(), retryAfter: nil) == .accepted)
        #expect(HTTPSink.classify(status: 429, body: Data(), retryAfter: "2") == .retry("HTTP 429: (no message)", retryAfter: 2))
    }

    @Test func refusedConnectionAndSilentServerRetry() async throws {
        let port = try freePort()
        let refused = try FeedSinks.make(FeedSection(url: "http://127.0.0.1:\(port)/write?db=x"), timeout: 2)
        #expect(await refused.write(["m a=1i 1"]) == .retry("connection refused", retryAfter: nil))

        let (silent, silentPort) = try listenLoopback()   // accepts into its backlog, never answers
        defer { close(silent) }
        let slow = try FeedSinks.make(FeedSection(url: "http://127.0.0.1:\(silentPort)/write?db=x"), timeout: 0.5)
        let started = Date()
        #expect(await slow.write(["m a=1i 1"]) == .retry("timed out", retryAfter: nil))
        #expect(Date().timeIntervalSince(started) < 5)
    }
}
