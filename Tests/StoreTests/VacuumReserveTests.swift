// Retention's incremental vacuum keeps the free pages that the last
// compacted window left, since the head's frames fill them again within a
// window; it returns only the rest (StoreEngine+Retention.swift says why).

import Foundation
import Testing
@testable import Store
import Telemetry

@Suite("vacuum keeps the head's free pages")
struct VacuumReserveTests {
    let folder: TempFolder
    init() throws { folder = try TempFolder() }

    /// 2026-05-28T20:00:00Z, a window start (see CompactionTests).
    static let windowStart = Date(timeIntervalSince1970: 1_779_998_400)

    func freePages(_ store: StationStore) throws -> Int64 {
        try store.onQueue { try $0.connection.scalar("PRAGMA freelist_count")?.integer ?? -1 }
    }

    @Test("after a window is compacted, retention vacuums nothing of what it freed, and only the excess of more")
    func reserveIsKept() throws {
        let clock = TestClock()
        // The thread's first pass runs at once (nothing due yet); the test compacts with compactNow.
        let store = try StationStore(path: folder.path("reserve.db"), options: StoreOptions(compactionInterval: 3600, clock: { clock.now }))
        defer { store.close() }
        // A window and 2 minutes of polls every 2 s of 100 points that all change:
        // 900 frames of about 700 bytes in the first window, some 150 pages.
        for poll in 0..<960 {
            let time = Self.windowStart.addingTimeInterval(Double(poll) * 2)
            try store.write { try $0.write(StoreBatch(samples: [sample(at: time, (0..<100).map {
                ("p\($0)", .good(.double(Double(poll * 100 + $0) / 1000)))
            })])) }
        }
        // 64 pages of text, dropped further down (made now, not from the freelist).
        try store.onQueue { engine in
            try engine.connection.execute("""
                CREATE TABLE scratch (text TEXT);
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 64)
                INSERT INTO scratch SELECT zeroblob(3000) || i FROM n;
                """)
        }
        #expect(try freePages(store) == 0)
        let report = try store.compactNow()
        #expect(report.frames == 900)
        let reserve = try #require(store.compactionStatus).freedByLastWindow
        #expect(reserve > 100, "\(reserve) pages freed by 900 frames")
        // The writer's connection sees what the compactor freed.
        #expect(try freePages(store) == Int64(reserve))

        // Nothing beyond the reserve: nothing vacuumed, every free page kept.
        #expect(try store.runRetention().pagesVacuumed == 0)
        #expect(try freePages(store) == Int64(reserve))
        // Pages in use plus the reserve: the whole file counts against maxDatabaseBytes.
        let (pages, pageSize) = try store.onQueue {
            (try $0.connection.scalar("PRAGMA page_count")?.integer ?? 0, try $0.connection.scalar("PRAGMA page_size")?.integer ?? 0)
        }
        #expect(try store.onQueue { try $0.usedBytes(reserving: reserve) } == pages * pageSize)

        // 64 more free pages (the table of 64 pages of text dropped): exactly those go.
        let extra = try store.onQueue { engine in
            try engine.connection.execute("DROP TABLE scratch")
            return (try engine.connection.scalar("PRAGMA freelist_count")?.integer ?? 0) - Int64(reserve)
        }
        #expect(extra >= 64, "\(extra)")  // a row of 3000 bytes per 4 KB page, plus the table's root
        #expect(try store.runRetention().pagesVacuumed == Int(extra))
        #expect(try freePages(store) == Int64(reserve))
    }

    @Test("without a compacted window (no compactor thread) retention vacuums every free page, as before")
    func noReserveWithoutCompactor() throws {
        let clock = TestClock()
        let store = try StationStore(path: folder.path("plain.db"), options: clock.options())
        defer { store.close() }
        try store.write { try $0.write(StoreBatch(samples: [sample(at: clock.now, [("flow", .good(.double(1)))])])) }
        let freed = try store.onQueue { engine in
            try engine.connection.execute("""
                CREATE TABLE scratch (text TEXT);
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20)
                INSERT INTO scratch SELECT zeroblob(3000) || i FROM n;
                DROP TABLE scratch;
                """)
            return try engine.connection.scalar("PRAGMA freelist_count")?.integer ?? 0
        }
        #expect(freed >= 20)
        #expect(try store.runRetention().pagesVacuumed == Int(freed))
        #expect(try freePages(store) == 0)
    }
}
