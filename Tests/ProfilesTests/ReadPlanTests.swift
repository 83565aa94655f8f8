// Unit tests of the Profiles module, continued from ProfilesTests.swift:
// planning block reads, and parsing duration text.

import Foundation
import Testing
@testable import Profiles

// MARK: - Read plan

private func uint16Points(count: Int, from start: Int = 0) -> [Point] {
    (0..<count).map { Point(name: "p\($0)", register: .holding, address: start + $0, type: .uint16) }
}

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
