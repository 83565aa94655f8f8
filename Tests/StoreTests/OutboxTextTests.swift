// Outbox lines stored deflated (OutboxText.swift): what the table holds,
// that every reader gets the text back exactly, that a plain TEXT line (an
// older pumpgw's, a requeued dead letter) still reads, and that a damaged
// BLOB is an error naming the line, not a wrong line.

import Foundation
import Testing
@testable import Store

@Suite("outbox lines deflated")
struct OutboxTextTests {
    let folder: TempFolder
    let clock = TestClock()
    init() throws { folder = try TempFolder() }

    /// A station line of 100 fields like the bench profile's: 2,4xx bytes.
    static let longLine = "pump_station,device=plc,profile=bench-plc-100,station=ST-0048 "
        + (0..<100).map { "analog_\($0)=\(50 + $0 % 7).300000000000004" }.joined(separator: ",") + " 1780000000000"

    @Test("a 2.4 KB line is stored in under a third of its size and every reader gets it back exactly")
    func storedSmallerReadExactly() throws {
        let path = folder.path("deflate.db")
        let store = try StationStore(path: path, options: clock.options())
        defer { store.close() }
        let lines = [Self.longLine, "pump_alarm,station=FT-0412 state=\"raised\",message=\"Pumpe 2 läuft nicht\" 1", "x"]
        try store.write { try $0.write(StoreBatch(outbox: [OutboxLines(deviceKey: "FT-0412/ctrl1", lines: lines)])) }
        // The table holds BLOBs: 4 bytes of length (2,4xx = the UTF-8 count) and the zlib stream.
        let stored = try query(path, "SELECT typeof(line), length(line) FROM outbox ORDER BY id")
        #expect(stored.map { $0[0] } == [.text("blob"), .text("blob"), .text("blob")])
        #expect(Self.longLine.utf8.count > 2400)
        #expect((stored[0][1].integer ?? .max) * 3 < Int64(Self.longLine.utf8.count), "\(stored[0])")
        let blob = try #require(try scalar(path, "SELECT line FROM outbox ORDER BY id LIMIT 1")?.blob)
        #expect(Int(blob[0]) << 24 | Int(blob[1]) << 16 | Int(blob[2]) << 8 | Int(blob[3]) == Self.longLine.utf8.count)
        // peek, and a dead letter (kept as text for people), read the very lines.
        let entries = try store.read { try $0.outboxPeek(maxLines: 10, maxBytes: 1 << 20) }
        #expect(entries.map(\.line) == lines)
        try store.write { try $0.outboxDeadLetter(ids: [entries[1].id], message: "400: bad field") }
        #expect(try store.read { try $0.deadLetters() }.map(\.line) == [lines[1]])
        #expect(try scalar(path, "SELECT typeof(line) FROM dead_letters") == .text("text"))
        // Requeued, it goes back to the outbox as text, and reads the same.
        #expect(try store.write { try $0.requeueDeadLetters(since: nil) } == 1)
        #expect(try store.read { try $0.outboxPeek(maxLines: 10, maxBytes: 1 << 20) }.map(\.line) == [lines[0], lines[2], lines[1]])
    }

    @Test("a damaged stored line is an error that names it, never another line")
    func damagedLine() throws {
        let path = folder.path("damaged.db")
        let store = try StationStore(path: path, options: clock.options())
        defer { store.close() }
        try store.write { try $0.write(StoreBatch(outbox: [OutboxLines(deviceKey: "k", lines: [Self.longLine])])) }
        let id = try #require(try scalar(path, "SELECT id FROM outbox")?.integer)
        // A stored length of 10 bytes, and a zlib stream that inflates to 2.4 KB: refused.
        // (|| makes TEXT of two BLOBs: the CAST keeps it a BLOB, as the store writes it.)
        try store.write { engine in
            try engine.connection.run("UPDATE outbox SET line = CAST(X'0000000A' || substr(line, 5) AS BLOB)")
        }
        let error = try #require(throws: StoreError.self) { try store.read { try $0.outboxPeek(maxLines: 1, maxBytes: 1 << 20) } }
        #expect(error.description.contains("outbox line \(id) cannot be inflated"), "\(error)")
        #expect(OutboxText.text(of: .blob([0, 0, 0, 5, 1, 2, 3])) == nil)  // not a zlib stream
        #expect(OutboxText.text(of: .blob([0xFF, 0xFF, 0xFF, 0xFF, 0x78, 0x9C])) == nil)  // 4 GB claimed: over the cap
    }
}
