// libFuzzer target: the history chunk decoder (Sources/Store/ChunkCodec.swift)
// on any bytes, compiled together with the codec's files (they use no
// SQLite). Decoding must return samples or throw ChunkFormatError, never
// trap or allocate beyond its limits; whatever it accepts must survive
// encode -> decode bit for bit. An input whose first byte is 0xFF is read
// as a series instead (8 bytes of time, 1 of kind, 8 of value, 1 of quality
// per sample), encoded, and must decode back to itself.
// Built and run by Fuzz/run.sh (target `chunk`).

@_cdecl("LLVMFuzzerTestOneInput")
public func chunkFuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    if bytes.first == 0xFF {
        let samples = series(bytes.dropFirst())
        check(samples, ChunkCodec.encode(samples))
        check(samples, ChunkCodec.encode(samples, realMode: .xor))
    } else if let samples = try? ChunkCodec.decode(bytes) {
        check(samples, ChunkCodec.encode(samples))
    }
    return 0
}

/// Decoding `chunk` must give `samples` back, reals bit for bit.
private func check(_ samples: [StoredSample], _ chunk: [UInt8]) {
    guard let decoded = try? ChunkCodec.decode(chunk) else { preconditionFailure("an encoded chunk did not decode") }
    precondition(decoded.count == samples.count, "decoded \(decoded.count) samples of \(samples.count)")
    for (got, want) in zip(decoded, samples) {
        precondition(got.time == want.time && got.quality == want.quality, "time or quality changed")
        switch (got.value, want.value) {
        case (.real(let x), .real(let y)): precondition(x.bitPattern == y.bitPattern, "real \(y) came back as \(x)")
        default: precondition(got.value == want.value, "\(want.value) came back as \(got.value)")
        }
    }
}

private func series(_ bytes: ArraySlice<UInt8>) -> [StoredSample] {
    var samples: [StoredSample] = []
    var index = bytes.startIndex
    func word() -> UInt64 {
        var value: UInt64 = 0
        for _ in 0..<8 where index < bytes.endIndex { value = value << 8 | UInt64(bytes[index]); index += 1 }
        return value
    }
    while index + 18 <= bytes.endIndex {
        let time = Int64(bitPattern: word())
        let kind = bytes[index]; index += 1
        let raw = word()
        let flag = bytes[index]; index += 1
        let value: SQLiteValue
        switch kind % 5 {
        case 0: value = .null
        case 1: value = .integer(Int64(bitPattern: raw))
        case 2: value = .real(Double(bitPattern: raw))
        case 3: value = .real(Double(Int64(bitPattern: raw) % 1_000_000) / 1000)  // a decimal
        default: value = .text(String(raw % 7))
        }
        samples.append(StoredSample(time: time, value: value, quality: flag % 4 == 0 ? "error: \(flag)" : nil))
    }
    return samples
}
