/*
 * proxy.c: the HTTP/2 data plane (see proxy.h for the connection model).
 *
 * Event loop: libev, one loop in one thread, as nghttpx uses.  Chosen
 * over raw epoll because it gives us timers (backoff, keepalive, connect
 * and shutdown deadlines) and safe signal watchers in the same loop
 * without writing a timer heap, and it stays portable; its cost per
 * event is a function call.
 *
 * Flow control: both sessions run with automatic WINDOW_UPDATE off.
 * Bytes a peer sends us are "consumed" (their window reopened) only when
 * the other side has taken them, so each stream buffers at most one
 * stream window per direction (plus PX_REPLAY_MAX of request bytes kept
 * for a resend) and each connection at most one connection window: a
 * slow reader stalls its writer instead of growing our memory.  An empty
 * buffer defers the other side's DATA (NGHTTP2_ERR_DEFERRED) until bytes
 * arrive.
 *
 * Upstream GOAWAY: the connection that got it keeps carrying the streams
 * the frontend accepted (up to its last-stream-id) on the pair's
 * draining list, and the next new stream opens a fresh connection.  A
 * stream above the last-stream-id (refused, so never seen by the
 * frontend) is sent again on the fresh connection when its request is
 * still at hand (headers and at most PX_REPLAY_MAX body bytes, kept until
 * the response starts); the worker sees neither.
 *
 * Shutdown: the worker first gets a GOAWAY announcing the end (last
 * stream 2^31-1, RFC 9113 section 6.8), so requests already on the wire
 * are still served; PX_DRAIN_NOTICE_S later the final GOAWAY names the
 * last stream we took, and those streams run to their end.
 *
 * Socket watchers follow what TLS asks for (tls_events()): a write that
 * waits on a read waits for readability only, and the other way round,
 * so no watcher fires over and over while nothing can progress.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nghttp2/nghttp2.h>
#include <valgrind/valgrind.h>	/* RUNNING_ON_VALGRIND: the free lists step aside */

#include "tn_temporal_methods.h"

#include "audit.h"
#include "grpc_frame.h"
#include "intercept.h"
#include "log.h"
#include "metrics.h"
#include "pbuf.h"
#include "probe.h"
#include "proxy.h"
#include "route.h"
#include "tls.h"

#define PX_READ_BUF	(16 * 1024)
#define PX_OUT_BUF	(32 * 1024)	/* frames gathered per write */
#define PX_READS_MAX	8		/* reads per event, for fairness */
#define PX_PEER_MAX	128
#define PX_REASON_MAX	256

/* px_io_recv() results below 1 */
#define PX_IO_EOF	0
#define PX_IO_ERR	(-1)
#define PX_IO_AGAIN	(-2)

/* stream flags */
#define S_REQ_END	0x0001	/* downstream sent END_STREAM */
#define S_RESP_END	0x0002	/* upstream sent END_STREAM (or we ended) */
#define S_RESP_STARTED	0x0004	/* response HEADERS submitted downstream */
#define S_DOWN_CLOSED	0x0008
#define S_UP_OPEN	0x0010	/* submitted upstream and not closed */
#define S_REQ_DEFERRED	0x0020
#define S_RESP_DEFERRED	0x0040
#define S_PENDING	0x0080	/* waiting for the upstream connection */
#define S_UP_DONE	0x0100	/* upstream side finished or abandoned */
#define S_REPLAY	0x0200	/* request kept whole: it can be resent */
#define S_REPLAYED	0x0400	/* resent once already */
#define S_IC_HOLD	0x0800	/* request buffered for a decision */
#define S_IC_REQ_OUT	0x1000	/* req holds our bytes (consumed already) */
#define S_IC_RESP	0x2000	/* response buffered for a decision */
#define S_IC_OUT	0x4000	/* resp holds our bytes (consumed already) */
#define S_ORIGIN	0x8000	/* a call the sidecar makes itself */

#define PX_ENC_MAX	32
#define PX_HELD_MAX	(32u * 1024u * 1024u)	/* request bytes held per
						   connection (px_ic_hold()) */
#define PX_HDR_CONN_MAX	(32u * 1024u * 1024u)	/* request header bytes per
						   connection (px_header()) */
#define PX_FAILED_PATH	TN_M_SERVICE "RespondActivityTaskFailed"

/*
 * A header block: the fields (nv) point into blocks of bytes that never
 * move once written (blk, newest first), so adding a field costs a copy
 * and, now and then, one allocation, instead of two per field.  The nv
 * array lives in a block too (the first one holds room for PX_HDRS_NV0
 * fields and PX_HBLK0 bytes of names and values: one allocation for a
 * usual block); a grown array goes to a new block, the old one stays
 * unused until the whole is freed.
 */
struct px_hblk {
	struct px_hblk	*next;
	size_t		 used, cap;
	uint8_t		 data[];
};

struct px_hdrs {
	nghttp2_nv	*nv;
	size_t		 n, cap;	/* fields used, room in nv */
	size_t		 bytes;		/* names and values, for the cap */
	struct px_hblk	*blk;
};

#define PX_HDRS_NV0	16	/* first room for fields */
#define PX_HBLK0	336	/* first block of bytes (with nv: < 1 KiB) */

/*
 * Bytes of serialized frames a connection could not write yet.  Frames
 * are taken from the session (nghttp2_session_mem_send()) into a buffer
 * and written with one send() (or one TLS write) per PX_OUT_BUF; what
 * the socket does not take waits here, and no more frames are taken from
 * the session until it is out, so a slow reader still stalls the
 * session and, through the windows, its writer.
 */
struct px_out {
	uint8_t		*buf;		/* NULL when empty */
	size_t		 off, len;	/* unsent: buf[off..off+len) */
	size_t		 cap;
};

struct px_pair;
struct px_up;
struct px_origin;

struct px_stream {
	TAILQ_ENTRY(px_stream)	 entry;
	struct px_pair		*pair;
	int32_t			 down_id;
	int32_t			 up_id;
	struct px_up		*up;	/* the connection up_id lives on */
	unsigned		 flags;
	struct px_hdrs		 req_hdrs;	/* kept while S_REPLAY */
	struct px_hdrs		 req_trailers;
	struct px_hdrs		 resp_hdrs;
	struct px_hdrs		 resp_trailers;
	struct pbuf		 req;	/* sent bytes stay while S_REPLAY */
	size_t			 req_sent;	/* bytes of req already sent */
	struct pbuf		 resp;
	int			 grpc_status;	/* -1 until seen */
	char			*path;
	/* interception (intercept.h) */
	enum ic_kind		 ic;
	char			 req_enc[PX_ENC_MAX];	/* grpc-encoding */
	char			 resp_enc[PX_ENC_MAX];
	struct gf_reader	 gfr;	/* held request or buffered response */
	struct gf_reader	 gfq;	/* the poll request, read in passing */
	struct gf_msg		 held;	/* the held request's message */
	int			 nheld;	/* messages received */
	size_t			 hold_bytes;	/* counted in pair's held */
	size_t			 hdr_bytes;	/* counted in pair's hdr_bytes */
	int			 ic_bad;	/* cannot be read: fail closed */
	int			 tapped;	/* poll request read */
	char			*ic_ns;
	char			*ic_tq;
	struct px_hdrs		 tmpl;	/* headers for our own calls */
	struct ic_resp_out	*undelivered;	/* until the bytes are out */
	struct px_origin	*origin;	/* S_ORIGIN: the call */
	/* routing (route.h) */
	int			 route_bad;	/* nghttp2 dropped a field */
	int			 ic_decide;	/* held for a decision, not
						   only to count messages */
	unsigned		 tenuo_md;	/* x-tenuo-* fields dropped */
};

/*
 * A RespondActivityTaskFailed the sidecar sends upstream on the pair's
 * connection, retried with backoff (intercept.h IC_RETRY_*); once every
 * attempt failed the task is audited as lost.  Owned by the pair.
 */
struct px_origin {
	LIST_ENTRY(px_origin)	 entry;
	struct px_pair		*pair;
	struct ic_upcall	 u;
	char			*ns;
	struct px_hdrs		 hdrs;
	unsigned		 attempt;
	ev_timer		 timer;
	struct px_stream	*s;	/* in flight, else NULL */
	char			 why[PX_REASON_MAX + 64];
};

/*
 * One upstream connection.  The pair's current one (p->up) is being set
 * up or takes new streams; one that got GOAWAY sits on p->draining until
 * its last stream ends.  Owned by the pair.
 */
struct px_up {
	LIST_ENTRY(px_up)	 entry;		/* p->draining */
	struct px_pair		*pair;
	int			 fd;
	ev_io			 rd, wr;
	struct tls_conn		*tls;		/* NULL: h2c */
	nghttp2_session		*sess;		/* NULL until connected */
	struct px_out		 out;
	ev_timer		 ping;		/* keepalive, then its timeout */
	int			 ping_out;
	int			 draining;
	unsigned		 nstreams;	/* streams with S_UP_OPEN */
	char			 err[PX_REASON_MAX];	/* send error */
};

enum px_up_state {
	UP_IDLE,
	UP_CONNECTING,
	UP_HANDSHAKE,		/* TCP up, TLS handshake running */
	UP_CONNECTED,
	UP_BACKOFF
};

struct px_pair {
	LIST_ENTRY(px_pair)	 entry;
	LIST_ENTRY(px_pair)	 fentry;	/* on flushq while queued */
	int			 fqueued;
	struct ev_loop		*loop;
	struct config		*cf;
	char			 peer[PX_PEER_MAX];
	unsigned long		 id;
	TAILQ_HEAD(, px_stream)	 streams;
	unsigned		 nstreams;

	int			 dfd;
	ev_io			 drd, dwr;
	struct tls_conn		*dtls;		/* NULL: h2c */
	int			 dready;	/* TLS handshake done */
	int			 dpreface;	/* client preface received */
	ev_timer		 dtimer;	/* TLS handshake, client preface;
						   drain notice */
	nghttp2_session		*down;
	struct px_out		 dout;
	int			 draining;

	enum px_up_state	 ustate;
	struct px_up		*up;		/* NULL when idle or backing off */
	LIST_HEAD(, px_up)	 old;		/* draining after GOAWAY */
	size_t			 uaddr;		/* address being tried */
	ev_timer		 utimer;	/* connect/handshake, backoff */
	unsigned		 backoff_ms;
	char			 up_reason[PX_REASON_MAX];
	int			 closing;
	int			 orphan;	/* the worker is gone */
	LIST_HEAD(, px_origin)	 origins;
	size_t			 held;	/* bytes of held requests */
	size_t			 hdr_bytes;	/* request fields of its streams */
};

static LIST_HEAD(, px_pair)	pairs = LIST_HEAD_INITIALIZER(pairs);
static LIST_HEAD(, px_pair)	flushq = LIST_HEAD_INITIALIZER(flushq);
static ev_prepare		flushq_w;	/* active while flushq is not
						   empty */
static unsigned			npairs;
static unsigned			norphans;
static unsigned			nbackoff;
static unsigned long		next_pair_id;

static void	px_pair_flush(struct px_pair *);
static void	px_pair_flush_later(struct px_pair *);
static void	px_pair_close(struct px_pair *, const char *);
static void	px_pair_gone(struct px_pair *);
static void	px_orphan_expired(struct px_pair *);
static void	px_up_connect(struct px_pair *);
static void	px_d_request(struct px_pair *, struct px_stream *);
static void	px_stream_submit(struct px_stream *);
static void	px_stream_fail(struct px_stream *, const char *);
static void	px_origin_done(struct px_origin *, struct px_stream *);
static void	px_undelivered_send(struct px_stream *, const char *);
static void	px_undelivered_why(const struct px_stream *, char *, size_t);
static void	px_u_response(struct px_stream *, int);

/* ------------------------------------------------------------ memory */

/*
 * nghttp2's own allocations (streams, queued frames, header copies and
 * buffers: some 25 for one unary call through both sessions), our
 * streams and header blocks are small and short-lived, and a hundred
 * calls in flight overrun malloc's small per-thread caches; they come
 * from free lists per 32-byte size class up to 1 KiB, each keeping at
 * most PX_POOL_KEEP blocks, instead.  Larger blocks go to malloc.  A
 * block carries its class and requested size just before the pointer
 * handed out (16 bytes, so the alignment stays malloc's).  One loop,
 * one thread: no locking.  Under AddressSanitizer the default allocator
 * is kept, and under valgrind every block goes back to malloc, so that
 * both still see every use after free.
 */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PX_ASAN	1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define PX_ASAN	1
#endif
#if !defined(PX_ASAN)
#define PX_POOL_STEP	32
#define PX_POOL_NCLASS	32
#define PX_POOL_MAX	(PX_POOL_STEP * PX_POOL_NCLASS)
#define PX_POOL_KEEP	256

struct px_blk {
	size_t	cls;		/* 1..PX_POOL_NCLASS, 0: from malloc */
	size_t	size;		/* as asked */
};

static struct px_blk	*px_pool[PX_POOL_NCLASS];	/* free blocks */
static size_t		 px_pool_n[PX_POOL_NCLASS];

static void *
px_mem_malloc(size_t size, void *ud)
{
	struct px_blk	*b;
	size_t		 c = size == 0 ? 1 : (size + PX_POOL_STEP - 1) /
			    PX_POOL_STEP;

	(void)ud;
	if (size > PX_POOL_MAX) {
		if (size > SIZE_MAX - sizeof(*b) ||
		    (b = malloc(sizeof(*b) + size)) == NULL)
			return NULL;
		c = 0;
	} else if ((b = px_pool[c - 1]) != NULL) {
		memcpy(&px_pool[c - 1], b + 1, sizeof(struct px_blk *));
		px_pool_n[c - 1]--;
	} else if ((b = malloc(sizeof(*b) + c * PX_POOL_STEP)) == NULL)
		return NULL;
	b->cls = c;
	b->size = size;
	return b + 1;
}

static void
px_mem_free(void *ptr, void *ud)
{
	struct px_blk	*b;

	(void)ud;
	if (ptr == NULL)
		return;
	b = (struct px_blk *)ptr - 1;
	if (b->cls == 0 || px_pool_n[b->cls - 1] == PX_POOL_KEEP ||
	    RUNNING_ON_VALGRIND) {
		free(b);
		return;
	}
	memcpy(b + 1, &px_pool[b->cls - 1], sizeof(struct px_blk *));
	px_pool[b->cls - 1] = b;
	px_pool_n[b->cls - 1]++;
}

