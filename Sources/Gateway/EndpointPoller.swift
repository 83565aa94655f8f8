// One poller per Modbus TCP endpoint (host:port): a thread of its own that
// owns the endpoint's single connection and polls every device (unit id)
// behind it on its fixed-rate schedule. libmodbus blocks, so this never runs
// on Swift's cooperative pool. Devices of one endpoint are serialised; other
// endpoints have their own threads, so a dead or slow device delays nobody else.

import Decoding
import Dispatch
import Foundation
import Lifecycle
import Logging
import Modbus
import Profiles
import Synchronization
import Telemetry

/// A device as the poller needs it.
public struct PolledDevice: Sendable {
    public var identity: DeviceIdentity
    public var profile: DeviceProfile
    public var plan: ReadPlan
    public var unit: UInt8
    public var interval: Duration
    /// Offset of the first cycle from the gateway's start (staggering).
    public var phase: Duration
    public var options: PollOptions

    public init(identity: DeviceIdentity, profile: DeviceProfile, plan: ReadPlan, unit: UInt8,
                interval: Duration, phase: Duration = .zero, options: PollOptions = PollOptions()) {
        self.identity = identity
        self.profile = profile
        self.plan = plan
        self.unit = unit
        self.interval = interval
        self.phase = phase
        self.options = options
    }
}

/// Connection settings shared by the devices of one endpoint: a TCP
/// host:port (Modbus TCP or RTU over TCP), or a serial bus.
public struct EndpointSettings: Sendable, Hashable {
    public var host: String
    public var port: Int
    /// `.rtu`: RTU over TCP (a transparent serial server).
    public var framing: ModbusFraming = .tcp
    /// A serial RTU bus instead of host and port.
    public var serial: SerialSettings?
    /// The timeout of devices that bring none of their own (tests, `read`):
    /// the gateway's devices each carry theirs in `PolledDevice.options`.
    public var timeout: Duration
    public var pauseAfterConnect: Duration = .zero
    public var closeAfterPoll = false
    public var backoffInitial: Duration = .seconds(1)
    public var backoffMaximum: Duration = .seconds(60)

    public init(host: String, port: Int, timeout: Duration = PollOptions.defaultTimeout) {
        self.host = host
        self.port = port
        self.timeout = timeout
    }

    /// A serial bus.
    public init(serial: SerialSettings, timeout: Duration = PollOptions.defaultTimeout) {
        self.init(host: serial.path, port: 0, timeout: timeout)
        self.serial = serial
        framing = .rtu
    }

    public var endpoint: ModbusEndpoint {
        if let serial { return .serial(serial) }
        return .tcp(host: host, port: port, framing: framing)
    }

    public var name: String { serial?.path ?? Self.key(host: host, port: port) }

    /// The name with a serial line's settings ("/dev/ttyUSB0 9600 8N1") or an RTU-over-TCP framing.
    public var description: String {
        if let serial { return "\(serial.path) \(serial.lineText)" }
        return framing == .rtu ? "\(name) (rtu)" : name
    }

    /// "host:port": how the gateway names an endpoint and groups its devices.
    public static func key(host: String, port: Int) -> String { "\(host):\(port)" }
}

extension ResolvedDevice {
    /// The endpoint (connection) the device is read through: its bus's
    /// serial port, or host:port.
    public var endpointKey: String {
        if let bus { return bus.port }
        return EndpointSettings.key(host: config.host ?? "", port: port)
    }
}

/// What a poll hands on to the rest of the pipeline.
public struct PollReport: Sendable {
    public var sample: DeviceSample
    public var health: DeviceHealth
    /// How late the cycle started, nanoseconds.
    public var lateness: UInt64
    /// Cycles of this device skipped so far.
    public var skippedCycles: UInt64
    /// Blocks split this poll because they bridged a hole in the device's map.
    public var splitBlocks: [ReadBlock]
    /// How this poll's requests went.
    public var requests = RequestCounts()
}

/// A poll's requests by outcome: answered, an exception reply, a timeout,
/// any other failure (reset, bad reply, descriptor limit).
public struct RequestCounts: Sendable, Equatable {
    public var ok = 0, exception = 0, timeout = 0, error = 0

