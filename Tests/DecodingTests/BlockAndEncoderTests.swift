// Unit tests of the Decoding module, continued from DecodingTests.swift
// (whose header says how the expected values were worked out): decoding
// points inside a polled block, the inverse (PointEncoder), value formatting.

import Testing
@testable import Decoding
import Profiles
import Telemetry

// MARK: - Decoding inside a block (what a poller does every poll)

struct BlockDecodingTests {
    /// Deterministic words: every byte value in every position over the cases.
    static let wordRows: [[UInt16]] = (0..<64).map { row in
        (0..<6).map { column in UInt16(truncatingIfNeeded: (row * 6 + column) &* 40_503 &+ 0x1F3D) }
    }

    /// The bit pattern without arrays equals its definition: the wire bytes
    /// reordered, then read big-endian (the last eight bytes of longer runs).
    @Test(arguments: ByteOrder.allCases, [1, 2, 4, 5])
    func bitPatternIsTheReorderedWireBytes(order: ByteOrder, count: Int) {
        for row in Self.wordRows {
            let words = row.prefix(count)
            let reference = order.reorder(wireBytes(words)).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            #expect(bitPattern(words, order: order) == reference, "\(order) \(words)")
        }
    }

    /// A point decoded at its offset in a block reads the same as from its own registers.
    @Test(arguments: [PointType.uint16, .int16, .int32, .uint32, .float32, .int64, .uint64, .float64, .bool],
          ByteOrder.allCases)
    func offsetInBlockReadsTheSameAsThePointsRegisters(type: PointType, order: ByteOrder) {
        let scaled = point(type, scale: 0.5, offset: -3, invalid: 0xFFFF)
        let plain = point(type, order: order)
        for row in Self.wordRows {
            let start = 1
            let own = Array(row[start..<(start + type.registerCount)])
            for p in [scaled, plain] {
                #expect(PointDecoding(p, defaultOrder: order).decode(row, at: start)
                        == PointDecoder.decode(p, words: own, defaultOrder: order))
            }
        }
    }

    @Test func enumLabelsMatchTheRawValueAsWritten() {
        let labels = ["7": "seven", "08": "padded", "+9": "signed", "65535": "n/a", "70000": "too big", "x": "text"]
        let decoding = PointDecoding(point(.enum, values: labels), defaultOrder: .ABCD)
        #expect(decoding.decode([7], at: 0) == .good(.string("seven")))
        #expect(decoding.decode([0xFFFF], at: 0) == .good(.string("n/a")))
        #expect(decoding.decode([8], at: 0) == .invalid("raw 8 is not one of the enum's values"))
        #expect(decoding.decode([9], at: 0) == .invalid("raw 9 is not one of the enum's values"))
    }

    @Test func sentinelMessageNamesTheRawValue() {
        let decoding = PointDecoding(point(.uint16, scale: 0.1, invalid: 65535), defaultOrder: .ABCD)
        #expect(decoding.decode([1, 0xFFFF], at: 1) == .invalid("not available (raw value 65535)"))
        #expect(decoding.decode([1, 0xFFFF], at: 0) == .good(.double(0.1)))
    }
}

// MARK: - Encoder

struct EncoderTests {
    /// A value for each type that survives the round trip exactly, with four
    /// distinct bytes (or words) where the type has them.
    static let roundTripValues: [(PointType, Double)] = [
        (.uint16, 4660),                       // 0x1234
        (.int16, -200),
        (.uint32, 3_735_928_559),              // 0xDEADBEEF
        (.int32, -123_456_789),
        (.uint64, 81_985_529_216_486_896),     // float(0x0123456789ABCDEF) in Python: exact as a Double
        (.int64, -1_234_567_890_123_456_768),  // float(-1234567890123456789) in Python: exact as a Double
        (.float32, -12.5),
        (.float32, 123.456),                   // 0x42F6E979 (Python struct): decoded as its shortest decimal, by hand
        (.float64, -1234.5678),
        (.float64, 1.5),
    ]

    @Test(arguments: roundTripValues, ByteOrder.allCases)
    func roundTrip(_ entry: (PointType, Double), order: ByteOrder) throws {
        let (type, value) = entry
        let p = point(type, order: type.isMultiRegister ? order : nil)
        let words = PointEncoder.registers(for: p, value: value, defaultOrder: .ABCD)
        #expect(words.count == type.registerCount)
        let reading = PointDecoder.decode(p, words: words, defaultOrder: .ABCD)
        let number = try #require(reading.value?.number)
        #expect(number == value)
        #expect(reading.quality == .good)
    }

