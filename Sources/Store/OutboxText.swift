// An outbox line as the outbox table keeps it: deflated (zlib), because the
// outbox is the largest thing the store writes. A line of the bench's 100
// points is about 2.2 KB of text, just over half a page, so SQLite kept one
// line per 4 KB page: the outbox alone wrote about 43 bytes per polled sample
// to the WAL (BENCHMARKS.md, store). Deflated it is about 0.7 KB, five to a
// page. Line protocol deflates well: the field names repeat, and so do the
// digits of scaled registers (51.300000000000004).
//
// The stored BLOB is the line's length in UTF-8 bytes (4 bytes, big-endian)
// then the zlib stream. A TEXT value is a line as it is: lines queued before
// this format, and dead letters put back by `requeueDeadLetters`.

import CZlib

enum OutboxText {
    /// The longest line `text(of:)` inflates: a stored length beyond it is damage.
    static let maxLineBytes = 64 << 20

    /// `line` as the outbox stores it.
    static func stored(_ line: String) -> SQLiteValue {
        var source = Array(line.utf8)
        var size = compressBound(uLong(source.count))
        var blob = [UInt8](repeating: 0, count: 4 + Int(size))
        let count = UInt32(source.count)
        blob[0] = UInt8(count >> 24); blob[1] = UInt8(count >> 16 & 0xFF)
        blob[2] = UInt8(count >> 8 & 0xFF); blob[3] = UInt8(count & 0xFF)
        let result = blob.withUnsafeMutableBufferPointer { out in
            compress2(out.baseAddress! + 4, &size, &source, uLong(source.count), 6)
        }
        guard result == Z_OK, source.count > 0 else { return .text(line) }  // cannot happen but for memory: keep it plain
        return .blob(Array(blob.prefix(4 + Int(size))))
    }

    /// The line a stored value holds; nil when the BLOB is damaged.
    static func text(of stored: SQLiteValue) -> String? {
        if let text = stored.text { return text }
        guard let blob = stored.blob, blob.count > 4 else { return nil }
        let count = Int(blob[0]) << 24 | Int(blob[1]) << 16 | Int(blob[2]) << 8 | Int(blob[3])
        guard count > 0, count <= maxLineBytes else { return nil }
        var line = [UInt8](repeating: 0, count: count)
        var size = uLong(count)
        let result = blob.withUnsafeBufferPointer { input in
            uncompress(&line, &size, input.baseAddress! + 4, uLong(blob.count - 4))
        }
        guard result == Z_OK, Int(size) == count else { return nil }
        return String(decoding: line, as: UTF8.self)
    }
}
