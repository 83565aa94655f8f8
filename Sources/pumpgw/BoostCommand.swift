// `pumpgw boost`: polls a station (or one device) more densely for a while,
// lists the boosts in force, or cancels them. The request goes to the
// store's boosts table; the running gateway takes it up within a second,
// keeps it across restarts and ends it at its end time.

import Foundation
import Gateway
import Profiles
import Store

enum BoostCommand: Command {
    static let help = """
        pumpgw boost: intensive monitoring, polling a station or a device more densely for a while

        Usage:
          pumpgw boost (--config FILE | --db FILE) --station ID [--device ID] --interval D --for D
                       [--reason TEXT] [--history every|exception]
          pumpgw boost (--config FILE | --db FILE) --list [--json]
          pumpgw boost (--config FILE | --db FILE) --cancel --station ID [--device ID]

          --config FILE  the gateway config: the boost is checked against it (devices,
                         minInterval, the capacity of an RS-485 bus, the boost timeout)
          --db FILE      the store only: nothing is checked
          --interval D   e.g. 200ms; never below a device's minInterval (it says so)
          --for D        e.g. 2h; the boost ends by itself then
          --history      every (default): keep every sample; exception: history as usual

        The running gateway applies it within 1 s; it survives a restart.

        """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try CommandLineArguments(arguments, options: ["config", "db", "station", "device", "interval", "for", "reason", "history"],
                                               flags: ["list", "json", "cancel"])
        guard options.positionals.isEmpty else { throw UsageError(message: "unexpected argument '\(options.positionals[0])'") }
        var settings: GatewaySettings?
        let path: String
        switch (options.string("config"), options.string("db")) {
        case (let config?, nil):
            do {
                settings = try GatewaySettings.load(path: config)
            } catch {
                for problem in error.problems { Console.error(problem.description) }
                return 1
            }
            path = settings?.storePath ?? ""
        case (nil, let db?): path = db
        default: throw UsageError(message: "give --config FILE or --db FILE (one of them)")
        }
        let now = Date()
        if options.has("list") {
            Console.print(BoostListing.render(try BoostTable(path: path).active(at: now), json: options.has("json"), now: now))
            return 0
        }
        let station = try options.required("station")
        let device = options.string("device")
        if let settings, let problem = BoostAdmission(config: settings.loaded).unknownTarget(station: station, device: device) {
            Console.error(problem)
            return 1
        }
        if options.has("cancel") {
            let count = try BoostTable(path: path).cancel(station: station, device: device, at: now)
            Console.print("cancelled \(count) boost\(count == 1 ? "" : "s") of \(device.map { "\(station)/\($0)" } ?? station)")
            return 0
        }
        return try add(options, station: station, device: device, settings: settings, path: path, now: now)
    }

    private static func add(_ options: CommandLineArguments, station: String, device: String?, settings: GatewaySettings?,
                            path: String, now: Date) throws -> Int32 {
        let intervalText = try options.required("interval"), forText = try options.required("for")
        guard let interval = DurationText.parse(intervalText), interval > .zero else {
            throw UsageError(message: "--interval '\(intervalText)' is not a duration such as 200ms")
        }
        guard let duration = DurationText.parse(forText), duration > .zero else {
            throw UsageError(message: "--for '\(forText)' is not a duration such as 2h")
        }
        let history = options.string("history") ?? "every"
        guard ["every", "exception"].contains(history) else { throw UsageError(message: "--history must be every or exception") }
        let until = now.addingTimeInterval(duration.seconds)
        if let settings {
            let request = BoostRequest(station: station, device: device, interval: interval, from: now, until: until, source: .cli)
            // No store yet (the gateway never ran): no boosts in force.
            let active = (try? BoostTable(path: path, readOnly: true).active(at: now)) ?? []
            switch BoostAdmission(config: settings.loaded).check(request, active: active, at: now) {
            case .success(let notes): notes.forEach(Console.print)
            case .failure(let refusal):
                Console.error("refused: \(refusal.message)")
                return 1
            }
        } else {
            Console.print("not checked against a config (--db): minInterval and bus capacity are applied by the gateway")
        }
        _ = try BoostTable(path: path).add(BoostRecord(station: station, device: device, intervalMilliseconds: Int64(interval.seconds * 1000),
                                      created: now, until: until, reason: options.string("reason") ?? "", source: "cli",
                                      history: history))
        Console.print("boost \(device.map { "\(station)/\($0)" } ?? station): \(DurationText.format(interval)) until \(BoostListing.utc(until)); the gateway takes it up within 1 s")
        return 0
    }
}

enum BoostListing {
    static func utc(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    /// One boost as `boost --list --json` and `status --json` (its `boosts`)
    /// both print it: one shape for scripts. `device` null: the whole station.
    struct JSON: Encodable {
        var station: String
        var device: OrNull<String>
        var interval_ms: Int64
        var until: String
        var reason, source, history: String

        init(_ boost: BoostRecord) {
            (station, device, interval_ms) = (boost.station, OrNull(boost.device), boost.intervalMilliseconds)
            (until, reason, source, history) = (BoostListing.utc(boost.until), boost.reason, boost.source, boost.history)
        }
    }

    static func render(_ boosts: [BoostRecord], json: Bool, now: Date) -> String {
        if json {
            struct Listing: Encodable { var boosts: [JSON] }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data = (try? encoder.encode(Listing(boosts: boosts.map(JSON.init)))) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
        guard !boosts.isEmpty else { return "no active boosts" }
        return boosts.map { boost in
            let left = Int(boost.until.timeIntervalSince(now) / 60)
            return "\(boost.device.map { "\(boost.station)/\($0)" } ?? boost.station)  \(DurationText.format(.milliseconds(boost.intervalMilliseconds)))  until \(utc(boost.until)) (\(left) min left)  \(boost.source)\(boost.reason.isEmpty ? "" : ": " + boost.reason)"
        }.joined(separator: "\n")
    }
}
