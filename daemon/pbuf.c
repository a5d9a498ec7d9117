/*
 * pbuf.c: bounded byte queue (see pbuf.h).
 */
#include <stdlib.h>
#include <string.h>

#include "pbuf.h"

#define PBUF_MIN	4096	/* idle streams keep up to 4 * PBUF_MIN */
#define PBUF_FIRST	256	/* a first, small append gets this rounding */

void
pbuf_init(struct pbuf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void
pbuf_free(struct pbuf *b)
{
	size_t	max = b->max;

	free(b->p);
	pbuf_init(b, max);
}

int
pbuf_append(struct pbuf *b, const uint8_t *d, size_t n)
{
	size_t	 need, ncap;
	uint8_t	*np;

	if (n == 0)
		return 0;
	if (n > b->max - b->len)
		return -1;
	if (b->off > 0 && b->off + b->len + n > b->cap) {
		memmove(b->p, b->p + b->off, b->len);
		b->off = 0;
	}
	need = b->off + b->len + n;
	if (need > b->cap) {
		/* small first messages (a long poll's request) stay small */
		ncap = b->cap ? b->cap : (need + PBUF_FIRST - 1) /
		    PBUF_FIRST * PBUF_FIRST;
		while (ncap < need)
			ncap *= 2;
		if (ncap > b->max)
			ncap = b->max;
		if ((np = realloc(b->p, ncap)) == NULL)
			return -1;
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->off + b->len, d, n);
	b->len += n;
	return 0;
}

void
pbuf_adopt(struct pbuf *b, uint8_t *p, size_t n)
{
	free(b->p);
	pbuf_init(b, n > 0 ? n : 1);
	if (n == 0) {
		free(p);
		return;
	}
	b->p = p;
	b->len = b->cap = n;
}

size_t
pbuf_peek(const struct pbuf *b, size_t off, uint8_t *out, size_t n)
{
	if (off >= b->len)
		return 0;
	if (n > b->len - off)
		n = b->len - off;
	memcpy(out, b->p + b->off + off, n);
	return n;
}

size_t
pbuf_take(struct pbuf *b, uint8_t *out, size_t n)
{
	n = pbuf_peek(b, 0, out, n);
	pbuf_drop(b, n);
	return n;
}

void
pbuf_drop(struct pbuf *b, size_t n)
{
	if (n > b->len)
		n = b->len;
	if (n == 0)
		return;
	b->off += n;
	b->len -= n;
	if (b->len == 0) {
		b->off = 0;
		if (b->cap > 4 * PBUF_MIN) {	/* idle streams keep little */
			free(b->p);
			b->p = NULL;
			b->cap = 0;
		}
	}
}
