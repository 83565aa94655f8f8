// The rules engine of one device: evaluates every poll (and every health
// record) against the device's rules and returns the alarm events. Pure and
// deterministic: no I/O, no wall clock; time comes from the samples and from
// `tick(now:)`. Not thread-safe: one engine, one caller.

import Foundation
import Decoding
import Telemetry

public final class AlarmEngine {
    public let identity: DeviceIdentity
    private var trackers: [RuleTracker]
    private var commLoss: CommLossMonitor?
    /// Seeded alarms whose rule no longer exists: cleared on the first call.
    private var orphans: [AlarmEvent]

    /// - Parameters:
    ///   - rules: the device's resolved rules (`RuleResolver.resolve`).
    ///   - pollInterval: the device's poll interval (commLoss counts in these).
    ///   - activeAlarms: alarms of this device that were active before a restart
    ///     (state raised, from the store). They are not raised again; they clear
    ///     on the first good evaluation that finds their clear condition.
    public init(identity: DeviceIdentity, rules: DeviceRules, pollInterval: Duration, activeAlarms: [AlarmEvent] = []) {
        self.identity = identity
        var trackers = rules.rules.map { RuleTracker(rule: $0, identity: identity, pollInterval: pollInterval) }
        var commLoss = rules.commLoss.map { CommLossMonitor(rule: $0, identity: identity, interval: pollInterval) }
        var orphans: [AlarmEvent] = []
        for event in activeAlarms where event.state == .raised
            && event.station == identity.station && event.device == identity.device {
            if event.point.isEmpty && event.rule == CommLossMonitor.ruleId && commLoss != nil {
                commLoss?.seed(event)
            } else if let index = trackers.firstIndex(where: { $0.rule.point == event.point && $0.rule.id == event.rule }) {
                trackers[index].seed(event)
            } else {
                orphans.append(event)
            }
        }
        self.trackers = trackers
        self.commLoss = commLoss
        self.orphans = orphans
    }

    /// The alarms active now, each as the event that raised it, in rule order (commLoss last).
    public var activeAlarms: [AlarmEvent] {
        trackers.compactMap(\.activeEvent) + (commLoss?.activeEvent.map { [$0] } ?? []) + orphans
    }

    /// The boost of the rule that raised `event`, if it has one.
    public func boost(for event: AlarmEvent) -> RuleBoost? {
        trackers.first { $0.rule.point == event.point && $0.rule.id == event.rule }?.rule.boost
    }

    /// Evaluates one poll of the device.
    public func evaluate(_ sample: DeviceSample) -> [AlarmEvent] {
        var events = clearOrphans(at: sample.time)
        for index in trackers.indices {
            let rule = trackers[index].rule
            events += trackers[index].process(sample[rule.point], gate: gate(of: rule, in: sample), at: sample.time)
        }
        if sample.points.contains(where: { $0.reading.quality.isGood }) {
            events += commLoss?.goodPoll(at: sample.time) ?? []
        }
        return events + realarms(at: sample.time)
    }

    /// Evaluates a poll's connection health (the commLoss rule).
    public func evaluate(_ health: DeviceHealth) -> [AlarmEvent] {
        var events = clearOrphans(at: health.time)
        events += commLoss?.evaluate(health) ?? []
        return events + realarms(at: health.time)
    }

    /// Time passing: re-alarms, night windows that end, commLoss when no poll reports at all.
    /// Call it regularly (e.g. once a second) with the current time.
    public func tick(now: Date) -> [AlarmEvent] {
        var events = clearOrphans(at: now)
        for index in trackers.indices {
            events += trackers[index].advance(to: now)
        }
        events += commLoss?.tick(now: now) ?? []
        return events + realarms(at: now)
    }

    /// Whether the rule's `when` holds in this sample; nil when unknown (bad quality or no such point).
    private func gate(of rule: AlarmRule, in sample: DeviceSample) -> Bool? {
        guard let when = rule.when else { return true }
        guard let reading = sample[when.point], reading.quality.isGood, let value = reading.value else { return nil }
        return when.holds(for: value)
    }

    private func realarms(at time: Date) -> [AlarmEvent] {
        var events: [AlarmEvent] = []
        for index in trackers.indices {
            events += trackers[index].realarm(at: time)
        }
        return events + (commLoss?.realarm(at: time) ?? [])
    }

    private func clearOrphans(at time: Date) -> [AlarmEvent] {
        defer { orphans = [] }
        return orphans.map { orphan in
            var cleared = orphan
            cleared.state = .cleared
            cleared.time = time
            cleared.value = nil
            cleared.message = "Cleared: the rule is no longer configured (was: \(orphan.message))"
            return cleared
        }
    }
}

/// One engine, one caller: the engine keeps mutable state without locks.
@available(*, unavailable)
extension AlarmEngine: Sendable {}
