// Real servers for the end-to-end feed tests: InfluxDB 1.x (`influxd`) and
// VictoriaMetrics as child processes on 127.0.0.1, data in a temp folder,
// output to a log file there; stopped with SIGTERM (SIGKILL after 10 s) on
// every path, and queried over HTTP.

import Foundation
import TestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

struct ServerFailure: Error, CustomStringConvertible {
    var description: String
}

/// A child process whose output goes to `log`.
final class ChildServer {
    let process = Process()

    init(_ executable: String, _ arguments: [String], log: URL) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw ServerFailure(description: "\(executable) not found: `make test` installs it (Debian packages influxdb, victoria-metrics)")
        }
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        try output.seekToEnd()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try output.close()
    }

    /// SIGTERM, then SIGKILL if it has not exited within `grace` seconds.
    func stop(grace: Double = 10) {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(grace)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { stop() }

    /// Starts the child and waits until `probe` answers `status` (30 s at most);
    /// stops it again when it does not.
    static func ready(_ executable: String, _ arguments: [String], log: URL, probe: String, status: Int)
        async throws -> ChildServer {
        let child = try ChildServer(executable, arguments, log: log)
        do {
            try await TestHTTP.waitFor(try TestHTTP.url(probe), status: status, timeout: 30,
                                       what: (executable as NSString).lastPathComponent, log: log)
        } catch {
            child.stop()
            throw error
        }
        return child
    }
}

/// Plain HTTP for the tests' own queries and readiness checks.
enum TestHTTP {
    static func request(_ url: URL, method: String = "GET", body: String? = nil,
                        timeout: Double = 5) async -> (status: Int, body: Data)? {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        }
        guard let (data, response) = try? await URLSession.shared.data(for: request),
              let http = response as? HTTPURLResponse else { return nil }
        return (http.statusCode, data)
    }

    /// Polls `url` until it answers `status`, or throws after `timeout` seconds.
    static func waitFor(_ url: URL, status: Int, timeout: Double, what: String, log: URL) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let answer = await request(url, timeout: 1), answer.status == status { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw ServerFailure(description: "\(what) did not answer \(url) with \(status) within \(timeout) s; log:\n\(output.suffix(2000))")
    }

    static func url(_ text: String) throws -> URL {
        guard let url = URL(string: text) else { throw ServerFailure(description: "bad URL \(text)") }
        return url
    }
}

/// A temporary folder removed when the value goes away.
final class TempFolder {
    let url: URL
    init(_ prefix: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// InfluxDB 1.x on 127.0.0.1 with everything in a temp folder.
final class InfluxDB {
    static let binary = "/usr/bin/influxd"
    let folder: TempFolder
    let httpPort: Int
    let rpcPort: Int
    private var child: ChildServer?

    init() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw ServerFailure(description: "\(Self.binary) not found: the feed tests need InfluxDB 1.x; `make test` installs Debian's influxdb package")
        }
        folder = try TempFolder("feed-influxdb")
        httpPort = try freePort()
        rpcPort = try freePort()
        let root = folder.url.path
        let config = """
        reporting-disabled = true
        bind-address = "127.0.0.1:\(rpcPort)"
        [meta]
          dir = "\(root)/meta"
        [data]
          dir = "\(root)/data"
          wal-dir = "\(root)/wal"
          query-log-enabled = false
        [http]
          enabled = true
          bind-address = "127.0.0.1:\(httpPort)"
          log-enabled = false
        [monitor]
          store-enabled = false
        [continuous_queries]
          enabled = false
        [logging]
          level = "warn"
        """
        try Data(config.utf8).write(to: folder.url.appendingPathComponent("influxdb.conf"))
    }

    deinit { stop() }

    var base: String { "http://127.0.0.1:\(httpPort)" }
    var log: URL { folder.url.appendingPathComponent("influxd.log") }

    /// Starts influxd (on the same data folder and ports each time) and waits for /ping → 204.
    func start() async throws {
        child = try await ChildServer.ready(Self.binary, ["-config", folder.url.appendingPathComponent("influxdb.conf").path],
                                            log: log, probe: base + "/ping", status: 204)
    }

    func stop() {
        child?.stop()
        child = nil
    }

    /// A started server with the database `pumps`.
    static func withDatabase() async throws -> InfluxDB {
        let influx = try InfluxDB()
        try await influx.start()
        _ = try await influx.query("CREATE DATABASE pumps")
        return influx
    }

