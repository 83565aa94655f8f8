// The one error type of feed configuration: what the user must fix, as one line.

public struct FeedConfigError: Error, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
