// The profiles under DeviceProfiles/ and the bad-file corpus, through the
// real `pumpgw` binary: every shipped profile passes `pumpgw check` and is
// served by `pumpgw simulate` and read back good and in range; every corpus
// file makes `pumpgw check` print exactly the lines of its `.expected` file.

import Foundation
import Profiles
import Simulator
import Testing
import TestSupport

enum Corpus {
    static let folder = Paths.fixtures.appendingPathComponent("Corpus")

    /// The corpus files (profiles and configs), by name.
    static let files: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".json5") }.sorted()
    }()

    static func expected(_ file: String) throws -> String {
        let name = String(file.dropLast(".json5".count)) + ".expected"
        return try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
    }

    /// `pumpgw check FILES` run inside the corpus folder, so FILE is printed relative.
    static func check(_ files: [String]) throws -> Finished {
        try runToEnd("/bin/sh", ["-c", #"cd "$1" && shift && exec "$@""#, "sh", folder.path, Paths.pumpgw, "check"] + files)
    }
}

@Suite("check: the bad-file corpus")
struct CheckCorpusTests {
    @Test("the corpus holds at least 40 files, each with its expected lines")
    func corpusIsComplete() throws {
        #expect(Corpus.files.count >= 40)
        for file in Corpus.files {
            let expected = try Corpus.expected(file)
            #expect(!expected.isEmpty, "\(file) expects nothing")
        }
    }

    @Test("pumpgw check prints exactly the expected lines", arguments: Corpus.files)
    func printsExpectedLines(file: String) throws {
        let result = try Corpus.check([file])
        #expect(result.reason == .exit)
        #expect(result.status == 1, "\(file): exit \(result.status)")
        #expect(result.stdout.isEmpty, "\(file): stdout \(result.stdout)")
        #expect(result.stderr == (try Corpus.expected(file)))
    }

    @Test("one run over the whole corpus reports every file's problems, in argument order")
    func wholeCorpusInOneRun() throws {
        let result = try Corpus.check(Corpus.files)
        #expect(result.status == 1)
        let expected = try Corpus.files.map(Corpus.expected).joined()
        #expect(result.stderr == expected)
    }
}

@Suite("shipped profiles: check, simulate, read")
struct ShippedProfilesTests {
    static let profiles: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: Paths.profiles.path)) ?? []
        return names.filter { $0.hasSuffix(".json5") }.sorted()
    }()

    @Test("nine profiles and the PLC template are shipped, each with a header naming its source")
    func shippedSet() throws {
        // The five of round 1, the level and pressure transmitters, the energy meter, the MFE600E/C map.
        #expect(Self.profiles.filter { !$0.contains("template") }.count >= 9)
        for name in Self.profiles {
            let text = try String(contentsOf: Paths.profiles.appendingPathComponent(name), encoding: .utf8)
            #expect(text.hasPrefix("//"), "\(name) has no header comment")
            #expect(text.contains("Source"), "\(name) does not name its source")
        }
        let template = try ProfileLoader.load(path: Paths.profiles.appendingPathComponent("cabinet-plc-template.json5").path)
        #expect(template.model?.hasPrefix("TEMPLATE") == true && template.description?.hasPrefix("TEMPLATE") == true)
        #expect(template.points.allSatisfy { $0.description?.hasPrefix("TEMPLATE") == true })
    }

    @Test("Grundfos: no E-pump registers 00209-00211, no guessed setpoint 00104; 00308 is read and says assumed")
    func grundfosCorrections() throws {
        let profile = try ProfileLoader.load(path: Paths.profiles.appendingPathComponent("grundfos-hydro-mpc-cim500.json5").path)
        #expect(profile.addressBase == 1)
        #expect(profile.points.filter { [104, 209, 210, 211].contains($0.address) }.map(\.name) == [])
        let setpoint = try #require(profile.points.first { $0.address == 308 })
        #expect(setpoint.name == "actual_setpoint" && setpoint.description?.contains("assumed") == true)
    }

    @Test("read tells the flow meter maps apart: the other variant's profile gets exception 2, its own reads", arguments: [
        ("electromagnetic-flowmeter-mfe600h.json5", "electromagnetic-flowmeter-mfe600e.json5"),
        ("electromagnetic-flowmeter-mfe600e.json5", "electromagnetic-flowmeter-mfe600h.json5"),
    ])
    func flowMeterVariants(meter: String, other: String) throws {
        let simulator = try startSimulator(profile: Paths.profiles.appendingPathComponent(meter).path)
        defer { simulator.stop() }
        func read(_ profile: String) throws -> Finished {
            try runToEnd(Paths.pumpgw, ["read", "--profile", Paths.profiles.appendingPathComponent(profile).path,
                                        "--host", "127.0.0.1", "--port", String(simulator.port), "--raw"])
        }
        let wrong = try read(other)
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("every request failed: exception 2 (illegal data address)"), "stderr: \(wrong.stderr)")
        let right = try read(meter)
        #expect(right.status == 0, "stderr: \(right.stderr)")
    }

    @Test("points that no public document confirms say assumed", arguments: [
        "generic-constant-pressure-vfd.json5", "water-quality-panel.json5", "pump-room-environment-io.json5",
        "level-transmitter-rs485.json5", "pressure-transmitter-rs485.json5", "cabinet-plc-template.json5",
    ])
    func assumedLabels(name: String) throws {
        let profile = try ProfileLoader.load(path: Paths.profiles.appendingPathComponent(name).path)
        for point in profile.points {
            #expect(point.description?.contains("assumed") == true, "\(name) \(point.name): \(point.description ?? "no description")")
        }
    }

    @Test("the schema's simulate signals are the simulator's")
    func schemaSignals() throws {
        let data = try Data(contentsOf: Paths.profiles.appendingPathComponent("profile.schema.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let definitions = try #require(schema["$defs"] as? [String: Any])
        let simulate = try #require(definitions["simulate"] as? [String: Any])
        let properties = try #require(simulate["properties"] as? [String: Any])
        let signal = try #require(properties["signal"] as? [String: Any])
        #expect(Set(try #require(signal["enum"] as? [String])) == PumpRoomModel.signalNames)
        #expect(Set(SimulationHint.signals) == PumpRoomModel.signalNames)
    }

    @Test("pumpgw check accepts it", arguments: profiles)
    func checks(name: String) throws {
        let path = Paths.profiles.appendingPathComponent(name).path
        let result = try runToEnd(Paths.pumpgw, ["check", path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        #expect(result.stdout.hasPrefix("\(path): ok: profile "))
    }

    @Test("simulate serves it and read gets every point good and in range", arguments: profiles)
    func simulatesAndReads(name: String) throws {
        let path = Paths.profiles.appendingPathComponent(name).path
        let profile = try ProfileLoader.load(path: path)
        let simulator = try startSimulator(profile: path)
        defer { simulator.stop() }
        let result = try runToEnd(Paths.pumpgw, ["read", "--profile", path, "--host", "127.0.0.1",
                                                 "--port", String(simulator.port), "--json"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let document = try decodeRead(result.stdout)
        #expect(document.points.map(\.name) == profile.points.map(\.name))
        for (point, reading) in zip(profile.points, document.points) {
            #expect(reading.quality == "good", "\(name) \(point.name): \(reading.quality)")
            #expect(reading.unit == (point.unit ?? ""))
            guard let hint = point.simulate, let value = reading.value else { continue }
            try expectInRange(value, point: point, hint: hint, profile: name)
        }
    }

    /// The value read back lies where the hint says, within one raw step.
    func expectInRange(_ value: JSONScalar, point: Point, hint: SimulationHint, profile: String) throws {
        let label = "\(profile) \(point.name)"
        if point.type == .enum {
            let raw = try #require(hint.value, "\(label): an enum is simulated with a value")
            #expect(value == .string(point.values?[String(Int(raw))] ?? "?"), "\(label) = \(value)")
            return
        }
        if point.type == .bool || point.type == .bits {
            if let raw = hint.value {
                #expect(value == .bool(raw != 0), "\(label) = \(value)")
            } else {
                #expect(value == .bool(true) || value == .bool(false), "\(label) = \(value)")
            }
            return
        }
        let number = try #require(value.number, "\(label) is not a number: \(value)")
        let gain = hint.gain ?? 1
        let range: ClosedRange<Double>
        if let signal = hint.signal {
            // Counters (total, run hours) have no range: they only need to be 0 or more.
            let counter: ClosedRange<Double>? = PumpRoomModel.signalNames.contains(signal) ? 0...1e12 : nil
            let signalRange = try #require(PumpRoomModel.ranges[signal] ?? counter, "\(label): unknown signal \(signal)")
            range = signalRange.lowerBound * gain...signalRange.upperBound * gain
        } else if let fixed = hint.value {
            range = fixed * gain...fixed * gain
        } else {
            let low = try #require(hint.min), high = try #require(hint.max)
            range = low * gain...high * gain
        }
        // One raw step of rounding either side (floats: their own precision).
        let isFloat = point.type == .float32 || point.type == .float64
        let step = isFloat ? 1e-4 * max(1, abs(range.upperBound)) : abs(point.scale ?? 1)
        #expect(number >= range.lowerBound - step && number <= range.upperBound + step,
                "\(label) = \(number) outside \(range)")
    }
}

@Suite("read --raw")
struct ReadRawTests {
    @Test("raw words per block, and each 32-bit point in all four orders with the profile's marked")
    func rawShowsBlocksAndOrders() throws {
        let path = Paths.profiles.appendingPathComponent("electromagnetic-flowmeter-mfe600h.json5").path
        let simulator = try startSimulator(profile: path)
        defer { simulator.stop() }
        let result = try runToEnd(Paths.pumpgw, ["read", "--profile", path, "--host", "127.0.0.1",
                                                 "--port", String(simulator.port), "--raw"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("holding 4112...4115 (4 registers)"))
        #expect(lines.contains("holding 4132...4133 (2 registers)"))
        #expect(lines.contains("  4132: 0000 0000"))  // both alarms clear
        // The flow row: name, address and type, two words, then ABCD CDAB BADC DCBA.
        let flow = try #require(lines.first { $0.hasPrefix("flow ") && $0.contains("float32") })
        let cells = flow.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        #expect(cells.count == 10, "\(cells)")
        #expect(cells[3].count == 4 && cells[4].count == 4, "words \(cells)")
        #expect(cells[7] == "*", "CDAB is the profile's order: \(cells)")
        let cdab = try #require(Double(cells[6]))
        #expect((0...90).contains(cdab), "flow in CDAB = \(cdab)")
        // The words as the decoder sees them: CDAB puts the second word first.
        let high = try #require(UInt32(cells[4], radix: 16)), low = try #require(UInt32(cells[3], radix: 16))
        let expected = Double(Float(bitPattern: high << 16 | low))
        #expect(abs(cdab - expected) <= 1e-6 * max(1, abs(expected)))
    }

    @Test("--raw and --json together are a usage error")
    func rawWithJSON() throws {
        let result = try runToEnd(Paths.pumpgw, ["read", "--profile", "x.json5", "--host", "127.0.0.1", "--raw", "--json"])
        #expect(result.status == 2)
        #expect(result.stderrLines.count == 1)
    }
}
