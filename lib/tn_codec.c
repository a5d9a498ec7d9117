/*
 * tn_codec.c: hex, base64, Tenuo PEM armor and gzip.  See tn_codec.h.
 *
 * Base64 decoding is two passes over the text: b64_scan() validates it
 * and computes the exact decoded length, so the size is checked against
 * the cap before anything is allocated, and b64_fill() then decodes text
 * already known to be good.
 */
#define ZLIB_CONST

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "tn_codec.h"

/* ------------------------------------------------------------------ hex */

int
tn_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
tn_hex_decode(const char *s, size_t n, uint8_t *out, size_t outcap,
    size_t *outlen, struct tn_error *err)
{
	size_t i;
	int hi, lo;

	if (outlen == NULL || (s == NULL && n > 0) ||
	    (out == NULL && outcap > 0))
		return tn_fail(err, TN_ERR_INVALID_ARG, "hex: NULL argument");
	*outlen = 0;
	if (n % 2 != 0)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "hex: odd length %zu", n);
	if (n / 2 > outcap)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "hex: %zu bytes do not fit in %zu", n / 2, outcap);
	for (i = 0; i < n; i += 2) {
		hi = tn_hex_digit((unsigned char)s[i]);
		lo = tn_hex_digit((unsigned char)s[i + 1]);
		if (hi < 0 || lo < 0) {
			memset(out, 0, i / 2);
			return tn_fail(err, TN_ERR_MALFORMED,
			    "hex: invalid digit at offset %zu",
			    hi < 0 ? i : i + 1);
		}
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*outlen = n / 2;
	return TN_OK;
}

void
tn_hex_encode(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

/* --------------------------------------------------------------- base64 */

#define B64_BAD		(-1)
#define B64_PAD		(-2)
#define B64_WS		(-3)
#define B64_DEC_FLAGS	(TN_B64_ANY | TN_B64_PAD | TN_B64_SKIP_WS)

/*
 * The value (0..63) of base64 symbol c, with *alpha set to the only
 * alphabet it belongs to (TN_B64_STD or TN_B64_URL) or to 0 for symbols
 * both share; or B64_PAD, B64_WS (space, tab, CR, LF) or B64_BAD.
 */
static int
b64_sym(unsigned char c, unsigned *alpha)
{
	*alpha = 0;
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	switch (c) {
	case '+':
	case '/':
		*alpha = TN_B64_STD;
		return c == '+' ? 62 : 63;
	case '-':
	case '_':
		*alpha = TN_B64_URL;
		return c == '-' ? 62 : 63;
	case '=':
		return B64_PAD;
	case ' ':
	case '\t':
	case '\r':
	case '\n':
		return B64_WS;
	default:
		return B64_BAD;
	}
}

/* What b64_scan() has seen so far. */
struct b64_scan {
	size_t		nsym;		/* data symbols */
	size_t		npad;		/* '=' */
	size_t		padoff;		/* offset of the first '=' */
	size_t		lastoff;	/* offset of the last data symbol */
	int		lastval;	/* and its value */
	unsigned	alpha;		/* alphabet-specific symbols seen */
};

static int
b64_scan_sym(struct b64_scan *sc, unsigned char c, int v, unsigned alpha,
    unsigned flags, size_t off, struct tn_error *err)
{
	if (sc->npad > 0)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "base64 data after padding at offset %zu", off);
	if (alpha != 0 && (flags & alpha) == 0)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "'%c' at offset %zu is not in the %s base64 alphabet", c,
		    off, alpha == TN_B64_STD ? "url-safe" : "standard");
	if (alpha != 0 && sc->alpha != 0 && sc->alpha != alpha)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "mixed base64 alphabets at offset %zu", off);
	sc->alpha |= alpha;
	sc->nsym++;
	sc->lastoff = off;
	sc->lastval = v;
	return TN_OK;
}

