/*
 * fuzz_grpc_frame.c: libFuzzer target for gRPC message framing
 * (daemon/grpc_frame.c): reassembly of length-prefixed messages cut at
 * arbitrary DATA frame boundaries, the size cap, and the inspected bytes
 * of compressed messages (gzip under the cap).
 *
 * Input: byte 0 bits 0-4 pick the maximum message size (1 << n, up to
 * 16 MiB), bits 5-6 the stream's grpc-encoding ("gzip", "identity", none,
 * "deflate"); byte 1 seeds the chunking; the rest is the byte stream as it
 * arrives from the peer.
 *
 * Oracles: the stream fed in chunks yields the same messages as fed at
 * once; each message is at most max bytes and re-encoding its prefix and
 * body gives back exactly the bytes consumed; errors are sticky; a
 * message's plain bytes are within max, and framed again for the same
 * encoding they read back to the same plain bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grpc_frame.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXMSG	64

static const char *const encodings[] = { "gzip", "identity", NULL,
	"deflate" };

static void
check(int ok)
{
	if (!ok)
		abort();
}

struct run {
	struct gf_msg	msg[MAXMSG];
	size_t		n;
	size_t		consumed;	/* bytes used up to the last message */
	int		rc;		/* last result */
};

/* Feeds p[0..n) in chunks (chunk 0: all at once); collects messages. */
static void
feed(const uint8_t *p, size_t n, size_t max, unsigned seed, struct run *r)
{
	struct gf_reader rd;
	size_t off = 0, used, clen;
	unsigned x = seed * 2654435761u + 1;
	int rc = GF_NEED_MORE;

	memset(r, 0, sizeof(*r));
	gf_reader_init(&rd, max);
	while (off < n && r->n < MAXMSG) {
		if (seed == 0)
			clen = n - off;
		else {
			x = x * 1103515245u + 12345u;
			clen = 1 + (x >> 16) % 70;
			if (clen > n - off)
				clen = n - off;
		}
		rc = gf_reader_feed(&rd, p + off, clen, &used,
		    &r->msg[r->n]);
		check(used <= clen);
		if (rc < 0)
			break;
		off += used;
		if (rc == GF_MSG) {
			r->n++;
			r->consumed = off;
		} else
			check(used == clen);
	}
	if (rc < 0) {
		struct gf_msg m;

		/* sticky */
		check(gf_reader_feed(&rd, p, n, &used, &m) == rc);
	}
	r->rc = rc;
	gf_reader_free(&rd);
}

static void
run_free(struct run *r)
{
	for (size_t i = 0; i < r->n; i++)
		gf_msg_free(&r->msg[i]);
}

static void
plain(const struct gf_msg *m, const char *enc, size_t max)
{
	struct gf_reader rd;
	struct gf_msg back;
	uint8_t *p, *f, *p2;
	size_t n, fn, n2, used;
	char why[256];

	if (gf_msg_plain(m, enc, max, &p, &n, why, sizeof(why)) != 0) {
		check(p == NULL && n == 0 && why[0] != '\0');
		return;
	}
	check(p != NULL && n <= max);
	if (gf_msg_frame(p, n, enc, &f, &fn, why, sizeof(why)) == 0) {
		gf_reader_init(&rd, GF_DEFAULT_MAX);
		check(gf_reader_feed(&rd, f, fn, &used, &back) == GF_MSG);
		check(used == fn);
		check(gf_msg_plain(&back, enc, max, &p2, &n2, why,
		    sizeof(why)) == 0);
		check(n2 == n && (n == 0 || memcmp(p, p2, n) == 0));
		free(p2);
		gf_msg_free(&back);
		gf_reader_free(&rd);
		free(f);
	}
	free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run all, cut;
	const char *enc;
	size_t max, i, off = 0;

	if (size < 2)
		return 0;
	max = (size_t)1 << ((data[0] & 31) > 24 ? 24 : (data[0] & 31));
	enc = encodings[data[0] >> 5 & 3];
	feed(data + 2, size - 2, max, 0, &all);
	feed(data + 2, size - 2, max, data[1] + 1u, &cut);
	check(all.n == cut.n && all.consumed == cut.consumed);
	check(all.rc == cut.rc || all.n == MAXMSG);
	for (i = 0; i < all.n; i++) {
		const struct gf_msg *a = &all.msg[i], *c = &cut.msg[i];
		uint8_t pre[GF_PREFIX_LEN];

		check(a->len <= max && a->len == c->len &&
		    a->compressed == c->compressed);
		check(a->len == 0 || memcmp(a->data, c->data, a->len) == 0);
		gf_prefix_encode(pre, a->compressed, (uint32_t)a->len);
		check(memcmp(pre, data + 2 + off, GF_PREFIX_LEN) == 0);
		check(a->len == 0 ||
		    memcmp(a->data, data + 2 + off + GF_PREFIX_LEN, a->len) == 0);
		off += GF_PREFIX_LEN + a->len;
		plain(a, enc, max);
	}
	check(off == all.consumed);
	run_free(&all);
	run_free(&cut);
	return 0;
}
