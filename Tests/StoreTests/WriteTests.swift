// The writer: a batch of several devices in one transaction, every value
// type round trip, history by exception (deadband, heartbeat, quality).

import Decoding
import Foundation
import Rules
import Testing
@testable import Store
import Telemetry

@Suite("writes and history by exception")
struct WriteTests {
    let folder: TempFolder
    let clock = TestClock()
    init() throws { folder = try TempFolder() }

    @Test("one batch of two devices writes latest, history, health, alarms and outbox together")
    func batch() throws {
        let store = try StationStore(path: folder.path("batch.db"), options: clock.options())
        defer { store.close() }
        let t = clock.now
        let other = DeviceIdentity(station: "FT-0412", device: "meter2", profile: "flow-meter")
        let report = try store.write { try $0.write(StoreBatch(
            samples: [sample(at: t, [("outlet_pressure", .good(.double(0.452))), ("flow_total", .good(.integer(123_456)))]),
                      sample(at: t, [("serial", .good(.unsigned(UInt64.max))), ("mode", .good(.string("auto"))),
                                     ("running", .good(.bool(true))), ("inlet_pressure", .invalid("sentinel 0xFFFF")),
                                     ("flow", .error("timed out"))], identity: other)],
            health: [health(at: t, connected: true)],
            alarms: [alarm(.raised, at: t)],
            outbox: [OutboxLines(deviceKey: "FT-0412/ctrl1", lines: ["l1", "l2"]), OutboxLines(deviceKey: "FT-0412/meter2", lines: ["l3"])])) }
        #expect(report.latestRows == 7)
        #expect(report.historyRows == 7)  // first sample of every point
        #expect(report.outboxLines == 3)
        #expect(report.droppedLines == 0)

        let devices = try #require(try store.read { try $0.status() }.first?.devices)
        #expect(devices.map(\.device) == ["ctrl1", "meter2"])
        #expect(devices[0].points.map(\.value) == [.double(0.452), .integer(123_456)])
        #expect(devices[0].points[0].unit == "MPa")
        #expect(devices[0].points[0].time == t)
        #expect(devices[1].points.map(\.value) == [.unsigned(UInt64.max), .string("auto"), .bool(true), nil, nil])
        #expect(devices[1].points.map(\.quality) == [.good, .good, .good, .invalid("sentinel 0xFFFF"), .error("timed out")])
        #expect(devices[0].health?.connected == true)
        #expect(devices[0].activeAlarms.map(\.key) == ["FT-0412/ctrl1/outlet_pressure/high"])
        #expect(try store.read { try $0.outboxPeek(maxLines: 10, maxBytes: 1000) }.map(\.line) == ["l1", "l2", "l3"])
    }

    @Test("deadband 0.01 and heartbeat 60 s: moves, quality changes and the heartbeat are stored, nothing else")
    func historyByException() throws {
        let options = clock.options {
            $0.historyPolicies["outlet_pressure"] = HistoryPolicy(deadband: 0.01, heartbeat: 60)
        }
        let store = try StationStore(path: folder.path("history.db"), options: options)
        defer { store.close() }
        let t0 = clock.now
        let steps: [(TimeInterval, Reading)] = [
            (0, .good(.double(0.450))),   // stored: the first
            (1, .good(.double(0.455))),   // 0.005 from 0.450: within the deadband
            (2, .good(.double(0.461))),   // 0.011 from 0.450: stored
            (3, .good(.double(0.461))),   // unchanged
            (62, .good(.double(0.461))),  // 60 s after the last stored (t=2): heartbeat
            (63, .error("timed out")),    // quality changed: stored
            (64, .error("timed out")),    // same quality, no value
            (65, .good(.double(0.461))),  // good again: stored
        ]
        for (offset, reading) in steps {
            try store.write { try $0.write(StoreBatch(samples: [sample(at: t0 + offset, [("outlet_pressure", reading)])])) }
        }
        let history = try store.read { try $0.history(station: "FT-0412", device: "ctrl1", point: "outlet_pressure", since: t0) }
        #expect(history.map { $0.time.timeIntervalSince(t0) } == [0, 2, 62, 63, 65])
        #expect(history.map(\.value) == [.double(0.45), .double(0.461), .double(0.461), nil, .double(0.461)])
        #expect(history[3].quality == .error("timed out"))
        // the latest value is always the last sample
        #expect(try store.read { try $0.status() }.first?.devices.first?.points.first?.time == t0 + 65)
    }