    @Test(arguments: [PointType.uint16, .int16, .int32, .uint32, .float32, .float64], ByteOrder.allCases)
    func roundTripScaled(type: PointType, order: ByteOrder) throws {
        let p = point(type, order: type.isMultiRegister ? order : nil, scale: 0.01, offset: -50)
        // (12.34 + 50) / 0.01 = 6234 raw
        let words = PointEncoder.registers(for: p, value: 12.34, defaultOrder: .ABCD)
        let reading = PointDecoder.decode(p, words: words, defaultOrder: .ABCD)
        let value = try #require(goodDouble(reading))
        #expect(abs(value - 12.34) < 1e-9)
    }

    @Test func scaledFloat32EncodesTheRawValue() {
        // (3.75 - 10) / 0.5 = -12.5 = 0xC1480000
        #expect(PointEncoder.registers(for: point(.float32, scale: 0.5, offset: 10), value: 3.75, defaultOrder: .ABCD)
                == [0xC148, 0x0000])
    }

    @Test func float32CDABEncodingIsHandWritten() {
        // -12.5 = 0xC1480000; CDAB puts the low word first: 0000 C148
        #expect(PointEncoder.registers(for: point(.float32, order: .CDAB), value: -12.5, defaultOrder: .ABCD) == [0x0000, 0xC148])
        #expect(PointEncoder.registers(for: point(.float32), value: -12.5, defaultOrder: .CDAB) == [0x0000, 0xC148])
        #expect(PointEncoder.registers(for: point(.float32), value: -12.5, defaultOrder: .ABCD) == [0xC148, 0x0000])
    }

    /// The encoder's words for each order, against the hand-permuted tables
    /// (64-bit integers left out: those table values are not exact as a Double).
    @Test(arguments: (float32Cases + float64Cases + integerCases).filter { $0.type != .int64 && $0.type != .uint64 })
    func encodesTheHandWrittenWords(_ testCase: OrderCase) {
        let value: Double
        switch testCase.expected {
        case .double(let number): value = number
        case .integer(let number): value = Double(number)
        case .unsigned(let number): value = Double(number)
        default: Issue.record("unexpected case"); return
        }
        #expect(PointEncoder.registers(for: point(testCase.type, order: testCase.order), value: value, defaultOrder: .ABCD)
                == testCase.words)
    }

    @Test func valuesAreRoundedAndClamped() {
        #expect(PointEncoder.registers(for: point(.uint16), value: 70_000, defaultOrder: .ABCD) == [0xFFFF])
        #expect(PointEncoder.registers(for: point(.uint16), value: -5, defaultOrder: .ABCD) == [0x0000])
        #expect(PointEncoder.registers(for: point(.uint16), value: 12.6, defaultOrder: .ABCD) == [13])
        #expect(PointEncoder.registers(for: point(.int16), value: -40_000, defaultOrder: .ABCD) == [0x8000])
        #expect(PointEncoder.registers(for: point(.int16), value: 40_000, defaultOrder: .ABCD) == [0x7FFF])
        // 12.34 / 0.01 = 1234
        #expect(PointEncoder.registers(for: point(.uint16, scale: 0.01), value: 12.34, defaultOrder: .ABCD) == [1234])
    }

    @Test func setBit() {
        #expect(PointEncoder.setBit(6, to: true, in: 0) == 0b0100_0000)
        #expect(PointEncoder.setBit(6, to: false, in: 0xFFFF) == 0xFFBF)
        #expect(PointEncoder.setBit(15, to: true, in: 0x0001) == 0x8001)
    }
}

// MARK: - Formatting

struct FormatTests {
    @Test(arguments: [
        (0.4512, "0.4512"),
        (20.000000000000004, "20"),
        (451.20000000000005, "451.2"),
        (-2.0, "-2"),
        (0.0, "0"),
        (1234.5, "1234.5"),
    ])
    func format(value: Double, expected: String) {
        #expect(Value.format(value) == expected)
    }

    @Test func descriptions() {
        #expect(Value.double(451.20000000000005).description == "451.2")
        #expect(Value.integer(-200).description == "-200")
        #expect(Value.unsigned(18_364_758_544_493_064_720).description == "18364758544493064720")
        #expect(Value.bool(true).description == "true")
        #expect(Value.string("manual").description == "manual")
    }
}