static int
b64_scan_end(const struct b64_scan *sc, struct tn_error *err)
{
	size_t rem = sc->nsym % 4;

	if (rem == 1)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "base64 length is 1 mod 4: lone symbol at offset %zu",
		    sc->lastoff);
	if (sc->npad > 0 && sc->npad != (4 - rem) % 4)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "wrong base64 padding at offset %zu", sc->padoff);
	if ((rem == 2 && (sc->lastval & 0x0f) != 0) ||
	    (rem == 3 && (sc->lastval & 0x03) != 0))
		return tn_fail(err, TN_ERR_MALFORMED,
		    "non-zero trailing bits in base64 at offset %zu",
		    sc->lastoff);
	return TN_OK;
}

/*
 * Validates base64 s[0..n) under flags and sets *len to the exact decoded
 * length.  base is added to the offsets reported in err.
 */
static int
b64_scan(const char *s, size_t n, unsigned flags, size_t base, size_t *len,
    struct tn_error *err)
{
	struct b64_scan sc;
	unsigned alpha;
	size_t i;
	int rc, v;

	memset(&sc, 0, sizeof(sc));
	for (i = 0; i < n; i++) {
		v = b64_sym((unsigned char)s[i], &alpha);
		if (v == B64_WS && (flags & TN_B64_SKIP_WS) != 0)
			continue;
		if (v == B64_WS)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "whitespace in base64 at offset %zu", base + i);
		if (v == B64_BAD)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "invalid base64 character at offset %zu", base + i);
		if (v == B64_PAD) {
			if (sc.npad++ == 0)
				sc.padoff = base + i;
			continue;
		}
		rc = b64_scan_sym(&sc, (unsigned char)s[i], v, alpha, flags,
		    base + i, err);
		if (rc != TN_OK)
			return rc;
	}
	if ((rc = b64_scan_end(&sc, err)) != TN_OK)
		return rc;
	*len = sc.nsym / 4 * 3 + (sc.nsym % 4 == 0 ? 0 : sc.nsym % 4 - 1);
	return TN_OK;
}

/*
 * Decodes s[0..n), which b64_scan() has accepted, into out[0..len);
 * never writes past out[len - 1].
 */
static void
b64_fill(const char *s, size_t n, uint8_t *out, size_t len)
{
	uint32_t acc = 0;
	unsigned alpha, k = 0;
	size_t i, o = 0;
	int v;

	for (i = 0; i < n; i++) {
		v = b64_sym((unsigned char)s[i], &alpha);
		if (v == B64_PAD)
			break;
		if (v < 0)
			continue;
		acc = acc << 6 | (uint32_t)v;
		if (++k < 4)
			continue;
		if (len - o < 3)
			return;
		out[o++] = (uint8_t)(acc >> 16);
		out[o++] = (uint8_t)(acc >> 8);
		out[o++] = (uint8_t)acc;
		acc = 0;
		k = 0;
	}
	if (k == 2 && len - o >= 1)
		out[o] = (uint8_t)(acc >> 4);
	else if (k == 3 && len - o >= 2) {
		out[o] = (uint8_t)(acc >> 10);
		out[o + 1] = (uint8_t)(acc >> 2);
	}
}

/* Allocates len bytes (at least one) and decodes scanned s[0..n) there. */
static int
b64_alloc_fill(const char *s, size_t n, size_t len, uint8_t **out,
    struct tn_error *err)
{
	uint8_t *buf;

	if ((buf = malloc(len > 0 ? len : 1)) == NULL)
		return tn_fail(err, TN_ERR_NOMEM, "base64: out of memory");
	b64_fill(s, n, buf, len);
	*out = buf;
	return TN_OK;
}

int
tn_b64_decode(const char *s, size_t n, unsigned flags, size_t max_out,
    uint8_t **out, size_t *outlen, struct tn_error *err)
{
	size_t len;
	int rc;

	if (out == NULL || outlen == NULL)
		return tn_fail(err, TN_ERR_INVALID_ARG,
		    "base64: NULL output");
	*out = NULL;
	*outlen = 0;
	if (s == NULL && n > 0)
		return tn_fail(err, TN_ERR_INVALID_ARG, "base64: NULL input");
	if ((flags & ~B64_DEC_FLAGS) != 0 || (flags & TN_B64_ANY) == 0)
		return tn_fail(err, TN_ERR_INVALID_ARG,
		    "base64: bad decode flags 0x%x", flags);
	if ((rc = b64_scan(s, n, flags, 0, &len, err)) != TN_OK)
		return rc;
	if (len > max_out)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "base64 decodes to %zu bytes, more than %zu", len,
		    max_out);
	if ((rc = b64_alloc_fill(s, n, len, out, err)) != TN_OK)
		return rc;
	*outlen = len;
	return TN_OK;
}

