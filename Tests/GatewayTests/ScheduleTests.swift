// Pure scheduling logic: fixed-rate cycles, skipped cycles, backoff bounds,
// and the split of a block that bridged a hole.

import Foundation
import Lifecycle
@testable import Gateway
import Profiles
import Testing

@Suite("PollSchedule")
struct PollScheduleTests {
    let second: UInt64 = 1_000_000_000

    @Test("cycle k is due at start + k × interval, whatever the poll took")
    func fixedRate() {
        var schedule = PollSchedule(start: 10 * second, interval: .seconds(1))
        #expect(schedule.nextDue == 10 * second)
        // Cycle 0 starts 30 ms late and takes 400 ms: cycle 1 is still due at 11 s.
        let first = schedule.begin(now: 10 * second + 30_000_000)
        #expect(first.cycle == 0)
        #expect(first.lateness == 30_000_000)
        #expect(schedule.nextDue == 11 * second)
        let second1 = schedule.begin(now: 11 * second + 1_000)
        #expect(second1.cycle == 1)
        #expect(schedule.skipped == 0)
    }

    @Test("a cycle that cannot start on time is skipped and counted, never bursted")
    func skipsInsteadOfBursting() {
        var schedule = PollSchedule(start: 0, interval: .milliseconds(100))
        _ = schedule.begin(now: 0)
        // The poll of cycle 0 overran to 350 ms: cycles 1 and 2 are lost, cycle 3 runs.
        let late = schedule.begin(now: 350_000_000)
        #expect(late.cycle == 3)
        #expect(late.lateness == 50_000_000)
        #expect(schedule.skipped == 2)
        #expect(schedule.nextDue == 400_000_000)
    }

    @Test("a waiter that starts early runs the due cycle without skipping")
    func earlyStart() {
        var schedule = PollSchedule(start: 5 * second, interval: .seconds(2))
        let run = schedule.begin(now: 4 * second)
        #expect(run.cycle == 0)
        #expect(run.lateness == 0)
        #expect(schedule.skipped == 0)
    }
}

@Suite("Backoff")
struct BackoffTests {
    @Test("doubles from 1 s to 60 s with ±20 % jitter, and resets")
    func bounds() {
        var backoff = Backoff(initial: .seconds(1), maximum: .seconds(60))
        // random 0.5 means no jitter: 1, 2, 4, 8, 16, 32, 60, 60
        let plain = (0..<8).map { _ in backoff.nextDelay(random: 0.5).seconds }
        #expect(plain == [1, 2, 4, 8, 16, 32, 60, 60])
        backoff.reset()
        #expect(backoff.nextDelay(random: 0).seconds == 0.8)
        #expect(abs(backoff.nextDelay(random: 0.999_999).seconds - 2.4) < 0.001)
    }
}

@Suite("split of a block that bridged a hole")
struct SplitTests {
    func profile(_ addresses: [(Int, PointType)]) -> DeviceProfile {
        DeviceProfile(profile: "t", addressBase: 0, points: addresses.enumerated().map { index, entry in
            Point(name: "p\(index)", register: .holding, address: entry.0, type: entry.1)
        })
    }

    @Test("a block with gaps splits into its runs of adjacent points")
    func splitsIntoRuns() throws {
        let layout = profile([(0, .uint16), (1, .uint32), (5, .uint16), (9, .float32)])
        let block = ReadBlock(table: .holding, start: 0, count: 11, pointIndexes: [0, 1, 2, 3])
        let parts = try #require(DeviceReader.split(block, profile: layout))
        #expect(parts == [
            ReadBlock(table: .holding, start: 0, count: 3, pointIndexes: [0, 1]),
            ReadBlock(table: .holding, start: 5, count: 1, pointIndexes: [2]),
            ReadBlock(table: .holding, start: 9, count: 2, pointIndexes: [3]),
        ])
    }

    @Test("a gap-free run splits into single points; bits of one word stay together")
    func splitsRunIntoPoints() throws {
        var layout = profile([(0, .uint16), (1, .bits), (1, .bits), (2, .int32)])
        layout.points[1].bit = 0
        layout.points[2].bit = 5
        let block = ReadBlock(table: .holding, start: 0, count: 4, pointIndexes: [0, 1, 2, 3])
        let parts = try #require(DeviceReader.split(block, profile: layout))
        #expect(parts == [
            ReadBlock(table: .holding, start: 0, count: 1, pointIndexes: [0]),
            ReadBlock(table: .holding, start: 1, count: 1, pointIndexes: [1, 2]),
            ReadBlock(table: .holding, start: 2, count: 2, pointIndexes: [3]),
        ])
    }

    @Test("a single point does not split")
    func singlePoint() {
        let layout = profile([(7, .uint32)])
        #expect(DeviceReader.split(ReadBlock(table: .holding, start: 7, count: 2, pointIndexes: [0]), profile: layout) == nil)
    }
}

@Suite("PipelineStats")
struct PipelineStatsTests {
    @Test("lateness keeps the most recent cycles once its ring is full")
    func latenessRing() {
        var stats = PipelineStats()
        let capacity = PipelineStats.latenessCapacity
        for _ in 0..<capacity { stats.recordLateness(100) }
        #expect(stats.latenessQuantile(0.5) == 100)
        // A full ring of new values replaces every old one.
        for _ in 0..<capacity { stats.recordLateness(1) }
        #expect(stats.lateness.count == capacity)
        #expect(stats.latenessQuantile(0.99) == 1)
    }
}
