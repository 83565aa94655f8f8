// The types of RS-485 instruments (string, int8/uint8, float16, bcd16/bcd32)
// against values worked out by hand (the working is in each row's comment).

@testable import Decoding
import Profiles
import Telemetry
import Testing

@Suite("instrument types")
struct InstrumentTypesTests {
    static func point(_ type: PointType, order: ByteOrder? = nil, scale: Double? = nil, invalid: Double? = nil,
                      length: Int? = nil, byte: String? = nil) -> Point {
        Point(name: "p", register: .holding, address: 0, type: type, order: order, scale: scale, invalid: invalid,
              length: length, byte: byte)
    }

    @Test("strings: two ASCII characters per register, NUL-ended, trimmed", arguments: [
        // "AB" "C " " \0": up to the NUL "ABC  ", trimmed "ABC".
        ([0x4142, 0x4320, 0x2000], ByteOrder.ABCD, Reading.good(.string("ABC"))),
        // Low byte first: 0x4241 is "AB", 0x2043 is "C ".
        ([0x4241, 0x2043, 0x0000], .BADC, .good(.string("ABC"))),
        // "  MF" "E6" "00": leading spaces trimmed too.
        ([0x2020, 0x4D46, 0x4536, 0x3030], .ABCD, .good(.string("MFE600"))),
        ([0x0000, 0x4142, 0x4344], .ABCD, .good(.string(""))),
        ([0x4180, 0x4142, 0x4344], .ABCD, .invalid("not ASCII text")),
    ] as [([UInt16], ByteOrder, Reading)])
    func strings(words: [UInt16], order: ByteOrder, expected: Reading) {
        let p = Self.point(.string, order: order, length: words.count)
        #expect(p.registerCount == words.count)
        #expect(PointDecoder.decode(p, words: words, defaultOrder: .ABCD) == expected)
    }

    @Test("int8 and uint8: the high or the low byte", arguments: [
        (PointType.uint8, "high", UInt16(0x12F0), Int64(0x12)),      // 18
        (.uint8, "low", 0x12F0, 0xF0),                                // 240
        (.int8, "low", 0x12F0, -16),                                  // 0xF0 = 240 - 256
        (.int8, "high", 0x8001, -128),                                // 0x80
        (.int8, "high", 0x7FFF, 127),
    ] as [(PointType, String, UInt16, Int64)])
    func bytes(type: PointType, byte: String, word: UInt16, expected: Int64) {
        #expect(PointDecoder.decode(Self.point(type, byte: byte), words: [word], defaultOrder: .ABCD) == .good(.integer(expected)))
    }

    @Test("float16 (IEEE 754 half)", arguments: [
        (UInt16(0x3C00), Reading.good(.double(1))),                      // exponent 15 - 15 = 0, fraction 0
        (0xC000, .good(.double(-2))),                                    // sign, exponent 16 - 15 = 1
        (0x3555, .good(.double(0.333251953125))),                        // (1 + 341/1024) / 4 = 1365/4096
        (0x7BFF, .good(.double(65504))),                                 // (1 + 1023/1024) × 2^15, the largest
        (0x0001, .good(.double(5.960464477539063e-08))),                 // 2^-24, the smallest subnormal
        (0x7C00, .invalid("infinite")),
        (0x7E00, .invalid("NaN")),
    ] as [(UInt16, Reading)])
    func halfFloats(word: UInt16, expected: Reading) {
        #expect(PointDecoder.decode(Self.point(.float16), words: [word], defaultOrder: .ABCD) == expected)
    }

    @Test("packed BCD", arguments: [
        (PointType.bcd16, [UInt16(0x1234)], ByteOrder.ABCD, nil as Double?, Reading.good(.integer(1234))),
        (.bcd16, [0x0999], .ABCD, nil, .good(.integer(999))),
        (.bcd16, [0x12A4], .ABCD, nil, .invalid("raw 0x12A4 is not packed BCD")),
        (.bcd32, [0x0012, 0x3456], .ABCD, nil, .good(.integer(123_456))),
        (.bcd32, [0x3456, 0x0012], .CDAB, nil, .good(.integer(123_456))),          // words swapped
        (.bcd32, [0x0098, 0x7654], .ABCD, 0.5, .good(.double(493_827))),            // 987654 × 0.5
        (.bcd32, [0x9999, 0x9999], .ABCD, nil, .good(.integer(99_999_999))),
    ] as [(PointType, [UInt16], ByteOrder, Double?, Reading)])
    func bcd(type: PointType, words: [UInt16], order: ByteOrder, scale: Double?, expected: Reading) {
        let p = Self.point(type, order: type == .bcd32 ? order : nil, scale: scale)
        #expect(PointDecoder.decode(p, words: words, defaultOrder: .ABCD) == expected)
    }

    @Test("the encoder serves what the decoder reads back", arguments: [
        (PointType.bcd16, 4321.0), (.bcd32, 12_345_678), (.float16, -2.5), (.float16, 0.333251953125),
        (.uint8, 200), (.int8, -100),
    ] as [(PointType, Double)])
    func roundTrip(type: PointType, value: Double) throws {
        for byte in [nil, "high"] where byte == nil || [.int8, .uint8].contains(type) {
            let p = Self.point(type, byte: byte)
            let words = PointEncoder.registers(for: p, value: value, defaultOrder: .ABCD)
            let reading = PointDecoder.decode(p, words: words, defaultOrder: .ABCD)
            #expect(reading.value?.number == value, "\(type) \(byte ?? "low") \(words)")
        }
    }

    @Test("a bcd16 of 1234 is served as 0x1234 (hand-worked)")
    func bcdEncoding() {
        #expect(PointEncoder.registers(for: Self.point(.bcd16), value: 1234, defaultOrder: .ABCD) == [0x1234])
        #expect(PointEncoder.registers(for: Self.point(.float16), value: 1, defaultOrder: .ABCD) == [0x3C00])
    }
}
