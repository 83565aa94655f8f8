// TLS over a SocketStream, with OpenSSL working between two memory BIOs:
// OpenSSL never touches the socket. This stream moves the ciphertext, so
// every socket call is ours: reads bounded by the caller's deadline and
// sends by the transport's timeout, sent with MSG_NOSIGNAL (a peer that
// closes mid-write cannot raise SIGPIPE), and read in pieces of at most
// 16 KiB, only when OpenSSL asks for more.

import COpenSSL
import Sockets
#if canImport(Glibc)
import Glibc
#endif

final class TLSStream: ByteStream {
    private let transport: SocketStream
    private let ssl: OpaquePointer
    /// Ciphertext from the socket, read by OpenSSL.
    private let incoming: OpaquePointer
    /// Ciphertext written by OpenSSL, for the socket.
    private let outgoing: OpaquePointer
    private var peerClosed = false

    private init(transport: SocketStream, ssl: OpaquePointer, incoming: OpaquePointer, outgoing: OpaquePointer) {
        self.transport = transport
        self.ssl = ssl
        self.incoming = incoming
        self.outgoing = outgoing
    }

    deinit { SSL_free(ssl) }   // frees both BIOs; the transport closes the socket

    /// A TLS session over `transport` once the handshake succeeded: the
    /// server's chain verified against `context`, its certificate against `host`.
    static func handshake(over transport: SocketStream, host: String, context: TLSContext,
                          until deadline: Deadline) -> Result<TLSStream, SocketFailure> {
        guard let ssl = SSL_new(context.pointer) else {
            return .failure(SocketFailure(nil, "TLS: " + TLSContext.queuedError()))
        }
        let incoming = BIO_new(BIO_s_mem()), outgoing = BIO_new(BIO_s_mem())
        guard let incoming, let outgoing else {
            BIO_free(incoming)
            BIO_free(outgoing)
            SSL_free(ssl)
            return .failure(SocketFailure(nil, "TLS: out of memory"))
        }
        SSL_set_bio(ssl, incoming, outgoing)   // the session owns both BIOs from here
        SSL_set_connect_state(ssl)
        let stream = TLSStream(transport: transport, ssl: ssl, incoming: incoming, outgoing: outgoing)
        // An address is checked against the certificate's IP names; a host name
        // is sent (SNI) and checked against its DNS names.
        let named = isAddress(host) ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host)
            : (pumpgw_ssl_set_server_name(ssl, host) == 1 ? SSL_set1_host(ssl, host) : 0)
        guard named == 1 else { return .failure(SocketFailure(nil, "TLS: cannot check the certificate against \(host)")) }
        switch stream.drive("handshake", until: deadline, { SSL_do_handshake($0) }) {
        case .success: return .success(stream)
        case .failure(let failure): return .failure(failure)
        }
    }

    func send(_ bytes: [UInt8]) -> SocketFailure? {
        var offset = 0
        while offset < bytes.count {
            let count = Int32(min(bytes.count - offset, 16384))
            // Writing into a memory BIO never waits: the socket sends are bounded by the transport's timeout.
            let written = drive("write", until: .after(.seconds(transport.timeout))) { ssl in
                bytes.withUnsafeBytes { SSL_write(ssl, $0.baseAddress! + offset, count) }
            }
            switch written {
            case .success(0): return SocketFailure("send", "connection closed by peer")
            case .success(let count): offset += count
            case .failure(let failure): return failure
            }
        }
        return nil
    }

    func receive(upTo count: Int, until deadline: Deadline) -> Result<[UInt8], SocketFailure> {
        var buffer = [UInt8](repeating: 0, count: max(1, min(count, 16384)))
        let read = drive("read", until: deadline) { ssl in
            buffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
        }
        return read.map { Array(buffer[0..<$0]) }
    }

    /// Runs one OpenSSL call to its end: what it writes goes to the socket,
    /// and while it wants to read, the socket is read into its input.
    /// The call's result (> 0), 0 when the peer closed the stream, or why it failed.
    private func drive(_ step: String, until deadline: Deadline, _ call: (OpaquePointer) -> Int32) -> Result<Int, SocketFailure> {
        while true {
            ERR_clear_error()
            let result = call(ssl)
            let error = SSL_get_error(ssl, result)
            if let failure = flushOutgoing() { return .failure(failure) }
            if result > 0 { return .success(Int(result)) }
            switch error {
            case SSL_ERROR_ZERO_RETURN:
                return .success(0)
            case SSL_ERROR_WANT_READ where !peerClosed:
                if let failure = fillIncoming(until: deadline) { return .failure(failure) }
            default:
                return .failure(failure(step))
            }
        }
    }

    /// Sends what OpenSSL has written.
    private func flushOutgoing() -> SocketFailure? {
        var buffer = [UInt8](repeating: 0, count: 16384)
        while BIO_ctrl_pending(outgoing) > 0 {
            let count = BIO_read(outgoing, &buffer, Int32(buffer.count))
            guard count > 0 else { break }
            if let failure = transport.send(Array(buffer[0..<Int(count)])) { return failure }
        }
        return nil
    }

    /// Reads what the socket has (at most 16 KiB, waiting until `deadline`) into OpenSSL's input.
    private func fillIncoming(until deadline: Deadline) -> SocketFailure? {
        switch transport.receive(upTo: 16384, until: deadline) {
        case .failure(let failure):
            return failure
        case .success(let bytes) where bytes.isEmpty:
            peerClosed = true
            pumpgw_bio_mark_eof(incoming)
        case .success(let bytes):
            _ = bytes.withUnsafeBytes { BIO_write(incoming, $0.baseAddress, Int32($0.count)) }
        }
        return nil
    }

    /// Why a TLS step failed, in words an operator can act on.
    private func failure(_ step: String) -> SocketFailure {
        let verification = SSL_get_verify_result(ssl)
        if verification != Int(X509_V_OK) {
            let reason = String(cString: X509_verify_cert_error_string(verification))
            return SocketFailure(nil, "TLS \(step): the server's certificate is not trusted: \(reason) "
                                 + "(a private CA: set SSL_CERT_FILE to its PEM file)")
        }
        if peerClosed && ERR_peek_error() == 0 { return SocketFailure(nil, "TLS \(step): connection closed by peer") }
        return SocketFailure(nil, "TLS \(step): " + TLSContext.queuedError())
    }

    private static func isAddress(_ host: String) -> Bool {
        var address = in6_addr()
        return inet_pton(AF_INET, host, &address) == 1 || inet_pton(AF_INET6, host, &address) == 1
    }
}
