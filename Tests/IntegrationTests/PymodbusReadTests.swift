// pumpgw against an independent Modbus server (pymodbus), serving register
// values this test chose: proves our decoding is not only agreeing with our
// own simulator. The expected values are worked out by hand below.

import Foundation
import Testing
import TestSupport

@Suite("read against pymodbus")
struct PymodbusReadTests {
    /// Raw values for Fixtures/all-types.json5, each with its expected reading.
    static var values: [String: [String: Any]] { [
        "holding": [
            "0": 452,            // uint16 × 0.001 → 0.452 MPa
            "1": 0xFF9C,         // int16 -100 × 0.1 - 10 → -20.0 °C
            "2": 0xC148, "3": 0x0000,   // float32 ABCD 0xC1480000 = -12.5 (IEEE-754, Python struct '>f')
            "4": 0x5000, "5": 0x449A,   // float32 CDAB of 0x449A5000 = 1234.5 (words swapped)
            "6": 0b1000,         // bits: bit 3 set, bit 0 clear
            "7": 1,              // enum → "manual"
            "8": 7,              // plain uint16 → integer 7
        ],
        "input": [
            "0": 0x0001, "1": 0xE240,   // uint32 0x0001E240 = 123456 × 0.1 → 12345.6 m3
            "2": 65535,          // the sentinel → invalid, value null
        ],
        "coils": ["0": true],
        "discrete": ["3": false],
    ] }

    @Test("every type decodes to the value worked out by hand")
    func decodesChosenValues() throws {
        let server = try startPymodbus(values: Self.values)
        defer { server.stop() }
        let profile = Paths.fixtures.appendingPathComponent("all-types.json5").path
        let result = try runToEnd(Paths.pumpgw, ["read", "--profile", profile, "--host", "127.0.0.1",
                                                 "--port", String(server.port), "--json"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let document = try decodeRead(result.stdout)

        func number(_ name: String) -> Double? { document[name]?.value?.number }
        #expect(abs(try #require(number("outlet_pressure")) - 0.452) < 1e-9)
        #expect(abs(try #require(number("tank_temperature")) - (-20.0)) < 1e-9)
        #expect(number("flow_abcd") == -12.5)
        #expect(number("flow_cdab") == 1234.5)
        #expect(document["pump1_fault"]?.value == .bool(true))
        #expect(document["pump1_remote"]?.value == .bool(false))
        #expect(document["mode"]?.value == .string("manual"))
        #expect(number("fault_code") == 7)
        #expect(abs(try #require(number("flow_total")) - 12345.6) < 1e-6)
        #expect(document["turbidity"]?.quality == "invalid")
        #expect(document["turbidity"]?.value == nil)
        #expect(document["door_open"]?.value == .bool(true))
        #expect(document["flooding"]?.value == .bool(false))
        for point in document.points where point.name != "turbidity" {
            #expect(point.quality == "good", "\(point.name): \(point.quality)")
        }
    }

    @Test("a block of addresses pymodbus does not serve fails with exception 2 and only its points")
    func missingBlockMarksOnlyItsPoints() throws {
        var values = Self.values
        values["input"] = nil   // the input table is absent: exception 2 for its block
        let server = try startPymodbus(values: values)
        defer { server.stop() }
        let profile = Paths.fixtures.appendingPathComponent("all-types.json5").path
        let result = try runToEnd(Paths.pumpgw, ["read", "--profile", profile, "--host", "127.0.0.1",
                                                 "--port", String(server.port), "--json"])
        #expect(result.status == 1)
        #expect(result.stderrLines.count == 1, "stderr: \(result.stderr)")
        let document = try decodeRead(result.stdout)
        #expect(document["flow_total"]?.quality == "error: exception 2 (illegal data address)")
        #expect(document["flow_total"]?.value == nil)
        #expect(document["outlet_pressure"]?.quality == "good")
        #expect(document["flooding"]?.quality == "good")
    }
}

/// Starts the pymodbus server of Fixtures/pymodbus_server.py with `values`.
func startPymodbus(values: [String: [String: Any]]) throws -> Server {
    guard FileManager.default.isExecutableFile(atPath: Paths.python) else {
        throw ServerError(message: "no Python venv with pymodbus at \(Paths.python): run `make test` (it creates .venv)")
    }
    let file = FileManager.default.temporaryDirectory
        .appendingPathComponent("pumpgw-pymodbus-\(UUID().uuidString).json")
    try JSONSerialization.data(withJSONObject: values).write(to: file)
    let script = Paths.fixtures.appendingPathComponent("pymodbus_server.py").path
    return try Server(Paths.python, [script, "--values", file.path, "--port", "0"],
                      announcement: #"LISTENING 127\.0\.0\.1 (\d+)"#)
}
