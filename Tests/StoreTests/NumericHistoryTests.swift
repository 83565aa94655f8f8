// StoreEngine.forEachNumber, the streamed read of `report pressure`, over
// compacted chunks and the head frames of a real store.

import Foundation
import Testing
@testable import Store
import Telemetry

@Suite("numbers streamed from history")
struct NumericHistoryTests {
    let folder: TempFolder
    let clock = TestClock()
    init() throws { folder = try TempFolder() }

    @Test("chunks then head, in time order, from `since` on; bad samples left out")
    func chunksAndHead() throws {
        let store = try StationStore(path: folder.path("numbers.db"), options: clock.options())
        defer { store.close() }
        let t0 = clock.now
        // 720 polls 10 s apart (2 h), every one kept; value 0.400 + (i mod 10) × 0.001; poll 100 has an error.
        for index in 0..<720 {
            let reading: Reading = index == 100 ? .error("timed out") : .good(.double(0.4 + Double(index % 10) / 1000))
            var poll = sample(at: t0 + Double(index) * 10, [("outlet_pressure", reading)])
            poll.keepsEverySample = true
            try store.write { try $0.write(StoreBatch(samples: [poll])) }
        }
        let report = try store.compactNow()
        #expect(report.chunks >= 2, "at least two 30 min windows compacted, the rest left in the head")
        var times: [Int64] = [], sum = 0.0
        let count = try store.read { engine in
            try engine.forEachNumber(station: pumpRoom.station, device: pumpRoom.device, point: "outlet_pressure",
                                     since: t0 + 1800) { time, value in
                times.append(time)
                sum += value
            }
        }
        // From poll 180 on: 540 polls, each digit 0-9 54 times: 540 × 0.4 + 54 × 0.045 = 218.43.
        #expect(count == 540 && times.count == 540)
        #expect(abs(sum - 218.43) < 1e-9)
        #expect(times.first == Int64((t0 + 1800).timeIntervalSince1970 * 1000))
        #expect(times.last == Int64((t0 + 7190).timeIntervalSince1970 * 1000))
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 < $1 })
        // From the start: 719 (poll 100 failed); the digit 0 of poll 100 is missing: 719 × 0.4 + 72 × 45 / 1000 = 290.84.
        var all = 0.0
        let total = try store.read { engine in
            try engine.forEachNumber(station: pumpRoom.station, device: pumpRoom.device, point: "outlet_pressure", since: t0) { all += $1 }
        }
        #expect(total == 719 && abs(all - 290.84) < 1e-9)
    }
}
