// Byte orders of multi-register values. Registers arrive as 16-bit words,
// each big-endian on the wire; a ByteOrder says how the value's bytes were
// laid over them. Each reordering below is its own inverse, so the same
// function turns wire bytes into big-endian bytes and back.

import Profiles

extension ByteOrder {
    /// Reorders `bytes` (an even count) between wire order and big-endian order.
    public func reorder(_ bytes: [UInt8]) -> [UInt8] {
        switch self {
        case .ABCD:
            return bytes
        case .DCBA:
            return bytes.reversed()
        case .BADC:
            return swapBytesInWords(bytes)
        case .CDAB:
            return swapBytesInWords(bytes.reversed())
        }
    }

    private func swapBytesInWords(_ bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        var index = 0
        while index + 1 < out.count {
            out.swapAt(index, index + 1)
            index += 2
        }
        return out
    }
}

/// Wire bytes of registers: each word high byte first.
public func wireBytes<Words: Collection<UInt16>>(_ words: Words) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(words.count * 2)
    for word in words {
        bytes.append(UInt8(word >> 8))
        bytes.append(UInt8(word & 0xFF))
    }
    return bytes
}

/// Registers from wire bytes.
public func words(fromWireBytes bytes: [UInt8]) -> [UInt16] {
    stride(from: 0, to: bytes.count - 1, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
}

/// The big-endian unsigned bit pattern of a value stored in `words` with `order`
/// (the same as reordering the wire bytes and reading them big-endian, but
/// without arrays: it runs for every point of every poll). Of more than four
/// words, the last eight of the reordered bytes count.
public func bitPattern<Words: Collection<UInt16>>(_ words: Words, order: ByteOrder) -> UInt64 {
    // BADC and DCBA swap the bytes inside each word; CDAB and DCBA reverse the words.
    let swapsBytes = order == .BADC || order == .DCBA
    let reversesWords = order == .CDAB || order == .DCBA
    var pattern: UInt64 = 0
    var shift: UInt64 = 0
    for word in words {
        let word = UInt64(swapsBytes ? word.byteSwapped : word)
        if reversesWords {
            pattern |= word << shift  // a shift of 64 or more gives 0
            shift += 16
        } else {
            pattern = pattern << 16 | word
        }
    }
    return pattern
}

/// The registers that carry `pattern` (the low `count` × 16 bits) in `order`.
public func registers(forBitPattern pattern: UInt64, count: Int, order: ByteOrder) -> [UInt16] {
    let byteCount = count * 2
    let bigEndian = (0..<byteCount).map { UInt8(truncatingIfNeeded: pattern >> UInt64(8 * (byteCount - 1 - $0))) }
    return words(fromWireBytes: order.reorder(bigEndian))
}
