// Schema step 6 (the boost tables) on real files: a version 5 store that
// main's gateway made (with the boost tables it created outside the numbered
// steps, holding a boost and an event) and a plain version 5 store both
// open at version 6, the first with its rows kept.

import Foundation
import Testing
@testable import Store

@Suite("schema step 6: the boost tables")
struct BoostMigrationTests {
    let folder: TempFolder
    init() throws { folder = try TempFolder() }

    /// The boost tables exactly as BoostTable created them before step 6
    /// (copied from commit 9c69288, not from Schema.version6).
    static let createdOutsideTheSteps = """
        CREATE TABLE IF NOT EXISTS boosts (
            id INTEGER PRIMARY KEY,
            station TEXT NOT NULL, device TEXT,
            interval_ms INTEGER NOT NULL,
            created INTEGER NOT NULL, until INTEGER NOT NULL,
            reason TEXT NOT NULL, source TEXT NOT NULL, history TEXT NOT NULL,
            cancelled INTEGER);
        CREATE INDEX IF NOT EXISTS boosts_by_until ON boosts (until);
        CREATE TABLE IF NOT EXISTS boost_events (
            id INTEGER PRIMARY KEY,
            time INTEGER NOT NULL, state TEXT NOT NULL,
            station TEXT NOT NULL, device TEXT NOT NULL,
            interval_ms INTEGER NOT NULL, until INTEGER NOT NULL,
            reason TEXT NOT NULL, source TEXT NOT NULL);
        """

    /// A version 5 file made by steps 1 to 5, with `extra` SQL run after them.
    func version5(_ name: String, extra: String = "") throws -> String {
        let path = folder.path(name)
        let old = try SQLiteConnection(path: path, readOnly: false)
        try old.execute("PRAGMA journal_mode = WAL")
        for step in 0..<5 { try old.execute(Schema.migrations[step]) }
        try old.execute("PRAGMA user_version = 5")
        if !extra.isEmpty { try old.execute(extra) }
        return path
    }

    static func tables(_ path: String) throws -> [String] {
        try query(path, "SELECT name FROM sqlite_master WHERE name LIKE 'boost%' ORDER BY name").compactMap { $0.first?.text }
    }

    @Test("a version 5 store with main's boost tables and rows migrates to 6 and keeps them")
    func fromMainsStore() throws {
        // 1 780 000 000 000 ms = 2026-05-28T20:26:40Z; the boost runs to +2 h (7 200 000 ms).
        let path = try version5("main.db", extra: Self.createdOutsideTheSteps + """
            INSERT INTO boosts (station, device, interval_ms, created, until, reason, source, history)
                VALUES ('FT-0412', 'booster', 200, 1780000000000, 1780007200000, 'complaint 17', 'cli', 'every');
            INSERT INTO boost_events (time, state, station, device, interval_ms, until, reason, source)
                VALUES (1780000000500, 'started', 'FT-0412', 'booster', 200, 1780007200000, 'complaint 17', 'cli');
            """)
        let store = try StationStore(path: path)
        defer { store.close() }
        #expect(try scalar(path, "PRAGMA user_version") == .integer(Int64(Schema.currentVersion)))  // 6, then 7 (time order) and on
        #expect(try Self.tables(path) == ["boost_events", "boosts", "boosts_by_until"])
        let table = try BoostTable(path: path)
        let active = try table.active(at: Date(timeIntervalSince1970: 1_780_003_600))  // 1 h in
        #expect(active.map(\.intervalMilliseconds) == [200])
        #expect(active.first?.reason == "complaint 17" && active.first?.device == "booster")
        let events = try table.events(since: Date(timeIntervalSince1970: 1_780_000_000))
        #expect(events.map(\.state) == ["started"] && events.first?.intervalMilliseconds == 200)
        #expect(try store.read { try $0.integrityCheck() } == ["ok"])
    }

    @Test("a plain version 5 store migrates to 6 with empty boost tables that take a boost")
    func fromPlainVersion5() throws {
        let path = try version5("plain.db")
        #expect(try Self.tables(path).isEmpty)
        let store = try StationStore(path: path)
        defer { store.close() }
        #expect(try scalar(path, "PRAGMA user_version") == .integer(Int64(Schema.currentVersion)))  // 6, then 7 (time order) and on
        #expect(try Self.tables(path) == ["boost_events", "boosts", "boosts_by_until"])
        let table = try BoostTable(path: path)
        let t = Date(timeIntervalSince1970: 1_780_000_000)
        #expect(try table.active(at: t).isEmpty)
        let id = try table.add(BoostRecord(station: "FT-0412", device: nil, intervalMilliseconds: 500, created: t,
                                           until: t + 60, reason: "", source: "cli"))
        #expect(try table.active(at: t + 30).map(\.id) == [id])
    }

    @Test("the boosts of a version 5 store are refused until the gateway has migrated it, and nothing is written")
    func refusedBeforeMigration() throws {
        let path = try version5("unmigrated.db")
        let error = try #require(throws: StoreError.self) { _ = try BoostTable(path: path) }
        #expect(error.description == "\(path): database schema version 5 is older than this pumpgw's (\(Schema.currentVersion)); start the gateway once to upgrade it")
        #expect(try Self.tables(path).isEmpty)
        #expect(try scalar(path, "PRAGMA user_version") == .integer(5))
    }
}
