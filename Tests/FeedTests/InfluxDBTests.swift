// End to end against a real InfluxDB 1.x (Debian's influxd, started here):
// values and counts read back over /query, an outage under load with
// nothing lost or reordered, and the dead-letter path on a type conflict.

import Foundation
import Logging
import Testing
@testable import Feed
import Decoding
import Profiles
import Rules
import Telemetry

/// A poll at 100 ms steps from 2025-11-26 00:00:00 UTC with values worked out from `index`.
func pollSample(_ index: Int, identity: DeviceIdentity) -> DeviceSample {
    DeviceSample(identity: identity, time: Date(timeIntervalSince1970: 1_764_115_200 + Double(index) / 10), points: [
        PointSample(name: "outlet_pressure", reading: .good(.double(0.4 + Double(index) / 1000))),
        PointSample(name: "inlet_pressure", reading: .invalid("sentinel")),
        PointSample(name: "run_hours", reading: .good(.integer(Int64(index)))),
        PointSample(name: "pump1_running", reading: .good(.bool(index % 2 == 0))),
        PointSample(name: "mode", reading: .good(.string(index % 3 == 0 ? "auto" : "manual \"x\" C:\\dir\\"))),
        PointSample(name: "tiny", reading: .good(.double(1e-5))),
    ])
}

