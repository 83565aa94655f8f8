// The thin SQLite layer: checked calls, typed errors with SQLite's code and
// message, statement reuse, values round trip, rollback on error.

import Foundation
import Testing
@testable import Store

@Suite("SQLite layer")
struct SQLiteLayerTests {
    let folder: TempFolder
    let connection: SQLiteConnection

    init() throws {
        folder = try TempFolder()
        connection = try SQLiteConnection(path: folder.path("layer.db"), readOnly: false)
        try connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, x)")
    }

    @Test("a syntax error is SQLITE_ERROR with SQLite's message and the SQL")
    func syntaxError() throws {
        let error = try #require(throws: StoreError.self) { try connection.run("SELEC 1") }
        guard case .sqlite(let code, let message, let sql) = error else {
            Issue.record("not an SQLite error: \(error)")
            return
        }
        #expect(code.rawValue == 1)
        #expect(message == "near \"SELEC\": syntax error")
        #expect(sql == "SELEC 1")
        #expect(!error.isDiskFull && !error.isReadOnly && !error.isBusy && !error.isCorrupt)
    }

    @Test("a UNIQUE violation carries the extended code SQLITE_CONSTRAINT_UNIQUE (2067)")
    func constraint() throws {
        try connection.run("INSERT INTO t (name) VALUES (?)", ["a"])
        let error = try #require(throws: StoreError.self) { try connection.run("INSERT INTO t (name) VALUES (?)", ["a"]) }
        #expect(error.resultCode?.rawValue == 2067)  // 19 | (8 << 8)
        #expect(error.resultCode?.primary == .constraint)
        #expect(error.description.contains("UNIQUE constraint failed: t.name"))
    }

    @Test("a statement is prepared once and reused")
    func statementCache() throws {
        let first = try connection.statement("SELECT count(*) FROM t")
        let second = try connection.statement("SELECT count(*) FROM t")
        #expect(first === second)
        #expect(try connection.statement("SELECT 1") !== first)
    }

    @Test("NULL, INTEGER, REAL and TEXT come back as bound",
          arguments: [SQLiteValue.null, .integer(Int64.min), .integer(9_007_199_254_740_993), .real(0.1), .real(-2.5e-300),
                      .text(""), .text("Outlet \"pressure\" 0,45 MPa — ok")])
    func roundTrip(_ value: SQLiteValue) throws {
        try connection.run("INSERT INTO t (x) VALUES (?)", [value])
        #expect(try connection.scalar("SELECT x FROM t WHERE id = ?", [.integer(connection.lastInsertedRowID)]) == value)
    }

    @Test("an error inside a transaction rolls every write back")
    func rollback() throws {
        #expect(throws: StoreError.self) {
            try connection.transaction { () throws(StoreError) in
                try connection.run("INSERT INTO t (name) VALUES ('one')")
                try connection.run("INSERT INTO t (name) VALUES ('one')")
            }
        }
        #expect(try connection.scalar("SELECT count(*) FROM t") == .integer(0))
        // and the connection is usable again
        try connection.transaction { () throws(StoreError) in try connection.run("INSERT INTO t (name) VALUES ('two')") }
        #expect(try connection.scalar("SELECT count(*) FROM t") == .integer(1))
    }

    @Test("opening a missing file read-only fails with SQLITE_CANTOPEN")
    func cannotOpen() throws {
        let error = try #require(throws: StoreError.self) {
            _ = try SQLiteConnection(path: folder.path("missing.db"), readOnly: true)
        }
        #expect(error.resultCode?.primary == .cantOpen)
    }
}
