// The device-level commLoss rule: raised when no good poll came for
// `intervals` poll intervals (from the health records, or from the clock
// when no health arrives at all), cleared by the next good poll.
// It counts time, not polls: each failed poll stands for the interval it
// was polled at, so a boost to 200 ms needs 15 failed polls where 1 s
// polling needs 3, and comm loss trips after the same 3 s either way.

import Foundation
import Decoding
import Telemetry

struct CommLossMonitor {
    static let ruleId = RuleKind.commLoss.rawValue
    let rule: CommLossRule
    let identity: DeviceIdentity
    let interval: Duration
    private var latch = AlarmLatch()
    /// The last good poll, else the first time the monitor heard of the device.
    private var lastGood: Date?
    private var lastError: String?
    /// The failed polls of the current streak counted so far, and the
    /// polling time they stand for.
    private var countedFailures = 0
    private var failedTime: Duration = .zero
    private(set) var activeEvent: AlarmEvent?

    init(rule: CommLossRule, identity: DeviceIdentity, interval: Duration) {
        self.rule = rule
        self.identity = identity
        self.interval = interval
    }

    /// How long without a good poll before the alarm.
    var allowedSilence: Duration { interval * rule.intervals }

    mutating func seed(_ event: AlarmEvent) {
        latch.seed(raisedAt: event.time)
        activeEvent = event
    }

    mutating func evaluate(_ health: DeviceHealth) -> [AlarmEvent] {
        if let lastGoodPoll = health.lastGoodPoll { lastGood = max(lastGood ?? lastGoodPoll, lastGoodPoll) }
        lastError = health.lastError ?? lastError
        if health.consecutiveFailures == 0 { return goodPoll(at: health.time) }
        if lastGood == nil { lastGood = health.time }
        let polledAt = health.interval ?? interval
        countFailures(health.consecutiveFailures, polledAt: polledAt)
        var detail = "\(health.consecutiveFailures) polls in a row failed"
        if polledAt != interval { detail += " (\(AlarmMessage.duration(failedTime)) at \(AlarmMessage.duration(polledAt)) polling)" }
        let observation = Observation(value: nil, limit: nil, shown: .text(detail))
        let failing = failedTime >= allowedSilence
        return apply(failing ? .alarm(observation) : .deadband(observation), at: health.time)
    }

    /// Adds the failed polls not yet counted, each worth `polledAt`; a
    /// count that did not grow is a new streak.
    private mutating func countFailures(_ failures: Int, polledAt: Duration) {
        if failures <= countedFailures { failedTime = .zero; countedFailures = 0 }
        failedTime += polledAt * (failures - countedFailures)
        countedFailures = failures
    }

    /// A poll with at least one good point.
    mutating func goodPoll(at time: Date) -> [AlarmEvent] {
        lastGood = time
        countedFailures = 0
        failedTime = .zero
        return apply(.normal(Observation(value: nil, limit: nil, shown: .text(""))), at: time)
    }

    /// No poll reported: silence longer than the allowed one raises.
    mutating func tick(now: Date) -> [AlarmEvent] {
        guard let since = lastGood else {
            lastGood = now
            return []
        }
        let silence = now.duration(since: since)
        guard silence > allowedSilence else { return [] }
        let detail = "no good poll for \(AlarmMessage.duration(silence))"
        return apply(.alarm(Observation(value: nil, limit: nil, shown: .text(detail))), at: now)
    }

    mutating func realarm(at time: Date) -> [AlarmEvent] {
        guard let original = activeEvent, latch.realarmDue(at: time, every: rule.realarm) else { return [] }
        return [original.repeated(at: time)]
    }

    private mutating func apply(_ verdict: Verdict, at time: Date) -> [AlarmEvent] {
        guard let transition = latch.apply(verdict, at: time, delay: .zero, offDelay: .zero) else { return [] }
        let device = "device \(identity.device) at station \(identity.station)"
        switch transition {
        case .raise:
            let detail = verdict.observation?.shown.text ?? ""
            let error = lastError.map { ": \($0)" } ?? ""
            let message = rule.message.map { render($0, detail: detail) }
                ?? "Communication lost with \(device): \(detail) (allowed \(rule.intervals) × \(AlarmMessage.duration(interval)))\(error)"
            let raised = event(.raised, at: time, message: message)
            activeEvent = raised
            return [raised]
        case .clear:
            activeEvent = nil
            let message = rule.message.map { "Cleared: " + render($0, detail: "") } ?? "Communication restored with \(device)"
            return [event(.cleared, at: time, message: message)]
        }
    }

    private func render(_ template: String, detail: String) -> String {
        template
            .replacingOccurrences(of: "{device}", with: identity.device)
            .replacingOccurrences(of: "{station}", with: identity.station)
            .replacingOccurrences(of: "{detail}", with: detail)
            .replacingOccurrences(of: "{error}", with: lastError ?? "")
    }

    private func event(_ state: AlarmState, at time: Date, message: String) -> AlarmEvent {
        AlarmEvent(station: identity.station, device: identity.device, point: "", rule: Self.ruleId,
                   severity: rule.severity, state: state, value: nil, limit: nil, time: time, message: message)
    }
}
