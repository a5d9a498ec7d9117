/*
 * hostile.c: hostile HTTP/2 and gRPC clients for the sidecar
 * (run-hostile.sh).  Frames are written by hand (nghttp2's HPACK codec
 * only), so the client can send what no HTTP/2 stack would: bad gRPC
 * prefixes, gzip bombs, CONTINUATION, RST_STREAM, SETTINGS and PING
 * floods, flow-control abuse, stream ID games, broken prefaces.  Every
 * kind states the answer it expects (a gRPC status, an RST_STREAM or
 * GOAWAY code, a closed connection) and checks it.  127.0.0.1 only;
 * every loop is bounded in count and by the deadline (-t).
 *
 *   hostile -l                  list the kinds: NAME FLAGS
 *                               (n: nothing may reach the frontend;
 *                                f: flood or big input, memory matters)
 *   hostile -p PORT [-t MS] KIND
 *                               run one kind; prints "outcome: ..." and
 *                               exits 0 when it is the expected one, 1
 *                               when not, 2 on usage errors
 *
 * The frontend is tests/daemon/h2backend (test.Echo methods); the
 * sidecar must pass test.Echo (allow_service) and have
 * max_message_bytes at HC_MAX_MSG.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nghttp2/nghttp2.h>
#include <zlib.h>

#define HC_FRAME_MAX	16384
#define HC_MAX_MSG	(4u * 1024u * 1024u)	/* the sidecar's setting */
#define HC_IN_MAX	(256u * 1024u)
#define HC_HBLK_MAX	(1024u * 1024u)

#define WS	"/temporal.api.workflowservice.v1.WorkflowService/"
#define RATC	WS "RespondActivityTaskCompleted"
#define POLL	WS "PollActivityTaskQueue"
#define UNARY	"/test.Echo/Unary"
#define SLEEP	"/test.Echo/Sleep"

/* frame types */
#define F_DATA		0x0
#define F_HEADERS	0x1
#define F_PRIORITY	0x2
#define F_RST		0x3
#define F_SETTINGS	0x4
#define F_PUSH		0x5
#define F_PING		0x6
#define F_GOAWAY	0x7
#define F_WU		0x8
#define F_CONT		0x9
/* flags */
#define FL_END_STREAM	0x1
#define FL_ACK		0x1
#define FL_END_HEADERS	0x4
#define FL_PADDED	0x8

struct hs {
	int		 status;	/* grpc-status, -1 none */
	char		 msg[160];	/* grpc-message */
	int		 rst;
	uint32_t	 rst_code;
	int		 ended;
	int64_t		 win;		/* window updates less bytes sent */
	size_t		 data;		/* DATA bytes received */
};

struct hc {
	int			 fd;
	nghttp2_hd_deflater	*def;
	nghttp2_hd_inflater	*inf;
	uint8_t			 in[HC_IN_MAX];
	size_t			 inlen;
	uint8_t			*hblk;		/* header block being read */
	size_t			 hlen;
	int32_t			 hsid;
	int			 hend;		/* its END_STREAM */
	int			 closed;
	int			 goaway;
	uint32_t		 goaway_code;
	int64_t			 conn_win;
	int64_t			 init_win;
	int			 ack;		/* answer SETTINGS, PING */
	int			 noread;	/* never read the socket */
	unsigned long		 nreads;	/* recv() calls that got bytes */
	struct hs		*st;
	size_t			 nst;
};

static struct timespec	deadline;
static const char	*port;

/* ------------------------------------------------------------ time */

static long
ms_left(void)
{
	struct timespec	now;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline.tv_sec - now.tv_sec) * 1000 +
	    (deadline.tv_nsec - now.tv_nsec) / 1000000;
}

static void
nap(long ms)
{
	struct timespec	ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	(void)nanosleep(&ts, NULL);
}

/* ------------------------------------------------------ connection */

static struct hs *
hc_st(struct hc *c, int32_t id)
{
	static struct hs	none;
	size_t			i = (size_t)id / 2;

	if (id <= 0 || (id & 1) == 0 || i >= c->nst) {
		memset(&none, 0, sizeof(none));
		none.status = -1;
		return &none;
	}
	return &c->st[i];
}

static int
hc_connect(void)
{
	struct sockaddr_in	sin;
	int			fd, one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)strtol(port, NULL, 10));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		(void)close(fd);
		return -1;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static void
hc_free(struct hc *c)
{
	if (c == NULL)
		return;
	if (c->fd != -1)
		(void)close(c->fd);
	nghttp2_hd_deflate_del(c->def);
	nghttp2_hd_inflate_del(c->inf);
	free(c->hblk);
	free(c->st);
	free(c);
}

/* A TCP connection, nothing sent yet; nst: streams tracked (ids < 2n). */
static struct hc *
hc_new(size_t nst)
{
	struct hc	*c;
	size_t		 i;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->st = calloc(nst, sizeof(*c->st))) == NULL ||
	    (c->hblk = malloc(HC_HBLK_MAX)) == NULL ||
	    nghttp2_hd_deflate_new(&c->def, 4096) != 0 ||
	    nghttp2_hd_inflate_new(&c->inf) != 0 ||
	    (c->fd = hc_connect()) == -1) {
		if (c != NULL)
			c->fd = -1;
		hc_free(c);
		return NULL;
	}
	c->nst = nst;
	for (i = 0; i < nst; i++)
		c->st[i].status = -1;
	c->conn_win = c->init_win = 65535;
	c->ack = 1;
	return c;
}

static void	hc_parse(struct hc *);

/* Reads what is there (waiting up to ms); -1 once the peer closed. */
static int
hc_pump(struct hc *c, long ms)
{
	struct pollfd	pfd;
	ssize_t		n;

	if (c->closed)
		return -1;
	pfd.fd = c->fd;
	pfd.events = POLLIN;
	if (ms < 0)
		ms = 0;
	if (poll(&pfd, 1, (int)ms) <= 0)
		return 0;
	n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, 0);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		c->closed = 1;
		return -1;
	}
	c->inlen += (size_t)n;
	c->nreads++;
	hc_parse(c);
	return c->closed ? -1 : 0;
}

/* Writes all of p; 0, -1 when the peer closed, -2 stalled (deadline). */
static int
hc_write(struct hc *c, const uint8_t *p, size_t n)
{
	struct pollfd	pfd;
	ssize_t		w;

	while (n > 0) {
		if (c->closed)
			return -1;
		w = send(c->fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w == -1 && errno != EAGAIN && errno != EINTR) {
			c->closed = 1;
			return -1;
		}
		if (ms_left() <= 0)
			return -2;
		pfd.fd = c->fd;
		pfd.events = POLLOUT | (c->noread ? 0 : POLLIN);
		if (poll(&pfd, 1, (int)(ms_left() > 100 ? 100 : ms_left()))
		    <= 0)
			continue;
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR) && !c->noread)
			(void)hc_pump(c, 0);
		else if (pfd.revents & (POLLHUP | POLLERR)) {
			c->closed = 1;
			return -1;
		}
	}
	return 0;
}

