// Outbox lines stored deflated, a committed batch to a row (OutboxBatch.swift):
// what the table holds, that every reader gets the text back exactly, and
// that a damaged row (a wrong stored size, a size over the bound, a stream
// that runs short, a wrong line count) is an error naming the row, never a
// wrong line.

import Foundation
import Testing
@testable import Store

@Suite("outbox lines deflated")
struct OutboxTextTests {
    let folder: TempFolder
    let clock = TestClock()
    init() throws { folder = try TempFolder() }

    /// A station line of 100 fields like the bench profile's: 2,4xx bytes; `shift` varies the digits.
    static func longLine(_ shift: Int = 0) -> String {
        "pump_station,device=plc,profile=bench-plc-100,station=ST-0048 "
            + (0..<100).map { "analog_\($0)=\(50 + ($0 + shift) % 7).300000000000004" }.joined(separator: ",") + " 1780000000000"
    }

    @Test("a batch of 100 lines of 2.4 KB is one row, deflated under a tenth of its text, and read back exactly")
    func storedSmallerReadExactly() throws {
        let path = folder.path("deflate.db")
        let store = try StationStore(path: path, options: clock.options())
        defer { store.close() }
        let long = (0..<99).map { Self.longLine($0) }
        let other = ["pump_alarm,station=FT-0412 state=\"raised\",message=\"Pumpe 2 läuft nicht\" 1"]
        try store.write {
            try $0.write(StoreBatch(outbox: [OutboxLines(deviceKey: "ST-0048/plc", lines: long),
                                             OutboxLines(deviceKey: "FT-0412/ctrl1", lines: other)]))
        }
        // One row of 100 lines, nothing gone yet. The text is 99 x 2.4 KB and more:
        // the field names repeat in every line, so zlib's 32 KB window finds them
        // again and again (one line alone deflated to about a third, schema 7).
        let text = (long + other).reduce(0) { $0 + $1.utf8.count }
        #expect(text > 99 * 2400)
        let rows = try query(path, "SELECT lines, gone, live, typeof(data), length(data) FROM outbox_batches")
        #expect(rows.count == 1)
        #expect(Array(rows[0].prefix(4)) == [.integer(100), .integer(0), .integer(100), .text("blob")])
        #expect((rows[0][4].integer ?? .max) * 10 < Int64(text), "\(rows[0])")
        // peek reads the very lines, with their device keys, in the order written.
        let entries = try store.read { try $0.outboxPeek(maxLines: 1000, maxBytes: 1 << 20) }
        #expect(entries.map(\.line) == long + other)
        #expect(entries.map(\.deviceKey) == Array(repeating: "ST-0048/plc", count: 99) + ["FT-0412/ctrl1"])
        #expect(entries.allSatisfy { $0.created == clock.now })
        // A dead letter is kept as text, for people; requeued it reads the same, at the end.
        try store.write { try $0.outboxDeadLetter(ids: [entries[99].id], message: "400: bad field") }
        #expect(try store.read { try $0.deadLetters() }.map(\.line) == other)
        #expect(try scalar(path, "SELECT typeof(line) FROM dead_letters") == .text("text"))
        #expect(try store.write { try $0.requeueDeadLetters(since: nil) } == 1)
        let again = try store.read { try $0.outboxPeek(maxLines: 1000, maxBytes: 1 << 20) }
        #expect(again.map(\.line) == long + other)
        #expect(again.last?.deviceKey == "FT-0412/ctrl1")
    }

    @Test("a damaged row is an error that names it, never another line", arguments: [
        // a stored size of 10 bytes, and a zlib stream that inflates to more: refused
        "UPDATE outbox_batches SET data = CAST(X'0000000A' || substr(data, 5) AS BLOB)",
        // 2 GB claimed: over the 256 MB bound, refused before any memory is taken
        "UPDATE outbox_batches SET data = CAST(X'7FFFFFFF' || substr(data, 5) AS BLOB)",
        // the row says 3 lines, the stream holds 2
        "UPDATE outbox_batches SET lines = 3, live = 3",
        // the row says 1 line, the stream holds 2 (bytes left over)
        "UPDATE outbox_batches SET lines = 1, live = 1",
    ])
    func damagedRow(_ damage: String) throws {
        let path = folder.path("damaged.db")
        let store = try StationStore(path: path, options: clock.options())
        defer { store.close() }
        try store.write { try $0.write(StoreBatch(outbox: [OutboxLines(deviceKey: "k", lines: [Self.longLine(), "x 1"])])) }
        let id = try #require(try scalar(path, "SELECT id FROM outbox_batches")?.integer)
        // (|| makes TEXT of two BLOBs: the CAST keeps it a BLOB, as the store writes it.)
        try store.write { try $0.connection.run(damage) }
        let error = try #require(throws: StoreError.self) { try store.read { try $0.outboxPeek(maxLines: 1, maxBytes: 1 << 20) } }
        #expect(error.description.contains("outbox batch \(id) (table outbox_batches) cannot be inflated"), "\(error)")
    }

    @Test("a stream whose records run past its end, or of an unknown kind, is damage")
    func shortStreams() throws {
        // Records worked out by hand: kind 1, key length 9 but one byte of key left.
        let short = try #require(Deflated.blob(of: [1, 0, 0, 0, 9, 65]))
        #expect(OutboxBatch(deflated: short, count: 1) == nil)
        // kind 1, key "k" (length 1), line "x" (length 1): one good line...
        let good = try #require(Deflated.blob(of: [1, 0, 0, 0, 1, 107, 0, 0, 0, 1, 120]))
        #expect(OutboxBatch(deflated: good, count: 1)?.lines == [OutboxBatch.Line(deviceKey: "k", line: "x")])
        // ... then a hole (kind 0), and a kind 2 that is neither.
        let hole = try #require(Deflated.blob(of: [0, 1, 0, 0, 0, 1, 107, 0, 0, 0, 1, 120]))
        #expect(OutboxBatch(deflated: hole, count: 2)?.lines == [nil, OutboxBatch.Line(deviceKey: "k", line: "x")])
        #expect(OutboxBatch(deflated: try #require(Deflated.blob(of: [2])), count: 1) == nil)
        // invalid UTF-8 in a line
        #expect(OutboxBatch(deflated: try #require(Deflated.blob(of: [1, 0, 0, 0, 0, 0, 0, 0, 1, 0xFF])), count: 1) == nil)
        // the schema 7 line reader keeps its bound
        #expect(OutboxText.text(of: .blob([0, 0, 0, 5, 1, 2, 3])) == nil)  // not a zlib stream
        #expect(OutboxText.text(of: .blob([0xFF, 0xFF, 0xFF, 0xFF, 0x78, 0x9C])) == nil)  // 4 GB claimed: over the cap
    }
}
