// The endpoint pollers against simulators started as child processes: a
// device that replies late, one that drops connections, one that returns
// exception 4 for one block, one that goes away and comes back, a block that
// bridges a hole, two units behind one endpoint. Each time: the right points
// get the right quality, the device recovers within the backoff bound, the
// healthy devices beside it keep polling, and no write request is ever sent.
// Loose bounds only; exact timing belongs in the benchmarks.

import Decoding
import Foundation
import Gateway
import Profiles
import Synchronization
import Testing
import Telemetry

final class ReportLog: Sendable {
    private let reports = Mutex<[PollReport]>([])

    func add(_ report: PollReport) { reports.withLock { $0.append(report) } }

    func of(_ device: String) -> [PollReport] {
        reports.withLock { $0.filter { $0.sample.identity.device == device } }
    }
}

@Suite("endpoint pollers against simulators")
struct EndpointPollerTests {
    static let grundfosPath = Paths.profiles.appendingPathComponent("grundfos-hydro-mpc-cim500.json5").path

    func device(_ id: String, profile: DeviceProfile, interval: Duration = .milliseconds(200)) -> PolledDevice {
        PolledDevice(identity: DeviceIdentity(station: "ST-1", device: id, profile: profile.profile),
                     profile: profile, plan: ReadPlan(profile: profile), unit: 1, interval: interval)
    }

    func endpoint(_ port: Int, timeout: Duration = .milliseconds(300)) -> EndpointSettings {
        var settings = EndpointSettings(host: "127.0.0.1", port: port, timeout: timeout)
        settings.backoffInitial = .milliseconds(200)
        settings.backoffMaximum = .seconds(1)
        return settings
    }

    /// Polls `pollers` for `seconds`, then stops them.
    func run(_ pollers: [EndpointPoller], seconds: Double) {
        for poller in pollers { poller.start() }
        Thread.sleep(forTimeInterval: seconds)
        for poller in pollers { poller.stop() }
    }

    func allGood(_ report: PollReport) -> Bool {
        report.sample.points.allSatisfy { $0.reading.quality == .good }
    }

    @Test("a late device times out; its healthy neighbour keeps every cycle")
    func lateDeviceDoesNotDelayNeighbour() throws {
        let profile = try ProfileLoader.load(path: Self.grundfosPath)
        let slow = try startSimulator(profile: Self.grundfosPath, extra: ["--delay-ms", "700"])
        let healthy = try startSimulator(profile: Self.grundfosPath)
        let log = ReportLog()
        run([EndpointPoller(settings: endpoint(slow.port), devices: [device("slow", profile: profile)], deliver: log.add),
             EndpointPoller(settings: endpoint(healthy.port), devices: [device("healthy", profile: profile)], deliver: log.add)],
            seconds: 3)
        #expect(slow.stopAndCountWrites() == 0)
        #expect(healthy.stopAndCountWrites() == 0)

        let good = log.of("healthy")
        // 3 s at 200 ms is 15 cycles; at least 90 % of them polled, all good.
        #expect(good.count >= 13, "healthy device polled \(good.count) times")
        #expect(good.allSatisfy(allGood))
        let late = log.of("slow")
        #expect(!late.isEmpty)
        for report in late {
            for point in report.sample.points {
                guard case .error(let reason) = point.reading.quality else {
                    Issue.record("\(point.name) of the late device is \(point.reading.quality)")
                    continue
                }
                #expect(reason.contains("timeout") || reason.contains("not connected"), "\(reason)")
            }
        }
        #expect(late.last?.health.consecutiveFailures ?? 0 >= 2)
        #expect(late.last?.health.lastGoodPoll == nil)
    }

    @Test("a device that drops connections reconnects and keeps being read")
    func droppedConnectionsRecover() throws {
        let profile = try ProfileLoader.load(path: Self.grundfosPath)
        // Every 20th request is dropped: about one poll in two of 9 requests fails.
        let flaky = try startSimulator(profile: Self.grundfosPath, extra: ["--drop-every", "20"])
        let log = ReportLog()
        run([EndpointPoller(settings: endpoint(flaky.port), devices: [device("flaky", profile: profile)], deliver: log.add)],
            seconds: 4)
        #expect(flaky.stopAndCountWrites() == 0)
        let reports = log.of("flaky")
        let failedPolls = reports.filter { !allGood($0) }
        let goodPolls = reports.filter(allGood)
        #expect(!failedPolls.isEmpty, "no drop was seen")
        #expect(goodPolls.count >= 5, "only \(goodPolls.count) good polls")
        // Every failure is followed by a good poll within the backoff bound (1 s) plus two intervals.
        for failure in failedPolls {
            let recovered = reports.first { $0.sample.time > failure.sample.time && allGood($0) }
            if let recovered {
                #expect(recovered.sample.time.timeIntervalSince(failure.sample.time) <= 1.6)
            } else {
                #expect(failure.sample.time.timeIntervalSince(reports[0].sample.time) > 2.5, "no recovery after a failure")
            }
        }
        let reasons = Set(failedPolls.flatMap { $0.sample.points.compactMap { point -> String? in
            if case .error(let reason) = point.reading.quality { return reason } else { return nil } } })
        #expect(reasons.contains("connection closed by the device"), "\(reasons)")
    }

