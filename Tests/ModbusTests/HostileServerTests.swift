// The client against Tests/ModbusTests/Fixtures/hostile_modbus.py in a child
// process: replies that are late, dribbled, or not for this request must
// never come back as values. (The server's register at address A holds
// 1000 + A, so a good read of 2 registers at 10 is [1010, 1011].)

import Foundation
@testable import Modbus
import Testing
import TestSupport

@Suite("hostile Modbus servers", .serialized)
struct HostileServerTests {
    func client(_ server: HostileModbusServer, framing: ModbusFraming = .tcp, timeout: Duration = .milliseconds(500)) -> ModbusClient {
        ModbusClient(endpoint: .tcp(host: "127.0.0.1", port: server.port, framing: framing), unit: 1, timeout: timeout)
    }

    @Test("the control case: a good server is read", arguments: ["mbap", "rtu"])
    func good(framing: String) throws {
        let server = try HostileModbusServer(mode: "good", framing: framing)
        defer { server.stop() }
        let client = client(server, framing: framing == "rtu" ? .rtu : .tcp)
        #expect(try client.readRegisters(.holdingRegisters, address: 10, count: 2) == [1010, 1011])
        // Odd addresses on: 3 on, 4 off, 5 on.
        #expect(try client.readBits(.coils, address: 3, count: 3) == [true, false, true])
    }

    @Test("a device dribbling a byte every 0.3 s fails with timeout at the timeout, not with a late value",
          arguments: ["mbap", "rtu"])
    func dribble(framing: String) throws {
        let server = try HostileModbusServer(mode: "dribble", framing: framing)
        defer { server.stop() }
        let client = client(server, framing: framing == "rtu" ? .rtu : .tcp)
        let start = Date()
        #expect(throws: ModbusError.transport(.timedOut)) {
            _ = try client.readRegisters(.holdingRegisters, address: 0, count: 10)
        }
        // The reply is 25-29 bytes, 7.5 s or more at 0.3 s each; libmodbus's
        // byte timeout let it through. The whole request ends at 0.5 s.
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed < 1.2, "took \(elapsed) s")
    }

    @Test("MBAP replies not for the request are refused", arguments: [
        ("wrong-unit", "reply from unit 2, expected 1"),
        ("wrong-transaction", "transaction id 2, expected 1"),
        ("protocol-id", "protocol id 1, expected 0"),
        ("length-0", "MBAP length 0, outside 2-254"),
        ("length-65535", "MBAP length 65535, outside 2-254"),
        ("wrong-byte-count", "byte count 6, expected 4"),
        ("wrong-function", "function code 4, expected 3"),
        ("over-long", "3 bytes after the end of the reply"),
    ])
    func mbapFaults(mode: String, reason: String) throws {
        let server = try HostileModbusServer(mode: mode)
        defer { server.stop() }
        let client = client(server)
        #expect(throws: ModbusError.invalidReply(reason)) {
            _ = try client.readRegisters(.holdingRegisters, address: 0, count: 2)
        }
        // The connection is dropped: nothing left of that reply can be read as the next one.
        #expect(!client.isConnected)
    }

    @Test("RTU over TCP replies not for the request are refused, and the next request is right", arguments: [
        ("wrong-unit", "reply from unit 2, expected 1"),
        ("bad-crc", "bad CRC"),
        ("wrong-function", "function code 4, expected 3"),
        ("wrong-byte-count", "byte count 6, expected 4"),
    ])
    func rtuFaults(mode: String, reason: String) throws {
        // Every 2nd reply is faulty: the 1st is good, the 2nd refused, the 3rd good again.
        let server = try HostileModbusServer(mode: mode, framing: "rtu", every: 2)
        defer { server.stop() }
        let client = client(server, framing: .rtu)
        #expect(try client.readRegisters(.holdingRegisters, address: 0, count: 2) == [1000, 1001])
        #expect(throws: ModbusError.invalidReply(reason)) {
            _ = try client.readRegisters(.holdingRegisters, address: 0, count: 2)
        }
        #expect(try client.readRegisters(.holdingRegisters, address: 20, count: 2) == [1020, 1021])
    }

    @Test("exception code 0 comes back as an exception, described sanely")
    func exceptionZero() throws {
        let server = try HostileModbusServer(mode: "exception-0")
        defer { server.stop() }
        let client = client(server)
        #expect(throws: ModbusError.exception(ModbusException(rawValue: 0))) {
            _ = try client.readRegisters(.holdingRegisters, address: 0, count: 2)
        }
    }

    @Test("RTU over TCP: a late reply that arrives before the next request is discarded, not taken as its answer")
    func lateReply() throws {
        // Every 2nd reply comes 0.6 s late: request 2 (address 0) times out at
        // 0.3 s; its reply [1000, 1001] is on the line when request 3 (address 50) goes.
        let server = try HostileModbusServer(mode: "late", framing: "rtu", every: 2)
        defer { server.stop() }
        let client = client(server, framing: .rtu, timeout: .milliseconds(300))
        #expect(try client.readRegisters(.holdingRegisters, address: 10, count: 2) == [1010, 1011])
        #expect(throws: ModbusError.transport(.timedOut)) {
            _ = try client.readRegisters(.holdingRegisters, address: 0, count: 2)
        }
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try client.readRegisters(.holdingRegisters, address: 50, count: 2) == [1050, 1051])
    }

    @Test("interrupt() from another thread ends a request in flight at once")
    func interrupt() throws {
        let server = try HostileModbusServer(mode: "dribble")
        defer { server.stop() }
        let client = client(server, timeout: .seconds(5))
        try client.connect()
        let interrupter = client.interrupter
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { interrupter.interrupt() }
        let start = Date()
        #expect(throws: ModbusError.transport(.reset)) {
            _ = try client.readRegisters(.holdingRegisters, address: 0, count: 10)
        }
        #expect(Date().timeIntervalSince(start) < 1.5)
    }
}
