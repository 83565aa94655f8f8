// A prepared SQLite statement: bind, step, read columns. Every C call is
// checked at its call site and the connection's message read at once.
// Owned by one connection; `deinit` finalises it.

import CSQLite

/// SQLITE_TRANSIENT: SQLite copies bound text before the call returns.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

final class Statement {
    let sql: String
    private let handle: OpaquePointer
    private let database: OpaquePointer

    init(database: OpaquePointer, sql: String) throws(StoreError) {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(database, sql, -1, CUnsignedInt(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else {
            throw SQLiteConnection.error(database, code: code, sql: sql)
        }
        self.sql = sql
        self.handle = statement
        self.database = database
    }

    deinit { sqlite3_finalize(handle) }

    /// Resets the statement and binds `values` to ?1, ?2, ...
    func bind(_ values: [SQLiteValue]) throws(StoreError) {
        sqlite3_reset(handle)  // its code repeats the last step's error, already reported
        try check(sqlite3_clear_bindings(handle))
        for (offset, value) in values.enumerated() {
            let index = CInt(offset + 1)
            switch value {
            case .null: try check(sqlite3_bind_null(handle, index))
            case .integer(let number): try check(sqlite3_bind_int64(handle, index, number))
            case .real(let number): try check(sqlite3_bind_double(handle, index, number))
            case .text(let text): try check(sqlite3_bind_text(handle, index, text, -1, transient))
            case .blob(let bytes):
                try check(bytes.withUnsafeBytes { buffer in
                    guard let base = buffer.baseAddress, !buffer.isEmpty else { return sqlite3_bind_zeroblob(handle, index, 0) }
                    return sqlite3_bind_blob64(handle, index, base, sqlite3_uint64(buffer.count), transient)
                })
            }
        }
    }

    /// Steps once: true when a row is ready to read, false when done.
    func step() throws(StoreError) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = SQLiteConnection.error(database, code: code, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Binds, runs to the end, and resets (for INSERT/UPDATE/DELETE).
    func run(_ values: [SQLiteValue] = []) throws(StoreError) {
        try bind(values)
        while try step() {}
        sqlite3_reset(handle)  // after SQLITE_DONE it returns SQLITE_OK
    }

    /// Binds, and maps every row with `row`.
    func rows<T>(_ values: [SQLiteValue] = [], _ row: (Statement) throws(StoreError) -> T) throws(StoreError) -> [T] {
        try bind(values)
        var result: [T] = []
        while try step() { result.append(try row(self)) }
        sqlite3_reset(handle)
        return result
    }

    /// Binds, and hands every row to `body` until it returns false.
    func forEachRow(_ values: [SQLiteValue] = [], _ body: (Statement) throws(StoreError) -> Bool) throws(StoreError) {
        try bind(values)
        defer { sqlite3_reset(handle) }
        while try step() {
            guard try body(self) else { return }
        }
    }

    var columnCount: Int { Int(sqlite3_column_count(handle)) }

    /// The column at `index` of the current row.
    subscript(index: Int) -> SQLiteValue {
        let column = CInt(index)
        switch sqlite3_column_type(handle, column) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, column))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, column))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, column))
            guard count > 0, let bytes = sqlite3_column_blob(handle, column) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
        case SQLITE_TEXT:
            guard let text = sqlite3_column_text(handle, column) else { return .null }
            return .text(String(cString: text))
        default: return .null
        }
    }

    private func check(_ code: CInt) throws(StoreError) {
        guard code == SQLITE_OK else { throw SQLiteConnection.error(database, code: code, sql: sql) }
    }
}

@available(*, unavailable)
extension Statement: Sendable {}
