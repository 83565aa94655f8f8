// The gateway's own window: the HTTP server and what it serves. Every
// answer is built on the server's thread from snapshots (the metrics
// collector, the pipeline's counters) and from a read-only SQLite
// connection of its own: WAL readers never wait for the writer nor hold it
// up, so no client can delay a poll or a store write.

import Feed
import Foundation
import Telemetry
import HTTPServer
import Profiles
import Rules
import Store
import Synchronization

final class GatewayWindow: Sendable {
    struct Sources: Sendable {
        var metrics: GatewayMetrics
        var pipelineStats: @Sendable () -> PipelineStats
        var feedStatus: @Sendable () -> FeedStatus?
        var statusJSON: StatusJSON?
        var storePath: String
    }

    let server: HTTPServer
    private let sources: Sources
    private let config: Mutex<LoadedConfig>
    /// Opened on first use (the writer creates the file first) and kept.
    private let reader = Mutex<StationStore?>(nil)
    /// The boosts table in the same file (for `pumpgw_boost_active`), opened on first use.
    private let boostTable = Mutex<BoostTable?>(nil)

    /// Binds the listener now: an address in use fails here, at start-up.
    init(address: ListenAddress, config: LoadedConfig, sources: Sources) throws(HTTPServerError) {
        self.sources = sources
        self.config = Mutex(config)
        let routes = Routes()
        var options = HTTPServer.Options()
        options.postPaths = ["/api/boost"]
        server = try HTTPServer(address: address, options: options) { request in routes.window?.answer(request) ?? HTTPResponse(status: 503) }
        routes.window = self
    }

    func start() { server.start() }

    func stop() {
        server.stop()
        reader.withLock { $0?.close(); $0 = nil }
        boostTable.withLock { $0 = nil }
    }

    func update(_ newConfig: LoadedConfig) { config.withLock { $0 = newConfig } }

    /// The one place requests are routed.
    func answer(_ request: HTTPRequest) -> HTTPResponse {
        let now = Date()
        switch request.path {
        case "/metrics":
            return HTTPResponse(status: 200, contentType: PrometheusText.contentType, text: PrometheusText.render(metricFamilies(now: now)))
        case "/healthz":
            return Self.health(sources.pipelineStats(), now: now)
        case "/":
            return withStore { store in try page(store, selected: request.parameter("station"), now: now) }
        case "/api/status":
            guard let statusJSON = sources.statusJSON else { return .jsonError(503, "the status document is not available here") }
            return withStore { store in
                HTTPResponse(status: 200, contentType: "application/json", text: try statusJSON(store, now) + "\n")
            }
        case "/api/alarms":
            guard request.parameter("active") ?? "1" == "1" else {
                return .jsonError(400, "only active alarms are served: use /api/alarms?active=1")
            }
            return withStore { store in
                HTTPResponse(status: 200, contentType: "application/json",
                             text: StatusDocument.alarmsJSON(try store.read { try $0.activeAlarms() }, now: now) + "\n")
            }
        case "/api/boost":
            return BoostAPI.respond(request, config: config.withLock { $0 }, storePath: sources.storePath,
                                    loopback: server.address.isLoopback, now: now)
        case "/api/history":
            let current = config.withLock { $0 }
            return withStore { store in HistoryAPI.respond(request, config: current, store: store, now: now) }
        default:
            if request.path.hasPrefix("/api/") { return .jsonError(404, "no such endpoint: \(request.path)") }
            return HTTPResponse(status: 404, text: "no such page: \(request.path)\n")
        }
    }

    /// 200 while the pipeline turns and the store accepts writes, else 503 with the reason.
    static func health(_ stats: PipelineStats, now: Date) -> HTTPResponse {
        var problems: [String] = []
        if let turn = stats.lastTurn {
            let idle = now.timeIntervalSince(turn)
            if idle > 10 { problems.append("the pipeline has not turned for \(Int(idle)) s") }
        } else {
            problems.append("the pipeline has not started")
        }
        if stats.storeFailing { problems.append("the store refuses writes") }
        guard problems.isEmpty else { return HTTPResponse(status: 503, text: problems.joined(separator: "; ") + "\n") }
        return HTTPResponse(status: 200, text: "ok\n")
    }

