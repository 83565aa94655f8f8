// Unit tests of the Decoding module: raw registers → engineering values
// (PointDecoder), one point at a time. Block decoding, the inverse
// (PointEncoder) and value formatting are in BlockAndEncoderTests.swift;
// the helpers below serve both files.
//
// Expected values are written by hand. Float bit patterns and the wire words
// of each byte order were computed with Python's `struct` module, e.g.
//   python3 -c "import struct; print(struct.pack('>f', -12.5).hex())"
// and the words of each order by permuting those big-endian bytes by hand
// (ABCD as is, CDAB words reversed, BADC bytes swapped in each word, DCBA all
// bytes reversed), then pasted here as literals.

import Testing
@testable import Decoding
import Profiles
import Telemetry

// MARK: - Helpers

func point(_ type: PointType, register: RegisterTable = .holding, order: ByteOrder? = nil,
           bit: Int? = nil, values: [String: String]? = nil,
           scale: Double? = nil, offset: Double? = nil, invalid: Double? = nil) -> Point {
    Point(name: "p", register: register, address: 0, type: type, order: order, bit: bit, values: values,
          scale: scale, offset: offset, invalid: invalid)
}

/// The double inside a good reading, or nil.
func goodDouble(_ reading: Reading) -> Double? {
    guard reading.quality == .good, case .double(let value)? = reading.value else { return nil }
    return value
}

func isInvalid(_ reading: Reading) -> Bool {
    if case .invalid = reading.quality { return true }
    return false
}

// MARK: - 16-bit integers, scale and offset

struct SixteenBitTests {
    @Test func int16NegativeRawWithScale() throws {
        // 0xFF38 as int16 is -200; -200 × 0.01 = -2.0
        let reading = PointDecoder.decode(point(.int16, scale: 0.01), words: [0xFF38], defaultOrder: .ABCD)
        let value = try #require(goodDouble(reading))
        #expect(abs(value - -2.0) < 1e-9)
    }

    @Test func uint16WithScale() throws {
        // 4512 × 0.0001 = 0.4512
        let reading = PointDecoder.decode(point(.uint16, scale: 0.0001), words: [4512], defaultOrder: .ABCD)
        let value = try #require(goodDouble(reading))
        #expect(abs(value - 0.4512) < 1e-9)
    }

    @Test func uint16WithScaleAndOffset() throws {
        // 1000 × 0.1 + (-40) = 60
        let reading = PointDecoder.decode(point(.uint16, scale: 0.1, offset: -40), words: [1000], defaultOrder: .ABCD)
        let value = try #require(goodDouble(reading))
        #expect(abs(value - 60.0) < 1e-9)
    }

    @Test func int16WithOffsetOnly() throws {
        // 0xFFF6 as int16 is -10; -10 + 273.15 = 263.15
        let reading = PointDecoder.decode(point(.int16, offset: 273.15), words: [0xFFF6], defaultOrder: .ABCD)
        let value = try #require(goodDouble(reading))
        #expect(abs(value - 263.15) < 1e-9)
    }

    @Test func unscaledIntegersAreIntegers() {
        #expect(PointDecoder.decode(point(.uint16), words: [4512], defaultOrder: .ABCD) == .good(.integer(4512)))
        #expect(PointDecoder.decode(point(.uint16), words: [0xFF38], defaultOrder: .ABCD) == .good(.integer(65336)))
        #expect(PointDecoder.decode(point(.int16), words: [0xFF38], defaultOrder: .ABCD) == .good(.integer(-200)))
        #expect(PointDecoder.decode(point(.int16), words: [0x7FFF], defaultOrder: .ABCD) == .good(.integer(32767)))
        #expect(PointDecoder.decode(point(.int16), words: [0x8000], defaultOrder: .ABCD) == .good(.integer(-32768)))
    }

    @Test func scaledIntegersAreDoubles() {
        // scale 1 still means "scaled": the value is reported as a double.
        #expect(PointDecoder.decode(point(.uint16, scale: 1), words: [7], defaultOrder: .ABCD) == .good(.double(7)))
        #expect(PointDecoder.decode(point(.int16, offset: 0), words: [0xFFFF], defaultOrder: .ABCD) == .good(.double(-1)))
    }

