// Dense history frames (schema 10, Schema+DenseFrames.swift): [B, value, ...]
// (and latest frames, written dense since the round after)
// where a bare element k is point B + k - 1's good value (a bare null: no
// entry, filling a gap of up to 3 points), explicit entries where not. Each case writes real polls into a real SQLite file, checks the
// frames' text byte for byte, then reads them every way the store reads
// frames: the history_head and latest views (SQL), `history` (the byte scan),
// `status` (the latest overlay) and the compactor, before and after it ran.
//
// Expected texts and rows are worked out by hand from the polls: point ids
// are 1, 2, 3, ... in the order the points first appear; polls are 1 s apart
// from a window start; history keeps every change (deadband 0).

import Foundation
import Testing
@testable import Store
import Telemetry

@Suite("dense history frames (schema step 10)")
struct DenseFrameTests {
    let folder: TempFolder
    init() throws { folder = try TempFolder() }

    static let start = Date(timeIntervalSince1970: 1_779_998_400)  // a window start (see CompactionTests)

    /// One row of history_head: point id, poll number (seconds from start), value, quality.
    struct Row: Equatable, CustomStringConvertible {
        var point: Int64
        var second: Int64
        var value: SQLiteValue
        var quality: String? = nil
        var description: String { "(\(point), \(second), \(value), \(quality ?? "good"))" }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var polls: [[(String, Reading)]]
        var frames: [String]
        /// Replaces the frames' text after writing: old explicit frames, as schema 9 wrote them.
        var storedByHand: [String]? = nil
        var head: [(Int64, Int64, SQLiteValue, String?)]
        /// The latest frame's text: the first poll's (every point), unless the point list changed.
        var latestFrame: String? = nil
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "every value changed: all bare",
             polls: [[("a", .good(.double(0.5))), ("b", .good(.integer(7))), ("c", .good(.double(1.25)))],
                     [("a", .good(.double(0.6))), ("b", .good(.integer(8))), ("c", .good(.double(1.5)))]],
             frames: ["[1,0.5,7,1.25]", "[1,0.6,8,1.5]"],
             head: [(1, 0, .real(0.5), nil), (2, 0, .integer(7), nil), (3, 0, .real(1.25), nil),
                    (1, 1, .real(0.6), nil), (2, 1, .integer(8), nil), (3, 1, .real(1.5), nil)]),
        Case(name: "by exception, a gap of 4 points: a bare prefix, explicit after the gap",
             polls: [Self.seven([0.5, 1, 2, 3, 4, 5, 6]), Self.seven([0.6, 1.1, 2, 3, 4, 5, 6.1])],
             frames: ["[1,0.5,1.0,2.0,3.0,4.0,5.0,6.0]", "[1,0.6,1.1,[7,6.1]]"],
             head: Self.sevenFirst + [(1, 1, .real(0.6), nil), (2, 1, .real(1.1), nil), (7, 1, .real(6.1), nil)]),
        Case(name: "by exception, gaps of 1 and 3 points: filled with nulls, all bare",
             polls: [Self.seven([0.5, 1, 2, 3, 4, 5, 6]), Self.seven([0.6, 1, 2.1, 3, 4, 5, 6.1])],
             frames: ["[1,0.5,1.0,2.0,3.0,4.0,5.0,6.0]", "[1,0.6,null,2.1,null,null,null,6.1]"],
             head: Self.sevenFirst + [(1, 1, .real(0.6), nil), (3, 1, .real(2.1), nil), (7, 1, .real(6.1), nil)]),
        Case(name: "a bad quality in the middle: explicit, the next at its position bare again",
             polls: [[("a", .good(.double(0.5))), ("b", .invalid("sentinel")), ("c", .good(.double(2)))]],
             frames: ["[1,0.5,[2,null,\"invalid: sentinel\"],2.0]"],
             head: [(1, 0, .real(0.5), nil), (2, 0, .null, "invalid: sentinel"), (3, 0, .real(2), nil)]),
        Case(name: "a string value is bare too",
             polls: [[("mode", .good(.string("auto, \"eco\""))), ("speed", .good(.double(42.5)))],
                     [("mode", .good(.string("manual]"))), ("speed", .good(.double(42.5)))]],
             frames: ["[1,\"auto, \\\"eco\\\"\",42.5]", "[1,\"manual]\"]"],
             head: [(1, 0, .text("auto, \"eco\""), nil), (2, 0, .real(42.5), nil), (1, 1, .text("manual]"), nil)]),
        Case(name: "point ids not consecutive: a filled gap, then explicit where the id lies behind its position",
             polls: [[("a", .good(.double(1))), ("b", .good(.double(2)))],
                     [("a", .good(.double(1.5))), ("c", .good(.double(3))), ("b", .good(.double(2.5)))]],
             frames: ["[1,1.0,2.0]", "[1,1.5,null,3.0,[2,2.5]]"],  // c (id 3) after a gap of 1: b's null
             head: [(1, 0, .real(1), nil), (2, 0, .real(2), nil),
                    (1, 1, .real(1.5), nil), (2, 1, .real(2.5), nil), (3, 1, .real(3), nil)],
             latestFrame: "[1,1.5,null,3.0,[2,2.5]]"),  // a new list: written again, every point as in the history frame
        Case(name: "old explicit frames stored by hand read as before",
             polls: [[("a", .good(.double(0.5))), ("b", .good(.integer(7))), ("c", .good(.double(1.25)))],
                     [("a", .good(.double(0.6))), ("b", .good(.integer(8))), ("c", .good(.double(1.5)))]],
             frames: ["[1,0.5,7,1.25]", "[1,0.6,8,1.5]"],
             storedByHand: ["[[1,0.5],[2,7],[3,1.25]]", "[[1,0.6],[2,9],[3,1.5,\"error: timed out\"]]"],
             head: [(1, 0, .real(0.5), nil), (2, 0, .integer(7), nil), (3, 0, .real(1.25), nil),
                    (1, 1, .real(0.6), nil), (2, 1, .integer(9), nil), (3, 1, .real(1.5), "error: timed out")]),
    ]

    /// history_head of the first poll of seven([0.5, 1, 2, 3, 4, 5, 6]).
    static let sevenFirst: [(Int64, Int64, SQLiteValue, String?)] = [
        (1, 0, .real(0.5), nil), (2, 0, .real(1), nil), (3, 0, .real(2), nil), (4, 0, .real(3), nil),
        (5, 0, .real(4), nil), (6, 0, .real(5), nil), (7, 0, .real(6), nil)]

    /// Points a ... g (ids 1 ... 7) with these values.
    static func seven(_ values: [Double]) -> [(String, Reading)] {
        zip(["a", "b", "c", "d", "e", "f", "g"], values).map { ($0, .good(.double($1))) }
    }

    static let device = DeviceIdentity(station: "FT-0412", device: "plc", profile: "bench", tags: [:])

    @Test("frames are written dense and read the same by every reader, before and after compaction", arguments: cases)
    func everyReader(_ test: Case) throws {
        let path = folder.path("dense.db")
        let store = try StationStore(path: path, options: StoreOptions(compactionInterval: nil))
        defer { store.close() }
        for (second, poll) in test.polls.enumerated() {
            try store.write { try $0.write(StoreBatch(samples: [
                sample(at: Self.start.addingTimeInterval(Double(second)), poll, identity: Self.device)])) }
        }
        #expect(try query(path, "SELECT points FROM history_frames ORDER BY id").map { $0[0] } == test.frames.map { .text($0) })
        // Latest frames are dense too; within 10 s only a new point list writes one again.
        #expect(try query(path, "SELECT points FROM latest_frames") == [[.text(test.latestFrame ?? test.frames[0])]])
        if let texts = test.storedByHand {
            let connection = try SQLiteConnection(path: path, readOnly: false)
            for (index, text) in texts.enumerated() {
                for table in FrameTable.both {  // the frame is in one of them
                    try connection.run("UPDATE \(table.name) SET points = ? WHERE id = ?", [.text(text), .integer(Int64(index + 1))])
                }
            }
        }
        let head = test.head.map { Row(point: $0.0, second: $0.1, value: $0.2, quality: $0.3) }
        let start = ValueColumns.milliseconds(Self.start)
        let viewRows = try query(path, "SELECT point_id, time, value, quality FROM history_head ORDER BY time, point_id").map {
            Row(point: $0[0].integer ?? -1, second: (($0[1].integer ?? 0) - start) / 1000, value: $0[2], quality: $0[3].text)
        }
        #expect(viewRows == head)
        // The latest reading of each point: its last row above (history keeps every change).
        var latest: [Int64: Row] = [:]
        for row in head { latest[row.point] = row }
        let latestView = try query(path, "SELECT point_id, value, quality FROM latest ORDER BY point_id").map { $0 }
        #expect(latestView == latest.keys.sorted().map { [.integer($0), latest[$0]!.value, latest[$0]!.quality.map { .text($0) } ?? .null] })
        let names = try query(path, "SELECT id, name FROM points ORDER BY id").map { ($0[0].integer ?? 0, $0[1].text ?? "") }
        let status = try #require(try store.read { try $0.status() }.first?.devices.first?.points)
        for point in status {
            let id = try #require(names.first { $0.1 == point.name }?.0)
            let want = try #require(latest[id])
            #expect(ValueColumns.column(point.value) == want.value, "\(point.name)")
            #expect(ValueColumns.column(point.quality) == (latest[id]?.quality.map { .text($0) } ?? .null), "\(point.name)")
        }
        let before = try histories(store, names)
        #expect(before == head.sorted { ($0.point, $0.second) < ($1.point, $1.second) })
        // A poll of another device 40 min on closes the window; the compactor reads the frames.
        try store.write { try $0.write(StoreBatch(samples: [
            sample(at: Self.start.addingTimeInterval(2400), [("x", .good(.double(1)))],
                   identity: DeviceIdentity(station: "FT-0412", device: "other", profile: "bench", tags: [:]))])) }
        #expect(try store.compactNow().windows == 1)
        #expect(try scalar(path, "SELECT count(*) FROM history_frames WHERE device_id = 1") == .integer(0))
        #expect(try histories(store, names) == before)
    }

    /// Every point's history through the store's API, as rows, by point then time.
    func histories(_ store: StationStore, _ names: [(Int64, String)]) throws -> [Row] {
        let start = ValueColumns.milliseconds(Self.start)
        return try names.filter { $0.1 != "x" }.flatMap { id, name in
            try store.read { try $0.history(station: "FT-0412", device: "plc", point: name, since: Self.start - 60) }.map {
                Row(point: id, second: (ValueColumns.milliseconds($0.time) - start) / 1000, value: ValueColumns.column($0.value),
                    quality: ValueColumns.column($0.quality).text)
            }
        }
    }

    @Test("FrameReader reads both forms, and refuses a bare element in a frame without a base id")
    func readerForms() {
        #expect(FrameReader.entries("[5,0.5,[7,1,\"error: x\"],\"on\",[6,null]]") == [
            FrameEntry(pointID: 5, value: .real(0.5), quality: nil),
            FrameEntry(pointID: 7, value: .integer(1), quality: "error: x"),
            FrameEntry(pointID: 7, value: .text("on"), quality: nil),  // position 3: 5 + 3 - 1
            FrameEntry(pointID: 6, value: .null, quality: nil),
        ])
        #expect(FrameReader.entries("[[5,0.5],[6,2]]") == [FrameEntry(pointID: 5, value: .real(0.5), quality: nil),
                                                            FrameEntry(pointID: 6, value: .integer(2), quality: nil)])
        #expect(FrameReader.entries("[[5,0.5],0.7]") == nil)
        // a bare null is no entry: point 6 has none, 7 is at position 3
        #expect(FrameReader.entries("[5,0.5,null,1]") == [FrameEntry(pointID: 5, value: .real(0.5), quality: nil),
                                                         FrameEntry(pointID: 7, value: .integer(1), quality: nil)])
        #expect(FrameReader.entry(of: 6, in: "[5,0.5,null,1]") == .some(nil))
        #expect(FrameReader.entry(of: 7, in: "[5,0.5,null,1]") == .some(FrameEntry(pointID: 7, value: .integer(1), quality: nil)))
        #expect(FrameReader.entry(of: 7, in: "[5,0.5,\"a,]\",12]") == .some(FrameEntry(pointID: 7, value: .integer(12), quality: nil)))
        #expect(FrameReader.entry(of: 8, in: "[5,0.5,\"a,]\",12]") == .some(nil))
        #expect(FrameReader.entry(of: 9, in: "[5,0.5,[9,1.5,\"invalid: s\"]]") == .some(FrameEntry(pointID: 9, value: .real(1.5), quality: "invalid: s")))
    }
}
