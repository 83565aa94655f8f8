// Parsing and validation of point rules in a profile, and of the gateway
// config's per-device overrides: every problem with its file, path and the
// message that tells the engineer what to fix.

import Foundation
import Testing
import Decoding
import Profiles
@testable import Rules

struct RuleParsingTests {
    @Test func theDesignExampleParses() throws {
        let profile = try testProfile(rules: ["outlet_pressure": #"[{ kind: "high", limit: 0.60, deadband: 0.02, delay: "10s", severity: "major" }]"#])
        let resolution = RuleResolver.resolve(profile: profile, profileFile: "p.json5")
        #expect(resolution.problems.isEmpty)
        #expect(resolution.rules == DeviceRules(rules: [
            AlarmRule(id: "high", point: "outlet_pressure", unit: "MPa",
                      condition: .limit(LimitCondition(kind: .high, limit: 0.6, deadband: 0.02)),
                      severity: .major, delay: .seconds(10)),
        ], commLoss: CommLossRule(intervals: 3, severity: .major)))
    }

    @Test func everyKeyOfEveryKindParses() throws {
        let profile = try testProfile(rules: [
            "outlet_pressure": #"""
                [{ kind: "low", id: "lowRunning", limit: 0.15, deadband: 0.01, delay: "30s", offDelay: "1m", realarm: "1h",
                   severity: "minor", message: "{name} low", when: { point: "pump1_running", equals: true } },
                 { kind: "rateOfChange", falling: 0.1, period: "10s", deadband: 0.01 },
                 { kind: "instability", window: "1m", peakToPeak: 0.05, stddev: 0.02 },
                 { kind: "stale", duration: "30m", enabled: true }]
                """#,
            "mode": #"[{ kind: "state", notEquals: "auto", when: { point: "pump1_fault", notEquals: true } }]"#,
            "flow": #"[{ kind: "nightFlow", limit: 2, from: "01:30", to: "04:00", timeZone: "Europe/Berlin" }]"#,
        ])
        let resolution = RuleResolver.resolve(profile: profile, profileFile: "p.json5")
        #expect(resolution.problems.isEmpty)
        let rules = resolution.rules.rules
        #expect(rules.map { "\($0.point)/\($0.id)/\($0.severity)" } == [
            "outlet_pressure/lowRunning/minor", "outlet_pressure/rateOfChange/major", "outlet_pressure/instability/minor",
            "outlet_pressure/stale/minor", "flow/nightFlow/minor", "mode/state/major",
        ])
        #expect(rules[0].when == PointCondition(point: "pump1_running", expected: .bool(true), equals: true))
        #expect(rules[0].offDelay == .seconds(60) && rules[0].realarm == .seconds(3600) && rules[0].message == "{name} low")
        #expect(rules[1].condition == .rateOfChange(RateOfChangeCondition(rising: nil, falling: 0.1, period: .seconds(10), deadband: 0.01)))
        #expect(rules[2].condition == .instability(InstabilityCondition(window: .seconds(60), peakToPeak: 0.05, stddev: 0.02)))
        #expect(rules[3].condition == .stale(StaleCondition(duration: .seconds(1800))))
        #expect(rules[5].condition == .state(PointCondition(point: "mode", expected: .text("auto"), equals: false)))
    }

    @Test func aRuleDisabledInTheProfileIsLeftOut() throws {
        let profile = try testProfile(rules: ["outlet_pressure": #"[{ kind: "high", limit: 0.6, enabled: false }]"#])
        #expect(RuleResolver.resolve(profile: profile, profileFile: "p.json5").rules.rules.isEmpty)
    }

    @Test(arguments: [
        ("outlet_pressure", "Outlet pressure"), ("pump1_fault", "Pump 1 fault"), ("ph", "Ph"), ("tank2_level_high", "Tank 2 level high"),
    ])
    func humanisedNames(name: String, expected: String) {
        #expect(AlarmMessage.humanise(name) == expected)
    }

    @Test(arguments: [
        (Duration.milliseconds(500), "500 ms"), (.milliseconds(1500), "1.5 s"), (.seconds(30), "30 s"), (.seconds(90), "1 min 30 s"),
        (.seconds(300), "5 min"), (.seconds(3900), "1 h 5 min"), (.seconds(7200), "2 h"),
    ])
    func durationsInMessages(duration: Duration, expected: String) {
        #expect(AlarmMessage.duration(duration) == expected)
    }
}

/// A bad rule list on one point, and every problem it must produce.
struct BadRuleCase: CustomTestStringConvertible, Sendable {
    var name: String
    var point: String
    var rules: String
    var problems: [String]

    var testDescription: String { name }
}

struct RuleValidationTests {
    static let kinds = "high, highHigh, low, lowLow, rateOfChange, instability, state, stale, nightFlow"
    static let limitKeys = "boost, deadband, delay, enabled, id, kind, limit, message, offDelay, realarm, severity, when"

    static let cases: [BadRuleCase] = [
        BadRuleCase(name: "unknown kind", point: "outlet_pressure", rules: #"[{ kind: "hihg", limit: 0.6 }]"#, problems: [
            "points[0].rules[0].kind: unknown kind 'hihg' (did you mean 'high'?); kinds: \(kinds)"]),
        BadRuleCase(name: "missing kind", point: "outlet_pressure", rules: #"[{ limit: 0.6 }]"#, problems: [
            "points[0].rules[0]: a rule needs a kind: one of \(kinds)"]),
        BadRuleCase(name: "not an object", point: "outlet_pressure", rules: #"["high"]"#, problems: [
            #"points[0].rules[0]: a rule must be an object such as { kind: "high", limit: 0.6, deadband: 0.02, delay: "10s" }"#]),
        BadRuleCase(name: "typo in a key", point: "outlet_pressure", rules: #"[{ kind: "high", limt: 0.6 }]"#, problems: [
            "points[0].rules[0].limt: unknown key 'limt' for a high rule (did you mean 'limit'?); it may have: \(limitKeys)",
            "points[0].rules[0].limit: missing limit: write it in the point's unit, e.g. limit: 0.6"]),
        BadRuleCase(name: "missing limit", point: "inlet_pressure", rules: #"[{ kind: "low", delay: "5s" }]"#, problems: [
            "points[1].rules[0].limit: missing limit: write it in the point's unit, e.g. limit: 0.6"]),
        BadRuleCase(name: "limit not a number", point: "outlet_pressure", rules: #"[{ kind: "high", limit: "0.6" }]"#, problems: [
            #"points[0].rules[0].limit: must be a number, not "0.6""#]),
        BadRuleCase(name: "negative deadband", point: "outlet_pressure", rules: #"[{ kind: "high", limit: 0.6, deadband: -0.01 }]"#, problems: [
            "points[0].rules[0].deadband: must be 0 or more, not -0.01"]),
        BadRuleCase(name: "deadband wider than the band", point: "outlet_pressure",
                    rules: #"[{ kind: "low", limit: 0.2 }, { kind: "high", limit: 0.6, deadband: 0.5 }]"#, problems: [
            "points[0].rules[1].deadband: deadband 0.5 does not fit the band 0.2-0.6 between low and high: the high alarm would clear only below the low limit; use less than 0.4"]),
        BadRuleCase(name: "low deadband reaching the high limit", point: "outlet_pressure",
                    rules: #"[{ kind: "low", limit: 0.2, deadband: 0.4 }, { kind: "highHigh", limit: 0.6 }]"#, problems: [
            "points[0].rules[0].deadband: deadband 0.4 does not fit the band 0.2-0.6 between low and highHigh: the low alarm would clear only above the highHigh limit; use less than 0.4"]),
        BadRuleCase(name: "low above high", point: "outlet_pressure",
                    rules: #"[{ kind: "high", limit: 0.3 }, { kind: "low", limit: 0.5 }]"#, problems: [
            "points[0].rules[1].limit: low limit 0.5 is not below the high limit 0.3 (points[0].rules[0]); a low limit must be below a high limit"]),
        BadRuleCase(name: "lowLow above low", point: "outlet_pressure",
                    rules: #"[{ kind: "low", limit: 0.2 }, { kind: "lowLow", limit: 0.25 }]"#, problems: [
            "points[0].rules[1].limit: lowLow limit 0.25 is above the low limit 0.2 (points[0].rules[0]); lowLow must be at or below low"]),
        BadRuleCase(name: "high above highHigh", point: "outlet_pressure",
                    rules: #"[{ kind: "highHigh", limit: 0.7 }, { kind: "high", limit: 0.8 }]"#, problems: [
            "points[0].rules[1].limit: high limit 0.8 is above the highHigh limit 0.7 (points[0].rules[0]); high must be at or below highHigh"]),
        BadRuleCase(name: "bad durations", point: "outlet_pressure",
                    rules: #"[{ kind: "high", limit: 0.6, delay: "10 sec", offDelay: 10, realarm: "0s" }]"#, problems: [
            #"points[0].rules[0].realarm: must be longer than 0"#,
            #"points[0].rules[0].delay: '10 sec' is not a duration such as "500ms", "10s", "5m" or "1h""#,
            "points[0].rules[0].offDelay: must be a string, not 10"]),
        BadRuleCase(name: "when names a missing point", point: "outlet_pressure",
                    rules: #"[{ kind: "low", limit: 0.15, when: { point: "pump_running", equals: true } }]"#, problems: [
            "points[0].rules[0].when.point: no point named 'pump_running' in profile test-booster (did you mean 'pump1_running'?)"]),
        BadRuleCase(name: "when without equals", point: "outlet_pressure",
                    rules: #"[{ kind: "low", limit: 0.15, when: { point: "pump1_running", equal: true } }]"#, problems: [
            "points[0].rules[0].when.equal: unknown key 'equal' in when (did you mean 'equals'?); it may have: point, equals, notEquals",
            "points[0].rules[0].when: when needs equals or notEquals, e.g. equals: true"]),
        BadRuleCase(name: "when compares a bit with a number", point: "outlet_pressure",
                    rules: #"[{ kind: "low", limit: 0.15, when: { point: "pump1_running", equals: 1 } }]"#, problems: [
            "points[0].rules[0].when.equals: pump1_running is a bits point: compare it with true or false, not 1"]),
        BadRuleCase(name: "duplicate ids", point: "outlet_pressure",
                    rules: #"[{ kind: "high", limit: 0.6 }, { kind: "high", limit: 0.7 }]"#, problems: [
            #"points[0].rules[1].id: duplicate rule id 'high' on outlet_pressure (first at points[0].rules[0]); give one of them an id, e.g. id: "high2""#]),
        BadRuleCase(name: "unknown severity", point: "outlet_pressure", rules: #"[{ kind: "high", limit: 0.6, severity: "urgent" }]"#, problems: [
            "points[0].rules[0].severity: 'urgent' is not a severity: use critical (red), major (orange), minor (yellow) or warning (blue)"]),
        BadRuleCase(name: "high on an enum", point: "mode", rules: #"[{ kind: "high", limit: 1 }]"#, problems: [
            "points[5].rules[0].kind: a high rule needs a numeric point, but mode is enum; use kind state (equals / notEquals) or stale"]),
        BadRuleCase(name: "rate of change on a bit", point: "pump1_fault", rules: #"[{ kind: "rateOfChange", rising: 1, period: "1s" }]"#, problems: [
            "points[4].rules[0].kind: a rateOfChange rule needs a numeric point, but pump1_fault is bits; use kind state (equals / notEquals) or stale"]),
        BadRuleCase(name: "state with a label the enum lacks", point: "mode", rules: #"[{ kind: "state", equals: "manul" }]"#, problems: [
            "points[5].rules[0].equals: 'manul' is not one of mode's labels (auto, manual) (did you mean 'manual'?)"]),
        BadRuleCase(name: "state with both comparisons", point: "pump1_fault", rules: #"[{ kind: "state", equals: true, notEquals: false }]"#, problems: [
            "points[4].rules[0].notEquals: give equals or notEquals, not both"]),
        BadRuleCase(name: "commLoss on a point", point: "outlet_pressure", rules: #"[{ kind: "commLoss" }]"#, problems: [
            #"points[0].rules[0].kind: commLoss is a device-level rule: set it in the gateway config's device rules, e.g. { rule: "commLoss", intervals: 3 }"#]),
        BadRuleCase(name: "rate of change without a limit", point: "outlet_pressure", rules: #"[{ kind: "rateOfChange", period: "10s" }]"#, problems: [
            "points[0].rules[0]: a rateOfChange rule needs rising and/or falling: the largest change per period, e.g. falling: 0.1"]),
        BadRuleCase(name: "instability without a window", point: "outlet_pressure", rules: #"[{ kind: "instability", peakToPeak: 0 }]"#, problems: [
            #"points[0].rules[0].window: missing window: a duration such as "1m""#,
            "points[0].rules[0].peakToPeak: must be more than 0, not 0"]),
        BadRuleCase(name: "rate deadband as large as its limit", point: "outlet_pressure",
                    rules: #"[{ kind: "rateOfChange", rising: 0.2, falling: 0.1, period: "10s", deadband: 0.1 }]"#, problems: [
            "points[0].rules[0].deadband: deadband 0.1 must be less than the limit 0.1, or the alarm could never clear"]),
        BadRuleCase(name: "stale without a duration", point: "outlet_pressure", rules: #"[{ kind: "stale", deadband: 1 }]"#, problems: [
            "points[0].rules[0].deadband: unknown key 'deadband' for a stale rule; it may have: boost, duration, enabled, id, kind, message, realarm, severity, when",
            #"points[0].rules[0].duration: missing duration: a duration such as "30m""#]),
        BadRuleCase(name: "night window with bad times and zone", point: "flow",
                    rules: #"[{ kind: "nightFlow", limit: 2, from: "2am", to: "24:00", timeZone: "China/Beijing" }]"#, problems: [
            #"points[2].rules[0].from: '2am' is not a local time HH:MM such as "02:00""#,
            #"points[2].rules[0].to: '24:00' is not a local time HH:MM such as "02:00""#,
            #"points[2].rules[0].timeZone: 'China/Beijing' is not an IANA time zone such as "Asia/Shanghai""#]),
        BadRuleCase(name: "empty night window", point: "flow", rules: #"[{ kind: "nightFlow", limit: 2, from: "03:00", to: "03:00" }]"#, problems: [
            "points[2].rules[0].to: the window 03:00-03:00 is empty: from and to must differ"]),
    ]

    @Test(arguments: cases)
    func badRule(_ badCase: BadRuleCase) throws {
        let profile = try testProfile(rules: [badCase.point: badCase.rules])
        let problems = RuleValidator.problems(in: profile, file: "test-booster.json5")
        #expect(problems.map(\.description) == badCase.problems.map { "test-booster.json5: " + $0 })
    }

    @Test func aGoodProfileHasNoProblems() throws {
        let profile = try testProfile(rules: [
            "outlet_pressure": #"[{ kind: "lowLow", limit: 0.1 }, { kind: "low", limit: 0.15, deadband: 0.01 }, { kind: "high", limit: 0.6, deadband: 0.02 }, { kind: "highHigh", limit: 0.8 }]"#,
        ])
        #expect(RuleValidator.problems(in: profile, file: "p.json5") == [])
    }
}
