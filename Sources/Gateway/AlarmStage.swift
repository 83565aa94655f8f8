// The rules stage as the pipeline sees it: one alarm engine per device,
// built from the profile's rules and the config's overrides, seeded at
// start with the alarms the store says were active (so a restart neither
// raises them twice nor misses their clearing).

import Decoding
import Foundation
import Logging
import Profiles
import Rules
import Synchronization
import Telemetry

final class AlarmStage: Sendable {
    /// One engine per device.
    private struct Engines: @unchecked Sendable {
        // @unchecked: AlarmEngine is not Sendable; the dictionary lives only
        // inside `engines` (a Mutex), so one thread at a time touches it.
        var byDevice: [DeviceIdentityKey: AlarmEngine] = [:]
    }

    private let engines = Mutex(Engines())
    private let log: Logger

    init(settings: GatewaySettings, restored: [AlarmEvent], log: Logger) {
        self.log = log
        rebuild(settings, seed: restored)
    }

    /// Rebuilds the engines for a (re)loaded config; alarms active in the old
    /// engines carry over to the new ones.
    func rebuild(_ settings: GatewaySettings, seed restored: [AlarmEvent]? = nil) {
        let config = settings.loaded, timeZone = settings.timeZone
        engines.withLock { state in
            let active = restored ?? state.byDevice.values.flatMap(\.activeAlarms)
            var resolver = DeviceRuleResolver(config: config, timeZone: timeZone)
            var fresh: [DeviceIdentityKey: AlarmEngine] = [:]
            for device in config.devices {
                let key = DeviceIdentityKey(station: device.station.id, device: device.config.id)
                if fresh[key] != nil { continue }
                let resolution = resolver.resolve(device)
                for problem in resolution.problems {
                    log.error("rule left out", ["problem": problem.description])
                }
                let identity = DeviceIdentity(station: device.station.id, device: device.config.id,
                                              profile: device.profile.profile, tags: device.station.tags ?? [:])
                let seeded = active.filter { $0.station == key.station && $0.device == key.device }
                fresh[key] = AlarmEngine(identity: identity, rules: resolution.rules, pollInterval: device.interval,
                                         activeAlarms: seeded)
            }
            state.byDevice = fresh
        }
    }

    /// The rules on a poll's values and, with `health`, on its connection
    /// (communication loss): not while the gateway stops.
    func evaluate(_ report: PollReport, health: Bool = true) -> [AlarmEvent] {
        let key = DeviceIdentityKey(station: report.sample.identity.station, device: report.sample.identity.device)
        return engines.withLock { state in
            guard let engine = state.byDevice[key] else { return [] }
            return engine.evaluate(report.sample) + (health ? engine.evaluate(report.health) : [])
        }
    }

    /// The boost of the rule that raised `event`, if it has one.
    func boost(for event: AlarmEvent) -> RuleBoost? {
        engines.withLock { $0.byDevice[DeviceIdentityKey(station: event.station, device: event.device)]?.boost(for: event) }
    }

    func tick(now: Date) -> [AlarmEvent] {
        engines.withLock { state in state.byDevice.values.flatMap { $0.tick(now: now) } }
    }
}

/// A device's place: station and device id.
struct DeviceIdentityKey: Hashable, Sendable {
    var station: String
    var device: String
}
