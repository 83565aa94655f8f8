// `pumpgw run` with an RS-485 bus from the config: one end of a socat pty
// pair is the bus, `pumpgw simulate --serial` answers units 2 and 3 on the
// other end, the feed goes to a file. Both devices' station lines must come
// every cycle: one poller serves the bus, one request at a time, and neither
// device starves the other. And a SIGHUP that changes the bus's line
// settings restarts its poller at the new settings.

import Foundation
import Testing
import TestSupport

@Suite("RTU bus in the gateway", .serialized)
struct BusRunTests {
    @Test("pumpgw run polls two units of one bus every cycle")
    func twoUnitsOnOneBus() throws {
        let pty = try PtyPair()
        defer { pty.stop() }
        let profile = Paths.profiles.appendingPathComponent("pressure-transmitter-rs485.json5").path
        let simulator = try Server(Paths.pumpgw, ["simulate", "--profile", profile, "--serial", pty.b, "--unit", "2,3",
                                                  "--duration", "60"], announcement: #"\(RTU\) unit (\d+)"#)
        defer { simulator.stop() }
        let site = try DaemonSite()
        defer { site.remove() }
        try site.write(gatewayConfigText(profiles: Paths.profiles.path, """
          buses: [ { id: "rs485-1", port: "\(pty.a)", baud: 19200, parity: "none", dataBits: 8, stopBits: 1 } ],
          stations: [ { id: "FT-0412", devices: [
            { id: "inlet", profile: "pressure-transmitter-rs485", bus: "rs485-1", unit: 2, interval: "500ms", timeout: "200ms" },
            { id: "outlet", profile: "pressure-transmitter-rs485", bus: "rs485-1", unit: 3, interval: "500ms", timeout: "200ms" },
          ] } ],
          """))
        let daemon = try Daemon(config: site.config.path)
        // 4 s of polling at 500 ms: about 8 cycles of each device.
        Thread.sleep(forTimeInterval: 4.5)
        #expect(daemon.terminate() == 0, "stderr: \(daemon.stderr)")
        let lines = (try String(contentsOf: site.feed, encoding: .utf8)).split(separator: "\n").filter { $0.hasPrefix("pump_station,") }
        for device in ["inlet", "outlet"] {
            let times = lines.filter { $0.contains("device=\(device),") }.compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }
            // At least 6 of the ~8 cycles (start-up staggering takes the first), and no cycle
            // missed: a missed one would leave a gap of 1000 ms between two lines.
            #expect(times.count >= 6, "\(device): \(times.count) lines; stderr: \(daemon.stderr)")
            let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
            #expect(gaps.allSatisfy { $0 > 0 && $0 < 900 }, "\(device): gaps \(gaps)")
        }
        // Each line carries its own device's values, not an error field.
        #expect(!lines.isEmpty && lines.allSatisfy { !$0.contains("error") }, "\(lines.prefix(4))")
    }

    @Test("SIGHUP with a new baud for the bus reopens it at that baud")
    func reloadAppliesNewBaud() throws {
        let site = try DaemonSite()
        defer { site.remove() }
        // The simulator's own pty, at 9600 baud: it leaves a request at any other baud unanswered.
        let port = site.folder.appendingPathComponent("rs485-1").path
        let profile = Paths.profiles.appendingPathComponent("pressure-transmitter-rs485.json5").path
        let simulator = try Server(Paths.pumpgw, ["simulate", "--profile", profile, "--pty", port, "--baud", "9600",
                                                  "--unit", "2", "--duration", "60"], announcement: #"\(RTU\) unit (\d+)"#)
        defer { simulator.stop() }
        func writeConfig(baud: Int) throws {
            try """
            {
              gateway: { id: "gw-test" },
              profiles: "\(Paths.profiles.path)",
              store: { path: "var/pumpgw.db" },
              feed: { url: "file:var/feed.lp", precision: "ms" },
              buses: [ { id: "rs485-1", port: "\(port)", baud: \(baud) } ],
              stations: [ { id: "FT-0412", devices: [
                { id: "inlet", profile: "pressure-transmitter-rs485", bus: "rs485-1", unit: 2, interval: "300ms", timeout: "150ms" },
              ] } ],
            }
            """.write(to: site.config, atomically: true, encoding: .utf8)
        }
        try writeConfig(baud: 19200)
        let daemon = try Daemon(config: site.config.path)
        #expect(daemon.waitFor("gateway started"), "stderr: \(daemon.stderr)")
        // At 19200 the device hears noise: no good value in 1.5 s (5 polls).
        Thread.sleep(forTimeInterval: 1.5)
        let before = try site.stationLines()
        #expect(before.isEmpty, "answered at the wrong baud: \(before.prefix(2))")

        try writeConfig(baud: 9600)
        daemon.signal(SIGHUP)
        // The device's own config did not change, only its bus's: the bus's poller must restart.
        #expect(daemon.waitFor("endpoints_restarted=1"), "stderr: \(daemon.stderr)")
        #expect(daemon.stderr.contains("\(port) 9600 8N1"), "stderr: \(daemon.stderr)")
        Thread.sleep(forTimeInterval: 1.5)
        #expect(daemon.terminate() == 0)
        // 1.5 s at 300 ms: about 5 polls, all answered at the new baud.
        let lines = try site.stationLines()
        #expect(lines.count >= 3, "\(lines.count) lines after the reload; stderr: \(daemon.stderr)")
        #expect(lines.allSatisfy { $0.contains("inlet_pressure=") }, "\(lines.prefix(2))")
        // The silence before was the baud: the simulator counted requests at the wrong one.
        #expect(simulator.stopAndCountWrites() == 0)
        #expect(simulator.output.contains("at another line setting left unanswered"), "\(simulator.output)")
    }

    @Test("the port is given back: an unprivileged user opens a pty bus again after closing it",
          .enabled(if: getuid() == 0, "setpriv needs root to change user"))
    func portReopensAsUnprivilegedUser() throws {
        let site = try DaemonSite()
        defer { site.remove() }
        let port = site.folder.appendingPathComponent("rs485-1").path
        let profile = Paths.profiles.appendingPathComponent("pressure-transmitter-rs485.json5").path
        let simulator = try Server(Paths.pumpgw, ["simulate", "--profile", profile, "--pty", port, "--unit", "2", "--duration", "60"],
                                   announcement: #"\(RTU\) unit (\d+)"#)
        defer { simulator.stop() }
        // As a dialout member would: the service user may open the port, it is not root.
        let slave = try FileManager.default.destinationOfSymbolicLink(atPath: port)
        try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: slave)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: site.folder.path)
        // The service user reads its own copies: the checkout may sit below a folder only root
        // may enter (CI clones into a mktemp -d, mode 0700).
        let ownProfile = site.folder.appendingPathComponent("profile.json5").path
        let ownBinary = site.folder.appendingPathComponent("pumpgw").path
        try FileManager.default.copyItem(atPath: profile, toPath: ownProfile)
        try FileManager.default.copyItem(atPath: Paths.pumpgw, toPath: ownBinary)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: ownProfile)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: ownBinary)
        // Three reads, each opening and closing the port: the gateway's reopen after a lost line
        // or a reload. With TIOCEXCL left set at close, the second open failed with EBUSY.
        for attempt in 1...3 {
            let read = try runToEnd("/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", ownBinary, "read",
                                                         "--profile", ownProfile, "--serial", port, "--unit", "2", "--json"])
            #expect(read.status == 0, "open \(attempt): \(read.stderr)")
        }
    }
}
