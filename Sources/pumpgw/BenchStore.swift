// `pumpgw bench store`: the write loop and its report (BenchCommand's help
// says what each option does). Split in three: the options, the timed
// writes, the figures.

import Foundation
import Store

enum BenchStore {
    /// The options of one bench store run, checked.
    struct Settings {
        let path: String
        let devices: Int
        let points: Int
        let cycles: Int
        let duration: TimeInterval?
        let synchronous: SynchronousMode
        let deadband: Double
        let perDevice: Bool
        let progress: Bool

        init(_ options: CommandLineArguments) throws {
            path = try options.required("db")
            devices = try options.integer("devices", default: 100, range: 1...100_000)
            points = try options.integer("points", default: 50, range: 1...10_000)
            duration = try options.seconds("duration")
            if duration != nil && options.string("cycles") != nil { throw UsageError(message: "give --cycles or --duration, not both") }
            cycles = duration == nil ? try options.integer("cycles", default: 10, range: 1...100_000_000) : Int.max
            guard let synchronous = SynchronousMode(rawValue: options.string("synchronous") ?? "normal") else {
                throw UsageError(message: "--synchronous must be normal or full")
            }
            self.synchronous = synchronous
            deadband = Double(options.string("deadband") ?? "0") ?? -1
            guard deadband >= 0 else { throw UsageError(message: "--deadband must be a number >= 0") }
            perDevice = options.has("per-device")
            progress = options.has("progress")
        }
    }

    /// What the write loop did, and how long it spent inside store.write.
    struct Tally {
        var totals = WriteReport()
        var transactions = 0
        var cycles = 0
        var writing: TimeInterval = 0     // time spent inside store.write, the rates' base
        var writingCPU: TimeInterval = 0  // CPU time of the process meanwhile (the store's thread; main waits)
        var alarms = 0
    }

    static func run(_ options: CommandLineArguments) throws -> Int32 {
        let settings = try Settings(options)
        let signals = StopSignals.install()
        defer { signals.cancel() }
        let store = try StationStore(path: settings.path, options: StoreOptions(
            synchronous: settings.synchronous, defaultHistoryPolicy: HistoryPolicy(deadband: settings.deadband),
            compactionInterval: try options.seconds("compact-every") ?? 10))
        let started = Date()
        let tally = try write(settings, into: store)
        let during = store.compactionStatus ?? CompactionStatus()
        let catchUpStarted = Date()
        let catchUp = try store.compactNow()
        let catchUpSeconds = Date().timeIntervalSince(catchUpStarted)
        printRates(settings, tally, seconds: Date().timeIntervalSince(started))
        let onDisk = BenchCommand.fileSize(settings.path) + BenchCommand.fileSize(settings.path + "-wal")
        store.close()  // its last checkpoint counts too
        printCompaction(settings, tally, onDisk: onDisk, during: during, catchUp: catchUp, catchUpSeconds: catchUpSeconds)
        return 0
    }

    /// Writes poll cycles until --cycles are done, --duration is over or a signal asks to stop.
    static func write(_ settings: Settings, into store: StationStore) throws -> Tally {
        let start = settings.duration == nil ? Date().addingTimeInterval(-Double(settings.cycles)) : Date()
        var workload = BenchWorkload(devices: settings.devices, points: settings.points, start: start)
        var tally = Tally()
        let started = Date()
        while tally.cycles < settings.cycles && !stopRequested.load(ordering: .relaxed) {
            if let duration = settings.duration, Date().timeIntervalSince(started) >= duration { break }
            let batch = workload.nextCycle()
            for part in settings.perDevice ? batch.perDevice() : [batch] {
                let writeStarted = Date(), cpuStarted = BenchCommand.processCPUSeconds()
                let report = try store.write { try $0.write(part) }
                tally.writing += Date().timeIntervalSince(writeStarted)
                tally.writingCPU += BenchCommand.processCPUSeconds() - cpuStarted
                tally.totals.historyRows += report.historyRows
                tally.totals.latestRows += report.latestRows
                tally.totals.outboxLines += report.outboxLines
                tally.transactions += 1
            }
            tally.cycles += 1
            if settings.progress {
                Console.print("committed \(tally.cycles) lines \(tally.totals.outboxLines) samples \(tally.totals.historyRows)")
            }
        }
        tally.alarms = workload.alarmEvents
        return tally
    }

