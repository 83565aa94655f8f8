// Raw registers or bits → an engineering value with its quality.
//
// The rules every profile reader relies on:
// - value = raw × scale + offset, decimal-exact (DecimalScaling.swift):
//   513 × 0.1 is 51.3;
// - a float32 is its shortest decimal (FloatDigits.swift): 0.35913226;
// - `invalid` is compared with the raw value before scaling, both as the
//   typed value and as the unsigned bit pattern (so 65535 matches an int16 -1);
// - NaN and ±Inf are `invalid` (the feed cannot carry them);
// - enums become their label, bits and bools become booleans.
//
// `PointDecoding` holds what a point's decoding needs, resolved once from the
// profile (byte order, scale, enum labels by raw value); a poller keeps one
// per point and decodes every poll straight from the block's registers.
// `PointDecoder` is the one-off form of the same code.

import Profiles
import Telemetry

public enum PointDecoder {
    /// Decodes a point from the registers it occupies (`words.count == point.registerCount`).
    public static func decode<Words: Collection<UInt16>>(_ point: Point, words: Words, defaultOrder: ByteOrder) -> Reading {
        precondition(words.count == point.registerCount, "decode needs exactly the point's registers")
        return PointDecoding(point, defaultOrder: defaultOrder).decode(words)
    }
}

/// One point's decoding, resolved from its profile once.
public struct PointDecoding: Sendable {
    public let type: PointType
    /// The order the registers are read in (ABCD for one-register types).
    public let order: ByteOrder
    let bit: Int?
    /// Registers the point spans (a string's length).
    public let registerCount: Int
    /// int8/uint8: the register's high byte (else the low one).
    let highByte: Bool
    /// An enum's labels by raw value (the profile keys them by the value written as a string).
    let labels: [UInt16: String]
    let scaling: DecimalScaling
    let isScaled: Bool
    let sentinel: Double?
    /// Why a raw value equal to the sentinel is invalid.
    let notAvailableText: String

    public init(_ point: Point, defaultOrder: ByteOrder) {
        type = point.type
        // A byte order applies to 32/64-bit values only; one register is big-endian.
        order = point.type.isMultiRegister ? point.order ?? defaultOrder : .ABCD
        bit = point.bit
        registerCount = point.registerCount
        highByte = point.byte == "high"
        var labels: [UInt16: String] = [:]
        for (key, label) in point.values ?? [:] {
            // Only keys a raw value prints as ("7", not "07" or "+7") can ever match.
            if let raw = UInt16(key), String(raw) == key { labels[raw] = label }
        }
        self.labels = labels
        scaling = DecimalScaling(scale: point.scale ?? 1, offset: point.offset ?? 0)
        isScaled = point.isScaled
        sentinel = point.invalid
        notAvailableText = point.invalid.map { "not available (raw value \(Value.format($0)))" } ?? "not available"
    }

    /// Decodes the point from `words[start..<start + registerCount]`.
    public func decode(_ words: [UInt16], at start: Int) -> Reading {
        decode(words[start..<(start + registerCount)])
    }

