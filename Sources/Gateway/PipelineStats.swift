// What the pipeline counts, for the "gateway stopped" log line, the gateway
// health line and the benchmarks.

import Foundation

/// Counters the pipeline keeps for logs, health lines and benchmarks.
public struct PipelineStats: Sendable {
    public var reports = 0
    public var samples = 0
    public var transactions = 0
    public var storeSeconds = 0.0
    public var alarmEvents = 0
    public var skippedCycles: UInt64 = 0
    public var droppedWhileStoreFailing = 0
    /// The pipeline loop's last turn (it turns at least every half second), and
    /// whether the store refused its last write: what `/healthz` reports.
    public var lastTurn: Date?
    public var storeFailing = false
    /// Lateness of the most recent cycle starts, milliseconds: a ring of
    /// `latenessCapacity`, so quantiles describe the last few minutes even
    /// after days of running.
    public private(set) var lateness: [Double] = []
    private var latenessNext = 0
    static let latenessCapacity = 200_000

    mutating func recordLateness(_ milliseconds: Double) {
        if lateness.count < Self.latenessCapacity {
            lateness.append(milliseconds)
        } else {
            lateness[latenessNext] = milliseconds
            latenessNext = (latenessNext + 1) % Self.latenessCapacity
        }
    }

    /// The q-quantile (0...1) of cycle lateness, milliseconds.
    public func latenessQuantile(_ q: Double) -> Double {
        guard !lateness.isEmpty else { return 0 }
        let sorted = lateness.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * q))]
    }
}