static const char *
b64_alphabet(unsigned flags)
{
	if ((flags & TN_B64_URL) != 0)
		return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789-_";
	return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/";
}

/* Sets *len to the encoded length of n bytes; -1 if it cannot be held. */
static int
b64_enc_len(size_t n, int pad, size_t *len)
{
	size_t full = n / 3, rem = n % 3;

	if (full > (SIZE_MAX - 8) / 4)
		return -1;
	*len = full * 4 + (rem == 0 ? 0 : pad ? 4 : rem + 1);
	return 0;
}

/* Writes the base64 of in[0..n) to out (no NUL); returns the count. */
static size_t
b64_put(const uint8_t *in, size_t n, const char *abc, int pad, char *out)
{
	size_t i, o = 0;
	uint32_t v;

	for (i = 0; n - i >= 3; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		out[o++] = abc[v >> 18 & 63];
		out[o++] = abc[v >> 12 & 63];
		out[o++] = abc[v >> 6 & 63];
		out[o++] = abc[v & 63];
	}
	if (n - i == 0)
		return o;
	v = (uint32_t)in[i] << 16;
	if (n - i == 2)
		v |= (uint32_t)in[i + 1] << 8;
	out[o++] = abc[v >> 18 & 63];
	out[o++] = abc[v >> 12 & 63];
	if (n - i == 2)
		out[o++] = abc[v >> 6 & 63];
	else if (pad)
		out[o++] = '=';
	if (pad)
		out[o++] = '=';
	return o;
}

int
tn_b64_encode(const uint8_t *in, size_t n, unsigned flags, char **out,
    size_t *outlen, struct tn_error *err)
{
	unsigned alpha = flags & TN_B64_ANY;
	int pad = (flags & TN_B64_PAD) != 0;
	size_t len;
	char *buf;

	if (out == NULL)
		return tn_fail(err, TN_ERR_INVALID_ARG,
		    "base64: NULL output");
	*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if (in == NULL && n > 0)
		return tn_fail(err, TN_ERR_INVALID_ARG, "base64: NULL input");
	if ((flags & ~(TN_B64_ANY | TN_B64_PAD)) != 0 ||
	    (alpha != TN_B64_STD && alpha != TN_B64_URL))
		return tn_fail(err, TN_ERR_INVALID_ARG,
		    "base64: bad encode flags 0x%x", flags);
	if (b64_enc_len(n, pad, &len) != 0)
		return tn_fail(err, TN_ERR_INVALID_ARG,
		    "base64: input too large");
	if ((buf = malloc(len + 1)) == NULL)
		return tn_fail(err, TN_ERR_NOMEM, "base64: out of memory");
	buf[b64_put(in, n, b64_alphabet(alpha), pad, buf)] = '\0';
	*out = buf;
	if (outlen != NULL)
		*outlen = len;
	return TN_OK;
}

/* ------------------------------------------------------------------ PEM */

#define PEM_LINE	64	/* base64 characters per body line */

enum pem_line {
	PEM_BODY,
	PEM_BEGIN,
	PEM_BEGIN_CHAIN,
	PEM_BEGIN_OTHER,	/* "-----BEGIN " with any other label */
	PEM_END,
	PEM_END_CHAIN,
	PEM_END_OTHER
};

/* The decoded blocks so far. */
struct pem_list {
	struct tn_pem_block	*b;
	size_t			 n;
	size_t			 cap;
	size_t			 total;	/* sum of b[i].len, <= max_out */
};

static int
is_pem_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && is_pem_ws(*p))
		p++;
	return p;
}

/* The '\n' ending the line at p, or end. */
static const char *
line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl != NULL ? nl : end;
}

