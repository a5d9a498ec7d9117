/*
 * tls.c: TLS contexts and nonblocking connections on OpenSSL 3 (see
 * tls.h for the policy and the I/O contract).
 */
#include <sys/types.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "tls.h"

/* TLS 1.2 only; TLS 1.3 suites stay OpenSSL's defaults (all AEAD). */
#define TLS_CIPHERS_12	"ECDHE+AESGCM:ECDHE+CHACHA20"
#define TLS_SECLEVEL	2
#define TLS_SID_CTX	"tenuo-sidecar"

static const unsigned char	tls_alpn_h2[] = { 2, 'h', '2' };

struct tls_ctx {
	SSL_CTX		*ctx;
	enum tls_role	 role;
	char		*server_name;	/* client: SNI, verification */
	int		 name_is_ip;
};

struct tls_conn {
	SSL		*ssl;
	enum tls_role	 role;
	int		 fatal;		/* failed: no close_notify */
	int		 read_wants_write;	/* last tls_read() */
	int		 write_wants_read;	/* last tls_write() */
};

/* ------------------------------------------------------------ errors */

/* OpenSSL's reason string for e, or its packed code when it has none. */
static const char *
tls_reason(unsigned long e, char *buf, size_t len)
{
	const char	*r = ERR_reason_error_string(e);

	if (r != NULL)
		return r;
	ERR_error_string_n(e, buf, len);
	return buf;
}

/*
 * Formats "prefix: reason" from the thread's OpenSSL error queue: the
 * first error (the cause), then the last (the context) when it differs,
 * as in "no start line (PEM lib)"; then empties the queue.  Characters a
 * grpc-message must not carry unescaped become '?'.
 */
static void
tls_why(char *why, size_t whylen, const char *prefix)
{
	unsigned long	 first = ERR_peek_error();
	unsigned long	 last = ERR_peek_last_error();
	char		 b1[128], b2[128];
	const char	*sep = *prefix != '\0' ? ": " : "";
	size_t		 i;

	if (first == 0)
		(void)snprintf(why, whylen, "%s%sunknown error", prefix, sep);
	else if (ERR_GET_REASON(first) == ERR_GET_REASON(last))
		(void)snprintf(why, whylen, "%s%s%s", prefix, sep,
		    tls_reason(first, b1, sizeof(b1)));
	else
		(void)snprintf(why, whylen, "%s%s%s (%s)", prefix, sep,
		    tls_reason(first, b1, sizeof(b1)),
		    tls_reason(last, b2, sizeof(b2)));
	ERR_clear_error();
	for (i = 0; why[i] != '\0'; i++)
		if (why[i] < 0x20 || why[i] > 0x7e || why[i] == '%')
			why[i] = '?';
}

/* ALPN (server side): "h2" or a fatal no_application_protocol alert. */
static int
tls_alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	unsigned int	i;

	(void)ssl;
	(void)arg;
	for (i = 0; i < inlen; i += 1u + in[i]) {
		if (in[i] > inlen - i - 1)
			break;
		if (in[i] == 2 && memcmp(in + i + 1, "h2", 2) == 0) {
			*out = in + i + 1;
			*outlen = 2;
			return SSL_TLSEXT_ERR_OK;
		}
	}
	return SSL_TLSEXT_ERR_ALERT_FATAL;
}

/* ----------------------------------------------------------- contexts */

static int
tls_ctx_policy(SSL_CTX *ctx, enum tls_role role)
{
	uint64_t	opts = SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
	    SSL_OP_IGNORE_UNEXPECTED_EOF;

	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, TLS_CIPHERS_12) != 1)
		return -1;
	if (SSL_CTX_get_security_level(ctx) < TLS_SECLEVEL)
		SSL_CTX_set_security_level(ctx, TLS_SECLEVEL);
	if (role == TLS_SERVER)
		opts |= SSL_OP_CIPHER_SERVER_PREFERENCE;
	(void)SSL_CTX_set_options(ctx, opts);
	(void)SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	if (role == TLS_SERVER) {
		SSL_CTX_set_alpn_select_cb(ctx, tls_alpn_select, NULL);
		return SSL_CTX_set_session_id_context(ctx,
		    (const unsigned char *)TLS_SID_CTX,
		    sizeof(TLS_SID_CTX) - 1) == 1 ? 0 : -1;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	/* SSL_CTX_set_alpn_protos() returns 0 on success */
	return SSL_CTX_set_alpn_protos(ctx, tls_alpn_h2,
	    sizeof(tls_alpn_h2)) == 0 ? 0 : -1;
}

struct tls_ctx *
tls_ctx_new(enum tls_role role, char *why, size_t whylen)
{
	struct tls_ctx	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		(void)snprintf(why, whylen, "out of memory");
		return NULL;
	}
	t->role = role;
	t->ctx = SSL_CTX_new(role == TLS_SERVER ? TLS_server_method() :
	    TLS_client_method());
	if (t->ctx == NULL || tls_ctx_policy(t->ctx, role) == -1) {
		tls_why(why, whylen, "cannot create a TLS context");
		tls_ctx_free(t);
		return NULL;
	}
	return t;
}

