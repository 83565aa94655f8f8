// `--log-level` filters every line the daemon writes, the feed sender's and
// the pollers' included (they used to bypass the filter).

import Foundation
import Testing
import TestSupport

@Suite("pumpgw run --log-level")
struct LogLevelTests {
    @Test("--log-level error prints no debug, info or warning line")
    func errorLevelHidesInfoAndWarnings() throws {
        // Nothing listens on either port: the poller logs "cannot connect" (info),
        // the feed sender "feed write failed, retrying" (warn) on every attempt,
        // and the runtime "gateway started"/"stopping"/"gateway stopped" (info).
        // At --log-level info those lines appear (the first half proves it);
        // at error none of them may.
        let devicePort = try unusedPort()
        let feedPort = try unusedPort()
        for level in ["info", "error"] {
            let site = try DaemonSite()
            defer { site.remove() }
            try site.writeConfig(port: devicePort, feed: "tcp://127.0.0.1:\(feedPort)")
            let daemon = try Daemon(config: site.config.path, logLevel: level)
            Thread.sleep(forTimeInterval: 2.5)
            #expect(daemon.terminate() == 0, "stderr: \(daemon.stderr)")
            let lines = daemon.stderr.split(separator: "\n")
            if level == "info" {
                #expect(lines.contains { $0.hasPrefix("level=info") && $0.contains("gateway started") }, "\(daemon.stderr)")
                #expect(lines.contains { $0.hasPrefix("level=warn") && $0.contains("feed write failed") }, "\(daemon.stderr)")
            } else {
                let below = lines.filter { !$0.hasPrefix("level=error") }
                #expect(below.isEmpty, "lines below error at --log-level error:\n\(below.joined(separator: "\n"))")
            }
        }
    }
}
