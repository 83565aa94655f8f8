// All the pollers of a gateway: devices grouped by endpoint (host:port, one
// connection each, shared by the unit ids behind it), first cycles staggered
// across the first interval so that a thousand devices do not fire in the
// same millisecond.

import Decoding
import Dispatch
import Profiles

public final class PollingEngine: Sendable {
    public let pollers: [EndpointPoller]

    /// `deliver` receives every poll's report on the poller's thread.
    public init(devices: [ResolvedDevice], deliver: @escaping @Sendable (PollReport) -> Void,
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        let count = max(1, devices.count)
        var byEndpoint: [EndpointSettings: [PolledDevice]] = [:]
        var order: [EndpointSettings] = []
        var seen: [String: EndpointSettings] = [:]
        for (index, device) in devices.enumerated() {
            let endpointKey = "\(device.config.host):\(device.port)"
            let settings: EndpointSettings
            if let existing = seen[endpointKey] {
                // One connection per endpoint: the first device's connection settings win.
                settings = existing
            } else {
                var fresh = EndpointSettings(host: device.config.host, port: device.port, timeout: device.timeout)
                fresh.pauseAfterConnect = device.pauseAfterConnect
                fresh.closeAfterPoll = device.config.closeAfterPoll ?? false
                settings = fresh
                seen[endpointKey] = fresh
                order.append(fresh)
            }
            var options = PollOptions()
            options.pauseBetweenRequests = device.pauseBetweenRequests
            let identity = DeviceIdentity(station: device.station.id, device: device.config.id,
                                          profile: device.profile.profile, tags: device.station.tags ?? [:])
            // Stagger: device i of n starts i/n of its interval late.
            let phase = device.interval * (Double(index) / Double(count))
            byEndpoint[settings, default: []].append(
                PolledDevice(identity: identity, profile: device.profile, plan: device.plan, unit: device.unit,
                             interval: device.interval, phase: phase, options: options))
        }
        pollers = order.map { settings in
            EndpointPoller(settings: settings, devices: byEndpoint[settings] ?? [], deliver: deliver, log: log)
        }
    }

    public func start() {
        let start = DispatchTime.now().uptimeNanoseconds
        for poller in pollers { poller.start(at: start) }
    }

    /// Stops every poller after its poll in flight.
    public func stop() {
        for poller in pollers { poller.requestStop() }
        for poller in pollers { poller.waitUntilStopped() }
    }
}
