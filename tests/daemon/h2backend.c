/*
 * h2backend.c: a small gRPC server (h2c, or TLS with ALPN h2) for the
 * sidecar's integration test, on nghttp2 + libev + OpenSSL (its own code,
 * sharing nothing with daemon/).
 *
 *   h2backend [-c CERT -k KEY [-C CA] [-n]] [-P] -p PORT | -u /path
 *                                   (PORT 0: pick one, print "PORT n")
 *   -c/-k  speak TLS with this certificate chain and key; ALPN h2
 *   -C     require a client certificate issued by a CA in this file
 *   -n     TLS without ALPN (a server that cannot say "h2")
 *   -P     never answer a PING (a frontend that hangs)
 *   -r F   append the :path of every request received to file F, one a
 *          line, as it arrives (run-route.sh: what reached the frontend)
 *
 * Methods (no protobuf: bodies are opaque gRPC frames, echoed as sent):
 *   /test.Echo/Unary  response headers echo every request "x-*" field
 *                     (so -bin values come back byte for byte), plus
 *                     x-seen-user-agent, x-seen-grpc-timeout,
 *                     x-seen-authorization (when sent) and
 *                     grpc-encoding (copied from the request); the body
 *                     is the request body; trailers grpc-status 0 and
 *                     x-trailer-bin.  Every echo also carries x-conn,
 *                     the number of the connection it came on (1, 2...).
 *   /test.Echo/Delay  as Unary, after x-delay-ms milliseconds.
 *   /test.Echo/Fail   trailers-only: grpc-status 3, grpc-message,
 *                     grpc-status-details-bin.
 *   /test.Echo/Sleep  never answers; counts the RST_STREAMs it gets.
 *   /test.Echo/Goaway as Unary, after sending GOAWAY (NO_ERROR) with the
 *                     last stream processed, this one included: the
 *                     streams up to it are served, later ones ignored
 *                     (the client sees them refused).
 *   /test.Echo/Flood  x-flood-mb messages of 1 MiB each, as fast as flow
 *                     control lets them out.
 *   /test.Echo/Stats  one message: "cancelled=N sent=BYTES" (Flood bytes
 *                     handed to nghttp2 so far).
 *   anything else     trailers-only grpc-status 12.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>
#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#define BE_BODY_MAX	(80u * 1024u * 1024u)
#define BE_HDRS_MAX	64

struct be_stream {
	int32_t		 id;
	char		*path;
	nghttp2_nv	 echo[BE_HDRS_MAX];
	size_t		 necho;
	uint8_t		*body;
	size_t		 len, cap, off;
	long		 delay_ms;
	long		 flood_left;	/* messages */
	size_t		 flood_off;	/* within the current message */
	int		 sleeping;
	ev_timer	 timer;
	struct be_conn	*conn;
};

struct be_conn {
	int		 fd;
	ev_io		 rd, wr;
	nghttp2_session	*sess;
	SSL		*ssl;		/* NULL: h2c */
	int		 hs_done;
	char		 serial[16];	/* x-conn */
	int32_t		 goaway_last;	/* 0: no GOAWAY sent */
	unsigned	 nstreams;	/* be_streams alive */
	int		 lingering;	/* done: reading to EOF */
};

static SSL_CTX		*sctx;		/* NULL: h2c */
static int		 no_ping_ack;
static unsigned long	 nconns;

static unsigned long	cancelled;
static unsigned long	flood_sent;
#define BE_FLOOD_MSG	(1024u * 1024u)
static struct ev_loop	*loop;

static void	be_flush(struct be_conn *);

/* A field pointing at constant strings (nghttp2 copies it). */
static nghttp2_nv
be_nv(const char *n, const char *v)
{
	nghttp2_nv	nv;

	nv.name = (uint8_t *)(uintptr_t)n;
	nv.namelen = strlen(n);
	nv.value = (uint8_t *)(uintptr_t)v;
	nv.valuelen = strlen(v);
	nv.flags = NGHTTP2_NV_FLAG_NONE;
	return nv;
}

static void
be_nv_add(nghttp2_nv *nv, size_t *n, const char *name, size_t nl,
    const char *value, size_t vl)
{
	if (*n == BE_HDRS_MAX)
		return;
	nv[*n].name = (uint8_t *)strndup(name, nl);
	nv[*n].namelen = nl;
	nv[*n].value = (uint8_t *)strndup(value, vl);
	nv[*n].valuelen = vl;
	nv[*n].flags = NGHTTP2_NV_FLAG_NONE;
	(*n)++;
}

