// Raw registers or bits → an engineering value with its quality.
//
// The rules every profile reader relies on:
// - value = raw × scale + offset;
// - `invalid` is compared with the raw value before scaling, both as the
//   typed value and as the unsigned bit pattern (so 65535 matches an int16 -1);
// - NaN and ±Inf are `invalid` (the feed cannot carry them);
// - enums become their label, bits and bools become booleans.

import Profiles

public enum PointDecoder {
    /// Decodes a point from the registers it occupies (`words.count == point.type.registerCount`).
    public static func decode<Words: Collection<UInt16>>(_ point: Point, words: Words, defaultOrder: ByteOrder) -> Reading {
        precondition(words.count == point.type.registerCount, "decode needs exactly the point's registers")
        // A byte order applies to 32/64-bit values only; one register is big-endian.
        let order = point.type.isMultiRegister ? point.order ?? defaultOrder : .ABCD
        let pattern = bitPattern(words, order: order)
        let first = words.first ?? 0

        switch point.type {
        case .bool:
            if isSentinel(point, typed: Double(first), pattern: UInt64(first)) { return notAvailable(point) }
            return .good(.bool(first != 0))
        case .bits:
            if isSentinel(point, typed: Double(first), pattern: UInt64(first)) { return notAvailable(point) }
            // The validator allows 0-15 only; never trap on anything else.
            guard let bit = point.bit, (0...15).contains(bit) else { return .invalid("bit \(point.bit.map(String.init) ?? "missing") is not 0-15") }
            return .good(.bool(first >> UInt16(bit) & 1 == 1))
        case .enum:
            if isSentinel(point, typed: Double(first), pattern: UInt64(first)) { return notAvailable(point) }
            if let label = point.values?[String(first)] { return .good(.string(label)) }
            return .invalid("raw \(first) is not one of the enum's values")
        case .uint16, .uint32, .uint64:
            return integer(point, unsigned: pattern, signed: nil)
        case .int16:
            return integer(point, unsigned: pattern, signed: Int64(Int16(truncatingIfNeeded: pattern)))
        case .int32:
            return integer(point, unsigned: pattern, signed: Int64(Int32(truncatingIfNeeded: pattern)))
        case .int64:
            return integer(point, unsigned: pattern, signed: Int64(bitPattern: pattern))
        case .float32:
            return float(point, Double(Float(bitPattern: UInt32(truncatingIfNeeded: pattern))), pattern: pattern)
        case .float64:
            return float(point, Double(bitPattern: pattern), pattern: pattern)
        }
    }

    /// Decodes a coil or discrete input.
    public static func decode(_ point: Point, bit: Bool) -> Reading {
        .good(.bool(bit))
    }

    static func integer(_ point: Point, unsigned: UInt64, signed: Int64?) -> Reading {
        let typed = signed.map(Double.init) ?? Double(unsigned)
        if isSentinel(point, typed: typed, pattern: unsigned) { return notAvailable(point) }
        if point.isScaled {
            return scaled(point, typed)
        }
        if let signed { return .good(.integer(signed)) }
        if unsigned <= UInt64(Int64.max) { return .good(.integer(Int64(unsigned))) }
        return .good(.unsigned(unsigned))
    }

    static func float(_ point: Point, _ raw: Double, pattern: UInt64) -> Reading {
        if isSentinel(point, typed: raw, pattern: pattern) { return notAvailable(point) }
        guard raw.isFinite else { return .invalid(raw.isNaN ? "NaN" : "infinite") }
        return scaled(point, raw)
    }

    static func scaled(_ point: Point, _ raw: Double) -> Reading {
        let value = raw * (point.scale ?? 1) + (point.offset ?? 0)
        guard value.isFinite else { return .invalid("infinite after scaling") }
        return .good(.double(value))
    }

    static func isSentinel(_ point: Point, typed: Double, pattern: UInt64) -> Bool {
        guard let sentinel = point.invalid else { return false }
        return sentinel == typed || sentinel == Double(pattern)
    }

    static func notAvailable(_ point: Point) -> Reading {
        .invalid("not available (raw value \(Value.format(point.invalid ?? 0)))")
    }
}
