// How a boost reaches a poller's thread: the controller posts the intervals
// boosted devices are to be polled at, the poller's wait is woken, and at
// the top of its loop the poller retimes the schedules whose interval
// changed (PollSchedule.retime: the new grid starts at the switch).

import Dispatch
import Synchronization

/// "STATION/DEVICE" → the interval a boost asks for (absent: the configured one).
public final class BoostInbox: Sendable {
    private let intervals = Mutex<[String: Duration]>([:])
    private let generation = Atomic<UInt64>(0)

    public init() {}

    /// Replaces the boosted intervals; returns whether they changed.
    @discardableResult
    func post(_ new: [String: Duration]) -> Bool {
        let changed = intervals.withLock { current in
            defer { current = new }
            return current != new
        }
        if changed { generation.add(1, ordering: .releasing) }
        return changed
    }

    /// The boosted intervals when they changed since `seen` (updated), else nil.
    func take(since seen: inout UInt64) -> [String: Duration]? {
        let now = generation.load(ordering: .acquiring)
        guard now != seen else { return nil }
        seen = now
        return intervals.withLock { $0 }
    }

    static func key(station: String, device: String) -> String { station + "/" + device }
}

extension EndpointPoller {
    /// Posts the boosted intervals of this endpoint's devices and wakes the
    /// poller so it retimes at once (not at its next due cycle).
    public func post(boosts: [String: Duration]) {
        if inbox.post(boosts) { wakeSignal.signal() }
    }
}

extension DeviceState {
    /// Retimes the schedule when the wanted interval (the boost's, never
    /// sparser than the configured one) differs from the one it runs at, and
    /// gives the device its boost timeout, min(timeout, interval × 0.8), so a
    /// request that times out still ends before the next boosted cycle.
    mutating func applyBoost(_ boosts: [String: Duration], now: UInt64) {
        let key = BoostInbox.key(station: device.identity.station, device: device.identity.device)
        let wanted = boosts[key].map { min($0, device.interval) } ?? device.interval
        if PollSchedule.nanoseconds(wanted) != schedule.interval { schedule.retime(to: wanted, at: now) }
        if let configured = device.options.timeout {
            reader.options.timeout = wanted < device.interval
                ? BoostGuard.boostTimeout(configured, interval: wanted) : configured
        }
    }
}
