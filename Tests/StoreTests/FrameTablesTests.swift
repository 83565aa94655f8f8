// Schema step 11 on real files (Schema+FrameTables.swift, Compactor+Clear.swift):
// a window's frames are in the table of its parity, and once the window is in
// chunks that table is emptied whole, unless it holds frames the compactor
// did not compact (a clock step, a late poll), when the compacted ones are
// deleted by row and the others stay for a later pass. And the migration of a
// version 10 file.
//
// The polls are CompactionTests.writePolls: devices a (id 1) and b (id 2)
// every minute from 20:00:00Z, window 988,888 (1,779,998,400 s / 1,800 s,
// even: table 0); minutes 30 to 59 are window 988,889 (odd: table 1).
// Device a's value at minute m is 0.400 + m x 0.001, b's 0.500 + m x 0.001.

import Foundation
import Testing
@testable import Store
import Telemetry

@Suite("history frames in two tables by window parity (schema step 11)")
struct FrameTablesTests {
    let folder: TempFolder
    let polls: CompactionTests
    init() throws {
        folder = try TempFolder()
        polls = try CompactionTests()
    }

    static let start = Int64(CompactionTests.windowStart.timeIntervalSince1970 * 1000)

    /// Device a's values for `minutes`, worked out from the rule above.
    static func valuesOfA(_ minutes: Range<Int>) -> [Double] { minutes.map { Double(400 + $0) / 1000 } }

    func rows(_ path: String, _ table: String) throws -> [[SQLiteValue]] {
        try query(path, "SELECT id, device_id, time, points FROM \(table) ORDER BY id")
    }

    func pollOfA(_ store: StationStore, atSecond second: Double, value: Double) throws {
        try store.write { try $0.write(StoreBatch(samples: [
            sample(at: CompactionTests.windowStart.addingTimeInterval(second), [("outlet_pressure", .good(.double(value)))],
                   identity: CompactionTests.device("a"))])) }
    }

    @Test("window parity floors before 1970, and the SQL expression agrees with Swift")
    func parity() throws {
        // By hand: window = floor(t / 1,800,000); table = window & 1 (-1 & 1 = 1, -2 & 1 = 0).
        let cases: [(time: Int64, table: Int)] = [(0, 0), (1_799_999, 0), (1_800_000, 1), (3_600_000, 0),
                                                  (-1, 1), (-1_800_000, 1), (-1_800_001, 0), (Self.start, 0),
                                                  (Self.start + 1_800_000, 1)]
        let connection = try SQLiteConnection(path: folder.path("parity.db"), readOnly: false)
        for (time, table) in cases {
            #expect(FrameTable.of(time: time).parity == table, "time \(time)")
            #expect(try connection.scalar("SELECT \(FrameTable.parity("?1"))", [.integer(time)]) == .integer(Int64(table)), "time \(time)")
        }
    }

    @Test("a compacted window's table is emptied whole; history is the same; the next window's frames are untouched")
    func clearsTheTable() throws {
        let path = folder.path("clear.db")
        let store = try StationStore(path: path, options: StoreOptions(compactionInterval: nil))
        defer { store.close() }
        try polls.writePolls(store, minutes: 0..<32)  // window 0 closes once minute 31 is in (the 1-minute head)
        #expect(try scalar(path, "SELECT count(*) FROM history_frames_0") == .integer(60))  // minutes 0..29, a and b
        let next = try rows(path, "history_frames_1")
        #expect(next.count == 4)  // minutes 30, 31
        #expect(try polls.history(store, "a") == Self.valuesOfA(0..<32))
        let report = try store.compactNow()
        #expect(report.windows == 2 && report.frames == 60)
        #expect(report.tablesCleared == 1 && report.framesDeletedByRow == 0)
        #expect(try scalar(path, "SELECT count(*) FROM history_frames_0") == .integer(0))
        #expect(try rows(path, "history_frames_1") == next)
        #expect(try polls.history(store, "a") == Self.valuesOfA(0..<32))
        #expect(try polls.history(store, "b") == (0..<32).map { Double(500 + $0) / 1000 })
        #expect(try store.read { try $0.integrityCheck() } == ["ok"])
    }