static int
hc_frame(struct hc *c, uint8_t type, uint8_t flags, int32_t sid,
    const uint8_t *p, size_t n)
{
	uint8_t	h[9];
	int	rv;

	h[0] = (uint8_t)(n >> 16);
	h[1] = (uint8_t)(n >> 8);
	h[2] = (uint8_t)n;
	h[3] = type;
	h[4] = flags;
	h[5] = (uint8_t)((uint32_t)sid >> 24 & 0x7f);
	h[6] = (uint8_t)((uint32_t)sid >> 16);
	h[7] = (uint8_t)((uint32_t)sid >> 8);
	h[8] = (uint8_t)sid;
	if ((rv = hc_write(c, h, 9)) != 0 || n == 0)
		return rv;
	return hc_write(c, p, n);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int
hc_wu(struct hc *c, int32_t sid, uint32_t inc)
{
	uint8_t	b[4];

	put32(b, inc);
	return hc_frame(c, F_WU, 0, sid, b, 4);
}

/* ------------------------------------------------------------ reading */

static void
hc_field(struct hs *s, const nghttp2_nv *nv)
{
	char	v[16];

	if (nv->namelen == 11 && memcmp(nv->name, "grpc-status", 11) == 0 &&
	    nv->valuelen < sizeof(v)) {
		memcpy(v, nv->value, nv->valuelen);
		v[nv->valuelen] = '\0';
		s->status = atoi(v);
	} else if (nv->namelen == 12 &&
	    memcmp(nv->name, "grpc-message", 12) == 0) {
		(void)snprintf(s->msg, sizeof(s->msg), "%.*s",
		    (int)nv->valuelen, (const char *)nv->value);
	}
}

static void
hc_block(struct hc *c)
{
	struct hs	*s = hc_st(c, c->hsid);
	nghttp2_nv	 nv;
	const uint8_t	*p = c->hblk;
	size_t		 n = c->hlen;
	ssize_t		 rv;
	int		 fl;

	for (;;) {
		fl = 0;
		rv = nghttp2_hd_inflate_hd2(c->inf, &nv, &fl, p, n, 1);
		if (rv < 0) {
			c->closed = 1;	/* cannot go on: HPACK broken */
			return;
		}
		p += rv;
		n -= (size_t)rv;
		if (fl & NGHTTP2_HD_INFLATE_EMIT)
			hc_field(s, &nv);
		if (fl & NGHTTP2_HD_INFLATE_FINAL) {
			(void)nghttp2_hd_inflate_end_headers(c->inf);
			break;
		}
		if (!(fl & NGHTTP2_HD_INFLATE_EMIT) && n == 0)
			break;
	}
	if (c->hend)
		s->ended = 1;
	c->hlen = 0;
}

static void
hc_settings(struct hc *c, const uint8_t *p, size_t n, uint8_t flags)
{
	size_t		i;

	if (flags & FL_ACK)
		return;
	for (i = 0; i + 6 <= n; i += 6)		/* the stream deltas stay */
		if ((p[i] << 8 | p[i + 1]) == 4)
			c->init_win = (int64_t)get32(p + i + 2);
	if (c->ack)
		(void)hc_frame(c, F_SETTINGS, FL_ACK, 0, NULL, 0);
}

static void
hc_one(struct hc *c, uint8_t type, uint8_t flags, int32_t sid,
    const uint8_t *p, size_t n)
{
	struct hs	*s = hc_st(c, sid);
	size_t		 pad = 0;

	switch (type) {
	case F_DATA:
		s->data += n;
		if (n > 0 && c->ack) {
			(void)hc_wu(c, 0, (uint32_t)n);
			if (!(flags & FL_END_STREAM))
				(void)hc_wu(c, sid, (uint32_t)n);
		}
		if (flags & FL_END_STREAM)
			s->ended = 1;
		break;
	case F_HEADERS:
		if ((flags & FL_PADDED) && n > 0)
			pad = p[0] + 1u;
		if (flags & 0x20)
			pad += 5;
		if (pad > n)
			return;
		p += (flags & FL_PADDED) ? 1 : 0;
		n -= pad;
		p += (flags & 0x20) ? 5 : 0;
		c->hlen = 0;
		c->hsid = sid;
		c->hend = (flags & FL_END_STREAM) != 0;
		/* FALLTHROUGH */
	case F_CONT:
		if (c->hlen + n > HC_HBLK_MAX)
			return;
		memcpy(c->hblk + c->hlen, p, n);
		c->hlen += n;
		if (flags & FL_END_HEADERS)
			hc_block(c);
		break;
	case F_RST:
		if (n >= 4) {
			s->rst = 1;
			s->rst_code = get32(p);
		}
		break;
	case F_SETTINGS:
		hc_settings(c, p, n, flags);
		break;
	case F_PING:
		if (!(flags & FL_ACK) && c->ack && n == 8)
			(void)hc_frame(c, F_PING, FL_ACK, 0, p, 8);
		break;
	case F_GOAWAY:
		if (n >= 8) {
			c->goaway = 1;
			c->goaway_code = get32(p + 4);
		}
		break;
	case F_WU:
		if (n < 4)
			break;
		if (sid == 0)
			c->conn_win += get32(p) & 0x7fffffff;
		else
			s->win += get32(p) & 0x7fffffff;
		break;
	default:
		break;
	}
}

static void
hc_parse(struct hc *c)
{
	size_t		 off = 0, n;
	const uint8_t	*h;

	while (c->inlen - off >= 9) {
		h = c->in + off;
		n = (size_t)h[0] << 16 | (size_t)h[1] << 8 | h[2];
		if (n > HC_IN_MAX - 9) {
			c->closed = 1;
			return;
		}
		if (c->inlen - off < 9 + n)
			break;
		hc_one(c, h[3], h[4], (int32_t)(get32(h + 5) & 0x7fffffff),
		    h + 9, n);
		off += 9 + n;
	}
	memmove(c->in, c->in + off, c->inlen - off);
	c->inlen -= off;
}

/* ------------------------------------------------------------ writing */

static const uint8_t	preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/* Preface and SETTINGS (entries id,value pairs). */
static int
hc_start(struct hc *c, const uint32_t *iv, size_t niv)
{
	uint8_t	b[6 * 64];
	size_t	i;

	for (i = 0; i < niv && i < 64; i++) {
		b[6 * i] = (uint8_t)(iv[2 * i] >> 8);
		b[6 * i + 1] = (uint8_t)iv[2 * i];
		put32(b + 6 * i + 2, iv[2 * i + 1]);
	}
	if (hc_write(c, preface, sizeof(preface) - 1) != 0)
		return -1;
	return hc_frame(c, F_SETTINGS, 0, 0, b, 6 * i);
}

static struct hc *
hc_open(size_t nst)
{
	struct hc	*c;

	if ((c = hc_new(nst)) == NULL)
		return NULL;
	if (hc_start(c, NULL, 0) != 0) {
		hc_free(c);
		return NULL;
	}
	return c;
}

static nghttp2_nv
nv(const char *n, const char *v)
{
	nghttp2_nv	x;

	x.name = (uint8_t *)(uintptr_t)n;
	x.namelen = strlen(n);
	x.value = (uint8_t *)(uintptr_t)v;
	x.valuelen = strlen(v);
	x.flags = NGHTTP2_NV_FLAG_NONE;
	return x;
}

/* A header block as HEADERS (+ CONTINUATION): flags for HEADERS. */
static int
hc_block_send(struct hc *c, int32_t sid, uint8_t flags, const nghttp2_nv *f,
    size_t n)
{
	uint8_t	*b;
	size_t	 bound, off = 0, chunk;
	ssize_t	 len;
	int	 rv = 0, first = 1;

	bound = nghttp2_hd_deflate_bound(c->def, f, n);
	if ((b = malloc(bound)) == NULL)
		return -1;
	if ((len = nghttp2_hd_deflate_hd(c->def, b, bound, f, n)) < 0) {
		free(b);
		return -1;
	}
	do {
		chunk = (size_t)len - off;
		if (chunk > HC_FRAME_MAX)
			chunk = HC_FRAME_MAX;
		rv = hc_frame(c, first ? F_HEADERS : F_CONT,
		    (uint8_t)((first ? flags : 0) | (off + chunk ==
		    (size_t)len ? FL_END_HEADERS : 0)), sid, b + off, chunk);
		first = 0;
		off += chunk;
	} while (rv == 0 && off < (size_t)len);
	free(b);
	return rv;
}

#define REQ_MAX	64

/* A gRPC request's HEADERS for path plus extra fields. */
static int
hc_req(struct hc *c, int32_t sid, const char *path, const nghttp2_nv *x,
    size_t nx, int end)
{
	nghttp2_nv	f[REQ_MAX];
	size_t		n = 0, i;

	f[n++] = nv(":method", "POST");
	f[n++] = nv(":scheme", "http");
	f[n++] = nv(":path", path);
	f[n++] = nv(":authority", "127.0.0.1");
	f[n++] = nv("content-type", "application/grpc");
	f[n++] = nv("te", "trailers");
	for (i = 0; i < nx && n < REQ_MAX; i++)
		f[n++] = x[i];
	return hc_block_send(c, sid, end ? FL_END_STREAM : 0, f, n);
}

/* DATA within the peer's windows (waits for WINDOW_UPDATE). */
static int
hc_data(struct hc *c, int32_t sid, const uint8_t *p, size_t n, int end)
{
	struct hs	*s = hc_st(c, sid);
	int64_t		 can;
	size_t		 chunk;
	int		 rv;

	do {
		can = c->conn_win;
		if (c->init_win + s->win < can)
			can = c->init_win + s->win;
		if (can > HC_FRAME_MAX)
			can = HC_FRAME_MAX;
		if (n > 0 && can <= 0) {
			if (ms_left() <= 0)
				return -2;
			if (hc_pump(c, 50) == -1)
				return -1;
			if (s->rst || c->goaway)
				return -1;
			continue;
		}
		chunk = n < (size_t)can ? n : (size_t)can;
		if ((rv = hc_frame(c, F_DATA, chunk == n && end ?
		    FL_END_STREAM : 0, sid, p, chunk)) != 0)
			return rv;
		c->conn_win -= (int64_t)chunk;
		s->win -= (int64_t)chunk;
		p += chunk;
		n -= chunk;
	} while (n > 0);
	return 0;
}

/* One gRPC message: prefix (flag, len) and body. */
static int
hc_msg(struct hc *c, int32_t sid, uint8_t flag, uint32_t len,
    const uint8_t *body, size_t n, int end)
{
	uint8_t	*b;
	int	 rv;

	if ((b = malloc(5 + n)) == NULL)
		return -1;
	b[0] = flag;
	put32(b + 1, len);
	if (n > 0)
		memcpy(b + 5, body, n);
	rv = hc_data(c, sid, b, 5 + n, end);
	free(b);
	return rv;
}

/* ------------------------------------------------------------ outcomes */

static int
hc_done(struct hc *c, int32_t sid)
{
	struct hs	*s = hc_st(c, sid);

	return s->rst || s->ended || c->goaway || c->closed;
}

/* Waits until sid is answered (or the connection ends). */
static void
hc_wait(struct hc *c, int32_t sid, long ms)
{
	long	end = ms_left() - ms;

	while (!hc_done(c, sid) && ms_left() > end && ms_left() > 0)
		if (hc_pump(c, 50) == -1)
			break;
}

/* Waits until the connection ends (GOAWAY read, then EOF). */
static void
hc_wait_close(struct hc *c, long ms)
{
	long	end = ms_left() - ms;

	while (!c->closed && ms_left() > end && ms_left() > 0)
		if (hc_pump(c, 50) == -1)
			break;
}

static char	result[512];

/* Reads until the peer has been quiet for ms (or the deadline). */
static void
hc_drain(struct hc *c, long ms)
{
	unsigned long	before;

	do {
		before = c->nreads;
		if (hc_pump(c, ms) == -1)
			return;
	} while (ms_left() > 0 && c->nreads != before);
}

static void
hc_outcome(struct hc *c, int32_t sid)
{
	struct hs	*s = hc_st(c, sid);

	if (s->rst)
		(void)snprintf(result, sizeof(result), "rst %u", s->rst_code);
	else if (s->ended && s->status >= 0)
		(void)snprintf(result, sizeof(result), "status %d%s%s",
		    s->status, s->msg[0] ? " " : "", s->msg);
	else if (c->goaway)
		(void)snprintf(result, sizeof(result), "goaway %u",
		    c->goaway_code);
	else if (c->closed)
		(void)snprintf(result, sizeof(result), "closed");
	else if (s->ended)
		(void)snprintf(result, sizeof(result), "ended without "
		    "grpc-status");
	else
		(void)snprintf(result, sizeof(result), "timeout");
}

/*
 * Is the outcome one of want ("a|b|c")?  "status N" (N != 0) also needs
 * a grpc-message from the sidecar ("tenuo-sidecar: ..."): a clear answer.
 */
static int
expect(const char *want)
{
	char		 w[256], *tok, *save = NULL;
	size_t		 n;

	(void)snprintf(w, sizeof(w), "%s", want);
	for (tok = strtok_r(w, "|", &save); tok != NULL;
	    tok = strtok_r(NULL, "|", &save)) {
		n = strlen(tok);
		if (strncmp(result, tok, n) != 0 ||
		    (result[n] != '\0' && result[n] != ' '))
			continue;
		if (strncmp(tok, "status ", 7) == 0 && strcmp(tok,
		    "status 0") != 0 && strstr(result, "tenuo-sidecar") ==
		    NULL)
			continue;
		return 1;
	}
	return 0;
}

/* The request on sid, answered as want. */
static int
answer(struct hc *c, int32_t sid, const char *want)
{
	hc_wait(c, sid, ms_left());
	hc_outcome(c, sid);
	return expect(want);
}

/* The connection refused: GOAWAY with code (or closed), as want. */
static int
conn_answer(struct hc *c, const char *want)
{
	hc_wait_close(c, ms_left());
	if (c->goaway)
		(void)snprintf(result, sizeof(result), "goaway %u",
		    c->goaway_code);
	else if (c->closed)
		(void)snprintf(result, sizeof(result), "closed");
	else
		(void)snprintf(result, sizeof(result), "timeout");
	return expect(want);
}

/* A good call on c (stream sid) after the abuse: status 0. */
static int
still_serves(struct hc *c, int32_t sid)
{
	static const uint8_t	m[] = "hello";
	char			before[sizeof(result) / 2];

	(void)snprintf(before, sizeof(before), "%.200s", result);
	if (hc_req(c, sid, UNARY, NULL, 0, 0) != 0 ||
	    hc_msg(c, sid, 0, 5, m, 5, 1) != 0) {
		hc_outcome(c, sid);
		return 0;
	}
	hc_wait(c, sid, ms_left());
	hc_outcome(c, sid);
	if (!expect("status 0"))
		return 0;
	(void)snprintf(result, sizeof(result), "%.200s%sthen a call on the "
	    "same connection: status 0", before, before[0] ? "; " : "");
	return 1;
}

/*
 * A frame on a stream that has closed: RFC 9113 5.1 allows a connection
 * error (want), but an endpoint that keeps no closed streams (the sidecar
 * sets nghttp2's no_closed_streams, so memory does not grow with every
 * stream) cannot tell it from a stale frame and ignores it.  Either is
 * fine when the frame goes nowhere: no answer for 1.5 s, then a call on
 * the same connection (stream next) still works.
 */
static int
refused_or_ignored(struct hc *c, const char *want, int32_t next)
{
	hc_wait_close(c, ms_left() - 1500 > 1500 ? 1500 : ms_left() / 2);
	if (c->goaway || c->closed)
		return conn_answer(c, want);
	(void)snprintf(result, sizeof(result), "ignored (no answer)");
	return still_serves(c, next);
}

/* ---------------------------------------------------------- the kinds */

/* One message on an intercepted method, answered as want. */
static int
grpc_case(const char *path, const nghttp2_nv *x, size_t nx, uint8_t flag,
    uint32_t len, const uint8_t *body, size_t n, const char *want)
{
	struct hc	*c;
	int		 ok;

	if ((c = hc_open(8)) == NULL)
		return 0;
	if (hc_req(c, 1, path, x, nx, 0) == 0)
		(void)hc_msg(c, 1, flag, len, body, n, 1);
	ok = answer(c, 1, want);
	hc_free(c);
	return ok;
}

static const uint8_t	junk[] = "\xff\xff\xff\xff\xff\xff\xff\xff\x0f"
			    "garbage that is no protobuf \xff\xfe\xfd";
#define JUNK_LEN	(sizeof(junk) - 1)

static int
k_len_gt_data(void)
{
	return grpc_case(RATC, NULL, 0, 0, 100, junk, 10, "status 3");
}

static int
k_len_over_max(void)
{
	return grpc_case(RATC, NULL, 0, 0, 0xffffffffu, junk, 16,
	    "status 3|status 7");
}

static int
k_len_over_max_poll(void)
{
	return grpc_case(POLL, NULL, 0, 0, HC_MAX_MSG + 1, junk, 16,
	    "status 3");
}

static int
k_flag_2(void)
{
	return grpc_case(RATC, NULL, 0, 2, 10, junk, 10, "status 3|status 7");
}

static int
k_flag_255(void)
{
	return grpc_case(POLL, NULL, 0, 255, 10, junk, 10, "status 3");
}

static void
s_truncated_prefix(struct hc *c)
{
	if (hc_req(c, 1, RATC, NULL, 0, 0) == 0)
		(void)hc_frame(c, F_DATA, FL_END_STREAM, 1,
		    (const uint8_t *)"\0\0\0", 3);
}

/* END_STREAM in the middle of a message cut over two DATA frames. */
static void
s_truncated_body(struct hc *c)
{
	static uint8_t	 b[2000];

	if (hc_req(c, 1, POLL, NULL, 0, 0) == 0 &&
	    hc_msg(c, 1, 0, sizeof(b), b, 700, 0) == 0)
		(void)hc_data(c, 1, b, 700, 1);
}

static void
s_no_message(struct hc *c)
{
	if (hc_req(c, 1, RATC, NULL, 0, 0) == 0)
		(void)hc_frame(c, F_DATA, FL_END_STREAM, 1, NULL, 0);
}

static int
k_compressed_no_encoding(void)
{
	return grpc_case(RATC, NULL, 0, 1, JUNK_LEN, junk, JUNK_LEN,
	    "status 3|status 7");
}

static int
k_unknown_encoding(void)
{
	nghttp2_nv	x = nv("grpc-encoding", "br");

	return grpc_case(RATC, &x, 1, 1, JUNK_LEN, junk, JUNK_LEN,
	    "status 3|status 7|status 12");
}

static int
k_identity_compressed(void)
{
	nghttp2_nv	x = nv("grpc-encoding", "identity");

	return grpc_case(RATC, &x, 1, 1, JUNK_LEN, junk, JUNK_LEN,
	    "status 3|status 7");
}

/* gzip of n zero bytes (malloc'd). */
static uint8_t *
gz_zeros(size_t n, size_t *outlen)
{
	z_stream	 z;
	static uint8_t	 zero[65536];
	uint8_t		*out;
	size_t		 cap = n / 500 + 4096, left = n;
	int		 rv;

	if ((out = malloc(cap)) == NULL)
		return NULL;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY) !=
	    Z_OK) {
		free(out);
		return NULL;
	}
	z.next_out = out;
	z.avail_out = (uInt)cap;
	do {
		z.next_in = zero;
		z.avail_in = (uInt)(left < sizeof(zero) ? left : sizeof(zero));
		left -= z.avail_in;
		rv = deflate(&z, left == 0 ? Z_FINISH : Z_NO_FLUSH);
	} while (rv == Z_OK && z.avail_out > 0);
	*outlen = cap - z.avail_out;
	(void)deflateEnd(&z);
	if (rv != Z_STREAM_END) {
		free(out);
		return NULL;
	}
	return out;
}

