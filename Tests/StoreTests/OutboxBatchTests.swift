// The outbox as one row per committed batch (schema 8): an acknowledged
// prefix only moves the row's `gone` count, dead letters from the middle of a
// batch leave holes with every other id unchanged, the cap cuts through a
// batch (with holes and without), requeued lines go to the end as a new row,
// and the order holds across rows and a reopen. Expected counts are worked
// out by hand in the comments.

import Foundation
import Testing
@testable import Store

@Suite("outbox batches")
struct OutboxBatchTests {
    let folder: TempFolder
    let clock = TestClock()
    init() throws { folder = try TempFolder() }

    func batch(_ lines: [String], key: String = "FT-0412/ctrl1") -> StoreBatch {
        StoreBatch(outbox: [OutboxLines(deviceKey: key, lines: lines)])
    }

    func peek(_ store: StationStore) throws -> [String] {
        try store.read { try $0.outboxPeek(maxLines: 100, maxBytes: 1 << 20) }.map(\.line)
    }

    /// (id, lines, gone, live) of every row, oldest first.
    func rows(_ path: String) throws -> [[Int64]] {
        try query(path, "SELECT id, lines, gone, live FROM outbox_batches ORDER BY id").map { $0.map { $0.integer ?? -1 } }
    }

    @Test("acknowledging a peeked prefix moves `gone` without rewriting the row; a row fully sent is deleted")
    func partialAcknowledgement() throws {
        let path = folder.path("ack.db")
        let store = try StationStore(path: path, options: clock.options())
        defer { store.close() }
        try store.write { try $0.write(batch(["a0", "a1", "a2", "a3", "a4"])) }
        try store.write { try $0.write(batch(["b0", "b1", "b2"])) }
        let data = try scalar(path, "SELECT data FROM outbox_batches WHERE id = 1")
        let first = try store.read { try $0.outboxPeek(maxLines: 3, maxBytes: 1 << 20) }
        // Row 1's lines 0, 1, 2: ids 1 << 20 | index.
        #expect(first.map(\.id) == [1 << 20, 1 << 20 | 1, 1 << 20 | 2])
        #expect(try store.write { try $0.outboxDelete(ids: first.map(\.id)) } == 3)
        #expect(try rows(path) == [[1, 5, 3, 2], [2, 3, 0, 3]])
        #expect(try scalar(path, "SELECT data FROM outbox_batches WHERE id = 1") == data)  // not rewritten
        #expect(try peek(store) == ["a3", "a4", "b0", "b1", "b2"])
        // The rest of row 1 and the first of row 2: row 1 goes, row 2 moves on by one.
        let next = try store.read { try $0.outboxPeek(maxLines: 3, maxBytes: 1 << 20) }
        #expect(try store.write { try $0.outboxDelete(ids: next.map(\.id)) } == 3)
        #expect(try rows(path) == [[2, 3, 1, 2]])
        #expect(try store.read { try $0.outboxDepth() } == 2)
        // Acknowledging the same ids again removes nothing (an id of a row gone, a line gone).
        #expect(try store.write { try $0.outboxDelete(ids: next.map(\.id)) } == 0)
        #expect(try store.read { try $0.outboxDepth() } == 2)
    }

    @Test("a dead letter from the middle of a batch leaves a hole; the other ids stay; acknowledging skips the hole")
    func deadLetterFromTheMiddle() throws {
        let path = folder.path("dead.db")
        let store = try StationStore(path: path, options: clock.options())
        defer { store.close() }
        try store.write { try $0.write(batch(["a0", "a1", "bad", "a3", "a4"])) }
        let entries = try store.read { try $0.outboxPeek(maxLines: 10, maxBytes: 1 << 20) }
        #expect(try store.write { try $0.outboxDeadLetter(ids: [entries[2].id], message: "400: bad") } == 1)
        #expect(try store.read { try $0.deadLetters() }.map(\.line) == ["bad"])
        #expect(try rows(path) == [[1, 5, 0, 4]])
        let after = try store.read { try $0.outboxPeek(maxLines: 10, maxBytes: 1 << 20) }
        #expect(after.map(\.line) == ["a0", "a1", "a3", "a4"])
        #expect(after.map(\.id) == [entries[0].id, entries[1].id, entries[3].id, entries[4].id])
        // Acknowledging a0, a1 moves `gone` past the hole to a3 (index 3).
        #expect(try store.write { try $0.outboxDelete(ids: [after[0].id, after[1].id]) } == 2)
        #expect(try rows(path) == [[1, 5, 3, 2]])
        // A dead letter again (its id is gone) moves nothing.
        #expect(try store.write { try $0.outboxDeadLetter(ids: [entries[2].id], message: "again") } == 0)
        #expect(try store.write { try $0.outboxDelete(ids: [after[2].id, after[3].id]) } == 2)
        #expect(try rows(path).isEmpty)
        #expect(try store.read { try $0.outboxDepth() } == 0)
        #expect(try store.read { try $0.deadLetters() }.count == 1)
    }

