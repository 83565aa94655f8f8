// One point rule at work: feeds good readings to the kind's evaluator while
// the rule's `when` holds, runs the latch, and turns transitions into events.

import Foundation
import Decoding
import Telemetry

struct RuleTracker {
    let rule: AlarmRule
    let identity: DeviceIdentity
    private var evaluator: any ConditionEvaluator
    private var latch = AlarmLatch()
    private var lastObservation: Observation?
    /// The "raised" event of the active alarm (nil when not active).
    private(set) var activeEvent: AlarmEvent?

    init(rule: AlarmRule, identity: DeviceIdentity, pollInterval: Duration) {
        self.rule = rule
        self.identity = identity
        self.evaluator = makeEvaluator(for: rule.condition, pollInterval: pollInterval)
    }

    /// Takes over an alarm that was active before a restart.
    mutating func seed(_ event: AlarmEvent) {
        latch.seed(raisedAt: event.time)
        activeEvent = event
    }

    /// One poll: `reading` of the rule's point; `gate` whether `when` holds (nil: unknown).
    mutating func process(_ reading: Reading?, gate: Bool?, at time: Date) -> [AlarmEvent] {
        var events = apply(evaluator.advance(to: time), at: time)
        switch gate {
        case false?:
            evaluator.reset()
            if latch.suppress() {
                events.append(event(.cleared, lastObservation, at: time, message: AlarmMessage.suppressed(rule)))
                activeEvent = nil
            }
        case true?:
            if let reading, reading.quality.isGood, let value = reading.value {
                events += apply(evaluator.observe(value, at: time), at: time)
            }
        case nil:
            break
        }
        return events
    }

    /// Time passing without a poll: a night window may end.
    mutating func advance(to time: Date) -> [AlarmEvent] {
        apply(evaluator.advance(to: time), at: time)
    }

    /// The active alarm once more, when its re-alarm interval has passed.
    mutating func realarm(at time: Date) -> [AlarmEvent] {
        guard let original = activeEvent, latch.realarmDue(at: time, every: rule.realarm) else { return [] }
        var repeated = original.repeated(at: time)
        repeated.severity = rule.severity
        repeated.value = lastObservation?.value ?? original.value
        return [repeated]
    }

    private mutating func apply(_ verdict: Verdict, at time: Date) -> [AlarmEvent] {
        if let observation = verdict.observation { lastObservation = observation }
        guard let transition = latch.apply(verdict, at: time, delay: rule.delay, offDelay: rule.offDelay),
              let observation = verdict.observation else { return [] }
        switch transition {
        case .raise(let heldFor):
            let raised = event(.raised, observation, at: time,
                               message: AlarmMessage.raised(rule, observation, heldFor: heldFor, at: time))
            activeEvent = raised
            return [raised]
        case .clear:
            defer { activeEvent = nil }
            return [event(.cleared, observation, at: time, message: AlarmMessage.cleared(rule, observation))]
        }
    }

    private func event(_ state: AlarmState, _ observation: Observation?, at time: Date, message: String) -> AlarmEvent {
        AlarmEvent(station: identity.station, device: identity.device, point: rule.point, rule: rule.id,
                   severity: rule.severity, state: state, value: observation?.value,
                   limit: observation?.limit ?? activeEvent?.limit, time: time, message: message)
    }
}
