// The feed's config section as typed options: the one place `feed.url`,
// `feed.precision`, `feed.batchSize` and the credentials become values.

import Foundation
import Profiles

/// The `feed` section, checked and typed: where the feed goes, at which
/// precision, in which batches, with which credentials. Made once by the
/// config loader (so `check` refuses what `run` would), then `makeSink()`.
public struct FeedOptions: Sendable {
    public var target: FeedURL
    public var precision: Precision
    /// Lines per write (feed.batchSize).
    public var batchSize: Int
    public var credentials: HTTPCredentials
    /// For `https://`: the CA bundle to trust instead of the system's, from
    /// the environment variable SSL_CERT_FILE (OpenSSL's own name for it).
    public var caFile: String?

    /// The default when a config has no `feed` section.
    public static let defaultSection = FeedSection(url: "file:var/feed.lp")

    /// Reads `section` (nil: `defaultSection`). Credentials: the secret comes
    /// from the environment variable `tokenEnv` or the file `tokenFile`
    /// (relative to `configDirectory`); InfluxDB 1.x and VictoriaMetrics use
    /// HTTP basic with `username`, InfluxDB 2.x/3.x a token. Errors name the
    /// field to fix and never contain the secret.
    public init(section: FeedSection?, relativeTo configDirectory: URL? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws(FeedConfigError) {
        let section = section ?? Self.defaultSection
        precision = try Precision(config: section.precision)
        target = try FeedURL.parse(section.url, precision: precision, relativeTo: configDirectory)
        batchSize = section.batchSize ?? 5000
        let secret = try FeedSinks.readSecret(section, relativeTo: configDirectory, environment: environment)
        caFile = environment["SSL_CERT_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        if let caFile, target.httpURL?.scheme == "https" {
            // Loaded once here, so `check` and start-up refuse a CA file the sink could not use.
            do throws(SocketFailure) { _ = try TLSContext(caFile: caFile) } catch { throw FeedConfigError(error.problem) }
        }
        switch target {
        case .stdout, .file, .tcp:
            credentials = .none
        case .influxV2:
            guard let secret else { throw FeedConfigError("feed: InfluxDB 2.x/3.x needs a token: set feed.tokenEnv or feed.tokenFile") }
            credentials = .token(secret)
        case .influxV1, .lineProtocolHTTP:
            switch (section.username, secret) {
            case (nil, nil): credentials = .none
            case (let user?, let password?): credentials = .basic(user: user, password: password)
            case (nil, _?): throw FeedConfigError("feed.username: needed with a password (feed.tokenEnv or feed.tokenFile)")
            case (_?, nil): throw FeedConfigError("feed: feed.username needs a password: set feed.tokenEnv or feed.tokenFile")
            }
        }
    }

    /// The line encoder at this feed's precision.
    public func makeLines() -> FeedLines { FeedLines(precision: precision) }

    public func makeSink(timeout: Double = 10) -> any FeedSink {
        switch target {
        case .stdout: return FileSink.standardOutput()
        case .file(let path): return FileSink(path: path)
        case .tcp(let host, let port): return TCPSink(host: host, port: port, timeout: timeout)
        case .influxV1(let url), .influxV2(let url), .lineProtocolHTTP(let url):
            return HTTPSink(url: url, credentials: credentials, timeout: timeout, caFile: caFile)
        }
    }
}

extension Precision {
    /// Reads the config's `precision` ("s", "ms", "us", "ns"; nil means "ms").
    public init(config: String?) throws(FeedConfigError) {
        guard let text = config else { self = .ms; return }
        guard let precision = Precision(rawValue: text) else {
            throw FeedConfigError("feed.precision: \"\(text)\" is not one of s, ms, us, ns")
        }
        self = precision
    }
}
