// The stages after polling, on ONE thread of their own: each batch of poll
// reports goes through the rules (alarm events), becomes feed lines, and is
// written to the store, samples, events and outbox lines together in one
// transaction. SQLite blocks, so this is a thread, never the cooperative pool.
//
// If the store fails (disk full, read-only) the gateway keeps polling: the
// batches wait in memory (bounded: the oldest are dropped and counted), a
// store-failure alarm is logged and sent straight to the feed's sink, and
// writing resumes by itself once the store accepts it again.

import Decoding
import Dispatch
import Feed
import Foundation
import Lifecycle
import Logging
import Rules
import Store
import Synchronization
import Telemetry

/// Counters the pipeline keeps for logs, health lines and benchmarks.
public struct PipelineStats: Sendable {
    public var reports = 0
    public var samples = 0
    public var transactions = 0
    public var storeSeconds = 0.0
    public var alarmEvents = 0
    public var skippedCycles: UInt64 = 0
    public var droppedWhileStoreFailing = 0
    /// The pipeline loop's last turn (it turns at least every half second), and
    /// whether the store refused its last write: what `/healthz` reports.
    public var lastTurn: Date?
    public var storeFailing = false
    /// Lateness of the most recent cycle starts, milliseconds: a ring of
    /// `latenessCapacity`, so quantiles describe the last few minutes even
    /// after days of running.
    public private(set) var lateness: [Double] = []
    private var latenessNext = 0
    static let latenessCapacity = 200_000

    mutating func recordLateness(_ milliseconds: Double) {
        if lateness.count < Self.latenessCapacity {
            lateness.append(milliseconds)
        } else {
            lateness[latenessNext] = milliseconds
            latenessNext = (latenessNext + 1) % Self.latenessCapacity
        }
    }

    /// The q-quantile (0...1) of cycle lateness, milliseconds.
    public func latenessQuantile(_ q: Double) -> Double {
        guard !lateness.isEmpty else { return 0 }
        let sorted = lateness.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * q))]
    }
}

final class Pipeline: Service {
    /// Where the pipeline is in its life; only ever moves forward.
    enum Phase: Int, Comparable {
        case notStarted
        case running
        /// The gateway is stopping: pollers are being stopped, so silence
        /// means nothing; no more time-based rules (communication loss,
        /// staleness) and no communication-loss judgement of health.
        case draining
        /// Write what is queued, then end the thread.
        case stopping
        case stopped

        static func < (lhs: Phase, rhs: Phase) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    struct Settings: Sendable {
        var gatewayId: String
        var lines: FeedLines
        /// A device's health line goes out at least this often (and on every change of `connected`).
        var healthInterval: TimeInterval = 10
        var gatewayHealthInterval: TimeInterval = 10
        var retentionInterval: TimeInterval = 3600
        /// Reports kept in memory while the store fails.
        var backlogLimit = 100_000
        /// Reports arriving within this window are written in one transaction
        /// (the pollers are staggered, so they trickle in).
        var batchWindow: TimeInterval = 0.2
        /// Time-based rules (re-alarm, night window, communication loss) are checked this often.
        var tickInterval: TimeInterval = 1
        /// Poll reports waiting for the pipeline at most (the store is the
        /// bottleneck); beyond it the oldest are dropped and counted.
        var queueCapacity = 20_000
    }

    let queue: ReportQueue
    let stats = Mutex(PipelineStats())
    private let store: StationStore
    private let alarms: AlarmStage
    private let settings: Settings
    private let sink: (any FeedSink)?
    private let feedStatus: @Sendable () async -> FeedStatus
    private let log: Logger
    private let phase = Mutex(Phase.notStarted)
    private let finished = Completion()

    init(store: StationStore, alarms: AlarmStage, settings: Settings, sink: (any FeedSink)?,
         feedStatus: @escaping @Sendable () async -> FeedStatus, log: Logger) {
        self.store = store
        self.alarms = alarms
        self.settings = settings
        self.sink = sink
        self.feedStatus = feedStatus
        self.log = log
        queue = ReportQueue(capacity: settings.queueCapacity)
    }

    /// Runs the pipeline's thread until `shutdown()`; returns at once when
    /// `shutdown()` came first.
    func run() async {
        let starts = phase.withLock { phase -> Bool in
            guard phase == .notStarted else { return false }
            phase = .running
            return true
        }
        guard starts else { return }
        let thread = Thread { [self] in
            loop()
            phase.withLock { $0 = .stopped }
            finished.finish()
        }
        thread.name = "pipeline"
        thread.start()
        await finished.wait()
    }

    func shutdownWillBegin() {
        phase.withLock { phase in if phase == .running { phase = .draining } }
    }

    /// Processes what is queued, then stops (at once when never started).
    func shutdown() {
        let neverStarted = phase.withLock { phase -> Bool in
            if phase == .notStarted {
                phase = .stopped
                return true
            }
            phase = max(phase, .stopping)
            return false
        }
        if neverStarted { finished.finish() }
        queue.wake()
    }