    func metricFamilies(now: Date) -> [MetricFamily] {
        let families = sources.metrics.families()
        let store = try? openReader()
        var active = MetricFamily("pumpgw_alarms_active", .gauge, help: "Active alarms by severity.")
        let alarms = (try? store?.read { try $0.activeAlarms() }) ?? []
        for severity in Severity.allCases {
            active.add(Double(alarms.filter { $0.severity == severity }.count), [("severity", severity.rawValue)])
        }
        var lines = MetricFamily("pumpgw_outbox_lines", .gauge, help: "Feed lines waiting in the outbox.")
        var oldest = MetricFamily("pumpgw_outbox_oldest_age_seconds", .gauge,
                                  help: "Age of the oldest line in the outbox; 0 when it is empty.")
        if let store, let depth = try? store.read({ try $0.outboxDepth() }) {
            lines.add(Double(depth))
            let first = (try? store.read { try $0.outboxPeek(maxLines: 1, maxBytes: 1 << 20) })?.first
            oldest.add(first.map { max(0, (now.timeIntervalSince($0.created) * 1000).rounded() / 1000) } ?? 0)
        }
        let feed = sources.feedStatus()
        var feedSuccess = MetricFamily("pumpgw_feed_last_success_timestamp_seconds", .gauge,
                                       help: "When the central server last acknowledged a write (Unix time); absent until it has.")
        if let success = feed?.lastSuccess { feedSuccess.add((success.timeIntervalSince1970 * 1000).rounded() / 1000) }
        var dead = MetricFamily("pumpgw_feed_dead_letters_total", .counter,
                                help: "Feed lines the server refused for good, moved to the dead-letter table since start.")
        dead.add(Double(feed?.deadLettered ?? 0))
        var bytes = MetricFamily("pumpgw_store_bytes", .gauge, help: "Size of the SQLite store with its WAL.")
        bytes.add(Double(storeBytes()))
        return families + [active, lines, oldest, feedSuccess, dead, bytes, boostFamily(now: now)] + ProcessMetrics.families()
    }

    /// 1 for each configured station with an active boost (of it or one of its devices), else 0.
    func boostFamily(now: Date) -> MetricFamily {
        var family = MetricFamily("pumpgw_boost_active", .gauge,
                                  help: "1 while the station or one of its devices is boosted to intensive polling.")
        let boosted = Set(((try? openBoosts().active(at: now)) ?? []).map(\.station))
        let stations = config.withLock { $0.config.stations.map(\.id) }
        for station in stations { family.add(boosted.contains(station) ? 1 : 0, [("station", station)]) }
        return family
    }

    func openBoosts() throws -> BoostTable {
        try boostTable.withLock { table in
            if let table { return table }
            let opened = try BoostTable(path: sources.storePath, readOnly: true)
            table = opened
            return opened
        }
    }

    func page(_ store: StationStore, selected: String?, now: Date) throws -> HTTPResponse {
        let current = config.withLock { $0 }
        let layout = Page.layout(try store.read { try $0.status() }, selected: selected)
        if let selected, layout.full.isEmpty { return HTTPResponse(status: 404, text: "no station \(selected)\n") }
        // Trends only for the full cards: three short history reads per station.
        var trends: [String: [TrendSeries]] = [:]
        for station in layout.full {
            for device in station.devices {
                for name in Page.keyPoints {
                    guard let point = device.points.first(where: { $0.name == name }) else { continue }
                    let samples = (try? store.read { try $0.history(station: station.station, device: device.device, point: name,
                                                                    since: now.addingTimeInterval(-3600), limit: 20_000) }) ?? []
                    let label = station.devices.count > 1 ? "\(device.device) \(name)" : name
                    trends[station.station, default: []].append(TrendSeries(label: label, unit: point.unit ?? "", samples: samples))
                }
            }
        }
        let depth = try? store.read { try $0.outboxDepth() }
        let oldest = (try? store.read { try $0.outboxPeek(maxLines: 1, maxBytes: 1 << 20) })?.first?.created
        let input = Page.Input(gatewayId: current.config.gateway.id, layout: layout, config: current, trends: trends,
                               outboxLines: depth, outboxOldest: oldest, feed: sources.feedStatus(), now: now)
        return HTTPResponse(status: 200, contentType: "text/html; charset=utf-8", text: Page.html(input),
                            headers: [("Cache-Control", "no-store")])
    }

    func withStore(_ body: (StationStore) throws -> HTTPResponse) -> HTTPResponse {
        do {
            return try body(try openReader())
        } catch {
            return .jsonError(503, "the store cannot be read: \(error)")
        }
    }

    func openReader() throws -> StationStore {
        try reader.withLock { reader in
            if let reader { return reader }
            let opened = try StationStore.openForReading(path: sources.storePath)
            reader = opened
            return opened
        }
    }

    func storeBytes() -> Int64 {
        ["", "-wal", "-shm"].reduce(Int64(0)) { total, suffix in
            let size = (try? FileManager.default.attributesOfItem(atPath: sources.storePath + suffix)[.size] as? NSNumber)?.int64Value
            return total + (size ?? 0)
        }
    }

    /// Lets the handler closure reach the window it belongs to without a
    /// cycle at init. @unchecked Sendable: set once, before the server starts.
    private final class Routes: @unchecked Sendable {
        weak var window: GatewayWindow?
    }
}
