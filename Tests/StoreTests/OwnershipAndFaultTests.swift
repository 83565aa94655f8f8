// One writer per database (a second is refused, readers still work), a
// read-only file, and a full disk (PRAGMA max_page_count): typed errors,
// nothing half-written, and recovery without reopening.

import Foundation
import Testing
@testable import Store

@Suite("ownership and faults")
struct OwnershipAndFaultTests {
    let folder: TempFolder
    let clock = TestClock()
    init() throws { folder = try TempFolder() }

    @Test("a second writer is refused with a clear message; a reader works beside the writer; after close the lock is free")
    func secondWriterRefused() throws {
        let path = folder.path("owned.db")
        let writer = try StationStore(path: path, options: clock.options())
        try writer.write { try $0.write(StoreBatch(samples: [sample(at: clock.now, [("outlet_pressure", .good(.double(0.45)))])])) }
        let error = try #require(throws: StoreError.self) { _ = try StationStore(path: path) }
        #expect(error == .inUse(path: path, lockPath: path + ".lock", holder: "pid \(getpid())"))
        #expect(error.description.contains("is in use by another gateway (pid \(getpid()))"))

        let reader = try StationStore.openForReading(path: path)
        #expect(try reader.read { try $0.status() }.first?.devices.first?.points.first?.value == .double(0.45))
        #expect(throws: StoreError.self) { try reader.write { try $0.write(StoreBatch(alarms: [alarm(.raised, at: clock.now)])) } }

        writer.close()
        let next = try StationStore(path: path)
        next.close()
    }

    @Test("a symlink to the database, or to its folder, takes the same lock: the second writer is refused")
    func symlinkSharesTheLock() throws {
        let path = folder.path("real.db")
        let writer = try StationStore(path: path, options: clock.options())
        defer { writer.close() }
        let link = folder.path("link.db"), linkedFolder = folder.path("linked")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
        try FileManager.default.createSymbolicLink(atPath: linkedFolder, withDestinationPath: folder.url.path)
        for other in [link, linkedFolder + "/real.db"] {
            let error = try #require(throws: StoreError.self) { _ = try StationStore(path: other, options: clock.options()) }
            // the lock file of the file itself, whatever name it was opened by
            #expect(error == .inUse(path: other, lockPath: WriterLock.resolved(path) + ".lock", holder: "pid \(getpid())"), "\(other)")
        }
        // a new database through a symlinked folder locks its resolved path
        #expect(WriterLock.resolved(linkedFolder + "/new.db") == WriterLock.resolved(folder.url.path) + "/new.db")
    }

    @Test("a store opened for reading refuses writes with SQLITE_READONLY")
    func readerRefusesWrites() throws {
        let path = folder.path("ro.db")
        try StationStore(path: path).close()
        let reader = try StationStore.openForReading(path: path)
        let error = try #require(throws: StoreError.self) { try reader.write { try $0.write(StoreBatch(alarms: [alarm(.raised, at: clock.now)])) } }
        #expect(error.isReadOnly)
    }

    @Test("a write-protected database file (chattr +i, since root ignores modes) is a read-only error",
          .enabled(if: Immutable.supported))
    func immutableFile() throws {
        let path = folder.path("immutable.db")
        try StationStore(path: path).close()
        try Immutable.set(path, true)
        defer { try? Immutable.set(path, false) }
        let error = try #require(throws: StoreError.self) { _ = try StationStore(path: path) }
        #expect(error.isReadOnly, "\(error)")
        #expect(!error.isDiskFull)
    }

    @Test("a full disk fails the whole batch with SQLITE_FULL; after room is freed writes resume")
    func diskFull() throws {
        let store = try StationStore(path: folder.path("full.db"), options: clock.options { $0.maxPageCount = 40 })
        defer { store.close() }
        // Incompressible (the outbox deflates its lines): 2000 characters of a xorshift sequence.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let line = String((0..<2000).map { _ -> Character in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Character(UnicodeScalar(UInt8(33 + state % 90)))
        })
        var written = 0
        var failure: StoreError?
        for batch in 0..<100 where failure == nil {
            do {
                try store.write { try $0.write(StoreBatch(samples: [sample(at: clock.now + Double(batch), [("flow", .good(.integer(Int64(batch))))])],
                                           outbox: [OutboxLines(deviceKey: "k", lines: [line, line])])) }
                written += 1
            } catch let error as StoreError {
                failure = error
            }
        }
        let error = try #require(failure)
        #expect(error.isDiskFull, "\(error)")
        #expect(error.resultCode?.primary == .full)
        // nothing of the failed batch: whole batches only
        #expect(try store.read { try $0.outboxDepth() } == written * 2)
        #expect(try store.read { try $0.status() }.first?.devices.first?.points.first?.value == .integer(Int64(written - 1)))
        // the feed drains the outbox: room again, and the same store writes on
        let sent = try store.read { try $0.outboxPeek(maxLines: 1000, maxBytes: .max) }
        try store.write { try $0.outboxDelete(ids: sent.map(\.id)) }
        try store.write { try $0.write(StoreBatch(samples: [sample(at: clock.now + 1000, [("flow", .good(.integer(-1)))])])) }
        #expect(try store.read { try $0.status() }.first?.devices.first?.points.first?.value == .integer(-1))
    }
}

extension OwnershipAndFaultTests {
    @Test("a file that is not a database is a corrupt error, not a crash")
    func notADatabase() throws {
        let path = folder.path("garbage.db")
        try Data(repeating: 0x5A, count: 8192).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: StoreError.self) { _ = try StationStore(path: path) }
        #expect(error.isCorrupt, "\(error)")
        #expect(error.resultCode?.primary == .notADatabase)
    }

    @Test("another connection holding the write lock past the busy timeout is a busy error")
    func busy() throws {
        let path = folder.path("busy.db")
        let store = try StationStore(path: path, options: clock.options { $0.busyTimeoutMilliseconds = 100 })
        defer { store.close() }
        let intruder = try SQLiteConnection(path: path, readOnly: false)
        try intruder.execute("BEGIN IMMEDIATE")
        let started = Date()
        let error = try #require(throws: StoreError.self) { try store.write { try $0.write(StoreBatch(alarms: [alarm(.raised, at: clock.now)])) } }
        #expect(error.isBusy, "\(error)")
        #expect(Date().timeIntervalSince(started) >= 0.1)
        try intruder.execute("ROLLBACK")
        try store.write { try $0.write(StoreBatch(alarms: [alarm(.raised, at: clock.now)])) }
        #expect(try store.read { try $0.activeAlarms() }.count == 1)
    }
}

/// The file system's immutable flag (chattr), the one protection root cannot write through.
enum Immutable {
    static let supported: Bool = {
        guard let folder = try? TempFolder() else { return false }
        let probe = folder.path("probe")
        guard FileManager.default.createFile(atPath: probe, contents: Data()), (try? set(probe, true)) != nil else { return false }
        try? set(probe, false)
        return true
    }()

    static func set(_ path: String, _ on: Bool) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
        process.arguments = [on ? "+i" : "-i", path]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw StoreError.invalidArgument("chattr failed") }
    }
}
