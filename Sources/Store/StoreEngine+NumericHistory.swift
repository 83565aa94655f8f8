// One point's history as numbers, streamed: for reports over long spans (a
// week of 100 ms polls is 6 M samples), which must neither build the whole
// history as `HistorySample`s nor hold it in memory. Chunks are decoded one
// window at a time, straight from their rows, then the head frames follow.
//
// The per-chunk aggregates (count/min/max/sum/last) cannot serve here: a
// standard deviation needs the sum of squares, and excursions below a limit
// need each sample's time. So every chunk is decoded, but nothing else is
// done per sample.

import Foundation

extension StoreEngine {
    /// Calls `body` with (milliseconds since 1970, value) for each sample of
    /// `point` from `since` on that has a numeric value (as `history` gives
    /// it: `Value.number`), in time order within each compaction window and
    /// within the head; a sample that came late (after a clock step) may
    /// come after a later one. Returns how many it passed.
    @discardableResult
    public func forEachNumber(station: String, device: String, point: String, since: Date,
                              _ body: (Int64, Double) -> Void) throws(StoreError) -> Int {
        let row = try pointRow(station: station, device: device, point: point)
        let since = ValueColumns.milliseconds(since)
        var count = 0
        func emit(_ samples: [StoredSample]) {
            let ordered = zip(samples, samples.dropFirst()).contains { $0.time > $1.time }
                ? samples.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
                : samples
            for sample in ordered where sample.time >= since {
                guard let number = ValueColumns.value(sample.value, kind: row.kind)?.number else { continue }
                body(sample.time, number)
                count += 1
            }
        }
        // One window's chunks (usually one; more after late frames) together, then the next window.
        var window: (start: Int64, samples: [StoredSample])?
        try connection.statement("""
            SELECT id, start_time, data FROM history_chunks WHERE point_id = ? AND start_time > ? ORDER BY start_time, first_frame
            """).forEachRow([.integer(row.id), .integer(since - Compactor.windowMilliseconds)]) { chunk throws(StoreError) in
            let start = chunk[1].integer ?? 0
            let samples = try Self.decode(chunk[2], chunk: chunk[0])
            if window?.start == start {
                window?.samples += samples
            } else {
                if let window { emit(window.samples) }
                window = (start, samples)
            }
            return true
        }
        if let window { emit(window.samples) }
        emit(try headSamples(of: row, since: since))
        return count
    }
}
