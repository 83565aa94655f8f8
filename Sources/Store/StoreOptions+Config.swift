// The config's `store` section as StoreOptions: the one place
// `store.synchronous`, `store.retention`, `store.checkpoint`, `store.commit`, `store.maxSizeMB`, `store.history`
// and `feed.outboxMaxLines` become values. The config loader calls it, so a
// value `run` cannot use is refused by `check` too.

import Foundation
import Profiles

/// A `store` value the store cannot use, with the field to fix.
public struct StoreConfigError: Error, Equatable, CustomStringConvertible {
    public var field: String
    public var message: String
    public var description: String { "\(field): \(message)" }
}

extension StoreOptions {
    public init(section: StoreSection?, outboxMaxLines: Int?) throws(StoreConfigError) {
        self.init()
        if let maxLines = outboxMaxLines { self.outboxMaxLines = maxLines }
        guard let section else { return }
        if let text = section.synchronous {
            guard let mode = SynchronousMode(rawValue: text) else {
                throw StoreConfigError(field: "store.synchronous", message: "'\(text)' is not normal or full")
            }
            synchronous = mode
        }
        if let text = section.retention { retention = try Self.seconds(text, "store.retention") }
        if let text = section.checkpoint {
            checkpointInterval = try Self.seconds(text, "store.checkpoint")
            guard checkpointInterval ?? 0 >= 1 else {
                throw StoreConfigError(field: "store.checkpoint", message: "'\(text)' is shorter than 1s")
            }
        }
        if let text = section.commit {
            commitInterval = try Self.seconds(text, "store.commit")
            guard (0.1...10).contains(commitInterval) else {
                // Past 10 s a kill -9 would lose more than a power cut does (the WAL is synced every 10 s).
                throw StoreConfigError(field: "store.commit", message: "'\(text)' is not between 100ms and 10s")
            }
        }
        if let megabytes = section.maxSizeMB { maxDatabaseBytes = Int64(megabytes * 1_000_000) }
        if let history = section.history {
            let defaults = HistoryPolicy(deadband: history.deadband ?? 0,
                                         heartbeat: try Self.seconds(history.heartbeat, "store.history.heartbeat", default: 15 * 60))
            defaultHistoryPolicy = defaults
            for (key, policy) in history.points ?? [:] {
                historyPolicies[key] = HistoryPolicy(
                    deadband: policy.deadband ?? defaults.deadband,
                    heartbeat: try Self.seconds(policy.heartbeat, "store.history.points.\(key).heartbeat", default: defaults.heartbeat))
            }
        }
    }

    private static func seconds(_ text: String?, _ field: String, default fallback: TimeInterval = 0)
        throws(StoreConfigError) -> TimeInterval {
        guard let text else { return fallback }
        guard let duration = DurationText.parse(text) else {
            throw StoreConfigError(field: field, message: "'\(text)' is not a duration such as 30d")
        }
        return duration.seconds
    }
}
