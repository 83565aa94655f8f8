// A one-shot latch. A component that runs on a thread of its own (libmodbus
// and SQLite block, so they never run on Swift's cooperative pool) calls
// `finish()` when its thread ends; tasks wait with `wait()` (a continuation),
// threads with `waitBlocking()`. A component that will never start calls
// `finish()` at once, so that nobody waits for it forever.

import Dispatch
import Foundation
import Synchronization

public final class Completion: Sendable {
    private struct State {
        var finished = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    private let done = DispatchSemaphore(value: 0)

    public init() {}

    /// The thread has ended (or will never run): wakes every waiter.
    public func finish() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.finished else { return [] }
            state.finished = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
        done.signal()
    }

    public var isFinished: Bool { state.withLock { $0.finished } }

    /// Suspends until `finish()`.
    public func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                if state.finished { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Blocks the calling thread until `finish()`: for threads, never for tasks.
    @available(*, noasync, message: "blocks the thread; use wait() from async code")
    public func waitBlocking() {
        done.wait()
        done.signal()
    }
}

/// Runs blocking `body` (libmodbus, SQLite, joining threads) on a thread of
/// its own and suspends until it returns: the cooperative pool never blocks.
public func onThread<T: Sendable>(_ name: String, _ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.name = name
        thread.start()
    }
}

/// Runs async `work` from a plain thread (the main thread of a command) and
/// blocks that thread until it returns. Never call it from a task.
@available(*, noasync, message: "blocks the calling thread")
public func blockingWait<T: Sendable>(_ work: @escaping @Sendable () async -> T) -> T {
    let box = ResultBox<T>()
    let done = Completion()
    Task {
        let value = await work()
        box.value.withLock { $0 = value }
        done.finish()
    }
    done.waitBlocking()
    return box.value.withLock { $0! }
}

private final class ResultBox<T: Sendable>: Sendable {
    let value = Mutex<T?>(nil)
}
