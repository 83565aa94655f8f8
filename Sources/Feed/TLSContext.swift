// The TLS settings of one HTTPS sink: TLS 1.2 or later, the server's
// certificate chain verified against the system's CA bundle (or the file
// SSL_CERT_FILE names: a private CA), and its name against the URL's host.

import COpenSSL

/// An OpenSSL client context, made once per sink and shared by its connections.
// @unchecked Sendable: OpenSSL lets one SSL_CTX serve SSL objects on any
// thread once it is set up, and this one is never changed after `init`.
final class TLSContext: @unchecked Sendable {
    let pointer: OpaquePointer

    /// `caFile`: a PEM bundle to trust instead of the system's (SSL_CERT_FILE).
    /// The error says what to fix.
    init(caFile: String?) throws(SocketFailure) {
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw SocketFailure(nil, "TLS: cannot create a TLS context: " + TLSContext.queuedError())
        }
        pointer = context
        guard pumpgw_ssl_ctx_require_tls12(context) == 1 else {
            throw SocketFailure(nil, "TLS: cannot require TLS 1.2: " + TLSContext.queuedError())
        }
        pumpgw_ssl_ctx_ignore_unexpected_eof(context)
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        if let caFile {
            guard SSL_CTX_load_verify_file(context, caFile) == 1 else {
                throw SocketFailure(nil, "SSL_CERT_FILE: cannot load CA certificates from \(caFile): " + TLSContext.queuedError())
            }
        } else if SSL_CTX_set_default_verify_paths(context) != 1 {
            throw SocketFailure(nil, "TLS: cannot load the system's CA certificates: " + TLSContext.queuedError())
        }
    }

    deinit { SSL_CTX_free(pointer) }

    /// The reason of the oldest error on this thread's OpenSSL queue (which is then cleared).
    static func queuedError() -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return "no reason given" }
        if let reason = ERR_reason_error_string(code) { return String(cString: reason) }
        return "OpenSSL error \(code)"
    }
}
