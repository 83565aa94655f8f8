// The SQLite outbox as the feed sender sees it (Feed.Outbox).

import Telemetry
import Feed
import Store

struct StoreOutbox: Feed.Outbox {
    let store: StationStore

    func peek(maxLines: Int, maxBytes: Int) async throws -> [OutboxEntry] {
        try await store.read { try $0.outboxPeek(maxLines: maxLines, maxBytes: maxBytes) }
    }

    func delete(ids: [Int64]) async throws {
        _ = try await store.write { try $0.outboxDelete(ids: ids) }
    }

    func deadLetter(ids: [Int64], message: String) async throws {
        _ = try await store.write { try $0.outboxDeadLetter(ids: ids, message: message) }
    }
}