static int
has_prefix(const char *p, const char *end, const char *lit)
{
	size_t len = strlen(lit);

	return (size_t)(end - p) >= len && memcmp(p, lit, len) == 0;
}

static int
is_exactly(const char *p, const char *end, const char *lit)
{
	return (size_t)(end - p) == strlen(lit) && has_prefix(p, end, lit);
}

/*
 * Classifies the line [p, eol) by its content without leading blanks and
 * trailing blanks and CR.  Body lines never contain a space, so a line
 * starting "-----BEGIN " or "-----END " cannot be base64, while a body
 * line may well start "-----" in the url-safe alphabet.
 */
static enum pem_line
pem_classify(const char *p, const char *eol)
{
	while (p < eol && (*p == ' ' || *p == '\t'))
		p++;
	while (eol > p && (eol[-1] == ' ' || eol[-1] == '\t' ||
	    eol[-1] == '\r'))
		eol--;
	if (has_prefix(p, eol, "-----BEGIN ")) {
		if (is_exactly(p, eol, TN_PEM_BEGIN_WARRANT))
			return PEM_BEGIN;
		if (is_exactly(p, eol, TN_PEM_BEGIN_CHAIN))
			return PEM_BEGIN_CHAIN;
		return PEM_BEGIN_OTHER;
	}
	if (has_prefix(p, eol, "-----END ")) {
		if (is_exactly(p, eol, TN_PEM_END_WARRANT))
			return PEM_END;
		if (is_exactly(p, eol, TN_PEM_END_CHAIN))
			return PEM_END_CHAIN;
		return PEM_END_OTHER;
	}
	return PEM_BODY;
}

static int
pem_push(struct pem_list *l, int is_chain, uint8_t *der, size_t len,
    struct tn_error *err)
{
	struct tn_pem_block *nb;
	size_t ncap;

	if (l->n == l->cap) {
		ncap = l->cap == 0 ? 4 : l->cap * 2;
		if (ncap > SIZE_MAX / sizeof(*nb))
			return tn_fail(err, TN_ERR_NOMEM,
			    "PEM: too many blocks");
		if ((nb = realloc(l->b, ncap * sizeof(*nb))) == NULL)
			return tn_fail(err, TN_ERR_NOMEM, "PEM: out of memory");
		l->b = nb;
		l->cap = ncap;
	}
	l->b[l->n].is_chain = is_chain;
	l->b[l->n].der = der;
	l->b[l->n].len = len;
	l->n++;
	l->total += len;
	return TN_OK;
}

/* Decodes the body [body, bend) of a block and appends it to l. */
static int
pem_body(const char *s, const char *body, const char *bend, int is_chain,
    size_t max_out, struct pem_list *l, struct tn_error *err)
{
	size_t base = (size_t)(body - s), n = (size_t)(bend - body), len;
	uint8_t *der = NULL;
	int rc;

	rc = b64_scan(body, n, TN_B64_ANY | TN_B64_SKIP_WS, base, &len, err);
	if (rc != TN_OK)
		return rc;
	if (len == 0)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "empty PEM body at offset %zu", base);
	if (len > max_out - l->total)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "PEM bodies decode to more than %zu bytes", max_out);
	if ((rc = b64_alloc_fill(body, n, len, &der, err)) != TN_OK)
		return rc;
	if ((rc = pem_push(l, is_chain, der, len, err)) != TN_OK)
		free(der);
	return rc;
}

/*
 * Decodes the block whose BEGIN line starts at *pp (not whitespace) and
 * appends it to l; on success *pp is at the end of its END line.
 */
static int
pem_block(const char *s, const char **pp, const char *end, size_t max_out,
    struct pem_list *l, struct tn_error *err)
{
	const char *begin = *pp, *eol, *body, *q;
	enum pem_line kind, k;

