// The gateway's window against a running `pumpgw run` and two simulated
// pump rooms (one whose booster set trips): every endpoint, the page in
// headless Chromium, hostile clients against the real process, a real
// Prometheus scraping it, and no listening socket without `http`.

import Foundation
import Testing
import TestSupport

@Suite("the gateway's window", .serialized)
struct WindowTests {
    static func get(_ port: UInt16, _ target: String, headers: [String: String] = [:]) throws -> TestResponse {
        try TestClient.get(port: port, target, headers: headers)
    }

    @Test("every endpoint against a running gateway with simulators")
    func endpoints() throws {
        let site = try WindowSite()
        let port = UInt16(try unusedPort())
        try site.writeConfig(listen: "127.0.0.1:\(port)")
        let daemon = try Daemon(config: site.config.path)
        defer { _ = daemon.terminate() }
        #expect(daemon.waitFor("http listening"), "stderr: \(daemon.stderr)")
        // The pressure drop starts at 2 s and the rule's delay is 1 s.
        #expect(eventually(15) { ((try? Self.get(port, "/api/alarms?active=1"))?.text ?? "").contains("\"rule\":\"low\"") })

        let health = try Self.get(port, "/healthz")
        #expect(health.status == 200 && health.text == "ok\n")

        let alarms = try Self.get(port, "/api/alarms?active=1")
        #expect(alarms.headers["content-type"] == "application/json")
        #expect(alarms.text.contains("\"station\":\"LH-0107\"") && alarms.text.contains("\"severity\":\"major\""))
        #expect(!alarms.text.contains("FT-0412"))

        // /api/status is the document `pumpgw status --json` prints: same
        // stations, devices, points and alarms (values move between the two reads).
        let api = try JSONSerialization.jsonObject(with: Data(try Self.get(port, "/api/status").body)) as? [String: Any]
        let cli = try runToEnd(Paths.pumpgw, ["status", "--db", site.database, "--json"])
        let printed = try JSONSerialization.jsonObject(with: Data(cli.stdout.utf8)) as? [String: Any]
        #expect(Self.shape(api) == Self.shape(printed))
        #expect(Self.shape(api).contains("LH-0107/booster/outlet_pressure MPa"))
        // ...and the same gateway section (feed, outbox, store), key for key.
        let apiGateway = try #require(api?["gateway"] as? [String: Any]), cliGateway = try #require(printed?["gateway"] as? [String: Any])
        #expect(Set(apiGateway.keys) == Set(cliGateway.keys) && apiGateway["running"] as? Bool == true)

        try checkHistory(port)
        try checkMetrics(port)
        // A boost from the command line shows as pumpgw_boost_active for its station.
        let boost = try runToEnd(Paths.pumpgw, ["boost", "--db", site.database, "--station", "LH-0107",
                                                "--interval", "1s", "--for", "10m", "--reason", "window test"])
        #expect(boost.status == 0, "\(boost.stderr)")
        let boosted = try Self.get(port, "/metrics").text
        #expect(metricValue(boosted, "pumpgw_boost_active{station=\"LH-0107\"}") == 1)
        #expect(metricValue(boosted, "pumpgw_boost_active{station=\"FT-0412\"}") == 0)
        let post = try TestClient.get(port: port, "/api/status", method: "POST")
        #expect(post.status == 405)
        try checkPage(port, site: site)
        try checkHostileClients(port, pid: daemon.process.processIdentifier)
        #expect(daemon.terminate() == 0)
    }

    /// "STATION/DEVICE/POINT UNIT" per point and "ALARM S/D/P rule severity" per alarm, sorted.
    static func shape(_ document: [String: Any]?) -> [String] {
        var lines: [String] = []
        for station in document?["stations"] as? [[String: Any]] ?? [] {
            let id = station["station"] as? String ?? "?"
            for device in station["devices"] as? [[String: Any]] ?? [] {
                let name = device["device"] as? String ?? "?"
                for point in device["points"] as? [[String: Any]] ?? [] {
                    lines.append("\(id)/\(name)/\(point["name"] as? String ?? "?") \(point["unit"] as? String ?? "")")
                }
                for alarm in device["alarms"] as? [[String: Any]] ?? [] {
                    lines.append("ALARM \(id)/\(name)/\(alarm["point"] as? String ?? "") \(alarm["rule"] as? String ?? "") \(alarm["severity"] as? String ?? "")")
                }
            }
        }
        return lines.sorted()
    }

