// `pumpgw bench raw`: the benchmark floor. Polls a config's devices with the
// same requests and schedule as the gateway but does nothing with the
// answers; prints requests and CPU seconds per request.

import Foundation
import Gateway
import Profiles

enum RawBenchCommand: Command {
    static let help = """
        pumpgw bench raw: the raw libmodbus polling loop, the floor the gateway is measured against

        Usage: pumpgw bench raw --config FILE [--duration 30]

        Polls every device of the config at its interval, one thread per endpoint,
        reading each device's planned blocks and discarding the answers: no
        decoding, rules, store or feed. Prints one line:
          raw: devices=N requests=R failures=F wall_s=W cpu_s=C cpu_us_per_request=U

        """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try CommandLineArguments(arguments, options: ["config", "duration"], flags: [])
        guard options.positionals == ["raw"] else { throw UsageError(message: "say what to bench: pumpgw bench raw") }
        let path = try options.required("config")
        let seconds = try options.seconds("duration") ?? 30
        let config: LoadedConfig
        do {
            config = try ConfigLoader.load(path: path)
        } catch {
            for problem in error.problems { Console.error(problem.description) }
            return 1
        }
        let result = RawPollBaseline.run(devices: config.devices, duration: .milliseconds(Int64(seconds * 1000)))
        let perRequest = result.requests > 0 ? result.cpuSeconds / Double(result.requests) * 1e6 : 0
        Console.print(String(format: "raw: devices=%d requests=%d failures=%d wall_s=%.2f cpu_s=%.3f cpu_us_per_request=%.2f",
                             config.devices.count, result.requests, result.failures, result.wallSeconds,
                             result.cpuSeconds, perRequest))
        return 0
    }
}