	eol = line_end(begin, end);
	kind = pem_classify(begin, eol);
	if (kind == PEM_BODY)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "text outside a PEM block at offset %zu",
		    (size_t)(begin - s));
	if (kind != PEM_BEGIN && kind != PEM_BEGIN_CHAIN)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "%s PEM line at offset %zu",
		    kind == PEM_BEGIN_OTHER ? "unknown BEGIN" :
		    "unexpected END", (size_t)(begin - s));
	body = q = eol < end ? eol + 1 : end;
	for (;;) {
		if (q == end)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "no END line for the PEM block at offset %zu",
			    (size_t)(begin - s));
		eol = line_end(q, end);
		if ((k = pem_classify(q, eol)) != PEM_BODY)
			break;
		q = eol < end ? eol + 1 : end;
	}
	if (k == PEM_BEGIN || k == PEM_BEGIN_CHAIN || k == PEM_BEGIN_OTHER)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "BEGIN line at offset %zu inside the PEM block at "
		    "offset %zu", (size_t)(q - s), (size_t)(begin - s));
	if (k != (kind == PEM_BEGIN ? PEM_END : PEM_END_CHAIN))
		return tn_fail(err, TN_ERR_MALFORMED,
		    "END line at offset %zu does not match the BEGIN line at "
		    "offset %zu", (size_t)(q - s), (size_t)(begin - s));
	*pp = eol;
	return pem_body(s, body, q, kind == PEM_BEGIN_CHAIN, max_out, l, err);
}

int
tn_pem_decode(const char *s, size_t n, size_t max_out,
    struct tn_pem_block **blocks, size_t *nblocks, struct tn_error *err)
{
	struct pem_list l = { NULL, 0, 0, 0 };
	const char *p, *end;
	int rc = TN_OK;

	if (blocks == NULL || nblocks == NULL)
		return tn_fail(err, TN_ERR_INVALID_ARG, "PEM: NULL output");
	*blocks = NULL;
	*nblocks = 0;
	if (s == NULL && n > 0)
		return tn_fail(err, TN_ERR_INVALID_ARG, "PEM: NULL input");
	if (s == NULL)
		s = "";
	end = s + n;
	for (p = skip_ws(s, end); p < end && rc == TN_OK; p = skip_ws(p, end))
		rc = pem_block(s, &p, end, max_out, &l, err);
	if (rc == TN_OK && l.n == 0)
		rc = tn_fail(err, TN_ERR_MALFORMED,
		    "no TENUO WARRANT PEM block");
	if (rc != TN_OK) {
		tn_pem_blocks_free(l.b, l.n);
		return rc;
	}
	*blocks = l.b;
	*nblocks = l.n;
	return TN_OK;
}

void
tn_pem_blocks_free(struct tn_pem_block *b, size_t n)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < n; i++)
		free(b[i].der);
	free(b);
}

static int
size_add(size_t *acc, size_t v)
{
	if (v > SIZE_MAX - *acc)
		return -1;
	*acc += v;
	return 0;
}

int
tn_pem_encode(const uint8_t *der, size_t len, int is_chain, char **out,
    struct tn_error *err)
{
	const char *bm = is_chain ? TN_PEM_BEGIN_CHAIN : TN_PEM_BEGIN_WARRANT;
	const char *em = is_chain ? TN_PEM_END_CHAIN : TN_PEM_END_WARRANT;
	const char *abc = b64_alphabet(TN_B64_URL);
	size_t blen, total = 0, i, o, chunk;
	char *buf;

	if (out == NULL)
		return tn_fail(err, TN_ERR_INVALID_ARG, "PEM: NULL output");
	*out = NULL;
	if (der == NULL || len == 0)
		return tn_fail(err, TN_ERR_INVALID_ARG, "PEM: empty body");
	if (b64_enc_len(len, 0, &blen) != 0 ||
	    size_add(&total, strlen(bm) + 1) != 0 ||
	    size_add(&total, blen) != 0 ||
	    size_add(&total, blen / PEM_LINE + (blen % PEM_LINE != 0)) != 0 ||
	    size_add(&total, strlen(em) + 2) != 0)
		return tn_fail(err, TN_ERR_INVALID_ARG, "PEM: body too large");
	if ((buf = malloc(total)) == NULL)
		return tn_fail(err, TN_ERR_NOMEM, "PEM: out of memory");
	o = strlen(bm);
	memcpy(buf, bm, o);
	buf[o++] = '\n';
	for (i = 0; i < len; i += chunk) {
		chunk = len - i < PEM_LINE / 4 * 3 ? len - i : PEM_LINE / 4 * 3;
		o += b64_put(der + i, chunk, abc, 0, buf + o);
		buf[o++] = '\n';
	}
	memcpy(buf + o, em, strlen(em));
	o += strlen(em);
	buf[o++] = '\n';
	buf[o] = '\0';
	*out = buf;
	return TN_OK;
}

