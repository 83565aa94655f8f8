// The real numbers of a chunk, three ways (see ChunkCodec.swift):
// - decimal (VictoriaMetrics' idea): a pump room's values are mostly scaled
//   registers (raw x 0.001), i.e. integers M over a power of ten 10^S; the
//   mantissas M are delta-encoded, so a value that moves by a few counts
//   costs a few bits;
// - float32: a float32 register is decoded as its shortest decimal
//   (FloatDigits: 0.35913226). Its 7 to 9 digits make big mantissa deltas,
//   but the float's own 32 bits give the value back, so those are stored,
//   XORed as below, and turned into the digits again when read;
// - xor (Gorilla, Prometheus' chunks): each value's IEEE bits XORed with the
//   previous one's, the meaningful bits only; for values that are neither (a
//   computed mean).
// The encoder writes every form that gives every value back bit for bit and
// keeps the smallest (xor always does); a decimal of at most 4 places is
// kept at once, as it always was. A decoded register is the Double
// nearest its decimal value (PointDecoder is decimal-exact: 451 x 0.001 is
// 0.451), which is M / 10^S. Gateways before that computed raw x 0.001 in
// floating point, often not the Double nearest 0.451 (3 x 0.1 is
// 0.30000000000000004), and their frames may still be compacted after an
// upgrade: so decimal comes in two forms, M / 10^S and M x 10^-S (the
// Double 0.001 itself), whichever gives every value back.

import Telemetry

enum RealCoding {
    /// 2^53: a Double holds every integer below it exactly.
    private static let exactIntegerLimit = 9_007_199_254_740_992.0
    /// The largest scale the encoder tries (the decoder accepts up to 18).
    private static let largestScale = 15

    /// Decimals of at most this many places are written without trying the
    /// other forms: a scaled register's (0.001) deltas are a few counts, so
    /// a float32 check and an XOR pass per chunk would be compaction time spent
    /// for nothing on most of a pump room's points.
    private static let surelySmallestScale = 4

    /// The smallest form of `values` (or `mode`'s, where it gives them back; else xor).
    static func write(_ values: [Double], mode: ChunkCodec.RealMode?, into writer: inout BitWriter) {
        var forms: [BitWriter] = []
        if mode == nil || mode == .decimal || mode == .decimalMultiplied,
           let decimal = decimalForm(values, multiplying: false) ?? decimalForm(values, multiplying: true) {
            var form = BitWriter(capacity: values.count + 8)
            form.write(unsigned: (decimal.multiplying ? ChunkCodec.RealMode.decimalMultiplied : .decimal).rawValue)
            form.write(unsigned: UInt64(decimal.scale))
            ChunkCodec.writeDeltas(decimal.mantissas, into: &form)
            if mode != nil || decimal.scale <= surelySmallestScale { writer.append(form); return }
            forms.append(form)
        }
        if mode == nil || mode == .float32, let floats = float32Form(values) {
            var form = BitWriter(capacity: values.count * 3)
            form.write(unsigned: ChunkCodec.RealMode.float32.rawValue)
            writeXOR(floats.map { UInt64($0.bitPattern) << 32 }, into: &form)
            forms.append(form)
        }
        if forms.isEmpty || mode == nil {
            var form = BitWriter(capacity: values.count * 3)
            form.write(unsigned: ChunkCodec.RealMode.xor.rawValue)
            writeXOR(values.map(\.bitPattern), into: &form)
            forms.append(form)
        }
        writer.append(forms.min { $0.bitCount < $1.bitCount }!)  // never empty: xor is there when nothing else is
    }

    static func read(count: Int, _ reader: inout BitReader) throws(ChunkFormatError) -> [Double] {
        switch try reader.readCount(atMost: 3, "real mode") {
        case 1:
            return try readXOR(count: count, &reader).map { Double(bitPattern: $0) }
        case 3:
            return try readXOR(count: count, &reader).map { FloatDigits.nearestDouble(Float(bitPattern: UInt32(truncatingIfNeeded: $0 >> 32))) }
        case let mode:
            let scale = try reader.readCount(atMost: ChunkCodec.powersOfTen.count - 1, "decimal scale")
            let mantissas = try ChunkCodec.readDeltas(count: count, &reader)
            return mode == 0 ? mantissas.map { Double($0) / ChunkCodec.powersOfTen[scale] }
                             : mantissas.map { Double($0) * ChunkCodec.negativePowersOfTen[scale] }
        }
    }

