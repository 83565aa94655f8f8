// The history chunk codec: tables worked out by hand from the layout in
// ChunkCodec.swift and BitStream.swift, and round trips of random series.

import Foundation
import TestSupport
import Testing
@testable import Store
import Telemetry

@Suite struct ChunkCodecTableTests {
    @Test func oneEmptySampleIsTwentyEightBits() {
        // version 1 "10 0001", count 1 "10 0001", no strings "0", quality run
        // (1, good) "10 0001" "0", class run (1, null) "10 0001" "0", time 0 "0":
        // 1000 0110 | 0001 0100 | 0010 1000 | 0100 (0000)
        let bytes = ChunkCodec.encode([StoredSample(time: 0, value: .null, quality: nil)])
        #expect(bytes == [0x86, 0x14, 0x28, 0x40])
    }

    @Test func aSteadyPollOfASteadyIntegerCostsAboutTwoBitsASample() throws {
        // 1000 samples 1 s apart, value 5 throughout. Bits: version 6, count
        // 1000 (tier 16) 20, strings 1, quality run 20 + 1, class run 20 + 6,
        // first time 1.7e12 (tier 64) 69, first step 1000 (zigzag 2000, tier 16)
        // 20, 998 steps unchanged 998, first integer 5 (zigzag 10) 6, 999
        // unchanged 999: 2166 bits, 271 bytes.
        let samples = (0..<1000).map { StoredSample(time: 1_700_000_000_000 + Int64($0) * 1000, value: .integer(5), quality: nil) }
        let bytes = ChunkCodec.encode(samples)
        #expect(bytes.count == 271)
        #expect(try ChunkCodec.decode(bytes) == samples)
    }

    @Test func scaledRegistersGoDecimalAndBeatXOR() throws {
        // 0.451, 0.452, 0.450 are 451, 452, 450 thousandths: deltas 451, +1, -2.
        let decimal = RealCoding.decimalForm([0.451, 0.452, 0.450], multiplying: false)
        #expect(decimal?.scale == 3)
        #expect(decimal?.mantissas == [451, 452, 450])
        let samples = [0.451, 0.452, 0.450].enumerated().map {
            StoredSample(time: Int64($0.offset) * 1000, value: .real($0.element), quality: nil)
        }
        let asDecimal = ChunkCodec.encode(samples), asXOR = ChunkCodec.encode(samples, realMode: .xor)
        #expect(asDecimal.count < asXOR.count)
        #expect(try ChunkCodec.decode(asDecimal) == samples)
        #expect(try ChunkCodec.decode(asXOR) == samples)
    }

    @Test func aRegisterTimesItsScaleGoesDecimalMultiplied() throws {
        // 3 x 0.1 is 0.30000000000000004 (not 3 / 10), as PointDecoder computed
        // raw x scale before it was decimal-exact, and as frames written then
        // still hold: mantissas 3 and 10 at scale 1, multiplied by the Double 0.1.
        let values = [3 * 0.1, 10 * 0.1]
        #expect(RealCoding.decimalForm(values, multiplying: false) == nil)
        let multiplied = try #require(RealCoding.decimalForm(values, multiplying: true))
        #expect(multiplied.scale == 1 && multiplied.mantissas == [3, 10])
        let samples = values.map { StoredSample(time: 0, value: .real($0), quality: nil) }
        let decoded = try ChunkCodec.decode(ChunkCodec.encode(samples))
        #expect(decoded.map { $0.value.real?.bitPattern } == values.map(\.bitPattern))
    }

    @Test func float32DigitsHaveAFloat32Form() throws {
        // Consecutive float32s 0x3EB7E02E ... 0x3EB7E031, decoded as their
        // shortest decimals (Python: '%.*e' until struct round-trips).
        let values = [0.35913223, 0.35913226, 0.3591323, 0.35913232, 0.35913226]
        let floats = try #require(RealCoding.float32Form(values))
        #expect(floats.map(\.bitPattern) == [0x3EB7_E02E, 0x3EB7_E02F, 0x3EB7_E030, 0x3EB7_E031, 0x3EB7_E02F])
        let samples = values.map { StoredSample(time: 0, value: .real($0), quality: nil) }
        let decoded = try ChunkCodec.decode(ChunkCodec.encode(samples, realMode: .float32))
        #expect(decoded.map { $0.value.real?.bitPattern } == values.map(\.bitPattern))
        // The float's exact value (0.3591322600841522) is not its digits: no float32 form.
        #expect(RealCoding.float32Form([Double(Float(bitPattern: 0x3EB7_E02F))]) == nil)
    }

