// Each device's alarm rules for the rules stage: its profile's rules changed
// by its station's and its own overrides.

import Foundation
import Profiles
import Rules

/// Resolves each device's rules. A device without overrides (its own or its
/// station's) has exactly its profile's rules, so those are resolved once per
/// profile however many devices share it.
struct DeviceRuleResolver {
    let config: LoadedConfig
    let timeZone: TimeZone?
    private var byProfile: [String: RuleResolution] = [:]
    /// "stations[i].devices[j]" by device place, made on first need.
    private var paths: [DeviceIdentityKey: String]?

    init(config: LoadedConfig, timeZone: TimeZone?) {
        self.config = config
        self.timeZone = timeZone
    }

    mutating func resolve(_ device: ResolvedDevice) -> RuleResolution {
        let overrides = StationRules.overrides(for: device.config, profile: device.profile, station: device.station)
        guard let overrides else {
            if let known = byProfile[device.profile.profile] { return known }
            let resolution = RuleResolver.resolve(profile: device.profile, profileFile: device.profile.profile, timeZone: timeZone)
            byProfile[device.profile.profile] = resolution
            return resolution
        }
        return RuleResolver.resolve(profile: device.profile, profileFile: device.profile.profile,
                                    overrides: overrides, overridesFile: config.file,
                                    overridesPath: path(of: device), timeZone: timeZone)
    }

    /// Where the device is written in the config: the first station with its
    /// station's id, the first device there with its id.
    private mutating func path(of device: ResolvedDevice) -> String {
        if paths == nil {
            var found: [DeviceIdentityKey: String] = [:]
            var stationIds: Set<String> = []
            for (stationIndex, station) in config.config.stations.enumerated() where stationIds.insert(station.id).inserted {
                for (deviceIndex, entry) in station.devices.enumerated() {
                    let key = DeviceIdentityKey(station: station.id, device: entry.id)
                    if found[key] == nil { found[key] = "stations[\(stationIndex)].devices[\(deviceIndex)]" }
                }
            }
            paths = found
        }
        return paths?[DeviceIdentityKey(station: device.station.id, device: device.config.id)] ?? "stations"
    }
}
