// One poll of one device: run the profile's read plan over a Modbus
// connection and decode every point. A failed block marks only its own
// points with the error; the other blocks are still read and reported.
//
// Blocking: call it on a thread of its own (it owns a libmodbus context).

import Decoding
import Modbus
import Profiles

/// The outcome of reading one block: the raw data or the error.
public enum BlockResult: Sendable, Equatable {
    case registers([UInt16])
    case bits([Bool])
    case failed(ModbusError)
}

/// One poll's result.
public struct PollResult: Sendable {
    public var plan: ReadPlan
    /// One result per block of the plan, in plan order.
    public var blocks: [BlockResult]
    /// One reading per point of the profile, in profile order.
    public var readings: [Reading]

    /// The errors of the failed blocks.
    public var errors: [ModbusError] {
        blocks.compactMap { if case .failed(let error) = $0 { return error } else { return nil } }
    }
}

public final class DeviceReader {
    public let profile: DeviceProfile
    public let plan: ReadPlan
    public let client: ModbusTCPClient

    public init(profile: DeviceProfile, client: ModbusTCPClient, plan: ReadPlan? = nil) {
        self.profile = profile
        self.client = client
        self.plan = plan ?? ReadPlan(profile: profile)
    }

    /// Reads every block once and decodes every point.
    public func poll() -> PollResult {
        var blockResults: [BlockResult] = []
        var readings = [Reading](repeating: .error("not read"), count: profile.points.count)
        for block in plan.blocks {
            let result = read(block)
            blockResults.append(result)
            for index in block.pointIndexes {
                readings[index] = decode(profile.points[index], from: result, block: block)
            }
        }
        return PollResult(plan: plan, blocks: blockResults, readings: readings)
    }

    func read(_ block: ReadBlock) -> BlockResult {
        do {
            switch block.table {
            case .holding:
                return .registers(try client.readRegisters(.holdingRegisters, address: block.start, count: block.count))
            case .input:
                return .registers(try client.readRegisters(.inputRegisters, address: block.start, count: block.count))
            case .coil:
                return .bits(try client.readBits(.coils, address: block.start, count: block.count))
            case .discrete:
                return .bits(try client.readBits(.discreteInputs, address: block.start, count: block.count))
            }
        } catch {
            return .failed(error)
        }
    }

    func decode(_ point: Point, from result: BlockResult, block: ReadBlock) -> Reading {
        let offset = profile.pduAddress(of: point) - block.start
        switch result {
        case .registers(let words):
            let slice = words[offset..<(offset + point.type.registerCount)]
            return PointDecoder.decode(point, words: slice, defaultOrder: profile.order ?? .ABCD)
        case .bits(let bits):
            return PointDecoder.decode(point, bit: bits[offset])
        case .failed(let error):
            return .error(error.description)
        }
    }
}
