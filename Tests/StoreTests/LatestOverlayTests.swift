// Latest frames written every 10 s, and readers that lay the newer history
// frames over them (schema step 9). Each scenario is a few polls worked by
// hand: which poll's latest frame the table holds, and what `status` and the
// `latest` view must both give (values, qualities, times).

import Foundation
import Testing
@testable import Store
import Telemetry

/// One scenario: polls of `pumpRoom` at whole seconds after the clock's start.
struct LatestScenario: CustomTestStringConvertible, Sendable {
    var name: String
    var deadband: Double = 0
    var polls: [(second: Int, readings: [(String, Reading)])]
    /// The seconds of the polls whose latest frames the table holds (by first point).
    var frameSeconds: [Int]
    /// Every point's reading as status must give it, and its time in seconds.
    var expected: [(String, Reading, second: Int)]

    var testDescription: String { name }
}

private func good(_ number: Double) -> Reading { .good(.double(number)) }

@Suite("latest frames every 10 s, readers overlay the newer history")
struct LatestOverlayTests {
    let folder: TempFolder
    let clock = TestClock()
    init() throws { folder = try TempFolder() }

    static let scenarios: [LatestScenario] = [
        // p changes every poll: history keeps each value, the frame stays at 0 s
        LatestScenario(name: "deadband 0, values changing",
                       polls: [(0, [("p", good(1)), ("q", good(10))]), (1, [("p", good(2)), ("q", good(10))]),
                               (2, [("p", good(3)), ("q", good(10))]), (3, [("p", good(4)), ("q", good(10))])],
                       frameSeconds: [0], expected: [("p", good(4), 3), ("q", good(10), 3)]),
        // nothing changes: the frame is rewritten at 10 s (10 s after 0 s), not at 11 or 12
        LatestScenario(name: "deadband 0, values sitting still",
                       polls: (0...12).map { ($0, [("p", good(1)), ("q", good(10))]) },
                       frameSeconds: [10], expected: [("p", good(1), 12), ("q", good(10), 12)]),
        // 1.0 -> 1.2 is within the deadband: history drops it, so the frame must hold it (rewritten at 1 s, not at 2 s)
        LatestScenario(name: "deadband 0.5, a change below the deadband", deadband: 0.5,
                       polls: [(0, [("p", good(1.0))]), (1, [("p", good(1.2))]), (2, [("p", good(1.2))])],
                       frameSeconds: [1], expected: [("p", good(1.2), 2)]),
        // 1.0 -> 2.0 is beyond it: history keeps it, the frame stays at 0 s
        LatestScenario(name: "deadband 0.5, a change beyond the deadband", deadband: 0.5,
                       polls: [(0, [("p", good(1.0))]), (1, [("p", good(2.0))]), (2, [("p", good(2.0))])],
                       frameSeconds: [0], expected: [("p", good(2.0), 2)]),
        // a quality change is always kept by history
        LatestScenario(name: "deadband 0.5, the quality changes", deadband: 0.5,
                       polls: [(0, [("p", good(1.0))]), (1, [("p", .error("timed out"))]), (2, [("p", .error("timed out"))])],
                       frameSeconds: [0], expected: [("p", .error("timed out"), 2)]),
        // r joins the list: a new point list, written at once (its first point is p again: the same row)
        LatestScenario(name: "the point list changes",
                       polls: [(0, [("p", good(1)), ("q", good(10))]), (1, [("p", good(1)), ("q", good(10)), ("r", good(5))]),
                               (2, [("p", good(1)), ("q", good(11)), ("r", good(5))])],
                       frameSeconds: [1], expected: [("p", good(1), 2), ("q", good(11), 2), ("r", good(5), 2)]),
        // a poll group (e) beside the main list (p, q): two frames, each list's own poll time;
        // e's frame of 1 s is not rewritten at 4 s, p and q's of 0 s not at 2 or 3 s
        LatestScenario(name: "a poll group",
                       polls: [(0, [("p", good(1)), ("q", good(10))]), (1, [("e", .good(.integer(7)))]),
                               (2, [("p", good(2)), ("q", good(10))]), (3, [("p", good(3)), ("q", good(10))]),
                               (4, [("e", .good(.integer(7)))])],
                       frameSeconds: [0, 1], expected: [("p", good(3), 3), ("q", good(10), 3), ("e", .good(.integer(7)), 4)]),
        // the clock steps back from 12 s to 5 s: 3.0 -> 3.2 is within the deadband and the time went
        // back, so the frame is rewritten at 5 s; the history frame of 12 s (p = 3.0), older than that
        // frame but later in time, must not be laid over it
        LatestScenario(name: "the clock steps back", deadband: 0.5,
                       polls: [(0, [("p", good(1))]), (12, [("p", good(3))]), (5, [("p", good(3.2))]), (13, [("p", good(3.2))])],
                       frameSeconds: [5], expected: [("p", good(3.2), 13)]),
    ]

    @Test("status and the latest view give what each scenario wrote", arguments: scenarios)
    func scenario(_ scenario: LatestScenario) throws {
        let path = folder.path("scenario.db")
        let store = try StationStore(path: path, options: clock.options {
            $0.defaultHistoryPolicy = HistoryPolicy(deadband: scenario.deadband)
        })
        for (second, readings) in scenario.polls {
            try store.write { try $0.write(StoreBatch(samples: [sample(at: at(second), readings)])) }
        }
        #expect(try query(path, "SELECT time FROM latest_frames ORDER BY first_point_id") == scenario.frameSeconds.map { [.integer(ms($0))] })
        try expectLatest(path: path, store: store, scenario.expected)
        store.close()
    }

