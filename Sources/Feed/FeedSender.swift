// Drains the outbox into a sink: in id order, in batches capped by lines
// and bytes; deletes a batch only once the sink acknowledged it; retries
// passing failures with exponential backoff and jitter (honouring
// Retry-After); retries refusals (401/403/404, redirects) slowly in a
// failing state; splits a rejected batch to dead-letter just the lines
// proven bad, and holds everything when the server rejects every line.
// Its status is published in a Mutex: any thread reads it at once.

import Telemetry
import Foundation
import Lifecycle
import Synchronization
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
    /// The sender's state and counters; every change is published to `published`.
    public private(set) var status = FeedStatus() {
        didSet { published.withLock { $0 = status } }
    }
    private let published = Mutex(FeedStatus())

    /// The latest status, read without waiting for the actor: the pipeline
    /// thread reads it synchronously (a late read never looks like "idle").
    public nonisolated var currentStatus: FeedStatus { published.withLock { $0 } }

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
            return try await resolveRejected(batch, message: message)
        case .retry, .refused:
            return failed(result)
        }
    }

    /// A rejected batch: splits it in halves, depth first, to find the lines
    /// the server refuses. A line rejected on its own is dead-lettered only
    /// once another line of the same batch was accepted (proven poison).
    /// When nothing is accepted (two lines alone and the batch's last line
    /// all rejected) the server refuses everything: hold every line, fail, back off.
    private func resolveRejected(_ batch: [OutboxEntry], message: String) async throws -> Step {
        guard batch.count > 1 else { return holdRejected(message) }
        var parts = Self.halves(batch[...])
        var suspects: [(entry: OutboxEntry, message: String)] = []
        var proven = false
        var sent = 0, deadLettered = 0, lastMessage = message
        while !parts.isEmpty {
            let part = parts.removeFirst()
            let result = await sink.write(part.map(\.line))
            switch result {
            case .accepted:
                try await delivered(Array(part))
                sent += part.count
                proven = true
            case .rejected(let partMessage):
                lastMessage = partMessage
                if part.count > 1 {
                    parts.insert(contentsOf: Self.halves(part), at: 0)
                } else if let entry = part.first {
                    suspects.append((entry, partMessage))
                }
            case .retry, .refused:
                let wait = failed(result)
                // Keep what was already delivered counted; resume later.
                return sent + deadLettered > 0 ? .progressed(sent: sent, deadLettered: deadLettered) : wait
            }
            if !proven && suspects.count == 2 {
                // Two lines refused alone and none accepted: try the last unsent line alone.
                guard let probe = parts.last?.last else { return holdRejected(lastMessage) }
                let probeResult = await sink.write([probe.line])
                switch probeResult {
                case .accepted:
                    try await delivered([probe])
                    sent += 1
                    proven = true
                    parts[parts.count - 1] = parts[parts.count - 1].dropLast()
                    if parts[parts.count - 1].isEmpty { parts.removeLast() }
                case .rejected(let probeMessage): return holdRejected(probeMessage)
                case .retry, .refused: return failed(probeResult)
                }
            }
            if proven && !suspects.isEmpty {
                deadLettered += try await deadLetter(suspects)
                suspects = []
            }
        }
        guard suspects.isEmpty else { return holdRejected(lastMessage) }
        return .progressed(sent: sent, deadLettered: deadLettered)
    }

    static func halves(_ lines: ArraySlice<OutboxEntry>) -> [ArraySlice<OutboxEntry>] {
        let middle = lines.startIndex + lines.count / 2
        return [lines[..<middle], lines[middle...]]
    }

    /// Moves lines proven bad to the dead letters, each with the server's message.
    private func deadLetter(_ lines: [(entry: OutboxEntry, message: String)]) async throws -> Int {
        for (entry, message) in lines {
            try await outbox.deadLetter(ids: [entry.id], message: message)
            status.deadLettered += 1
            status.lastError = message
            log.warning("feed line rejected while others were accepted, dead-lettered",
                        ["id": String(entry.id), "error": message])
        }
        return lines.count
    }

    /// The server rejects every line: nothing is dead-lettered, the outbox is
    /// held, the state is failing (the gateway raises its feed-failure
    /// alarm with the server's message), and the next try backs off.
    private func holdRejected(_ message: String) -> Step {
        status.retries += 1
        failures += 1
        let first = !status.state.isFailing
        status.state = .failing(message)
        status.lastError = message
        let delay = backoff(failures: failures)
        if first {
            log.error("feed rejected by the server: no line accepted, none dead-lettered; lines keep buffering",
                      ["error": message, "retry_in_s": String(format: "%.3f", delay)])
        }
        return .wait(delay)
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
