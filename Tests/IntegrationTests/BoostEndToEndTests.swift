// Intensive monitoring end to end: `pumpgw run` polling a `pumpgw simulate`
// child, boosted by `pumpgw boost` (and by a configured window), read back
// from the feed file's pump_station timestamps.

import Foundation
import Store
import Testing
import TestSupport

@Suite("boosts end to end", .serialized)
struct BoostEndToEndTests {
    static let grundfos = DaemonTests.grundfos

    /// Writes a config polling one device at 1 s with a 100 ms timeout.
    static func config(_ site: DaemonSite, port: Int, extraDevice: String = "", station: String = "", top: String = "") throws {
        try site.write(gatewayConfigText(profiles: Paths.profiles.path, gateway: #"id: "gw-test", timeZone: "UTC""#, """
          \(top)
          stations: [ { id: "FT-0412", \(station) devices: [
            { id: "booster", profile: "grundfos-hydro-mpc-cim500", host: "127.0.0.1", port: \(port),
              interval: "1s", timeout: "100ms" \(extraDevice) } ] } ],
          """))
    }

    /// The feed's pump_station timestamps (ms), in order.
    static func stamps(_ site: DaemonSite) throws -> [Double] {
        try site.stationLines().compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
    }

    /// The feed's pump_boost lines, in order.
    static func boostEvents(_ site: DaemonSite) throws -> [Substring] {
        try String(contentsOf: site.feed, encoding: .utf8).split(separator: "\n").filter { $0.hasPrefix("pump_boost,") }
    }

    /// Polls in [from, to) (ms since 1970).
    static func count(_ stamps: [Double], from: Double, to: Double) -> Int { stamps.filter { $0 >= from && $0 < to }.count }

    static func boost(_ site: DaemonSite, _ arguments: [String]) throws -> Finished {
        try runToEnd(Paths.pumpgw, ["boost", "--config", site.config.path] + arguments)
    }

    static var nowMs: Double { Date().timeIntervalSince1970 * 1000 }

    /// A simulator child, a site with `config(...)`, and a gateway child
    /// polling it, started (the caller removes the site and stops both).
    static func startGateway(simulatorExtra: [String] = [], extraDevice: String = "", station: String = "",
                             top: String = "") throws -> (simulator: Server, site: DaemonSite, daemon: Daemon) {
        let simulator = try startSimulator(profile: grundfos, extra: simulatorExtra)
        let site = try DaemonSite()
        try config(site, port: simulator.port, extraDevice: extraDevice, station: station, top: top)
        let daemon = try Daemon(config: site.config.path)
        #expect(daemon.waitFor("gateway started"), "stderr: \(daemon.stderr)")
        return (simulator, site, daemon)
    }

    @Test("a CLI boost raises the sample rate within 1 s, the densest of two wins, and the rate returns after")
    func cliBoost() throws {
        let (simulator, site, daemon) = try Self.startGateway()
        defer { site.remove() }
        Thread.sleep(forTimeInterval: 2)

        let asked = Self.nowMs
        let station = try Self.boost(site, ["--station", "FT-0412", "--interval", "500ms", "--for", "6s", "--reason", "complaint 17"])
        #expect(station.status == 0, "\(station.stderr)")
        let device = try Self.boost(site, ["--station", "FT-0412", "--device", "booster", "--interval", "200ms", "--for", "2s"])
        #expect(device.status == 0, "\(device.stderr)")
        let listed = try Self.boost(site, ["--list", "--json"])
        #expect(listed.stdout.contains("\"interval_ms\":500") && listed.stdout.contains("\"interval_ms\":200"), "\(listed.stdout)")
        let status = try runToEnd(Paths.pumpgw, ["status", "--db", site.database])
        #expect(status.stdout.contains("active boosts") && status.stdout.contains("FT-0412/booster  200ms"), "\(status.stdout)")
        Thread.sleep(forTimeInterval: 10)
        #expect(daemon.terminate() == 0, "stderr: \(daemon.stderr)")
        #expect(simulator.stopAndCountWrites() == 0)

        let stamps = try Self.stamps(site)
        // Before: 1 s polling, at most 2 polls in the 2 s before the boost (2 at a boundary).
        #expect(Self.count(stamps, from: asked - 2000, to: asked) <= 3)
        // Taken up within 1 s: from 1 s to 2 s after the request the densest
        // (200 ms) runs: 5 polls (4 allowing for the edges).
        let offsets = stamps.map { Int($0 - asked) }
        #expect(Self.count(stamps, from: asked + 1000, to: asked + 2000) >= 4, "\(offsets)")
        // The device's 2 s boost ends (seen within 1 s, by 3.2 s): the station's
        // 500 ms remains until 6 s: 4 polls in 3.5-5.5 s (3-5 at the edges).
        #expect((3...5).contains(Self.count(stamps, from: asked + 3500, to: asked + 5500)), "\(offsets)")
        // Both ended (6 s, seen by 7.2 s): back to 1 s, 2-3 polls in 7.5-10 s.
        #expect((2...3).contains(Self.count(stamps, from: asked + 7500, to: asked + 10_000)), "\(offsets)")

        let events = try Self.boostEvents(site)
        #expect(events.first?.hasPrefix("pump_boost,device=booster,source=cli,station=FT-0412 state=\"started\",interval_ms=") == true, "\(events)")
        #expect(events.contains { $0.contains("state=\"started\",interval_ms=200") })
        #expect(events.last?.contains("state=\"ended\",interval_ms=1000") == true, "\(events)")
        #expect(daemon.stderr.contains("msg=\"boost started\""))
    }

    @Test("a boost survives a restart, resumed without a second start; one cancelled while the gateway was down is ended at the next start")
    func survivesRestart() throws {
        let (simulator, site, first) = try Self.startGateway()
        defer { site.remove() }
        Thread.sleep(forTimeInterval: 1)
        #expect(try Self.boost(site, ["--station", "FT-0412", "--interval", "200ms", "--for", "30s", "--reason", "complaint 17"]).status == 0)
        #expect(first.waitFor("msg=\"boost started\"", timeout: 3))
        #expect(first.terminate() == 0)
        let second = try Daemon(config: site.config.path)
        #expect(second.waitFor("msg=\"boost resumed\"", timeout: 5), "stderr: \(second.stderr)")
        let restarted = Self.nowMs
        Thread.sleep(forTimeInterval: 2.5)
        #expect(second.terminate() == 0)
        #expect(!second.stderr.contains("msg=\"boost started\""), "\(second.stderr)")
        // 200 ms polling from 0.5 s after the restart to 2.5 s: about 10 polls (1 s would give 2).
        #expect(Self.count(try Self.stamps(site), from: restarted + 500, to: restarted + 2500) >= 7)

        // Cancelled while no gateway runs: the next one ends it (the store had its start and no end).
        #expect(try Self.boost(site, ["--cancel", "--station", "FT-0412"]).status == 0)
        let third = try Daemon(config: site.config.path)
        #expect(third.waitFor("msg=\"boost ended\"", timeout: 5), "stderr: \(third.stderr)")
        #expect(third.terminate() == 0)
        #expect(simulator.stopAndCountWrites() == 0)

        // One start and one end, in the feed and in the store, over three runs.
        let events = try Self.boostEvents(site)
        #expect(events.count == 2, "\(events)")
        #expect(events.first?.contains("state=\"started\",interval_ms=200") == true, "\(events)")
        #expect(events.last?.contains("state=\"ended\",interval_ms=1000") == true, "\(events)")
        let stored = try BoostTable(path: site.database, readOnly: true).events(since: .distantPast)
        #expect(stored.map { "\($0.state) \($0.intervalMilliseconds) \($0.reason)" } == ["started 200 complaint 17", "ended 1000 complaint 17"])
    }

    @Test("status --json lists the active boosts: station, device, interval, until, reason, source")
    func statusJSON() throws {
        let (simulator, site, daemon) = try Self.startGateway()
        defer { site.remove() }
        let asked = Date()
        #expect(try Self.boost(site, ["--station", "FT-0412", "--interval", "500ms", "--for", "10m", "--reason", "complaint 17"]).status == 0)
        #expect(try Self.boost(site, ["--station", "FT-0412", "--device", "booster", "--interval", "200ms", "--for", "90s"]).status == 0)
        #expect(daemon.waitFor("msg=\"boost started\"", timeout: 3), "stderr: \(daemon.stderr)")
        let status = try runToEnd(Paths.pumpgw, ["status", "--db", site.database, "--json"])
        #expect(daemon.terminate() == 0)
        #expect(simulator.stopAndCountWrites() == 0)
        #expect(status.status == 0, "\(status.stderr)")

        let document = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let boosts = try #require(document["boosts"] as? [[String: Any]], "\(status.stdout)")
        #expect(boosts.count == 2, "\(boosts)")
        // Oldest first: the station's (device null), then the device's.
        let station = try #require(boosts.first), device = try #require(boosts.last)
        #expect(station["station"] as? String == "FT-0412" && station["device"] is NSNull, "\(station)")
        #expect(station["interval_ms"] as? Int == 500 && station["reason"] as? String == "complaint 17")
        #expect(station["source"] as? String == "cli" && station["history"] as? String == "every")
        #expect(device["device"] as? String == "booster" && device["interval_ms"] as? Int == 200 && device["reason"] as? String == "")
        // Ends 10 min and 90 s after the request (asked is up to a second before the command took its time).
        let formatter = ISO8601DateFormatter()
        let stationUntil = try #require((station["until"] as? String).flatMap(formatter.date(from:)))
        let deviceUntil = try #require((device["until"] as? String).flatMap(formatter.date(from:)))
        #expect(abs(stationUntil.timeIntervalSince(asked) - 600) < 3, "\(station)")
        #expect(abs(deviceUntil.timeIntervalSince(asked) - 90) < 3, "\(device)")
    }

    @Test("a scheduled window starts and ends on time")
    func scheduledWindow() throws {
        // Windows are whole minutes: wait until 45-55 s past a minute, then
        // the window is the next minute (UTC), starting 5-15 s from now.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        while !(45...54).contains(calendar.component(.second, from: Date())) { Thread.sleep(forTimeInterval: 0.5) }
        let start = calendar.dateInterval(of: .minute, for: Date())!.end
        let end = start.addingTimeInterval(60)
        let day = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"][calendar.component(.weekday, from: start) - 1]
        func hhmm(_ date: Date) -> String { String(format: "%02d:%02d", calendar.component(.hour, from: date), calendar.component(.minute, from: date)) }

        let simulator = try startSimulator(profile: Self.grundfos, extra: ["--duration", "150"])
        let site = try DaemonSite()
        defer { site.remove() }
        try Self.config(site, port: simulator.port,
                        station: #"intensive: [ { days: ["\#(day)"], from: "\#(hhmm(start))", to: "\#(hhmm(end))", interval: "250ms" } ],"#)
        let daemon = try Daemon(config: site.config.path)
        #expect(daemon.waitFor("gateway started"), "stderr: \(daemon.stderr)")
        // In the window, status lists the device as densely polled by the schedule.
        Thread.sleep(forTimeInterval: start.timeIntervalSinceNow + 3)
        let during = try Self.boosted(site)
        #expect(during.count == 1 && during.first?["device"] as? String == "booster"
                && during.first?["source"] as? String == "schedule" && during.first?["interval_ms"] as? Int == 250,
                "\(during)")
        Thread.sleep(forTimeInterval: end.timeIntervalSinceNow + 4)
        #expect(daemon.terminate() == 0, "stderr: \(daemon.stderr)")
        #expect(simulator.stopAndCountWrites() == 0)
        #expect(try Self.boosted(site).isEmpty, "the window ended: nothing is polled densely any more")

        let stamps = try Self.stamps(site), w = start.timeIntervalSince1970 * 1000, e = end.timeIntervalSince1970 * 1000
        let offsets = stamps.map { Int($0 - w) }
        // 1 s before the window: at most 4 polls in the 3 s before it.
        #expect(Self.count(stamps, from: w - 3000, to: w) <= 4, "\(offsets)")
        // Taken up within 1 s of its start: 250 ms polling in 1.2-3.2 s, 8 polls (7 at the edges).
        #expect(Self.count(stamps, from: w + 1200, to: w + 3200) >= 7, "\(offsets)")
        // Ended within 1 s of its end: 1 s polling again, 2-3 polls in 1.2-3.7 s after it.
        #expect((2...3).contains(Self.count(stamps, from: e + 1200, to: e + 3700)), "\(offsets)")
        let events = try Self.boostEvents(site)
        #expect(events.count == 2 && events.allSatisfy { $0.contains("source=schedule") }, "\(events)")
    }

    /// `status --json`'s `boosted`: the devices polled densely now, whatever the source.
    static func boosted(_ site: DaemonSite) throws -> [[String: Any]] {
        let status = try runToEnd(Paths.pumpgw, ["status", "--db", site.database, "--json"])
        guard status.status == 0 else { throw ServerError(message: "status: \(status.stderr)") }
        let document = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        guard let boosted = document?["boosted"] as? [[String: Any]] else { throw ServerError(message: "no boosted in \(status.stdout)") }
        return boosted
    }

    @Test("an instability alarm from the wavering scenario triggers its rule's boost")
    func ruleBoost() throws {
        // From 2 s the outlet swings ±15 kPa every 4 s: 30 kPa peak to peak, over the 20 kPa limit.
        let simulator = try startSimulator(profile: Self.grundfos, extra: ["--scenario", "wavering:2:60"])
        let site = try DaemonSite()
        defer { site.remove() }
        try Self.config(site, port: simulator.port, extraDevice: """
            , rules: [ { point: "outlet_pressure", rule: "instability", window: "5s", peakToPeak: 0.02,
                         boost: { interval: "250ms", for: "20s" } } ]
            """)
        let daemon = try Daemon(config: site.config.path)
        #expect(daemon.waitFor("msg=\"alarm raised\"", timeout: 15), "stderr: \(daemon.stderr)")
        let raised = Self.nowMs
        #expect(daemon.waitFor("msg=\"boost started\"", timeout: 3), "stderr: \(daemon.stderr)")
        Thread.sleep(forTimeInterval: 3.5)
        #expect(daemon.terminate() == 0)
        #expect(simulator.stopAndCountWrites() == 0)
        // 250 ms polling from 1.5 s to 3.5 s after the raise: 8 polls (1 s would give 2).
        #expect(Self.count(try Self.stamps(site), from: raised + 1500, to: raised + 3500) >= 6)
        let started = try Self.boostEvents(site).first
        #expect(started?.hasPrefix("pump_boost,device=booster,source=rule:FT-0412/booster/outlet_pressure/instability,station=FT-0412 state=\"started\",interval_ms=250") == true,
                "\(String(describing: started))")

        // The report reads it back: every poll is history (values move), the
        // swing is about 30 kPa peak to peak (at least 20), and around a 0.45
        // setpoint it dips below 0.44 at least once a 4 s period.
        let report = try runToEnd(Paths.pumpgw, ["report", "pressure", "--config", site.config.path, "--station", "FT-0412",
                                                 "--since", "1h", "--low", "0.44", "--json"])
        #expect(report.status == 0, "\(report.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        let first = try #require((document["reports"] as? [[String: Any]])?.first)
        #expect(first["samples"] as? Int == (try Self.stamps(site)).count)
        let days = try #require(first["days"] as? [[String: Any]])
        #expect((days.first?["peak_to_peak"] as? Double ?? 0) >= 0.02, "\(days)")
        #expect((days.first?["excursions"] as? Int ?? 0) >= 1, "\(days)")
    }

    @Test("minInterval raises the interval and says so; a timeout not below the interval is shortened and said")
    func guards() throws {
        let site = try DaemonSite()
        defer { site.remove() }
        try Self.config(site, port: 1502, extraDevice: #", minInterval: "500ms""#)
        // The store must exist for a boost to be stored: start and stop the gateway once.
        let daemon = try Daemon(config: site.config.path)
        #expect(daemon.waitFor("gateway started"))
        #expect(daemon.terminate() == 0)
        let raised = try Self.boost(site, ["--station", "FT-0412", "--device", "booster", "--interval", "200ms", "--for", "1m"])
        #expect(raised.status == 0, "\(raised.stderr)")
        #expect(raised.stdout.contains("FT-0412/booster: 200ms is below its minInterval of 500ms; using 500ms"), "\(raised.stdout)")

        // A 100 ms timeout is not below 100 ms, but the boost's is (min(100, 100 × 0.8) = 80 ms): accepted, and said.
        try Self.config(site, port: 1502)
        let shortened = try Self.boost(site, ["--station", "FT-0412", "--interval", "100ms", "--for", "1m"])
        #expect(shortened.status == 0, "\(shortened.stderr)")
        #expect(shortened.stdout.contains("FT-0412/booster: its requests time out after 80ms while boosted (80 % of 100ms; configured 100ms)"),
                "\(shortened.stdout)")
        let unknown = try Self.boost(site, ["--station", "FT-9999", "--interval", "200ms", "--for", "1m"])
        #expect(unknown.status == 1 && unknown.stderr.contains("no station 'FT-9999'"), "\(unknown.stderr)")
        let cancelled = try Self.boost(site, ["--cancel", "--station", "FT-0412", "--device", "booster"])
        #expect(cancelled.stdout.contains("cancelled 1 boost of FT-0412/booster"), "\(cancelled.stdout)")
    }

    /// Ten RS-485 pressure transmitters at 1 s on a 9600 8N1 bus whose port does not exist (the gateway
    /// starts and retries it; what is tested is the arithmetic). One poll of one is 36.25 ms (BusBudgetTests).
    static func busConfig(_ site: DaemonSite) throws {
        let devices = (1...10).map { unit in
            #"{ id: "pt\#(unit)", profile: "pressure-transmitter-rs485", bus: "rs485-1", unit: \#(unit), interval: "1s", timeout: "200ms" }"#
        }
        try site.write(gatewayConfigText(profiles: Paths.profiles.path, gateway: #"id: "gw-test", timeZone: "UTC""#, """
          buses: [ { id: "rs485-1", port: "\(site.folder.path)/no-such-tty", baud: 9600, parity: "none", dataBits: 8, stopBits: 1 } ],
          stations: [ { id: "FT-0412", devices: [ \(devices.joined(separator: ",\n")) ] } ],
          """))
    }

    @Test("a boost that would load its RS-485 bus over 100 % is refused with the numbers, by the command and by the daemon")
    func busCapacity() throws {
        let site = try DaemonSite()
        defer { site.remove() }
        try Self.busConfig(site)
        let daemon = try Daemon(config: site.config.path)
        #expect(daemon.waitFor("gateway started"), "stderr: \(daemon.stderr)")
        // The station at 200 ms: 10 × 36.25 = 362.5 ms per 200 ms cycle, 181 %.
        let station = try Self.boost(site, ["--station", "FT-0412", "--interval", "200ms", "--for", "1m"])
        #expect(station.status == 1)
        #expect(station.stderr.contains("refused: rs485-1: 9600 8N1 would need 363 ms of wire time per 200 ms cycle: 181 %"), "\(station.stderr)")
        // One at 200 ms: 36.25 + 9 × 36.25 × 0.2 = 101.5 ms per 200 ms, 51 %: fits.
        let one = try Self.boost(site, ["--station", "FT-0412", "--device", "pt3", "--interval", "200ms", "--for", "1m"])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(one.stdout.contains("rs485-1: 9600 8N1 would need 102 ms of wire time per 200 ms cycle: 51 %"), "\(one.stdout)")
        // Beside it, pt4 at 50 ms: 36.25 + pt3 36.25 × 0.25 + 8 × 36.25 × 0.05 = 59.8 ms per 50 ms, 120 %.
        let second = try Self.boost(site, ["--station", "FT-0412", "--device", "pt4", "--interval", "50ms", "--for", "1m"])
        #expect(second.status == 1)
        #expect(second.stderr.contains("refused: rs485-1: 9600 8N1 would need 60 ms of wire time per 50 ms cycle: 120 %"), "\(second.stderr)")
        // Through --db nothing is checked; the daemon refuses it (pt3's and this one's together: 181 %).
        let unchecked = try runToEnd(Paths.pumpgw, ["boost", "--db", site.database, "--station", "FT-0412", "--interval", "200ms", "--for", "1m"])
        #expect(unchecked.status == 0, "\(unchecked.stderr)")
        #expect(daemon.waitFor("rs485-1: 9600 8N1 would need 363 ms of wire time per 200 ms cycle: 181 %", timeout: 3), "stderr: \(daemon.stderr)")
        Thread.sleep(forTimeInterval: 1.5)
        #expect(daemon.terminate() == 0)
        #expect(daemon.stderr.contains("msg=\"boost refused\""))
        // The newest request is the one left out: pt3's, accepted before, stays in force.
        #expect(daemon.stderr.contains(#"msg="boost started" station=FT-0412 device=pt3"#), "\(daemon.stderr)")
        #expect(!daemon.stderr.contains("msg=\"boost ended\""), "\(daemon.stderr)")
    }

    @Test("POST /api/boost on a loopback window: the header is required, the guards apply, the boost is stored and taken up")
    func httpBoost() throws {
        let port = try freePort()
        let (simulator, site, daemon) = try Self.startGateway(extraDevice: #", minInterval: "250ms""#,
                                                              top: #"http: { listen: "127.0.0.1:\#(port)" },"#)
        defer { site.remove() }
        let http = UInt16(port)
        let target = "/api/boost?station=FT-0412&device=booster&interval=200ms&for=1m&reason=complaint+17"
        // Without the header: refused, nothing stored.
        let bare = try TestClient.get(port: http, target, method: "POST")
        #expect(bare.status == 403 && bare.text.contains("X-Pumpgw: boost"), "\(bare.text)")
        // A body is refused before the handler; POST elsewhere stays refused (read-only).
        let withBody = try TestClient.get(port: http, target, method: "POST", headers: ["X-Pumpgw": "boost", "Content-Length": "3"])
        #expect(withBody.status == 413, "\(withBody.text)")
        #expect(try TestClient.get(port: http, "/api/status", method: "POST").status == 405)
        // Unknown device, bad interval.
        let unknown = try TestClient.get(port: http, "/api/boost?station=FT-0412&device=nope&interval=200ms&for=1m",
                                         method: "POST", headers: ["X-Pumpgw": "boost"])
        #expect(unknown.status == 404 && unknown.text.contains("no device 'nope' in station FT-0412"), "\(unknown.text)")
        let bad = try TestClient.get(port: http, "/api/boost?station=FT-0412&interval=fast&for=1m", method: "POST",
                                     headers: ["X-Pumpgw": "boost"])
        #expect(bad.status == 400, "\(bad.text)")
        #expect(try TestClient.get(port: http, "/api/boost").text == "{\"boosts\":[]}\n")
        // Accepted: 200 ms is below the device's minInterval of 250 ms, said as on the command line.
        let accepted = try TestClient.get(port: http, target, method: "POST", headers: ["X-Pumpgw": "boost"])
        #expect(accepted.status == 200, "\(accepted.text)")
        #expect(accepted.text.contains("FT-0412/booster: 200ms is below its minInterval of 250ms; using 250ms"), "\(accepted.text)")
        #expect(accepted.text.contains(#""source":"http""#) && accepted.text.contains(#""reason":"complaint 17""#), "\(accepted.text)")
        #expect(daemon.waitFor("msg=\"boost started\"", timeout: 3), "stderr: \(daemon.stderr)")
        let listed = try TestClient.get(port: http, "/api/boost")
        #expect(listed.status == 200 && listed.text.contains(#""interval_ms":200"#), "\(listed.text)")
        #expect(daemon.terminate() == 0)
        #expect(simulator.stopAndCountWrites() == 0)
        // Started at the floored 250 ms, from source http.
        let events = try Self.boostEvents(site)
        #expect(events.first?.hasPrefix("pump_boost,device=booster,source=http,station=FT-0412 state=\"started\",interval_ms=250") == true,
                "\(events)")
    }
}
