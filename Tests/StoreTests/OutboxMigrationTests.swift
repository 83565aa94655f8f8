// Schema step 8 takes the schema 7 outbox (one row per line: TEXT, or a
// deflated BLOB) into batch rows without losing or reordering a line; a
// damaged old line stops the upgrade with an error naming it, and leaves the
// file as it was.

import Foundation
import Testing
@testable import Store

@Suite("outbox migration to batches")
struct OutboxMigrationTests {
    let folder: TempFolder
    init() throws { folder = try TempFolder() }

    /// A schema 7 file whose outbox holds `rows` (device_key, line SQL value, created).
    func version7(_ name: String, _ rows: [(String, SQLiteValue, Int64)]) throws -> String {
        let path = folder.path(name)
        let old = try SQLiteConnection(path: path, readOnly: false)
        try old.execute("PRAGMA journal_mode = WAL")
        for step in 0..<7 { try old.execute(Schema.migrations[step]) }
        try old.execute("PRAGMA user_version = 7")
        try old.transaction { () throws(StoreError) in
            for (key, line, created) in rows {
                try old.run("INSERT INTO outbox (device_key, line, created) VALUES (?, ?, ?)", [.text(key), line, .integer(created)])
            }
        }
        return path
    }

    /// A line as schema 7 stored it deflated: its UTF-8 count (4 bytes, big-endian), then zlib.
    func deflated(_ line: String) throws -> SQLiteValue {
        .blob(try #require(Deflated.blob(of: Array(line.utf8))))
    }

    @Test("TEXT and deflated lines of a v7 outbox become batch rows by queue time, in order, none lost")
    func fromVersion7() throws {
        let t1: Int64 = 1_780_000_000_000, t2 = t1 + 1000, t3 = t1 + 2000
        let path = try version7("v7.db", [
            ("FT-0412/ctrl1", .text("old a 1"), t1), ("FT-0412/ctrl2", .text("old b 1"), t1),
            ("FT-0412/ctrl1", try deflated("new a 2"), t2), ("FT-0412/ctrl2", try deflated("new b 2"), t2),
            ("gateway", try deflated("pumpgw_health,gateway=G outbox_depth=4i 2"), t2),
            ("FT-0412/ctrl1", .text("requeued 3"), t3),
        ])
        let store = try StationStore(path: path, options: StoreOptions(compactionInterval: nil))
        defer { store.close() }
        #expect(try scalar(path, "PRAGMA user_version") == .integer(Int64(Schema.currentVersion)))  // 8, then on
        #expect(try scalar(path, "SELECT count(*) FROM sqlite_master WHERE name = 'outbox'") == .integer(0))
        // Consecutive lines queued at the same time share a row: 2 at t1, 3 at t2, 1 at t3.
        #expect(try query(path, "SELECT lines, gone, live, created FROM outbox_batches ORDER BY id") == [
            [.integer(2), .integer(0), .integer(2), .integer(t1)],
            [.integer(3), .integer(0), .integer(3), .integer(t2)],
            [.integer(1), .integer(0), .integer(1), .integer(t3)]])
        let entries = try store.read { try $0.outboxPeek(maxLines: 100, maxBytes: 1 << 20) }
        #expect(entries.map(\.line) == ["old a 1", "old b 1", "new a 2", "new b 2",
                                        "pumpgw_health,gateway=G outbox_depth=4i 2", "requeued 3"])
        #expect(entries.map(\.deviceKey) == ["FT-0412/ctrl1", "FT-0412/ctrl2", "FT-0412/ctrl1", "FT-0412/ctrl2",
                                             "gateway", "FT-0412/ctrl1"])
        #expect(entries.map { ValueColumns.milliseconds($0.created) } == [t1, t1, t2, t2, t2, t3])
        #expect(try store.read { try $0.outboxDepth() } == 6)
        #expect(try store.read { try $0.integrityCheck() } == ["ok"])
    }

    @Test("a v7 outbox longer than a migration page keeps every line in order")
    func manyLines() throws {
        // 4096 lines a page: 5000 lines at one time make rows of 4096 and 904.
        let path = try version7("many.db", try (0..<5000).map { ("k", $0 % 2 == 0 ? .text("l\($0)") : try deflated("l\($0)"), 7) })
        let store = try StationStore(path: path, options: StoreOptions(compactionInterval: nil))
        defer { store.close() }
        #expect(try query(path, "SELECT lines FROM outbox_batches ORDER BY id") == [[.integer(4096)], [.integer(904)]])
        let lines = try store.read { try $0.outboxPeek(maxLines: 10_000, maxBytes: 1 << 20) }.map(\.line)
        #expect(lines == (0..<5000).map { "l\($0)" })
    }

    @Test("a damaged v7 line stops the upgrade with an error naming it; the file stays at version 7")
    func damagedOldLine() throws {
        let path = try version7("bad.db", [("k", .text("fine 1"), 1), ("k", .blob([0, 0, 0, 9, 1, 2, 3]), 1)])
        let error = try #require(throws: StoreError.self) { _ = try StationStore(path: path, options: StoreOptions(compactionInterval: nil)) }
        #expect(error.description.contains("outbox line 2 cannot be inflated"), "\(error)")
        #expect(error.description.contains("DELETE FROM outbox WHERE id = 2"), "\(error)")
        #expect(try scalar(path, "PRAGMA user_version") == .integer(7))
        #expect(try scalar(path, "SELECT count(*) FROM outbox") == .integer(2))
    }
}
