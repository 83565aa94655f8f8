// `pumpgw run` as a child process: it polls, writes the store and the feed,
// exits 0 on SIGTERM with everything flushed, survives a SIGHUP with a
// broken config, and applies a SIGHUP with a changed interval.

import Foundation
import Synchronization
import Testing
import TestSupport

/// A `pumpgw run` child whose stderr (logfmt) is collected.
final class Daemon {
    private let child: RunningProcess

    /// `environment`: added to the gateway's (SSL_CERT_FILE, a token).
    init(config: String, logLevel: String = "info", environment: [String: String] = [:]) throws {
        child = try RunningProcess(Paths.pumpgw, ["run", "--config", config, "--log-level", logLevel], environment: environment)
    }

    var process: Process { child.process }
    var stderr: String { child.stderr }

    /// Waits until stderr contains `text`; false on timeout or exit.
    func waitFor(_ text: String, timeout: TimeInterval = 10) -> Bool { child.waitFor(text, timeout: timeout) }

    func signal(_ number: Int32) { child.signal(number) }

    /// Sends SIGTERM and waits for the exit status (nil: still running after `timeout`, then killed).
    func terminate(timeout: TimeInterval = 15) -> Int32? { child.terminate(timeout: timeout) }
}

/// A temporary folder with a gateway config polling one simulated device.
struct DaemonSite {
    let folder: URL
    var config: URL { folder.appendingPathComponent("gateway.json5") }
    var database: String { folder.appendingPathComponent("var/pumpgw.db").path }
    var feed: URL { folder.appendingPathComponent("var/feed.lp") }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("pumpgw-daemon-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func writeConfig(port: Int, interval: String = "500ms", timeout: String = "300ms", rules: String = "",
                     stationRules: String = "", storeOptions: String = "", feed: String = "file:var/feed.lp",
                     feedOptions: String = "") throws {
        // These tests pin the one rule they add: the profile's own outlet
        // rules (which a pressure drop also trips) are off here.
        let profileRulesOff = ["lowLow", "rateOfChange", "instability"]
            .map { "{ point: \"outlet_pressure\", rule: \"\($0)\", enabled: false }" }.joined(separator: ", ")
        let deviceRules = rules.isEmpty ? profileRulesOff : rules + ", " + profileRulesOff
        try write(gatewayConfigText(profiles: Paths.profiles.path, storeOptions: storeOptions, feed: feed, feedOptions: feedOptions, """
          stations: [ { id: "FT-0412", name: "Futian estate 12", tags: { district: "futian" },
                        rules: [ \(stationRules) ], devices: [
            { id: "booster", profile: "grundfos-hydro-mpc-cim500", host: "127.0.0.1", port: \(port),
              interval: "\(interval)", timeout: "\(timeout)", rules: [ \(deviceRules) ] } ] } ],
          """))
    }

    /// Writes `text` as the site's config.
    func write(_ text: String) throws {
        try text.write(to: config, atomically: true, encoding: .utf8)
    }

