// The store stage: each batch in one transaction. If the store fails (disk
// full, read-only) polling goes on: batches wait in memory (bounded: the
// oldest are dropped and counted), a store-failure alarm is logged and sent
// straight to the feed's sink, and writing resumes by itself once the store
// accepts writes again (the alarm is cleared the same way).

import Dispatch
import Feed
import Foundation
import Logging
import Store
import Synchronization
import Telemetry

struct StoreWriter {
    /// Writing normally, or failing with batches waiting in memory.
    private enum State {
        case writing
        case failing(backlog: [StoreBatch], reports: Int)
    }

    private var state = State.writing
    /// The store's last failure (message, since when), for `pumpgw status`.
    private(set) var lastFailure: (message: String, time: Date)?

    /// Whether the store refused the last write (batches wait in memory).
    var isFailing: Bool {
        if case .failing = state { return true }
        return false
    }
    private let store: StationStore
    private let gatewayId: String
    private let lines: FeedLines
    private let sink: any FeedSink
    /// Reports kept in memory while the store fails.
    private let backlogLimit: Int
    private let log: Logger

    init(store: StationStore, gatewayId: String, lines: FeedLines, sink: any FeedSink, backlogLimit: Int, log: Logger) {
        self.store = store
        self.gatewayId = gatewayId
        self.lines = lines
        self.sink = sink
        self.backlogLimit = backlogLimit
        self.log = log
    }

    /// Writes what waits, then `batch`; counts transactions and drops in `stats`.
    mutating func write(_ batch: StoreBatch, now: Date, stats: borrowing Mutex<PipelineStats>) {
        var pending: [StoreBatch]
        if case .failing(let backlog, _) = state { pending = backlog } else { pending = [] }
        if !batch.isEmpty { pending.append(batch) }
        var written = 0
        for next in pending {
            let started = DispatchTime.now().uptimeNanoseconds
            do {
                _ = try store.write { try $0.write(next) }
            } catch {
                failed(error, waiting: Array(pending[written...]), now: now, stats: stats)
                return
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            stats.withLock {
                $0.transactions += 1
                $0.storeSeconds += seconds
            }
            written += 1
        }
        if case .failing = state {
            log.info("store writable again", ["path": store.path])
            sendDirect(alarm(.cleared, "The local store accepts writes again", now: now))
        }
        state = .writing
    }

    private mutating func failed(_ error: any Error, waiting: [StoreBatch], now: Date, stats: borrowing Mutex<PipelineStats>) {
        if case .writing = state {
            lastFailure = ("\(error)", now)
            log.error("store write failed; polling goes on, batches wait in memory", ["path": store.path, "error": "\(error)"])
            sendDirect(alarm(.raised, "The local store cannot write (\(error)); values wait in memory", now: now))
        }
        // Bounded backlog: drop the oldest batches beyond the limit, and count them.
        var backlog = waiting[...]
        var reports = waiting.reduce(0) { $0 + $1.samples.count }
        while reports > backlogLimit, let oldest = backlog.first {
            backlog = backlog.dropFirst()
            reports -= oldest.samples.count
            stats.withLock { $0.droppedWhileStoreFailing += oldest.samples.count }
        }
        state = .failing(backlog: Array(backlog), reports: reports)
    }

    private func alarm(_ state: AlarmState, _ message: String, now: Date) -> AlarmEvent {
        AlarmEvent(station: gatewayId, device: "gateway", point: "store", rule: "storeFailure",
                   severity: .critical, state: state, value: nil, limit: nil, time: now, message: message)
    }

    /// Sends a line straight to the sink, bypassing the (failing) store.
    private func sendDirect(_ event: AlarmEvent) {
        guard let line = lines.alarm(event) else { return }
        let sink = self.sink
        Task { _ = await sink.write([line]) }
    }
}
