// Deflated BLOBs of the outbox: a length, then a zlib stream.
//
// Schema 7 kept one row per line protocol line, each line deflated alone: a
// BLOB whose first 4 bytes are the line's length in UTF-8 bytes (big-endian),
// then the zlib stream; a TEXT value was a line as it is (lines queued before
// that, and requeued dead letters). Schema 8 keeps one row per committed batch
// (OutboxBatch.swift) in the same framing, and reads the old rows only once,
// to migrate them (Schema+OutboxBatches.swift).
//
// The stored length is never trusted: beyond the caller's bound, or not what
// the stream inflates to, the BLOB is damaged.

import CZlib

enum Deflated {
    /// `bytes` deflated, behind their count (4 bytes, big-endian); nil when
    /// zlib fails (it cannot but for memory) or the count needs more than 32 bits.
    static func blob(of bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count <= Int(UInt32.max) else { return nil }
        var size = compressBound(uLong(bytes.count))
        var blob = [UInt8](repeating: 0, count: 4 + Int(size))
        let count = UInt32(bytes.count)
        blob[0] = UInt8(count >> 24); blob[1] = UInt8(count >> 16 & 0xFF)
        blob[2] = UInt8(count >> 8 & 0xFF); blob[3] = UInt8(count & 0xFF)
        let result = bytes.withUnsafeBufferPointer { input in
            blob.withUnsafeMutableBufferPointer { out in
                compress2(out.baseAddress! + 4, &size, input.baseAddress, uLong(bytes.count), 6)
            }
        }
        guard result == Z_OK else { return nil }
        return Array(blob.prefix(4 + Int(size)))
    }

    /// The bytes a BLOB of `blob(of:)` holds; nil when it is damaged or its
    /// stored count is 0 or over `maxBytes`.
    static func bytes(of blob: [UInt8], maxBytes: Int) -> [UInt8]? {
        guard blob.count > 4 else { return nil }
        let count = Int(blob[0]) << 24 | Int(blob[1]) << 16 | Int(blob[2]) << 8 | Int(blob[3])
        guard count > 0, count <= maxBytes else { return nil }
        var bytes = [UInt8](repeating: 0, count: count)
        var size = uLong(count)
        let result = blob.withUnsafeBufferPointer { input in
            uncompress(&bytes, &size, input.baseAddress! + 4, uLong(blob.count - 4))
        }
        guard result == Z_OK, Int(size) == count else { return nil }
        return bytes
    }
}

/// A schema 7 outbox line (TEXT, or a deflated BLOB), read by the migration.
enum OutboxText {
    /// The longest line `text(of:)` inflates: a stored length beyond it is damage.
    static let maxLineBytes = 64 << 20

    /// The line a stored value holds; nil when the BLOB is damaged.
    static func text(of stored: SQLiteValue) -> String? {
        if let text = stored.text { return text }
        guard let blob = stored.blob, let bytes = Deflated.bytes(of: blob, maxBytes: maxLineBytes) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
