// Decimal-exact decoded values (Decoding/DecimalScaling.swift, FloatDigits.swift)
// through a real store: the frame text carries their shortest digits, the
// compactor codes them as plain decimal mantissas (M / 10^S, mode 0), and a
// point's history reads the same values before and after compaction.
//
// Expected values are worked out by hand: raw 500 + m registers times 0.1 are
// (500 + m) / 10, written as Double(500 + m) / 10, which IEEE division of two
// exact Doubles rounds to the Double nearest that decimal; the float32
// 0x3EB7E02F (Python struct) is 0.35913226 at its shortest, 0x42286666 is 42.1.

import Decoding
import Foundation
import Profiles
import Testing
@testable import Store
import Telemetry

@Suite("decimal-exact values in frames and chunks")
struct DecimalValuesTests {
    let folder: TempFolder
    init() throws { folder = try TempFolder() }

    static let start = Date(timeIntervalSince1970: 1_779_998_400)  // 20:00:00Z, a window start (see CompactionTests)
    static let device = DeviceIdentity(station: "FT-0412", device: "plc", profile: "bench", tags: [:])
    static let level = PointDecoding(Point(name: "level", register: .holding, address: 0, type: .uint16, scale: 0.1),
                                     defaultOrder: .ABCD)
    static let frequency = PointDecoding(Point(name: "frequency", register: .input, address: 0, type: .float32),
                                         defaultOrder: .ABCD)

    /// Polls every 60 s: level raw 500 + minute; frequency 0x3EB7E02F on even
    /// minutes, 0x42286666 (42.1 at its shortest) on odd ones, so that
    /// history by exception keeps every sample.
    func writePolls(_ store: StationStore, minutes: Range<Int>) throws {
        for minute in minutes {
            let level = Self.level.decode([UInt16(500 + minute)], at: 0)
            let frequency = Self.frequency.decode(minute.isMultiple(of: 2) ? [0x3EB7, 0xE02F] : [0x4228, 0x6666], at: 0)
            try store.write { try $0.write(StoreBatch(samples: [
                sample(at: Self.start.addingTimeInterval(Double(minute) * 60),
                       [("level", level), ("frequency", frequency)], identity: Self.device)])) }
        }
    }

    func history(_ store: StationStore, _ point: String) throws -> [Double] {
        try store.read {
            try $0.history(station: "FT-0412", device: "plc", point: point, since: Self.start - 86_400)
        }.compactMap { $0.value?.number }
    }

    @Test("a frame holds 51.3 and 0.35913226, not 51.300000000000004 and 0.3591322600841522")
    func frameTextHasTheShortestDigits() throws {
        let path = folder.path("frames.db")
        let store = try StationStore(path: path, options: StoreOptions(compactionInterval: nil))
        defer { store.close() }
        try writePolls(store, minutes: 12..<14)  // raws 512 and 513; the float 0x3EB7E02F at minute 12
        let text = try query(path, "SELECT points FROM history_frames ORDER BY id").compactMap { $0.first?.text }.joined()
        // dense frames (schema 10): [1,51.2,0.35913226] at minute 12, [1,51.3,42.1] at minute 13
        #expect(text.contains("[1,51.2,0.35913226]") && text.contains("[1,51.3,42.1]"), "\(text)")
        #expect(!text.contains("51.300000000000004") && !text.contains("0.3591322600841522"), "\(text)")
    }

    @Test("compacted as plain decimals (mode 0), read back bit for bit the same as from the head")
    func compactedHistoryIsTheSame() throws {
        let path = folder.path("chunks.db")
        let store = try StationStore(path: path, options: StoreOptions(compactionInterval: nil))
        defer { store.close() }
        try writePolls(store, minutes: 0..<32)
        let levels = (0..<32).map { Double(500 + $0) / 10 }
        let frequencies = (0..<32).map { $0.isMultiple(of: 2) ? 0.35913226 : 42.1 }
        // Plain decimal: 500 ... 531 over 10^1; 35913226 and 4210000000 over 10^8.
        #expect(RealCoding.decimalForm(levels, multiplying: false)?.scale == 1)
        #expect(RealCoding.decimalForm(frequencies, multiplying: false)?.scale == 8)

        let headLevels = try history(store, "level"), headFrequencies = try history(store, "frequency")
        #expect(headLevels.map(\.bitPattern) == levels.map(\.bitPattern))
        #expect(headFrequencies.map(\.bitPattern) == frequencies.map(\.bitPattern))
        #expect(try store.compactNow().windows == 1)
        #expect(try scalar(path, "SELECT count(*) FROM history_chunks") == .integer(2))
        #expect(try history(store, "level").map(\.bitPattern) == headLevels.map(\.bitPattern))
        #expect(try history(store, "frequency").map(\.bitPattern) == headFrequencies.map(\.bitPattern))

        // The level chunk (30 samples, minutes 0-29) is the decimal coding, smaller than XOR's.
        let levelChunk = try #require(try query(path, """
            SELECT length(data) FROM history_chunks JOIN points ON points.id = point_id WHERE points.name = 'level'
            """).first?.first?.integer)
        let window = (0..<30).map { StoredSample(time: Int64($0) * 60_000, value: .real(levels[$0]), quality: nil) }
        #expect(Int(levelChunk) < ChunkCodec.encode(window, realMode: .xor).count)
    }
}
