// The read plan against a brute-force optimum: on random small layouts
// (mixed widths, bits sharing words, gaps, unreadable addresses, small
// request limits) the greedy plan needs exactly as few requests as the best
// partition of the points into valid blocks. Also: unreadable ranges and
// one request per point.

import Testing
import TestSupport
@testable import Profiles

/// The fewest blocks for one table's points, trying every set partition.
/// A block is valid when it fits the limit, spans no unreadable address, and
/// every run of addresses in it that no point covers is at most `maxGap`.
private func optimum(_ spans: [Range<Int>], maxGap: Int, limit: Int, unreadable: [ClosedRange<Int>]) -> Int {
    func valid(_ group: [Range<Int>]) -> Bool {
        guard let start = group.map(\.lowerBound).min(), let end = group.map(\.upperBound).max() else { return true }
        if end - start > limit { return false }
        if unreadable.contains(where: { $0.lowerBound < end && $0.upperBound >= start }) { return false }
        var run = 0
        for address in start..<end {
            // Registers of any point of the table are data, not a gap.
            if spans.contains(where: { $0.contains(address) }) { run = 0 } else { run += 1 }
            if run > maxGap { return false }
        }
        return true
    }
    var best = spans.count
    func place(_ index: Int, _ groups: inout [[Range<Int>]]) {
        if groups.count >= best { return }
        if index == spans.count { best = groups.count; return }
        for position in groups.indices {
            groups[position].append(spans[index])
            if valid(groups[position]) { place(index + 1, &groups) }
            groups[position].removeLast()
        }
        groups.append([spans[index]])
        place(index + 1, &groups)
        groups.removeLast()
    }
    var groups: [[Range<Int>]] = []
    place(0, &groups)
    return best
}

private func randomProfile(_ random: inout SplitMix64) -> DeviceProfile {
    let types: [PointType] = [.uint16, .uint16, .int32, .float64, .bits]
    var points: [Point] = []
    var address = random.int(0...3)
    for index in 0..<random.int(1...7) {
        let type = types[random.int(0...(types.count - 1))]
        points.append(Point(name: "p\(index)", register: .holding, address: address, type: type,
                            bit: type == .bits ? random.int(0...15) : nil))
        // Next point: the same word for a bits point sometimes, else after a gap of 0-4.
        let sameWord = type == .bits && random.int(0...2) == 0
        address += sameWord ? 0 : type.registerCount + random.int(0...4)
    }
    var unreadable: [AddressRange] = []
    if random.int(0...1) == 1 {
        let from = random.int(0...address)
        let candidate = AddressRange(register: .holding, from: from, to: from + random.int(0...1))
        // Only between points, as the validator demands.
        let clear = points.allSatisfy { $0.address + $0.width - 1 < candidate.from || $0.address > candidate.to }
        if clear { unreadable.append(candidate) }
    }
    return DeviceProfile(profile: "random", addressBase: 0, maxGap: random.int(0...3), maxRegisters: random.int(4...12),
                         unreadable: unreadable, points: points.shuffled(using: &random))
}

struct ReadPlanOptimumTests {
    @Test func greedyPlanIsMinimalOnRandomLayouts() {
        var random = SplitMix64(seed: 20_261_126)
        for round in 0..<400 {
            let profile = randomProfile(&random)
            let plan = ReadPlan(profile: profile)
            let spans = profile.points.map { $0.address..<($0.address + $0.width) }
            let best = optimum(spans, maxGap: profile.maxGap ?? 0, limit: profile.maxRegisters ?? 125,
                               unreadable: (profile.unreadable ?? []).map { $0.from...$0.to })
            #expect(plan.blocks.count == best, "round \(round): greedy \(plan.blocks.count), optimum \(best): \(profile)")
            for block in plan.blocks {
                #expect(block.count <= (profile.maxRegisters ?? 125))
                for range in profile.unreadable ?? [] {
                    #expect(range.to < block.start || range.from >= block.end, "round \(round): \(block) spans \(range)")
                }
            }
        }
    }

    /// The brute force itself finds a better plan than a bad one: it can fail.
    @Test func optimumBeatsOneBlockPerPoint() {
        let spans = [0..<1, 1..<2, 2..<4]
        #expect(optimum(spans, maxGap: 0, limit: 125, unreadable: []) == 1)
        #expect(optimum(spans, maxGap: 0, limit: 2, unreadable: []) == 2)
        #expect(optimum([0..<1, 3..<4], maxGap: 2, limit: 125, unreadable: []) == 1)
        #expect(optimum([0..<1, 3..<4], maxGap: 2, limit: 125, unreadable: [2...2]) == 2)
    }

    @Test func unreadableAddressesAreNeverBridged() {
        // Grundfos: 00201-00206, 00207 reserved, 00208-00211.
        var profile = DeviceProfile(profile: "g", addressBase: 1, maxGap: 5, points: [
            Point(name: "status", register: .holding, address: 206, type: .uint16),
            Point(name: "present", register: .holding, address: 208, type: .uint16),
        ])
        #expect(ReadPlan(profile: profile).blocks.count == 1)
        profile.unreadable = [AddressRange(register: .holding, from: 207, to: 207)]
        #expect(ReadPlan(profile: profile).blocks.map(\.start) == [205, 207])
        // Another table's unreadable range does not matter.
        profile.unreadable = [AddressRange(register: .input, from: 207, to: 207)]
        #expect(ReadPlan(profile: profile).blocks.count == 1)
    }

    @Test func onePerPoint() {
        var profile = DeviceProfile(profile: "o", addressBase: 0, points: [
            Point(name: "a", register: .holding, address: 0, type: .uint16),
            Point(name: "b", register: .holding, address: 1, type: .uint32),
            Point(name: "c", register: .holding, address: 3, type: .bits, bit: 0),
            Point(name: "d", register: .holding, address: 3, type: .bits, bit: 1),
        ])
        #expect(ReadPlan(profile: profile).blocks.count == 1)
        #expect(ReadPlan(profile: profile, onePerPoint: true).blocks.map(\.count) == [1, 2, 1])  // c and d share a word
        profile.onePerPoint = true
        #expect(ReadPlan(profile: profile).blocks.count == 3)
        #expect(ReadPlan(profile: profile, onePerPoint: false).blocks.count == 1)  // the device's setting wins
    }
}
