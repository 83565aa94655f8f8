// Bits in, bits out: the chunk codec's stream (see ChunkCodec.swift).
// Most significant bit first. Integers go through one prefix code sized for
// what pump-room series produce: mostly 0 (a value that sits still, a poll
// exactly on time), then small deltas.
//
//   0                      the number 0          (1 bit)
//   10   + 4 bits          below 2^4             (6 bits)
//   110  + 8 bits          below 2^8             (11 bits)
//   1110 + 16 bits         below 2^16            (20 bits)
//   11110 + 32 bits        below 2^32            (37 bits)
//   11111 + 64 bits        anything              (69 bits)
//
// Signed numbers are zigzagged first (0, -1, 1, -2, ... as 0, 1, 2, 3, ...).

/// The widths after each prefix of the code above, shortest first.
private let codeWidths: [Int] = [4, 8, 16, 32, 64]

struct BitWriter {
    private(set) var bytes: [UInt8] = []
    /// Bits used in the last byte (0: it is full, or there is none).
    private var used = 0

    init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    /// The low `count` bits of `value`, most significant first (count 0...64).
    mutating func write(_ value: UInt64, bits count: Int) {
        var remaining = count
        while remaining > 0 {
            if used == 0 { bytes.append(0) }
            let room = 8 - used
            let take = min(room, remaining)
            let shifted = value >> UInt64(remaining - take)  // take is at most 8
            let chunk = UInt8(truncatingIfNeeded: shifted) & UInt8(truncatingIfNeeded: (1 << take) - 1)
            bytes[bytes.count - 1] |= chunk << UInt8(room - take)
            used = (used + take) % 8
            remaining -= take
        }
    }

    mutating func write(bit: Bool) { write(bit ? 1 : 0, bits: 1) }

    /// `value` in the prefix code.
    mutating func write(unsigned value: UInt64) {
        if value == 0 { write(0, bits: 1); return }
        for (tier, width) in codeWidths.enumerated() where width == 64 || value < (1 << UInt64(width)) {
            // tier 0: "10", tier 1: "110", ..., tier 4: "11111" (no closing 0)
            let ones = tier + 1
            let prefixBits = width == 64 ? ones : ones + 1
            let prefix: UInt64 = width == 64 ? (1 << UInt64(ones)) - 1 : ((1 << UInt64(ones)) - 1) << 1
            write(prefix, bits: prefixBits)
            write(value, bits: width)
            return
        }
    }

    mutating func write(signed value: Int64) { write(unsigned: Zigzag.encode(value)) }

    /// Bits written so far.
    var bitCount: Int { bytes.count * 8 - (used == 0 ? 0 : 8 - used) }

    /// Every bit `other` holds, after these.
    mutating func append(_ other: BitWriter) {
        for (index, byte) in other.bytes.enumerated() {
            let bits = index < other.bytes.count - 1 || other.used == 0 ? 8 : other.used
            write(UInt64(byte >> UInt8(8 - bits)), bits: bits)
        }
    }
}

/// Why a chunk could not be read: it is damaged (or not a chunk).
struct ChunkFormatError: Error, Equatable, CustomStringConvertible {
    var reason: String
    var description: String { "damaged history chunk: \(reason)" }
}

struct BitReader {
    private let bytes: [UInt8]
    private var position = 0  // in bits

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var bitsLeft: Int { bytes.count * 8 - position }

    mutating func read(bits count: Int) throws(ChunkFormatError) -> UInt64 {
        guard count <= bitsLeft else { throw ChunkFormatError(reason: "it ends early") }
        var value: UInt64 = 0
        var remaining = count
        while remaining > 0 {
            let byte = bytes[position >> 3]
            let offset = position & 7
            let take = min(8 - offset, remaining)
            let chunk = (UInt64(byte) >> UInt64(8 - offset - take)) & ((1 << UInt64(take)) - 1)
            value = (value << UInt64(take)) | chunk  // take is at most 8
            position += take
            remaining -= take
        }
        return value
    }

    mutating func readBit() throws(ChunkFormatError) -> Bool { try read(bits: 1) == 1 }

    mutating func readUnsigned() throws(ChunkFormatError) -> UInt64 {
        var ones = 0
        while ones < codeWidths.count, try readBit() { ones += 1 }
        guard ones > 0 else { return 0 }
        return try read(bits: codeWidths[ones - 1])
    }

    mutating func readSigned() throws(ChunkFormatError) -> Int64 { Zigzag.decode(try readUnsigned()) }

    /// A count or index that must be at most `limit` (what the reader is about to allocate or look up).
    mutating func readCount(atMost limit: Int, _ what: String) throws(ChunkFormatError) -> Int {
        let value = try readUnsigned()
        // A limit below 0 (an index into an empty table) refuses everything.
        guard limit >= 0, value <= UInt64(limit) else { throw ChunkFormatError(reason: "\(what) \(value) is above \(limit)") }
        return Int(value)
    }
}

enum Zigzag {
    static func encode(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }
    static func decode(_ value: UInt64) -> Int64 { Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1) }
}
