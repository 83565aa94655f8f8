// `pumpgw status`, `pumpgw history` and `pumpgw bench store` as child
// processes on databases the test wrote.

import Decoding
import Foundation
import Telemetry
import Rules
import Testing
@testable import Store

@Suite("status, history and bench verbs")
struct CommandLineTests {
    let folder: TempFolder
    init() throws { folder = try TempFolder() }

    /// A store with one device: two points, disconnected, one active alarm; left open as a running gateway would.
    func gatewayStore(_ path: String) throws -> StationStore {
        let store = try StationStore(path: path)
        let t = Date(timeIntervalSince1970: 1_780_000_000)
        try store.write { try $0.write(StoreBatch(
            samples: [sample(at: t, [("outlet_pressure", .good(.double(0.452))), ("mode", .good(.string("auto, remote")))]),
                      sample(at: t + 60, [("outlet_pressure", .error("timed out")), ("mode", .error("timed out"))])],
            health: [health(at: t + 60, connected: false, error: "timed out")],
            alarms: [alarm(.raised, at: t + 30)])) }
        return store
    }

    @Test("status --json beside a running writer: values, units, qualities, connection, alarms")
    func statusJSON() throws {
        let path = folder.path("gw.db")
        let store = try gatewayStore(path)
        defer { store.close() }
        let result = try runPumpgw(["status", "--db", path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let station = try #require((document["stations"] as? [[String: Any]])?.first)
        #expect(station["station"] as? String == "FT-0412")
        #expect(station["tags"] as? [String: String] == ["district": "futian"])
        let device = try #require((station["devices"] as? [[String: Any]])?.first)
        #expect(device["device"] as? String == "ctrl1")
        #expect(device["connected"] as? Bool == false)
        #expect(device["lastError"] as? String == "timed out")
        let points = try #require(device["points"] as? [[String: Any]])
        #expect(points.map { $0["name"] as? String } == ["outlet_pressure", "mode"])
        #expect(points.map { $0["quality"] as? String } == ["error: timed out", "error: timed out"])
        #expect(points[0]["unit"] as? String == "MPa")
        #expect(points[0]["value"] is NSNull)
        #expect(points[0]["time"] as? String == "2026-05-28T20:27:40.000Z")  // 1,780,000,060 s
        let alarms = try #require(device["alarms"] as? [[String: Any]])
        #expect(alarms.count == 1)
        #expect(alarms[0]["severity"] as? String == "major")
        #expect(alarms[0]["limit"] as? Double == 0.6)
    }

    @Test("status as text names the device state and the alarm")
    func statusText() throws {
        let path = folder.path("gw.db")
        try gatewayStore(path).close()
        let result = try runPumpgw(["status", "--db", path])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0] == "FT-0412  (district=futian)")
        #expect(lines[1] == "  ctrl1  booster-set-example  DISCONNECTED, never answered: timed out")
        #expect(lines[2].split(separator: " ", omittingEmptySubsequences: true) == ["POINT", "VALUE", "UNIT", "QUALITY", "AGE"])
        #expect(lines[5].hasPrefix("    ALARM major outlet_pressure high value 0.62, raised ") == true, "\(lines)")
        // Then the gateway section (no gateway ran on this store: no state row).
        #expect(lines.count == 9, "\(lines)")   // the last: the store line
        #expect(Array(lines[6...]).prefix(2) == ["gateway (no state recorded yet)", "  outbox  0 lines; 0 dead letters; 0 dropped"])
    }

    @Test("status on a missing database: exit 1, one line on stderr")
    func statusMissing() throws {
        let result = try runPumpgw(["status", "--db", folder.path("none.db")])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stderr.contains("no database at \(folder.path("none.db"))"))
    }

    @Test("history --csv prints every stored sample, quoted where needed")
    func historyCSV() throws {
        let path = folder.path("gw.db")
        try gatewayStore(path).close()
        let result = try runPumpgw(["history", "--db", path, "--point", "FT-0412/ctrl1/mode", "--since", "100000d", "--csv"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == """
            time,value,quality
            2026-05-28T20:26:40.000Z,"auto, remote",good
            2026-05-28T20:27:40.000Z,,error: timed out

            """)
        let bad = try runPumpgw(["history", "--db", path, "--point", "FT-0412/ctrl1"])
        #expect(bad.status == 2)
        let unknown = try runPumpgw(["history", "--db", path, "--point", "FT-0412/ctrl1/nothing"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "pumpgw: no point FT-0412/ctrl1/nothing in the store\n")
    }

    @Test("bench store refuses a database a gateway holds; writes and reports when free")
    func bench() throws {
        let path = folder.path("bench.db")
        let store = try StationStore(path: path)
        let refused = try runPumpgw(["bench", "store", "--db", path, "--cycles", "1"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("is in use by another gateway (pid \(getpid()))"), "\(refused.stderr)")
        store.close()
        let result = try runPumpgw(["bench", "store", "--db", path, "--devices", "8", "--points", "10", "--cycles", "3"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("bench store: 8 devices x 10 points, 3 cycles, 3 transactions (one per cycle)"))
        let reader = try StationStore.openForReading(path: path)
        #expect(try reader.read { try $0.status() }.flatMap(\.devices).count == 8)
        #expect(try reader.read { try $0.status() }.flatMap(\.devices).allSatisfy { $0.points.count == 10 })
    }
}

@Suite("history through the command, before and after compaction")
struct HistoryCommandCompactionTests {
    @Test("pumpgw history prints the same before and after compaction, with --csv and with --every")
    func sameOutput() throws {
        let folder = try TempFolder()
        let path = folder.path("history.db")
        // Two hours of 10 s polls ending now (the command's --since counts from now).
        let store = try StationStore(path: path, options: StoreOptions(compactionInterval: nil))
        defer { store.close() }
        let end = Date()
        for poll in 0..<720 {
            let time = end.addingTimeInterval(Double(poll - 720) * 10)
            let pressure: Reading = poll % 97 == 0 ? .error("timed out") : .good(.double(Double(450 + poll % 23) * 0.001))
            try store.write { try $0.write(StoreBatch(samples: [sample(at: time, [("outlet_pressure", pressure),
                                                                   ("pump1_running", .good(.bool(poll / 50 % 2 == 0)))])])) }
        }
        let commands = [["--point", "FT-0412/ctrl1/outlet_pressure", "--since", "3h", "--csv"],
                        ["--point", "FT-0412/ctrl1/pump1_running", "--since", "3h"],
                        ["--point", "FT-0412/ctrl1/outlet_pressure", "--since", "3h", "--every", "1m", "--csv"]]
        let before = try commands.map { try runPumpgw(["history", "--db", path] + $0) }
        #expect(before.allSatisfy { $0.status == 0 }, "\(before.map(\.stderr))")
        #expect(before[0].stdout.split(separator: "\n").count == 721)  // a header and 720 samples (every poll changed)
        #expect(try store.compactNow().chunks >= 4)  // 2 points x at least 2 closed windows
        let after = try commands.map { try runPumpgw(["history", "--db", path] + $0) }
        #expect(after.map(\.stdout) == before.map(\.stdout))
    }
}
