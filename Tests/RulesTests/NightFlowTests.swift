// The nightFlow rule: the minimum flow inside a daily local-time window,
// judged once when the window ends; windows across midnight, in Asia/Shanghai
// and in Europe/Berlin across both DST changes.

import Foundation
import Testing
import Decoding
@testable import Rules
import Telemetry

struct NightFlowTests {
    func run(_ rule: String, _ steps: [(String, Double?)], origin: String) throws -> [Got] {
        let engine = try makeEngine(rules: ["flow": rule], overrides: #"[{ rule: "commLoss", enabled: false }]"#)
        let origin = utc(origin)
        return steps.flatMap { step -> [AlarmEvent] in
            guard let value = step.1 else { return engine.tick(now: utc(step.0)) }
            return engine.evaluate(sample(utc(step.0), ["flow": number(value)]))
        }.map { Got($0, from: origin) }
    }

    @Test func shanghaiDefaultWindowRaisesOnceAndClearsAfterAQuietNight() throws {
        // 02:00-04:00 in Shanghai (UTC+8) is 18:00-20:00 UTC the day before. nil: a tick.
        let steps: [(String, Double?)] = [
            ("2026-11-25T17:30:00Z", 0.5),   // 01:30 local: before the window
            ("2026-11-25T18:00:00Z", 3.0),
            ("2026-11-25T19:00:00Z", 2.5),
            ("2026-11-25T19:59:00Z", 2.4),
            ("2026-11-25T20:00:00Z", nil),   // 04:00: the window ends, minimum 2.4 > 2
            ("2026-11-25T20:30:00Z", 0.2),   // daytime: nothing
            ("2026-11-26T18:30:00Z", 1.5),   // next night
            ("2026-11-26T19:30:00Z", 1.8),
            ("2026-11-26T20:05:00Z", 6.0),   // the first reading after the window ends it: minimum 1.5
        ]
        let events = try run(#"[{ kind: "nightFlow", limit: 2 }]"#, steps, origin: "2026-11-25T18:00:00Z")
        #expect(events == [
            Got(7200, .raised, "nightFlow", "2.4", "Flow night minimum 2.4 m3/h above 2 m3/h between 02:00 and 04:00 (Asia/Shanghai): leak suspected"),
            Got(93900, .cleared, "nightFlow", "1.5", "Flow night minimum 1.5 m3/h within 2 m3/h between 02:00 and 04:00 (Asia/Shanghai)"),
        ])
    }

