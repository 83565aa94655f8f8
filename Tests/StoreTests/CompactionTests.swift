// Schema step 7 on real files (Schema+TimeOrder.swift): frames appended in
// time order, a window compacted device by device and deleted afterwards,
// and what a reader sees in between (a crash there), after a late frame, and
// after the migration of a version 5 file whose frames have clustered ids.

import Foundation
import Testing
@testable import Store
import Telemetry

@Suite("compaction in time order (schema step 7)")
struct CompactionTests {
    let folder: TempFolder
    init() throws { folder = try TempFolder() }

    /// 2026-05-28T20:00:00Z: a window starts here (1 780 000 000 s is 20:26:40,
    /// so 1 779 998 400 s = 20:00:00, a multiple of 1 800 s).
    static let windowStart = Date(timeIntervalSince1970: 1_779_998_400)

    static func device(_ name: String) -> DeviceIdentity {
        DeviceIdentity(station: "FT-0412", device: name, profile: "booster-set-example", tags: [:])
    }

    /// Polls of devices a and b every 60 s from the window start for `minutes`,
    /// outlet_pressure = 0.400 + minute x 0.001 on a and 0.500 + ... on b.
    func writePolls(_ store: StationStore, minutes: Range<Int>) throws {
        for minute in minutes {
            let time = Self.windowStart.addingTimeInterval(Double(minute) * 60)
            try store.write { try $0.write(StoreBatch(samples: ["a", "b"].enumerated().map { index, name in
                sample(at: time, [("outlet_pressure", .good(.double(Double(400 + 100 * index + minute) / 1000)))],
                       identity: Self.device(name))
            })) }
        }
    }

    func history(_ store: StationStore, _ device: String) throws -> [Double] {
        try store.read {
            try $0.history(station: "FT-0412", device: device, point: "outlet_pressure", since: Self.windowStart - 86_400)
        }.compactMap { $0.value?.number }
    }

    @Test("frames of every device are appended in time order: ids grow with time, devices interleaved")
    func framesInTimeOrder() throws {
        let path = folder.path("order.db")
        let store = try StationStore(path: path, options: StoreOptions(compactionInterval: nil))
        defer { store.close() }
        try writePolls(store, minutes: 0..<3)
        let rows = try query(path, "SELECT device_id, time FROM history_frames ORDER BY id")
        // a and b (device ids 1 and 2) at minutes 0, 1, 2: six frames, by time, a before b each minute.
        let start = Int64(Self.windowStart.timeIntervalSince1970 * 1000)
        #expect(rows == [0, 0, 1, 1, 2, 2].enumerated().map { index, minute in
            [.integer(Int64(index % 2 + 1)), .integer(start + Int64(minute) * 60_000)]
        })
        for table in FrameTable.both {  // each frame table has its own time index
            let plan = try query(path, "EXPLAIN QUERY PLAN SELECT id FROM \(table.name) WHERE time >= 0 ORDER BY time")
            #expect(plan.contains { $0.last?.text?.contains("USING COVERING INDEX \(table.timeIndex)") == true }, "\(plan)")
        }
    }

    @Test("one device compacted, frames not yet deleted (a crash between the steps): every sample read once")
    func compactedButNotDeleted() throws {
        let path = folder.path("between.db")
        let store = try StationStore(path: path, options: StoreOptions(compactionInterval: nil))
        defer { store.close() }
        try writePolls(store, minutes: 0..<32)  // window 0..29 closes once minute 31 is in: 30 + the 1-minute head
        let expectedA = (0..<32).map { Double(400 + $0) / 1000 }
        #expect(try history(store, "a") == expectedA)
        let compactor = try Compactor(path: path, options: StoreOptions(compactionInterval: nil))
        let start = Int64(Self.windowStart.timeIntervalSince1970 * 1000)
        let idsOfA = try query(path, "SELECT id FROM history_frames WHERE device_id = 1 AND time < \(start + 1_800_000) ORDER BY id")
            .compactMap { $0.first?.integer }
        #expect(idsOfA.count == 30)
        let report = try compactor.compact(device: 1, windowStart: start, frameIDs: idsOfA)
        #expect(report.frames == 30 && report.chunks == 1)
        // The frames are still there, hidden: history, the view and the count read each sample once.
        #expect(try scalar(path, "SELECT count(*) FROM history_frames") == .integer(64))
        #expect(try history(store, "a") == expectedA)
        #expect(try scalar(path, "SELECT count(*) FROM history_head WHERE device_id = 1") == .integer(2))  // minutes 30, 31
        #expect(try store.read { try $0.historyRowCount() } == 64)
        // The next pass compacts b and deletes the whole window's frames.
        #expect(try store.compactNow().windows == 1)
        #expect(try scalar(path, "SELECT count(*) FROM history_frames") == .integer(4))
        #expect(try history(store, "a") == expectedA)
        #expect(try history(store, "b") == (0..<32).map { Double(500 + $0) / 1000 })
        #expect(try store.read { try $0.integrityCheck() } == ["ok"])
    }

    @Test("a frame that comes late into a compacted window (clock stepped back) is kept, then compacted as a second chunk")
    func lateFrame() throws {
        let path = folder.path("late.db")
        let store = try StationStore(path: path, options: StoreOptions(compactionInterval: nil))
        defer { store.close() }
        try writePolls(store, minutes: 0..<32)
        #expect(try store.compactNow().windows == 2)
        // The clock steps back: a poll at minute 10 + 30 s, value 0.999.
        let late = Self.windowStart.addingTimeInterval(630)
        try store.write { try $0.write(StoreBatch(samples: [
            sample(at: late, [("outlet_pressure", .good(.double(0.999)))], identity: Self.device("a"))])) }
        var expected = (0..<32).map { Double(400 + $0) / 1000 }
        expected.insert(0.999, at: 11)  // after minute 10's sample
        #expect(try history(store, "a") == expected)
        #expect(try store.compactNow().frames == 1)
        #expect(try scalar(path, "SELECT count(*) FROM history_chunks WHERE point_id = 1") == .integer(2))
        #expect(try history(store, "a") == expected)
    }

    @Test("a version 5 file with clustered frame ids migrates to 7; new frames go after them; all compacts")
    func fromVersion5() throws {
        let path = folder.path("v5.db")
        let start = Int64(Self.windowStart.timeIntervalSince1970 * 1000)
        do {
            let old = try SQLiteConnection(path: path, readOnly: false)
            try old.execute("PRAGMA journal_mode = WAL")
            for step in 0..<5 { try old.execute(Schema.migrations[step]) }
            // As version 5 wrote them: device 1's frames at ids 1 << 40 + n, a point of kind double.
            try old.execute("""
                PRAGMA user_version = 5;
                INSERT INTO stations (id, name) VALUES (1, 'FT-0412');
                INSERT INTO devices (id, station_id, name, profile) VALUES (1, 1, 'a', 'booster-set-example');
                INSERT INTO points (id, device_id, name, unit, kind) VALUES (1, 1, 'outlet_pressure', 'MPa', 'double');
                INSERT INTO history_frames (id, device_id, time, points) VALUES
                    (1099511627777, 1, \(start), '[[1,0.4]]'), (1099511627778, 1, \(start + 60_000), '[[1,0.401]]');
                """)
        }
        let store = try StationStore(path: path, options: StoreOptions(compactionInterval: nil))
        defer { store.close() }
        #expect(try scalar(path, "PRAGMA user_version") == .integer(Int64(Schema.currentVersion)))
        try writePolls(store, minutes: 2..<32)
        #expect(try scalar(path, "SELECT min(id) FROM history_frames WHERE time >= \(start + 120_000)") == .integer(1_099_511_627_779))
        let expected = (0..<32).map { Double(400 + $0) / 1000 }
        #expect(try history(store, "a") == expected)
        #expect(try store.compactNow().frames == 58)  // window 0: a's minutes 0..29 (2 old ids, 28 new), b's 2..29
        #expect(try history(store, "a") == expected)
        #expect(try scalar(path, "SELECT count(*) FROM history_frames WHERE time < \(start + 1_800_000)") == .integer(0))
        #expect(try store.read { try $0.integrityCheck() } == ["ok"])
    }
}

