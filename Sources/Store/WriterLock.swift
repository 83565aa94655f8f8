// The writer's advisory lock: `flock(FILE.lock, LOCK_EX | LOCK_NB)`, held
// for as long as the store is open for writing, so that a second gateway on
// the same database is refused with a clear message. Readers (`pumpgw
// status`) take no lock; WAL lets them read while the writer writes. The
// kernel releases the lock when the process dies, even by kill -9.
//
// The lock goes by the file, not the path given: a symlink to the database
// (or a folder reached through one) is resolved first, so two gateways given
// two names of one file take the same lock file.

import Foundation

final class WriterLock {
    let path: String
    private let descriptor: Int32

    init(databasePath: String) throws(StoreError) {
        let path = Self.resolved(databasePath) + ".lock"
        self.path = path
        let descriptor = Self.retryingOnInterrupt { open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644) }
        guard descriptor >= 0 else { throw .system(call: "open", path: path, errno: errno) }
        guard Self.retryingOnInterrupt({ flock(descriptor, LOCK_EX | LOCK_NB) }) == 0 else {
            let failure = errno
            let holder = Self.holder(descriptor)
            close(descriptor)
            if failure == EWOULDBLOCK {
                throw .inUse(path: databasePath, lockPath: path, holder: holder)
            }
            throw .system(call: "flock", path: path, errno: failure)
        }
        self.descriptor = descriptor
        // Say who holds it, for the message the next one prints.
        let text = "pid \(getpid())\n"
        _ = ftruncate(descriptor, 0)
        _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    }

    deinit { close(descriptor) }  // closing releases the lock

    /// `path` with every symlink resolved: the file's own path when it
    /// exists, else its folder's resolved path and its name (a new database).
    static func resolved(_ path: String) -> String {
        if let real = realpath(path, nil) {
            defer { free(real) }
            return String(cString: real)
        }
        let name = (path as NSString).lastPathComponent
        let folder = (path as NSString).deletingLastPathComponent
        guard let real = realpath(folder.isEmpty ? "." : folder, nil) else { return path }
        defer { free(real) }
        return (String(cString: real) as NSString).appendingPathComponent(name)
    }

    /// The lock file's text ("pid N"), or "unknown process".
    private static func holder(_ descriptor: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let count = pread(descriptor, &buffer, 63, 0)
        guard count > 0 else { return "unknown process" }
        let text = String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Repeats a system call that failed with EINTR.
    private static func retryingOnInterrupt(_ call: () -> Int32) -> Int32 {
        while true {
            let result = call()
            if result == -1 && errno == EINTR { continue }
            return result
        }
    }
}

@available(*, unavailable)
extension WriterLock: Sendable {}
