// The feed-line policy of the device polls: every poll becomes a station
// line (the points that read well); a health line goes out on a change of
// `connected` or every `healthInterval`, and that change is logged once
// ("device lost" / "device back"), never a line per poll.

import Feed
import Foundation
import Logging
import Telemetry

struct DeviceLines {
    /// What the policy remembers of a device between its polls.
    private struct Known {
        /// The device's key in the outbox, "station/device".
        let outboxKey: String
        /// When the feed last got the device's health line, and what it said.
        var lastHealth: (time: Date, connected: Bool)?
        /// Skipped cycles as last reported (pollers count per schedule).
        var skipped: UInt64 = 0
    }

    private let lines: FeedLines
    private let healthInterval: TimeInterval
    private let log: Logger
    /// Writes the station lines, remembering each device's escaped names.
    private var stationLines: StationLineEncoder
    private var devices: [DeviceIdentity: Known] = [:]

    init(lines: FeedLines, healthInterval: TimeInterval, log: Logger) {
        self.lines = lines
        self.healthInterval = healthInterval
        self.log = log
        stationLines = StationLineEncoder(precision: lines.precision)
    }

    /// The outbox key and feed lines of one poll, and the cycles it skipped
    /// since the last report (for the stats).
    mutating func lines(for report: PollReport, now: Date) -> (key: String, lines: [String], newlySkipped: UInt64) {
        let identity = report.sample.identity
        var device = devices[identity] ?? Known(outboxKey: "\(identity.station)/\(identity.device)")
        defer { devices[identity] = device }
        var out: [String] = []
        if let line = stationLines.line(report.sample) { out.append(line) }
        let previous = device.lastHealth
        if previous == nil || previous?.connected != report.health.connected
            || now.timeIntervalSince(previous?.time ?? .distantPast) >= healthInterval {
            device.lastHealth = (now, report.health.connected)
            if let line = lines.health(report.health) { out.append(line) }
            if previous?.connected == true && !report.health.connected {
                log.warning("device lost", ["station": identity.station, "device": identity.device,
                                            "error": report.health.lastError ?? ""])
            } else if previous?.connected == false && report.health.connected {
                log.info("device back", ["station": identity.station, "device": identity.device])
            }
        }
        let before = device.skipped
        device.skipped = max(before, report.skippedCycles)
        let newlySkipped = report.skippedCycles >= before ? report.skippedCycles - before : 0
        return (device.outboxKey, out, newlySkipped)
    }
}
