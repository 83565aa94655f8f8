// The demo's RS-485 bus: an electromagnetic flow meter (unit 2) and a
// water-quality analyser (unit 3) on one line, served by one simulator
// thread on a pseudo-terminal of its own (no socat, no hardware), which the
// gateway opens as the bus's serial port. Where no pty can be opened (a
// container without /dev/ptmx) the same two devices sit behind RTU over TCP,
// as behind a transparent serial server.

import Foundation
import Modbus
import Profiles
import Simulator
import Synchronization

/// The bus outlives the gateway's stop: closed first, its pty would read as a lost device.
private let busStopRequested = Atomic<Bool>(false)

struct DemoBus {
    /// Ends the bus's simulator thread (after the gateway has stopped).
    static func stop() { busStopRequested.store(true, ordering: .relaxed) }

    static let flowProfile = "electromagnetic-flowmeter-mfe600h"
    static let analyserProfile = "water-quality-panel"

    /// The points the live view shows for the bus's devices, by profile.
    static let shownPoints = [flowProfile: ["flow", "total"], analyserProfile: ["turbidity", "free_chlorine", "ph"]]

    /// The serial port the gateway opens (the pty's link), or nil over TCP.
    var port: String?
    /// The pty's slave end, or "127.0.0.1:PORT" over TCP.
    var place: String

    /// Starts the bus's simulators; nil (after saying why) when neither a pty nor a TCP port works.
    static func start(profiles: String, varFolder: URL) -> DemoBus? {
        let path = { (name: String) in (profiles as NSString).appendingPathComponent(name + ".json5") }
        guard let flow = loadProfile(path(flowProfile)), let analyser = loadProfile(path(analyserProfile)) else { return nil }
        var options = SimulatorOptions()
        options.rtu = true
        options.seed = 7
        options.serial = SerialSettings(path: varFolder.appendingPathComponent("rs485-1").path)
        options.pty = true
        if let place = serve(flow: flow, analyser: analyser, options: options) {
            return DemoBus(port: options.serial?.path, place: String(place.split(separator: " ").last ?? ""))
        }
        options.serial = nil
        options.pty = false
        options.port = 0
        guard let place = serve(flow: flow, analyser: analyser, options: options) else { return nil }
        Console.print("pumpgw demo: no pty for the bus (above): its devices sit behind RTU over TCP on \(place) instead")
        return DemoBus(port: nil, place: place)
    }

    /// Runs both devices on one line on a thread; returns where once it serves, nil if it failed.
    private static func serve(flow: DeviceProfile, analyser: DeviceProfile, options: SimulatorOptions) -> String? {
        var flowOptions = options, analyserOptions = options
        flowOptions.units = [2]
        analyserOptions.units = [3]
        let (flowLine, analyserLine) = (flowOptions, analyserOptions)
        return DemoCommand.serveOnThread { ready in
            try ProfileSimulator(profile: flow, options: flowLine).runRTU(
                shouldStop: { busStopRequested.load(ordering: .relaxed) }, onListening: ready,
                neighbours: [ProfileSimulator(profile: analyser, options: analyserLine)])
        }
    }

    /// The `buses` entry of the demo config ("" over TCP).
    var busesEntry: String {
        guard let port else { return "" }
        return #"buses: [ { id: "rs485-1", port: "\#(port)", baud: 9600, parity: "none", dataBits: 8, stopBits: 1 } ],"#
    }

    /// The two devices, as entries of a station's `devices`.
    var devices: String {
        let line: String
        if port != nil {
            line = #"bus: "rs485-1""#
        } else {
            let parts = place.split(separator: ":")
            line = #"host: "\#(parts.first ?? "")", port: \#(parts.last ?? ""), framing: "rtu""#
        }
        return """
                             { id: "flowmeter", profile: "\(Self.flowProfile)", \(line), unit: 2, interval: "1s", timeout: "300ms" },
                             { id: "analyser", profile: "\(Self.analyserProfile)", \(line), unit: 3, interval: "2s", timeout: "300ms" },
            """
    }

    /// "an RS-485 bus on var/rs485-1 (/dev/pts/3)".
    var summary: String {
        guard let port else { return "RS-485 devices behind RTU over TCP on \(place)" }
        return "an RS-485 bus on \(port) (a pty: \(place)), 9600 8N1"
    }
}