    /// The profile's `order` is the default of 32/64-bit values: a one-register
    /// value has no byte order and must read the same whatever the profile says
    /// (the validator even rejects `order` on a uint16 point).
    /// (Found by this test: the order was once applied to single registers.)
    @Test(arguments: ByteOrder.allCases)
    func sixteenBitValuesIgnoreTheDefaultOrder(order: ByteOrder) {
        #expect(PointDecoder.decode(point(.uint16), words: [0x1234], defaultOrder: order) == .good(.integer(0x1234)))
        #expect(PointDecoder.decode(point(.int16), words: [0xFF38], defaultOrder: order) == .good(.integer(-200)))
        #expect(PointEncoder.registers(for: point(.uint16), value: 0x1234, defaultOrder: order) == [0x1234])
    }
}

// MARK: - Multi-register types in every byte order

struct OrderCase: Sendable, CustomTestStringConvertible {
    var type: PointType
    var order: ByteOrder
    var words: [UInt16]
    var expected: Value

    var testDescription: String { "\(type) \(order) \(words.map { String($0, radix: 16) })" }
}

// Wire words from Python struct + hand permutation (see the file header).
let float32Cases: [OrderCase] = [
    // 12.5 = 0x41480000
    OrderCase(type: .float32, order: .ABCD, words: [0x4148, 0x0000], expected: .double(12.5)),
    OrderCase(type: .float32, order: .CDAB, words: [0x0000, 0x4148], expected: .double(12.5)),
    OrderCase(type: .float32, order: .BADC, words: [0x4841, 0x0000], expected: .double(12.5)),
    OrderCase(type: .float32, order: .DCBA, words: [0x0000, 0x4841], expected: .double(12.5)),
    // -12.5 = 0xC1480000
    OrderCase(type: .float32, order: .ABCD, words: [0xC148, 0x0000], expected: .double(-12.5)),
    OrderCase(type: .float32, order: .CDAB, words: [0x0000, 0xC148], expected: .double(-12.5)),
    OrderCase(type: .float32, order: .BADC, words: [0x48C1, 0x0000], expected: .double(-12.5)),
    OrderCase(type: .float32, order: .DCBA, words: [0x0000, 0x48C1], expected: .double(-12.5)),
    // 123.456f = 0x42F6E979 (four distinct bytes, so every order differs).
    // Re-worked by hand for decimal digits: the float is exactly
    // 123.45600128173828 (Python struct), and its shortest decimal, the
    // value the gateway reports, is 123.456 ('%.6g' round-trips, '%.5g' does not).
    OrderCase(type: .float32, order: .ABCD, words: [0x42F6, 0xE979], expected: .double(123.456)),
    OrderCase(type: .float32, order: .CDAB, words: [0xE979, 0x42F6], expected: .double(123.456)),
    OrderCase(type: .float32, order: .BADC, words: [0xF642, 0x79E9], expected: .double(123.456)),
    OrderCase(type: .float32, order: .DCBA, words: [0x79E9, 0xF642], expected: .double(123.456)),
]

let float64Cases: [OrderCase] = [
    // 1.5 = 0x3FF8000000000000
    OrderCase(type: .float64, order: .ABCD, words: [0x3FF8, 0x0000, 0x0000, 0x0000], expected: .double(1.5)),
    OrderCase(type: .float64, order: .CDAB, words: [0x0000, 0x0000, 0x0000, 0x3FF8], expected: .double(1.5)),
    OrderCase(type: .float64, order: .BADC, words: [0xF83F, 0x0000, 0x0000, 0x0000], expected: .double(1.5)),
    OrderCase(type: .float64, order: .DCBA, words: [0x0000, 0x0000, 0x0000, 0xF83F], expected: .double(1.5)),
    // -1234.5678 = 0xC0934A456D5CFAAD
    OrderCase(type: .float64, order: .ABCD, words: [0xC093, 0x4A45, 0x6D5C, 0xFAAD], expected: .double(Double(bitPattern: 0xC093_4A45_6D5C_FAAD))),
    OrderCase(type: .float64, order: .CDAB, words: [0xFAAD, 0x6D5C, 0x4A45, 0xC093], expected: .double(Double(bitPattern: 0xC093_4A45_6D5C_FAAD))),
    OrderCase(type: .float64, order: .BADC, words: [0x93C0, 0x454A, 0x5C6D, 0xADFA], expected: .double(Double(bitPattern: 0xC093_4A45_6D5C_FAAD))),
    OrderCase(type: .float64, order: .DCBA, words: [0xADFA, 0x5C6D, 0x454A, 0x93C0], expected: .double(Double(bitPattern: 0xC093_4A45_6D5C_FAAD))),
]

