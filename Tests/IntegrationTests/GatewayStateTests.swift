// What the operator sees of the feed and the store (issue 18 items 3, 9, 11):
// `pumpgw status`'s gateway section beside a real running gateway whose feed
// server is down and whose outbox overflows, `pumpgw deadletters` listing
// and requeueing through the real binary, and a read-only file system named
// as such when the store's folder cannot be made.

import Foundation
import Store
import Testing
import TestSupport

@Suite("gateway state, dead letters")
struct GatewayStateTests {
    @Test("status shows the feed, the outbox and an overflow that is logged and alarmed")
    func statusGatewaySectionAndOverflow() throws {
        let simulator = try startSimulator(profile: DaemonTests.grundfos)
        let site = try DaemonSite()
        defer { site.remove() }
        let down = try unusedPort()   // the central server is down: the outbox fills up
        try site.writeConfig(port: simulator.port, interval: "200ms", timeout: "150ms",
                             feed: "http://127.0.0.1:\(down)/write?db=pumps", feedOptions: "outboxMaxLines: 20")
        let daemon = try Daemon(config: site.config.path)
        defer { _ = daemon.terminate() }
        #expect(daemon.waitFor("gateway started"), "stderr: \(daemon.stderr)")
        // 5 polls a second, a station line each: past 20 lines within seconds; the watch
        // looks at every gateway health tick (10 s).
        #expect(daemon.waitFor("feed outbox full: dropping the oldest lines", timeout: 25), "stderr: \(daemon.stderr)")
        Thread.sleep(forTimeInterval: 0.5)   // the state row is written after the check, in the same tick

        let result = try runToEnd(Paths.pumpgw, ["status", "--db", site.database, "--json"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let gateway = try #require(document["gateway"] as? [String: Any])
        #expect(gateway["running"] as? Bool == true)
        #expect(gateway["pid"] as? Int == Int(daemon.process.processIdentifier))
        let feed = try #require(gateway["feed"] as? [String: Any])
        #expect(feed["state"] as? String == "retrying")
        #expect(feed["lastError"] as? String == "connection refused")
        #expect(feed["lastSuccess"] is NSNull)
        #expect((feed["target"] as? String)?.hasPrefix("http://127.0.0.1:\(down)/write?db=pumps") == true)
        let outbox = try #require(gateway["outbox"] as? [String: Any])
        let lines = try #require(outbox["lines"] as? Int)
        #expect(lines > 0 && lines <= 20 + 5, "\(lines) lines for a cap of 20 (plus one write's worth)")
        #expect((outbox["oldestAgeSeconds"] as? Double ?? -1) >= 0)
        #expect((outbox["droppedLines"] as? Int ?? 0) > 0)
        #expect(outbox["deadLetters"] as? Int == 0)
        let store = try #require(gateway["store"] as? [String: Any])
        #expect((store["bytes"] as? Int ?? 0) > 0)
        #expect(store["failure"] is NSNull)
        let alarms = try #require(gateway["alarms"] as? [[String: Any]])
        #expect(alarms.contains { $0["rule"] as? String == "outboxOverflow" }, "\(alarms)")

        let text = try runToEnd(Paths.pumpgw, ["status", "--db", site.database])
        #expect(text.stdout.contains("gateway (pid \(daemon.process.processIdentifier), running"), "\(text.stdout)")
        #expect(text.stdout.contains("  feed    retrying to http://127.0.0.1:\(down)/write"), "\(text.stdout)")
        #expect(text.stdout.contains("ALARM major outbox outboxOverflow"), "\(text.stdout)")

        #expect(daemon.terminate() == 0, "stderr: \(daemon.stderr)")
        let after = try runToEnd(Paths.pumpgw, ["status", "--db", site.database, "--json"])
        #expect(after.stdout.contains(#""running":false"#), "\(after.stdout)")
    }

    @Test("deadletters lists them, --requeue puts them back at the end of the outbox")
    func deadLettersListAndRequeue() throws {
        let site = try DaemonSite()
        defer { site.remove() }
        let path = site.database
        do {
            let store = try StationStore(path: path)
            defer { store.close() }
            try store.write { try $0.write(StoreBatch(outbox: [OutboxLines(deviceKey: "FT-0412/booster", lines: ["a x=1i 1", "bad", "c x=3i 3", "worse"])])) }
            let ids = try store.read { try $0.outboxPeek(maxLines: 10, maxBytes: 1 << 20) }.map(\.id)
            try store.write { try $0.outboxDeadLetter(ids: [ids[1]], message: "HTTP 400: unable to parse 'bad'") }
            try store.write { try $0.outboxDeadLetter(ids: [ids[3]], message: "HTTP 400: unable to parse 'worse'") }
            // Held by a writer (as by a running gateway): --requeue is refused, nothing moves.
            let refused = try runToEnd(Paths.pumpgw, ["deadletters", "--requeue", "--db", path])
            #expect(refused.status == 1 && refused.stderr.contains("in use by another gateway"), "\(refused.stderr)")
        }
        let listed = try runToEnd(Paths.pumpgw, ["deadletters", "--db", path, "--json"])
        #expect(listed.status == 0, "stderr: \(listed.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any])
        let letters = try #require(document["deadLetters"] as? [[String: Any]])
        #expect(letters.map { $0["line"] as? String } == ["bad", "worse"])
        #expect(letters.map { $0["message"] as? String } == ["HTTP 400: unable to parse 'bad'", "HTTP 400: unable to parse 'worse'"])
        #expect(letters.allSatisfy { $0["device"] as? String == "FT-0412/booster" })
        let table = try runToEnd(Paths.pumpgw, ["deadletters", "--db", path])
        #expect(table.stdout.split(separator: "\n").count == 3, "\(table.stdout)")   // header and two rows

        let requeued = try runToEnd(Paths.pumpgw, ["deadletters", "--requeue", "--since", "1h", "--db", path])
        #expect(requeued.status == 0, "stderr: \(requeued.stderr)")
        #expect(requeued.stdout == "2 dead letters put back in the outbox\n")
        let store = try StationStore.openForReading(path: path)
        defer { store.close() }
        // Behind the lines that were waiting, in their order.
        #expect(try store.read { try $0.outboxPeek(maxLines: 10, maxBytes: 1 << 20) }.map(\.line) == ["a x=1i 1", "c x=3i 3", "bad", "worse"])
        #expect(try store.read { try $0.deadLetters(since: nil) }.isEmpty)
        let usage = try runToEnd(Paths.pumpgw, ["deadletters", "--since", "yesterday", "--db", path])
        #expect(usage.status == 2)
    }

    @Test("a read-only file system under the store's folder is named as such",
          .enabled(if: getuid() == 0, "mounting a read-only tmpfs needs root"))
    func readOnlyFileSystemIsNamed() throws {
        let site = try DaemonSite()
        defer { site.remove() }
        let mountPoint = try TmpfsMount(in: site, options: "ro,size=1m")
        defer { mountPoint.unmount() }
        #expect {
            _ = try StationStore(path: mountPoint.path + "/var/pumpgw.db")
        } throws: { error in
            "\(error)" == "mkdir \(mountPoint.path)/var: Read-only file system"
        }
    }
}

/// Tests/Hostile/hostile_feed.py in one mode, announcing its port on stdout; it exits with its stdin.
func startHostileFeed(_ mode: String, _ extra: [String] = []) throws -> Server {
    let script = Paths.root.appendingPathComponent("Tests/Hostile/hostile_feed.py").path
    return try Server("/usr/bin/python3", [script, mode, "--stdin-lifeline"] + extra,
                      announcement: #"listening on 127\.0\.0\.1:(\d+)"#)
}

@Suite("a running gateway against hostile feed servers")
struct HostileFeedGatewayTests {
    /// Runs a gateway whose feed goes to `url` until its first gateway health tick after
    /// `feedFailure` is raised (ticks every 10 s); returns the gateway section of `status --json`.
    func gatewayUntilFeedFails(_ site: DaemonSite, feed url: String) throws -> (gateway: [String: Any], stderr: String) {
        let simulator = try startSimulator(profile: DaemonTests.grundfos)
        try site.writeConfig(port: simulator.port, interval: "200ms", timeout: "150ms", feed: url,
                             feedOptions: #"tokenEnv: "HOME""#)   // a token (InfluxDB 2 write): it must not travel
        let daemon = try Daemon(config: site.config.path)
        defer { _ = daemon.terminate() }
        #expect(daemon.waitFor("gateway started"), "stderr: \(daemon.stderr)")
        #expect(daemon.waitFor("rule=feedFailure", timeout: 25), "stderr: \(daemon.stderr)")
        Thread.sleep(forTimeInterval: 0.5)
        let result = try runToEnd(Paths.pumpgw, ["status", "--db", site.database, "--json"])
        let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return (try #require(document?["gateway"] as? [String: Any]), daemon.stderr)
    }

    @Test("a 307 to another server: nothing reaches it, no line leaves the outbox, the feed alarm is raised")
    func redirectIsAConfigurationError() throws {
        let site = try DaemonSite()
        defer { site.remove() }
        let recordFile = site.folder.appendingPathComponent("target.log").path
        let target = try startHostileFeed("record", ["--record", recordFile])
        let redirector = try startHostileFeed("redirect", ["--location", "http://127.0.0.1:\(target.port)/write?db=pumps"])
        defer { target.stop(); redirector.stop() }
        let (gateway, stderr) = try gatewayUntilFeedFails(site, feed: "http://127.0.0.1:\(redirector.port)/api/v2/write?org=water&bucket=pumps")
        #expect(!FileManager.default.fileExists(atPath: recordFile), "the target was reached")
        let outbox = try #require(gateway["outbox"] as? [String: Any])
        #expect((outbox["lines"] as? Int ?? 0) > 0)
        let feed = try #require(gateway["feed"] as? [String: Any])
        #expect(feed["state"] as? String == "failing")
        #expect((feed["lastError"] as? String)?.hasPrefix("HTTP 307 redirect to http://127.0.0.1:\(target.port)/write") == true)
        let alarms = try #require(gateway["alarms"] as? [[String: Any]])
        #expect(alarms.contains { $0["rule"] as? String == "feedFailure" }, "\(alarms)")
        #expect(stderr.contains("Location") || stderr.contains("redirect to http://127.0.0.1:\(target.port)"), "\(stderr)")
    }

    @Test("an endless reply body costs the running gateway no memory, over http and https",
          arguments: [("bigbody", "http"), ("bigchunked", "http"), ("bigbody", "https"), ("bigchunked", "https")])
    func endlessRepliesCostNoMemory(_ mode: String, _ scheme: String) throws {
        let simulator = try startSimulator(profile: DaemonTests.grundfos)
        let site = try DaemonSite()
        defer { site.remove() }
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        // 2 GiB announced (or chunked without end), 2 GiB streamed to each write; over TLS
        // with a certificate from a throw-away CA that only the gateway's SSL_CERT_FILE trusts.
        let tls = scheme == "https" ? ["--tls-cert", certificates.certificateFile, "--tls-key", certificates.keyFile] : []
        let server = try startHostileFeed(mode, ["--megabytes", "2048"] + tls)
        defer { server.stop() }
        try site.writeConfig(port: simulator.port, interval: "200ms", timeout: "150ms",
                             feed: "\(scheme)://127.0.0.1:\(server.port)/write?db=pumps")
        let daemon = try Daemon(config: site.config.path, environment: ["SSL_CERT_FILE": certificates.caFile])
        defer { _ = daemon.terminate() }
        let deadline = Date().addingTimeInterval(30)
        while daemon.stderr.components(separatedBy: "feed write failed").count <= 3 && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
        }
        let tooLarge = mode == "bigbody" ? "HTTP 500: (a reply body of 2147483648 bytes, not read)"
            : "HTTP 500: (a reply body of unknown length, not read)"
        #expect(daemon.stderr.contains(tooLarge), "stderr: \(daemon.stderr)")
        let status = try String(contentsOfFile: "/proc/\(daemon.process.processIdentifier)/status", encoding: .utf8)
        let peak = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
            .flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") })
        // A debug build's gateway with one device: about 40 MB (measured); reading the
        // replies through URLSession took it past 100 MB in three writes, 280 MB in a minute.
        #expect(peak < 70_000, "peak RSS \(peak) kB after three writes")
        // Every line kept: the outbox holds them, none dropped.
        let result = try runToEnd(Paths.pumpgw, ["status", "--db", site.database, "--json"])
        let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let outbox = try #require((document?["gateway"] as? [String: Any])?["outbox"] as? [String: Any])
        #expect((outbox["lines"] as? Int ?? 0) > 0 && outbox["droppedLines"] as? Int == 0, "\(outbox)")
    }

    @Test("an https feed whose CA only SSL_CERT_FILE names delivers every line")
    func httpsFeedDelivers() throws {
        let simulator = try startSimulator(profile: DaemonTests.grundfos)
        let site = try DaemonSite()
        defer { site.remove() }
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let record = site.folder.appendingPathComponent("record.log").path
        let server = try startHostileFeed("record", ["--record", record, "--tls-cert", certificates.certificateFile,
                                                     "--tls-key", certificates.keyFile])
        defer { server.stop() }
        try site.writeConfig(port: simulator.port, interval: "200ms", timeout: "150ms",
                             feed: "https://127.0.0.1:\(server.port)/api/v2/write?org=water&bucket=pumps",
                             feedOptions: #"tokenEnv: "PUMPGW_FEED_SECRET""#)
        let daemon = try Daemon(config: site.config.path,
                                environment: ["SSL_CERT_FILE": certificates.caFile, "PUMPGW_FEED_SECRET": "t0ken"])
        defer { _ = daemon.terminate() }
        #expect(daemon.waitFor("gateway started"), "stderr: \(daemon.stderr)")
        let deadline = Date().addingTimeInterval(20)
        var written: [Substring] = []
        while written.count < 3 && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
            written = ((try? String(contentsOfFile: record, encoding: .utf8)) ?? "").split(separator: "\n")
        }
        #expect(written.count >= 3, "stderr: \(daemon.stderr)")
        #expect(written.allSatisfy { $0.hasPrefix("POST /api/v2/write?org=water&bucket=pumps&precision=ms HTTP/1.1 ") && $0.hasSuffix(" auth") },
                "\(written)")
        #expect(!daemon.stderr.contains("feed write failed"), "stderr: \(daemon.stderr)")
    }

    @Test("a server that rejects every line: nothing dead-lettered, every line kept, the alarm carries its message")
    func rejectAllHoldsTheOutbox() throws {
        let site = try DaemonSite()
        defer { site.remove() }
        let server = try startHostileFeed("rejectall")
        defer { server.stop() }
        let (gateway, _) = try gatewayUntilFeedFails(site, feed: "http://127.0.0.1:\(server.port)/api/v2/write?org=water&bucket=pumps")
        let outbox = try #require(gateway["outbox"] as? [String: Any])
        #expect(outbox["deadLetters"] as? Int == 0)
        #expect((outbox["lines"] as? Int ?? 0) > 0)
        #expect(outbox["droppedLines"] as? Int == 0)
        let alarms = try #require(gateway["alarms"] as? [[String: Any]])
        let alarm = try #require(alarms.first { $0["rule"] as? String == "feedFailure" })
        #expect((alarm["message"] as? String)?.contains("HTTP 400: unable to parse: hostile test server rejects everything") == true,
                "\(alarm)")
    }
}

@Suite("status reports a failing store")
struct StoreFailureStatusTests {
    @Test("a running gateway whose state row is old, then a read-only file system, is a store failure",
          .enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func staleStateAndReadOnlyStore() throws {
        let site = try DaemonSite()
        defer { site.remove() }
        let mount = try TmpfsMount(in: site, options: "size=4m")
        defer { mount.unmount() }
        let mountPoint = mount.path
        let path = mountPoint + "/pumpgw.db"
        // This test process stands for the running gateway: its pid is alive, its row 2 minutes old.
        let written = Date().addingTimeInterval(-120)
        do {
            let store = try StationStore(path: path)
            defer { store.close() }
            try store.write { try $0.saveGatewayState(GatewayState(updated: written, pid: getpid(), feedTarget: "http://127.0.0.1:9/write",
                                                    feedState: "ok", feedLastSuccess: written)) }
        }
        let stale = try runToEnd(Paths.pumpgw, ["status", "--db", path, "--json"])
        #expect(stale.status == 0, "\(stale.stderr)")
        #expect(stale.stdout.contains(#""failure":"the running gateway (pid \#(getpid())) has written nothing to the store for 2m""#),
                "\(stale.stdout)")
        #expect(stale.stdout.contains(#""running":true"#))

        try #require(try runToEnd("/bin/mount", ["-o", "remount,ro", mountPoint]).status == 0)
        let readOnly = try runToEnd(Paths.pumpgw, ["status", "--db", path])
        #expect(readOnly.stdout.contains("FAILING: the running gateway (pid \(getpid())) has written nothing to the store for 2m: "
                                          + "the store's file system is read-only"), "\(readOnly.stdout)")
    }
}

/// A tmpfs mounted in a test's folder (needs root).
struct TmpfsMount {
    let path: String

    init(in site: DaemonSite, options: String) throws {
        path = site.folder.appendingPathComponent("mnt").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let mounted = try runToEnd("/bin/mount", ["-t", "tmpfs", "-o", options, "tmpfs", path])
        guard mounted.status == 0 else { throw ServerError(message: "cannot mount a tmpfs: \(mounted.stderr)") }
    }

    func unmount() { _ = try? runToEnd("/bin/umount", [path]) }
}
