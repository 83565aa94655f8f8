// kill -9 while the compactor works: `pumpgw bench store` writes simulated
// hours fast with the compactor every 0.2 s, and is shot at random moments.
// After each kill: integrity_check is ok, history holds at least every
// sample the child reported committed, and compacting what is left gives
// the same history as its frames did.

import Decoding
import Foundation
import Telemetry
import Testing
@testable import Store

@Suite("kill -9 during compaction")
struct CompactionKillTests {
    @Test("6 SIGKILLs while compacting: integrity ok, history never shorter than committed, chunks equal their frames")
    func killDuringCompaction() throws {
        let folder = try TempFolder()
        var compactedRounds = 0
        for round in 0..<6 {
            let path = folder.path("killed-\(round).db")
            let child = try RunningChild(["bench", "store", "--db", path, "--devices", "4", "--points", "20",
                                          "--duration", "30", "--compact-every", "0.2", "--progress"])
            // Past the first closed window (1,860 simulated seconds), then a random moment:
            // waiting on progress, not on the clock, so a loaded machine still compacts first.
            let deadline = Date().addingTimeInterval(90)
            while lastCycle(in: child.stdout) < 2000 && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            Thread.sleep(forTimeInterval: Double.random(in: 0...1.5))
            let output = child.killHard()
            #expect(child.process.terminationReason == .uncaughtSignal, "round \(round): it ended by itself")
            let committed = lastCommitted("samples", in: output)
            #expect(try queryRecovering(path, "PRAGMA integrity_check") == [[.text("ok")]], "round \(round)")

            let store = try StationStore(path: path, options: StoreOptions(compactionInterval: nil))
            defer { store.close() }
            #expect(try store.read { try $0.historyRowCount() } >= committed, "round \(round): fewer samples than the \(committed) committed")
            if try scalar(path, "SELECT count(*) FROM history_chunks") != .integer(0) { compactedRounds += 1 }
            // Everything still in frames (the newest windows, or one the kill
            // interrupted) compacts into the same history. Far past the end:
            // every window is due once a frame 2 h later exists.
            let points = ["p0", "p6", "p9"]  // analog, on/off, counter
            let before = try points.map { try history(store, $0) }
            try store.write { try $0.write(StoreBatch(samples: [DeviceSampleMaker.far(after: before)])) }
            try store.compactNow()
            #expect(try points.map { try history(store, $0) } == before, "round \(round)")
            #expect(try scalar(path, "SELECT count(*) FROM history_frames WHERE device_id = 1") == .integer(0), "round \(round)")
        }
        #expect(compactedRounds >= 3)  // most kills came after the compactor had written chunks
    }

    /// The last committed cycle in `--progress` output (0: none yet).
    func lastCycle(in output: String) -> Int {
        output.split(separator: "\n").compactMap { line -> Int? in
            let words = line.split(separator: " ")
            return words.count == 6 && words[0] == "committed" ? Int(words[1]) : nil
        }.last ?? 0
    }

    func history(_ store: StationStore, _ point: String) throws -> [String] {
        try store.read { try $0.history(station: "ST-0", device: "dev0", point: point, since: .distantPast) }.map {
            "\(ValueColumns.milliseconds($0.time)) \(String(describing: $0.value)) \($0.quality)"
        }
    }
}

/// A poll of another device long after the bench's last one, so that every
/// window of the bench's devices is due.
enum DeviceSampleMaker {
    static func far(after histories: [[String]]) -> DeviceSample {
        let last = histories.flatMap { $0 }.compactMap { Int64($0.split(separator: " ")[0]) }.max() ?? 0
        return sample(at: ValueColumns.date(last + 7_200_000), [("far", .good(.integer(1)))],
                      identity: DeviceIdentity(station: "other", device: "far", profile: "bench"))
    }
}
