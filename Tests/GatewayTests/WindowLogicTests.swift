// The window's pure parts on hand-made inputs: history queries and their
// buckets, the trend's runs, and how the page shows bad and stale values.
// Every expected value is worked out by hand in the comments.

import Decoding
import Foundation
@testable import Gateway
import HTTPServer
@testable import Store
import Rules
import Telemetry
import Testing

struct WindowLogicTests {
    static func sample(_ seconds: Double, _ value: Double?, _ quality: Quality = .good) -> HistorySample {
        HistorySample(time: Date(timeIntervalSince1970: seconds), value: value.map(Value.double), quality: quality)
    }

    @Test func bucketsTakeGoodValuesOnly() {
        let samples = [Self.sample(0, 0.40), Self.sample(5, 0.50), Self.sample(9.9, nil, .error("timed out")),
                       Self.sample(10, 0.20), Self.sample(25, 0.30), Self.sample(26, 7, .invalid("sentinel"))]
        let buckets = HistoryAPI.buckets(samples, every: 10)
        // [0,10): 0.40 and 0.50 -> min 0.40, max 0.50, mean 0.45; [10,20): 0.20; [20,30): 0.30 (7 is invalid).
        #expect(buckets.map(\.start.timeIntervalSince1970) == [0, 10, 20])
        #expect(buckets.map(\.count) == [2, 1, 1])
        #expect(buckets.map(\.min) == [0.40, 0.20, 0.30])
        #expect(buckets.map(\.max) == [0.50, 0.20, 0.30])
        #expect(abs(buckets[0].mean - 0.45) < 1e-12)
    }

    static func request(_ query: String, accept: String? = nil) -> HTTPRequest {
        guard case .request(let request, _) = HTTPRequestParser().parse(Array(
            "GET /api/history?\(query) HTTP/1.1\r\nHost: x\r\n\(accept.map { "Accept: \($0)\r\n" } ?? "")\r\n".utf8))
        else { fatalError("test request does not parse") }
        return request
    }

    @Test(arguments: [
        ("since=1h", "give point="),                                        // no point
        ("point=FT-0412/ctrl1", "STATION/DEVICE/POINT"),                    // two parts
        ("point=FT-0412//flow", "STATION/DEVICE/POINT"),                    // an empty part
        ("point=a/b/c&since=40d", "since must be"),                         // beyond 31 days
        ("point=a/b/c&since=soon", "since must be"),
        ("point=a/b/c&every=500ms", "every must be"),                       // under a second
        ("point=a/b/c&since=2d&every=1s", "more than 10000 buckets"),       // 172,800 buckets
    ])
    func badQueriesSayWhy(_ query: String, _ message: String) {
        guard case .failure(let error) = HistoryAPI.query(Self.request(query)) else { Issue.record("accepted \(query)"); return }
        #expect(error.status == 400)
        #expect(error.message.contains(message), "\(error.message)")
    }