static void
be_stream_free(struct be_stream *s)
{
	size_t	i;

	ev_timer_stop(loop, &s->timer);
	for (i = 0; i < s->necho; i++) {
		free(s->echo[i].name);
		free(s->echo[i].value);
	}
	free(s->path);
	free(s->body);
	free(s);
}

static ssize_t
be_read_body(nghttp2_session *sess, int32_t id, uint8_t *buf, size_t len,
    uint32_t *flags, nghttp2_data_source *src, void *ud)
{
	struct be_stream	*s = src->ptr;
	size_t			 n = s->len - s->off;
	nghttp2_nv		 tr[2];
	static const char	 tb[] = "AAEC/w";	/* 00 01 02 ff */

	(void)ud;
	if (n > len)
		n = len;
	if (n > 0)
		memcpy(buf, s->body + s->off, n);
	s->off += n;
	if (s->off == s->len) {
		*flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
		tr[0] = be_nv("grpc-status", "0");
		tr[1] = be_nv("x-trailer-bin", tb);
		(void)nghttp2_submit_trailer(sess, id, tr, 2);
	}
	return (ssize_t)n;
}

/* Flood body: 1 MiB messages (prefix + pattern), then trailers. */
static ssize_t
be_read_flood(nghttp2_session *sess, int32_t id, uint8_t *buf, size_t len,
    uint32_t *flags, nghttp2_data_source *src, void *ud)
{
	struct be_stream	*s = src->ptr;
	size_t			 n = 0, pos;
	nghttp2_nv		 tr = be_nv("grpc-status", "0");

	(void)ud;
	while (n < len && s->flood_left > 0) {
		pos = s->flood_off;
		if (pos < 5)
			buf[n] = pos == 0 ? 0 : pos == 1 ? 0 :
			    pos == 2 ? 0x10 : 0;	/* 0x00100000 */
		else
			buf[n] = (uint8_t)pos;
		n++;
		if (++s->flood_off == BE_FLOOD_MSG + 5) {
			s->flood_off = 0;
			s->flood_left--;
		}
	}
	flood_sent += n;
	if (s->flood_left == 0) {
		*flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
		(void)nghttp2_submit_trailer(sess, id, &tr, 1);
	}
	return (ssize_t)n;
}

static void
be_flood(struct be_stream *s)
{
	nghttp2_nv		nv[2];
	nghttp2_data_provider	prd;

	nv[0] = be_nv(":status", "200");
	nv[1] = be_nv("content-type", "application/grpc");
	prd.source.ptr = s;
	prd.read_callback = be_read_flood;
	(void)nghttp2_submit_response(s->conn->sess, s->id, nv, 2, &prd);
}

static void
be_trailers_only(struct be_stream *s, const char *status, const char *msg,
    const char *details)
{
	nghttp2_nv	nv[5];
	size_t		n = 0;

	be_nv_add(nv, &n, ":status", 7, "200", 3);
	be_nv_add(nv, &n, "content-type", 12, "application/grpc", 16);
	be_nv_add(nv, &n, "grpc-status", 11, status, strlen(status));
	if (msg != NULL)
		be_nv_add(nv, &n, "grpc-message", 12, msg, strlen(msg));
	if (details != NULL)
		be_nv_add(nv, &n, "grpc-status-details-bin", 23, details,
		    strlen(details));
	(void)nghttp2_submit_response(s->conn->sess, s->id, nv, n, NULL);
	while (n > 0) {
		n--;
		free(nv[n].name);
		free(nv[n].value);
	}
}

static void
be_echo(struct be_stream *s)
{
	nghttp2_nv		nv[BE_HDRS_MAX + 3];
	nghttp2_data_provider	prd;
	size_t			n = 3, i;

	nv[0] = be_nv(":status", "200");
	nv[1] = be_nv("content-type", "application/grpc");
	nv[2] = be_nv("x-conn", s->conn->serial);
	for (i = 0; i < s->necho && n < BE_HDRS_MAX + 2; i++)
		nv[n++] = s->echo[i];
	prd.source.ptr = s;
	prd.read_callback = be_read_body;
	(void)nghttp2_submit_response(s->conn->sess, s->id, nv, n, &prd);
}

static void
be_delay_done(struct ev_loop *l, ev_timer *w, int revents)
{
	struct be_stream	*s = w->data;

	(void)l;
	(void)revents;
	be_echo(s);
	be_flush(s->conn);
}