static void *
px_mem_calloc(size_t n, size_t size, void *ud)
{
	void	*p;

	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	if ((p = px_mem_malloc(n * size, ud)) != NULL)
		memset(p, 0, n * size);
	return p;
}

static void *
px_mem_realloc(void *ptr, size_t size, void *ud)
{
	struct px_blk	*b, *nb;
	void		*p;

	if (ptr == NULL)
		return px_mem_malloc(size, ud);
	b = (struct px_blk *)ptr - 1;
	if (b->cls != 0 && size != 0 && size <= b->cls * PX_POOL_STEP) {
		b->size = size;
		return ptr;
	}
	if (b->cls == 0 && size > PX_POOL_MAX) {
		if (size > SIZE_MAX - sizeof(*b) ||
		    (nb = realloc(b, sizeof(*b) + size)) == NULL)
			return NULL;
		nb->size = size;
		return nb + 1;
	}
	if ((p = px_mem_malloc(size, ud)) == NULL)
		return NULL;
	memcpy(p, ptr, b->size < size ? b->size : size);
	px_mem_free(ptr, ud);
	return p;
}

static nghttp2_mem *
px_mem(void)
{
	static nghttp2_mem	mem = { NULL, px_mem_malloc, px_mem_free,
				    px_mem_calloc, px_mem_realloc };

	return &mem;
}

static void *
px_alloc(size_t size)
{
	return px_mem_malloc(size, NULL);
}

static void *
px_zalloc(size_t size)
{
	return px_mem_calloc(1, size, NULL);
}

static void
px_release(void *p)
{
	px_mem_free(p, NULL);
}
#else
static nghttp2_mem *
px_mem(void)
{
	return NULL;
}

static void *
px_alloc(size_t size)
{
	return malloc(size);
}

static void *
px_zalloc(size_t size)
{
	return calloc(1, size);
}

static void
px_release(void *p)
{
	free(p);
}
#endif

/* --------------------------------------------------------------- helpers */

static int
px_nonblock(int fd)
{
	int	fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return -1;
	return 0;
}