    @Test("a window with more frame text than largestClearedWindow is deleted by row, not cleared: the writer never waits long")
    func largeWindowByRow() throws {
        let path = folder.path("large.db")
        var options = StoreOptions(compactionInterval: nil)
        // Window 0 holds 60 frames of one point each, [B,0.4xx] or so: well over 100 bytes.
        options.largestClearedWindow = 100
        let store = try StationStore(path: path, options: options)
        defer { store.close() }
        try polls.writePolls(store, minutes: 0..<32)
        let next = try rows(path, "history_frames_1")
        let report = try store.compactNow()
        #expect(report.frameBytes > 100, "\(report)")
        // Window 0's 60 frames by row; window 1 (4 frames, minutes 30 and 31) is not due.
        #expect(report.tablesCleared == 0 && report.framesDeletedByRow == 60, "\(report)")
        #expect(try scalar(path, "SELECT count(*) FROM history_frames_0") == .integer(0))
        #expect(try rows(path, "history_frames_1") == next)
        #expect(try polls.history(store, "a") == Self.valuesOfA(0..<32))
        #expect(try store.read { try $0.integrityCheck() } == ["ok"])
    }

    @Test("a frame of window w+2 in the same table (clock stepped forward, then back): compacted frames deleted by row, it stays")
    func frameOfAnotherWindow() throws {
        let path = folder.path("step.db")
        let store = try StationStore(path: path, options: StoreOptions(compactionInterval: nil))
        defer { store.close() }
        // Minute 65 is window w+2, table 0 again; written between minutes 15 and 16, so its
        // id is below window w's largest: only the table's time range shows it is there.
        try polls.writePolls(store, minutes: 0..<16)
        try pollOfA(store, atSecond: 65 * 60, value: 0.465)
        try polls.writePolls(store, minutes: 16..<32)
        let expected = Self.valuesOfA(0..<32) + [0.465]
        #expect(try polls.history(store, "a") == expected)
        // Windows w (table 0, holds minute 65 too) and w+1 (minutes 30, 31: table 1, alone) are due; w+2 is not.
        let report = try store.compactNow()
        #expect(report.frames == 64)
        #expect(report.framesDeletedByRow == 60 && report.tablesCleared == 1)
        #expect(try query(path, "SELECT time FROM history_frames_0") == [[.integer(Self.start + 65 * 60_000)]])
        #expect(try scalar(path, "SELECT count(*) FROM history_frames_1") == .integer(0))
        #expect(try polls.history(store, "a") == expected)
        #expect(try store.read { try $0.integrityCheck() } == ["ok"])
    }

    @Test("a late frame of a cleared window is compacted by a later pass, which clears the table again")
    func lateFrameAfterTheClear() throws {
        let path = folder.path("late.db")
        let store = try StationStore(path: path, options: StoreOptions(compactionInterval: nil))
        defer { store.close() }
        try polls.writePolls(store, minutes: 0..<32)
        #expect(try store.compactNow().tablesCleared == 1)
        try pollOfA(store, atSecond: 630, value: 0.999)  // the clock steps back to minute 10 + 30 s
        var expected = Self.valuesOfA(0..<32)
        expected.insert(0.999, at: 11)  // after minute 10's sample
        #expect(try polls.history(store, "a") == expected)
        let report = try store.compactNow()
        #expect(report.frames == 1 && report.tablesCleared == 1 && report.framesDeletedByRow == 0)
        #expect(try scalar(path, "SELECT count(*) FROM history_frames_0") == .integer(0))
        #expect(try scalar(path, "SELECT count(*) FROM history_chunks WHERE point_id = 1") == .integer(2))
        #expect(try polls.history(store, "a") == expected)
    }

