/*
 * pbuf.h: a bounded byte queue for one direction of one stream.
 *
 * Appends fail rather than grow past the cap given at init, so a stream
 * never holds more than that many bytes.  The pbuf owns its storage;
 * pbuf_free() releases it.
 */
#ifndef PBUF_H
#define PBUF_H

#include <stddef.h>
#include <stdint.h>

struct pbuf {
	uint8_t	*p;
	size_t	 off;	/* first unread byte */
	size_t	 len;	/* unread bytes */
	size_t	 cap;	/* allocated */
	size_t	 max;	/* cap on len */
};

void	pbuf_init(struct pbuf *, size_t max);
void	pbuf_free(struct pbuf *);
/* Returns 0, or -1 if len would pass max or memory ran out. */
int	pbuf_append(struct pbuf *, const uint8_t *, size_t)
	    __attribute__((warn_unused_result));
/*
 * Replaces everything queued with the n bytes at p, a malloc'd block the
 * pbuf takes over (no copy); max becomes n (1 when n is 0, p freed).
 */
void	pbuf_adopt(struct pbuf *, uint8_t *p, size_t n);
/* Copies up to n bytes out and drops them; returns how many. */
size_t	pbuf_take(struct pbuf *, uint8_t *, size_t);
/*
 * Copies up to n unread bytes starting off bytes in, leaving them queued
 * (a stream keeps what it sent until it knows it need not resend).
 */
size_t	pbuf_peek(const struct pbuf *, size_t off, uint8_t *, size_t n);
/* Discards up to n unread bytes from the front. */
void	pbuf_drop(struct pbuf *, size_t n);

#endif /* PBUF_H */
