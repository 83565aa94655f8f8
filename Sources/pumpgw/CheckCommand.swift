// `pumpgw check`: validate profiles, print every problem, and the read plan.

import Decoding
import Foundation
import Gateway
import HTTPServer
import Profiles
import Telemetry

enum CheckCommand: Command {
    static let help = """
        pumpgw check: validate device profiles and gateway configs

        Usage: pumpgw check FILE...
               pumpgw check --serial-ports CONFIG

        Prints every problem on stderr as FILE:LINE: path.to.field: message
        (syntax errors as FILE:LINE:COLUMN: message) and exits 1 if there is
        any. A file with a top-level `stations` key is a gateway config: its
        profiles folder is checked too. For a valid file prints the read plan
        (requests per poll against one request per point).

        --serial-ports prints only the serial ports the config's buses open,
        one per line (nothing without buses): what deploy/install.sh allows
        the systemd unit to open. Problems still go to stderr, exit 1.

        """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try CommandLineArguments(arguments, options: [], flags: ["serial-ports"])
        guard !options.positionals.isEmpty else { throw UsageError(message: "name at least one file to check") }
        if options.flags.contains("serial-ports") {
            guard options.positionals.count == 1 else { throw UsageError(message: "--serial-ports takes one gateway config") }
            return printSerialPorts(options.positionals[0])
        }
        var failed = false
        for path in options.positionals {
            if isGatewayConfig(path) {
                failed = !checkConfig(path) || failed
                continue
            }
            let profile: DeviceProfile, text: [UInt8]
            do {
                (profile, text) = try ProfileLoader.loadWithText(path: path)
            } catch {
                printProblems(error)
                failed = true
                continue
            }
            let ruleProblems = RuleChecks.problems(inProfile: profile, file: path, text: text)
            guard ruleProblems.isEmpty else {
                printProblems(ConfigProblems(ruleProblems))
                failed = true
                continue
            }
            let plan = ReadPlan(profile: profile)
            Console.print("\(path): ok: profile \(profile.profile), \(profile.points.count) points, \(plan.blocks.count) requests per poll (one per point: \(profile.points.count))")
            for block in plan.blocks {
                Console.print("  \(block.table.rawValue) \(block.start + profile.addressBase)...\(block.end - 1 + profile.addressBase) (\(block.count) \(block.table.holdsBits ? "bits" : "registers"), \(block.pointIndexes.count) points)")
            }
        }
        return failed ? 1 : 0
    }

    /// Problems go to stderr as `FILE:LINE: path: message`, without the
    /// `pumpgw:` prefix, so that editors and CI jump to the line.
    static func printProblems(_ problems: ConfigProblems) {
        FileHandle.standardError.write(Data((problems.description + "\n").utf8))
    }

    /// A gateway config has a top-level `stations` key; a profile has `points`.
    static func isGatewayConfig(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path) else { return false }
        return ConfigLoader.isGatewayConfig(data)
    }

    /// Validates a config and every profile it uses, through the loader
    /// `run` uses (so `check` refuses what `run` would); prints the read plan.
    static func checkConfig(_ path: String) -> Bool {
        guard let loaded = loadConfig(path) else { return false }
        if !loaded.warnings.isEmpty { printProblems(ConfigProblems(loaded.warnings)) }
        let requests = loaded.devices.map(\.plan.blocks.count).reduce(0, +)
        let points = loaded.devices.map(\.profile.points.count).reduce(0, +)
        Console.print("\(path): ok: gateway \(loaded.config.gateway.id), \(loaded.config.stations.count) stations, \(loaded.devices.count) devices, \(requests) requests per cycle (one per point: \(points))")
        for load in loaded.busLoads { Console.print("  \(load.line)") }
        let written = loaded.config.profiles ?? ProfileFolder.defaultName
        let profiles = ProfileFolder.resolve(written, relativeTo: (path as NSString).deletingLastPathComponent)
        if profiles.isInstalled {
            Console.print("  profiles from \(profiles.path) (installed; \(written) relative to the config does not exist)")
        }
        if let listen = loaded.config.http?.listen, case .success(let address) = ListenAddress.parse(listen), !address.isLoopback {
            FileHandle.standardError.write(Data("\(path): warning: http.listen: \(listen) is not a loopback address: the page, the metrics and the API are open to the network (read-only, no authentication)\n".utf8))
        }
        for device in loaded.devices {
            Console.print("  \(device.station.id)/\(device.config.id): \(device.profile.profile) at \(device.endpointKey) unit \(device.unit), every \(Value.format(device.interval.seconds)) s: \(device.plan.blocks.count) requests per cycle (one per point: \(device.profile.points.count))")
        }
        return true
    }

    /// The ports of the buses that devices use, in the order of `buses`.
    static func printSerialPorts(_ path: String) -> Int32 {
        guard let loaded = loadConfig(path) else { return 1 }
        var ports: [String] = []
        for bus in loaded.config.buses ?? [] where loaded.devices.contains(where: { $0.bus?.id == bus.id }) && !ports.contains(bus.port) {
            ports.append(bus.port)
        }
        for port in ports { Console.print(port) }
        return 0
    }

    /// The config as `run` loads it, or nil after printing its problems.
    static func loadConfig(_ path: String) -> LoadedConfig? {
        do {
            return try GatewaySettings.load(path: path).loaded
        } catch {
            printProblems(error)
            return nil
        }
    }
}
