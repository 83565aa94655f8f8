// The SQLite outbox as the feed sender sees it (Feed.Outbox).

import Telemetry
import Feed
import Store

struct StoreOutbox: Feed.Outbox {
    let store: StationStore

    func peek(maxLines: Int, maxBytes: Int) async throws -> [OutboxEntry] {
        try await store.outboxPeek(maxLines: maxLines, maxBytes: maxBytes)
    }

    func delete(ids: [Int64]) async throws {
        _ = try await store.outboxDelete(ids: ids)
    }

    func deadLetter(ids: [Int64], message: String) async throws {
        _ = try await store.outboxDeadLetter(ids: ids, message: message)
    }
}
