// The one shape of every long-lived part of the gateway, after
// swift-service-lifecycle's `Service`: `run()` does the work and returns
// once the part has stopped; `shutdown()` asks it to stop gracefully
// (finish what is in flight, then return from `run()`). The pollers, the
// pipeline and the feed sender are services; an HTTP server slots in the same way.

public protocol Service: Sendable {
    /// Runs until the service has stopped: after `shutdown()`, or by itself.
    /// A service whose `shutdown()` came before `run()` returns at once.
    func run() async throws

    /// Asks `run()` to return after the work in flight. Never blocks; may be
    /// called more than once, and before `run()`.
    func shutdown()

    /// Called on every service, at once, when the gateway starts to stop and
    /// before any service is shut down: stop judging what is about to go
    /// quiet (a pipeline stops evaluating communication loss). Default: nothing.
    func shutdownWillBegin()
}

extension Service {
    public func shutdownWillBegin() {}
}
