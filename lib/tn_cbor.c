/*
 * tn_cbor.c: strict CBOR decoder into a flat pre-order item array, and a
 * deterministic encoder with shortest-form floats.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tn_cbor.h"

struct dec {
	const uint8_t		*buf;
	size_t			 len;
	size_t			 pos;
	const struct tn_cbor_limits *lim;
	struct tn_cbor_item	*items;
	size_t			 nitems;
	size_t			 cap;
	struct tn_error		*err;
};

/* ------------------------------------------------------------------ UTF-8 */

int32_t
tn_utf8_next(const uint8_t *s, size_t n, size_t *i)
{
	size_t k = *i, need;
	uint32_t cp, min;
	uint8_t c;

	if (k >= n)
		return -1;
	c = s[k];
	if (c < 0x80) {
		*i = k + 1;
		return c;
	}
	if ((c & 0xe0) == 0xc0) {
		need = 1;
		cp = c & 0x1fu;
		min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		need = 2;
		cp = c & 0x0fu;
		min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		need = 3;
		cp = c & 0x07u;
		min = 0x10000;
	} else
		return -1;
	if (need > n - k - 1)
		return -1;
	for (size_t j = 1; j <= need; j++) {
		if ((s[k + j] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[k + j] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*i = k + need + 1;
	return (int32_t)cp;
}

int
tn_utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n)
		if (tn_utf8_next(s, n, &i) < 0)
			return 0;
	return 1;
}

/* ------------------------------------------------------------------ floats */

static double
half_to_double(uint16_t h)
{
	unsigned exp = (h >> 10) & 0x1fu;
	unsigned mant = h & 0x3ffu;
	double v;

	if (exp == 0)
		v = ldexp((double)mant, -24);
	else if (exp != 31)
		v = ldexp((double)(mant + 1024), (int)exp - 25);
	else
		v = mant == 0 ? INFINITY : NAN;
	return (h & 0x8000u) ? -v : v;
}

static double
bits_to_float(uint32_t b)
{
	float f;

	memcpy(&f, &b, sizeof(f));
	return (double)f;
}

static double
bits_to_double(uint64_t b)
{
	double d;

	memcpy(&d, &b, sizeof(d));
	return d;
}

/* ------------------------------------------------------------------ decode */

static int
dec_fail(struct dec *d, const char *what)
{
	return tn_fail(d->err, TN_ERR_MALFORMED, "CBOR: %s at offset %zu",
	    what, d->pos);
}

static uint64_t
be_read(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/*
 * Reads a head: major type, additional info and argument.  Enforces
 * minimal encoding of arguments and rejects indefinite lengths.  For major
 * type 7 the raw argument is returned with *ai so floats can be decoded.
 */
static int
dec_head(struct dec *d, unsigned *major, unsigned *ai, uint64_t *arg)
{
	uint8_t ib;
	size_t n;

	if (d->pos >= d->len)
		return dec_fail(d, "unexpected end of input");
	ib = d->buf[d->pos];
	*major = ib >> 5;
	*ai = ib & 0x1fu;
	if (*ai < 24) {
		*arg = *ai;
		d->pos++;
		return TN_OK;
	}
	if (*ai == 31)
		return dec_fail(d, "indefinite length not allowed");
	if (*ai > 27)
		return dec_fail(d, "reserved additional information");
	n = (size_t)1 << (*ai - 24);
	if (n > d->len - d->pos - 1)
		return dec_fail(d, "truncated head");
	*arg = be_read(d->buf + d->pos + 1, n);
	if (*major != 7) {
		uint64_t min = *ai == 24 ? 24 : (uint64_t)1 << (8 * (n / 2));

		if (*arg < min)
			return dec_fail(d, "non-minimal integer or length");
	}
	d->pos += 1 + n;
	return TN_OK;
}

static int
dec_new_item(struct dec *d, struct tn_cbor_item **out)
{
	if (d->nitems >= d->lim->max_items)
		return dec_fail(d, "too many items");
	if (d->nitems == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 32;
		struct tn_cbor_item *n;

		if (ncap > d->lim->max_items)
			ncap = d->lim->max_items;
		n = realloc(d->items, ncap * sizeof(*n));
		if (n == NULL)
			return tn_fail(d->err, TN_ERR_NOMEM, "out of memory");
		d->items = n;
		d->cap = ncap;
	}
	memset(&d->items[d->nitems], 0, sizeof(d->items[0]));
	*out = &d->items[d->nitems++];
	return TN_OK;
}

static int
dec_simple(struct dec *d, struct tn_cbor_item *it, unsigned ai, uint64_t arg)
{
	switch (ai) {
	case 20:
		it->type = TN_CBOR_FALSE;
		return TN_OK;
	case 21:
		it->type = TN_CBOR_TRUE;
		return TN_OK;
	case 22:
		it->type = TN_CBOR_NULL;
		return TN_OK;
	case 25:
		it->type = TN_CBOR_FLOAT;
		it->fwidth = 2;
		it->v.f = half_to_double((uint16_t)arg);
		return TN_OK;
	case 26:
		it->type = TN_CBOR_FLOAT;
		it->fwidth = 4;
		it->v.f = bits_to_float((uint32_t)arg);
		return TN_OK;
	case 27:
		it->type = TN_CBOR_FLOAT;
		it->fwidth = 8;
		it->v.f = bits_to_double(arg);
		return TN_OK;
	default:
		return dec_fail(d, "unsupported simple value");
	}
}

struct span {
	const uint8_t	*p;
	size_t		 n;
};

static int
span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	size_t n = x->n < y->n ? x->n : y->n;
	int c = memcmp(x->p, y->p, n);

	if (c != 0)
		return c;
	return x->n < y->n ? -1 : x->n > y->n;
}

static int dec_item(struct dec *d, size_t depth);

/*
 * Rejects duplicate keys in the map at item index mi.  Keys are compared
 * by their encoded bytes, which is value equality under the minimal
 * encoding enforced by dec_head() (floats aside; Tenuo never uses them as
 * keys).  Sorting keeps large maps O(n log n).
 */
static int
dec_check_dup_keys(struct dec *d, size_t mi)
{
	const struct tn_cbor_item *m = &d->items[mi], *it;
	size_t n = m->count;
	struct span *keys;
	int rc = TN_OK;

	if (n < 2)
		return TN_OK;
	if ((keys = calloc(n, sizeof(*keys))) == NULL)
		return tn_fail(d->err, TN_ERR_NOMEM, "out of memory");
	it = m + 1;
	for (size_t k = 0; k < n; k++) {
		keys[k].p = d->buf + it->off;
		keys[k].n = it->len;
		it = tn_cbor_next(tn_cbor_next(it));	/* skip the value */
	}
	qsort(keys, n, sizeof(*keys), span_cmp);
	for (size_t k = 1; k < n; k++) {
		if (span_cmp(&keys[k - 1], &keys[k]) == 0) {
			rc = tn_fail(d->err, TN_ERR_MALFORMED,
			    "CBOR: duplicate map key at offset %zu",
			    (size_t)(keys[k].p - d->buf));
			break;
		}
	}
	free(keys);
	return rc;
}

static int
dec_container(struct dec *d, uint64_t nchildren, size_t depth)
{
	if (depth >= d->lim->max_depth)
		return dec_fail(d, "nesting too deep");
	/* Every child needs at least one byte: cheap bound before looping. */
	if (nchildren > d->len - d->pos)
		return dec_fail(d, "container count exceeds input");
	for (uint64_t i = 0; i < nchildren; i++) {
		int rc = dec_item(d, depth + 1);

		if (rc != TN_OK)
			return rc;
	}
	return TN_OK;
}

static int
dec_item(struct dec *d, size_t depth)
{
	size_t start = d->pos, idx;
	unsigned major, ai;
	uint64_t arg;
	struct tn_cbor_item *it = NULL;
	int rc;

	if ((rc = dec_head(d, &major, &ai, &arg)) != TN_OK)
		return rc;
	if ((rc = dec_new_item(d, &it)) != TN_OK)
		return rc;
	idx = (size_t)(it - d->items);
	it->off = start;
	switch (major) {
	case 0:
	case 1:
		it->type = major == 0 ? TN_CBOR_UINT : TN_CBOR_NINT;
		it->v.u = arg;
		break;
	case 2:
	case 3:
		if (arg > d->len - d->pos)
			return dec_fail(d, "string length exceeds input");
		it->type = major == 2 ? TN_CBOR_BYTES : TN_CBOR_TEXT;
		it->v.s.p = d->buf + d->pos;
		it->v.s.n = (size_t)arg;
		d->pos += (size_t)arg;
		if (major == 3 && !tn_utf8_valid(it->v.s.p, it->v.s.n))
			return tn_fail(d->err, TN_ERR_MALFORMED,
			    "CBOR: invalid UTF-8 in text at offset %zu", start);
		break;
	case 4:
	case 5:
		if (arg > UINT32_MAX / 2)
			return dec_fail(d, "container too large");
		d->items[idx].type = major == 4 ? TN_CBOR_ARRAY : TN_CBOR_MAP;
		d->items[idx].count = (uint32_t)arg;
		rc = dec_container(d, major == 4 ? arg : arg * 2, depth);
		if (rc != TN_OK)
			return rc;
		if (major == 5 && (rc = dec_check_dup_keys(d, idx)) != TN_OK)
			return rc;
		break;
	case 6:
		return tn_fail(d->err, TN_ERR_MALFORMED,
		    "CBOR: tags are not allowed (offset %zu)", start);
	default:
		if ((rc = dec_simple(d, it, ai, arg)) != TN_OK)
			return rc;
		break;
	}
	/* it may have moved if the array grew: index again. */
	d->items[idx].size = (uint32_t)(d->nitems - idx);
	d->items[idx].len = d->pos - start;
	return TN_OK;
}

int
tn_cbor_decode(const uint8_t *buf, size_t len,
    const struct tn_cbor_limits *lim, struct tn_cbor_doc *doc,
    struct tn_error *err)
{
	static const struct tn_cbor_limits defaults = {
		TN_CBOR_DEFAULT_MAX_BYTES, TN_CBOR_DEFAULT_MAX_DEPTH,
		TN_CBOR_DEFAULT_MAX_ITEMS
	};
	struct dec d;
	int rc;

	memset(doc, 0, sizeof(*doc));
	if (buf == NULL && len != 0)
		return tn_fail(err, TN_ERR_INVALID_ARG, "CBOR: NULL buffer");
	memset(&d, 0, sizeof(d));
	d.buf = buf;
	d.len = len;
	d.lim = lim ? lim : &defaults;
	d.err = err;
	if (len > d.lim->max_bytes)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "CBOR: %zu bytes exceeds the limit of %zu", len,
		    d.lim->max_bytes);
	rc = dec_item(&d, 0);
	if (rc == TN_OK && d.pos != len)
		rc = dec_fail(&d, "trailing bytes after the data item");
	if (rc != TN_OK) {
		free(d.items);
		return rc;
	}
	doc->buf = buf;
	doc->len = len;
	doc->items = d.items;
	doc->nitems = d.nitems;
	return TN_OK;
}