static void
px_nodelay(int fd)
{
	int	one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void
px_hdrs_free(struct px_hdrs *h)
{
	struct px_hblk	*b, *next;

	for (b = h->blk; b != NULL; b = next) {
		next = b->next;
		px_release(b);
	}
	memset(h, 0, sizeof(*h));	/* nv was in a block */
}

/* A new block of cap bytes, first on h's list; NULL when out of memory. */
static struct px_hblk *
px_hblk_new(struct px_hdrs *h, size_t cap)
{
	struct px_hblk	*b;

	if ((b = px_alloc(sizeof(*b) + cap)) == NULL)
		return NULL;
	b->used = 0;
	b->cap = cap;
	b->next = h->blk;
	h->blk = b;
	return b;
}

/* Connection-specific fields HTTP/2 forbids; never forwarded. */
static int
px_hop_by_hop(const uint8_t *name, size_t len)
{
	static const struct {
		const char	*s;
		size_t		 len;
	} hop[] = {
#define PX_HOP(lit)	{ (lit), sizeof(lit) - 1 }
		PX_HOP("connection"), PX_HOP("keep-alive"),
		PX_HOP("proxy-connection"), PX_HOP("transfer-encoding"),
		PX_HOP("upgrade"), PX_HOP("http2-settings")
#undef PX_HOP
	};
	size_t	i;

	/* Most fields have none of these lengths (7, 10, 14, 16, 17). */
	if (len > 17 || !((1u << len) & 0x34480u))
		return 0;
	for (i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
		if (hop[i].len == len && memcmp(hop[i].s, name, len) == 0)
			return 1;
	return 0;
}

/* Appends a copy of one field; -1 when a cap is reached. */
static int
px_hdrs_add(struct px_hdrs *h, const uint8_t *name, size_t nlen,
    const uint8_t *value, size_t vlen)
{
	nghttp2_nv	*nv;
	struct px_hblk	*b;
	uint8_t		*blk;
	size_t		 need = nlen + vlen + 2, cap;

	if (px_hop_by_hop(name, nlen))
		return 0;
	if (h->n == PX_HDR_MAX_N || nlen + vlen > PX_HDR_MAX_BYTES - h->bytes)
		return -1;
	if (h->n == h->cap) {
		cap = h->cap == 0 ? PX_HDRS_NV0 : h->cap * 2;
		if ((b = px_hblk_new(h, cap * sizeof(*nv) +
		    (h->cap == 0 ? PX_HBLK0 : 0))) == NULL)
			return -1;
		nv = (void *)b->data;	/* a block's data is pointer-aligned */
		if (h->n > 0)
			memcpy(nv, h->nv, h->n * sizeof(*nv));
		b->used = cap * sizeof(*nv);
		h->nv = nv;
		h->cap = cap;
	}
	b = h->blk;
	if (b->cap - b->used < need &&
	    (b = px_hblk_new(h, need > PX_HBLK0 ? need : PX_HBLK0)) == NULL)
		return -1;
	blk = b->data + b->used;
	b->used += need;
	nv = h->nv;
	memcpy(blk, name, nlen);
	blk[nlen] = '\0';
	memcpy(blk + nlen + 1, value, vlen);
	blk[nlen + 1 + vlen] = '\0';
	nv[h->n].name = blk;
	nv[h->n].namelen = nlen;
	nv[h->n].value = blk + nlen + 1;
	nv[h->n].valuelen = vlen;
	nv[h->n].flags = NGHTTP2_NV_FLAG_NONE;
	h->n++;
	h->bytes += nlen + vlen;
	return 0;
}

static int
px_hdrs_add_str(struct px_hdrs *h, const char *n, const char *v)
{
	return px_hdrs_add(h, (const uint8_t *)n, strlen(n),
	    (const uint8_t *)v, strlen(v));
}

/* The value of a field, or NULL. */
static const nghttp2_nv *
px_hdrs_get(const struct px_hdrs *h, const char *name)
{
	size_t	i, n = strlen(name);

	for (i = 0; i < h->n; i++)
		if (h->nv[i].namelen == n && memcmp(h->nv[i].name, name, n) == 0)
			return &h->nv[i];
	return NULL;
}

static void
px_note_status(struct px_stream *s, const struct px_hdrs *h)
{
	const nghttp2_nv	*nv;
	char			 v[12];

	if ((nv = px_hdrs_get(h, "grpc-status")) == NULL || nv->valuelen == 0 ||
	    nv->valuelen >= sizeof(v))
		return;
	memcpy(v, nv->value, nv->valuelen);
	v[nv->valuelen] = '\0';
	s->grpc_status = atoi(v);
}

/* ------------------------------------------------------------- streams */

/*
 * The stream of the header block being received, so that a block costs
 * one stream lookup instead of one per field.  Cleared when a block
 * begins (nghttp2 calls on_begin_headers before the fields of every
 * block, on both sessions) and when its stream is freed.
 */
static struct {
	nghttp2_session		*sess;
	int32_t			 id;
	struct px_stream	*s;
} px_hcache;

static void
px_hcache_clear(void)
{
	px_hcache.sess = NULL;
	px_hcache.s = NULL;
}

static struct px_stream *
px_stream_new(struct px_pair *p, int32_t down_id)
{
	struct px_stream	*s;

	if ((s = px_zalloc(sizeof(*s))) == NULL)
		return NULL;
	s->pair = p;
	s->down_id = down_id;
	s->grpc_status = -1;
	s->flags = S_REPLAY;
	pbuf_init(&s->req, PX_STREAM_WINDOW + PX_REPLAY_MAX);
	pbuf_init(&s->resp, PX_STREAM_WINDOW);
	TAILQ_INSERT_TAIL(&p->streams, s, entry);
	p->nstreams++;
	metrics.streams_total++;
	metrics.streams_active++;
	return s;
}

static void
px_stream_free(struct px_stream *s)
{
	struct px_pair	*p = s->pair;

	if (px_hcache.s == s)
		px_hcache_clear();
	if (s->origin != NULL)
		px_origin_done(s->origin, s);
	if (s->path != NULL)
		metrics_rpc(s->path, strlen(s->path), s->grpc_status);
	TAILQ_REMOVE(&p->streams, s, entry);
	p->nstreams--;
	metrics.streams_active--;
	px_hdrs_free(&s->req_hdrs);
	px_hdrs_free(&s->req_trailers);
	px_hdrs_free(&s->resp_hdrs);
	px_hdrs_free(&s->resp_trailers);
	pbuf_free(&s->req);
	pbuf_free(&s->resp);
	free(s->path);
	p->held -= s->hold_bytes;
	p->hdr_bytes -= s->hdr_bytes;
	gf_reader_free(&s->gfr);
	gf_reader_free(&s->gfq);
	gf_msg_free(&s->held);
	free(s->ic_ns);
	free(s->ic_tq);
	px_hdrs_free(&s->tmpl);
	if (s->undelivered != NULL) {
		ic_resp_out_free(s->undelivered);
		free(s->undelivered);
	}
	px_release(s);
}

static void
px_stream_maybe_free(struct px_stream *s)
{
	if ((s->flags & S_DOWN_CLOSED) && (s->flags & S_UP_DONE))
		px_stream_free(s);
}

/* The stream is no longer open on its upstream connection. */
static void
px_stream_unlink(struct px_stream *s)
{
	if (!(s->flags & S_UP_OPEN))
		return;
	s->flags &= ~(unsigned)S_UP_OPEN;
	s->up->nstreams--;
}

/* Reopens the upstream window for n bytes we have passed downstream. */
static void
px_up_consume(struct px_stream *s, size_t n)
{
	if (s->up == NULL || n == 0 || (s->flags & S_IC_OUT))
		return;
	if (s->flags & S_UP_OPEN)
		(void)nghttp2_session_consume(s->up->sess, s->up_id, n);
	else
		(void)nghttp2_session_consume_connection(s->up->sess, n);
}

/* Reopens the downstream window for n bytes taken off this stream. */
static void
px_down_consume(struct px_stream *s, size_t n)
{
	nghttp2_session	*down = s->pair->down;

	if (n == 0 || down == NULL || (s->flags & (S_IC_REQ_OUT | S_ORIGIN)))
		return;
	if (!(s->flags & S_DOWN_CLOSED))
		(void)nghttp2_session_consume(down, s->down_id, n);
	else
		(void)nghttp2_session_consume_connection(down, n);
}

/* Forgets the request kept for a resend: the frontend has seen it. */
static void
px_replay_release(struct px_stream *s)
{
	if (!(s->flags & S_REPLAY))
		return;
	s->flags &= ~(unsigned)S_REPLAY;
	pbuf_drop(&s->req, s->req_sent);
	s->req_sent = 0;
	px_hdrs_free(&s->req_hdrs);
}

/* Drops whatever the worker sent that can no longer go upstream. */
static void
px_stream_drop_req(struct px_stream *s)
{
	size_t	n = s->req.len - s->req_sent;	/* not consumed yet */

	pbuf_free(&s->req);
	s->req_sent = 0;
	s->flags &= ~(unsigned)S_REPLAY;
	px_down_consume(s, n);
}

static void
px_resume_resp(struct px_stream *s)
{
	if (!(s->flags & S_RESP_DEFERRED) || (s->flags & S_DOWN_CLOSED))
		return;
	s->flags &= ~(unsigned)S_RESP_DEFERRED;
	(void)nghttp2_session_resume_data(s->pair->down, s->down_id);
}

static void
px_resume_req(struct px_stream *s)
{
	if (!(s->flags & S_REQ_DEFERRED) || !(s->flags & S_UP_OPEN))
		return;
	s->flags &= ~(unsigned)S_REQ_DEFERRED;
	(void)nghttp2_session_resume_data(s->up->sess, s->up_id);
}

/* A stream the frontend refused unseen, with its request still whole. */
static int
px_stream_can_replay(const struct px_stream *s, uint32_t code)
{
	return code == NGHTTP2_REFUSED_STREAM && (s->flags & S_REPLAY) &&
	    !(s->flags & (S_REPLAYED | S_DOWN_CLOSED | S_RESP_STARTED)) &&
	    s->req_hdrs.n > 0 && s->resp_hdrs.n == 0;
}

/* Sends the request again, on the pair's current (or a new) connection. */
static void
px_stream_replay(struct px_stream *s)
{
	log_debug("%s: stream %d refused by the frontend unseen: sending it "
	    "again", s->pair->peer, s->down_id);
	metrics.streams_replayed++;
	px_stream_unlink(s);
	s->flags |= S_REPLAYED;
	s->flags &= ~(unsigned)S_REQ_DEFERRED;
	s->up = NULL;
	s->up_id = 0;
	s->req_sent = 0;
	px_d_request(s->pair, s);
}

/* --------------------------------------------- data providers (copying) */

/*
 * The end of one read of a body of which left bytes remain: EOF (and
 * the trailers) once the sender ended and all is out, else a deferral
 * while the buffer is empty.
 */
static ssize_t
px_body_end(nghttp2_session *sess, struct px_stream *s, int32_t id,
    size_t n, size_t left, int req, uint32_t *dflags)
{
	const struct px_hdrs	*tr = req ? &s->req_trailers :
				    &s->resp_trailers;

	if (left == 0 && (s->flags & (req ? S_REQ_END : S_RESP_END))) {
		*dflags |= NGHTTP2_DATA_FLAG_EOF;
		if (tr->n > 0) {
			*dflags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
			if (nghttp2_submit_trailer(sess, id, tr->nv, tr->n) != 0)
				return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
		}
		return (ssize_t)n;
	}
	if (n == 0) {
		s->flags |= req ? S_REQ_DEFERRED : S_RESP_DEFERRED;
		return NGHTTP2_ERR_DEFERRED;
	}
	return (ssize_t)n;
}

/* Downstream response body: bytes from upstream, then trailers. */
static ssize_t
px_resp_read(nghttp2_session *sess, int32_t id, uint8_t *buf, size_t len,
    uint32_t *dflags, nghttp2_data_source *src, void *ud)
{
	struct px_stream	*s = src->ptr;
	size_t			 n;

	(void)ud;
	n = pbuf_take(&s->resp, buf, len);
	px_up_consume(s, n);
	if (s->undelivered != NULL && s->resp.len == 0) {
		/* every task in the message is on its way to the worker */
		ic_resp_out_free(s->undelivered);
		free(s->undelivered);
		s->undelivered = NULL;
	}
	metrics.bytes_to_downstream += n;
	if (s->resp.len == 0 && (s->flags & S_RESP_END))
		px_note_status(s, &s->resp_trailers);
	return px_body_end(sess, s, id, n, s->resp.len, 0, dflags);
}

/*
 * Upstream request body: bytes from the worker, then its trailers.  Sent
 * bytes stay queued while the request may have to be sent again.
 */
static ssize_t
px_req_read(nghttp2_session *sess, int32_t id, uint8_t *buf, size_t len,
    uint32_t *dflags, nghttp2_data_source *src, void *ud)
{
	struct px_stream	*s = src->ptr;
	size_t			 n;

	(void)ud;
	n = pbuf_peek(&s->req, s->req_sent, buf, len);
	s->req_sent += n;
	px_down_consume(s, n);
	metrics.bytes_to_upstream += n;
	if (!(s->flags & S_REPLAY) || s->req_sent > PX_REPLAY_MAX) {
		px_replay_release(s);
		pbuf_drop(&s->req, s->req_sent);
		s->req_sent = 0;
	}
	return px_body_end(sess, s, id, n, s->req.len - s->req_sent, 1,
	    dflags);
}

/* ------------------------------------------- gRPC errors we synthesize */

/*
 * Ends the worker's stream with grpc-status code: trailers-only when no
 * response has started, else trailers after the bytes already buffered.
 * msg must be plain ASCII without '%'.
 */
static void
px_stream_error(struct px_stream *s, int code, const char *msg)
{
	struct px_hdrs	h;
	char		st[12];

	px_stream_unlink(s);
	if (s->flags & S_IC_RESP) {	/* a task may have been on its way */
		s->flags &= ~(unsigned)S_IC_RESP;
		ic_audit_lost("response message", s->ic_ns, s->pair->peer,
		    msg);
	}
	s->flags |= S_UP_DONE;
	s->flags &= ~(unsigned)S_PENDING;
	px_stream_drop_req(s);
	s->up = NULL;
	if ((s->flags & S_DOWN_CLOSED) || (s->flags & S_RESP_END))
		return;
	memset(&h, 0, sizeof(h));
	if (code == 14)
		metrics.unavailable_sent++;
	s->grpc_status = code;
	(void)snprintf(st, sizeof(st), "%d", code);
	if (!(s->flags & S_RESP_STARTED)) {
		if (px_hdrs_add_str(&h, ":status", "200") == -1 ||
		    px_hdrs_add_str(&h, "content-type", "application/grpc") ==
		    -1 || px_hdrs_add_str(&h, "grpc-status", st) == -1 ||
		    px_hdrs_add_str(&h, "grpc-message", msg) == -1 ||
		    nghttp2_submit_response(s->pair->down, s->down_id, h.nv,
		    h.n, NULL) != 0)
			(void)nghttp2_submit_rst_stream(s->pair->down,
			    NGHTTP2_FLAG_NONE, s->down_id,
			    NGHTTP2_INTERNAL_ERROR);
		s->flags |= S_RESP_STARTED | S_RESP_END;
		px_hdrs_free(&h);
		return;
	}
	px_hdrs_free(&s->resp_trailers);
	if (px_hdrs_add_str(&s->resp_trailers, "grpc-status", st) == -1 ||
	    px_hdrs_add_str(&s->resp_trailers, "grpc-message", msg) == -1)
		(void)nghttp2_submit_rst_stream(s->pair->down,
		    NGHTTP2_FLAG_NONE, s->down_id, NGHTTP2_INTERNAL_ERROR);
	s->flags |= S_RESP_END;
	px_resume_resp(s);
}

/* Ends the worker's stream UNAVAILABLE (the upstream is not there). */
static void
px_stream_fail(struct px_stream *s, const char *msg)
{
	px_stream_error(s, 14, msg);
}

/* ------------------------------------------------------ interception */

static size_t
px_ic_max(const struct px_stream *s)
{
	return (size_t)s->pair->cf->max_message_bytes;
}

static int
px_nv_is(const nghttp2_nv *nv, const char *name)
{
	return nv->namelen == strlen(name) &&
	    memcmp(nv->name, name, nv->namelen) == 0;
}

/* Removes every field called name. */
static void
px_hdrs_del(struct px_hdrs *h, const char *name)
{
	size_t	i, j = 0;

	for (i = 0; i < h->n; i++) {
		if (px_nv_is(&h->nv[i], name)) {	/* bytes stay in blk */
			h->bytes -= h->nv[i].namelen + h->nv[i].valuelen;
			continue;
		}
		h->nv[j++] = h->nv[i];
	}
	h->n = j;
}

/* Replaces a body queue with bytes of our own; 0 or -1. */
static int
px_pbuf_set(struct pbuf *b, const uint8_t *p, size_t n)
{
	pbuf_free(b);
	pbuf_init(b, n > 0 ? n : 1);
	return n == 0 ? 0 : pbuf_append(b, p, n);
}

/* A message as it arrived: prefix and bytes (malloc'd). */
static uint8_t *
px_msg_raw(const struct gf_msg *m, size_t *n)
{
	uint8_t	*out;

	*n = GF_PREFIX_LEN + m->len;
	if ((out = malloc(*n)) == NULL)
		fatal("malloc");
	gf_prefix_encode(out, m->compressed, (uint32_t)m->len);
	if (m->len > 0)
		memcpy(out + GF_PREFIX_LEN, m->data, m->len);
	return out;
}

/*
 * The headers of the calls the sidecar makes for this stream's tasks:
 * the worker's (authority, namespace, API key, client metadata) with our
 * :path, without its content-length, deadline and compression.
 */
static void
px_ic_tmpl(struct px_stream *s)
{
	const struct px_hdrs	*h = &s->req_hdrs;
	const nghttp2_nv	*nv;
	size_t			 i;
	int			 rv = 0;

	for (i = 0; i < h->n; i++) {
		nv = &h->nv[i];
		if (nv->namelen > 0 && nv->name[0] == ':' &&
		    !px_nv_is(nv, ":path"))
			rv |= px_hdrs_add(&s->tmpl, nv->name, nv->namelen,
			    nv->value, nv->valuelen);
	}
	rv |= px_hdrs_add_str(&s->tmpl, ":path", PX_FAILED_PATH);
	for (i = 0; i < h->n; i++) {
		nv = &h->nv[i];
		if ((nv->namelen > 0 && nv->name[0] == ':') ||
		    px_nv_is(nv, "content-length") ||
		    px_nv_is(nv, "grpc-timeout") ||
		    px_nv_is(nv, "grpc-encoding"))
			continue;
		rv |= px_hdrs_add(&s->tmpl, nv->name, nv->namelen, nv->value,
		    nv->valuelen);
	}
	if (rv != 0)
		log_warnx("%s: stream %d: headers for failing tasks upstream "
		    "are incomplete", s->pair->peer, s->down_id);
}

static void	px_origin_timer(struct ev_loop *, ev_timer *, int);

/* Sends u (taken over) upstream on s's pair, soon, with retries. */
static void
px_origin_start(struct px_stream *from, struct ic_upcall *u)
{
	struct px_pair		*p = from->pair;
	struct px_origin	*o;
	size_t			 i;
	const nghttp2_nv	*nv;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		fatal("calloc");
	o->pair = p;
	o->u = *u;
	memset(u, 0, sizeof(*u));
	if (from->ic_ns != NULL && (o->ns = strdup(from->ic_ns)) == NULL)
		fatal("strdup");
	for (i = 0; i < from->tmpl.n; i++) {
		nv = &from->tmpl.nv[i];
		(void)px_hdrs_add(&o->hdrs, nv->name, nv->namelen, nv->value,
		    nv->valuelen);
	}
	ev_timer_init(&o->timer, px_origin_timer, 0., 0.);
	o->timer.data = o;
	LIST_INSERT_HEAD(&p->origins, o, entry);
	ev_timer_start(p->loop, &o->timer);
}

static void
px_origin_free(struct px_origin *o)
{
	ev_timer_stop(o->pair->loop, &o->timer);
	LIST_REMOVE(o, entry);
	if (o->s != NULL)
		o->s->origin = NULL;
	ic_upcall_free(&o->u);
	free(o->ns);
	px_hdrs_free(&o->hdrs);
	free(o);
}

/* One attempt: a stream of our own, no worker side. */
static void
px_origin_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct px_origin	*o = w->data;
	struct px_pair		*p = o->pair;
	struct px_stream	*s;
	uint8_t			*framed;
	size_t			 i, n;
	struct gf_msg		 m;

	(void)loop;
	(void)revents;
	if (p->closing || (s = px_stream_new(p, -1)) == NULL)
		return;
	s->flags = S_DOWN_CLOSED | S_REQ_END | S_ORIGIN | S_IC_REQ_OUT;
	s->origin = o;
	o->s = s;
	o->attempt++;
	if ((s->path = strdup(PX_FAILED_PATH)) == NULL)
		fatal("strdup");
	for (i = 0; i < o->hdrs.n; i++)
		(void)px_hdrs_add(&s->req_hdrs, o->hdrs.nv[i].name,
		    o->hdrs.nv[i].namelen, o->hdrs.nv[i].value,
		    o->hdrs.nv[i].valuelen);
	m.data = o->u.body;
	m.len = o->u.len;
	m.compressed = 0;
	framed = px_msg_raw(&m, &n);
	if (px_pbuf_set(&s->req, framed, n) == -1)
		fatal("pbuf");
	free(framed);
	px_d_request(p, s);
	px_stream_maybe_free(s);
	px_pair_flush(p);
}

/* Worth another attempt: no answer, or a transient status. */
static int
px_origin_retryable(int st)
{
	return st == -1 || st == 4 || st == 8 || st == 10 || st == 13 ||
	    st == 14;
}

/* The attempt on s ended. */
static void
px_origin_done(struct px_origin *o, struct px_stream *s)
{
	unsigned	ms;

	px_note_status(s, &s->resp_trailers);
	if (s->grpc_status == -1)
		px_note_status(s, &s->resp_hdrs);
	o->s = NULL;
	if (s->grpc_status == 0) {
		log_debug("%s: failed upstream: %s", o->pair->peer, o->u.what);
		px_origin_free(o);
		return;
	}
	if (s->grpc_status == -1)
		(void)snprintf(o->why, sizeof(o->why), "RespondActivityTask"
		    "Failed got no answer (%s)", o->pair->up_reason[0] != '\0'
		    ? o->pair->up_reason : "stream reset");
	else
		(void)snprintf(o->why, sizeof(o->why), "RespondActivityTask"
		    "Failed answered grpc-status %d", s->grpc_status);
	if (!px_origin_retryable(s->grpc_status) ||
	    o->attempt >= IC_RETRY_MAX) {
		ic_audit_lost(o->u.what, o->ns, o->pair->peer, o->why);
		px_origin_free(o);
		return;
	}
	ms = IC_RETRY_MIN_MS << (o->attempt - 1);
	if (ms > IC_RETRY_MAX_MS)
		ms = IC_RETRY_MAX_MS;
	ev_timer_set(&o->timer, (double)ms / 1000.0, 0.);
	ev_timer_start(o->pair->loop, &o->timer);
}

/* The tasks of s's message will not reach the worker: fail them. */
static void
px_undelivered_send(struct px_stream *s, const char *why)
{
	struct ic_resp_out	*u = s->undelivered;
	size_t			 i;

	if (u == NULL)
		return;
	for (i = 0; i < u->nundelivered; i++) {
		ic_audit_undelivered(u->undelivered[i].what, s->ic_ns,
		    s->pair->peer, why);
		px_origin_start(s, &u->undelivered[i]);
	}
	ic_resp_out_free(u);
	free(u);
	s->undelivered = NULL;
}

/* ------------------------------------------------------------ routing */

/* An audit event (and a log line) for a request refused or changed. */
static void
px_route_audit(const struct px_stream *s, const char *decision,
    const char *code, const char *why)
{
	struct audit_decision	 d;
	const nghttp2_nv	*nv;
	char			 path[ROUTE_PATH_MAX + 64];

	if ((nv = px_hdrs_get(&s->req_hdrs, ":path")) != NULL)
		route_printable(nv->value, nv->valuelen, path, sizeof(path));
	else
		(void)snprintf(path, sizeof(path), "(none)");
	log_warnx("%s: stream %d: %s %s: %s", s->pair->peer, s->down_id,
	    decision, path, why);
	memset(&d, 0, sizeof(d));
	d.attempt = d.chain_depth = d.latency_us = -1;
	d.event = "request";
	d.decision = decision;
	d.code = code;
	d.reason = why;
	d.method = path;
	d.peer = s->pair->peer;
	audit_event_decision(&d);
}

/*
 * Request HEADERS: only a canonical gRPC request of a passed service goes
 * on (route.h); x-tenuo-* metadata was dropped (px_header()).  1 when s
 * was refused (answered trailers-only, nothing sent upstream).
 */
static int
px_route(struct px_stream *s)
{
	struct route_allow	 a;
	enum route_verdict	 v;
	char			 why[ROUTE_WHY_MAX], msg[ROUTE_WHY_MAX + 32];

	if (s->tenuo_md > 0)
		px_route_audit(s, "metadata_dropped", NULL, "x-tenuo-* gRPC "
		    "metadata dropped (read only from the Temporal header)");
	a.names = s->pair->cf->allow_service;
	a.n = s->pair->cf->nallow_service;
	if (s->route_bad) {
		v = ROUTE_INVALID;
		(void)snprintf(why, sizeof(why), "invalid header field");
	} else
		v = route_request(s->req_hdrs.nv, s->req_hdrs.n, &a, why,
		    sizeof(why));
	if (v == ROUTE_PASS)
		return 0;
	metrics.route_refused++;
	px_route_audit(s, "deny", v == ROUTE_INVALID ? "invalid_argument" :
	    "unimplemented", why);
	(void)snprintf(msg, sizeof(msg), "tenuo-sidecar: %s", why);
	px_stream_error(s, (int)v, msg);
	return 1;
}

/*
 * A request HEADERS nghttp2 refused (RST_STREAM PROTOCOL_ERROR: a
 * duplicate or unknown pseudo-header, an upper-case name, a
 * connection-specific field...): never forwarded, audited here.
 */
static int
px_d_invalid_frame(nghttp2_session *sess, const nghttp2_frame *f, int err,
    void *ud)
{
	struct px_stream	*s;

	(void)ud;
	if (f->hd.type != NGHTTP2_HEADERS || (s =
	    nghttp2_session_get_stream_user_data(sess, f->hd.stream_id)) ==
	    NULL || (s->flags & S_UP_OPEN))
		return 0;
	metrics.route_refused++;
	px_route_audit(s, "deny", "protocol_error", nghttp2_strerror(err));
	return 0;
}

/* Request HEADERS of an intercepted method; 1 when s is not to go on. */
static int
px_ic_request(struct px_stream *s)
{
	struct ic_req_out	out;

	s->ic = ic_classify(s->path);
	switch (s->ic) {
	case IC_NONE:
		return 0;
	case IC_POLL:
	case IC_WFT_COMPLETED:
		gf_reader_init(&s->gfq, px_ic_max(s));
		px_ic_tmpl(s);
		break;
	case IC_START:
	case IC_TOKEN:
		break;
	case IC_BY_ID:
		ic_token_request(IC_BY_ID, s->path, NULL, NULL, 0,
		    s->pair->peer, &out);
		if (out.action != IC_REQ_DENY)
			break;
		px_stream_error(s, 7, out.message);
		return 1;
	case IC_MULTI_OP:
		ic_multi_op_request(s->path, s->pair->peer, &out);
		if (out.action != IC_REQ_DENY) {
			s->ic = IC_NONE;	/* not inspected: streams through */
			return 0;
		}
		px_stream_error(s, 7, out.message);
		return 1;
	}
	/*
	 * Every inspected request is held whole: exactly one message goes
	 * upstream (route.h), and some kinds are decided on it (local-
	 * activity markers, starts, task tokens).
	 */
	gf_reader_init(&s->gfr, px_ic_max(s));
	s->ic_decide = s->ic == IC_TOKEN || (s->ic != IC_BY_ID &&
	    s->ic != IC_POLL && intercept_holds(s->ic));
	s->flags |= S_IC_HOLD;
	return 1;
}

/*
 * 1 when a held request is not exactly one whole message (none, a
 * second, or one cut short); a first message that cannot be read at all
 * is left to the decision (ic_bad).
 */
static int
px_ic_not_one(const struct px_stream *s)
{
	if (s->nheld > 1)
		return 1;
	return !s->ic_bad && (s->nheld != 1 || gf_reader_partial(&s->gfr));
}

/*
 * The message m as received, framed, queued in b: m's own block when it
 * came from a reader (which framed it in place; m is emptied), else a
 * copy.
 */
static void
px_ic_put_msg(struct pbuf *b, struct gf_msg *m)
{
	uint8_t	*raw;
	size_t	 n;

	if (m->base != NULL) {
		pbuf_adopt(b, m->base, GF_PREFIX_LEN + m->len);
		memset(m, 0, sizeof(*m));
		return;
	}
	raw = px_msg_raw(m, &n);
	if (px_pbuf_set(b, raw, n) == -1)
		fatal("pbuf");
	free(raw);
}

/* The held request goes upstream as received (the one message). */
static void
px_ic_pass_held(struct px_stream *s)
{
	if (s->ic == IC_POLL || s->ic == IC_WFT_COMPLETED) {
		if (ic_request_scope(s->ic, &s->held, s->req_enc,
		    px_ic_max(s), &s->ic_ns, &s->ic_tq) == -1)
			log_warnx("%s: stream %d: the request cannot be read; "
			    "its tasks are decided without namespace and task "
			    "queue", s->pair->peer, s->down_id);
		s->tapped = 1;
		gf_reader_free(&s->gfq);
	}
	gf_reader_free(&s->gfr);	/* the response's reader next */
	px_ic_put_msg(&s->req, &s->held);
	s->flags |= S_IC_REQ_OUT;
	px_hdrs_del(&s->req_hdrs, "content-length");
	px_d_request(s->pair, s);
}

/* The decision on a held request, by kind. */
static void
px_ic_decide_held(struct px_stream *s, struct gf_msg *m,
    struct ic_req_out *out)
{
	char	*ns = NULL;

	switch (s->ic) {
	case IC_WFT_COMPLETED:
		ic_wftc_request(m, s->req_enc, px_ic_max(s), s->pair->peer,
		    out, &ns);
		free(s->ic_ns);
		s->ic_ns = ns;
		/* the request was read whole: nothing to tap; the reader
		   takes the response next */
		s->tapped = 1;
		gf_reader_free(&s->gfq);
		gf_reader_free(&s->gfr);
		break;
	case IC_START:
		ic_start_request(s->path, m, s->req_enc, px_ic_max(s),
		    s->pair->peer, out);
		break;
	default:
		ic_token_request(IC_TOKEN, s->path, m, s->req_enc,
		    px_ic_max(s), s->pair->peer, out);
		break;
	}
}

/* The held request is complete: decide, then forward or refuse. */
static void
px_ic_request_end(struct px_stream *s)
{
	struct ic_req_out	 out;
	struct gf_msg		*m;

	s->flags &= ~(unsigned)S_IC_HOLD;
	s->pair->held -= s->hold_bytes;
	s->hold_bytes = 0;
	if (px_ic_not_one(s) || (!s->ic_decide && s->ic_bad)) {
		metrics.route_refused++;
		px_route_audit(s, "deny", "invalid_argument", s->ic_bad &&
		    s->nheld < 2 ? "the request message cannot be read" :
		    "not exactly one message in a unary call");
		px_stream_error(s, 3, s->ic_bad && s->nheld < 2 ?
		    "tenuo-sidecar: the request message cannot be read" :
		    "tenuo-sidecar: not exactly one message in a unary call");
		return;
	}
	if (!s->ic_decide) {
		px_ic_pass_held(s);
		return;
	}
	m = s->ic_bad || s->nheld != 1 ? NULL : &s->held;
	px_ic_decide_held(s, m, &out);
	if (out.action != IC_REQ_DENY && m == NULL) {
		/* audit-only, but the bytes are not all here to forward */
		ic_req_out_free(&out);
		px_stream_error(s, 7, "tenuo-sidecar: the request cannot be "
		    "read");
		return;
	}
	if (out.action == IC_REQ_DENY) {
		px_stream_error(s, 7, out.message);
		return;
	}
	if (out.action == IC_REQ_REPLACE) {
		pbuf_adopt(&s->req, out.framed, out.framed_len);
		out.framed = NULL;
	} else
		px_ic_put_msg(&s->req, &s->held);
	ic_req_out_free(&out);
	s->flags |= S_IC_REQ_OUT;
	px_hdrs_del(&s->req_hdrs, "content-length");
	px_d_request(s->pair, s);
}

/* Bytes of a held request (already consumed). */
static void
px_ic_feed_held(struct px_stream *s, const uint8_t *data, size_t len)
{
	struct gf_msg	m;
	size_t		used;
	int		rv;

	while (len > 0 && !s->ic_bad) {
		rv = gf_reader_feed(&s->gfr, data, len, &used, &m);
		if (rv < 0) {
			s->ic_bad = 1;
			return;
		}
		data += used;
		len -= used;
		if (rv != GF_MSG)
			continue;
		if (s->nheld++ == 0) {
			s->held = m;
			continue;
		}
		gf_msg_free(&m);
		s->ic_bad = 1;
	}
}

/*
 * len more bytes for s's held request.  A held request is read whole
 * before it goes on (its bytes consumed as they come, or a message above
 * the stream window could never complete), so flow control does not
 * bound them; PX_HELD_MAX bounds what one connection holds.  A call that
 * would go over it is refused RESOURCE_EXHAUSTED (the SDKs retry it),
 * unless it is the only one holding, so that one message of
 * max_message_bytes always fits.  0, or -1 when s was refused.
 */
static int
px_ic_hold(struct px_stream *s, size_t len)
{
	struct px_pair	*p = s->pair;

	if (p->held + len <= PX_HELD_MAX || p->held == s->hold_bytes) {
		p->held += len;
		s->hold_bytes += len;
		return 0;
	}
	s->flags &= ~(unsigned)S_IC_HOLD;
	p->held -= s->hold_bytes;
	s->hold_bytes = 0;
	gf_reader_free(&s->gfr);
	free(s->held.data);
	s->held.data = NULL;
	metrics.route_refused++;
	px_route_audit(s, "deny", "resource_exhausted", "held request bytes "
	    "on this connection over the limit");
	px_stream_error(s, 8, "tenuo-sidecar: too many request bytes held on "
	    "this connection");
	return -1;
}

/* A poll's (or workflow task completion's) request, read in passing. */
static void
px_ic_tap(struct px_stream *s, const uint8_t *data, size_t len)
{
	struct gf_msg	m;
	size_t		used;
	int		rv;

	while (len > 0 && !s->tapped) {
		rv = gf_reader_feed(&s->gfq, data, len, &used, &m);
		if (rv < 0) {
			s->tapped = 1;
			break;
		}
		data += used;
		len -= used;
		if (rv != GF_MSG)
			continue;
		s->tapped = 1;
		if (ic_request_scope(s->ic, &m, s->req_enc, px_ic_max(s),
		    &s->ic_ns, &s->ic_tq) == -1)
			log_warnx("%s: stream %d: the request cannot be read; "
			    "its tasks are decided without namespace and task "
			    "queue", s->pair->peer, s->down_id);
		gf_msg_free(&m);
	}
	if (s->tapped)
		gf_reader_free(&s->gfq);
}

/* The response cannot be inspected: nothing reaches the worker. */
static void
px_ic_resp_bad(struct px_stream *s, const char *why)
{
	ic_audit_lost("response message", s->ic_ns, s->pair->peer, why);
	s->flags &= ~(unsigned)S_IC_RESP;
	s->ic_bad = 1;
	if (s->flags & S_UP_OPEN) {
		(void)nghttp2_submit_rst_stream(s->up->sess, NGHTTP2_FLAG_NONE,
		    s->up_id, NGHTTP2_CANCEL);
		(void)nghttp2_session_set_stream_user_data(s->up->sess,
		    s->up_id, NULL);
	}
	px_stream_error(s, 14, "tenuo-sidecar: the response cannot be "
	    "inspected");
}

/*
 * One whole response message: decide, then deliver what is left.  The
 * bytes that go to the worker are m's own block (forwarded, or edited in
 * place by ic_response()) or the replacement: never another copy.
 */
static void
px_ic_resp_msg(struct px_stream *s, struct gf_msg *m)
{
	struct ic_resp_out	*out;
	size_t			 i;
	char			 why[PX_REASON_MAX];

	if ((out = calloc(1, sizeof(*out))) == NULL)
		fatal("calloc");
	ic_response(s->ic, m, s->resp_enc, px_ic_max(s), s->ic_ns, s->ic_tq,
	    s->pair->peer, out);
	for (i = 0; i < out->ndeny; i++)
		px_origin_start(s, &out->deny[i]);
	out->ndeny = 0;
	s->flags &= ~(unsigned)S_IC_RESP;
	s->flags |= S_IC_OUT;
	s->undelivered = out;
	if (s->flags & S_DOWN_CLOSED) {
		px_undelivered_why(s, why, sizeof(why));
		px_undelivered_send(s, why);
		return;
	}
	if (out->action == IC_RESP_REPLACE) {
		pbuf_adopt(&s->resp, out->framed, out->framed_len);
		out->framed = NULL;
	} else
		px_ic_put_msg(&s->resp, m);
	if (out->nundelivered == 0) {
		ic_resp_out_free(out);
		free(out);
		s->undelivered = NULL;
	}
	px_hdrs_del(&s->resp_hdrs, "content-length");
	px_u_response(s, 0);
}

/* Bytes of a buffered response (already consumed). */
static void
px_ic_feed_resp(struct px_stream *s, const uint8_t *data, size_t len)
{
	struct gf_msg	m;
	size_t		used;
	int		rv;
	char		why[64];

	while (len > 0 && (s->flags & S_IC_RESP)) {
		rv = gf_reader_feed(&s->gfr, data, len, &used, &m);
		if (rv < 0) {
			(void)snprintf(why, sizeof(why), "%s",
			    rv == GF_ERR_TOO_LARGE ? "message above "
			    "max_message_bytes" : "malformed gRPC framing");
			px_ic_resp_bad(s, why);
			return;
		}
		data += used;
		len -= used;
		if (rv == GF_MSG) {
			px_ic_resp_msg(s, &m);
			gf_msg_free(&m);
		}
	}
}

/* The frontend ended the response before a whole message came. */
static void
px_ic_resp_end(struct px_stream *s)
{
	if (gf_reader_partial(&s->gfr)) {
		px_ic_resp_bad(s, "the response ended inside a message");
		return;
	}
	s->flags &= ~(unsigned)S_IC_RESP;
	px_u_response(s, 0);	/* headers, no message, then trailers */
}

/* ---------------------------------------------- downstream callbacks */

static ssize_t
px_send_fd(int fd, const uint8_t *data, size_t len)
{
	ssize_t	n;

	n = send(fd, data, len, MSG_NOSIGNAL);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return NGHTTP2_ERR_WOULDBLOCK;
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	}
	return n;
}