int
tn_pem_is_armored(const char *s, size_t n)
{
	const char *p, *eol, *end;
	enum pem_line k;

	if (s == NULL)
		return 0;
	end = s + n;
	for (p = s; p < end; p = eol + 1) {
		eol = line_end(p, end);
		k = pem_classify(p, eol);
		if (k == PEM_BEGIN || k == PEM_BEGIN_CHAIN)
			return 1;
		if (eol == end)
			break;
	}
	return 0;
}

/* ----------------------------------------------------------------- gzip */

#define ZBUF_FIRST	(16u * 1024u)	/* first output allocation */

/* A growing output buffer. */
struct zbuf {
	uint8_t	*buf;
	size_t	 len;
	size_t	 cap;
};

static uInt
zclamp(size_t v)
{
	return v > UINT_MAX ? UINT_MAX : (uInt)v;
}

/* Doubles b's capacity, to at most max (> b->cap) bytes. */
static int
zbuf_grow(struct zbuf *b, size_t max, struct tn_error *err)
{
	size_t ncap;
	uint8_t *nb;

	if (b->cap < ZBUF_FIRST)
		ncap = ZBUF_FIRST;
	else
		ncap = b->cap > SIZE_MAX / 2 ? SIZE_MAX : b->cap * 2;
	if (ncap > max)
		ncap = max;
	if (ncap <= b->cap)
		return tn_fail(err, TN_ERR_NOMEM, "gzip: buffer cannot grow");
	if ((nb = realloc(b->buf, ncap)) == NULL)
		return tn_fail(err, TN_ERR_NOMEM, "gzip: out of memory");
	b->buf = nb;
	b->cap = ncap;
	return TN_OK;
}

/* Hands zlib the next piece of in[0..n) once it has used up the last. */
static void
z_feed(z_stream *zs, const uint8_t *in, size_t n, size_t *fed)
{
	if (zs->avail_in > 0 || *fed == n)
		return;
	zs->next_in = in + *fed;
	zs->avail_in = zclamp(n - *fed);
	*fed += zs->avail_in;
}

/* Maps an inflate() result other than Z_OK to a return code. */
static int
inflate_status(const z_stream *zs, int zrc, size_t used, size_t n,
    size_t fed, struct tn_error *err)
{
	if (zrc == Z_STREAM_END && used == n)
		return TN_OK;
	if (zrc == Z_STREAM_END)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "data after the gzip member at offset %zu", used);
	if (zrc == Z_BUF_ERROR && zs->avail_in == 0 && fed == n)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "gzip stream truncated at offset %zu", used);
	if (zrc == Z_MEM_ERROR)
		return tn_fail(err, TN_ERR_NOMEM, "gzip: out of memory");
	return tn_fail(err, TN_ERR_MALFORMED,
	    "corrupt gzip stream at offset %zu: %s", used,
	    zs->msg != NULL ? zs->msg : "inflate failed");
}

/*
 * Runs inflate over in[0..n) into o, never letting o grow past max_out.
 * Once o is full, output goes to a one-byte spill: any byte landing there
 * is one too many.
 */
static int
inflate_run(z_stream *zs, const uint8_t *in, size_t n, size_t max_out,
    struct zbuf *o, struct tn_error *err)
{
	uint8_t spill;
	size_t fed = 0, room;
	uInt before;
	int rc, zrc;