    /// Every value as the shortest decimal of a float32 (FloatDigits), bit
    /// for bit: the floats, or nil.
    static func float32Form(_ values: [Double]) -> [Float]? {
        var floats: [Float] = []
        floats.reserveCapacity(values.count)
        for value in values {
            let single = Float(value)
            guard FloatDigits.nearestDouble(single).bitPattern == value.bitPattern else { return nil }
            floats.append(single)
        }
        return floats
    }

    /// Every value as M / 10^S (or M x 10^-S when `multiplying`) with one S,
    /// or nil when one of them is not exactly that.
    static func decimalForm(_ values: [Double], multiplying: Bool) -> (scale: Int, mantissas: [Int64], multiplying: Bool)? {
        var scale = 0
        for value in values {
            guard let own = smallestScale(value, multiplying: multiplying) else { return nil }
            scale = max(scale, own)
        }
        var mantissas: [Int64] = []
        mantissas.reserveCapacity(values.count)
        for value in values {
            guard let mantissa = mantissa(value, scale: scale, multiplying: multiplying) else { return nil }
            mantissas.append(mantissa)
        }
        return (scale, mantissas, multiplying)
    }

    /// The integer M that gives `value` back at `scale` by the decoder's own
    /// arithmetic, compared bit for bit (-0.0 never does), or nil.
    private static func mantissa(_ value: Double, scale: Int, multiplying: Bool) -> Int64? {
        let scaled = (value * ChunkCodec.powersOfTen[scale]).rounded()
        guard abs(scaled) < exactIntegerLimit else { return nil }
        let mantissa = Int64(scaled), exact = Double(mantissa)  // -0.0 becomes 0 here
        let back = multiplying ? exact * ChunkCodec.negativePowersOfTen[scale] : exact / ChunkCodec.powersOfTen[scale]
        return back.bitPattern == value.bitPattern ? mantissa : nil
    }

    /// The smallest S at which `value` has a mantissa.
    private static func smallestScale(_ value: Double, multiplying: Bool) -> Int? {
        (0...largestScale).first { mantissa(value, scale: $0, multiplying: multiplying) != nil }
    }

    // MARK: Gorilla XOR

    /// IEEE bit patterns (a float32's in the high half). First value: its 64 bits. Then per value: 0 (same bits), or 1 and
    /// either 0 + the XOR's meaningful bits inside the previous window, or
    /// 1 + 5 bits of leading zeros + 6 bits of length - 1 + the bits.
    private static func writeXOR(_ patterns: [UInt64], into writer: inout BitWriter) {
        var previous: UInt64 = 0
        var window: (leading: Int, trailing: Int)?
        for (index, bits) in patterns.enumerated() {
            defer { previous = bits }
            if index == 0 { writer.write(bits, bits: 64); continue }
            let xor = bits ^ previous
            if xor == 0 { writer.write(bit: false); continue }
            writer.write(bit: true)
            let leading = min(xor.leadingZeroBitCount, 31), trailing = xor.trailingZeroBitCount
            if let window, leading >= window.leading, trailing >= window.trailing {
                writer.write(bit: false)
                writer.write(xor >> UInt64(window.trailing), bits: 64 - window.leading - window.trailing)
            } else {
                let length = 64 - leading - trailing
                writer.write(bit: true)
                writer.write(UInt64(leading), bits: 5)
                writer.write(UInt64(length - 1), bits: 6)
                writer.write(xor >> UInt64(trailing), bits: length)
                window = (leading, trailing)
            }
        }
    }

    private static func readXOR(count: Int, _ reader: inout BitReader) throws(ChunkFormatError) -> [UInt64] {
        var values: [UInt64] = []
        values.reserveCapacity(count)
        var previous: UInt64 = 0
        var window: (leading: Int, trailing: Int)?
        for index in 0..<count {
            if index == 0 {
                previous = try reader.read(bits: 64)
            } else if try reader.readBit() {
                if try reader.readBit() {
                    let leading = Int(try reader.read(bits: 5)), length = Int(try reader.read(bits: 6)) + 1
                    guard leading + length <= 64 else { throw ChunkFormatError(reason: "an XOR window beyond 64 bits") }
                    window = (leading, 64 - leading - length)
                }
                guard let window else { throw ChunkFormatError(reason: "an XOR value without a window") }
                let length = 64 - window.leading - window.trailing
                previous ^= try reader.read(bits: length) << UInt64(window.trailing)
            }
            values.append(previous)
        }
        return values
    }
}