let integerCases: [OrderCase] = [
    // int32 -123456789 = 0xF8A432EB
    OrderCase(type: .int32, order: .ABCD, words: [0xF8A4, 0x32EB], expected: .integer(-123_456_789)),
    OrderCase(type: .int32, order: .CDAB, words: [0x32EB, 0xF8A4], expected: .integer(-123_456_789)),
    OrderCase(type: .int32, order: .BADC, words: [0xA4F8, 0xEB32], expected: .integer(-123_456_789)),
    OrderCase(type: .int32, order: .DCBA, words: [0xEB32, 0xA4F8], expected: .integer(-123_456_789)),
    // uint32 3735928559 = 0xDEADBEEF (would be negative as an int32)
    OrderCase(type: .uint32, order: .ABCD, words: [0xDEAD, 0xBEEF], expected: .integer(3_735_928_559)),
    OrderCase(type: .uint32, order: .CDAB, words: [0xBEEF, 0xDEAD], expected: .integer(3_735_928_559)),
    OrderCase(type: .uint32, order: .BADC, words: [0xADDE, 0xEFBE], expected: .integer(3_735_928_559)),
    OrderCase(type: .uint32, order: .DCBA, words: [0xEFBE, 0xADDE], expected: .integer(3_735_928_559)),
    // int64 -1234567890123456789 = 0xEEDDEF0B82167EEB
    OrderCase(type: .int64, order: .ABCD, words: [0xEEDD, 0xEF0B, 0x8216, 0x7EEB], expected: .integer(-1_234_567_890_123_456_789)),
    OrderCase(type: .int64, order: .CDAB, words: [0x7EEB, 0x8216, 0xEF0B, 0xEEDD], expected: .integer(-1_234_567_890_123_456_789)),
    OrderCase(type: .int64, order: .BADC, words: [0xDDEE, 0x0BEF, 0x1682, 0xEB7E], expected: .integer(-1_234_567_890_123_456_789)),
    OrderCase(type: .int64, order: .DCBA, words: [0xEB7E, 0x1682, 0x0BEF, 0xDDEE], expected: .integer(-1_234_567_890_123_456_789)),
    // uint64 81985529216486895 = 0x0123456789ABCDEF
    OrderCase(type: .uint64, order: .ABCD, words: [0x0123, 0x4567, 0x89AB, 0xCDEF], expected: .integer(81_985_529_216_486_895)),
    OrderCase(type: .uint64, order: .CDAB, words: [0xCDEF, 0x89AB, 0x4567, 0x0123], expected: .integer(81_985_529_216_486_895)),
    OrderCase(type: .uint64, order: .BADC, words: [0x2301, 0x6745, 0xAB89, 0xEFCD], expected: .integer(81_985_529_216_486_895)),
    OrderCase(type: .uint64, order: .DCBA, words: [0xEFCD, 0xAB89, 0x6745, 0x2301], expected: .integer(81_985_529_216_486_895)),
    // uint64 18364758544493064720 = 0xFEDCBA9876543210 (above Int64.max → .unsigned)
    OrderCase(type: .uint64, order: .ABCD, words: [0xFEDC, 0xBA98, 0x7654, 0x3210], expected: .unsigned(18_364_758_544_493_064_720)),
    OrderCase(type: .uint64, order: .CDAB, words: [0x3210, 0x7654, 0xBA98, 0xFEDC], expected: .unsigned(18_364_758_544_493_064_720)),
    OrderCase(type: .uint64, order: .BADC, words: [0xDCFE, 0x98BA, 0x5476, 0x1032], expected: .unsigned(18_364_758_544_493_064_720)),
    OrderCase(type: .uint64, order: .DCBA, words: [0x1032, 0x5476, 0x98BA, 0xDCFE], expected: .unsigned(18_364_758_544_493_064_720)),
]

struct ByteOrderTests {
    @Test(arguments: float32Cases + float64Cases + integerCases)
    func decodesWithThePointsOrder(_ testCase: OrderCase) {
        let p = point(testCase.type, order: testCase.order)
        // The default order is deliberately a different one: the point's own order must win.
        let otherDefault: ByteOrder = testCase.order == .ABCD ? .DCBA : .ABCD
        let reading = PointDecoder.decode(p, words: testCase.words, defaultOrder: otherDefault)
        #expect(reading == .good(testCase.expected))
    }

    @Test(arguments: float32Cases + float64Cases + integerCases)
    func decodesWithTheDefaultOrder(_ testCase: OrderCase) {
        let reading = PointDecoder.decode(point(testCase.type), words: testCase.words, defaultOrder: testCase.order)
        #expect(reading == .good(testCase.expected))
    }