    func checkHistory(_ port: UInt16) throws {
        let point = "point=LH-0107/booster/outlet_pressure"
        let json = try Self.get(port, "/api/history?\(point)&since=1h")
        #expect(json.status == 200 && json.headers["content-type"] == "application/json")
        let document = try JSONSerialization.jsonObject(with: Data(json.body)) as? [String: Any]
        let samples = document?["samples"] as? [[String: Any]] ?? []
        #expect(document?["unit"] as? String == "MPa")
        // Before the trip about 0.45 MPa, after it about 0.12 (the simulator's pump room model).
        let values = samples.compactMap { $0["value"] as? Double }
        #expect(values.contains { $0 > 0.35 } && values.contains { $0 < 0.2 }, "\(values)")

        let csv = try Self.get(port, "/api/history?\(point)&since=1h", headers: ["Accept": "text/csv"])
        #expect(csv.headers["content-type"] == "text/csv; charset=utf-8")
        #expect(csv.text.hasPrefix("time,value,quality\r\n"))
        #expect(csv.text.split(separator: "\r\n").count == samples.count + 1)

        let buckets = try Self.get(port, "/api/history?\(point)&since=1h&every=1m")
        let bucketDocument = try JSONSerialization.jsonObject(with: Data(buckets.body)) as? [String: Any]
        let first = (bucketDocument?["buckets"] as? [[String: Any]])?.first
        #expect(first?["min"] as? Double ?? 9 <= first?["mean"] as? Double ?? 0)
        #expect(first?["mean"] as? Double ?? 9 <= first?["max"] as? Double ?? 0)

        let unknown = try Self.get(port, "/api/history?point=LH-0107/booster/no_such_point")
        #expect(unknown.status == 404 && unknown.text.contains("\"error\":\"no point LH-0107/booster/no_such_point"))
        let bad = try Self.get(port, "/api/history?\(point)&since=soon")
        #expect(bad.status == 400 && bad.headers["content-type"] == "application/json" && bad.text.contains("since"))
        #expect(try Self.get(port, "/api/nothing").status == 404)
    }

    func checkMetrics(_ port: UInt16) throws {
        let metrics = try Self.get(port, "/metrics")
        #expect(metrics.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        let text = metrics.text
        #expect(metricValue(text, "pumpgw_device_up{station=\"FT-0412\",device=\"booster\"}") == 1)
        #expect(metricValue(text, "pumpgw_alarms_active{severity=\"major\"}") == 1)
        #expect(metricValue(text, "pumpgw_device_consecutive_failures{station=\"LH-0107\",device=\"booster\"}") == 0)
        #expect((metricValue(text, "pumpgw_requests_total{result=\"ok\"}") ?? 0) > 0)
        #expect((metricValue(text, "process_open_fds") ?? 0) > 0)
        #expect(metricValue(text, "pumpgw_boost_active{station=\"FT-0412\"}") == 0)
        for name in ["pumpgw_device_last_success_timestamp_seconds", "pumpgw_device_poll_duration_seconds_bucket",
                     "pumpgw_cycles_skipped_total", "pumpgw_cycle_lateness_seconds_count", "pumpgw_outbox_lines",
                     "pumpgw_outbox_oldest_age_seconds", "pumpgw_feed_last_success_timestamp_seconds",
                     "pumpgw_feed_dead_letters_total", "pumpgw_store_bytes", "process_cpu_seconds_total",
                     "process_resident_memory_bytes", "process_start_time_seconds"] {
            #expect(text.contains("\n" + name), "no \(name)")
        }
        // No point value is ever a label: only station, device, result, severity and le.
        let labelNames = Set(text.matches(of: /([a-z_]+)="/).map { String($0.1) })
        #expect(labelNames.isSubset(of: ["station", "device", "result", "severity", "le"]), "\(labelNames)")
        let problems = try promtool(text)
        #expect(problems.isEmpty, "promtool: \(problems)")
    }

    func promtool(_ text: String) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString).txt")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try runToEnd("/bin/sh", ["-c", "/usr/bin/promtool check metrics < \(file.path)"])
        return result.status == 0 ? result.stdout + result.stderr : "exit \(result.status): \(result.stdout)\(result.stderr)"
    }