static void
be_stats(struct be_stream *s)
{
	char	msg[96];
	int	n;

	n = snprintf(msg + 5, sizeof(msg) - 5, "cancelled=%lu sent=%lu",
	    cancelled, flood_sent);
	msg[0] = 0;
	msg[1] = msg[2] = msg[3] = 0;
	msg[4] = (char)n;
	free(s->body);
	if ((s->body = malloc((size_t)n + 5)) == NULL)
		abort();
	memcpy(s->body, msg, (size_t)n + 5);
	s->len = (size_t)n + 5;
	s->off = 0;
	be_echo(s);
}

static void
be_handle(struct be_stream *s)
{
	const char	*p = s->path != NULL ? s->path : "";

	if (s->conn->goaway_last > 0 && s->id > s->conn->goaway_last) {
		/* above our GOAWAY: never processed (RFC 9113 6.8) */
		(void)nghttp2_submit_rst_stream(s->conn->sess,
		    NGHTTP2_FLAG_NONE, s->id, NGHTTP2_REFUSED_STREAM);
		return;
	}
	if (strcmp(p, "/test.Echo/Unary") == 0)
		be_echo(s);
	else if (strcmp(p, "/test.Echo/Goaway") == 0) {
		s->conn->goaway_last = s->id;
		(void)nghttp2_submit_goaway(s->conn->sess, NGHTTP2_FLAG_NONE,
		    s->id, NGHTTP2_NO_ERROR, NULL, 0);
		be_echo(s);
	} else if (strcmp(p, "/test.Echo/Delay") == 0) {
		ev_timer_init(&s->timer, be_delay_done,
		    (double)s->delay_ms / 1000.0, 0.);
		s->timer.data = s;
		ev_timer_start(loop, &s->timer);
	} else if (strcmp(p, "/test.Echo/Fail") == 0)
		be_trailers_only(s, "3", "bad%20input", "CAMSCWJhZCBpbnB1dA");
	else if (strcmp(p, "/test.Echo/Sleep") == 0)
		s->sleeping = 1;
	else if (strcmp(p, "/test.Echo/Stats") == 0)
		be_stats(s);
	else if (strcmp(p, "/test.Echo/Flood") == 0)
		be_flood(s);
	else
		be_trailers_only(s, "12", "unknown method", NULL);
}

