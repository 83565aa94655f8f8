// An alarm raise or clear, as the store records it and the feed sends it
// (`pump_alarm` line). The rules engine (module Rules) produces these.

import Foundation

/// Severity grades. Utilities grade emergencies in four levels, published
/// as colours: critical = red (I), major = orange (II), minor = yellow (III),
/// warning = blue (IV).
public enum Severity: String, Codable, Sendable, CaseIterable, Comparable {
    case critical, major, minor, warning

    /// Red, orange, yellow or blue, as public warnings name the grades.
    public var colour: String {
        switch self {
        case .critical: return "red"
        case .major: return "orange"
        case .minor: return "yellow"
        case .warning: return "blue"
        }
    }

    private var rank: Int {
        switch self {
        case .critical: return 0
        case .major: return 1
        case .minor: return 2
        case .warning: return 3
        }
    }

    /// critical < major < minor < warning (most severe first).
    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

public enum AlarmState: String, Codable, Sendable {
    case raised, cleared
}

public struct AlarmEvent: Sendable, Equatable {
    public var station: String
    public var device: String
    /// The point the rule watches ("" for device-level rules such as commLoss).
    public var point: String
    /// The rule's id within the point, e.g. "high", "low", "commLoss".
    public var rule: String
    public var severity: Severity
    public var state: AlarmState
    /// The value that raised or cleared the alarm (nil where there is none, e.g. commLoss).
    public var value: Double?
    /// The limit crossed (nil where the rule has none).
    public var limit: Double?
    public var time: Date
    /// What a person on call reads: "Outlet pressure 0.12 MPa below 0.15 MPa for 30 s".
    public var message: String

    public init(station: String, device: String, point: String, rule: String, severity: Severity,
                state: AlarmState, value: Double?, limit: Double?, time: Date, message: String) {
        self.station = station
        self.device = device
        self.point = point
        self.rule = rule
        self.severity = severity
        self.state = state
        self.value = value
        self.limit = limit
        self.time = time
        self.message = message
    }

    /// Identifies the alarm across raise and clear: station/device/point/rule.
    public var key: String { "\(station)/\(device)/\(point)/\(rule)" }
}