void
tls_ctx_free(struct tls_ctx *t)
{
	if (t == NULL)
		return;
	SSL_CTX_free(t->ctx);
	free(t->server_name);
	free(t);
}

/* Refuses to prompt for a passphrase: encrypted keys are an error. */
static int
tls_no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static EVP_PKEY *
tls_read_key(const char *path, char *why, size_t whylen)
{
	EVP_PKEY	*pk = NULL;
	BIO		*b;

	if ((b = BIO_new_file(path, "r")) == NULL) {
		tls_why(why, whylen, "cannot open the private key");
		return NULL;
	}
	pk = PEM_read_bio_PrivateKey(b, NULL, tls_no_passphrase, NULL);
	BIO_free(b);
	if (pk == NULL)
		tls_why(why, whylen, "cannot load the private key (PEM, "
		    "unencrypted)");
	return pk;
}

int
tls_ctx_load_pair(struct tls_ctx *t, const char *cert, const char *key,
    char *certwhy, char *keywhy, size_t whylen)
{
	EVP_PKEY	*pk;
	X509		*x;
	int		 rv = -1;

	certwhy[0] = keywhy[0] = '\0';
	ERR_clear_error();
	if (SSL_CTX_use_certificate_chain_file(t->ctx, cert) != 1)
		tls_why(certwhy, whylen, "cannot load the certificate chain "
		    "(PEM)");
	if ((pk = tls_read_key(key, keywhy, whylen)) == NULL ||
	    certwhy[0] != '\0')
		goto done;
	x = SSL_CTX_get0_certificate(t->ctx);
	if (x == NULL || X509_check_private_key(x, pk) != 1) {
		ERR_clear_error();
		(void)snprintf(keywhy, whylen, "private key does not match "
		    "the certificate in %s", cert);
		goto done;
	}
	if (SSL_CTX_use_PrivateKey(t->ctx, pk) != 1 ||
	    SSL_CTX_check_private_key(t->ctx) != 1) {
		tls_why(keywhy, whylen, "cannot use the private key");
		goto done;
	}
	rv = 0;
done:
	EVP_PKEY_free(pk);
	return rv;
}

static int
tls_ctx_client_cas(struct tls_ctx *t, const char *path, char *why,
    size_t whylen)
{
	STACK_OF(X509_NAME)	*names;

	if ((names = SSL_load_client_CA_file(path)) == NULL) {
		tls_why(why, whylen, "no CA certificate found");
		return -1;
	}
	SSL_CTX_set_client_CA_list(t->ctx, names);
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER |
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	return 0;
}

int
tls_ctx_load_ca(struct tls_ctx *t, const char *path, char *why,
    size_t whylen)
{
	ERR_clear_error();
	if (path == NULL) {
		if (SSL_CTX_set_default_verify_paths(t->ctx) != 1) {
			tls_why(why, whylen, "cannot load the system trust "
			    "store");
			return -1;
		}
		return 0;
	}
	if (SSL_CTX_load_verify_locations(t->ctx, path, NULL) != 1) {
		tls_why(why, whylen, "cannot load CA certificates (PEM)");
		return -1;
	}
	if (t->role == TLS_SERVER)
		return tls_ctx_client_cas(t, path, why, whylen);
	return 0;
}

static int
tls_is_ip(const char *name)
{
	unsigned char	buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, name, buf) == 1 ||
	    inet_pton(AF_INET6, name, buf) == 1;
}

int
tls_ctx_set_server_name(struct tls_ctx *t, const char *name, char *why,
    size_t whylen)
{
	size_t	n = strlen(name);

	if (n == 0 || n > 253) {
		(void)snprintf(why, whylen, "bad server name \"%s\"", name);
		return -1;
	}
	free(t->server_name);
	if ((t->server_name = strdup(name)) == NULL) {
		(void)snprintf(why, whylen, "out of memory");
		return -1;
	}
	t->name_is_ip = tls_is_ip(name);
	return 0;
}

/* -------------------------------------------------------- connections */

/* Client: SNI (names only) and the identity the chain must prove. */
static int
tls_conn_client(struct tls_ctx *t, SSL *ssl)
{
	if (t->server_name == NULL)
		return -1;
	SSL_set_connect_state(ssl);
	if (t->name_is_ip)
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
		    t->server_name) == 1 ? 0 : -1;
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (SSL_set_tlsext_host_name(ssl, t->server_name) != 1 ||
	    SSL_set1_host(ssl, t->server_name) != 1)
		return -1;
	return 0;
}

struct tls_conn *
tls_conn_new(struct tls_ctx *t, int fd, char *why, size_t whylen)
{
	struct tls_conn	*c;

	ERR_clear_error();
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		(void)snprintf(why, whylen, "out of memory");
		return NULL;
	}
	c->role = t->role;
	if ((c->ssl = SSL_new(t->ctx)) == NULL ||
	    SSL_set_fd(c->ssl, fd) != 1)
		goto fail;
	if (t->role == TLS_SERVER)
		SSL_set_accept_state(c->ssl);
	else if (tls_conn_client(t, c->ssl) == -1)
		goto fail;
	return c;