/* 256 MiB of zeros in 256 KB: the cap must hold while inflating. */
static int
gzip_bomb(const char *path)
{
	nghttp2_nv	 x = nv("grpc-encoding", "gzip");
	uint8_t		*z;
	size_t		 zn;
	int		 ok;

	if ((z = gz_zeros(256u * 1024u * 1024u, &zn)) == NULL)
		return 0;
	ok = grpc_case(path, &x, 1, 1, (uint32_t)zn, z, zn,
	    "status 3|status 7");
	(void)snprintf(result + strlen(result), sizeof(result) -
	    strlen(result), " (%zu gzip bytes of 256 MiB)", zn);
	free(z);
	return ok;
}

static int
k_gzip_bomb(void)
{
	return gzip_bomb(RATC);
}

static int
k_gzip_bomb_wftc(void)
{
	return gzip_bomb(WS "RespondWorkflowTaskCompleted");
}

static int
k_gzip_garbage(void)
{
	nghttp2_nv	x = nv("grpc-encoding", "gzip");

	return grpc_case(RATC, &x, 1, 1, JUNK_LEN, junk, JUNK_LEN,
	    "status 3|status 7");
}

/* A whole message above max_message_bytes, all of it sent. */
static int
k_oversize(void)
{
	uint8_t	*b;
	size_t	 n = HC_MAX_MSG + 1024 * 1024;
	int	 ok;

	if ((b = calloc(1, n)) == NULL)
		return 0;
	ok = grpc_case(RATC, NULL, 0, 0, (uint32_t)n, b, n,
	    "status 3|status 7");
	free(b);
	return ok;
}

