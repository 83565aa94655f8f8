// instability: pressure that wavers. Peak-to-peak (max - min) or population
// standard deviation of the good readings in the last `window`, judged once
// the rule has watched a whole window.

import Foundation
import Decoding
import Telemetry

struct InstabilityEvaluator: ConditionEvaluator {
    let condition: InstabilityCondition
    private var readings: [(time: Date, value: Double)] = []
    /// First reading since start or reset: a full window must pass before judging.
    private var watchingSince: Date?

    init(condition: InstabilityCondition) {
        self.condition = condition
    }

    mutating func observe(_ value: Value, at time: Date) -> Verdict {
        guard let number = value.number else { return .unknown }
        let start = time.adding(.zero - condition.window)
        readings.append((time, number))
        readings.removeAll { $0.time < start }
        let since = watchingSince ?? time
        watchingSince = since
        guard since <= start else { return .unknown }

        let values = readings.map(\.value)
        let spread = (values.max() ?? number) - (values.min() ?? number)
        let mean = values.reduce(0, +) / Double(values.count)
        let deviation = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()

        let peak = condition.peakToPeak.map { (measure: spread, limit: $0, aspect: "peak to peak") }
        let sigma = condition.stddev.map { (measure: deviation, limit: $0, aspect: "standard deviation") }
        let measures = [peak, sigma].compactMap { $0 }
        func observation(_ entry: (measure: Double, limit: Double, aspect: String)) -> Observation {
            Observation(value: entry.measure, limit: entry.limit, shown: .figure(entry.measure), aspect: entry.aspect)
        }
        if let exceeded = measures.first(where: { $0.measure > $0.limit }) { return .alarm(observation(exceeded)) }
        guard let first = measures.first else { return .unknown }
        let allClear = measures.allSatisfy { $0.measure < $0.limit - condition.deadband }
        return allClear ? .normal(observation(first)) : .deadband(observation(first))
    }

    mutating func reset() {
        readings.removeAll()
        watchingSince = nil
    }
}
