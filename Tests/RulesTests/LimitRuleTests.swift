// Scenario tests of the limit kinds (high, highHigh, low, lowLow): deadband,
// on-delay, off-delay, flapping, bad quality, `when` gating, re-alarm, and
// restart seeding. Each table: timed readings in, the exact events out.

import Foundation
import Testing
import Decoding
@testable import Rules
import Telemetry

struct LimitRuleTests {
    @Test func highRaisesAfterTheDelayAndClearsBelowTheDeadband() throws {
        let engine = try makeEngine(rules: ["outlet_pressure": #"[{ kind: "high", limit: 0.60, deadband: 0.02, delay: "10s" }]"#])
        let events = feed(engine, [(0, 0.50), (1, 0.65), (5, 0.62), (11, 0.63), (12, 0.59), (13, 0.61), (14, 0.57)])
        #expect(events == [
            Got(11, .raised, "high", "0.63", "Outlet pressure 0.63 MPa above 0.6 MPa for 10 s"),
            Got(14, .cleared, "high", "0.57", "Outlet pressure back to 0.57 MPa (high limit 0.6 MPa)"),
        ])
    }

    @Test func lowWithOnAndOffDelay() throws {
        let engine = try makeEngine(rules: ["outlet_pressure": #"[{ kind: "low", limit: 0.15, deadband: 0.01, delay: "30s", offDelay: "10s" }]"#])
        // 0.155 sits in the deadband (0.15-0.16): it restarts the off-delay.
        let events = feed(engine, [(0, 0.20), (10, 0.12), (40, 0.12), (45, 0.17), (50, 0.155), (52, 0.17), (60, 0.18), (62, 0.18)])
        #expect(events == [
            Got(40, .raised, "low", "0.12", "Outlet pressure 0.12 MPa below 0.15 MPa for 30 s"),
            Got(62, .cleared, "low", "0.18", "Outlet pressure back to 0.18 MPa (low limit 0.15 MPa)"),
        ])
        #expect(engine.activeAlarms.isEmpty)
    }

