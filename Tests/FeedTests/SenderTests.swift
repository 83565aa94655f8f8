// The sender's branches against the in-memory outbox and a scripted sink:
// batching caps, order, delete-after-ack, backoff with jitter, Retry-After,
// refusals, bisecting to dead-letter exactly the bad lines.

import Foundation
import Logging
import Synchronization
import Testing
@testable import Feed

/// A sink that answers each write with what `script` says and records the batches.
final class ScriptedSink: FeedSink {
    let writes = Mutex<[[String]]>([])
    let script: @Sendable (_ attempt: Int, _ lines: [String]) -> SinkResult

    init(_ script: @escaping @Sendable (_ attempt: Int, _ lines: [String]) -> SinkResult) {
        self.script = script
    }

    var target: String { "scripted" }

    func write(_ lines: [String]) async -> SinkResult {
        let attempt = writes.withLock { $0.append(lines); return $0.count }
        return script(attempt, lines)
    }

    var batches: [[String]] { writes.withLock { $0 } }
}

/// Collects log lines.
final class LogLines: Sendable {
    let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    var logger: Logger { Logger(minimum: .debug) { line in self.lines.withLock { $0.append(line) } } }
}

func numbered(_ count: Int, prefix: String = "m") -> [String] {
    (1...count).map { "\(prefix) n=\($0)i \($0)" }
}

func sender(_ outbox: MemoryOutbox, _ sink: any FeedSink, _ options: FeedSender.Options = .init(),
            log: LogLines = LogLines(), jitter: Double = 1) -> FeedSender {
    FeedSender(outbox: outbox, sink: sink, options: options, sleep: { _ in }, jitter: { jitter }, log: log.logger)
}

@Suite struct SenderTests {
    @Test func drainsInOrderInBatchesCappedByLines() async throws {
        let outbox = MemoryOutbox(numbered(12))
        let sink = ScriptedSink { _, _ in .accepted }
        let feed = sender(outbox, sink, .init(maxLines: 5))
        #expect(try await feed.step() == .progressed(sent: 5, deadLettered: 0))
        #expect(try await feed.step() == .progressed(sent: 5, deadLettered: 0))
        #expect(try await feed.step() == .progressed(sent: 2, deadLettered: 0))
        #expect(try await feed.step() == .empty)
        #expect(sink.batches.map(\.count) == [5, 5, 2])
        #expect(sink.batches.flatMap { $0 } == numbered(12))
        #expect(await outbox.depth == 0)
        let status = await feed.status
        #expect(status.sentLines == 12 && status.sentBatches == 3 && status.state == .ok)
    }

    @Test func batchesAreCappedByBytesButNeverEmpty() async throws {
        let long = String(repeating: "x", count: 100)
        let outbox = MemoryOutbox(["m a=1i 1", "m a=2i 2", "m a=3i 3", "m s=\"\(long)\" 4"])
        let sink = ScriptedSink { _, _ in .accepted }
        let feed = sender(outbox, sink, .init(maxBytes: 20))   // each short line is 9 bytes with its newline
        while try await feed.step() != .empty {}
        #expect(sink.batches.map(\.count) == [2, 1, 1])
    }

    @Test func passingFailuresBackOffExponentiallyAndKeepTheLines() async throws {
        let outbox = MemoryOutbox(numbered(3))
        let sink = ScriptedSink { attempt, _ in attempt <= 8 ? .retry("HTTP 503: busy", retryAfter: nil) : .accepted }
        let feed = sender(outbox, sink)
        var waits: [Double] = []
        for _ in 1...8 {
            guard case .wait(let seconds) = try await feed.step() else { Issue.record("expected a wait"); return }
            waits.append(seconds)
            #expect(await outbox.depth == 3)
        }
        #expect(waits == [1, 2, 4, 8, 16, 32, 60, 60])
        let failing = await feed.status
        #expect(failing.state == .retrying("HTTP 503: busy") && failing.retries == 8 && failing.sentLines == 0)
        #expect(try await feed.step() == .progressed(sent: 3, deadLettered: 0))
        #expect(sink.batches.allSatisfy { $0 == numbered(3) })
        #expect(await feed.status.state == .ok)
        // The backoff starts again from 1 s after a success.
        await outbox.append(["m n=4i 4"])
        let again = FeedSender(outbox: outbox, sink: ScriptedSink { _, _ in .retry("down", retryAfter: nil) },
                               sleep: { _ in }, jitter: { 0.5 }, log: .discarding)
        #expect(try await again.step() == .wait(0.5))
    }

    @Test func retryAfterIsHonouredAndCapped() async throws {
        let outbox = MemoryOutbox(numbered(1))
        let sink = ScriptedSink { attempt, _ in .retry("HTTP 429", retryAfter: attempt == 1 ? 7 : 86_400) }
        let feed = sender(outbox, sink, .init(maxRetryAfter: 600))
        #expect(try await feed.step() == .wait(7))
        #expect(try await feed.step() == .wait(600))
    }

