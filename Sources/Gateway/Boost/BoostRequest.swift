// A request to poll a station (or one device of it) more densely until a
// given time. Requests come from three places (the command line, a
// configured intensive window, a rule's alarm); the arbiter picks, per
// device, the densest one that is active.

import Foundation

/// Where a boost came from, as the store, the feed and `status` print it.
public enum BoostSource: Sendable, Hashable, CustomStringConvertible {
    case cli
    /// `POST /api/boost` on the gateway's window.
    case http
    case schedule
    /// "ST/DEV/POINT/RULE" of the rule whose alarm raised the boost.
    case rule(String)

    public init?(text: String) {
        switch text {
        case "cli": self = .cli
        case "http": self = .http
        case "schedule": self = .schedule
        default:
            guard text.hasPrefix("rule:"), text.count > 5 else { return nil }
            self = .rule(String(text.dropFirst(5)))
        }
    }

    public var description: String {
        switch self {
        case .cli: "cli"
        case .http: "http"
        case .schedule: "schedule"
        case .rule(let path): "rule:" + path
        }
    }
}

/// What the store keeps during a boost: every sample (the default: the
/// point of a boost is the full record), or only what history-by-exception keeps.
public enum BoostHistory: String, Sendable, Hashable {
    case every
    case exception
}

public struct BoostRequest: Sendable, Hashable {
    public var station: String
    /// nil: every device of the station.
    public var device: String?
    public var interval: Duration
    public var from: Date
    public var until: Date
    public var reason: String
    public var source: BoostSource
    public var history: BoostHistory

    public init(station: String, device: String? = nil, interval: Duration, from: Date, until: Date,
                reason: String = "", source: BoostSource, history: BoostHistory = .every) {
        self.station = station
        self.device = device
        self.interval = interval
        self.from = from
        self.until = until
        self.reason = reason
        self.source = source
        self.history = history
    }

    /// Whether the request names this device (itself or its whole station).
    public func covers(station: String, device: String) -> Bool {
        self.station == station && (self.device == nil || self.device == device)
    }

    public func isActive(at time: Date) -> Bool { from <= time && time < until }

    /// "FT-0412" or "FT-0412/booster", as messages name the target.
    public var target: String { device.map { "\(station)/\($0)" } ?? station }
}