    @Test("a late frame committed while the window is being compacted stops the clear: rows go, it stays, then compacts")
    func lateFrameDuringThePass() throws {
        let path = folder.path("during.db")
        let store = try StationStore(path: path, options: StoreOptions(compactionInterval: nil))
        defer { store.close() }
        try polls.writePolls(store, minutes: 0..<32)
        let compactor = try Compactor(path: path, options: StoreOptions(compactionInterval: nil))
        var wrote = false
        // Before the first device is compacted (after the compactor read the window): a poll at minute 10 + 30 s.
        let report = try #require(try compactor.compactOldestWindow(shouldStop: {
            if !wrote { wrote = (try? pollOfA(store, atSecond: 630, value: 0.999)) != nil }
            return false
        }))
        #expect(wrote)
        #expect(report.windows == 2 && report.frames == 60)
        #expect(report.tablesCleared == 0 && report.framesDeletedByRow == 60)
        #expect(try query(path, "SELECT time FROM history_frames_0") == [[.integer(Self.start + 630_000)]])
        var expected = Self.valuesOfA(0..<32)
        expected.insert(0.999, at: 11)
        #expect(try polls.history(store, "a") == expected)
        #expect(try store.compactNow().frames == 1)
        #expect(try polls.history(store, "a") == expected)
        #expect(try store.read { try $0.integrityCheck() } == ["ok"])
    }

    @Test("retention by size takes the oldest frames of both tables first, a batch at a time")
    func retentionAcrossTables() throws {
        var options = StoreOptions(compactionInterval: nil)
        options.retentionBatchRows = 50
        let store = try StationStore(path: folder.path("retention.db"), options: options)
        defer { store.close() }
        // Table 0: minutes 0..29 (60 frames) and minute 65 (clock step, written after minute 15);
        // table 1: minutes 30, 31 (4 frames). Oldest first by size, by hand:
        // 50 frames (minutes 0..24), the other 10 before minute 30, table 1's 4, then minute 65.
        try polls.writePolls(store, minutes: 0..<16)
        try pollOfA(store, atSecond: 65 * 60, value: 0.465)
        try polls.writePolls(store, minutes: 16..<32)
        var bySize: [Int] = []
        var oldestLeft: [Int64?] = []
        repeat {
            bySize.append(try store.onQueue { try $0.deleteOldestHistoryBatch().frames })
            oldestLeft.append(try store.read { try $0.history(station: "FT-0412", device: "a", point: "outlet_pressure",
                                                              since: .distantPast) }.first.map { ValueColumns.milliseconds($0.time) })
        } while bySize.last != 0
        #expect(bySize == [50, 10, 4, 1, 0])
        let minute = { (m: Int64) in Self.start + m * 60_000 }
        #expect(oldestLeft == [minute(25), minute(30), minute(65), nil, nil])
    }

    @Test("retention by age deletes from both tables within one batch, so a short batch means none is left")
    func ageRetentionAcrossTables() throws {
        var options = StoreOptions(compactionInterval: nil)
        options.retentionBatchRows = 50
        let store = try StationStore(path: folder.path("age.db"), options: options)
        defer { store.close() }
        try polls.writePolls(store, minutes: 0..<16)
        try pollOfA(store, atSecond: 65 * 60, value: 0.465)
        try polls.writePolls(store, minutes: 16..<32)
        // Older than minute 31: table 0's 60 frames of minutes 0..29, table 1's 2 of minute 30; by hand
        // a batch of 50, then 10 + 2 (short: the caller stops), then none. Minute 31 (a, b) and 65 (a) stay.
        let cutoff = Self.start + 31 * 60_000
        let batches = try (0..<3).map { _ in try store.onQueue { try $0.deleteBatch(from: .history, olderThan: cutoff) } }
        #expect(batches == [50, 12, 0])
        #expect(try polls.history(store, "a") == [0.431, 0.465])
    }
}
