// The gateway's view of itself, every `interval`: its health lines (outbox
// depth, dropped lines, feed state, pipeline counters), a warning when the
// store cannot keep up with the pollers, and the feed-failure alarm: raised
// while the server refuses the feed (401, 403, 404: a configuration problem,
// lines keep buffering), cleared when it accepts again.

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
    private let log: Logger
    private var feedFailing = false
    private var reportedDrops = 0

    init(gatewayId: String, lines: FeedLines, store: StationStore,
         feedStatus: @escaping @Sendable () -> FeedStatus?, log: Logger) {
        self.gatewayId = gatewayId
        self.lines = lines
        self.store = store
        self.feedStatus = feedStatus
        self.log = log
    }

    /// The health lines, and the feed alarm when its state changed.
    mutating func check(now: Date, stats: PipelineStats, queue: ReportQueue, queuedReports: Int)
        -> (lines: [String], alarm: AlarmEvent?) {
        let feed = feedStatus()
        let dropped = queue.droppedReports
        if dropped > reportedDrops {
            log.warning("the store cannot keep up: oldest poll reports dropped",
                        ["dropped_reports": String(dropped), "queue_capacity": String(queue.capacity)])
            reportedDrops = dropped
        }
        let health = healthLines(now: now, feed: feed ?? FeedStatus(), stats: stats,
                                 droppedReports: dropped, queuedReports: queuedReports)
        return (health, feed.flatMap { feedAlarm($0, now: now) })
    }

    private mutating func feedAlarm(_ feed: FeedStatus, now: Date) -> AlarmEvent? {
        let failing = feed.state.isFailing
        guard failing != feedFailing else { return nil }
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
        let depth = (try? store.outboxDepth()) ?? -1
        let dropped = (try? store.droppedLines()) ?? -1
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
