// The feed's `url` setting, parsed: which kind of sink, where, and with
// which credentials (read from an environment variable or a file, never
// from the URL, never printed). `FeedSinks.make` builds the sink.

import Foundation
import Profiles

/// Where the feed goes, as `feed.url` says.
public enum FeedURL: Sendable, Equatable {
    /// InfluxDB 1.x `http(s)://host:port/write?db=NAME[&rp=...]`.
    case influxV1(URL)
    /// InfluxDB 2.x/3.x `http(s)://host:port/api/v2/write?org=ORG&bucket=BUCKET`.
    case influxV2(URL)
    /// VictoriaMetrics (or any line-protocol HTTP endpoint) `http(s)://host:port/write` without `db`.
    case lineProtocolHTTP(URL)
    /// Raw line protocol over TCP: `tcp://host:port`.
    case tcp(host: String, port: Int)
    /// Appends to a file: `file:PATH` (relative to the config's folder).
    case file(String)
    case stdout

    /// The write URL of the HTTP cases.
    var httpURL: URL? {
        switch self {
        case .influxV1(let url), .influxV2(let url), .lineProtocolHTTP(let url): return url
        case .tcp, .file, .stdout: return nil
        }
    }

    /// Parses `text`; the HTTP cases get `precision=` added for `precision`.
    /// A relative `file:` path is resolved against `base`.
    public static func parse(_ text: String, precision: Precision = .ms, relativeTo base: URL? = nil)
        throws(FeedConfigError) -> FeedURL {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "stdout" || trimmed == "-" { return .stdout }
        if trimmed.hasPrefix("file:") {
            var path = String(trimmed.dropFirst(5))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard !path.isEmpty else { throw problem(text, "file: needs a path, e.g. file:var/feed.lp") }
            if let base { path = ConfigPath.resolve(path, against: base) }
            return .file(path)
        }
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased() else {
            throw problem(text, "not a URL; expected http://host:port/write?db=NAME, tcp://host:port, file:PATH or stdout")
        }
        guard ["tcp", "http", "https"].contains(scheme) else {
            throw problem(text, "unknown scheme \"\(scheme)\"; expected http, https, tcp, file: or stdout")
        }
        guard let host = components.host, !host.isEmpty else { throw problem(text, "no host") }
        if components.user != nil || components.password != nil {
            throw problem(text, "credentials do not belong in the URL: use feed.username with feed.tokenEnv or feed.tokenFile")
        }
        if let port = components.port, !(1...65535).contains(port) { throw problem(text, "port \(port) out of range") }
        switch scheme {
        case "tcp":
            guard let port = components.port else { throw problem(text, "tcp:// needs a port, e.g. tcp://127.0.0.1:8089") }
            guard components.path.isEmpty || components.path == "/" else { throw problem(text, "tcp:// takes no path") }
            return .tcp(host: host, port: port)
        default:
            return try http(components, original: text, precision: precision)
        }
    }

    private static func http(_ parsed: URLComponents, original: String, precision: Precision)
        throws(FeedConfigError) -> FeedURL {
        var components = parsed
        var items = components.queryItems ?? []
        if items.contains(where: { $0.name == "precision" }) {
            throw problem(original, "leave precision out of the URL; set feed.precision instead")
        }
        if items.contains(where: { ["u", "p", "token"].contains($0.name) }) {
            throw problem(original, "credentials do not belong in the URL: use feed.username with feed.tokenEnv or feed.tokenFile")
        }
        func value(_ name: String) -> String? {
            items.first { $0.name == name }?.value.flatMap { $0.isEmpty ? nil : $0 }
        }
        let path = components.path
        let kind: (URL) -> FeedURL
        let precisionText: String
        if path.hasSuffix("/api/v2/write") {
            guard value("bucket") != nil else { throw problem(original, "/api/v2/write needs bucket=NAME") }
            kind = FeedURL.influxV2
            precisionText = precision.rawValue
        } else if path.hasSuffix("/write") {
            if value("db") != nil {
                kind = FeedURL.influxV1
                // InfluxDB 1.x spells microseconds "u" and nanoseconds "n".
                precisionText = precision == .us ? "u" : precision == .ns ? "n" : precision.rawValue
            } else if items.contains(where: { $0.name == "db" }) {
                throw problem(original, "db= is empty")
            } else {
                kind = FeedURL.lineProtocolHTTP
                precisionText = precision.rawValue
            }
        } else {
            throw problem(original, "path must end in /write (InfluxDB 1.x with ?db=NAME, VictoriaMetrics) or /api/v2/write (InfluxDB 2.x/3.x)")
        }
        items.append(URLQueryItem(name: "precision", value: precisionText))
        components.queryItems = items
        guard let url = components.url else { throw problem(original, "cannot build the write URL") }
        return kind(url)
    }

    private static func problem(_ url: String, _ message: String) -> FeedConfigError {
        FeedConfigError("feed.url \"\(url)\": \(message)")
    }
}

public enum FeedSinks {
    /// The sink `section` names (see `FeedOptions`).
    public static func make(_ section: FeedSection, relativeTo configDirectory: URL? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            timeout: Double = 10) throws(FeedConfigError) -> any FeedSink {
        try FeedOptions(section: section, relativeTo: configDirectory, environment: environment).makeSink(timeout: timeout)
    }

    /// The secret, trimmed of surrounding whitespace; nil when none is configured.
    static func readSecret(_ section: FeedSection, relativeTo directory: URL?,
                           environment: [String: String]) throws(FeedConfigError) -> String? {
        if section.tokenEnv != nil && section.tokenFile != nil {
            throw FeedConfigError("feed: set feed.tokenEnv or feed.tokenFile, not both")
        }
        if let name = section.tokenEnv {
            guard let value = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
                throw FeedConfigError("feed.tokenEnv: environment variable \(name) is not set or empty")
            }
            return value
        }
        if let file = section.tokenFile {
            let url = URL(fileURLWithPath: directory.map { ConfigPath.resolve(file, against: $0) } ?? file)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw FeedConfigError("feed.tokenFile: cannot read \(url.path)")
            }
            let value = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else { throw FeedConfigError("feed.tokenFile: \(url.path) is empty") }
            return value
        }
        return nil
    }
}