/* Sends on the socket or through TLS; a TLS failure is put in why. */
static ssize_t
px_io_send(int fd, struct tls_conn *t, const uint8_t *data, size_t len,
    char *why, size_t whylen)
{
	char	tw[TLS_WHY_MAX];
	ssize_t	n;

	if (t == NULL)
		return px_send_fd(fd, data, len);
	n = tls_write(t, data, len, tw, sizeof(tw));
	if (n == TLS_WANT_READ || n == TLS_WANT_WRITE)
		return NGHTTP2_ERR_WOULDBLOCK;
	if (n == TLS_ERR) {
		(void)snprintf(why, whylen, "TLS: %s", tw);
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	}
	return n;
}

/* Bytes read (> 0), PX_IO_EOF, PX_IO_AGAIN or PX_IO_ERR (with why). */
static ssize_t
px_io_recv(int fd, struct tls_conn *t, uint8_t *buf, size_t len, char *why,
    size_t whylen)
{
	char	tw[TLS_WHY_MAX];
	ssize_t	n;

	if (t != NULL) {
		n = tls_read(t, buf, len, tw, sizeof(tw));
		if (n == TLS_WANT_READ || n == TLS_WANT_WRITE)
			return PX_IO_AGAIN;
		if (n == TLS_ERR)
			(void)snprintf(why, whylen, "TLS: %s", tw);
		return n < 0 ? PX_IO_ERR : n;
	}
	n = recv(fd, buf, len, 0);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return PX_IO_AGAIN;
	if (n == -1)
		(void)snprintf(why, whylen, "%s", strerror(errno));
	return n < 0 ? PX_IO_ERR : n;
}

