// The SQLite outbox as the feed sender sees it (Feed.Outbox).

import Feed
import Store

struct StoreOutbox: Feed.Outbox {
    let store: StationStore

    func peek(maxLines: Int, maxBytes: Int) async throws -> [Feed.OutboxEntry] {
        try await store.read { try $0.outboxPeek(maxLines: maxLines, maxBytes: maxBytes) }.map { Feed.OutboxEntry(id: $0.id, line: $0.line) }
    }

    func delete(ids: [Int64]) async throws {
        _ = try await store.write { try $0.outboxDelete(ids: ids) }
    }

    func deadLetter(ids: [Int64], message: String) async throws {
        _ = try await store.write { try $0.outboxDeadLetter(ids: ids, message: message) }
    }
}
