// During a boost the store keeps every sample (DeviceSample.keepsEverySample)
// instead of history by exception; and the boosts table beside the writer.

import Foundation
import Testing
@testable import Store
import Telemetry

@Suite("boosts in the store")
struct BoostStoreTests {
    let folder: TempFolder
    let clock = TestClock()
    init() throws { folder = try TempFolder() }

    @Test("an unchanged value is stored once by exception, every time while boosted")
    func keepsEverySample() throws {
        let store = try StationStore(path: folder.path("every.db"), options: clock.options())
        defer { store.close() }
        let t = clock.now
        // Five polls 200 ms apart of the same 0.45: by exception only the first is history.
        let plain = (0..<5).map { sample(at: t + Double($0) * 0.2, [("outlet_pressure", .good(.double(0.45)))]) }
        #expect(try plain.map { poll in try store.write { try $0.write(StoreBatch(samples: [poll])) }.historyRows } == [1, 0, 0, 0, 0])
        // The same five while boosted: every one.
        let boosted = (5..<10).map { index in
            var boosted = sample(at: t + Double(index) * 0.2, [("outlet_pressure", .good(.double(0.45)))])
            boosted.keepsEverySample = true
            return boosted
        }
        #expect(try boosted.map { poll in try store.write { try $0.write(StoreBatch(samples: [poll])) }.historyRows } == [1, 1, 1, 1, 1])
    }

    @Test("the boosts table beside the open writer: add, list, cancel, events")
    func table() throws {
        let path = folder.path("boosts.db")
        let store = try StationStore(path: path, options: clock.options())
        defer { store.close() }
        let table = try BoostTable(path: path)
        let t = clock.now
        let station = try table.add(BoostRecord(station: "FT-0412", device: nil, intervalMilliseconds: 500, created: t,
                                                until: t + 3600, reason: "complaint", source: "cli"))
        _ = try table.add(BoostRecord(station: "FT-0412", device: "booster", intervalMilliseconds: 200, created: t,
                                      until: t + 60, reason: "", source: "cli"))
        #expect(try table.active(at: t + 30).map(\.intervalMilliseconds) == [500, 200])
        // At +60 the device's has ended by itself.
        #expect(try table.active(at: t + 60).map(\.id) == [station])
        // Cancelling the device's leaves the station's.
        _ = try table.add(BoostRecord(station: "FT-0412", device: "booster", intervalMilliseconds: 100, created: t,
                                      until: t + 600, reason: "", source: "cli"))
        #expect(try table.cancel(station: "FT-0412", device: "booster", at: t + 61) == 1)
        #expect(try table.active(at: t + 62).map(\.id) == [station])
        let event = BoostEventRecord(time: t, state: "started", station: "FT-0412", device: "booster", intervalMilliseconds: 200,
                                     until: t + 60, reason: "r", source: "cli")
        try table.record([event])
        #expect(try table.events(since: t) == [event])
        #expect(try store.read { try $0.integrityCheck() } == ["ok"])
    }
}
