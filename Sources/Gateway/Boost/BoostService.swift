// The daemon's side of intensive monitoring, on a thread of its own (it
// reads SQLite): once a second it gathers the boost requests in force
// (the boosts table, where `pumpgw boost` and raised rules put theirs, and
// the configured intensive windows), lets the arbiter pick each device's
// interval, posts the result to the pollers (which retime at once), and
// turns every start and end into an event in the store and the feed.

import Dispatch
import Feed
import Foundation
import Lifecycle
import Logging
import Profiles
import Rules
import Store
import Synchronization
import Telemetry

/// What the pipeline hands the boost service, and back.
struct BoostHooks: Sendable {
    /// Boost event lines for the feed, by outbox key.
    var lines: [String: [String]] = [:]
    /// Boosted devices ("STATION/DEVICE") whose boost keeps every sample in history.
    var keepEverySample: Set<String> = []
    /// Raised alarms whose rule carries a boost.
    var raised: [(event: AlarmEvent, boost: RuleBoost)] = []
}

final class BoostService: Service {
    /// The devices and windows of the config in force.
    struct Plan: Sendable {
        var devices: [(device: BoostedDevice, timeout: Duration)]
        var windows: [IntensiveWindow]
        var buses: [BusBudget]

        init(_ settings: GatewaySettings) {
            devices = settings.devices.map { resolved in
                (BoostedDevice(station: resolved.station.id, device: resolved.config.id, configured: resolved.interval,
                               minInterval: resolved.minInterval), resolved.timeout)
            }
            windows = settings.loaded.intensiveWindows
            buses = BusBudget.buses(of: settings.devices)
        }
    }

    private let plan: Mutex<Plan>
    private let storePath: String
    private let pollers: PollerGroup
    private let pipeline: Pipeline
    private let precision: Precision
    private let log: Logger
    /// The boosted devices now, by "STATION/DEVICE" (for status pages).
    let current = Mutex<[String: PollingDecision]>([:])
    private let wake = DispatchSemaphore(value: 0)
    private let stopping = Atomic<Bool>(false)
    private let finished = Completion()

    init(settings: GatewaySettings, pollers: PollerGroup, pipeline: Pipeline, log: Logger) {
        plan = Mutex(Plan(settings))
        storePath = settings.storePath
        self.pollers = pollers
        self.pipeline = pipeline
        precision = settings.feed.precision
        self.log = log
    }

    func reload(_ settings: GatewaySettings) { plan.withLock { $0 = Plan(settings) } }

    func run() async {
        let thread = Thread { [self] in
            loop()
            finished.finish()
        }
        thread.name = "boosts"
        thread.start()
        await finished.wait()
    }

    func shutdown() {
        if !stopping.exchange(true, ordering: .relaxed) { wake.signal() }
    }

    private func loop() {
        var table: BoostTable?
        var refusals = Set<String>()
        // The boosts a previous run started and never ended, until the first tick has resumed them.
        var open: [String: BoostEventRecord]?
        while !stopping.load(ordering: .relaxed) {
            do {
                if table == nil { table = try BoostTable(path: storePath) }
                if let table {
                    if open == nil {
                        open = Dictionary(try table.openStarts().map { ("\($0.station)/\($0.device)", $0) }) { _, last in last }
                    }
                    try tick(table, now: Date(), refusals: &refusals, open: open ?? [:])
                    open = [:]
                }
            } catch {
                log.error("boosts: cannot read or write the boosts table", ["path": storePath, "error": "\(error)"])
            }
            _ = wake.wait(timeout: .now() + 1)
        }
    }

