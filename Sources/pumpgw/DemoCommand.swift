// `pumpgw demo`: the main job on embedded defaults. Simulated pump rooms on
// 127.0.0.1, the full gateway polling them (rules, SQLite under ./var/, the
// feed to ./var/feed.lp), and a compact live view every few seconds.

import Decoding
import Foundation
import Gateway
import Logging
import Profiles
import Rules
import Simulator
import Store
import Synchronization
import Telemetry

enum DemoCommand: Command {
    static let help = """
        pumpgw demo: simulated pump rooms on 127.0.0.1 and the gateway polling them

        Usage: pumpgw demo [--duration S] [--profiles DIR] [--var DIR] [--http ADDR]

          --duration S    stop after S seconds (default: until Ctrl-C)
          --profiles DIR  device profiles (default: ./DeviceProfiles, else the
                          installed ../share/pumpgw/DeviceProfiles beside the binary)
          --var DIR       where the store, the feed and the generated config go (default var)
          --http ADDR     the gateway's page and metrics (default 127.0.0.1:9108; "off": none)

        Three stations: FT-0412 runs a normal day; LH-0107 trips its booster set
        after 6 s for 30 s (outlet pressure falls to about 0.12 MPa); NS-0233
        drops off the network after 20 s for 20 s. FT-0412 also has an RS-485
        bus: a flow meter (unit 2) and a water-quality analyser (unit 3) on a
        pseudo-terminal the demo opens, linked as DIR/rs485-1 (where no pty
        can be opened: behind RTU over TCP). The gateway writes DIR/pumpgw.db
        (try `pumpgw status --db var/pumpgw.db`) and DIR/feed.lp.

        """

    /// One simulated station of the demo.
    struct DemoStation {
        var id: String
        var name: String
        var district: String
        var options: SimulatorOptions
    }

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try CommandLineArguments(arguments, options: ["duration", "profiles", "var", "http"], flags: [])
        guard options.positionals.isEmpty else { throw UsageError(message: "unexpected argument '\(options.positionals[0])'") }
        let duration = try options.seconds("duration")
        // Without --profiles: ./DeviceProfiles, else the installed profiles beside the binary.
        let profilesFolder = URL(fileURLWithPath: options.string("profiles")
            ?? ProfileFolder.locate(ProfileFolder.defaultName, relativeTo: FileManager.default.currentDirectoryPath))
            .standardizedFileURL.path
        Console.print("pumpgw demo: profiles from \(profilesFolder)")
        let varFolder = URL(fileURLWithPath: options.string("var") ?? "var").standardizedFileURL
        let boosterPath = (profilesFolder as NSString).appendingPathComponent("grundfos-hydro-mpc-cim500.json5")
        guard let booster = loadProfile(boosterPath) else { return 1 }
        let signals = StopSignals.install()
        defer { signals.cancel() }

        // The pump rooms, each a simulator on a thread of its own.
        guard let (stations, ports) = startStations(profile: booster) else { return 1 }

        try FileManager.default.createDirectory(at: varFolder, withIntermediateDirectories: true)
        guard let bus = DemoBus.start(profiles: profilesFolder, varFolder: varFolder) else { return 1 }

        // The gateway, on a config written beside its store.
        let configFile = varFolder.appendingPathComponent("demo-config.json5")
        try demoConfig(stations: stations, ports: ports, bus: bus, profiles: profilesFolder)
            .write(to: configFile, atomically: true, encoding: .utf8)
        guard let (runtime, settings) = try startGateway(configFile, http: options.string("http") ?? "127.0.0.1:9108") else {
            return 1
        }
        runtime.start()
        Console.print("pumpgw demo: \(stations.count) simulated pump rooms on 127.0.0.1 (ports \(ports.map(String.init).joined(separator: ", "))) and \(bus.summary); store \(settings.storePath); feed \(varFolder.path)/feed.lp; Ctrl-C stops")

