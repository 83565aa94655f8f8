// The window as a service of the gateway: it listens from start-up (a port
// in use fails the start, naming the port), serves while the gateway runs,
// and closes first when it stops. SIGHUP moves, opens or closes the
// listener as the new config's `http` says.

import Feed
import Foundation
import HTTPServer
import Lifecycle
import Logging
import Profiles
import Synchronization

final class WindowService: Service {
    typealias Opener = @Sendable (LoadedConfig) throws(RuntimeError) -> GatewayWindow?

    private let open: Opener
    private let log: Logger
    private let stopRequested = Completion()
    /// The listening window (nil without `http`) and the `listen` it was opened for.
    private let current: Mutex<(window: GatewayWindow?, listen: String?, serving: Bool)>

    /// Binds the listener now when `config` has `http`.
    init(config: LoadedConfig, log: Logger, open: @escaping Opener) throws(RuntimeError) {
        self.open = open
        self.log = log
        current = Mutex((try open(config), config.config.http?.listen, false))
    }

    func run() async {
        current.withLock { state in
            state.serving = true
            if let window = state.window { start(window) }
        }
        await stopRequested.wait()
        // Joining the server's thread blocks: not on the cooperative pool.
        await onThread("http-stop") { self.close() }
    }

    private func close() {
        current.withLock { state in
            state.window?.stop()
            state.window = nil
            state.serving = false
        }
    }

    /// Before `run()` (a gateway stopped before it started) the listener
    /// closes at once; while running, `run()` closes it.
    func shutdown() {
        stopRequested.finish()
        let idle = current.withLock { !$0.serving && $0.window != nil }
        if idle { close() }
    }

    /// Applies a reloaded config. A new address that cannot be bound is
    /// logged and the old listener opened again.
    @available(*, noasync, message: "blocks while the old listener closes")
    func move(to config: LoadedConfig) {
        current.withLock { state in
            state.window?.update(config)
            let listen = config.config.http?.listen
            guard listen != state.listen else { return }
            state.window?.stop()
            state.window = nil
            do {
                state.window = try open(config)
                state.listen = listen
                log.info(listen == nil ? "http listener closed" : "http listener moved", ["listen": listen ?? ""])
            } catch {
                log.error("http listener not moved; the old one stays", ["error": "\(error)"])
                state.window = try? open(config.withListen(state.listen))
            }
            if state.serving, let window = state.window { start(window) }
        }
    }

    private func start(_ window: GatewayWindow) {
        window.start()
        log.info("http listening", ["listen": "\(window.server.address.host):\(window.server.port)"])
    }
}

extension LoadedConfig {
    /// This config with `http.listen` replaced (nil: no `http`).
    func withListen(_ listen: String?) -> LoadedConfig {
        var copy = self
        copy.config.http = listen.map(HTTPSection.init(listen:))
        return copy
    }
}
