// Pure boost logic: the arbiter (densest active request wins), the guard
// (minInterval, the boost timeout), intensive windows (days,
// midnight, DST) and the schedule's realignment. Every expected value is
// worked out by hand in the comment beside it.

import Foundation
@testable import Gateway
import Modbus
import Telemetry
import Profiles
import Rules
import Store
import Testing

private let t0 = Date(timeIntervalSince1970: 1_796_000_000)

private func request(_ interval: Duration, device: String? = nil, from: TimeInterval = -10, until: TimeInterval = 600,
                     source: BoostSource = .cli, station: String = "FT-0412") -> BoostRequest {
    BoostRequest(station: station, device: device, interval: interval, from: t0 + from, until: t0 + until, source: source)
}

@Suite("BoostArbiter")
struct BoostArbiterTests {
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var minInterval: Duration?
        var requests: [BoostRequest]
        var interval: Duration
        var winner: Int?
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "no request: the configured 1 s", requests: [], interval: .seconds(1), winner: nil),
        Case(name: "a station boost covers the device", requests: [request(.milliseconds(200))],
             interval: .milliseconds(200), winner: 0),
        Case(name: "densest of cli 500 ms and rule 250 ms wins",
             requests: [request(.milliseconds(500)), request(.milliseconds(250), device: "booster", source: .rule("FT-0412/booster/outlet_pressure/instability"))],
             interval: .milliseconds(250), winner: 1),
        Case(name: "another device's boost does not apply", requests: [request(.milliseconds(200), device: "meter")],
             interval: .seconds(1), winner: nil),
        Case(name: "another station's boost does not apply", requests: [request(.milliseconds(200), station: "FT-0413")],
             interval: .seconds(1), winner: nil),
        Case(name: "an ended boost (until = now) no longer applies", requests: [request(.milliseconds(200), until: 0)],
             interval: .seconds(1), winner: nil),
        Case(name: "a boost that has not started does not apply", requests: [request(.milliseconds(200), from: 5)],
             interval: .seconds(1), winner: nil),
        Case(name: "a boost sparser than configured changes nothing", requests: [request(.seconds(2))],
             interval: .seconds(1), winner: nil),
        Case(name: "minInterval 500 ms floors a 200 ms boost", minInterval: .milliseconds(500),
             requests: [request(.milliseconds(200))], interval: .milliseconds(500), winner: 0),
        Case(name: "minInterval 1 s leaves nothing to boost", minInterval: .seconds(1),
             requests: [request(.milliseconds(200))], interval: .seconds(1), winner: nil),
        Case(name: "of two equal intervals the longer lasting is reported",
             requests: [request(.milliseconds(250), until: 10), request(.milliseconds(250), until: 60)],
             interval: .milliseconds(250), winner: 1),
    ]

    @Test("decide", arguments: cases)
    func decide(_ test: Case) {
        let device = BoostedDevice(station: "FT-0412", device: "booster", configured: .seconds(1), minInterval: test.minInterval)
        let decision = BoostArbiter.decide(for: device, requests: test.requests, at: t0)
        #expect(decision.interval == test.interval)
        #expect(decision.boost == test.winner.map { test.requests[$0] })
    }

    @Test("the next change is the nearest start or end after now")
    func nextChange() {
        // Ends at +600 and +60, one starts at +5: the nearest is +5.
        let requests = [request(.milliseconds(200)), request(.milliseconds(250), from: 5, until: 60)]
        #expect(BoostArbiter.nextChange(requests: requests, after: t0) == t0 + 5)
        #expect(BoostArbiter.nextChange(requests: requests, after: t0 + 600) == nil)
    }
}

@Suite("BoostGuard")
struct BoostGuardTests {
    @Test("minInterval raises the interval, and says so in the words of the issue")
    func minIntervalNote() throws {
        let check = try BoostGuard.check(name: "FT-0412/booster", requested: .milliseconds(200),
                                         minInterval: .milliseconds(500), timeout: .milliseconds(100)).get()
        #expect(check.interval == .milliseconds(500))
        #expect(check.notes == ["FT-0412/booster: 200ms is below its minInterval of 500ms; using 500ms"])
        // min(100 ms, 500 ms × 0.8 = 400 ms) = 100 ms
        #expect(check.timeout == .milliseconds(100))
    }

    struct Case: Sendable, CustomStringConvertible {
        var requested: Duration, minInterval: Duration?, timeout: Duration
        var interval: Duration?, boostTimeout: Duration?
        var description: String { "\(requested) min \(String(describing: minInterval)) timeout \(timeout)" }
    }

