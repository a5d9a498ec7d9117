/*
 * tn_json.h: a strict, bounded JSON (RFC 8259) parser that reads a
 * document the way Python's json.loads does with its defaults, and the
 * pieces of Python's json.dumps / float repr that Tenuo's signer relies on.
 *
 * Accepted, as json.loads accepts them: any value at the top; whitespace
 * space, tab, CR, LF; the constants NaN, Infinity and -Infinity; a UTF-8
 * byte-order mark at the start (json.loads on bytes skips it); duplicate
 * object keys, where Python keeps the key at its first position with the
 * last value (tn_json_member_value() gives that value and later duplicates
 * carry TN_JSON_F_SHADOWED).  Objects also carry their keys' byte order
 * (the order json.dumps(sort_keys=True) gives string keys) and whether the
 * written order already is that, or is ascending integer keys (how Python
 * sorts a dict with int keys).
 *
 * Refused: input that is not valid UTF-8 (overlongs, encoded surrogates),
 * control characters in strings, bad escapes, leading zeros, trailing
 * data, nesting deeper than the limit, integers with more digits than the
 * limit (Python refuses integer strings above 4300 digits), and
 * \u escapes that leave an unpaired surrogate.  Python would accept the
 * last, but the string could then never be signed by Tenuo (the value
 * cannot cross into Rust), so it is refused here with that reason.
 *
 * A document is an array of nodes in pre-order, like tn_cbor: the first
 * child of a container is the node after it, the next sibling of any node
 * is `node + node->size`, and object children alternate key (a STRING
 * node) and value.  Strings are decoded into memory owned by the document;
 * number nodes point at their lexeme in the input buffer, so a document is
 * valid while the input lives.
 */
#ifndef TN_JSON_H
#define TN_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "tn_cbor.h"
#include "tn_err.h"

enum tn_json_type {
	TN_JSON_NULL = 0,
	TN_JSON_FALSE,
	TN_JSON_TRUE,
	TN_JSON_INT,		/* integer lexeme; v.i when TN_JSON_F_I64 */
	TN_JSON_FLOAT,		/* fraction or exponent, NaN, +-Infinity: v.f */
	TN_JSON_STRING,		/* v.s: decoded UTF-8, may contain NUL */
	TN_JSON_ARRAY,		/* count elements follow */
	TN_JSON_OBJECT		/* count key/value pairs follow */
};

#define TN_JSON_F_I64		0x1u	/* INT: fits int64_t, value in v.i */
#define TN_JSON_F_SHADOWED	0x2u	/* object key repeated later */
#define TN_JSON_F_BYTE_ORDER	0x4u	/* object: keys as written are in
					   byte (code point) order */
#define TN_JSON_F_INT_ORDER	0x8u	/* object: keys are integers
					   ("-12", "7") in ascending order */

struct tn_json_node {
	enum tn_json_type type;
	uint32_t	size;	/* nodes in this subtree, itself included */
	uint32_t	count;	/* array elements or object members */
	uint32_t	flags;
	uint32_t	value;	/* object key: index of the value Python keeps */
	uint32_t	sorted;	/* object: its first key in byte order; key:
				   the next key in byte order (0: none);
				   shadowed keys are left out */
	const uint8_t	*lex;	/* INT/FLOAT: lexeme in the input */
	size_t		 lexlen;
	union {
		int64_t	i;
		double	f;
		struct {
			size_t	off;	/* into doc->str */
			size_t	n;
		} s;
	} v;
};

struct tn_json_doc {
	struct tn_json_node	*nodes;	/* owned; nodes[0] is the root */
	size_t			 nnodes;
	uint8_t			*str;	/* owned: decoded strings */
	size_t			 strlen;
};

struct tn_json_limits {
	size_t	max_bytes;	/* longer input is refused */
	size_t	max_depth;	/* nesting of arrays/objects; root is 1 */
	size_t	max_int_digits;	/* Python's default: 4300 */
};

#define TN_JSON_DEFAULT_MAX_BYTES	(256u * 1024u)
#define TN_JSON_DEFAULT_MAX_DEPTH	64u
#define TN_JSON_PY_MAX_INT_DIGITS	4300u

/*
 * Parses buf[0..len) as one JSON text.  lim may be NULL for the defaults.
 * On success fills *doc (free with tn_json_doc_free()) and returns TN_OK;
 * on failure *doc is zeroed and the return is TN_ERR_MALFORMED (the byte
 * offset and cause in err), TN_ERR_NOMEM, or TN_ERR_INVALID_ARG.
 */
int	tn_json_parse(const uint8_t *buf, size_t len,
	    const struct tn_json_limits *lim, struct tn_json_doc *doc,
	    struct tn_error *err) __attribute__((warn_unused_result));
void	tn_json_doc_free(struct tn_json_doc *doc);

/* The decoded bytes of a STRING node. */
static inline const uint8_t *
tn_json_str(const struct tn_json_doc *doc, const struct tn_json_node *n)
{
	/* no string bytes at all: doc->str is NULL */
	return doc->str != NULL ? doc->str + n->v.s.off :
	    (const uint8_t *)"";
}

static inline const struct tn_json_node *
tn_json_next(const struct tn_json_node *n)
{
	return n + n->size;
}

/* For an object key node: the value Python keeps for that key. */
static inline const struct tn_json_node *
tn_json_member_value(const struct tn_json_doc *doc,
    const struct tn_json_node *key)
{
	return &doc->nodes[key->value];
}

/*
 * An INT node as Python's float(int): correctly rounded to the nearest
 * double (ties to even).  Returns 0, or -1 when the magnitude is too large
 * for a double (Python raises OverflowError).
 */
int	tn_json_int_to_double(const struct tn_json_node *n, double *out);

/*
 * Python's repr(float) as json.dumps writes it: the shortest digits that
 * round-trip, fixed notation for decimal exponents -4 <= e < 16 (always
 * with a fraction, "1.0"), otherwise "1e+16" / "1.5e-07"; "NaN",
 * "Infinity", "-Infinity".  out receives a NUL-terminated string (at most
 * 25 bytes with the NUL) and the length is returned.
 */
#define TN_JSON_FLOAT_REPR_MAX	32
size_t	tn_json_float_repr(double v, char out[TN_JSON_FLOAT_REPR_MAX]);

/*
 * Appends s[0..n) as a JSON string literal the way Python's json.dumps
 * with ensure_ascii=False writes it: '"', '\\', and \b \f \n \r \t
 * escaped by name, other code points below U+0020 as \u00XX (lowercase
 * hex), everything else (DEL, non-ASCII, U+2028) as is.
 */
void	tn_json_put_py_string(struct tn_buf *b, const uint8_t *s, size_t n);

/*
 * The escape json.dumps (ensure_ascii=False) writes for byte c: its length
 * (2 or 6) with the bytes in out, or 0 when c stands for itself.  Bytes of
 * multi-byte UTF-8 sequences always stand for themselves.
 */
size_t	tn_json_py_escape(uint8_t c, char out[6]);

#endif /* TN_JSON_H */
