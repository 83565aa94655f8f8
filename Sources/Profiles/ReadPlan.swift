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
    /// block when the gap before it is at most `maxGap` and the block stays
    /// within the request limit. For points on a line this greedy pass gives
    /// the fewest blocks.
    public init(profile: DeviceProfile, maxGap: Int? = nil, maxRegisters: Int? = nil) {
        let gapLimit = max(0, maxGap ?? profile.maxGap ?? 0)
        let registerLimit = min(ProfileValidator.maxRegistersPerRead,
                                maxRegisters ?? profile.maxRegisters ?? ProfileValidator.maxRegistersPerRead)
        var blocks: [ReadBlock] = []
        for table in RegisterTable.allCases {
            let limit = table.holdsBits ? ProfileValidator.maxBitsPerRead : registerLimit
            let ordered = profile.points.indices
                .filter { profile.points[$0].register == table }
                .sorted { profile.pduAddress(of: profile.points[$0]) < profile.pduAddress(of: profile.points[$1]) }
            var current: ReadBlock?
            for index in ordered {
                let point = profile.points[index]
                let start = profile.pduAddress(of: point)
                let end = start + point.width
                if var block = current, start - block.end <= gapLimit, max(end, block.end) - block.start <= limit {
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
}