static int
be_begin_headers(nghttp2_session *sess, const nghttp2_frame *f, void *ud)
{
	struct be_stream	*s;

	if (f->hd.type != NGHTTP2_HEADERS ||
	    f->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	s->id = f->hd.stream_id;
	s->conn = ud;
	s->conn->nstreams++;
	ev_init(&s->timer, be_delay_done);
	(void)nghttp2_session_set_stream_user_data(sess, s->id, s);
	return 0;
}

static int
be_header(nghttp2_session *sess, const nghttp2_frame *f, const uint8_t *name,
    size_t nl, const uint8_t *value, size_t vl, uint8_t flags, void *ud)
{
	struct be_stream	*s;
	const char		*n = (const char *)name, *v = (const char *)value;

	(void)flags;
	(void)ud;
	if ((s = nghttp2_session_get_stream_user_data(sess,
	    f->hd.stream_id)) == NULL)
		return 0;
	if (nl == 5 && memcmp(n, ":path", 5) == 0)
		s->path = strndup(v, vl);
	else if (nl == 10 && memcmp(n, "user-agent", 10) == 0)
		be_nv_add(s->echo, &s->necho, "x-seen-user-agent", 17, v, vl);
	else if (nl == 12 && memcmp(n, "grpc-timeout", 12) == 0)
		be_nv_add(s->echo, &s->necho, "x-seen-grpc-timeout", 19, v,
		    vl);
	else if (nl == 13 && memcmp(n, "grpc-encoding", 13) == 0) {
		be_nv_add(s->echo, &s->necho, "grpc-encoding", 13, v, vl);
		be_nv_add(s->echo, &s->necho, "x-seen-grpc-encoding", 20, v,
		    vl);
	}
	else if (nl == 13 && memcmp(n, "authorization", 13) == 0)
		be_nv_add(s->echo, &s->necho, "x-seen-authorization", 20, v,
		    vl);
	else if (nl == 10 && memcmp(n, "x-delay-ms", 10) == 0)
		s->delay_ms = strtol(strndupa(v, vl), NULL, 10);
	else if (nl == 10 && memcmp(n, "x-flood-mb", 10) == 0)
		s->flood_left = strtol(strndupa(v, vl), NULL, 10);
	else if (nl > 2 && n[0] == 'x' && n[1] == '-')
		be_nv_add(s->echo, &s->necho, n, nl, v, vl);
	return 0;
}

static int
be_data(nghttp2_session *sess, uint8_t flags, int32_t id,
    const uint8_t *data, size_t len, void *ud)
{
	struct be_stream	*s;
	uint8_t			*nb;
	size_t			 ncap;

	(void)flags;
	(void)ud;
	if ((s = nghttp2_session_get_stream_user_data(sess, id)) == NULL)
		return 0;
	if (s->len + len > BE_BODY_MAX)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	if (s->len + len > s->cap) {
		ncap = s->cap ? s->cap : 65536;
		while (ncap < s->len + len)
			ncap *= 2;
		if ((nb = realloc(s->body, ncap)) == NULL)
			return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
		s->body = nb;
		s->cap = ncap;
	}
	memcpy(s->body + s->len, data, len);
	s->len += len;
	return 0;
}

static const char	*reqlog;	/* -r */

/* One line per request HEADERS: its :path, non-printing bytes as \xHH. */
static void
be_reqlog(const struct be_stream *s)
{
	FILE		*f;
	const char	*p;

	if (reqlog == NULL || (f = fopen(reqlog, "a")) == NULL)
		return;
	for (p = s->path != NULL ? s->path : "(none)"; *p != '\0'; p++)
		if (*p > 0x20 && *p < 0x7f)
			(void)fputc(*p, f);
		else
			(void)fprintf(f, "\\x%02x", (unsigned char)*p);
	(void)fputc('\n', f);
	(void)fclose(f);
}

static int
be_frame(nghttp2_session *sess, const nghttp2_frame *f, void *ud)
{
	struct be_stream	*s;

	(void)ud;
	if (f->hd.type == NGHTTP2_HEADERS &&
	    f->headers.cat == NGHTTP2_HCAT_REQUEST &&
	    (s = nghttp2_session_get_stream_user_data(sess,
	    f->hd.stream_id)) != NULL)
		be_reqlog(s);
	if (!(f->hd.flags & NGHTTP2_FLAG_END_STREAM) ||
	    (f->hd.type != NGHTTP2_DATA && f->hd.type != NGHTTP2_HEADERS))
		return 0;
	if ((s = nghttp2_session_get_stream_user_data(sess,
	    f->hd.stream_id)) != NULL)
		be_handle(s);
	return 0;
}

static int
be_close(nghttp2_session *sess, int32_t id, uint32_t code, void *ud)
{
	struct be_stream	*s;

	(void)ud;
	if ((s = nghttp2_session_get_stream_user_data(sess, id)) == NULL)
		return 0;
	if (code != NGHTTP2_NO_ERROR || s->sleeping)
		cancelled++;
	s->conn->nstreams--;
	be_stream_free(s);
	return 0;
}

static ssize_t
be_tls_send(struct be_conn *c, const uint8_t *d, size_t len)
{
	size_t	n = 0;
	int	rv, e;

	ERR_clear_error();
	if ((rv = SSL_write_ex(c->ssl, d, len, &n)) == 1)
		return (ssize_t)n;
	e = SSL_get_error(c->ssl, rv);
	if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
		return NGHTTP2_ERR_WOULDBLOCK;
	return NGHTTP2_ERR_CALLBACK_FAILURE;
}

static ssize_t
be_send(nghttp2_session *sess, const uint8_t *d, size_t len, int flags,
    void *ud)
{
	struct be_conn	*c = ud;
	ssize_t		 n;

	(void)sess;
	(void)flags;
	if (c->ssl != NULL)
		return be_tls_send(c, d, len);
	if ((n = send(c->fd, d, len, MSG_NOSIGNAL)) == -1)
		return errno == EAGAIN ? NGHTTP2_ERR_WOULDBLOCK :
		    NGHTTP2_ERR_CALLBACK_FAILURE;
	return n;
}

static void
be_conn_free(struct be_conn *c)
{
	ev_io_stop(loop, &c->rd);
	ev_io_stop(loop, &c->wr);
	nghttp2_session_del(c->sess);
	SSL_free(c->ssl);
	ERR_clear_error();
	(void)close(c->fd);
	free(c);
}

/*
 * Done (after a GOAWAY): stop sending, and read what the peer still has
 * in flight until it closes, so that close() does not turn into a TCP
 * reset that would throw away the answers it has not read yet.
 */
static void
be_linger(struct be_conn *c)
{
	if (c->lingering)
		return;
	c->lingering = 1;
	ev_io_stop(loop, &c->wr);
	if (c->ssl == NULL)
		(void)shutdown(c->fd, SHUT_WR);
}

static void
be_flush(struct be_conn *c)
{
	/*
	 * After our GOAWAY, nghttp2 may stop wanting to read while streams
	 * we accepted still wait for their answer (Delay): keep those.
	 */
	if (nghttp2_session_send(c->sess) != 0) {
		be_conn_free(c);
		return;
	}
	if (c->nstreams == 0 && !nghttp2_session_want_read(c->sess) &&
	    !nghttp2_session_want_write(c->sess)) {
		be_linger(c);
		return;
	}
	if (nghttp2_session_want_write(c->sess))
		ev_io_start(loop, &c->wr);
	else
		ev_io_stop(loop, &c->wr);
}

/* 1 done, 0 in progress, -1 failed (the sidecar may hang up on us). */
static int
be_handshake(struct be_conn *c)
{
	int	rv, e;

	ERR_clear_error();
	if ((rv = SSL_do_handshake(c->ssl)) == 1) {
		c->hs_done = 1;
		return 1;
	}
	e = SSL_get_error(c->ssl, rv);
	if (e == SSL_ERROR_WANT_WRITE)
		ev_io_start(loop, &c->wr);
	else if (e == SSL_ERROR_WANT_READ)
		ev_io_stop(loop, &c->wr);
	else {
		(void)fprintf(stderr, "h2backend: TLS handshake: %s\n",
		    ERR_reason_error_string(ERR_peek_last_error()));
		return -1;
	}
	return 0;
}

/* Reads everything there is, through TLS when on: > 0, 0 EOF, -1, -2. */
static ssize_t
be_recv(struct be_conn *c, uint8_t *buf, size_t len)
{
	size_t	n = 0;
	ssize_t	r;
	int	rv, e;

	if (c->ssl == NULL) {
		r = recv(c->fd, buf, len, 0);
		return r == -1 && errno == EAGAIN ? -2 : r;
	}
	ERR_clear_error();
	if ((rv = SSL_read_ex(c->ssl, buf, len, &n)) == 1)
		return (ssize_t)n;
	e = SSL_get_error(c->ssl, rv);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return -2;
	return e == SSL_ERROR_ZERO_RETURN ? 0 : -1;
}

static void
be_readable(struct ev_loop *l, ev_io *w, int revents)
{
	struct be_conn	*c = w->data;
	uint8_t		 buf[65536];
	ssize_t		 n, rv;
	int		 hs;

	(void)l;
	(void)revents;
	if (c->ssl != NULL && !c->hs_done) {
		if ((hs = be_handshake(c)) == -1) {
			be_conn_free(c);
			return;
		}
		if (hs == 0)
			return;
	}
	for (;;) {
		if ((n = be_recv(c, buf, sizeof(buf))) == -2)
			break;
		if (n <= 0) {
			be_conn_free(c);
			return;
		}
		if (c->lingering)
			continue;
		if ((rv = nghttp2_session_mem_recv(c->sess, buf,
		    (size_t)n)) < 0) {
			(void)fprintf(stderr, "h2backend: connection %s: %s\n",
			    c->serial, nghttp2_strerror((int)rv));
			be_conn_free(c);
			return;
		}
		if (c->ssl == NULL)
			break;
	}
	be_flush(c);
}

static void
be_writable(struct ev_loop *l, ev_io *w, int revents)
{
	struct be_conn	*c = w->data;

	if (c->ssl != NULL && !c->hs_done) {
		be_readable(l, &c->rd, revents);
		return;
	}
	be_flush(c);
}

static void
be_accept(struct ev_loop *l, ev_io *w, int revents)
{
	static nghttp2_session_callbacks	*cb;
	static nghttp2_option			*opt;
	nghttp2_settings_entry			 iv = {
		NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 1000 };
	struct be_conn				*c;
	int					 fd, one = 1;

	(void)revents;
	if ((fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK)) == -1)
		return;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (cb == NULL) {
		(void)nghttp2_session_callbacks_new(&cb);
		nghttp2_session_callbacks_set_send_callback(cb, be_send);
		nghttp2_session_callbacks_set_on_begin_headers_callback(cb,
		    be_begin_headers);
		nghttp2_session_callbacks_set_on_header_callback(cb,
		    be_header);
		nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb,
		    be_data);
		nghttp2_session_callbacks_set_on_frame_recv_callback(cb,
		    be_frame);
		nghttp2_session_callbacks_set_on_stream_close_callback(cb,
		    be_close);
	}
	if (opt == NULL) {
		(void)nghttp2_option_new(&opt);
		nghttp2_option_set_no_auto_ping_ack(opt, no_ping_ack);
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		(void)close(fd);
		return;
	}
	c->fd = fd;
	(void)snprintf(c->serial, sizeof(c->serial), "%lu", ++nconns);
	if (sctx != NULL) {
		c->ssl = SSL_new(sctx);
		(void)SSL_set_fd(c->ssl, fd);
		SSL_set_accept_state(c->ssl);
	}
	(void)nghttp2_session_server_new2(&c->sess, cb, c, opt);
	(void)nghttp2_submit_settings(c->sess, NGHTTP2_FLAG_NONE, &iv, 1);
	ev_io_init(&c->rd, be_readable, fd, EV_READ);
	ev_io_init(&c->wr, be_writable, fd, EV_WRITE);
	c->rd.data = c->wr.data = c;
	ev_io_start(l, &c->rd);
	if (c->ssl == NULL)
		be_flush(c);
}

