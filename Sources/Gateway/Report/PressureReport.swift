// `pumpgw report pressure`: reads one point's history through the store's
// read API (never SQL on the frames: the storage underneath changes) and
// folds it into PressureStatistics per device; renders text or JSON.

import Foundation
import Profiles
import Rules
import Store

public struct PressureReport: Sendable {
    public var station: String
    public var device: String
    public var point: String
    public var statistics: PressureStatistics
    public var samples: Int

    /// Reads `point` of one device since `since` from `store`, streamed
    /// sample by sample (StoreEngine.forEachNumber): a week of 100 ms
    /// polls is 6 M samples, never held in memory at once.
    @available(*, noasync)
    public static func read(store: StationStore, station: String, device: String, point: String, since: Date,
                            low: Double?, timeZone: TimeZone) throws -> PressureReport {
        var statistics = PressureStatistics(low: low, timeZone: timeZone)
        var last: Int64?
        let count = try store.read { engine in
            try engine.forEachNumber(station: station, device: device, point: point, since: since) { time, value in
                statistics.add(value, at: Date(timeIntervalSince1970: Double(time) / 1000))
                last = max(last ?? time, time)
            }
        }
        if let last { statistics.finish(at: Date(timeIntervalSince1970: Double(last) / 1000)) }
        return PressureReport(station: station, device: device, point: point, statistics: statistics, samples: count)
    }

    /// The low limit of `point` on a configured device: its resolved `low` rule (profile, station and device overrides).
    public static func lowLimit(settings: GatewaySettings, station: String, device: String, point: String) -> Double? {
        guard let resolved = settings.devices.first(where: { $0.station.id == station && $0.config.id == device }) else { return nil }
        var resolver = DeviceRuleResolver(config: settings.loaded, timeZone: settings.timeZone)
        for rule in resolver.resolve(resolved).rules.rules where rule.point == point {
            if case .limit(let limit) = rule.condition, limit.kind == .low { return limit.limit }
        }
        return nil
    }

    public func text(timeZone: TimeZone, worst: Int = 5) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        func row(_ bucket: PressureBucket, _ label: String) -> String {
            let excursions = statistics.low.map { _ in
                "  below \(bucket.excursions)" + (bucket.excursions > 0 ? " (longest \(Int(bucket.longestExcursion))s)" : "")
            } ?? ""
            return "  \(label)  n=\(bucket.count)  min \(f(bucket.min))  max \(f(bucket.max))  mean \(f(bucket.mean))  sd \(f(bucket.standardDeviation))  p2p \(f(bucket.peakToPeak))\(excursions)"
        }
        var lines = ["\(station)/\(device) \(point): \(samples) samples" + (statistics.low.map { ", low limit \(f($0))" } ?? ", no low limit")]
        lines.append("per day:")
        lines += statistics.days.map { row($0, String(formatter.string(from: $0.start).prefix(10))) }
        lines.append("per hour:")
        lines += statistics.hours.map { row($0, formatter.string(from: $0.start)) }
        lines.append("worst hours (standard deviation):")
        lines += statistics.worstHours(worst).map { row($0, formatter.string(from: $0.start)) }
        return lines.joined(separator: "\n")
    }

    public func json(worst: Int = 5) -> [String: Any] {
        func bucket(_ bucket: PressureBucket) -> [String: Any] {
            var object: [String: Any] = ["start": ISO8601DateFormatter().string(from: bucket.start), "count": bucket.count,
                                         "min": bucket.min, "max": bucket.max, "mean": bucket.mean,
                                         "stddev": bucket.standardDeviation, "peak_to_peak": bucket.peakToPeak]
            if statistics.low != nil {
                object["excursions"] = bucket.excursions
                object["longest_excursion_s"] = bucket.longestExcursion
            }
            return object
        }
        return ["station": station, "device": device, "point": point, "samples": samples,
                "low": statistics.low ?? NSNull(), "days": statistics.days.map(bucket), "hours": statistics.hours.map(bucket),
                "worst_hours": statistics.worstHours(worst).map(bucket)]
    }

    private func f(_ value: Double) -> String { String(format: "%.4g", value) }
}
