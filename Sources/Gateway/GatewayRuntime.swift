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
    // @unchecked Sendable: `settings` and `runner` are touched only by the
    // control thread that calls start/reload/stop, one call at a time (the
    // daemon's reloads run one after another on the runner's behalf).
    public private(set) var settings: GatewaySettings
    private let log: Logger
    private let store: StationStore
    private let pipeline: Pipeline
    private let alarms: AlarmStage
    private let pollers: PollerGroup
    let boosts: BoostService
    private let feed: FeedService
    /// Finished once every poller has started ("gateway started").
    private let started: Completion
    private var runner: (runner: ServiceRunner, done: Completion)?

    /// Opens the store (refusing a database another gateway holds) and
    /// prepares the feed. Nothing polls until the services run.
    public init(settings: GatewaySettings, log: Logger, feedGrace: Duration = .seconds(5)) throws {
        self.settings = settings
        self.log = log
        do {
            store = try StationStore(path: settings.storePath, options: settings.store)
        } catch {
            throw RuntimeError(message: "cannot open the store \(settings.storePath): \(error)")
        }
        let sink = settings.feed.makeSink()
        let sender = FeedSender(outbox: StoreOutbox(store: store), sink: sink,
                                options: FeedSender.Options(maxLines: settings.feed.batchSize), log: log)
        feed = FeedService(sender: sender, grace: feedGrace, log: log)
        let restored: [AlarmEvent]
        do {
            restored = try store.read { try $0.activeAlarms() }
        } catch {
            store.close()
            throw RuntimeError(message: "cannot read the active alarms from \(settings.storePath): \(error)")
        }
        if !restored.isEmpty { log.info("active alarms restored", ["count": String(restored.count)]) }
        let alarms = AlarmStage(settings: settings, restored: restored, log: log)
        self.alarms = alarms
        pipeline = Pipeline(store: store, alarms: alarms,
                            settings: Pipeline.Settings(gatewayId: settings.gatewayId,
                                                        lines: FeedLines(precision: settings.feed.precision),
                                                        queueCapacity: max(20_000, 10 * settings.devices.count)),
                            sink: sink, feedStatus: { [sender] in sender.currentStatus }, log: log)
        let queue = pipeline.queue
        let started = Completion()
        self.started = started
        pollers = PollerGroup(config: settings.loaded, log: log, deliver: { queue.push($0) },
                              started: { endpoints in
                                  defer { started.finish() }
                                  log.info("gateway started", ["gateway": settings.gatewayId,
                                                               "devices": String(settings.devices.count),
                                                               "endpoints": String(endpoints), "store": settings.storePath])
                              })
        boosts = BoostService(settings: settings, pollers: pollers, pipeline: pipeline, log: log)
    }

    /// In start order; a runner stops them in reverse (pollers, pipeline, feed).
    var services: [any Service] { [feed, pipeline, pollers, boosts] }

    /// The daemon: runs the services until SIGTERM/SIGINT (from `signals`),
    /// calling `reload` on a thread of its own for each SIGHUP; then stops
    /// them within `shutdownDeadline` and closes the store.
    public func run(signals: SignalQueue, shutdownDeadline: Duration = .seconds(20),
                    reload: @escaping @Sendable () -> Void) async -> ServiceRunner.Outcome {
        let runner = ServiceRunner(services: services, signals: signals, shutdownDeadline: shutdownDeadline, log: log,
                                   ready: started, reload: { await onThread("reload") { reload() } })
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

    /// Applies a new, already validated config: pollers whose endpoint's
    /// devices changed are restarted, the others keep running; rules are
    /// rebuilt. A config that changes what a running gateway cannot change
    /// (the store, the feed, the gateway id) is refused as a whole, with a
    /// log line naming those fields. Blocks while changed pollers finish
    /// their poll. Returns whether the new config is now running.
    @available(*, noasync, message: "blocks while changed pollers stop")
    @discardableResult
    public func reload(_ newSettings: GatewaySettings) -> Bool {
        let fixed = newSettings.changesNeedingRestart(from: settings)
        guard fixed.isEmpty else {
            log.error("config reload refused: these changes need a restart; the running config stays",
                      ["config": newSettings.file, "fields": fixed.joined(separator: ",")])
            return false
        }
        alarms.rebuild(newSettings)
        let changed = pollers.apply(newSettings.loaded)
        boosts.reload(newSettings)
        settings = newSettings
        log.info("config reloaded", ["endpoints_restarted": String(changed), "devices": String(newSettings.devices.count)])
        return true
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