    private func loop() {
        var state = RunState(stationLines: StationLineEncoder(precision: settings.lines.precision))
        while true {
            let current = phase.withLock { $0 }
            let stop = current >= .stopping
            state.draining = current >= .draining
            var reports = queue.takeAll(waitingAtMost: stop ? .milliseconds(0) : .milliseconds(500))
            if !reports.isEmpty && !stop {
                // Gather what arrives in the batch window into the same transaction.
                Thread.sleep(forTimeInterval: settings.batchWindow)
                reports += queue.takeAll(waitingAtMost: .milliseconds(0))
            }
            let now = Date()
            stats.withLock {
                $0.lastTurn = now
                $0.storeFailing = state.storeFailing
            }
            state.queuedReports = reports.count
            var batch = StoreBatch()
            var outbox: [String: [String]] = [:]
            for report in reports {
                process(report, now: now, state: &state, batch: &batch, outbox: &outbox)
            }
            if !state.draining && now.timeIntervalSince(state.lastTick) >= settings.tickInterval {
                state.lastTick = now
                for event in alarms.tick(now: now) {
                    add(event, batch: &batch, outbox: &outbox)
                }
            }
            if now.timeIntervalSince(state.lastGatewayHealth) >= settings.gatewayHealthInterval {
                state.lastGatewayHealth = now
                let feed = blockingFeedStatus()
                outbox["gateway", default: []] += gatewayHealthLines(now: now, feed: feed, state: state)
                let dropped = queue.droppedReports
                if dropped > state.reportedDrops {
                    log.warning("the store cannot keep up: oldest poll reports dropped",
                                ["dropped_reports": String(dropped), "queue_capacity": String(queue.capacity)])
                    state.reportedDrops = dropped
                }
                if let event = feedAlarm(feed, state: &state, now: now) {
                    add(event, batch: &batch, outbox: &outbox)
                }
            }
            batch.outbox = outbox.map { OutboxLines(deviceKey: $0.key, lines: $0.value) }
            write(batch, state: &state, now: now)
            if now.timeIntervalSince(state.lastRetention) >= settings.retentionInterval {
                state.lastRetention = now
                runRetention()
            }
            if stop && reports.isEmpty { break }
        }
    }

    struct RunState {
        /// Writes the station lines, remembering each device's escaped names.
        var stationLines: StationLineEncoder
        var devices: [DeviceIdentity: KnownDevice] = [:]
        var lastGatewayHealth = Date.distantPast
        var lastTick = Date.distantPast
        var lastRetention = Date()
        var backlog: [StoreBatch] = []
        var backlogReports = 0
        var storeFailing = false
        var feedFailing = false
        /// The gateway is stopping: judge no silence (see Phase.draining).
        var draining = false
        var reportedDrops = 0
        /// Reports taken in the last batch (how far behind the pipeline is).
        var queuedReports = 0
    }

    /// What the pipeline remembers of a device between its polls.
    struct KnownDevice {
        /// The device's key in the outbox, "station/device".
        let outboxKey: String
        /// When the feed last got the device's health line, and what it said.
        var lastHealth: (time: Date, connected: Bool)?
        /// Skipped cycles as last reported (pollers count per schedule).
        var skipped: UInt64 = 0

        init(_ identity: DeviceIdentity) {
            outboxKey = "\(identity.station)/\(identity.device)"
        }
    }

    private func process(_ report: PollReport, now: Date, state: inout RunState,
                         batch: inout StoreBatch, outbox: inout [String: [String]]) {
        let identity = report.sample.identity
        var device = state.devices[identity] ?? KnownDevice(identity)
        defer { state.devices[identity] = device }
        let key = device.outboxKey
        batch.samples.append(report.sample)
        if let line = state.stationLines.line(report.sample) { outbox[key, default: []].append(line) }

        // The store keeps every poll's health (status reads it); the feed
        // gets a health line on a change of state or every healthInterval.
        batch.health.append(report.health)
        let previous = device.lastHealth
        if previous == nil || previous?.connected != report.health.connected
            || now.timeIntervalSince(previous?.time ?? .distantPast) >= settings.healthInterval {
            device.lastHealth = (now, report.health.connected)
            if let line = settings.lines.health(report.health) { outbox[key, default: []].append(line) }
            if previous?.connected == true && !report.health.connected {
                log.warning("device lost", ["station": identity.station, "device": identity.device,
                                            "error": report.health.lastError ?? ""])
            } else if previous?.connected == false && report.health.connected {
                log.info("device back", ["station": identity.station, "device": identity.device])
            }
        }
        for event in alarms.evaluate(report, health: !state.draining) {
            add(event, batch: &batch, outbox: &outbox)
        }
        let before = device.skipped
        device.skipped = max(before, report.skippedCycles)
        stats.withLock { stats in
            stats.reports += 1
            stats.samples += report.sample.points.count
            stats.skippedCycles += report.skippedCycles >= before ? report.skippedCycles - before : 0
            stats.recordLateness(Double(report.lateness) / 1e6)
        }
    }

