// The gateway's view of itself, every `interval`: its health lines (outbox
// depth, dropped lines, feed state, pipeline counters), a warning when the
// store cannot keep up with the pollers, the feed-failure alarm (raised while
// the server refuses the feed or rejects every line: lines keep buffering;
// cleared once it accepted a write again), the outbox-overflow watch, and
// the gateway's state row in the store for `pumpgw status`.

import Feed
import Foundation
import Logging
import Store
import Synchronization
import Telemetry

struct GatewayWatch {
    private let gatewayId: String
    private let lines: FeedLines
    private let store: StationStore
    /// The feed sender's status, read without waiting on the sender; nil
    /// when it could not be read (then the feed alarm is left as it is).
    private let feedStatus: @Sendable () -> FeedStatus?
    /// Where the feed goes, for the state row (never a secret).
    private let feedTarget: String
    private let log: Logger
    private var feedFailing: Bool
    private var reportedDrops = 0
    /// Lines the store dropped from the full outbox: logged and alarmed.
    private var overflow: OutboxOverflow

    init(gatewayId: String, lines: FeedLines, store: StationStore,
         feedStatus: @escaping @Sendable () -> FeedStatus?, feedTarget: String, log: Logger) {
        self.gatewayId = gatewayId
        self.lines = lines
        self.store = store
        self.feedStatus = feedStatus
        self.feedTarget = feedTarget
        self.log = log
        // The gateway's own alarms still raised from before a restart are cleared by the same rules.
        let restored = Set(((try? store.read { try $0.activeAlarms() }) ?? []).filter { $0.device == "gateway" }.map(\.rule))
        feedFailing = restored.contains("feedFailure")
        overflow = OutboxOverflow(gatewayId: gatewayId, cap: store.options.outboxMaxLines,
                                  raised: restored.contains("outboxOverflow"), now: Date())
    }

    /// The health lines, and the feed and overflow alarms when their state changed;
    /// then writes the state row.
    mutating func check(now: Date, stats: PipelineStats, queue: ReportQueue, queuedReports: Int,
                        storeFailure: (message: String, time: Date)?) -> (lines: [String], alarms: [AlarmEvent]) {
        let feed = feedStatus()
        let dropped = queue.droppedReports
        if dropped > reportedDrops {
            log.warning("the store cannot keep up: oldest poll reports dropped",
                        ["dropped_reports": String(dropped), "queue_capacity": String(queue.capacity)])
            reportedDrops = dropped
        }
        let health = healthLines(now: now, feed: feed ?? FeedStatus(), stats: stats,
                                 droppedReports: dropped, queuedReports: queuedReports)
        var alarms = [feed.flatMap { feedAlarm($0, now: now) }]
        if let dropped = try? store.read({ try $0.droppedLines() }) {
            alarms.append(overflow.check(droppedTotal: dropped, now: now, log: log))
        }
        saveState(now: now, storeFailure: storeFailure)
        return (health, alarms.compactMap { $0 })
    }

    /// The gateway's state row, for `pumpgw status` (which reads only the store).
    func saveState(now: Date, stopped: Date? = nil, storeFailure: (message: String, time: Date)?) {
        let feed = feedStatus() ?? FeedStatus()
        GatewayStateRow.save(feed, to: store, target: feedTarget, storeFailure: storeFailure, now: now, stopped: stopped)
    }

    /// Cleared only once the server accepted a write again (`ok`): never by an idle or retrying sender.
    private mutating func feedAlarm(_ feed: FeedStatus, now: Date) -> AlarmEvent? {
        let failing = feed.state.isFailing
        guard failing != feedFailing, failing || feed.state == .ok else { return nil }
        feedFailing = failing
        let message = failing
            ? "The central server refuses the feed (\(feed.lastError ?? "no message")); lines wait in the outbox"
            : "The central server accepts the feed again"
        return AlarmEvent(station: gatewayId, device: "gateway", point: "feed", rule: "feedFailure",
                          severity: .major, state: failing ? .raised : .cleared, value: nil, limit: nil,
                          time: now, message: message)
    }

    private func healthLines(now: Date, feed: FeedStatus, stats: PipelineStats, droppedReports: Int,
                             queuedReports: Int) -> [String] {
        let depth = (try? store.read { try $0.outboxDepth() }) ?? -1
        let dropped = (try? store.read { try $0.droppedLines() }) ?? -1
        var out: [String] = []
        let health = GatewayHealth(gateway: gatewayId, time: now, outboxDepth: depth, droppedLines: dropped, feed: feed)
        if let line = lines.gateway(health) { out.append(line) }
        let extra: [(String, FieldValue)] = [
            ("polls", .integer(Int64(stats.reports))),
            ("store_transactions", .integer(Int64(stats.transactions))),
            ("store_ms", .float(stats.transactions > 0 ? stats.storeSeconds / Double(stats.transactions) * 1000 : 0)),
            ("lateness_p99_ms", .float(stats.latenessQuantile(0.99))),
            ("dropped_while_store_failing", .integer(Int64(stats.droppedWhileStoreFailing))),
            ("dropped_reports", .integer(Int64(droppedReports))),
            ("queued_reports", .integer(Int64(queuedReports))),
        ]
        if let line = LineProtocol.line(measurement: "pumpgw_health", tags: ["gateway": gatewayId],
                                        fields: extra, time: now, precision: lines.precision) {
            out.append(line)
        }
        return out
    }
}
