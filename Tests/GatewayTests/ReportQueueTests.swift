// The hand-over queue from pollers to the pipeline: bounded, the oldest
// reports dropped and counted when it overflows (its push is O(1) then).

import Foundation
import Testing
import Telemetry
@testable import Gateway

private func report(_ number: Int) -> PollReport {
    let identity = DeviceIdentity(station: "S", device: "d\(number)", profile: "p")
    let time = Date(timeIntervalSince1970: Double(number))
    return PollReport(sample: DeviceSample(identity: identity, time: time, points: []),
                      health: DeviceHealth(identity: identity, time: time, connected: true, pollMilliseconds: 1, errors: 0,
                                           consecutiveFailures: 0, lastGoodPoll: time, lastError: nil),
                      lateness: 0, skippedCycles: 0, splitBlocks: [])
}

@Suite struct ReportQueueTests {
    @Test("an overflowing queue keeps the newest reports, in order, and counts the dropped ones")
    func overflowKeepsNewest() {
        let queue = ReportQueue(capacity: 3)
        // 10 pushes into 3 places: 1...7 dropped, 8, 9, 10 kept (by hand).
        for number in 1...10 { queue.push(report(number)) }
        #expect(queue.takeAll(waitingAtMost: .milliseconds(0)).map(\.sample.identity.device) == ["d8", "d9", "d10"])
        #expect(queue.droppedReports == 7)
        // After a take the queue starts empty again and fills in order.
        for number in 11...12 { queue.push(report(number)) }
        #expect(queue.takeAll(waitingAtMost: .milliseconds(0)).map(\.sample.identity.device) == ["d11", "d12"])
        #expect(queue.droppedReports == 7)
    }
}