    /// Domain fact: a reply whose wire bytes are 00 00 C1 48 is -12.5 only in CDAB.
    @Test func wireBytes0000C148AreMinus12Point5OnlyInCDAB() {
        let words: [UInt16] = [0x0000, 0xC148]
        for order in ByteOrder.allCases {
            let reading = PointDecoder.decode(point(.float32, order: order), words: words, defaultOrder: .ABCD)
            if order == .CDAB {
                #expect(reading == .good(.double(-12.5)))
            } else {
                #expect(reading != .good(.double(-12.5)), "order \(order)")
            }
        }
        // DCBA reads the bytes as 0x48C10000 = 395264.0 (Python struct).
        #expect(PointDecoder.decode(point(.float32, order: .DCBA), words: words, defaultOrder: .ABCD)
                == .good(.double(395_264.0)))
    }

    @Test func pointOrderWinsOverProfileDefault() {
        // -12.5 in CDAB; the profile default says ABCD, the point says CDAB.
        let withOrder = point(.float32, order: .CDAB)
        #expect(PointDecoder.decode(withOrder, words: [0x0000, 0xC148], defaultOrder: .ABCD) == .good(.double(-12.5)))
        // Without its own order the point follows the profile default.
        let withoutOrder = point(.float32)
        #expect(PointDecoder.decode(withoutOrder, words: [0x0000, 0xC148], defaultOrder: .CDAB) == .good(.double(-12.5)))
        #expect(PointDecoder.decode(withoutOrder, words: [0xC148, 0x0000], defaultOrder: .ABCD) == .good(.double(-12.5)))
    }

    @Test func profileEffectiveOrder() {
        let profile = DeviceProfile(profile: "x", addressBase: 0, order: .CDAB, points: [])
        #expect(profile.effectiveOrder(of: point(.float32)) == .CDAB)
        #expect(profile.effectiveOrder(of: point(.float32, order: .BADC)) == .BADC)
        let noDefault = DeviceProfile(profile: "x", addressBase: 0, points: [])
        #expect(noDefault.effectiveOrder(of: point(.float32)) == .ABCD)
    }

    @Test func scaledFloat32() throws {
        // 12.5 × 2 + 1 = 26
        let reading = PointDecoder.decode(point(.float32, scale: 2, offset: 1), words: [0x4148, 0x0000], defaultOrder: .ABCD)
        let value = try #require(goodDouble(reading))
        #expect(abs(value - 26) < 1e-9)
    }

    @Test func scaledInt32() throws {
        // -123456789 × 0.001 = -123456.789
        let reading = PointDecoder.decode(point(.int32, scale: 0.001), words: [0xF8A4, 0x32EB], defaultOrder: .ABCD)
        let value = try #require(goodDouble(reading))
        #expect(abs(value - -123_456.789) < 1e-6)
    }
}

// MARK: - Sentinels, NaN and infinity

struct InvalidTests {
    @Test func uint16Sentinel() {
        let reading = PointDecoder.decode(point(.uint16, scale: 0.01, invalid: 65535), words: [0xFFFF], defaultOrder: .ABCD)
        #expect(isInvalid(reading))
        #expect(reading.value == nil)
    }

    @Test func int16SentinelByBitPattern() {
        // raw 0xFFFF is -1 as int16; the sentinel 65535 matches its bit pattern
        let reading = PointDecoder.decode(point(.int16, invalid: 65535), words: [0xFFFF], defaultOrder: .ABCD)
        #expect(isInvalid(reading))
        #expect(reading.value == nil)
    }

    @Test func int16SentinelByTypedValue() {
        let reading = PointDecoder.decode(point(.int16, invalid: -1), words: [0xFFFF], defaultOrder: .ABCD)
        #expect(isInvalid(reading))
        #expect(reading.value == nil)
    }

    @Test func sentinelIsComparedBeforeScaling() {
        // 65535 × 0.01 = 655.35: the scaled value must not be compared
        let reading = PointDecoder.decode(point(.uint16, scale: 0.01, invalid: 655.35), words: [0xFFFF], defaultOrder: .ABCD)
        #expect(reading.quality == .good)
    }