static int
be_listen(const char *port, const char *path)
{
	struct sockaddr_in	sin;
	struct sockaddr_un	sun;
	socklen_t		len = sizeof(sin);
	int			fd, one = 1;

	fd = socket(path ? AF_UNIX : AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return -1;
	if (path != NULL) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		(void)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
		(void)unlink(path);
		if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
			return -1;
	} else {
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one));
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin.sin_port = htons((uint16_t)atoi(port));
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
		    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
			return -1;
		(void)printf("PORT %u\n", ntohs(sin.sin_port));
		(void)fflush(stdout);
	}
	if (listen(fd, 128) == -1)
		return -1;
	return fd;
}

static int
be_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	(void)ssl;
	(void)arg;
	if (SSL_select_next_proto((unsigned char **)(uintptr_t)out, outlen,
	    (const unsigned char *)"\x02h2", 3, in, inlen) !=
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	return SSL_TLSEXT_ERR_OK;
}

/* TLS server context; exits on any error (test setup). */
static SSL_CTX *
be_tls(const char *cert, const char *key, const char *ca, int alpn)
{
	SSL_CTX	*ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL ||
	    SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    (ca != NULL && SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1)) {
		(void)fprintf(stderr, "h2backend: TLS setup failed\n");
		exit(1);
	}
	if (ca != NULL)
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
		    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	if (alpn)
		SSL_CTX_set_alpn_select_cb(ctx, be_alpn, NULL);
	return ctx;
}

