// The statistics of `report pressure`, worked by hand.

import Foundation
@testable import Gateway
import Testing

@Suite("PressureStatistics")
struct PressureStatisticsTests {
    static let t0 = ISO8601DateFormatter().date(from: "2026-12-05T10:00:00Z")!

    @Test("hour and day buckets, excursions below 0.30 and the longest")
    func buckets() throws {
        var statistics = PressureStatistics(low: 0.30, timeZone: TimeZone(identifier: "UTC")!)
        let samples: [(TimeInterval, Double)] = [(0, 0.40), (10, 0.28), (20, 0.25), (30, 0.35), (40, 0.29), (50, 0.31),
                                                 (3600, 0.40), (3630, 0.40)]
        for (offset, value) in samples { statistics.add(value, at: Self.t0 + offset) }
        statistics.finish(at: Self.t0 + 3630)

        #expect(statistics.hours.count == 2)
        let ten = statistics.hours[0]
        // Six values, sum 1.88: mean 0.313333; squared deviations sum to 0.0145333,
        // / 6 = 0.00242222, root 0.0492161.
        #expect(ten.count == 6 && ten.min == 0.25 && ten.max == 0.40)
        #expect(abs(ten.peakToPeak - 0.15) < 1e-12)
        #expect(abs(ten.mean - 0.313333) < 1e-6)
        #expect(abs(ten.standardDeviation - 0.0492161) < 1e-6)
        // Below at :10 back at :30 (20 s), below at :40 back at :50 (10 s).
        #expect(ten.excursions == 2 && ten.longestExcursion == 20)
        let eleven = statistics.hours[1]
        #expect(eleven.count == 2 && eleven.standardDeviation == 0 && eleven.peakToPeak == 0 && eleven.excursions == 0)
        let day = try #require(statistics.days.first)
        // Eight values, sum 2.68: mean 0.335.
        #expect(statistics.days.count == 1 && day.count == 8 && abs(day.mean - 0.335) < 1e-12)
        #expect(day.excursions == 2 && day.longestExcursion == 20)
        #expect(statistics.worstHours(1).map(\.start) == [Self.t0])
    }

    @Test("hours and days are local: 23:30 UTC is 07:30 the next day in Shanghai")
    func localBuckets() {
        var statistics = PressureStatistics(low: nil, timeZone: TimeZone(identifier: "Asia/Shanghai")!)
        let late = ISO8601DateFormatter().date(from: "2026-12-04T23:30:00Z")!
        statistics.add(0.4, at: late)
        statistics.add(0.4, at: late + 1800)  // 08:00 local
        // Hours start 07:00 and 08:00 local = 23:00Z and 00:00Z; the day 2026-12-05 00:00 local = 12-04 16:00Z.
        #expect(statistics.hours.map(\.start) == [ISO8601DateFormatter().date(from: "2026-12-04T23:00:00Z")!,
                                                  ISO8601DateFormatter().date(from: "2026-12-05T00:00:00Z")!])
        #expect(statistics.days.map(\.start) == [ISO8601DateFormatter().date(from: "2026-12-04T16:00:00Z")!])
        #expect(statistics.days[0].excursions == 0)
    }

    @Test("an excursion still below at the end counts up to the last sample")
    func openExcursion() {
        var statistics = PressureStatistics(low: 0.3, timeZone: TimeZone(identifier: "UTC")!)
        statistics.add(0.2, at: Self.t0)
        statistics.add(0.2, at: Self.t0 + 45)
        statistics.finish(at: Self.t0 + 45)
        #expect(statistics.hours[0].excursions == 1 && statistics.hours[0].longestExcursion == 45)
    }

    @Test("a sample that comes late goes into its own hour, made in its place if missing")
    func lateSamples() {
        var statistics = PressureStatistics(low: 0.3, timeZone: TimeZone(identifier: "UTC")!)
        statistics.add(0.40, at: Self.t0)            // 10:00
        statistics.add(0.20, at: Self.t0 + 3600)     // 11:00, below: an excursion begins in hour 11
        statistics.add(0.50, at: Self.t0 + 1800)     // 10:30, late: into hour 10
        statistics.add(0.45, at: Self.t0 - 2700)     // 09:15, late: a new hour 09 first
        statistics.add(0.40, at: Self.t0 + 3660)     // 11:01, back above: the excursion lasted 60 s
        statistics.finish(at: Self.t0 + 3660)
        #expect(statistics.hours.map { Int($0.start.timeIntervalSince(Self.t0)) } == [-3600, 0, 3600])
        #expect(statistics.hours.map(\.count) == [1, 2, 2])
        // Hour 10: 0.40 and 0.50, mean 0.45; hour 11: the excursion, kept on its hour after the insertion before it.
        #expect(abs(statistics.hours[1].mean - 0.45) < 1e-12)
        #expect(statistics.hours[2].excursions == 1 && statistics.hours[2].longestExcursion == 60)
        #expect(statistics.days.count == 1 && statistics.days[0].count == 5 && statistics.days[0].excursions == 1)
    }
}
