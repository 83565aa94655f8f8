// A parsed, validated alarm rule on one point, and the device-level
// communication-loss rule: what the engine evaluates.

import Foundation
import Telemetry

/// One rule on one point, ready to evaluate.
public struct AlarmRule: Sendable, Equatable {
    /// Unique per point; the `rule` tag of the alarm (default: the kind).
    public var id: String
    public var point: String
    /// The point's unit, for messages.
    public var unit: String?
    public var condition: RuleCondition
    public var severity: Severity
    /// A message template (see `AlarmMessage`); nil: the kind's own message.
    public var message: String?
    /// Evaluated only while this condition on another point holds.
    public var when: PointCondition?
    /// How long the alarm condition must hold before raising (on-delay).
    public var delay: Duration
    /// How long the clear condition must hold before clearing (off-delay).
    public var offDelay: Duration
    /// Repeat "raised" this often while the alarm stays active.
    public var realarm: Duration?
    /// Denser polling for a while when the alarm is raised.
    public var boost: RuleBoost?

    public init(id: String, point: String, unit: String? = nil, condition: RuleCondition, severity: Severity,
                message: String? = nil, when: PointCondition? = nil, delay: Duration = .zero,
                offDelay: Duration = .zero, realarm: Duration? = nil) {
        self.id = id
        self.point = point
        self.unit = unit
        self.condition = condition
        self.severity = severity
        self.message = message
        self.when = when
        self.delay = delay
        self.offDelay = offDelay
        self.realarm = realarm
    }

    public var kind: RuleKind { condition.kind }
}

/// What a rule watches for, with the kind's parameters.
public enum RuleCondition: Sendable, Equatable {
    case limit(LimitCondition)
    case rateOfChange(RateOfChangeCondition)
    case instability(InstabilityCondition)
    case state(PointCondition)
    case stale(StaleCondition)
    case nightFlow(NightFlowCondition)

    public var kind: RuleKind {
        switch self {
        case .limit(let limit): return limit.kind
        case .rateOfChange: return .rateOfChange
        case .instability: return .instability
        case .state: return .state
        case .stale: return .stale
        case .nightFlow: return .nightFlow
        }
    }
}

/// high / highHigh raise above `limit` and clear below `limit - deadband`;
/// low / lowLow raise below `limit` and clear above `limit + deadband`.
public struct LimitCondition: Sendable, Equatable {
    /// One of high, highHigh, low, lowLow.
    public var kind: RuleKind
    public var limit: Double
    public var deadband: Double

    public init(kind: RuleKind, limit: Double, deadband: Double = 0) {
        self.kind = kind
        self.limit = limit
        self.deadband = deadband
    }

    public var isHighSide: Bool { kind == .high || kind == .highHigh }
}

/// Change over `period` above `rising`, or a fall over `period` larger than
/// `falling` (both positive numbers, in the point's unit).
public struct RateOfChangeCondition: Sendable, Equatable {
    public var rising: Double?
    public var falling: Double?
    public var period: Duration
    public var deadband: Double

    public init(rising: Double?, falling: Double?, period: Duration, deadband: Double = 0) {
        self.rising = rising
        self.falling = falling
        self.period = period
        self.deadband = deadband
    }
}

/// Peak-to-peak or (population) standard deviation of the good values in the
/// last `window` above a limit.
public struct InstabilityCondition: Sendable, Equatable {
    public var window: Duration
    public var peakToPeak: Double?
    public var stddev: Double?
    public var deadband: Double

    public init(window: Duration, peakToPeak: Double?, stddev: Double?, deadband: Double = 0) {
        self.window = window
        self.peakToPeak = peakToPeak
        self.stddev = stddev
        self.deadband = deadband
    }
}

/// The value has not changed at all for `duration`.
public struct StaleCondition: Sendable, Equatable {
    public var duration: Duration

    public init(duration: Duration) {
        self.duration = duration
    }
}

/// The minimum value inside a daily local-time window above `limit`.
public struct NightFlowCondition: Sendable, Equatable {
    public var window: DailyWindow
    public var limit: Double

    public init(window: DailyWindow, limit: Double) {
        self.window = window
        self.limit = limit
    }
}

/// Device-level: no good poll for `intervals` poll intervals.
public struct CommLossRule: Sendable, Equatable {
    public static let defaultIntervals = 3
    public var intervals: Int
    public var severity: Severity
    public var message: String?
    public var realarm: Duration?

    public init(intervals: Int = CommLossRule.defaultIntervals, severity: Severity = RuleKind.commLoss.defaultSeverity,
                message: String? = nil, realarm: Duration? = nil) {
        self.intervals = intervals
        self.severity = severity
        self.message = message
        self.realarm = realarm
    }
}

/// Every rule of one device: the point rules and the communication-loss rule
/// (nil when disabled).
public struct DeviceRules: Sendable, Equatable {
    public var rules: [AlarmRule]
    public var commLoss: CommLossRule?

    public init(rules: [AlarmRule], commLoss: CommLossRule? = CommLossRule()) {
        self.rules = rules
        self.commLoss = commLoss
    }
}
