// Unit tests of the Profiles module: loading and validating JSON5 device
// profiles, planning block reads, and parsing duration text.

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

private func uint16Points(count: Int, from start: Int = 0) -> [Point] {
    (0..<count).map { Point(name: "p\($0)", register: .holding, address: start + $0, type: .uint16) }
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

// MARK: - Read plan

/// Every point is in exactly one block, of its table, inside it; no block is
/// longer than `limit` (registers) or 2000 (bits).
private func checkInvariants(_ plan: ReadPlan, _ profile: DeviceProfile, limit: Int,
                             sourceLocation: SourceLocation = #_sourceLocation) {
    var seen = Array(repeating: 0, count: profile.points.count)
    for block in plan.blocks {
        #expect(block.count >= 1, sourceLocation: sourceLocation)
        #expect(block.count <= (block.table.holdsBits ? 2000 : limit), "\(block)", sourceLocation: sourceLocation)
        for index in block.pointIndexes {
            seen[index] += 1
            let point = profile.points[index]
            let start = profile.pduAddress(of: point)
            #expect(point.register == block.table, sourceLocation: sourceLocation)
            #expect(start >= block.start && start + point.width <= block.end,
                    "\(point.name) at \(start) outside \(block.start)..<\(block.end)", sourceLocation: sourceLocation)
        }
    }
    #expect(seen.allSatisfy { $0 == 1 }, "\(seen)", sourceLocation: sourceLocation)
}

struct ReadPlanTests {
    @Test func contiguousPointsCoalesce() {
        let profile = DeviceProfile(profile: "t", addressBase: 0, points: [
            Point(name: "a", register: .holding, address: 0, type: .uint16),
            Point(name: "b", register: .holding, address: 1, type: .uint32),
            Point(name: "c", register: .holding, address: 3, type: .float64),
            Point(name: "d", register: .holding, address: 7, type: .int16),
        ])
        let plan = ReadPlan(profile: profile)
        #expect(plan.blocks == [ReadBlock(table: .holding, start: 0, count: 8, pointIndexes: [0, 1, 2, 3])])
        checkInvariants(plan, profile, limit: 125)
    }

    @Test func pointsAreSortedAndAddressBaseApplied() {
        let profile = DeviceProfile(profile: "t", addressBase: 1, points: [
            Point(name: "c", register: .holding, address: 103, type: .uint16),
            Point(name: "a", register: .holding, address: 101, type: .uint16),
            Point(name: "b", register: .holding, address: 102, type: .uint16),
        ])
        let plan = ReadPlan(profile: profile)
        #expect(plan.blocks == [ReadBlock(table: .holding, start: 100, count: 3, pointIndexes: [1, 2, 0])])
        checkInvariants(plan, profile, limit: 125)
    }

    static let gapProfile = DeviceProfile(profile: "t", addressBase: 0, points: [
        Point(name: "a", register: .holding, address: 0, type: .uint16),
        Point(name: "b", register: .holding, address: 4, type: .uint16),  // registers 1, 2, 3 unused: a gap of 3
    ])