/* Keeps len bytes to write later (after what is kept already). */
static int
px_out_keep(struct px_out *o, const uint8_t *data, size_t len)
{
	uint8_t	*b;
	size_t	 cap;

	if (o->off > 0 && o->len > 0)
		memmove(o->buf, o->buf + o->off, o->len);
	o->off = 0;
	if (len > o->cap - o->len) {
		cap = o->len + len;
		if (cap < PX_OUT_BUF)
			cap = PX_OUT_BUF;
		if ((b = realloc(o->buf, cap)) == NULL)
			return -1;
		o->buf = b;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, data, len);
	o->len += len;
	return 0;
}

static void
px_out_free(struct px_out *o)
{
	free(o->buf);
	memset(o, 0, sizeof(*o));
}

/*
 * Writes what is kept; 0 (all out, or the socket is full) or
 * NGHTTP2_ERR_CALLBACK_FAILURE (why says it for TLS).
 */
static int
px_out_drain(struct px_out *o, int fd, struct tls_conn *t, char *why,
    size_t whylen)
{
	ssize_t	n;

	while (o->len > 0) {
		n = px_io_send(fd, t, o->buf + o->off, o->len, why, whylen);
		if (n == NGHTTP2_ERR_WOULDBLOCK)
			return 0;
		if (n < 0)
			return NGHTTP2_ERR_CALLBACK_FAILURE;
		o->off += (size_t)n;
		o->len -= (size_t)n;
	}
	px_out_free(o);		/* rarely needed: give the memory back */
	return 0;
}

/* Writes data after what is kept; what the socket refuses is kept. */
static int
px_out_put(struct px_out *o, int fd, struct tls_conn *t,
    const uint8_t *data, size_t len, char *why, size_t whylen)
{
	ssize_t	n = 0;

	if (o->len == 0) {
		n = px_io_send(fd, t, data, len, why, whylen);
		if (n == NGHTTP2_ERR_WOULDBLOCK)
			n = 0;
		else if (n < 0)
			return NGHTTP2_ERR_CALLBACK_FAILURE;
	}
	if ((size_t)n < len && px_out_keep(o, data + n, len - (size_t)n) == -1)
		return NGHTTP2_ERR_NOMEM;
	return 0;
}

/*
 * Writes the frames sess has queued, gathered PX_OUT_BUF at a time,
 * until it has none or the socket is full.  0, or an nghttp2 error code
 * (NGHTTP2_ERR_CALLBACK_FAILURE: the socket or TLS failed, see why).
 */
static int
px_out_flush(nghttp2_session *sess, struct px_out *o, int fd,
    struct tls_conn *t, char *why, size_t whylen)
{
	uint8_t		 buf[PX_OUT_BUF];
	const uint8_t	*d;
	size_t		 used = 0;
	ssize_t		 n;
	int		 rv;

	if ((rv = px_out_drain(o, fd, t, why, whylen)) != 0)
		return rv;
	while (o->len == 0) {
		if ((n = nghttp2_session_mem_send(sess, &d)) < 0)
			return (int)n;
		if (n == 0)
			break;
		if (used + (size_t)n > sizeof(buf)) {
			if ((rv = px_out_put(o, fd, t, buf, used, why,
			    whylen)) != 0)
				return rv;
			used = 0;
		}
		if (o->len > 0 || (size_t)n > sizeof(buf)) {
			if ((rv = px_out_put(o, fd, t, d, (size_t)n, why,
			    whylen)) != 0)
				return rv;
			continue;
		}
		memcpy(buf + used, d, (size_t)n);
		used += (size_t)n;
	}
	if (used > 0)
		return px_out_put(o, fd, t, buf, used, why, whylen);
	return 0;
}

static int
px_d_want_write(const struct px_pair *p)
{
	return p->dout.len > 0 || nghttp2_session_want_write(p->down);
}

static int
px_u_want_write(const struct px_up *u)
{
	return u->out.len > 0 || nghttp2_session_want_write(u->sess);
}

static int
px_d_begin_headers(nghttp2_session *sess, const nghttp2_frame *f, void *ud)
{
	struct px_pair		*p = ud;
	struct px_stream	*s;

	px_hcache_clear();
	if (f->hd.type != NGHTTP2_HEADERS ||
	    f->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	if ((s = px_stream_new(p, f->hd.stream_id)) == NULL)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	(void)nghttp2_session_set_stream_user_data(sess, f->hd.stream_id, s);
	return 0;
}

/*
 * One header field into the stream's request (down) or response headers
 * or trailers; over the caps, the stream is reset.
 */
static int
px_header(nghttp2_session *sess, const nghttp2_frame *f,
    nghttp2_rcbuf *name, nghttp2_rcbuf *value, int down)
{
	struct px_stream	*s;
	struct px_hdrs		*h;
	nghttp2_vec		 n, v;

	if (px_hcache.sess == sess && px_hcache.id == f->hd.stream_id)
		s = px_hcache.s;
	else if ((s = nghttp2_session_get_stream_user_data(sess,
	    f->hd.stream_id)) != NULL) {
		px_hcache.sess = sess;
		px_hcache.id = f->hd.stream_id;
		px_hcache.s = s;
	}
	if (s == NULL || f->hd.type != NGHTTP2_HEADERS)
		return 0;
	if (down)
		h = f->headers.cat == NGHTTP2_HCAT_REQUEST ? &s->req_hdrs :
		    &s->req_trailers;
	else
		h = f->headers.cat == NGHTTP2_HCAT_RESPONSE ? &s->resp_hdrs :
		    &s->resp_trailers;
	n = nghttp2_rcbuf_get_buf(name);
	v = nghttp2_rcbuf_get_buf(value);
	if (down && route_is_tenuo_md(n.base, n.len)) {
		s->tenuo_md++;		/* never read, never forwarded */
		return 0;
	}
	/*
	 * HPACK lets a client repeat a 3 KB field for a byte, so the
	 * fields all of a connection's streams keep are bounded too (counted
	 * until the stream ends): past it, new fields reset their stream.
	 */
	if (down && s->pair->hdr_bytes + n.len + v.len > PX_HDR_CONN_MAX) {
		log_warnx("%s: stream %d: request headers of the connection's "
		    "streams over %u bytes", s->pair->peer, s->down_id,
		    PX_HDR_CONN_MAX);
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	}
	if (px_hdrs_add(h, n.base, n.len, v.base, v.len) == -1) {
		log_warnx("%s: stream %d: %s headers over the limit (%d "
		    "fields, %d bytes)", s->pair->peer, s->down_id, down ?
		    "request" : "response", PX_HDR_MAX_N, PX_HDR_MAX_BYTES);
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	}
	if (down) {
		s->pair->hdr_bytes += n.len + v.len;
		s->hdr_bytes += n.len + v.len;
	}
	if (h == &s->req_hdrs && n.len == 5 && memcmp(n.base, ":path", 5) == 0
	    && s->path == NULL)
		s->path = strndup((const char *)v.base, v.len);
	if ((h == &s->req_hdrs || h == &s->resp_hdrs) && n.len == 13 &&
	    memcmp(n.base, "grpc-encoding", 13) == 0 && v.len < PX_ENC_MAX) {
		char	*enc = h == &s->req_hdrs ? s->req_enc : s->resp_enc;

		memcpy(enc, v.base, v.len);
		enc[v.len] = '\0';
	}
	return 0;
}

/*
 * A field nghttp2 found invalid (bad name or value: CR, LF, NUL...) and
 * would ignore: the request is refused instead (px_route()); in
 * trailers, after the request went upstream, the stream is reset.
 */
static int
px_d_invalid_header(nghttp2_session *sess, const nghttp2_frame *f,
    nghttp2_rcbuf *name, nghttp2_rcbuf *value, uint8_t flags, void *ud)
{
	struct px_stream	*s;

	(void)name;
	(void)value;
	(void)flags;
	(void)ud;
	s = nghttp2_session_get_stream_user_data(sess, f->hd.stream_id);
	if (s == NULL || f->hd.type != NGHTTP2_HEADERS ||
	    f->headers.cat != NGHTTP2_HCAT_REQUEST)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	s->route_bad = 1;
	return 0;
}

static int
px_d_header(nghttp2_session *sess, const nghttp2_frame *f,
    nghttp2_rcbuf *name, nghttp2_rcbuf *value, uint8_t flags, void *ud)
{
	(void)flags;
	(void)ud;
	return px_header(sess, f, name, value, 1);
}

/*
 * DATA from the worker (down) or the frontend into the stream's buffer
 * for the other side; bytes nobody will take are consumed at once.
 */
static int
px_data_chunk(nghttp2_session *sess, int32_t id, const uint8_t *data,
    size_t len, int down)
{
	struct px_stream	*s;

	s = nghttp2_session_get_stream_user_data(sess, id);
	if (s != NULL && (s->flags & (down ? S_IC_HOLD : S_IC_RESP))) {
		(void)nghttp2_session_consume(sess, id, len);
		if (down && (s->ic_bad || px_ic_hold(s, len) == 0))
			px_ic_feed_held(s, data, len);	/* ic_bad: dropped */
		else
			px_ic_feed_resp(s, data, len);
		return 0;
	}
	if (s == NULL || (s->flags & (down ? S_UP_DONE : S_DOWN_CLOSED)) ||
	    (!down && (s->flags & S_IC_OUT))) {
		(void)nghttp2_session_consume(sess, id, len);
		return 0;
	}
	if (down && s->ic != IC_NONE && !s->tapped && s->gfq.max > 0)
		px_ic_tap(s, data, len);
	if (pbuf_append(down ? &s->req : &s->resp, data, len) == -1) {
		(void)nghttp2_session_consume(sess, id, len);
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	}
	if (down)
		px_resume_req(s);
	else
		px_resume_resp(s);
	return 0;
}

static int
px_d_data_chunk(nghttp2_session *sess, uint8_t flags, int32_t id,
    const uint8_t *data, size_t len, void *ud)
{
	(void)flags;
	(void)ud;
	return px_data_chunk(sess, id, data, len, 1);
}

static void
px_d_request(struct px_pair *p, struct px_stream *s)
{
	switch (p->ustate) {
	case UP_CONNECTED:
		px_stream_submit(s);
		break;
	case UP_BACKOFF:
		px_stream_fail(s, p->up_reason);
		break;
	case UP_IDLE:
		s->flags |= S_PENDING;
		px_up_connect(p);
		break;
	case UP_CONNECTING:
	case UP_HANDSHAKE:
		s->flags |= S_PENDING;
		break;
	}
}

static int
px_d_frame_recv(nghttp2_session *sess, const nghttp2_frame *f, void *ud)
{
	struct px_pair		*p = ud;
	struct px_stream	*s;

	if (f->hd.type == NGHTTP2_SETTINGS && !p->dpreface) {
		p->dpreface = 1;	/* the preface is in: no deadline */
		if (!p->draining)
			ev_timer_stop(p->loop, &p->dtimer);
	}
	s = nghttp2_session_get_stream_user_data(sess, f->hd.stream_id);
	if (s == NULL)
		return 0;
	if (f->hd.flags & NGHTTP2_FLAG_END_STREAM &&
	    (f->hd.type == NGHTTP2_DATA || f->hd.type == NGHTTP2_HEADERS))
		s->flags |= S_REQ_END;
	if (f->hd.type == NGHTTP2_HEADERS &&
	    f->headers.cat == NGHTTP2_HCAT_REQUEST) {
		if (px_route(s) != 0)
			return 0;
		if (px_ic_request(s) == 0)
			px_d_request(p, s);
		else if ((s->flags & S_IC_HOLD) && (s->flags & S_REQ_END))
			px_ic_request_end(s);
	} else if ((s->flags & S_IC_HOLD) && (s->flags & S_REQ_END))
		px_ic_request_end(s);
	else
		px_resume_req(s);
	return 0;
}

/* Why the tasks of s cannot reach the worker (s is S_DOWN_CLOSED). */
static void
px_undelivered_why(const struct px_stream *s, char *why, size_t len)
{
	(void)snprintf(why, len, "the worker's %s before the task was "
	    "delivered", s->pair->orphan || s->pair->closing ?
	    "connection closed" : "stream ended");
}

/*
 * The worker's side of s is gone (its stream ended, or its connection
 * closed): the tasks of a message on its way to the worker are failed
 * upstream (retryable), a response already arriving is still read,
 * decided and failed back (S_IC_RESP), and anything else still open
 * upstream is cancelled.  s may be freed.
 */
static void
px_stream_down_gone(struct px_stream *s, uint32_t code)
{
	char	why[PX_REASON_MAX];

	s->flags |= S_DOWN_CLOSED;
	if (s->undelivered != NULL) {
		px_undelivered_why(s, why, sizeof(why));
		px_undelivered_send(s, why);
	}
	if ((s->flags & S_UP_OPEN) && !(s->flags & S_IC_RESP)) {
		(void)nghttp2_submit_rst_stream(s->up->sess, NGHTTP2_FLAG_NONE,
		    s->up_id, code == NGHTTP2_NO_ERROR ? NGHTTP2_CANCEL :
		    code);
	}
	if (s->flags & S_PENDING) {
		s->flags &= ~(unsigned)S_PENDING;
		s->flags |= S_UP_DONE;
	}
	px_stream_drop_req(s);
	/* Bytes from upstream we will never deliver: reopen their window. */
	px_up_consume(s, s->resp.len);
	pbuf_free(&s->resp);
	if (!(s->flags & S_UP_OPEN))
		s->flags |= S_UP_DONE;
	px_stream_maybe_free(s);
}

static int
px_d_stream_close(nghttp2_session *sess, int32_t id, uint32_t code,
    void *ud)
{
	struct px_stream	*s;

	(void)ud;
	s = nghttp2_session_get_stream_user_data(sess, id);
	if (s == NULL)
		return 0;
	if (code != NGHTTP2_NO_ERROR)
		metrics.rst_from_downstream++;
	px_stream_down_gone(s, code);
	return 0;
}

/* ------------------------------------------------ upstream callbacks */

static int
px_u_begin_headers(nghttp2_session *sess, const nghttp2_frame *f, void *ud)
{
	(void)sess;
	(void)f;
	(void)ud;
	px_hcache_clear();
	return 0;
}

static int
px_u_header(nghttp2_session *sess, const nghttp2_frame *f,
    nghttp2_rcbuf *name, nghttp2_rcbuf *value, uint8_t flags, void *ud)
{
	(void)flags;
	(void)ud;
	return px_header(sess, f, name, value, 0);
}

static void
px_u_response(struct px_stream *s, int end)
{
	nghttp2_data_provider	prd;
	int			rv;

	px_replay_release(s);
	if (s->flags & S_DOWN_CLOSED)
		return;
	prd.source.ptr = s;
	prd.read_callback = px_resp_read;
	if (end) {
		px_note_status(s, &s->resp_hdrs);
		s->flags |= S_RESP_END;
	}
	rv = nghttp2_submit_response(s->pair->down, s->down_id,
	    s->resp_hdrs.nv, s->resp_hdrs.n, end ? NULL : &prd);
	if (rv != 0)
		(void)nghttp2_submit_rst_stream(s->pair->down,
		    NGHTTP2_FLAG_NONE, s->down_id, NGHTTP2_INTERNAL_ERROR);
	s->flags |= S_RESP_STARTED;
	px_hdrs_free(&s->resp_hdrs);
}

/*
 * The frontend is going away: its streams up to last_stream_id go on
 * here, and the pair's next stream opens a fresh connection (nghttp2
 * closes the streams above it as REFUSED_STREAM, which we resend).
 */
static void
px_u_goaway(struct px_up *u, const nghttp2_goaway *g)
{
	struct px_pair	*p = u->pair;

	metrics.upstream_goaways++;
	audit_event_conn("upstream_goaway", p->peer, p->cf->upstream, NULL);
	if (u->draining)
		return;
	log_info("%s: upstream sent GOAWAY (error %u, last stream %d): %u "
	    "streams finish on it, new ones go to a new connection", p->peer,
	    g->error_code, g->last_stream_id, u->nstreams);
	u->draining = 1;
	LIST_INSERT_HEAD(&p->old, u, entry);
	p->up = NULL;
	p->ustate = UP_IDLE;
}

static void
px_u_ping_ack(struct px_up *u)
{
	struct px_pair	*p = u->pair;

	u->ping_out = 0;
	u->ping.repeat = (double)p->cf->keepalive_ms / 1000.0;
	if (u->ping.repeat > 0)
		ev_timer_again(p->loop, &u->ping);
}

static int
px_u_frame_recv(nghttp2_session *sess, const nghttp2_frame *f, void *ud)
{
	struct px_stream	*s;
	int			 end = (f->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;

	if (f->hd.type == NGHTTP2_GOAWAY) {
		px_u_goaway(ud, &f->goaway);
		return 0;
	}
	if (f->hd.type == NGHTTP2_PING && (f->hd.flags & NGHTTP2_FLAG_ACK)) {
		px_u_ping_ack(ud);
		return 0;
	}
	s = nghttp2_session_get_stream_user_data(sess, f->hd.stream_id);
	if (s == NULL)
		return 0;
	if (f->hd.type == NGHTTP2_HEADERS) {
		if (f->headers.cat == NGHTTP2_HCAT_RESPONSE) {
			if (!end && (s->ic == IC_POLL ||
			    s->ic == IC_WFT_COMPLETED) && !(s->flags &
			    S_ORIGIN)) {
				px_replay_release(s);
				s->flags |= S_IC_RESP;
				return 0;
			}
			px_u_response(s, end);
			return 0;
		}
		if (!end) {		/* interim or bogus: drop */
			px_hdrs_free(&s->resp_trailers);
			return 0;
		}
	}
	if (end) {
		s->flags |= S_RESP_END;
		if (s->flags & S_IC_RESP)
			px_ic_resp_end(s);
		px_resume_resp(s);
	}
	return 0;
}

static int
px_u_data_chunk(nghttp2_session *sess, uint8_t flags, int32_t id,
    const uint8_t *data, size_t len, void *ud)
{
	(void)flags;
	(void)ud;
	return px_data_chunk(sess, id, data, len, 0);
}

/* The frontend reset a response the sidecar was reading: audited. */
static void
px_ic_resp_reset(struct px_stream *s, uint32_t code)
{
	char	why[PX_REASON_MAX];

	s->flags &= ~(unsigned)S_IC_RESP;
	(void)snprintf(why, sizeof(why), "the frontend reset the stream "
	    "(HTTP/2 error %u) before the response arrived whole", code);
	ic_audit_lost("response message", s->ic_ns, s->pair->peer, why);
}

static int
px_u_stream_close(nghttp2_session *sess, int32_t id, uint32_t code,
    void *ud)
{
	struct px_stream	*s;
	nghttp2_session		*down;

	(void)ud;
	s = nghttp2_session_get_stream_user_data(sess, id);
	if (s == NULL)
		return 0;
	if (px_stream_can_replay(s, code)) {
		px_stream_replay(s);
		return 0;
	}
	down = s->pair->down;
	px_stream_unlink(s);
	if (s->flags & S_IC_RESP)	/* reset inside a task's response */
		px_ic_resp_reset(s, code);
	s->flags |= S_UP_DONE;
	px_stream_drop_req(s);
	if (!(s->flags & S_RESP_END) && !(s->flags & S_DOWN_CLOSED)) {
		/* Reset by the frontend (or refused): pass the code on. */
		metrics.rst_from_upstream++;
		(void)nghttp2_submit_rst_stream(down, NGHTTP2_FLAG_NONE,
		    s->down_id, code == NGHTTP2_NO_ERROR ?
		    NGHTTP2_INTERNAL_ERROR : code);
	}
	if (s->flags & S_DOWN_CLOSED) {
		px_up_consume(s, s->resp.len);
		pbuf_free(&s->resp);
	}
	px_stream_maybe_free(s);
	return 0;
}

/* ------------------------------------------------------ session setup */

static nghttp2_session_callbacks *
px_callbacks(int server)
{
	nghttp2_session_callbacks	*cb;

	if (nghttp2_session_callbacks_new(&cb) != 0)
		fatalx("nghttp2_session_callbacks_new");
	if (server) {
		nghttp2_session_callbacks_set_on_begin_headers_callback(cb,
		    px_d_begin_headers);
		nghttp2_session_callbacks_set_on_header_callback2(cb,
		    px_d_header);
		nghttp2_session_callbacks_set_on_invalid_header_callback2(cb,
		    px_d_invalid_header);
		nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(cb,
		    px_d_invalid_frame);
		nghttp2_session_callbacks_set_on_frame_recv_callback(cb,
		    px_d_frame_recv);
		nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb,
		    px_d_data_chunk);
		nghttp2_session_callbacks_set_on_stream_close_callback(cb,
		    px_d_stream_close);
	} else {
		nghttp2_session_callbacks_set_on_begin_headers_callback(cb,
		    px_u_begin_headers);
		nghttp2_session_callbacks_set_on_header_callback2(cb,
		    px_u_header);
		nghttp2_session_callbacks_set_on_frame_recv_callback(cb,
		    px_u_frame_recv);
		nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb,
		    px_u_data_chunk);
		nghttp2_session_callbacks_set_on_stream_close_callback(cb,
		    px_u_stream_close);
	}
	return cb;
}

