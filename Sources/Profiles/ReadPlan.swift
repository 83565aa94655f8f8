// Groups a profile's points into block reads: one Modbus request per block
// instead of one per point.

/// One request: a contiguous range of one table and the points inside it.
public struct ReadBlock: Sendable, Equatable {
    public init(table: RegisterTable, start: Int, count: Int, pointIndexes: [Int]) {
        self.table = table
        self.start = start
        self.count = count
        self.pointIndexes = pointIndexes
    }

    public var table: RegisterTable
    /// First PDU address (0-based, as on the wire).
    public var start: Int
    /// Number of registers or bits.
    public var count: Int
    /// Indexes into the profile's `points`.
    public var pointIndexes: [Int]

    public var end: Int { start + count }
}

public struct ReadPlan: Sendable, Equatable {
    public var blocks: [ReadBlock]

    /// A plan of the given blocks (a refined plan after a split).
    public init(blocks: [ReadBlock]) {
        self.blocks = blocks
    }

    /// Coalesces points left to right per table: a point joins the current
    /// block when the gap before it is at most `maxGap`, the block stays
    /// within the request limit and spans no unreadable address. For points
    /// on a line this greedy pass gives the fewest blocks (a test compares
    /// it with a brute-force optimum). The arguments are a device's
    /// workarounds and win over the profile's.
    public init(profile: DeviceProfile, maxGap: Int? = nil, maxRegisters: Int? = nil, onePerPoint: Bool? = nil) {
        let gapLimit = max(0, maxGap ?? profile.maxGap ?? 0)
        let registerLimit = max(1, min(ProfileValidator.maxRegistersPerRead,
                                       maxRegisters ?? profile.maxRegisters ?? ProfileValidator.maxRegistersPerRead))
        let single = onePerPoint ?? profile.onePerPoint ?? false
        var blocks: [ReadBlock] = []
        for table in RegisterTable.allCases {
            let limit = table.holdsBits ? ProfileValidator.maxBitsPerRead : registerLimit
            let unreadable = (profile.unreadable ?? []).filter { $0.register == table }
                .map { ($0.from - profile.addressBase)...max($0.from, $0.to) - profile.addressBase }
            let ordered = profile.points.indices
                .filter { profile.points[$0].register == table }
                .sorted { profile.pduAddress(of: profile.points[$0]) < profile.pduAddress(of: profile.points[$1]) }
            var current: ReadBlock?
            for index in ordered {
                let point = profile.points[index]
                let start = profile.pduAddress(of: point)
                let end = start + point.width
                if var block = current, Self.canJoin(block, start: start, end: end, gapLimit: gapLimit, limit: limit,
                                                     single: single, unreadable: unreadable) {
                    block.count = max(end, block.end) - block.start
                    block.pointIndexes.append(index)
                    current = block
                } else {
                    if let block = current { blocks.append(block) }
                    current = ReadBlock(table: table, start: start, count: end - start, pointIndexes: [index])
                }
            }
            if let block = current { blocks.append(block) }
        }
        self.blocks = blocks
    }

    static func canJoin(_ block: ReadBlock, start: Int, end: Int, gapLimit: Int, limit: Int, single: Bool,
                        unreadable: [ClosedRange<Int>]) -> Bool {
        if single {
            // One request per point; bits points sharing a word share it.
            return start == block.start && end == block.end
        }
        let newEnd = max(end, block.end)
        guard start - block.end <= gapLimit, newEnd - block.start <= limit else { return false }
        return !unreadable.contains { $0.lowerBound < newEnd && $0.upperBound >= block.start }
    }
}
