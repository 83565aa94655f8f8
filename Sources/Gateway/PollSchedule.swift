// Fixed-rate scheduling: cycle k of a device starts at start + k × interval.
// A cycle that cannot start on time (the previous poll overran, the machine
// stalled) is skipped and counted, never bursted to catch up. A boost
// retimes the schedule: the new interval's grid starts at the switch.

public struct PollSchedule: Sendable, Equatable {
    /// When cycle 0 is due, in monotonic nanoseconds.
    public private(set) var start: UInt64
    public private(set) var interval: UInt64
    /// The next cycle to run.
    public private(set) var nextCycle: UInt64 = 0
    /// Cycles that could not start on time.
    public private(set) var skipped: UInt64 = 0

    public init(start: UInt64, interval: Duration) {
        self.start = start
        self.interval = max(1, Self.nanoseconds(interval))
    }

    /// When the next cycle is due.
    public var nextDue: UInt64 { start &+ nextCycle &* interval }

    /// Called when a poll is about to begin at `now` (at or after `nextDue`):
    /// returns the cycle to run and its lateness in nanoseconds. Cycles whose
    /// successor is already due are skipped: only the newest due cycle runs.
    public mutating func begin(now: UInt64) -> (cycle: UInt64, lateness: UInt64) {
        var cycle = nextCycle
        if now > start {
            let newestDue = (now - start) / interval
            if newestDue > cycle {
                skipped += newestDue - cycle
                cycle = newestDue
            }
        }
        nextCycle = cycle + 1
        let due = start &+ cycle &* interval
        return (cycle, now > due ? now - due : 0)
    }

    /// Switches to `interval` at `now` (a boost starts or ends): the new
    /// grid starts at the switch, so cycle 0 of it is due at once and the
    /// old grid's missed cycles are neither run nor counted as skipped.
    public mutating func retime(to interval: Duration, at now: UInt64) {
        start = now
        self.interval = max(1, Self.nanoseconds(interval))
        nextCycle = 0
    }

    static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }
}
