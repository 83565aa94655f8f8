// kill -9 at random moments: `pumpgw bench store` is started on the same
// database again and again and shot with SIGKILL (the last rounds run
// `pumpgw status` beside it first). After every kill the
// database passes `PRAGMA integrity_check`, holds every outbox line the
// child reported committed, and the next run opens it and continues.

import Foundation
import Testing
@testable import Store

@Suite("kill -9")
struct KillTests {
    @Test("20 SIGKILLs at random moments: integrity ok, nothing committed lost, the next open continues")
    func killNine() throws {
        let folder = try TempFolder()
        let path = folder.path("killed.db")
        var lines = 0  // outbox lines known committed so far
        var killedMidRun = 0
        for round in 0..<20 {
            let child = try RunningChild(["bench", "store", "--db", path, "--devices", "20", "--points", "10",
                                          "--duration", "30", "--progress"])
            // The first rounds die early (while opening, migrating); later ones mid-write: once the
            // child reported a first commit (at most 10 s: a loaded machine starts it slowly), at a
            // random moment of the next 0.5 s.
            if round < 4 {
                Thread.sleep(forTimeInterval: Double(round) * 0.02)
            } else {
                let deadline = Date().addingTimeInterval(10)
                while !child.stdout.contains("committed") && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
                Thread.sleep(forTimeInterval: Double.random(in: 0...0.5))
            }
            if round >= 16 {
                // a reader beside the running writer (as `pumpgw status` beside the gateway)
                let status = try runPumpgw(["status", "--db", path])
                #expect(status.status == 0, "round \(round): \(status.stderr)")
            }
            let output = child.killHard()
            #expect(child.process.terminationReason == .uncaughtSignal, "round \(round): the child ended by itself: \(output)")

            let reported = lastCommitted("lines", in: output)
            if reported > 0 { killedMidRun += 1 }

            // Killed before it created the file: nothing to check yet.
            guard FileManager.default.fileExists(atPath: path) else {
                #expect(lines == 0 && reported == 0)
                continue
            }
            // A plain connection: the file may still be at version 0 if the kill came before the migration committed.
            #expect(try queryRecovering(path, "PRAGMA integrity_check") == [[.text("ok")]], "round \(round)")
            // Lines are written only after the last migration step (schema 8's batch rows) committed.
            let hasOutbox = try scalar(path, "SELECT count(*) FROM sqlite_master WHERE name = 'outbox_batches'") == .integer(1)
            let depth = hasOutbox ? Int(try scalar(path, "SELECT coalesce(sum(live), 0) FROM outbox_batches")?.integer ?? -1) : 0
            #expect(depth >= lines + reported, "round \(round): \(depth) lines in the outbox, \(lines) before + \(reported) reported")
            lines = depth
        }
        #expect(killedMidRun >= 10)  // most kills landed while it was writing
        #expect(lines > 0)
        // and a writer opens it (the lock died with the child) and carries on
        let store = try StationStore(path: path)
        defer { store.close() }
        try store.write { try $0.write(StoreBatch(outbox: [OutboxLines(deviceKey: "k", lines: ["after"])])) }
        #expect(try store.read { try $0.outboxDepth() } == lines + 1)
        #expect(try store.read { try $0.integrityCheck() } == ["ok"])
    }
}
