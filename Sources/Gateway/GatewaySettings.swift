// The gateway's configuration, read and checked once into typed values: the
// one loader that `run`, `check`, `demo` and SIGHUP all go through, so that
// `check` refuses exactly what `run` would. Each part is checked by the
// module that uses it, which reports its own problems:
// - Profiles (ConfigLoader): syntax, shape, stations and devices resolved
//   with their profiles, read plans and durations;
// - Rules (RuleChecks): every rule and override, in the same pass as the
//   rest, so a config with a shape problem still gets its rule problems;
// - Feed (FeedOptions): target, precision, batch size, credentials;
// - Store (StoreOptions): durability, retention, history, outbox cap,
//   typed from values ConfigChecks has checked.
// Every problem comes back at once, as FILE:LINE: path: message.

import Feed
import Foundation
import HTTPServer
import Profiles
import Rules
import Store

public struct GatewaySettings: Sendable {
    /// Stations, devices resolved with their profiles and plans, the file.
    public var loaded: LoadedConfig
    public var gatewayId: String
    /// Where daily rule windows are read (gateway.timeZone).
    public var timeZone: TimeZone
    /// Absolute path of the SQLite store.
    public var storePath: String
    public var store: StoreOptions
    public var feed: FeedOptions

    public var file: String { loaded.file }
    public var devices: [ResolvedDevice] { loaded.devices }


    /// Reads, checks and types the config at `path`; throws every problem.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ConfigProblems) -> GatewaySettings {
        let loaded = try ConfigLoader.load(path: path, sections: sectionChecks(environment: environment),
                                           devices: [RuleChecks.check])
        var problems: [ConfigProblem] = []
        let configDirectory = URL(fileURLWithPath: path).deletingLastPathComponent()
        var feed: FeedOptions?
        do {
            feed = try FeedOptions(section: loaded.config.feed, relativeTo: configDirectory, environment: environment)
        } catch {
            problems.append(ConfigProblem(file: path, path: error.field, message: error.detail))
        }
        var store: StoreOptions?
        do {
            store = try StoreOptions(section: loaded.config.store, outboxMaxLines: loaded.config.feed?.outboxMaxLines)
        } catch {
            problems.append(ConfigProblem(file: path, path: error.field, message: error.message))
        }
        let zoneName = loaded.config.gateway.timeZone ?? RuleResolver.defaultTimeZoneIdentifier
        let timeZone = TimeZone(identifier: zoneName)
        guard problems.isEmpty, let feed, let store, let timeZone else {
            throw ConfigProblems(loaded.locating(problems))
        }
        return GatewaySettings(loaded: loaded, gatewayId: loaded.config.gateway.id, timeZone: timeZone,
                               storePath: loaded.storePath, store: store, feed: feed)
    }

    /// The feed's own check of its section, run by ConfigLoader with the
    /// rest (every problem at once). The store section's values are
    /// durations and numbers that ConfigChecks checks; StoreOptions only
    /// types them.
    static func sectionChecks(environment: [String: String]) -> [SectionCheck] {
        let feed = SectionCheck("feed") { value, directory, clean in
            do throws(FeedConfigError) {
                if clean, let section = value.decoded(as: FeedSection.self) {
                    _ = try FeedOptions(section: section, relativeTo: directory, environment: environment)
                } else if let url = value.decoded(as: URLField.self)?.url {
                    // Other fields are broken: the URL alone still says something.
                    _ = try FeedURL.parse(url, relativeTo: directory)
                }
                return []
            } catch {
                return [(error.field, error.detail)]
            }
        }
        // The window's address: numeric, with a port (what the server will bind).
        let http = SectionCheck("http") { value, _, clean in
            guard clean, let listen = value.decoded(as: HTTPSection.self)?.listen,
                  case .failure(let error) = ListenAddress.parse(listen) else { return [] }
            return [("http.listen", error.message)]
        }
        return [feed, http]
    }

    /// The settings a reload cannot apply to a running gateway (the store is
    /// open, the sender holds its sink): the fields that differ, by name.
    public func changesNeedingRestart(from running: GatewaySettings) -> [String] {
        var fields: [String] = []
        if gatewayId != running.gatewayId { fields.append("gateway.id") }
        if storePath != running.storePath { fields.append("store.path") }
        let new = loaded.config, old = running.loaded.config
        if new.store?.synchronous != old.store?.synchronous { fields.append("store.synchronous") }
        if new.store?.retention != old.store?.retention { fields.append("store.retention") }
        if new.store?.maxSizeMB != old.store?.maxSizeMB { fields.append("store.maxSizeMB") }
        if new.store?.history != old.store?.history { fields.append("store.history") }
        let newFeed = new.feed ?? FeedOptions.defaultSection, oldFeed = old.feed ?? FeedOptions.defaultSection
        if newFeed.url != oldFeed.url { fields.append("feed.url") }
        if newFeed.precision != oldFeed.precision { fields.append("feed.precision") }
        if newFeed.batchSize != oldFeed.batchSize { fields.append("feed.batchSize") }
        if newFeed.outboxMaxLines != oldFeed.outboxMaxLines { fields.append("feed.outboxMaxLines") }
        if newFeed.username != oldFeed.username || newFeed.tokenEnv != oldFeed.tokenEnv
            || newFeed.tokenFile != oldFeed.tokenFile || feed.credentials != running.feed.credentials {
            fields.append("feed credentials")
        }
        return fields
    }
}

/// The `url` of a feed section whose other fields are broken.
private struct URLField: Decodable {
    var url: String
}
