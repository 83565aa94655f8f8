// The stages after polling, on ONE thread of their own (SQLite blocks, so
// never the cooperative pool). Data flows one way: each batch of poll
// reports goes through the rules (AlarmStage: alarm events), becomes feed
// lines (DeviceLines), and is written to the store (StoreWriter): samples,
// events and outbox lines together in one transaction, which the feed
// sender then drains. Beside them, GatewayWatch reports the gateway's own
// health and the feed-failure alarm, and retention runs every hour.

import Dispatch
import Feed
import Foundation
import Lifecycle
import Logging
import Store
import Synchronization
import Telemetry

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
        /// (the pollers are staggered, so they trickle in): `store.commit`,
        /// StoreOptions.commitInterval. A second by default, not less:
        /// every commit rewrites the last, partly filled page of each table and
        /// index it appends to (Benchmarks/layout-experiment.py: the frames of
        /// 100 devices in 7 commits a second wrote 25 bytes per sample to the
        /// WAL, in 1 commit 16). A crash loses the reports of the current window.
        var batchWindow: TimeInterval = 1
        /// Time-based rules (re-alarm, night window, communication loss) are checked this often.
        var tickInterval: TimeInterval = 1
        /// Poll reports waiting for the pipeline at most (the store is the
        /// bottleneck); beyond it the oldest are dropped and counted.
        var queueCapacity = 20_000
    }

    let queue: ReportQueue
    let stats = Mutex(PipelineStats())
    /// Boost events' feed lines to send, and raised alarms whose rule asks for a boost (BoostService).
    let boostHooks = Mutex(BoostHooks())
    private let store: StationStore
    private let alarms: AlarmStage
    private let settings: Settings
    private let sink: any FeedSink
    private let feedStatus: @Sendable () -> FeedStatus?
    private let log: Logger
    private let phase = Mutex(Phase.notStarted)
    private let finished = Completion()

    /// `feedStatus` reads the sender's status without waiting on it (nil: unknown).
    init(store: StationStore, alarms: AlarmStage, settings: Settings, sink: any FeedSink,
         feedStatus: @escaping @Sendable () -> FeedStatus?, log: Logger) {
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

    /// One batch of reports through the stages, per turn of the loop.
    private struct Stages {
        var deviceLines: DeviceLines
        var writer: StoreWriter
        var watch: GatewayWatch
        var lastGatewayHealth = Date.distantPast
        var lastTick = Date.distantPast
        var lastRetention = Date()
    }

    private func loop() {
        var stages = Stages(
            deviceLines: DeviceLines(lines: settings.lines, healthInterval: settings.healthInterval, log: log),
            writer: StoreWriter(store: store, gatewayId: settings.gatewayId, lines: settings.lines, sink: sink,
                                backlogLimit: settings.backlogLimit, log: log),
            watch: GatewayWatch(gatewayId: settings.gatewayId, lines: settings.lines, store: store,
                                feedStatus: feedStatus, feedTarget: sink.target, log: log))
        while true {
            let current = phase.withLock { $0 }
            let stop = current >= .stopping
            var reports = queue.takeAll(waitingAtMost: stop ? .milliseconds(0) : .milliseconds(500))
            if !reports.isEmpty && !stop {
                // Gather what arrives in the batch window into the same transaction.
                Thread.sleep(forTimeInterval: settings.batchWindow)
                reports += queue.takeAll(waitingAtMost: .milliseconds(0))
            }
            let now = Date()
            var batch = Batch(keepEverySample: boostHooks.withLock { $0.keepEverySample })
            for report in reports {
                process(report, now: now, judgeSilence: current < .draining, stages: &stages, batch: &batch)
            }
            batch.outbox.merge(boostHooks.withLock { hooks in
                defer { hooks.lines = [:] }
                return hooks.lines
            }) { $0 + $1 }
            timed(now: now, judgeSilence: current < .draining, queuedReports: reports.count, stages: &stages, batch: &batch)
            stages.writer.write(batch.finished(), now: now, stats: stats)
            let failing = stages.writer.isFailing
            stats.withLock {
                $0.lastTurn = now
                $0.storeFailing = failing
            }
            if now.timeIntervalSince(stages.lastRetention) >= settings.retentionInterval {
                stages.lastRetention = now
                runRetention()
            }
            if stop && reports.isEmpty { break }
        }
        stages.watch.saveState(now: Date(), stopped: Date(), storeFailure: stages.writer.lastFailure)
    }

    /// A store batch being put together, with its outbox lines by device.
    private struct Batch {
        /// Boosted devices ("STATION/DEVICE") whose every sample history keeps.
        var keepEverySample: Set<String> = []
        var store = StoreBatch()
        var outbox: [String: [String]] = [:]

        func finished() -> StoreBatch {
            var batch = store
            batch.outbox = outbox.map { OutboxLines(deviceKey: $0.key, lines: $0.value) }
            return batch
        }
    }

    /// Rules, then feed lines, then into the batch: one poll report.
    private func process(_ report: PollReport, now: Date, judgeSilence: Bool, stages: inout Stages, batch: inout Batch) {
        var sample = report.sample
        sample.keepsEverySample = batch.keepEverySample.contains("\(sample.identity.station)/\(sample.identity.device)")
        batch.store.samples.append(sample)
        // The store keeps every poll's health (status reads it).
        batch.store.health.append(report.health)
        let (key, lines, newlySkipped) = stages.deviceLines.lines(for: report, now: now)
        batch.outbox[key, default: []] += lines
        for event in alarms.evaluate(report, health: judgeSilence) {
            add(event, to: &batch)
        }
        stats.withLock { stats in
            stats.reports += 1
            stats.samples += report.sample.points.count
            stats.skippedCycles += newlySkipped
            stats.recordLateness(Double(report.lateness) / 1e6)
        }
    }

    /// What is due by the clock: time-based rules, the gateway's health.
    private func timed(now: Date, judgeSilence: Bool, queuedReports: Int, stages: inout Stages, batch: inout Batch) {
        if judgeSilence && now.timeIntervalSince(stages.lastTick) >= settings.tickInterval {
            stages.lastTick = now
            for event in alarms.tick(now: now) { add(event, to: &batch) }
        }
        if now.timeIntervalSince(stages.lastGatewayHealth) >= settings.gatewayHealthInterval {
            stages.lastGatewayHealth = now
            let (lines, alarms) = stages.watch.check(now: now, stats: stats.withLock { $0 }, queue: queue,
                                                     queuedReports: queuedReports, storeFailure: stages.writer.lastFailure)
            batch.outbox["gateway", default: []] += lines
            for alarm in alarms { add(alarm, to: &batch) }
        }
    }

    private func add(_ event: AlarmEvent, to batch: inout Batch) {
        batch.store.alarms.append(event)
        if event.state == .raised, let boost = alarms.boost(for: event) {
            boostHooks.withLock { $0.raised.append((event, boost)) }
        }
        if let line = settings.lines.alarm(event) {
            batch.outbox["\(event.station)/\(event.device)", default: []].append(line)
        }
        log.info("alarm \(event.state.rawValue)", ["station": event.station, "device": event.device,
                                                     "point": event.point, "rule": event.rule,
                                                     "severity": event.severity.rawValue, "message": event.message])
        stats.withLock { $0.alarmEvents += 1 }
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
