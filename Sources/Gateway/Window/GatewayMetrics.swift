// What the gateway counts for `/metrics`, fed by every poll report on the
// pollers' threads (one short lock per report) and read by the HTTP thread.
// Cardinality is bounded by the config: one series set per device, never
// per point, and no value ever becomes a label.

import Decoding
import Foundation
import Telemetry
import HTTPServer
import Synchronization

final class GatewayMetrics: Sendable {
    /// Poll durations, seconds: a healthy TCP poll is a few ms, a timeout is the device's timeout.
    static let pollBounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
    /// Cycle lateness, seconds: how late a poll started against its schedule.
    static let latenessBounds = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5]

    struct Device {
        var up = false
        var lastSuccess: Date?
        var consecutiveFailures = 0
        var poll = Histogram(bounds: GatewayMetrics.pollBounds)
    }

    /// A device's labels: station and device, nothing else.
    struct DeviceKey: Hashable {
        var station: String
        var device: String
    }

    struct State {
        var devices: [DeviceKey: Device] = [:]
        var requests = RequestCounts()
        var lateness = Histogram(bounds: GatewayMetrics.latenessBounds)
        var skippedByDevice: [DeviceKey: UInt64] = [:]
        var skipped: UInt64 = 0
    }

    private let state = Mutex(State())

    func record(_ report: PollReport) {
        state.withLock { state in
            let identity = DeviceKey(station: report.health.identity.station, device: report.health.identity.device)
            var device = state.devices[identity] ?? Device()
            device.up = report.health.connected
            device.lastSuccess = report.health.lastGoodPoll
            device.consecutiveFailures = report.health.consecutiveFailures
            device.poll.observe(report.health.pollMilliseconds / 1000)
            state.devices[identity] = device
            state.requests.ok += report.requests.ok
            state.requests.exception += report.requests.exception
            state.requests.timeout += report.requests.timeout
            state.requests.error += report.requests.error
            state.lateness.observe(Double(report.lateness) / 1e9)
            // A poller counts its device's skipped cycles from its start: add the growth.
            let before = state.skippedByDevice[identity] ?? 0
            state.skipped += report.skippedCycles >= before ? report.skippedCycles - before : report.skippedCycles
            state.skippedByDevice[identity] = report.skippedCycles
        }
    }

    /// Forgets devices that are no longer configured (after a reload).
    func keep(only identities: Set<DeviceKey>) {
        state.withLock { state in
            state.devices = state.devices.filter { identities.contains($0.key) }
            state.skippedByDevice = state.skippedByDevice.filter { identities.contains($0.key) }
        }
    }

    /// The polling families, devices in station/device order.
    func families() -> [MetricFamily] {
        let snapshot = state.withLock { $0 }
        let devices = snapshot.devices.sorted { ($0.key.station, $0.key.device) < ($1.key.station, $1.key.device) }
        var up = MetricFamily("pumpgw_device_up", .gauge, help: "1 when the device answered its last poll, else 0.")
        var last = MetricFamily("pumpgw_device_last_success_timestamp_seconds", .gauge,
                                help: "When the device last answered a poll (Unix time); absent until it has.")
        var failures = MetricFamily("pumpgw_device_consecutive_failures", .gauge,
                                    help: "Polls in a row without a single good request.")
        var poll = MetricFamily("pumpgw_device_poll_duration_seconds", .histogram, help: "Time one poll of the device took.")
        for (identity, device) in devices {
            let labels: MetricFamily.Labels = [("station", identity.station), ("device", identity.device)]
            up.add(device.up ? 1 : 0, labels)
            if let time = device.lastSuccess { last.add((time.timeIntervalSince1970 * 1000).rounded() / 1000, labels) }
            failures.add(Double(device.consecutiveFailures), labels)
            poll.add(device.poll, labels)
        }
        var requests = MetricFamily("pumpgw_requests_total", .counter, help: "Modbus requests sent, by outcome.")
        requests.add(Double(snapshot.requests.ok), [("result", "ok")])
        requests.add(Double(snapshot.requests.exception), [("result", "exception")])
        requests.add(Double(snapshot.requests.timeout), [("result", "timeout")])
        requests.add(Double(snapshot.requests.error), [("result", "error")])
        var skipped = MetricFamily("pumpgw_cycles_skipped_total", .counter,
                                   help: "Poll cycles skipped because the previous one overran its interval.")
        skipped.add(Double(snapshot.skipped))
        var lateness = MetricFamily("pumpgw_cycle_lateness_seconds", .histogram,
                                    help: "How late poll cycles started against their schedule.")
        lateness.add(snapshot.lateness)
        return [up, last, failures, poll, requests, skipped, lateness]
    }
}
