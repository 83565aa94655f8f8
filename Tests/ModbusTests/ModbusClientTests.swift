// The Modbus client against real sockets on 127.0.0.1: transport failures
// come out typed, and apart from Modbus exceptions.

import CSQLite
import Foundation
@testable import Modbus
import TestSupport
import Testing

@Suite("ModbusClient")
struct ModbusClientTests {
    @Test("a refused connection is .transport(.refused)")
    func refused() throws {
        let port = try freePort()
        let client = ModbusClient(host: "127.0.0.1", port: port, unit: 1, timeout: .milliseconds(500))
        #expect(throws: ModbusError.transport(.refused)) { try client.connect() }
        #expect(!client.isConnected)
        // A read connects first, and fails the same way.
        #expect(throws: ModbusError.transport(.refused)) {
            _ = try client.readRegisters(.holdingRegisters, address: 0, count: 1)
        }
    }

    @Test("a silent device times out, and the connection is closed for the next request")
    func silentDeviceTimesOut() throws {
        let (listener, port) = try listenLoopback()
        defer { close(listener) }
        let client = ModbusClient(host: "127.0.0.1", port: port, unit: 1, timeout: .milliseconds(200))
        try client.connect()
        #expect(client.isConnected)
        #expect(throws: ModbusError.transport(.timedOut)) {
            _ = try client.readRegisters(.holdingRegisters, address: 0, count: 2)
        }
        // A late reply would be read as the next answer; so the client has
        // dropped the connection.
        #expect(!client.isConnected)
    }

    @Test("requests outside the Modbus limits are refused before they are sent")
    func badRequests() {
        let client = ModbusClient(host: "127.0.0.1", port: 1, unit: 1, timeout: .milliseconds(100))
        #expect(throws: ModbusError.badRequest("cannot read 126 registers at 0")) {
            _ = try client.readRegisters(.holdingRegisters, address: 0, count: 126)
        }
        #expect(throws: ModbusError.badRequest("cannot read 2 registers at 65535")) {
            _ = try client.readRegisters(.inputRegisters, address: 65535, count: 2)
        }
        #expect(throws: ModbusError.badRequest("cannot read 2001 bits at 0")) {
            _ = try client.readBits(.coils, address: 0, count: 2001)
        }
    }

    @Test("a host name that does not resolve says so, not \"connection refused\"")
    func unresolvedHost() {
        // .invalid is reserved (RFC 6761): no resolver answers it.
        let client = ModbusClient(host: "no-such-device.invalid", port: 502, unit: 1, timeout: .seconds(2))
        #expect {
            try client.connect()
        } throws: { error in
            guard case ModbusError.transport(.unresolved(let detail)) = error else { return false }
            return (error as? ModbusError)?.description.hasPrefix("cannot resolve no-such-device.invalid") == true
                && detail.hasPrefix("no-such-device.invalid")
        }
    }

    @Test("RTU refuses unit ids it cannot address (0 is broadcast, 248-255 reserved) before sending")
    func rtuUnitRange() {
        for unit: UInt8 in [0, 248, 255] {
            let client = ModbusClient(endpoint: .tcp(host: "127.0.0.1", port: 1, framing: .rtu), unit: unit,
                                      timeout: .milliseconds(100))
            #expect(throws: ModbusError.badRequest("unit id \(unit) cannot be addressed on Modbus RTU (1-247)")) {
                _ = try client.readRegisters(.holdingRegisters, address: 0, count: 1)
            }
        }
    }

    @Test("the SQLite system library links (the store stage builds on it)")
    func sqliteLinks() throws {
        let version = String(cString: sqlite3_libversion())
        let parts = version.split(separator: ".").compactMap { Int($0) }
        // WAL, UPSERT and RETURNING need 3.35 or later; bookworm ships 3.40.
        #expect(parts.count >= 2)
        #expect(parts[0] == 3 && parts[1] >= 35, "SQLite \(version)")
    }
}

