// Retention by age and by database size, in small batches, then
// incremental vacuum gives the pages back to the file system.

import Decoding
import Foundation
import Rules
import Synchronization
import Testing
@testable import Store
import Telemetry

@Suite("retention")
struct RetentionTests {
    let folder: TempFolder
    let clock = TestClock()
    init() throws { folder = try TempFolder() }

    @Test("history, alarm events and dead letters older than the retention go, in batches of 3; active alarms stay")
    func byAge() throws {
        let store = try StationStore(path: folder.path("age.db"), options: clock.options {
            $0.retention = 86_400
            $0.retentionBatchRows = 3
        })
        defer { store.close() }
        let now = clock.now
        // ten old samples (changing, so each is history) and two recent ones
        for index in 0..<10 {
            try store.write { try $0.write(StoreBatch(samples: [sample(at: now + Double(-200_000 + index), [("flow", .good(.double(Double(index))))])])) }
        }
        try store.write { try $0.write(StoreBatch(samples: [sample(at: now + -3600, [("flow", .good(.double(20)))])],
                                   alarms: [alarm(.raised, at: now + -100_000)])) }
        try store.write { try $0.write(StoreBatch(samples: [sample(at: now, [("flow", .good(.double(21)))])])) }
        let report = try store.runRetention()
        #expect(report.historyFramesByAge == 10)
        #expect(report.alarmEvents == 1)
        let left = try store.read { try $0.history(station: "FT-0412", device: "ctrl1", point: "flow", since: .distantPast) }
        #expect(left.map(\.value) == [.double(20), .double(21)])
        #expect(try store.read { try $0.activeAlarms() }.count == 1)  // the alarm is still raised, only its event is old
        #expect(try store.runRetention() == RetentionReport())  // nothing more to do
    }

    @Test("over maxDatabaseBytes the oldest history goes until the data fits, and the file shrinks")
    func bySize() throws {
        let path = folder.path("size.db")
        let t0 = clock.now
        let writer = try StationStore(path: path, options: clock.options())
        // 200 cycles x 100 changing points = 200 history frames of 100 samples
        for cycle in 0..<200 {
            let readings = (0..<100).map { ("p\($0)", Reading.good(.double(Double(cycle * 1000 + $0)))) }
            try writer.write { try $0.write(StoreBatch(samples: [sample(at: t0 + Double(cycle), readings)])) }
        }
        let usedBefore = try writer.onQueue { try $0.usedBytes() }
        writer.close()
        let fileBefore = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        let limit = usedBefore / 2
        let store = try StationStore(path: path, options: clock.options {
            $0.maxDatabaseBytes = limit
            $0.retentionBatchRows = 10
        })
        defer { store.close() }
        let report = try store.runRetention()
        #expect(report.historyFramesBySize > 50)
        #expect(report.historyFramesBySize % 10 == 0)  // whole batches
        #expect(report.pagesVacuumed > 0)
        #expect(try store.onQueue { try $0.usedBytes() } <= limit)
        #expect(try store.onQueue { try $0.connection.scalar("PRAGMA freelist_count") } == .integer(0))
        let newest = try store.read { try $0.history(station: "FT-0412", device: "ctrl1", point: "p7", since: t0 + 199) }
        #expect(newest.map(\.value) == [.double(199_007)])
        let oldest = try store.read { try $0.history(station: "FT-0412", device: "ctrl1", point: "p7", since: .distantPast) }.first
        #expect(try #require(oldest).time > t0 + 50)
        _ = try store.onQueue { try $0.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)") }
        let fileAfter = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(fileAfter < fileBefore)
    }
}

extension RetentionTests {
    @Test("a write issued during a long retention pass runs between its batches, not after it")
    func retentionDoesNotStallTheWriter() throws {
        let store = try StationStore(path: folder.path("stall.db"), options: clock.options {
            $0.retention = 60
            $0.retentionBatchRows = 5
        })
        defer { store.close() }
        try store.onQueue { engine in  // 20,000 one-sample frames a day old: 4,000 batches
            try engine.connection.execute(insertFramesSQL(
                with: "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)", """
                SELECT i AS id, 1 AS device_id, \(Int64((clock.now.timeIntervalSince1970 - 86_400) * 1000)) + i AS time,
                       json_array(json_array(1, i)) AS points FROM n
                """))
        }
        let finished = Atomic<Bool>(false)
        let retention = Thread {
            _ = try? store.runRetention()
            finished.store(true, ordering: .sequentiallyConsistent)
        }
        retention.start()
        while try store.read({ try $0.historyRowCount() }) == 20_000 { Thread.sleep(forTimeInterval: 0.001) }  // it has begun
        try store.write { try $0.write(StoreBatch(alarms: [alarm(.raised, at: clock.now)])) }
        let rowsLeft = try store.read { try $0.historyRowCount() }
        let retentionDone = finished.load(ordering: .sequentiallyConsistent)
        #expect(!retentionDone, "retention finished before the write ran")
        #expect(rowsLeft > 0 && rowsLeft < 20_000)
        while !finished.load(ordering: .sequentiallyConsistent) { Thread.sleep(forTimeInterval: 0.01) }
        #expect(try store.read { try $0.historyRowCount() } == 0)
        #expect(try store.read { try $0.activeAlarms() }.count == 1)
    }
}

@Suite("status on a large history")
struct LargeHistoryTests {
    @Test("status reads latest only: with a million history rows it takes milliseconds")
    func statusIgnoresHistory() throws {
        let folder = try TempFolder()
        let path = folder.path("large.db")
        let store = try StationStore(path: path)
        defer { store.close() }
        let t = Date(timeIntervalSince1970: 1_780_000_000)
        try store.write { try $0.write(StoreBatch(samples: [sample(at: t, (0..<10).map { ("p\($0)", .good(.double(Double($0)))) })])) }
        try store.onQueue { engine in  // 100,000 frames of the device's 10 points
            try engine.connection.execute(insertFramesSQL(  // ids after the first frame's (1)
                with: "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)", """
                SELECT 1 + i AS id, 1 AS device_id, 1700000000000 + i AS time, (SELECT json_group_array(json_array(p, i)) FROM
                    (SELECT 1 AS p UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL
                     SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9 UNION ALL SELECT 10)) AS points FROM n
                """))
        }
        #expect(try store.read { try $0.historyRowCount() } == 1_000_010)  // 10 first samples + 1,000,000
        let started = Date()
        let status = try store.read { try $0.status() }
        let elapsed = Date().timeIntervalSince(started)
        #expect(status.first?.devices.first?.points.map(\.value) == (0..<10).map { .double(Double($0)) })
        #expect(elapsed < 0.1, "status took \(elapsed) s")
    }
}
