// The kinds of alarm rule a profile or config may name, with each kind's
// default severity and the keys its JSON object may carry.

import Telemetry

public enum RuleKind: String, Sendable, CaseIterable {
    case high, highHigh, low, lowLow
    case rateOfChange, instability, state, stale, nightFlow
    /// Device-level: configured in the gateway config, not on a point.
    case commLoss

    /// The four limit kinds, lowest first.
    public var isLimit: Bool { [.lowLow, .low, .high, .highHigh].contains(self) }

    /// Kinds that need a numeric point (not bool, bits or enum).
    var needsNumber: Bool { isLimit || [.rateOfChange, .instability, .nightFlow].contains(self) }

    /// The severity used when a rule names none.
    public var defaultSeverity: Severity {
        switch self {
        case .highHigh, .lowLow: return .critical
        case .high, .low, .rateOfChange, .state, .commLoss: return .major
        case .instability, .stale, .nightFlow: return .minor
        }
    }

    /// Keys every point rule may carry.
    static let commonKeys: Set<String> = ["kind", "id", "severity", "message", "when", "realarm", "enabled", "boost"]

    /// Keys this kind adds to the common ones.
    var ownKeys: Set<String> {
        switch self {
        case .high, .highHigh, .low, .lowLow: return ["limit", "deadband", "delay", "offDelay"]
        case .rateOfChange: return ["rising", "falling", "period", "deadband", "delay", "offDelay"]
        case .instability: return ["window", "peakToPeak", "stddev", "deadband", "delay", "offDelay"]
        case .state: return ["equals", "notEquals", "delay", "offDelay"]
        case .stale: return ["duration"]
        case .nightFlow: return ["from", "to", "timeZone", "limit"]
        case .commLoss: return ["intervals"]
        }
    }

    var allowedKeys: Set<String> { Self.commonKeys.union(ownKeys) }
}
