// Opening: WAL, synchronous, incremental auto-vacuum, schema versions:
// a version 1 file is upgraded, a file from a newer pumpgw refused.

import Decoding
import Foundation
import Testing
@testable import Store

@Suite("schema and pragmas")
struct SchemaTests {
    let folder: TempFolder
    init() throws { folder = try TempFolder() }

    @Test("a new database is at the current version, in WAL, NORMAL, incremental auto-vacuum, no secure delete")
    func newDatabase() throws {
        let path = folder.path("var/new.db")  // the folder is created too
        let store = try StationStore(path: path)
        let connection = try SQLiteConnection(path: path, readOnly: true)
        #expect(try connection.scalar("PRAGMA user_version") == .integer(Int64(Schema.currentVersion)))
        #expect(try connection.scalar("PRAGMA journal_mode") == .text("wal"))
        #expect(try connection.scalar("PRAGMA auto_vacuum") == .integer(2))  // 2 = INCREMENTAL
        #expect(try store.onQueue { try $0.connection.scalar("PRAGMA secure_delete") } == .integer(0))  // off on the writer
        store.close()
    }

    @Test("synchronous is NORMAL (1) by default and FULL (2) on request", arguments: [(SynchronousMode.normal, Int64(1)), (.full, Int64(2))])
    func synchronous(_ mode: SynchronousMode, _ expected: Int64) throws {
        let store = try StationStore(path: folder.path("sync.db"), options: StoreOptions(synchronous: mode))
        defer { store.close() }
        let value = try store.onQueue { try $0.connection.scalar("PRAGMA synchronous") }
        #expect(value == .integer(expected))
    }

    @Test("a version 1 database is upgraded (frames at 3, outbox batches at 8) and keeps its data")
    func upgradeFromVersion1() throws {
        let path = folder.path("v1.db")
        do {
            let old = try SQLiteConnection(path: path, readOnly: false)
            try old.execute("PRAGMA journal_mode = WAL")
            try old.execute(Schema.version1)
            try old.execute("""
                PRAGMA user_version = 1;
                INSERT INTO stations (id, name) VALUES (1, 'FT-0412');
                INSERT INTO devices (id, station_id, name, profile) VALUES (1, 1, 'ctrl1', 'booster-set-example');
                INSERT INTO points (id, device_id, name, unit, kind) VALUES (1, 1, 'outlet_pressure', 'MPa', 'double');
                INSERT INTO latest (point_id, value, quality, time) VALUES (1, 0.45, NULL, 1780000001000);
                INSERT INTO history (point_id, time, value, quality) VALUES (1, 1780000000000, 0.44, NULL);
                INSERT INTO history (point_id, time, value, quality) VALUES (1, 1780000001000, 0.45, NULL);
                INSERT INTO outbox (device_key, line, created) VALUES ('FT-0412/ctrl1', 'pump_station x=1 1', 1780000001000);
                """)
        }
        let store = try StationStore(path: path)
        defer { store.close() }
        #expect(try scalar(path, "PRAGMA user_version") == .integer(Int64(Schema.currentVersion)))
        // the per-point rows became frames, and the views of the old names show them as rows again
        #expect(try query(path, "SELECT point_id, time, value, quality FROM history_head ORDER BY time") == [
            [.integer(1), .integer(1_780_000_000_000), .real(0.44), .null],
            [.integer(1), .integer(1_780_000_001_000), .real(0.45), .null]])
        #expect(try query(path, "SELECT point_id, value, quality, time FROM latest") == [
            [.integer(1), .real(0.45), .null, .integer(1_780_000_001_000)]])
        let stored = try store.read { try $0.history(station: "FT-0412", device: "ctrl1", point: "outlet_pressure", since: .distantPast) }
        #expect(stored.map(\.value) == [.double(0.44), .double(0.45)])
        #expect(try store.read { try $0.droppedLines() } == 0)
        #expect(try store.read { try $0.deadLetters() }.isEmpty)
        #expect(try store.read { try $0.outboxDepth() } == 1)
        #expect(try store.read { try $0.outboxPeek(maxLines: 10, maxBytes: 1000) }.map(\.line) == ["pump_station x=1 1"])
        let point = try #require(try store.read { try $0.status() }.first?.devices.first?.points.first)
        #expect(point.name == "outlet_pressure" && point.value == .double(0.45) && point.unit == "MPa")
        // the first poll after a start is stored whole; the same value 1 s later is not (deadband 0, heartbeat 15 min)
        try store.write { try $0.write(StoreBatch(samples: [sample(at: Date(timeIntervalSince1970: 1_780_000_002), [("outlet_pressure", .good(.double(0.45)))])])) }
        #expect(try store.read { try $0.historyRowCount() } == 3)
        try store.write { try $0.write(StoreBatch(samples: [sample(at: Date(timeIntervalSince1970: 1_780_000_003), [("outlet_pressure", .good(.double(0.45)))])])) }
        #expect(try store.read { try $0.historyRowCount() } == 3)
    }

    @Test("a database from a newer pumpgw is refused, for writing and for reading")
    func newerRefused() throws {
        let path = folder.path("v99.db")
        do {
            let future = try SQLiteConnection(path: path, readOnly: false)
            try future.execute("CREATE TABLE something (x); PRAGMA user_version = 99")
        }
        let error = try #require(throws: StoreError.self) { _ = try StationStore(path: path) }
        #expect(error == .newerSchema(path: path, found: 99, supported: Schema.currentVersion))
        #expect(error.description == "\(path): database schema version 99 is newer than this pumpgw supports (\(Schema.currentVersion)); upgrade pumpgw or move the file away")
        #expect(throws: StoreError.newerSchema(path: path, found: 99, supported: Schema.currentVersion)) {
            _ = try StationStore.openForReading(path: path)
        }
        // and it was not touched
        #expect(try scalar(path, "PRAGMA user_version") == .integer(99))
    }
}
