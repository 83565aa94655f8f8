// The TCP sink against a loopback listener, and the file sink.

import Foundation
import TestSupport
import Testing
@testable import Feed
#if canImport(Glibc)
import Glibc
#endif

@Suite(.timeLimit(.minutes(1))) struct LocalSinkTests {
    @Test func tcpSinkSendsLinesAndReconnectsAfterAFailure() async throws {
        let port = try freePort()
        let sink = TCPSink(host: "127.0.0.1", port: port, timeout: 2)
        #expect(await sink.write(["m a=1i 1"]) == .retry("connect: connection refused", retryAfter: nil))

        let (listener, listenPort) = try listenLoopback()
        defer { close(listener) }
        let live = TCPSink(host: "127.0.0.1", port: listenPort, timeout: 2)
        #expect(await live.write(["m a=1i 1", "m a=2i 2"]) == .accepted)
        #expect(await live.write(["m a=3i 3"]) == .accepted)
        let connection = acceptWithin(listener)
        #expect(connection >= 0)
        defer { close(connection) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        _ = setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while received.count < 27 {
            let count = recv(connection, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            received += buffer[0..<count]
        }
        #expect(String(decoding: received, as: UTF8.self) == "m a=1i 1\nm a=2i 2\nm a=3i 3\n")
    }

    @Test func fileSinkAppends() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("feed-\(UUID().uuidString).lp").path
        defer { unlink(path) }
        let sink = try FeedSinks.make(.init(url: "file:" + path))
        #expect(sink.target == "file:" + path)
        #expect(await sink.write(["m a=1i 1"]) == .accepted)
        #expect(await sink.write(["m a=2i 2", "m a=3i 3"]) == .accepted)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "m a=1i 1\nm a=2i 2\nm a=3i 3\n")
        let unwritable = FileSink(path: "/nonexistent-dir/feed.lp")
        guard case .retry = await unwritable.write(["m a=1i 1"]) else { Issue.record("expected a retry"); return }
    }
}

@Suite(.timeLimit(.minutes(1))) struct TCPReconnectTests {
    @Test func aConnectionThePeerClosedIsReopenedBeforeTheNextBatch() async throws {
        let (listener, port) = try listenLoopback()
        defer { close(listener) }
        let sink = TCPSink(host: "127.0.0.1", port: port, timeout: 2)
        #expect(await sink.write(["m a=1i 1"]) == .accepted)
        close(acceptWithin(listener))   // the listener drops the first connection
        try await Task.sleep(for: .milliseconds(50))
        #expect(await sink.write(["m a=2i 2"]) == .accepted)
        let second = acceptWithin(listener)
        #expect(second >= 0, "no second connection: the closed one was written to")
        defer { close(second) }
        var buffer = [UInt8](repeating: 0, count: 64)
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        _ = setsockopt(second, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let count = recv(second, &buffer, buffer.count, 0)
        #expect(count == 9 && String(decoding: buffer[0..<max(count, 0)], as: UTF8.self) == "m a=2i 2\n")
    }
}
