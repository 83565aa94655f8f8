// `pumpgw report pressure`: the evidence a utility takes to an estate: per
// day and hour, how the pressure wavered, how often and how long it fell
// below the low limit, and the worst hours.

import Foundation
import Gateway
import Profiles
import Store

enum ReportCommand: Command {
    static let help = """
        pumpgw report pressure: per day and hour pressure statistics from the store

        Usage: pumpgw report pressure (--config FILE | --db FILE) --station ID [--device ID]
                                      [--point outlet_pressure] [--since 7d] [--low X] [--json]

          --config FILE  the gateway config: its store, time zone and the point's low rule
          --db FILE      the store only (times in UTC unless --config)
          --device ID    one device (default: every device of the station with the point)
          --since D      how far back (default 7d)
          --low X        the low limit, in the point's unit (default: the device's low rule)

        Prints per day and per hour: samples, min, max, mean, standard deviation,
        peak to peak, excursions below the low limit and the longest; then the worst hours.

        """

    static func run(_ arguments: [String]) throws -> Int32 {
        guard arguments.first == "pressure" else { throw UsageError(message: "the only report is 'pressure'") }
        let options = try CommandLineArguments(Array(arguments.dropFirst()),
                                               options: ["config", "db", "station", "device", "point", "since", "low"], flags: ["json"])
        guard options.positionals.isEmpty else { throw UsageError(message: "unexpected argument '\(options.positionals[0])'") }
        var settings: GatewaySettings?
        if let config = options.string("config") {
            do { settings = try GatewaySettings.load(path: config) } catch {
                for problem in error.problems { Console.error(problem.description) }
                return 1
            }
        }
        guard let path = options.string("db") ?? settings?.storePath else { throw UsageError(message: "give --config FILE or --db FILE") }
        let station = try options.required("station")
        let point = options.string("point") ?? "outlet_pressure"
        let sinceText = options.string("since") ?? "7d"
        guard let since = DurationText.parse(sinceText) else { throw UsageError(message: "--since '\(sinceText)' is not a duration such as 7d") }
        let low = try options.string("low").map { text throws(UsageError) -> Double in
            guard let value = Double(text) else { throw UsageError(message: "--low '\(text)' is not a number") }
            return value
        }
        let store = try StationStore.openForReading(path: path)
        let stations = try store.read { try $0.status() }
        let devices = stations.first { $0.station == station }?.devices
            .filter { options.string("device") == nil || $0.device == options.string("device") }
            .filter { $0.points.contains { $0.name == point } }.map(\.device) ?? []
        guard !devices.isEmpty else {
            Console.error("\(path): no device of station \(station)\(options.string("device").map { " named \($0)" } ?? "") has a point \(point) in the store")
            return 1
        }
        let timeZone = settings?.timeZone ?? TimeZone(identifier: "UTC")!
        let from = Date().addingTimeInterval(-since.seconds)
        let reports = try devices.map { device in
            try PressureReport.read(store: store, station: station, device: device, point: point, since: from,
                                    low: low ?? settings.flatMap { PressureReport.lowLimit(settings: $0, station: station, device: device, point: point) },
                                    timeZone: timeZone)
        }
        if options.has("json") {
            let data = try JSONSerialization.data(withJSONObject: ["reports": reports.map { $0.json() }], options: [.sortedKeys])
            Console.print(String(decoding: data, as: UTF8.self))
        } else {
            Console.print(reports.map { $0.text(timeZone: timeZone) }.joined(separator: "\n\n"))
        }
        return 0
    }
}
