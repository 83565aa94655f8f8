// kill -9 of the running gateway at random moments: after every kill the
// store passes `PRAGMA integrity_check`, keeps every poll committed before
// (history rows only grow), and the next start opens it and goes on.

import Foundation
import Store
import Testing

@Suite("pumpgw run under kill -9")
struct GatewayKillTests {
    @Test("12 SIGKILLs of the gateway at random moments: integrity ok, history only grows, the next start continues")
    func killTheGateway() throws {
        let simulator = try startSimulator(profile: DaemonTests.grundfos)
        let site = try DaemonSite()
        defer { site.remove() }
        try site.writeConfig(port: simulator.port, interval: "200ms", timeout: "150ms")
        var rows = 0
        for round in 0..<12 {
            let daemon = try Daemon(config: site.config.path)
            // Early rounds die while starting (opening, migrating); later ones mid-write.
            Thread.sleep(forTimeInterval: round < 3 ? Double(round) * 0.05 : Double.random(in: 0.3...1.5))
            kill(daemon.process.processIdentifier, SIGKILL)
            daemon.process.waitUntilExit()
            #expect(daemon.process.terminationReason == .uncaughtSignal, "round \(round): \(daemon.stderr)")
            guard FileManager.default.fileExists(atPath: site.database) else { continue }

            // Opened as the next gateway would: the writer lock died with the process.
            let store = try StationStore(path: site.database)
            #expect(try store.read { try $0.integrityCheck() } == ["ok"], "round \(round)")
            let now = try store.read { try $0.historyRowCount() }
            store.close()
            #expect(now >= rows, "round \(round): \(now) history rows after \(rows)")
            rows = now
        }
        #expect(rows > 0, "no poll was ever committed")
        // A normal run on the same store: starts, polls, stops cleanly.
        let last = try Daemon(config: site.config.path)
        #expect(last.waitFor("gateway started"), "stderr: \(last.stderr)")
        Thread.sleep(forTimeInterval: 1)
        #expect(last.terminate() == 0, "stderr: \(last.stderr)")
        #expect(simulator.stopAndCountWrites() == 0)
        let store = try StationStore(path: site.database)
        defer { store.close() }
        #expect(try store.read { try $0.historyRowCount() } > rows)
        #expect(try store.read { try $0.integrityCheck() } == ["ok"])
    }
}