void
tn_cbor_doc_free(struct tn_cbor_doc *doc)
{
	if (doc == NULL)
		return;
	free(doc->items);
	memset(doc, 0, sizeof(*doc));
}

int
tn_cbor_peek(const uint8_t *buf, size_t len, unsigned *major, uint64_t *arg)
{
	struct dec d;
	unsigned ai;

	memset(&d, 0, sizeof(d));
	d.buf = buf;
	d.len = len;
	return dec_head(&d, major, &ai, arg);
}

/* ------------------------------------------------------------ navigation */

const struct tn_cbor_item *
tn_cbor_array_at(const struct tn_cbor_item *arr, size_t i)
{
	const struct tn_cbor_item *it;

	if (arr == NULL || arr->type != TN_CBOR_ARRAY || i >= arr->count)
		return NULL;
	it = arr + 1;
	while (i-- > 0)
		it = tn_cbor_next(it);
	return it;
}

const struct tn_cbor_item *
tn_cbor_map_get(const struct tn_cbor_item *map, const char *key)
{
	const struct tn_cbor_item *it;

	if (map == NULL || map->type != TN_CBOR_MAP)
		return NULL;
	it = map + 1;
	for (uint32_t i = 0; i < map->count; i++) {
		const struct tn_cbor_item *val = tn_cbor_next(it);

		if (tn_cbor_text_eq(it, key))
			return val;
		it = tn_cbor_next(val);
	}
	return NULL;
}