    @Test func refusalsFailTheFeedKeepBufferingAndRetrySlowly() async throws {
        let outbox = MemoryOutbox(numbered(4))
        let sink = ScriptedSink { attempt, _ in
            attempt <= 3 ? .refused(status: 401, "HTTP 401: authorization failed") : .accepted
        }
        let log = LogLines()
        let feed = sender(outbox, sink, .init(refusedRetry: 30), log: log)
        for _ in 1...3 { #expect(try await feed.step() == .wait(30)) }
        let status = await feed.status
        #expect(status.state == .failing("HTTP 401: authorization failed") && status.state.isFailing)
        #expect(await outbox.depth == 4)
        #expect(log.all.filter { $0.contains("level=error") && $0.contains("status=401") }.count == 1)
        #expect(try await feed.step() == .progressed(sent: 4, deadLettered: 0))
        #expect(await feed.status.state == .ok)
        #expect(log.all.last?.contains("feed delivering again") == true)
    }

    @Test func rejectedBatchesAreBisectedToTheBadLines() async throws {
        var lines = numbered(10)
        lines[2] = "bad line 3"
        lines[6] = "bad line 7"
        let outbox = MemoryOutbox(lines)
        let sink = ScriptedSink { _, batch in
            batch.contains { $0.hasPrefix("bad") } ? .rejected("HTTP 400: unable to parse") : .accepted
        }
        let feed = sender(outbox, sink)
        #expect(try await feed.step() == .progressed(sent: 8, deadLettered: 2))
        #expect(await outbox.deadLetters == [
            .init(id: 3, line: "bad line 3", message: "HTTP 400: unable to parse"),
            .init(id: 7, line: "bad line 7", message: "HTTP 400: unable to parse"),
        ])
        #expect(await outbox.depth == 0)
        // Good lines went out in order, each acknowledged once.
        let delivered = sink.batches.dropFirst().filter { !$0.contains { $0.hasPrefix("bad") } }.flatMap { $0 }
        #expect(delivered == lines.filter { !$0.hasPrefix("bad") })
        let status = await feed.status
        #expect(status.deadLettered == 2 && status.sentLines == 8)
    }

    @Test func aFailureDuringBisectionStopsAndResumesLater() async throws {
        let outbox = MemoryOutbox(["m a=1i 1", "bad", "m a=3i 3", "m a=4i 4"])
        let sink = ScriptedSink { attempt, batch in
            if attempt == 5 { return .retry("HTTP 502", retryAfter: nil) }
            return batch.contains("bad") ? .rejected("HTTP 400: bad") : .accepted
        }
        let feed = sender(outbox, sink)
        // [all] rejected, [1,bad] rejected, [1] ok, [bad] rejected: dead-lettered, [3,4] fails with 502.
        #expect(try await feed.step() == .progressed(sent: 1, deadLettered: 1))
        #expect(await outbox.entries.map(\.line) == ["m a=3i 3", "m a=4i 4"])
        #expect(try await feed.step() == .progressed(sent: 2, deadLettered: 0))
        #expect(await outbox.deadLetters.map(\.line) == ["bad"])
    }

    @Test func runLoopsUntilCancelledAndFlushReportsLeftovers() async throws {
        let outbox = MemoryOutbox(numbered(7))
        let sink = ScriptedSink { _, _ in .accepted }
        let sleeps = Mutex<[Double]>([])
        let feed = FeedSender(outbox: outbox, sink: sink, options: .init(maxLines: 3, idleInterval: 0.25),
                              sleep: { seconds in
                                  let count = sleeps.withLock { $0.append(seconds); return $0.count }
                                  if count >= 2 { throw CancellationError() }
                              }, log: .discarding)
        await feed.run()
        #expect(sink.batches.map(\.count) == [3, 3, 1])
        #expect(sleeps.withLock { $0 } == [0.25, 0.25])

        let stuck = FeedSender(outbox: MemoryOutbox(numbered(2)), sink: ScriptedSink { _, _ in .retry("x", retryAfter: nil) },
                               sleep: { _ in }, log: .discarding)
        #expect(try await stuck.flush() == false)
        #expect(try await feed.flush() == true)
    }
}

/// The status the pipeline's thread reads for the feed-failure alarm (issue 13): published in a
/// Mutex, so a busy sender or a starved cooperative pool can never make it read as "idle", which
/// the alarm took for "the server accepts again" when the old task-and-semaphore read timed out.
@Suite(.timeLimit(.minutes(1))) struct PublishedStatusTests {
    @Test func aStarvedPoolNeverMakesAFailingFeedReadAsRecovered() async throws {
        let outbox = MemoryOutbox(numbered(2))
        let feed = sender(outbox, ScriptedSink { _, _ in .refused(status: 401, "HTTP 401: unauthorized") })
        _ = try await feed.step()
        #expect(feed.currentStatus.state == .failing("HTTP 401: unauthorized"))
        let (state, seconds) = try #require(Self.readWhileThePoolIsStarved(feed))
        #expect(state == .failing("HTTP 401: unauthorized"))
        #expect(seconds < 0.5, "the read waited \(seconds) s")
    }

    /// Blocks every thread of the cooperative pool for 1.5 s (what a blocking call or a burst of
    /// work does), and meanwhile reads the status from a plain thread, as the pipeline does.
    static func readWhileThePoolIsStarved(_ feed: FeedSender) -> (FeedState, Double)? {
        let threads = ProcessInfo.processInfo.activeProcessorCount   // the pool's width
        let blocked = DispatchGroup()
        for _ in 0..<threads {
            blocked.enter()
            Task.detached {
                usleep(1_500_000)
                blocked.leave()
            }
        }
        usleep(200_000)   // the pool is busy by now
        let started = Date()
        let state = feed.currentStatus.state
        let seconds = Date().timeIntervalSince(started)
        blocked.wait()
        return (state, seconds)
    }
}
