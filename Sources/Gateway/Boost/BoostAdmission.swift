// Whether a boost request may be stored: the one check behind `pumpgw boost
// --config` and `POST /api/boost`. The target must exist; each device it
// covers passes BoostGuard (minInterval, the boost timeout); each serial bus
// it touches keeps its wire time within 100 % (BusBudget) with the boosts
// already in force and the configured windows beside it. The daemon applies
// the same guards again to whatever the table holds (BoostService).

import Foundation
import Profiles
import Rules
import Store

public struct BoostAdmission: Sendable {
    public let config: LoadedConfig

    public init(config: LoadedConfig) { self.config = config }

    /// "FILE: no station 'X' (stations: ...)", or nil when the target exists.
    public func unknownTarget(station: String, device: String?) -> String? {
        let devices = config.devices.filter { $0.station.id == station }
        guard !devices.isEmpty else {
            let known = Set(config.devices.map(\.station.id)).sorted().joined(separator: ", ")
            return "\(config.file): no station '\(station)' (stations: \(known))"
        }
        if let device, !devices.contains(where: { $0.config.id == device }) {
            return "\(config.file): no device '\(device)' in station \(station) (devices: \(devices.map(\.config.id).joined(separator: ", ")))"
        }
        return nil
    }

    /// The notes to tell the caller, or the refusal. `active`: the boosts table's rows in force.
    public func check(_ request: BoostRequest, active: [BoostRecord], at now: Date) -> Result<[String], BoostRefusal> {
        var notes: [String] = []
        let covered = config.devices.filter { request.covers(station: $0.station.id, device: $0.config.id) }
        for target in covered {
            switch BoostGuard.check(name: "\(target.station.id)/\(target.config.id)", requested: request.interval,
                                    minInterval: target.minInterval, timeout: target.timeout) {
            case .success(let check): notes += check.notes
            case .failure(let refusal): return .failure(refusal)
            }
        }
        let requests = active.compactMap(BoostRequest.init(record:)) + config.intensiveWindows.flatMap { $0.requests(at: now) } + [request]
        let intervals = config.intervals(with: requests, at: now)
        let keys = Set(covered.map { "\($0.station.id)/\($0.config.id)" })
        for bus in BusBudget.buses(of: config.devices) where !keys.isDisjoint(with: bus.pollWireTimes.keys) {
            switch bus.check(intervals: intervals) {
            case .success(let line): notes.append(line)
            case .failure(let refusal): return .failure(refusal)
            }
        }
        return .success(notes)
    }
}

extension LoadedConfig {
    /// Each device's interval ("STATION/DEVICE") with `requests` in force,
    /// as the daemon's arbiter picks it (densest, floored at minInterval).
    public func intervals(with requests: [BoostRequest], at now: Date) -> [String: Duration] {
        Dictionary(uniqueKeysWithValues: devices.map { resolved in
            let device = BoostedDevice(station: resolved.station.id, device: resolved.config.id,
                                       configured: resolved.interval, minInterval: resolved.minInterval)
            return ("\(device.station)/\(device.device)", BoostArbiter.decide(for: device, requests: requests, at: now).interval)
        })
    }

    /// The configured intensive windows, in the gateway's time zone.
    public var intensiveWindows: [IntensiveWindow] {
        let timeZone = TimeZone(identifier: config.gateway.timeZone ?? RuleResolver.defaultTimeZoneIdentifier) ?? .gmt
        return config.stations.flatMap { station in
            (station.intensive ?? []).compactMap { IntensiveWindow(station: station.id, config: $0, timeZone: timeZone) }
        }
    }
}
