// The outbox-overflow watch (issue 18 item 9): the first drop is logged at
// once and raises the alarm, later drops are counted into one line a minute,
// and the alarm clears after a minute without a drop (also one restored
// from before a restart). Pure logic, fed the store's dropped-lines counter.

import Foundation
@testable import Gateway
import Logging
import Telemetry
import Synchronization
import Testing

@Suite("OutboxOverflow")
struct OutboxOverflowTests {
    final class Lines: Sendable {
        let all = Mutex<[String]>([])
        var log: Logger { Logger(minimum: .debug) { line in self.all.withLock { $0.append(line) } } }
        func take() -> [String] { all.withLock { lines in defer { lines = [] }; return lines } }
    }

    let t0 = Date(timeIntervalSince1970: 1_780_000_000)

    @Test func firstDropAlarmsThenACountAMinuteThenClears() {
        let lines = Lines()
        var watch = OutboxOverflow(gatewayId: "gw", cap: 20)
        // The counter the store kept from before the start is not a new drop.
        #expect(watch.check(droppedTotal: 5, now: t0, log: lines.log) == nil)
        #expect(watch.check(droppedTotal: 5, now: t0 + 10, log: lines.log) == nil)
        #expect(lines.take().isEmpty)
        let raised = watch.check(droppedTotal: 8, now: t0 + 20, log: lines.log)
        #expect(raised?.state == .raised && raised?.rule == "outboxOverflow" && raised?.limit == 20)
        let first = lines.take()
        #expect(first.count == 1 && first[0].contains("level=warn") && first[0].contains("dropped=3"), "\(first)")
        #expect(watch.check(droppedTotal: 12, now: t0 + 30, log: lines.log) == nil)
        #expect(lines.take().isEmpty)   // within the minute: counted, not logged
        #expect(watch.check(droppedTotal: 15, now: t0 + 80, log: lines.log) == nil)
        let minute = lines.take()
        // 4 at +30 and 3 at +80, by hand.
        #expect(minute.count == 1 && minute[0].contains("dropped=7") && minute[0].contains("dropped_total=15"), "\(minute)")
        #expect(watch.check(droppedTotal: 15, now: t0 + 130, log: lines.log) == nil)
        let cleared = watch.check(droppedTotal: 15, now: t0 + 140, log: lines.log)   // 60 s after the last drop
        #expect(cleared?.state == .cleared)
        #expect(lines.take().count == 1)
    }

    @Test func anAlarmRestoredFromBeforeARestartClearsWithoutDrops() {
        let lines = Lines()
        var watch = OutboxOverflow(gatewayId: "gw", cap: 20, raised: true, now: t0)
        #expect(watch.check(droppedTotal: 40, now: t0, log: lines.log) == nil)
        #expect(watch.check(droppedTotal: 40, now: t0 + 30, log: lines.log) == nil)
        #expect(watch.check(droppedTotal: 40, now: t0 + 60, log: lines.log)?.state == .cleared)
    }
}
