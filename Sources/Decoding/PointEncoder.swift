// Engineering value → raw registers: the inverse of PointDecoder, used by
// the simulator to serve values. Values are rounded and clamped to the type.

import Profiles

public enum PointEncoder {
    /// The registers for `value` (an engineering value) of a register point.
    /// `bits` points are not encoded here (see `setBit`).
    public static func registers(for point: Point, value: Double, defaultOrder: ByteOrder) -> [UInt16] {
        let order = point.type.isMultiRegister ? point.order ?? defaultOrder : .ABCD
        var raw = value
        if point.isScaled {
            raw = (value - (point.offset ?? 0)) / (point.scale ?? 1)
        }
        let pattern: UInt64
        switch point.type {
        case .bool, .bits:
            pattern = value != 0 ? 1 : 0
        case .enum, .uint16:
            pattern = UInt64(clampedUnsigned(raw, max: Double(UInt16.max)))
        case .uint32:
            pattern = UInt64(clampedUnsigned(raw, max: Double(UInt32.max)))
        case .uint64:
            pattern = clampedUnsigned(raw, max: 18_446_744_073_709_549_568)
        case .int16:
            pattern = UInt64(UInt16(bitPattern: Int16(clampedSigned(raw, min: Double(Int16.min), max: Double(Int16.max)))))
        case .int32:
            pattern = UInt64(UInt32(bitPattern: Int32(clampedSigned(raw, min: Double(Int32.min), max: Double(Int32.max)))))
        case .int64:
            pattern = UInt64(bitPattern: clampedSigned(raw, min: -9_223_372_036_854_775_808, max: 9_223_372_036_854_774_784))
        case .float32:
            pattern = UInt64(Float(raw).bitPattern)
        case .float64:
            pattern = raw.bitPattern
        case .uint8:
            let byte = clampedUnsigned(raw, max: 255)
            pattern = point.byte == "high" ? byte << 8 : byte
        case .int8:
            let byte = UInt64(UInt8(bitPattern: Int8(clampedSigned(raw, min: -128, max: 127))))
            pattern = point.byte == "high" ? byte << 8 : byte
        case .float16:
            pattern = UInt64(HalfFloat.bits(of: raw))
        case .bcd16:
            pattern = PackedBCD.pattern(of: clampedUnsigned(raw, max: 9999), digits: 4)
        case .bcd32:
            pattern = PackedBCD.pattern(of: clampedUnsigned(raw, max: 99_999_999), digits: 8)
        case .string:
            return [UInt16](repeating: 0x2020, count: point.registerCount)
        }
        return Decoding.registers(forBitPattern: pattern, count: point.registerCount, order: order)
    }

    /// `word` with bit `bit` set to `on`.
    public static func setBit(_ bit: Int, to on: Bool, in word: UInt16) -> UInt16 {
        guard (0...15).contains(bit) else { return word }
        let mask = UInt16(1) << UInt16(bit)
        return on ? word | mask : word & ~mask
    }

    static func clampedUnsigned(_ raw: Double, max: Double) -> UInt64 {
        guard raw.isFinite else { return 0 }
        return UInt64(Swift.min(Swift.max(raw.rounded(), 0), max))
    }

    static func clampedSigned(_ raw: Double, min: Double, max: Double) -> Int64 {
        guard raw.isFinite else { return 0 }
        return Int64(Swift.min(Swift.max(raw.rounded(), min), max))
    }
}