    @Test func goodQuery() throws {
        let query = try HistoryAPI.query(Self.request("point=FT-0412%2Fctrl1%2Foutlet_pressure&since=6h&every=5m",
                                                      accept: "text/csv, */*;q=0.1")).get()
        #expect(query == HistoryAPI.Query(station: "FT-0412", device: "ctrl1", point: "outlet_pressure",
                                          since: 6 * 3600, every: 300, csv: true))
        // The defaults: the last hour, raw samples, JSON.
        let plain = try HistoryAPI.query(Self.request("point=a/b/c")).get()
        #expect(plain.since == 3600 && plain.every == nil && !plain.csv)
    }

    @Test func trendBreaksAtBadValues() {
        // Step 15 s: 0 and 10 share the bucket [0,15) -> one vertex, mean 0.5 at 7.5 s;
        // the bad sample at 20 ends the run; 40 starts a new one in [30,45) at 37.5 s.
        let runs = TrendChart.line([Self.sample(0, 0.4), Self.sample(10, 0.6), Self.sample(20, nil, .error("reset")),
                                    Self.sample(40, 0.3)], step: 15)
        #expect(runs.count == 2)
        #expect(runs[0].count == 1 && abs(runs[0][0].value - 0.5) < 1e-12 && runs[0][0].time.timeIntervalSince1970 == 7.5)
        #expect(runs[1].count == 1 && runs[1][0].value == 0.3 && runs[1][0].time.timeIntervalSince1970 == 37.5)
        #expect(TrendChart.svg([TrendSeries(label: "p", unit: "MPa", samples: [Self.sample(0, nil, .error("x"))])],
                               start: Date(timeIntervalSince1970: 0), end: Date(timeIntervalSince1970: 3600)) == nil)
    }

    @Test func pageShowsBadAndStaleValuesAsSuch() {
        let now = Date(timeIntervalSince1970: 1000)
        let device = DeviceStatus(station: "S", device: "D", profile: "p", health: nil, points: [
            PointStatus(name: "fresh", unit: "MPa", value: .double(0.45), quality: .good, time: now.addingTimeInterval(-1)),
            PointStatus(name: "old", unit: "MPa", value: .double(0.47), quality: .good, time: now.addingTimeInterval(-60)),
            PointStatus(name: "broken", unit: "m3/h", value: nil, quality: .error("timed out"), time: now),
        ], activeAlarms: [])
        // Interval 1 s: stale after max(10, 3 x 1) = 10 s, so the 60 s old value is stale.
        let html = Page.deviceBlock(device, interval: 1, now: now)
        #expect(html.contains("<td>fresh</td><td class=\"v\">0.45</td>"))
        #expect(html.contains("<td>old</td><td class=\"v stale\">—</td><td class=\"u\">MPa</td><td class=\"q stale\">stale 60s</td>"))
        #expect(html.contains("<td>broken</td><td class=\"v bad\">—</td>"))
        #expect(html.contains("title=\"error: timed out\">error</td>"))
        #expect(!html.contains("0.47"), "a stale value is never shown as a number")
        #expect(Page.escape("<b onclick=\"x\">&'") == "&lt;b onclick=&quot;x&quot;&gt;&amp;&#39;")
    }

    @Test func largeGatewaysGetALightPage() {
        func station(_ index: Int, alarm: Bool = false, points: Int = 0) -> StationStatus {
            let event = AlarmEvent(station: "S\(index)", device: "D", point: "p", rule: "low", severity: .major, state: .raised,
                                   value: nil, limit: nil, time: Date(timeIntervalSince1970: 0), message: "m")
            return StationStatus(station: "S\(index)", tags: [:], devices: [
                DeviceStatus(station: "S\(index)", device: "D", profile: "p", health: nil,
                             points: (0..<points).map { PointStatus(name: "p\($0)", unit: nil, value: nil, quality: .good, time: nil) },
                             activeAlarms: alarm ? [event] : [])])
        }
        // 12 stations: all full.
        #expect(Page.layout((0..<12).map { station($0) }, selected: nil).full.count == 12)
        // 5 stations of 100 points (500) still full; 101 points more than 500: compact.
        #expect(Page.layout((0..<5).map { station($0, points: 100) }, selected: nil).full.count == 5)
        let heavy = Page.layout((0..<4).map { station($0, points: 100) } + [station(4, points: 101)], selected: nil)
        #expect(heavy.full.isEmpty && heavy.compact.count == 5)
        // 100 stations, S99 in alarm: 60 compact cards with S99 first, then 40 links (S59...S98).
        let many = Page.layout((0..<99).map { station($0) } + [station(99, alarm: true)], selected: nil)
        #expect(many.full.isEmpty)
        #expect(many.compact.count == 60 && many.compact.first?.station == "S99")
        #expect(many.others.count == 40 && many.others.first == "S59" && many.others.last == "S98")
        // ?station=S7: that one in full.
        #expect(Page.layout((0..<100).map { station($0) }, selected: "S7").full.map(\.station) == ["S7"])
    }

    @Test func healthSaysWhy() {
        let now = Date(timeIntervalSince1970: 1000)
        var stats = PipelineStats()
        // Never turned: 503.
        #expect(GatewayWindow.health(stats, now: now).status == 503)
        // Turned 2 s ago, store fine: 200 "ok".
        stats.lastTurn = now.addingTimeInterval(-2)
        let fine = GatewayWindow.health(stats, now: now)
        #expect(fine.status == 200 && String(decoding: fine.body, as: UTF8.self) == "ok\n")
        // Store refusing writes: 503 with the reason.
        stats.storeFailing = true
        let failing = GatewayWindow.health(stats, now: now)
        #expect(failing.status == 503 && String(decoding: failing.body, as: UTF8.self) == "the store refuses writes\n")
        // Stuck for 30 s (the loop turns at least every 0.5 s): 503.
        stats.storeFailing = false
        stats.lastTurn = now.addingTimeInterval(-30)
        #expect(String(decoding: GatewayWindow.health(stats, now: now).body, as: UTF8.self) == "the pipeline has not turned for 30 s\n")
    }
}
