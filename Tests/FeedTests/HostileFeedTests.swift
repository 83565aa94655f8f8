// Feed servers that misbehave (issue 18): redirects, endless reply bodies, a
// TCP listener that talks back, a server that rejects every line, and
// network errors named by their URLError code. Real local servers: the
// in-process TestHTTPServer, or Tests/Hostile/hostile_feed.py as a child.

import Foundation
import TestSupport
import Testing
@testable import Feed
import Profiles
#if canImport(Glibc)
import Glibc
#endif

@Suite(.timeLimit(.minutes(2))) struct HostileFeedTests {
    @Test(arguments: [307, 302])
    func redirectsAreNeverFollowed(_ status: Int) async throws {
        let target = try TestHTTPServer { _ in TestResponse(status: 204) }
        let redirector = try TestHTTPServer { _ in
            TestResponse(status: status, headers: ["Location": "http://u:pw@127.0.0.1:\(target.port)/write?db=x&p=pw"])
        }
        defer { target.stop(); redirector.stop() }
        let sink = try FeedSinks.make(FeedSection(url: "http://127.0.0.1:\(redirector.port)/write?db=pumps", tokenEnv: "PW",
                                                  username: "gw"), environment: ["PW": "s3cret"], timeout: 5)
        let log = LogLines()
        let outbox = MemoryOutbox(numbered(5))
        let feed = sender(outbox, sink, log: log)
        // A refusal: the slow retry of FeedSender.Options.refusedRetry (60 s), every line kept.
        #expect(try await feed.step() == .wait(60))
        #expect(try await feed.step() == .wait(60))
        #expect(target.requests.isEmpty)
        #expect(redirector.requests.count == 2 && redirector.requests.allSatisfy { $0.method == "POST" })
        #expect(await outbox.depth == 5)
        let state = feed.currentStatus.state
        #expect(state.isFailing)
        // Logged once, with the Location (its user info and query cut: they may carry secrets).
        #expect(log.all.count == 1)
        #expect(log.all[0].contains("status=\(status)") && log.all[0].contains("redirect to http://127.0.0.1:\(target.port)/write"))
        #expect(!log.all.joined().contains("pw") && !log.all.joined().contains("s3cret"))
    }

    /// hostile_feed.py modes: `bigbody` announces Content-Length: 2147483648, `bigchunked` no
    /// length; both stream 512 MiB. Read whole, that is at least 512 MB of RSS; bounded, a few KiB.
    @Test(arguments: [("bigbody", "HTTP 500: (a reply body of 2147483648 bytes, not read)"),
                      ("bigchunked", "HTTP 500: (a reply body of unknown length, not read)")])
    func anEndlessReplyBodyIsNotReadAndTheLinesKept(_ mode: String, _ expected: String) async throws {
        let server = try HostileServer(mode, megabytes: 512)
        defer { server.stop() }
        let sink = try FeedSinks.make(FeedSection(url: "http://127.0.0.1:\(server.port)/write?db=x"), timeout: 20)
        try await expectEndlessReplyIsNotRead(sink, expected)
    }

    @Test func aTCPListenerThatTalksBackIsDropped() async throws {
        let server = try HostileServer("tcpflood", megabytes: 64)
        defer { server.stop() }
        let sink = TCPSink(host: "127.0.0.1", port: server.port, timeout: 2)
        let watch = PeakRSS()
        #expect(await sink.write(["m a=1i 1"]) == .accepted)
        try await Task.sleep(for: .milliseconds(300))   // the server floods meanwhile
        let second = await sink.write(["m a=2i 2"])
        #expect(watch.stop() < 32 << 20)
        guard case .refused(_, let message) = second else { Issue.record("expected a refusal, got \(second)"); return }
        #expect(message.contains("sent more than 4096 bytes back"))
    }

    @Test(arguments: [400, 413])
    func aServerThatRejectsEverythingDeadLettersNothing(_ status: Int) async throws {
        let server = try TestHTTPServer { _ in TestResponse(status: status, body: #"{"error":"unable to parse anything"}"#) }
        defer { server.stop() }
        let log = LogLines()
        let outbox = MemoryOutbox(numbered(100))
        let feed = sender(outbox, try FeedSinks.make(FeedSection(url: "http://127.0.0.1:\(server.port)/write?db=x")), log: log)
        let step = try await feed.step()
        // First failure: initialBackoff 1 s × jitter 1, no dead letter, every line kept.
        #expect(step == .wait(1))
        #expect(await outbox.deadLetters.isEmpty)
        #expect(await outbox.depth == 100)
        #expect(feed.currentStatus.state == .failing("HTTP \(status): unable to parse anything"))
        // Worked out by hand: 100, 50, 25, 12, 6, 3, 1 (suspect), 2, 1 (suspect), then line 100 alone: 10 writes.
        #expect(server.requests.map { $0.body.split(separator: "\n").count } == [100, 50, 25, 12, 6, 3, 1, 2, 1, 1])
        #expect(log.all.count == 1 && log.all[0].contains("level=error"))
        // The next failure backs off further (1 s × 2).
        #expect(try await feed.step() == .wait(2))
    }

    @Test func onlyLinesRejectedBesideAcceptedOnesAreDeadLettered() async throws {
        let server = try TestHTTPServer { request in
            request.body.contains("bad") ? TestResponse(status: 400, body: #"{"error":"partial write"}"#) : TestResponse(status: 204)
        }
        defer { server.stop() }
        var lines = numbered(10)
        lines[0] = "bad one"
        lines[1] = "bad two"
        let outbox = MemoryOutbox(lines)
        let feed = sender(outbox, try FeedSinks.make(FeedSection(url: "http://127.0.0.1:\(server.port)/write?db=x")))
        // By hand: [10] no, [5] no, [2] no, [bad one] no, [bad two] no, probe [n=10] yes: both proven;
        // then [3..5] and [6..9] go: 8 sent, 2 dead-lettered.
        #expect(try await feed.step() == .progressed(sent: 8, deadLettered: 2))
        #expect(await outbox.deadLetters.map(\.line) == ["bad one", "bad two"])
        #expect(await outbox.depth == 0)
        #expect(feed.currentStatus.state == .ok)
    }

    @Test func networkErrorsAreNamed() async throws {
        // A server that closes every connection without a word.
        let (listener, port) = try listenLoopback()
        defer { close(listener) }
        let closer = Thread {
            for _ in 0..<3 {
                let connection = acceptWithin(listener, seconds: 5)
                if connection >= 0 { close(connection) }
            }
        }
        closer.start()
        let sink = try FeedSinks.make(FeedSection(url: "http://127.0.0.1:\(port)/write?db=x"), timeout: 3)
        guard case .retry(let message, _) = await sink.write(["m a=1i 1"]) else { Issue.record("expected a retry"); return }
        #expect(!message.contains("network error"), "\(message)")
        #expect(message.range(of: #"^-?\d+$"#, options: .regularExpression) == nil)
    }
}

/// One write to a server that streams an endless reply body: a retry that
/// comes with the reply's head (not after the stream or the timeout), every
/// line kept, RSS grown by less than 64 MiB, `expected` as the feed's last error.
func expectEndlessReplyIsNotRead(_ sink: any FeedSink, _ expected: String) async throws {
    let outbox = MemoryOutbox(numbered(3))
    let feed = sender(outbox, sink)
    let watch = PeakRSS()
    let started = Date()
    let step = try await feed.step()
    let peak = watch.stop()
    guard case .wait = step else { Issue.record("expected a retry, got \(step)"); return }
    #expect(await outbox.depth == 3)
    #expect(peak < 64 << 20, "RSS grew by \(peak >> 20) MiB during one write")
    #expect(Date().timeIntervalSince(started) < 10)
    #expect(feed.currentStatus.lastError == expected)
}

/// Tests/Hostile/hostile_feed.py in one mode, as a child process.
final class HostileServer {
    let child: ChildServer
    let port: Int

    /// `extra`: more options, e.g. `--tls-cert` and `--tls-key` (the same modes over TLS).
    init(_ mode: String, megabytes: Int = 512, _ extra: [String] = []) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let portFile = folder.appendingPathComponent("port")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Hostile/hostile_feed.py").path
        child = try ChildServer("/usr/bin/python3", [script, mode, "--port-file", portFile.path, "--megabytes", String(megabytes)] + extra,
                                log: folder.appendingPathComponent("log"))
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let port = Int(text) {
                self.port = port
                return
            }
            usleep(20_000)
        }
        child.stop()
        throw ServerFailure(description: "hostile_feed.py \(mode) did not start")
    }

    func stop() { child.stop(grace: 1) }
}

/// Samples this process's resident set every 5 ms on a thread of its own;
/// `stop()` returns the largest growth over the RSS at the start, in bytes.
final class PeakRSS: @unchecked Sendable {
    // @unchecked: `peak` and `running` are touched under `lock` only.
    private let lock = NSLock()
    private var peak = 0
    private var running = true
    private let baseline = PeakRSS.current()
    private let done = DispatchSemaphore(value: 0)

    init() {
        let thread = Thread { [self] in
            while lock.withLock({ running }) {
                let now = PeakRSS.current()
                lock.withLock { peak = max(peak, now) }
                usleep(5_000)
            }
            done.signal()
        }
        thread.start()
    }

    func stop() -> Int {
        lock.withLock { running = false }
        done.wait()
        return max(0, lock.withLock { max(peak, PeakRSS.current()) } - baseline)
    }

    /// VmRSS of /proc/self/status, in bytes.
    static func current() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes * 1024
    }
}
