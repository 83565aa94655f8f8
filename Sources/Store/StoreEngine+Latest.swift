// The writer's side of latest values since schema 9 (the readers' rule, and
// why it is exact, are at the top of Schema+LatestOverlay.swift). Every poll
// writes its point list's poll time (`latest_polls`, a narrow row); the
// list's latest frame (every point, a 2 KB row for 100 points) only when due:
//
// - the list's first poll since the store was opened (or since a failed
//   transaction dropped the caches), or its point list changed;
// - history by exception dropped a change of value or quality that the
//   overlay would miss (a change within the deadband): in the same batch;
// - 10 s of sample time since it was last written, or the clock went back
//   (frames after a step back must not lie under an older-looking frame).
//
// And a frame is brought up to date from the history frames after it (its
// overlay written back, "folded") when its list was not polled for 30 s (a
// device taken out of the config by a reload), at a clean close, and when a
// store is opened after a kill -9 left polls after the last frames.

import Telemetry

/// What the writer remembers about one point list's latest frame.
struct LatestListState {
    var deviceID: Int64
    var firstPointID: Int64
    /// Sample time of the last write of the frame.
    var written: Int64
    /// Sample time of the list's last poll.
    var polled: Int64
}

/// The writer's per-poll statements, prepared once (no cache lookup by SQL text).
struct FrameStatements {
    /// Per frame table (`FrameTable.parity`): a frame goes to its window's.
    var insertHistory: [Statement]
    var upsertLatest: Statement
    var upsertPoll: Statement
}

extension StoreEngine {
    /// How long at most a point list's latest frame goes unwritten while it is
    /// polled, in sample time. A constant, not an option: the overlay reads
    /// this much history frame per list at most, and the compactor's head
    /// (Compactor.headMilliseconds, 60 s) must outlast it plus `quietList`.
    static let latestFrameSpacing: Int64 = 10_000
    /// A list not polled for this long (in the newest sample's time) has its frame folded.
    static let quietList: Int64 = 30_000

    /// After a poll of `key`'s list at `time`: its poll time, and its latest
    /// frame when due (`mustWrite`: the list changed or history dropped a
    /// change). Returns whether the frame was written.
    func recordLatest(_ key: PointListKey, firstPointID: Int64, time: Int64, mustWrite: Bool,
                      frame: () -> String) throws(StoreError) -> Bool {
        let statements = try preparedFrameStatements()
        let state = latestLists[key]
        var due = mustWrite
        if let state, state.firstPointID == firstPointID {
            due = due || time < state.written || time - state.written >= Self.latestFrameSpacing
        } else {
            due = true
        }
        try statements.upsertPoll.run([.integer(key.deviceID), .integer(firstPointID), .integer(time)])
        if due {
            try statements.upsertLatest.run([.integer(key.deviceID), .integer(firstPointID), .integer(time),
                                              .text(frame()), .integer(try upcomingFrameID() - 1)])
        }
        latestLists[key] = LatestListState(deviceID: key.deviceID, firstPointID: firstPointID,
                                           written: due ? time : state?.written ?? time, polled: time)
        return due
    }

    /// Folds the frames of lists not polled since `cutoff` that have polls after their frame.
    func foldQuietLists(polledBefore cutoff: Int64) throws(StoreError) {
        for (key, state) in latestLists where state.polled > state.written && state.polled < cutoff {
            let lists = try LatestOverlay.lists(connection, only: (state.deviceID, state.firstPointID))
            try fold(lists)
            latestLists[key]?.written = state.polled
        }
    }

    /// Folds every latest frame whose list was polled after it was written
    /// (at open after a kill -9, and at a clean close), in one transaction.
    func foldBehindLatestFrames() throws(StoreError) {
        try writeTransaction { () throws(StoreError) in
            try fold(try LatestOverlay.lists(connection, onlyBehind: true))
            for (key, state) in latestLists { latestLists[key]?.written = state.polled }
        }
    }

    /// Writes each behind list's overlay back as its latest frame, at its
    /// last poll's time, after the newest history frame that it took a
    /// reading from (not the store's newest: a list that changed since has a
    /// newer frame of its own, which must stay the points' home).
    private func fold(_ lists: [LatestList]) throws(StoreError) {
        let overlaid = try LatestOverlay.overlaid(lists, connection)
        let statements = try preparedFrameStatements()
        for (list, readings) in zip(lists, overlaid) where list.isBehind {
            var text = FrameText(expectedEntries: readings.count)
            for reading in readings { text.append(reading.entry) }
            let lastFrame = readings.map(\.rank).max() ?? list.lastFrame
            try statements.upsertLatest.run([.integer(list.deviceID), .integer(list.firstPointID), .integer(list.polled),
                                             .text(text.closed()), .integer(max(lastFrame, list.lastFrame))])
        }
    }

    func preparedFrameStatements() throws(StoreError) -> FrameStatements {
        if let frameStatements { return frameStatements }
        let prepared = FrameStatements(
            insertHistory: try FrameTable.both.map { table throws(StoreError) in
                try connection.statement("INSERT INTO \(table.name) (id, device_id, time, points) VALUES (?, ?, ?, ?)")
            },
            upsertLatest: try connection.statement("""
                INSERT OR REPLACE INTO latest_frames (device_id, first_point_id, time, points, last_frame) VALUES (?, ?, ?, ?, ?)
                """),
            upsertPoll: try connection.statement("""
                INSERT OR REPLACE INTO latest_polls (device_id, first_point_id, time) VALUES (?, ?, ?)
                """))
        frameStatements = prepared
        return prepared
    }

    /// The id the next history frame gets: one count for all devices, so that
    /// frames are appended in time order (Schema+TimeOrder.swift). After a
    /// start it continues past every frame and every compacted one (each
    /// table's own max(id), a seek; over the view it would be a scan).
    func upcomingFrameID() throws(StoreError) -> Int64 {
        if let nextFrame, nextFrame > 0 { return nextFrame }
        let tables = FrameTable.both.map { "coalesce((SELECT max(id) FROM \($0.name)), 0)" }.joined(separator: ", ")
        let next = try connection.scalar("""
            SELECT max(\(tables), coalesce((SELECT max(last_frame) FROM compacted_windows), 0)) + 1
            """)?.integer ?? 1
        nextFrame = next
        return next
    }
}

extension PointState {
    /// Whether a reader of the store shows `value` and `quality` for this
    /// point now: the same bits (a NaN equals itself; -0.0 is not 0.0).
    func shows(_ value: Value?, quality: SQLiteValue) -> Bool {
        guard quality == shownQuality else { return false }
        switch (value, shownValue) {
        case (.double(let new)?, .double(let old)?): return new.bitPattern == old.bitPattern
        default: return value == shownValue
        }
    }
}