    @Test("the cap cuts through a batch, with and without holes, dropping the oldest and counting them")
    func capThroughABatch() throws {
        let path = folder.path("cap.db")
        let store = try StationStore(path: path, options: clock.options { $0.outboxMaxLines = 6 })
        defer { store.close() }
        try store.write { try $0.write(batch(["a0", "a1", "a2", "a3", "a4"])) }
        let a1 = try store.read { try $0.outboxPeek(maxLines: 10, maxBytes: 1 << 20) }[1]
        try store.write { try $0.outboxDeadLetter(ids: [a1.id], message: "400") }  // 4 waiting, a hole at 1
        // 4 + 3 = 7 > 6: the oldest, a0, goes; `gone` moves past the hole to a2 (index 2).
        #expect(try store.write { try $0.write(batch(["b0", "b1", "b2"])) }.droppedLines == 1)
        #expect(try rows(path) == [[1, 5, 2, 3], [2, 3, 0, 3]])
        // 6 + 2 = 8 > 6: a2 and a3 go; no holes left after `gone`, so only `gone` moves.
        #expect(try store.write { try $0.write(batch(["c0", "c1"])) }.droppedLines == 2)
        #expect(try rows(path) == [[1, 5, 4, 1], [2, 3, 0, 3], [3, 2, 0, 2]])
        #expect(try peek(store) == ["a4", "b0", "b1", "b2", "c0", "c1"])
        // 6 + 4 = 10 > 6: a4 (its row goes), then b0, b1, b2 (that row goes too).
        #expect(try store.write { try $0.write(batch(["d0", "d1", "d2", "d3"])) }.droppedLines == 4)
        #expect(try rows(path) == [[3, 2, 0, 2], [4, 4, 0, 4]])
        #expect(try peek(store) == ["c0", "c1", "d0", "d1", "d2", "d3"])
        #expect(try store.read { try $0.droppedLines() } == 7)  // 1 + 2 + 4
        #expect(try store.read { try $0.outboxDepth() } == 6)
    }

    @Test("requeued dead letters go to the end as a new row, queued now, in their order")
    func requeue() throws {
        let path = folder.path("requeue.db")
        let store = try StationStore(path: path, options: clock.options())
        defer { store.close() }
        try store.write { try $0.write(batch(["a0", "x1", "a2", "x3"])) }
        let entries = try store.read { try $0.outboxPeek(maxLines: 10, maxBytes: 1 << 20) }
        try store.write { try $0.outboxDeadLetter(ids: [entries[3].id, entries[1].id], message: "400") }
        clock.advance(60)
        try store.write { try $0.write(batch(["b0"], key: "FT-0412/ctrl2")) }
        #expect(try store.write { try $0.requeueDeadLetters(since: nil) } == 2)
        // Dead-lettered in row order (x1, x3); the requeue is row 3, after b0's row 2.
        let after = try store.read { try $0.outboxPeek(maxLines: 10, maxBytes: 1 << 20) }
        #expect(after.map(\.line) == ["a0", "a2", "b0", "x1", "x3"])
        #expect(after.map(\.deviceKey) == ["FT-0412/ctrl1", "FT-0412/ctrl1", "FT-0412/ctrl2", "FT-0412/ctrl1", "FT-0412/ctrl1"])
        #expect(after.suffix(2).allSatisfy { $0.created == clock.now })
        #expect(try rows(path).map { $0[0] } == [1, 2, 3])
        #expect(try store.read { try $0.deadLetters() }.isEmpty)
        #expect(try store.read { try $0.outboxDepth() } == 5)
    }

    @Test("ids rise across rows; peek stops inside a row and goes on across rows; a reopen counts the same")
    func orderAcrossBatches() throws {
        let path = folder.path("order.db")
        do {
            let store = try StationStore(path: path, options: clock.options())
            for round in 0..<4 {
                try store.write { try $0.write(batch((0..<3).map { "r\(round)-\($0)" })) }
            }
            // "r0-0" is 4 bytes, 5 with its newline: 12 bytes hold 2 lines, not 3 (15).
            #expect(try store.read { try $0.outboxPeek(maxLines: 10, maxBytes: 12) }.map(\.line) == ["r0-0", "r0-1"])
            let five = try store.read { try $0.outboxPeek(maxLines: 5, maxBytes: 1 << 20) }
            #expect(five.map(\.line) == ["r0-0", "r0-1", "r0-2", "r1-0", "r1-1"])
            try store.write { try $0.outboxDelete(ids: five.map(\.id)) }
            store.close()
        }
        let store = try StationStore(path: path, options: clock.options())
        defer { store.close() }
        let rest = try store.read { try $0.outboxPeek(maxLines: 100, maxBytes: 1 << 20) }
        #expect(rest.map(\.line) == ["r1-2"] + (2..<4).flatMap { round in (0..<3).map { "r\(round)-\($0)" } })
        #expect(zip(rest, rest.dropFirst()).allSatisfy { $0.id < $1.id })
        #expect(try store.read { try $0.outboxDepth() } == 7)  // 12 - 5
        #expect(try store.read { try $0.outboxSummary() }.lines == 7)
    }

    @Test("entry ids: row << 20 | index, and a write of more than 2^20 lines is cut into rows")
    func idBound() {
        #expect(OutboxID.make(row: 3, index: 5) == 3 * 1_048_576 + 5)
        #expect(OutboxID.row(of: 3 * 1_048_576 + 5) == 3 && OutboxID.index(of: 3 * 1_048_576 + 5) == 5)
        let lines = (0..<(1_048_576 + 2)).map { _ in OutboxBatch.Line(deviceKey: "", line: "") }
        #expect(OutboxBatch.rows(of: lines).map(\.count) == [1_048_576, 2])
    }
}
