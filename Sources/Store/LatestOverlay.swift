// Latest readings since schema 9: each point list's latest frame with the
// history frames written after it laid over it. The rule, and why it is
// exact, are at the top of Schema+LatestOverlay.swift; the `latest` view
// there is the same rule in SQL. `status` reads through this; so does the
// writer, when it brings a frame up to date (StoreEngine+Latest.swift).

/// One point's latest reading: its entry, the time to show, and the frame
/// id it came from (a latest frame's last_frame, or a history frame's id).
struct LatestReading: Equatable {
    var entry: FrameEntry
    var time: Int64
    var rank: Int64
}

/// One latest frame (a point list's) and when the list was last polled.
struct LatestList {
    var deviceID: Int64
    var firstPointID: Int64
    /// The time of the poll the frame holds.
    var written: Int64
    var lastFrame: Int64
    /// The list's last poll (`latest_polls`; never before `written`).
    var polled: Int64
    var entries: [FrameEntry]

    /// Whether history frames written after the frame may hold newer readings.
    var isBehind: Bool { polled > written }
}

enum LatestOverlay {
    /// The latest frames (only those whose list was polled since they were
    /// written, with `onlyBehind`; only one list, with `only`).
    static func lists(_ connection: SQLiteConnection, onlyBehind: Bool = false,
                      only: (deviceID: Int64, firstPointID: Int64)? = nil) throws(StoreError) -> [LatestList] {
        var filters: [String] = []
        if onlyBehind { filters.append("p.time > f.time") }
        if only != nil { filters.append("f.device_id = ?1 AND f.first_point_id = ?2") }
        let rows = try connection.rows("""
            SELECT f.device_id, f.first_point_id, f.time, f.last_frame, max(f.time, coalesce(p.time, f.time)), f.points
            FROM latest_frames f LEFT JOIN latest_polls p ON p.device_id = f.device_id AND p.first_point_id = f.first_point_id
            \(filters.isEmpty ? "" : "WHERE " + filters.joined(separator: " AND "))
            ORDER BY f.device_id, f.first_point_id
            """, only.map { [.integer($0.deviceID), .integer($0.firstPointID)] } ?? []) { row in
            (LatestList(deviceID: row[0].integer ?? 0, firstPointID: row[1].integer ?? 0, written: row[2].integer ?? 0,
                        lastFrame: row[3].integer ?? 0, polled: row[4].integer ?? 0, entries: []), row[5].text ?? "[]")
        }
        var lists: [LatestList] = []
        for (list, points) in rows {
            var list = list
            list.entries = try connection.frameEntries(points)
            lists.append(list)
        }
        return lists
    }

    /// Every point's latest reading, by point id: from its home list (the
    /// one listing it with the largest last_frame, then time), overlaid.
    static func readings(_ connection: SQLiteConnection) throws(StoreError) -> [Int64: LatestReading] {
        let lists = try lists(connection)
        var home: [Int64: Int] = [:]
        for (index, list) in lists.enumerated() {
            for entry in list.entries {
                if let other = home[entry.pointID].map({ lists[$0] }),
                   (other.lastFrame, other.written) >= (list.lastFrame, list.written) { continue }
                home[entry.pointID] = index
            }
        }
        let overlaid = try self.overlaid(lists, connection)
        var readings: [Int64: LatestReading] = [:]
        for (index, list) in overlaid.enumerated() {
            for reading in list where home[reading.entry.pointID] == index {
                readings[reading.entry.pointID] = reading
            }
        }
        return readings
    }

    /// Each list's readings, in its entries' order: the entry of the newest
    /// history frame of its device written after the latest frame (id above
    /// last_frame, time from the frame's to the list's last poll), else the
    /// frame's own entry.
    static func overlaid(_ lists: [LatestList], _ connection: SQLiteConnection) throws(StoreError) -> [[LatestReading]] {
        var result = lists.map { list in
            list.entries.map { entry in
                LatestReading(entry: entry, time: list.isBehind ? list.polled : entry.time ?? list.written, rank: list.lastFrame)
            }
        }
        let behind = lists.indices.filter { lists[$0].isBehind }
        guard let since = behind.map({ lists[$0].written }).min(),
              let until = behind.map({ lists[$0].polled }).max() else { return result }
        // Only ids and times from the time index, newest first; a frame's
        // text is read once a list still needs it.
        var frames: [Int64: [(id: Int64, time: Int64)]] = [:]
        try connection.statement(FrameTable.union { table in
            "SELECT device_id, id, time FROM \(table.name) INDEXED BY \(table.timeIndex) WHERE time >= ?1 AND time <= ?2"
        }).forEachRow([.integer(since), .integer(until)]) { row in
            frames[row[0].integer ?? 0, default: []].append((row[1].integer ?? 0, row[2].integer ?? 0))
            return true
        }
        var texts = FrameCache(connection)
        for index in behind {
            let list = lists[index]
            var position: [Int64: Int] = [:]
            for (at, entry) in list.entries.enumerated() { position[entry.pointID] = at }
            for frame in (frames[list.deviceID] ?? []).sorted(by: { $0.id > $1.id })
            where frame.id > list.lastFrame && frame.time >= list.written && frame.time <= list.polled {
                guard !position.isEmpty else { break }
                for entry in try texts.entries(of: frame.id) {
                    guard let at = position.removeValue(forKey: entry.pointID) else { continue }
                    result[index][at] = LatestReading(entry: entry, time: list.polled, rank: frame.id)
                }
            }
        }
        return result
    }
}

/// History frames' entries by id, each read and parsed once.
private struct FrameCache {
    let connection: SQLiteConnection
    var parsed: [Int64: [FrameEntry]] = [:]

    init(_ connection: SQLiteConnection) { self.connection = connection }

    mutating func entries(of id: Int64) throws(StoreError) -> [FrameEntry] {
        if let known = parsed[id] { return known }
        let text = try connection.statement("SELECT points FROM history_frames WHERE id = ?")
            .rows([.integer(id)]) { $0[0].text ?? "[]" }.first ?? "[]"
        let entries = try connection.frameEntries(text)
        parsed[id] = entries
        return entries
    }
}

extension SQLiteConnection {
    /// A frame's entries: read in Swift, or by SQLite when the text is not one FrameText wrote.
    func frameEntries(_ points: String) throws(StoreError) -> [FrameEntry] {
        if let entries = FrameReader.entries(points) { return entries }
        return try rows("""
            SELECT \(Schema.entryPointID(frame: "?1")), \(Schema.entryValue()), \(Schema.entryQuality()),
                   CASE WHEN e.type = 'array' THEN json_extract(e.value, '$[3]') END
            FROM json_each(?1) e WHERE \(Schema.isEntry())
            """, [.text(points)]) { row in
            FrameEntry(pointID: row[0].integer ?? 0, value: row[1], quality: row[2].text, time: row[3].integer)
        }
    }
}
