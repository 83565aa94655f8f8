// The window's listener from outside the process: none without `http`,
// moved and dropped by SIGHUP, a clear start-up error for a port in use,
// and a real Prometheus (Debian's, on loopback) scraping the gateway.

import Foundation
import Testing
import TestSupport

@Suite("the window's listener", .serialized)
struct WindowListenerTests {
    @Test("no listening socket without http; SIGHUP opens, moves and drops it")
    func listenerFollowsTheConfig() throws {
        let site = try WindowSite()
        try site.writeConfig(listen: nil)
        let daemon = try Daemon(config: site.config.path)
        defer { _ = daemon.terminate() }
        #expect(daemon.waitFor("gateway started"), "stderr: \(daemon.stderr)")
        let pid = daemon.process.processIdentifier
        Thread.sleep(forTimeInterval: 1)
        #expect(listeningPorts(pid: pid) == [], "a listener without http")

        // SIGHUP with http: one listener, on the configured port.
        let first = UInt16(try unusedPort())
        try site.writeConfig(listen: "127.0.0.1:\(first)")
        daemon.signal(SIGHUP)
        #expect(eventually(20) { listeningPorts(pid: pid) == [first] }, "ports: \(listeningPorts(pid: pid)); \(daemon.stderr)")
        #expect(try TestClient.get(port: first, "/healthz").status == 200)

        // SIGHUP with another port: the old one closes, the new one answers.
        let second = UInt16(try unusedPort())
        try site.writeConfig(listen: "127.0.0.1:\(second)")
        daemon.signal(SIGHUP)
        #expect(eventually(20) { listeningPorts(pid: pid) == [second] }, "ports: \(listeningPorts(pid: pid))")
        #expect(throws: (any Error).self) { _ = try TestClient(port: first) }
        #expect(try TestClient.get(port: second, "/healthz").status == 200)

        // SIGHUP without http: no listener again.
        try site.writeConfig(listen: nil)
        daemon.signal(SIGHUP)
        #expect(eventually(20) { listeningPorts(pid: pid) == [] }, "ports: \(listeningPorts(pid: pid))")
        #expect(daemon.terminate() == 0)
    }

    @Test("a port in use is a start-up error that names the port")
    func portInUse() throws {
        let site = try WindowSite()
        let taken = try SilentListener()
        defer { taken.close() }
        try site.writeConfig(listen: "127.0.0.1:\(taken.port)")
        let result = try runToEnd(Paths.pumpgw, ["run", "--config", site.config.path], timeout: 20)
        #expect(result.status == 1)
        #expect(result.stderr.contains("port \(taken.port) is already in use"), "stderr: \(result.stderr)")
    }

    @Test("check warns when http does not listen on loopback")
    func checkWarnsOffLoopback() throws {
        let site = try WindowSite()
        try site.writeConfig(listen: "0.0.0.0:9108")
        let open = try runToEnd(Paths.pumpgw, ["check", site.config.path])
        #expect(open.status == 0)
        #expect(open.stderr.contains("warning: http.listen: 0.0.0.0:9108 is not a loopback address"))
        try site.writeConfig(listen: "127.0.0.1:9108")
        let loopback = try runToEnd(Paths.pumpgw, ["check", site.config.path])
        #expect(loopback.status == 0 && !loopback.stderr.contains("warning"))
        // What run would refuse, check refuses, with the line of the field.
        try site.writeConfig(listen: "localhost")
        let bad = try runToEnd(Paths.pumpgw, ["check", site.config.path])
        #expect(bad.status == 1 && bad.stderr.contains("http.listen: 'localhost' has no port"), "\(bad.stderr)")
        try site.writeConfig(listen: "localhost:9108")
        let named = try runToEnd(Paths.pumpgw, ["check", site.config.path])
        #expect(named.status == 1 && named.stderr.contains("http.listen: 'localhost' in 'localhost:9108' is not a numeric IPv4 or IPv6 address"),
                "\(named.stderr)")
        #expect(named.stderr.contains("gateway.json5:6: http.listen"), "\(named.stderr)")
    }

    @Test("a real Prometheus scrapes the gateway and finds pumpgw_device_up")
    func prometheusScrapes() throws {
        let site = try WindowSite()
        let port = try unusedPort()
        try site.writeConfig(listen: "127.0.0.1:\(port)")
        let daemon = try Daemon(config: site.config.path)
        defer { _ = daemon.terminate() }
        #expect(daemon.waitFor("http listening"), "stderr: \(daemon.stderr)")

        let prometheusPort = try unusedPort()
        let configFile = site.folder.appendingPathComponent("prometheus.yml")
        try """
        global: { scrape_interval: 1s, scrape_timeout: 1s }
        scrape_configs:
          - job_name: pumpgw
            static_configs: [ { targets: ["127.0.0.1:\(port)"] } ]
        """.write(to: configFile, atomically: true, encoding: .utf8)
        let prometheus = Process()
        prometheus.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus")
        prometheus.arguments = ["--config.file=\(configFile.path)",
                                "--storage.tsdb.path=\(site.folder.appendingPathComponent("tsdb").path)",
                                "--web.listen-address=127.0.0.1:\(prometheusPort)"]
        prometheus.standardOutput = FileHandle.nullDevice
        prometheus.standardError = FileHandle.nullDevice
        try prometheus.run()
        defer {
            prometheus.terminate()
            prometheus.waitUntilExit()
        }
        var answer = ""
        let found = eventually(40) {
            answer = (try? TestClient.get(port: UInt16(prometheusPort), "/api/v1/query?query=pumpgw_device_up"))?.text ?? ""
            return answer.contains("\"station\":\"LH-0107\"") && answer.contains("\"station\":\"FT-0412\"")
        }
        #expect(found, "Prometheus answered: \(answer)")
        #expect(answer.contains("\"__name__\":\"pumpgw_device_up\"") && answer.contains("\"job\":\"pumpgw\""))
        // The scrape itself was healthy (up is Prometheus's own per-target metric).
        let up = (try? TestClient.get(port: UInt16(prometheusPort), "/api/v1/query?query=up"))?.text ?? ""
        #expect(up.contains("\"value\":[") && up.contains(",\"1\"]"), "\(up)")
    }

    @Test("HTTP descriptors live above 1023 when the limit allows, and stay low but work when it does not",
          arguments: ["1024:2048", "1024"])
    func descriptorsLeaveModbusRoom(_ limit: String) throws {
        let site = try WindowSite()
        let port = UInt16(try unusedPort())
        try site.writeConfig(listen: "127.0.0.1:\(port)")
        let log = site.folder.appendingPathComponent("gateway.log")
        let gateway = Process()
        gateway.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
        gateway.arguments = ["--nofile=\(limit)", Paths.pumpgw, "run", "--config", site.config.path]
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        gateway.standardError = try FileHandle(forWritingTo: log)
        gateway.standardOutput = FileHandle.nullDevice
        try gateway.run()
        defer {
            gateway.terminate()
            gateway.waitUntilExit()
        }
        #expect(eventually(20) { (try? TestClient.get(port: port, "/healthz"))?.status == 200 },
                "\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        let listener = try #require(listeningSockets(pid: gateway.processIdentifier).first)
        #expect(listener.port == port)
        if limit == "1024" {
            #expect(listener.fd < 1024)          // no room above: kept low, and still serving
        } else {
            #expect(listener.fd >= 1024)         // moved out of libmodbus's range
        }
    }
}
