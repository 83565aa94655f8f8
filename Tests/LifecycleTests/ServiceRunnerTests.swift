// The runner's contract, on stand-in services (pure ordering logic): a stop
// requested before `run()` still stops every service; services stop in
// reverse order, each after the previous one's `run()` returned; a service
// that never stops makes `run()` return at the deadline.

import Lifecycle
import Logging
import Synchronization
import Testing

/// Records the order of events across services.
final class Journal: Sendable {
    let entries = Mutex<[String]>([])
    func add(_ entry: String) { entries.withLock { $0.append(entry) } }
    var all: [String] { entries.withLock { $0 } }
}

/// Runs until shut down; with `stubborn`, never returns.
final class StandIn: Service {
    let name: String
    let journal: Journal
    let stubborn: Bool
    private let stop = Completion()

    init(_ name: String, journal: Journal, stubborn: Bool = false) {
        self.name = name
        self.journal = journal
        self.stubborn = stubborn
    }

    func run() async {
        await stop.wait()
        if stubborn { await Completion().wait() }
        journal.add("\(name) ended")
    }

    func shutdownWillBegin() { journal.add("\(name) warned") }

    func shutdown() {
        journal.add("\(name) shutdown")
        stop.finish()
    }
}

@Suite struct ServiceRunnerTests {
    @Test("a stop requested before run() stops every service, last started first")
    func stopBeforeRun() async {
        let journal = Journal()
        let runner = ServiceRunner(services: [StandIn("feed", journal: journal), StandIn("pipeline", journal: journal),
                                              StandIn("pollers", journal: journal)],
                                   signals: nil, log: .discarding)
        runner.requestStop()
        let outcome = await runner.run()
        #expect(outcome == .stopped(failed: []))
        // Worked out from the contract: everyone warned first, then reverse order, each ended before the next shutdown.
        #expect(journal.all == ["feed warned", "pipeline warned", "pollers warned",
                                "pollers shutdown", "pollers ended", "pipeline shutdown", "pipeline ended",
                                "feed shutdown", "feed ended"])
    }

    @Test("a service that never stops: run() returns at the deadline")
    func deadline() async {
        let journal = Journal()
        let runner = ServiceRunner(services: [StandIn("feed", journal: journal),
                                              StandIn("stuck", journal: journal, stubborn: true)],
                                   signals: nil, shutdownDeadline: .milliseconds(200), log: .discarding)
        runner.requestStop()
        #expect(await runner.run() == .deadlineExceeded)
        // The feed never heard shutdown: the stuck service before it never ended.
        #expect(!journal.all.contains("feed shutdown"))
    }
}
