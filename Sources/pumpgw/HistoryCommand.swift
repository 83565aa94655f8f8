// `pumpgw history`: the stored history of one point, as a table or CSV.

import Decoding
import Foundation
import Gateway
import Profiles
import Store
import Telemetry

enum HistoryCommand: Command {
    static let help = """
        pumpgw history: the stored history of one point

        Usage: pumpgw history --point STATION/DEVICE/POINT [--db FILE] [--since 1h] [--every 1m] [--csv]

          --point S/D/P   the point, e.g. FT-0412/ctrl1/outlet_pressure
          --db FILE       the gateway's SQLite store (default var/pumpgw.db)
          --since T       how far back, e.g. 30m, 6h, 7d (default 1h)
          --every T       one row per bucket of T (e.g. 1m, 1h): count, min,
                          max, mean and last of the good numeric samples
          --csv           print CSV (time,value,quality, or
                          time,count,min,max,mean,last with --every)

        History is stored by exception: a row when the value moved by more than
        the point's deadband, the quality changed, or the heartbeat passed.

        """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try CommandLineArguments(arguments, options: ["db", "point", "since", "every"], flags: ["csv"])
        guard options.positionals.isEmpty else { throw UsageError(message: "unexpected argument '\(options.positionals[0])'") }
        let parts = try options.required("point").split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, !parts.contains(where: \.isEmpty) else {
            throw UsageError(message: "--point must be STATION/DEVICE/POINT, e.g. FT-0412/ctrl1/outlet_pressure")
        }
        let sinceText = options.string("since") ?? "1h"
        guard let since = DurationText.parse(sinceText) else {
            throw UsageError(message: "--since must be a duration such as 30m, 6h or 7d, not '\(sinceText)'")
        }
        let store = try StationStore.openForReading(path: options.string("db") ?? "var/pumpgw.db")
        if let everyText = options.string("every") {
            guard let every = DurationText.parse(everyText), every.seconds >= 0.001 else {
                throw UsageError(message: "--every must be a duration such as 1m or 1h, not '\(everyText)'")
            }
            let buckets = try store.read { try $0.historyBuckets(station: parts[0], device: parts[1], point: parts[2],
                                                   since: Date().addingTimeInterval(-since.seconds), every: every.seconds) }
            printBuckets(buckets, csv: options.has("csv"), empty: "no history for \(parts.joined(separator: "/")) in the last \(sinceText)")
            return 0
        }
        let samples = try store.read { try $0.history(station: parts[0], device: parts[1], point: parts[2],
                                        since: Date().addingTimeInterval(-since.seconds)) }
        let rows = samples.map { [StatusOutput.timestamp($0.time), $0.value?.description ?? "", $0.quality.description] }
        if options.has("csv") {
            Console.print((["time,value,quality"] + rows.map { $0.map(csvField).joined(separator: ",") }).joined(separator: "\n"))
        } else if rows.isEmpty {
            Console.print("no history for \(parts.joined(separator: "/")) in the last \(sinceText)")
        } else {
            Console.print(TextTable.lines(header: ["TIME", "VALUE", "QUALITY"], rows: rows).joined(separator: "\n"))
        }
        return 0
    }

    static func printBuckets(_ buckets: [HistoryBucket], csv: Bool, empty: String) {
        func number(_ value: Double?) -> String { value.map(Value.format) ?? "" }
        let rows = buckets.map { [StatusOutput.timestamp($0.start), String($0.count), number($0.min), number($0.max),
                                  number($0.mean), number($0.last)] }
        if csv {
            Console.print((["time,count,min,max,mean,last"] + rows.map { $0.joined(separator: ",") }).joined(separator: "\n"))
        } else if rows.isEmpty {
            Console.print(empty)
        } else {
            Console.print(TextTable.lines(header: ["TIME", "COUNT", "MIN", "MAX", "MEAN", "LAST"], rows: rows).joined(separator: "\n"))
        }
    }

    /// Quoted when it holds a comma, a quote or a line break (RFC 4180).
    static func csvField(_ text: String) -> String { StatusDocument.csvField(text) }
}