@Suite(.serialized, .timeLimit(.minutes(3))) struct InfluxDBTests {
    let identity = DeviceIdentity(station: "福田区泵房 A,1=x", device: "ctrl 1", profile: "booster",
                                  tags: ["district": "福田", "note": "say \"hi\" C:\\dir\\"])

    func writeURL(_ influx: InfluxDB, db: String = "pumps") -> FeedSection {
        FeedSection(url: influx.base + "/write?db=\(db)")
    }

    @Test func writesAndQueriesBack() async throws {
        let influx = try await InfluxDB.withDatabase()
        defer { influx.stop() }

        let lines = FeedLines()
        let count = 300
        var queued = (0..<count).compactMap { lines.station(pollSample($0, identity: identity)) }
        queued.append(try #require(lines.alarm(AlarmEvent(
            station: identity.station, device: identity.device, point: "outlet_pressure", rule: "high", severity: .major,
            state: .raised, value: 0.62, limit: 0.6, time: Date(timeIntervalSince1970: 1_764_115_200),
            message: "Outlet pressure 0.62 MPa above 0.60 MPa\nfor 10 s"))))
        queued.append(try #require(lines.health(DeviceHealth(
            identity: identity, time: Date(timeIntervalSince1970: 1_764_115_200), connected: true, pollMilliseconds: 12.5,
            errors: 3, consecutiveFailures: 0, lastGoodPoll: nil, lastError: "exception 2 (illegal data address)"))))
        let outbox = MemoryOutbox(queued)
        let sink = try FeedSinks.make(writeURL(influx))
        let feed = FeedSender(outbox: outbox, sink: sink, options: .init(maxLines: 64), log: .discarding)
        #expect(try await feed.flush())
        #expect(await feed.status.sentLines == count + 2)
        #expect(await feed.status.sentBatches == 5)

        #expect(try await influx.query("SELECT count(outlet_pressure) FROM pump_station").first?[1].int == count)
        let rows = try await influx.query("SELECT outlet_pressure, run_hours, pump1_running, mode, tiny, inlet_pressure FROM pump_station")
        #expect(rows.count == count)
        for (index, row) in rows.enumerated() {
            #expect(row[0].int64 == 1_764_115_200_000 + Int64(index) * 100)
            #expect(row[1].double == 0.4 + Double(index) / 1000)
            #expect(row[2].int == index)
            #expect(row[3].bool == (index % 2 == 0))
            #expect(row[4].string == (index % 3 == 0 ? "auto" : "manual \"x\" C:\\dir\\"))
            #expect(row[5].double == 1e-5)
            #expect(row[6] == .null)
        }
        let tags = try await influx.query(#"SHOW TAG VALUES FROM pump_station WITH KEY IN ("station", "device", "district", "note", "profile")"#)
        let pairs: [String] = tags.map { row in "\(row[0].string ?? "?")=\(row[1].string ?? "?")" }
        #expect(Set(pairs) == [
            "station=福田区泵房 A,1=x", "device=ctrl 1", "district=福田", "note=say \"hi\" C:\\dir", "profile=booster",
        ])
        let alarm = try await influx.query("SELECT state, value, \"limit\", message, severity, point FROM pump_alarm")
        #expect(alarm.count == 1)
        #expect(alarm.first?[1].string == "raised")
        #expect(alarm.first?[2].double == 0.62)
        #expect(alarm.first?[4].string == "Outlet pressure 0.62 MPa above 0.60 MPa for 10 s")
        #expect(alarm.first?[5].string == "major")
        let health = try await influx.query("SELECT connected, errors, last_error FROM pumpgw_health")
        #expect(health.first?[1].bool == true && health.first?[2].int == 3)
        #expect(health.first?[3].string == "exception 2 (illegal data address)")
    }

    @Test func anOutageUnderLoadLosesNothing() async throws {
        let influx = try await InfluxDB.withDatabase()
        defer { influx.stop() }

        let outbox = MemoryOutbox()
        let sink = try FeedSinks.make(writeURL(influx), timeout: 2)
        let feed = FeedSender(outbox: outbox, sink: sink,
                              options: .init(maxLines: 200, initialBackoff: 0.05, maxBackoff: 0.4, idleInterval: 0.02),
                              log: .discarding)
        let runner = Task { await feed.run() }
        defer { runner.cancel() }

        let total = 1500
        let base: Int64 = 1_764_115_200_000
        for sequence in 0..<total {
            await outbox.append(["outage,device=ctrl1 seq=\(sequence)i \(base + Int64(sequence))"])
            if sequence == 500 {
                influx.stop()   // SIGTERM: the central server goes away while lines keep coming
            }
            if sequence == 1000 {
                #expect(await feed.status.state.name == "retrying")
                #expect(await outbox.depth > 400)
                try await influx.start()   // same data folder, same port
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        let deadline = Date().addingTimeInterval(60)
        while await outbox.depth > 0, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        runner.cancel()
        await runner.value
        #expect(await outbox.depth == 0)
        let status = await feed.status
        #expect(status.retries > 0 && status.sentLines >= total && status.state == .ok)

        let rows = try await influx.query("SELECT seq FROM outage")
        #expect(rows.count == total)
        #expect(rows.map { $0[1].int ?? -1 } == Array(0..<total))
        #expect(rows.map { $0[0].int64 ?? -1 } == (0..<total).map { base + Int64($0) })
    }

    @Test func aFieldTypeConflictIsDeadLetteredAndTheRestGoesOn() async throws {
        let influx = try await InfluxDB.withDatabase()
        defer { influx.stop() }

        let outbox = MemoryOutbox(["conflict x=1i 1000"])
        let sink = try FeedSinks.make(writeURL(influx))
        let feed = FeedSender(outbox: outbox, sink: sink, log: .discarding)
        #expect(try await feed.flush())
        await outbox.append(["conflict x=2i 2000", "conflict x=\"s\" 3000", "conflict x=4i 4000", "conflict x=5i 5000"])
        #expect(try await feed.step() == .progressed(sent: 3, deadLettered: 1))
        let dead = await outbox.deadLetters
        #expect(dead.map(\.line) == ["conflict x=\"s\" 3000"])
        #expect(dead.first?.message.contains("field type conflict") == true, "\(dead)")
        #expect(dead.first?.message.hasPrefix("HTTP 400: ") == true)
        #expect(try await influx.query("SELECT x FROM conflict").map { $0[1].int ?? -1 } == [1, 2, 4, 5])
        #expect(await feed.status.deadLettered == 1)
    }

    @Test func aMissingDatabaseFailsTheFeedAndKeepsTheLines() async throws {
        let influx = try InfluxDB()
        defer { influx.stop() }
        try await influx.start()
        let outbox = MemoryOutbox(["m a=1i 1000"])
        let feed = FeedSender(outbox: outbox, sink: try FeedSinks.make(writeURL(influx, db: "nope")),
                              options: .init(refusedRetry: 5), log: .discarding)
        #expect(try await feed.step() == .wait(5))
        #expect(await feed.status.state == .failing("HTTP 404: database not found: \"nope\""))
        #expect(await outbox.depth == 1)
        _ = try await influx.query("CREATE DATABASE nope")
        #expect(try await feed.step() == .progressed(sent: 1, deadLettered: 0))
    }
}
