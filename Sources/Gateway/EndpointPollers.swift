// The pollers made from a list of devices (a factory, not a running thing:
// PollerGroup runs them): devices grouped by endpoint (host:port, one
// connection each, shared by the unit ids behind it), first cycles staggered
// across the first interval so that a thousand devices do not fire in the
// same millisecond. A device with poll groups becomes one schedule per group,
// each reading its own points at its own interval.

import Decoding
import Dispatch
import Logging
import Modbus
import Profiles
import Telemetry

public final class EndpointPollers: Sendable {
    public let pollers: [EndpointPoller]

    /// `deliver` receives every poll's report on the poller's thread.
    /// `shares` places each device's first cycle at that fraction of its
    /// interval (default: device i of n at i/n).
    public convenience init(devices: [ResolvedDevice], shares: [Double]? = nil,
                            deliver: @escaping @Sendable (PollReport) -> Void,
                            log: Logger = .discarding) {
        self.init(devices: devices, shares: shares, tables: PointTables(), deliver: deliver, log: log)
    }

    /// As above, with the point tables shared by every poller made from `tables`
    /// (the gateway passes one for all its endpoints: one table per profile).
    init(devices: [ResolvedDevice], shares: [Double]?, tables: PointTables,
         deliver: @escaping @Sendable (PollReport) -> Void, log: Logger) {
        let count = max(1, devices.count)
        var byEndpoint: [EndpointSettings: [PolledDevice]] = [:]
        var order: [EndpointSettings] = []
        var seen: [String: EndpointSettings] = [:]
        for (index, device) in devices.enumerated() {
            let endpointKey = device.endpointKey
            let settings: EndpointSettings
            if let existing = seen[endpointKey] {
                // One connection per endpoint: the first device's connection settings win.
                settings = existing
            } else {
                let fresh = Self.settings(of: device)
                settings = fresh
                seen[endpointKey] = fresh
                order.append(fresh)
            }
            let options = device.requests
            let identity = DeviceIdentity(station: device.station.id, device: device.config.id,
                                          profile: device.profile.profile, tags: device.station.tags ?? [:])
            // Stagger: device i of n starts i/n of its interval late.
            let share = shares.map { $0[index] } ?? Double(index) / Double(count)
            for (profile, plan, interval) in Self.schedules(of: device) {
                byEndpoint[settings, default: []].append(
                    PolledDevice(identity: identity, profile: profile, plan: plan, unit: device.unit,
                                 interval: interval, phase: interval * share, options: options))
            }
        }
        pollers = order.map { settings in
            EndpointPoller(settings: settings, devices: byEndpoint[settings] ?? [], tables: tables, deliver: deliver, log: log)
        }
    }

    /// The connection settings a device's endpoint is opened with: its
    /// RS-485 bus (one poller serves every device of the bus, one request at
    /// a time) or its TCP host:port.
    static func settings(of device: ResolvedDevice) -> EndpointSettings {
        if let bus = device.bus {
            let serial = SerialSettings(path: bus.port, baud: bus.baud, parity: SerialSettings.Parity(rawValue: bus.parity) ?? .none,
                                        dataBits: bus.dataBits, stopBits: bus.stopBits)
            var settings = EndpointSettings(serial: serial)
            settings.pauseAfterConnect = device.pauseAfterConnect
            return settings
        }
        var settings = EndpointSettings(host: device.config.host ?? "", port: device.port)
        settings.pauseAfterConnect = device.pauseAfterConnect
        settings.closeAfterPoll = device.config.closeAfterPoll ?? false
        settings.framing = device.config.framing == "rtu" ? .rtu : .tcp
        return settings
    }

    /// A device's schedules: the whole profile at its interval or, with poll
    /// groups, each group's points and the rest, each subset planned on its own.
    static func schedules(of device: ResolvedDevice) -> [(profile: DeviceProfile, plan: ReadPlan, interval: Duration)] {
        guard !device.pollGroups.isEmpty else { return [(device.profile, device.plan, device.interval)] }
        let grouped = Set(device.pollGroups.flatMap(\.points))
        let mainPoints = device.profile.points.filter { !grouped.contains($0.name) }
        var subsets: [(points: [Point], interval: Duration)] = []
        if !mainPoints.isEmpty { subsets.append((mainPoints, device.interval)) }
        for group in device.pollGroups {
            subsets.append((device.profile.points.filter { group.points.contains($0.name) }, group.interval))
        }
        return subsets.map { points, interval in
            var profile = device.profile
            profile.points = points
            return (profile, ReadPlan(profile: profile, maxGap: device.config.maxGap, maxRegisters: device.config.maxRegisters),
                    interval)
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
