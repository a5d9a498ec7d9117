/*
 * tn_cbor.h: strict CBOR (RFC 8949) decoding into a flat item tree, and
 * deterministic encoding.
 *
 * Decoding accepts only what a deterministic encoder can produce and what
 * Tenuo uses: definite lengths, minimal integer and length heads, no tags,
 * no simple values other than false/true/null, valid UTF-8 text, no
 * duplicate map keys (compared by their encoded bytes), nesting and item
 * counts bounded by the caller's limits.  Floats of any width are accepted
 * (f16, f32, f64); the encoder writes the shortest width that round-trips,
 * as deployed Tenuo (ciborium) does.
 *
 * A decoded document is an array of items in pre-order: the first child of
 * a container is the item right after it, and the next sibling of any item
 * is `item + item->size`.  Map children alternate key, value.  Items borrow
 * the input buffer: a document is valid while the buffer it was decoded
 * from lives.
 */
#ifndef TN_CBOR_H
#define TN_CBOR_H

#include <stddef.h>
#include <stdint.h>

#include "tn_err.h"

enum tn_cbor_type {
	TN_CBOR_UINT = 0,	/* v.u */
	TN_CBOR_NINT,		/* value is -1 - v.u */
	TN_CBOR_BYTES,		/* v.s */
	TN_CBOR_TEXT,		/* v.s, valid UTF-8, not NUL-terminated */
	TN_CBOR_ARRAY,		/* count elements follow */
	TN_CBOR_MAP,		/* count key/value pairs follow */
	TN_CBOR_FALSE,
	TN_CBOR_TRUE,
	TN_CBOR_NULL,
	TN_CBOR_FLOAT		/* v.f; fwidth is 2, 4 or 8 */
};

struct tn_cbor_item {
	enum tn_cbor_type type;
	uint32_t	size;	/* items in this subtree, itself included */
	uint32_t	count;	/* array elements or map pairs */
	uint8_t		fwidth;	/* float width in bytes on the wire */
	size_t		off;	/* offset of the item's encoding in the buffer */
	size_t		len;	/* length of the item's whole encoding */
	union {
		uint64_t	u;
		double		f;
		struct {
			const uint8_t	*p;
			size_t		 n;
		} s;
	} v;
};

struct tn_cbor_doc {
	const uint8_t		*buf;	/* borrowed */
	size_t			 len;
	struct tn_cbor_item	*items;	/* owned; items[0] is the root */
	size_t			 nitems;
};

struct tn_cbor_limits {
	size_t	max_bytes;	/* input longer than this is refused */
	size_t	max_depth;	/* nesting of arrays/maps; root is depth 1 */
	size_t	max_items;	/* total items in the document */
};

/* 64 KiB, depth 64, 16384 items: the defaults for one warrant. */
#define TN_CBOR_DEFAULT_MAX_BYTES	(64u * 1024u)
#define TN_CBOR_DEFAULT_MAX_DEPTH	64u
#define TN_CBOR_DEFAULT_MAX_ITEMS	16384u

/*
 * Decodes exactly one data item spanning all of buf[0..len).  lim may be
 * NULL for the defaults.  On success fills *doc (free with
 * tn_cbor_doc_free()); on failure *doc is zeroed and the return is
 * TN_ERR_MALFORMED (with the offset and cause in err) or TN_ERR_NOMEM.
 */
int	tn_cbor_decode(const uint8_t *buf, size_t len,
	    const struct tn_cbor_limits *lim, struct tn_cbor_doc *doc,
	    struct tn_error *err) __attribute__((warn_unused_result));
void	tn_cbor_doc_free(struct tn_cbor_doc *doc);

/*
 * Reads one item's head at buf[0..len): its major type (0..7) and its
 * argument, and the head's length.  Does not descend.  Returns 0 or
 * TN_ERR_MALFORMED.  For quick dispatch (e.g. stack vs. warrant).
 */
int	tn_cbor_peek(const uint8_t *buf, size_t len, unsigned *major,
	    uint64_t *arg);

/* Navigation.  All return NULL when out of range or of the wrong type. */
static inline const struct tn_cbor_item *
tn_cbor_next(const struct tn_cbor_item *it)
{
	return it + it->size;
}

const struct tn_cbor_item *tn_cbor_array_at(const struct tn_cbor_item *arr,
	    size_t i);
/* Value for a text key / an unsigned key in a map. */
const struct tn_cbor_item *tn_cbor_map_get(const struct tn_cbor_item *map,
	    const char *key);
