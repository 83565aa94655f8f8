// Scenario tests of rateOfChange, instability, state and stale rules, and of
// the device-level commLoss rule.

import Foundation
import Testing
import Decoding
@testable import Rules
import Telemetry

struct RateOfChangeTests {
    @Test func fallingThenRising() throws {
        let engine = try makeEngine(rules: ["outlet_pressure": #"[{ kind: "rateOfChange", rising: 0.1, falling: 0.1, period: "10s" }]"#])
        let events = feed(engine, [(0, 0.45), (5, 0.45), (10, 0.44), (15, 0.30), (20, 0.30), (25, 0.30), (30, 0.30), (35, 0.45)])
        #expect(events == [
            Got(15, .raised, "rateOfChange", "-0.15", "Outlet pressure fell 0.15 MPa in 10 s (limit 0.1 MPa per 10 s)"),
            Got(25, .cleared, "rateOfChange", "0", "Outlet pressure steady again: changed 0 MPa in 10 s"),
            Got(35, .raised, "rateOfChange", "0.15", "Outlet pressure rose 0.15 MPa in 10 s (limit 0.1 MPa per 10 s)"),
        ])
    }

    @Test func theLimitOfAFallIsNegative() throws {
        let engine = try makeEngine(rules: ["outlet_pressure": #"[{ kind: "rateOfChange", falling: 0.05, period: "10s" }]"#])
        _ = engine.evaluate(sample(at(0), ["outlet_pressure": number(0.45)]))
        let events = engine.evaluate(sample(at(10), ["outlet_pressure": number(0.35)]))
        #expect(events.map(\.limit) == [-0.05])
    }

    @Test func onlyTheConfiguredDirectionRaises() throws {
        let engine = try makeEngine(rules: ["outlet_pressure": #"[{ kind: "rateOfChange", falling: 0.1, period: "10s" }]"#])
        #expect(feed(engine, [(0, 0.2), (10, 0.6), (20, 0.6)]) == [])
    }

    @Test func pollsThatDoNotLineUpAreScaledToOnePeriod() throws {
        // 12 s between readings: a fall of 0.12 is 0.1 per 10 s, not above the limit 0.1.
        let engine = try makeEngine(rules: ["outlet_pressure": #"[{ kind: "rateOfChange", falling: 0.1, period: "10s" }]"#])
        #expect(feed(engine, [(0, 0.5), (12, 0.38)]) == [])
        #expect(feed(engine, [(24, 0.2)]) == [
            Got(24, .raised, "rateOfChange", "-0.15", "Outlet pressure fell 0.15 MPa in 10 s (limit 0.1 MPa per 10 s)"),
        ])
    }

    @Test func aPeriodShorterThanThePollIntervalStillWorks() throws {
        // Polled every 5 s, judged per 1 s: a fall of 0.5 in 5 s is 0.1 per second.
        let engine = try makeEngine(rules: ["outlet_pressure": #"[{ kind: "rateOfChange", falling: 0.05, period: "1s" }]"#],
                                    interval: .seconds(5))
        #expect(feed(engine, [(0, 0.9), (5, 0.4)]) == [
            Got(5, .raised, "rateOfChange", "-0.1", "Outlet pressure fell 0.1 MPa in 1 s (limit 0.05 MPa per 1 s)"),
        ])
    }

    @Test func aGapInGoodReadingsDecidesNothing() throws {
        let engine = try makeEngine(rules: ["outlet_pressure": #"[{ kind: "rateOfChange", falling: 0.1, period: "10s" }]"#])
        // The reference 30 s back is more than two periods old.
        #expect(feed(engine, [(0, 0.5), (10, nil), (20, nil), (30, 0.1)]) == [])
    }
}

struct InstabilityTests {
    @Test func peakToPeakOverTheWindow() throws {
        let engine = try makeEngine(rules: ["outlet_pressure": #"[{ kind: "instability", window: "10s", peakToPeak: 0.05 }]"#])
        let events = feed(engine, [(0, 0.45), (2, 0.47), (4, 0.43), (6, 0.46), (8, 0.44), (10, 0.45), (12, 0.52),
                                   (14, 0.45), (16, 0.45), (18, 0.45), (20, 0.45), (22, 0.45), (24, 0.45)])
        #expect(events == [
            Got(12, .raised, "instability", "0.09", "Outlet pressure unstable: 0.09 MPa peak to peak over 10 s (limit 0.05 MPa)"),
            Got(24, .cleared, "instability", "0", "Outlet pressure stable again: 0 MPa peak to peak over 10 s"),
        ])
    }

    @Test func nothingIsJudgedBeforeAWholeWindow() throws {
        let engine = try makeEngine(rules: ["outlet_pressure": #"[{ kind: "instability", window: "10s", peakToPeak: 0.05 }]"#])
        #expect(feed(engine, [(0, 0.3), (2, 0.6), (4, 0.3), (6, 0.6), (8, 0.3)]) == [])
        #expect(feed(engine, [(10, 0.6)]).map(\.state) == [.raised])
    }

    @Test func standardDeviation() throws {
        let engine = try makeEngine(rules: ["outlet_pressure": #"[{ kind: "instability", window: "10s", stddev: 0.02, severity: "warning" }]"#])
        // At 12 s: five 0.45 and one 0.40, sd 0.0186 (below); at 14 s: four 0.45, 0.40, 0.50, sd 0.02887
        // (raised); at 24 s the 0.40 has left the window: 0.50 and five 0.45, sd 0.01863 (cleared).
        let events = feed(engine, [(0, 0.45), (2, 0.45), (4, 0.45), (6, 0.45), (8, 0.45), (10, 0.45), (12, 0.40), (14, 0.50),
                                   (16, 0.45), (18, 0.45), (20, 0.45), (22, 0.45), (24, 0.45)])
        #expect(events == [
            Got(14, .raised, "instability", "0.0288675", "Outlet pressure unstable: 0.02887 MPa standard deviation over 10 s (limit 0.02 MPa)"),
            Got(24, .cleared, "instability", "0.0186339", "Outlet pressure stable again: 0.01863 MPa standard deviation over 10 s"),
        ])
    }
}

struct StateRuleTests {
    @Test func aFaultBitWithAnOnDelay() throws {
        let engine = try makeEngine(rules: ["pump1_fault": #"[{ kind: "state", equals: true, delay: "2s", id: "fault" }]"#])
        let bits: [(Double, Bool)] = [(0, false), (1, true), (2, false), (5, true), (7, true), (8, false)]
        let events = bits.flatMap { step in
            engine.evaluate(sample(at(step.0), ["pump1_fault": .good(.bool(step.1))])).map { Got($0) }
        }
        #expect(events == [
            Got(7, .raised, "fault", "1", "Pump 1 fault is true for 2 s"),
            Got(8, .cleared, "fault", "0", "Pump 1 fault back to false"),
        ])
    }

    @Test func anEnumNotInItsNormalState() throws {
        let engine = try makeEngine(rules: ["mode": #"[{ kind: "state", notEquals: "auto", severity: "warning" }]"#])
        let modes: [(Double, Reading)] = [(0, .good(.string("auto"))), (1, .good(.string("manual"))),
                                          (2, .invalid("raw 7 is not one of the enum's values")), (3, .good(.string("auto")))]
        let events = modes.flatMap { step in engine.evaluate(sample(at(step.0), ["mode": step.1])) }
        #expect(events.map { Got($0) } == [
            Got(1, .raised, "state", nil, "Mode is manual, not auto"),
            Got(3, .cleared, "state", nil, "Mode back to auto"),
        ])
        #expect(events.first?.severity == .warning)
    }

    @Test func aNumberEqualsAValue() throws {
        let engine = try makeEngine(rules: ["flow": #"[{ kind: "state", equals: 0, id: "noFlow", message: "{name} stopped at {value} {unit}" }]"#])
        let events = feed(engine, point: "flow", [(0, 3), (1, 0), (2, 0.5)])
        #expect(events == [
            Got(1, .raised, "noFlow", "0", "Flow stopped at 0 m3/h"),
            Got(2, .cleared, "noFlow", "0.5", "Cleared: Flow stopped at 0.5 m3/h"),
        ])
    }
}

struct StaleRuleTests {
    @Test func aFrozenSensorAndItsRecovery() throws {
        let engine = try makeEngine(rules: ["outlet_pressure": #"[{ kind: "stale", duration: "30m" }]"#],
                                    overrides: #"[{ rule: "commLoss", enabled: false }]"#)
        let events = feed(engine, [(0, 0.45), (600, 0.45), (1200, nil), (1799, 0.45), (1800, 0.45), (2100, 0.45), (2400, 0.451), (2500, 0.451)])
        #expect(events == [
            Got(1800, .raised, "stale", "0.45", "Outlet pressure frozen at 0.45 MPa for 30 min: the reading has not changed at all"),
            Got(2400, .cleared, "stale", "0.451", "Outlet pressure changing again (0.451 MPa)"),
        ])
    }

    @Test func aChangeRestartsTheClock() throws {
        let engine = try makeEngine(rules: ["pump1_running": #"[{ kind: "stale", duration: "1h", severity: "warning" }]"#],
                                    overrides: #"[{ rule: "commLoss", enabled: false }]"#)
        let states: [(Double, Bool)] = [(0, true), (3000, false), (6000, false), (6600, false)]
        let events = states.flatMap { step in
            engine.evaluate(sample(at(step.0), ["pump1_running": .good(.bool(step.1))])).map { Got($0) }
        }
        #expect(events == [Got(6600, .raised, "stale", "0", "Pump 1 running frozen at false for 1 h: the reading has not changed at all")])
    }

    @Test func aSeededStaleAlarmWaitsForAChange() throws {
        let seeded = AlarmEvent(station: "FT-0412", device: "ctrl1", point: "outlet_pressure", rule: "stale", severity: .minor,
                                state: .raised, value: 0.45, limit: nil, time: at(-60), message: "frozen")
        let engine = try makeEngine(rules: ["outlet_pressure": #"[{ kind: "stale", duration: "30m" }]"#], seeded: [seeded])
        #expect(feed(engine, [(0, 0.45), (1, 0.45)]) == [])
        #expect(feed(engine, [(2, 0.46)]) == [Got(2, .cleared, "stale", "0.46", "Outlet pressure changing again (0.46 MPa)")])
    }
}

struct CommLossTests {
    func health(_ seconds: Double, failures: Int, lastGood: Double? = nil, error: String? = "timed out") -> DeviceHealth {
        DeviceHealth(identity: station, time: at(seconds), connected: failures == 0, pollMilliseconds: 12, errors: failures,
                     consecutiveFailures: failures, lastGoodPoll: lastGood.map(at), lastError: failures == 0 ? nil : error)
    }

    @Test func threeFailedPollsRaiseAndAGoodPollClears() throws {
        let engine = try makeEngine(rules: [:])
        let records = [health(0, failures: 0), health(1, failures: 1, lastGood: 0), health(2, failures: 2, lastGood: 0),
                       health(3, failures: 3, lastGood: 0), health(4, failures: 4, lastGood: 0), health(5, failures: 0)]
        let events = records.flatMap { engine.evaluate($0) }
        #expect(events.map { Got($0) } == [
            Got(3, .raised, "commLoss", nil, "Communication lost with device ctrl1 at station FT-0412: 3 polls in a row failed (allowed 3 × 1 s): timed out"),
            Got(5, .cleared, "commLoss", nil, "Communication restored with device ctrl1 at station FT-0412"),
        ])
        #expect(events.first?.point == "")
        #expect(events.first?.severity == .major)
    }

    @Test func silenceWithoutHealthRecordsRaisesOnTick() throws {
        let engine = try makeEngine(rules: [:], interval: .seconds(2))
        _ = engine.evaluate(sample(at(0), ["outlet_pressure": number(0.4)]))
        #expect(engine.tick(now: at(6)).isEmpty)
        #expect(engine.tick(now: at(7)).map { Got($0) } == [
            Got(7, .raised, "commLoss", nil, "Communication lost with device ctrl1 at station FT-0412: no good poll for 7 s (allowed 3 × 2 s)"),
        ])
        #expect(engine.tick(now: at(8)).isEmpty)
        #expect(engine.evaluate(sample(at(9), ["outlet_pressure": number(0.4)])).map(\.state) == [.cleared])
    }

    @Test func aDeviceNeverHeardOfRaisesAfterTheAllowedSilence() throws {
        let engine = try makeEngine(rules: [:])
        #expect(engine.tick(now: at(0)).isEmpty)
        #expect(engine.tick(now: at(3)).isEmpty)
        #expect(engine.tick(now: at(3.5)).map { Got($0) } == [
            Got(3.5, .raised, "commLoss", nil, "Communication lost with device ctrl1 at station FT-0412: no good poll for 3.5 s (allowed 3 × 1 s)"),
        ])
    }

    @Test func aSampleWithOnlyBadPointsIsNoGoodPoll() throws {
        let engine = try makeEngine(rules: [:])
        _ = engine.evaluate(health(1, failures: 3))
        #expect(engine.evaluate(sample(at(2), ["outlet_pressure": number(nil)])).isEmpty)
        #expect(engine.activeAlarms.map(\.rule) == ["commLoss"])
    }

    @Test func theConfigSetsIntervalsSeverityAndMessage() throws {
        let engine = try makeEngine(rules: [:], overrides: #"[{ rule: "commLoss", intervals: 5, severity: "critical", message: "{station}/{device} silent: {error}" }]"#)
        let events = (1...5).flatMap { engine.evaluate(health(Double($0), failures: $0)) }
        #expect(events.map { Got($0) } == [Got(5, .raised, "commLoss", nil, "FT-0412/ctrl1 silent: timed out")])
        #expect(events.first?.severity == .critical)
    }

    @Test func aSeededCommLossClearsOnTheFirstGoodPoll() throws {
        let seeded = AlarmEvent(station: "FT-0412", device: "ctrl1", point: "", rule: "commLoss", severity: .major,
                                state: .raised, value: nil, limit: nil, time: at(-30), message: "lost")
        let engine = try makeEngine(rules: [:], seeded: [seeded])
        #expect(engine.evaluate(health(0, failures: 4)).isEmpty)
        #expect(engine.evaluate(health(1, failures: 0)).map { Got($0) } == [
            Got(1, .cleared, "commLoss", nil, "Communication restored with device ctrl1 at station FT-0412"),
        ])
    }
}
