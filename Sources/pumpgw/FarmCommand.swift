// `pumpgw farm`: many simulated devices in one process, for benchmarks.

import Foundation
import Profiles
import Simulator

enum FarmCommand: Command {
    static let help = """
        pumpgw farm: serve N simulated devices on N ports from one process (benchmarks)

        Usage: pumpgw farm --profile FILE --devices N [--base-port 20000] [--duration S]
                          [--silent I,J,...] [--slow I,J,... [--slow-ms 3000]]

          --profile FILE   profile every device serves
          --devices N      number of devices; device i listens on 127.0.0.1:BASE+i
          --base-port P    first port (default 20000)
          --silent LIST    device indexes that accept connections and never answer
          --slow LIST      device indexes whose replies are delayed by --slow-ms
          --duration S     stop after S seconds (default: until SIGINT/SIGTERM)

        One poll() loop serves every connection (no thread per device).
        Prints `pumpgw farm: listening on 127.0.0.1:BASE-LAST` when ready.

        """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try CommandLineArguments(
            arguments, options: ["profile", "devices", "base-port", "duration", "silent", "slow", "slow-ms"], flags: [])
        guard options.positionals.isEmpty else { throw UsageError(message: "unexpected argument '\(options.positionals[0])'") }
        var settings = FarmOptions()
        let profilePath = try options.required("profile")
        settings.devices = try options.integer("devices", default: 10, range: 1...20_000)
        settings.basePort = try options.integer("base-port", default: 20000, range: 1...65535)
        guard settings.basePort + settings.devices - 1 <= 65535 else {
            throw UsageError(message: "--base-port + --devices runs past port 65535")
        }
        settings.duration = try options.seconds("duration")
        settings.silent = try indexes(options.string("silent"), name: "silent")
        settings.slow = try indexes(options.string("slow"), name: "slow")
        settings.slowDelay = .milliseconds(try options.integer("slow-ms", default: 3000, range: 0...600_000))

        guard let profile = loadProfile(profilePath) else { return 1 }
        let signals = StopSignals.install()
        defer { signals.cancel() }
        let farm = FarmServer(profile: profile, options: settings)
        try farm.run(shouldStop: { stopRequested.load(ordering: .relaxed) }, onListening: { base, count in
            Console.print("pumpgw farm: listening on 127.0.0.1:\(base)-\(base + count - 1) (\(count) devices, profile \(profile.profile))")
        })
        Console.print("pumpgw farm: stopped after \(farm.requestsServed) requests, \(farm.writeRequests) write requests")
        return 0
    }

    static func indexes(_ text: String?, name: String) throws(UsageError) -> Set<Int> {
        guard let text, !text.isEmpty else { return [] }
        var result: Set<Int> = []
        for part in text.split(separator: ",") {
            guard let index = Int(part), index >= 0 else {
                throw UsageError(message: "--\(name) takes device indexes such as 0,5,17, not '\(text)'")
            }
            result.insert(index)
        }
        return result
    }
}
