// Schema version 8: the outbox as one row per committed batch
// (OutboxBatch.swift says why and how a row is laid out).
//
// - `lines`: how many lines the row was written with (holes included);
// - `gone`: how many leading lines are sent, dead-lettered or dropped;
// - `live`: how many are still waiting (the outbox's depth is their sum);
// - `created`: when the batch was queued (the age of its lines);
// - `data`: the deflated stream of every line and its device key.
//
// AUTOINCREMENT: a row id is never handed out twice, so an entry id the
// feed sender holds can never name a newer line after its row is gone.
//
// The migration moves every line of the schema 7 `outbox` (TEXT, or a
// deflated BLOB) into rows of consecutive lines queued at the same time,
// in their order, then drops the old table. A line that cannot be inflated
// stops it with an error naming the row: the gateway will not start on a
// store it would have to lose lines of to open.

extension Schema {
    static let version8 = """
        CREATE TABLE outbox_batches (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created INTEGER NOT NULL,
            lines INTEGER NOT NULL,
            gone INTEGER NOT NULL DEFAULT 0,
            live INTEGER NOT NULL,
            data BLOB NOT NULL);
        """

    /// The steps SQL cannot do alone, run after step `version`'s SQL in its transaction.
    static func convert(to version: Int, _ connection: SQLiteConnection) throws(StoreError) {
        if version == 8 { try moveOutboxLines(connection) }
    }

    /// Lines the migration reads and writes at a time: memory stays a few MB.
    static let migrationPageLines = 4096

    private static func moveOutboxLines(_ connection: SQLiteConnection) throws(StoreError) {
        var pending: [OutboxBatch.Line] = []
        var pendingCreated: Int64 = 0
        var lastID = Int64.min
        while true {
            let rows = try connection.rows("SELECT id, device_key, line, created FROM outbox WHERE id > ? ORDER BY id LIMIT ?",
                                           [.integer(lastID), SQLiteValue(migrationPageLines)]) { [$0[0], $0[1], $0[2], $0[3]] }
            for row in rows {
                let id = row[0].integer ?? 0
                guard let line = OutboxText.text(of: row[2]) else {
                    throw .sqlite(code: .corrupt, message: """
                        outbox line \(id) cannot be inflated, so schema 8 cannot take it over; \
                        move it away by hand (sqlite3 FILE "DELETE FROM outbox WHERE id = \(id)") and start again
                        """, sql: nil)
                }
                let created = row[3].integer ?? 0
                if !pending.isEmpty && (created != pendingCreated || pending.count >= migrationPageLines) {
                    try insertOutboxRows(pending, created: pendingCreated, connection)
                    pending.removeAll(keepingCapacity: true)
                }
                pending.append(OutboxBatch.Line(deviceKey: row[1].text ?? "", line: line))
                pendingCreated = created
                lastID = id
            }
            if rows.count < migrationPageLines { break }
        }
        if !pending.isEmpty { try insertOutboxRows(pending, created: pendingCreated, connection) }
        try connection.execute("DROP TABLE outbox")
    }

    /// Appends `lines` queued at `created` as new rows, in order; returns how many rows.
    @discardableResult
    static func insertOutboxRows(_ lines: [OutboxBatch.Line], created: Int64,
                                 _ connection: SQLiteConnection) throws(StoreError) -> Int {
        let rows = OutboxBatch.rows(of: lines)
        for row in rows {
            let data = try OutboxBatch(lines: row).deflated()
            try connection.run("INSERT INTO outbox_batches (created, lines, gone, live, data) VALUES (?, ?, 0, ?, ?)",
                               [.integer(created), SQLiteValue(row.count), SQLiteValue(row.count), .blob(data)])
        }
        return rows.count
    }
}