    @Test("exception 4 on one block marks only that block's points")
    func exceptionMarksOnlyItsBlock() throws {
        let profile = try ProfileLoader.load(path: Self.grundfosPath)
        let faulty = try startSimulator(profile: Self.grundfosPath,
                                        extra: ["--exception", "4", "--exception-range", "holding:411-419"])
        let log = ReportLog()
        run([EndpointPoller(settings: endpoint(faulty.port), devices: [device("faulty", profile: profile)], deliver: log.add)],
            seconds: 1.2)
        #expect(faulty.stopAndCountWrites() == 0)
        let reports = log.of("faulty")
        #expect(reports.count >= 4)
        for report in reports {
            for point in report.sample.points {
                if point.name.hasPrefix("pump2_") {
                    #expect(point.reading.quality == .error("exception 4 (server device failure)"), "\(point.name)")
                    #expect(point.reading.value == nil)
                } else {
                    #expect(point.reading.quality == .good, "\(point.name): \(point.reading.quality)")
                }
            }
            #expect(report.health.connected)
        }
    }

    @Test("a device that goes away comes back within the backoff bound")
    func outageAndReturn() throws {
        let profile = try ProfileLoader.load(path: Self.grundfosPath)
        let away = try startSimulator(profile: Self.grundfosPath, extra: ["--down-after", "1", "--down-for", "2"])
        // The simulator's outage counts from its own start, which is before it
        // answers: measured from here, a slow child start (a loaded machine)
        // does not eat into the reconnect bound below.
        let started = Date()
        let healthy = try startSimulator(profile: Self.grundfosPath)
        let log = ReportLog()
        run([EndpointPoller(settings: endpoint(away.port), devices: [device("away", profile: profile)], deliver: log.add),
             EndpointPoller(settings: endpoint(healthy.port), devices: [device("healthy", profile: profile)], deliver: log.add)],
            seconds: 5.5)
        #expect(away.stopAndCountWrites() == 0)
        #expect(healthy.stopAndCountWrites() == 0)

        let reports = log.of("away")
        let outage = reports.filter { !allGood($0) }
        #expect(!outage.isEmpty, "the outage was not seen")
        #expect(outage.contains { !$0.health.connected })
        // Back at about 3 s after start; reconnected within backoff max (1 s) + interval + slack.
        let firstGoodAfter = reports.first { allGood($0) && $0.sample.time.timeIntervalSince(started) > 3.0 }
        let back = try #require(firstGoodAfter, "never came back")
        #expect(back.sample.time.timeIntervalSince(started) < 3.0 + 1.0 + 0.2 + 0.8)
        #expect(log.of("healthy").count >= 24, "neighbour polled \(log.of("healthy").count) times in 5.5 s")
    }

    @Test("a block that bridges a hole is split, both points read, and the split remembered")
    func holeIsSplitAndRemembered() throws {
        let probe = try ProfileLoader.load(path: Paths.fixtures.appendingPathComponent("grundfos-gap.json5").path)
        #expect(ReadPlan(profile: probe).blocks.count == 1)
        let simulator = try startSimulator(profile: Self.grundfosPath)
        let log = ReportLog()
        run([EndpointPoller(settings: endpoint(simulator.port), devices: [device("gap", profile: probe)], deliver: log.add)],
            seconds: 1)
        #expect(simulator.stopAndCountWrites() == 0)
        let reports = log.of("gap")
        #expect(reports.count >= 3)
        #expect(reports.allSatisfy(allGood))
        #expect(reports.first?.splitBlocks.count == 1)
        #expect(reports.dropFirst().allSatisfy { $0.splitBlocks.isEmpty })
        #expect(reports.first?.sample["pumps_present"] == .good(.integer(7)))
    }

    /// Loads a config whose stations list is `devices` (JSON5 text).
    func loadConfig(devices: String) throws -> LoadedConfig {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pumpgw-\(UUID().uuidString).json5")
        defer { try? FileManager.default.removeItem(at: file) }
        try """
        {
          gateway: { id: "gw-test" },
          profiles: "\(Paths.profiles.path)",
          stations: [ { id: "ST-9", devices: [ \(devices) ] } ],
        }
        """.write(to: file, atomically: true, encoding: .utf8)
        return try ConfigLoader.load(path: file.path)
    }