    @Test("default policy stores any change; a full-path policy wins over a point-name policy")
    func policies() throws {
        let options = clock.options {
            $0.historyPolicies["flow"] = HistoryPolicy(deadband: 100, heartbeat: 3600)
            $0.historyPolicies["FT-0412/ctrl1/flow"] = HistoryPolicy(deadband: 0.5, heartbeat: 3600)
        }
        let store = try StationStore(path: folder.path("policy.db"), options: options)
        defer { store.close() }
        let t0 = clock.now
        for (offset, flow, level) in [(0.0, 10.0, 1.0), (1, 10.4, 1.0001), (2, 10.6, 1.0001), (3, 10.0, 1.0002)] {
            try store.write { try $0.write(StoreBatch(samples: [sample(at: t0 + offset, [("flow", .good(.double(flow))), ("level", .good(.double(level)))])])) }
        }
        let flow = try store.read { try $0.history(station: "FT-0412", device: "ctrl1", point: "flow", since: t0) }
        let level = try store.read { try $0.history(station: "FT-0412", device: "ctrl1", point: "level", since: t0) }
        #expect(flow.map(\.value) == [.double(10), .double(10.6), .double(10)])  // 10.4 is within 0.5
        #expect(level.count == 3)  // 1.0, 1.0001, 1.0002: every change
    }

    @Test("after a restart the first sample is stored again (a keyframe); then the same value waits for the heartbeat")
    func restartStoresAKeyframe() throws {
        let path = folder.path("restart.db")
        let t0 = clock.now
        do {
            let store = try StationStore(path: path, options: clock.options())
            try store.write { try $0.write(StoreBatch(samples: [sample(at: t0, [("outlet_pressure", .good(.double(0.45)))])])) }
            store.close()
        }
        let store = try StationStore(path: path, options: clock.options())
        defer { store.close() }
        try store.write { try $0.write(StoreBatch(samples: [sample(at: t0 + 10, [("outlet_pressure", .good(.double(0.45)))])])) }
        #expect(try store.read { try $0.historyRowCount() } == 2)
        try store.write { try $0.write(StoreBatch(samples: [sample(at: t0 + 20, [("outlet_pressure", .good(.double(0.45)))])])) }
        #expect(try store.read { try $0.historyRowCount() } == 2)
        try store.write { try $0.write(StoreBatch(samples: [sample(at: t0 + 910, [("outlet_pressure", .good(.double(0.45)))])])) }
        #expect(try store.read { try $0.historyRowCount() } == 3)  // 15 min heartbeat after the keyframe
    }

    @Test("writes from many tasks through the async API all land")
    func asyncWriters() async throws {
        let store = try await StationStore.open(path: folder.path("async.db"), options: clock.options())
        let t = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<8 {
                group.addTask {
                    let identity = DeviceIdentity(station: "ST-\(index % 2)", device: "dev\(index)", profile: "p")
                    for second in 0..<5 {
                        try await store.write { try $0.write(StoreBatch(samples: [sample(at: t + Double(second), [("x", .good(.integer(Int64(second))))],
                                                                          identity: identity)])) }
                    }
                }
            }
            try await group.waitForAll()
        }
        let stations = try await store.read { try $0.status() }
        #expect(stations.map(\.station) == ["ST-0", "ST-1"])
        #expect(stations.flatMap(\.devices).count == 8)
        #expect(stations.flatMap(\.devices).allSatisfy { $0.points.first?.value == .integer(4) })
    }
}

extension Date {
    static func + (date: Date, seconds: TimeInterval) -> Date { date.addingTimeInterval(seconds) }
}
