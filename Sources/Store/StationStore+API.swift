// One generic pair for every operation, as GRDB's DatabaseWriter and
// SerializedDatabase: `read` and `write` hand the store's engine (its
// connection and caches) to a closure that runs on the store's serial queue,
// never on Swift's cooperative pool. Each comes synchronous (`noasync`: the
// pipeline's writer thread, the commands) and async (the feed sender: the
// task suspends while the queue works). The operations are the engine's
// public methods (StoreEngine+*.swift):
//
//     try store.write { try $0.write(batch) }
//     let stations = try store.read { try $0.status() }
//     let lines = try await store.read { try $0.outboxPeek(maxLines: 100, maxBytes: 1 << 20) }
//
// Inside `read` the engine refuses writes.

import Foundation

extension StationStore {
    /// Runs `body` on the queue with writes refused, and waits for it.
    @available(*, noasync)
    public func read<T>(_ body: (StoreEngine) throws -> T) throws -> T {
        try onQueue { engine in try engine.readingOnly { try body(engine) } }
    }

    /// Runs `body` on the queue with writes refused; the calling task suspends meanwhile.
    public func read<T: Sendable>(_ body: @escaping @Sendable (StoreEngine) throws -> T) async throws -> T {
        try await onQueue { engine in try engine.readingOnly { try body(engine) } }
    }

    /// Runs `body` on the queue, and waits for it. Throws at once on a store opened for reading.
    @available(*, noasync)
    @discardableResult
    public func write<T>(_ body: (StoreEngine) throws -> T) throws -> T {
        try onQueue { engine in
            try engine.requireWritable()
            return try body(engine)
        }
    }

    /// Runs `body` on the queue; the calling task suspends meanwhile.
    @discardableResult
    public func write<T: Sendable>(_ body: @escaping @Sendable (StoreEngine) throws -> T) async throws -> T {
        try await onQueue { engine in
            try engine.requireWritable()
            return try body(engine)
        }
    }
}
