// What a person on call reads: "Outlet pressure 0.12 MPa below 0.15 MPa for
// 30 s". Point names humanised, numbers without float noise, units attached,
// durations in s / min / h. A rule's `message` template may use {name},
// {value}, {limit}, {unit} and {for}.

import Foundation
import Decoding
import Telemetry

extension AlarmEvent {
    /// The same alarm raised once more at `time` (re-alarm), saying for how long it has been active.
    func repeated(at time: Date) -> AlarmEvent {
        var event = self
        event.time = time
        event.message = message + " (still active after \(AlarmMessage.duration(time.duration(since: self.time))))"
        return event
    }
}

enum AlarmMessage {
    /// outlet_pressure -> "Outlet pressure", pump1_fault -> "Pump 1 fault".
    static func humanise(_ name: String) -> String {
        var words: [String] = []
        for part in name.split(separator: "_") {
            var word = ""
            var previous: Character?
            for character in part {
                if let previous, previous.isLetter && character.isNumber { word.append(" ") }
                word.append(character)
                previous = character
            }
            words.append(word)
        }
        let text = words.joined(separator: " ")
        return text.prefix(1).uppercased() + text.dropFirst()
    }

    /// A computed figure (a spread, a rate) to four significant digits: 0.0289, not 0.0288675134595.
    static func figure(_ value: Double) -> String {
        Value.format(Double(String(format: "%.4g", value)) ?? value)
    }

    static func quantity(_ value: Double, _ unit: String?) -> String {
        quantity(Value.format(value), unit)
    }

    static func quantity(_ shown: String, _ unit: String?) -> String {
        guard let unit, !unit.isEmpty else { return shown }
        return "\(shown) \(unit)"
    }

    /// "500 ms", "30 s", "2 min", "1 min 30 s", "1 h 5 min".
    static func duration(_ duration: Duration) -> String {
        let milliseconds = Int64((duration.seconds * 1000).rounded())
        if milliseconds < 1000 { return "\(milliseconds) ms" }
        let seconds = milliseconds / 1000
        if seconds < 60 {
            let rest = milliseconds % 1000
            return rest == 0 ? "\(seconds) s" : "\(Value.format(Double(milliseconds) / 1000)) s"
        }
        let minutes = seconds / 60
        if minutes < 60 { return seconds % 60 == 0 ? "\(minutes) min" : "\(minutes) min \(seconds % 60) s" }
        let hours = minutes / 60
        return minutes % 60 == 0 ? "\(hours) h" : "\(hours) h \(minutes % 60) min"
    }

    static func raised(_ rule: AlarmRule, _ observation: Observation, heldFor: Duration?, at time: Date) -> String {
        let held = heldFor.flatMap { $0 > .zero ? " for \(duration($0))" : nil } ?? ""
        if let template = rule.message { return render(template, rule, observation, held: held) }
        let name = humanise(rule.point)
        let value = quantity(observation.shown.text, rule.unit)
        switch rule.condition {
        case .limit(let limit):
            let side = limit.isHighSide ? "above" : "below"
            let grade = limit.kind == .highHigh ? " (high-high)" : limit.kind == .lowLow ? " (low-low)" : ""
            return "\(name) \(value) \(side) \(quantity(limit.limit, rule.unit))\(grade)\(held)"
        case .rateOfChange(let rate):
            let limit = quantity(abs(observation.limit ?? 0), rule.unit)
            return "\(name) \(observation.aspect ?? "changed") \(value) in \(duration(rate.period)) (limit \(limit) per \(duration(rate.period)))\(held)"
        case .instability(let instability):
            return "\(name) unstable: \(value) \(observation.aspect ?? "") over \(duration(instability.window)) (limit \(quantity(observation.limit ?? 0, rule.unit)))\(held)"
        case .state(let state):
            let expected = state.equals ? "" : ", not \(state.expected)"
            return "\(name) is \(value)\(expected)\(held)"
        case .stale:
            let frozen = observation.since.map { " for \(duration(time.duration(since: $0)))" } ?? held
            return "\(name) frozen at \(value)\(frozen): the reading has not changed at all"
        case .nightFlow(let night):
            return "\(name) night minimum \(value) above \(quantity(night.limit, rule.unit)) between \(night.window.from) and \(night.window.to) (\(night.window.timeZone.identifier)): leak suspected"
        }
    }

    static func cleared(_ rule: AlarmRule, _ observation: Observation?) -> String {
        let name = humanise(rule.point)
        guard let observation else { return "\(name): \(rule.id) alarm cleared" }
        if let template = rule.message { return "Cleared: " + render(template, rule, observation, held: "") }
        let value = quantity(observation.shown.text, rule.unit)
        switch rule.condition {
        case .limit(let limit):
            return "\(name) back to \(value) (\(limit.kind.rawValue) limit \(quantity(limit.limit, rule.unit)))"
        case .rateOfChange(let rate):
            return "\(name) steady again: changed \(quantity(figure(observation.value ?? 0), rule.unit)) in \(duration(rate.period))"
        case .instability(let instability):
            return "\(name) stable again: \(value) \(observation.aspect ?? "") over \(duration(instability.window))"
        case .state:
            return "\(name) back to \(value)"
        case .stale:
            return "\(name) changing again (\(value))"
        case .nightFlow(let night):
            return "\(name) night minimum \(value) within \(quantity(night.limit, rule.unit)) between \(night.window.from) and \(night.window.to) (\(night.window.timeZone.identifier))"
        }
    }

    /// The clear when the rule's `when` stopped holding.
    static func suppressed(_ rule: AlarmRule) -> String {
        guard let when = rule.when else { return cleared(rule, nil) }
        let condition = "\(humanise(when.point)) \(when.equals ? "is" : "is not") \(when.expected)"
        return "\(humanise(rule.point)) \(rule.id) alarm cleared: watched only while \(condition), which no longer holds"
    }

    private static func render(_ template: String, _ rule: AlarmRule, _ observation: Observation, held: String) -> String {
        let limit = observation.limit.map { Value.format($0) } ?? ""
        return template
            .replacingOccurrences(of: "{name}", with: humanise(rule.point))
            .replacingOccurrences(of: "{value}", with: observation.shown.text)
            .replacingOccurrences(of: "{limit}", with: limit)
            .replacingOccurrences(of: "{unit}", with: rule.unit ?? "")
            .replacingOccurrences(of: "{for}", with: held.trimmingCharacters(in: .whitespaces))
    }
}
