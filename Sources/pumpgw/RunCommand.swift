// `pumpgw run`: the daemon. Runs until SIGTERM or SIGINT, then flushes and
// exits 0; SIGHUP reloads the config (an invalid one is reported and the
// running config stays).

import Dispatch
import Foundation
import Gateway
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
        finish the cycles in flight, write everything, give the feed up to 5 s,
        exit 0. SIGHUP: reload the config; if it is invalid the problems are
        logged and the running config stays. Logs: logfmt lines on stderr.

        """

    enum Control: Sendable { case stop, reload }

    /// A config with its profiles, rules included, or every problem.
    static func loadChecked(_ path: String) throws(ProfileProblems) -> LoadedConfig {
        let config = try ConfigLoader.load(path: path)
        let problems = RuleChecks.problems(in: config)
        if !problems.isEmpty { throw ProfileProblems(problems) }
        return config
    }

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try CommandLineArguments(arguments, options: ["config", "log-level"], flags: [])
        guard options.positionals.isEmpty else { throw UsageError(message: "unexpected argument '\(options.positionals[0])'") }
        let path = try options.required("config")
        let levelName = options.string("log-level") ?? "info"
        guard let level = LogLevel(name: levelName) else {
            throw UsageError(message: "--log-level must be debug, info, warn or error, not '\(levelName)'")
        }
        let log = Logger(minimum: level)

        let config: LoadedConfig
        do {
            config = try loadChecked(path)
        } catch {
            for problem in error.problems { Console.error(problem.description) }
            return 1
        }
        let runtime: GatewayRuntime
        do {
            runtime = try GatewayRuntime(config: config, log: log)
        } catch {
            Console.error("\(error)")
            return 1
        }

        // Signals become control messages for this (main) thread.
        let controls = Mutex<[Control]>([])
        let wake = DispatchSemaphore(value: 0)
        let sources = [(SIGTERM, Control.stop), (SIGINT, .stop), (SIGHUP, .reload)].map { number, control in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                controls.withLock { $0.append(control) }
                wake.signal()
            }
            source.resume()
            return source
        }
        defer { sources.forEach { $0.cancel() } }

        runtime.start()
        while true {
            wake.wait()
            for control in controls.withLock({ queued -> [Control] in defer { queued.removeAll() }; return queued }) {
                switch control {
                case .stop:
                    log.info("stopping", ["signal": "TERM/INT"])
                    runtime.stop()
                    return 0
                case .reload:
                    do {
                        runtime.reload(try loadChecked(path))
                    } catch {
                        log.error("config reload refused; the running config stays",
                                  ["config": path, "problems": error.problems.map(\.description).joined(separator: "; ")])
                    }
                }
            }
        }
    }
}
