// A module's own check of one section of the gateway config (feed, store,
// and later buses or http), run by ConfigLoader in the same pass as the rest
// so that every problem comes back at once, with its line. Profiles knows the
// shape of every section; the meaning of one belongs to the module that uses
// it (the feed parses its URL, the store its durability), as Telegraf's
// plugins each check their own configuration.

import Foundation

public struct SectionCheck: Sendable {
    /// The top-level key of the section, e.g. "feed".
    public let key: String
    /// Problems of the section as (path, message); `clean` is false when the
    /// shape check already found problems under the key (check only what
    /// still makes sense then).
    public typealias Check = @Sendable (_ section: JSONValue, _ configDirectory: URL, _ clean: Bool)
        -> [(path: String, message: String)]
    let check: Check

    public init(_ key: String, check: @escaping Check) {
        self.key = key
        self.check = check
    }
}

extension JSONValue {
    /// This value decoded as `type` (nil when it does not fit): for section checks.
    public func decoded<T: Decodable>(as type: T.Type) -> T? {
        JSONDocument.decode(type, from: self)
    }
}
