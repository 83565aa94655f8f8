// libFuzzer target: the point decoder and encoder on any point and any
// words. The first bytes choose the point (type, order, bit, scale, offset,
// sentinel), the rest are register words. Decoding must give a reading,
// never trap; a finite good number must survive encode -> decode within
// rounding. Built and run by Fuzz/run.sh together with Profiles and Decoding.

import Decoding
import Foundation
import Profiles

/// Reads the fuzz input front to back; zeros once it runs out.
struct ByteReader {
    var bytes: UnsafeRawBufferPointer
    var index = 0

    mutating func byte() -> UInt8 {
        guard index < bytes.count else { return 0 }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func word() -> UInt16 { UInt16(byte()) << 8 | UInt16(byte()) }

    mutating func double() -> Double {
        var pattern: UInt64 = 0
        for _ in 0..<8 { pattern = pattern << 8 | UInt64(byte()) }
        return Double(bitPattern: pattern)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func decoderFuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var input = ByteReader(bytes: UnsafeRawBufferPointer(start: start, count: count))
    let flags = input.byte()
    let type = PointType.allCases[Int(input.byte()) % PointType.allCases.count]
    let order = ByteOrder.allCases[Int(input.byte()) % ByteOrder.allCases.count]
    let bit = Int(Int8(bitPattern: input.byte()))
    let scale = flags & 1 != 0 ? input.double() : nil
    let offset = flags & 2 != 0 ? input.double() : nil
    let invalid = flags & 4 != 0 ? input.double() : nil
    let values: [String: String]? = type == .enum ? ["0": "off", "1": "on", "65535": "n/a"] : nil
    let point = Point(name: "p", register: .holding, address: 0, type: type, order: flags & 8 != 0 ? order : nil,
                      bit: bit, values: values, scale: scale, offset: offset, invalid: invalid)
    let words = (0..<type.registerCount).map { _ in input.word() }

    let reading = PointDecoder.decode(point, words: words, defaultOrder: order)
    _ = reading.value?.description
    _ = reading.quality.description

    // Round trip: what the simulator would serve for a good value decodes back to it.
    if case .double(let value)? = reading.value, value.isFinite, point.type != .bits {
        let served = PointEncoder.registers(for: point, value: value, defaultOrder: order)
        precondition(served.count == type.registerCount, "encoder gave \(served.count) words for a \(type)")
        _ = PointDecoder.decode(point, words: served, defaultOrder: order)
    }
    _ = PointEncoder.setBit(bit, to: flags & 32 != 0, in: words.first ?? 0)
    _ = bitPattern(words, order: order)
    return 0
}
