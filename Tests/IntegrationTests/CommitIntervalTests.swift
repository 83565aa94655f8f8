// `store.commit`: how long the gateway gathers poll reports into one
// transaction (StoreOptions.commitInterval), on a real gateway polling the
// simulator every 200 ms; the counts come from its `gateway stopped` line.

import Foundation
import Testing
import TestSupport

@Suite("store.commit", .serialized)
struct CommitIntervalTests {
    /// Runs the gateway for 6 s; its polls and store transactions.
    func run(storeOptions: String, port: Int) throws -> (polls: Int, transactions: Int) {
        let site = try DaemonSite()
        defer { site.remove() }
        try site.writeConfig(port: port, interval: "200ms", timeout: "150ms", storeOptions: storeOptions)
        let daemon = try Daemon(config: site.config.path)
        #expect(daemon.waitFor("gateway started"), "stderr: \(daemon.stderr)")
        Thread.sleep(forTimeInterval: 6)
        #expect(daemon.terminate() == 0, "stderr: \(daemon.stderr)")
        let polls = daemon.stderr.firstMatch(of: /gateway stopped".* polls=(\d+)/).flatMap { Int($0.1) } ?? -1
        let transactions = daemon.stderr.firstMatch(of: /gateway stopped".* transactions=(\d+)/).flatMap { Int($0.1) } ?? -1
        return (polls, transactions)
    }

    @Test("commit 3s: 6 s of polls in at most 3 transactions (two windows and the stop's); the default 1 s: at least 4")
    func gathersForTheInterval() throws {
        let simulator = try startSimulator(profile: DaemonTests.grundfos)
        defer { simulator.stop() }
        let slow = try run(storeOptions: #"commit: "3s""#, port: simulator.port)
        let usual = try run(storeOptions: "", port: simulator.port)
        // 6 s at 200 ms is 30 polls; a loaded machine makes fewer, never none.
        #expect(slow.polls > 10 && usual.polls > 10, "\(slow) \(usual)")
        #expect(slow.transactions >= 1 && slow.transactions <= 3, "\(slow)")
        #expect(usual.transactions >= 4, "\(usual)")
    }
}