    /// Decodes the point from exactly its registers.
    func decode<Words: Collection<UInt16>>(_ words: Words) -> Reading {
        if type == .string { return RegisterText.decode(words, order: order) }
        let pattern = bitPattern(words, order: order)
        let first = words.first ?? 0

        switch type {
        case .bool:
            if isSentinel(typed: Double(first), pattern: UInt64(first)) { return notAvailable }
            return .good(.bool(first != 0))
        case .bits:
            if isSentinel(typed: Double(first), pattern: UInt64(first)) { return notAvailable }
            // The validator allows 0-15 only; never trap on anything else.
            guard let bit, (0...15).contains(bit) else { return .invalid("bit \(bit.map(String.init) ?? "missing") is not 0-15") }
            return .good(.bool(first >> UInt16(bit) & 1 == 1))
        case .enum:
            if isSentinel(typed: Double(first), pattern: UInt64(first)) { return notAvailable }
            if let label = labels[first] { return .good(.string(label)) }
            return .invalid("raw \(first) is not one of the enum's values")
        case .uint16, .uint32, .uint64:
            return integer(unsigned: pattern, signed: nil)
        case .int16:
            return integer(unsigned: pattern, signed: Int64(Int16(truncatingIfNeeded: pattern)))
        case .int32:
            return integer(unsigned: pattern, signed: Int64(Int32(truncatingIfNeeded: pattern)))
        case .int64:
            return integer(unsigned: pattern, signed: Int64(bitPattern: pattern))
        case .float32:
            return float32(Float(bitPattern: UInt32(truncatingIfNeeded: pattern)), pattern: pattern)
        case .float64:
            return float(Double(bitPattern: pattern), pattern: pattern)
        case .uint8:
            let byte = highByte ? first >> 8 : first & 0xFF
            return integer(unsigned: UInt64(byte), signed: nil)
        case .int8:
            let byte = UInt8(truncatingIfNeeded: highByte ? first >> 8 : first)
            return integer(unsigned: UInt64(byte), signed: Int64(Int8(bitPattern: byte)))
        case .float16:
            return float(HalfFloat.value(of: first), pattern: pattern)
        case .bcd16, .bcd32:
            if isSentinel(typed: Double(pattern), pattern: pattern) { return notAvailable }
            guard let digits = PackedBCD.value(of: pattern, digits: type == .bcd16 ? 4 : 8) else {
                return .invalid("raw 0x\(String(pattern, radix: 16, uppercase: true)) is not packed BCD")
            }
            return isScaled ? finished(scaling.value(of: Int64(digits))) : .good(.integer(Int64(digits)))
        case .string:
            return RegisterText.decode(words, order: order)
        }
    }

    func integer(unsigned: UInt64, signed: Int64?) -> Reading {
        let typed = signed.map(Double.init) ?? Double(unsigned)
        if isSentinel(typed: typed, pattern: unsigned) { return notAvailable }
        if isScaled {
            if let whole = signed ?? Int64(exactly: unsigned) { return finished(scaling.value(of: whole)) }
            return finished(scaling.value(ofFloatingPoint: typed))  // a uint64 beyond Int64: floating point
        }
        if let signed { return .good(.integer(signed)) }
        if unsigned <= UInt64(Int64.max) { return .good(.integer(Int64(unsigned))) }
        return .good(.unsigned(unsigned))
    }

    func float(_ raw: Double, pattern: UInt64) -> Reading {
        if isSentinel(typed: raw, pattern: pattern) { return notAvailable }
        guard raw.isFinite else { return .invalid(raw.isNaN ? "NaN" : "infinite") }
        return finished(isScaled ? scaling.value(ofFloatingPoint: raw) : raw)
    }

    /// A float32 as its shortest decimal (FloatDigits.swift), then scaled
    /// from those digits. The sentinel matches the exact value or the digits.
    func float32(_ single: Float, pattern: UInt64) -> Reading {
        if isSentinel(typed: Double(single), pattern: pattern) { return notAvailable }
        guard single.isFinite else { return .invalid(single.isNaN ? "NaN" : "infinite") }
        let digits = single == 0 ? ExactDecimal(mantissa: 0, places: 0) : FloatDigits.shortest(single)
        let raw = digits?.nearestDouble ?? FloatDigits.nearestDouble(single)  // nil: the String path
        if isSentinel(typed: raw, pattern: pattern) { return notAvailable }
        guard isScaled else { return finished(raw) }
        return finished(digits.map(scaling.value(of:)) ?? scaling.value(ofFloatingPoint: raw))
    }

    /// The finished value (scaled or not), refused when not finite.
    func finished(_ value: Double) -> Reading {
        guard value.isFinite else { return .invalid("infinite after scaling") }
        return .good(.double(value + 0))  // + 0: a float register's -0.0 is 0.0, as raw × 1 + 0 always made it
    }

    var notAvailable: Reading { .invalid(notAvailableText) }

    func isSentinel(typed: Double, pattern: UInt64) -> Bool {
        guard let sentinel else { return false }
        return sentinel == typed || sentinel == Double(pattern)
    }
}
