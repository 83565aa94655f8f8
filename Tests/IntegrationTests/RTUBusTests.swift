// A serial RTU bus polled by one EndpointPoller (the gateway's poller, on
// its own thread) against `pumpgw simulate --serial` on a socat pty pair:
// neighbours of a silent unit keep every cycle, and a USB adapter that
// vanishes and comes back is opened again. And `check`'s unit-id rules.

import Foundation
@testable import Gateway
import Modbus
import Profiles
import Synchronization
import Telemetry
import Testing
import TestSupport

@Suite("RTU bus", .serialized)
struct RTUBusTests {
    /// Reads outlet_pressure (holding 0) of Fixtures/all-types.json5, which the simulator serves.
    static let profile = DeviceProfile(profile: "test-all-types", addressBase: 0, points: [
        Point(name: "outlet_pressure", register: .holding, address: 0, type: .uint16),
    ])

    static func device(_ unit: UInt8) -> PolledDevice {
        PolledDevice(identity: DeviceIdentity(station: "S", device: "u\(unit)", profile: "t"), profile: profile,
                     plan: ReadPlan(profile: profile), unit: unit, interval: .milliseconds(300))
    }

    static func simulator(on path: String, units: String) throws -> Server {
        let file = Paths.fixtures.appendingPathComponent("all-types.json5").path
        return try Server(Paths.pumpgw, ["simulate", "--profile", file, "--serial", path, "--unit", units, "--duration", "60"],
                          announcement: #"\(RTU\) unit (\d+)"#)
    }

    final class Reports: Sendable {
        let all = Mutex<[PollReport]>([])
        func of(_ unit: UInt8) -> [PollReport] { all.withLock { $0.filter { $0.sample.identity.device == "u\(unit)" } } }
    }

    @Test("a silent device costs the bus only its own timeout, not the connection's")
    func silentDeviceOwnTimeout() throws {
        let pty = try PtyPair()
        defer { pty.stop() }
        let simulator = try Self.simulator(on: pty.a, units: "2")
        defer { simulator.stop() }
        let reports = Reports()
        // The bus was opened with the first device's 2 s timeout; the silent
        // unit 4 has its own 100 ms. With the connection's 2 s, each of its
        // polls would hold the bus for 2 s and unit 2 would get one poll in
        // 2 s instead of six or seven at 300 ms.
        let settings = EndpointSettings(serial: SerialSettings(path: pty.b, baud: 19200), timeout: .seconds(2))
        var silent = Self.device(4)
        silent.options.timeout = .milliseconds(100)
        let poller = EndpointPoller(settings: settings, devices: [Self.device(2), silent],
                                    deliver: { report in reports.all.withLock { $0.append(report) } })
        poller.start()
        Thread.sleep(forTimeInterval: 2.0)
        poller.stop()
        let neighbour = Self.of(reports, 2)
        #expect(neighbour.count >= 6, "unit 2: \(neighbour.count) polls")
        #expect(neighbour.allSatisfy { $0.sample.points[0].reading.quality == .good })
        #expect(Self.of(reports, 4).allSatisfy { $0.sample.points[0].reading == .error("timeout") })
    }

    @Test("three devices on one bus, one of them silent: the other two are read every cycle")
    func silentNeighbour() throws {
        let pty = try PtyPair()
        defer { pty.stop() }
        let simulator = try Self.simulator(on: pty.a, units: "2,3")
        defer { simulator.stop() }
        let reports = Reports()
        let settings = EndpointSettings(serial: SerialSettings(path: pty.b, baud: 19200), timeout: .milliseconds(100))
        let poller = EndpointPoller(settings: settings, devices: [Self.device(2), Self.device(3), Self.device(4)],
                                    deliver: { report in reports.all.withLock { $0.append(report) } })
        poller.start()
        Thread.sleep(forTimeInterval: 2.0)
        poller.stop()
        // 2 s at 300 ms: 6-7 cycles each. The silent unit costs one 100 ms timeout per cycle, so the bus
        // (3 requests of a few ms plus 100 ms) has room for every cycle of all three.
        for unit: UInt8 in [2, 3] {
            let mine = Self.of(reports, unit)
            #expect(mine.count >= 6, "unit \(unit): \(mine.count) polls")
            #expect(mine.allSatisfy { $0.sample.points[0].reading.quality == .good }, "unit \(unit)")
            #expect(mine.last?.skippedCycles == 0)
        }
        let silent = Self.of(reports, 4)
        #expect(silent.count >= 6)
        #expect(silent.allSatisfy { $0.sample.points[0].reading == .error("timeout") }, "\(silent.map(\.sample.points[0].reading))")
    }

    static func of(_ reports: Reports, _ unit: UInt8) -> [PollReport] { reports.of(unit) }

    @Test("a USB adapter that vanishes and comes back: the port is opened again and polling resumes")
    func adapterComesBack() throws {
        var pty = try PtyPair()
        var simulator = try Self.simulator(on: pty.a, units: "2")
        let reports = Reports()
        var settings = EndpointSettings(serial: SerialSettings(path: pty.b, baud: 19200), timeout: .milliseconds(100))
        settings.backoffInitial = .milliseconds(200)
        settings.backoffMaximum = .milliseconds(400)
        let poller = EndpointPoller(settings: settings, devices: [Self.device(2)],
                                    deliver: { report in reports.all.withLock { $0.append(report) } })
        poller.start()
        // Each step waits for what it needs (at most 5 s), not for a fixed time: under load a
        // poll, a reopen or the simulator's start can take longer than a few intervals.
        func within(_ seconds: Double, _ condition: ([PollReport]) -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while !condition(reports.of(2)) {
                guard Date() < deadline else { return false }
                Thread.sleep(forTimeInterval: 0.05)
            }
            return true
        }
        func isGood(_ report: PollReport) -> Bool { report.sample.points[0].reading.quality == .good }
        func cannotOpen(_ report: PollReport) -> Bool {
            if case .error(let reason) = report.sample.points[0].reading.quality { return reason.contains("cannot open") }
            return false
        }
        #expect(within(5) { $0.filter(isGood).count >= 2 }, "no two good polls before the adapter went")
        let before = reports.of(2).count
        simulator.stop()
        pty.stop()  // the device node disappears, as when the adapter is pulled
        #expect(within(5) { $0.dropFirst(before).contains(where: cannotOpen) },
                "\(reports.of(2).dropFirst(before).map(\.sample.points[0].reading))")
        let during = reports.of(2).count
        pty = try PtyPair(a: pty.a, b: pty.b)
        simulator = try Self.simulator(on: pty.a, units: "2")
        // Back within a few backoff rounds (at most 400 ms each): two good polls in a row.
        let resumed = within(5) { $0.count >= during + 2 && $0.suffix(2).allSatisfy(isGood) }
        poller.stop()
        simulator.stop()
        pty.stop()
        #expect(resumed, "\(reports.of(2).dropFirst(during).map(\.sample.points[0].reading))")
        #expect(reports.of(2).prefix(before).contains(where: isGood))
    }

