// Decimal-exact scaling (DecimalScaling.swift) and float32 digits
// (FloatDigits.swift), through the decoder as a poller uses it.
//
// Expected values are worked out by hand as exact decimal arithmetic
// (513 × 0.1 = 51.3), then written as Swift literals, which are the Doubles
// nearest those decimals. The "naive" figures in comments are what
// raw × scale + offset gives in floating point (Python 3, e.g.
// `python3 -c "print(513 * 0.1)"`), to show each case tells the two apart.
// Float bit patterns come from Python's `struct.pack('>f', v).hex()`.

import Testing
@testable import Decoding
import Profiles
import Telemetry

struct DecimalScalingTests {
    struct ScaledCase: Sendable, CustomStringConvertible {
        var type: PointType
        var words: [UInt16]
        var scale: Double
        var offset: Double?
        var expected: Double
        var description: String { "\(type) \(words) × \(scale) + \(offset ?? 0) = \(expected)" }
    }

    static let integerCases: [ScaledCase] = [
        ScaledCase(type: .uint16, words: [513], scale: 0.1, expected: 51.3),             // naive 51.300000000000004
        ScaledCase(type: .uint16, words: [1], scale: 0.1, offset: 0, expected: 0.1),
        ScaledCase(type: .uint16, words: [7], scale: 0.07, expected: 0.49),              // naive 0.49000000000000005
        ScaledCase(type: .int16, words: [0xFDFF], scale: 0.1, expected: -51.3),          // 0xFDFF = -513; naive -51.300000000000004
        ScaledCase(type: .uint16, words: [100], scale: 0.01, offset: -0.3, expected: 0.7),
        ScaledCase(type: .uint16, words: [12345], scale: 0.001, offset: -10, expected: 2.345),  // naive 2.3450000000000006
        ScaledCase(type: .uint16, words: [3], scale: 0.0689, expected: 0.2067),
        ScaledCase(type: .uint16, words: [0], scale: 0.1, expected: 0),
        ScaledCase(type: .int32, words: [0xFFFC, 0xF2F8], scale: 0.001, expected: -199.944),   // -199944; naive -199.94400000000002
        ScaledCase(type: .uint32, words: [0x0001, 0x11F2], scale: 0.01, expected: 701.3),       // 70130; naive 701.3000000000001
        ScaledCase(type: .uint16, words: [4512], scale: 1000, expected: 4_512_000),
        ScaledCase(type: .bcd16, words: [0x0513], scale: 0.1, expected: 51.3),          // BCD 0513 = 513
        ScaledCase(type: .uint16, words: [513], scale: 1e-5, expected: 0.00513),        // scale printed "1e-05"
    ]

    @Test(arguments: integerCases)
    func integerRegistersScaleToTheExactDecimal(_ testCase: ScaledCase) throws {
        let p = point(testCase.type, scale: testCase.scale, offset: testCase.offset)
        let reading = PointDecoder.decode(p, words: testCase.words, defaultOrder: .ABCD)
        #expect(try #require(goodDouble(reading)) == testCase.expected)
    }

    static let floatCases: [ScaledCase] = [
        ScaledCase(type: .float32, words: [0x4247, 0xF5C3], scale: 0.1, expected: 4.999),      // 49.99; naive 4.9990000000000006
        ScaledCase(type: .float32, words: [0x4247, 0xF5C3], scale: 10, expected: 499.9),       // naive 499.90000000000003
        ScaledCase(type: .float32, words: [0x4228, 0x6666], scale: 0.1, offset: -1, expected: 3.21),  // 42.1 × 0.1 - 1
        ScaledCase(type: .float32, words: [0x42F6, 0xE979], scale: 0.1, expected: 12.3456),    // 123.456; naive 12.345600000000001
        ScaledCase(type: .float32, words: [0xC148, 0x0000], scale: 2, offset: 1, expected: -24),  // -12.5 × 2 + 1
    ]

    @Test(arguments: floatCases)
    func float32RegistersScaleFromTheirDigits(_ testCase: ScaledCase) throws {
        let p = point(testCase.type, scale: testCase.scale, offset: testCase.offset)
        let reading = PointDecoder.decode(p, words: testCase.words, defaultOrder: .ABCD)
        #expect(try #require(goodDouble(reading)) == testCase.expected)
    }

    @Test func scaleAndOffsetAsDecimals() throws {
        // 0.0689 = 689 / 10^4; 0.1 and -0.3 share one power: 1 / 10 and -3 / 10.
        #expect(ExactDecimal(shortestOf: 0.0689) == ExactDecimal(mantissa: 689, places: 4))
        #expect(ExactDecimal(shortestOf: 1e-5) == ExactDecimal(mantissa: 1, places: 5))
        #expect(ExactDecimal(shortestOf: 100) == ExactDecimal(mantissa: 100, places: 0))
        #expect(ExactDecimal(shortestOf: -2.5e7) == ExactDecimal(mantissa: -25_000_000, places: 0))
        #expect(ExactDecimal(shortestOf: 2.5e20) == nil)   // 25 × 10^19 is beyond Int64
        let scaling = DecimalScaling(scale: 0.01, offset: -0.3)
        let decimal = try #require(scaling.decimal)
        #expect(decimal.factor == 1 && decimal.addend == -30 && decimal.places == 2)
    }

