// A rule's `boost` key: what parses, what the engine hands back for the
// event the rule raised, and each mistake at its own key.

import Foundation
import Testing
import Profiles
@testable import Rules
import Telemetry

struct RuleBoostTests {
    @Test func parsesAndFollowsTheRaisedEvent() throws {
        let rule = #"[{ kind: "instability", window: "10s", peakToPeak: 0.02, boost: { interval: "250ms", for: "30m", scope: "station" } }]"#
        let engine = try makeEngine(rules: ["outlet_pressure": rule], overrides: #"[{ rule: "commLoss", enabled: false }]"#)
        // 0.40 and 0.45 alternate every second: peak to peak 0.05 > 0.02 once 10 s were watched.
        var raised: AlarmEvent?
        for t in 0...12 {
            let events = engine.evaluate(sample(at(Double(t)), ["outlet_pressure": number(t % 2 == 0 ? 0.40 : 0.45)]))
            raised = raised ?? events.first { $0.state == .raised }
        }
        let event = try #require(raised)
        #expect(engine.boost(for: event) == RuleBoost(interval: .milliseconds(250), duration: .seconds(1800), wholeStation: true))
    }

    @Test(arguments: [
        (#"boost: { interval: "250ms" }"#, "boost.for: missing for: a duration such as \"30m\""),
        (#"boost: { interval: "fast", for: "30m" }"#, "boost.interval: 'fast' is not a duration such as \"500ms\", \"10s\", \"5m\" or \"1h\""),
        (#"boost: { interval: "250ms", for: "30m", scope: "site" }"#, "boost.scope: 'site' is not a scope: use \"device\" (the default) or \"station\""),
        (#"boost: { interval: "250ms", for: "30m", history: "some" }"#, "boost.history: 'some' is not a history mode: use \"every\" (the default) or \"exception\""),
        (#"boost: "250ms""#, "boost: must be an object such as { interval: \"250ms\", for: \"30m\" }"),
    ])
    func mistakes(boost: String, expected: String) throws {
        let profile = try testProfile(rules: ["outlet_pressure": "[{ kind: \"high\", limit: 0.6, \(boost) }]"])
        let problems = RuleResolver.resolve(profile: profile, profileFile: "p.json5").problems.map(\.description)
        #expect(problems.contains { $0.contains(expected) }, "\(problems)")
    }
}
