// Schema step 11 takes a version 10 file's one `history_frames` table into
// the two frame tables by window parity (Schema+FrameTables.swift): every
// frame, with its id, in the table of its window; history, `history_head`
// and `latest` read the same before and after.
//
// The version 10 file is built by steps 1 to 10, then filled with the rows a
// store wrote (frames in both parities, latest frames and polls): step 10's
// formats are today's, only the frame table differs.

import Foundation
import Testing
@testable import Store
import Telemetry

@Suite("frame tables migration (schema step 11)")
struct FrameTablesMigrationTests {
    let folder: TempFolder
    let polls: CompactionTests
    init() throws {
        folder = try TempFolder()
        polls = try CompactionTests()
    }

    /// A version 10 file holding every row of the store file `source`.
    func version10(copying source: String) throws -> String {
        let path = folder.path("v10.db")
        let old = try SQLiteConnection(path: path, readOnly: false)
        try old.execute("PRAGMA journal_mode = WAL")
        for step in 0..<10 {
            try old.transaction { () throws(StoreError) in
                try old.execute(Schema.migrations[step])
                try Schema.convert(to: step + 1, old)
            }
        }
        try old.execute("PRAGMA user_version = 10")
        try old.execute("ATTACH DATABASE '\(source)' AS source")
        let tables = try old.rows("SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") {
            $0[0].text ?? ""
        }
        for table in tables {  // `history_frames` is a view in the source: the same columns
            try old.execute("INSERT OR REPLACE INTO main.\(table) SELECT * FROM source.\(table)")  // counters: seeded by step 2
        }
        try old.execute("DETACH DATABASE source")
        return path
    }

    @Test("a v10 file's frames go to the table of their window's parity, ids kept; history, history_head and latest unchanged")
    func fromVersion10() throws {
        let source = folder.path("source.db")
        do {
            let store = try StationStore(path: source, options: StoreOptions(compactionInterval: nil))
            defer { store.close() }
            try polls.writePolls(store, minutes: 0..<40)  // minutes 0..29: window w (even), 30..39: w+1 (odd)
        }
        let path = try version10(copying: source)
        let frames = "SELECT id, device_id, time, points FROM history_frames ORDER BY id"
        let head = "SELECT point_id, time, value, quality, device_id FROM history_head ORDER BY time, point_id"
        let latest = "SELECT point_id, value, quality, time, device_id FROM latest ORDER BY point_id"
        let before = (frames: try query(path, frames), head: try query(path, head), latest: try query(path, latest))
        #expect(try scalar(path, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'history_frames'") == .integer(1))
        #expect(before.frames.count == 80 && before.head.count == 80 && before.latest.count == 2)

        let store = try StationStore(path: path, options: StoreOptions(compactionInterval: nil))
        defer { store.close() }
        #expect(try scalar(path, "PRAGMA user_version") == .integer(11))
        #expect(try scalar(path, "SELECT type FROM sqlite_master WHERE name = 'history_frames'") == .text("view"))
        // By hand: 30 minutes x 2 devices in table 0, 10 x 2 in table 1, each in its window's table.
        let start = FrameTablesTests.start
        #expect(try scalar(path, "SELECT count(*) FROM history_frames_0 WHERE time < \(start + 1_800_000)") == .integer(60))
        #expect(try scalar(path, "SELECT count(*) FROM history_frames_0") == .integer(60))
        #expect(try scalar(path, "SELECT count(*) FROM history_frames_1 WHERE time >= \(start + 1_800_000)") == .integer(20))
        #expect(try scalar(path, "SELECT count(*) FROM history_frames_1") == .integer(20))
        #expect(try query(path, frames) == before.frames)
        #expect(try query(path, head) == before.head)
        #expect(try query(path, latest) == before.latest)
        #expect(try polls.history(store, "a") == FrameTablesTests.valuesOfA(0..<40))
        // The migrated file compacts as a new one: window w (due: minute 39 is past its end and head) is emptied whole.
        let report = try store.compactNow()
        #expect(report.frames == 60 && report.tablesCleared == 1 && report.framesDeletedByRow == 0)
        #expect(try polls.history(store, "a") == FrameTablesTests.valuesOfA(0..<40))
        #expect(try store.read { try $0.integrityCheck() } == ["ok"])
    }
}
