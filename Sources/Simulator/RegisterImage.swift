// What a simulated device serves: which addresses exist in each table (any
// other address is answered with exception 2), and how each point's value
// is produced from the pump-room model.

import Decoding
import Foundation
import Profiles

struct RegisterImage {
    let profile: DeviceProfile
    /// Per table, which PDU addresses the profile defines.
    private(set) var defined: [RegisterTable: [Bool]] = [:]
    /// Per point with a random-walk hint, its current value.
    private var walks: [Int: Double] = [:]
    private var random: SplitMix64

    init(profile: DeviceProfile, seed: UInt64) {
        self.profile = profile
        self.random = SplitMix64(seed: seed &+ 0x5EED)
        for table in RegisterTable.allCases {
            defined[table] = [Bool](repeating: false, count: 65536)
        }
        for point in profile.points {
            let start = profile.pduAddress(of: point)
            for address in start..<(start + point.width) where (0..<65536).contains(address) {
                defined[point.register]?[address] = true
            }
        }
    }

    /// True when every address of the range is defined by the profile.
    func isDefined(_ table: RegisterTable, start: Int, count: Int) -> Bool {
        guard start >= 0, count > 0, start + count <= 65536, let map = defined[table] else { return false }
        return map[start..<(start + count)].allSatisfy { $0 }
    }

    /// The engineering value the point should show now.
    mutating func value(of pointIndex: Int, model: PumpRoomModel) -> Double {
        let point = profile.points[pointIndex]
        if let forced = model.scenario.forcedValue(of: point.name, elapsed: model.time.timeIntervalSince(model.started)) {
            return forced
        }
        guard let hint = point.simulate else { return 0 }
        let gain = hint.gain ?? 1
        if let signal = hint.signal, let value = model.signal(signal, pump: hint.pump) {
            return value * gain
        }
        if let value = hint.value {
            return value * gain
        }
        if let low = hint.min, let high = hint.max {
            var current = walks[pointIndex] ?? (low + high) / 2
            current += (random.uniform() - 0.5) * (high - low) * 0.02
            current = min(max(current, low), high)
            walks[pointIndex] = current
            return current * gain
        }
        return 0
    }

    /// Writes every point's current value into the tables: registers
    /// through `writeRegisters(table, address, words)`, bits through `writeBit`.
    mutating func render(model: PumpRoomModel,
                         readRegister: (RegisterTable, Int) -> UInt16,
                         writeRegisters: (RegisterTable, Int, [UInt16]) -> Void,
                         writeBit: (RegisterTable, Int, Bool) -> Void) {
        let order = profile.order ?? .ABCD
        for index in profile.points.indices {
            let point = profile.points[index]
            let address = profile.pduAddress(of: point)
            let value = value(of: index, model: model)
            if point.register.holdsBits {
                writeBit(point.register, address, value != 0)
            } else if point.type == .bits {
                let word = readRegister(point.register, address)
                let updated = PointEncoder.setBit(point.bit ?? 0, to: value != 0, in: word)
                writeRegisters(point.register, address, [updated])
            } else {
                writeRegisters(point.register, address, PointEncoder.registers(for: point, value: value, defaultOrder: order))
            }
        }
    }
}