static int
k_garbage_protobuf(void)
{
	return grpc_case(RATC, NULL, 0, 0, JUNK_LEN, junk, JUNK_LEN,
	    "status 3|status 7");
}

/* task_token (field 1) the sidecar never issued. */
static const uint8_t	forged[] = "\x0a\x0c" "forged-token";

static int
k_bad_task_token(void)
{
	return grpc_case(RATC, NULL, 0, 0, sizeof(forged) - 1, forged,
	    sizeof(forged) - 1, "status 7");
}

static int
k_heartbeat_bad_token(void)
{
	return grpc_case(WS "RecordActivityTaskHeartbeat", NULL, 0, 0,
	    sizeof(forged) - 1, forged, sizeof(forged) - 1, "status 7");
}

static int
k_wftc_garbage(void)
{
	return grpc_case(WS "RespondWorkflowTaskCompleted", NULL, 0, 0,
	    JUNK_LEN, junk, JUNK_LEN, "status 3|status 7");
}

/*
 * 48 intercepted calls on one connection, each with all but the last byte
 * of a message just under max_message_bytes: the sidecar holds a request
 * whole before deciding, so what it holds for one connection must be
 * bounded, not 48 x 4 MiB.  The calls over the bound are refused
 * RESOURCE_EXHAUSTED; the first ones are still held (unanswered).
 */
static int
k_held_many_big(void)
{
	struct hc	*c;
	uint8_t		*b;
	size_t		 n = HC_MAX_MSG - 64;
	int32_t		 id, last = 0;
	int		 ok = 0, i, refused = 0, held = 0;

	if ((c = hc_open(64)) == NULL || (b = calloc(1, n)) == NULL) {
		hc_free(c);
		return 0;
	}
	for (id = 1; id < 96; id += 2) {
		if (hc_req(c, id, RATC, NULL, 0, 0) != 0 ||
		    hc_msg(c, id, 0, (uint32_t)n, b, n - 1, 0) != 0)
			break;
		last = id;
	}
	hc_drain(c, 500);
	for (i = 1; i <= last; i += 2) {
		hc_outcome(c, i);
		if (expect("status 8"))
			refused++;
		else if (strcmp(result, "timeout") == 0)
			held++;
	}
	(void)snprintf(result, sizeof(result), "%d of 48 calls of %zu bytes "
	    "sent, %d held, %d refused status 8", (last + 1) / 2, n, held,
	    refused);
	ok = last == 95 && refused > 0 && held > 0 && held + refused == 48;
	free(b);
	hc_free(c);
	return ok;
}

/* ------------------------------------------------------ header fields */

static void
s_huge_header(struct hc *c)
{
	static char	 v[100 * 1024];
	nghttp2_nv	 x;

	memset(v, 'a', sizeof(v) - 1);
	x = nv("x-big", v);
	x.flags = NGHTTP2_NV_FLAG_NO_INDEX;
	(void)hc_req(c, 1, UNARY, &x, 1, 1);
}

/* One 3000-byte field in the dynamic table (nghttp2 indexes up to 3/4 of
 * its 4096 bytes), referenced 2000 times: 6 MB of header list in a few KB
 * on the wire (HPACK bomb). */
static int
k_hpack_bomb(void)
{
	struct hc	*c;
	static char	 v[3001];
	nghttp2_nv	*f;
	size_t		 i, n = 2000;
	int		 ok = 0;

	if ((c = hc_open(8)) == NULL ||
	    (f = calloc(n + 6, sizeof(*f))) == NULL) {
		hc_free(c);
		return 0;
	}
	memset(v, 'b', sizeof(v) - 1);
	f[0] = nv(":method", "POST");
	f[1] = nv(":scheme", "http");
	f[2] = nv(":path", UNARY);
	f[3] = nv(":authority", "127.0.0.1");
	f[4] = nv("content-type", "application/grpc");
	f[5] = nv("te", "trailers");
	for (i = 0; i < n; i++)
		f[6 + i] = nv("x-bomb", v);
	if (hc_block_send(c, 1, FL_END_STREAM, f, n + 6) == 0)
		ok = answer(c, 1, "rst 2|goaway 9|goaway 11");
	else
		hc_outcome(c, 1);
	free(f);
	hc_free(c);
	return ok;
}

/*
 * The HPACK bomb spread over streams: 4000 held calls, each with 20
 * references to one 3000-byte field in the dynamic table (60 KB of
 * headers, under the 64 KiB per block) in a few bytes on the wire.
 * What one connection keeps of header fields must be bounded: the
 * streams over it are reset, the first ones held (unanswered).
 */
static int
k_hpack_bomb_streams(void)
{
	struct hc	*c;
	static char	 v[3001];
	nghttp2_nv	 x[20];
	int32_t		 id;
	int		 i, held = 0, reset = 0, sent = 0;

	if ((c = hc_open(4100)) == NULL)
		return 0;
	while (c->init_win == 65535 && !c->closed && ms_left() > 0)
		(void)hc_pump(c, 20);		/* its SETTINGS first */
	memset(v, 'c', sizeof(v) - 1);
	for (i = 0; i < 20; i++)
		x[i] = nv("x-bomb", v);
	for (id = 1; id < 8000; id += 2, sent++)
		if (hc_req(c, id, RATC, x, 20, 0) != 0)
			break;
	hc_drain(c, 500);
	for (id = 1; id < 2 * sent; id += 2) {
		hc_outcome(c, id);
		if (expect("rst 2|rst 7|status 8"))
			reset++;
		else if (strcmp(result, "timeout") == 0)
			held++;
	}
	(void)snprintf(result, sizeof(result), "%d calls with 60 KB of headers "
	    "each sent, %d held, %d reset or refused", sent, held, reset);
	hc_free(c);
	return sent == 4000 && held > 0 && reset > 0 && held + reset == sent;
}

