// What a boost may ask of a device: never below its minInterval (the
// interval is raised to it, and the caller is told), and it must fit the
// endpoint. On Modbus TCP a poll may wait up to the device's timeout for an
// answer, so the interval must stay above that timeout; during the boost
// the timeout is min(timeout, interval × 0.8), so a poll that times out
// still ends before the next cycle is due.

import Foundation
import Profiles

public struct BoostCheck: Sendable, Equatable {
    /// The interval the device will really be polled at.
    public var interval: Duration
    /// The response timeout used while boosted.
    public var timeout: Duration
    /// Things the caller must be told (minInterval raised the interval).
    public var notes: [String]
}

public struct BoostRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

public enum BoostGuard {
    /// `name` is "STATION/DEVICE"; `timeout` the device's configured timeout.
    public static func check(name: String, requested: Duration, minInterval: Duration?,
                             timeout: Duration) -> Result<BoostCheck, BoostRefusal> {
        guard requested > .zero else {
            return .failure(BoostRefusal(message: "\(name): the interval must be more than 0"))
        }
        var interval = requested
        var notes: [String] = []
        if let minInterval, requested < minInterval {
            interval = minInterval
            notes.append("\(name): \(text(requested)) is below its minInterval of \(text(minInterval)); using \(text(minInterval))")
        }
        guard timeout < interval else {
            return .failure(BoostRefusal(message:
                "\(name): \(text(interval)) does not fit: on Modbus TCP its timeout of \(text(timeout)) must stay below the interval (lower the device's timeout or boost to more than \(text(timeout)))"))
        }
        return .success(BoostCheck(interval: interval, timeout: boostTimeout(timeout, interval: interval), notes: notes))
    }

    /// The response timeout during a boost: min(timeout, interval × 0.8).
    public static func boostTimeout(_ timeout: Duration, interval: Duration) -> Duration {
        min(timeout, interval * 0.8)
    }

    static func text(_ duration: Duration) -> String { DurationText.format(duration) }
}
