// One row of `outbox_batches` (schema 8): the lines of one committed batch,
// with their device keys, deflated together as one stream.
//
// Why batches: a line of the bench's 100 points is about 2.2 KB of text.
// Deflated alone (schema 7) it was about 0.7 KB, and every line was one
// insert and one delete: about 21 bytes written per polled sample with
// checkpoints. The lines of one batch repeat each other's field names and
// digits, so the batch deflates many times better, in one insert.
//
// An entry's id is the row's id << 20 | the line's index in the row
// (`OutboxID`), so ids keep the order lines were queued in and stay the same
// while a row is rewritten. The row's `gone` counts leading lines already
// sent, dead-lettered or dropped: acknowledging a peeked prefix, the common
// case, only moves it. Removing lines elsewhere (dead letters, the cap
// cutting through a row that has holes) rewrites the stream with those lines
// as holes; `live` counts the lines still waiting.
//
// The stream, before deflating, is one record per line in order:
//   live line: 0x01, key length (UInt32 BE), key (UTF-8), line length (UInt32 BE), line (UTF-8)
//   a hole:    0x00
// Nothing in it is trusted on reading: lengths are checked against what is
// left, the record count against the row's `lines` (damage is an error
// naming the row).

import CSQLite

/// An outbox entry id: a batch row and a line's index in it.
enum OutboxID {
    static let indexBits = 20
    /// Lines per row at most (1,048,576): the writer starts a new row beyond it.
    /// Row ids stay below 2^43 (one row a second for 278,000 years), so ids are positive.
    static let maxLinesPerRow = 1 << indexBits

    static func make(row: Int64, index: Int) -> Int64 { row << Int64(indexBits) | Int64(index) }
    static func row(of id: Int64) -> Int64 { id >> Int64(indexBits) }
    static func index(of id: Int64) -> Int { Int(id & Int64(maxLinesPerRow - 1)) }
}

struct OutboxBatch: Equatable {
    struct Line: Equatable {
        var deviceKey: String
        var line: String
    }

    /// In queue order; nil is a hole (a line removed out of order).
    var lines: [Line?]

    /// The largest stream a row may inflate to: a stored size beyond it is damage.
    static let maxStreamBytes = 256 << 20
    /// The writer starts a new row when a row's stream would pass this
    /// (a few seconds of a 1000-device gateway), far below `maxStreamBytes`.
    static let rowStreamBytes = 16 << 20

    /// The deflated stream of `lines`, as the `data` column keeps it.
    func deflated() throws(StoreError) -> [UInt8] {
        var stream: [UInt8] = []
        stream.reserveCapacity(lines.reduce(0) { $0 + 9 + ($1?.deviceKey.utf8.count ?? 0) + ($1?.line.utf8.count ?? 0) })
        for line in lines {
            guard let line else { stream.append(0); continue }
            stream.append(1)
            Self.append(line.deviceKey, to: &stream)
            Self.append(line.line, to: &stream)
        }
        guard let blob = Deflated.blob(of: stream) else {
            throw .sqlite(code: SQLiteResultCode(rawValue: SQLITE_NOMEM), message: "cannot deflate an outbox batch of \(stream.count) bytes", sql: nil)
        }
        return blob
    }

    /// The batch a stored row holds; nil when the BLOB is damaged or does not
    /// hold exactly `count` lines.
    init?(deflated blob: [UInt8], count: Int) {
        guard count > 0, count <= OutboxID.maxLinesPerRow,
              let stream = Deflated.bytes(of: blob, maxBytes: Self.maxStreamBytes) else { return nil }
        var reader = StreamReader(bytes: stream)
        var lines: [Line?] = []
        lines.reserveCapacity(count)
        while lines.count < count {
            switch reader.byte() {
            case 0: lines.append(nil)
            case 1:
                guard let key = reader.text(), let line = reader.text() else { return nil }
                lines.append(Line(deviceKey: key, line: line))
            default: return nil
            }
        }
        guard reader.atEnd else { return nil }
        self.lines = lines
    }

    init(lines: [Line?]) { self.lines = lines }

    private static func append(_ text: String, to stream: inout [UInt8]) {
        let count = UInt32(truncatingIfNeeded: text.utf8.count)
        stream.append(contentsOf: [UInt8(count >> 24), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)])
        stream.append(contentsOf: text.utf8)
    }

    /// `lines` cut into rows: at most `OutboxID.maxLinesPerRow` lines and
    /// (but for a single longer line) `rowStreamBytes` of stream each.
    static func rows(of lines: [Line]) -> [[Line]] {
        var rows: [[Line]] = []
        var row: [Line] = []
        var bytes = 0
        for line in lines {
            let size = 9 + line.deviceKey.utf8.count + line.line.utf8.count
            if !row.isEmpty && (row.count == OutboxID.maxLinesPerRow || bytes + size > rowStreamBytes) {
                rows.append(row)
                row = []
                bytes = 0
            }
            row.append(line)
            bytes += size
        }
        if !row.isEmpty { rows.append(row) }
        return rows
    }
}

/// Reads an inflated stream: every length checked against what is left.
private struct StreamReader {
    let bytes: [UInt8]
    var at = 0

    var atEnd: Bool { at == bytes.count }

    /// The next byte; 0xFF (no record kind) past the end.
    mutating func byte() -> UInt8 {
        guard at < bytes.count else { return 0xFF }
        defer { at += 1 }
        return bytes[at]
    }

    /// A length-prefixed UTF-8 text; nil when it runs past the end or is not UTF-8.
    mutating func text() -> String? {
        guard bytes.count - at >= 4 else { return nil }
        let count = Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
        at += 4
        guard count <= bytes.count - at else { return nil }
        defer { at += count }
        return String(validating: bytes[at..<at + count], as: UTF8.self)
    }
}
