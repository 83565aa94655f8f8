// One SQLite connection: open with checked flags, run SQL, cache prepared
// statements, transactions. One owner, one thread at a time: the store's
// serial queue. `deinit` finalises the statements and closes the handle.

import CSQLite

final class SQLiteConnection {
    let path: String
    private let handle: OpaquePointer
    private var statements: [String: Statement] = [:]

    /// Opens (or, unless `readOnly`, creates) the database at `path`.
    init(path: String, readOnly: Bool) throws(StoreError) {
        var database: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
            | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let code = sqlite3_open_v2(path, &database, flags, nil)
        guard code == SQLITE_OK, let database else {
            let error: StoreError = database.map { Self.error($0, code: code, sql: nil) }
                ?? .sqlite(code: SQLiteResultCode(rawValue: code), message: "cannot open \(path)", sql: nil)
            sqlite3_close_v2(database)
            throw error
        }
        self.path = path
        self.handle = database
    }

    deinit {
        statements.removeAll()  // finalise before closing
        // close_v2 always succeeds: with a statement still alive elsewhere the
        // handle becomes a zombie and is freed when that statement is finalised.
        sqlite3_close_v2(handle)
    }

    /// True when SQLite opened the file read-only (a write-protected file or file system).
    var isReadOnly: Bool { sqlite3_db_readonly(handle, "main") == 1 }

    /// Runs one or more statements without results (schema, pragmas, BEGIN/COMMIT).
    func execute(_ sql: String) throws(StoreError) {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        guard code == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(message)
            throw StoreError.sqlite(code: SQLiteResultCode(rawValue: sqlite3_extended_errcode(handle)), message: text, sql: sql)
        }
    }

    /// The prepared statement for `sql`, prepared once and reused.
    func statement(_ sql: String) throws(StoreError) -> Statement {
        if let cached = statements[sql] { return cached }
        let statement = try Statement(database: handle, sql: sql)
        statements[sql] = statement
        return statement
    }

    /// Runs `sql` with `values` (INSERT/UPDATE/DELETE); returns the rows changed.
    @discardableResult
    func run(_ sql: String, _ values: [SQLiteValue] = []) throws(StoreError) -> Int {
        try statement(sql).run(values)
        return Int(sqlite3_changes64(handle))
    }

    /// The rows of a query, each mapped by `row`.
    func rows<T>(_ sql: String, _ values: [SQLiteValue] = [],
                 _ row: (Statement) throws(StoreError) -> T) throws(StoreError) -> [T] {
        try statement(sql).rows(values, row)
    }

    /// The first column of the first row (nil: no row).
    func scalar(_ sql: String, _ values: [SQLiteValue] = []) throws(StoreError) -> SQLiteValue? {
        try rows(sql, values) { $0[0] }.first
    }

    var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Makes `watch` the connection's WAL hook (in place of wal_autocheckpoint).
    func watchWAL(_ watch: WALWatch) { watch.install(on: handle) }

    /// Runs `body` in a BEGIN IMMEDIATE transaction; rolls back on any error.
    @discardableResult
    func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            // A failed COMMIT or an I/O error may have ended the transaction already.
            if sqlite3_get_autocommit(handle) == 0 { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// The error SQLite reports for `code` on `database`, read at once.
    static func error(_ database: OpaquePointer, code: CInt, sql: String?) -> StoreError {
        let extended = sqlite3_extended_errcode(database)
        let resultCode = (extended & 0xFF) == (code & 0xFF) ? extended : code
        return .sqlite(code: SQLiteResultCode(rawValue: resultCode), message: String(cString: sqlite3_errmsg(database)), sql: sql)
    }
}

@available(*, unavailable)
extension SQLiteConnection: Sendable {}
