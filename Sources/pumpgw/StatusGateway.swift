// The `gateway` section of `pumpgw status`: the feed, the outbox and the
// store as the running gateway last recorded them (its `gateway_state` row)
// and as the store shows them now. A store that fails cannot take the row,
// so a running gateway whose row is old is reported as a store failure.

import Foundation
import Store
import Telemetry
#if canImport(Glibc)
import Glibc
#endif

struct GatewaySection {
    var state: GatewayState?
    /// True while the process that wrote the row lives and has not stopped.
    var running: Bool
    var outbox: OutboxSummary
    var storeBytes: Int64
    var freeBytes: Int64?
    var storeFailure: String?
    var alarms: [AlarmEvent]

    /// A running gateway rewrites its row every 10 s; older than this, the store did not take it.
    static let staleAfter: TimeInterval = 35

    static func read(_ store: StationStore, now: Date) throws -> GatewaySection {
        let state = try store.read { try $0.gatewayState() }
        let running = state.map { $0.stopped == nil && processAlive($0.pid) } ?? false
        let disk = DiskFacts(path: store.path)
        var failure: String?
        if let state, running, now.timeIntervalSince(state.updated) > staleAfter {
            failure = "the running gateway (pid \(state.pid)) has written nothing to the store for "
                + StatusOutput.age(now.timeIntervalSince(state.updated)) + (disk.problem.map { ": \($0)" } ?? "")
        } else if let problem = disk.problem {
            failure = problem
        }
        return GatewaySection(state: state, running: running, outbox: try store.read { try $0.outboxSummary() }, storeBytes: disk.bytes,
                              freeBytes: disk.freeBytes, storeFailure: failure,
                              alarms: try store.read { try $0.activeAlarms() }.filter { $0.device == "gateway" })
    }

    static func processAlive(_ pid: Int32) -> Bool {
        pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }

    func text(now: Date) -> [String] {
        var lines = ["gateway" + (state.map { " (pid \($0.pid), \(running ? "running" : "not running"), state written "
                                                + StatusOutput.age(now.timeIntervalSince($0.updated)) + " ago)" }
                                  ?? " (no state recorded yet)")]
        if let state {
            let success = state.feedLastSuccess.map { StatusOutput.age(now.timeIntervalSince($0)) + " ago" } ?? "never"
            lines.append("  feed    \(state.feedState) to \(state.feedTarget); last success \(success)"
                         + (state.feedLastError.map { "; last error: \($0)" } ?? ""))
        }
        let oldest = outbox.oldest.map { ", oldest " + StatusOutput.age(now.timeIntervalSince($0)) + " old" } ?? ""
        lines.append("  outbox  \(outbox.lines) lines\(oldest); \(outbox.deadLetters) dead letters; "
                     + "\(outbox.droppedLines) dropped")
        let free = freeBytes.map { " (\(Self.megabytes($0)) free)" } ?? ""
        lines.append("  store   \(Self.megabytes(storeBytes))\(free); " + (storeFailure.map { "FAILING: \($0)" } ?? "no failure")
                     + (state?.storeFailure.map { "; last failure: \($0)" } ?? ""))
        for alarm in alarms {
            lines.append("  ALARM \(alarm.severity.rawValue) \(alarm.point) \(alarm.rule), raised "
                         + "\(StatusOutput.age(now.timeIntervalSince(alarm.time))) ago: \(alarm.message)")
        }
        return lines
    }

    static func megabytes(_ bytes: Int64) -> String {
        String(format: "%.1f MB", Double(bytes) / 1_000_000)
    }

    // MARK: JSON

    /// Absent values are written as null (`OrNull`), not left out.
    struct JSON: Encodable {
        var running: Bool
        var pid: OrNull<Int32>
        var updated: OrNull<String>
        var feed: Feed
        var outbox: Outbox
        var store: Store
        var alarms: [StatusOutput.AlarmJSON]

        struct Feed: Encodable {
            var target, state, lastSuccess, lastError: OrNull<String>
        }

        struct Outbox: Encodable {
            var lines: Int
            var oldestAgeSeconds: OrNull<Double>
            var deadLetters, droppedLines: Int
        }

        struct Store: Encodable {
            var bytes: Int64
            var freeBytes: OrNull<Int64>
            var failure, lastFailure, lastFailureTime: OrNull<String>
        }
    }

    func json(now: Date) -> JSON {
        JSON(running: running, pid: OrNull(state?.pid), updated: OrNull(state.map { StatusOutput.timestamp($0.updated) }),
             feed: JSON.Feed(target: OrNull(state?.feedTarget), state: OrNull(state?.feedState),
                             lastSuccess: OrNull(state?.feedLastSuccess.map(StatusOutput.timestamp)),
                             lastError: OrNull(state?.feedLastError)),
             outbox: JSON.Outbox(lines: outbox.lines,
                                 oldestAgeSeconds: OrNull(outbox.oldest.map { (now.timeIntervalSince($0) * 1000).rounded() / 1000 }),
                                 deadLetters: outbox.deadLetters, droppedLines: outbox.droppedLines),
             store: JSON.Store(bytes: storeBytes, freeBytes: OrNull(freeBytes), failure: OrNull(storeFailure),
                               lastFailure: OrNull(state?.storeFailure),
                               lastFailureTime: OrNull(state?.storeFailureTime.map(StatusOutput.timestamp))),
             alarms: alarms.map(StatusOutput.AlarmJSON.init))
    }
}

/// The store's files on disk: their size, and the room left on their file system.
struct DiskFacts {
    var bytes: Int64 = 0
    var freeBytes: Int64?
    /// "the file system is read-only" or "the disk is full", if so.
    var problem: String?

    init(path: String) {
        for file in [path, path + "-wal", path + "-shm"] {
            var info = stat()
            if stat(file, &info) == 0 { bytes += Int64(info.st_size) }
        }
        var system = statvfs()
        guard statvfs(path, &system) == 0 else { return }
        freeBytes = Int64(system.f_bavail) * Int64(system.f_frsize)
        if system.f_flag & UInt(ST_RDONLY) != 0 {
            problem = "the store's file system is read-only"
        } else if system.f_bavail == 0 {
            problem = "the store's disk is full"
        }
    }
}

/// An optional that JSON shows as null when absent (JSONEncoder leaves a nil out).
struct OrNull<Wrapped: Encodable>: Encodable {
    var value: Wrapped?

    init(_ value: Wrapped?) { self.value = value }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value { try container.encode(value) } else { try container.encodeNil() }
    }
}