    public init() {}

    init(_ blocks: [BlockResult]) {
        for block in blocks {
            switch block {
            case .registers, .bits: ok += 1
            case .failed(.exception): exception += 1
            case .failed(.transport(.timedOut)): timeout += 1
            case .failed: error += 1
            }
        }
    }
}

public final class EndpointPoller: Sendable {
    public let settings: EndpointSettings
    public let devices: [PolledDevice]
    private let deliver: @Sendable (PollReport) -> Void
    private let log: Logger
    /// The devices' point tables, shared with the other pollers of an engine.
    private let tables: PointTables
    /// Signalled to stop, and to wake the wait when a boost is posted.
    let wakeSignal = DispatchSemaphore(value: 0)
    /// Boosted intervals posted by the gateway's boost controller.
    let inbox = BoostInbox()
    private let stopping = Atomic<Bool>(false)
    private let finished = Completion()
    private let started = Atomic<Bool>(false)
    /// Shuts the connection's socket down from another thread (`interrupt()`).
    private let interrupter = SocketInterrupter()

    /// `deliver` is called on the poller's thread after every poll;
    /// it must not block for long.
    public convenience init(settings: EndpointSettings, devices: [PolledDevice],
                            deliver: @escaping @Sendable (PollReport) -> Void,
                            log: Logger = .discarding) {
        self.init(settings: settings, devices: devices, tables: PointTables(), deliver: deliver, log: log)
    }

    init(settings: EndpointSettings, devices: [PolledDevice], tables: PointTables,
         deliver: @escaping @Sendable (PollReport) -> Void, log: Logger) {
        self.settings = settings
        self.devices = devices
        self.tables = tables
        self.deliver = deliver
        self.log = log.with("endpoint", settings.name)
    }

    /// Starts the thread; cycles are due from `start` (monotonic ns) plus each device's phase.
    public func start(at start: UInt64 = DispatchTime.now().uptimeNanoseconds) {
        guard !started.exchange(true, ordering: .relaxed) else { return }
        let thread = Thread { [self] in
            run(start: start)
            finished.finish()
        }
        thread.name = "poll \(settings.name)"
        thread.stackSize = 512 * 1024
        thread.start()
    }

    /// Asks the thread to stop after the poll in flight.
    public func requestStop() {
        if !stopping.exchange(true, ordering: .relaxed) { wakeSignal.signal() }
    }

    /// Ends the poll in flight at once (its socket is shut down; the poll is
    /// not delivered): for a stop that must not wait for a slow device.
    public func interrupt() {
        requestStop()
        interrupter.interrupt()
    }

    /// Waits until the thread has finished (returns at once if never started).
    public func waitUntilStopped() {
        guard started.load(ordering: .relaxed) else { return }
        finished.waitBlocking()
    }

    /// Suspends until the thread has finished (returns at once if never started).
    public func stopped() async {
        guard started.load(ordering: .relaxed) else { return }
        await finished.wait()
    }

    /// Stops after the poll in flight and waits for it.
    public func stop() {
        requestStop()
        waitUntilStopped()
    }

