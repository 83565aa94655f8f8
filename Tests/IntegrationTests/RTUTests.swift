// Modbus RTU end to end, without hardware: pymodbus (the independent peer)
// as an RTU-over-TCP server and as a serial server on one end of a socat
// pty pair, and `pumpgw simulate` in RTU mode with its RTU faults.

import Foundation
import Testing
import TestSupport

/// A socat pty pair: two linked serial ports, `a` and `b`, that vanish when it stops.
final class PtyPair {
    let a: String, b: String
    private let process = Process()

    /// A new pair, or (`a`, `b` given) the same device names again: a USB adapter plugged back in.
    init(a: String? = nil, b: String? = nil) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("pumpgw-pty-\(UUID().uuidString.prefix(8))").path
        (self.a, self.b) = (a ?? base + "-a", b ?? base + "-b")
        try start()
    }

    private func start() throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/socat")
        process.arguments = ["pty,raw,echo=0,link=\(a)", "pty,raw,echo=0,link=\(b)"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline, !(FileManager.default.fileExists(atPath: a) && FileManager.default.fileExists(atPath: b)) {
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// SIGKILL: a child inherits the test process's blocked signals, and socat would not see a SIGTERM.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

@Suite("Modbus RTU", .serialized)
struct RTUTests {
    /// Raw words of Fixtures/rtu-types.json5, each with its reading worked out by hand.
    static var typeValues: [String: [String: Any]] { ["holding": [
        "0": 0x4D46, "1": 0x4536, "2": 0x3030,   // string "MF" "E6" "00" -> "MFE600"
        "3": 0x12F0,                              // uint8 high 0x12 = 18; int8 low 0xF0 = -16
        "4": 0xC000,                              // float16: sign, exponent 16 - 15 = 1 -> -2
        "5": 0x1234,                              // bcd16 -> 1234
        "6": 0x3456, "7": 0x0012,                 // bcd32 CDAB: 0x00123456 -> 123456 x 0.5 = 61728
        "8": 0x48C1, "9": 0x0000,                 // float32 BADC of 0xC1480000 (-12.5): bytes swapped in each word
        "10": 0x0050, "11": 0x9A44,               // float32 DCBA of 0x449A5000 (1234.5): bytes reversed
        "12": 0x4241, "13": 0x0043,               // string BADC: "AB" "C\0" -> "ABC"
    ]] }

    static func checkTypes(_ document: ReadDocument) {
        #expect(document["model"]?.value == .string("MFE600"))
        #expect(document["address"]?.value?.number == 18)
        #expect(document["offset"]?.value?.number == -16)
        #expect(document["level"]?.value?.number == -2)
        #expect(document["counter"]?.value?.number == 1234)
        #expect(document["total"]?.value?.number == 61728)
        #expect(document["temp_badc"]?.value?.number == -12.5)
        #expect(document["flow_dcba"]?.value?.number == 1234.5)
        #expect(document["tag"]?.value == .string("ABC"))
    }

    static func checkAllTypes(_ document: ReadDocument) {
        // The hand-worked values of PymodbusReadTests.values.
        #expect(abs((document["outlet_pressure"]?.value?.number ?? 0) - 0.452) < 1e-9)
        #expect(abs((document["tank_temperature"]?.value?.number ?? 0) - (-20.0)) < 1e-9)
        #expect(document["flow_abcd"]?.value?.number == -12.5)
        #expect(document["flow_cdab"]?.value?.number == 1234.5)
        #expect(document["pump1_fault"]?.value == .bool(true))
        #expect(document["mode"]?.value == .string("manual"))
        #expect(abs((document["flow_total"]?.value?.number ?? 0) - 12345.6) < 1e-6)
        #expect(document["turbidity"]?.quality == "invalid")
        #expect(document["door_open"]?.value == .bool(true))
        #expect(document["flooding"]?.value == .bool(false))
    }

    static func pymodbus(values: [String: [String: Any]], extra: [String], announcement: String) throws -> Server {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pumpgw-rtu-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: values).write(to: file)
        let script = Paths.fixtures.appendingPathComponent("pymodbus_server.py").path
        return try Server(Paths.python, [script, "--values", file.path, "--unit", "5"] + extra, announcement: announcement)
    }

    static func read(_ fixture: String, _ transport: [String]) throws -> (Finished, ReadDocument?) {
        let profile = Paths.fixtures.appendingPathComponent(fixture).path
        let result = try runToEnd(Paths.pumpgw, ["read", "--profile", profile, "--unit", "5", "--json"] + transport)
        return (result, try? decodeRead(result.stdout))
    }

    @Test("every type and order over RTU over TCP, against pymodbus's RTU framer")
    func rtuOverTCP() throws {
        for (fixture, values) in [("all-types.json5", PymodbusReadTests.values), ("rtu-types.json5", Self.typeValues)] {
            let server = try Self.pymodbus(values: values, extra: ["--framer", "rtu", "--port", "0"],
                                           announcement: #"LISTENING 127\.0\.0\.1 (\d+)"#)
            defer { server.stop() }
            let (result, document) = try Self.read(fixture, ["--host", "127.0.0.1", "--port", String(server.port), "--framing", "rtu"])
            #expect(result.status == 0, "\(fixture): \(result.stderr)")
            let parsed = try #require(document)
            fixture == "all-types.json5" ? Self.checkAllTypes(parsed) : Self.checkTypes(parsed)
        }
    }

    @Test("every type and order over a serial line (socat pty pair), against pymodbus's serial server")
    func serial() throws {
        for (fixture, values) in [("all-types.json5", PymodbusReadTests.values), ("rtu-types.json5", Self.typeValues)] {
            let pty = try PtyPair()
            defer { pty.stop() }
            let server = try Self.pymodbus(values: values, extra: ["--serial", pty.a, "--baud", "19200"],
                                           announcement: #"LISTENING SERIAL (\d+)"#)
            defer { server.stop() }
            let (result, document) = try Self.read(fixture, ["--serial", pty.b, "--baud", "19200"])
            #expect(result.status == 0, "\(fixture): \(result.stderr)")
            let parsed = try #require(document)
            fixture == "all-types.json5" ? Self.checkAllTypes(parsed) : Self.checkTypes(parsed)
        }
    }

    @Test("a bad CRC and another unit's reply fail only their own block; the other blocks are read",
          arguments: [("--bad-crc-every", "invalid reply (bad CRC)"), ("--foreign-unit-every", "invalid reply (reply from unit 6, expected 5)")])
    func rtuFaults(option: String, error: String) throws {
        let profile = Paths.fixtures.appendingPathComponent("all-types.json5").path
        let simulator = try Server(Paths.pumpgw, ["simulate", "--profile", profile, "--port", "0", "--framing", "rtu",
                                                  "--unit", "5", "--duration", "60", option, "2"],
                                   announcement: #"listening on 127\.0\.0\.1:(\d+) \(RTU\)"#)
        defer { simulator.stop() }
        // all-types reads four blocks: holding, input, coil, discrete; the 2nd and 4th replies are faulty.
        let (result, document) = try Self.read("all-types.json5", ["--host", "127.0.0.1", "--port", String(simulator.port), "--framing", "rtu"])
        #expect(result.status == 1)
        let parsed = try #require(document)
        #expect(parsed["outlet_pressure"]?.quality == "good")
        #expect(parsed["flow_total"]?.quality == "error: \(error)")
        #expect(parsed["door_open"]?.quality == "good")
        #expect(parsed["flooding"]?.quality == "error: \(error)")
    }

    @Test("scan finds exactly the unit ids that exist, on RTU over TCP and on a serial line")
    func scan() throws {
        let profile = Paths.fixtures.appendingPathComponent("all-types.json5").path
        let pty = try PtyPair()
        defer { pty.stop() }
        let tcp = try Server(Paths.pumpgw, ["simulate", "--profile", profile, "--port", "0", "--framing", "rtu",
                                            "--unit", "2,3,9", "--duration", "60"],
                             announcement: #"listening on 127\.0\.0\.1:(\d+) \(RTU\)"#)
        defer { tcp.stop() }
        let serial = try Server(Paths.pumpgw, ["simulate", "--profile", profile, "--serial", pty.a, "--unit", "4,7", "--duration", "60"],
                                announcement: #"\(RTU\) unit (\d+)"#)
        defer { serial.stop() }
        for (transport, expected) in [(["--host", "127.0.0.1", "--port", String(tcp.port), "--framing", "rtu"], [2, 3, 9]),
                                      (["--serial", pty.b], [4, 7])] {
            let result = try runToEnd(Paths.pumpgw, ["scan", "--units", "1-12", "--timeout", "100ms", "--json"] + transport)
            #expect(result.status == 0, "\(result.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: [[String: Any]]]
            let units = (json?["units"] ?? []).compactMap { $0["unit"] as? Int }
            #expect(units == expected, "\(result.stdout)")
            let first = json?["units"]?.first
            #expect(first?["reply"] as? String == "registers")
            #expect((first?["identification"] as? [String: String])?["product"] == "test-all-types")
        }
    }
}
