// The running gateway, assembled from a loaded config: the store, and three
// services (Lifecycle.Service) that a ServiceRunner runs and stops in
// order: the pollers, the pipeline (rules, store, feed lines) and the feed
// sender, and the window (page, metrics, JSON API) when the config has
// `http`. `run(signals:reload:)` is the daemon; `start()`/`stop()` serve
// the demo and tests.

import Decoding
import Dispatch
import Feed
import Foundation
import HTTPServer
import Lifecycle
import Logging
import Modbus
import Profiles
import Rules
import Store
import Synchronization
import Telemetry

/// The status document from a store, as `pumpgw status --json` writes it.
public typealias StatusJSON = @Sendable (_ store: StationStore, _ now: Date) throws -> String

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
    /// The page, metrics and JSON API; listening only when the config has `http`.
    private let window: WindowService
    /// What `/metrics` reports of the polling, fed by every poll report.
    private let metrics = GatewayMetrics()
    /// Finished once every poller has started ("gateway started").
    private let started: Completion
    private var runner: (runner: ServiceRunner, done: Completion)?

    /// Opens the store (refusing a database another gateway holds) and
    /// prepares the feed. Nothing polls until the services run.
    /// `statusJSON` writes `/api/status`: the command line passes the very
    /// function `pumpgw status --json` prints with (nil: that path is 503).
    public init(settings: GatewaySettings, log: Logger, feedGrace: Duration = .seconds(5),
                statusJSON: StatusJSON? = nil) throws {
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
        let pipeline = Pipeline(store: store, alarms: alarms,
                            settings: Pipeline.Settings(gatewayId: settings.gatewayId,
                                                        lines: settings.feed.makeLines(),
                                                        batchWindow: settings.store.commitInterval,
                                                        queueCapacity: max(20_000, 10 * settings.devices.count)),
                            sink: sink, feedStatus: { [sender] in sender.currentStatus }, log: log)
        self.pipeline = pipeline
        let queue = pipeline.queue, metrics = self.metrics
        let started = Completion()
        self.started = started
        pollers = PollerGroup(config: settings.loaded, log: log, deliver: { queue.push($0); metrics.record($0) },
                              started: { endpoints in
                                  defer { started.finish() }
                                  log.info("gateway started", ["gateway": settings.gatewayId,
                                                               "devices": String(settings.devices.count),
                                                               "endpoints": String(endpoints), "store": settings.storePath])
                              })
        boosts = BoostService(settings: settings, pollers: pollers, pipeline: pipeline, log: log)
        do {
            window = try WindowService(config: settings.loaded, log: log) { config throws(RuntimeError) in
                try Self.openWindow(config, storePath: settings.storePath, metrics: metrics, pipeline: pipeline, sender: sender,
                                    statusJSON: statusJSON)
            }
        } catch {
            store.close()
            throw error
        }
    }

    /// The window for `config.http`, listening already; nil without `http`.
    private static func openWindow(_ config: LoadedConfig, storePath: String, metrics: GatewayMetrics, pipeline: Pipeline,
                                   sender: FeedSender, statusJSON: StatusJSON?) throws(RuntimeError) -> GatewayWindow? {
        guard let listen = config.config.http?.listen else { return nil }
        let address: ListenAddress
        switch ListenAddress.parse(listen) {
        case .success(let parsed): address = parsed
        case .failure(let error): throw RuntimeError(message: "\(config.file): http.listen: \(error)")
        }
        let sources = GatewayWindow.Sources(
            metrics: metrics, pipelineStats: { pipeline.stats.withLock { $0 } },
            feedStatus: { sender.currentStatus }, statusJSON: statusJSON,
            storePath: storePath)
        do {
            return try GatewayWindow(address: address, config: config, sources: sources)
        } catch {
            throw RuntimeError(message: "\(config.file): \(error)")
        }
    }

    /// In start order; a runner stops them in reverse (window, boosts, pollers, pipeline, feed).
    var services: [any Service] { [feed, pipeline, pollers, boosts, window] }

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
        metrics.keep(only: Set(newSettings.devices.map { GatewayMetrics.DeviceKey(station: $0.station.id, device: $0.config.id) }))
        window.move(to: newSettings.loaded)
        settings = newSettings
        log.info("config reloaded", ["endpoints_restarted": String(changed.changed), "devices": String(newSettings.devices.count),
                                     "started": changed.started.joined(separator: ", ")])
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
