// A rule's `boost: { interval: "250ms", for: "30m", scope: "station",
// history: "exception" }`: when the rule's alarm is raised, its device (or
// with scope "station", the whole station) is polled at `interval` for
// `for`, so the next minutes of the event are recorded in full.

import Foundation
import Profiles

public struct RuleBoost: Sendable, Equatable {
    public var interval: Duration
    public var duration: Duration
    /// true: every device of the station; false: the rule's device.
    public var wholeStation: Bool
    /// false: history by exception stays on during the boost (`history: "exception"`).
    public var keepsEverySample: Bool

    public init(interval: Duration, duration: Duration, wholeStation: Bool = false, keepsEverySample: Bool = true) {
        self.interval = interval
        self.duration = duration
        self.wholeStation = wholeStation
        self.keepsEverySample = keepsEverySample
    }

    static let keys = ["interval", "for", "scope", "history"]

    /// Reads `boost` of a rule object; nil (with problems reported) when absent or wrong.
    static func parse(_ reader: inout RuleFieldReader) -> RuleBoost? {
        guard let value = reader.draft.fields["boost"] else { return nil }
        guard case .object(let fields) = value else {
            reader.report("boost", "must be an object such as { interval: \"250ms\", for: \"30m\" }")
            return nil
        }
        var inner = RuleFieldReader(RuleDraft(pointIndex: reader.draft.pointIndex, fields: fields,
                                              location: reader.draft.location(of: "boost")))
        defer { reader.problems.problems += inner.problems.problems }
        for key in fields.keys.sorted() where !keys.contains(key) {
            inner.report(key, "unknown key '\(key)' in boost; it may have: \(keys.joined(separator: ", "))")
        }
        let interval = inner.duration("interval", positive: true, required: "250ms")
        let duration = inner.duration("for", positive: true, required: "30m")
        var wholeStation = false
        if let scope = inner.string("scope") {
            guard ["device", "station"].contains(scope) else {
                inner.report("scope", "'\(scope)' is not a scope: use \"device\" (the default) or \"station\"")
                return nil
            }
            wholeStation = scope == "station"
        }
        var every = true
        if let history = inner.string("history") {
            guard ["every", "exception"].contains(history) else {
                inner.report("history", "'\(history)' is not a history mode: use \"every\" (the default) or \"exception\"")
                return nil
            }
            every = history == "every"
        }
        guard let interval, let duration else { return nil }
        return RuleBoost(interval: interval, duration: duration, wholeStation: wholeStation, keepsEverySample: every)
    }
}
