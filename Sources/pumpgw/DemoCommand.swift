// `pumpgw demo`: a simulated pump room on loopback and the gateway reading
// it every second, printing the key values. Needs nothing but the build.

import Decoding
import Foundation
import Gateway
import Modbus
import Profiles
import Simulator
import Synchronization

enum DemoCommand: Command {
    static let help = """
        pumpgw demo: a simulated pump room on 127.0.0.1, polled every second

        Usage: pumpgw demo [--profile FILE] [--duration S]

          --profile FILE   profile to simulate and poll
                           (default DeviceProfiles/grundfos-hydro-mpc-cim500.json5)
          --duration S     stop after S seconds (default: until Ctrl-C)

        """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try CommandLineArguments(arguments, options: ["profile", "duration"], flags: [])
        let profilePath = options.string("profile") ?? "DeviceProfiles/grundfos-hydro-mpc-cim500.json5"
        let duration = try options.seconds("duration")
        guard let profile = loadProfile(profilePath) else { return 1 }
        let signals = StopSignals.install()
        defer { signals.forEach { $0.cancel() } }

        // The simulator runs on a thread of its own (its calls block).
        let boundPort = Mutex<Int?>(nil)
        let settings = {
            var settings = SimulatorOptions()
            settings.port = 0
            return settings
        }()
        let simulatorThread = Thread {
            let simulator = ProfileSimulator(profile: profile, options: settings)
            do {
                try simulator.run(shouldStop: { stopRequested.load(ordering: .relaxed) },
                                  onListening: { port in boundPort.withLock { $0 = port } })
            } catch {
                Console.error("\(error)")
                stopRequested.store(true, ordering: .relaxed)
            }
        }
        simulatorThread.start()
        var port: Int?
        while port == nil && !stopRequested.load(ordering: .relaxed) {
            Thread.sleep(forTimeInterval: 0.01)
            port = boundPort.withLock { $0 }
        }
        guard let port else { return 1 }
        Console.print("pumpgw demo: simulated \(profile.profile) on 127.0.0.1:\(port); polling every second (Ctrl-C stops)")

        let client = ModbusTCPClient(host: "127.0.0.1", port: port, unit: 1, timeout: .seconds(1))
        let reader = DeviceReader(profile: profile, client: client)
        let started = Date()
        var cycle = 0
        while !stopRequested.load(ordering: .relaxed) {
            if let duration, Date().timeIntervalSince(started) >= duration { break }
            let result = reader.poll()
            Console.print(summary(profile: profile, readings: result.readings))
            cycle += 1
            let next = started.addingTimeInterval(Double(cycle))
            while Date() < next && !stopRequested.load(ordering: .relaxed) {
                Thread.sleep(forTimeInterval: min(0.05, max(0, next.timeIntervalSinceNow)))
            }
        }
        stopRequested.store(true, ordering: .relaxed)
        client.close()
        return 0
    }

    /// One line of the points a person on call looks at first.
    static func summary(profile: DeviceProfile, readings: [Reading]) -> String {
        let keyPoints = ["inlet_pressure", "outlet_pressure", "flow", "pump1_running", "pump2_running", "pump3_running"]
        let time = ISO8601DateFormatter().string(from: Date())
        var parts = [time]
        for name in keyPoints {
            guard let index = profile.points.firstIndex(where: { $0.name == name }) else { continue }
            let reading = readings[index]
            let text = reading.value.map { "\($0)" } ?? reading.quality.description
            parts.append("\(name)=\(text)\(profile.points[index].unit.map { " \($0)" } ?? "")")
        }
        let bad = readings.filter { !$0.quality.isGood }.count
        parts.append("bad_points=\(bad)")
        return parts.joined(separator: "  ")
    }
}