    @Test func aWindowAcrossMidnight() throws {
        // 23:00-01:00 Shanghai = 15:00-17:00 UTC.
        let steps: [(String, Double?)] = [
            ("2026-11-25T14:59:00Z", 0.1),
            ("2026-11-25T15:30:00Z", 3.0),   // 23:30 on the 25th
            ("2026-11-25T16:30:00Z", 2.5),   // 00:30 on the 26th
            ("2026-11-25T16:59:59Z", nil),
            ("2026-11-25T17:00:00Z", nil),
            ("2026-11-25T18:00:00Z", nil),
        ]
        let events = try run(#"[{ kind: "nightFlow", limit: 2, from: "23:00", to: "01:00", id: "leak", severity: "major" }]"#,
                             steps, origin: "2026-11-25T15:00:00Z")
        #expect(events == [
            Got(7200, .raised, "leak", "2.5", "Flow night minimum 2.5 m3/h above 2 m3/h between 23:00 and 01:00 (Asia/Shanghai): leak suspected"),
        ])
    }

    @Test func aWindowWithoutReadingsDecidesNothing() throws {
        let steps: [(String, Double?)] = [("2026-11-25T17:00:00Z", 5), ("2026-11-25T20:00:00Z", nil), ("2026-11-25T21:00:00Z", 5)]
        #expect(try run(#"[{ kind: "nightFlow", limit: 2 }]"#, steps, origin: "2026-11-25T18:00:00Z") == [])
    }

    @Test func berlinSpringForwardSkipsTwoOClock() throws {
        // 2026-03-29: 02:00 CET becomes 03:00 CEST. The window 02:00-04:00 starts at the first
        // valid time, 03:00 CEST (01:00 UTC), and ends 04:00 CEST (02:00 UTC): one hour.
        let steps: [(String, Double?)] = [
            ("2026-03-29T00:30:00Z", 0.5),   // 01:30 CET: before the window
            ("2026-03-29T01:30:00Z", 3.0),   // 03:30 CEST: inside
            ("2026-03-29T02:30:00Z", 1.0),   // 04:30 CEST: after; ends the window
        ]
        let events = try run(#"[{ kind: "nightFlow", limit: 2, timeZone: "Europe/Berlin" }]"#, steps, origin: "2026-03-29T00:00:00Z")
        #expect(events == [
            Got(9000, .raised, "nightFlow", "3", "Flow night minimum 3 m3/h above 2 m3/h between 02:00 and 04:00 (Europe/Berlin): leak suspected"),
        ])
    }

    @Test func berlinFallBackHasALongerWindow() throws {
        // 2026-10-25: 03:00 CEST becomes 02:00 CET. 02:00 CEST is 00:00 UTC, 04:00 CET is 03:00 UTC.
        let steps: [(String, Double?)] = [
            ("2026-10-24T23:45:00Z", 0.5),   // 01:45 CEST: before
            ("2026-10-25T00:15:00Z", 3.0),   // 02:15 CEST: inside
            ("2026-10-25T02:30:00Z", 2.8),   // 03:30 CET: inside
            ("2026-10-25T02:59:00Z", nil),
            ("2026-10-25T03:00:00Z", nil),   // 04:00 CET: ends
        ]
        let events = try run(#"[{ kind: "nightFlow", limit: 2, timeZone: "Europe/Berlin" }]"#, steps, origin: "2026-10-25T00:00:00Z")
        #expect(events == [
            Got(10800, .raised, "nightFlow", "2.8", "Flow night minimum 2.8 m3/h above 2 m3/h between 02:00 and 04:00 (Europe/Berlin): leak suspected"),
        ])
    }

    @Test func theSameLocalWindowInTwoZonesIsSevenHoursApart() throws {
        let shanghai = try #require(TimeZone(identifier: "Asia/Shanghai"))
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        let time = utc("2026-11-25T19:00:00Z")   // 03:00 Shanghai, 20:00 Berlin
        let night = LocalTime(hour: 2, minute: 0), morning = LocalTime(hour: 4, minute: 0)
        #expect(DailyWindow(from: night, to: morning, timeZone: shanghai).occurrence(containing: time)
                == DateInterval(start: utc("2026-11-25T18:00:00Z"), end: utc("2026-11-25T20:00:00Z")))
        #expect(DailyWindow(from: night, to: morning, timeZone: berlin).occurrence(containing: time) == nil)
        #expect(DailyWindow(from: night, to: morning, timeZone: berlin).occurrence(containing: utc("2026-11-26T01:00:00Z"))
                == DateInterval(start: utc("2026-11-26T01:00:00Z"), end: utc("2026-11-26T03:00:00Z")))
    }

    @Test func theGatewayTimeZoneIsTheDefault() throws {
        let profile = try testProfile(rules: ["flow": #"[{ kind: "nightFlow", limit: 2 }]"#])
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        let resolution = RuleResolver.resolve(profile: profile, profileFile: "p.json5", timeZone: berlin)
        guard case .nightFlow(let night)? = resolution.rules.rules.first?.condition else {
            Issue.record("no nightFlow rule")
            return
        }
        #expect(night.window.timeZone.identifier == "Europe/Berlin")
        let fallback = RuleResolver.resolve(profile: profile, profileFile: "p.json5")
        guard case .nightFlow(let defaultNight)? = fallback.rules.rules.first?.condition else { return }
        #expect(defaultNight.window == DailyWindow(from: LocalTime(hour: 2, minute: 0), to: LocalTime(hour: 4, minute: 0),
                                                    timeZone: try #require(TimeZone(identifier: "Asia/Shanghai"))))
    }
}
