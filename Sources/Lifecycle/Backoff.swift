// Retry delays, one rule for every part that retries (the pollers'
// reconnects, the feed sender's writes): initial × 2^(failures - 1), capped
// at a maximum, times a jitter factor so that a whole site coming back does
// not retry in lockstep.

public struct Backoff: Sendable {
    public let initial: Duration
    public let maximum: Duration
    public private(set) var failures = 0

    public init(initial: Duration = .seconds(1), maximum: Duration = .seconds(60)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The delay after the `failures`-th failure in a row (1 for the first),
    /// seconds, before jitter.
    public static func base(failures: Int, initial: Double, maximum: Double) -> Double {
        let exponent = min(max(failures - 1, 0), 30)
        return min(maximum, initial * Double(1 << exponent))
    }

    /// Records a failure and returns how long to wait before the next
    /// attempt, with ±20 % jitter; `random` in 0..<1 (injectable for tests).
    public mutating func nextDelay(random: Double = Double.random(in: 0..<1)) -> Duration {
        failures += 1
        let jittered = Self.base(failures: failures, initial: initial.seconds, maximum: maximum.seconds)
            * (0.8 + 0.4 * random)
        return .milliseconds(Int64(jittered * 1000))
    }

    public mutating func reset() { failures = 0 }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