static int
k_many_headers(void)
{
	struct hc	*c;
	nghttp2_nv	*f;
	char		(*names)[16];
	size_t		 i, n = 3000;
	int		 ok = 0;

	f = calloc(n + 6, sizeof(*f));
	names = calloc(n, sizeof(*names));
	if (f == NULL || names == NULL || (c = hc_open(8)) == NULL) {
		free(f);
		free(names);
		return 0;
	}
	f[0] = nv(":method", "POST");
	f[1] = nv(":scheme", "http");
	f[2] = nv(":path", UNARY);
	f[3] = nv(":authority", "127.0.0.1");
	f[4] = nv("content-type", "application/grpc");
	f[5] = nv("te", "trailers");
	for (i = 0; i < n; i++) {
		(void)snprintf(names[i], sizeof(names[i]), "x-h%zu", i);
		f[6 + i] = nv(names[i], "v");
		f[6 + i].flags = NGHTTP2_NV_FLAG_NO_INDEX;
	}
	if (hc_block_send(c, 1, FL_END_STREAM, f, n + 6) == 0)
		ok = answer(c, 1, "rst 2|goaway 11");
	else
		hc_outcome(c, 1);
	free(names);
	free(f);
	hc_free(c);
	return ok;
}

static int
k_continuation_flood(void)
{
	struct hc	*c;
	nghttp2_nv	 f[2];
	uint8_t		 b[256];
	ssize_t		 n;
	int		 i, ok;

	if ((c = hc_open(8)) == NULL)
		return 0;
	f[0] = nv(":method", "POST");
	f[1] = nv(":path", UNARY);
	if ((n = nghttp2_hd_deflate_hd(c->def, b, sizeof(b), f, 2)) < 0) {
		hc_free(c);
		return 0;
	}
	if (hc_frame(c, F_HEADERS, 0, 1, b, (size_t)n) == 0)
		for (i = 0; i < 100000 && hc_frame(c, F_CONT, 0, 1, NULL, 0)
		    == 0; i++)
			;
	ok = conn_answer(c, "goaway 11|goaway 1|closed");
	hc_free(c);
	return ok;
}

static void
s_pseudo_after_regular(struct hc *c)
{
	nghttp2_nv	 f[6];

	f[0] = nv(":method", "POST");
	f[1] = nv(":scheme", "http");
	f[2] = nv("content-type", "application/grpc");
	f[3] = nv(":path", UNARY);
	f[4] = nv(":authority", "127.0.0.1");
	f[5] = nv("te", "trailers");
	(void)hc_block_send(c, 1, FL_END_STREAM, f, 6);
}

static int
one_field(const char *name, const char *value, const char *want)
{
	struct hc	*c;
	nghttp2_nv	 x = nv(name, value);
	int		 ok;

	if ((c = hc_open(8)) == NULL)
		return 0;
	(void)hc_req(c, 1, UNARY, &x, 1, 1);
	ok = answer(c, 1, want);
	hc_free(c);
	return ok;
}

static int
k_response_pseudo(void)
{
	return one_field(":status", "200", "rst 1");
}

static int
k_header_name_space(void)
{
	return one_field("x a", "1", "status 3|rst 1");
}

static int
k_header_value_ctl(void)
{
	return one_field("x-a", "1\x01" "2", "status 3|rst 1");
}

static int
k_header_empty_name(void)
{
	return one_field("", "v", "status 3|rst 1");
}

/* Request trailers with a pseudo-header, on a call already forwarded. */
static void
s_trailer_pseudo(struct hc *c)
{
	nghttp2_nv	 t = nv(":path", POLL);

	if (hc_req(c, 1, UNARY, NULL, 0, 0) == 0 &&
	    hc_msg(c, 1, 0, 5, (const uint8_t *)"hello", 5, 0) == 0)
		(void)hc_block_send(c, 1, FL_END_STREAM, &t, 1);
}

static void
s_trailer_no_end_stream(struct hc *c)
{
	nghttp2_nv	 t = nv("x-t", "1");

	if (hc_req(c, 1, UNARY, NULL, 0, 0) == 0 &&
	    hc_msg(c, 1, 0, 5, (const uint8_t *)"hello", 5, 0) == 0)
		(void)hc_block_send(c, 1, 0, &t, 1);
}

static void
s_trailer_bad_name(struct hc *c)
{
	nghttp2_nv	 t = nv("X-Upper", "1");

	if (hc_req(c, 1, RATC, NULL, 0, 0) == 0 &&
	    hc_msg(c, 1, 0, sizeof(forged) - 1, forged, sizeof(forged) - 1,
	    0) == 0)
		(void)hc_block_send(c, 1, FL_END_STREAM, &t, 1);
}

static void
s_headers_after_end(struct hc *c)
{
	if (hc_req(c, 1, SLEEP, NULL, 0, 1) == 0)
		(void)hc_req(c, 1, SLEEP, NULL, 0, 1);
}

static void
s_content_length_mismatch(struct hc *c)
{
	nghttp2_nv	 x = nv("content-length", "3");

	if (hc_req(c, 1, UNARY, &x, 1, 0) == 0)
		(void)hc_msg(c, 1, 0, 5, (const uint8_t *)"hello", 5, 1);
}

/* ------------------------------------------------------------ streams */

/*
 * HEADERS on a stream ID below one already opened.  RFC 9113 5.1.1 makes
 * it a connection error; nghttp2 ignores the frame instead (the stream
 * counts as closed).  Either way it must not reach the frontend: stream 5
 * is a held call (no message yet), stream 3 a whole one.
 */
static int
k_stream_id_backwards(void)
{
	struct hc	*c;
	long		 t;
	int		 ok = 0;

	if ((c = hc_open(8)) == NULL)
		return 0;
	if (hc_req(c, 5, RATC, NULL, 0, 0) == 0 &&
	    hc_req(c, 3, UNARY, NULL, 0, 1) == 0) {
		t = ms_left() - 1500;
		while (!hc_done(c, 3) && ms_left() > t && hc_pump(c, 50) == 0)
			;
		hc_outcome(c, 3);
		if (strcmp(result, "timeout") == 0) {
			(void)snprintf(result, sizeof(result), "ignored (stream "
			    "3 never answered), connection open");
			ok = !c->closed;
		} else
			ok = expect("goaway 1");
	}
	hc_free(c);
	return ok;
}

static int
k_stream_id_reuse(void)
{
	struct hc	*c;
	int		 ok = 0;

	if ((c = hc_open(8)) == NULL)
		return 0;
	if (still_serves(c, 1)) {
		(void)hc_req(c, 1, UNARY, NULL, 0, 1);
		ok = refused_or_ignored(c, "goaway 5|goaway 1", 3);
	}
	hc_free(c);
	return ok;
}

static void
s_stream_id_even(struct hc *c)
{
	(void)hc_req(c, 2, UNARY, NULL, 0, 1);
}

static void
s_headers_stream_0(struct hc *c)
{
	(void)hc_req(c, 0, UNARY, NULL, 0, 1);
}

static int
k_data_closed_stream(void)
{
	struct hc	*c;
	int		 ok = 0;

	if ((c = hc_open(8)) == NULL)
		return 0;
	if (still_serves(c, 1)) {
		(void)hc_frame(c, F_DATA, 0, 1, (const uint8_t *)"x", 1);
		ok = refused_or_ignored(c, "goaway 5|goaway 1", 3);
	}
	hc_free(c);
	return ok;
}

static void
s_data_idle_stream(struct hc *c)
{
	(void)hc_frame(c, F_DATA, 0, 9, (const uint8_t *)"x", 1);
}

/* One stream more than SETTINGS_MAX_CONCURRENT_STREAMS (4096). */
static int
k_max_concurrent(void)
{
	struct hc	*c;
	int32_t		 id;
	int		 ok;

	if ((c = hc_open(4200)) == NULL)
		return 0;
	while (c->init_win == 65535 && !c->closed && ms_left() > 0)
		(void)hc_pump(c, 20);		/* its SETTINGS first */
	for (id = 1; id <= 2 * 4097 - 1; id += 2)
		if (hc_req(c, id, SLEEP, NULL, 0, 1) != 0)
			break;
	id = 2 * 4097 - 1;
	ok = answer(c, id, "rst 7|goaway 1|rst 1");
	hc_free(c);
	return ok;
}

/* Streams held open: long calls never ended, a held intercepted call. */
static int
k_idle_streams_held(void)
{
	struct hc	*c;
	int32_t		 id;
	long		 t;
	int		 ok = 0;

	if ((c = hc_open(512)) == NULL)
		return 0;
	for (id = 1; id < 400; id += 2)
		(void)hc_req(c, id, id < 200 ? SLEEP : RATC, NULL, 0,
		    id < 200);
	t = ms_left() - 2000;
	while (ms_left() > t && hc_pump(c, 50) == 0)
		;
	hc_outcome(c, 1);
	if (strcmp(result, "timeout") == 0) {
		hc_outcome(c, 399);
		if (strcmp(result, "timeout") == 0) {
			(void)snprintf(result, sizeof(result), "200 streams "
			    "held open 2 s, unanswered");
			ok = still_serves(c, 401);
		}
	}
	hc_free(c);
	return ok;
}

