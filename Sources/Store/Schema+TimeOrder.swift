// Schema version 7: history frames in time order again, for the SD card.
//
// Version 5 clustered a device's frames (id = device << 40 + n) so that the
// compactor could delete one device's window as whole pages. But then every
// poll inserts into the middle of the table, one place per device, and SQLite
// rebalances three neighbouring pages for most inserts: the WAL took about
// 150-215 bytes per polled sample (Benchmarks/wal-pages.py), against about 16
// when frames are appended at the end. From this step on a frame's id is one
// global count in time order (the writer hands them out, StoreEngine+Write),
// and the compactor works a whole window at a time (Compactor.swift):
//
// - `history_frames_by_time (time, device_id)` finds a device's frames in a
//   time range without reading the others' (its entries are appended at the
//   end too, a page per second or so), and makes time-ordered SQL over the
//   head an index range instead of a full scan;
// - `compacted_windows` says which frames are already in chunks: those of
//   `device_id` in the 30-minute window from `window_start` with ids up to
//   `last_frame`. The compactor writes one device's chunks and this row in one
//   transaction, and deletes the window's frames later, all devices at once,
//   so the deletes free whole pages. Until then readers skip those frames
//   (the `history_head` view too): a crash leaves frames or chunks to read,
//   never both and never neither.
//
// Frames of a version 5 file keep their clustered ids; new ones go after them.

extension Schema {
    static let version7 = """
        CREATE INDEX history_frames_by_time ON history_frames (time, device_id);
        CREATE TABLE compacted_windows (
            device_id INTEGER NOT NULL,
            window_start INTEGER NOT NULL,
            last_frame INTEGER NOT NULL,
            PRIMARY KEY (device_id, window_start));
        DROP VIEW history_head;
        CREATE VIEW history_head AS
            SELECT json_extract(e.value, '$[0]') AS point_id, f.time AS time,
                   json_extract(e.value, '$[1]') AS value, json_extract(e.value, '$[2]') AS quality,
                   f.device_id AS device_id
            FROM history_frames f, json_each(f.points) e
            WHERE NOT \(frameIsCompacted);
        """

    /// SQL true when the frame `f` is in a chunk already (see above). The
    /// window is floored as Compactor.windowStart does (also before 1970).
    static let frameIsCompacted = """
        EXISTS (SELECT 1 FROM compacted_windows c WHERE c.device_id = f.device_id
                AND c.window_start = f.time - ((f.time % \(window)) + \(window)) % \(window) AND f.id <= c.last_frame)
        """
    private static let window = Compactor.windowMilliseconds
}
