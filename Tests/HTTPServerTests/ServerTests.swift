// The server over real loopback sockets, with well-behaved and hostile
// clients. Each test starts its own server on a port the kernel picks.
// Serialized: the descriptor counts read /proc/self/fd, shared by the process.

import Foundation
import HTTPServer
import Testing
import TestSupport

@Suite(.serialized)
struct ServerTests {
    static let bigBody = [UInt8](repeating: 0x61, count: 4 << 20)

    static func handler(_ request: HTTPRequest) -> HTTPResponse {
        switch request.path {
        case "/metrics": HTTPResponse(status: 200, text: "up 1\n")
        case "/big": HTTPResponse(status: 200, body: bigBody)
        case "/echo": HTTPResponse(status: 200, text: request.path + "?" + request.query.map { "\($0.name)=\($0.value)" }.joined(separator: "&"))
        default: HTTPResponse(status: 404, text: "no such page\n")
        }
    }

    static func started(_ options: HTTPServer.Options = HTTPServer.Options()) throws -> HTTPServer {
        let server = try HTTPServer(address: ListenAddress(host: "127.0.0.1", port: 0), options: options, handler: handler)
        server.start()
        return server
    }

    @Test func getAndHeadWithContentLength() throws {
        let server = try Self.started()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        client.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        let get = try #require(client.readResponse())
        #expect(get.status == 200)
        #expect(get.headers["content-length"] == "5")     // "up 1\n"
        #expect(get.headers["connection"] == "keep-alive")
        #expect(get.text == "up 1\n")
        client.send("HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n")   // same connection: keep-alive
        let head = try #require(client.readResponse(head: true))
        #expect(head.status == 200)
        #expect(head.headers["content-length"] == "5")
        #expect(head.body.isEmpty)
        client.send("GET /nothing HTTP/1.0\r\n\r\n")
        var rest = client.readToEnd()
        let notFound = try #require(TestResponse.take(from: &rest, isHead: false))
        #expect(notFound.status == 404)
        #expect(notFound.headers["connection"] == "close")   // HTTP/1.0: closed after
        #expect(rest.isEmpty && client.lastEnd == .closed)
    }

