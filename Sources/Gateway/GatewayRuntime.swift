// The running gateway, assembled from a loaded config: the store, and three
// services (Lifecycle.Service) that a ServiceRunner runs and stops in
// order: the pollers, the pipeline (rules, store, feed lines) and the feed
// sender. `run(signals:reload:)` is the daemon; `start()`/`stop()` serve
// the demo and tests.

import Decoding
import Dispatch
import Feed
import Foundation
import Lifecycle
import Logging
import Modbus
import Profiles
import Rules
import Store
import Synchronization
import Telemetry

public struct RuntimeError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

public final class GatewayRuntime: @unchecked Sendable {
    // @unchecked Sendable: `config` and `runner` are touched only by the
    // control thread that calls start/reload/stop, one call at a time (the
    // daemon's reloads run one after another on the runner's behalf).
    public private(set) var config: LoadedConfig
    private let log: Logger
    private let store: StationStore
    private let pipeline: Pipeline
    private let alarms: AlarmStage
    private let pollers: PollerGroup
    private let feed: FeedService
    private var runner: (runner: ServiceRunner, done: Completion)?

    /// Opens the store (refusing a database another gateway holds) and
    /// prepares the feed. Nothing polls until the services run.
    public init(config: LoadedConfig, log: Logger, feedGrace: Duration = .seconds(5)) throws {
        self.config = config
        self.log = log
        do {
            store = try StationStore(path: config.storePath, options: Self.storeOptions(config))
        } catch {
            throw RuntimeError(message: "cannot open the store \(config.storePath): \(error)")
        }
        let configDirectory = URL(fileURLWithPath: config.file).deletingLastPathComponent()
        let feedSection = config.config.feed ?? FeedSection(url: "file:var/feed.lp")
        let precision: Precision
        let sink: any FeedSink
        do {
            precision = try Precision(config: feedSection.precision)
            sink = try FeedSinks.make(feedSection, relativeTo: configDirectory)
        } catch {
            store.close()
            throw RuntimeError(message: "\(config.file): \(error)")
        }
        let sender = FeedSender(outbox: StoreOutbox(store: store), sink: sink,
                                options: FeedSender.Options(maxLines: feedSection.batchSize ?? 5000), log: log)
        feed = FeedService(sender: sender, grace: feedGrace, log: log)
        let restored: [AlarmEvent]
        do {
            restored = try store.activeAlarms()
        } catch {
            store.close()
            throw RuntimeError(message: "cannot read the active alarms from \(config.storePath): \(error)")
        }
        if !restored.isEmpty { log.info("active alarms restored", ["count": String(restored.count)]) }
        let alarms = AlarmStage(config: config, restored: restored, log: log)
        self.alarms = alarms
        pipeline = Pipeline(store: store, alarms: alarms,
                            settings: Pipeline.Settings(gatewayId: config.config.gateway.id, lines: FeedLines(precision: precision),
                                                        queueCapacity: max(20_000, 10 * config.devices.count)),
                            sink: sink, feedStatus: { await sender.status }, log: log)
        let queue = pipeline.queue
        pollers = PollerGroup(config: config, log: log, deliver: { queue.push($0) })
    }

    static func storeOptions(_ config: LoadedConfig) -> StoreOptions {
        var options = StoreOptions()
        if let section = config.config.store {
            if section.synchronous == "full" { options.synchronous = .full }
            if let retention = section.retention.flatMap(DurationText.parse) { options.retention = retention.seconds }
            if let megabytes = section.maxSizeMB { options.maxDatabaseBytes = Int64(megabytes * 1_000_000) }
            if let history = section.history {
                let defaults = HistoryPolicy(deadband: history.deadband ?? 0,
                                             heartbeat: history.heartbeat.flatMap(DurationText.parse)?.seconds ?? 15 * 60)
                options.defaultHistoryPolicy = defaults
                for (key, policy) in history.points ?? [:] {
                    options.historyPolicies[key] = HistoryPolicy(
                        deadband: policy.deadband ?? defaults.deadband,
                        heartbeat: policy.heartbeat.flatMap(DurationText.parse)?.seconds ?? defaults.heartbeat)
                }
            }
        }
        if let maxLines = config.config.feed?.outboxMaxLines { options.outboxMaxLines = maxLines }
        return options
    }

    /// In start order; a runner stops them in reverse (pollers, pipeline, feed).
    var services: [any Service] { [feed, pipeline, pollers] }

    /// The daemon: runs the services until SIGTERM/SIGINT (from `signals`),
    /// calling `reload` on a thread of its own for each SIGHUP; then stops
    /// them within `shutdownDeadline` and closes the store.
    public func run(signals: SignalQueue, shutdownDeadline: Duration = .seconds(20),
                    reload: @escaping @Sendable () -> Void) async -> ServiceRunner.Outcome {
        let runner = ServiceRunner(services: services, signals: signals, shutdownDeadline: shutdownDeadline, log: log,
                                   reload: { await onThread("reload") { reload() } })
        logStarted()
        let outcome = await runner.run()
        if outcome != .deadlineExceeded { close() }
        return outcome
    }

    /// Starts the services without signals (the demo, tests); `stop()` ends them.
    public func start() {
        let runner = ServiceRunner(services: services, signals: nil, log: log)
        let done = Completion()
        self.runner = (runner, done)
        Task {
            _ = await runner.run()
            done.finish()
        }
        logStarted()
    }

    /// Stops polling after the polls in flight, writes what is queued, gives
    /// the feed its grace to send, and closes the store. Before `start()`:
    /// closes the store and returns.
    @available(*, noasync, message: "blocks until the services stopped")
    public func stop() {
        if let (runner, done) = runner {
            runner.requestStop()
            done.waitBlocking()
        } else {
            for service in services { service.shutdown() }
        }
        close()
    }

    private func logStarted() {
        log.info("gateway started", ["gateway": config.config.gateway.id, "devices": String(config.devices.count),
                                     "endpoints": String(Set(config.devices.map(\.endpointKey)).count),
                                     "store": config.storePath])
    }

    /// Applies a new, already validated config: pollers whose endpoint's
    /// devices changed are restarted, the others keep running. Blocks while
    /// changed pollers finish their poll.
    @available(*, noasync, message: "blocks while changed pollers stop")
    public func reload(_ newConfig: LoadedConfig) {
        alarms.rebuild(newConfig)
        let changed = pollers.apply(newConfig)
        config = newConfig
        log.info("config reloaded", ["endpoints_restarted": String(changed), "devices": String(newConfig.devices.count)])
    }

    private func close() {
        store.close()
        let stats = pipeline.stats.withLock { $0 }
        log.info("gateway stopped", ["polls": String(stats.reports), "samples": String(stats.samples),
                                     "transactions": String(stats.transactions),
                                     "store_ms_per_transaction": String(format: "%.2f", stats.transactions > 0 ? stats.storeSeconds / Double(stats.transactions) * 1000 : 0),
                                     "alarm_events": String(stats.alarmEvents), "skipped_cycles": String(stats.skippedCycles),
                                     "dropped_reports": String(pipeline.queue.droppedReports),
                                     "lateness_p50_ms": String(format: "%.2f", stats.latenessQuantile(0.5)),
                                     "lateness_p99_ms": String(format: "%.2f", stats.latenessQuantile(0.99))])
    }

    public var stats: PipelineStats { pipeline.stats.withLock { $0 } }
}