    @Test("check: reserved unit ids on Modbus TCP, the RTU range, one unit id per RTU endpoint")
    func unitRules() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pumpgw-units-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("gw.json5")
        func device(_ id: String, _ extra: String) -> String {
            #"{ id: "\#(id)", profile: "electromagnetic-flowmeter-mfe600h", host: "127.0.0.1", \#(extra) },"#
        }
        try gatewayConfigText(profiles: Paths.profiles.path, store: "x.db", feed: "stdout", """
              stations: [ { id: "S", devices: [
                \(device("a", "port: 1502, unit: 250"))
                \(device("b", "port: 1503, unit: 251, allowReservedUnit: true"))
                \(device("c", "port: 4001, framing: \"rtu\", unit: 2"))
                \(device("d", "port: 4001, framing: \"rtu\", unit: 2"))
                \(device("e", "port: 4002, framing: \"rtu\", unit: 0"))
              ] } ],
              """).write(to: config, atomically: true, encoding: .utf8)
        let result = try runToEnd(Paths.pumpgw, ["check", config.path])
        #expect(result.status == 1)
        // Written by hand from the rules: a (250, no allowance) refused, b allowed, c first on 4001,
        // d the second unit 2 on 4001, e broadcast on RTU.
        #expect(result.stderrLines == [
            "\(config.path):7: stations[0].devices[0].unit: 250 is a reserved unit id (248-254) that most devices refuse; if this device or converter uses it, add allowReservedUnit: true",
            "\(config.path):10: stations[0].devices[3].unit: unit 2 on 127.0.0.1:4001 is already stations[0].devices[2]'s: one RTU line cannot tell two devices with one id apart",
            "\(config.path):11: stations[0].devices[4].unit: must be 1-247 with framing rtu (0 is broadcast, 248-255 are reserved), not 0",
        ][...].map { Substring($0) }, "\(result.stderr)")
    }
}
