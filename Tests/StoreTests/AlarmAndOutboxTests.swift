// Active alarms restored after a restart; the outbox in id order, peeked
// within limits, deleted, dead-lettered, and capped by dropping the oldest.

import Foundation
import Rules
import Testing
@testable import Store

@Suite("alarms and outbox")
struct AlarmAndOutboxTests {
    let folder: TempFolder
    let clock = TestClock()
    init() throws { folder = try TempFolder() }

    @Test("a raised alarm is active after a restart; clearing it removes it; both events are kept")
    func activeAlarmsSurviveRestart() throws {
        let path = folder.path("alarms.db")
        let t = clock.now
        do {
            let store = try StationStore(path: path, options: clock.options())
            try store.write { try $0.write(StoreBatch(alarms: [alarm(.raised, at: t), alarm(.raised, rule: "low", at: t + 1, value: 0.1)])) }
            try store.write { try $0.write(StoreBatch(alarms: [alarm(.raised, at: t + 2, value: 0.65)])) }  // raised again: replaces
            store.close()
        }
        let store = try StationStore(path: path, options: clock.options())
        defer { store.close() }
        let active = try store.read { try $0.activeAlarms() }
        #expect(active.map(\.rule) == ["low", "high"])  // oldest first
        #expect(active[1] == alarm(.raised, at: t + 2, value: 0.65))
        try store.write { try $0.write(StoreBatch(alarms: [alarm(.cleared, at: t + 3, value: 0.55)])) }
        #expect(try store.read { try $0.activeAlarms() }.map(\.rule) == ["low"])
        #expect(try scalar(path, "SELECT count(*) FROM alarm_events") == .integer(4))
    }

    func lines(_ texts: [String]) -> StoreBatch {
        StoreBatch(outbox: [OutboxLines(deviceKey: "FT-0412/ctrl1", lines: texts)])
    }

    @Test("peek in id order within maxLines and maxBytes (at least one line); delete through an id")
    func peekAndDelete() throws {
        let store = try StationStore(path: folder.path("outbox.db"), options: clock.options())
        defer { store.close() }
        let tenBytes = (0..<5).map { "line-\($0)-abc" }  // 10 bytes each, 11 with the newline
        try store.write { try $0.write(lines(tenBytes)) }
        #expect(try store.read { try $0.outboxPeek(maxLines: 2, maxBytes: 1000) }.map(\.line) == ["line-0-abc", "line-1-abc"])
        #expect(try store.read { try $0.outboxPeek(maxLines: 10, maxBytes: 25) }.count == 2)  // 22 bytes fit, 33 do not
        #expect(try store.read { try $0.outboxPeek(maxLines: 10, maxBytes: 5) }.count == 1)  // one line always
        let entries = try store.read { try $0.outboxPeek(maxLines: 10, maxBytes: 1000) }
        #expect(entries.map(\.id) == entries.map(\.id).sorted())
        #expect(entries[0].created == clock.now)
        #expect(try store.write { try $0.outboxDelete(ids: entries.prefix(3).map(\.id)) } == 3)
        #expect(try store.read { try $0.outboxDepth() } == 2)
        #expect(try store.write { try $0.outboxDelete(ids: [entries[4].id, 999]) } == 1)
        #expect(try store.read { try $0.outboxPeek(maxLines: 10, maxBytes: 1000) }.map(\.line) == ["line-3-abc"])
    }

    @Test("delete(ids:) removes exactly the ids given: a run of ids, ids with a gap, ids out of order")
    func deleteExactlyTheIds() throws {
        let store = try StationStore(path: folder.path("ids.db"), options: clock.options())
        defer { store.close() }
        try store.write { try $0.write(lines((0..<10).map { "line-\($0)" })) }
        let ids = try store.read { try $0.outboxPeek(maxLines: 10, maxBytes: 1000) }.map(\.id)
        #expect(try store.write { try $0.outboxDelete(ids: Array(ids[0...2])) } == 3)  // a run: one range delete
        #expect(try store.write { try $0.outboxDelete(ids: [ids[4], ids[6]]) } == 2)    // a gap: ids[5] must stay
        #expect(try store.write { try $0.outboxDelete(ids: [ids[8], ids[7]]) } == 2)    // out of order
        #expect(try store.read { try $0.outboxPeek(maxLines: 10, maxBytes: 1000) }.map(\.line) == ["line-3", "line-5", "line-9"])
        #expect(try store.read { try $0.outboxDepth() } == 3)
    }

    @Test("a refused line moves to the dead letters with the server's message")
    func deadLetter() throws {
        let store = try StationStore(path: folder.path("dead.db"), options: clock.options())
        defer { store.close() }
        try store.write { try $0.write(lines(["good 1", "bad=x 1", "good 2"])) }
        let bad = try store.read { try $0.outboxPeek(maxLines: 10, maxBytes: 1000) }[1]
        #expect(try store.write { try $0.outboxDeadLetter(ids: [bad.id], message: "400: unable to parse 'bad=x 1'") } == 1)
        #expect(try store.read { try $0.outboxPeek(maxLines: 10, maxBytes: 1000) }.map(\.line) == ["good 1", "good 2"])
        #expect(try store.read { try $0.deadLetters() } == [DeadLetter(deviceKey: "FT-0412/ctrl1", line: "bad=x 1",
                                                       message: "400: unable to parse 'bad=x 1'", time: clock.now)])
    }

    @Test("a full outbox drops the OLDEST lines and counts them, across restarts")
    func cap() throws {
        let path = folder.path("cap.db")
        let options = clock.options { $0.outboxMaxLines = 5 }
        do {
            let store = try StationStore(path: path, options: options)
            try store.write { try $0.write(lines(["1", "2", "3"])) }
            let report = try store.write { try $0.write(lines(["4", "5", "6", "7"])) }
            #expect(report.droppedLines == 2)
            store.close()
        }
        let store = try StationStore(path: path, options: options)
        defer { store.close() }
        #expect(try store.read { try $0.outboxDepth() } == 5)
        #expect(try store.read { try $0.droppedLines() } == 2)
        #expect(try store.read { try $0.outboxPeek(maxLines: 10, maxBytes: 1000) }.map(\.line) == ["3", "4", "5", "6", "7"])
        try store.write { try $0.write(lines(["8"])) }
        #expect(try store.read { try $0.droppedLines() } == 3)
        #expect(try store.read { try $0.outboxPeek(maxLines: 1, maxBytes: 1000) }.map(\.line) == ["4"])
    }

    @Test("lines older than outboxMaxAge are dropped by retention and counted")
    func ageCap() throws {
        let store = try StationStore(path: folder.path("age.db"), options: clock.options { $0.outboxMaxAge = 60 })
        defer { store.close() }
        try store.write { try $0.write(lines(["old 1", "old 2"])) }
        clock.advance(61)
        try store.write { try $0.write(lines(["new"])) }
        let report = try store.runRetention()
        #expect(report.outboxLinesByAge == 2)
        #expect(try store.read { try $0.outboxPeek(maxLines: 10, maxBytes: 1000) }.map(\.line) == ["new"])
        #expect(try store.read { try $0.droppedLines() } == 2)
    }
}