/* ud: the pair (server, toward the worker) or the px_up (client). */
static nghttp2_session *
px_session_new(int server, void *ud)
{
	static nghttp2_session_callbacks	*cbs[2];
	static nghttp2_option			*opt;
	nghttp2_session				*sess;
	nghttp2_settings_entry			 iv[3];
	int					 rv;

	if (opt == NULL) {
		if (nghttp2_option_new(&opt) != 0)
			fatalx("nghttp2_option_new");
		nghttp2_option_set_no_auto_window_update(opt, 1);
		/*
		 * nghttp2's flood limits, stated here rather than left to
		 * the library's defaults (run-hostile.sh tries each): 32
		 * entries per SETTINGS, 1000 SETTINGS and PING acks queued,
		 * 8 CONTINUATION frames per header block, RST_STREAM at
		 * 33/s after a burst of 1000 (rapid reset).
		 */
		nghttp2_option_set_max_settings(opt, 32);
		nghttp2_option_set_max_outbound_ack(opt, 1000);
		nghttp2_option_set_max_continuations(opt, 8);
		nghttp2_option_set_stream_reset_rate_limit(opt, 1000, 33);
		/*
		 * No priority tree to keep: without this nghttp2 retains
		 * up to PX_MAX_STREAMS closed streams per session, about
		 * 1.5 MB per busy worker connection (issue 7 soak).
		 */
		nghttp2_option_set_no_closed_streams(opt, 1);
		cbs[0] = px_callbacks(0);
		cbs[1] = px_callbacks(1);
	}
	rv = server ? nghttp2_session_server_new3(&sess, cbs[1], ud, opt,
	    px_mem()) : nghttp2_session_client_new3(&sess, cbs[0], ud, opt,
	    px_mem());
	if (rv != 0)
		return NULL;
	/* server: iv[0..1]; client: iv[1..2] */
	iv[0].settings_id = NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS;
	iv[0].value = PX_MAX_STREAMS;
	iv[1].settings_id = NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE;
	iv[1].value = PX_STREAM_WINDOW;
	iv[2].settings_id = NGHTTP2_SETTINGS_ENABLE_PUSH;
	iv[2].value = 0;
	if (nghttp2_submit_settings(sess, NGHTTP2_FLAG_NONE, server ? iv :
	    iv + 1, 2) != 0 ||
	    nghttp2_session_set_local_window_size(sess, NGHTTP2_FLAG_NONE, 0,
	    PX_CONN_WINDOW) != 0) {
		nghttp2_session_del(sess);
		return NULL;
	}
	return sess;
}

/* ------------------------------------------------- upstream connection */

static void	px_u_readable(struct ev_loop *, ev_io *, int);
static void	px_u_writable(struct ev_loop *, ev_io *, int);
static void	px_u_ping(struct ev_loop *, ev_timer *, int);

static void
px_stream_submit(struct px_stream *s)
{
	struct px_up		*u = s->pair->up;
	nghttp2_data_provider	 prd, *pp = NULL;
	int32_t			 id;

	s->flags &= ~(unsigned)S_PENDING;
	if (!(s->flags & S_REQ_END) || s->req.len > 0 ||
	    s->req_trailers.n > 0) {
		prd.source.ptr = s;
		prd.read_callback = px_req_read;
		pp = &prd;
	}
	id = nghttp2_submit_request(u->sess, NULL, s->req_hdrs.nv,
	    s->req_hdrs.n, pp, s);
	if (!(s->flags & S_REPLAY))
		px_hdrs_free(&s->req_hdrs);
	if (id < 0) {
		px_stream_fail(s, "upstream refused a new stream");
		return;
	}
	s->up_id = id;
	s->up = u;
	s->flags |= S_UP_OPEN;
	u->nstreams++;
}

static struct px_up *
px_up_new(struct px_pair *p)
{
	struct px_up	*u;

	if ((u = calloc(1, sizeof(*u))) == NULL)
		return NULL;
	u->pair = p;
	u->fd = -1;
	ev_init(&u->rd, px_u_readable);
	ev_init(&u->wr, px_u_writable);
	ev_init(&u->ping, px_u_ping);
	u->rd.data = u->wr.data = u->ping.data = u;
	return u;
}

/* Frees u, off any list; the streams that still point at it forget it. */
static void
px_up_free(struct px_up *u)
{
	struct px_pair		*p = u->pair;
	struct px_stream	*s;

	TAILQ_FOREACH(s, &p->streams, entry)
		if (s->up == u)
			s->up = NULL;
	ev_io_stop(p->loop, &u->rd);
	ev_io_stop(p->loop, &u->wr);
	ev_timer_stop(p->loop, &u->ping);
	if (u->sess != NULL) {
		nghttp2_session_del(u->sess);
		metrics.upstream_connected--;
	}
	px_out_free(&u->out);
	tls_conn_free(u->tls);
	if (u->fd != -1)
		(void)close(u->fd);
	free(u);
}

/* Drops the current connection (if any): the pair is idle. */
static void
px_up_stop(struct px_pair *p)
{
	ev_timer_stop(p->loop, &p->utimer);
	if (p->up != NULL)
		px_up_free(p->up);
	p->up = NULL;
	if (p->ustate == UP_BACKOFF)
		nbackoff--;
	p->ustate = UP_IDLE;
}

/*
 * Ends UNAVAILABLE (why) every stream open on u (may be NULL) and, with
 * pending, every stream waiting for the current connection.
 */
static void
px_up_fail_streams(struct px_pair *p, struct px_up *u, int pending,
    const char *why)
{
	struct px_stream	*s, *next;

	for (s = TAILQ_FIRST(&p->streams); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if ((u != NULL && s->up == u && (s->flags & S_UP_OPEN)) ||
		    (pending && (s->flags & S_PENDING))) {
			px_stream_fail(s, why);
			px_stream_maybe_free(s);
		}
	}
}

/*
 * The current upstream connection failed or could not be made: every
 * stream on it or waiting for it ends UNAVAILABLE, and we retry after a
 * backoff.
 */
static void
px_up_down(struct px_pair *p, const char *why, int connected)
{
	unsigned	jitter;

	(void)snprintf(p->up_reason, sizeof(p->up_reason),
	    "tenuo-sidecar: upstream %s unavailable: %s", p->cf->upstream,
	    why);
	log_warnx("%s: upstream %s: %s", p->peer, p->cf->upstream, why);
	audit_event_conn(connected ? "upstream_lost" : "upstream_connect_failed",
	    p->peer, p->cf->upstream, why);
	probe_note(0, why);
	if (connected)
		metrics.upstream_failures++;
	else
		metrics.upstream_connect_failures++;
	px_up_fail_streams(p, p->up, 1, p->up_reason);
	px_up_stop(p);
	if (p->backoff_ms == 0)
		p->backoff_ms = PX_BACKOFF_MIN_MS;
	else if ((p->backoff_ms *= 2) > PX_BACKOFF_MAX_MS)
		p->backoff_ms = PX_BACKOFF_MAX_MS;
	jitter = (unsigned)arc4random_uniform(p->backoff_ms / 5 + 1);
	p->ustate = UP_BACKOFF;
	nbackoff++;
	ev_timer_set(&p->utimer, (double)(p->backoff_ms + jitter) / 1000.0,
	    0.);
	ev_timer_start(p->loop, &p->utimer);
}

/* An established connection failed; u is freed. */
static void
px_up_lost(struct px_up *u, const char *why)
{
	struct px_pair	*p = u->pair;
	char		 msg[PX_REASON_MAX];

	if (!u->draining) {
		px_up_down(p, why, 1);
		return;
	}
	log_warnx("%s: upstream %s (draining after GOAWAY): %s", p->peer,
	    p->cf->upstream, why);
	metrics.upstream_failures++;
	(void)snprintf(msg, sizeof(msg), "tenuo-sidecar: upstream %s "
	    "unavailable: %s", p->cf->upstream, why);
	px_up_fail_streams(p, u, 0, msg);
	LIST_REMOVE(u, entry);
	px_up_free(u);
}

