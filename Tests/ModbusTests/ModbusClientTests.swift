// The libmodbus wrapper against real sockets on 127.0.0.1: transport
// failures come out typed, and apart from Modbus exceptions.

import CSQLite
import Foundation
@testable import Modbus
import Testing

@Suite("ModbusTCPClient")
struct ModbusClientTests {
    @Test("a refused connection is .transport(.refused)")
    func refused() throws {
        let port = try freePort()
        let client = ModbusTCPClient(host: "127.0.0.1", port: port, unit: 1, timeout: .milliseconds(500))
        #expect(throws: ModbusError.transport(.refused)) { try client.connect() }
        #expect(!client.isConnected)
        // A read connects first, and fails the same way.
        #expect(throws: ModbusError.transport(.refused)) {
            _ = try client.readRegisters(.holdingRegisters, address: 0, count: 1)
        }
    }

    @Test("a silent device times out, and the connection is closed for the next request")
    func silentDeviceTimesOut() throws {
        let (listener, port) = try listenSilently()
        defer { close(listener) }
        let client = ModbusTCPClient(host: "127.0.0.1", port: port, unit: 1, timeout: .milliseconds(200))
        try client.connect()
        #expect(client.isConnected)
        #expect(throws: ModbusError.transport(.timedOut)) {
            _ = try client.readRegisters(.holdingRegisters, address: 0, count: 2)
        }
        // Known trap: a late reply would be read as the next answer; so the
        // wrapper has dropped the connection.
        #expect(!client.isConnected)
    }

    @Test("requests outside the Modbus limits are refused before they are sent")
    func badRequests() {
        let client = ModbusTCPClient(host: "127.0.0.1", port: 1, unit: 1, timeout: .milliseconds(100))
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

    @Test("libmodbus errno values map to exceptions and reply errors",
          arguments: [(1, "exception 1 (illegal function)"), (2, "exception 2 (illegal data address)"),
                      (4, "exception 4 (server device failure)"), (6, "exception 6 (server device busy)"),
                      (11, "exception 11 (gateway target device failed to respond)")])
    func errnoMapping(code: Int32, text: String) {
        let error = ModbusTCPClient.error(errno: 112_345_678 + code)
        #expect(error == .exception(ModbusException(rawValue: UInt8(code))))
        #expect(error.description == text)
        #expect(!error.requiresReconnect)
    }

    @Test("a mismatched reply (EMBBADDATA) and a timeout both require a reconnect")
    func reconnectRules() {
        let badData = ModbusTCPClient.error(errno: 112_345_678 + 11 + 2)
        #expect(badData == .invalidReply("reply does not match the request"))
        #expect(badData.requiresReconnect)
        #expect(ModbusTCPClient.error(errno: ETIMEDOUT) == .transport(.timedOut))
        #expect(ModbusTCPClient.error(errno: ETIMEDOUT).requiresReconnect)
        #expect(ModbusTCPClient.error(errno: ECONNRESET) == .transport(.reset))
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

/// A port on 127.0.0.1 with nothing listening.
func freePort() throws -> Int {
    let (descriptor, port) = try listenSilently()
    close(descriptor)
    return port
}

/// A listener that never accepts: connects succeed (backlog), no reply ever comes.
func listenSilently() throws -> (Int32, Int) {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var size = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(descriptor, $0, size) == 0 && listen(descriptor, 4) == 0 && getsockname(descriptor, $0, &size) == 0
        }
    }
    guard ok else {
        close(descriptor)
        throw POSIXError(.EADDRNOTAVAIL)
    }
    return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
}
