// `pumpgw bench store`: writes realistic poll cycles of many devices into a
// store as fast as it allows and prints transactions/s, rows/s and bytes.
// Also the child the kill -9 test shoots at (`--progress`).

import Decoding
import Foundation
import Rules
import Store
import Telemetry

enum BenchCommand: Command {
    static let help = """
        pumpgw bench store: how fast the store takes poll cycles

        Usage: pumpgw bench codec [--hours 24]     (bytes per sample of the history chunk codec)
               pumpgw bench decode [--check-every N]   (ns per decimal-exact value; with N, every Nth
                                  float32 checked against Double(String(f)), 1 = all of them)
               pumpgw bench history --db FILE --point S/D/P [--since 1h] [--every 1m]   (query time)
               pumpgw bench report --db FILE [--fill [--interval 100ms]] [--days 7]   (report pressure time;
                                  --fill first writes a week of one point's history)
               pumpgw bench store --db FILE [--devices 100] [--points 50] [--cycles K | --duration S]
                                  [--per-device] [--synchronous normal|full] [--deadband D] [--progress]
                                  [--compact-every S]

          --db FILE          the database to write (created; an existing one is continued)
          --devices N        devices polled per cycle (default 100)
          --points M         points per device (default 50): 60% analog, 30% on/off, 10% counters
          --cycles K         cycles to write (default 10)
          --duration S       write for S seconds instead
          --per-device       one transaction per device instead of one per cycle
          --synchronous M    normal (default) or full
          --deadband D       history deadband of the analog points (default 0: any change)
          --progress         print "committed CYCLE lines N samples S" after every committed
                             cycle (N outbox lines and S history samples committed by this run)
          --compact-every S  the compactor's interval (default 10 s, as the gateway)

        Each cycle is one poll of every device one simulated second after the
        last: latest values, history by exception, health, an outbox line per
        device, now and then an alarm. With --cycles the simulated polls end
        when the bench starts (so `history --since 1h` reads the last hour).
        The compactor runs on its own thread as in the gateway; at the end the
        bench compacts what is due, and says how long each took.

        """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try CommandLineArguments(arguments, options: ["db", "devices", "points", "cycles", "duration",
                                                                    "synchronous", "deadband", "hours", "compact-every",
                                                                    "point", "since", "every", "interval", "days", "check-every"],
                                               flags: ["per-device", "progress", "fill"])
        switch options.positionals {
        case ["history"]: return try BenchHistory.run(options)
        case ["report"]: return try BenchReport.run(options)
        case ["codec"]: return try BenchCodec.run(hours: options.integer("hours", default: 24, range: 1...24 * 366))
        case ["decode"]:
            let every = options.string("check-every") == nil ? nil : try options.integer("check-every", default: 1, range: 1...1 << 30)
            return try BenchDecode.run(checkEvery: every)
        case ["store"]: return try BenchStore.run(options)
        default: throw UsageError(message: "say what to bench: pumpgw bench store, history, report, codec or decode")
        }
    }

    /// User + system CPU time of this process so far.
    static func processCPUSeconds() -> TimeInterval {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> TimeInterval { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// Bytes this process caused to be written to the block device (Linux).
    static func diskBytesWritten() -> Int64 {
        guard let text = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8) else { return -1 }
        let line = text.split(separator: "\n").first { $0.hasPrefix("write_bytes:") }
        return line.flatMap { Int64($0.dropFirst("write_bytes:".count).trimmingCharacters(in: .whitespaces)) } ?? -1
    }

    static func fileSize(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }
}

/// Synthetic pump-room devices: analog values that wander, on/off points that
/// rarely flip, counters that count up, a device that drops out now and then.
struct BenchWorkload {
    let devices: Int
    let points: Int
    private var time: Date
    private var random = UnitRandom()
    private var analog: [[Double]]
    private var switches: [[Bool]]
    private var counters: [[Int64]]
    private var raised: Set<Int> = []
    private(set) var alarmEvents = 0

    init(devices: Int, points: Int, start: Date) {
        self.devices = devices
        self.points = points
        time = start
        analog = Array(repeating: Array(repeating: 0.45, count: points), count: devices)
        switches = Array(repeating: Array(repeating: false, count: points), count: devices)
        counters = Array(repeating: Array(repeating: 0, count: points), count: devices)
    }

    mutating func nextCycle() -> StoreBatch {
        time = time.addingTimeInterval(1)
        var batch = StoreBatch()
        let stamp = Int64(time.timeIntervalSince1970 * 1000)
        for device in 0..<devices {
            let identity = DeviceIdentity(station: "ST-\(device / 4)", device: "dev\(device % 4)", profile: "bench")
            let online = random.unit() >= 0.01
            var samples: [PointSample] = []
            var fields: [String] = []
            for point in 0..<points {
                let name = "p\(point)"
                let reading: Reading
                switch point % 10 {
                case 0...5:
                    analog[device][point] += (random.unit() - 0.5) * 0.01
                    reading = .good(.double((analog[device][point] * 1000).rounded() / 1000))
                case 6...8:
                    if random.unit() < 0.01 { switches[device][point].toggle() }
                    reading = .good(.bool(switches[device][point]))
                default:
                    counters[device][point] += Int64(random.unit() * 3)
                    reading = .good(.integer(counters[device][point]))
                }
                let sample = online ? reading : .error("timed out")
                samples.append(PointSample(name: name, unit: point % 10 < 6 ? "MPa" : nil, reading: sample))
                if let value = sample.value { fields.append("\(name)=\(value)") }
            }
            batch.samples.append(DeviceSample(identity: identity, time: time, points: samples))
            batch.health.append(DeviceHealth(identity: identity, time: time, connected: online, pollMilliseconds: 12,
                                             errors: 0, consecutiveFailures: online ? 0 : 1,
                                             lastGoodPoll: online ? time : nil, lastError: online ? nil : "timed out"))
            let key = "\(identity.station)/\(identity.device)"
            let line = "pump_station,device=\(identity.device),profile=bench,station=\(identity.station) \(fields.joined(separator: ",")) \(stamp)"
            batch.outbox.append(OutboxLines(deviceKey: key, lines: fields.isEmpty ? [] : [line]))
            if random.unit() < 0.001 { batch.alarms.append(toggleAlarm(device, identity)) }
        }
        return batch
    }

    private mutating func toggleAlarm(_ device: Int, _ identity: DeviceIdentity) -> AlarmEvent {
        let raise = raised.insert(device).inserted
        if !raise { raised.remove(device) }
        alarmEvents += 1
        return AlarmEvent(station: identity.station, device: identity.device, point: "p0", rule: "high", severity: .major,
                          state: raise ? .raised : .cleared, value: analog[device][0], limit: 0.6, time: time,
                          message: "p0 \(raise ? "above" : "back below") 0.6 MPa")
    }
}

extension StoreBatch {
    /// The same writes split into one batch per device.
    func perDevice() -> [StoreBatch] {
        samples.indices.map { index in
            let key = "\(samples[index].identity.station)/\(samples[index].identity.device)"
            return StoreBatch(samples: [samples[index]], health: index < health.count ? [health[index]] : [],
                              alarms: alarms.filter { "\($0.station)/\($0.device)" == key },
                              outbox: outbox.filter { $0.deviceKey == key })
        }
    }
}

/// Uniform numbers in [0, 1), seeded from the system generator (the bench
/// needs realistic spread, not repeatable runs).
struct UnitRandom {
    /// xorshift64: cheap, unlike a system call per number.
    private var state = UInt64.random(in: 1...UInt64.max)
    mutating func unit() -> Double {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Double(state >> 11) / Double(1 << 53)
    }
}
