// Unit tests of the Profiles module: loading and validating JSON5 device
// profiles. Block read plans and duration text are in ReadPlanTests.swift.

import Foundation
import Testing
@testable import Profiles

// MARK: - Helpers

/// The problems `ProfileLoader` reports for `text`; records an issue if it loads.
private func problems(_ text: String, file: String = "test.json5",
                      sourceLocation: SourceLocation = #_sourceLocation) -> [ConfigProblem] {
    do {
        let profile = try ProfileLoader.load(data: Data(text.utf8), file: file)
        Issue.record("expected problems, but the profile loaded: \(profile.profile)", sourceLocation: sourceLocation)
        return []
    } catch {
        return error.problems
    }
}

/// A small profile around `points` (the inside of the points list).
private func profileText(_ points: String, top: String = "addressBase: 0,") -> String {
    """
    {
      profile: "test",
      \(top)
      points: [
        \(points)
      ],
    }
    """
}

// MARK: - Loading

struct ProfileLoaderTests {
    static let validText = """
        // A test pump: JSON5 with comments, unquoted keys and trailing commas.
        {
          profile: "test-pump",
          vendor: 'ACME',
          addressBase: 1,   // register numbers as in the manual
          order: "CDAB",
          maxGap: 2,
          /* block comment */
          points: [
            { name: "outlet_pressure", register: "holding", address: 101, type: "uint16", scale: 0.001, unit: "bar", invalid: 65535, },
            { name: "flow", register: "input", address: 201, type: "float32", order: "ABCD", },
            { name: "mode", register: "holding", address: 102, type: "enum", values: { "0": "auto", "1": "manual", }, },
            { name: "running", register: "holding", address: 103, type: "bits", bit: 6 },
            { name: "fault", register: "holding", address: 103, type: "bits", bit: 7 },
            { name: "pump_on", register: "coil", address: 1, type: "bool" },
            { name: "hours", register: "holding", address: 104, type: "uint32",
              rules: [{ above: 10, severity: "warning" }], simulate: { signal: "pump_run_hours", gain: 1.5 } },
          ],
        }
        """

    @Test func validProfileDecodes() throws {
        let profile = try ProfileLoader.load(data: Data(Self.validText.utf8), file: "pump.json5")
        #expect(profile.profile == "test-pump")
        #expect(profile.vendor == "ACME")
        #expect(profile.addressBase == 1)
        #expect(profile.order == .CDAB)
        #expect(profile.maxGap == 2)
        #expect(profile.maxRegisters == nil)
        #expect(profile.points.map(\.name) == ["outlet_pressure", "flow", "mode", "running", "fault", "pump_on", "hours"])

        let pressure = profile.points[0]
        #expect(pressure.register == .holding)
        #expect(pressure.type == .uint16)
        #expect(pressure.scale == 0.001)
        #expect(pressure.unit == "bar")
        #expect(pressure.invalid == 65535)
        #expect(pressure.isScaled)

        #expect(profile.points[1].register == .input)
        #expect(profile.points[1].order == .ABCD)
        #expect(profile.points[2].values == ["0": "auto", "1": "manual"])
        #expect(profile.points[3].bit == 6)
        #expect(profile.points[5].register == .coil)
        #expect(profile.points[6].rules == [.object(["above": .number(10), "severity": .string("warning")])])
        #expect(profile.points[6].simulate == SimulationHint(signal: "pump_run_hours", gain: 1.5))
    }

    @Test func pduAddressSubtractsAddressBase() throws {
        let profile = try ProfileLoader.load(data: Data(Self.validText.utf8), file: "pump.json5")
        #expect(profile.pduAddress(of: profile.points[0]) == 100)
        #expect(profile.pduAddress(of: profile.points[1]) == 200)
        #expect(profile.pduAddress(of: profile.points[5]) == 0)

        let zeroBased = DeviceProfile(profile: "z", addressBase: 0, points: [])
        #expect(zeroBased.pduAddress(of: Point(name: "a", register: .holding, address: 100, type: .uint16)) == 100)
    }

    @Test func effectiveOrder() throws {
        let profile = try ProfileLoader.load(data: Data(Self.validText.utf8), file: "pump.json5")
        #expect(profile.effectiveOrder(of: profile.points[6]) == .CDAB)  // profile default
        #expect(profile.effectiveOrder(of: profile.points[1]) == .ABCD)  // its own
    }