/* --------------------------------------------------------------- floods */

static int
k_rst_flood(void)
{
	struct hc	*c;
	uint8_t		 code[4];
	int32_t		 id;
	int		 ok;

	if ((c = hc_open(8)) == NULL)
		return 0;
	put32(code, 8);		/* CANCEL */
	for (id = 1; id < 2 * 5000; id += 2)
		if (hc_req(c, id, SLEEP, NULL, 0, 1) != 0 ||
		    hc_frame(c, F_RST, 0, id, code, 4) != 0)
			break;
	/* nghttp2's reset rate limit answers INTERNAL_ERROR */
	ok = conn_answer(c, "goaway 2|goaway 11|closed");
	(void)snprintf(result + strlen(result), sizeof(result) -
	    strlen(result), " after %d opened and reset", (id - 1) / 2);
	hc_free(c);
	return ok;
}

/* Frames written as fast as possible, the socket never read. */
static int
flood(uint8_t type, uint8_t flags, size_t plen, long count, const char *want)
{
	struct hc	*c;
	uint8_t		 one[9 + 8];
	uint8_t		*buf;
	size_t		 per, i;
	long		 sent = 0;
	int		 ok;

	if ((c = hc_open(8)) == NULL)
		return 0;
	c->noread = 1;
	per = 9 + plen;
	memset(one, 0, sizeof(one));
	one[2] = (uint8_t)plen;
	one[3] = type;
	one[4] = flags;
	if ((buf = malloc(per * 1024)) == NULL) {
		hc_free(c);
		return 0;
	}
	for (i = 0; i < 1024; i++)
		memcpy(buf + i * per, one, per);
	while (sent < count && hc_write(c, buf, per * 1024) == 0)
		sent += 1024;
	free(buf);
	c->noread = 0;
	/* what the sidecar said before it stopped, if anything */
	while (!c->closed && hc_pump(c, 200) == 0 && ms_left() > 0)
		;
	if (c->goaway)
		(void)snprintf(result, sizeof(result), "goaway %u",
		    c->goaway_code);
	else
		(void)snprintf(result, sizeof(result), "%s",
		    c->closed ? "closed" : "timeout");
	ok = expect(want);
	(void)snprintf(result + strlen(result), sizeof(result) -
	    strlen(result), " after %ld frames", sent);
	hc_free(c);
	return ok;
}

static int
k_settings_flood(void)
{
	return flood(F_SETTINGS, 0, 0, 2000000, "goaway 11|closed");
}

static int
k_ping_flood(void)
{
	return flood(F_PING, 0, 8, 2000000, "goaway 11|closed");
}

static int
k_settings_too_many(void)
{
	struct hc	*c;
	uint32_t	 iv[2 * 64];
	size_t		 i;
	int		 ok;

	if ((c = hc_new(8)) == NULL)
		return 0;
	for (i = 0; i < 64; i++) {
		iv[2 * i] = 3;
		iv[2 * i + 1] = (uint32_t)(100 + i);
	}
	(void)hc_start(c, iv, 64);
	ok = conn_answer(c, "goaway 11|goaway 1|closed");
	hc_free(c);
	return ok;
}

static int
bad_setting(uint32_t id, uint32_t v, const char *want)
{
	struct hc	*c;
	uint32_t	 iv[2];
	int		 ok;

	if ((c = hc_new(8)) == NULL)
		return 0;
	iv[0] = id;
	iv[1] = v;
	(void)hc_start(c, iv, 1);
	ok = conn_answer(c, want);
	hc_free(c);
	return ok;
}

static int
k_settings_bad_push(void)
{
	return bad_setting(2, 2, "goaway 1");
}

static int
k_settings_bad_window(void)
{
	return bad_setting(4, 0x80000000u, "goaway 3");
}

static int
k_settings_bad_frame_size(void)
{
	return bad_setting(5, 100, "goaway 1");
}

static void
s_window_overflow_conn(struct hc *c)
{
	(void)hc_wu(c, 0, 0x7fffffff);
}

static int
k_window_overflow_stream(void)
{
	struct hc	*c;
	int		 ok;

	if ((c = hc_open(8)) == NULL)
		return 0;
	if (hc_req(c, 1, SLEEP, NULL, 0, 1) == 0)
		(void)hc_wu(c, 1, 0x7fffffff);
	ok = answer(c, 1, "rst 3");
	if (ok)
		ok = still_serves(c, 3);
	hc_free(c);
	return ok;
}

static void
s_window_zero_conn(struct hc *c)
{
	(void)hc_wu(c, 0, 0);
}

static void
s_window_zero_stream(struct hc *c)
{
	if (hc_req(c, 1, SLEEP, NULL, 0, 1) == 0)
		(void)hc_wu(c, 1, 0);
}

/* Many small WINDOW_UPDATEs (short of overflow), then a call. */
static int
k_window_update_flood(void)
{
	struct hc	*c;
	int		 i, ok = 0;

	if ((c = hc_open(8)) == NULL)
		return 0;
	for (i = 0; i < 200000; i++)
		if (hc_wu(c, 0, 1) != 0)
			break;
	c->conn_win += i;
	if (i == 200000)
		ok = still_serves(c, 1);
	else
		hc_outcome(c, 1);
	hc_free(c);
	return ok;
}

/* PRIORITY frames for 100000 idle streams, then a call on a new one. */
static int
k_priority_flood(void)
{
	struct hc	*c;
	uint8_t		 p[5];
	int32_t		 id;
	int		 ok = 0;

	if ((c = hc_open(8)) == NULL)
		return 0;
	memset(p, 0, sizeof(p));
	p[4] = 16;
	for (id = 3; id < 200003; id += 2) {
		put32(p, (uint32_t)(id - 2));
		if (hc_frame(c, F_PRIORITY, 0, id, p, 5) != 0)
			break;
	}
	if (id >= 200003)
		ok = still_serves(c, 1);
	else
		hc_outcome(c, 1);
	hc_free(c);
	return ok;
}

static void
s_priority_self(struct hc *c)
{
	uint8_t		 p[5] = { 0, 0, 0, 1, 16 };

	if (hc_req(c, 1, SLEEP, NULL, 0, 1) == 0)
		(void)hc_frame(c, F_PRIORITY, 0, 1, p, 5);
}

/* 100000 empty DATA frames inside a call, then its message. */
static void
s_zero_data_flood(struct hc *c)
{
	int		 i;

	if (hc_req(c, 1, UNARY, NULL, 0, 0) == 0)
		for (i = 0; i < 100000; i++)
			if (hc_frame(c, F_DATA, 0, 1, NULL, 0) != 0)
				break;
	(void)hc_msg(c, 1, 0, 5, (const uint8_t *)"hello", 5, 1);
}

/* The same on a held (intercepted) call. */
static void
s_zero_data_flood_held(struct hc *c)
{
	int		 i;

	if (hc_req(c, 1, RATC, NULL, 0, 0) == 0)
		for (i = 0; i < 100000; i++)
			if (hc_frame(c, F_DATA, 0, 1, NULL, 0) != 0)
				break;
	(void)hc_msg(c, 1, 0, sizeof(forged) - 1, forged, sizeof(forged) - 1,
	    1);
}

/* 100000 frames of an unknown type (ignored by HTTP/2), then a call. */
static int
k_unknown_frame_flood(void)
{
	struct hc	*c;
	int		 i, ok = 0;

	if ((c = hc_open(8)) == NULL)
		return 0;
	for (i = 0; i < 100000; i++)
		if (hc_frame(c, 0xfa, 0, 0, NULL, 0) != 0)
			break;
	if (i == 100000)
		ok = still_serves(c, 1);
	else
		hc_outcome(c, 1);
	hc_free(c);
	return ok;
}

/* ---------------------------------------------------- flow control */

/* The client's window is 0 and never opened: nothing may come. */
static int
k_window_never_opened(void)
{
	struct hc	*c;
	uint32_t	 iv[2] = { 4, 0 };
	nghttp2_nv	 x = nv("x-flood-mb", "256");
	long		 t;
	int		 ok = 0;

	if ((c = hc_new(8)) == NULL)
		return 0;
	c->ack = 1;
	if (hc_start(c, iv, 1) == 0 &&
	    hc_req(c, 1, "/test.Echo/Flood", &x, 1, 0) == 0 &&
	    hc_msg(c, 1, 0, 0, NULL, 0, 1) == 0) {
		t = ms_left() - 3000;
		while (ms_left() > t && hc_pump(c, 50) == 0)
			;
		(void)snprintf(result, sizeof(result), "%zu DATA bytes in 3 s "
		    "with a zero window%s", c->st[0].data, c->st[0].rst ?
		    " (reset)" : "");
		ok = c->st[0].data == 0 && !c->st[0].rst && !c->closed;
	}
	hc_free(c);
	return ok;
}

