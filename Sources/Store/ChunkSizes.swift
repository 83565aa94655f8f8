// What the chunk codec makes of a series, for `pumpgw bench codec`: the
// bytes of one chunk, with the real numbers coded each way.

public enum ChunkSizes {
    public enum Coding: Sendable { case automatic, xor }

    /// Bytes of the chunk holding these samples (times in ms, good values).
    public static func bytes(times: [Int64], values: [Double], coding: Coding) -> Int {
        let samples = zip(times, values).map { StoredSample(time: $0, value: .real($1), quality: nil) }
        return ChunkCodec.encode(samples, realMode: coding == .xor ? .xor : nil).count
    }
}
