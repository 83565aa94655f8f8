// The one place that turns Unix signals into events. Installed first thing
// by a verb that runs until stopped: from then on SIGTERM, SIGINT and SIGHUP
// no longer kill the process (a SIGHUP at start-up used to exit 129, which
// systemd counts as clean); they wait in `events`, in order, until whoever
// runs the gateway is ready to read them (a reload or a stop during start-up
// is applied once start-up is done).

import Dispatch
#if canImport(Glibc)
import Glibc
#endif

public final class SignalQueue: Sendable {
    /// Every caught signal, buffered without limit until read.
    public let events: AsyncStream<Int32>
    private let continuation: AsyncStream<Int32>.Continuation
    private let sources: Sources

    /// The dispatch sources, kept alive while the signals should be caught.
    private struct Sources: @unchecked Sendable {
        // @unchecked: set once in init, only read (to cancel) afterwards.
        let all: [any DispatchSourceSignal]
    }

    /// Catches `numbers` from now on. `onSignal` runs on a dispatch thread
    /// for each, before the signal is queued (for verbs that poll a flag).
    public init(catching numbers: [Int32], onSignal: (@Sendable (Int32) -> Void)? = nil) {
        let (events, continuation) = AsyncStream<Int32>.makeStream(bufferingPolicy: .unbounded)
        self.events = events
        self.continuation = continuation
        // One serial queue: the signals are queued in the order they are seen.
        let queue = DispatchQueue(label: "signals")
        sources = Sources(all: numbers.map { number in
            // Ignore first, then watch: the default action (terminate) must
            // never run, and a dispatch source sees ignored signals too.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                onSignal?(number)
                continuation.yield(number)
            }
            source.resume()
            return source
        })
    }

    /// Stops queueing (the signals stay ignored).
    public func cancel() {
        for source in sources.all { source.cancel() }
        continuation.finish()
    }

    /// "TERM", "INT", "HUP" for log lines.
    public static func name(_ number: Int32) -> String {
        switch number {
        case SIGTERM: return "TERM"
        case SIGINT: return "INT"
        case SIGHUP: return "HUP"
        default: return String(number)
        }
    }
}
