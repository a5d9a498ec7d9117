/*
 * grpc_frame.h: gRPC length-prefixed message framing.
 *
 * A gRPC message on the wire is a 5-byte prefix (1 byte compressed flag,
 * 4 bytes big-endian length) and the message bytes.  HTTP/2 DATA frames
 * cut messages anywhere; struct gf_reader reassembles them, refusing any
 * message longer than the maximum given at init before allocating it.
 * The buffer grows with the bytes that actually arrive, never to the
 * declared length up front.
 *
 * Ownership: a gf_reader owns its partial message; a completed message is
 * handed to the caller in struct gf_msg (caller frees it with
 * gf_msg_free()).  The reader keeps GF_PREFIX_LEN bytes of headroom in
 * front of the message and writes the prefix there, so base[0..
 * GF_PREFIX_LEN + len) is the message framed exactly as it arrived: it
 * can be forwarded, or edited in place and forwarded, without a copy.
 * No I/O, no logging.
 */
#ifndef GRPC_FRAME_H
#define GRPC_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define GF_PREFIX_LEN		5
#define GF_DEFAULT_MAX		(128u * 1024u * 1024u)
#define GF_INITIAL_ALLOC	(64u * 1024u)

enum gf_result {
	GF_NEED_MORE = 0,	/* all input used, no complete message yet */
	GF_MSG = 1,		/* one message complete in *out */
	GF_ERR_TOO_LARGE = -1,	/* declared length above the maximum */
	GF_ERR_MALFORMED = -2,	/* compressed flag neither 0 nor 1 */
	GF_ERR_NOMEM = -3
};

struct gf_msg {
	uint8_t		*data;		/* the message; NULL when len is 0 */
	size_t		 len;
	int		 compressed;	/* the prefix's flag, 0 or 1 */
	/*
	 * From gf_reader_feed(): the malloc'd block, the prefix then the
	 * message (data == base + GF_PREFIX_LEN).  NULL when len is 0, or
	 * when data is the caller's own malloc'd block (built by hand).
	 */
	uint8_t		*base;
};

struct gf_reader {
	size_t		 max;
	uint8_t		 prefix[GF_PREFIX_LEN];
	size_t		 prefix_have;
	uint8_t		*buf;
	size_t		 cap;
	size_t		 have;
	size_t		 want;		/* declared length of the message */
	int		 failed;	/* sticky after an error */
};

void	gf_reader_init(struct gf_reader *, size_t max);
void	gf_reader_free(struct gf_reader *);

/*
 * Consumes bytes from p[0..n) and sets *used to how many were used.
 * Returns GF_MSG when a message completed (it then stops consuming, so
 * call again with the rest), GF_NEED_MORE when all input was used, or a
 * negative gf_result; errors are sticky until gf_reader_free/init.
 */
int	gf_reader_feed(struct gf_reader *, const uint8_t *p, size_t n,
	    size_t *used, struct gf_msg *out)
	    __attribute__((warn_unused_result));

/* Frees what m owns (base, else data) and zeroes it; NULL is a no-op. */
void	gf_msg_free(struct gf_msg *m);

/* Nonzero when a message is partially received (or a prefix pending). */
int	gf_reader_partial(const struct gf_reader *);

/* Writes the 5-byte prefix for a message of len bytes. */
void	gf_prefix_encode(uint8_t out[GF_PREFIX_LEN], int compressed,
	    uint32_t len);

/*
 * The plain bytes of a received message, for inspection.  An uncompressed
 * message is copied; a compressed one is inflated per the stream's
 * grpc-encoding, which must be "gzip" (the only encoding Temporal's SDKs
 * use; "identity" with the flag set, a missing header or any other
 * encoding is refused so nothing is inspected that we cannot read).  The
 * result is capped at max bytes, enforced while inflating.  Returns 0 and
 * *out and *outlen (malloc'd, caller frees), or -1 with a reason in why.
 */
int	gf_msg_plain(const struct gf_msg *m, const char *grpc_encoding,
	    size_t max, uint8_t **out, size_t *outlen, char *why,
	    size_t whylen) __attribute__((warn_unused_result));

/*
 * The same, without copying an uncompressed message: *p is m->data itself
 * (borrowed, valid while m is) and *owned NULL; a compressed one is
 * inflated into *owned (malloc'd, caller frees) and *p points at it.
 */
int	gf_msg_view(const struct gf_msg *m, const char *grpc_encoding,
	    size_t max, const uint8_t **p, size_t *n, uint8_t **owned,
	    char *why, size_t whylen) __attribute__((warn_unused_result));

/*
 * Frames plain bytes as one message for the stream's grpc-encoding:
 * gzip-compressed with the flag set when the encoding is "gzip", as is
 * otherwise.  *out holds prefix and message (malloc'd, caller frees).
 * Returns 0, or -1 with a reason in why.
 */
int	gf_msg_frame(const uint8_t *p, size_t n, const char *grpc_encoding,
	    uint8_t **out, size_t *outlen, char *why, size_t whylen)
	    __attribute__((warn_unused_result));

#endif /* GRPC_FRAME_H */