    @Test func gapSplitsWithMaxGap0() {
        let plan = ReadPlan(profile: Self.gapProfile, maxGap: 0)
        #expect(plan.blocks == [ReadBlock(table: .holding, start: 0, count: 1, pointIndexes: [0]),
                                ReadBlock(table: .holding, start: 4, count: 1, pointIndexes: [1])])
        checkInvariants(plan, Self.gapProfile, limit: 125)
        #expect(ReadPlan(profile: Self.gapProfile, maxGap: 2).blocks.count == 2)
        #expect(ReadPlan(profile: Self.gapProfile).blocks.count == 2)  // default maxGap is 0
    }

    @Test func gapJoinsWithMaxGap3() {
        let plan = ReadPlan(profile: Self.gapProfile, maxGap: 3)
        #expect(plan.blocks == [ReadBlock(table: .holding, start: 0, count: 5, pointIndexes: [0, 1])])
        checkInvariants(plan, Self.gapProfile, limit: 125)
    }

    @Test func profileMaxGapIsTheDefault() {
        var profile = Self.gapProfile
        profile.maxGap = 3
        #expect(ReadPlan(profile: profile).blocks.count == 1)
        #expect(ReadPlan(profile: profile, maxGap: 0).blocks.count == 2)  // the argument wins
    }

    @Test func blocksNeverExceed125Registers() {
        let profile = DeviceProfile(profile: "t", addressBase: 0, points: uint16Points(count: 130))
        let plan = ReadPlan(profile: profile)
        #expect(plan.blocks.map(\.start) == [0, 125])
        #expect(plan.blocks.map(\.count) == [125, 5])
        checkInvariants(plan, profile, limit: 125)
        // A larger maxRegisters is capped at 125.
        let capped = ReadPlan(profile: profile, maxRegisters: 200)
        #expect(capped.blocks.map(\.count) == [125, 5])
        checkInvariants(capped, profile, limit: 125)
    }

    @Test func respectsMaxRegisters() {
        var profile = DeviceProfile(profile: "t", addressBase: 0, points: uint16Points(count: 30))
        let plan = ReadPlan(profile: profile, maxRegisters: 10)
        #expect(plan.blocks.map(\.count) == [10, 10, 10])
        #expect(plan.blocks.map(\.start) == [0, 10, 20])
        checkInvariants(plan, profile, limit: 10)

        profile.maxRegisters = 16
        let fromProfile = ReadPlan(profile: profile)
        #expect(fromProfile.blocks.map(\.count) == [16, 14])
        checkInvariants(fromProfile, profile, limit: 16)
    }

    @Test func multiRegisterPointsAreNotSplit() {
        // Five uint32s at 0, 2, 4, 6, 8 with at most 5 registers per read: 4 + 4 + 2.
        let points = (0..<5).map { Point(name: "p\($0)", register: .holding, address: 2 * $0, type: .uint32) }
        let profile = DeviceProfile(profile: "t", addressBase: 0, points: points)
        let plan = ReadPlan(profile: profile, maxRegisters: 5)
        #expect(plan.blocks.map(\.count) == [4, 4, 2])
        checkInvariants(plan, profile, limit: 5)
    }

    @Test func bitsPointsSharingAWordShareABlock() {
        let profile = DeviceProfile(profile: "t", addressBase: 0, points: [
            Point(name: "a", register: .holding, address: 9, type: .bits, bit: 0),
            Point(name: "b", register: .holding, address: 9, type: .bits, bit: 1),
            Point(name: "c", register: .holding, address: 10, type: .uint16),
        ])
        let plan = ReadPlan(profile: profile)
        #expect(plan.blocks.count == 1)
        #expect(plan.blocks.first?.start == 9)
        #expect(plan.blocks.first?.count == 2)
        checkInvariants(plan, profile, limit: 125)
    }

    @Test func tablesArePlannedSeparately() {
        let profile = DeviceProfile(profile: "t", addressBase: 0, points: [
            Point(name: "h", register: .holding, address: 0, type: .uint16),
            Point(name: "c0", register: .coil, address: 0, type: .bool),
            Point(name: "i", register: .input, address: 1, type: .uint16),
            Point(name: "d0", register: .discrete, address: 0, type: .bool),
            Point(name: "c1", register: .coil, address: 1, type: .bool),
            Point(name: "d1", register: .discrete, address: 1, type: .bool),
        ])
        let plan = ReadPlan(profile: profile, maxGap: 10)
        #expect(plan.blocks.count == 4)
        let byTable = Dictionary(grouping: plan.blocks, by: \.table)
        #expect(byTable[.holding] == [ReadBlock(table: .holding, start: 0, count: 1, pointIndexes: [0])])
        #expect(byTable[.input] == [ReadBlock(table: .input, start: 1, count: 1, pointIndexes: [2])])
        #expect(byTable[.coil] == [ReadBlock(table: .coil, start: 0, count: 2, pointIndexes: [1, 4])])
        #expect(byTable[.discrete] == [ReadBlock(table: .discrete, start: 0, count: 2, pointIndexes: [3, 5])])
        checkInvariants(plan, profile, limit: 125)
    }

    @Test func coilsAreLimitedTo2000Bits() {
        let points = (0..<2100).map { Point(name: "c\($0)", register: .coil, address: $0, type: .bool) }
        let profile = DeviceProfile(profile: "t", addressBase: 0, points: points)
        let plan = ReadPlan(profile: profile, maxRegisters: 10)  // maxRegisters is about registers, not bits
        #expect(plan.blocks.map(\.count) == [2000, 100])
        checkInvariants(plan, profile, limit: 10)
    }

    @Test(arguments: [0, 1, 3, 7])
    func mixedProfileInvariants(maxGap: Int) {
        let profile = DeviceProfile(profile: "t", addressBase: 1, points: [
            Point(name: "a", register: .holding, address: 1, type: .float64),
            Point(name: "b", register: .holding, address: 8, type: .uint16),
            Point(name: "c", register: .holding, address: 120, type: .uint32),
            Point(name: "d", register: .holding, address: 124, type: .float64),
            Point(name: "e", register: .holding, address: 128, type: .uint16),
            Point(name: "f", register: .input, address: 1, type: .int32),
            Point(name: "g", register: .coil, address: 5, type: .bool),
            Point(name: "h", register: .holding, address: 300, type: .bits, bit: 2),
            Point(name: "i", register: .holding, address: 300, type: .bits, bit: 3),
        ])
        checkInvariants(ReadPlan(profile: profile, maxGap: maxGap), profile, limit: 125)
        checkInvariants(ReadPlan(profile: profile, maxGap: maxGap, maxRegisters: 6), profile, limit: 6)
    }
}

