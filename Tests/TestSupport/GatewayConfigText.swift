// The gateway config an end-to-end test writes: the header every such test
// repeats (gateway, profiles, store, feed) in one place, followed by the
// test's own sections (stations, buses, http).

import Foundation

/// The JSON5 text of a gateway config: `gateway: { <gateway> }`, the profiles
/// folder, the store at `store` and the feed at `feed` (precision ms, then
/// `feedOptions`), followed by `sections`, JSON5 members such as `stations: [...]`.
/// Relative paths resolve against the config's folder.
public func gatewayConfigText(profiles: String, gateway: String = #"id: "gw-test""#, store: String = "var/pumpgw.db",
                              storeOptions: String = "", feed: String = "file:var/feed.lp", feedOptions: String = "",
                              _ sections: String) -> String {
    """
    {
      gateway: { \(gateway) },
      profiles: "\(profiles)",
      store: { path: "\(store)", \(storeOptions) },
      feed: { url: "\(feed)", precision: "ms", \(feedOptions) },
      \(sections)
    }
    """
}