/* Huge windows, 16 calls of 256 MB each, the socket never read. */
static int
k_never_read(void)
{
	struct hc	*c;
	uint32_t	 iv[2] = { 4, 0x7fffffff };
	nghttp2_nv	 x = nv("x-flood-mb", "256");
	int32_t		 id;
	long		 t;
	int		 ok = 1;

	if ((c = hc_new(40)) == NULL)
		return 0;
	if (hc_start(c, iv, 1) != 0 || hc_wu(c, 0, 0x7fffffff - 65535) != 0)
		ok = 0;
	for (id = 1; ok && id < 32; id += 2)
		if (hc_req(c, id, "/test.Echo/Flood", &x, 1, 0) != 0 ||
		    hc_msg(c, id, 0, 0, NULL, 0, 1) != 0)
			ok = 0;
	c->noread = 1;
	t = ms_left() - 4000;
	while (ok && ms_left() > t)
		nap(100);
	(void)snprintf(result, sizeof(result), "16 calls of 256 MB, socket "
	    "not read for 4 s%s", ok ? "" : ": could not send them");
	hc_free(c);
	return ok;
}

/* ------------------------------------------------- connection level */

static int
k_many_connections(void)
{
	struct hc	**cs;
	size_t		  i, n = 1000, good = 0, refused = 0;
	static const uint8_t m[] = "hello";

	if ((cs = calloc(n, sizeof(*cs))) == NULL)
		return 0;
	for (i = 0; i < n; i++)
		if ((cs[i] = hc_open(4)) != NULL &&
		    (hc_req(cs[i], 1, UNARY, NULL, 0, 0) != 0 ||
		    hc_msg(cs[i], 1, 0, 5, m, 5, 1) != 0))
			refused++;
	for (i = 0; i < n; i++) {
		if (cs[i] == NULL)
			continue;
		hc_wait(cs[i], 1, 10000);
		hc_outcome(cs[i], 1);
		if (expect("status 0"))
			good++;
		hc_free(cs[i]);
	}
	free(cs);
	(void)snprintf(result, sizeof(result), "%zu of %zu connections "
	    "answered status 0 (%zu could not send)", good, n, refused);
	return good == n;
}

static int
k_slowloris_preface(void)
{
	struct hc	*c;
	size_t		 i;
	long		 t0 = ms_left();
	int		 ok = 0;

	if ((c = hc_new(8)) == NULL)
		return 0;
	c->ack = 0;	/* nothing of ours between the preface's bytes */
	for (i = 0; i < sizeof(preface) - 1; i++) {
		if (hc_write(c, preface + i, 1) != 0 || hc_pump(c, 0) != 0)
			break;
		nap(250);
	}
	if (i < sizeof(preface) - 1) {
		ok = conn_answer(c, "closed|goaway 0|goaway 1");
		(void)snprintf(result + strlen(result), sizeof(result) -
		    strlen(result), " after %zu preface bytes in %ld ms", i,
		    t0 - ms_left());
	} else
		(void)snprintf(result, sizeof(result), "a 6 s preface was "
		    "waited for");
	hc_free(c);
	return ok;
}

/* A connection that never says anything. */
static int
k_no_preface(void)
{
	struct hc	*c;
	long		 t0 = ms_left();
	int		 ok;

	if ((c = hc_new(8)) == NULL)
		return 0;
	c->ack = 0;
	ok = conn_answer(c, "closed|goaway 0|goaway 1");
	(void)snprintf(result + strlen(result), sizeof(result) -
	    strlen(result), " after %ld ms of silence", t0 - ms_left());
	hc_free(c);
	return ok;
}

static int
k_garbage_preface(void)
{
	struct hc	*c;
	int		 ok;

	if ((c = hc_new(8)) == NULL)
		return 0;
	(void)hc_write(c, (const uint8_t *)"GET / GARBAGE\r\n\r\n\x00\x01\x02"
	    "\x03\x04\x05\x06\x07\x08\x09", 27);
	ok = conn_answer(c, "closed|goaway 1");
	hc_free(c);
	return ok;
}

static int
k_http1_request(void)
{
	struct hc	*c;
	static const char r[] = "POST " UNARY " HTTP/1.1\r\nHost: x\r\n"
			    "Content-Type: application/grpc\r\n"
			    "Content-Length: 0\r\n\r\n";
	int		 ok;

	if ((c = hc_new(8)) == NULL)
		return 0;
	(void)hc_write(c, (const uint8_t *)r, sizeof(r) - 1);
	c->ack = 0;
	ok = conn_answer(c, "closed|goaway 1");
	if (memmem(c->in, c->inlen, "HTTP/1", 6) != NULL)
		ok = 0;
	hc_free(c);
	return ok;
}

static void
s_frame_too_large(struct hc *c)
{
	static uint8_t	 b[20000];

	if (hc_req(c, 1, UNARY, NULL, 0, 0) == 0)
		(void)hc_frame(c, F_DATA, 0, 1, b, sizeof(b));
}

static void
s_flow_control_violation(struct hc *c)
{
	static uint8_t	 b[HC_FRAME_MAX];
	int		 i;

	c->ack = 0;
	if (hc_req(c, 1, UNARY, NULL, 0, 0) == 0)
		for (i = 0; i < 64; i++)	/* 1 MiB, no window asked */
			if (hc_frame(c, F_DATA, 0, 1, b, sizeof(b)) != 0)
				break;
}

static void
s_push_promise(struct hc *c)
{
	uint8_t		 p[4];

	put32(p, 2);
	(void)hc_frame(c, F_PUSH, FL_END_HEADERS, 1, p, 4);
}

static void
s_bad_padding(struct hc *c)
{
	uint8_t		 p[4] = { 200, 'a', 'b', 'c' };

	if (hc_req(c, 1, UNARY, NULL, 0, 0) == 0)
		(void)hc_frame(c, F_DATA, FL_PADDED, 1, p, 4);
}