    /// What `status` (and the view, the same) must give: value, quality, time.
    private func expectLatest(path: String, store: StationStore, _ expected: [(String, Reading, second: Int)],
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
        let points = try #require(try store.read { try $0.status() }.first?.devices.first?.points)
        #expect(points.map(\.name) == expected.map(\.0), sourceLocation: sourceLocation)
        for (point, (name, reading, second)) in zip(points, expected) {
            #expect(point.value == reading.value, "\(name)", sourceLocation: sourceLocation)
            #expect(point.quality == reading.quality, "\(name)", sourceLocation: sourceLocation)
            #expect(point.time == at(second), "\(name)", sourceLocation: sourceLocation)
        }
        try expectViewAgrees(path: path, store: store, sourceLocation: sourceLocation)
    }

    /// The `latest` view gives what status gives, for every point of every device.
    private func expectViewAgrees(path: String, store: StationStore,
                                  sourceLocation: SourceLocation = #_sourceLocation) throws {
        let view = try query(path, """
            SELECT p.name, l.value, l.quality, l.time, p.kind FROM latest l JOIN points p ON p.id = l.point_id ORDER BY p.device_id, p.id
            """)
        let status = try store.read { try $0.status() }.flatMap(\.devices).flatMap(\.points)
        #expect(view.count == status.count, sourceLocation: sourceLocation)
        for (row, point) in zip(view, status) {
            #expect(row[0] == .text(point.name), sourceLocation: sourceLocation)
            #expect(ValueColumns.quality(row[2]) == point.quality, "\(point.name)", sourceLocation: sourceLocation)
            if point.quality == .good {
                #expect(ValueColumns.value(row[1], kind: row[4].text ?? "") == point.value, "\(point.name)", sourceLocation: sourceLocation)
            }
            #expect(row[3].integer.map(ValueColumns.date) == point.time, "\(point.name)", sourceLocation: sourceLocation)
        }
    }

    @Test("a clean close writes the frames due or not; the first poll after a start writes again")
    func restart() throws {
        let path = folder.path("restart.db")
        var store = try StationStore(path: path, options: clock.options())
        try store.write { try $0.write(StoreBatch(samples: [sample(at: at(0), [("p", good(1))])])) }
        try store.write { try $0.write(StoreBatch(samples: [sample(at: at(1), [("p", good(2))])])) }
        #expect(try query(path, "SELECT time FROM latest_frames") == [[.integer(ms(0))]])
        store.close()
        // the close folded the poll of 1 s (p = 2) into the frame
        #expect(try query(path, "SELECT time, points FROM latest_frames") == [[.integer(ms(1)), .text("[[1,2.0]]")]])
        store = try StationStore(path: path, options: clock.options())
        try expectLatest(path: path, store: store, [("p", good(2), 1)])
        try store.write { try $0.write(StoreBatch(samples: [sample(at: at(2), [("p", good(2))])])) }
        #expect(try query(path, "SELECT time FROM latest_frames") == [[.integer(ms(2))]])  // first poll since the open
        try expectLatest(path: path, store: store, [("p", good(2), 2)])
        store.close()
    }

    @Test("a store dropped without close (as by kill -9) reads the last batch, and the next open folds it")
    func droppedWithoutClose() throws {
        let path = folder.path("dropped.db")
        do {
            let store = try StationStore(path: path, options: clock.options())
            for second in 0...3 {
                try store.write { try $0.write(StoreBatch(samples: [sample(at: at(second), [("p", good(Double(second)))])])) }
            }
            // a reader beside the writer sees the last committed batch
            let reader = try StationStore.openForReading(path: path)
            try expectLatest(path: path, store: reader, [("p", good(3), 3)])
            reader.close()
        }  // deinit: no close, no fold: the lock goes as with a kill
        #expect(try query(path, "SELECT time FROM latest_frames") == [[.integer(ms(0))]])
        let store = try StationStore(path: path, options: clock.options())
        defer { store.close() }
        #expect(try query(path, "SELECT time, points FROM latest_frames") == [[.integer(ms(3)), .text("[[1,3.0]]")]])
        try expectLatest(path: path, store: store, [("p", good(3), 3)])
    }

    @Test("a device no longer polled is folded after 30 s, so compaction cannot hide what its frame lacks")
    func quietDeviceThenCompaction() throws {
        let path = folder.path("quiet.db")
        let store = try StationStore(path: path, options: clock.options())
        defer { store.close() }
        let other = DeviceIdentity(station: "FT-0412", device: "ctrl2", profile: "booster-set-example", tags: [:])
        try store.write { try $0.write(StoreBatch(samples: [sample(at: at(0), [("p", good(1))])])) }
        try store.write { try $0.write(StoreBatch(samples: [sample(at: at(1), [("p", good(2))])])) }  // history only
        // ctrl1 leaves the config; ctrl2 is polled once a minute for 40 minutes
        for minute in 0...40 {
            try store.write { try $0.write(StoreBatch(samples: [sample(at: at(30 + minute * 60), [("q", good(7))], identity: other)])) }
        }
        let folded = try query(path, "SELECT time FROM latest_frames WHERE device_id = 1")
        #expect(folded == [[.integer(ms(1))]])  // at the first batch 30 s after its last poll
        let report = try store.compactNow()
        #expect(report.windows >= 1)
        #expect(try scalar(path, "SELECT count(*) FROM history_frames WHERE device_id = 1") == .integer(0))
        let points = try store.read { try $0.status() }.first?.devices.map { $0.points.map { ($0.name, $0.value, $0.time) } }
        #expect(points?.first?.first?.1 == .double(2))
        #expect(points?.first?.first?.2 == at(1))
        try expectViewAgrees(path: path, store: store)
    }

    private func at(_ second: Int) -> Date { clock.now.addingTimeInterval(Double(second)) }
    private func ms(_ second: Int) -> Int64 { ValueColumns.milliseconds(at(second)) }
}
