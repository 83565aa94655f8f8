// Every endpoint poller of the gateway as one service: started from the
// config, brought in line with a reloaded config (only the endpoints whose
// devices changed restart), and stopped as a whole. A stop asks each poller
// to finish its poll in flight and, after `interruptAfter`, shuts down the
// sockets of those still waiting for a slow device: the stop is bounded by
// that grace, never by a device's timeout.

import Dispatch
import Lifecycle
import Logging
import Profiles
import Synchronization

final class PollerGroup: Service {
    /// One endpoint's devices and the poller that reads them.
    struct Endpoint {
        var fingerprint: [Member]
        var poller: EndpointPoller
    }

    /// What identifies a device's polling: its config, station and profile,
    /// and its bus's line settings (a device names its bus by id: a changed
    /// baud, parity or bit count leaves the device's own config as it was).
    struct Member: Equatable {
        var station: Station
        var device: DeviceConfig
        var profile: DeviceProfile
        var bus: ResolvedBus?
    }

    private struct State {
        var endpoints: [String: Endpoint] = [:]
        var stopping = false
    }

    private let state = Mutex(State())
    private let stopRequested = Completion()
    private let initial: LoadedConfig
    private let deliver: @Sendable (PollReport) -> Void
    private let log: Logger
    /// Every poller's decoded point tables: one per profile, shared by its
    /// devices (built once instead of by each of 1,000 pollers as it starts).
    private let pointTables = PointTables()
    let interruptAfter: Duration
    /// Called once every poller has been started, with the endpoint count.
    private let started: @Sendable (Int) -> Void

    init(config: LoadedConfig, interruptAfter: Duration = .milliseconds(500), log: Logger,
         deliver: @escaping @Sendable (PollReport) -> Void, started: @escaping @Sendable (Int) -> Void = { _ in }) {
        initial = config
        self.started = started
        self.interruptAfter = interruptAfter
        self.log = log
        self.deliver = deliver
    }

    /// Hands every poller the boosted intervals (each retimes its own devices).
    func post(boosts: [String: Duration]) {
        for endpoint in state.withLock({ Array($0.endpoints.values) }) { endpoint.poller.post(boosts: boosts) }
    }

    var endpointCount: Int { state.withLock { $0.endpoints.count } }

    func run() async {
        apply(initial)
        started(endpointCount)
        await stopRequested.wait()
        for endpoint in state.withLock({ Array($0.endpoints.values) }) {
            await endpoint.poller.stopped()
        }
    }

    func shutdown() {
        let pollers = state.withLock { state in
            state.stopping = true
            return state.endpoints.values.map(\.poller)
        }
        for poller in pollers { poller.requestStop() }
        DispatchQueue.global().asyncAfter(deadline: .now() + interruptAfter.seconds) {
            for poller in pollers { poller.interrupt() }
        }
        stopRequested.finish()
    }

    /// Starts, restarts or stops endpoint pollers so that they match
    /// `config`; returns how many endpoints were (re)started or stopped,
    /// and the (re)started ones, a serial bus with its line settings
    /// ("/dev/ttyUSB0 9600 8N1").
    /// Blocks while a changed endpoint's poller finishes its poll: call it
    /// on a thread, never on the cooperative pool.
    @discardableResult
    func apply(_ config: LoadedConfig) -> (changed: Int, started: [String]) {
        let all = config.devices
        var byEndpoint: [String: [(Int, ResolvedDevice)]] = [:]
        for (index, device) in all.enumerated() {
            byEndpoint[device.endpointKey, default: []].append((index, device))
        }
        var retired: [EndpointPoller] = []
        var fresh: [EndpointPoller] = []
        state.withLock { state in
            guard !state.stopping else { return }
            for key in state.endpoints.keys where byEndpoint[key] == nil {
                retired.append(state.endpoints[key]!.poller)
                state.endpoints[key] = nil
            }
            for (key, members) in byEndpoint {
                let fingerprint = members.map { Member(station: $0.1.station, device: $0.1.config, profile: $0.1.profile, bus: $0.1.bus) }
                if state.endpoints[key]?.fingerprint == fingerprint { continue }
                if let old = state.endpoints[key] { retired.append(old.poller) }
                let shares = members.map { Double($0.0) / Double(max(1, all.count)) }
                let engine = EndpointPollers(devices: members.map(\.1), shares: shares, tables: pointTables,
                                           deliver: deliver, log: log)
                guard let poller = engine.pollers.first else {
                    state.endpoints[key] = nil
                    continue
                }
                state.endpoints[key] = Endpoint(fingerprint: fingerprint, poller: poller)
                fresh.append(poller)
            }
        }
        // One connection per endpoint: an old poller ends before its successor starts.
        for poller in retired { poller.requestStop() }
        for poller in retired { poller.waitUntilStopped() }
        for poller in fresh { poller.start() }
        return (Set((retired + fresh).map(\.settings.name)).count, fresh.map(\.settings.description).sorted())
    }
}
