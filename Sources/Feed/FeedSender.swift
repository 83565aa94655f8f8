// Drains the outbox into a sink: in id order, in batches capped by lines
// and bytes; deletes a batch only once the sink acknowledged it; retries
// passing failures with exponential backoff and jitter (honouring
// Retry-After); retries refusals (401/403/404) slowly in a failing state;
// bisects a rejected batch to dead-letter just the bad lines.

import Foundation
import Lifecycle
import Logging

public actor FeedSender {
    public struct Options: Sendable {
        /// Lines per write (FeedSection.batchSize, default 5000).
        public var maxLines: Int
        /// Bytes per write (body size, default 4 MiB: well under InfluxDB's 25 MB and
        /// VictoriaMetrics' 32 MB limits; after an outage fewer, larger writes drain faster).
        public var maxBytes: Int
        /// First retry delay after a passing failure, seconds; doubles per failure...
        public var initialBackoff: Double
        /// ...up to this, seconds.
        public var maxBackoff: Double
        /// Delay between attempts while the server refuses us (401/403/404), seconds.
        public var refusedRetry: Double
        /// Longest Retry-After honoured, seconds.
        public var maxRetryAfter: Double
        /// Pause when the outbox is empty, seconds.
        public var idleInterval: Double

        public init(maxLines: Int = 5000, maxBytes: Int = 4 << 20, initialBackoff: Double = 1, maxBackoff: Double = 60,
                    refusedRetry: Double = 60, maxRetryAfter: Double = 600, idleInterval: Double = 0.5) {
            self.maxLines = max(1, maxLines)
            self.maxBytes = max(1, maxBytes)
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
            self.refusedRetry = refusedRetry
            self.maxRetryAfter = maxRetryAfter
            self.idleInterval = idleInterval
        }
    }

    /// What one step of draining did.
    public enum Step: Sendable, Equatable {
        /// The outbox was empty.
        case empty
        /// Lines were delivered (and possibly some dead-lettered); go on at once.
        case progressed(sent: Int, deadLettered: Int)
        /// Nothing more can go now: wait this many seconds before the next step.
        case wait(Double)
    }

    public typealias Sleep = @Sendable (Double) async throws -> Void

    private let outbox: any Outbox
    private let sink: any FeedSink
    private let options: Options
    private let sleep: Sleep
    private let jitter: @Sendable () -> Double
    private let log: Logger
    private let now: @Sendable () -> Date
    private var failures = 0
    public private(set) var status = FeedStatus()

    /// `sleep` waits (seconds; throws on cancellation), `jitter` returns a
    /// factor in 0.5...1 applied to backoff delays: all injectable for tests.
    /// Lines are logged with the feed's target as `target=`.
    public init(outbox: any Outbox, sink: any FeedSink, options: Options = Options(),
                sleep: @escaping Sleep = { seconds in try await Task.sleep(for: .seconds(seconds)) },
                jitter: @escaping @Sendable () -> Double = { Double.random(in: 0.5...1) },
                now: @escaping @Sendable () -> Date = { Date() },
                log: Logger = Logger()) {
        self.outbox = outbox
        self.sink = sink
        self.options = options
        self.sleep = sleep
        self.jitter = jitter
        self.now = now
        self.log = log.with("target", sink.target)
    }

    /// Set by `finish()`: `run()` returns after the batch in flight.
    private var finishing = false
    /// True while `run()` is inside a step (a write may be in flight).
    private var inStep = false

    /// Asks `run()` to return after the batch in flight, so that a final
    /// `flush()` never sends the same batch concurrently. Returns true when
    /// `run()` is between batches (sleeping): cancelling its task is then safe
    /// and ends the sleep at once; otherwise wait for the task to end.
    public func finish() -> Bool {
        finishing = true
        return !inStep
    }

    /// Drains until the task is cancelled or `finish()` is called. Outbox
    /// errors are logged and retried.
    public func run() async {
        while !Task.isCancelled && !finishing {
            let step: Step
            inStep = true
            do {
                step = try await self.step()
            } catch {
                log.error("feed outbox failed", ["error": "\(error)"])
                step = .wait(options.initialBackoff)
            }
            inStep = false
            if finishing { return }
            switch step {
            case .progressed: continue
            case .empty:
                do { try await sleep(options.idleInterval) } catch { return }
            case .wait(let seconds):
                do { try await sleep(seconds) } catch { return }
            }
        }
    }

    /// Sends until the outbox is empty or a write fails; for a final flush
    /// at shutdown. Returns false when lines are left.
    public func flush() async throws -> Bool {
        while true {
            switch try await step() {
            case .empty: return true
            case .progressed: continue
            case .wait: return false
            }
        }
    }

    /// One batch: peek, write, then delete, dead-letter or back off.
    public func step() async throws -> Step {
        let batch = try await outbox.peek(maxLines: options.maxLines, maxBytes: options.maxBytes)
        guard !batch.isEmpty else { return .empty }
        let result = await sink.write(batch.map(\.line))
        switch result {
        case .accepted:
            try await delivered(batch)
            return .progressed(sent: batch.count, deadLettered: 0)
        case .rejected(let message):
            return try await bisect(batch[...], message: message, sent: 0, deadLettered: 0)
        case .retry, .refused:
            return failed(result)
        }
    }

    /// Splits a rejected batch in halves until the bad lines stand alone,
    /// dead-letters those with the server's message and delivers the rest,
    /// in order. Stops at the first write that fails for another reason.
    private func bisect(_ lines: ArraySlice<OutboxEntry>, message: String, sent: Int, deadLettered: Int)
        async throws -> Step {
        if lines.count == 1, let line = lines.first {
            try await outbox.deadLetter(ids: [line.id], message: message)
            status.deadLettered += 1
            status.lastError = message
            log.warning("feed line rejected, dead-lettered", ["id": String(line.id), "error": message])
            return .progressed(sent: sent, deadLettered: deadLettered + 1)
        }
        var sent = sent, deadLettered = deadLettered
        let middle = lines.startIndex + lines.count / 2
        for half in [lines[..<middle], lines[middle...]] {
            let result = await sink.write(half.map(\.line))
            let step: Step
            switch result {
            case .accepted:
                try await delivered(Array(half))
                step = .progressed(sent: half.count, deadLettered: 0)
            case .rejected(let halfMessage):
                step = try await bisect(half, message: halfMessage, sent: 0, deadLettered: 0)
            case .retry, .refused:
                let wait = failed(result)
                // Keep what this bisection already delivered counted; resume later.
                return sent + deadLettered > 0 ? .progressed(sent: sent, deadLettered: deadLettered) : wait
            }
            guard case .progressed(let halfSent, let halfDead) = step else { return step }
            sent += halfSent
            deadLettered += halfDead
        }
        return .progressed(sent: sent, deadLettered: deadLettered)
    }

    private func delivered(_ batch: [OutboxEntry]) async throws {
        try await outbox.delete(ids: batch.map(\.id))
        if status.state != .ok && status.state != .idle {
            log.info("feed delivering again")
        }
        status.state = .ok
        status.sentLines += batch.count
        status.sentBatches += 1
        status.lastSuccess = now()
        failures = 0
    }

    /// Records a failed write and returns how long to wait.
    private func failed(_ result: SinkResult) -> Step {
        status.retries += 1
        failures += 1
        switch result {
        case .refused(let code, let message):
            let first = !status.state.isFailing
            status.state = .failing(message)
            status.lastError = message
            if first {
                log.error("feed refused by server; check feed.url and credentials; lines keep buffering",
                          ["status": String(code), "error": message])
            }
            return .wait(options.refusedRetry)
        case .retry(let message, let retryAfter):
            status.state = .retrying(message)
            status.lastError = message
            let delay: Double
            if let retryAfter {
                delay = min(max(retryAfter, 0), options.maxRetryAfter)
            } else {
                delay = backoff(failures: failures)
            }
            log.warning("feed write failed, retrying", ["error": message, "retry_in_s": String(format: "%.3f", delay)])
            return .wait(delay)
        case .accepted, .rejected:
            return .wait(options.initialBackoff)
        }
    }

    /// initial × 2^(failures-1), capped at maxBackoff, times the jitter factor.
    func backoff(failures: Int) -> Double {
        Backoff.base(failures: failures, initial: options.initialBackoff, maximum: options.maxBackoff)
            * min(1, max(0, jitter()))
    }
}
