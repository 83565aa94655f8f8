// A history chunk: one point's samples over a time window as one BLOB.
// Pure Swift, no SQLite: the fuzz target compiles this file on its own (with
// the Telemetry module, for FloatDigits).
//
// Layout (all in one bit stream, integers in BitStream's prefix code):
//   version (1), sample count
//   string table: count, then each string's UTF-8 length and bytes
//     (text values and qualities share it)
//   quality runs: (length, 0 for good or 1 + string index) until count
//   value-class runs: (length, 0 null / 1 integer / 2 real / 3 text)
//   times: the first, then delta-of-delta (0 bits of news for a poll on time)
//   integers: the first, then deltas
//   reals: mode 0 (decimal), 2 (decimal, multiplied), 3 (float32) or 1 (xor), then
//     decimal: a scale S; every value is M / 10^S (mode 2: M x 10^-S, as a
//              register times 0.001 was before decoding was decimal-exact)
//              for an integer M below 2^53, M
//              delta-encoded as integers are
//     xor:     Gorilla: each value's bits XORed with the previous one's
//     float32: every value is a float32's shortest decimal (FloatDigits);
//              the floats' bits (in the high half of 64) XORed as xor is
//   texts: string indexes
//
// Every sample comes back bit-identical: the encoder uses decimal only when
// M / 10^S gives back every value's exact bits (-0.0 does not), float32 only
// when the floats' digits do, and keeps the smallest of those and xor.
// NaN and ±Inf are never numbers here: they are stored as text ("nan",
// "inf", "-inf"), as the frames store them.

/// One history sample in the columns the store keeps: a value as SQLite
/// holds it (NULL, INTEGER, a finite REAL or TEXT), quality nil for good.
struct StoredSample: Equatable {
    var time: Int64
    var value: SQLiteValue
    var quality: String?

    init(time: Int64, value: SQLiteValue, quality: String?) {
        self.time = time
        self.quality = quality
        // A non-finite number is text, as ValueColumns.column makes it.
        if case .real(let number) = value, !number.isFinite { self.value = .text(String(number)) } else { self.value = value }
    }
}

enum ChunkCodec {
    static let formatVersion: UInt64 = 1
    /// The most samples a chunk holds (the decoder refuses more before allocating).
    static let maxSamples = 1 << 20
    /// 10^0 ... 10^18, all exact as Doubles (10^22 is the last exact one).
    static let powersOfTen: [Double] = (0...18).map { exponent in (0..<exponent).reduce(1.0) { value, _ in value * 10 } }

    /// The Doubles nearest 10^0 ... 10^-18, as a profile's `scale` writes them (0.001).
    static let negativePowersOfTen: [Double] = (0...18).map { Double("1e-\($0)")! }

    enum RealMode: UInt64 { case decimal = 0, xor = 1, decimalMultiplied = 2, float32 = 3 }

    enum ValueClass: UInt64 {
        case null = 0, integer, real, text

        init(_ value: SQLiteValue) {
            switch value {
            case .null: self = .null
            case .integer: self = .integer
            case .real: self = .real
            case .text, .blob: self = .text
            }
        }
    }

    /// `samples` as a chunk. `realMode` forces a mode (for measuring; xor
    /// where it cannot give the values back); by default the smallest of
    /// decimal, float32 and xor that gives every real back.
    static func encode(_ samples: [StoredSample], realMode: RealMode? = nil) -> [UInt8] {
        precondition(samples.count <= maxSamples, "a chunk holds at most \(maxSamples) samples")
        var writer = BitWriter(capacity: samples.count + 64)
        var strings = StringTable()
        let qualities = samples.map { $0.quality.map { strings.index($0) + 1 } ?? 0 }
        let texts = samples.compactMap { sample -> Int? in
            switch sample.value {
            case .text(let text): return strings.index(text)
            case .blob(let bytes): return strings.index(String(decoding: bytes, as: UTF8.self))
            default: return nil
            }
        }
        writer.write(unsigned: formatVersion)
        writer.write(unsigned: UInt64(samples.count))
        writer.write(unsigned: UInt64(strings.strings.count))
        for string in strings.strings {
            let bytes = Array(string.utf8)
            writer.write(unsigned: UInt64(bytes.count))
            for byte in bytes { writer.write(UInt64(byte), bits: 8) }
        }
        writeRuns(qualities, into: &writer)
        writeRuns(samples.map { Int(ValueClass($0.value).rawValue) }, into: &writer)
        writeTimes(samples.map(\.time), into: &writer)
        writeDeltas(samples.compactMap { if case .integer(let number) = $0.value { number } else { nil } }, into: &writer)
        let reals = samples.compactMap { if case .real(let number) = $0.value { number } else { nil } }
        if !reals.isEmpty { RealCoding.write(reals, mode: realMode, into: &writer) }
        for index in texts { writer.write(unsigned: UInt64(index)) }
        return writer.bytes
    }

