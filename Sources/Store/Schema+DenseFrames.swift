// Schema version 10: dense history frames, for the SD card.
//
// An explicit entry [10234,51.3] spends more bytes on the point id than on
// the value. From this step on a history frame starts with the base point id
// B, an integer, and an element that is not an array at position k >= 1 is
// point B + k - 1's value with good quality: a frame of a device whose every
// value changed is [B,51.3,0.7,...]. An array element is an explicit entry as
// before, for a bad quality, a null value, or a point not at its position (a
// by-exception frame after a gap longer than 3 points). A bare null is no
// entry: it fills a shorter gap so the entries after it stay bare. FrameText.swift writes it,
// FrameReader.swift reads it; frames written before (all elements arrays)
// read as they always did, since a first element that is an integer is what
// marks the new form. Latest frames stayed explicit at this step, but every
// reader takes both forms, and the writer has made them dense too since
// (StoreEngine+Write.swift); the fold still writes explicit ones.
//
// This step re-creates the two views that read frames with json_each, with
// the expressions below (shared with the Swift readers' SQLite fallbacks).
// The `latest` view repeats version 9's text where it does not read entries
// (`lists`, `behind`): a shipped step is frozen, so it is not cut into parts.

extension Schema {
    /// The point id of json_each element `e` of the frame text `frame`.
    static func entryPointID(_ e: String = "e", frame: String) -> String {
        "CASE WHEN \(e).type = 'array' THEN json_extract(\(e).value, '$[0]') ELSE json_extract(\(frame), '$[0]') + \(e).key - 1 END"
    }

    /// The value of json_each element `e` (a bare element is the value itself).
    static func entryValue(_ e: String = "e") -> String {
        "CASE WHEN \(e).type = 'array' THEN json_extract(\(e).value, '$[1]') ELSE \(e).value END"
    }

    /// The quality of json_each element `e` (a bare element's is good: NULL).
    static func entryQuality(_ e: String = "e") -> String {
        "CASE WHEN \(e).type = 'array' THEN json_extract(\(e).value, '$[2]') END"
    }

    /// True unless `e` is a dense frame's element 0, the base point id, or a
    /// bare null (a point without an entry, filling a gap).
    static func isEntry(_ e: String = "e") -> String {
        "NOT (\(e).key = 0 AND \(e).type = 'integer') AND \(e).type <> 'null'"
    }

    static let version10 = """
        DROP VIEW history_head;
        CREATE VIEW history_head AS
            SELECT \(entryPointID(frame: "f.points")) AS point_id, f.time AS time,
                   \(entryValue()) AS value, \(entryQuality()) AS quality, f.device_id AS device_id
            FROM history_frames f, json_each(f.points) e
            WHERE \(isEntry()) AND NOT \(frameIsCompacted);
        DROP VIEW latest;
        CREATE VIEW latest AS
        WITH lists AS (
            SELECT f.device_id, f.time AS written, f.last_frame, f.points, max(f.time, coalesce(p.time, f.time)) AS polled
            FROM latest_frames f LEFT JOIN latest_polls p
                 ON p.device_id = f.device_id AND p.first_point_id = f.first_point_id),
        home AS MATERIALIZED (
            SELECT * FROM (
                SELECT l.device_id, l.written, l.last_frame, l.polled, \(entryPointID(frame: "l.points")) AS point_id,
                       \(entryValue()) AS value, \(entryQuality()) AS quality,
                       CASE WHEN e.type = 'array' THEN json_extract(e.value, '$[3]') END AS own_time,
                       row_number() OVER (PARTITION BY \(entryPointID(frame: "l.points"))
                                          ORDER BY l.last_frame DESC, l.written DESC) AS n
                FROM lists l, json_each(l.points) e WHERE \(isEntry()))
            WHERE n = 1),
        behind AS MATERIALIZED (
            SELECT device_id, min(written) AS since, max(polled) AS until, min(last_frame) AS after
            FROM lists WHERE polled > written GROUP BY device_id),
        newer AS MATERIALIZED (
            -- one range of the time index for all devices (CROSS JOIN keeps
            -- SQLite from scanning it once per device)
            SELECT h.device_id, h.id, h.time, \(entryPointID(frame: "h.points")) AS point_id,
                   \(entryValue()) AS value, \(entryQuality()) AS quality
            FROM history_frames h CROSS JOIN behind b
                 ON b.device_id = h.device_id AND h.id > b.after AND h.time >= b.since AND h.time <= b.until,
                 json_each(h.points) e
            WHERE \(isEntry()) AND h.time >= (SELECT min(since) FROM behind) AND h.time <= (SELECT max(until) FROM behind)),
        candidates AS (
            SELECT o.point_id, o.device_id, o.value, o.quality, o.last_frame AS rank,
                   CASE WHEN o.polled > o.written THEN o.polled ELSE coalesce(o.own_time, o.written) END AS time
            FROM home o
            UNION ALL
            SELECT o.point_id, o.device_id, n.value, n.quality, n.id, o.polled
            FROM home o JOIN newer n
                 ON n.point_id = o.point_id AND n.device_id = o.device_id AND n.id > o.last_frame
                    AND n.time >= o.written AND n.time <= o.polled)
        SELECT point_id, value, quality, time, device_id
        FROM (SELECT *, row_number() OVER (PARTITION BY point_id ORDER BY rank DESC) AS n FROM candidates)
        WHERE n = 1;
        """
}
