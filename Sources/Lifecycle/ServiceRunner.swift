// Runs the gateway's services until a signal or a failure stops them, after
// swift-service-lifecycle's ServiceGroup. The runner is the only owner of
// SIGTERM, SIGINT and SIGHUP and of the shutdown deadline:
// - SIGHUP calls `reload` (one at a time, in signal order);
// - SIGTERM or SIGINT, `requestStop()`, or a service that returns or throws
//   starts the shutdown: every service hears `shutdownWillBegin()`, then
//   the services are shut down in reverse order, each one's `run()` awaited
//   before the next hears `shutdown()` (pollers first, then the pipeline
//   that writes what they delivered, then the feed);
// - the whole shutdown gets `shutdownDeadline`; past it `run()` returns
//   `.deadlineExceeded` and the process should exit without waiting more.

import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

public final class ServiceRunner: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// Every service stopped within the deadline; `failed` names the
        /// service errors that started the shutdown, if any.
        case stopped(failed: [String])
        case deadlineExceeded
    }

    private enum Event: Sendable {
        case signal(Int32)
        case stopRequested
        case ended(index: Int, error: String?)
    }

    private let services: [any Service]
    private let signals: SignalQueue?
    private let shutdownDeadline: Duration
    private let reload: (@Sendable () async -> Void)?
    /// Finished when start-up is done; signals wait for it.
    private let ready: Completion?
    private let log: Logger
    private let events: AsyncStream<Event>
    private let eventSink: AsyncStream<Event>.Continuation

    /// `ready`, when given, is finished by the services once start-up is
    /// done: until then a reload or a stop waits in the queue.
    public init(services: [any Service], signals: SignalQueue?, shutdownDeadline: Duration = .seconds(20),
                log: Logger, ready: Completion? = nil, reload: (@Sendable () async -> Void)? = nil) {
        self.services = services
        self.ready = ready
        self.signals = signals
        self.shutdownDeadline = shutdownDeadline
        self.reload = reload
        self.log = log
        (events, eventSink) = AsyncStream<Event>.makeStream(bufferingPolicy: .unbounded)
    }

    /// Starts the shutdown as SIGTERM would (for callers without signals:
    /// the demo, tests). May come before `run()`.
    public func requestStop() {
        eventSink.yield(.stopRequested)
    }

    public func run() async -> Outcome {
        let ended = services.map { _ in Completion() }
        for (index, service) in services.enumerated() {
            let sink = eventSink, done = ended[index]
            Task {
                do {
                    try await service.run()
                    sink.yield(.ended(index: index, error: nil))
                } catch {
                    sink.yield(.ended(index: index, error: "\(error)"))
                }
                done.finish()
            }
        }
        if let ready {
            // Bounded: a start-up that never finishes must not make the gateway deaf to TERM.
            _ = await withDeadline(.seconds(60)) { await ready.wait() }
        }
        let forwarding = signals.map { queue in
            Task { [eventSink] in for await number in queue.events { eventSink.yield(.signal(number)) } }
        }
        defer { forwarding?.cancel() }

        var failed: [String] = []
        waiting: for await event in events {
            switch event {
            case .signal(let number) where number == SIGHUP:
                await reload?()
            case .signal(let number):
                log.info("stopping", ["signal": SignalQueue.name(number)])
                break waiting
            case .stopRequested:
                log.info("stopping")
                break waiting
            case .ended(let index, let error):
                if let error {
                    failed.append(error)
                    log.error("a service failed; stopping", ["service": "\(type(of: services[index]))", "error": error])
                } else {
                    log.error("a service stopped by itself; stopping", ["service": "\(type(of: services[index]))"])
                }
                break waiting
            }
        }
        let services = self.services
        let inTime = await withDeadline(shutdownDeadline) {
            for service in services { service.shutdownWillBegin() }
            for (index, service) in services.enumerated().reversed() {
                service.shutdown()
                await ended[index].wait()
            }
        }
        if !inTime {
            log.error("shutdown deadline exceeded; exiting without waiting more",
                      ["deadline_s": String(Double(shutdownDeadline.components.seconds))])
            return .deadlineExceeded
        }
        return .stopped(failed: failed)
    }
}

/// Runs `work` in a task of its own and waits for it at most `deadline`;
/// false (and the task cancelled) when the deadline came first.
public func withDeadline(_ deadline: Duration, _ work: @escaping @Sendable () async -> Void) async -> Bool {
    let race = DeadlineRace()
    let inTime = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
        race.continuation.withLock { $0 = continuation }
        let worker = Task {
            await work()
            race.finish(inTime: true)
        }
        let timer = Task {
            try? await Task.sleep(for: deadline)
            race.finish(inTime: false)
        }
        race.tasks.withLock { $0 = [worker, timer] }
    }
    for task in race.tasks.withLock({ $0 }) { task.cancel() }
    return inTime
}

/// The work and the timer of `withDeadline`: whichever ends first resumes.
private final class DeadlineRace: Sendable {
    let continuation = Mutex<CheckedContinuation<Bool, Never>?>(nil)
    let tasks = Mutex<[Task<Void, Never>]>([])

    func finish(inTime: Bool) {
        continuation.withLock { $0.take() }?.resume(returning: inTime)
    }
}
