// Typed errors of the store: SQLite's result code and message, a database
// from a newer pumpgw, a database another gateway holds, a system call that failed.

import CSQLite
import Foundation

/// An SQLite result code (primary or extended), as GRDB's `ResultCode`:
/// a `RawRepresentable` over `CInt` with a readable name.
public struct SQLiteResultCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: CInt
    public init(rawValue: CInt) { self.rawValue = rawValue }

    /// The primary code (extended codes keep it in the low byte).
    public var primary: SQLiteResultCode { SQLiteResultCode(rawValue: rawValue & 0xFF) }

    public static let ok = SQLiteResultCode(rawValue: SQLITE_OK)
    public static let busy = SQLiteResultCode(rawValue: SQLITE_BUSY)
    public static let locked = SQLiteResultCode(rawValue: SQLITE_LOCKED)
    public static let readOnly = SQLiteResultCode(rawValue: SQLITE_READONLY)
    public static let ioError = SQLiteResultCode(rawValue: SQLITE_IOERR)
    public static let corrupt = SQLiteResultCode(rawValue: SQLITE_CORRUPT)
    public static let full = SQLiteResultCode(rawValue: SQLITE_FULL)
    public static let cantOpen = SQLiteResultCode(rawValue: SQLITE_CANTOPEN)
    public static let notADatabase = SQLiteResultCode(rawValue: SQLITE_NOTADB)
    public static let constraint = SQLiteResultCode(rawValue: SQLITE_CONSTRAINT)

    /// SQLite's English name for the code, e.g. "database or disk is full".
    public var description: String { String(cString: sqlite3_errstr(rawValue)) + " (\(rawValue))" }
}

public enum StoreError: Error, Equatable, CustomStringConvertible {
    /// An SQLite call failed: its result code, the connection's message, and the SQL.
    case sqlite(code: SQLiteResultCode, message: String, sql: String?)
    /// The file was written by a newer pumpgw (schema `found` > `supported`).
    case newerSchema(path: String, found: Int, supported: Int)
    /// The file's schema is older than this pumpgw and a reader cannot upgrade it.
    case olderSchema(path: String, found: Int, supported: Int)
    /// Another process (a running gateway) holds the writer lock.
    case inUse(path: String, lockPath: String, holder: String)
    /// A system call failed (opening or locking the lock file).
    case system(call: String, path: String, errno: Int32)
    /// A caller's mistake, e.g. a history point path that is not STATION/DEVICE/POINT.
    case invalidArgument(String)

    /// strerror's text through strerror_r (strerror shares one buffer between threads).
    static func systemErrorText(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard strerror_r(code, &buffer, buffer.count) == 0 else { return "error \(code)" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public var resultCode: SQLiteResultCode? {
        if case .sqlite(let code, _, _) = self { return code }
        return nil
    }

    /// SQLITE_FULL: the disk (or `maxPageCount`) is full; retry after retention frees room.
    public var isDiskFull: Bool { resultCode?.primary == .full }
    /// SQLITE_READONLY: the file or its file system cannot be written.
    public var isReadOnly: Bool { resultCode?.primary == .readOnly }
    /// SQLITE_BUSY or SQLITE_LOCKED: another connection held the database past the busy timeout.
    public var isBusy: Bool { resultCode?.primary == .busy || resultCode?.primary == .locked }
    /// SQLITE_CORRUPT or SQLITE_NOTADB: the file is damaged or not a database.
    public var isCorrupt: Bool { resultCode?.primary == .corrupt || resultCode?.primary == .notADatabase }

    public var description: String {
        switch self {
        case .sqlite(let code, let message, let sql):
            let statement = sql.map { " in `\($0.prefix(120))`" } ?? ""
            return "SQLite error \(code.rawValue) (\(String(cString: sqlite3_errstr(code.rawValue)))): \(message)\(statement)"
        case .newerSchema(let path, let found, let supported):
            return "\(path): database schema version \(found) is newer than this pumpgw supports (\(supported)); upgrade pumpgw or move the file away"
        case .olderSchema(let path, let found, let supported):
            return "\(path): database schema version \(found) is older than this pumpgw's (\(supported)); start the gateway once to upgrade it"
        case .inUse(let path, let lockPath, let holder):
            return "\(path) is in use by another gateway (\(holder)); lock \(lockPath) is held. Stop that gateway or use another database"
        case .system(let call, let path, let errno):
            return "\(call) \(path): \(Self.systemErrorText(errno))"
        case .invalidArgument(let message):
            return message
        }
    }
}