    func checkPage(_ port: UInt16, site: WindowSite) throws {
        let page = try Self.get(port, "/")
        #expect(page.status == 200 && page.headers["content-type"] == "text/html; charset=utf-8")
        #expect(page.body.count < 100_000, "\(page.body.count) bytes")
        #expect(!page.text.contains("http://") && !page.text.contains("https://"), "the page loads nothing from outside")

        let dom = try chromium(["--dump-dom", "http://127.0.0.1:\(port)/"], folder: site.folder)
        #expect(dom.status == 0, "\(dom.stderr.suffix(500))")
        for station in ["FT-0412", "LH-0107"] { #expect(dom.stdout.contains("id=\"station-\(station)\"")) }
        #expect(dom.stdout.contains("<td>outlet_pressure</td><td class=\"v\">0."), "a live outlet pressure value")
        #expect(dom.stdout.contains("<td class=\"u\">MPa</td>"))
        #expect(dom.stdout.contains("<li class=\"sev-major\"><b>MAJOR</b> booster/outlet_pressure"), "the active alarm")
        #expect(dom.stdout.contains("<svg class=\"trend\""))
        #expect(dom.stdout.contains("Outbox: ") && dom.stdout.contains("Feed: "))

        // A screenshot at a phone's width; a blank page of the same size is the baseline.
        let shot = site.folder.appendingPathComponent("page.png"), blank = site.folder.appendingPathComponent("blank.png")
        _ = try chromium(["--window-size=412,900", "--screenshot=\(shot.path)", "http://127.0.0.1:\(port)/"], folder: site.folder)
        _ = try chromium(["--window-size=412,900", "--screenshot=\(blank.path)", "about:blank"], folder: site.folder)
        let png = try Data(contentsOf: shot), blankPNG = try Data(contentsOf: blank)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(png.count > 5 * blankPNG.count, "page \(png.count) bytes, blank \(blankPNG.count)")
    }

    /// 300 idle connections (half with half a request head), an 8 MB header,
    /// garbage, a client that stops reading: /metrics still answers within a
    /// second, polls stay on time, and the descriptors return to baseline.
    func checkHostileClients(_ port: UInt16, pid: Int32) throws {
        let before = try Self.get(port, "/metrics").text
        let baseline = descriptorCount(pid: pid)
        var idle: [TestClient] = []
        for index in 0..<300 {
            let client = try TestClient(port: port)
            if index % 2 == 0 { client.send("GET /metrics HTTP/1.1\r\nX-Slow: ") }
            idle.append(client)
        }
        let huge = try TestClient(port: port)
        let writer = Thread { huge.send("GET / HTTP/1.1\r\nHost: x\r\nX: " + String(repeating: "A", count: 8 << 20)) }
        writer.start()
        let garbage = try TestClient(port: port)
        garbage.send((0..<4000).map { UInt8(truncatingIfNeeded: $0 &* 7919) } + [13, 10, 13, 10])
        let stalled = try TestClient(port: port)
        stalled.send("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")   // never read

        let started = Date()
        let metrics = try Self.get(port, "/metrics")
        let seconds = Date().timeIntervalSince(started)
        #expect(metrics.status == 200)
        #expect(seconds < 1, "/metrics took \(seconds) s under 300 idle connections")
        #expect(String(decoding: huge.readToEnd().prefix(12), as: UTF8.self) == "HTTP/1.1 431")
        #expect(String(decoding: garbage.readToEnd().prefix(12), as: UTF8.self) == "HTTP/1.1 400")

        // Polls stay on time: no cycle started more than 0.5 s late, as before.
        Thread.sleep(forTimeInterval: 2)
        let after = try Self.get(port, "/metrics").text
        let late = "pumpgw_cycle_lateness_seconds_bucket{le=\"0.5\"}", all = "pumpgw_cycle_lateness_seconds_count"
        let lateGrowth = ((metricValue(after, all) ?? 0) - (metricValue(after, late) ?? 0))
            - ((metricValue(before, all) ?? 0) - (metricValue(before, late) ?? 0))
        #expect((metricValue(after, all) ?? 0) > (metricValue(before, all) ?? 0))
        #expect(lateGrowth == 0, "\(lateGrowth) cycles more than 0.5 s late")

        idle.removeAll()
        _ = [huge, garbage, stalled].map { shutdown($0.fd, Int32(SHUT_RDWR)) }
        #expect(eventually(15) { descriptorCount(pid: pid) <= baseline }, "descriptors \(descriptorCount(pid: pid)), baseline \(baseline)")
    }
}