/* A HEADERS frame cut in the middle, then the socket reset. */
static int
k_abrupt_close_mid_frame(void)
{
	struct hc	*c;
	uint8_t		 h[9 + 100];
	struct linger	 l = { 1, 0 };

	if ((c = hc_open(8)) == NULL)
		return 0;
	memset(h, 0x41, sizeof(h));
	h[0] = 0;
	h[1] = 2;
	h[2] = 0;		/* 512 bytes announced */
	h[3] = F_HEADERS;
	h[4] = FL_END_HEADERS;
	put32(h + 5, 1);
	(void)hc_write(c, h, sizeof(h));
	(void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	hc_free(c);
	(void)snprintf(result, sizeof(result), "sent 100 of a 512-byte "
	    "HEADERS frame, then reset the connection");
	return 1;
}

/* A held intercepted call with half its message, then the socket reset;
 * and a forwarded call in the middle of its response. */
static int
k_abrupt_close_mid_call(void)
{
	struct hc	*c;
	static uint8_t	 b[1000];
	struct linger	 l = { 1, 0 };
	nghttp2_nv	 x = nv("x-flood-mb", "64");

	if ((c = hc_open(8)) == NULL)
		return 0;
	if (hc_req(c, 1, RATC, NULL, 0, 0) == 0 &&
	    hc_msg(c, 1, 0, sizeof(b), b, 500, 0) == 0 &&
	    hc_req(c, 3, "/test.Echo/Flood", &x, 1, 0) == 0 &&
	    hc_msg(c, 3, 0, 0, NULL, 0, 1) == 0) {
		while (c->st[1].data < 1024 * 1024 && ms_left() > 0 &&
		    hc_pump(c, 50) == 0)
			;
	}
	(void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	(void)snprintf(result, sizeof(result), "reset after %zu response "
	    "bytes, a held call half sent", c->st[1].data);
	hc_free(c);
	return 1;
}

/* ------------------------------------------------------------- table */

/*
 * A kind is fn, or (fn NULL) the common shape: on a new connection of 8
 * streams, send(c) does the abuse, then the answer on stream sid (0: the
 * connection's, GOAWAY or closed) must be one of want.
 */
struct kind {
	const char	*name;
	const char	*flags;
	int		(*fn)(void);
	void		(*send)(struct hc *);
	int32_t		 sid;
	const char	*want;
};

static int
one_conn(const struct kind *k)
{
	struct hc	*c;
	int		 ok;

	if ((c = hc_open(8)) == NULL)
		return 0;
	k->send(c);
	ok = k->sid != 0 ? answer(c, k->sid, k->want) :
	    conn_answer(c, k->want);
	hc_free(c);
	return ok;
}

#define FN(fn)			fn, NULL, 0, NULL
#define ONE(send, sid, want)	NULL, send, sid, want

static const struct kind	kinds[] = {
	{ "grpc-length-beyond-data",	"n", FN(k_len_gt_data) },
	{ "grpc-length-over-max",	"n", FN(k_len_over_max) },
	{ "grpc-length-over-max-poll",	"n", FN(k_len_over_max_poll) },
	{ "grpc-compressed-flag-2",	"n", FN(k_flag_2) },
	{ "grpc-compressed-flag-255",	"n", FN(k_flag_255) },
	{ "grpc-truncated-prefix",	"n", ONE(s_truncated_prefix, 1,
	    "status 3") },
	{ "grpc-truncated-message",	"n", ONE(s_truncated_body, 1,
	    "status 3") },
	{ "grpc-no-message",		"n", ONE(s_no_message, 1, "status 3") },
	{ "grpc-compressed-no-encoding", "n", FN(k_compressed_no_encoding) },
	{ "grpc-unknown-encoding",	"n", FN(k_unknown_encoding) },
	{ "grpc-identity-compressed",	"n", FN(k_identity_compressed) },
	{ "grpc-gzip-bomb",		"nf", FN(k_gzip_bomb) },
	{ "grpc-gzip-bomb-wft",		"nf", FN(k_gzip_bomb_wftc) },
	{ "grpc-gzip-garbage",		"n", FN(k_gzip_garbage) },
	{ "grpc-oversize-message",	"nf", FN(k_oversize) },
	{ "grpc-held-many-big",		"nf", FN(k_held_many_big) },
	{ "pb-garbage-completion",	"n", FN(k_garbage_protobuf) },
	{ "pb-forged-task-token",	"n", FN(k_bad_task_token) },
	{ "pb-forged-heartbeat-token",	"n", FN(k_heartbeat_bad_token) },
	{ "pb-garbage-wft-completion",	"n", FN(k_wftc_garbage) },
	{ "hdr-huge-single",		"nf", ONE(s_huge_header, 1,
	    "rst 2|goaway 9|goaway 11") },
	{ "hdr-hpack-bomb",		"nf", FN(k_hpack_bomb) },
	{ "hdr-many",			"nf", FN(k_many_headers) },
	{ "hdr-hpack-bomb-streams",	"nf", FN(k_hpack_bomb_streams) },
	{ "hdr-continuation-flood",	"nf", FN(k_continuation_flood) },
	{ "hdr-pseudo-after-regular",	"n", ONE(s_pseudo_after_regular, 1,
	    "rst 1") },
	{ "hdr-response-pseudo",	"n", FN(k_response_pseudo) },
	{ "hdr-name-space",		"n", FN(k_header_name_space) },
	{ "hdr-value-control-char",	"n", FN(k_header_value_ctl) },
	{ "hdr-empty-name",		"n", FN(k_header_empty_name) },
	{ "hdr-content-length-mismatch", "", ONE(s_content_length_mismatch, 1,
	    "rst 1") },
	{ "trailer-pseudo",		"", ONE(s_trailer_pseudo, 1, "rst 1") },
	{ "trailer-no-end-stream",	"", ONE(s_trailer_no_end_stream, 1,
	    "rst 1|goaway 1") },
	{ "trailer-bad-name-held",	"n", ONE(s_trailer_bad_name, 1,
	    "rst 1|status 3") },
	{ "headers-after-end-stream",	"", ONE(s_headers_after_end, 1,
	    "rst 5|goaway 5|goaway 1") },
	{ "stream-id-backwards",	"n", FN(k_stream_id_backwards) },
	{ "stream-id-reuse",		"", FN(k_stream_id_reuse) },
	{ "stream-id-even",		"n", ONE(s_stream_id_even, 0,
	    "goaway 1") },
	{ "stream-id-zero",		"n", ONE(s_headers_stream_0, 0,
	    "goaway 1") },
	{ "data-closed-stream",		"", FN(k_data_closed_stream) },
	{ "data-idle-stream",		"n", ONE(s_data_idle_stream, 0,
	    "goaway 1") },
	{ "streams-over-max-concurrent", "f", FN(k_max_concurrent) },
	{ "streams-held-open",		"f", FN(k_idle_streams_held) },
	{ "flood-rst-stream",		"f", FN(k_rst_flood) },
	{ "flood-settings",		"nf", FN(k_settings_flood) },
	{ "flood-ping",			"nf", FN(k_ping_flood) },
	{ "flood-window-update",	"f", FN(k_window_update_flood) },
	{ "flood-priority",		"f", FN(k_priority_flood) },
	{ "flood-zero-length-data",	"f", ONE(s_zero_data_flood, 1,
	    "status 0|goaway 11|closed") },
	{ "flood-zero-length-data-held", "nf", ONE(s_zero_data_flood_held, 1,
	    "status 7|goaway 11|closed") },
	{ "flood-unknown-frames",	"f", FN(k_unknown_frame_flood) },
	{ "settings-too-many-entries",	"n", FN(k_settings_too_many) },
	{ "settings-enable-push-2",	"n", FN(k_settings_bad_push) },
	{ "settings-window-too-large",	"n", FN(k_settings_bad_window) },
	{ "settings-frame-size-too-small", "n", FN(k_settings_bad_frame_size) },
	{ "window-overflow-connection",	"n", ONE(s_window_overflow_conn, 0,
	    "goaway 3") },
	{ "window-overflow-stream",	"", FN(k_window_overflow_stream) },
	{ "window-zero-increment-conn",	"n", ONE(s_window_zero_conn, 0,
	    "goaway 1") },
	{ "window-zero-increment-stream", "", ONE(s_window_zero_stream, 1,
	    "rst 1|goaway 1") },
	{ "window-never-opened",	"f", FN(k_window_never_opened) },
	{ "window-client-never-reads",	"f", FN(k_never_read) },
	{ "priority-self-dependency",	"", ONE(s_priority_self, 1,
	    "rst 1|goaway 1") },
	{ "frame-too-large",		"", ONE(s_frame_too_large, 0,
	    "goaway 6") },
	{ "flow-control-violation",	"f", ONE(s_flow_control_violation, 1,
	    "goaway 3|rst 3") },
	{ "push-promise-from-client",	"n", ONE(s_push_promise, 0,
	    "goaway 1") },
	{ "data-bad-padding",		"", ONE(s_bad_padding, 0, "goaway 1") },
	{ "preface-garbage",		"n", FN(k_garbage_preface) },
	{ "preface-slowloris",		"n", FN(k_slowloris_preface) },
	{ "preface-never-sent",		"n", FN(k_no_preface) },
	{ "http1-request",		"n", FN(k_http1_request) },
	{ "conn-many-at-once",		"f", FN(k_many_connections) },
	{ "close-mid-frame",		"n", FN(k_abrupt_close_mid_frame) },
	{ "close-mid-call",		"f", FN(k_abrupt_close_mid_call) },
};

#undef FN
#undef ONE

int
main(int argc, char *argv[])
{
	const struct kind	*k = NULL;
	long			 ms = 20000;
	size_t			 i;
	int			 ch, list = 0, ok;

	while ((ch = getopt(argc, argv, "lp:t:")) != -1) {
		if (ch == 'l')
			list = 1;
		else if (ch == 'p')
			port = optarg;
		else if (ch == 't')
			ms = strtol(optarg, NULL, 10);
		else
			return 2;
	}
	if (list) {
		for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			(void)printf("%s %s\n", kinds[i].name,
			    kinds[i].flags[0] ? kinds[i].flags : "-");
		return 0;
	}
	for (i = 0; optind < argc && i < sizeof(kinds) / sizeof(kinds[0]);
	    i++)
		if (strcmp(kinds[i].name, argv[optind]) == 0)
			k = &kinds[i];
	if (k == NULL || port == NULL || ms <= 0 || ms > 120000) {
		(void)fprintf(stderr, "usage: hostile -l | hostile -p port "
		    "[-t ms] kind\n");
		return 2;
	}
	(void)signal(SIGPIPE, SIG_IGN);
	(void)clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += ms / 1000;
	deadline.tv_nsec += (ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	ok = k->fn != NULL ? k->fn() : one_conn(k);
	(void)printf("outcome: %s\n", result[0] ? result : "(none)");
	return ok ? 0 : 1;
}
