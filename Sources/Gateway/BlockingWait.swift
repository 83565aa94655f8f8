// Reading an actor's state from a plain thread (the pipeline's, the HTTP
// server's): the read runs as a task, the thread waits a bounded time.

import Dispatch
import Synchronization

/// The value `body` produces, or nil when it takes longer than `timeout`.
func waitForAsync<T: Sendable>(timeout: DispatchTimeInterval, _ body: @escaping @Sendable () async -> T) -> T? {
    let result = Mutex<T?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
        let value = await body()
        result.withLock { $0 = value }
        done.signal()
    }
    _ = done.wait(timeout: .now() + timeout)
    return result.withLock { $0 }
}