const struct tn_cbor_item *
tn_cbor_map_get_uint(const struct tn_cbor_item *map, uint64_t key)
{
	const struct tn_cbor_item *it;

	if (map == NULL || map->type != TN_CBOR_MAP)
		return NULL;
	it = map + 1;
	for (uint32_t i = 0; i < map->count; i++) {
		const struct tn_cbor_item *val = tn_cbor_next(it);

		if (it->type == TN_CBOR_UINT && it->v.u == key)
			return val;
		it = tn_cbor_next(val);
	}
	return NULL;
}

int
tn_cbor_text_eq(const struct tn_cbor_item *it, const char *s)
{
	size_t n = strlen(s);

	return it != NULL && it->type == TN_CBOR_TEXT && it->v.s.n == n &&
	    memcmp(it->v.s.p, s, n) == 0;
}

int
tn_cbor_get_i64(const struct tn_cbor_item *it, int64_t *out)
{
	if (it == NULL || it->v.u > (uint64_t)INT64_MAX)
		return -1;
	if (it->type == TN_CBOR_UINT)
		*out = (int64_t)it->v.u;
	else if (it->type == TN_CBOR_NINT)
		*out = -1 - (int64_t)it->v.u;
	else
		return -1;
	return 0;
}

int
tn_cbor_get_u64(const struct tn_cbor_item *it, uint64_t *out)
{
	if (it == NULL || it->type != TN_CBOR_UINT)
		return -1;
	*out = it->v.u;
	return 0;
}

