// The store's schema, versioned with `PRAGMA user_version` and migrated
// forward on open, one transaction per step. Never edit a shipped step:
// add the next one.
//
// Times are INTEGER milliseconds since 1970 UTC. A value column holds REAL,
// INTEGER or TEXT as the point's type needs (`points.kind` says which Swift
// `Value` it is); a quality is NULL for good, else "invalid: ..." or "error: ...".
//
// Since version 3, history and latest values are kept as frames: one row per
// device poll whose `points` column is a JSON array of [point_id, value] or
// [point_id, value, quality] (latest entries may carry a fourth item, their
// own time). Rows per poll instead of rows per point is what lets one box keep
// 100,000 samples a second. The views `history` and `latest` unpack frames
// into the per-point rows of versions 1 and 2, for SQL by hand.
//
// Since version 7, frames are appended in time order with an index on
// (time, device_id), and compacted a window at a time (Schema+TimeOrder.swift).
//
// Since version 5, frames are only the head of history (the last half hour
// or so): the compactor (Compactor.swift) turns closed windows of frames into
// per-point chunks, one BLOB per point and window (ChunkCodec.swift). The
// `history` view could not survive: plain sqlite3 cannot decode a chunk. It
// became `history_head` (the frames not compacted yet); `pumpgw history
// --csv` reads the whole history.
//
// Since version 9, a latest frame is rewritten every 10 s or when history
// dropped a change, and readers lay the newer history frames over it
// (Schema+LatestOverlay.swift).
//
// Since version 10, history frames are dense: [B, value, value, ...], the
// point id given by position (Schema+DenseFrames.swift).
//
// Since version 11, history frames are in two tables by window parity,
// `history_frames_0` and `history_frames_1`, so compaction empties a table
// instead of deleting rows; `history_frames` is a view over both
// (Schema+FrameTables.swift).

enum Schema {
    /// Step N (index N-1) takes a database from version N-1 to N.
    static let migrations: [String] = [version1, version2, version3, version4, version5, version6, version7, version8,
                                       version9, version10, version11]

    static var currentVersion: Int { migrations.count }

    /// Version 1: metadata, latest values, history, alarms, health, outbox.
    static let version1 = """
        CREATE TABLE stations (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            tags TEXT NOT NULL DEFAULT '{}');
        CREATE TABLE devices (
            id INTEGER PRIMARY KEY,
            station_id INTEGER NOT NULL REFERENCES stations(id),
            name TEXT NOT NULL,
            profile TEXT NOT NULL,
            UNIQUE (station_id, name));
        CREATE TABLE points (
            id INTEGER PRIMARY KEY,
            device_id INTEGER NOT NULL REFERENCES devices(id),
            name TEXT NOT NULL,
            unit TEXT,
            kind TEXT NOT NULL DEFAULT 'double',
            UNIQUE (device_id, name));
        CREATE TABLE latest (
            point_id INTEGER PRIMARY KEY REFERENCES points(id),
            value,
            quality TEXT,
            time INTEGER NOT NULL);
        CREATE TABLE history (
            point_id INTEGER NOT NULL,
            time INTEGER NOT NULL,
            value,
            quality TEXT);
        CREATE INDEX history_by_point ON history (point_id, time);
        CREATE INDEX history_by_time ON history (time);
        CREATE TABLE alarm_events (
            id INTEGER PRIMARY KEY,
            station TEXT NOT NULL, device TEXT NOT NULL, point TEXT NOT NULL, rule TEXT NOT NULL,
            severity TEXT NOT NULL, state TEXT NOT NULL,
            value REAL, limit_value REAL, time INTEGER NOT NULL, message TEXT NOT NULL);
        CREATE INDEX alarm_events_by_time ON alarm_events (time);
        CREATE TABLE active_alarms (
            key TEXT PRIMARY KEY,
            station TEXT NOT NULL, device TEXT NOT NULL, point TEXT NOT NULL, rule TEXT NOT NULL,
            severity TEXT NOT NULL,
            value REAL, limit_value REAL, time INTEGER NOT NULL, message TEXT NOT NULL);
        CREATE TABLE device_health (
            device_id INTEGER PRIMARY KEY REFERENCES devices(id),
            time INTEGER NOT NULL,
            connected INTEGER NOT NULL,
            poll_ms REAL NOT NULL,
            errors INTEGER NOT NULL,
            consecutive_failures INTEGER NOT NULL,
            last_good_poll INTEGER,
            last_error TEXT);
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            device_key TEXT NOT NULL,
            line TEXT NOT NULL,
            created INTEGER NOT NULL);
        """

    /// Version 2: history by exception remembers the last stored sample in
    /// `latest`; dead letters for lines the server refused; counters.
    static let version2 = """
        ALTER TABLE latest ADD COLUMN history_value;
        ALTER TABLE latest ADD COLUMN history_quality TEXT;
        ALTER TABLE latest ADD COLUMN history_time INTEGER;
        UPDATE latest SET history_time = (SELECT max(time) FROM history WHERE history.point_id = latest.point_id);
        UPDATE latest SET history_value = (SELECT value FROM history
                                           WHERE history.point_id = latest.point_id AND history.time = latest.history_time),
                          history_quality = (SELECT quality FROM history
                                             WHERE history.point_id = latest.point_id AND history.time = latest.history_time);
        CREATE TABLE dead_letters (
            id INTEGER PRIMARY KEY,
            device_key TEXT NOT NULL,
            line TEXT NOT NULL,
            message TEXT NOT NULL,
            time INTEGER NOT NULL);
        CREATE TABLE counters (
            name TEXT PRIMARY KEY,
            value INTEGER NOT NULL);
        INSERT INTO counters (name, value) VALUES ('dropped_lines', 0);
        """