    @Test func aWanderingFloat32RegisterGoesFloat32() throws {
        // A flow register (float32) that moves by up to 0.05 m3/h a poll
        // around 43: its digits need 5 to 6 places, so decimal mantissas at
        // scale 6 move by thousands (16-bit deltas) while the floats' bits
        // change in the low 15 or so: float32 must be the smallest form.
        var random = SplitMix64(seed: 20)
        var flow: Float = 43
        let values = (0..<1800).map { _ -> Double in
            flow += Float(Double(random.next() % 1001) / 10_000 - 0.05)
            return FloatDigits.nearestDouble(flow)
        }
        let samples = values.map { StoredSample(time: 0, value: .real($0), quality: nil) }
        let chosen = ChunkCodec.encode(samples)
        #expect(chosen == ChunkCodec.encode(samples, realMode: .float32))
        #expect(chosen.count < ChunkCodec.encode(samples, realMode: .decimal).count)
        #expect(chosen.count < ChunkCodec.encode(samples, realMode: .xor).count)
        #expect(try ChunkCodec.decode(chosen).map { $0.value.real?.bitPattern } == values.map(\.bitPattern))
    }

    @Test func shortDecimalsThatAreAlsoFloatsStayDecimal() throws {
        // 42.1, 42.2, 42.3 are the digits of the float32s 0x42286666,
        // 0x4228CCCD, 0x42293333 too; as 421, 422, 423 tenths they are smaller.
        let samples = [42.1, 42.2, 42.3, 42.2].map { StoredSample(time: 0, value: .real($0), quality: nil) }
        #expect(RealCoding.float32Form([42.1, 42.2, 42.3, 42.2]) != nil)
        let chosen = ChunkCodec.encode(samples)
        #expect(chosen == ChunkCodec.encode(samples, realMode: .decimal))
        #expect(chosen.count < ChunkCodec.encode(samples, realMode: .float32).count)
        #expect(try ChunkCodec.decode(chosen) == samples)
    }

    @Test(arguments: [[-0.0, 1.0], [1.0 / 3, 1.0], [1e300, 2.5], [Double.leastNonzeroMagnitude, 1]])
    func notAnExactDecimalGoesXORAndComesBackBitForBit(values: [Double]) throws {
        // -0.0 loses its sign as a mantissa; 1/3 has no decimal form; 1e300
        // and the smallest subnormal are beyond 2^53 / 10^15.
        #expect(RealCoding.decimalForm(values, multiplying: false) == nil)
        #expect(RealCoding.decimalForm(values, multiplying: true) == nil)
        let samples = values.map { StoredSample(time: 0, value: .real($0), quality: nil) }
        let decoded = try ChunkCodec.decode(ChunkCodec.encode(samples))
        #expect(decoded.map { $0.value.real?.bitPattern } == values.map(\.bitPattern))
    }

    @Test func nanAndInfinityAreNeverStoredAsNumbers() throws {
        let samples = [Double.nan, .infinity, -.infinity, 1.5].map { StoredSample(time: 0, value: .real($0), quality: nil) }
        // As ValueColumns.column stores them: text, which no statistic counts.
        #expect(samples.map(\.value) == [.text("nan"), .text("inf"), .text("-inf"), .real(1.5)])
        #expect(try ChunkCodec.decode(ChunkCodec.encode(samples)) == samples)
    }

    @Test func qualityGapsAndSentinelsKeepTheirPlace() throws {
        let samples = [
            StoredSample(time: 1000, value: .real(0.42), quality: nil),
            StoredSample(time: 2000, value: .null, quality: "error: timed out"),
            StoredSample(time: 3000, value: .null, quality: "error: timed out"),
            StoredSample(time: 4000, value: .integer(65535), quality: "invalid: sentinel 65535"),
            StoredSample(time: 5000, value: .text("running"), quality: nil),
            StoredSample(time: 6000, value: .real(0.43), quality: nil),
        ]
        #expect(try ChunkCodec.decode(ChunkCodec.encode(samples)) == samples)
    }

    @Test func timesThatGoBackAfterAClockStepComeBackInOrder() throws {
        let times: [Int64] = [10_000, 11_000, 12_000, 5_000, 6_000, 6_000, Int64.min, Int64.max, 0]
        let samples = times.map { StoredSample(time: $0, value: .integer(1), quality: nil) }
        #expect(try ChunkCodec.decode(ChunkCodec.encode(samples)).map(\.time) == times)
    }

