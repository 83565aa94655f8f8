// The whole gateway end to end: two `pumpgw simulate` children (booster-set
// controllers), `pumpgw run` polling them and feeding a real InfluxDB 1.x
// (and VictoriaMetrics) over HTTP, stopped with SIGTERM; what the server holds
// is compared with the gateway's own poll count, and the values with the
// simulator's model. Every child is killed on every path: SIGTERM/SIGKILL on
// the normal path, SIGKILL from `defer`, from `deinit` and from a watchdog.

import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

private enum Build {
    static let root = TestBinaries.root
    static let profiles = root.appendingPathComponent("DeviceProfiles")
    static let grundfos = profiles.appendingPathComponent("grundfos-hydro-mpc-cim500.json5").path

    /// The `pumpgw` binary beside the test bundle, or $PUMPGW_BIN.
    static var pumpgw: String { TestBinaries.pumpgw }
}

/// A stop never sends one batch twice: the sender's loop ends after its
/// batch in flight before the final flush starts (FeedService), so no write
/// is cancelled on the wire ("network error -999") and no sample is duplicated.
/// What one gateway run reported.
private struct GatewayRun {
    var polls: Int
    var started: Date
    var stopped: Date
    var stderr: String
}

/// Station FT-0412 carries non-ASCII text (name and district) and a tag value
/// with a comma and a space; LH-0107 plain ASCII.
private func gatewayConfig(feedURL: String, ports: (Int, Int)) -> String {
    func device(_ port: Int) -> String {
        """
        { id: "booster", profile: "grundfos-hydro-mpc-cim500", host: "127.0.0.1", port: \(port), unit: 1,
                interval: "500ms", timeout: "300ms" }
        """
    }
    return gatewayConfigText(profiles: Build.profiles.path, gateway: #"id: "gw-e2e""#, feed: feedURL, """
      stations: [
        { id: "FT-0412", name: "福田区景田 12 号泵房", tags: { district: "福田区", estate: "Jing Tian, block 2" },
          devices: [ \(device(ports.0)) ] },
        { id: "LH-0107", name: "Luohu estate 7", tags: { district: "luohu" },
          devices: [ \(device(ports.1)) ] },
      ],
      """)
}

/// Starts two simulated booster sets and a gateway feeding `feedURL`, lets it
/// poll for `seconds`, stops it with SIGTERM (it must exit 0) and returns its
/// poll count from the `gateway stopped` log line.
private func runGateway(feedURL: String, seconds: Double = 4) async throws -> GatewayRun {
    let folder = try TempFolder("gateway-e2e")
    let simulate = ["simulate", "--profile", Build.grundfos, "--port", "0", "--duration", "120"]
    let announcement = #"listening on 127\.0\.0\.1:(\d+)"#
    let first = try RunningProcess(Build.pumpgw, simulate + ["--seed", "1"], lifetime: 90)
    defer { first.terminate(signal: SIGKILL) }
    let second = try RunningProcess(Build.pumpgw, simulate + ["--seed", "2"], lifetime: 90)
    defer { second.terminate(signal: SIGKILL) }
    let firstPort = try #require(try first.waitForNumber(announcement), "simulator 1: \(first.stdout) \(first.stderr)")
    let secondPort = try #require(try second.waitForNumber(announcement), "simulator 2: \(second.stdout) \(second.stderr)")

    let config = folder.url.appendingPathComponent("gateway.json5")
    try gatewayConfig(feedURL: feedURL, ports: (firstPort, secondPort)).write(to: config, atomically: true, encoding: .utf8)
    let started = Date()
    let gateway = try RunningProcess(Build.pumpgw, ["run", "--config", config.path, "--log-level", "info"], lifetime: 60)
    defer { gateway.terminate(signal: SIGKILL) }
    try await Task.sleep(for: .seconds(seconds))
    #expect(gateway.process.isRunning, "the gateway exited early: \(gateway.stderr)")
    let status = gateway.terminate()
    let stopped = Date()
    let stderr = gateway.stderr
    #expect(status == 0, "pumpgw run did not exit 0 on SIGTERM: \(String(describing: status)); stderr:\n\(stderr)")

    // The gateway only reads: the simulators count no write requests.
    for simulator in [first, second] {
        simulator.terminate(timeout: 5)
        #expect(simulator.stdout.contains(", 0 write requests"), "simulator: \(simulator.stdout)")
    }

    let logLines = stderr.split(separator: "\n")
    #expect(logLines.contains { $0.contains("msg=\"gateway started\"") }, "stderr:\n\(stderr)")
    // A healthy run: nothing at warn or error (a feed failure, an unsent
    // outbox or a write cancelled by the stop would be).
    let complaints = logLines.filter { $0.hasPrefix("level=warn") || $0.hasPrefix("level=error") }
    #expect(complaints.isEmpty, "\(complaints.joined(separator: "\n"))")
    let polls = try #require(stderr.firstMatch(of: /msg="gateway stopped" polls=(\d+)/).flatMap { Int($0.1) },
                             "no `gateway stopped` line with polls=; stderr:\n\(stderr)")
    // Two devices at 500 ms for `seconds` s: about 4 per second.
    #expect(polls >= Int(seconds * 2), "only \(polls) polls in \(seconds) s")
    return GatewayRun(polls: polls, started: started, stopped: stopped, stderr: stderr)
}

/// An InfluxDB /query answer with the tags of each series (GROUP BY).
private struct TaggedAnswer: Decodable {
    struct Result: Decodable {
        var series: [Series]?
        var error: String?
    }
    struct Series: Decodable {
        var tags: [String: String]?
        var values: [[Cell]]?
    }
    var results: [Result]
}

extension InfluxDB {
    /// Runs one InfluxQL SELECT against `pumps`; returns every series with its tags.
    fileprivate func series(_ statement: String) async throws -> [TaggedAnswer.Series] {
        var components = URLComponents(string: base + "/query")
        components?.queryItems = [.init(name: "db", value: "pumps"), .init(name: "epoch", value: "ms"),
                                  .init(name: "q", value: statement)]
        guard let url = components?.url, let answer = await TestHTTP.request(url, timeout: 10) else {
            throw ServerFailure(description: "query \(statement): no answer")
        }
        guard answer.status == 200 else {
            throw ServerFailure(description: "query \(statement): HTTP \(answer.status) \(String(decoding: answer.body, as: UTF8.self))")
        }
        let document = try JSONDecoder().decode(TaggedAnswer.self, from: answer.body)
        guard let first = document.results.first else { throw ServerFailure(description: "query \(statement): no result") }
        if let error = first.error { throw ServerFailure(description: "query \(statement): \(error)") }
        return first.series ?? []
    }
}

@Suite(.serialized, .timeLimit(.minutes(2))) struct GatewayEndToEndTests {
    @Test func everyPollReachesInfluxDB() async throws {
        let influx = try await InfluxDB.withDatabase()
        defer { influx.stop() }
        let run = try await runGateway(feedURL: influx.base + "/write?db=pumps")

        // Every poll is one pump_station line: the total equals the gateway's poll count
        // (the gateway flushes the feed on SIGTERM), and each station has its share.
        let counts = try await influx.series("SELECT count(outlet_pressure) FROM pump_station GROUP BY station, district, estate")
        var byStation: [String: (tags: [String: String], count: Int)] = [:]
        for series in counts {
            let tags = series.tags ?? [:]
            byStation[tags["station"] ?? "?"] = (tags, series.values?.first?[1].int ?? 0)
        }
        #expect(byStation.keys.sorted() == ["FT-0412", "LH-0107"], "\(counts)")
        let total = byStation.values.map(\.count).reduce(0, +)
        #expect(total == run.polls, "InfluxDB holds \(total) pump_station rows for \(run.polls) polls; per station: \(byStation.mapValues(\.count)); gateway stderr:\n\(run.stderr)")
        for (station, entry) in byStation {
            #expect(entry.count >= 4, "\(station): only \(entry.count) rows")
        }
        #expect(byStation["FT-0412"]?.tags["district"] == "福田区")
        #expect(byStation["FT-0412"]?.tags["estate"] == "Jing Tian, block 2")
        #expect(byStation["LH-0107"]?.tags["district"] == "luohu")
        #expect(byStation["LH-0107"]?.tags["estate"] == "")

        // The last values per station: a pressure from the model, a boolean, the enum label.
        let last = try await influx.series(
            "SELECT last(outlet_pressure), last(pump2_running), last(control_mode) FROM pump_station GROUP BY station")
        #expect(last.count == 2)
        for series in last {
            let station = series.tags?["station"] ?? "?"
            let row = try #require(series.values?.first, "\(station): no row")
            try #require(row.count == 4, "\(station): \(row)")
            let pressure = try #require(row[1].double, "\(station): outlet_pressure \(row[1])")
            #expect((0.40...0.50).contains(pressure), "\(station): outlet_pressure \(pressure) MPa")
            #expect(row[2].bool != nil, "\(station): pump2_running \(row[2])")
            #expect(row[3].string == "constant_pressure", "\(station): control_mode \(row[3])")
        }
        // Every stored pressure is in the model's range.
        let range = try #require(try await influx.series(
            "SELECT min(outlet_pressure), max(outlet_pressure) FROM pump_station").first?.values?.first)
        #expect((range[1].double ?? -1) >= 0.40 && (range[2].double ?? 99) <= 0.50, "\(range)")

        // Timestamps in milliseconds of this run (not seconds, not microseconds).
        for selector in ["first", "last"] {
            let row = try #require(try await influx.series("SELECT \(selector)(outlet_pressure) FROM pump_station").first?.values?.first)
            let time = try #require(row[0].int64)
            let low = Int64((run.started.timeIntervalSince1970 - 1) * 1000)
            let high = Int64((run.stopped.timeIntervalSince1970 + 1) * 1000)
            #expect((low...high).contains(time), "\(selector) time \(time) outside \(low)...\(high)")
        }

        try await expectHealthLines(in: influx)
    }

    /// Health: a line for each device (connected) and for the gateway.
    private func expectHealthLines(in influx: InfluxDB) async throws {
        let devices = try await influx.series("SELECT last(connected) FROM pumpgw_health WHERE device != '' GROUP BY station, device")
        let deviceKeys = devices.map { "\($0.tags?["station"] ?? "?")/\($0.tags?["device"] ?? "?")" }.sorted()
        #expect(deviceKeys == ["FT-0412/booster", "LH-0107/booster"], "\(devices)")
        for series in devices {
            #expect(series.values?.first?[1].bool == true, "\(series)")
        }
        let gateway = try await influx.series(
            "SELECT count(outbox_depth), count(polls), last(feed_state) FROM pumpgw_health WHERE gateway != '' GROUP BY gateway")
        #expect(gateway.map { $0.tags?["gateway"] ?? "?" } == ["gw-e2e"], "\(gateway)")
        let gatewayRow = try #require(gateway.first?.values?.first)
        #expect((gatewayRow[1].int ?? 0) >= 1 && (gatewayRow[2].int ?? 0) >= 1, "\(gatewayRow)")
        // The only gateway line of a 4 s run goes out at start, before the first send: idle (or ok), never failing.
        #expect(["idle", "ok"].contains(gatewayRow[3].string ?? "?"), "\(gatewayRow)")
    }

    @Test func everyPollReachesVictoriaMetrics() async throws {
        let victoria = try VictoriaMetrics()
        defer { victoria.stop() }
        try await victoria.start()
        let run = try await runGateway(feedURL: victoria.base + "/write")

        // VictoriaMetrics names a series measurement_field; one sample per poll.
        var pressure: [VictoriaMetrics.Series] = []
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            pressure = try await victoria.export(#"{__name__="pump_station_outlet_pressure"}"#)
            if pressure.map(\.values.count).reduce(0, +) >= run.polls { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        let total = pressure.map(\.values.count).reduce(0, +)
        #expect(total >= run.polls, "VictoriaMetrics holds \(total) outlet_pressure samples for \(run.polls) polls: lines lost")
        // More than the polls: a batch sent twice at shutdown (VictoriaMetrics keeps duplicates).
        #expect(total == run.polls, "VictoriaMetrics holds \(total) outlet_pressure samples for \(run.polls) polls")
        for series in pressure {
            #expect(Set(series.timestamps).count == series.timestamps.count, "\(series.metric): duplicate timestamps \(series.timestamps)")
        }
        let byStation = Dictionary(pressure.map { ($0.metric["station"] ?? "?", $0) }, uniquingKeysWith: { first, _ in first })
        #expect(byStation.keys.sorted() == ["FT-0412", "LH-0107"], "\(pressure.map(\.metric))")
        #expect(byStation["FT-0412"]?.metric["district"] == "福田区")
        #expect(byStation["FT-0412"]?.metric["estate"] == "Jing Tian, block 2")
        for series in pressure {
            #expect(series.values.count >= 4, "\(series.metric): only \(series.values.count) samples")
            #expect(series.values.allSatisfy { (0.40...0.50).contains($0) }, "\(series.metric): \(series.values)")
            let low = Int64((run.started.timeIntervalSince1970 - 1) * 1000)
            let high = Int64((run.stopped.timeIntervalSince1970 + 1) * 1000)
            #expect(series.timestamps.allSatisfy { (low...high).contains($0) }, "\(series.timestamps)")
        }
        let running = try await victoria.export(#"{__name__="pump_station_pump2_running"}"#)
        #expect(running.count == 2 && running.allSatisfy { $0.values.allSatisfy { $0 == 0 || $0 == 1 } }, "\(running)")

        let connected = try await victoria.export(#"{__name__="pumpgw_health_connected"}"#)
        #expect(connected.map { $0.metric["station"] ?? "?" }.sorted() == ["FT-0412", "LH-0107"], "\(connected.map(\.metric))")
        #expect(connected.allSatisfy { $0.values.last == 1 })
        let polls = try await victoria.export(#"{__name__="pumpgw_health_polls"}"#)
        #expect(polls.map { $0.metric["gateway"] ?? "?" } == ["gw-e2e"], "\(polls.map(\.metric))")
    }
}
