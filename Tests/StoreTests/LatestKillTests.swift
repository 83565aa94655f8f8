// kill -9 with latest frames written only every 10 s: `pumpgw bench store`
// writes a simulated second per cycle as fast as it can (so most polls leave
// the frame alone) and is shot mid-run. Its outbox lines are committed in the
// same transaction as the values: each device's newest line is what status
// must give, beside the dead writer and after the next open.

import Foundation
import Testing
@testable import Store
import Telemetry

@Suite("kill -9 and the latest values")
struct LatestKillTests {
    @Test("after kill -9 status gives each device's values of the last committed batch, before and after the next open")
    func killNine() throws {
        let folder = try TempFolder()
        let path = folder.path("killed.db")
        let behind = "SELECT count(*) FROM latest_frames f JOIN latest_polls p USING (device_id, first_point_id) WHERE p.time > f.time"
        // A kill that lands just after a cycle that rewrote every frame (one in ten: frames are due every
        // 10 cycles' time) leaves nothing for the overlay to do: run again, on a new file, up to 5 times.
        var newest: [String: (fields: String, time: Int64)] = [:]
        for attempt in 1...5 {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            let child = try RunningChild(["bench", "store", "--db", path, "--devices", "8", "--points", "10",
                                          "--duration", "30", "--progress"])
            // Past 20 committed cycles (about 40 ms on a quiet machine), at most 20 s on a loaded one.
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline, lastCommitted("committed", in: child.stdout) <= 20 { Thread.sleep(forTimeInterval: 0.05) }
            Thread.sleep(forTimeInterval: Double.random(in: 0...0.2))
            let output = child.killHard()
            #expect(child.process.terminationReason == .uncaughtSignal, "the child ended by itself: \(output)")
            let cycles = lastCommitted("committed", in: output)  // "committed CYCLES lines N samples S"
            #expect(cycles > 20, "killed after \(cycles) cycles: too early to leave frames behind")

            let reader = try StationStore.openForReading(path: path)
            newest = try newestLines(reader)
            try expectStatus(reader, equals: newest)
            reader.close()
            if try scalar(path, behind) != .integer(0) { break }  // some frames were behind their polls: the overlay was needed
            #expect(attempt < 5, "no kill in 5 left a frame behind its poll")
        }

        let writer = try StationStore(path: path)  // folds the polls after the frames
        #expect(try scalar(path, behind) == .integer(0))
        try expectStatus(writer, equals: newest)
        writer.close()
    }

    /// Per device ("STATION/DEVICE"): the newest outbox line's fields and time.
    private func newestLines(_ store: StationStore) throws -> [String: (fields: String, time: Int64)] {
        var newest: [String: (fields: String, time: Int64)] = [:]
        for entry in try store.read({ try $0.outboxPeek(maxLines: 10_000_000, maxBytes: Int.max) }) {
            // "pump_station,device=dev0,profile=bench,station=ST-0 p0=0.452,...,p9=3i 1780000001000"
            let parts = entry.line.split(separator: " ")
            guard parts.count == 3, let time = Int64(parts[2]) else { continue }
            newest[entry.deviceKey] = (String(parts[1]), time)
        }
        return newest
    }

    /// Status of a device online at the last cycle gives the line's fields at the line's time;
    /// one offline then (no line) gives every point's error, later than its last line.
    private func expectStatus(_ store: StationStore, equals newest: [String: (fields: String, time: Int64)]) throws {
        let devices = try store.read { try $0.status() }.flatMap(\.devices)
        #expect(devices.count == 8)
        for device in devices {
            let key = "\(device.station)/\(device.device)"
            let line = try #require(newest[key], "\(key): no outbox line")
            let times = Set(device.points.map { $0.time.map(ValueColumns.milliseconds) })
            #expect(times.count == 1, "\(key): one poll, one time")
            if device.points.allSatisfy({ $0.quality == .good }) {
                let fields = device.points.map { "\($0.name)=\($0.value.map { "\($0)" } ?? "")" }.joined(separator: ",")
                #expect(fields == line.fields, "\(key)")
                // the line's stamp truncates the cycle's time to ms, the store rounds it: 1 ms apart at most
                let time = try #require(times.first ?? nil)
                #expect(abs(time - line.time) <= 1, "\(key): \(time) against the line's \(line.time)")
            } else {
                #expect(device.points.allSatisfy { $0.quality == .error("timed out") }, "\(key)")
                #expect((times.first ?? nil).map { $0 > line.time } == true, "\(key)")
            }
        }
    }
}
