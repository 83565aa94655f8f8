// Schema version 9: latest frames written every 10 s, not every poll.
//
// Until version 8 each poll rewrote its device's latest frame (a 2 KB row
// for 100 points): the largest single cost in bytes written to the SD card.
// From this step on the writer (StoreEngine+Latest.swift) rewrites a point
// list's latest frame only when it is due, and every reader lays the history
// frames written since over it. Two things make that exact:
//
// - `latest_frames.last_frame`: the newest history frame id in the store when
//   the latest frame was written. Every history frame of the device with a
//   larger id was written after it. Ids, not times: they keep their order
//   through a clock step.
// - `latest_polls`: when each point list (a latest frame's device and first
//   point) was last polled, written every poll: a narrow row, so a poll of
//   a device whose values sit still costs a few bytes, not its whole frame.
//   Per point list and not `device_health.time`: a device with poll groups
//   has several lists polled at their own intervals, and health's time is
//   the last poll of any of them.
//
// The latest reading of a point, as `StoreEngine.status()` and the `latest`
// view give it (the same rule, LatestOverlay.swift and the SQL below):
//
// 1. its HOME is the latest frame that lists it with the largest
//    last_frame (then time): a point list that changed leaves its old frame
//    behind, and the newer list's frame wins;
// 2. its value and quality are those of the newest entry (largest frame id)
//    among the home frame's entry and the entries of the device's history
//    frames with id > last_frame and time between the home frame's time and
//    its list's last poll (the only frames that can hold them);
// 3. its time is its list's last poll (`latest_polls.time`) when that is
//    later than the frame's time, else the frame's time (or the entry's own,
//    in frames migrated from version 2).
//
// Why the value is exact, not only the newest stored: history keeps every
// change of value or quality beyond the deadband, and the writer rewrites the
// latest frame in the same transaction whenever history dropped a change the
// overlay would miss (a change within the deadband). So after every committed
// batch, rule 2 gives each point's reading at its list's last poll, and that
// poll read every point of the list: rule 3.
//
// Compaction hides old history frames (Compactor.swift), and the overlay reads
// no chunks. It never needs to: a list's frames newer than its latest frame
// are at most 10 s older than the list's last poll (the write cadence), a list
// not polled for 30 s has its frame brought up to date by the writer, so does
// a clean stop and the next open after a kill -9; the compactor only takes
// windows that ended 60 s before the newest frame.

extension Schema {
    static let version9 = """
        ALTER TABLE latest_frames ADD COLUMN last_frame INTEGER NOT NULL DEFAULT 0;
        UPDATE latest_frames SET last_frame = max(coalesce((SELECT max(id) FROM history_frames), 0),
                                                  coalesce((SELECT max(last_frame) FROM compacted_windows), 0));
        CREATE TABLE latest_polls (
            device_id INTEGER NOT NULL,
            first_point_id INTEGER NOT NULL,
            time INTEGER NOT NULL,
            PRIMARY KEY (device_id, first_point_id)) WITHOUT ROWID;
        INSERT INTO latest_polls (device_id, first_point_id, time)
            SELECT device_id, first_point_id, time FROM latest_frames;
        DROP VIEW latest;
        CREATE VIEW latest AS
        WITH lists AS (
            SELECT f.device_id, f.time AS written, f.last_frame, f.points, max(f.time, coalesce(p.time, f.time)) AS polled
            FROM latest_frames f LEFT JOIN latest_polls p
                 ON p.device_id = f.device_id AND p.first_point_id = f.first_point_id),
        home AS MATERIALIZED (
            SELECT * FROM (
                SELECT l.device_id, l.written, l.last_frame, l.polled, e.value AS entry,
                       json_extract(e.value, '$[0]') AS point_id,
                       row_number() OVER (PARTITION BY json_extract(e.value, '$[0]')
                                          ORDER BY l.last_frame DESC, l.written DESC) AS n
                FROM lists l, json_each(l.points) e)
            WHERE n = 1),
        behind AS MATERIALIZED (
            SELECT device_id, min(written) AS since, max(polled) AS until, min(last_frame) AS after
            FROM lists WHERE polled > written GROUP BY device_id),
        newer AS MATERIALIZED (
            -- one range of the time index for all devices (CROSS JOIN keeps
            -- SQLite from scanning it once per device)
            SELECT h.device_id, h.id, h.time, json_extract(e.value, '$[0]') AS point_id, e.value AS entry
            FROM history_frames h CROSS JOIN behind b
                 ON b.device_id = h.device_id AND h.id > b.after AND h.time >= b.since AND h.time <= b.until,
                 json_each(h.points) e
            WHERE h.time >= (SELECT min(since) FROM behind) AND h.time <= (SELECT max(until) FROM behind)),
        candidates AS (
            SELECT o.point_id, o.device_id, o.entry, o.last_frame AS rank,
                   CASE WHEN o.polled > o.written THEN o.polled
                        ELSE coalesce(json_extract(o.entry, '$[3]'), o.written) END AS time
            FROM home o
            UNION ALL
            SELECT o.point_id, o.device_id, n.entry, n.id, o.polled
            FROM home o JOIN newer n
                 ON n.point_id = o.point_id AND n.device_id = o.device_id AND n.id > o.last_frame
                    AND n.time >= o.written AND n.time <= o.polled)
        SELECT point_id, json_extract(entry, '$[1]') AS value, json_extract(entry, '$[2]') AS quality, time, device_id
        FROM (SELECT *, row_number() OVER (PARTITION BY point_id ORDER BY rank DESC) AS n FROM candidates)
        WHERE n = 1;
        """
}
