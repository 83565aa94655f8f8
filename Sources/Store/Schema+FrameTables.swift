// Schema version 11: history frames in two tables by window parity, for the SD card.
//
// Compaction turns a closed 30-minute window of frames into chunks, then the
// frames must go. Deleting rows, even whole pages of them, writes every leaf
// page of the table and its index to the WAL before freeing it, and the
// checkpoint copies it again: about 14.6 bytes per compacted sample, half of
// the steady state's cost. `DELETE FROM t` with no WHERE clause is SQLite's
// truncate optimization: it frees the pages without writing them (85 WAL
// pages against 14,612 for 180,000 rows of ~840 bytes, measured with the
// same libsqlite3).
//
// So from this step on a frame lives in `history_frames_0` or
// `history_frames_1`: the table `w & 1` of its window w = floor(time / 30 min)
// (floored as Compactor.windowStart, also before 1970). A window's frames are
// all in one table, and while the gateway compacts window w, the writer fills
// window w + 1, in the other one; so once window w is in chunks, its table
// holds nothing else and goes as a whole (Compactor.swift says when it can).
// Ids stay one global count (the writer's, StoreEngine+Latest.swift).
//
// `history_frames` becomes a view over both tables, so SQL written by hand,
// the `latest` view (which names it and resolves it at query time: SQLite
// pushes its time range into both arms, each on its own index) and reads by
// id (each arm a rowid seek) keep working. `history_head` is re-created over
// the two tables: over the view, SQLite copied every frame to a temporary
// table first (a compound view in a join with json_each). Reads that need an
// index range, and every write, name the tables (`FrameTable`).
// No triggers and no foreign keys on these tables: either would turn the
// truncate back into row deletes.

extension Schema {
    static let version11 = """
        CREATE TABLE history_frames_0 (
            id INTEGER PRIMARY KEY,
            device_id INTEGER NOT NULL,
            time INTEGER NOT NULL,
            points TEXT NOT NULL);
        CREATE TABLE history_frames_1 (
            id INTEGER PRIMARY KEY,
            device_id INTEGER NOT NULL,
            time INTEGER NOT NULL,
            points TEXT NOT NULL);
        INSERT INTO history_frames_0 (id, device_id, time, points)
            SELECT id, device_id, time, points FROM history_frames WHERE \(FrameTable.parity("time")) = 0 ORDER BY id;
        INSERT INTO history_frames_1 (id, device_id, time, points)
            SELECT id, device_id, time, points FROM history_frames WHERE \(FrameTable.parity("time")) = 1 ORDER BY id;
        DROP TABLE history_frames;
        CREATE INDEX history_frames_0_by_time ON history_frames_0 (time, device_id);
        CREATE INDEX history_frames_1_by_time ON history_frames_1 (time, device_id);
        CREATE VIEW history_frames AS
            SELECT id, device_id, time, points FROM history_frames_0
            UNION ALL
            SELECT id, device_id, time, points FROM history_frames_1;
        DROP VIEW history_head;
        CREATE VIEW history_head AS
        \(FrameTable.union { table in """
            SELECT \(entryPointID(frame: "f.points")) AS point_id, f.time AS time,
                   \(entryValue()) AS value, \(entryQuality()) AS quality, f.device_id AS device_id
            FROM \(table.name) f, json_each(f.points) e
            WHERE \(isEntry()) AND NOT \(frameIsCompacted)
            """ });
        """
}

/// One of the two history frame tables (see the top of this file).
struct FrameTable: Equatable, Sendable {
    /// 0 or 1: the parity of the windows whose frames it holds.
    let parity: Int

    static let both = [FrameTable(parity: 0), FrameTable(parity: 1)]

    /// The table of frames taken at `time` (ms).
    static func of(time: Int64) -> FrameTable {
        FrameTable(parity: Int((Compactor.windowStart(time) / Compactor.windowMilliseconds) & 1))
    }

    var name: String { "history_frames_\(parity)" }
    /// Its (time, device_id) index.
    var timeIndex: String { "history_frames_\(parity)_by_time" }

    /// SQL for the window parity of the time column `time` (floored, so -1 for
    /// the window before 1970, whose parity `& 1` makes 1, as in Swift).
    static func parity(_ time: String) -> String {
        let window = Compactor.windowMilliseconds
        return "((\(time) - ((\(time) % \(window)) + \(window)) % \(window)) / \(window)) & 1"
    }

    /// `aggregate` (min(time), max(id), ...) of this table alone: a lone min()
    /// or max() is an index or rowid seek, where over the view, or two in one
    /// query, SQLite scans.
    func aggregate(_ aggregate: String, on connection: SQLiteConnection) throws(StoreError) -> Int64? {
        try connection.scalar("SELECT \(aggregate) FROM \(name)")?.integer
    }

    /// One SELECT over both tables: `arm(table)` for each, joined by UNION ALL,
    /// then `tail` (an ORDER BY names result columns). Use numbered parameters
    /// (?1, ?2) in the arms so both share the values.
    static func union(_ arm: (FrameTable) -> String, then tail: String = "") -> String {
        both.map(arm).joined(separator: "\nUNION ALL\n") + (tail.isEmpty ? "" : "\n" + tail)
    }
}