/* u has nothing left to carry (closed idle, or drained); u is freed. */
static void
px_up_finished(struct px_up *u)
{
	struct px_pair	*p = u->pair;

	log_debug("%s: upstream connection %s", p->peer, u->draining ?
	    "drained" : "finished");
	px_up_fail_streams(p, u, 0, "tenuo-sidecar: upstream closed the "
	    "connection");
	if (!u->draining) {
		px_up_stop(p);
		return;
	}
	LIST_REMOVE(u, entry);
	px_up_free(u);
}

static void
px_up_established(struct px_pair *p)
{
	struct px_up		*u = p->up;
	struct px_stream	*s, *next;
	double			 ka;

	ev_timer_stop(p->loop, &p->utimer);
	ev_io_stop(p->loop, &u->rd);
	ev_io_stop(p->loop, &u->wr);
	if ((u->sess = px_session_new(0, u)) == NULL) {
		px_up_down(p, "cannot create an HTTP/2 session", 0);
		return;
	}
	px_nodelay(u->fd);
	p->ustate = UP_CONNECTED;
	p->backoff_ms = 0;
	probe_note(1, NULL);
	metrics.upstream_connects++;
	metrics.upstream_connected++;
	log_debug("%s: upstream %s connected", p->peer, p->cf->upstream);
	ev_io_set(&u->rd, u->fd, EV_READ);
	ev_io_set(&u->wr, u->fd, EV_WRITE);
	ev_io_start(p->loop, &u->rd);
	if (u->tls != NULL)	/* bytes may have come with the handshake */
		ev_feed_event(p->loop, &u->rd, EV_READ);
	for (s = TAILQ_FIRST(&p->streams); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (s->flags & S_PENDING)
			px_stream_submit(s);
	}
	if (p->cf->keepalive_ms > 0) {
		ka = (double)p->cf->keepalive_ms / 1000.0;
		ev_timer_set(&u->ping, ka, ka);
		ev_timer_start(p->loop, &u->ping);
	}
}

/* Tries the upstream addresses from p->uaddr on. */
static void
px_up_try(struct px_pair *p)
{
	const struct addr_list	*al = &p->cf->upstream_addrs;
	const struct addr	*a;
	char			 why[PX_REASON_MAX] = "no address";
	int			 fd;

	for (; p->uaddr < al->n; p->uaddr++) {
		a = &al->a[p->uaddr];
		fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (fd == -1) {
			(void)snprintf(why, sizeof(why), "socket: %s",
			    strerror(errno));
			continue;
		}
		if (connect(fd, (const struct sockaddr *)&a->ss, a->len) ==
		    0 || errno == EINPROGRESS) {
			p->up->fd = fd;
			ev_io_set(&p->up->wr, fd, EV_WRITE);
			ev_io_start(p->loop, &p->up->wr);
			return;
		}
		(void)snprintf(why, sizeof(why), "connect: %s",
		    strerror(errno));
		(void)close(fd);
	}
	px_up_down(p, why, 0);
}

static void
px_up_connect(struct px_pair *p)
{
	if (p->ustate == UP_BACKOFF)
		nbackoff--;
	p->ustate = UP_CONNECTING;
	p->uaddr = 0;
	if (p->up == NULL && (p->up = px_up_new(p)) == NULL) {
		px_up_down(p, "out of memory", 0);
		return;
	}
	ev_timer_set(&p->utimer, PX_CONNECT_TIMEOUT_MS / 1000.0, 0.);
	ev_timer_start(p->loop, &p->utimer);
	px_up_try(p);
}

/* Steps the upstream TLS handshake; on success the session starts. */
static void
px_up_handshake(struct px_pair *p)
{
	char	why[TLS_WHY_MAX], msg[PX_REASON_MAX], desc[512];
	int	rv;

	rv = tls_handshake(p->up->tls, why, sizeof(why));
	if (rv == TLS_WANT_READ || rv == TLS_WANT_WRITE) {
		if (rv == TLS_WANT_WRITE)
			ev_io_start(p->loop, &p->up->wr);
		else
			ev_io_stop(p->loop, &p->up->wr);
		return;
	}
	if (rv == TLS_ERR) {
		metrics.upstream_tls_failures++;
		(void)snprintf(msg, sizeof(msg), "TLS: %s", why);
		px_up_down(p, msg, 0);
		return;
	}
	tls_conn_describe(p->up->tls, desc, sizeof(desc));
	log_debug("%s: upstream %s: %s", p->peer, p->cf->upstream, desc);
	px_up_established(p);
}

/* TCP is up: start TLS, under the handshake timeout. */
static void
px_up_tls_start(struct px_pair *p)
{
	struct px_up	*u = p->up;
	char		 why[TLS_WHY_MAX], msg[PX_REASON_MAX];

	u->tls = tls_conn_new(p->cf->up_tls, u->fd, why, sizeof(why));
	if (u->tls == NULL) {
		(void)snprintf(msg, sizeof(msg), "TLS: %s", why);
		px_up_down(p, msg, 0);
		return;
	}
	p->ustate = UP_HANDSHAKE;
	ev_timer_stop(p->loop, &p->utimer);
	ev_timer_set(&p->utimer, (double)p->cf->tls_handshake_timeout_ms /
	    1000.0, 0.);
	ev_timer_start(p->loop, &p->utimer);
	ev_io_set(&u->rd, u->fd, EV_READ);
	ev_io_start(p->loop, &u->rd);
	px_up_handshake(p);
}

/* Connect finished (or failed) on the socket being tried. */
static void
px_up_connect_done(struct px_pair *p)
{
	struct px_up	*u = p->up;
	int		 err = 0;
	socklen_t	 len = sizeof(err);
	char		 why[PX_REASON_MAX];

	if (getsockopt(u->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err == 0 && p->cf->up_tls != NULL) {
		px_up_tls_start(p);
		return;
	}
	if (err == 0) {
		px_up_established(p);
		return;
	}
	(void)snprintf(why, sizeof(why), "connect: %s", strerror(err));
	ev_io_stop(p->loop, &u->wr);
	(void)close(u->fd);
	u->fd = -1;
	if (++p->uaddr < p->cf->upstream_addrs.n) {
		px_up_try(p);
		return;
	}
	px_up_down(p, why, 0);
}

/* Reads from an established connection; 0, or -1 when u is gone. */
static int
px_up_read(struct px_up *u)
{
	uint8_t		 buf[PX_READ_BUF];
	char		 why[PX_REASON_MAX];
	ssize_t		 n, rv;
	int		 i;

	for (i = 0; i < PX_READS_MAX; i++) {
		n = px_io_recv(u->fd, u->tls, buf, sizeof(buf), why,
		    sizeof(why));
		if (n == PX_IO_AGAIN)
			break;
		if (n == PX_IO_EOF && u->nstreams == 0) {
			px_up_finished(u);
			return -1;
		}
		if (n <= 0) {
			px_up_lost(u, n == PX_IO_EOF ? "connection closed" :
			    why);
			return -1;
		}
		rv = nghttp2_session_mem_recv(u->sess, buf, (size_t)n);
		if (rv < 0) {
			px_up_lost(u, nghttp2_strerror((int)rv));
			return -1;
		}
		if ((size_t)n < sizeof(buf))	/* see px_d_readable() */
			break;
	}
	/* decrypted bytes the socket will not signal again */
	if (u->tls != NULL && tls_pending(u->tls))
		ev_feed_event(u->pair->loop, &u->rd, EV_READ);
	return 0;
}

static void
px_u_readable(struct ev_loop *loop, ev_io *w, int revents)
{
	struct px_up	*u = w->data;
	struct px_pair	*p = u->pair;

	(void)loop;
	(void)revents;
	if (u == p->up && p->ustate == UP_HANDSHAKE)
		px_up_handshake(p);
	else if (u->sess != NULL)
		(void)px_up_read(u);
	px_pair_flush_later(p);
}

static void
px_u_writable(struct ev_loop *loop, ev_io *w, int revents)
{
	struct px_up	*u = w->data;
	struct px_pair	*p = u->pair;

	if (u == p->up && p->ustate == UP_CONNECTING)
		px_up_connect_done(p);
	else if (u == p->up && p->ustate == UP_HANDSHAKE)
		px_up_handshake(p);
	else if (u->tls != NULL && tls_read_wants_write(u->tls)) {
		px_u_readable(loop, &u->rd, revents);
		return;
	}
	px_pair_flush(p);
}

/* Connect timeout, or end of backoff. */
static void
px_u_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct px_pair	*p = w->data;

	(void)loop;
	(void)revents;
	if (p->ustate == UP_CONNECTING)
		px_up_down(p, "connect timed out", 0);
	else if (p->ustate == UP_HANDSHAKE) {
		metrics.upstream_tls_failures++;
		px_up_down(p, "TLS: handshake timed out", 0);
	}
	else if (p->ustate == UP_BACKOFF && (!p->draining || p->orphan))
		px_up_connect(p);
	px_pair_flush(p);
}

/*
 * Keepalive: every upstream_keepalive while streams are open, a PING;
 * unanswered after upstream_keepalive_timeout, the connection is dead.
 * An idle connection sends none (frontends may limit idle pings).
 */
static void
px_u_ping(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct px_up	*u = w->data;
	struct px_pair	*p = u->pair;
	char		 why[64];

	(void)revents;
	if (u->ping_out) {
		(void)snprintf(why, sizeof(why), "keepalive PING not answered "
		    "within %llu ms", (unsigned long long)
		    p->cf->keepalive_timeout_ms);
		px_up_lost(u, why);
		px_pair_flush(p);
		return;
	}
	if (u->nstreams == 0)
		return;
	if (nghttp2_submit_ping(u->sess, NGHTTP2_FLAG_NONE, NULL) != 0)
		return;
	u->ping_out = 1;
	metrics.upstream_pings++;
	w->repeat = (double)p->cf->keepalive_timeout_ms / 1000.0;
	ev_timer_again(loop, w);
	px_pair_flush(p);
}

/* ------------------------------------------------- downstream + pairs */

static void
px_io_switch(struct ev_loop *loop, ev_io *w, int on)
{
	if (on)
		ev_io_start(loop, w);
	else
		ev_io_stop(loop, w);
}

/* Socket watchers for one connection: what TLS (or the app) waits on. */
static void
px_watch_io(struct ev_loop *loop, ev_io *rd, ev_io *wr, int app_write,
    const struct tls_conn *t)
{
	int	ev;

	ev = t != NULL ? tls_events(t, app_write) :
	    TLS_EV_READ | (app_write ? TLS_EV_WRITE : 0);
	px_io_switch(loop, rd, ev & TLS_EV_READ);
	px_io_switch(loop, wr, ev & TLS_EV_WRITE);
}

static void
px_watch(struct px_pair *p)
{
	struct px_up	*u;

	if (p->down != NULL)
		px_watch_io(p->loop, &p->drd, &p->dwr, px_d_want_write(p),
		    p->dtls);
	if (p->ustate == UP_CONNECTED)
		px_watch_io(p->loop, &p->up->rd, &p->up->wr,
		    px_u_want_write(p->up), p->up->tls);
	LIST_FOREACH(u, &p->old, entry)
		px_watch_io(p->loop, &u->rd, &u->wr, px_u_want_write(u),
		    u->tls);
}

/* Sends what u's session has queued; a finished or failed u is freed. */
static void
px_up_send(struct px_up *u)
{
	int	rv;

	if ((rv = px_out_flush(u->sess, &u->out, u->fd, u->tls, u->err,
	    sizeof(u->err))) != 0) {
		px_up_lost(u, u->err[0] != '\0' ? u->err :
		    nghttp2_strerror(rv));
		return;
	}
	if (px_u_want_write(u))
		return;
	if (!nghttp2_session_want_read(u->sess) ||
	    (u->draining && u->nstreams == 0))
		px_up_finished(u);
}

static void
px_ups_send(struct px_pair *p)
{
	struct px_up	*u, *next;

	if (p->ustate == UP_CONNECTED)
		px_up_send(p->up);
	for (u = LIST_FIRST(&p->old); u != NULL; u = next) {
		next = LIST_NEXT(u, entry);
		px_up_send(u);
	}
}

/* Nothing left upstream for a closed worker connection. */
static int
px_orphan_idle(const struct px_pair *p)
{
	return LIST_EMPTY(&p->origins) && TAILQ_EMPTY(&p->streams);
}

static void
px_pair_flush(struct px_pair *p)
{
	char	why[PX_REASON_MAX] = "";
	int	rv;

	if (p->closing || (p->dtls != NULL && !p->dready))
		return;
	px_ups_send(p);
	if (p->orphan) {
		if (px_orphan_idle(p))
			px_pair_close(p, NULL);
		else
			px_watch(p);
		return;
	}
	if ((rv = px_out_flush(p->down, &p->dout, p->dfd, p->dtls, why,
	    sizeof(why))) != 0) {
		log_debug("%s: send: %s", p->peer, why[0] != '\0' ? why :
		    nghttp2_strerror(rv));
		px_pair_gone(p);
		return;
	}
	px_ups_send(p);
	if (!nghttp2_session_want_read(p->down) && !px_d_want_write(p)) {
		px_pair_gone(p);
		return;
	}
	px_watch(p);
}

static void
px_flushq_run(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct px_pair	*p;

	(void)revents;
	while ((p = LIST_FIRST(&flushq)) != NULL) {
		LIST_REMOVE(p, fentry);
		p->fqueued = 0;
		px_pair_flush(p);
	}
	ev_prepare_stop(loop, w);
}

/*
 * What a read produced is written once the loop has run every callback
 * of this round, just before it waits again: a pair whose two sides were
 * both readable writes each side once, and all reads of a round happen
 * before the writes that wake the peers.
 */
static void
px_pair_flush_later(struct px_pair *p)
{
	if (p->fqueued || p->closing)
		return;
	p->fqueued = 1;
	LIST_INSERT_HEAD(&flushq, p, fentry);
	if (!ev_is_active(&flushq_w)) {
		ev_prepare_init(&flushq_w, px_flushq_run);
		ev_prepare_start(p->loop, &flushq_w);
	}
}

