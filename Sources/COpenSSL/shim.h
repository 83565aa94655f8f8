// OpenSSL 3 for the feed's HTTPS client (Debian: libssl-dev). This shim holds
// only what Swift cannot import: the function-like macros the client uses.
#ifndef PUMPGW_COPENSSL_SHIM_H
#define PUMPGW_COPENSSL_SHIM_H

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/bio.h>
#include <openssl/x509_vfy.h>

/// TLS 1.2 is the oldest version the client offers.
static inline int pumpgw_ssl_ctx_require_tls12(SSL_CTX *context) {
    return (int)SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
}

/// A peer that closes without close_notify ends the stream instead of failing
/// it (many HTTP servers do; the reply's framing says whether it was complete).
static inline void pumpgw_ssl_ctx_ignore_unexpected_eof(SSL_CTX *context) {
    SSL_CTX_set_options(context, SSL_OP_IGNORE_UNEXPECTED_EOF);
}

/// Server Name Indication: the host name the client asks for.
static inline int pumpgw_ssl_set_server_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

/// A memory BIO that reads as end of stream (0) once empty, after the peer closed.
static inline void pumpgw_bio_mark_eof(BIO *bio) {
    BIO_set_mem_eof_return(bio, 0);
}


#endif
