// Whether boosts fit a serial bus. The line carries one request at a time,
// so what it must carry per second is the sum, over its devices, of one
// poll's wire time (BusLoad: bytes, silences, turnaround) divided by the
// interval that device is polled at. A boost is refused when that passes
// 100 % of the line. Said per cycle of the densest interval on the line:
// "rs485-1: 9600 8N1 would need 363 ms of wire time per 200 ms cycle: 181 %".
//
// This is an average, not the `check` rule (every request of the line
// within the shortest interval): held to that rule, one meter boosted to
// 200 ms beside eleven at 1 s would be refused on a line that is 40 % busy.
// Where the average fits, a boosted poll may wait behind a neighbour's
// (the cost is jitter of up to one poll of the slowest neighbour), never skip.
// RTU over TCP: the baud is unknown, nothing is computed or refused.

import Foundation
import Profiles

public struct BusBudget: Sendable, Equatable {
    /// "rs485-1".
    public var name: String
    /// "9600 8N1".
    public var settings: String
    /// "STATION/DEVICE" → the wire time of one poll of it (poll groups counted as due every time).
    public var pollWireTimes: [String: Duration]

    public init(name: String, settings: String, pollWireTimes: [String: Duration]) {
        self.name = name
        self.settings = settings
        self.pollWireTimes = pollWireTimes
    }

    /// One budget per serial bus that has devices.
    public static func buses(of devices: [ResolvedDevice]) -> [BusBudget] {
        var byBus: [ResolvedBus: [ResolvedDevice]] = [:]
        for device in devices { if let bus = device.bus { byBus[bus, default: []].append(device) } }
        return byBus.map { bus, onBus in
            BusBudget(name: bus.id, settings: bus.summary, pollWireTimes: Dictionary(uniqueKeysWithValues: onBus.map { device in
                ("\(device.station.id)/\(device.config.id)",
                 BusLoad.wireTime(of: device.plan.blocks.map(BusLoad.Exchange.init(reading:)), on: bus))
            }))
        }.sorted { $0.name < $1.name }
    }

    /// The wire time the line needs per `cycle` when each device is polled at
    /// `intervals[key]` (a device absent there is not counted).
    public func need(per cycle: Duration, intervals: [String: Duration]) -> Duration {
        pollWireTimes.reduce(Duration.zero) { total, entry in
            guard let interval = intervals[entry.key], interval > .zero else { return total }
            return total + entry.value * (cycle / interval)
        }
    }

    /// Refused when the line would be busy more than 100 % with the devices
    /// polled at `intervals` (every device of the line, boosted or not).
    public func check(intervals: [String: Duration]) -> Result<String, BoostRefusal> {
        let cycle = pollWireTimes.keys.compactMap { intervals[$0] }.min() ?? .seconds(1)
        let need = need(per: cycle, intervals: intervals)
        let percent = Int((need / cycle * 100).rounded())
        let line = "\(name): \(settings) would need \(Self.text(need)) of wire time per \(Self.text(cycle)) cycle: \(percent) %"
        guard need <= cycle else {
            return .failure(BoostRefusal(message: line + " (boost fewer devices, to a longer interval, or raise the baud rate)"))
        }
        return .success(line)
    }

    /// "363 ms", "1 s", "1.34 s".
    static func text(_ duration: Duration) -> String {
        let milliseconds = Int((duration / .milliseconds(1)).rounded())
        if milliseconds < 1000 { return "\(milliseconds) ms" }
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : String(format: "%.2f s", Double(milliseconds) / 1000)
    }
}

extension BusBudget {
    /// The requests every bus can carry: while one would be busy more than
    /// 100 %, the newest request that touches it is left out and the rest
    /// decided again, so boosts accepted earlier stay in force and the one
    /// that came last (a `--db` boost, a rule's) is refused.
    public static func fitting(_ requests: [BoostRequest], devices: [BoostedDevice], buses: [BusBudget],
                               at now: Date) -> (kept: [BoostRequest], refused: [(request: BoostRequest, refusal: BoostRefusal)]) {
        var kept = requests, refused: [(request: BoostRequest, refusal: BoostRefusal)] = []
        while true {
            let intervals = Dictionary(uniqueKeysWithValues: devices.map { device in
                ("\(device.station)/\(device.device)", BoostArbiter.decide(for: device, requests: kept, at: now).interval)
            })
            let failure = buses.lazy.compactMap { bus -> (BusBudget, BoostRefusal)? in
                guard case .failure(let refusal) = bus.check(intervals: intervals) else { return nil }
                return (bus, refusal)
            }.first
            guard let (bus, refusal) = failure else { return (kept, refused) }
            let touching = kept.indices.filter { index in
                devices.contains { kept[index].covers(station: $0.station, device: $0.device)
                    && bus.pollWireTimes["\($0.station)/\($0.device)"] != nil }
            }
            // The newest (the last of equals); none: the configured intervals alone overload it, nothing to drop.
            guard let newest = touching.max(by: { kept[$0].from <= kept[$1].from }) else { return (kept, refused) }
            refused.append((kept.remove(at: newest), refusal))
        }
    }
}