    static let cases: [Case] = [
        // The configured 500 ms is not below 200 ms, but the boost timeout is: min(500, 200 × 0.8 = 160) = 160 ms
        Case(requested: .milliseconds(200), minInterval: nil, timeout: .milliseconds(500),
             interval: .milliseconds(200), boostTimeout: .milliseconds(160)),
        // min(500, 600 × 0.8 = 480) = 480 ms
        Case(requested: .milliseconds(600), minInterval: nil, timeout: .milliseconds(500),
             interval: .milliseconds(600), boostTimeout: .milliseconds(480)),
        // min(100, 250 × 0.8 = 200) = 100 ms
        Case(requested: .milliseconds(250), minInterval: nil, timeout: .milliseconds(100),
             interval: .milliseconds(250), boostTimeout: .milliseconds(100)),
        // raised to 500 ms; min(500, 500 × 0.8 = 400) = 400 ms
        Case(requested: .milliseconds(200), minInterval: .milliseconds(500), timeout: .milliseconds(500),
             interval: .milliseconds(500), boostTimeout: .milliseconds(400)),
        // 0 is never an interval
        Case(requested: .zero, minInterval: nil, timeout: .milliseconds(100), interval: nil, boostTimeout: nil),
    ]

    @Test("the interval and the boost timeout; only 0 is refused (the boost timeout keeps every request below the interval)",
          arguments: cases)
    func fit(_ test: Case) {
        switch BoostGuard.check(name: "FT-0412/booster", requested: test.requested, minInterval: test.minInterval, timeout: test.timeout) {
        case .success(let check):
            #expect(check.interval == test.interval)
            #expect(check.timeout == test.boostTimeout)
        case .failure(let refusal):
            #expect(test.interval == nil, "refused: \(refusal)")
            #expect(refusal.message == "FT-0412/booster: the interval must be more than 0")
        }
    }

    @Test("a timeout shortened by the boost is said, with both values")
    func timeoutNote() throws {
        let check = try BoostGuard.check(name: "FT-0412/booster", requested: .milliseconds(200), minInterval: nil,
                                         timeout: .milliseconds(500)).get()
        #expect(check.notes == ["FT-0412/booster: its requests time out after 160ms while boosted (80 % of 200ms; configured 500ms)"])
    }
}

@Suite("IntensiveWindow")
struct IntensiveWindowTests {
    static func utc(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    static func window(_ days: [String], _ from: String, _ to: String, zone: String) -> IntensiveWindow {
        IntensiveWindow(station: "FT-0412", weekdays: Set(days.compactMap { IntensiveWindow.dayNames[$0] }),
                        daily: DailyWindow(from: LocalTime(parsing: from)!, to: LocalTime(parsing: to)!,
                                           timeZone: TimeZone(identifier: zone)!),
                        interval: .milliseconds(250))
    }

    struct Case: Sendable, CustomStringConvertible {
        var name: String, days: [String], from: String, to: String, zone: String
        var at: String
        /// The end of the occurrence in force, nil when none is.
        var until: String?
        var description: String { name }
    }

    // 2026-12-04 is a Friday, 12-05 a Saturday, 12-07 a Monday; Shanghai is UTC+8 all year.
    // Berlin 2026: clocks go 02:00 CET -> 03:00 CEST on Sunday 29 March, and
    // 03:00 CEST -> 02:00 CET on Sunday 25 October.
    static let cases: [Case] = [
        Case(name: "Saturday 08:00 local is inside sat/sun 07-10, until 10:00 (02:00Z)",
             days: ["sat", "sun"], from: "07:00", to: "10:00", zone: "Asia/Shanghai",
             at: "2026-12-05T00:00:00Z", until: "2026-12-05T02:00:00Z"),
        Case(name: "10:00 local is the end, outside", days: ["sat", "sun"], from: "07:00", to: "10:00", zone: "Asia/Shanghai",
             at: "2026-12-05T02:00:00Z", until: nil),
        Case(name: "06:59 local is before the start", days: ["sat", "sun"], from: "07:00", to: "10:00", zone: "Asia/Shanghai",
             at: "2026-12-04T22:59:00Z", until: nil),
        Case(name: "Monday 08:00 is not a listed day", days: ["sat", "sun"], from: "07:00", to: "10:00", zone: "Asia/Shanghai",
             at: "2026-12-07T00:00:00Z", until: nil),
        Case(name: "Friday 23:00 local inside fri 22-02, until Saturday 02:00 local",
             days: ["fri"], from: "22:00", to: "02:00", zone: "Asia/Shanghai",
             at: "2026-12-04T15:00:00Z", until: "2026-12-04T18:00:00Z"),
        Case(name: "Saturday 01:00 local still belongs to Friday's window",
             days: ["fri"], from: "22:00", to: "02:00", zone: "Asia/Shanghai",
             at: "2026-12-04T17:00:00Z", until: "2026-12-04T18:00:00Z"),
        Case(name: "Saturday 23:00 local: Saturday is not listed", days: ["fri"], from: "22:00", to: "02:00", zone: "Asia/Shanghai",
             at: "2026-12-05T15:00:00Z", until: nil),
        Case(name: "Friday 01:00 local belongs to Thursday, not listed", days: ["fri"], from: "22:00", to: "02:00", zone: "Asia/Shanghai",
             at: "2026-12-03T17:00:00Z", until: nil),
        // 01:00 CET = 00:00Z, 04:00 CEST = 02:00Z: two real hours. 01:30Z is 03:30 CEST.
        Case(name: "spring forward: 01-04 local ends at 02:00Z", days: ["sun"], from: "01:00", to: "04:00", zone: "Europe/Berlin",
             at: "2026-03-29T01:30:00Z", until: "2026-03-29T02:00:00Z"),
        // 01:00 CEST = 23:00Z the day before, 04:00 CET = 03:00Z: four real hours. 02:30Z is 03:30 CET.
        Case(name: "fall back: 01-04 local ends at 03:00Z", days: ["sun"], from: "01:00", to: "04:00", zone: "Europe/Berlin",
             at: "2026-10-25T02:30:00Z", until: "2026-10-25T03:00:00Z"),
        Case(name: "fall back: it started at 23:00Z the day before", days: ["sun"], from: "01:00", to: "04:00", zone: "Europe/Berlin",
             at: "2026-10-24T23:00:00Z", until: "2026-10-25T03:00:00Z"),
    ]

    @Test("occurrence", arguments: cases)
    func occurrence(_ test: Case) {
        let window = Self.window(test.days, test.from, test.to, zone: test.zone)
        #expect(window.occurrence(containing: Self.utc(test.at))?.end == test.until.map(Self.utc))
    }

    @Test("a window with devices asks for each of them, from the schedule")
    func requests() {
        var window = Self.window(["sat"], "07:00", "10:00", zone: "Asia/Shanghai")
        window.devices = ["booster", "meter"]
        let requests = window.requests(at: Self.utc("2026-12-05T00:00:00Z"))
        #expect(requests.map(\.device) == ["booster", "meter"])
        #expect(requests.allSatisfy { $0.source == .schedule && $0.until == Self.utc("2026-12-05T02:00:00Z")
            && $0.from == Self.utc("2026-12-04T23:00:00Z") && $0.interval == .milliseconds(250) })
    }
}

