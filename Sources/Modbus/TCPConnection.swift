// Opening a Modbus TCP connection within a deadline (Sockets.TCPConnect:
// resolve, non-blocking connect, poll), with TCP_NODELAY, and its failures
// in the client's words.

import Sockets

enum TCPConnection {
    /// A connected, non-blocking socket to `host`:`port`.
    static func open(host: String, port: Int, until deadline: Deadline) throws(ModbusError) -> Int32 {
        do throws(SocketError) {
            return try TCPConnect.open(host: host, port: port, until: deadline, noDelay: true)
        } catch {
            throw .transport(failure(error))
        }
    }

    /// Any failed connect other than a refusal or a timeout is "unreachable".
    private static func failure(_ error: SocketError) -> TransportFailure {
        switch error {
        case .unresolved(let host, let reason): return .unresolved("\(host): \(reason)")
        case .timedOut: return .timedOut
        case .system(let call, let code) where call != "connect": return call == "socket" ? .system(code) : TransportFailure(errno: code)
        case .system(_, let code):
            let failure = TransportFailure(errno: code)
            switch failure {
            case .refused, .timedOut, .unreachable: return failure
            default: return .unreachable
            }
        }
    }
}
