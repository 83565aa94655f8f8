// rateOfChange: the change from the reading `period` ago to now (scaled to
// exactly one period when the polls do not line up) against a rising and a
// falling limit. A burst main or a pump trip shows as a sudden pressure fall.

import Foundation
import Decoding
import Telemetry

struct RateOfChangeEvaluator: ConditionEvaluator {
    let condition: RateOfChangeCondition
    /// The oldest a reference reading may be: two periods, or one period and
    /// two polls when the device is polled less often than the period.
    let maxReferenceAge: Double
    /// Good readings, oldest first: the newest one at least a period old, and all since.
    private var history: [(time: Date, value: Double)] = []

    init(condition: RateOfChangeCondition, pollInterval: Duration) {
        self.condition = condition
        self.maxReferenceAge = max(2 * condition.period.seconds, condition.period.seconds + 2 * pollInterval.seconds)
    }

    mutating func observe(_ value: Value, at time: Date) -> Verdict {
        guard let number = value.number else { return .unknown }
        history.append((time, number))
        let cutoff = time.adding(.zero - condition.period)
        if let newestOld = history.lastIndex(where: { $0.time <= cutoff }) {
            history.removeFirst(newestOld)
        }
        guard let reference = history.first, reference.time <= cutoff else { return .unknown }
        let elapsed = time.timeIntervalSince(reference.time)
        // A reference much older than a period (a gap in good readings) says little about the rate.
        guard elapsed <= maxReferenceAge else { return .unknown }
        let change = (number - reference.value) * condition.period.seconds / elapsed
        return verdict(change: change)
    }

    private func verdict(change: Double) -> Verdict {
        let rose = Observation(value: change, limit: condition.rising, shown: .figure(abs(change)), aspect: "rose")
        let fell = Observation(value: change, limit: condition.falling.map { -$0 }, shown: .figure(abs(change)), aspect: "fell")
        if let rising = condition.rising, change > rising { return .alarm(rose) }
        if let falling = condition.falling, -change > falling { return .alarm(fell) }
        let observation = change >= 0 ? rose : fell
        let belowRising = condition.rising.map { change < $0 - condition.deadband } ?? true
        let belowFalling = condition.falling.map { -change < $0 - condition.deadband } ?? true
        return belowRising && belowFalling ? .normal(observation) : .deadband(observation)
    }

    mutating func reset() {
        history.removeAll()
    }
}