const struct tn_cbor_item *tn_cbor_map_get_uint(
	    const struct tn_cbor_item *map, uint64_t key);

/*
 * Orders two TEXT items by their UTF-8 bytes, shorter first on a common
 * prefix: the order of Rust's BTreeMap<String, _> keys.  <0, 0 or >0.
 */
int	tn_cbor_text_cmp(const struct tn_cbor_item *a,
	    const struct tn_cbor_item *b);

/* 1 if it is TEXT equal to the NUL-terminated s, else 0. */
int	tn_cbor_text_eq(const struct tn_cbor_item *it, const char *s);
/* UINT/NINT within int64_t: stores it and returns 0; else -1. */
int	tn_cbor_get_i64(const struct tn_cbor_item *it, int64_t *out);
/* UINT: stores it and returns 0; else -1. */
int	tn_cbor_get_u64(const struct tn_cbor_item *it, uint64_t *out);

/*
 * Typed structural equality of two decoded values (possibly from different
 * documents): same type and same content; integers by value, floats by
 * value (so 1.0 as f16 equals 1.0 as f64, and NaN equals nothing), text and
 * bytes by content, arrays element-wise, maps pair-wise in order.
 * An integer never equals a float, text never equals bytes.
 */
int	tn_cbor_value_eq(const struct tn_cbor_item *a,
	    const struct tn_cbor_item *b);

/*
 * Encoding buffer with a hard cap fixed at init.  Writers never fail
 * individually: an allocation failure or cap overflow is sticky and
 * reported by tn_buf_status() (TN_ERR_NOMEM or TN_ERR_MALFORMED), so a
 * sequence of puts needs one check at the end.
 */
struct tn_buf {
	uint8_t	*p;		/* owned */
	size_t	 len;
	size_t	 cap;
	size_t	 max;
	int	 status;	/* TN_OK or the first failure */
};

void	tn_buf_init(struct tn_buf *b, size_t max);
void	tn_buf_free(struct tn_buf *b);
void	tn_buf_reset(struct tn_buf *b);
int	tn_buf_status(const struct tn_buf *b);
void	tn_buf_put(struct tn_buf *b, const void *data, size_t n);
/* Moves the contents out: *out owned by the caller (free()). */
int	tn_buf_take(struct tn_buf *b, uint8_t **out, size_t *outlen);

void	tn_cbor_put_uint(struct tn_buf *b, uint64_t v);
void	tn_cbor_put_int(struct tn_buf *b, int64_t v);
void	tn_cbor_put_bytes(struct tn_buf *b, const uint8_t *p, size_t n);
void	tn_cbor_put_text(struct tn_buf *b, const char *s, size_t n);
void	tn_cbor_put_cstr(struct tn_buf *b, const char *s);
void	tn_cbor_put_array(struct tn_buf *b, uint64_t n);
void	tn_cbor_put_map(struct tn_buf *b, uint64_t n);
void	tn_cbor_put_bool(struct tn_buf *b, int v);
void	tn_cbor_put_null(struct tn_buf *b);
/* Shortest of f16/f32/f64 that represents v exactly (NaN as f16 7e00). */
void	tn_cbor_put_float(struct tn_buf *b, double v);
/* Copies an item's original encoding byte for byte. */
void	tn_cbor_put_raw_item(struct tn_buf *b, const struct tn_cbor_doc *doc,
	    const struct tn_cbor_item *it);

/*
 * Re-encodes a decoded value canonically, as deployed Tenuo (ciborium over
 * BTreeMap values) writes it: shortest floats, maps with text keys sorted
 * by key bytes.  Map keys that are not text are refused (TN_ERR_MALFORMED).
 * depth bounds the recursion.  Errors are also left in b's status.
 */
int	tn_cbor_put_canonical(struct tn_buf *b, const struct tn_cbor_item *it,
	    size_t depth);

/*
 * Decodes one UTF-8 scalar value at s[*i..n) and advances *i past it;
 * -1 (and *i unchanged) for an invalid, overlong, surrogate or truncated
 * sequence.
 */
int32_t	tn_utf8_next(const uint8_t *s, size_t n, size_t *i);

/* 1 if s[0..n) is valid UTF-8 (no overlongs, no surrogates), else 0. */
int	tn_utf8_valid(const uint8_t *s, size_t n);

#endif /* TN_CBOR_H */
