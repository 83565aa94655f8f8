// The default alarm policy of the shipped profiles: every profile carries
// rules that `pumpgw check` accepts, and a simulator scenario trips each
// profile's main rule. The simulator runs as a child process (`pumpgw
// simulate --scenario ...`) and is read with `pumpgw read --json`; the rules
// engine then sees that reading repeated every 5 s for 20 minutes of sample
// time, so rule delays of up to 15 minutes are tested without waiting.

import Decoding
import Foundation
import Profiles
import Rules
import Telemetry
import Testing
import TestSupport

/// One profile's main rule and the fault that must trip it.
struct MainRule: Sendable, CustomTestStringConvertible {
    var file: String
    /// The fault, as `--scenario` text: it starts `faultAfter` seconds after the simulator does.
    var scenario: String
    var point: String
    var rule: String
    var severity: Severity
    /// The rule's on-delay, written here by hand from the profile's README table.
    var delay: Double

    var testDescription: String { "\(file): \(point) \(rule)" }
}

@Suite("shipped profiles: default rules")
struct ProfileRulesTests {
    static let faultAfter = 2.0

    /// Main rule per profile. The faults: the booster set trips (outlet about
    /// 0.12 MPa, below the 0.15 MPa lowLow), a contact closes, an analyser or
    /// transmitter reads below its lowLow limit.
    static let mainRules: [MainRule] = [
        MainRule(file: "grundfos-hydro-mpc-cim500.json5", scenario: "pressure-drop:2:600", point: "outlet_pressure",
                 rule: "lowLow", severity: .critical, delay: 10),
        MainRule(file: "generic-constant-pressure-vfd.json5", scenario: "pressure-drop:2:600", point: "outlet_pressure",
                 rule: "lowLow", severity: .critical, delay: 10),
        MainRule(file: "electromagnetic-flowmeter-mfe600h.json5", scenario: "set:empty_pipe_alarm=1:2", point: "empty_pipe_alarm",
                 rule: "state", severity: .major, delay: 30),
        MainRule(file: "electromagnetic-flowmeter-mfe600e.json5", scenario: "set:empty_pipe_alarm=1:2", point: "empty_pipe_alarm",
                 rule: "state", severity: .major, delay: 30),
        MainRule(file: "water-quality-panel.json5", scenario: "set:free_chlorine=0.03:2", point: "free_chlorine",
                 rule: "lowLow", severity: .critical, delay: 900),
        MainRule(file: "pump-room-environment-io.json5", scenario: "set:flooding=1:2", point: "flooding",
                 rule: "state", severity: .critical, delay: 0),
        MainRule(file: "level-transmitter-rs485.json5", scenario: "set:level=0.3:2", point: "level",
                 rule: "lowLow", severity: .critical, delay: 30),
        MainRule(file: "pressure-transmitter-rs485.json5", scenario: "set:inlet_pressure=0.03:2", point: "inlet_pressure",
                 rule: "lowLow", severity: .critical, delay: 5),
        MainRule(file: "energy-meter-chint-dtsu666.json5", scenario: "set:voltage_a=0:2", point: "voltage_a",
                 rule: "lowLow", severity: .critical, delay: 5),
        MainRule(file: "cabinet-plc-template.json5", scenario: "set:pump1_fault=1:2", point: "pump1_fault",
                 rule: "state", severity: .major, delay: 0),
    ]

    @Test("every shipped profile has enabled rules, and every one has a main rule in this table")
    func everyProfileHasRules() throws {
        #expect(ShippedProfilesTests.profiles.count >= 9)
        #expect(Set(Self.mainRules.map(\.file)) == Set(ShippedProfilesTests.profiles))
        for name in ShippedProfilesTests.profiles {
            let path = Paths.profiles.appendingPathComponent(name).path
            let resolution = RuleResolver.resolve(profile: try ProfileLoader.load(path: path), profileFile: path)
            #expect(resolution.problems.isEmpty, "\(name): \(resolution.problems)")
            #expect(!resolution.rules.rules.isEmpty, "\(name) has no enabled rule")
        }
    }