    @Test func aScaleOfSixteenDigitsFallsBack() {
        // 1/3 prints as 0.3333333333333333: 16 digits, no hand-written
        // decimal; the value is raw × scale in floating point, which for
        // 2 is 0.6666666666666666 (Python: 2 * (1/3)).
        let scaling = DecimalScaling(scale: 1.0 / 3, offset: 0)
        #expect(scaling.decimal == nil)
        #expect(scaling.value(of: 2) == 0.6666666666666666)
    }

    @Test func hugeRawsFallBack() {
        // 123456789012345678 × 0.01: the numerator is beyond 2^53, so the
        // Double of the raw (123456789012345680) times the Double 0.01, which
        // Python gives as 1234567890123456.8.
        let scaling = DecimalScaling(scale: 0.01, offset: 0)
        let raw = ExactDecimal(mantissa: 123_456_789_012_345_678, places: 0)
        #expect(scaling.exactValue(of: raw) == nil)
        #expect(scaling.value(of: raw) == 1_234_567_890_123_456.8)
        // 10^18 × 1000 overflows Int64 on the way.
        #expect(DecimalScaling(scale: 1000, offset: 0).exactValue(of: ExactDecimal(mantissa: 1_000_000_000_000_000_000, places: 0)) == nil)
        // A uint64 beyond Int64: 2^64 - 1 reads as the Double 2^64, times 0.5.
        let p = point(.uint64, scale: 0.5)
        let reading = PointDecoder.decode(p, words: [0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF], defaultOrder: .ABCD)
        #expect(goodDouble(reading) == 9_223_372_036_854_775_808)
    }
}

struct FloatDigitsTests {
    /// (float32 bits, the shortest decimal that reads back as it, by hand:
    /// Python's `'%.*e' % (p - 1, x)` for p = 1, 2, ... until the float round-trips).
    static let cases: [(UInt32, Double)] = [
        (0x3EB7_E02F, 0.35913226),        // exactly 0.3591322600841522
        (0x42F6_E979, 123.456),           // exactly 123.45600128173828
        (0x4228_6666, 42.1),              // exactly 42.099998474121094
        (0x3DCC_CCCD, 0.1),               // exactly 0.10000000149011612
        (0xBEB7_E02F, -0.35913226),
        (0x4148_0000, 12.5),
        (0x3F00_0000, 0.5),               // a power of two: the float below is nearer
        (0x4B80_0000, 16_777_216),        // 2^24: the integer path from here
        (0x4E80_0000, 1_073_741_800),     // 2^30 = 1073741824, shortest 1.0737418e+09
        (0x51E5_F4C9, 123_456_790_000),   // exactly 123456790528, shortest 1.2345679e+11
        (0x3727_C5AC, 0.00001),           // below 1e-4: the String path; exactly 9.999999747378752e-06
    ]

    @Test(arguments: cases)
    func shortestDecimal(_ testCase: (UInt32, Double)) {
        let (bits, expected) = testCase
        #expect(FloatDigits.nearestDouble(Float(bitPattern: bits)) == expected)
        let words = [UInt16(bits >> 16), UInt16(bits & 0xFFFF)]
        #expect(PointDecoder.decode(point(.float32), words: words, defaultOrder: .ABCD) == .good(.double(expected)))
    }

    @Test func zeroHasNoSign() {
        // -0.0 (0x80000000) reads as 0, as raw × 1 + 0 made it before.
        let reading = PointDecoder.decode(point(.float32), words: [0x8000, 0x0000], defaultOrder: .ABCD)
        #expect(goodDouble(reading)?.sign == .plus)
    }

    @Test func aSentinelMatchesTheDigits() {
        // invalid: -9999.9 is not the float32's exact value (-9999.900390625)
        // but it is its shortest decimal. 0xC61C3F9A is Float(-9999.9).
        let p = point(.float32, invalid: -9999.9)
        #expect(PointDecoder.decode(p, words: [0xC61C, 0x3F9A], defaultOrder: .ABCD) == .invalid("not available (raw value -9999.9)"))
    }

    /// Property, against the standard library as the oracle: for floats
    /// spread over every binade the fast path covers (and some it does not),
    /// the digits are those `String(float)` prints.
    @Test func agreesWithTheStandardLibrary() {
        var generator = SystemRandomNumberGenerator()
        var disagreements: [Float] = []
        for _ in 0..<200_000 {
            let exponent = Int.random(in: -20...70, using: &generator)
            let bits = UInt32(exponent + 127) << 23 | UInt32.random(in: 0..<(1 << 23), using: &generator)
            for value in [Float(bitPattern: bits), -Float(bitPattern: bits)] {
                if FloatDigits.nearestDouble(value) != Double(String(value)) { disagreements.append(value) }
            }
        }
        // Every float next to a power of two and of ten, where intervals are lopsided or digits end.
        let powersOfTwo = (-20...70).map { Float(sign: .plus, exponent: $0, significand: 1) }
        let powersOfTen = (-6...20).map { Float("1e\($0)")! }
        for power in powersOfTwo + powersOfTen {
            for value in [power.nextDown, power, power.nextUp]
                where FloatDigits.nearestDouble(value) != Double(String(value)) { disagreements.append(value) }
        }
        #expect(disagreements.count == 0, "first: \(disagreements.prefix(5).map { String($0.bitPattern, radix: 16) })")
    }
}
