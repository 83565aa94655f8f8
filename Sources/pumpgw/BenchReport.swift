// `pumpgw bench report`: how long `report pressure` takes over a long
// history of one point. `--fill` first writes that history into a new store:
// ST-0/booster/outlet_pressure every `--interval` for `--days` up to now,
// every sample kept (as during a boost), compacted into chunks as the
// gateway's compactor would. The pressure wavers ±15 kPa with a 4 s period
// from 07:00 to 10:00 UTC (dipping below 0.44 MPa), and is steady otherwise.

import Foundation
import Gateway
import Profiles
import Store
import Telemetry

enum BenchReport {
    static let identity = DeviceIdentity(station: "ST-0", device: "booster", profile: "bench")

    static func run(_ options: CommandLineArguments) throws -> Int32 {
        let path = try options.required("db")
        let days = try options.integer("days", default: 7, range: 1...366)
        if options.has("fill") {
            let intervalText = options.string("interval") ?? "1s"
            guard let interval = DurationText.parse(intervalText), interval >= .milliseconds(10) else {
                throw UsageError(message: "--interval must be a duration of 10ms or more, not '\(intervalText)'")
            }
            try fill(path, interval: interval, days: days)
        }
        let store = try StationStore.openForReading(path: path)
        defer { store.close() }
        var times: [Double] = [], samples = 0
        for _ in 0..<5 {
            let started = Date()
            let report = try PressureReport.read(store: store, station: identity.station, device: identity.device, point: "outlet_pressure",
                                                 since: Date().addingTimeInterval(-Double(days + 1) * 86400), low: 0.44,
                                                 timeZone: TimeZone(identifier: "UTC")!)
            times.append(Date().timeIntervalSince(started) * 1000)
            samples = report.samples
        }
        Console.print("bench report: \(identity.station)/\(identity.device)/outlet_pressure over \(days + 1) days: \(samples) samples, "
                      + "median \(String(format: "%.0f", times.sorted()[2])) ms of 5 (\(times.map { String(format: "%.0f", $0) }.joined(separator: ", ")))")
        return 0
    }

    static func fill(_ path: String, interval: Duration, days: Int) throws {
        let step = interval.seconds, count = Int((Double(days) * 86400 / step).rounded())
        let start = Date().addingTimeInterval(-Double(count) * step)
        let store = try StationStore(path: path, options: StoreOptions(compactionInterval: nil))
        var random = UnitRandom()
        let started = Date()
        var written = 0
        while written < count {
            var batch = StoreBatch()
            for index in written..<min(written + 3000, count) {
                let time = start.addingTimeInterval(Double(index) * step)
                let seconds = time.timeIntervalSince1970
                let hour = Int(seconds / 3600) % 24
                let swing = (7..<10).contains(hour) ? 0.015 * sin(2 * .pi * seconds / 4) : 0
                let value = ((0.45 + swing + (random.unit() - 0.5) * 0.002) * 1000).rounded() / 1000
                var sample = DeviceSample(identity: identity, time: time,
                                          points: [PointSample(name: "outlet_pressure", unit: "MPa", reading: .good(.double(value)))])
                sample.keepsEverySample = true
                batch.samples.append(sample)
            }
            try store.write { try $0.write(batch) }
            written += batch.samples.count
        }
        let compaction = try store.compactNow()
        store.close()
        Console.print("bench report: wrote \(count) samples every \(DurationText.format(interval)) over \(days) days in "
                      + "\(String(format: "%.1f", Date().timeIntervalSince(started))) s; \(compaction.chunks) chunks")
    }
}