    private func tick(_ table: BoostTable, now: Date, refusals: inout Set<String>, open: [String: BoostEventRecord]) throws {
        let raised = pipeline.boostHooks.withLock { hooks -> [(event: AlarmEvent, boost: RuleBoost)] in
            let taken = hooks.raised
            hooks.raised = []
            return taken
        }
        for entry in raised { _ = try table.add(Self.record(entry.boost, raisedBy: entry.event, at: now)) }
        let plan = plan.withLock { $0 }
        let (requests, overBudget) = BusBudget.fitting(try table.active(at: now).compactMap(BoostRequest.init(record:))
                                                       + plan.windows.flatMap { $0.requests(at: now) },
                                                       devices: plan.devices.map(\.device), buses: plan.buses, at: now)
        for (request, refusal) in overBudget where refusals.insert("\(refusal.message) \(request.source) \(request.target)").inserted {
            log.warning("boost refused", ["reason": refusal.message, "source": request.source.description, "target": request.target])
        }
        var decisions: [String: PollingDecision] = [:]
        for (device, timeout) in plan.devices {
            // Without a boost (or when the guard refuses it) the device stays at its configured interval.
            let decision = BoostArbiter.decide(for: device, requests: requests, at: now)
            let key = "\(device.station)/\(device.device)"
            guard let boost = decision.boost else { continue }
            switch BoostGuard.check(name: key, requested: decision.interval, minInterval: device.minInterval, timeout: timeout) {
            case .success: decisions[key] = decision
            case .failure(let refusal):
                if refusals.insert("\(key) \(boost.source) \(boost.interval)").inserted {
                    log.warning("boost refused", ["reason": refusal.message, "source": boost.source.description])
                }
            }
        }
        pollers.post(boosts: decisions.mapValues(\.interval))
        let keepEvery = Set(decisions.filter { $0.value.boost?.history == .every }.keys)
        pipeline.boostHooks.withLock { $0.keepEverySample = keepEvery }
        let previous = current.withLock { current in defer { current = decisions }; return current }
        let (events, resumed) = Self.resuming(Self.events(from: previous, to: decisions, configured: plan.devices, at: now),
                                              open: open, configured: plan.devices.map(\.device), at: now)
        for event in resumed {
            log.info("boost resumed", ["station": event.station, "device": event.device,
                                       "interval_ms": String(event.intervalMilliseconds), "source": event.source])
        }
        guard !events.isEmpty else { return }
        try table.record(events)
        let lines = events.compactMap { Self.line($0, precision: precision) }
        pipeline.boostHooks.withLock { hooks in
            for (event, line) in zip(events, lines) { hooks.lines["\(event.station)/\(event.device)", default: []].append(line) }
        }
        for event in events {
            log.info("boost \(event.state)", ["station": event.station, "device": event.device,
                                              "interval_ms": String(event.intervalMilliseconds), "source": event.source,
                                              "reason": event.reason])
        }
    }

    /// The boosts-table row of a rule's boost, raised by `event`.
    static func record(_ boost: RuleBoost, raisedBy event: AlarmEvent, at now: Date) -> BoostRecord {
        let source = BoostSource.rule("\(event.station)/\(event.device)/\(event.point)/\(event.rule)")
        return BoostRecord(station: event.station, device: boost.wholeStation ? nil : event.device,
                           intervalMilliseconds: Int64(boost.interval.seconds * 1000), created: now,
                           until: now.addingTimeInterval(boost.duration.seconds), reason: event.message,
                           source: source.description, history: boost.keepsEverySample ? "every" : "exception")
    }
}

extension BoostRequest {
    public init?(record: BoostRecord) {
        guard let source = BoostSource(text: record.source) else { return nil }
        self.init(station: record.station, device: record.device, interval: .milliseconds(record.intervalMilliseconds),
                  from: record.created, until: record.until, reason: record.reason, source: source,
                  history: BoostHistory(rawValue: record.history) ?? .every)
    }
}

extension IntensiveWindow {
    /// A configured window (already checked by the loader; nil if not).
    init?(station: String, config: IntensiveWindowConfig, timeZone: TimeZone) {
        guard let from = LocalTime(parsing: config.from), let to = LocalTime(parsing: config.to),
              let interval = DurationText.parse(config.interval) else { return nil }
        self.init(station: station, devices: config.devices,
                  weekdays: Set(config.days.compactMap { Self.dayNames[$0] }),
                  daily: DailyWindow(from: from, to: to, timeZone: timeZone), interval: interval)
    }
}

extension GatewayRuntime {
    /// The boosted devices now ("STATION/DEVICE" → what the arbiter chose),
    /// for status pages and metrics (e.g. pumpgw_boost_active).
    public var activeBoosts: [String: PollingDecision] { boosts.current.withLock { $0 } }
}
