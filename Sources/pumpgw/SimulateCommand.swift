// `pumpgw simulate`: serve a simulated device until stopped.

import Foundation
import Profiles
import Simulator

enum SimulateCommand: Command {
    static let help = """
        pumpgw simulate: serve a simulated pump-room device over Modbus TCP or Modbus RTU

        Usage: pumpgw simulate --profile FILE [--host 127.0.0.1] [--port 1502] [--unit 1]
                              [--framing rtu | (--serial TTY | --pty LINK) [--baud 9600] [--parity none] [--data-bits 8] [--stop-bits 1]]
                              [--duration S] [--seed N] [--scenario NAME]
                              [--exception CODE [--exception-unit N] [--exception-range TABLE:FROM-TO]]
                              [--delay-ms N] [--drop-every N] [--down-for S [--down-after S]]

          --profile FILE    device profile whose registers are served
          --host ADDR       address to listen on (default 127.0.0.1)
          --port N          TCP port; 0 picks a free one (default 1502)
          --unit N          unit id answered, others get exception 11; 0 answers all (default 1);
                            with RTU a list such as 2,3,5 (others get silence, as on a bus)
          --framing rtu     RTU frames (CRC, no MBAP) on the TCP port: a transparent serial server
          --serial TTY      RTU on a serial port (e.g. one end of a socat pty pair) instead of TCP
          --pty LINK        RTU on a pseudo-terminal of its own (no socat needed): LINK becomes a
                            symlink to its slave end, the port to give the gateway. Requests at
                            another baud or stop-bit count than --baud/--stop-bits go unanswered,
                            as on a real line (a pty cannot carry parity or 7 data bits)
          --duration S      stop after S seconds (default: until SIGINT/SIGTERM)
          --seed N          seed of the value noise (default 1)
          --scenario NAME   normal (default), or pressure-drop[:AFTER:LASTING]: after
                            AFTER s (default 10) the booster set trips for LASTING s
                            (default 30): outlet pressure about 0.12 MPa, pumps stopped;
                            or set:POINT=VALUE[:AFTER[:LASTING]]: from AFTER s (default 0)
                            for LASTING s (default: for ever) the point shows VALUE, in
                            its unit (an enum or flag by its raw number), e.g.
                            set:flooding=1 or set:free_chlorine=0.03:5:60;
                            or wavering[:AFTER:LASTING]: outlet pressure swings ±15 kPa
                            every 4 s at peak hours (07-10, 18-21), or from AFTER s
                            for LASTING s

        Fault injection:
          --exception CODE         answer reads with this Modbus exception (e.g. 4, 6) ...
          --exception-unit N       ... only for this unit id
          --exception-range R      ... only for reads touching R, e.g. holding:401-409
                                   (addresses in the profile's numbering)
          --delay-ms N             delay every reply by N ms (a slow device)
          --drop-every N           close the connection instead of answering every Nth request
          --down-for S             after --down-after seconds (default 2), close every
                                   connection and stop listening for S seconds, then come back
          --bad-crc-every N        (RTU) send every Nth reply with a wrong CRC
          --foreign-unit-every N   (RTU) send every Nth reply with another unit's id
          --pace BAUD              (RTU) hold each reply for the wire time of request, turnaround
                                   and reply at BAUD: a real bus, for the bus benchmark
          --turnaround-ms N        (with --pace) the device starts answering N ms after the
                                   request (default 3.5 characters): a slow instrument

        Prints `pumpgw simulate: listening on HOST:PORT ...` once clients can connect.
        Addresses the profile does not define are answered with exception 2;
        writes are refused (exception 1) and counted.

        """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try CommandLineArguments(
            arguments, options: ["profile", "host", "port", "unit", "duration", "seed", "scenario", "exception", "exception-unit",
                                 "exception-range", "delay-ms", "drop-every", "down-for", "down-after",
                                 "framing", "serial", "pty", "baud", "parity", "data-bits", "stop-bits",
                                 "bad-crc-every", "foreign-unit-every", "pace", "turnaround-ms"], flags: [])
        guard options.positionals.isEmpty else { throw UsageError(message: "unexpected argument '\(options.positionals[0])'") }
        var settings = SimulatorOptions()
        let profilePath = try options.required("profile")
        settings.host = options.string("host") ?? "127.0.0.1"
        settings.port = try options.integer("port", default: 1502, range: 0...65535)
        try applyTransport(options, to: &settings)
        settings.duration = try options.seconds("duration")
        settings.seed = UInt64(try options.integer("seed", default: 1, range: 0...Int.max))
        if options.string("exception") != nil {
            settings.exception = UInt8(try options.integer("exception", default: 4, range: 1...255))
        }
        if options.string("exception-unit") != nil {
            settings.exceptionUnit = UInt8(try options.integer("exception-unit", default: 1, range: 0...255))
        }
        if let text = options.string("exception-range") {
            guard let range = AddressRange(option: text) else {
                throw UsageError(message: "--exception-range must look like holding:401-409, not '\(text)'")
            }
            settings.exceptionRange = range
        }
        settings.replyDelay = .milliseconds(try options.integer("delay-ms", default: 0, range: 0...600_000))
        if options.string("drop-every") != nil {
            settings.dropEvery = try options.integer("drop-every", default: 1, range: 1...Int.max)
        }
        if let text = options.string("scenario") {
            guard let scenario = Scenario(text) else {
                throw UsageError(message: "--scenario must be normal, pressure-drop[:AFTER:LASTING], wavering[:AFTER:LASTING] or set:POINT=VALUE[:AFTER[:LASTING]], not '\(text)'")
            }
            settings.scenario = scenario
        }
        settings.downFor = try options.seconds("down-for")
        settings.downAfter = try options.seconds("down-after") ?? 2

