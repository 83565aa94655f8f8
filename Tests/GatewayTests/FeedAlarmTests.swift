// The feed-failure alarm as the pipeline's GatewayWatch raises and clears it
// (issue 13): a status that is slow or unknown (nil), idle or merely
// retrying never clears a raised alarm; only a server that accepted a write
// again (`ok`) does. And the state row `pumpgw status` reads is written at
// each check. A real SQLite store in a temporary folder.

import Feed
import Foundation
@testable import Gateway
import Logging
import Store
import Synchronization
import Telemetry
import Testing

@Suite("feed alarm")
struct FeedAlarmTests {
    @Test func onlyAnAcceptingServerClearsTheFeedAlarm() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("feed-alarm-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try StationStore(path: folder.appendingPathComponent("gw.db").path)
        defer { store.close() }
        let current = Mutex<FeedStatus?>(nil)
        var watch = GatewayWatch(gatewayId: "gw", lines: FeedLines(), store: store,
                                 feedStatus: { current.withLock { $0 } }, feedTarget: "http://127.0.0.1:9/write",
                                 log: .discarding)
        let queue = ReportQueue(capacity: 10)
        var t = Date(timeIntervalSince1970: 1_780_000_000)
        func feedAlarms(_ status: FeedStatus?) -> [AlarmState] {
            current.withLock { $0 = status }
            t += 10
            return watch.check(now: t, stats: PipelineStats(), queue: queue, queuedReports: 0, storeFailure: nil)
                .alarms.filter { $0.rule == "feedFailure" }.map(\.state)
        }
        func status(_ state: FeedState) -> FeedStatus {
            var status = FeedStatus()
            status.state = state
            return status
        }
        #expect(feedAlarms(status(.failing("HTTP 401: unauthorized"))) == [.raised])
        #expect(try store.read { try $0.gatewayState() }?.feedState == "failing")
        // The sender did not answer in time, has not tried yet, or fails for a passing reason: no clear.
        #expect(feedAlarms(nil).isEmpty)
        #expect(feedAlarms(FeedStatus()).isEmpty)
        #expect(feedAlarms(status(.retrying("connection refused"))).isEmpty)
        #expect(feedAlarms(status(.failing("HTTP 401: unauthorized"))).isEmpty)   // still raised: no second event
        #expect(feedAlarms(status(.ok)) == [.cleared])
        #expect(try store.read { try $0.gatewayState() }?.feedState == "ok")
    }
}
