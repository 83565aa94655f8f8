// The gateway config's per-device rule overrides: changing a limit or a
// severity, disabling a rule, adding one, configuring commLoss, and every
// problem reported at its path in the config file.

import Foundation
import Testing
import Profiles
@testable import Rules

struct RuleOverrideTests {
    static let profileRules = #"[{ kind: "high", limit: 0.6, deadband: 0.02 }, { kind: "low", limit: 0.15 }]"#

    func resolve(_ overrides: String) throws -> RuleResolution {
        let profile = try testProfile(rules: ["outlet_pressure": Self.profileRules])
        return RuleResolver.resolve(profile: profile, profileFile: "test-booster.json5", overrides: try jsonList(overrides),
                                    overridesFile: "gateway.json5", overridesPath: "stations[1].devices[2]")
    }

    @Test func aLimitAndASeverityAreReplaced() throws {
        let resolution = try resolve(#"[{ point: "outlet_pressure", rule: "high", limit: 0.65, severity: "critical" }]"#)
        #expect(resolution.problems == [])
        #expect(resolution.rules.rules.first == AlarmRule(id: "high", point: "outlet_pressure", unit: "MPa",
                                                          condition: .limit(LimitCondition(kind: .high, limit: 0.65, deadband: 0.02)),
                                                          severity: .critical))
    }

    @Test func aRuleIsDisabled() throws {
        let resolution = try resolve(#"[{ point: "outlet_pressure", rule: "low", enabled: false }]"#)
        #expect(resolution.problems == [])
        #expect(resolution.rules.rules.map(\.id) == ["high"])
    }

    @Test func aRuleIsAddedWithItsKind() throws {
        let resolution = try resolve(#"[{ point: "flow", rule: "leak", kind: "nightFlow", limit: 1.5 }]"#)
        #expect(resolution.problems == [])
        #expect(resolution.rules.rules.map { "\($0.point)/\($0.id)/\($0.kind)" } == ["outlet_pressure/high/high", "outlet_pressure/low/low", "flow/leak/nightFlow"])
    }

    @Test func commLossIsOnByDefaultAndConfiguredPerDevice() throws {
        #expect(try resolve("[]").rules.commLoss == CommLossRule(intervals: 3, severity: .major))
        let configured = try resolve(#"[{ rule: "commLoss", intervals: 5, severity: "critical", realarm: "1h" }]"#)
        #expect(configured.problems == [])
        #expect(configured.rules.commLoss == CommLossRule(intervals: 5, severity: .critical, realarm: .seconds(3600)))
        #expect(try resolve(#"[{ rule: "commLoss", enabled: false }]"#).rules.commLoss == nil)
    }

    @Test func anOverriddenRuleStillAlarms() throws {
        let engine = try makeEngine(rules: ["outlet_pressure": Self.profileRules],
                                    overrides: #"[{ point: "outlet_pressure", rule: "high", limit: 0.65, delay: "5s" }]"#)
        #expect(feed(engine, [(0, 0.62), (1, 0.7), (6, 0.7)]) == [
            Got(6, .raised, "high", "0.7", "Outlet pressure 0.7 MPa above 0.65 MPa for 5 s"),
        ])
    }

    static let path = "gateway.json5: stations[1].devices[2].rules[0]"
    static let cases: [(String, [String])] = [
        (#"[{ point: "outlet_presure", rule: "high", limit: 0.7 }]"#,
         ["\(path).point: no point named 'outlet_presure' in profile test-booster (did you mean 'outlet_pressure'?)"]),
        (#"[{ point: "outlet_pressure", rule: "hihg", limit: 0.7 }]"#,
         ["\(path).rule: outlet_pressure has no rule 'hihg' (did you mean 'high'?) (its rules: high, low); to add one, give its kind"]),
        (#"[{ point: "flow", rule: "high", limit: 7 }]"#,
         ["\(path).rule: flow has no rule 'high' (it has none); to add one, give its kind"]),
        (#"[{ point: "outlet_pressure", limit: 0.7 }]"#,
         [#"\#(path).rule: missing rule: the id of the rule to change (its kind unless it has an id), or "commLoss""#]),
        (#"[{ rule: "high", limit: 0.7 }]"#,
         ["\(path).point: missing point: the point whose rule 'high' to change (only commLoss is device-level)"]),
        (#"[ "high" ]"#,
         [#"\#(path): an override must be an object such as { point: "outlet_pressure", rule: "high", limit: 0.65 }"#]),
        (#"[{ point: "outlet_pressure", rule: "high", limit: "0.7" }]"#,
         [#"\#(path).limit: must be a number, not "0.7""#]),
        (#"[{ point: "outlet_pressure", rule: "high", limt: 0.7 }]"#,
         ["\(path).limt: unknown key 'limt' for a high rule (did you mean 'limit'?); it may have: boost, deadband, delay, enabled, id, kind, limit, message, offDelay, realarm, severity, when"]),
        (#"[{ point: "outlet_pressure", rule: "low", limit: 0.7 }]"#,
         ["\(path).limit: low limit 0.7 is not below the high limit 0.6 (points[0].rules[0]); a low limit must be below a high limit"]),
        (#"[{ point: "outlet_pressure", rule: "high", severity: "red" }]"#,
         ["\(path).severity: 'red' is not a severity: use critical (red), major (orange), minor (yellow) or warning (blue)"]),
        (#"[{ point: "outlet_pressure", rule: "low", enabled: "no" }]"#,
         [#"\#(path).enabled: must be true or false, not "no""#]),
        (#"[{ rule: "commLoss", interval: 5 }]"#,
         ["\(path).interval: unknown key 'interval' for commLoss (did you mean 'intervals'?); it may have: enabled, intervals, message, realarm, severity"]),
        (#"[{ rule: "commLoss", intervals: 2.5 }]"#,
         ["\(path).intervals: must be a whole number of poll intervals, not 2.5"]),
        (#"[{ point: "mode", rule: "manual", kind: "state", equals: "Manual" }]"#,
         ["\(path).equals: 'Manual' is not one of mode's labels (auto, manual) (did you mean 'manual'?)"]),
    ]

    @Test(arguments: cases)
    func badOverride(overrides: String, expected: [String]) throws {
        #expect(try resolve(overrides).problems.map(\.description) == expected)
    }

    @Test func problemsInOverridesLeaveOutTheProfilesOwn() throws {
        let profile = try testProfile(rules: ["outlet_pressure": #"[{ kind: "high", limt: 0.6 }]"#])
        #expect(RuleValidator.problems(in: profile, file: "test-booster.json5").count == 2)
        let overrides = try jsonList(#"[{ point: "inlet_pressure", rule: "low", limit: 0.1 }]"#)
        let problems = RuleValidator.problems(inOverrides: overrides, file: "gateway.json5", path: "stations[0].devices[0]",
                                              profile: profile, profileFile: "test-booster.json5")
        #expect(problems.map(\.description) == [
            "gateway.json5: stations[0].devices[0].rules[0].rule: inlet_pressure has no rule 'low' (it has none); to add one, give its kind",
        ])
    }
}
