// `pumpgw run`: the daemon. Runs until SIGTERM or SIGINT, then flushes and
// exits 0; SIGHUP reloads the config (an invalid one is reported and the
// running config stays).

import Dispatch
import Foundation
import Gateway
import Lifecycle
import Logging
import Profiles
import Synchronization

enum RunCommand: Command {
    static let help = """
        pumpgw run: the gateway daemon

        Usage: pumpgw run --config FILE [--log-level info]

          --config FILE      gateway config (JSON5); see README "Config reference"
          --log-level LEVEL  debug, info (default), warn or error

        Polls every configured device, evaluates the alarm rules, keeps the
        station state in SQLite and feeds the central servers. SIGTERM or SIGINT:
        finish the polls in flight (a poll still waiting after 0.5 s is cut
        short and not reported), write everything, give the feed up to 5 s,
        exit 0; past 20 s in all, exit 1. SIGHUP: reload the config; if it is
        invalid the problems are logged and the running config stays. Signals
        that arrive during start-up wait until it is done. Logs: logfmt lines
        on stderr.

        """

    static func run(_ arguments: [String]) throws -> Int32 {
        // Before anything else: from here on TERM, INT and HUP wait in the
        // queue until start-up is done (a HUP used to kill the process with
        // 129, which systemd counts as a clean exit).
        let signals = SignalQueue(catching: [SIGTERM, SIGINT, SIGHUP])
        let options = try CommandLineArguments(arguments, options: ["config", "log-level"], flags: [])
        guard options.positionals.isEmpty else { throw UsageError(message: "unexpected argument '\(options.positionals[0])'") }
        let path = try options.required("config")
        let levelName = options.string("log-level") ?? "info"
        guard let level = LogLevel(name: levelName) else {
            throw UsageError(message: "--log-level must be debug, info, warn or error, not '\(levelName)'")
        }
        let log = Logger(minimum: level)

        let settings: GatewaySettings
        do {
            settings = try GatewaySettings.load(path: path)
        } catch {
            for problem in error.problems { Console.error(problem.description) }
            return 1
        }
        let runtime: GatewayRuntime
        do {
            runtime = try GatewayRuntime(settings: settings, log: log, statusJSON: StatusOutput.document)
        } catch {
            Console.error("\(error)")
            return 1
        }
        let outcome = blockingWait {
            await runtime.run(signals: signals) {
                do throws(ConfigProblems) {
                    runtime.reload(try GatewaySettings.load(path: path))
                } catch {
                    log.error("config reload refused; the running config stays",
                              ["config": path, "problems": error.problems.map(\.description).joined(separator: "; ")])
                }
            }
        }
        switch outcome {
        case .stopped(let failed): return failed.isEmpty ? 0 : 1
        case .deadlineExceeded: return 1
        }
    }
}