@Suite("the compactor's thread: checkpoints by interval or WAL length, syncs between")
struct CheckpointCadenceTests {
    let folder: TempFolder
    init() throws { folder = try TempFolder() }

    /// Writes 30 polls of 50 points (each commit adds a few pages to the WAL),
    /// then waits (at most 30 s) until the thread has made `passes` more passes.
    func run(_ options: StoreOptions, passes: Int) throws -> (status: CompactionStatus, walBytes: Int) {
        let path = folder.path("cadence-\(UUID().uuidString).db")
        let store = try StationStore(path: path, options: options)
        defer { store.close() }
        let start = Date(timeIntervalSince1970: 1_780_000_000)
        for poll in 0..<30 {
            try store.write { try $0.write(StoreBatch(samples: [sample(at: start + Double(poll), (0..<50).map {
                ("p\($0)", .good(.double(Double(poll * 50 + $0) / 8)))
            })])) }
        }
        let target = (store.compactionStatus?.passes ?? 0) + passes, deadline = Date() + 30
        while (store.compactionStatus?.passes ?? 0) < target && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        let status = try #require(store.compactionStatus)
        #expect(status.passes >= target)
        let wal = ((try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int) ?? 0
        return (status, wal)
    }

    @Test("no interval and a WAL below the limit: passes sync the WAL and never checkpoint")
    func noCheckpointBelowTheLimit() throws {
        let result = try run(StoreOptions(compactionInterval: 0.01, checkpointInterval: nil, checkpointWALBytes: 1 << 30), passes: 5)
        #expect(result.status.checkpoints == 0)
        #expect(result.walBytes > 30 * 4096, "\(result.walBytes)")  // 30 commits of at least a page each, all still in the WAL
    }

    @Test("a WAL past checkpointWALBytes (16 KB) is checkpointed on the next pass, whatever the interval")
    func checkpointAtTheLimit() throws {
        let result = try run(StoreOptions(compactionInterval: 0.01, checkpointInterval: 3600, checkpointWALBytes: 16 << 10), passes: 2)
        #expect(result.status.checkpoints >= 1, "\(result.status)")
    }
}