        let started = Date()
        var nextView = started.addingTimeInterval(2)
        while !stopRequested.load(ordering: .relaxed) {
            if let duration, Date().timeIntervalSince(started) >= duration { break }
            Thread.sleep(forTimeInterval: 0.1)
            if Date() >= nextView {
                nextView = nextView.addingTimeInterval(3)
                Console.print(liveView(storePath: settings.storePath, elapsed: Date().timeIntervalSince(started)))
            }
        }
        stopRequested.store(true, ordering: .relaxed)
        runtime.stop()
        DemoBus.stop()
        let stats = runtime.stats
        Console.print("pumpgw demo: stopped after \(stats.reports) polls, \(stats.alarmEvents) alarm events; `pumpgw status --db \(settings.storePath)` shows the last state")
        return 0
    }

    /// The three stations, each a simulator of `profile` on a thread of its
    /// own, and their ports; nil when one did not start.
    static func startStations(profile booster: DeviceProfile) -> (stations: [DemoStation], ports: [Int])? {
        var stations = [
            DemoStation(id: "FT-0412", name: "Futian estate 12", district: "futian", options: SimulatorOptions()),
            DemoStation(id: "LH-0107", name: "Luohu estate 7", district: "luohu", options: SimulatorOptions()),
            DemoStation(id: "NS-0233", name: "Nanshan estate 33", district: "nanshan", options: SimulatorOptions()),
        ]
        stations[1].options.scenario = .pressureDrop(after: 6, lasting: 30)
        stations[2].options.downAfter = 20
        stations[2].options.downFor = 20
        var ports: [Int] = []
        for index in stations.indices {
            stations[index].options.port = 0
            stations[index].options.seed = UInt64(index + 1)
            guard let port = startSimulator(profile: booster, options: stations[index].options) else { return nil }
            ports.append(port)
        }
        return (stations, ports)
    }

    /// The gateway on `configFile`, through the one loader, with its page on
    /// `http` ("off": none); nil when the config has problems (printed).
    static func startGateway(_ configFile: URL, http: String) throws -> (GatewayRuntime, GatewaySettings)? {
        var settings: GatewaySettings
        do {
            settings = try GatewaySettings.load(path: configFile.path)
        } catch {
            for problem in error.problems { Console.error(problem.description) }
            return nil
        }
        if http != "off" { settings.loaded.config.http = HTTPSection(listen: http) }
        let runtime: GatewayRuntime
        do {
            runtime = try GatewayRuntime(settings: settings, log: Logger(minimum: .warning), feedGrace: .seconds(2),
                                         statusJSON: StatusOutput.document)
        } catch where settings.loaded.config.http != nil {
            // The page is for show: a port in use must not stop the demo.
            Console.error("\(error); the demo runs without its page")
            settings.loaded.config.http = nil
            runtime = try GatewayRuntime(settings: settings, log: Logger(minimum: .warning), feedGrace: .seconds(2),
                                         statusJSON: StatusOutput.document)
        }
        if let listen = settings.loaded.config.http?.listen { Console.print("pumpgw demo: the page is http://\(listen)/ (metrics: /metrics)") }
        return (runtime, settings)
    }

    /// Starts a simulator thread; returns its port once it listens.
    static func startSimulator(profile: DeviceProfile, options: SimulatorOptions) -> Int? {
        serveOnThread { ready in
            try ProfileSimulator(profile: profile, options: options).run(
                shouldStop: { stopRequested.load(ordering: .relaxed) }, onListening: ready)
        }
    }

    /// Runs `serve` on a thread of its own; returns what it hands to its
    /// `ready` callback, or nil when it ends (its error printed) before that.
    static func serveOnThread<Place: Sendable>(
        _ serve: @escaping @Sendable (_ ready: @escaping @Sendable (Place) -> Void) throws -> Void) -> Place? {
        let place = Mutex<Place?>(nil)
        let ended = Atomic<Bool>(false)
        let thread = Thread {
            do {
                try serve { found in place.withLock { $0 = found } }
            } catch {
                Console.error("\(error)")
            }
            ended.store(true, ordering: .relaxed)
        }
        thread.start()
        while true {
            if let found = place.withLock({ $0 }) { return found }
            if ended.load(ordering: .relaxed) { return nil }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    static func demoConfig(stations: [DemoStation], ports: [Int], bus: DemoBus, profiles: String) -> String {
        let entries = zip(stations, ports).enumerated().map { index, pair in
            let (station, port) = pair
            return """
                { id: "\(station.id)", name: "\(station.name)", tags: { district: "\(station.district)" },
                  devices: [ { id: "booster", profile: "grundfos-hydro-mpc-cim500", host: "127.0.0.1", port: \(port),
                               interval: "1s", timeout: "500ms",
                               rules: [ { point: "outlet_pressure", rule: "low", kind: "low", limit: 0.3, deadband: 0.02,
                                          delay: "3s", severity: "major" } ] },
            \(index == 0 ? bus.devices + "\n" : "")\
                  ] },
            """
        }
        return """
        // Written by `pumpgw demo`: the gateway config of the demo's simulated pump rooms.
        {
          gateway: { id: "demo" },
          profiles: "\(profiles)",
          store: { path: "pumpgw.db", retention: "7d" },
          feed: { url: "file:feed.lp", precision: "ms" },
          \(bus.busesEntry)
          stations: [
        \(entries.joined(separator: "\n"))
          ],
        }

        """
    }

    /// Per station: outlet and inlet pressure, flow, pumps running, connection, active alarms.
    static func liveView(storePath: String, elapsed: Double) -> String {
        guard let store = try? StationStore.openForReading(path: storePath), let stations = try? store.read({ try $0.status() }) else {
            return "(store not readable yet)"
        }
        defer { store.close() }
        var lines = ["— \(Int(elapsed)) s —"]
        for station in stations {
            for device in station.devices {
                func text(_ name: String) -> String {
                    guard let point = device.points.first(where: { $0.name == name }) else { return "-" }
                    guard let value = point.value else { return "?" }
                    // float32 readings carry noise digits: three decimals are what an instrument shows.
                    var shown = value.description
                    if case .double(let number) = value { shown = Value.format((number * 1000).rounded() / 1000) }
                    return shown + (point.unit.map { $0.isEmpty ? "" : " \($0)" } ?? "")
                }
                let running = (1...3).filter { pump in
                    device.points.first { $0.name == "pump\(pump)_running" }?.value == .bool(true)
                }
                let connected = device.health?.connected ?? false
                var line = "\(station.station.padding(toLength: 8, withPad: " ", startingAt: 0)) "
                if connected, let shown = DemoBus.shownPoints[device.profile] {
                    line += "\(device.device): " + shown.map { "\($0.replacingOccurrences(of: "_", with: " ")) \(text($0))" }.joined(separator: "  ")
                } else if connected {
                    line += "outlet \(text("outlet_pressure"))  inlet \(text("inlet_pressure"))  flow \(text("flow"))  pumps running \(running.isEmpty ? "none" : running.map(String.init).joined(separator: ","))"
                } else {
                    line += "\(device.device == "booster" ? "" : device.device + ": ")OFFLINE (\(device.health?.lastError ?? "no answer"))"
                }
                for alarm in device.activeAlarms {
                    line += "\n         ALARM \(alarm.severity.rawValue) (\(alarm.severity.colour)): \(alarm.message)"
                }
                lines.append(line)
            }
        }
        return lines.joined(separator: "\n")
    }
}
