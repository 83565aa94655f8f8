// What the compactor's thread needs to know of the WAL between checkpoints:
// its length after the writer's last commit (SQLite's WAL hook on the
// writer's connection), and a way to make what is in it durable without
// copying it into the database file (fsync of the -wal file).
//
// The hook replaces SQLite's autocheckpoint (both are the one WAL hook of a
// connection), so it also keeps the autocheckpoint's job as a backstop: past
// `backstopFrames` the writer checkpoints itself, should the compactor's
// thread be stuck.

import CSQLite
import Foundation
import Synchronization

final class WALWatch: Sendable {
    /// Frames in the WAL after the writer's last commit.
    let frames = Atomic<Int>(0)
    let backstopFrames: Int
    let walPath: String

    init(databasePath: String, backstopFrames: Int) {
        self.backstopFrames = backstopFrames
        walPath = WriterLock.resolved(databasePath) + "-wal"  // SQLite, too, puts it beside the file a symlink names
    }

    /// Installs the hook on the writer's connection; `self` must outlive it
    /// (the StoreEngine keeps both, and closes the connection first).
    func install(on database: OpaquePointer) {
        sqlite3_wal_hook(database, { context, database, _, frames in
            guard let context else { return SQLITE_OK }
            let watch = Unmanaged<WALWatch>.fromOpaque(context).takeUnretainedValue()
            watch.frames.store(Int(frames), ordering: .relaxed)
            if Int(frames) >= watch.backstopFrames {
                sqlite3_wal_checkpoint_v2(database, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            }
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Makes every committed transaction durable (the WAL synced to disk):
    /// what synchronous=NORMAL otherwise does only at a checkpoint.
    func sync() {
        let descriptor = open(walPath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }  // no WAL: nothing to make durable
        _ = fsync(descriptor)
        close(descriptor)
    }
}