	for (;;) {
		z_feed(zs, in, n, &fed);
		if (o->len == o->cap && o->cap < max_out &&
		    (rc = zbuf_grow(o, max_out, err)) != TN_OK)
			return rc;
		room = o->cap - o->len;
		zs->next_out = room > 0 ? o->buf + o->len : &spill;
		zs->avail_out = room > 0 ? zclamp(room) : 1;
		before = zs->avail_out;
		zrc = inflate(zs, Z_NO_FLUSH);
		if (room == 0 && zs->avail_out != before)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "inflated size exceeds %zu bytes", max_out);
		if (room > 0)
			o->len += before - zs->avail_out;
		if (zrc != Z_OK)
			return inflate_status(zs, zrc, fed - zs->avail_in, n,
			    fed, err);
	}
}

int
tn_gzip_inflate(const uint8_t *in, size_t n, size_t max_out, uint8_t **out,
    size_t *outlen, struct tn_error *err)
{
	struct zbuf o = { NULL, 0, 0 };
	z_stream zs;
	int rc, zrc;

	if (out == NULL || outlen == NULL)
		return tn_fail(err, TN_ERR_INVALID_ARG, "gzip: NULL output");
	*out = NULL;
	*outlen = 0;
	if (in == NULL && n > 0)
		return tn_fail(err, TN_ERR_INVALID_ARG, "gzip: NULL input");
	memset(&zs, 0, sizeof(zs));
	if ((zrc = inflateInit2(&zs, 16 + MAX_WBITS)) != Z_OK)
		return tn_fail(err, zrc == Z_MEM_ERROR ? TN_ERR_NOMEM :
		    TN_ERR_INVALID_ARG, "gzip: inflateInit2 failed");
	rc = inflate_run(&zs, in, n, max_out, &o, err);
	if (rc == TN_OK && o.buf == NULL && (o.buf = malloc(1)) == NULL)
		rc = tn_fail(err, TN_ERR_NOMEM, "gzip: out of memory");
	(void)inflateEnd(&zs);
	if (rc != TN_OK) {
		free(o.buf);
		return rc;
	}
	*out = o.buf;
	*outlen = o.len;
	return TN_OK;
}

static int
deflate_run(z_stream *zs, const uint8_t *in, size_t n, struct zbuf *o,
    struct tn_error *err)
{
	size_t fed = 0;
	uInt before;
	int rc, zrc;

	for (;;) {
		z_feed(zs, in, n, &fed);
		if (o->len == o->cap &&
		    (rc = zbuf_grow(o, SIZE_MAX, err)) != TN_OK)
			return rc;
		zs->next_out = o->buf + o->len;
		zs->avail_out = zclamp(o->cap - o->len);
		before = zs->avail_out;
		zrc = deflate(zs, fed == n ? Z_FINISH : Z_NO_FLUSH);
		o->len += before - zs->avail_out;
		if (zrc == Z_STREAM_END)
			return TN_OK;
		if (zrc != Z_OK && !(zrc == Z_BUF_ERROR && zs->avail_out == 0))
			return tn_fail(err, TN_ERR_INVALID_ARG,
			    "gzip: deflate failed");
	}
}

int
tn_gzip_deflate(const uint8_t *in, size_t n, int level, uint8_t **out,
    size_t *outlen, struct tn_error *err)
{
	struct zbuf o = { NULL, 0, 0 };
	z_stream zs;
	int rc, zrc;

	if (out == NULL || outlen == NULL)
		return tn_fail(err, TN_ERR_INVALID_ARG, "gzip: NULL output");
	*out = NULL;
	*outlen = 0;
	if ((in == NULL && n > 0) || level < -1 || level > 9)
		return tn_fail(err, TN_ERR_INVALID_ARG,
		    "gzip: bad input or level");
	memset(&zs, 0, sizeof(zs));
	zrc = deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8,
	    Z_DEFAULT_STRATEGY);
	if (zrc != Z_OK)
		return tn_fail(err, zrc == Z_MEM_ERROR ? TN_ERR_NOMEM :
		    TN_ERR_INVALID_ARG, "gzip: deflateInit2 failed");
	rc = deflate_run(&zs, in, n, &o, err);
	(void)deflateEnd(&zs);
	if (rc != TN_OK) {
		free(o.buf);
		return rc;
	}
	*out = o.buf;
	*outlen = o.len;
	return TN_OK;
}
