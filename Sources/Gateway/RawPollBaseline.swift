// The floor for benchmarks: the same devices, the same requests, the same
// threads and schedule as the gateway, but nothing done with the answers:
// no decoding, no rules, no store, no feed. The gateway's CPU per request
// divided by this loop's is the pipeline's overhead.

import Dispatch
import Foundation
import Modbus
import Profiles
import Synchronization

public struct RawPollResult: Sendable {
    public var requests = 0
    public var failures = 0
    /// Process CPU time (user + system) while polling, seconds.
    public var cpuSeconds = 0.0
    public var wallSeconds = 0.0
}

public enum RawPollBaseline {
    /// Polls every device's plan at its interval for `duration`, one thread per endpoint.
    public static func run(devices: [ResolvedDevice], duration: Duration) -> RawPollResult {
        let totals = Mutex(RawPollResult())
        var byEndpoint: [String: [ResolvedDevice]] = [:]
        for device in devices { byEndpoint[device.endpointKey, default: []].append(device) }
        let start = DispatchTime.now().uptimeNanoseconds
        let end = start + PollSchedule.nanoseconds(duration)
        let cpuBefore = processCPUSeconds()
        let group = DispatchGroup()
        for (index, members) in byEndpoint.values.enumerated() {
            group.enter()
            let share = Double(index) / Double(max(1, byEndpoint.count))
            let thread = Thread {
                let counts = poll(members, share: share, start: start, end: end)
                totals.withLock {
                    $0.requests += counts.requests
                    $0.failures += counts.failures
                }
                group.leave()
            }
            thread.stackSize = 512 * 1024
            thread.start()
        }
        group.wait()
        var result = totals.withLock { $0 }
        result.cpuSeconds = processCPUSeconds() - cpuBefore
        result.wallSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return result
    }

    static func poll(_ devices: [ResolvedDevice], share: Double, start: UInt64, end: UInt64) -> (requests: Int, failures: Int) {
        guard let first = devices.first else { return (0, 0) }
        let client = ModbusClient(host: first.config.host, port: first.port, unit: first.unit, timeout: first.timeout)
        defer { client.close() }
        var schedules = devices.map {
            PollSchedule(start: start + PollSchedule.nanoseconds($0.interval * share), interval: $0.interval)
        }
        var requests = 0, failures = 0
        while true {
            guard let index = schedules.indices.min(by: { schedules[$0].nextDue < schedules[$1].nextDue }) else { break }
            let due = schedules[index].nextDue
            if due >= end { break }
            let now = DispatchTime.now().uptimeNanoseconds
            if now < due { Thread.sleep(forTimeInterval: Double(due - now) / 1e9) }
            _ = schedules[index].begin(now: DispatchTime.now().uptimeNanoseconds)
            client.unit = devices[index].unit
            for block in devices[index].plan.blocks {
                requests += 1
                if case .failed = DeviceReader.read(block, with: client) { failures += 1 }
            }
        }
        return (requests, failures)
    }

    /// User + system CPU time of this process so far, seconds.
    public static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }
}