    /// The feed's `pump_station` lines.
    func stationLines() throws -> [Substring] {
        let text = (try? String(contentsOf: feed, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { $0.hasPrefix("pump_station,") }
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}

@Suite("pumpgw run")
struct DaemonTests {
    static let grundfos: String = Paths.profiles.appendingPathComponent("grundfos-hydro-mpc-cim500.json5").path

    @Test("polls, writes store and feed, and on SIGTERM flushes everything and exits 0")
    func runsAndStopsCleanly() throws {
        let simulator = try startSimulator(profile: Self.grundfos)
        let site = try DaemonSite()
        defer { site.remove() }
        try site.writeConfig(port: simulator.port)
        let daemon = try Daemon(config: site.config.path)
        #expect(daemon.waitFor("gateway started"), "stderr: \(daemon.stderr)")
        Thread.sleep(forTimeInterval: 2.2)
        #expect(daemon.terminate() == 0, "stderr: \(daemon.stderr)")
        #expect(simulator.stopAndCountWrites() == 0)

        // Every poll reached the feed: as many pump_station lines as polls.
        let polls = try #require(daemon.stderr.firstMatch(of: /gateway stopped" polls=(\d+)/).flatMap { Int($0.1) })
        let lines = try site.stationLines()
        #expect(polls >= 4, "only \(polls) polls in 2.2 s at 500 ms")
        #expect(lines.count == polls, "\(lines.count) lines for \(polls) polls")
        let first = try #require(lines.first)
        #expect(first.hasPrefix("pump_station,device=booster,district=futian,profile=grundfos-hydro-mpc-cim500,station=FT-0412 "))
        #expect(first.contains("outlet_pressure=0.4"))
        #expect(first.contains(",alarm_code=0i,"))

        // The store holds the latest values.
        let status = try runToEnd(Paths.pumpgw, ["status", "--db", site.database, "--json"])
        #expect(status.status == 0, "stderr: \(status.stderr)")
        #expect(status.stdout.contains("\"station\":\"FT-0412\""))
        #expect(status.stdout.contains("\"name\":\"outlet_pressure\""))
        #expect(!status.stdout.contains("\"quality\":\"error"))
        // Logs are logfmt, and no line per poll at info level.
        let logLines = daemon.stderr.split(separator: "\n")
        #expect(logLines.allSatisfy { $0.hasPrefix("level=") }, "\(daemon.stderr)")
        #expect(logLines.count < polls, "\(logLines.count) log lines for \(polls) polls")
    }

    @Test("a pressure drop raises the low-pressure alarm after its delay and clears it after recovery")
    func pressureDropAlarm() throws {
        // The booster set trips 3 s after start for 6 s: outlet pressure about 0.12 MPa.
        let simulator = try startSimulator(profile: Self.grundfos, extra: ["--scenario", "pressure-drop:3:6"])
        let site = try DaemonSite()
        defer { site.remove() }
        try site.writeConfig(port: simulator.port, rules: """
            { point: "outlet_pressure", rule: "low", kind: "low", limit: 0.3, deadband: 0.02, delay: "2s", severity: "major" }
            """)
        let daemon = try Daemon(config: site.config.path)
        #expect(daemon.waitFor("gateway started"), "stderr: \(daemon.stderr)")
        #expect(daemon.waitFor("msg=\"alarm raised\"", timeout: 12), "stderr: \(daemon.stderr)")
        // While active: the store shows it.
        let during = try runToEnd(Paths.pumpgw, ["status", "--db", site.database, "--json"])
        #expect(during.stdout.contains("\"rule\":\"low\""), "status during the drop: \(during.stdout.prefix(400))")
        #expect(daemon.waitFor("msg=\"alarm cleared\"", timeout: 12), "stderr: \(daemon.stderr)")
        #expect(daemon.terminate() == 0)
        #expect(simulator.stopAndCountWrites() == 0)

        let feed = try String(contentsOf: site.feed, encoding: .utf8)
        let alarms = feed.split(separator: "\n").filter { $0.hasPrefix("pump_alarm,") }
        #expect(alarms.count == 2, "\(alarms)")
        let raised = try #require(alarms.first)
        #expect(raised.hasPrefix("pump_alarm,device=booster,point=outlet_pressure,rule=low,severity=major,station=FT-0412 state=\"raised\",value=0.1"))
        #expect(raised.contains(",limit=0.3,message=\"Outlet pressure 0.1"))
        #expect(alarms.last?.contains("state=\"cleared\"") == true)
        // The raise came after the 2 s on-delay: the drop starts at 3 s, so not before 5 s after the first poll.
        let stamps = feed.split(separator: "\n").compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
        let firstPoll = try #require(stamps.min())
        let raisedAt = try #require(raised.split(separator: " ").last.flatMap { Double($0) })
        #expect(raisedAt - firstPoll >= 4_500, "raised \(raisedAt - firstPoll) ms after the first poll")
        // Nothing left active in the store.
        let after = try runToEnd(Paths.pumpgw, ["status", "--db", site.database, "--json"])
        #expect(after.stdout.contains("\"alarms\":[]"))
    }

    @Test("an active alarm survives a restart without a second raise")
    func activeAlarmSurvivesRestart() throws {
        let simulator = try startSimulator(profile: Self.grundfos, extra: ["--scenario", "pressure-drop:1:60"])
        let site = try DaemonSite()
        defer { site.remove() }
        // The rule comes from the station's overrides this time.
        try site.writeConfig(port: simulator.port, stationRules: """
            { point: "outlet_pressure", rule: "low", kind: "low", limit: 0.3, deadband: 0.02, delay: "1s" }
            """)
        let first = try Daemon(config: site.config.path)
        #expect(first.waitFor("msg=\"alarm raised\"", timeout: 10), "stderr: \(first.stderr)")
        #expect(first.terminate() == 0)
        let second = try Daemon(config: site.config.path)
        #expect(second.waitFor("active alarms restored"), "stderr: \(second.stderr)")
        Thread.sleep(forTimeInterval: 2)
        #expect(second.terminate() == 0)
        #expect(simulator.stopAndCountWrites() == 0)
        #expect(!second.stderr.contains("alarm raised"), "raised again after the restart: \(second.stderr)")
        let feed = try String(contentsOf: site.feed, encoding: .utf8)
        #expect(feed.split(separator: "\n").filter { $0.hasPrefix("pump_alarm,") }.count == 1)
        let status = try runToEnd(Paths.pumpgw, ["status", "--db", site.database, "--json"])
        #expect(status.stdout.contains("\"rule\":\"low\""))
    }

    @Test("check reports station rule overrides that fit no device, with their line")
    func stationRuleProblems() throws {
        let site = try DaemonSite()
        defer { site.remove() }
        try site.writeConfig(port: 1502, rules: """
            { point: "outlet_pressure", rule: "high", limit: 0.2 }
            """, stationRules: """
            { point: "tank_level", rule: "low", kind: "low", limit: 0.5 }
            """)
        let result = try runToEnd(Paths.pumpgw, ["check", site.config.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("stations[0].rules[0].point: no device of station 'FT-0412' has a point 'tank_level'"),
                "stderr: \(result.stderr)")
        // A device override naming a rule the profile does not have is reported at its own path.
        #expect(result.stderr.contains("stations[0].devices[0].rules[0]"), "stderr: \(result.stderr)")
    }

    @Test("a second gateway on the same database refuses to start with a clear message")
    func secondGatewayRefused() throws {
        let simulator = try startSimulator(profile: Self.grundfos)
        let site = try DaemonSite()
        defer { site.remove() }
        try site.writeConfig(port: simulator.port)
        let first = try Daemon(config: site.config.path)
        #expect(first.waitFor("gateway started"), "stderr: \(first.stderr)")
        let second = try runToEnd(Paths.pumpgw, ["run", "--config", site.config.path], timeout: 20)
        #expect(second.status == 1)
        #expect(second.stderrLines.count == 1, "stderr: \(second.stderr)")
        #expect(second.stderr.contains("pumpgw.db"), "stderr: \(second.stderr)")
        #expect(second.stderr.contains("\(first.process.processIdentifier)"), "the message should name the holder: \(second.stderr)")
        #expect(first.terminate() == 0)
        #expect(simulator.stopAndCountWrites() == 0)
    }

    @Test("a store that stops accepting writes: alarm in the feed, polling goes on, recovery by itself, nothing lost")
    func storeFailureAndRecovery() throws {
        let simulator = try startSimulator(profile: Self.grundfos)
        let site = try DaemonSite()
        defer { site.remove() }
        try site.writeConfig(port: simulator.port)
        let daemon = try Daemon(config: site.config.path)
        #expect(daemon.waitFor("gateway started"), "stderr: \(daemon.stderr)")
        Thread.sleep(forTimeInterval: 1)
        // The WAL becomes immutable (even root cannot write it): every write fails.
        let wal = site.database + "-wal"
        #expect(try runToEnd("/usr/bin/chattr", ["+i", wal]).status == 0)
        defer { _ = try? runToEnd("/usr/bin/chattr", ["-i", wal]) }
        #expect(daemon.waitFor("store write failed", timeout: 10), "stderr: \(daemon.stderr)")
        Thread.sleep(forTimeInterval: 1.5)
        #expect(daemon.process.isRunning)
        #expect(try runToEnd("/usr/bin/chattr", ["-i", wal]).status == 0)
        #expect(daemon.waitFor("store writable again", timeout: 10), "stderr: \(daemon.stderr)")
        Thread.sleep(forTimeInterval: 1)
        #expect(daemon.terminate() == 0, "stderr: \(daemon.stderr)")
        #expect(simulator.stopAndCountWrites() == 0)

        let feed = try String(contentsOf: site.feed, encoding: .utf8).split(separator: "\n")
        let storeAlarms = feed.filter { $0.hasPrefix("pump_alarm,") && $0.contains("rule=storeFailure") }
        #expect(storeAlarms.contains { $0.contains("state=\"raised\"") }, "\(storeAlarms)")
        #expect(storeAlarms.contains { $0.contains("state=\"cleared\"") }, "\(storeAlarms)")
        // Polls made while the store failed waited in memory: every poll reached the feed.
        // At least once: a batch the sink took while the store could not
        // delete it from the outbox is sent again, so count distinct lines.
        let polls = try #require(daemon.stderr.firstMatch(of: /gateway stopped" polls=(\d+)/).flatMap { Int($0.1) })
        let stationLines = feed.filter { $0.hasPrefix("pump_station,") }
        #expect(Set(stationLines).count == polls, "\(Set(stationLines).count) distinct lines for \(polls) polls")
    }

    @Test("SIGHUP with a broken config keeps the running config")
    func brokenReloadKeepsRunning() throws {
        let simulator = try startSimulator(profile: Self.grundfos)
        let site = try DaemonSite()
        defer { site.remove() }
        try site.writeConfig(port: simulator.port)
        let daemon = try Daemon(config: site.config.path)
        #expect(daemon.waitFor("gateway started"), "stderr: \(daemon.stderr)")
        try "{ gateway: { id: \"gw-test\" }, profiles: \"\(Paths.profiles.path)\", stations: [ { id: \"X\", devices: [ { id: \"d\", profile: \"nope\", host: \"127.0.0.1\" } ] } ] }"
            .write(to: site.config, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        #expect(daemon.waitFor("config reload refused"), "stderr: \(daemon.stderr)")
        #expect(daemon.stderr.contains("no profile 'nope'"))
        let before = try site.stationLines().count
        Thread.sleep(forTimeInterval: 1.6)
        #expect(daemon.process.isRunning)
        #expect(try site.stationLines().count > before, "polling stopped after the refused reload")
        #expect(daemon.terminate() == 0)
        #expect(simulator.stopAndCountWrites() == 0)
    }

    @Test("SIGHUP with a changed interval takes effect")
    func reloadChangesInterval() throws {
        let simulator = try startSimulator(profile: Self.grundfos)
        let site = try DaemonSite()
        defer { site.remove() }
        try site.writeConfig(port: simulator.port, interval: "1s")
        let daemon = try Daemon(config: site.config.path)
        #expect(daemon.waitFor("gateway started"), "stderr: \(daemon.stderr)")
        Thread.sleep(forTimeInterval: 1.5)
        try site.writeConfig(port: simulator.port, interval: "200ms", timeout: "150ms")
        daemon.signal(SIGHUP)
        #expect(daemon.waitFor("endpoints_restarted=1"), "stderr: \(daemon.stderr)")
        let reloaded = Date()
        Thread.sleep(forTimeInterval: 2)
        #expect(daemon.terminate() == 0)
        #expect(simulator.stopAndCountWrites() == 0)
        // Lines stamped after the reload: about 10 at 200 ms in 2 s (at 1 s it would be 2).
        let stamps = try site.stationLines().compactMap { line in line.split(separator: " ").last.flatMap { Double($0) } }
        let after = stamps.filter { $0 / 1000 > reloaded.timeIntervalSince1970 + 0.1 }
        #expect(after.count >= 6, "\(after.count) polls in 2 s after the reload")
    }
}
