// The events of intensive monitoring: a device's boost "started" (or changed)
// and "ended", as the store keeps them and the feed carries them; and what
// a restart makes of the boosts the previous run left open.

import Feed
import Foundation
import Store

extension BoostService {
    /// A device whose boost began or changed: "started"; one back at its configured interval: "ended".
    static func events(from previous: [String: PollingDecision], to next: [String: PollingDecision],
                       configured: [(device: BoostedDevice, timeout: Duration)], at now: Date) -> [BoostEventRecord] {
        var events: [BoostEventRecord] = []
        for (device, _) in configured {
            let key = "\(device.station)/\(device.device)"
            let before = previous[key], after = next[key]
            if let after, let boost = after.boost, before != after {
                events.append(BoostEventRecord(time: now, state: "started", station: device.station, device: device.device,
                                               intervalMilliseconds: Int64(after.interval.seconds * 1000), until: boost.until,
                                               reason: boost.reason, source: boost.source.description))
            } else if after == nil, let boost = before?.boost {
                events.append(BoostEventRecord(time: now, state: "ended", station: device.station, device: device.device,
                                               intervalMilliseconds: Int64(device.configured.seconds * 1000), until: boost.until,
                                               reason: boost.reason, source: boost.source.description))
            }
        }
        return events
    }

    /// After a restart, against the starts the store has with no end (`open`):
    /// a "started" that repeats one (same interval, end, source and reason)
    /// is resumed, not started again; an open start whose device has no boost
    /// now (it ended or was cancelled while the gateway was down) gets its "ended".
    static func resuming(_ events: [BoostEventRecord], open: [String: BoostEventRecord], configured: [BoostedDevice],
                         at now: Date) -> (events: [BoostEventRecord], resumed: [BoostEventRecord]) {
        guard !open.isEmpty else { return (events, []) }
        var kept: [BoostEventRecord] = [], resumed: [BoostEventRecord] = []
        for event in events {
            let before = open["\(event.station)/\(event.device)"]
            if event.state == "started", let before, before.intervalMilliseconds == event.intervalMilliseconds,
               Self.milliseconds(before.until) == Self.milliseconds(event.until), before.source == event.source, before.reason == event.reason {
                resumed.append(event)
            } else {
                kept.append(event)
            }
        }
        for device in configured {
            let key = "\(device.station)/\(device.device)"
            guard let before = open[key], !events.contains(where: { "\($0.station)/\($0.device)" == key }) else { continue }
            kept.append(BoostEventRecord(time: now, state: "ended", station: device.station, device: device.device,
                                         intervalMilliseconds: Int64(device.configured.seconds * 1000), until: before.until,
                                         reason: before.reason, source: before.source))
        }
        return (kept, resumed)
    }

    /// `pump_boost,device=D,source=S,station=ST state="started",interval_ms=200,until=...i,reason="..." T`
    static func line(_ event: BoostEventRecord, precision: Precision) -> String? {
        LineProtocol.line(measurement: "pump_boost",
                          tags: ["station": event.station, "device": event.device, "source": event.source],
                          fields: [("state", .string(event.state)), ("interval_ms", .float(Double(event.intervalMilliseconds))),
                                   ("until", .integer(Int64(event.until.timeIntervalSince1970 * 1000))),
                                   ("reason", .string(event.reason))],
                          time: event.time, precision: precision)
    }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
}
