// `buses` and a device's `bus`: the typed bus, and every refusal with its
// FILE:LINE. Each config is written one entry per line so that the expected
// line numbers can be counted by hand (line 1 is `{`).

import Foundation
import Profiles
import Testing

struct BusConfigTests {
    /// Loads a config whose `buses` and devices are the given lines (each one line).
    func load(buses: [String], devices: [String]) throws -> Result<LoadedConfig, ConfigProblems> {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pumpgw-buses-\(UUID())")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("profiles"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
            { profile: "meter", addressBase: 0, points: [ { name: "flow", register: "holding", address: 0, type: "uint16" } ] }
            """.write(to: folder.appendingPathComponent("profiles/meter.json5"), atomically: true, encoding: .utf8)
        // Line 1 "{", line 2 gateway, line 3 "buses: [", buses from line 4, then "]," and
        // "stations: [ { id: \"S\", devices: [", devices from line 6 + buses.count.
        let text = (["{", #"gateway: { id: "gw" }, profiles: "profiles", store: { path: "x.db" },"#, "buses: ["] + buses
            + ["],", #"stations: [ { id: "S", devices: ["#] + devices + ["] } ],", "}"]).joined(separator: "\n")
        let path = folder.appendingPathComponent("gw.json5").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        do {
            return .success(try ConfigLoader.load(path: path))
        } catch {
            return .failure(error)
        }
    }

    /// The problems (or warnings) as "LINE: path: message", without the temporary file name.
    func lines(_ problems: [ConfigProblem]) -> [String] {
        problems.map { "\($0.line ?? 0): \($0.path): \($0.message)" }
    }

    @Test func aBusIsTypedWithItsDefaultsAndItsDevicesNameIt() throws {
        let result = try load(
            buses: [#"{ id: "rs485-1", port: "/dev/ttyUSB0", baud: 19200, parity: "even", dataBits: 8, stopBits: 1 },"#,
                    #"{ id: "rs485-2", port: "/dev/ttyS1" },"#],
            devices: [#"{ id: "a", profile: "meter", bus: "rs485-1", unit: 2 },"#,
                      #"{ id: "b", profile: "meter", bus: "rs485-2", unit: 3 },"#,
                      #"{ id: "c", profile: "meter", host: "127.0.0.1" },"#])
        let loaded = try result.get()
        #expect(loaded.devices.map(\.bus) == [
            ResolvedBus(id: "rs485-1", port: "/dev/ttyUSB0", baud: 19200, parity: "even", dataBits: 8, stopBits: 1),
            // Defaults by hand: 9600 8N1.
            ResolvedBus(id: "rs485-2", port: "/dev/ttyS1", baud: 9600, parity: "none", dataBits: 8, stopBits: 1),
            nil,
        ])
        #expect(loaded.devices[0].bus?.summary == "19200 8E1")
        #expect(loaded.devices[1].bus?.summary == "9600 8N1")
        #expect(loaded.warnings.isEmpty)
    }

    @Test func aBusNoDeviceUsesIsAWarning() throws {
        let loaded = try load(buses: [#"{ id: "rs485-1", port: "/dev/ttyUSB0" },"#, #"{ id: "spare", port: "/dev/ttyUSB1" },"#],
                              devices: [#"{ id: "a", profile: "meter", bus: "rs485-1", unit: 2 },"#]).get()
        #expect(lines(loaded.warnings) == ["5: buses[1].id: warning: bus 'spare' is used by no device"])
    }

    /// Each case: bus lines, device lines, the problems expected, written by hand.
    static let cases: [(name: String, buses: [String], devices: [String], expected: [String])] = [
        ("unknown bus, with a guess", [#"{ id: "rs485-1", port: "/dev/ttyUSB0" },"#],
         [#"{ id: "a", profile: "meter", bus: "rs485-2" },"#],
         ["7: stations[0].devices[0].bus: no bus 'rs485-2' in buses; did you mean 'rs485-1'?"]),
        ("unknown bus, no buses", [],
         [#"{ id: "a", profile: "meter", bus: "line" },"#],
         ["6: stations[0].devices[0].bus: no bus 'line' in buses (declared: none)"]),
        ("both bus and host", [#"{ id: "rs485-1", port: "/dev/ttyUSB0" },"#],
         [#"{ id: "a", profile: "meter", bus: "rs485-1", host: "10.0.0.1" },"#],
         ["7: stations[0].devices[0].bus: give bus or host, not both: a device is on a serial bus or behind a TCP endpoint"]),
        ("neither bus nor host", [],
         [#"{ id: "a", profile: "meter" },"#],
         ["6: stations[0].devices[0]: name the device's line: host (Modbus TCP, or RTU over TCP) or bus (an RS-485 bus of buses)"]),
        ("two buses on one port", [#"{ id: "rs485-1", port: "/dev/ttyUSB0" },"#, #"{ id: "rs485-2", port: "/dev/ttyUSB0" },"#],
         [#"{ id: "a", profile: "meter", bus: "rs485-1" },"#, #"{ id: "b", profile: "meter", bus: "rs485-2" },"#],
         ["5: buses[1].port: /dev/ttyUSB0 is already the port of bus 'rs485-1' (buses[0].port): one serial port is one bus; put its devices on that bus"]),
        ("one unit twice on a bus", [#"{ id: "rs485-1", port: "/dev/ttyUSB0" },"#],
         [#"{ id: "a", profile: "meter", bus: "rs485-1", unit: 2 },"#, #"{ id: "b", profile: "meter", bus: "rs485-1", unit: 2 },"#],
         ["8: stations[0].devices[1].unit: unit 2 on bus rs485-1 is already stations[0].devices[0]'s: one RTU line cannot tell two devices with one id apart"]),
        ("unit 0 and 248 on a bus", [#"{ id: "rs485-1", port: "/dev/ttyUSB0" },"#],
         [#"{ id: "a", profile: "meter", bus: "rs485-1", unit: 0 },"#, #"{ id: "b", profile: "meter", bus: "rs485-1", unit: 248 },"#],
         ["7: stations[0].devices[0].unit: must be 1-247 on a bus (0 is broadcast, 248-255 are reserved), not 0",
          "8: stations[0].devices[1].unit: must be 1-247 on a bus (0 is broadcast, 248-255 are reserved), not 248"]),
        ("TCP-only keys on a bus device", [#"{ id: "rs485-1", port: "/dev/ttyUSB0" },"#],
         [#"{ id: "a", profile: "meter", bus: "rs485-1", port: 502, framing: "rtu" },"#],
         ["7: stations[0].devices[0].port: applies to a host device only: a bus device is RTU on its bus's port",
          "7: stations[0].devices[0].framing: applies to a host device only: a bus device is RTU on its bus's port"]),
        ("bad baud and bits", [#"{ id: "rs485-1", port: "/dev/ttyUSB0", baud: 9601, dataBits: 6, stopBits: 3 },"#],
         [#"{ id: "a", profile: "meter", bus: "rs485-1" },"#],
         ["4: buses[0].baud: 9601 is not a baud rate a serial port can be set to (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400)",
          "4: buses[0].dataBits: must be 7 or 8, not 6",
          "4: buses[0].stopBits: must be 1 or 2, not 3"]),
        ("bad parity", [#"{ id: "rs485-1", port: "/dev/ttyUSB0", parity: "mark" },"#],
         [#"{ id: "a", profile: "meter", bus: "rs485-1" },"#],
         ["4: buses[0].parity: 'mark' is not one of none, even, odd"]),
        ("one unit twice on an RTU-over-TCP endpoint", [],
         [#"{ id: "a", profile: "meter", host: "10.0.0.5", port: 4001, framing: "rtu", unit: 2 },"#,
          #"{ id: "b", profile: "meter", host: "10.0.0.5", port: 4001, framing: "rtu", unit: 2 },"#],
         ["7: stations[0].devices[1].unit: unit 2 on 10.0.0.5:4001 is already stations[0].devices[0]'s: one RTU line cannot tell two devices with one id apart"]),
        ("unit 0 and 248 on an RTU-over-TCP endpoint", [],
         [#"{ id: "a", profile: "meter", host: "10.0.0.5", framing: "rtu", unit: 0 },"#,
          #"{ id: "b", profile: "meter", host: "10.0.0.5", framing: "rtu", unit: 248 },"#],
         ["6: stations[0].devices[0].unit: must be 1-247 with framing rtu (0 is broadcast, 248-255 are reserved), not 0",
          "7: stations[0].devices[1].unit: must be 1-247 with framing rtu (0 is broadcast, 248-255 are reserved), not 248"]),
        ("Modbus TCP and RTU over TCP on one endpoint", [],
         [#"{ id: "a", profile: "meter", host: "10.0.0.5", port: 4001, framing: "rtu", unit: 2 },"#,
          #"{ id: "b", profile: "meter", host: "10.0.0.5", port: 4001, unit: 3 },"#],
         [#"7: stations[0].devices[1].framing: 10.0.0.5:4001 is RTU over TCP for stations[0].devices[0] (framing "rtu"): one endpoint is one connection with one framing"#]),
        ("duplicate bus id", [#"{ id: "rs485-1", port: "/dev/ttyUSB0" },"#, #"{ id: "rs485-1", port: "/dev/ttyUSB1" },"#],
         [#"{ id: "a", profile: "meter", bus: "rs485-1" },"#],
         ["5: buses[1].id: duplicate bus id 'rs485-1' (first used by buses[0])"]),
    ]

    @Test(arguments: cases.indices)
    func refusals(_ index: Int) throws {
        let (name, buses, devices, expected) = Self.cases[index]
        switch try load(buses: buses, devices: devices) {
        case .success:
            Issue.record("\(name): loaded, expected \(expected)")
        case .failure(let error):
            #expect(lines(error.problems) == expected, "\(name)")
        }
    }

    @Test func oneUnitOnSeveralLinesIsFine() throws {
        // Unit 2 on a bus, on two RTU-over-TCP endpoints and on Modbus TCP: four lines, no clash.
        let loaded = try load(
            buses: [#"{ id: "rs485-1", port: "/dev/ttyUSB0" },"#],
            devices: [#"{ id: "a", profile: "meter", bus: "rs485-1", unit: 2 },"#,
                      #"{ id: "b", profile: "meter", host: "10.0.0.5", port: 4001, framing: "rtu", unit: 2 },"#,
                      #"{ id: "c", profile: "meter", host: "10.0.0.5", port: 4002, framing: "rtu", unit: 2 },"#,
                      #"{ id: "d", profile: "meter", host: "10.0.0.5", port: 502, unit: 2 },"#]).get()
        #expect(loaded.devices.count == 4)
    }

    @Test func aUdevLinkAndItsDeviceAreOnePort() throws {
        // A udev name (a symlink) and the device it points to: two buses on one port.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pumpgw-ports-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let device = folder.appendingPathComponent("ttyUSB0").path, link = folder.appendingPathComponent("rs485-1").path
        try Data().write(to: URL(fileURLWithPath: device))
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: device)
        let result = try load(buses: [#"{ id: "a", port: "\#(device)" },"#, #"{ id: "b", port: "\#(link)" },"#],
                              devices: [#"{ id: "x", profile: "meter", bus: "a", unit: 2 },"#, #"{ id: "y", profile: "meter", bus: "b", unit: 3 },"#])
        guard case .failure(let error) = result else {
            Issue.record("loaded two buses on one port")
            return
        }
        let resolved = BusConfigTests.realPath(device)
        #expect(lines(error.problems) == ["5: buses[1].port: \(link) (a link to \(resolved)) is already the port of bus 'a' (buses[0].port): one serial port is one bus; put its devices on that bus"])
    }

    /// /tmp may itself be a link: the message names the fully resolved path.
    static func realPath(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }
}