    /// Version 3: history and latest as frames (one row per device poll, see
    /// the top of this file); the old tables become views of the same name.
    /// The by-exception memory of version 2 is not carried over: the first
    /// poll after an upgrade (as after every start) stores every point.
    static let version3 = """
        CREATE TABLE history_frames (
            id INTEGER PRIMARY KEY,
            device_id INTEGER NOT NULL,
            time INTEGER NOT NULL,
            points TEXT NOT NULL);
        CREATE INDEX history_frames_by_device ON history_frames (device_id, time);
        CREATE INDEX history_frames_by_time ON history_frames (time);
        CREATE TABLE latest_frames (
            device_id INTEGER NOT NULL,
            first_point_id INTEGER NOT NULL,
            time INTEGER NOT NULL,
            points TEXT NOT NULL,
            PRIMARY KEY (device_id, first_point_id));
        INSERT INTO history_frames (device_id, time, points)
            SELECT p.device_id, h.time, json_group_array(json_array(h.point_id, h.value, h.quality))
            FROM history h JOIN points p ON p.id = h.point_id
            GROUP BY p.device_id, h.time ORDER BY h.time;
        INSERT INTO latest_frames (device_id, first_point_id, time, points)
            SELECT p.device_id, min(l.point_id), max(l.time),
                   json_group_array(json_array(l.point_id, l.value, l.quality, l.time))
            FROM latest l JOIN points p ON p.id = l.point_id
            GROUP BY p.device_id;
        DROP TABLE history;
        DROP TABLE latest;
        CREATE VIEW history AS
            SELECT json_extract(e.value, '$[0]') AS point_id, f.time AS time,
                   json_extract(e.value, '$[1]') AS value, json_extract(e.value, '$[2]') AS quality,
                   f.device_id AS device_id
            FROM history_frames f, json_each(f.points) e;
        CREATE VIEW latest AS
            SELECT json_extract(e.value, '$[0]') AS point_id, json_extract(e.value, '$[1]') AS value,
                   json_extract(e.value, '$[2]') AS quality, coalesce(json_extract(e.value, '$[3]'), f.time) AS time,
                   f.device_id AS device_id
            FROM latest_frames f, json_each(f.points) e;
        """

    /// Version 5: history chunks behind the frames (see the top of this file).
    /// Frames are clustered by device (until version 7: Schema+TimeOrder.swift):
    /// a frame's id is device_id << 40 plus a count, so one device's frames share pages and compacting
    /// its window frees whole pages instead of rewriting every page of the
    /// window (frames of all devices interleaved: 220 bytes written per sample
    /// in the bench instead of 57). Their two indexes go: each touched a page
    /// per device per poll, and reads seek by id range.
    /// A chunk holds one point's samples of one window [start_time, end_time)
    /// in frame order; `first_frame` orders two chunks of one window (frames
    /// that came late, after a clock step). count/min/max/sum/last are over
    /// its good numeric samples, for downsampled reads without decoding.
    static let version5 = """
        CREATE TABLE history_chunks (
            id INTEGER PRIMARY KEY,
            point_id INTEGER NOT NULL,
            start_time INTEGER NOT NULL,
            end_time INTEGER NOT NULL,
            first_frame INTEGER NOT NULL,
            samples INTEGER NOT NULL,
            count INTEGER NOT NULL,
            min REAL, max REAL, sum REAL, last REAL,
            data BLOB NOT NULL);
        CREATE INDEX history_chunks_by_point ON history_chunks (point_id, start_time);
        CREATE INDEX history_chunks_by_time ON history_chunks (start_time);
        DROP INDEX history_frames_by_device;
        DROP INDEX history_frames_by_time;
        UPDATE history_frames SET id = (device_id << 40) + id;
        DROP VIEW history;
        CREATE VIEW history_head AS
            SELECT json_extract(e.value, '$[0]') AS point_id, f.time AS time,
                   json_extract(e.value, '$[1]') AS value, json_extract(e.value, '$[2]') AS quality,
                   f.device_id AS device_id
            FROM history_frames f, json_each(f.points) e;
        """

    /// Brings `connection` to the current version; refuses a newer file.
    static func migrate(_ connection: SQLiteConnection) throws(StoreError) {
        let found = try version(of: connection)
        guard found <= currentVersion else {
            throw .newerSchema(path: connection.path, found: found, supported: currentVersion)
        }
        for step in found..<currentVersion {
            try connection.transaction { () throws(StoreError) in
                try connection.execute(migrations[step])
                try convert(to: step + 1, connection)
                try connection.execute("PRAGMA user_version = \(step + 1)")
            }
        }
    }

    static func version(of connection: SQLiteConnection) throws(StoreError) -> Int {
        Int(try connection.scalar("PRAGMA user_version")?.integer ?? 0)
    }
}