    @Test func nonSentinelStaysGood() {
        #expect(PointDecoder.decode(point(.uint16, invalid: 65535), words: [0xFFFE], defaultOrder: .ABCD)
                == .good(.integer(65534)))
        #expect(PointDecoder.decode(point(.int16, invalid: -1), words: [0xFFFE], defaultOrder: .ABCD)
                == .good(.integer(-2)))
        let scaled = PointDecoder.decode(point(.uint16, scale: 0.01, invalid: 65535), words: [1234], defaultOrder: .ABCD)
        #expect(scaled.quality == .good)
        #expect(abs((goodDouble(scaled) ?? .nan) - 12.34) < 1e-9)
    }

    @Test func sentinelOnEnumAndBits() {
        let modes = ["0": "auto", "1": "manual"]
        #expect(isInvalid(PointDecoder.decode(point(.enum, values: modes, invalid: 65535), words: [0xFFFF], defaultOrder: .ABCD)))
        #expect(isInvalid(PointDecoder.decode(point(.bits, bit: 0, invalid: 65535), words: [0xFFFF], defaultOrder: .ABCD)))
    }

    // NaN 0x7FC00000, +Inf 0x7F800000, -Inf 0xFF800000 (IEEE-754 float32)
    @Test(arguments: [[UInt16(0x7FC0), 0x0000], [0x7F80, 0x0000], [0xFF80, 0x0000]])
    func nonFiniteFloat32IsInvalid(words: [UInt16]) {
        let reading = PointDecoder.decode(point(.float32), words: words, defaultOrder: .ABCD)
        #expect(isInvalid(reading))
        #expect(reading.value == nil)
    }

    // NaN 0x7FF8000000000000, +Inf 0x7FF0000000000000 (IEEE-754 float64)
    @Test(arguments: [[UInt16(0x7FF8), 0, 0, 0], [0x7FF0, 0, 0, 0], [0xFFF0, 0, 0, 0]])
    func nonFiniteFloat64IsInvalid(words: [UInt16]) {
        let reading = PointDecoder.decode(point(.float64), words: words, defaultOrder: .ABCD)
        #expect(isInvalid(reading))
        #expect(reading.value == nil)
    }

    @Test func nanInCDABIsInvalid() {
        // NaN 0x7FC00000 in CDAB on the wire: 0000 7FC0
        let reading = PointDecoder.decode(point(.float32, order: .CDAB), words: [0x0000, 0x7FC0], defaultOrder: .ABCD)
        #expect(isInvalid(reading))
    }
}

// MARK: - Bits, enums, bools

struct DiscreteValueTests {
    @Test func bitsPoint() {
        #expect(PointDecoder.decode(point(.bits, bit: 6), words: [0b0100_0000], defaultOrder: .ABCD) == .good(.bool(true)))
        #expect(PointDecoder.decode(point(.bits, bit: 5), words: [0b0100_0000], defaultOrder: .ABCD) == .good(.bool(false)))
        #expect(PointDecoder.decode(point(.bits, bit: 0), words: [0x0001], defaultOrder: .ABCD) == .good(.bool(true)))
        #expect(PointDecoder.decode(point(.bits, bit: 15), words: [0x8000], defaultOrder: .ABCD) == .good(.bool(true)))
        #expect(PointDecoder.decode(point(.bits, bit: 15), words: [0x7FFF], defaultOrder: .ABCD) == .good(.bool(false)))
    }

    /// The validator refuses such points; the decoder must still not trap (the fuzz target feeds any bit).
    @Test(arguments: [16, -1, 99, Int.min])
    func bitOutsideTheWordIsInvalid(bit: Int) {
        #expect(PointDecoder.decode(point(.bits, bit: bit), words: [0xFFFF], defaultOrder: .ABCD)
                == .invalid("bit \(bit) is not 0-15"))
        #expect(PointEncoder.setBit(bit, to: true, in: 0x1234) == 0x1234)
    }

    @Test func bitsPointWithoutBitIsInvalid() {
        #expect(PointDecoder.decode(point(.bits), words: [1], defaultOrder: .ABCD) == .invalid("bit missing is not 0-15"))
    }

    @Test func enumLabel() {
        let modes = ["0": "auto", "1": "manual"]
        #expect(PointDecoder.decode(point(.enum, values: modes), words: [1], defaultOrder: .ABCD) == .good(.string("manual")))
        #expect(PointDecoder.decode(point(.enum, values: modes), words: [0], defaultOrder: .ABCD) == .good(.string("auto")))
    }

    @Test func enumRawNotInMapIsInvalid() {
        let reading = PointDecoder.decode(point(.enum, values: ["0": "auto", "1": "manual"]), words: [2], defaultOrder: .ABCD)
        #expect(isInvalid(reading))
        #expect(reading.value == nil)
    }

    @Test(arguments: [(UInt16(0), false), (1, true), (2, true), (0x8000, true), (0xFFFF, true)])
    func boolOnRegister(raw: UInt16, expected: Bool) {
        #expect(PointDecoder.decode(point(.bool), words: [raw], defaultOrder: .ABCD) == .good(.bool(expected)))
    }
}