    private func add(_ event: AlarmEvent, batch: inout StoreBatch, outbox: inout [String: [String]]) {
        batch.alarms.append(event)
        if let line = settings.lines.alarm(event) {
            outbox["\(event.station)/\(event.device)", default: []].append(line)
        }
        log.info("alarm \(event.state.rawValue)", ["station": event.station, "device": event.device,
                                                     "point": event.point, "rule": event.rule,
                                                     "severity": event.severity.rawValue, "message": event.message])
        stats.withLock { $0.alarmEvents += 1 }
    }

    private func write(_ batch: StoreBatch, state: inout RunState, now: Date) {
        if !batch.isEmpty {
            state.backlog.append(batch)
            state.backlogReports += batch.samples.count
        }
        while let next = state.backlog.first {
            let started = DispatchTime.now().uptimeNanoseconds
            do {
                _ = try store.write(next)
            } catch {
                storeFailed(error, state: &state, now: now)
                return
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            stats.withLock {
                $0.transactions += 1
                $0.storeSeconds += seconds
            }
            state.backlog.removeFirst()
            state.backlogReports -= next.samples.count
            if state.storeFailing {
                state.storeFailing = false
                log.info("store writable again", ["path": store.path])
                sendDirect(storeAlarm(.cleared, "The local store accepts writes again", now: now))
            }
        }
    }

    private func storeFailed(_ error: any Error, state: inout RunState, now: Date) {
        if !state.storeFailing {
            state.storeFailing = true
            log.error("store write failed; polling goes on, batches wait in memory", ["path": store.path, "error": "\(error)"])
            sendDirect(storeAlarm(.raised, "The local store cannot write (\(error)); values wait in memory", now: now))
        }
        // Bounded backlog: drop the oldest batches beyond the limit, and count them.
        while state.backlogReports > settings.backlogLimit, let oldest = state.backlog.first {
            state.backlog.removeFirst()
            state.backlogReports -= oldest.samples.count
            stats.withLock { $0.droppedWhileStoreFailing += oldest.samples.count }
        }
    }

    private func storeAlarm(_ state: AlarmState, _ message: String, now: Date) -> AlarmEvent {
        AlarmEvent(station: settings.gatewayId, device: "gateway", point: "store", rule: "storeFailure",
                   severity: .critical, state: state, value: nil, limit: nil, time: now, message: message)
    }

    /// Sends a line straight to the sink, bypassing the (failing) store.
    private func sendDirect(_ event: AlarmEvent) {
        guard let sink, let line = settings.lines.alarm(event) else { return }
        Task { _ = await sink.write([line]) }
    }

    /// The feed-failure alarm: raised while the server refuses us (401, 403,
    /// 404: a configuration problem, lines keep buffering), cleared when it
    /// accepts again.
    private func feedAlarm(_ feed: FeedStatus, state: inout RunState, now: Date) -> AlarmEvent? {
        let failing = feed.state.isFailing
        guard failing != state.feedFailing else { return nil }
        state.feedFailing = failing
        let message = failing
            ? "The central server refuses the feed (\(feed.lastError ?? "no message")); lines wait in the outbox"
            : "The central server accepts the feed again"
        return AlarmEvent(station: settings.gatewayId, device: "gateway", point: "feed", rule: "feedFailure",
                          severity: .major, state: failing ? .raised : .cleared, value: nil, limit: nil,
                          time: now, message: message)
    }

    private func gatewayHealthLines(now: Date, feed: FeedStatus, state: RunState) -> [String] {
        let depth = (try? store.outboxDepth()) ?? -1
        let dropped = (try? store.droppedLines()) ?? -1
        let snapshot = stats.withLock { $0 }
        var lines: [String] = []
        let health = GatewayHealth(gateway: settings.gatewayId, time: now, outboxDepth: depth, droppedLines: dropped, feed: feed)
        if let line = settings.lines.gateway(health) { lines.append(line) }
        let extra: [(String, FieldValue)] = [
            ("polls", .integer(Int64(snapshot.reports))),
            ("store_transactions", .integer(Int64(snapshot.transactions))),
            ("store_ms", .float(snapshot.transactions > 0 ? snapshot.storeSeconds / Double(snapshot.transactions) * 1000 : 0)),
            ("lateness_p99_ms", .float(snapshot.latenessQuantile(0.99))),
            ("dropped_while_store_failing", .integer(Int64(snapshot.droppedWhileStoreFailing))),
            ("dropped_reports", .integer(Int64(queue.droppedReports))),
            ("queued_reports", .integer(Int64(state.queuedReports))),
        ]
        if let line = LineProtocol.line(measurement: "pumpgw_health", tags: ["gateway": settings.gatewayId],
                                        fields: extra, time: now, precision: settings.lines.precision) {
            lines.append(line)
        }
        return lines
    }

    /// The sender's status, read from this (non-async) thread.
    private func blockingFeedStatus() -> FeedStatus {
        let read = feedStatus
        return waitForAsync(timeout: .seconds(1)) { await read() } ?? FeedStatus()
    }

    private func runRetention() {
        do {
            let report = try store.runRetention()
            log.debug("retention", ["report": "\(report)"])
        } catch {
            log.error("retention failed", ["error": "\(error)"])
        }
    }
}
