// Which interval a device is polled at, given the boosts in force: the
// densest active request that covers it wins, floored at the device's
// minInterval; without one (or when the densest is no denser than the
// configured interval) the configured interval applies.

import Foundation

/// A device as the arbiter sees it.
public struct BoostedDevice: Sendable, Hashable {
    public var station: String
    public var device: String
    public var configured: Duration
    public var minInterval: Duration?

    public init(station: String, device: String, configured: Duration, minInterval: Duration? = nil) {
        self.station = station
        self.device = device
        self.configured = configured
        self.minInterval = minInterval
    }
}

/// The arbiter's verdict for one device.
public struct PollingDecision: Sendable, Equatable {
    public var interval: Duration
    /// The request that set `interval`; nil when the configured interval applies.
    public var boost: BoostRequest?

    public init(interval: Duration, boost: BoostRequest?) {
        self.interval = interval
        self.boost = boost
    }
}

public enum BoostArbiter {
    public static func decide(for device: BoostedDevice, requests: [BoostRequest], at time: Date) -> PollingDecision {
        let covering = requests.filter { $0.isActive(at: time) && $0.covers(station: device.station, device: device.device) }
        // Densest first; among equals the one that lasts longest, so the
        // reported end time is the one the device will really see.
        guard let densest = covering.min(by: { ($0.interval, $1.until) < ($1.interval, $0.until) }) else {
            return PollingDecision(interval: device.configured, boost: nil)
        }
        let floored = max(densest.interval, device.minInterval ?? .zero)
        guard floored < device.configured else { return PollingDecision(interval: device.configured, boost: nil) }
        return PollingDecision(interval: floored, boost: densest)
    }

    /// The earliest time after `time` at which the decision can change (a
    /// request starts or ends), for callers that want to sleep until then.
    public static func nextChange(requests: [BoostRequest], after time: Date) -> Date? {
        requests.flatMap { [$0.from, $0.until] }.filter { $0 > time }.min()
    }
}
