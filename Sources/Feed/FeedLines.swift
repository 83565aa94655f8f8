// The feed's schema (README "The feed"): which measurement, tags and fields
// each pipeline record becomes. Station lines, the bulk, are written by
// `StationLineEncoder`; the tests keep a plain reference encoder of them.

import Foundation
import Telemetry

/// Gateway-level counters for the gateway's own `pumpgw_health` line.
public struct GatewayHealth: Sendable, Equatable {
    public var gateway: String
    public var time: Date
    /// Lines waiting in the outbox.
    public var outboxDepth: Int
    /// Lines the outbox policy dropped (oldest first) since the gateway started.
    public var droppedLines: Int
    /// The sender's counters and state.
    public var feed: FeedStatus

    public init(gateway: String, time: Date, outboxDepth: Int, droppedLines: Int, feed: FeedStatus) {
        self.gateway = gateway
        self.time = time
        self.outboxDepth = outboxDepth
        self.droppedLines = droppedLines
        self.feed = feed
    }
}

/// Turns pipeline records into lines, all in one precision.
public struct FeedLines: Sendable {
    public var precision: Precision

    public init(precision: Precision = .ms) {
        self.precision = precision
    }

    /// `pump_station,station=S,device=D,profile=P[,user tags] point=value,...`
    /// (written by `StationLineEncoder`).
    static let stationMeasurement = "pump_station"

    /// A device's tags on its station lines: the station's user tags, then its
    /// own (which win).
    static func stationTags(_ identity: DeviceIdentity) -> [String: String] {
        var tags = identity.tags
        tags["station"] = identity.station
        tags["device"] = identity.device
        tags["profile"] = identity.profile
        return tags
    }

    /// `pump_alarm,device=D,point=X,rule=R,severity=SEV,station=S state="raised",value=..,limit=..,message=".."`
    /// (an empty point, for device-level rules, leaves the tag out).
    public func alarm(_ event: AlarmEvent) -> String? {
        var fields: [(String, FieldValue)] = [("state", .string(event.state.rawValue))]
        if let value = event.value { fields.append(("value", .float(value))) }
        if let limit = event.limit { fields.append(("limit", .float(limit))) }
        fields.append(("message", .string(event.message)))
        let tags = ["station": event.station, "device": event.device, "point": event.point,
                    "rule": event.rule, "severity": event.severity.rawValue]
        return LineProtocol.line(measurement: "pump_alarm", tags: tags, fields: fields,
                                 time: event.time, precision: precision)
    }

    /// `pumpgw_health,device=D,station=S connected=bool,poll_ms=..,errors=..i,consecutive_failures=..i[,last_error=".."]`
    public func health(_ health: DeviceHealth) -> String? {
        var fields: [(String, FieldValue)] = [
            ("connected", .bool(health.connected)),
            ("poll_ms", .float(health.pollMilliseconds)),
            ("errors", .integer(Int64(health.errors))),
            ("consecutive_failures", .integer(Int64(health.consecutiveFailures))),
        ]
        if let error = health.lastError { fields.append(("last_error", .string(error))) }
        // The interval polled at now: central operators tell denser data (a boost) from a changed process.
        if let interval = health.interval { fields.append(("interval_ms", .float(interval.seconds * 1000))) }
        return LineProtocol.line(measurement: "pumpgw_health",
                                 tags: ["station": health.identity.station, "device": health.identity.device],
                                 fields: fields, time: health.time, precision: precision)
    }

    /// `pumpgw_health,gateway=G outbox_depth=..i,dropped_lines=..i,sent_lines=..i,retries=..i,dead_lettered=..i,feed_ok=bool,feed_state="..."[,last_error=".."]`
    public func gateway(_ health: GatewayHealth) -> String? {
        var fields: [(String, FieldValue)] = [
            ("outbox_depth", .integer(Int64(health.outboxDepth))),
            ("dropped_lines", .integer(Int64(health.droppedLines))),
            ("sent_lines", .integer(Int64(health.feed.sentLines))),
            ("retries", .integer(Int64(health.feed.retries))),
            ("dead_lettered", .integer(Int64(health.feed.deadLettered))),
            ("feed_ok", .bool(!health.feed.state.isFailing)),
            ("feed_state", .string(health.feed.state.name)),
        ]
        if let error = health.feed.lastError { fields.append(("last_error", .string(error))) }
        return LineProtocol.line(measurement: "pumpgw_health", tags: ["gateway": health.gateway],
                                 fields: fields, time: health.time, precision: precision)
    }
}
