// Stopping and starting under pressure: a SIGTERM while a poll waits on a
// device that dribbles its reply (issue 18 item 6), signals that arrive
// during start-up (item 8), and a stop before the start (issue 13).

import Foundation
import Gateway
import Logging
import Profiles
import Testing
import TestSupport

/// A one-register profile and a config polling one device with it.
func writeOneDeviceSite(_ site: DaemonSite, port: Int, interval: String, timeout: String,
                        rules: String = "", feed: String = "file:var/feed.lp") throws {
    let profiles = site.folder.appendingPathComponent("profiles")
    try FileManager.default.createDirectory(at: profiles, withIntermediateDirectories: true)
    try """
    { profile: "one-register", vendor: "Test", model: "one register", addressBase: 0,
      points: [ { name: "outlet_pressure", register: "holding", address: 0, type: "uint16", scale: 0.001, unit: "MPa" } ] }
    """.write(to: profiles.appendingPathComponent("one-register.json5"), atomically: true, encoding: .utf8)
    try site.write(gatewayConfigText(profiles: "profiles", feed: feed, """
      stations: [ { id: "FT-0412", devices: [
        { id: "booster", profile: "one-register", host: "127.0.0.1", port: \(port),
          interval: "\(interval)", timeout: "\(timeout)", rules: [ \(rules) ] } ] } ],
      """))
}

/// Signals the process `pid` ignores or catches (from /proc: SigIgn | SigCgt).
private func handledSignals(_ pid: Int32) -> UInt64 {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
    var mask: UInt64 = 0
    for line in status.split(separator: "\n") where line.hasPrefix("SigIgn:") || line.hasPrefix("SigCgt:") {
        mask |= UInt64(line.split(separator: "\t").last.map(String.init) ?? "", radix: 16) ?? 0
    }
    return mask
}

@Suite("stopping and starting", .serialized)
struct StopAndStartTests {
    @Test("SIGTERM during a slow poll: no alarm while stopping, and the stop takes less than the timeout plus 1 s")
    func stopDuringSlowPoll() throws {
        // The first poll is answered at once, then each reply byte comes 0.5 s
        // after the last: a 1-register reply (11 bytes) takes 5.5 s, though
        // the device's timeout is 2 s (libmodbus restarts it on every byte).
        let device = try Server("/usr/bin/python3",
                                [Paths.fixtures.appendingPathComponent("dribbling_device.py").path,
                                 "--port", "0", "--fast", "1", "--byte-delay", "0.5"],
                                announcement: #"LISTENING 127\.0\.0\.1 (\d+)"#)
        let site = try DaemonSite()
        defer { site.remove() }
        // commLoss after 2 intervals without a good poll: 6 s of silence. The
        // poll at 0 s is good; the one at 3 s dribbles; SIGTERM comes about
        // 0.3 s into it, 3.3 s after the good poll: no alarm is due yet. A
        // stop that kept judging silence while it waited for the slow poll
        // (until 8.5 s) would raise commLoss at about 7 s.
        try writeOneDeviceSite(site, port: device.port, interval: "3s", timeout: "2s",
                               rules: #"{ rule: "commLoss", intervals: 2 }"#)
        let daemon = try Daemon(config: site.config.path)
        #expect(daemon.waitFor("gateway started"), "stderr: \(daemon.stderr)")
        let deadline = Date().addingTimeInterval(10)
        while !device.output.contains("DRIBBLING") && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        try #require(device.output.contains("DRIBBLING"), "the device never got a 2nd request; stderr: \(daemon.stderr)")
        Thread.sleep(forTimeInterval: 0.3)

        let stopStarted = Date()
        let status = daemon.terminate(timeout: 15)
        let stopSeconds = Date().timeIntervalSince(stopStarted)
        #expect(status == 0, "stderr: \(daemon.stderr)")
        // Limit from the issue: the device timeout (2 s) plus a second.
        #expect(stopSeconds < 3.0, "the stop took \(stopSeconds) s; stderr: \(daemon.stderr)")
        #expect(!daemon.stderr.contains("alarm raised"), "stderr: \(daemon.stderr)")
        let feed = (try? String(contentsOf: site.feed, encoding: .utf8)) ?? ""
        #expect(!feed.contains("pump_alarm"), "feed: \(feed)")
        let polls = daemon.stderr.firstMatch(of: /gateway stopped" polls=(\d+)/).flatMap { Int($0.1) }
        #expect(polls == 1, "only the answered poll is reported; stderr: \(daemon.stderr)")
    }

    @Test("a SIGHUP during start-up waits for it and then reloads; a SIGTERM during start-up stops cleanly with exit 0",
          arguments: [SIGHUP, SIGTERM])
    func signalDuringStartUp(_ number: Int32) throws {
        let site = try DaemonSite()
        defer { site.remove() }
        try writeOneDeviceSite(site, port: try unusedPort(), interval: "1s", timeout: "200ms")
        let daemon = try Daemon(config: site.config.path)
        // Send as soon as the process handles the signal (its bit in the
        // /proc masks): from the first statement of `run`, before the config
        // is read and before "gateway started".
        let bit = UInt64(1) << UInt64(number - 1)
        let deadline = Date().addingTimeInterval(10)
        while handledSignals(daemon.process.processIdentifier) & bit == 0 && Date() < deadline { usleep(200) }
        let startedBefore = daemon.stderr.contains("gateway started")
        daemon.signal(number)
        if number == SIGHUP {
            #expect(daemon.waitFor("config reloaded"), "stderr: \(daemon.stderr)")
            #expect(daemon.terminate() == 0, "stderr: \(daemon.stderr)")
        } else {
            let exitDeadline = Date().addingTimeInterval(15)
            while daemon.process.isRunning && Date() < exitDeadline { Thread.sleep(forTimeInterval: 0.02) }
            #expect(!daemon.process.isRunning)
        }
        // 129 (killed by HUP) or 143 (by TERM) would mean the signal killed it.
        #expect(daemon.process.terminationReason == .exit && daemon.process.terminationStatus == 0,
                "status \(daemon.process.terminationStatus); stderr: \(daemon.stderr)")
        let log = daemon.stderr
        let started = log.range(of: "gateway started"), stopped = log.range(of: "gateway stopped")
        #expect(started != nil && stopped != nil, "stderr: \(log)")
        if number == SIGHUP, let started, let reloaded = log.range(of: "config reloaded") {
            #expect(started.lowerBound < reloaded.lowerBound, "the reload waited for start-up; stderr: \(log)")
        }
        if startedBefore { Issue.record("the signal came after start-up; the test proved nothing about start-up") }
    }

    @Test("a gateway stopped before it started returns at once and releases its store")
    func stopBeforeStart() throws {
        let site = try DaemonSite()
        defer { site.remove() }
        try writeOneDeviceSite(site, port: try unusedPort(), interval: "1s", timeout: "200ms")
        let settings = try GatewaySettings.load(path: site.config.path)
        let runtime = try GatewayRuntime(settings: settings, log: .discarding)
        let returned = DispatchSemaphore(value: 0)
        Thread { runtime.stop(); returned.signal() }.start()
        // It used to wait forever for a pipeline thread that never ran.
        #expect(returned.wait(timeout: .now() + 10) == .success)
        // The store is released: a second gateway may open it.
        let second = try GatewayRuntime(settings: settings, log: .discarding)
        second.stop()
    }
}