    @Test("poll groups read their points at their own interval")
    func pollGroups() throws {
        let simulator = try startSimulator(profile: Self.grundfosPath)
        let loaded = try loadConfig(devices: """
            { id: "set", profile: "grundfos-hydro-mpc-cim500", host: "127.0.0.1", port: \(simulator.port),
              interval: "200ms", timeout: "150ms",
              pollGroups: [ { interval: "1s", points: ["pump1_run_hours", "pump2_run_hours", "pump3_run_hours"] } ] },
            """)
        let log = ReportLog()
        let engine = EndpointPollers(devices: loaded.devices, deliver: log.add)
        #expect(engine.pollers.count == 1)
        engine.start()
        Thread.sleep(forTimeInterval: 2.1)
        engine.stop()
        #expect(simulator.stopAndCountWrites() == 0)
        let reports = log.of("set")
        let slow = reports.filter { $0.sample["pump1_run_hours"] != nil }
        let fast = reports.filter { $0.sample["outlet_pressure"] != nil }
        // 2.1 s: the 1 s group 2 or 3 times, the 200 ms rest about 10 times.
        #expect((2...3).contains(slow.count), "slow group read \(slow.count) times")
        #expect(fast.count >= 8, "fast points read \(fast.count) times")
        #expect(slow.allSatisfy { $0.sample.points.count == 3 })
        #expect(fast.allSatisfy { $0.sample.points.count == 42 && $0.sample["pump2_run_hours"] == nil })
        #expect(reports.allSatisfy(allGood))
    }

    @Test("two units behind one endpoint share one poller and one connection")
    func sharedEndpoint() throws {
        let simulator = try startSimulator(profile: Self.grundfosPath, extra: ["--unit", "0"])
        let loaded = try loadConfig(devices: """
            { id: "set1", profile: "grundfos-hydro-mpc-cim500", host: "127.0.0.1", port: \(simulator.port), unit: 1, interval: "200ms", timeout: "150ms" },
            { id: "set2", profile: "grundfos-hydro-mpc-cim500", host: "127.0.0.1", port: \(simulator.port), unit: 2, interval: "200ms", timeout: "150ms" },
            """)
        let log = ReportLog()
        let engine = EndpointPollers(devices: loaded.devices, deliver: log.add)
        #expect(engine.pollers.count == 1)
        engine.start()
        // Until both have 5 good polls (6 at the 200 ms cadence in 1.2 s on a quiet machine), at most 5 s:
        // a loaded CI machine may stretch a poll past its 150 ms timeout now and then, which is not this test's subject.
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline, ["set1", "set2"].contains(where: { log.of($0).filter(allGood).count < 5 }) {
            Thread.sleep(forTimeInterval: 0.1)
        }
        engine.stop()
        #expect(simulator.stopAndCountWrites() == 0)
        for id in ["set1", "set2"] {
            let reports = log.of(id)
            #expect(reports.filter(allGood).count >= 5, "\(id) polled \(reports.count) times, \(reports.filter(allGood).count) good")
        }
        // Staggered: the two devices' first polls are not in the same instant.
        let first1 = try #require(log.of("set1").first?.sample.time)
        let first2 = try #require(log.of("set2").first?.sample.time)
        #expect(abs(first2.timeIntervalSince(first1)) >= 0.05)
    }

    @Test("busy (exception 6) is retried a bounded number of times, then reported")
    func busyIsBounded() throws {
        let profile = try ProfileLoader.load(path: Self.grundfosPath)
        let busy = try startSimulator(profile: Self.grundfosPath, extra: ["--exception", "6", "--exception-range", "holding:341"])
        let log = ReportLog()
        run([EndpointPoller(settings: endpoint(busy.port), devices: [device("busy", profile: profile, interval: .milliseconds(500))],
                            deliver: log.add)],
            seconds: 1.2)
        #expect(busy.stopAndCountWrites() == 0)
        let reports = log.of("busy")
        #expect(reports.count >= 2)
        for report in reports {
            #expect(report.sample["outlet_pressure"]?.quality == .error("exception 6 (server device busy)"))
            #expect(report.sample["inlet_pressure"]?.quality == .good)
        }
        // Each poll: 9 blocks, the busy one tried 3 times (2 retries) = 11 requests.
        let served = try #require(busy.output.firstMatch(of: /stopped after (\d+) requests/).flatMap { Int($0.1) })
        #expect(served == reports.count * 11, "\(served) requests for \(reports.count) polls")
    }
}