@Suite("PollSchedule realignment")
struct RealignmentTests {
    let ms: UInt64 = 1_000_000

    @Test("a boost at 1.3 s starts a 200 ms grid at the switch")
    func boostStarts() {
        var schedule = PollSchedule(start: 0, interval: .seconds(1))
        _ = schedule.begin(now: 0)
        _ = schedule.begin(now: 1000 * ms)
        schedule.retime(to: .milliseconds(200), at: 1300 * ms)
        // Due at once (1.3 s), then 1.5 s, 1.7 s: the new grid, not the old one's 2 s.
        #expect(schedule.nextDue == 1300 * ms)
        let first = schedule.begin(now: 1300 * ms)
        #expect(first.lateness == 0)
        #expect(schedule.nextDue == 1500 * ms)
        _ = schedule.begin(now: 1500 * ms)
        #expect(schedule.nextDue == 1700 * ms)
        #expect(schedule.skipped == 0)
    }

    @Test("when the boost ends the 1 s grid starts at the end, with no catch-up burst")
    func boostEnds() {
        var schedule = PollSchedule(start: 0, interval: .milliseconds(200))
        for k in 0..<50 { _ = schedule.begin(now: UInt64(k) * 200 * ms) }
        // Boost ends at 10.05 s; the old 1 s grid would owe nothing, the 200 ms one 0 cycles.
        schedule.retime(to: .seconds(1), at: 10_050 * ms)
        let run = schedule.begin(now: 10_050 * ms)
        #expect(run.cycle == 0 && run.lateness == 0)
        #expect(schedule.nextDue == 11_050 * ms)
        #expect(schedule.skipped == 0)
    }

    @Test("a switch long after the last poll does not count the old grid's cycles as skipped")
    func noSkipsFromOldGrid() {
        var schedule = PollSchedule(start: 0, interval: .seconds(1))
        _ = schedule.begin(now: 0)
        schedule.retime(to: .milliseconds(100), at: 5500 * ms)
        _ = schedule.begin(now: 5500 * ms)
        #expect(schedule.skipped == 0)
        #expect(schedule.nextDue == 5600 * ms)
    }
}