// MARK: - Durations

struct DurationTextTests {
    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)),
        ("1s", .seconds(1)),
        ("5m", .seconds(300)),
        ("2h", .seconds(7_200)),
        ("30d", .seconds(2_592_000)),
        ("1.5s", .milliseconds(1_500)),
        ("10", .seconds(10)),
        (" 5 m ", .seconds(300)),
        ("0s", .zero),
    ])
    func parses(text: String, expected: Duration) {
        #expect(DurationText.parse(text) == expected)
    }

    @Test(arguments: ["", "5 parsecs", "-1s", "s", "1.2.3s", "abc", "5sec", "1e3s", "ms"])
    func rejects(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    /// A number too large for a Duration in milliseconds is not a duration:
    /// parse must say nil, not stop the process.
    /// Run as an exit test, so that a crash fails only this test.
    @Test func hugeNumberDoesNotCrash() async {
        await #expect(processExitsWith: .success) {
            _ = DurationText.parse("99999999999999999999d")
            _ = DurationText.parse("107000000d")
        }
    }

    /// The white space around a duration and its unit is what Foundation's
    /// `trimmingCharacters(in: .whitespaces)` trims: tab and Unicode spaces
    /// (U+200B too), never line ends.
    @Test(arguments: [" 5 m ", "\t2h\u{3000}", "\u{A0}1s", "1s\n", "\u{200B}3s\u{200B}", "4 ms\u{2003}", "\u{85}1s", "  ", "é\u{301} "])
    func trimsAsFoundationTrims(text: String) {
        #expect(DurationText.trimmingWhitespace(text[...]) == text.trimmingCharacters(in: .whitespaces)[...])
    }

    @Test func seconds() {
        #expect(Duration.milliseconds(1_500).seconds == 1.5)
        #expect(Duration.seconds(300).seconds == 300)
    }
}
