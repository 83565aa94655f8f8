// An in-memory Outbox for the tests: ids in append order, a dead-letter
// list, and the same peek caps the SQLite outbox honours.

import Telemetry
@testable import Feed

actor MemoryOutbox: Outbox {
    struct DeadLetter: Equatable { var id: Int64; var line: String; var message: String }

    private(set) var entries: [OutboxEntry] = []
    private(set) var deadLetters: [DeadLetter] = []
    private var nextID: Int64 = 1

    init(_ lines: [String] = []) {
        for line in lines { entries.append(OutboxEntry(id: nextID, line: line)); nextID += 1 }
    }

    func append(_ lines: [String]) {
        for line in lines { entries.append(OutboxEntry(id: nextID, line: line)); nextID += 1 }
    }

    var depth: Int { entries.count }

    func peek(maxLines: Int, maxBytes: Int) async throws -> [OutboxEntry] {
        var batch: [OutboxEntry] = []
        var bytes = 0
        for entry in entries.prefix(maxLines) {
            let size = entry.line.utf8.count + 1
            if !batch.isEmpty && bytes + size > maxBytes { break }
            batch.append(entry)
            bytes += size
        }
        return batch
    }

    func delete(ids: [Int64]) async throws {
        let gone = Set(ids)
        entries.removeAll { gone.contains($0.id) }
    }

    func deadLetter(ids: [Int64], message: String) async throws {
        let gone = Set(ids)
        for entry in entries where gone.contains(entry.id) {
            deadLetters.append(DeadLetter(id: entry.id, line: entry.line, message: message))
        }
        entries.removeAll { gone.contains($0.id) }
    }
}