    @Test func twoBitsPointsOnOneWordAreAllowed() throws {
        let text = profileText("""
            { name: "a", register: "holding", address: 5, type: "bits", bit: 0 },
            { name: "b", register: "holding", address: 5, type: "bits", bit: 1 },
            { name: "c", register: "holding", address: 5, type: "bits", bit: 15 },
            """)
        let profile = try ProfileLoader.load(data: Data(text.utf8), file: "bits.json5")
        #expect(profile.points.count == 3)
    }

    @Test func missingAddressBase() throws {
        let text = """
            {
              profile: "test",
              points: [ { name: "a", register: "holding", address: 0, type: "uint16" } ],
            }
            """
        let found = problems(text, file: "nobase.json5")
        let problem = try #require(found.first)
        #expect(found.count == 1)
        #expect(problem.path == "addressBase")
        #expect(problem.message == "missing required key 'addressBase'")
        #expect(problem.description.hasPrefix("nobase.json5"))
        #expect(problem.description.hasSuffix(": addressBase: missing required key 'addressBase'"))
    }

    @Test func wrongTypeNamesThePathAndLine() throws {
        let text = """
            {
              profile: "test",
              addressBase: 0,
              points: [
                { name: "a", register: "holding", address: 0, type: "uint16" },
                { name: "b", register: "holding",
                  address: "ten", type: "uint16" },
              ],
            }
            """
        let found = problems(text, file: "types.json5")
        let problem = try #require(found.first)
        #expect(found.count == 1)
        #expect(problem.path == "points[1].address")
        #expect(problem.message == #"expected an integer, found the string "ten""#)
        #expect(problem.line == 7)
    }

