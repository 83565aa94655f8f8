// The boosts table and the boost events (schema step 6, Schema+Boosts.swift),
// beside the store's own tables in the same SQLite file. `pumpgw boost`
// writes requests here while the daemon runs (it holds the writer lock of
// the store, not of this table: SQLite serialises the two writers, WAL lets
// them read meanwhile); the daemon reads the active ones once a second.
// Rows from the command line and from rules survive a restart and end by
// their `until` time.

import CSQLite
import Dispatch
import Foundation

/// A boost request as stored. Times in UTC.
public struct BoostRecord: Sendable, Equatable {
    public var id: Int64
    public var station: String
    /// nil: every device of the station.
    public var device: String?
    public var intervalMilliseconds: Int64
    public var created: Date
    public var until: Date
    public var reason: String
    /// "cli", "rule:ST/DEV/POINT/RULE".
    public var source: String
    /// "every" (keep every sample) or "exception".
    public var history: String
    public var cancelled: Date?

    public init(id: Int64 = 0, station: String, device: String?, intervalMilliseconds: Int64, created: Date, until: Date,
                reason: String, source: String, history: String = "every", cancelled: Date? = nil) {
        self.id = id
        self.station = station
        self.device = device
        self.intervalMilliseconds = intervalMilliseconds
        self.created = created
        self.until = until
        self.reason = reason
        self.source = source
        self.history = history
        self.cancelled = cancelled
    }
}

/// A boost starting or ending on one device, as the store keeps it.
public struct BoostEventRecord: Sendable, Equatable {
    public var time: Date
    /// "started" or "ended".
    public var state: String
    public var station: String
    public var device: String
    public var intervalMilliseconds: Int64
    public var until: Date
    public var reason: String
    public var source: String

    public init(time: Date, state: String, station: String, device: String, intervalMilliseconds: Int64, until: Date,
                reason: String, source: String) {
        self.time = time
        self.state = state
        self.station = station
        self.device = device
        self.intervalMilliseconds = intervalMilliseconds
        self.until = until
        self.reason = reason
        self.source = source
    }
}

/// `@unchecked Sendable`: the connection (not Sendable) is used only inside
/// `queue.sync`, a serial queue, one work item at a time.
public final class BoostTable: @unchecked Sendable {
    public let path: String
    private let connection: SQLiteConnection
    private let queue = DispatchQueue(label: "pumpgw.boosts")

    /// Opens the store's database at `path`, which must exist (the gateway
    /// creates it on its first start) and be at schema version 6 or later
    /// (the gateway migrates it on start). `readOnly` for readers such as
    /// `pumpgw status` and the window, which must write nothing.
    @available(*, noasync)
    public init(path: String, readOnly: Bool = false, busyTimeoutMilliseconds: Int = 5000) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError.invalidArgument("no store at \(path): start the gateway once (pumpgw run) so that it creates it")
        }
        self.path = path
        connection = try SQLiteConnection(path: path, readOnly: readOnly)
        try connection.execute("PRAGMA busy_timeout = \(busyTimeoutMilliseconds)")
        let found = try Schema.version(of: connection)
        guard found >= Self.firstVersion else {
            throw StoreError.olderSchema(path: path, found: found, supported: Schema.currentVersion)
        }
    }

    /// The schema step that made the boost tables.
    static let firstVersion = 6

    @available(*, noasync)
    public func add(_ boost: BoostRecord) throws -> Int64 {
        try queue.sync { () throws -> Int64 in
            try connection.run("""
                INSERT INTO boosts (station, device, interval_ms, created, until, reason, source, history)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(boost.station), SQLiteValue(boost.device), .integer(boost.intervalMilliseconds),
                      .integer(Self.ms(boost.created)), .integer(Self.ms(boost.until)), .text(boost.reason),
                      .text(boost.source), .text(boost.history)])
            return connection.lastInsertedRowID
        }
    }

    /// Cancels the active boosts of a station (device nil) or of one device
    /// (its own and none of the station's); returns how many.
    @available(*, noasync)
    public func cancel(station: String, device: String?, at time: Date) throws -> Int {
        try queue.sync { () throws -> Int in
            try connection.run("""
                UPDATE boosts SET cancelled = ?1
                WHERE cancelled IS NULL AND until > ?1 AND station = ?2 AND device IS ?3
                """, [.integer(Self.ms(time)), .text(station), SQLiteValue(device)])
        }
    }

    /// The boosts not cancelled whose end is after `time`, oldest first.
    @available(*, noasync)
    public func active(at time: Date) throws -> [BoostRecord] {
        try queue.sync { () throws -> [BoostRecord] in
            try connection.rows("""
                SELECT id, station, device, interval_ms, created, until, reason, source, history
                FROM boosts WHERE cancelled IS NULL AND until > ? ORDER BY id
                """, [.integer(Self.ms(time))]) { row in
                BoostRecord(id: row[0].integer ?? 0, station: row[1].text ?? "", device: row[2].text,
                            intervalMilliseconds: row[3].integer ?? 0, created: Self.date(row[4]), until: Self.date(row[5]),
                            reason: row[6].text ?? "", source: row[7].text ?? "", history: row[8].text ?? "every")
            }
        }
    }

    @available(*, noasync)
    public func record(_ events: [BoostEventRecord]) throws {
        guard !events.isEmpty else { return }
        try queue.sync { () throws in
            try connection.transaction { () throws(StoreError) in
                for event in events {
                    try connection.run("""
                        INSERT INTO boost_events (time, state, station, device, interval_ms, until, reason, source)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """, [.integer(Self.ms(event.time)), .text(event.state), .text(event.station), .text(event.device),
                              .integer(event.intervalMilliseconds), .integer(Self.ms(event.until)), .text(event.reason),
                              .text(event.source)])
                }
            }
        }
    }

    /// Boost events since `time`, oldest first.
    @available(*, noasync)
    public func events(since time: Date) throws -> [BoostEventRecord] {
        try queue.sync { () throws -> [BoostEventRecord] in
            try connection.rows("""
                SELECT time, state, station, device, interval_ms, until, reason, source
                FROM boost_events WHERE time >= ? ORDER BY id
                """, [.integer(Self.ms(time))]) { row in Self.event(row) }
        }
    }

    /// The boosts the store last saw start and never saw end: per device
    /// whose latest event is "started" (a gateway that stops records no
    /// end), for the next start to resume them instead of starting them again.
    @available(*, noasync)
    public func openStarts() throws -> [BoostEventRecord] {
        try queue.sync { () throws -> [BoostEventRecord] in
            try connection.rows("""
                SELECT time, state, station, device, interval_ms, until, reason, source FROM boost_events
                WHERE id IN (SELECT max(id) FROM boost_events GROUP BY station, device) AND state = 'started'
                ORDER BY id
                """) { row in Self.event(row) }
        }
    }

    static func event(_ row: Statement) -> BoostEventRecord {
        BoostEventRecord(time: date(row[0]), state: row[1].text ?? "", station: row[2].text ?? "",
                         device: row[3].text ?? "", intervalMilliseconds: row[4].integer ?? 0,
                         until: date(row[5]), reason: row[6].text ?? "", source: row[7].text ?? "")
    }

    static func ms(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    static func date(_ value: SQLiteValue) -> Date { Date(timeIntervalSince1970: Double(value.integer ?? 0) / 1000) }
}
