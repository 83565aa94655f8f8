// Shared test fixtures: a temp folder per test, samples built by hand, and
// a clock the test moves.

import Decoding
import Foundation
import Rules
import Synchronization
@testable import Store
import Telemetry

/// A fresh folder under the system temp dir, removed when the value goes away.
final class TempFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("store-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// A clock the test sets; the store reads it through `StoreOptions.clock`.
final class TestClock: Sendable {
    private let milliseconds: Atomic<Int64>

    init(_ start: Date = Date(timeIntervalSince1970: 1_780_000_000)) {
        milliseconds = Atomic(Int64(start.timeIntervalSince1970 * 1000))
    }

    var now: Date { Date(timeIntervalSince1970: Double(milliseconds.load(ordering: .relaxed)) / 1000) }

    func advance(_ seconds: TimeInterval) {
        milliseconds.add(Int64(seconds * 1000), ordering: .relaxed)
    }

    func options(_ change: (inout StoreOptions) -> Void = { _ in }) -> StoreOptions {
        // No compactor thread: a test compacts when it says so (`compactNow`).
        var options = StoreOptions(compactionInterval: nil, clock: { [self] in now })
        change(&options)
        return options
    }
}

let pumpRoom = DeviceIdentity(station: "FT-0412", device: "ctrl1", profile: "booster-set-example",
                              tags: ["district": "futian"])

/// One poll of `pumpRoom` with the given readings (unit MPa for pressures).
func sample(at time: Date, _ readings: [(String, Reading)], identity: DeviceIdentity = pumpRoom) -> DeviceSample {
    DeviceSample(identity: identity, time: time, points: readings.map { name, reading in
        PointSample(name: name, unit: name.hasSuffix("pressure") ? "MPa" : nil, reading: reading)
    })
}

func alarm(_ state: AlarmState, rule: String = "high", at time: Date, value: Double = 0.62) -> AlarmEvent {
    AlarmEvent(station: "FT-0412", device: "ctrl1", point: "outlet_pressure", rule: rule, severity: .major,
               state: state, value: value, limit: 0.60, time: time,
               message: "Outlet pressure \(value) MPa above 0.60 MPa for 10 s")
}

func health(at time: Date, connected: Bool, error: String? = nil) -> DeviceHealth {
    DeviceHealth(identity: pumpRoom, time: time, connected: connected, pollMilliseconds: 14.5, errors: connected ? 0 : 3,
                 consecutiveFailures: connected ? 0 : 3, lastGoodPoll: connected ? time : nil, lastError: error)
}

/// Runs one SQL query on its own read-only connection (what an operator's
/// sqlite3 would see), every row as its columns.
func query(_ path: String, _ sql: String) throws -> [[SQLiteValue]] {
    let connection = try SQLiteConnection(path: path, readOnly: true)
    return try connection.rows(sql) { row in (0..<row.columnCount).map { row[$0] } }
}

/// Runs one SQL query on a read-write connection, as the next gateway would
/// open the file: it rolls back a hot journal that a kill during the very
/// first transaction (before WAL mode) left behind, which a read-only
/// connection cannot (SQLITE_READONLY_ROLLBACK).
func queryRecovering(_ path: String, _ sql: String) throws -> [[SQLiteValue]] {
    let connection = try SQLiteConnection(path: path, readOnly: false)
    return try connection.rows(sql) { row in (0..<row.columnCount).map { row[$0] } }
}

/// The first column of the first row of `sql`.
func scalar(_ path: String, _ sql: String) throws -> SQLiteValue? {
    try query(path, sql).first?.first
}

/// SQL that inserts the history frames `select` gives (columns id, device_id,
/// time, points; `with` its WITH clause, if any), each into the frame table
/// of its window, as the writer does (Schema+FrameTables.swift).
func insertFramesSQL(with: String = "", _ select: String) -> String {
    FrameTable.both.map { table in """
        \(with) INSERT INTO \(table.name) (id, device_id, time, points)
        SELECT * FROM (\(select)) WHERE \(FrameTable.parity("time")) = \(table.parity);
        """ }.joined(separator: "\n")
}
