// The running gateway: the pollers, the pipeline (rules, store, feed lines)
// and the feed sender, assembled from a loaded config; started, reloaded and
// stopped from one control thread (the daemon's main thread).

import Decoding
import Dispatch
import Feed
import Foundation
import HTTPServer
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
    // @unchecked Sendable: every mutable property below is touched only by
    // the control thread that calls start/reload/stop, one call at a time.
    public private(set) var config: LoadedConfig
    private let log: Logger
    private let store: StationStore
    private let pipeline: Pipeline
    private let alarms: AlarmStage
    private let sender: FeedSender?
    private var senderTask: Task<Void, Never>?
    private var endpoints: [String: EndpointGroup] = [:]
    /// Every poller's decoded point tables: one per profile, shared by its
    /// devices (built once instead of by each of 1,000 pollers as it starts).
    private let pointTables = PointTables()
    /// What `/metrics` reports of the polling, fed by every poll report.
    private let metrics = GatewayMetrics()
    /// The page, metrics and JSON API: only when the config has `http`.
    private var window: GatewayWindow?

    /// One endpoint's devices and the poller that reads them.
    struct EndpointGroup {
        var fingerprint: [EndpointMember]
        var poller: EndpointPoller
    }

    /// What identifies a device's polling: its config, station and profile.
    struct EndpointMember: Equatable {
        var station: Station
        var device: DeviceConfig
        var profile: DeviceProfile
    }

    /// Opens the store (refusing a database another gateway holds) and
    /// prepares the feed. Nothing polls until `start`.
    public init(config: LoadedConfig, log: Logger) throws {
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
        self.sender = sender
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
        let pipeline = Pipeline(store: store, alarms: alarms,
                            settings: Pipeline.Settings(gatewayId: config.config.gateway.id, lines: FeedLines(precision: precision),
                                                        queueCapacity: max(20_000, 10 * config.devices.count)),
                            sink: sink, feedStatus: { await sender.status }, log: log)
        self.pipeline = pipeline
        do {
            window = try Self.openWindow(config, metrics: metrics, pipeline: pipeline, sender: sender)
        } catch {
            store.close()
            throw error
        }
    }

    /// The window for `config.http`, listening already; nil without `http`.
    private static func openWindow(_ config: LoadedConfig, metrics: GatewayMetrics, pipeline: Pipeline,
                                   sender: FeedSender?) throws(RuntimeError) -> GatewayWindow? {
        guard let listen = config.config.http?.listen else { return nil }
        let address: ListenAddress
        switch ListenAddress.parse(listen) {
        case .success(let parsed): address = parsed
        case .failure(let error): throw RuntimeError(message: "\(config.file): http.listen: \(error)")
        }
        let sources = GatewayWindow.Sources(
            metrics: metrics, pipelineStats: { pipeline.stats.withLock { $0 } },
            feedStatus: { sender.flatMap { sender in waitForAsync(timeout: .milliseconds(500)) { await sender.status } } },
            storePath: config.storePath)
        do {
            return try GatewayWindow(address: address, config: config, sources: sources)
        } catch {
            throw RuntimeError(message: "\(config.file): \(error)")
        }
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

    /// Starts the pipeline, the feed sender and every poller.
    public func start() {
        pipeline.start()
        if let sender { senderTask = Task.detached { await sender.run() } }
        apply(config)
        if let window {
            window.start()
            log.info("http listening", ["listen": "\(window.server.address.host):\(window.server.port)"])
        }
        log.info("gateway started", ["gateway": config.config.gateway.id, "devices": String(config.devices.count),
                                     "endpoints": String(endpoints.count), "store": config.storePath])
    }

    /// Applies a new, already validated config: pollers whose endpoint's
    /// devices changed are restarted, the others keep running.
    public func reload(_ newConfig: LoadedConfig) {
        alarms.rebuild(newConfig)
        let changed = apply(newConfig)
        moveWindow(to: newConfig)
        config = newConfig
        log.info("config reloaded", ["endpoints_restarted": String(changed), "devices": String(newConfig.devices.count)])
    }

    /// SIGHUP: keeps, moves, opens or closes the listener as `http` now says.
    /// A new address that cannot be bound is logged; the old listener stays.
    private func moveWindow(to newConfig: LoadedConfig) {
        window?.update(newConfig)
        guard newConfig.config.http?.listen != config.config.http?.listen else { return }
        let old = window
        do {
            old?.stop()
            window = try Self.openWindow(newConfig, metrics: metrics, pipeline: pipeline, sender: sender)
            window?.start()
            log.info(window == nil ? "http listener closed" : "http listener moved",
                     ["listen": newConfig.config.http?.listen ?? ""])
        } catch {
            log.error("http listener not moved", ["error": "\(error)"])
            window = try? Self.openWindow(config, metrics: metrics, pipeline: pipeline, sender: sender)
            window?.start()
        }
    }

    /// Stops polling after the cycles in flight, writes what is queued, gives
    /// the feed up to `feedGrace` to send, and closes the store.
    public func stop(feedGrace: Duration = .seconds(5)) {
        window?.stop()
        window = nil
        for group in endpoints.values { group.poller.requestStop() }
        for group in endpoints.values { group.poller.waitUntilStopped() }
        endpoints.removeAll()
        pipeline.stop()
        if let sender {
            // Stop the sender's loop after its batch in flight, then flush
            // what is left: never two sends of one batch at the same time.
            let done = DispatchSemaphore(value: 0)
            let loop = senderTask
            let flushTask = Task.detached {
                if await sender.finish() { loop?.cancel() }
                await loop?.value
                _ = try? await sender.flush()
                done.signal()
            }
            if done.wait(timeout: .now() + .milliseconds(Int(feedGrace.seconds * 1000))) == .timedOut {
                flushTask.cancel()
                loop?.cancel()
                log.warning("feed not fully sent before shutdown; the rest stays in the outbox")
            }
        }
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

    /// Starts, restarts or stops endpoint pollers so that they match `newConfig`.
    /// Returns how many endpoints were (re)started or stopped.
    @discardableResult
    private func apply(_ newConfig: LoadedConfig) -> Int {
        let all = newConfig.devices
        var byEndpoint: [String: [(Int, ResolvedDevice)]] = [:]
        for (index, device) in all.enumerated() {
            byEndpoint["\(device.config.host):\(device.port)", default: []].append((index, device))
        }
        var changes = 0
        for key in endpoints.keys where byEndpoint[key] == nil {
            endpoints[key]?.poller.stop()
            endpoints[key] = nil
            changes += 1
        }
        let queue = pipeline.queue
        let metrics = self.metrics
        metrics.keep(only: Set(all.map { GatewayMetrics.DeviceKey(station: $0.station.id, device: $0.config.id) }))
        let log = self.log
        for (key, members) in byEndpoint {
            let fingerprint = members.map { EndpointMember(station: $0.1.station, device: $0.1.config, profile: $0.1.profile) }
            if endpoints[key]?.fingerprint == fingerprint { continue }
            endpoints[key]?.poller.stop()
            let shares = members.map { Double($0.0) / Double(max(1, all.count)) }
            let engine = PollingEngine(devices: members.map(\.1), shares: shares, tables: pointTables,
                                       deliver: { queue.push($0); metrics.record($0) },
                                       log: log)
            guard let poller = engine.pollers.first else { continue }
            poller.start()
            endpoints[key] = EndpointGroup(fingerprint: fingerprint, poller: poller)
            changes += 1
        }
        return changes
    }
}
