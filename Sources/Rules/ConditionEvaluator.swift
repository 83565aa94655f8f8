// What a rule's condition says about one reading (alarm, clear, in between,
// or nothing known), and the protocol of the per-kind evaluators that keep
// whatever history their kind needs.

import Foundation
import Decoding
import Telemetry

/// A reading as a rule saw it, for the event and its message.
struct Observation: Sendable, Equatable {
    /// The event's value (the reading, a change, a spread, a night minimum).
    var value: Double?
    /// The event's limit: the one crossed or watched.
    var limit: Double?
    /// The reading as a person reads it, without unit ("0.45", "manual", "true").
    var shown: Shown
    /// A kind's detail: "rose" or "fell", "peak to peak" or "standard deviation".
    var aspect: String? = nil
    /// When the observed state began, where the evaluator knows (stale).
    var since: Date? = nil
}

/// An observation's text, made only when a message needs it: formatting a
/// number costs more than judging it, and most polls raise nothing.
enum Shown: Sendable, Equatable {
    case text(String)
    /// A reading (`Value.format`).
    case number(Double)
    /// A computed figure, to four significant digits (`AlarmMessage.figure`).
    case figure(Double)
    /// A value as it describes itself ("manual", "true").
    case value(Value)

    var text: String {
        switch self {
        case .text(let text): return text
        case .number(let number): return Value.format(number)
        case .figure(let figure): return AlarmMessage.figure(figure)
        case .value(let value): return value.description
        }
    }
}

enum Verdict: Sendable, Equatable {
    /// The alarm condition holds.
    case alarm(Observation)
    /// Neither: inside the deadband. Keeps an active alarm, stops a pending raise.
    case deadband(Observation)
    /// The clear condition holds.
    case normal(Observation)
    /// Nothing known (not enough history, no window ended).
    case unknown

    var observation: Observation? {
        switch self {
        case .alarm(let observation), .deadband(let observation), .normal(let observation): return observation
        case .unknown: return nil
        }
    }
}

/// Keeps one rule's history and judges each good reading.
protocol ConditionEvaluator: Sendable {
    /// A good reading at `time` (called only while the rule's `when` holds).
    mutating func observe(_ value: Value, at time: Date) -> Verdict
    /// Time has passed without a reading: a verdict only where time alone decides (a night window ending).
    mutating func advance(to time: Date) -> Verdict
    /// The rule's `when` became false: forget history that would span the gap.
    mutating func reset()
}

extension ConditionEvaluator {
    func advance(to time: Date) -> Verdict { .unknown }
}

extension Date {
    /// The time from `earlier` to this date, to the millisecond.
    func duration(since earlier: Date) -> Duration {
        .milliseconds(Int64((timeIntervalSince(earlier) * 1000).rounded()))
    }

    func adding(_ duration: Duration) -> Date {
        addingTimeInterval(duration.seconds)
    }
}

/// The evaluator for a rule's condition on a device polled every `pollInterval`.
func makeEvaluator(for condition: RuleCondition, pollInterval: Duration) -> any ConditionEvaluator {
    switch condition {
    case .limit(let limit): return LimitEvaluator(condition: limit)
    case .rateOfChange(let rate): return RateOfChangeEvaluator(condition: rate, pollInterval: pollInterval)
    case .instability(let instability): return InstabilityEvaluator(condition: instability)
    case .state(let state): return StateEvaluator(condition: state)
    case .stale(let stale): return StaleEvaluator(condition: stale)
    case .nightFlow(let night): return NightFlowEvaluator(condition: night)
    }
}
