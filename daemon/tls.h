/*
 * tls.h: TLS for both sides of the proxy, on OpenSSL 3.
 *
 * Policy, the same for downstream (workers) and upstream (frontend):
 * TLS 1.2 or later; TLS 1.2 limited to ECDHE with an AEAD cipher (what
 * HTTP/2 requires, RFC 9113 section 9.2.2); TLS 1.3 suites are OpenSSL's
 * defaults; security level at least 2; no renegotiation, no compression;
 * ALPN must select "h2" or the connection is refused.  The client side
 * always verifies the server's chain and name: there is no insecure mode.
 *
 * Contexts are built when the configuration is loaded (so -t and SIGHUP
 * read and check every certificate, key and CA file) and live in the
 * config; a connection keeps its own reference to the OpenSSL context,
 * so a reload never pulls a key from under a live connection and new
 * connections use the new files.
 *
 * I/O: the SSL object sits on the nonblocking socket.  tls_handshake(),
 * tls_read() and tls_write() return TLS_WANT_READ or TLS_WANT_WRITE when
 * the socket would block; the caller waits for that event and calls the
 * same function again (tls_write() with the same bytes: nghttp2 does
 * so).  Errors come back as TLS_ERR with a one-line reason built from
 * OpenSSL's error strings (and the X.509 verification result); the
 * thread's OpenSSL error queue is left empty.
 *
 * Ownership: tls_ctx_new() returns a context the caller frees with
 * tls_ctx_free(); tls_conn_new() returns a connection the caller frees
 * with tls_conn_free() (which does not close the fd).  _free(NULL) is a
 * no-op.
 */
#ifndef TLS_H
#define TLS_H

#include <sys/types.h>
#include <stddef.h>

#define TLS_WHY_MAX		160	/* reason strings, with the NUL */

/* Return codes below 0 of the I/O functions. */
#define TLS_ERR			(-1)
#define TLS_WANT_READ		(-2)
#define TLS_WANT_WRITE		(-3)

enum tls_role {
	TLS_SERVER,		/* downstream: we accept workers */
	TLS_CLIENT		/* upstream: we connect to the frontend */
};

struct tls_ctx;
struct tls_conn;

/* A context with the policy above; NULL (and why) on failure. */
struct tls_ctx	*tls_ctx_new(enum tls_role, char *why, size_t whylen);
void		 tls_ctx_free(struct tls_ctx *);

/*
 * Loads a PEM certificate chain and its unencrypted PEM private key and
 * checks that they belong together.  Returns 0, or -1 with the reason
 * about each file in certwhy and keywhy (each "" when that file is fine;
 * both hold whylen bytes).
 */
int	tls_ctx_load_pair(struct tls_ctx *, const char *cert,
	    const char *key, char *certwhy, char *keywhy, size_t whylen);

/*
 * Trust anchors.  Server: require a client certificate issued by a CA in
 * path (mTLS).  Client: verify the server against path, or against the
 * system trust store when path is NULL.  0, or -1 with why.
 */
int	tls_ctx_load_ca(struct tls_ctx *, const char *path, char *why,
	    size_t whylen);

/*
 * Client only: the name sent as SNI and checked against the server's
 * certificate (an IP address is checked against its IP SANs, and sent
 * without SNI).  0, or -1 with why.
 */
int	tls_ctx_set_server_name(struct tls_ctx *, const char *name,
	    char *why, size_t whylen);

/* A connection on fd in the context's role; NULL with why on failure. */
struct tls_conn	*tls_conn_new(struct tls_ctx *, int fd, char *why,
		    size_t whylen);
/* Sends close_notify if the session is healthy; does not close fd. */
void		 tls_conn_free(struct tls_conn *);

/*
 * Drives the handshake: 0 when done (and "h2" was negotiated), else
 * TLS_WANT_READ, TLS_WANT_WRITE or TLS_ERR (with why).
 */
int	tls_handshake(struct tls_conn *, char *why, size_t whylen);

/* Bytes read (> 0), 0 at end of stream, or TLS_WANT_* / TLS_ERR. */
ssize_t	tls_read(struct tls_conn *, void *buf, size_t len, char *why,
	    size_t whylen);
/* Bytes written (> 0), or TLS_WANT_* / TLS_ERR. */
ssize_t	tls_write(struct tls_conn *, const void *buf, size_t len,
	    char *why, size_t whylen);

/* 1 when decrypted bytes wait in the SSL object (no socket event). */
int	tls_pending(const struct tls_conn *);
/* 1 when the last tls_read() needs the socket writable to go on. */
int	tls_read_wants_write(const struct tls_conn *);

/*
 * The socket events to wait for, TLS_EV_READ and/or TLS_EV_WRITE, when
 * the application has bytes to write (app_write) or not.  Follows what
 * the last tls_read() and tls_write() asked for: a read that wants the
 * socket writable waits for writability only, and a write that wants it
 * readable waits for readability only (never a watcher that would fire
 * without letting the operation progress).
 */
#define TLS_EV_READ		0x01
#define TLS_EV_WRITE		0x02
int	tls_events(const struct tls_conn *, int app_write);

/* "TLSv1.3 TLS_AES_128_GCM_SHA256" and the peer's subject, for logs. */
void	tls_conn_describe(const struct tls_conn *, char *buf, size_t len);

#endif /* TLS_H */