static void
px_d_handshake_failed(struct px_pair *p, const char *why)
{
	metrics.downstream_tls_failures++;
	log_warnx("%s: TLS handshake failed: %s", p->peer, why);
	audit_event_conn("tls_handshake_failed", p->peer, p->cf->upstream,
	    why);
	px_pair_close(p, "the worker's TLS handshake failed");
}

/* Steps the worker's TLS handshake; when done, HTTP/2 and upstream go. */
static void
px_d_handshake(struct px_pair *p)
{
	char	why[TLS_WHY_MAX], desc[512];
	int	rv;

	rv = tls_handshake(p->dtls, why, sizeof(why));
	if (rv == TLS_WANT_WRITE) {
		ev_io_start(p->loop, &p->dwr);
		return;
	}
	ev_io_stop(p->loop, &p->dwr);
	if (rv == TLS_WANT_READ)
		return;
	if (rv == TLS_ERR) {
		px_d_handshake_failed(p, why);
		return;
	}
	ev_timer_stop(p->loop, &p->dtimer);	/* now for the preface */
	ev_timer_set(&p->dtimer, (double)p->cf->tls_handshake_timeout_ms /
	    1000.0, 0.);
	ev_timer_start(p->loop, &p->dtimer);
	p->dready = 1;
	tls_conn_describe(p->dtls, desc, sizeof(desc));
	log_debug("%s: TLS %s", p->peer, desc);
	px_up_connect(p);
	ev_feed_event(p->loop, &p->drd, EV_READ);
	px_pair_flush(p);
}

/*
 * The worker's TLS handshake or its client preface (magic and SETTINGS)
 * timed out, or the drain notice is over.  Without the preface deadline a
 * connection that says nothing (or a byte at a time) would hold one of
 * PX_MAX_CONNS and an upstream connection for ever.
 */
static void
px_d_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct px_pair	*p = w->data;

	(void)loop;
	(void)revents;
	if (p->orphan) {
		px_orphan_expired(p);
		return;
	}
	if (!p->draining && p->dtls != NULL && !p->dready) {
		px_d_handshake_failed(p, "handshake timed out");
		return;
	}
	if (!p->draining) {
		log_warnx("%s: no HTTP/2 client preface within %llu ms: "
		    "closed", p->peer,
		    (unsigned long long)p->cf->tls_handshake_timeout_ms);
		px_pair_close(p, NULL);
		return;
	}
	(void)nghttp2_submit_goaway(p->down, NGHTTP2_FLAG_NONE,
	    nghttp2_session_get_last_proc_stream_id(p->down),
	    NGHTTP2_NO_ERROR, NULL, 0);
	px_pair_flush(p);
}

static void
px_d_readable(struct ev_loop *loop, ev_io *w, int revents)
{
	struct px_pair	*p = w->data;
	uint8_t		 buf[PX_READ_BUF];
	char		 why[PX_REASON_MAX];
	ssize_t		 n, rv;
	int		 i;

	(void)revents;
	if (p->dtls != NULL && !p->dready) {
		px_d_handshake(p);
		return;
	}
	for (i = 0; i < PX_READS_MAX; i++) {
		n = px_io_recv(p->dfd, p->dtls, buf, sizeof(buf), why,
		    sizeof(why));
		if (n == PX_IO_AGAIN)
			break;
		if (n <= 0) {
			log_debug("%s: %s", p->peer, n == PX_IO_EOF ?
			    "closed" : why);
			px_pair_gone(p);
			return;
		}
		rv = nghttp2_session_mem_recv(p->down, buf, (size_t)n);
		if (rv < 0) {
			log_warnx("%s: %s", p->peer,
			    nghttp2_strerror((int)rv));
			px_pair_gone(p);
			return;
		}
		/*
		 * A short read took all the socket had (or one TLS record):
		 * the watcher is level-triggered, so what comes later wakes
		 * us again, and the read that would fail is saved.
		 */
		if ((size_t)n < sizeof(buf))
			break;
	}
	/* decrypted bytes the socket will not signal again */
	if (p->dtls != NULL && tls_pending(p->dtls))
		ev_feed_event(loop, &p->drd, EV_READ);
	px_pair_flush_later(p);
}

static void
px_d_writable(struct ev_loop *loop, ev_io *w, int revents)
{
	struct px_pair	*p = w->data;

	if (p->dtls != NULL && !p->dready)
		px_d_handshake(p);
	else if (p->dtls != NULL && tls_read_wants_write(p->dtls))
		px_d_readable(loop, &p->drd, revents);
	else
		px_pair_flush(p);
}

/*
 * Audits as task_lost what p still had to do upstream: failures not yet
 * sent, tasks not yet delivered, responses not yet read whole.  why says
 * what ended it.
 */
static void
px_pair_lost(struct px_pair *p, const char *why)
{
	struct px_origin	*o;
	struct px_stream	*s;
	char			 msg[PX_REASON_MAX * 2 + 128];
	size_t			 i;

	LIST_FOREACH(o, &p->origins, entry) {
		(void)snprintf(msg, sizeof(msg), "%s before the task was "
		    "failed upstream%s%s%s", why, o->why[0] != '\0' ?
		    " (last attempt: " : "", o->why, o->why[0] != '\0' ?
		    ")" : "");
		ic_audit_lost(o->u.what, o->ns, p->peer, msg);
	}
	TAILQ_FOREACH(s, &p->streams, entry) {
		(void)snprintf(msg, sizeof(msg), "%s before the task was "
		    "delivered", why);
		for (i = 0; s->undelivered != NULL &&
		    i < s->undelivered->nundelivered; i++)
			ic_audit_lost(s->undelivered->undelivered[i].what,
			    s->ic_ns, p->peer, msg);
		if (!(s->flags & S_IC_RESP))
			continue;
		(void)snprintf(msg, sizeof(msg), "%s before the response "
		    "arrived whole", why);
		ic_audit_lost("response message", s->ic_ns, p->peer, msg);
	}
}

/* Closes the worker's side: socket, TLS, HTTP/2 session. */
static void
px_d_close(struct px_pair *p)
{
	ev_io_stop(p->loop, &p->drd);
	ev_io_stop(p->loop, &p->dwr);
	ev_timer_stop(p->loop, &p->dtimer);
	nghttp2_session_del(p->down);
	p->down = NULL;
	px_out_free(&p->dout);
	tls_conn_free(p->dtls);
	p->dtls = NULL;
	(void)close(p->dfd);
	p->dfd = -1;
	log_debug("%s: connection closed", p->peer);
	audit_event_conn("connection_closed", p->peer, p->cf->upstream, NULL);
}

/*
 * Frees p and everything it holds now.  why (NULL when p has nothing
 * left to do) is why the work still open is lost: it is audited.
 */
static void
px_pair_close(struct px_pair *p, const char *why)
{
	struct px_stream	*s;
	struct px_up		*u;
	struct px_origin	*o;

	if (p->closing)
		return;
	p->closing = 1;
	if (p->fqueued) {
		LIST_REMOVE(p, fentry);
		p->fqueued = 0;
	}
	if (why != NULL)
		px_pair_lost(p, why);
	while ((o = LIST_FIRST(&p->origins)) != NULL)
		px_origin_free(o);
	px_up_stop(p);
	while ((u = LIST_FIRST(&p->old)) != NULL) {
		LIST_REMOVE(u, entry);
		px_up_free(u);
	}
	while ((s = TAILQ_FIRST(&p->streams)) != NULL)
		px_stream_free(s);
	ev_timer_stop(p->loop, &p->dtimer);
	if (p->orphan) {
		norphans--;
		metrics.orphans_active--;
		log_debug("%s: upstream work of the closed connection over",
		    p->peer);
	} else {
		px_d_close(p);
		npairs--;
		metrics.conns_active--;
	}
	LIST_REMOVE(p, entry);
	config_unref(p->cf);
	free(p);
}

/* orphan_drain_timeout is over: what is left is lost. */
static void
px_orphan_expired(struct px_pair *p)
{
	char	why[PX_REASON_MAX];

	(void)snprintf(why, sizeof(why), "the worker's connection closed and "
	    "orphan_drain_timeout (%llu ms) ran out",
	    (unsigned long long)p->cf->orphan_drain_ms);
	px_pair_close(p, why);
}

/* Work p still has upstream for a worker that is gone. */
static int
px_orphan_busy(const struct px_pair *p)
{
	const struct px_stream	*s;

	if (!LIST_EMPTY(&p->origins))
		return 1;
	TAILQ_FOREACH(s, &p->streams, entry)
		if (s->flags & S_IC_RESP)
			return 1;
	return 0;
}

/*
 * The worker's connection ended.  Each stream ends as a reset would end
 * it (px_stream_down_gone()): long polls still waiting and pass-through
 * calls are cancelled upstream, tasks not yet delivered are failed
 * upstream as retryable.  The upstream connection stays, without the
 * worker, while responses already arriving are read, decided and failed
 * back and while failures are being sent (with their retries), for at
 * most orphan_drain_timeout; with nothing left it closes at once.
 */
static void
px_pair_gone(struct px_pair *p)
{
	struct px_stream	*s, *next;
	char			 why[PX_REASON_MAX];

	if (p->closing || p->orphan)
		return;
	p->orphan = 1;
	for (s = TAILQ_FIRST(&p->streams); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (!(s->flags & S_DOWN_CLOSED))
			px_stream_down_gone(s, NGHTTP2_CANCEL);
	}
	px_d_close(p);
	npairs--;
	metrics.conns_active--;
	norphans++;
	metrics.orphans_active++;
	if (px_orphan_busy(p)) {
		metrics.conns_orphaned++;
		if (norphans > PX_MAX_ORPHANS || p->cf->orphan_drain_ms == 0) {
			(void)snprintf(why, sizeof(why), "the worker's "
			    "connection closed (%s)", p->cf->orphan_drain_ms ==
			    0 ? "orphan_drain_timeout is 0" : "too many closed "
			    "connections still finishing their work");
			px_pair_close(p, why);
			return;
		}
		log_info("%s: worker connection closed: finishing its tasks "
		    "upstream for up to %llu ms", p->peer,
		    (unsigned long long)p->cf->orphan_drain_ms);
	}
	/* not busy: the cancels go out, then it closes (bounded all the
	   same, should the frontend not read them) */
	ev_timer_set(&p->dtimer, (double)p->cf->orphan_drain_ms / 1000.0, 0.);
	ev_timer_start(p->loop, &p->dtimer);
	px_pair_flush(p);
}

/* The pair's sessions and TLS; -1 (logged) when one cannot be made. */
static int
px_pair_init(struct px_pair *p, int tls)
{
	char	why[TLS_WHY_MAX];

	if ((p->down = px_session_new(1, p)) == NULL) {
		log_warnx("%s: cannot create an HTTP/2 session", p->peer);
		return -1;
	}
	if (!tls)
		return 0;
	if (p->cf->down_tls == NULL) {
		log_warnx("%s: TLS listener without a TLS context", p->peer);
		return -1;
	}
	if ((p->dtls = tls_conn_new(p->cf->down_tls, p->dfd, why,
	    sizeof(why))) == NULL) {
		log_warnx("%s: %s", p->peer, why);
		return -1;
	}
	return 0;
}

void
px_pair_new(struct ev_loop *loop, int fd, const char *peer, int tls,
    struct config *cf)
{
	struct px_pair	*p;

	if (npairs >= PX_MAX_CONNS || px_nonblock(fd) == -1 ||
	    (p = calloc(1, sizeof(*p))) == NULL) {
		log_warnx("%s: refused: %u connections open (max %d) or no "
		    "memory", peer, npairs, PX_MAX_CONNS);
		(void)close(fd);
		return;
	}
	p->loop = loop;
	p->cf = config_ref(cf);
	p->dfd = fd;
	p->id = ++next_pair_id;
	(void)snprintf(p->peer, sizeof(p->peer), "%s", peer);
	TAILQ_INIT(&p->streams);
	LIST_INIT(&p->old);
	LIST_INIT(&p->origins);
	if (px_pair_init(p, tls) == -1) {
		if (p->down != NULL)
			nghttp2_session_del(p->down);
		config_unref(p->cf);
		(void)close(fd);
		free(p);
		return;
	}
	px_nodelay(fd);
	ev_io_init(&p->drd, px_d_readable, fd, EV_READ);
	ev_io_init(&p->dwr, px_d_writable, fd, EV_WRITE);
	ev_init(&p->utimer, px_u_timer);
	ev_timer_init(&p->dtimer, px_d_timer,
	    (double)cf->tls_handshake_timeout_ms / 1000.0, 0.);
	p->drd.data = p->dwr.data = p->utimer.data = p;
	p->dtimer.data = p;
	LIST_INSERT_HEAD(&pairs, p, entry);
	npairs++;
	metrics.conns_total++;
	metrics.conns_active++;
	log_debug("%s: connection accepted%s", peer, tls ? " (TLS)" : "");
	audit_event_conn("connection_opened", peer, cf->upstream, NULL);
	ev_io_start(loop, &p->drd);
	ev_timer_start(loop, &p->dtimer);	/* handshake, preface */
	if (p->dtls != NULL)	/* upstream once the worker is through */
		return;
	px_up_connect(p);
	px_pair_flush(p);
}

/*
 * Graceful shutdown, two steps (RFC 9113 section 6.8): a GOAWAY with the
 * largest stream ID tells each worker to open no more streams, while
 * requests already on their way are still taken; PX_DRAIN_NOTICE_S later
 * (px_d_timer) the final GOAWAY names the last stream taken.  The
 * streams taken run to their end (up to shutdown_grace, main.c).
 */
void
px_drain_all(void)
{
	struct px_pair	*p, *next;

	for (p = LIST_FIRST(&pairs); p != NULL; p = next) {
		next = LIST_NEXT(p, entry);
		if (p->orphan)		/* no worker to tell */
			continue;
		if (p->dtls != NULL && !p->dready) {	/* no stream yet */
			px_pair_close(p, "the sidecar is stopping");
			continue;
		}
		p->draining = 1;
		(void)nghttp2_submit_shutdown_notice(p->down);
		ev_timer_stop(p->loop, &p->dtimer);
		ev_timer_set(&p->dtimer, PX_DRAIN_NOTICE_S, 0.);
		ev_timer_start(p->loop, &p->dtimer);
		px_pair_flush(p);
	}
}

void
px_close_all(void)
{
	while (!LIST_EMPTY(&pairs))
		px_pair_close(LIST_FIRST(&pairs), "the sidecar stopped "
		    "(shutdown_grace over)");
}

unsigned
px_pair_count(void)
{
	return npairs + norphans;
}
