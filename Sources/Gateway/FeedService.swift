// The feed sender as a service: drains the outbox until shutdown, then stops
// its loop after the batch in flight and flushes what is left for at most
// `grace` (never two sends of one batch at the same time). What is not sent
// stays in the outbox for the next start.

import Feed
import Lifecycle
import Logging

final class FeedService: Service {
    let sender: FeedSender
    private let grace: Duration
    private let log: Logger
    private let stopRequested = Completion()

    init(sender: FeedSender, grace: Duration, log: Logger) {
        self.sender = sender
        self.grace = grace
        self.log = log
    }

    func run() async {
        let sender = self.sender
        let loop = Task { await sender.run() }
        await stopRequested.wait()
        // Between batches (sleeping) the loop can be cancelled at once;
        // otherwise it returns after its batch in flight.
        if await sender.finish() { loop.cancel() }
        await loop.value
        let flushed = await withDeadline(grace) { _ = try? await sender.flush() }
        if !flushed {
            log.warning("feed not fully sent before shutdown; the rest stays in the outbox")
        }
    }

    func shutdown() {
        stopRequested.finish()
    }
}
