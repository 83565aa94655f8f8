// One config loader for run, check, demo and SIGHUP: `check` refuses what
// `run` refuses (issue 13); only the profiles the config names are read, a
// profile file has a size cap (issue 18 item 14); a reload that changes what
// a running gateway cannot change is refused, naming the fields (item 7).

import Foundation
import Testing
import TestSupport

@Suite("one config loader")
struct ConfigLoadingTests {
    @Test("check refuses a feed URL that run refuses, with the same line")
    func checkRefusesWhatRunRefuses() throws {
        let site = try DaemonSite()
        defer { site.remove() }
        // http://h/foo: the path ends neither in /write nor in /api/v2/write.
        // `check` used to pass it (it only looked at the scheme) and `run` refused it.
        try writeOneDeviceSite(site, port: try unusedPort(), interval: "1s", timeout: "200ms", feed: "http://h/foo")
        let check = try runToEnd(Paths.pumpgw, ["check", site.config.path])
        let run = try runToEnd(Paths.pumpgw, ["run", "--config", site.config.path], timeout: 10)
        #expect(check.status == 1, "stdout: \(check.stdout)")
        #expect(run.status == 1, "stderr: \(run.stderr)")
        // The feed section is on line 5 of the config writeOneDeviceSite writes.
        let expected = "\(site.config.path):5: feed.url: \"http://h/foo\": path must end in /write"
        #expect(check.stderr.contains(expected), "check: \(check.stderr)")
        #expect(run.stderr.contains(expected), "run: \(run.stderr)")
    }

    @Test("check reports a shape problem and a rule problem of one config at once, each with its line")
    func shapeAndRuleProblemsAtOnce() throws {
        let site = try DaemonSite()
        defer { site.remove() }
        try writeOneDeviceSite(site, port: try unusedPort(), interval: "1s", timeout: "200ms")
        // Written out here so that the lines can be counted by hand: the shape
        // problem (a string where the store wants a number) on line 4, the
        // rule problem (a delay that is no duration) on line 8. Before the
        // fix, the rule problem appeared only once the shape one was gone.
        try site.write("""
            {
              gateway: { id: "gw-test" },
              profiles: "profiles",
              store: { path: "var/pumpgw.db", maxSizeMB: "big" },
              feed: { url: "file:var/feed.lp" },
              stations: [ { id: "FT-0412", devices: [
                { id: "booster", profile: "one-register", host: "127.0.0.1", port: 1502,
                  rules: [ { point: "outlet_pressure", rule: "low", kind: "low", limit: 0.3, delay: "soon", severity: "major" } ] },
              ] } ],
            }
            """)
        let check = try runToEnd(Paths.pumpgw, ["check", site.config.path])
        #expect(check.status == 1, "stdout: \(check.stdout)")
        let file = site.config.path
        #expect(check.stderrLines.contains { $0.hasPrefix("\(file):4: store.maxSizeMB: ") }, "stderr: \(check.stderr)")
        #expect(check.stderrLines.contains { $0.hasPrefix("\(file):8: stations[0].devices[0].rules[0].delay: 'soon'") },
                "stderr: \(check.stderr)")
    }

    @Test("a profile file the config does not name is never read, however large or broken")
    func unusedProfilesAreNotRead() throws {
        let site = try DaemonSite()
        defer { site.remove() }
        try writeOneDeviceSite(site, port: try unusedPort(), interval: "1s", timeout: "200ms")
        let profiles = site.folder.appendingPathComponent("profiles")
        // 3 MB of not-JSON: read, it would be refused (and cost its size many times in memory).
        try Data(repeating: UInt8(ascii: "x"), count: 3_000_000)
            .write(to: profiles.appendingPathComponent("zz-unused.json5"))
        let check = try runToEnd(Paths.pumpgw, ["check", site.config.path])
        #expect(check.status == 0, "stderr: \(check.stderr)")
        #expect(check.stdout.contains("ok: gateway gw-test"), "stdout: \(check.stdout)")
    }

    @Test("a profile file over the size cap is refused with a clear error")
    func oversizedProfileIsRefused() throws {
        let site = try DaemonSite()
        defer { site.remove() }
        try writeOneDeviceSite(site, port: try unusedPort(), interval: "1s", timeout: "200ms")
        let file = site.folder.appendingPathComponent("profiles/one-register.json5")
        // The real profile, padded past the 1 MiB cap with a JSON5 comment.
        var text = try String(contentsOf: file, encoding: .utf8)
        text += "\n// " + String(repeating: "x", count: 1 << 20) + "\n"
        try text.write(to: file, atomically: true, encoding: .utf8)
        let check = try runToEnd(Paths.pumpgw, ["check", file.path, site.config.path])
        #expect(check.status == 1)
        let lines = check.stderr.split(separator: "\n")
        // Once for the profile named on the command line, once for the config that uses it.
        #expect(lines.filter { $0.hasPrefix("\(file.path): ") && $0.contains("a profile may have at most 1048576") }.count == 2,
                "stderr: \(check.stderr)")
    }

    @Test("SIGHUP with a changed feed.url is refused, naming the field; a later plain change is applied")
    func reloadRefusesWhatItCannotApply() throws {
        let site = try DaemonSite()
        defer { site.remove() }
        try writeOneDeviceSite(site, port: try unusedPort(), interval: "1s", timeout: "200ms")
        let daemon = try Daemon(config: site.config.path)
        #expect(daemon.waitFor("gateway started"), "stderr: \(daemon.stderr)")

        try writeOneDeviceSite(site, port: try unusedPort(), interval: "2s", timeout: "200ms", feed: "file:var/other.lp")
        daemon.signal(SIGHUP)
        #expect(daemon.waitFor("config reload refused"), "stderr: \(daemon.stderr)")
        let refusal = daemon.stderr.split(separator: "\n").first { $0.contains("config reload refused") } ?? ""
        #expect(refusal.hasPrefix("level=error") && refusal.contains("fields=feed.url"), "\(refusal)")
        #expect(!daemon.stderr.contains("config reloaded"), "stderr: \(daemon.stderr)")

        try writeOneDeviceSite(site, port: try unusedPort(), interval: "2s", timeout: "200ms")
        daemon.signal(SIGHUP)
        #expect(daemon.waitFor("config reloaded"), "stderr: \(daemon.stderr)")
        #expect(daemon.terminate() == 0, "stderr: \(daemon.stderr)")
        #expect(!FileManager.default.fileExists(atPath: site.folder.appendingPathComponent("var/other.lp").path))
    }
}
