/*
 * grpc_frame.c: gRPC length-prefixed message reassembly (see grpc_frame.h).
 */
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "grpc_frame.h"
#include "tn_codec.h"

void
gf_reader_init(struct gf_reader *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->max = max;
}

void
gf_reader_free(struct gf_reader *r)
{
	size_t	max = r->max;

	free(r->buf);
	gf_reader_init(r, max);
}

int
gf_reader_partial(const struct gf_reader *r)
{
	return r->prefix_have > 0;
}

void
gf_prefix_encode(uint8_t out[GF_PREFIX_LEN], int compressed, uint32_t len)
{
	out[0] = compressed ? 1 : 0;
	out[1] = (uint8_t)(len >> 24);
	out[2] = (uint8_t)(len >> 16);
	out[3] = (uint8_t)(len >> 8);
	out[4] = (uint8_t)len;
}

void
gf_msg_free(struct gf_msg *m)
{
	if (m == NULL)
		return;
	free(m->base != NULL ? m->base : m->data);
	memset(m, 0, sizeof(*m));
}

/* cap counts message bytes; the block has GF_PREFIX_LEN more in front. */
static int
gf_grow(struct gf_reader *r, size_t need)
{
	size_t	 ncap;
	uint8_t	*nb;

	if (need <= r->cap)
		return 0;
	ncap = r->cap ? r->cap : GF_INITIAL_ALLOC;
	while (ncap < need)
		ncap = ncap > r->want / 2 ? r->want : ncap * 2;
	if (ncap > r->want)
		ncap = r->want;
	if ((nb = realloc(r->buf, GF_PREFIX_LEN + ncap)) == NULL)
		return GF_ERR_NOMEM;
	r->buf = nb;
	r->cap = ncap;
	return 0;
}

/* Takes the completed message out of the reader, framed in place. */
static void
gf_take(struct gf_reader *r, struct gf_msg *out)
{
	out->base = r->buf;
	out->data = r->buf != NULL ? r->buf + GF_PREFIX_LEN : NULL;
	out->len = r->have;
	out->compressed = r->prefix[0];
	if (r->buf != NULL)
		memcpy(r->buf, r->prefix, GF_PREFIX_LEN);
	r->buf = NULL;
	r->cap = r->have = r->want = 0;
	r->prefix_have = 0;
}

static int
gf_prefix_done(struct gf_reader *r)
{
	const uint8_t	*p = r->prefix;

	if (p[0] > 1)
		return GF_ERR_MALFORMED;
	r->want = (size_t)p[1] << 24 | (size_t)p[2] << 16 |
	    (size_t)p[3] << 8 | (size_t)p[4];
	if (r->want > r->max)
		return GF_ERR_TOO_LARGE;
	return 0;
}

int
gf_reader_feed(struct gf_reader *r, const uint8_t *p, size_t n,
    size_t *used, struct gf_msg *out)
{
	size_t	off = 0, take;
	int	rc;

	*used = 0;
	memset(out, 0, sizeof(*out));
	if (r->failed)
		return r->failed;
	while (r->prefix_have < GF_PREFIX_LEN) {
		if (off == n)
			return GF_NEED_MORE;
		r->prefix[r->prefix_have++] = p[off++];
		*used = off;
		if (r->prefix_have == GF_PREFIX_LEN &&
		    (rc = gf_prefix_done(r)) != 0)
			return r->failed = rc;
	}
	take = r->want - r->have;
	if (take > n - off)
		take = n - off;
	if (take > 0) {
		if ((rc = gf_grow(r, r->have + take)) != 0)
			return r->failed = rc;
		memcpy(r->buf + GF_PREFIX_LEN + r->have, p + off, take);
		r->have += take;
		off += take;
	}
	*used = off;
	if (r->have < r->want)
		return GF_NEED_MORE;
	gf_take(r, out);
	return GF_MSG;
}

int
gf_msg_plain(const struct gf_msg *m, const char *grpc_encoding, size_t max,
    uint8_t **out, size_t *outlen, char *why, size_t whylen)
{
	struct tn_error	err;

	*out = NULL;
	*outlen = 0;
	if (!m->compressed) {
		if (m->len > max) {
			(void)snprintf(why, whylen, "message of %zu bytes "
			    "exceeds %zu", m->len, max);
			return -1;
		}
		if ((*out = malloc(m->len ? m->len : 1)) == NULL) {
			(void)snprintf(why, whylen, "out of memory");
			return -1;
		}
		if (m->len > 0)
			memcpy(*out, m->data, m->len);
		*outlen = m->len;
		return 0;
	}
	if (grpc_encoding == NULL || strcmp(grpc_encoding, "gzip") != 0) {
		(void)snprintf(why, whylen, "compressed message with "
		    "grpc-encoding '%s' cannot be inspected", grpc_encoding ?
		    grpc_encoding : "(none)");
		return -1;
	}
	if (tn_gzip_inflate(m->data, m->len, max, out, outlen, &err) != TN_OK) {
		(void)snprintf(why, whylen, "gzip message: %s", err.reason);
		return -1;
	}
	return 0;
}

int
gf_msg_view(const struct gf_msg *m, const char *grpc_encoding, size_t max,
    const uint8_t **p, size_t *n, uint8_t **owned, char *why, size_t whylen)
{
	*owned = NULL;
	if (m->compressed) {
		if (gf_msg_plain(m, grpc_encoding, max, owned, n, why,
		    whylen) == -1)
			return -1;
		*p = *owned;
		return 0;
	}
	*p = NULL;
	*n = 0;
	if (m->len > max) {
		(void)snprintf(why, whylen, "message of %zu bytes exceeds %zu",
		    m->len, max);
		return -1;
	}
	*p = m->data;
	*n = m->len;
	return 0;
}

int
gf_msg_frame(const uint8_t *p, size_t n, const char *grpc_encoding,
    uint8_t **out, size_t *outlen, char *why, size_t whylen)
{
	struct tn_error	 err;
	uint8_t		*z = NULL, *buf;
	const uint8_t	*body = p;
	size_t		 zlen = 0, blen = n;
	int		 gz = grpc_encoding != NULL &&
			    strcmp(grpc_encoding, "gzip") == 0;

	*out = NULL;
	*outlen = 0;
	if (gz) {
		if (tn_gzip_deflate(p, n, -1, &z, &zlen, &err) != TN_OK) {
			(void)snprintf(why, whylen, "gzip: %s", err.reason);
			return -1;
		}
		body = z;
		blen = zlen;
	}
	if (blen > UINT32_MAX ||
	    (buf = malloc(GF_PREFIX_LEN + blen)) == NULL) {
		(void)snprintf(why, whylen, "message of %zu bytes cannot be "
		    "framed", blen);
		free(z);
		return -1;
	}
	gf_prefix_encode(buf, gz, (uint32_t)blen);
	if (blen > 0)
		memcpy(buf + GF_PREFIX_LEN, body, blen);
	free(z);
	*out = buf;
	*outlen = GF_PREFIX_LEN + blen;
	return 0;
}