    /// Runs InfluxQL; returns the first statement's rows (times in ms), [] when none.
    func query(_ statement: String, db: String = "pumps") async throws -> [[Cell]] {
        var components = URLComponents(string: base + "/query")
        components?.queryItems = [.init(name: "db", value: db), .init(name: "epoch", value: "ms"),
                                  .init(name: "q", value: statement)]
        guard let url = components?.url else { throw ServerFailure(description: "bad query URL") }
        let method = statement.uppercased().hasPrefix("CREATE") || statement.uppercased().hasPrefix("DROP") ? "POST" : "GET"
        guard let answer = await TestHTTP.request(url, method: method, timeout: 10) else {
            throw ServerFailure(description: "query \(statement): no answer")
        }
        guard answer.status == 200 else {
            throw ServerFailure(description: "query \(statement): HTTP \(answer.status) \(String(decoding: answer.body, as: UTF8.self))")
        }
        // JSONDecoder, not JSONSerialization: the latter misreads some doubles on Linux.
        let document = try JSONDecoder().decode(QueryAnswer.self, from: answer.body)
        guard let first = document.results.first else { throw ServerFailure(description: "query \(statement): no result") }
        if let error = first.error { throw ServerFailure(description: "query \(statement): \(error)") }
        return (first.series ?? []).flatMap { $0.values ?? [] }
    }
}

/// An InfluxDB /query answer.
struct QueryAnswer: Decodable {
    struct Result: Decodable {
        var series: [Series]?
        var error: String?
    }
    struct Series: Decodable {
        var values: [[Cell]]?
    }
    var results: [Result]
}

/// One value of a query row.
enum Cell: Decodable, Equatable {
    case null, bool(Bool), integer(Int64), double(Double), string(String)

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int64.self) { self = .integer(value) }
        else if let value = try? container.decode(Double.self) { self = .double(value) }
        else { self = .string(try container.decode(String.self)) }
    }

    var int: Int? { if case .integer(let value) = self { return Int(value) } else { return nil } }
    var int64: Int64? { if case .integer(let value) = self { return value } else { return nil } }
    var double: Double? {
        switch self {
        case .double(let value): return value
        case .integer(let value): return Double(value)
        default: return nil
        }
    }
    var bool: Bool? { if case .bool(let value) = self { return value } else { return nil } }
    var string: String? { if case .string(let value) = self { return value } else { return nil } }
}

/// VictoriaMetrics on 127.0.0.1: HTTP (line protocol at /write) and the
/// InfluxDB TCP listener, data in a temp folder.
final class VictoriaMetrics {
    static let binary = "/usr/bin/victoria-metrics"
    let folder: TempFolder
    let httpPort: Int
    let tcpPort: Int
    private var child: ChildServer?

    init() throws {
        folder = try TempFolder("feed-victoria")
        httpPort = try freePort()
        tcpPort = try freePort()
    }

    deinit { stop() }

    var base: String { "http://127.0.0.1:\(httpPort)" }
    var log: URL { folder.url.appendingPathComponent("victoria-metrics.log") }

    func start() async throws {
        child = try await ChildServer.ready(Self.binary, [
            "-httpListenAddr", "127.0.0.1:\(httpPort)", "-influxListenAddr", "127.0.0.1:\(tcpPort)",
            "-storageDataPath", folder.url.appendingPathComponent("data").path,
            "-retentionPeriod", "100y", "-search.latencyOffset", "0s", "-loggerLevel", "WARN",
        ], log: log, probe: base + "/health", status: 200)
    }

    func stop() {
        child?.stop()
        child = nil
    }

    /// One series of /api/v1/export.
    struct Series: Decodable {
        var metric: [String: String]
        var values: [Double]
        var timestamps: [Int64]
    }

    /// Every series matching `selector`, from /api/v1/export (after a flush).
    func export(_ selector: String) async throws -> [Series] {
        _ = await TestHTTP.request(try TestHTTP.url(base + "/internal/force_flush"))
        var components = URLComponents(string: base + "/api/v1/export")
        components?.queryItems = [.init(name: "match[]", value: selector)]
        guard let url = components?.url, let answer = await TestHTTP.request(url, timeout: 10), answer.status == 200 else {
            throw ServerFailure(description: "export \(selector) failed")
        }
        return try answer.body.split(separator: UInt8(ascii: "\n")).map { line in
            try JSONDecoder().decode(Series.self, from: Data(line))
        }
    }
}
