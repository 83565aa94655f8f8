// `pumpgw simulate`: serve a simulated device until stopped.

import Foundation
import Profiles
import Simulator

enum SimulateCommand: Command {
    static let help = """
        pumpgw simulate: serve a simulated pump-room device over Modbus TCP

        Usage: pumpgw simulate --profile FILE [--host 127.0.0.1] [--port 1502] [--unit 1]
                              [--duration S] [--seed N] [--exception CODE]

          --profile FILE    device profile whose registers are served
          --host ADDR       address to listen on (default 127.0.0.1)
          --port N          TCP port; 0 picks a free one (default 1502)
          --unit N          unit id answered, others get exception 11; 0 answers all (default 1)
          --duration S      stop after S seconds (default: until SIGINT/SIGTERM)
          --seed N          seed of the value noise (default 1)
          --exception CODE  answer every request with this Modbus exception (fault injection)

        Prints `pumpgw simulate: listening on HOST:PORT ...` once clients can connect.
        Addresses the profile does not define are answered with exception 2;
        writes are refused (exception 1) and counted.

        """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try CommandLineArguments(
            arguments, options: ["profile", "host", "port", "unit", "duration", "seed", "exception"], flags: [])
        guard options.positionals.isEmpty else { throw UsageError(message: "unexpected argument '\(options.positionals[0])'") }
        var settings = SimulatorOptions()
        let profilePath = try options.required("profile")
        settings.host = options.string("host") ?? "127.0.0.1"
        settings.port = try options.integer("port", default: 1502, range: 0...65535)
        settings.unit = UInt8(try options.integer("unit", default: 1, range: 0...255))
        settings.duration = try options.seconds("duration")
        settings.seed = UInt64(try options.integer("seed", default: 1, range: 0...Int.max))
        if options.string("exception") != nil {
            settings.exception = UInt8(try options.integer("exception", default: 4, range: 1...255))
        }

        guard let profile = loadProfile(profilePath) else { return 1 }
        let signals = StopSignals.install()
        defer { signals.forEach { $0.cancel() } }

        let simulator = ProfileSimulator(profile: profile, options: settings)
        try simulator.run(
            shouldStop: { stopRequested.load(ordering: .relaxed) },
            onListening: { port in
                Console.print("pumpgw simulate: listening on \(settings.host):\(port) unit \(settings.unit) profile \(profile.profile) (\(profile.points.count) points)")
            })
        Console.print("pumpgw simulate: stopped after \(simulator.requestsServed) requests, \(simulator.writeRequests) write requests")
        return 0
    }
}