    @Test(arguments: ["POST", "PUT", "DELETE", "OPTIONS", "PATCH"])
    func otherMethodsAre405(_ method: String) throws {
        let server = try Self.started()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        client.send("\(method) /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
        var all = client.readToEnd()
        let response = try #require(TestResponse.take(from: &all, isHead: false))
        #expect(response.status == 405)
        #expect(response.headers["allow"] == "GET, HEAD")
        #expect(response.headers["connection"] == "close")
        #expect(client.lastEnd == .closed)
    }

    @Test func pipelinedRequestsAnswerInOrder() throws {
        let server = try Self.started()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        // Three heads in one write; the third asks to close.
        client.send("GET /echo?n=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /echo?n=2 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /echo?n=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        var all = client.readToEnd()
        let texts = (0..<3).compactMap { _ in TestResponse.take(from: &all, isHead: false)?.text }
        #expect(texts == ["/echo?n=1", "/echo?n=2", "/echo?n=3"])
        #expect(all.isEmpty)
    }

    @Test func garbageGets400AndTheServerGoesOn() throws {
        let server = try Self.started()
        defer { server.stop() }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let client = try TestClient(port: server.port)
            var garbage = (0..<Int.random(in: 1...3000, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            garbage += [13, 10, 13, 10]   // so that each one ends a "head" and gets its answer at once
            client.send(garbage)
            let answer = String(decoding: client.readToEnd(), as: UTF8.self)
            #expect(answer.hasPrefix("HTTP/1.1 400") || answer.hasPrefix("HTTP/1.1 505") || answer.hasPrefix("HTTP/1.1 431"),
                    "\(answer.prefix(40))")
        }
        let client = try TestClient(port: server.port)
        client.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(client.readResponse()?.status == 200)
    }

    @Test func eightMegabyteHeaderGets431ThenClose() throws {
        let server = try Self.started()
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        let writer = Thread {
            client.send("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Huge: ")
            client.send([UInt8](repeating: 0x41, count: 8 << 20))
        }
        writer.start()
        let answer = String(decoding: client.readToEnd(), as: UTF8.self)
        #expect(answer.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"))
        #expect(answer.contains("Connection: close\r\n"))
        #expect(client.lastEnd == .closed || client.lastEnd == .reset)
    }

    @Test func slowHeadIsCutAtTheHeaderTimeout() throws {
        var options = HTTPServer.Options()
        options.headerTimeout = 0.5
        let server = try Self.started(options)
        defer { server.stop() }
        let client = try TestClient(port: server.port, timeout: 5)
        client.send("GET /metrics HTTP/1.1\r\nHo")
        #expect(client.readToEnd().isEmpty)
        #expect(client.lastEnd == .closed)         // closed by the server, not our 5 s read timeout
        #expect(server.snapshot.timedOut == 1)
    }

    @Test func clientThatStopsReadingIsDroppedAndOthersAreServed() throws {
        var options = HTTPServer.Options()
        options.writeTimeout = 1
        let server = try Self.started(options)
        defer { server.stop() }
        let stalled = try TestClient(port: server.port)
        var small: Int32 = 4096
        setsockopt(stalled.fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        stalled.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n")      // 4 MiB that nobody reads
        let other = try TestClient(port: server.port)
        other.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(other.readResponse()?.text == "up 1\n")
        // Within a few seconds the server gives up on the stalled one.
        var waited = 0.0
        while server.snapshot.timedOut == 0 && waited < 5 { Thread.sleep(forTimeInterval: 0.1); waited += 0.1 }
        #expect(server.snapshot.timedOut == 1)
        #expect(server.snapshot.open == 1)                          // only `other` is left
    }

    @Test func fiveHundredIdleConnectionsDoNotStopMetrics() throws {
        let before = Set(openDescriptors())
        let server = try Self.started()
        var loris: [TestClient] = []
        for index in 0..<500 {
            let client = try TestClient(port: server.port)
            if index % 2 == 0 { client.send("GET /metrics HTTP/1.1\r\nX-Slow: ") }   // half a head, never finished
            loris.append(client)
        }
        let started = Date()
        let client = try TestClient(port: server.port)
        client.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        let response = client.readResponse()
        let seconds = Date().timeIntervalSince(started)
        #expect(response?.status == 200)
        #expect(seconds < 1, "took \(seconds) s")
        let counters = server.snapshot
        #expect(counters.open <= HTTPServer.Options().maxConnections)   // the cap held
        #expect(counters.evicted >= 500 + 1 - HTTPServer.Options().maxConnections)
        // Every server-side descriptor lives above libmodbus's range (an
        // accepted socket holds a low number only between accept and dup).
        while server.snapshot.accepted < 501 { Thread.sleep(forTimeInterval: 0.01) }
        let serverSide = Set(openDescriptors()).subtracting(before).subtracting(loris.map(\.fd) + [client.fd])
        let links = serverSide.sorted().prefix(3).map { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)")) ?? "?" }
        #expect(!serverSide.isEmpty && serverSide.allSatisfy { $0 >= 1024 }, "\(serverSide.sorted().prefix(8)) \(links)")
        loris.removeAll()
        server.stop()
        _ = client
        let after = Set(openDescriptors()).subtracting([client.fd])
        #expect(after == before, "left open: \(after.subtracting(before).sorted().prefix(8))")
    }

    @Test func portInUseNamesThePort() throws {
        let first = try Self.started()
        defer { first.stop() }
        #expect(throws: HTTPServerError.self) {
            _ = try HTTPServer(address: ListenAddress(host: "127.0.0.1", port: first.port)) { _ in HTTPResponse(status: 200) }
        }
        do {
            _ = try HTTPServer(address: ListenAddress(host: "127.0.0.1", port: first.port)) { _ in HTTPResponse(status: 200) }
        } catch {
            #expect(error.message.contains("port \(first.port) is already in use"))
        }
    }

    @Test func stopWithoutStartFreesThePort() throws {
        let before = Set(openDescriptors())
        let server = try HTTPServer(address: ListenAddress(host: "127.0.0.1", port: 0)) { _ in HTTPResponse(status: 200) }
        let port = server.port
        server.stop()                      // must not wait for a thread that never ran
        #expect(Set(openDescriptors()) == before)
        let again = try HTTPServer(address: ListenAddress(host: "127.0.0.1", port: port)) { _ in HTTPResponse(status: 200) }
        again.stop()
    }
}
