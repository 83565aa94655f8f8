// high / highHigh / low / lowLow: a limit with a deadband. A high alarm is
// raised above L and clears below L - deadband; a low alarm is raised below L
// and clears above L + deadband.

import Foundation
import Decoding
import Telemetry

struct LimitEvaluator: ConditionEvaluator {
    let condition: LimitCondition

    func observe(_ value: Value, at time: Date) -> Verdict {
        guard let number = value.number else { return .unknown }
        let observation = Observation(value: number, limit: condition.limit, shown: .number(number))
        let limit = condition.limit, deadband = condition.deadband
        if condition.isHighSide {
            if number > limit { return .alarm(observation) }
            return number < limit - deadband ? .normal(observation) : .deadband(observation)
        }
        if number < limit { return .alarm(observation) }
        return number > limit + deadband ? .normal(observation) : .deadband(observation)
    }

    func reset() {}
}