    @Test("a simulator fault trips the main rule after its delay, and the normal values trip nothing", arguments: mainRules)
    func faultTripsMainRule(main: MainRule) throws {
        let path = Paths.profiles.appendingPathComponent(main.file).path
        let profile = try ProfileLoader.load(path: path)
        let rules = RuleResolver.resolve(profile: profile, profileFile: path).rules
        let simulator = try startSimulator(profile: path, extra: ["--scenario", main.scenario])
        defer { simulator.stop() }
        let started = Date()
        let normal = try readSample(profile: profile, port: simulator.port)
        Thread.sleep(forTimeInterval: max(0, Self.faultAfter + 0.5 - Date().timeIntervalSince(started)))
        let faulted = try readSample(profile: profile, port: simulator.port)

        let quiet = Self.replay(normal, rules: rules, identity: profile.profile)
        #expect(quiet.isEmpty, "\(main.file): the normal values raised \(quiet.map { "\($0.point) \($0.rule)" })")

        let events = Self.replay(faulted, rules: rules, identity: profile.profile)
        let raised = try #require(events.first { $0.point == main.point && $0.rule == main.rule && $0.state == .raised },
                                  "\(main.file): \(main.point) \(main.rule) not raised; events \(events.map { "\($0.point) \($0.rule)" })")
        #expect(raised.severity == main.severity)
        // Samples every 5 s from 0: the raise comes on the first one at or after the delay.
        #expect(raised.time.timeIntervalSince(Self.epoch) == main.delay, "\(main.file): raised after \(raised.time.timeIntervalSince(Self.epoch)) s")
    }

    @Test("out of the box: pumpgw run raises a profile's default rule with no rule in the config")
    func daemonUsesDefaultRules() throws {
        let path = Paths.profiles.appendingPathComponent("pump-room-environment-io.json5").path
        // Flooding 1 s after the simulator starts: critical, no delay (the profile's rule).
        let simulator = try startSimulator(profile: path, extra: ["--scenario", "set:flooding=1:1"])
        defer { simulator.stop() }
        let site = try DaemonSite()
        defer { site.remove() }
        try site.write(gatewayConfigText(profiles: Paths.profiles.path, """
          stations: [ { id: "FT-0412", devices: [
            { id: "room", profile: "pump-room-environment-io", host: "127.0.0.1", port: \(simulator.port),
              interval: "500ms", timeout: "300ms" } ] } ],
          """))
        let daemon = try Daemon(config: site.config.path)
        #expect(daemon.waitFor("msg=\"alarm raised\"", timeout: 10), "stderr: \(daemon.stderr)")
        #expect(daemon.terminate() == 0)
        let feed = try String(contentsOf: site.feed, encoding: .utf8)
        let alarms = feed.split(separator: "\n").filter { $0.hasPrefix("pump_alarm,") }
        #expect(alarms.count == 1, "\(alarms)")
        #expect(alarms.first?.hasPrefix("pump_alarm,device=room,point=flooding,rule=state,severity=critical,station=FT-0412 state=\"raised\"") == true,
                "\(alarms)")
        #expect(alarms.first?.contains("message=\"Flooding in the pump room\"") == true, "\(alarms)")
    }

    static let epoch = Date(timeIntervalSince1970: 1_780_000_000)

    /// The events of `sample` held for 20 minutes, evaluated every 5 s.
    static func replay(_ sample: [PointSample], rules: DeviceRules, identity profile: String) -> [AlarmEvent] {
        let identity = DeviceIdentity(station: "ST-1", device: "dev", profile: profile)
        let engine = AlarmEngine(identity: identity, rules: rules, pollInterval: .seconds(5))
        var events: [AlarmEvent] = []
        for step in 0...240 {
            let time = epoch.addingTimeInterval(Double(step) * 5)
            events += engine.evaluate(DeviceSample(identity: identity, time: time, points: sample))
        }
        return events
    }

    /// One `pumpgw read --json` of the simulator, as the points of a sample.
    func readSample(profile: DeviceProfile, port: Int) throws -> [PointSample] {
        let path = Paths.profiles.appendingPathComponent(profile.profile + ".json5").path
        let result = try runToEnd(Paths.pumpgw, ["read", "--profile", path, "--host", "127.0.0.1", "--port", String(port), "--json"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        return try decodeRead(result.stdout).points.map { reading in
            let value: Value? = switch reading.value {
            case .number(let number): .double(number)
            case .bool(let flag): .bool(flag)
            case .string(let text): .string(text)
            case nil: nil
            }
            let quality: Quality = reading.quality == "good" ? .good : .error(reading.quality)
            return PointSample(name: reading.name, unit: reading.unit, reading: Reading(value: value, quality: quality))
        }
    }
}
