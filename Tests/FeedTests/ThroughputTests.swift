// How fast lines are encoded: a 48-point station line per sample, printed as
// lines/s (measure in release: swift test -c release -Xswiftc -enable-testing
// --filter FeedTests.ThroughputTests).

import Foundation
import Testing
@testable import Feed
import Decoding
import Telemetry

@Suite struct ThroughputTests {
    @Test func stationLinesPerSecond() {
        let identity = DeviceIdentity(station: "福田区泵房 FT-0412", device: "ctrl1", profile: "grundfos-hydro-mpc-cim500",
                                      tags: ["district": "futian", "estate": "block 12"])
        let points = (0..<48).map { index -> PointSample in
            switch index % 4 {
            case 0: return PointSample(name: "point_\(index)", reading: .good(.double(0.4531 + Double(index))))
            case 1: return PointSample(name: "point_\(index)", reading: .good(.integer(Int64(index) * 1000)))
            case 2: return PointSample(name: "point_\(index)", reading: .good(.bool(index % 8 == 2)))
            default: return PointSample(name: "point_\(index)", reading: .good(.string("auto")))
            }
        }
        let lines = FeedLines()
        let count = 5_000
        let started = Date()
        var bytes = 0
        for index in 0..<count {
            let sample = DeviceSample(identity: identity, time: Date(timeIntervalSince1970: 1_764_115_200 + Double(index)),
                                      points: points)
            bytes += lines.station(sample)?.utf8.count ?? 0
        }
        let seconds = Date().timeIntervalSince(started)
        print("feed encoding: \(count) station lines of 48 points (\(bytes / count) bytes each) in "
              + "\(String(format: "%.3f", seconds)) s = \(Int(Double(count) / seconds)) lines/s")
        #expect(bytes > count * 700)
    }
}
