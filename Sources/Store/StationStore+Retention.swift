// Retention as the gateway runs it (e.g. hourly): many small transactions,
// each a separate work item on the store's queue, so writes queued
// meanwhile run between them and never wait for more than one batch.

import Foundation

extension StationStore {
    /// Deletes history, alarm events and dead letters older than
    /// `options.retention`, outbox lines older than `outboxMaxAge` (counted as
    /// dropped), then the oldest history while the database is larger than
    /// `maxDatabaseBytes`; then returns free pages with incremental vacuum,
    /// all but those the last compacted window freed: the head fills them
    /// again within a window (StoreEngine.incrementalVacuum says why), so
    /// they count as used against `maxDatabaseBytes` too.
    @available(*, noasync)
    public func runRetention() throws -> RetentionReport {
        var report = RetentionReport()
        let cutoff = try onQueue { $0.retentionCutoff }
        let reserve = compactionStatus?.freedByLastWindow ?? 0
        report.historyFramesByAge = try repeatBatches { try $0.deleteBatch(from: .history, olderThan: cutoff) }
        report.historyChunksByAge = try repeatBatches { try $0.deleteChunkBatch(endingBefore: cutoff) }
        report.alarmEvents = try repeatBatches { try $0.deleteBatch(from: .alarmEvents, olderThan: cutoff) }
        report.deadLetters = try repeatBatches { try $0.deleteBatch(from: .deadLetters, olderThan: cutoff) }
        report.outboxLinesByAge = try repeatBatches { try $0.dropAgedOutboxBatch() }
        if let limit = options.maxDatabaseBytes {
            while try onQueue({ try $0.usedBytes(reserving: reserve) }) > limit {
                let deleted = try onQueue { try $0.deleteOldestHistoryBatch() }
                guard deleted.frames + deleted.chunks > 0 else { break }
                report.historyFramesBySize += deleted.frames
                report.historyChunksBySize += deleted.chunks
            }
        }
        while true {
            let pages = try onQueue { try $0.incrementalVacuum(pages: 1000, keeping: reserve) }
            guard pages > 0 else { break }
            report.pagesVacuumed += pages
        }
        return report
    }

    /// Repeats `batch` on the queue until it deletes fewer than a full batch.
    @available(*, noasync)
    private func repeatBatches(_ batch: (StoreEngine) throws -> Int) throws -> Int {
        var total = 0
        while true {
            let deleted = try onQueue(batch)
            total += deleted
            if deleted < options.retentionBatchRows { return total }
        }
    }
}