@Suite("BoostService events")
struct BoostEventTests {
    @Test("a boost that begins, changes and ends is started, started again, then ended at the configured interval")
    func events() {
        let device = BoostedDevice(station: "FT-0412", device: "booster", configured: .seconds(1))
        let configured = [(device: device, timeout: Duration.milliseconds(100))]
        let cli = request(.milliseconds(500))
        let rule = request(.milliseconds(250), source: .rule("FT-0412/booster/outlet_pressure/instability"))
        let first = ["FT-0412/booster": PollingDecision(interval: .milliseconds(500), boost: cli)]
        let second = ["FT-0412/booster": PollingDecision(interval: .milliseconds(250), boost: rule)]
        let started = BoostService.events(from: [:], to: first, configured: configured, at: t0)
        #expect(started.map { "\($0.state) \($0.intervalMilliseconds) \($0.source)" } == ["started 500 cli"])
        #expect(BoostService.events(from: first, to: first, configured: configured, at: t0).isEmpty)
        let changed = BoostService.events(from: first, to: second, configured: configured, at: t0)
        #expect(changed.map { "\($0.state) \($0.intervalMilliseconds) \($0.source)" } == ["started 250 rule:FT-0412/booster/outlet_pressure/instability"])
        let ended = BoostService.events(from: second, to: [:], configured: configured, at: t0)
        #expect(ended.map { "\($0.state) \($0.intervalMilliseconds)" } == ["ended 1000"])
    }

    @Test("after a restart the same boost is resumed, a different one started, and an open one with no boost now ended")
    func resuming() {
        let booster = BoostedDevice(station: "FT-0412", device: "booster", configured: .seconds(1))
        let inlet = BoostedDevice(station: "FT-0412", device: "inlet", configured: .seconds(2))
        func event(_ state: String, _ device: String, _ ms: Int64, until: Date = t0 + 600) -> BoostEventRecord {
            BoostEventRecord(time: t0, state: state, station: "FT-0412", device: device, intervalMilliseconds: ms,
                             until: until, reason: "complaint 17", source: "cli")
        }
        // The last run left both open: booster at 200 ms, inlet at 500 ms.
        let open = ["FT-0412/booster": event("started", "booster", 200), "FT-0412/inlet": event("started", "inlet", 500)]
        // Now booster's boost is the same one (until read back from ms, 0.4 ms apart), inlet has none.
        let same = BoostService.resuming([event("started", "booster", 200, until: t0 + 600.0004)], open: open,
                                         configured: [booster, inlet], at: t0 + 5)
        #expect(same.resumed.map(\.device) == ["booster"])
        // inlet's end, at its configured 2 s (2000 ms), now.
        #expect(same.events.map { "\($0.state) \($0.device) \($0.intervalMilliseconds)" } == ["ended inlet 2000"])
        #expect(same.events.first?.time == t0 + 5)
        // A denser boost on booster is a start; inlet still ends.
        let denser = BoostService.resuming([event("started", "booster", 100)], open: open, configured: [booster, inlet], at: t0 + 5)
        #expect(denser.resumed.isEmpty)
        #expect(denser.events.map { "\($0.state) \($0.device) \($0.intervalMilliseconds)" } == ["started booster 100", "ended inlet 2000"])
        // Nothing open (a later tick): events pass as they are.
        let later = BoostService.resuming([event("started", "booster", 200)], open: [:], configured: [booster, inlet], at: t0 + 5)
        #expect(later.events.count == 1 && later.resumed.isEmpty)
    }
}

@Suite("boost timeout on the live poller")
struct BoostTimeoutTests {
    /// A device with a 500 ms timeout at 1 s, boosted to 200 ms: its requests
    /// get min(500 ms, 200 ms × 0.8) = 160 ms; when the boost ends, 500 ms again.
    @Test func boostSetsAndRestoresTheDeviceTimeout() {
        let profile = DeviceProfile(profile: "t", addressBase: 0, points: [
            Point(name: "p", register: .holding, address: 0, type: .uint16),
        ])
        var options = PollOptions()
        options.timeout = .milliseconds(500)
        let device = PolledDevice(identity: DeviceIdentity(station: "FT-0412", device: "booster", profile: "t"),
                                  profile: profile, plan: ReadPlan(profile: profile), unit: 1,
                                  interval: .seconds(1), options: options)
        // Never connected: the reader only holds the client.
        let client = ModbusClient(host: "127.0.0.1", port: 1, unit: 1, timeout: .milliseconds(500))
        var state = DeviceState(device: device, reader: DeviceReader(profile: profile, client: client, options: options),
                                schedule: PollSchedule(start: 0, interval: .seconds(1)), counterSlot: 0)
        state.applyBoost(["FT-0412/booster": .milliseconds(200)], now: 1_000_000_000)
        #expect(state.reader.options.timeout == .milliseconds(160))
        #expect(state.schedule.interval == PollSchedule.nanoseconds(.milliseconds(200)))
        state.applyBoost([:], now: 2_000_000_000)
        #expect(state.reader.options.timeout == .milliseconds(500))
        #expect(state.schedule.interval == PollSchedule.nanoseconds(.seconds(1)))
    }
}
