// History and latest values as frames: one row per device poll holding a
// JSON array. Every value type, hostile text and the edge numbers must come
// back exactly, through the store's API and through the views an operator
// queries with sqlite3; a device polled in groups keeps each point's own time.

import Decoding
import Foundation
import Testing
@testable import Store
import Telemetry

@Suite("history and latest as frames")
struct FrameTests {
    let folder: TempFolder
    let clock = TestClock()
    init() throws { folder = try TempFolder() }

    /// Values whose text form is easy to get wrong in JSON.
    static let edgeReadings: [(String, Reading)] = [
        ("tiny", .good(.double(.leastNonzeroMagnitude))),
        ("huge", .good(.double(1.7976931348623157e308))),
        ("whole", .good(.double(100))),            // must stay REAL, not become INTEGER 100
        ("negative_zero", .good(.double(-0.0))),
        ("not_a_number", .good(.double(.nan))),
        ("infinite", .good(.double(-.infinity))),
        ("smallest", .good(.integer(Int64.min))),
        ("serial", .good(.unsigned(UInt64.max))),  // above Int64.max: kept as text
        ("counter", .good(.unsigned(42))),
        ("running", .good(.bool(false))),
        ("mode", .good(.string("say \"hi\"\\ \n\t\u{1} 泵房"))),
        ("inlet_pressure", .invalid("sentinel \"0xFFFF\"")),
        ("flow", .error("timed out\\n")),
    ]

    @Test("every value type and hostile text round-trip through status and history")
    func roundTrip() throws {
        let path = folder.path("edge.db")
        let store = try StationStore(path: path, options: clock.options())
        defer { store.close() }
        let t = clock.now
        try store.write { try $0.write(StoreBatch(samples: [sample(at: t, Self.edgeReadings)])) }
        let points = try #require(try store.read { try $0.status() }.first?.devices.first?.points)
        #expect(points.map(\.name) == Self.edgeReadings.map(\.0))
        for (point, (name, reading)) in zip(points, Self.edgeReadings) {
            #expect(point.quality == reading.quality, "\(name)")
            #expect(point.time == t, "\(name)")
            if case .double(let expected)? = reading.value, expected.isNaN {
                guard case .double(let found)? = point.value else { Issue.record("\(name): \(String(describing: point.value))"); continue }
                #expect(found.isNaN)
            } else {
                #expect(point.value == reading.value, "\(name)")
            }
            let history = try store.read { try $0.history(station: "FT-0412", device: "ctrl1", point: name, since: .distantPast) }
            #expect(history.count == 1, "\(name)")
            #expect(history.first?.quality == reading.quality, "\(name)")
        }
        #expect(points[5].value == .double(-.infinity))
        #expect(points[3].value.flatMap(\.number)?.sign == .minus)  // -0.0 kept its sign
        // what sqlite3 shows: the column types of the per-point tables of old
        let types = try query(path, "SELECT typeof(value) FROM history_head ORDER BY point_id").map { $0[0] }
        #expect(types == ["real", "real", "real", "real", "text", "text", "integer", "text", "integer", "integer", "text",
                          "null", "null"].map { SQLiteValue.text($0) })
        #expect(try query(path, "SELECT quality FROM latest WHERE quality IS NOT NULL ORDER BY point_id")
                == [[.text("invalid: sentinel \"0xFFFF\"")], [.text("error: timed out\\n")]])
    }

    @Test("a poll writes one history row and one latest row, not one per point")
    func oneRowPerPoll() throws {
        let path = folder.path("rows.db")
        let store = try StationStore(path: path, options: clock.options())
        defer { store.close() }
        let t = clock.now
        let readings = (0..<100).map { ("p\($0)", Reading.good(.double(Double($0) / 4))) }
        try store.write { try $0.write(StoreBatch(samples: [sample(at: t, readings)])) }
        try store.write { try $0.write(StoreBatch(samples: [sample(at: t + 1, readings)])) }  // unchanged: no history frame
        #expect(try query(path, "SELECT count(*) FROM history_frames") == [[.integer(1)]])
        #expect(try query(path, "SELECT count(*) FROM latest_frames") == [[.integer(1)]])
        #expect(try query(path, "SELECT count(*) FROM history_head") == [[.integer(100)]])
        // the frame's text, checked by hand: dense (schema 10), the first point id
        // then each point's value in profile order (ids 1...100, values 0/4...99/4)
        let text = try #require(try query(path, "SELECT points FROM history_frames").first?.first?.text)
        #expect(text.hasPrefix("[1,0.0,0.25,0.5,0.75,1.0,"))
        #expect(text.hasSuffix(",24.5,24.75]"))
        // the latest frame is not rewritten 1 s later (10 s spacing), but the
        // view shows the list's last poll as every point's time
        #expect(try query(path, "SELECT time FROM latest_frames") == [[.integer(ValueColumns.milliseconds(t))]])
        #expect(try query(path, "SELECT DISTINCT time FROM latest") == [[.integer(ValueColumns.milliseconds(t + 1))]])
    }

    @Test("a device polled in two groups keeps both groups' latest values, each with its own time")
    func pollGroups() throws {
        let store = try StationStore(path: folder.path("groups.db"), options: clock.options())
        defer { store.close() }
        let t = clock.now
        try store.write { try $0.write(StoreBatch(samples: [sample(at: t, [("outlet_pressure", .good(.double(0.45))), ("flow", .good(.double(12)))])])) }
        try store.write { try $0.write(StoreBatch(samples: [sample(at: t + 60, [("energy", .good(.integer(7)))])])) }
        try store.write { try $0.write(StoreBatch(samples: [sample(at: t + 61, [("outlet_pressure", .good(.double(0.46))), ("flow", .good(.double(12)))])])) }
        let points = try #require(try store.read { try $0.status() }.first?.devices.first?.points)
        #expect(points.map(\.name) == ["outlet_pressure", "flow", "energy"])
        #expect(points.map(\.value) == [.double(0.46), .double(12), .integer(7)])
        #expect(points.map(\.time) == [t + 61, t + 61, t + 60])
        let flow = try store.read { try $0.history(station: "FT-0412", device: "ctrl1", point: "flow", since: .distantPast) }
        #expect(flow.map(\.time) == [t])  // unchanged at t + 61
    }
}