fail:
	tls_why(why, whylen, "cannot create a TLS connection");
	c->fatal = 1;
	tls_conn_free(c);
	return NULL;
}

void
tls_conn_free(struct tls_conn *c)
{
	if (c == NULL)
		return;
	if (c->ssl != NULL && !c->fatal && SSL_is_init_finished(c->ssl))
		(void)SSL_shutdown(c->ssl);	/* best effort */
	ERR_clear_error();
	SSL_free(c->ssl);
	free(c);
}

/*
 * Maps an SSL_* failure to our codes.  A failed X.509 verification is
 * reported with its own reason ("certificate verify failed: ...").
 */
static int
tls_fail(struct tls_conn *c, int rv, char *why, size_t whylen)
{
	int	err = SSL_get_error(c->ssl, rv), saved = errno;
	long	vr;

	if (err == SSL_ERROR_WANT_READ)
		return TLS_WANT_READ;
	if (err == SSL_ERROR_WANT_WRITE)
		return TLS_WANT_WRITE;
	c->fatal = 1;
	if ((vr = SSL_get_verify_result(c->ssl)) != X509_V_OK) {
		ERR_clear_error();
		(void)snprintf(why, whylen, "certificate verify failed: %s",
		    X509_verify_cert_error_string(vr));
	} else if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
		ERR_clear_error();
		(void)snprintf(why, whylen, "%s", saved != 0 ?
		    strerror(saved) : "connection closed by the peer");
	} else
		tls_why(why, whylen, "");
	return TLS_ERR;
}

int
tls_handshake(struct tls_conn *c, char *why, size_t whylen)
{
	const unsigned char	*p = NULL;
	unsigned int		 n = 0;
	int			 rv;

	ERR_clear_error();
	errno = 0;
	if ((rv = SSL_do_handshake(c->ssl)) != 1)
		return tls_fail(c, rv, why, whylen);
	SSL_get0_alpn_selected(c->ssl, &p, &n);
	if (n != 2 || memcmp(p, "h2", 2) != 0) {
		c->fatal = 1;
		(void)snprintf(why, whylen, "the peer did not negotiate "
		    "HTTP/2 (ALPN h2)");
		return TLS_ERR;
	}
	return 0;
}

ssize_t
tls_read(struct tls_conn *c, void *buf, size_t len, char *why,
    size_t whylen)
{
	size_t	n = 0;
	int	rv;

	c->read_wants_write = 0;
	ERR_clear_error();
	errno = 0;
	if ((rv = SSL_read_ex(c->ssl, buf, len, &n)) == 1)
		return (ssize_t)n;
	if (SSL_get_error(c->ssl, rv) == SSL_ERROR_ZERO_RETURN) {
		ERR_clear_error();
		return 0;
	}
	rv = tls_fail(c, rv, why, whylen);
	c->read_wants_write = rv == TLS_WANT_WRITE;
	return rv;
}

ssize_t
tls_write(struct tls_conn *c, const void *buf, size_t len, char *why,
    size_t whylen)
{
	size_t	n = 0;
	int	rv;

	c->write_wants_read = 0;
	ERR_clear_error();
	errno = 0;
	if ((rv = SSL_write_ex(c->ssl, buf, len, &n)) == 1)
		return (ssize_t)n;
	rv = tls_fail(c, rv, why, whylen);
	c->write_wants_read = rv == TLS_WANT_READ;
	return rv;
}

int
tls_pending(const struct tls_conn *c)
{
	return SSL_pending(c->ssl) > 0;
}

int
tls_read_wants_write(const struct tls_conn *c)
{
	return c->read_wants_write;
}

/*
 * A read that waits on the socket being writable must not be retried on
 * readability (nothing it can do until then), nor a write that waits on
 * readability on writability: either would make its watcher fire again
 * and again while nothing progresses.
 */
int
tls_events(const struct tls_conn *c, int app_write)
{
	int	ev;

	ev = c->read_wants_write ? TLS_EV_WRITE : TLS_EV_READ;
	if (c->write_wants_read)
		ev |= TLS_EV_READ;
	else if (app_write)
		ev |= TLS_EV_WRITE;
	return ev;
}

void
tls_conn_describe(const struct tls_conn *c, char *buf, size_t len)
{
	X509	*peer = SSL_get0_peer_certificate(c->ssl);
	char	 subj[256] = "no client certificate";

	if (peer != NULL)
		(void)X509_NAME_oneline(X509_get_subject_name(peer), subj,
		    sizeof(subj));
	(void)snprintf(buf, len, "%s %s, %s", SSL_get_version(c->ssl),
	    SSL_get_cipher_name(c->ssl), c->role == TLS_SERVER ? subj :
	    "server verified");
}
