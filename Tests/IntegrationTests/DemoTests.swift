// `pumpgw demo --duration 15` exits 0 and leaves a database in which
// `pumpgw status --json` shows every demo station; the RS-485 bus's two
// devices, on the demo's own pty, are polled good.

import Foundation
import Testing
import TestSupport

@Suite("pumpgw demo")
struct DemoTests {
    @Test("a 15 s demo exits 0 and status shows every station")
    func demoLeavesAStore() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pumpgw-demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try runToEnd(Paths.pumpgw, ["demo", "--duration", "15", "--profiles", Paths.profiles.path,
                                                 "--var", folder.path], timeout: 60)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("— 14 s —") || result.stdout.contains("— 11 s —"), "no live view: \(result.stdout)")
        #expect(result.stdout.contains("LH-0107  outlet 0.1"), "the pressure drop did not show: \(result.stdout)")
        #expect(result.stdout.contains("ALARM major (orange): Outlet pressure 0.1"), "no low-pressure alarm: \(result.stdout)")

        let status = try runToEnd(Paths.pumpgw, ["status", "--db", folder.appendingPathComponent("pumpgw.db").path, "--json"])
        #expect(status.status == 0, "stderr: \(status.stderr)")
        for station in ["FT-0412", "LH-0107", "NS-0233"] {
            #expect(status.stdout.contains("\"station\":\"\(station)\""), "\(station) missing from status")
        }
        let feed = try String(contentsOf: folder.appendingPathComponent("feed.lp"), encoding: .utf8)
        #expect(feed.contains("pump_station,device=booster,district=luohu,profile=grundfos-hydro-mpc-cim500,station=LH-0107 "))

        // The bus: on a pty of the demo's own, both units answered with their values in most cycles
        // (15 s at 1 s and 2 s; the first cycles start staggered).
        #expect(result.stdout.contains("an RS-485 bus on \(folder.path)/rs485-1 (a pty: /dev/pts/"), "stdout: \(result.stdout)")
        let lines = feed.split(separator: "\n")
        let flow = lines.filter { $0.hasPrefix("pump_station,device=flowmeter,district=futian,profile=electromagnetic-flowmeter-mfe600h,station=FT-0412 ") }
        let analyser = lines.filter { $0.hasPrefix("pump_station,device=analyser,district=futian,profile=water-quality-panel,station=FT-0412 ") }
        #expect(flow.count >= 10 && flow.allSatisfy { $0.contains(" flow=") && $0.contains(",total=") }, "flowmeter lines: \(flow.prefix(2))")
        #expect(analyser.count >= 5 && analyser.allSatisfy { $0.contains("free_chlorine=") }, "analyser lines: \(analyser.prefix(2))")
        #expect(result.stdout.contains("FT-0412  flowmeter: flow "), "stdout: \(result.stdout)")
    }

    @Test("without a pty the demo's bus devices are served over RTU over TCP, and polled good")
    func busFallsBackToRTUOverTCP() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pumpgw-demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        // A plain file where the pty's link would go: the simulator will not replace it, so no pty.
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("not a link".utf8).write(to: folder.appendingPathComponent("rs485-1"))
        let result = try runToEnd(Paths.pumpgw, ["demo", "--duration", "6", "--profiles", Paths.profiles.path,
                                                 "--var", folder.path, "--http", "off"], timeout: 60)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("no pty for the bus (above): its devices sit behind RTU over TCP on 127.0.0.1:"), "stdout: \(result.stdout)")
        let config = try String(contentsOf: folder.appendingPathComponent("demo-config.json5"), encoding: .utf8)
        #expect(!config.contains("buses:") && config.contains(#"framing: "rtu", unit: 3"#), "\(config)")
        let feed = try String(contentsOf: folder.appendingPathComponent("feed.lp"), encoding: .utf8).split(separator: "\n")
        // 6 s at 1 s: about 5 flow meter lines after the staggered start.
        #expect(feed.filter { $0.hasPrefix("pump_station,device=flowmeter,") && $0.contains(" flow=") }.count >= 3)
        #expect(feed.contains { $0.hasPrefix("pump_station,device=analyser,") && $0.contains("free_chlorine=") })
    }
}
