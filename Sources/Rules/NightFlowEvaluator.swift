// nightFlow: the minimum of the good readings inside a daily local-time
// window (leak suspicion). Judged once, when the window ends: minimum above
// the limit raises, at or below clears. A window without readings decides nothing.

import Foundation
import Decoding
import Telemetry

struct NightFlowEvaluator: ConditionEvaluator {
    let condition: NightFlowCondition
    private var window: DateInterval?
    private var minimum: Double?

    init(condition: NightFlowCondition) {
        self.condition = condition
    }

    mutating func observe(_ value: Value, at time: Date) -> Verdict {
        let ended = advance(to: time)
        guard let number = value.number, let occurrence = condition.window.occurrence(containing: time) else { return ended }
        if window != occurrence {
            window = occurrence
            minimum = nil
        }
        minimum = min(minimum ?? number, number)
        return ended
    }

    mutating func advance(to time: Date) -> Verdict {
        guard let current = window, time >= current.end else { return .unknown }
        window = nil
        defer { minimum = nil }
        guard let minimum else { return .unknown }
        let observation = Observation(value: minimum, limit: condition.limit, shown: .number(minimum))
        return minimum > condition.limit ? .alarm(observation) : .normal(observation)
    }

    /// Readings taken while the rule's `when` is false simply do not count.
    func reset() {}
}