        guard let profile = loadProfile(profilePath) else { return 1 }
        if case .setPoint(let name, _, _, _) = settings.scenario, !profile.points.contains(where: { $0.name == name }) {
            throw UsageError(message: "--scenario set: profile \(profile.profile) has no point named '\(name)'")
        }
        let signals = StopSignals.install()
        defer { signals.cancel() }

        let simulator = ProfileSimulator(profile: profile, options: settings)
        if settings.rtu {
            try simulator.runRTU(
                shouldStop: { stopRequested.load(ordering: .relaxed) },
                onListening: { place in
                    let units = settings.units.isEmpty ? String(settings.unit) : settings.units.sorted().map(String.init).joined(separator: ",")
                    Console.print("pumpgw simulate: listening on \(place) (RTU) unit \(units) profile \(profile.profile) (\(profile.points.count) points)")
                })
            Console.print("pumpgw simulate: stopped after \(simulator.requestsServed) requests, \(simulator.writeRequests) write requests"
                          + (settings.paceBaud == nil ? "" : ", \(String(format: "%.3f", simulator.wireSeconds)) s of wire time in "
                             + String(format: "%.3f", simulator.lastReply?.timeIntervalSince(simulator.firstRequest ?? Date()) ?? 0) + " s")
                          + (simulator.lineMismatches == 0 ? "" : ", \(simulator.lineMismatches) requests at another line setting left unanswered"))
            return 0
        }
        try simulator.run(
            shouldStop: { stopRequested.load(ordering: .relaxed) },
            onListening: { port in
                Console.print("pumpgw simulate: listening on \(settings.host):\(port) unit \(settings.unit) profile \(profile.profile) (\(profile.points.count) points)")
            })
        Console.print("pumpgw simulate: stopped after \(simulator.requestsServed) requests, \(simulator.writeRequests) write requests")
        return 0
    }
}

extension SimulateCommand {
    /// `--unit`, `--framing`, `--serial ...` and the RTU-only options.
    static func applyTransport(_ options: CommandLineArguments, to settings: inout SimulatorOptions) throws(UsageError) {
        if let link = options.string("pty") {
            guard options.string("serial") == nil else { throw UsageError(message: "--pty and --serial exclude each other") }
            settings.serial = try TransportOptions.serial(options, path: link)
            settings.pty = true
        } else {
            settings.serial = try TransportOptions.serial(options)
        }
        settings.rtu = try TransportOptions.framing(options) == .rtu || settings.serial != nil
        let unitText = options.string("unit") ?? "1"
        let units = unitText.split(separator: ",").map { UInt8($0) }
        guard !units.isEmpty, units.allSatisfy({ $0 != nil }), units.count == 1 || settings.rtu else {
            throw UsageError(message: "--unit must be a unit id 0-255 (with RTU a list such as 2,3), not '\(unitText)'")
        }
        settings.unit = units[0] ?? 1
        if units.count > 1 { settings.units = Set(units.compactMap { $0 }) }
        for name in ["bad-crc-every", "foreign-unit-every"] where options.string(name) != nil && !settings.rtu {
            throw UsageError(message: "--\(name) needs --framing rtu or --serial")
        }
        if options.string("bad-crc-every") != nil {
            settings.badCRCEvery = try options.integer("bad-crc-every", default: 1, range: 1...Int.max)
        }
        if options.string("foreign-unit-every") != nil {
            settings.foreignUnitEvery = try options.integer("foreign-unit-every", default: 1, range: 1...Int.max)
        }
        if options.string("pace") != nil {
            guard settings.rtu else { throw UsageError(message: "--pace needs --framing rtu or --serial") }
            settings.paceBaud = try options.integer("pace", default: 9600, range: 300...4_000_000)
        }
        if options.string("turnaround-ms") != nil {
            guard settings.paceBaud != nil else { throw UsageError(message: "--turnaround-ms needs --pace") }
            settings.paceTurnaround = .milliseconds(try options.integer("turnaround-ms", default: 5, range: 0...10_000))
        }
    }
}
