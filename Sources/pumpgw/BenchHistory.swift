// `pumpgw bench history`: how long the store takes to answer `history`
// (the query alone, without printing), the median of 5 runs, as `history`
// opens the store (for reading, beside a running gateway).

import Foundation
import Profiles
import Store

enum BenchHistory {
    static func run(_ options: CommandLineArguments) throws -> Int32 {
        let parts = try options.required("point").split(separator: "/").map(String.init)
        guard parts.count == 3 else { throw UsageError(message: "--point must be STATION/DEVICE/POINT") }
        let sinceText = options.string("since") ?? "1h"
        guard let since = DurationText.parse(sinceText) else { throw UsageError(message: "--since must be a duration, not '\(sinceText)'") }
        let every = try options.string("every").map { text -> Double in
            guard let every = DurationText.parse(text) else { throw UsageError(message: "--every must be a duration, not '\(text)'") }
            return every.seconds
        }
        let store = try StationStore.openForReading(path: try options.required("db"))
        defer { store.close() }
        var times: [Double] = [], rows = 0
        for _ in 0..<5 {
            let started = Date(), from = Date().addingTimeInterval(-since.seconds)
            if let every {
                let buckets = try store.read { try $0.historyBuckets(station: parts[0], device: parts[1], point: parts[2], since: from, every: every) }
                rows = buckets.count
            } else {
                let samples = try store.read { try $0.history(station: parts[0], device: parts[1], point: parts[2], since: from) }
                rows = samples.count
            }
            times.append(Date().timeIntervalSince(started) * 1000)
        }
        Console.print("bench history: \(parts.joined(separator: "/")) since \(sinceText)\(every.map { " every \($0) s" } ?? ""): "
                      + "\(rows) rows, median \(String(format: "%.1f", times.sorted()[2])) ms of 5 (\(times.map { String(format: "%.1f", $0) }.joined(separator: ", ")))")
        return 0
    }
}