    static func printRates(_ settings: Settings, _ tally: Tally, seconds: TimeInterval) {
        let elapsed = max(tally.writing, 1e-9)
        let (devices, points, cycle) = (settings.devices, settings.points, tally.cycles)
        let rows = tally.totals.historyRows + tally.totals.latestRows + tally.totals.outboxLines + tally.alarms + cycle * devices
        let bytes = BenchCommand.fileSize(settings.path), walBytes = BenchCommand.fileSize(settings.path + "-wal")
        func rate(_ count: Int) -> String {
            let perSecond = Double(count) / elapsed
            return perSecond < 10 && count > 0 ? String(format: "%.2f", perSecond) : String(Int(perSecond.rounded()))
        }
        Console.print("""
            bench store: \(devices) devices x \(points) points, \(cycle) cycles, \(tally.transactions) transactions \
            (\(settings.perDevice ? "one per device" : "one per cycle")), synchronous \(settings.synchronous.rawValue), \
            in \(String(format: "%.2f", seconds)) s, \(String(format: "%.2f", elapsed)) s of it in store.write \
            (CPU \(String(format: "%.2f", tally.writingCPU)) s: \(Int((Double(cycle * devices * points) / max(tally.writingCPU, 1e-9)).rounded())) points per CPU second)
              \(rate(tally.transactions)) transactions/s, \(rate(cycle * devices)) device polls/s, \(rate(cycle * devices * points)) points/s
              \(rate(rows)) records/s: latest values \(rate(tally.totals.latestRows)), history samples \(rate(tally.totals.historyRows)) \
            (both in frames: one row per device poll), \
            outbox \(rate(tally.totals.outboxLines)), health \(rate(cycle * devices)), alarm events \(rate(tally.alarms))
              database \(bytes) bytes + WAL \(walBytes) bytes (rates per second of store.write)
            """)
    }

    /// How compaction removed the frames it compacted (Compactor+Clear.swift).
    static func removal(_ report: CompactionReport) -> String {
        "frame tables cleared \(report.tablesCleared), frames deleted by row \(report.framesDeletedByRow)"
    }

    /// The compactor's work, the bytes on disk and the bytes written, per sample.
    /// Called after the store closed, so that its last checkpoint is counted;
    /// `onDisk`: database and WAL bytes before the close.
    static func printCompaction(_ settings: Settings, _ tally: Tally, onDisk: Int64, during: CompactionStatus,
                                catchUp: CompactionReport, catchUpSeconds: TimeInterval) {
        let polled = tally.cycles * settings.devices * settings.points, stored = max(tally.totals.historyRows, 1)
        let compacted = during.total.samples + catchUp.samples
        let written = BenchCommand.diskBytesWritten()
        Console.print("""
              compaction while writing: \(during.total.windows) windows, \(during.total.frames) frames -> \(during.total.chunks) chunks \
            (\(during.total.samples) samples, \(during.total.bytes) bytes of chunk data) in \(String(format: "%.2f", during.seconds)) s, \
            \(during.checkpoints) checkpoints\(during.lastError.map { ", last error: \($0)" } ?? ""); \
            \(removal(during.total))
              compaction at the end: \(catchUp.windows) windows, \(catchUp.frames) frames -> \(catchUp.chunks) chunks in \
            \(String(format: "%.2f", catchUpSeconds)) s (\(removal(catchUp))); history samples stored \(tally.totals.historyRows), \(compacted) of them in chunks
              on disk: \(String(format: "%.2f", Double(onDisk) / Double(polled))) bytes per polled sample, \
            \(String(format: "%.2f", Double(onDisk) / Double(stored))) per stored sample; chunk data \
            \(String(format: "%.2f", Double(during.total.bytes + catchUp.bytes) / Double(max(compacted, 1)))) bytes per compacted sample
              written to disk (/proc/self/io write_bytes): \(written) bytes, \
            \(String(format: "%.1f", Double(written) / Double(polled))) per polled sample, \
            \(String(format: "%.1f", Double(written) / Double(stored))) per stored sample
            """)
    }
}
