// The types RS-485 instruments use beyond integers and IEEE floats: ASCII
// text over several registers, half-precision floats, packed BCD.

import Profiles
import Telemetry

/// ASCII text, two characters per register, high byte first (ABCD/CDAB) or
/// low byte first (BADC/DCBA). Ends at the first NUL; spaces around are trimmed.
public enum RegisterText {
    public static func bytes<Words: Collection<UInt16>>(_ words: Words, order: ByteOrder) -> [UInt8] {
        let swapped = order == .BADC || order == .DCBA
        var bytes: [UInt8] = []
        bytes.reserveCapacity(words.count * 2)
        for word in words {
            let (first, second) = (UInt8(word >> 8), UInt8(word & 0xFF))
            bytes += swapped ? [second, first] : [first, second]
        }
        return bytes
    }

    static func decode<Words: Collection<UInt16>>(_ words: Words, order: ByteOrder) -> Reading {
        let text = bytes(words, order: order).prefix { $0 != 0 }
        guard text.allSatisfy({ (0x20...0x7E).contains($0) }) else { return .invalid("not ASCII text") }
        let trimmed = text.drop { $0 == 0x20 }.reversed().drop { $0 == 0x20 }.reversed()
        return .good(.string(String(decoding: Array(trimmed), as: UTF8.self)))
    }
}

/// IEEE 754 binary16: 1 sign bit, 5 exponent bits (bias 15), 10 fraction bits.
public enum HalfFloat {
    public static func value(of bits: UInt16) -> Double {
        let sign: Double = bits & 0x8000 != 0 ? -1 : 1
        let exponent = Int(bits >> 10 & 0x1F)
        let fraction = Double(bits & 0x3FF)
        switch exponent {
        case 0: return sign * fraction * 0x1p-24            // subnormal: fraction × 2^-14 / 1024
        case 31: return fraction == 0 ? sign * .infinity : .nan
        default: return sign * (1 + fraction / 1024) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }

    /// The nearest half (round to nearest even, through Float's conversion rules done by hand).
    public static func bits(of value: Double) -> UInt16 {
        if value.isNaN { return 0x7E00 }
        let sign: UInt16 = value.sign == .minus ? 0x8000 : 0
        let magnitude = abs(value)
        if magnitude >= 65520 { return sign | 0x7C00 }            // rounds to infinity
        if magnitude < 0x1p-14 {                                   // subnormal or zero
            return sign | UInt16((magnitude / 0x1p-24).rounded(.toNearestOrEven))
        }
        let exponent = Int(magnitude.exponent)
        let fraction = (magnitude / Double(sign: .plus, exponent: exponent, significand: 1) - 1) * 1024
        var rounded = Int(fraction.rounded(.toNearestOrEven))
        var biased = exponent + 15
        if rounded == 1024 { rounded = 0; biased += 1 }
        return sign | UInt16(biased) << 10 | UInt16(rounded)
    }
}

/// Packed BCD: one decimal digit per nibble, the most significant first.
public enum PackedBCD {
    /// The number, or nil when a nibble is above 9.
    public static func value(of pattern: UInt64, digits: Int) -> UInt64? {
        var result: UInt64 = 0
        for index in stride(from: digits - 1, through: 0, by: -1) {
            let nibble = pattern >> UInt64(4 * index) & 0xF
            guard nibble <= 9 else { return nil }
            result = result * 10 + nibble
        }
        return result
    }

    public static func pattern(of value: UInt64, digits: Int) -> UInt64 {
        var rest = value, pattern: UInt64 = 0
        for index in 0..<digits {
            pattern |= (rest % 10) << UInt64(4 * index)
            rest /= 10
        }
        return pattern
    }
}
