// What the boost command and the boost service both need from the config:
// each device's interval with some boosts in force, and the configured
// intensive windows.

import Foundation
import Profiles

extension GatewaySettings {
    /// Each device's interval ("STATION/DEVICE") with `requests` in force,
    /// as the daemon's arbiter picks it (densest, floored at minInterval).
    public func intervals(with requests: [BoostRequest], at now: Date) -> [String: Duration] {
        Dictionary(uniqueKeysWithValues: devices.map { resolved in
            let device = BoostedDevice(station: resolved.station.id, device: resolved.config.id,
                                       configured: resolved.interval, minInterval: resolved.minInterval)
            return ("\(device.station)/\(device.device)", BoostArbiter.decide(for: device, requests: requests, at: now).interval)
        })
    }

    /// The configured intensive windows, as requests.
    public var intensiveWindows: [IntensiveWindow] {
        loaded.config.stations.flatMap { station in
            (station.intensive ?? []).compactMap { IntensiveWindow(station: station.id, config: $0, timeZone: timeZone) }
        }
    }
}
