// End to end against VictoriaMetrics (Debian's victoria-metrics, started
// here): the same lines over HTTP /write and over raw TCP, read back with
// /api/v1/export and compared value by value.

import Foundation
import Logging
import Testing
@testable import Feed
import Decoding
import Profiles
import Telemetry

@Suite(.serialized, .timeLimit(.minutes(2))) struct VictoriaMetricsTests {
    /// Samples from ten minutes ago on, 1 s apart (VictoriaMetrics keeps only recent-enough data).
    func samples(station: String, count: Int) -> (lines: [String], start: Int64) {
        let start = (Int64(Date().timeIntervalSince1970) - 600) * 1000
        let identity = DeviceIdentity(station: station, device: "ctrl1", profile: "booster", tags: ["district": "福田"])
        var lines: [String] = []
        for index in 0..<count {
            let time = Date(timeIntervalSince1970: Double(start) / 1000 + Double(index))
            let points = [
                PointSample(name: "outlet_pressure", reading: .good(.double(0.4 + Double(index) / 1000))),
                PointSample(name: "run_hours", reading: .good(.integer(Int64(index)))),
                PointSample(name: "pump1_running", reading: .good(.bool(index % 2 == 0))),
                PointSample(name: "mode", reading: .good(.string("auto"))),
            ]
            if let line = FeedLines().station(DeviceSample(identity: identity, time: time, points: points)) {
                lines.append(line)
            }
        }
        return (lines, start)
    }

    /// Polls the export until `metric` of `station` has `count` samples, then checks every one.
    func check(_ victoria: VictoriaMetrics, station: String, count: Int, start: Int64) async throws {
        let deadline = Date().addingTimeInterval(20)
        var series: [VictoriaMetrics.Series] = []
        while Date() < deadline {
            series = try await victoria.export(#"{__name__=~"pump_station_.*",station="\#(station)"}"#)
            if series.count == 4 && series.allSatisfy({ $0.values.count == count }) { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        let byName = Dictionary(series.map { ($0.metric["__name__"] ?? "", $0) }, uniquingKeysWith: { first, _ in first })
        #expect(byName.keys.sorted() == ["pump_station_mode", "pump_station_outlet_pressure", "pump_station_pump1_running",
                                         "pump_station_run_hours"])
        // VictoriaMetrics keeps no strings: an enum label (string field) arrives as 0.
        #expect(byName["pump_station_mode"]?.values == Array(repeating: 0, count: count))
        let pressure = try #require(byName["pump_station_outlet_pressure"])
        #expect(pressure.metric["district"] == "福田" && pressure.metric["device"] == "ctrl1")
        #expect(pressure.timestamps == (0..<count).map { start + Int64($0) * 1000 })
        for (index, value) in pressure.values.enumerated() {
            #expect(abs(value - (0.4 + Double(index) / 1000)) < 1e-12, "sample \(index): \(value)")
        }
        #expect(byName["pump_station_run_hours"]?.values == (0..<count).map(Double.init))
        #expect(byName["pump_station_pump1_running"]?.values == (0..<count).map { $0 % 2 == 0 ? 1 : 0 })
    }

    @Test func httpWriteAndTCPWriteReadBack() async throws {
        let victoria = try VictoriaMetrics()
        defer { victoria.stop() }
        try await victoria.start()

        let http = samples(station: "福田区泵房 A,1", count: 120)
        let httpFeed = FeedSender(outbox: MemoryOutbox(http.lines),
                                  sink: try FeedSinks.make(FeedSection(url: victoria.base + "/write")),
                                  options: .init(maxLines: 50), log: .discarding)
        #expect(try await httpFeed.flush())
        #expect(await httpFeed.status.sentBatches == 3)
        try await check(victoria, station: "福田区泵房 A,1", count: 120, start: http.start)

        let tcp = samples(station: "FT-0412", count: 80)
        let tcpFeed = FeedSender(outbox: MemoryOutbox(tcp.lines),
                                 sink: try FeedSinks.make(FeedSection(url: "tcp://127.0.0.1:\(victoria.tcpPort)")),
                                 options: .init(maxLines: 30), log: .discarding)
        #expect(try await tcpFeed.flush())
        try await check(victoria, station: "FT-0412", count: 80, start: tcp.start)
    }
}