    private func run(start: UInt64) {
        let client = ModbusClient(endpoint: settings.endpoint, unit: devices.first?.unit ?? 1, timeout: settings.timeout,
                                  interrupter: interrupter)
        defer { client.close() }
        var (states, slotCount) = makeStates(client: client, start: start)
        var counters = [DeviceCounters](repeating: DeviceCounters(), count: slotCount)
        var connection = EndpointConnection(client: client, settings: settings, log: log)
        var boostsSeen: UInt64 = 0
        while !stopping.load(ordering: .relaxed) {
            if let boosts = inbox.take(since: &boostsSeen) {
                let now = DispatchTime.now().uptimeNanoseconds
                for index in states.indices { states[index].applyBoost(boosts, now: now) }
            }
            guard let index = states.indices.min(by: { states[$0].schedule.nextDue < states[$1].schedule.nextDue }) else { return }
            let due = states[index].schedule.nextDue
            if DispatchTime.now().uptimeNanoseconds < due {
                // Woken early: stop, or a boost was posted (retimed at the loop's top).
                if wakeSignal.wait(timeout: DispatchTime(uptimeNanoseconds: due)) == .success { continue }
            }
            let now = DispatchTime.now().uptimeNanoseconds
            let (_, lateness) = states[index].schedule.begin(now: now)
            let time = Date()

            // The connect costs the due device its own timeout, as its requests do.
            let connectError = connection.connectIfDue(now: now, options: states[index].reader.options)
            var result: PollResult?
            if client.isConnected {
                let polled = states[index].reader.poll()
                connection.record(polled, of: states[index].device.identity)
                result = polled
            }
            // A poll cut short by interrupt() says nothing about the device.
            if interrupter.isInterrupted { return }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds &- now) / 1e6
            let report = states[index].record(result: result, connectError: connectError,
                                              connected: (client.isConnected && !(result?.unitRefused ?? false))
                                                  || (result?.anyGood ?? false),
                                              counters: &counters[states[index].counterSlot],
                                              time: time, milliseconds: elapsed, lateness: lateness)
            deliver(report)
        }
    }

    /// Each device schedule's state, reading through `client`, and how many
    /// counter slots they share (a device's poll groups share its counters).
    private func makeStates(client: ModbusClient, start: UInt64) -> (states: [DeviceState], slots: Int) {
        var slots: [DeviceIdentity: Int] = [:]
        let states = devices.map { device in
            let slot = slots[device.identity] ?? slots.count
            slots[device.identity] = slot
            return DeviceState(device: device,
                               reader: DeviceReader(profile: device.profile, client: client, plan: device.plan,
                                                    unit: device.unit, options: device.options,
                                                    points: tables.table(for: device.profile)),
                               schedule: PollSchedule(start: start &+ PollSchedule.nanoseconds(device.phase), interval: device.interval),
                               counterSlot: slot)
        }
        return (states, slots.count)
    }
}

/// A device's health counters, shared by its poll groups.
struct DeviceCounters {
    var errors = 0
    var consecutiveFailures = 0
    var lastGoodPoll: Date?
    var lastError: String?
}

/// One schedule of a device (the device, or one of its poll groups) on its
/// poller's thread.
struct DeviceState {
    let device: PolledDevice
    let reader: DeviceReader
    var schedule: PollSchedule
    /// The device's place in the poller's counters.
    let counterSlot: Int

    mutating func record(result: PollResult?, connectError: ModbusError?, connected: Bool,
                         counters: inout DeviceCounters,
                         time: Date, milliseconds: Double, lateness: UInt64) -> PollReport {
        let points: [PointSample]
        if let result {
            points = result.points
            counters.errors += result.errors.count
            if result.anyGood {
                counters.consecutiveFailures = 0
                counters.lastGoodPoll = time
            } else {
                counters.consecutiveFailures += 1
            }
            if let error = result.errors.last { counters.lastError = error.description }
        } else {
            let reason = connectError.map(\.description) ?? "not connected (waiting to reconnect)"
            if connectError != nil { counters.errors += 1 }
            counters.consecutiveFailures += 1
            counters.lastError = connectError.map(\.description) ?? counters.lastError
            points = reader.points.unread.map { PointSample(name: $0.name, unit: $0.unit, reading: .error(reason)) }
        }
        let sample = DeviceSample(identity: device.identity, time: time, points: points)
        let health = DeviceHealth(identity: device.identity, time: time, connected: connected,
                                  pollMilliseconds: milliseconds, errors: counters.errors,
                                  consecutiveFailures: counters.consecutiveFailures, lastGoodPoll: counters.lastGoodPoll,
                                  lastError: counters.lastError, interval: .nanoseconds(Int64(schedule.interval)))
        return PollReport(sample: sample, health: health, lateness: lateness, skippedCycles: schedule.skipped,
                          splitBlocks: result?.splitBlocks ?? [], requests: RequestCounts(result?.blocks ?? []))
    }
}
