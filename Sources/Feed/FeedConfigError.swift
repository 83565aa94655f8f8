// The one error type of feed configuration: what the user must fix, as one line.

public struct FeedConfigError: Error, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }

    /// The config field the message names first ("feed.url", "feed.tokenEnv";
    /// "feed" when it names none): where the config loader puts the line.
    public var field: String {
        let head = message.prefix { $0 != ":" && $0 != " " }
        return head.hasPrefix("feed.") ? String(head) : "feed"
    }

    /// The message without its leading field ("feed.url: ...", "feed: ...").
    public var detail: String {
        guard message.hasPrefix(field) else { return message }
        let rest = message.dropFirst(field.count).drop { $0 == ":" || $0 == " " }
        return rest.isEmpty ? message : String(rest)
    }
}
