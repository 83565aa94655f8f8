// `pumpgw deadletters`: the feed lines the server rejected while it accepted
// others (proven bad, see README "The feed"), and `--requeue` to put them
// back in the outbox once the cause is fixed (a schema change on the server,
// a renamed field).

import Foundation
import Profiles
import Store

enum DeadLettersCommand: Command {
    static let help = """
        pumpgw deadletters: list the feed lines the server rejected, or put them back in the outbox

        Usage: pumpgw deadletters [--db FILE] [--since 1h] [--json]
               pumpgw deadletters --requeue [--db FILE] [--since 1h]

          --db FILE   the gateway's SQLite store (default var/pumpgw.db)
          --since T   only those dead-lettered in the last T, e.g. 30m, 6h, 7d (default: all)
          --json      print one JSON object instead of a table
          --requeue   move them to the end of the outbox; the gateway sends them
                      next. Writes the store: stop the gateway first (it holds the
                      store's writer lock), requeue, start it again.

        """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try CommandLineArguments(arguments, options: ["db", "since"], flags: ["json", "requeue"])
        guard options.positionals.isEmpty else { throw UsageError(message: "unexpected argument '\(options.positionals[0])'") }
        var since: Date?
        if let text = options.string("since") {
            guard let duration = DurationText.parse(text) else {
                throw UsageError(message: "--since must be a duration such as 30m, 6h or 7d, not '\(text)'")
            }
            since = Date().addingTimeInterval(-duration.seconds)
        }
        let path = options.string("db") ?? "var/pumpgw.db"
        if options.has("requeue") {
            guard !options.has("json") else { throw UsageError(message: "--requeue prints one line; --json is for the list") }
            guard FileManager.default.fileExists(atPath: path) else { throw UsageError(message: "no database at \(path)") }
            let store = try StationStore(path: path)
            defer { store.close() }
            let moved = try store.write { try $0.requeueDeadLetters(since: since) }
            Console.print("\(moved) dead letter\(moved == 1 ? "" : "s") put back in the outbox")
            return 0
        }
        let store = try StationStore.openForReading(path: path)
        defer { store.close() }
        let letters = try store.read { try $0.deadLetters(since: since) }
        Console.print(options.has("json") ? json(letters) : text(letters))
        return 0
    }

    static func text(_ letters: [StoredDeadLetter]) -> String {
        guard !letters.isEmpty else { return "no dead letters" }
        let rows = letters.map { stored in
            [String(stored.id), StatusOutput.timestamp(stored.letter.time), stored.letter.deviceKey, stored.letter.message,
             stored.letter.line]
        }
        return TextTable.lines(header: ["ID", "TIME", "DEVICE", "SERVER SAID", "LINE"], rows: rows).joined(separator: "\n")
    }

    struct LetterJSON: Encodable {
        var id: Int64
        var time, device, message, line: String
    }

    static func json(_ letters: [StoredDeadLetter]) -> String {
        let document = ["deadLetters": letters.map { stored in
            LetterJSON(id: stored.id, time: StatusOutput.timestamp(stored.letter.time), device: stored.letter.deviceKey,
                       message: stored.letter.message, line: stored.letter.line)
        }]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(document) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