int
main(int argc, char *argv[])
{
	const char	*port = NULL, *path = NULL, *cert = NULL, *key = NULL;
	const char	*ca = NULL;
	ev_io		 lw;
	int		 ch, fd, alpn = 1;

	while ((ch = getopt(argc, argv, "c:C:k:nPp:r:u:")) != -1) {
		if (ch == 'p')
			port = optarg;
		else if (ch == 'u')
			path = optarg;
		else if (ch == 'c')
			cert = optarg;
		else if (ch == 'k')
			key = optarg;
		else if (ch == 'C')
			ca = optarg;
		else if (ch == 'n')
			alpn = 0;
		else if (ch == 'P')
			no_ping_ack = 1;
		else if (ch == 'r')
			reqlog = optarg;
		else
			return 2;
	}
	if ((port == NULL) == (path == NULL) ||
	    (cert == NULL) != (key == NULL)) {
		(void)fprintf(stderr, "usage: h2backend [-c cert -k key [-C ca] "
		    "[-n]] [-P] [-r file] -p port | -u path\n");
		return 2;
	}
	if (cert != NULL)
		sctx = be_tls(cert, key, ca, alpn);
	(void)signal(SIGPIPE, SIG_IGN);
	if ((fd = be_listen(port, path)) == -1) {
		perror("h2backend: listen");
		return 1;
	}
	loop = EV_DEFAULT;
	ev_io_init(&lw, be_accept, fd, EV_READ);
	ev_io_start(loop, &lw);
	ev_run(loop, 0);
	SSL_CTX_free(sctx);
	return 0;
}