    @Test func unknownEnumCaseIsAProblem() throws {
        let found = problems(profileText(#"{ name: "a", register: "holding", address: 0, type: "uint17" },"#))
        let problem = try #require(found.first)
        #expect(found.count == 1)
        #expect(problem.path == "points[0].type")
    }

    @Test func syntaxErrorIsAProblem() throws {
        let found = problems("{ profile: \"x\", addressBase: 0, points: [ ", file: "broken.json5")
        let problem = try #require(found.first)
        #expect(found.count == 1)
        #expect(problem.path == "")
        #expect(problem.message.hasPrefix("not valid JSON5"))
        #expect(problem.line == 1)
        #expect(problem.description == "broken.json5:1:43: not valid JSON5: the file ends inside a list; a ] is missing")
    }
}

// MARK: - Validation problems, one per file

struct ProblemCase: Sendable, CustomTestStringConvertible {
    var label: String
    var text: String
    var path: String
    var fragments: [String]

    var testDescription: String { label }
}

struct ProfileValidatorTests {
    static let cases: [ProblemCase] = [
        ProblemCase(label: "addressBase 2",
                    text: profileText(#"{ name: "a", register: "holding", address: 10, type: "uint16" },"#, top: "addressBase: 2,"),
                    path: "addressBase", fragments: ["must be 0", "or 1", "not 2"]),
        ProblemCase(label: "duplicate name",
                    text: profileText("""
                        { name: "pressure", register: "holding", address: 0, type: "uint16" },
                        { name: "pressure", register: "holding", address: 1, type: "uint16" },
                        """),
                    path: "points[1].name", fragments: ["duplicate", "'pressure'", "points[0]"]),
        ProblemCase(label: "not snake_case",
                    text: profileText(#"{ name: "OutletPressure", register: "holding", address: 0, type: "uint16" },"#),
                    path: "points[0].name", fragments: ["'OutletPressure'", "snake_case"]),
        ProblemCase(label: "name starting with a digit",
                    text: profileText(#"{ name: "1st_pump", register: "holding", address: 0, type: "uint16" },"#),
                    path: "points[0].name", fragments: ["'1st_pump'", "snake_case"]),
        ProblemCase(label: "bit 16",
                    text: profileText(#"{ name: "a", register: "holding", address: 0, type: "bits", bit: 16 },"#),
                    path: "points[0].bit", fragments: ["0-15", "16"]),
        ProblemCase(label: "bits without bit",
                    text: profileText(#"{ name: "a", register: "holding", address: 0, type: "bits" },"#),
                    path: "points[0].bit", fragments: ["needs bit"]),
        ProblemCase(label: "bit on a uint16",
                    text: profileText(#"{ name: "a", register: "holding", address: 0, type: "uint16", bit: 3 },"#),
                    path: "points[0].bit", fragments: ["only to type bits", "uint16"]),
        ProblemCase(label: "order on a uint16",
                    text: profileText(#"{ name: "a", register: "holding", address: 0, type: "uint16", order: "CDAB" },"#),
                    path: "points[0].order", fragments: ["32/64-bit", "uint16"]),
        ProblemCase(label: "enum without values",
                    text: profileText(#"{ name: "a", register: "holding", address: 0, type: "enum" },"#),
                    path: "points[0].values", fragments: ["enum needs values"]),
        ProblemCase(label: "enum with empty values",
                    text: profileText(#"{ name: "a", register: "holding", address: 0, type: "enum", values: {} },"#),
                    path: "points[0].values", fragments: ["enum needs values"]),
        ProblemCase(label: "enum key x",
                    text: profileText(#"{ name: "a", register: "holding", address: 0, type: "enum", values: { "0": "off", "x": "on" } },"#),
                    path: "points[0].values", fragments: ["'x'", "not an integer"]),
        ProblemCase(label: "values on a uint16",
                    text: profileText(#"{ name: "a", register: "holding", address: 0, type: "uint16", values: { "0": "off" } },"#),
                    path: "points[0].values", fragments: ["only to type enum"]),
        ProblemCase(label: "scale 0",
                    text: profileText(#"{ name: "a", register: "holding", address: 0, type: "uint16", scale: 0 },"#),
                    path: "points[0].scale", fragments: ["must not be 0"]),
        ProblemCase(label: "scale on a bool",
                    text: profileText(#"{ name: "a", register: "holding", address: 0, type: "bool", scale: 2 },"#),
                    path: "points[0].scale", fragments: ["only to numeric types", "bool"]),
        ProblemCase(label: "coil with type uint16",
                    text: profileText(#"{ name: "a", register: "coil", address: 0, type: "uint16" },"#),
                    path: "points[0].type", fragments: ["coil", "bool", "uint16"]),
        ProblemCase(label: "discrete input with type float32",
                    text: profileText(#"{ name: "a", register: "discrete", address: 0, type: "float32" },"#),
                    path: "points[0].type", fragments: ["discrete", "bool", "float32"]),
        ProblemCase(label: "uint32 at 0 overlaps uint16 at 1",
                    text: profileText("""
                        { name: "total", register: "holding", address: 0, type: "uint32" },
                        { name: "level", register: "holding", address: 1, type: "uint16" },
                        """),
                    path: "points[1].address", fragments: ["'level'", "overlaps", "'total'", "uint32"]),
        ProblemCase(label: "bits point on a uint16's word",
                    text: profileText("""
                        { name: "status", register: "holding", address: 7, type: "uint16" },
                        { name: "running", register: "holding", address: 7, type: "bits", bit: 0 },
                        """),
                    path: "points[1].address", fragments: ["overlaps"]),
        ProblemCase(label: "uint32 at 65535 with addressBase 0",
                    text: profileText(#"{ name: "a", register: "holding", address: 65535, type: "uint32" },"#),
                    path: "points[0].address", fragments: ["65535", "out of range", "0...65535"]),
        ProblemCase(label: "address 0 with addressBase 1",
                    text: profileText(#"{ name: "a", register: "holding", address: 0, type: "uint16" },"#, top: "addressBase: 1,"),
                    path: "points[0].address", fragments: ["out of range", "1...65536"]),
        ProblemCase(label: "maxRegisters 200",
                    text: profileText(#"{ name: "a", register: "holding", address: 0, type: "uint16" },"#,
                                      top: "addressBase: 0, maxRegisters: 200,"),
                    path: "maxRegisters", fragments: ["must be 1-125", "200"]),
        ProblemCase(label: "maxRegisters 0",
                    text: profileText(#"{ name: "a", register: "holding", address: 0, type: "uint16" },"#,
                                      top: "addressBase: 0, maxRegisters: 0,"),
                    path: "maxRegisters", fragments: ["must be 1-125"]),
        ProblemCase(label: "negative maxGap",
                    text: profileText(#"{ name: "a", register: "holding", address: 0, type: "uint16" },"#,
                                      top: "addressBase: 0, maxGap: -1,"),
                    path: "maxGap", fragments: ["must be 0-123", "not -1"]),
        ProblemCase(label: "no points",
                    text: profileText(""), path: "points", fragments: ["at least one point"]),
    ]

    @Test(arguments: cases)
    func reportsOneProblem(_ testCase: ProblemCase) throws {
        let found = problems(testCase.text)
        #expect(found.count == 1, "\(found)")
        let problem = try #require(found.first)
        #expect(problem.file == "test.json5")
        #expect(problem.path == testCase.path)
        for fragment in testCase.fragments {
            #expect(problem.message.contains(fragment), "\(problem.message) lacks \(fragment)")
        }
        #expect(problem.description.hasPrefix("test.json5:"))
        #expect(problem.description.hasSuffix(": \(testCase.path): \(problem.message)"))
    }

    @Test func lastAddressesInRangeAreFine() throws {
        let text = profileText("""
            { name: "a", register: "holding", address: 65534, type: "uint32" },
            { name: "b", register: "input", address: 65535, type: "uint16" },
            { name: "c", register: "coil", address: 65535, type: "bool" },
            """)
        let profile = try ProfileLoader.load(data: Data(text.utf8), file: "edge.json5")
        #expect(profile.points.count == 3)
        let based = profileText(#"{ name: "a", register: "holding", address: 65536, type: "uint16" },"#, top: "addressBase: 1,")
        _ = try ProfileLoader.load(data: Data(based.utf8), file: "edge1.json5")
    }

    @Test func samePointsInDifferentTablesDoNotOverlap() throws {
        let text = profileText("""
            { name: "a", register: "holding", address: 0, type: "uint32" },
            { name: "b", register: "input", address: 1, type: "uint16" },
            { name: "c", register: "coil", address: 0, type: "bool" },
            { name: "d", register: "discrete", address: 0, type: "bool" },
            """)
        _ = try ProfileLoader.load(data: Data(text.utf8), file: "tables.json5")
    }

    @Test func reportsEveryProblemInOnePass() {
        let text = """
            {
              profile: "many",
              addressBase: 2,
              maxRegisters: 200,
              points: [
                { name: "BadName", register: "holding", address: 10, type: "uint16", scale: 0 },
                { name: "mode", register: "holding", address: 11, type: "enum" },
                { name: "mode", register: "coil", address: 3, type: "uint16" },
                { name: "total", register: "holding", address: 20, type: "uint32" },
                { name: "level", register: "holding", address: 21, type: "uint16", order: "DCBA" },
              ],
            }
            """
        let found = problems(text, file: "many.json5")
        let paths = found.map(\.path)
        let expected = ["addressBase", "maxRegisters",
                        "points[0].name", "points[0].scale",
                        "points[1].values",
                        "points[2].name", "points[2].type",
                        "points[4].order", "points[4].address"]
        #expect(paths.sorted() == expected.sorted(), "\(found)")
        #expect(ConfigProblems(found).description.split(separator: "\n").count == expected.count)
    }

    @Test func lineNumbersPointAtTheField() throws {
        let text = """
            {
              profile: "lines",
              addressBase: 2,
              points: [
                { name: "ok_point", register: "holding", address: 10, type: "uint16" },
                {
                  name: "bad_scale",
                  register: "holding",
                  address: 11,
                  type: "uint16",
                  scale: 0,
                },
                { name: "BadName", register: "holding", address: 12, type: "uint16" },
                { name: "total", register: "holding", address: 20, type: "uint32" },
                { name: "level", register: "holding",
                  address: 21, type: "uint16" },
              ],
            }
            """
        let found = problems(text, file: "lines.json5")
        #expect(found.count == 4, "\(found)")

        let base = try #require(found.first { $0.path == "addressBase" })
        #expect(base.line == 3)
        #expect(base.description.hasPrefix("lines.json5:3: addressBase: must be 0"))

        let scale = try #require(found.first { $0.path == "points[1].scale" })
        #expect(scale.line == 11)
        #expect(scale.description == "lines.json5:11: points[1].scale: must not be 0 (every value would read 0)")

        let name = try #require(found.first { $0.path == "points[2].name" })
        #expect(name.line == 13)

        // The overlap is reported on the later point.
        let overlap = try #require(found.first { $0.path == "points[4].address" })
        #expect(overlap.line == 15 || overlap.line == 16)
    }

    @Test func problemDescriptionFormat() {
        #expect(ConfigProblem(file: "f.json5", line: 12, path: "points[3].bit", message: "m").description
                == "f.json5:12: points[3].bit: m")
        #expect(ConfigProblem(file: "f.json5", path: "points[3].bit", message: "m").description
                == "f.json5: points[3].bit: m")
        #expect(ConfigProblem(file: "f.json5", line: 1, path: "", message: "m").description == "f.json5:1: m")
        let both = ConfigProblems([ConfigProblem(file: "a", line: 1, path: "x", message: "one"),
                                    ConfigProblem(file: "a", line: 2, path: "y", message: "two")])
        #expect(both.description == "a:1: x: one\na:2: y: two")
    }

    @Test(arguments: [("outlet_pressure", true), ("pump_1_speed", true), ("a", true),
                      ("Outlet", false), ("1pump", false), ("_x", false), ("pump-speed", false),
                      ("", false), ("prés", false)])
    func snakeCase(name: String, expected: Bool) {
        #expect(ProfileValidator.isSnakeCase(name) == expected)
    }
}
