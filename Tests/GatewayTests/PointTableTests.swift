// A poll's decoding from the per-device table: each point read at its place
// in its block (address base, gaps, several points in one word), names and
// units carried over, a failed block marking only its own points.

import Decoding
@testable import Gateway
import Profiles
import Testing
import Telemetry

@Suite("PointTable")
struct PointTableTests {
    // addressBase 1: register 11 is PDU address 10.
    let profile = DeviceProfile(profile: "t", addressBase: 1, order: .CDAB, points: [
        Point(name: "pressure", register: .holding, address: 11, type: .uint16, scale: 0.001, unit: "MPa", invalid: 65535),
        Point(name: "flow", register: .holding, address: 14, type: .float32, unit: "m3/h"),
        Point(name: "running", register: .holding, address: 16, type: .bits, bit: 1),
        Point(name: "fault", register: .holding, address: 16, type: .bits, bit: 2),
        Point(name: "mode", register: .input, address: 1, type: .enum, values: ["0": "auto", "1": "manual"]),
        Point(name: "alarm", register: .coil, address: 3, type: .bool),
    ])

    @Test("points are decoded at their place in their block, with their names and units")
    func decodesInPlace() {
        let table = PointTable(profile: profile)
        var samples = table.unread
        // Holding 10...15: pressure at 10, a hole, flow (-12.5 in CDAB) at 13-14, bits at 15.
        table.decode(ReadBlock(table: .holding, start: 10, count: 6, pointIndexes: [0, 1, 2, 3]),
                     .registers([453, 0xFFFF, 0xFFFF, 0x0000, 0xC148, 0b0010]), into: &samples)
        table.decode(ReadBlock(table: .coil, start: 1, count: 2, pointIndexes: [5]), .bits([false, true]), into: &samples)
        #expect(samples.map(\.name) == ["pressure", "flow", "running", "fault", "mode", "alarm"])
        #expect(samples[0] == PointSample(name: "pressure", unit: "MPa", reading: .good(.double(0.453))))
        #expect(samples[1] == PointSample(name: "flow", unit: "m3/h", reading: .good(.double(-12.5))))
        #expect(samples[2].reading == .good(.bool(true)))
        #expect(samples[3].reading == .good(.bool(false)))
        #expect(samples[4].reading == .error("not read"))
        #expect(samples[5].reading == .good(.bool(true)))
    }

    @Test("a failed block marks its own points with the error")
    func failedBlock() {
        let table = PointTable(profile: profile)
        var samples = table.unread
        let failure = BlockResult.failed(.exception(.illegalDataAddress))
        guard case .failed(let error) = failure else { return }
        table.decode(ReadBlock(table: .input, start: 0, count: 1, pointIndexes: [4]), failure, into: &samples)
        table.decode(ReadBlock(table: .holding, start: 10, count: 1, pointIndexes: [0]), .registers([0xFFFF]), into: &samples)
        #expect(samples[4].reading == .error(error.description))
        #expect(error.description.contains("illegal data address"))
        #expect(samples[0].reading == .invalid("not available (raw value 65535)"))
        #expect(samples[1].reading == .error("not read"))
    }
}
