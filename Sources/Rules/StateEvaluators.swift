// state: a reading equals (or differs from) a value: a pump fault bit is
// true, mode is "manual". stale: a reading has not changed at all for a
// duration (a frozen sensor).

import Foundation
import Decoding
import Telemetry

struct StateEvaluator: ConditionEvaluator {
    let condition: PointCondition

    func observe(_ value: Value, at time: Date) -> Verdict {
        let limit: Double? = if case .number(let number) = condition.expected { number } else { nil }
        let observation = Observation(value: value.number, limit: limit, shown: .value(value))
        return condition.holds(for: value) ? .alarm(observation) : .normal(observation)
    }

    func reset() {}
}

struct StaleEvaluator: ConditionEvaluator {
    let condition: StaleCondition
    private var last: Value?
    private var unchangedSince: Date?

    init(condition: StaleCondition) {
        self.condition = condition
    }

    /// The first reading after start (or a restart) cannot tell whether the
    /// value moved; an unchanged value younger than the duration neither raises nor clears.
    mutating func observe(_ value: Value, at time: Date) -> Verdict {
        let changed = last != nil && last != value
        if last == nil || changed {
            last = value
            unchangedSince = time
        }
        let since = unchangedSince ?? time
        let observation = Observation(value: value.number, limit: nil, shown: .value(value), since: since)
        if changed { return .normal(observation) }
        return time.duration(since: since) >= condition.duration ? .alarm(observation) : .deadband(observation)
    }

    mutating func reset() {
        last = nil
        unchangedSince = nil
    }
}