    @Test func damagedChunksAreRefusedNotTrappedOn() {
        let good = ChunkCodec.encode((0..<50).map { StoredSample(time: Int64($0), value: .real(Double($0) / 7), quality: nil) })
        for length in 0..<good.count {
            #expect(throws: ChunkFormatError.self) { try ChunkCodec.decode(Array(good.prefix(length))) }
        }
        // A sample count beyond the limit is refused before anything is allocated.
        var huge = BitWriter()
        huge.write(unsigned: 1)
        huge.write(unsigned: UInt64(ChunkCodec.maxSamples) + 1)
        #expect(throws: ChunkFormatError.self) { try ChunkCodec.decode(huge.bytes) }
        // Found by the fuzzer: a text sample in a chunk with no strings (it trapped on index limit -1).
        var textless = BitWriter()
        for number: UInt64 in [1, 1, 0, 1, 0, 1, 3, 0, 0] { textless.write(unsigned: number) }  // ... class run (1, text), time 0, index 0
        #expect(throws: ChunkFormatError.self) { try ChunkCodec.decode(textless.bytes) }
    }
}

@Suite struct ChunkCodecPropertyTests {
    @Test func randomSeriesRoundTripBitForBit() throws {
        var random = SplitMix64(seed: 17)
        for round in 0..<400 {
            let samples = RandomSeries.make(count: Int(random.next() % 400) + 1, using: &random)
            for mode in [ChunkCodec.RealMode?.none, .xor, .float32] {
                let decoded = try ChunkCodec.decode(ChunkCodec.encode(samples, realMode: mode))
                #expect(decoded.count == samples.count, "round \(round)")
                for (got, want) in zip(decoded, samples) where !RandomSeries.identical(got, want) {
                    Issue.record("round \(round): \(got) is not \(want)")
                    return
                }
            }
        }
    }

    @Test func randomFloat32DigitsRoundTripBitForBit() throws {
        // Random float32 bit patterns (NaN and infinity left out), as the
        // decoder makes them: their shortest decimals, -0.0 kept.
        var random = SplitMix64(seed: 19)
        for round in 0..<200 {
            let floats = (0..<Int(random.next() % 300) + 1).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: random.next())) }
            let values = floats.filter(\.isFinite).map(FloatDigits.nearestDouble)
            let samples = values.map { StoredSample(time: 0, value: .real($0), quality: nil) }
            let decoded = try ChunkCodec.decode(ChunkCodec.encode(samples))
            #expect(decoded.map { $0.value.real?.bitPattern } == values.map(\.bitPattern), "round \(round)")
        }
    }

    @Test func randomBytesNeverTrap() {
        var random = SplitMix64(seed: 18)
        for _ in 0..<20_000 {
            let bytes = (0..<Int(random.next() % 64)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            _ = try? ChunkCodec.decode([0x86] + bytes)  // a valid version, then noise
        }
    }
}

/// Random pump-room-like series with everything a chunk must survive.
enum RandomSeries {
    static func make(count: Int, using random: inout SplitMix64) -> [StoredSample] {
        var time = Int64(random.next() % 2_000_000_000_000)
        var analog = Int64(random.next() % 10_000)
        var samples: [StoredSample] = []
        let style = random.next() % 4  // decimal, mixed bits, integers, anything
        for _ in 0..<count {
            switch random.next() % 20 {
            case 0: time -= Int64(random.next() % 3_600_000)  // a clock step back
            case 1: time += Int64(random.next() % 100_000)
            default: time += 1000 + Int64(random.next() % 11) - 5  // poll jitter
            }
            analog += Int64(random.next() % 21) - 10
            let value: SQLiteValue
            switch (style, random.next() % 16) {
            case (_, 0): value = .null
            case (_, 1): value = .real([.nan, .infinity, -.infinity, -0.0][Int(random.next() % 4)])
            case (_, 2): value = .text(["", "running", "störung", "a,\"b\"\n"][Int(random.next() % 4)])
            case (0, _): value = .real(Double(analog) / 1000)
            case (1, _): value = .real(Double(bitPattern: random.next()))
            case (2, _): value = .integer(random.next() % 8 == 0 ? Int64(bitPattern: random.next()) : analog)
            default: value = random.next() % 2 == 0 ? .integer(analog) : .real(Double(analog) / 100)
            }
            let quality: String? = random.next() % 10 == 0 ? ["error: timed out", "invalid: sentinel"][Int(random.next() % 2)] : nil
            samples.append(StoredSample(time: time, value: value, quality: quality))
        }
        return samples
    }

    /// Equal, reals compared by their bits (so -0.0 is not 0.0).
    static func identical(_ a: StoredSample, _ b: StoredSample) -> Bool {
        guard a.time == b.time, a.quality == b.quality else { return false }
        if case .real(let x) = a.value, case .real(let y) = b.value { return x.bitPattern == y.bitPattern }
        return a.value == b.value
    }
}