    @Test func theEventCarriesLimitSeverityAndIdentity() throws {
        let engine = try makeEngine(rules: ["outlet_pressure": #"[{ kind: "highHigh", limit: 0.8 }]"#])
        let events = engine.evaluate(sample(at(3), ["outlet_pressure": number(0.85)]))
        #expect(events == [AlarmEvent(station: "FT-0412", device: "ctrl1", point: "outlet_pressure", rule: "highHigh",
                                      severity: .critical, state: .raised, value: 0.85, limit: 0.8, time: at(3),
                                      message: "Outlet pressure 0.85 MPa above 0.8 MPa (high-high)")])
        #expect(engine.activeAlarms == events)
    }

    @Test func lowLowDefaultsToCritical() throws {
        let engine = try makeEngine(rules: ["inlet_pressure": #"[{ kind: "lowLow", limit: 0.05, severity: "critical" }, { kind: "low", limit: 0.1 }]"#])
        let events = engine.evaluate(sample(at(0), ["inlet_pressure": number(0.04)]))
        #expect(events.map { "\($0.rule) \($0.severity)" } == ["lowLow critical", "low major"])
        #expect(events.first?.message == "Inlet pressure 0.04 MPa below 0.05 MPa (low-low)")
    }

    @Test func withoutDeadbandAValueAroundTheLimitFlaps() throws {
        let engine = try makeEngine(rules: ["outlet_pressure": #"[{ kind: "high", limit: 0.6 }]"#])
        let events = feed(engine, [(0, 0.59), (1, 0.61), (2, 0.59), (3, 0.61)])
        #expect(events.map(\.state) == [.raised, .cleared, .raised])
    }

    @Test func aDeadbandStopsFlapping() throws {
        let engine = try makeEngine(rules: ["outlet_pressure": #"[{ kind: "high", limit: 0.6, deadband: 0.02 }]"#])
        let events = feed(engine, [(0, 0.59), (1, 0.61), (2, 0.595), (3, 0.605), (4, 0.585), (5, 0.61), (6, 0.58)])
        #expect(events == [Got(1, .raised, "high", "0.61", "Outlet pressure 0.61 MPa above 0.6 MPa")])
    }

    @Test func anOffDelayStopsFlapping() throws {
        let engine = try makeEngine(rules: ["outlet_pressure": #"[{ kind: "high", limit: 0.6, offDelay: "5s" }]"#])
        let events = feed(engine, [(0, 0.61), (1, 0.59), (3, 0.61), (4, 0.59), (8, 0.59), (9, 0.59)])
        #expect(events == [
            Got(0, .raised, "high", "0.61", "Outlet pressure 0.61 MPa above 0.6 MPa"),
            Got(9, .cleared, "high", "0.59", "Outlet pressure back to 0.59 MPa (high limit 0.6 MPa)"),
        ])
    }

    @Test func aSpikeShorterThanTheOnDelayRaisesNothing() throws {
        let engine = try makeEngine(rules: ["outlet_pressure": #"[{ kind: "high", limit: 0.6, delay: "5s" }]"#])
        let events = feed(engine, [(0, 0.5), (1, 0.9), (3, 0.9), (4, 0.5), (5, 0.9), (9, 0.9), (10, 0.5)])
        #expect(events == [])
    }

    @Test func badQualityNeitherRaisesNorClears() throws {
        let engine = try makeEngine(rules: ["outlet_pressure": #"[{ kind: "high", limit: 0.6 }]"#])
        let events = feed(engine, [(0, nil), (1, 0.7), (2, nil), (3, nil), (4, 0.5), (5, nil)])
        #expect(events == [
            Got(1, .raised, "high", "0.7", "Outlet pressure 0.7 MPa above 0.6 MPa"),
            Got(4, .cleared, "high", "0.5", "Outlet pressure back to 0.5 MPa (high limit 0.6 MPa)"),
        ])
    }

    @Test func badQualityDoesNotRestartTheOnDelay() throws {
        let engine = try makeEngine(rules: ["outlet_pressure": #"[{ kind: "high", limit: 0.6, delay: "5s" }]"#])
        let events = feed(engine, [(0, 0.7), (2, nil), (5, 0.7)])
        #expect(events == [Got(5, .raised, "high", "0.7", "Outlet pressure 0.7 MPa above 0.6 MPa for 5 s")])
    }

    @Test func whenGatesTheRule() throws {
        let engine = try makeEngine(rules: ["outlet_pressure": #"[{ kind: "low", limit: 0.15, when: { point: "pump1_running", equals: true } }]"#])
        let steps: [(Double, Reading, Double?)] = [
            (0, .good(.bool(false)), 0.10),   // pumps stopped on purpose: no alarm
            (1, .good(.bool(true)), 0.10),    // raised
            (2, .error("timed out"), 0.30),   // condition unknown: neither clears
            (3, .good(.bool(false)), 0.10),   // condition false: cleared
            (4, .good(.bool(false)), 0.05),
            (5, .good(.bool(true)), 0.10),    // raised again
        ]
        let events = steps.flatMap { step in
            engine.evaluate(sample(at(step.0), ["pump1_running": step.1, "outlet_pressure": number(step.2)])).map { Got($0) }
        }
        #expect(events == [
            Got(1, .raised, "low", "0.1", "Outlet pressure 0.1 MPa below 0.15 MPa"),
            Got(3, .cleared, "low", "0.1", "Outlet pressure low alarm cleared: watched only while Pump 1 running is true, which no longer holds"),
            Got(5, .raised, "low", "0.1", "Outlet pressure 0.1 MPa below 0.15 MPa"),
        ])
    }

    @Test func aFalseConditionRestartsThePendingDelay() throws {
        let engine = try makeEngine(rules: ["outlet_pressure": #"[{ kind: "low", limit: 0.15, delay: "5s", when: { point: "mode", notEquals: "manual" } }]"#])
        let modes: [(Double, String)] = [(0, "auto"), (3, "manual"), (4, "auto"), (8, "auto"), (9, "auto")]
        let events = modes.flatMap { step in
            engine.evaluate(sample(at(step.0), ["mode": .good(.string(step.1)), "outlet_pressure": number(0.1)])).map { Got($0) }
        }
        #expect(events == [Got(9, .raised, "low", "0.1", "Outlet pressure 0.1 MPa below 0.15 MPa for 5 s")])
    }

    @Test func anActiveAlarmIsRepeatedEveryRealarmInterval() throws {
        // Polls are sparse here: commLoss is off so that only the re-alarm shows.
        let engine = try makeEngine(rules: ["outlet_pressure": #"[{ kind: "high", limit: 0.6, realarm: "5m" }]"#],
                                    overrides: #"[{ rule: "commLoss", enabled: false }]"#)
        var events = feed(engine, [(0, 0.7)])
        events += engine.tick(now: at(299)).map { Got($0) }
        events += engine.tick(now: at(300)).map { Got($0) }
        events += feed(engine, [(400, 0.75)])
        events += engine.tick(now: at(600)).map { Got($0) }
        events += feed(engine, [(601, 0.5)])
        events += engine.tick(now: at(900)).map { Got($0) }
        #expect(events == [
            Got(0, .raised, "high", "0.7", "Outlet pressure 0.7 MPa above 0.6 MPa"),
            Got(300, .raised, "high", "0.7", "Outlet pressure 0.7 MPa above 0.6 MPa (still active after 5 min)"),
            Got(600, .raised, "high", "0.75", "Outlet pressure 0.7 MPa above 0.6 MPa (still active after 10 min)"),
            Got(601, .cleared, "high", "0.5", "Outlet pressure back to 0.5 MPa (high limit 0.6 MPa)"),
        ])
    }
}

struct RestartTests {
    static func seeded(_ rule: String, point: String = "outlet_pressure", at time: Double = -100) -> AlarmEvent {
        AlarmEvent(station: "FT-0412", device: "ctrl1", point: point, rule: rule, severity: .major, state: .raised,
                   value: 0.7, limit: 0.6, time: at(time), message: "Outlet pressure 0.7 MPa above 0.6 MPa")
    }

    @Test func aSeededAlarmThatStillHoldsIsNotRaisedAgain() throws {
        let engine = try makeEngine(rules: ["outlet_pressure": #"[{ kind: "high", limit: 0.6 }]"#], seeded: [Self.seeded("high")])
        #expect(engine.activeAlarms == [Self.seeded("high")])
        let events = feed(engine, [(0, nil), (1, 0.7), (2, 0.8), (3, 0.5)])
        #expect(events == [Got(3, .cleared, "high", "0.5", "Outlet pressure back to 0.5 MPa (high limit 0.6 MPa)")])
    }

    @Test func aSeededAlarmClearedWhileDownClearsAtTheFirstGoodReading() throws {
        // The off-delay cannot be known across the restart: the first good reading decides.
        let engine = try makeEngine(rules: ["outlet_pressure": #"[{ kind: "high", limit: 0.6, offDelay: "30s" }]"#],
                                    seeded: [Self.seeded("high")])
        let events = feed(engine, [(0, nil), (1, 0.5), (2, 0.5)])
        #expect(events == [Got(1, .cleared, "high", "0.5", "Outlet pressure back to 0.5 MPa (high limit 0.6 MPa)")])
        #expect(engine.activeAlarms.isEmpty)
    }

    @Test func aSeededAlarmInTheDeadbandStaysActive() throws {
        let engine = try makeEngine(rules: ["outlet_pressure": #"[{ kind: "high", limit: 0.6, deadband: 0.05 }]"#],
                                    seeded: [Self.seeded("high")])
        let events = feed(engine, [(0, 0.58), (1, 0.54)])
        #expect(events == [Got(1, .cleared, "high", "0.54", "Outlet pressure back to 0.54 MPa (high limit 0.6 MPa)")])
    }

    @Test func aSeededAlarmWhoseRuleIsGoneIsCleared() throws {
        let engine = try makeEngine(rules: ["outlet_pressure": #"[{ kind: "high", limit: 0.6 }]"#],
                                    seeded: [Self.seeded("removed"), Self.seeded("high", point: "other", at: -5)])
        let events = engine.tick(now: at(0)).map { Got($0) }
        #expect(events == [
            Got(0, .cleared, "removed", nil, "Cleared: the rule is no longer configured (was: Outlet pressure 0.7 MPa above 0.6 MPa)"),
            Got(0, .cleared, "high", nil, "Cleared: the rule is no longer configured (was: Outlet pressure 0.7 MPa above 0.6 MPa)"),
        ])
        #expect(engine.tick(now: at(1)).isEmpty)
    }

    @Test func seededAlarmsOfOtherDevicesAndClearedEventsAreIgnored() throws {
        var other = Self.seeded("high")
        other.device = "ctrl2"
        var cleared = Self.seeded("high")
        cleared.state = .cleared
        let engine = try makeEngine(rules: ["outlet_pressure": #"[{ kind: "high", limit: 0.6 }]"#], seeded: [other, cleared])
        #expect(engine.activeAlarms.isEmpty)
        #expect(feed(engine, [(0, 0.7)]).map(\.state) == [.raised])
    }

    @Test func realarmOfASeededAlarmCountsFromItsRaise() throws {
        let engine = try makeEngine(rules: ["outlet_pressure": #"[{ kind: "high", limit: 0.6, realarm: "10m" }]"#],
                                    seeded: [Self.seeded("high", at: -500)])
        #expect(engine.tick(now: at(99)).isEmpty)
        #expect(engine.tick(now: at(100)).map { Got($0) } == [
            Got(100, .raised, "high", "0.7", "Outlet pressure 0.7 MPa above 0.6 MPa (still active after 10 min)"),
        ])
    }
}
