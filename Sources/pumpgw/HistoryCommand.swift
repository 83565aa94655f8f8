// `pumpgw history`: the stored history of one point, as a table or CSV.

import Decoding
import Foundation
import Gateway
import Profiles
import Store

enum HistoryCommand: Command {
    static let help = """
        pumpgw history: the stored history of one point

        Usage: pumpgw history --point STATION/DEVICE/POINT [--db FILE] [--since 1h] [--csv]

          --point S/D/P   the point, e.g. FT-0412/ctrl1/outlet_pressure
          --db FILE       the gateway's SQLite store (default var/pumpgw.db)
          --since T       how far back, e.g. 30m, 6h, 7d (default 1h)
          --csv           print CSV (time,value,quality) instead of a table

        History is stored by exception: a row when the value moved by more than
        the point's deadband, the quality changed, or the heartbeat passed.

        """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try CommandLineArguments(arguments, options: ["db", "point", "since"], flags: ["csv"])
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
        let samples = try store.history(station: parts[0], device: parts[1], point: parts[2],
                                        since: Date().addingTimeInterval(-since.seconds))
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

    static func csvField(_ text: String) -> String { StatusDocument.csvField(text) }
}