int
tn_cbor_value_eq(const struct tn_cbor_item *a, const struct tn_cbor_item *b)
{
	const struct tn_cbor_item *x, *y;
	uint32_t n;

	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case TN_CBOR_UINT:
	case TN_CBOR_NINT:
		return a->v.u == b->v.u;
	case TN_CBOR_FLOAT:
		return a->v.f == b->v.f;
	case TN_CBOR_BYTES:
	case TN_CBOR_TEXT:
		return a->v.s.n == b->v.s.n &&
		    (a->v.s.n == 0 || memcmp(a->v.s.p, b->v.s.p, a->v.s.n) == 0);
	case TN_CBOR_ARRAY:
	case TN_CBOR_MAP:
		if (a->count != b->count)
			return 0;
		n = a->type == TN_CBOR_MAP ? a->count * 2 : a->count;
		x = a + 1;
		y = b + 1;
		for (uint32_t i = 0; i < n; i++) {
			if (!tn_cbor_value_eq(x, y))
				return 0;
			x = tn_cbor_next(x);
			y = tn_cbor_next(y);
		}
		return 1;
	default:
		return 1;	/* false, true, null: type equality suffices */
	}
}

/* ------------------------------------------------------------------ encode */

void
tn_buf_init(struct tn_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void
tn_buf_free(struct tn_buf *b)
{
	if (b == NULL)
		return;
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void
tn_buf_reset(struct tn_buf *b)
{
	b->len = 0;
	b->status = TN_OK;
}

int
tn_buf_status(const struct tn_buf *b)
{
	return b->status;
}

void
tn_buf_put(struct tn_buf *b, const void *data, size_t n)
{
	if (b->status != TN_OK || n == 0)
		return;
	if (n > b->max - b->len || b->len > b->max) {
		b->status = TN_ERR_MALFORMED;
		return;
	}
	if (n > b->cap - b->len) {
		size_t ncap = b->cap ? b->cap : 64;
		uint8_t *np;

		while (ncap - b->len < n)
			ncap = ncap > b->max / 2 ? b->max : ncap * 2;
		np = realloc(b->p, ncap);
		if (np == NULL) {
			b->status = TN_ERR_NOMEM;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

int
tn_buf_take(struct tn_buf *b, uint8_t **out, size_t *outlen)
{
	int rc = b->status;

	*out = NULL;
	*outlen = 0;
	if (rc != TN_OK) {
		tn_buf_free(b);
		return rc;
	}
	if (b->p == NULL) {
		/* Empty result: hand back a 1-byte allocation, never NULL. */
		if ((b->p = malloc(1)) == NULL)
			return TN_ERR_NOMEM;
	}
	*out = b->p;
	*outlen = b->len;
	b->p = NULL;
	tn_buf_free(b);
	return TN_OK;
}

static void
put_head(struct tn_buf *b, unsigned major, uint64_t v)
{
	uint8_t h[9];
	size_t n;

	if (v < 24) {
		h[0] = (uint8_t)(major << 5 | v);
		n = 1;
	} else if (v <= 0xff) {
		h[0] = (uint8_t)(major << 5 | 24);
		n = 2;
	} else if (v <= 0xffff) {
		h[0] = (uint8_t)(major << 5 | 25);
		n = 3;
	} else if (v <= 0xffffffffu) {
		h[0] = (uint8_t)(major << 5 | 26);
		n = 5;
	} else {
		h[0] = (uint8_t)(major << 5 | 27);
		n = 9;
	}
	for (size_t i = 1; i < n; i++)
		h[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	tn_buf_put(b, h, n);
}

void
tn_cbor_put_uint(struct tn_buf *b, uint64_t v)
{
	put_head(b, 0, v);
}

void
tn_cbor_put_int(struct tn_buf *b, int64_t v)
{
	if (v >= 0)
		put_head(b, 0, (uint64_t)v);
	else
		put_head(b, 1, (uint64_t)(-(v + 1)));
}

void
tn_cbor_put_bytes(struct tn_buf *b, const uint8_t *p, size_t n)
{
	put_head(b, 2, n);
	tn_buf_put(b, p, n);
}

void
tn_cbor_put_text(struct tn_buf *b, const char *s, size_t n)
{
	put_head(b, 3, n);
	tn_buf_put(b, s, n);
}

void
tn_cbor_put_cstr(struct tn_buf *b, const char *s)
{
	tn_cbor_put_text(b, s, strlen(s));
}

void
tn_cbor_put_array(struct tn_buf *b, uint64_t n)
{
	put_head(b, 4, n);
}

void
tn_cbor_put_map(struct tn_buf *b, uint64_t n)
{
	put_head(b, 5, n);
}

void
tn_cbor_put_bool(struct tn_buf *b, int v)
{
	uint8_t c = v ? 0xf5 : 0xf4;

	tn_buf_put(b, &c, 1);
}

void
tn_cbor_put_null(struct tn_buf *b)
{
	uint8_t c = 0xf6;

	tn_buf_put(b, &c, 1);
}

/* The f16 encoding of v if it is exact, else -1. */
static int32_t
double_to_half_exact(double v)
{
	uint64_t bits;
	uint16_t sign;
	int exp;
	double m;

	memcpy(&bits, &v, sizeof(bits));
	sign = (uint16_t)((bits >> 48) & 0x8000u);
	if (v == 0)
		return sign;
	if (isinf(v))
		return sign | 0x7c00;
	m = frexp(fabs(v), &exp);	/* v = m * 2^exp, m in [0.5, 1) */
	/* Normal halves: exponent (exp - 1) in [-14, 15], 11 significant bits. */
	if (exp - 1 >= -14 && exp - 1 <= 15) {
		double s = ldexp(m, 11);	/* [1024, 2048) */

		if (s != floor(s))
			return -1;
		return sign | (int32_t)((unsigned)(exp - 1 + 15) << 10) |
		    (int32_t)((unsigned)s - 1024u);
	}
	/* Subnormal halves: multiples of 2^-24 below 2^-14. */
	if (exp - 1 < -14) {
		double s = ldexp(fabs(v), 24);

		if (s != floor(s) || s >= 1024)
			return -1;
		return sign | (int32_t)s;
	}
	return -1;
}

void
tn_cbor_put_float(struct tn_buf *b, double v)
{
	uint8_t h[9];
	int32_t half;
	float f;

	if (isnan(v)) {
		static const uint8_t nan16[3] = { 0xf9, 0x7e, 0x00 };

		tn_buf_put(b, nan16, sizeof(nan16));
		return;
	}
	if ((half = double_to_half_exact(v)) >= 0) {
		h[0] = 0xf9;
		h[1] = (uint8_t)(half >> 8);
		h[2] = (uint8_t)half;
		tn_buf_put(b, h, 3);
		return;
	}
	f = (float)v;
	if ((double)f == v) {
		uint32_t fb;

		memcpy(&fb, &f, sizeof(fb));
		h[0] = 0xfa;
		for (int i = 0; i < 4; i++)
			h[1 + i] = (uint8_t)(fb >> (24 - 8 * i));
		tn_buf_put(b, h, 5);
		return;
	}
	{
		uint64_t db;

		memcpy(&db, &v, sizeof(db));
		h[0] = 0xfb;
		for (int i = 0; i < 8; i++)
			h[1 + i] = (uint8_t)(db >> (56 - 8 * i));
		tn_buf_put(b, h, 9);
	}
}

void
tn_cbor_put_raw_item(struct tn_buf *b, const struct tn_cbor_doc *doc,
    const struct tn_cbor_item *it)
{
	tn_buf_put(b, doc->buf + it->off, it->len);
}

/* ------------------------------------------------------------ canonical */

struct kv {
	const struct tn_cbor_item *k;
	const struct tn_cbor_item *v;
};

int
tn_cbor_text_cmp(const struct tn_cbor_item *x, const struct tn_cbor_item *y)
{
	size_t n = x->v.s.n < y->v.s.n ? x->v.s.n : y->v.s.n;
	int c = n ? memcmp(x->v.s.p, y->v.s.p, n) : 0;

	if (c != 0)
		return c;
	return x->v.s.n < y->v.s.n ? -1 : x->v.s.n > y->v.s.n;
}

static int
kv_cmp(const void *a, const void *b)
{
	return tn_cbor_text_cmp(((const struct kv *)a)->k,
	    ((const struct kv *)b)->k);
}

static int
put_canonical_map(struct tn_buf *b, const struct tn_cbor_item *m,
    size_t depth)
{
	const struct tn_cbor_item *k = m + 1;
	struct kv *kv;
	int rc = TN_OK;

	if ((kv = calloc(m->count ? m->count : 1, sizeof(*kv))) == NULL) {
		b->status = TN_ERR_NOMEM;
		return TN_ERR_NOMEM;
	}
	for (uint32_t i = 0; i < m->count; i++) {
		kv[i].k = k;
		kv[i].v = tn_cbor_next(k);
		if (k->type != TN_CBOR_TEXT) {
			rc = TN_ERR_MALFORMED;
			goto out;
		}
		k = tn_cbor_next(kv[i].v);
	}
	qsort(kv, m->count, sizeof(*kv), kv_cmp);
	tn_cbor_put_map(b, m->count);
	for (uint32_t i = 0; i < m->count && rc == TN_OK; i++) {
		tn_cbor_put_text(b, (const char *)kv[i].k->v.s.p,
		    kv[i].k->v.s.n);
		rc = tn_cbor_put_canonical(b, kv[i].v, depth - 1);
	}
out:
	free(kv);
	if (rc != TN_OK && b->status == TN_OK)
		b->status = rc;
	return rc;
}

int
tn_cbor_put_canonical(struct tn_buf *b, const struct tn_cbor_item *it,
    size_t depth)
{
	const struct tn_cbor_item *e;

	if (depth == 0) {
		if (b->status == TN_OK)
			b->status = TN_ERR_MALFORMED;
		return TN_ERR_MALFORMED;
	}
	switch (it->type) {
	case TN_CBOR_FLOAT:
		tn_cbor_put_float(b, it->v.f);
		break;
	case TN_CBOR_ARRAY:
		tn_cbor_put_array(b, it->count);
		e = it + 1;
		for (uint32_t i = 0; i < it->count; i++, e = tn_cbor_next(e))
			if (tn_cbor_put_canonical(b, e, depth - 1) != TN_OK)
				return b->status;
		break;
	case TN_CBOR_MAP:
		return put_canonical_map(b, it, depth);
	case TN_CBOR_UINT:
		put_head(b, 0, it->v.u);
		break;
	case TN_CBOR_NINT:
		put_head(b, 1, it->v.u);
		break;
	case TN_CBOR_BYTES:
		tn_cbor_put_bytes(b, it->v.s.p, it->v.s.n);
		break;
	case TN_CBOR_TEXT:
		tn_cbor_put_text(b, (const char *)it->v.s.p, it->v.s.n);
		break;
	case TN_CBOR_FALSE:
	case TN_CBOR_TRUE:
		tn_cbor_put_bool(b, it->type == TN_CBOR_TRUE);
		break;
	case TN_CBOR_NULL:
		tn_cbor_put_null(b);
		break;
	}
	return b->status;
}
