// What a boost may ask of a device: never below its minInterval (the
// interval is raised to it, and the caller is told), and it must fit its
// serial bus (BusBudget.swift).
//
// On Modbus TCP the issue asks that the device's timeout stay below the
// interval, so that a poll that times out has ended before the next one is
// due. The boost timeout, min(timeout, interval × 0.8), makes that hold by
// construction: while boosted, no request can outlast 80 % of the interval.
// Refusing a 200 ms boost because the configured timeout is the default
// 500 ms would only force the config edit boosts exist to avoid, so the
// guard no longer refuses; the caller is told the timeout it will get.
// What remains is a device slower to answer than 80 % of the interval: its
// boosted polls time out (the health line's errors show it).

import Foundation
import Profiles

public struct BoostCheck: Sendable, Equatable {
    /// The interval the device will really be polled at.
    public var interval: Duration
    /// The response timeout used while boosted.
    public var timeout: Duration
    /// Things the caller must be told (minInterval raised the interval, the timeout is shortened).
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
        let boosted = boostTimeout(timeout, interval: interval)
        if boosted < timeout {
            notes.append("\(name): its requests time out after \(text(boosted)) while boosted (80 % of \(text(interval)); configured \(text(timeout)))")
        }
        return .success(BoostCheck(interval: interval, timeout: boosted, notes: notes))
    }

    /// The response timeout during a boost: min(timeout, interval × 0.8).
    public static func boostTimeout(_ timeout: Duration, interval: Duration) -> Duration {
        min(timeout, interval * 0.8)
    }

    static func text(_ duration: Duration) -> String { DurationText.format(duration) }
}