    static func decode(_ bytes: [UInt8]) throws(ChunkFormatError) -> [StoredSample] {
        var reader = BitReader(bytes)
        guard try reader.readUnsigned() == formatVersion else { throw ChunkFormatError(reason: "unknown format version") }
        let count = try reader.readCount(atMost: maxSamples, "sample count")
        let stringCount = try reader.readCount(atMost: count * 2, "string count")
        var strings: [String] = []
        strings.reserveCapacity(stringCount)
        for _ in 0..<stringCount {
            let length = try reader.readCount(atMost: reader.bitsLeft / 8, "string length")
            var utf8: [UInt8] = []
            utf8.reserveCapacity(length)
            for _ in 0..<length { utf8.append(UInt8(try reader.read(bits: 8))) }
            strings.append(String(decoding: utf8, as: UTF8.self))
        }
        let qualities = try readRuns(count: count, largest: stringCount, &reader)
        let classes = try readRuns(count: count, largest: 3, &reader)
        let times = try readTimes(count: count, &reader)
        let integers = try readDeltas(count: classes.lazy.filter { $0 == 1 }.count, &reader)
        let realCount = classes.lazy.filter { $0 == 2 }.count
        let reals = realCount == 0 ? [] : try RealCoding.read(count: realCount, &reader)
        var samples: [StoredSample] = []
        samples.reserveCapacity(count)
        var nextInteger = 0, nextReal = 0
        for index in 0..<count {
            let value: SQLiteValue
            switch classes[index] {
            case 0: value = .null
            case 1: value = .integer(integers[nextInteger]); nextInteger += 1
            case 2: value = .real(reals[nextReal]); nextReal += 1
            default: value = .text(strings[try reader.readCount(atMost: stringCount - 1, "text index")])
            }
            samples.append(StoredSample(time: times[index], value: value,
                                        quality: qualities[index] == 0 ? nil : strings[qualities[index] - 1]))
        }
        return samples
    }

    // MARK: parts

    /// Runs of equal numbers: (length, number) pairs.
    private static func writeRuns(_ numbers: [Int], into writer: inout BitWriter) {
        var start = 0
        while start < numbers.count {
            var end = start + 1
            while end < numbers.count && numbers[end] == numbers[start] { end += 1 }
            writer.write(unsigned: UInt64(end - start))
            writer.write(unsigned: UInt64(numbers[start]))
            start = end
        }
    }

    private static func readRuns(count: Int, largest: Int, _ reader: inout BitReader) throws(ChunkFormatError) -> [Int] {
        var numbers: [Int] = []
        numbers.reserveCapacity(count)
        while numbers.count < count {
            let length = try reader.readCount(atMost: count - numbers.count, "run length")
            guard length > 0 else { throw ChunkFormatError(reason: "a run of length 0") }
            let number = try reader.readCount(atMost: largest, "run value")
            numbers.append(contentsOf: repeatElement(number, count: length))
        }
        return numbers
    }

    /// The first time, then the change of the step (wrapping: any Int64 round-trips).
    private static func writeTimes(_ times: [Int64], into writer: inout BitWriter) {
        var previous: Int64 = 0, step: Int64 = 0
        for (index, time) in times.enumerated() {
            if index == 0 {
                writer.write(signed: time)
            } else {
                let newStep = time &- previous
                writer.write(signed: newStep &- step)
                step = newStep
            }
            previous = time
        }
    }

    private static func readTimes(count: Int, _ reader: inout BitReader) throws(ChunkFormatError) -> [Int64] {
        var times: [Int64] = []
        times.reserveCapacity(count)
        var previous: Int64 = 0, step: Int64 = 0
        for index in 0..<count {
            if index == 0 {
                previous = try reader.readSigned()
            } else {
                step = step &+ (try reader.readSigned())
                previous = previous &+ step
            }
            times.append(previous)
        }
        return times
    }

    /// Each number minus the one before (the first minus 0).
    static func writeDeltas(_ numbers: [Int64], into writer: inout BitWriter) {
        var previous: Int64 = 0
        for number in numbers {
            writer.write(signed: number &- previous)
            previous = number
        }
    }

    static func readDeltas(count: Int, _ reader: inout BitReader) throws(ChunkFormatError) -> [Int64] {
        var numbers: [Int64] = []
        numbers.reserveCapacity(count)
        var previous: Int64 = 0
        for _ in 0..<count {
            previous = previous &+ (try reader.readSigned())
            numbers.append(previous)
        }
        return numbers
    }
}

/// Strings by first appearance, each stored once.
private struct StringTable {
    private(set) var strings: [String] = []
    private var indexes: [String: Int] = [:]

    mutating func index(_ string: String) -> Int {
        if let index = indexes[string] { return index }
        indexes[string] = strings.count
        strings.append(string)
        return strings.count - 1
    }
}
