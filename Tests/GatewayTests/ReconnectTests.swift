// An endpoint poller beside hostile devices (Tests/ModbusTests/Fixtures/
// hostile_modbus.py in a child process): a device that accepts and then
// fails must not be reconnected every cycle nor flood the log, and a device
// whose unit id the framing refuses is not shown as connected.

import Decoding
import Foundation
@testable import Gateway
import Modbus
import Logging
import Profiles
import Synchronization
import Telemetry
import Testing
import TestSupport

@Suite("poller reconnects", .serialized)
struct ReconnectTests {
    static let profile = DeviceProfile(profile: "t", addressBase: 0, points: [
        Point(name: "pressure", register: .holding, address: 0, type: .uint16),
    ])

    static func device(unit: UInt8 = 1) -> PolledDevice {
        PolledDevice(identity: DeviceIdentity(station: "S", device: "d", profile: "t"), profile: profile,
                     plan: ReadPlan(profile: profile), unit: unit, interval: .milliseconds(100))
    }

    @Test("a device that accepts and then closes: backoff grows, no \"connected\" line per reconnect")
    func acceptThenClose() throws {
        let server = try HostileModbusServer(mode: "close")
        var settings = EndpointSettings(host: "127.0.0.1", port: server.port, timeout: .milliseconds(300))
        settings.backoffInitial = .milliseconds(200)
        let lines = Mutex<[String]>([])
        let poller = EndpointPoller(settings: settings, devices: [Self.device()], deliver: { _ in },
                                    log: Logger(minimum: .info) { line in lines.withLock { $0.append(line) } })
        poller.start()
        Thread.sleep(forTimeInterval: 2.0)
        poller.stop()
        let connects = server.stop()
        // Worked by hand: with the backoff reset on every connect (the defect)
        // it reconnects every 0.2 s (+-20 %): about 10 connects in 2 s. Reset
        // only after a good poll, the waits are 0.2, 0.4, 0.8 s (+-20 %), so the
        // connects are at 0, ~0.2, ~0.6, ~1.4 s: 4, at most 5.
        #expect(connects >= 3 && connects <= 5, "\(connects) connects")
        let logged = lines.withLock { $0 }
        // One loss logged (the 1st failure; the next at the 10th), so at most one
        // "connected" line: the defect logged one per connect.
        #expect(logged.filter { $0.contains("msg=\"lost connection to") }.count == 1, "\(logged)")
        #expect(logged.filter { $0.contains("msg=\"connected to") }.count <= 1, "\(logged)")
    }

    @Test("after a logged loss, the reconnect is logged once")
    func connectAfterLoss() throws {
        let server = try HostileModbusServer(mode: "close", every: 2)
        defer { server.stop() }
        var settings = EndpointSettings(host: "127.0.0.1", port: server.port, timeout: .milliseconds(300))
        settings.backoffInitial = .milliseconds(100)
        let lines = Mutex<[String]>([])
        let poller = EndpointPoller(settings: settings, devices: [Self.device()], deliver: { _ in },
                                    log: Logger(minimum: .info) { line in lines.withLock { $0.append(line) } })
        poller.start()
        Thread.sleep(forTimeInterval: 0.5)
        poller.stop()
        // Request 1 good, request 2 closes (loss logged), request 3 (new connection) good.
        let logged = lines.withLock { $0 }
        #expect(logged.first?.contains("level=warn msg=\"lost connection to 127.0.0.1:\(server.port)") == true, "\(logged)")
        #expect(logged.contains { $0.contains("level=info msg=\"connected to 127.0.0.1:\(server.port)\"") }, "\(logged)")
    }

    @Test("a unit id the framing refuses is an error, and the device is not shown connected")
    func refusedUnit() throws {
        let server = try HostileModbusServer(mode: "good", framing: "rtu")
        defer { server.stop() }
        var settings = EndpointSettings(host: "127.0.0.1", port: server.port, timeout: .milliseconds(300))
        settings.framing = .rtu
        let reports = Mutex<[PollReport]>([])
        let poller = EndpointPoller(settings: settings, devices: [Self.device(unit: 250)],
                                    deliver: { report in reports.withLock { $0.append(report) } })
        poller.start()
        Thread.sleep(forTimeInterval: 0.35)
        poller.stop()
        let first = try #require(reports.withLock { $0.first })
        #expect(!first.health.connected)
        #expect(first.sample.points[0].reading == .error("bad request: unit id 250 cannot be addressed on Modbus RTU (1-247)"))
    }
}
