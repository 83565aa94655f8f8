// Rules keep their meaning when a boost polls denser: comm loss counts
// time (each failed poll stands for the interval it was polled at), and
// delays and periods were time based already. The same event polled at
// 1 s and at 200 ms must raise at the same moment.

import Foundation
import Testing
@testable import Rules
import Telemetry

@Suite("dense polling")
struct DensePollingTests {
    struct CommLossCase: Sendable, CustomStringConvertible {
        /// The interval of each failed poll, in order.
        var polls: [Duration]
        /// The failed poll (1-based) that raises, or nil when none may.
        var raisesAt: Int?
        var description: String { "\(polls.count) polls, raises at \(String(describing: raisesAt))" }
    }

    // Configured 1 s, commLoss intervals 3 (the default): 3 s of failed polling raise.
    static let commLossCases: [CommLossCase] = [
        CommLossCase(polls: Array(repeating: .seconds(1), count: 5), raisesAt: 3),            // 3 × 1 s
        CommLossCase(polls: Array(repeating: .milliseconds(200), count: 20), raisesAt: 15),   // 15 × 200 ms = 3 s, not 3 polls
        CommLossCase(polls: Array(repeating: .milliseconds(500), count: 8), raisesAt: 6),     // 6 × 500 ms
        CommLossCase(polls: Array(repeating: .milliseconds(100), count: 40), raisesAt: 30),   // 30 × 100 ms
        CommLossCase(polls: Array(repeating: .milliseconds(200), count: 14), raisesAt: nil),  // 2.8 s: not yet
        // A boost ends mid-streak: 10 × 200 ms = 2 s, then the 11th poll at 1 s makes 3 s.
        CommLossCase(polls: Array(repeating: .milliseconds(200), count: 10) + Array(repeating: .seconds(1), count: 3), raisesAt: 11),
    ]

    @Test("comm loss trips after the same time whatever the polling rate", arguments: commLossCases)
    func commLossCountsTime(_ test: CommLossCase) throws {
        let engine = try makeEngine(rules: [:])
        var time = 0.0
        var raisedAt: Int?
        for (index, interval) in test.polls.enumerated() {
            time += interval.seconds
            let health = DeviceHealth(identity: station, time: at(time), connected: false, pollMilliseconds: 5, errors: index + 1,
                                      consecutiveFailures: index + 1, lastGoodPoll: at(0), lastError: "timed out", interval: interval)
            if engine.evaluate(health).contains(where: { $0.state == .raised }), raisedAt == nil { raisedAt = index + 1 }
        }
        #expect(raisedAt == test.raisesAt)
    }

    @Test("a good poll starts a new streak")
    func goodPollResets() throws {
        let engine = try makeEngine(rules: [:])
        func failed(_ t: Double, _ count: Int) -> DeviceHealth {
            DeviceHealth(identity: station, time: at(t), connected: false, pollMilliseconds: 5, errors: count,
                         consecutiveFailures: count, lastGoodPoll: nil, lastError: "timed out", interval: .milliseconds(200))
        }
        // 14 failures (2.8 s), a good poll, then 14 more: never 3 s in a row.
        var events = (1...14).flatMap { engine.evaluate(failed(Double($0) * 0.2, $0)) }
        events += engine.evaluate(sample(at(3), ["outlet_pressure": number(0.4)]))
        events += (1...14).flatMap { engine.evaluate(failed(3 + Double($0) * 0.2, $0)) }
        #expect(events.isEmpty)
    }

    struct TimedCase: Sendable, CustomStringConvertible {
        var name: String
        var rule: String
        /// Pressure as a function of seconds since the start.
        var pressure: @Sendable (Double) -> Double
        /// When the alarm must raise, worked out by hand.
        var raisesAt: Double
        var description: String { name }
    }

    static let timedCases: [TimedCase] = [
        // Above 0.6 from t = 10: the 30 s on-delay ends at t = 40.
        TimedCase(name: "high with a 30 s on-delay", rule: #"[{ kind: "high", limit: 0.6, deadband: 0.02, delay: "30s" }]"#,
                  pressure: { $0 < 10 ? 0.5 : 0.7 }, raisesAt: 40),
        // A step down of 0.15 MPa at t = 20 is a fall of more than 0.1 per 10 s as soon as it is read.
        TimedCase(name: "rateOfChange over 10 s", rule: #"[{ kind: "rateOfChange", falling: 0.1, period: "10s" }]"#,
                  pressure: { $0 < 20 ? 0.5 : 0.35 }, raisesAt: 20),
    ]

    @Test("delays and periods are the same at 1 s and at 200 ms", arguments: timedCases)
    func timeBased(_ test: TimedCase) throws {
        for step in [1.0, 0.2] {
            let engine = try makeEngine(rules: ["outlet_pressure": test.rule], overrides: #"[{ rule: "commLoss", enabled: false }]"#)
            var raisedAt: Double?
            for index in 0...Int(60 / step) {
                let t = Double(index) * step
                let events = engine.evaluate(sample(at(t), ["outlet_pressure": number(test.pressure(t))]))
                if raisedAt == nil, events.contains(where: { $0.state == .raised }) { raisedAt = t }
            }
            let raised = try #require(raisedAt, "polling every \(step) s")
            #expect(abs(raised - test.raisesAt) < 1e-6, "polling every \(step) s raised at \(raised)")
        }
    }
}
