/*
 * tn_json.c: strict bounded JSON parsing with Python json.loads semantics,
 * and Python's float repr / json.dumps string escaping (see tn_json.h).
 *
 * Numbers are converted with strtod(), which glibc and musl round
 * correctly, as Python does.  The text handed to strtod() never contains a
 * decimal point ("12.5e3" is passed as "125e2"), so the result does not
 * depend on the locale.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tn_codec.h"
#include "tn_json.h"

/* Recursion in the parser is bounded by the depth limit; cap that. */
#define JSON_MAX_DEPTH_CAP	1024u

struct jp {
	const uint8_t	*buf;
	const uint8_t	*p;
	const uint8_t	*end;
	const struct tn_json_limits *lim;
	struct tn_json_doc *doc;
	size_t		 ncap;
	size_t		 scap;
	struct tn_error	*err;
};

static int
jp_fail(struct jp *j, const char *what)
{
	return tn_fail(j->err, TN_ERR_MALFORMED, "invalid JSON at byte %zu: %s",
	    (size_t)(j->p - j->buf), what);
}

static int
jp_node(struct jp *j, enum tn_json_type t, size_t *idx)
{
	struct tn_json_doc *d = j->doc;

	if (d->nnodes >= UINT32_MAX - 1)
		return jp_fail(j, "too many values");
	if (d->nnodes == j->ncap) {
		size_t ncap = j->ncap ? j->ncap * 2 : 16;
		struct tn_json_node *n = realloc(d->nodes,
		    ncap * sizeof(*n));

		if (n == NULL)
			return tn_fail(j->err, TN_ERR_NOMEM, "out of memory");
		d->nodes = n;
		j->ncap = ncap;
	}
	*idx = d->nnodes++;
	memset(&d->nodes[*idx], 0, sizeof(d->nodes[*idx]));
	d->nodes[*idx].type = t;
	d->nodes[*idx].size = 1;
	d->nodes[*idx].value = (uint32_t)*idx;
	return TN_OK;
}

static int
jp_str_put(struct jp *j, const void *p, size_t n)
{
	struct tn_json_doc *d = j->doc;

	if (n > j->scap - d->strlen) {
		size_t ncap = j->scap ? j->scap : 64;
		uint8_t *s;

		while (ncap - d->strlen < n)
			ncap *= 2;
		if ((s = realloc(d->str, ncap)) == NULL)
			return tn_fail(j->err, TN_ERR_NOMEM, "out of memory");
		d->str = s;
		j->scap = ncap;
	}
	memcpy(d->str + d->strlen, p, n);
	d->strlen += n;
	return TN_OK;
}

static void
jp_ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int
jp_lit(struct jp *j, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
		return 0;
	j->p += n;
	return 1;
}

/* Reads "XXXX" after "\u"; -1 if not four hex digits. */
static long
jp_hex4(const uint8_t *p, const uint8_t *end)
{
	long v = 0;

	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int h = tn_hex_digit(p[i]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static int
jp_string(struct jp *j, size_t *idx)
{
	struct tn_json_node *n;
	size_t off = j->doc->strlen, i;
	int rc;

	j->p++;			/* opening quote */
	for (;;) {
		const uint8_t *run = j->p;

		while (j->p < j->end && *j->p != '"' && *j->p != '\\' &&
		    *j->p >= 0x20)
			j->p++;
		if (j->p > run &&
		    (rc = jp_str_put(j, run, (size_t)(j->p - run))) != TN_OK)
			return rc;
		if (j->p >= j->end)
			return jp_fail(j, "unterminated string");
		if (*j->p == '"') {
			j->p++;
			break;
		}
		if (*j->p < 0x20)
			return jp_fail(j, "control character in string");
		/* backslash */
		if (j->end - j->p < 2)
			return jp_fail(j, "unterminated string");
		{
			uint8_t c = j->p[1], u[4];
			long cp;
			size_t un;

			switch (c) {
			case '"': case '\\': case '/':
				u[0] = c;
				break;
			case 'b':
				u[0] = '\b';
				break;
			case 'f':
				u[0] = '\f';
				break;
			case 'n':
				u[0] = '\n';
				break;
			case 'r':
				u[0] = '\r';
				break;
			case 't':
				u[0] = '\t';
				break;
			case 'u':
				break;
			default:
				return jp_fail(j, "invalid escape");
			}
			if (c != 'u') {
				j->p += 2;
				if ((rc = jp_str_put(j, u, 1)) != TN_OK)
					return rc;
				continue;
			}
			if ((cp = jp_hex4(j->p + 2, j->end)) < 0)
				return jp_fail(j, "invalid \\u escape");
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return jp_fail(j, "unpaired surrogate escape "
				    "(Tenuo's signer cannot sign it)");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				long lo;

				if (j->end - j->p < 12 || j->p[6] != '\\' ||
				    j->p[7] != 'u' ||
				    (lo = jp_hex4(j->p + 8, j->end)) < 0xdc00 ||
				    lo > 0xdfff)
					return jp_fail(j, "unpaired surrogate "
					    "escape (Tenuo's signer cannot "
					    "sign it)");
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
				j->p += 6;
			}
			j->p += 6;
			if (cp < 0x80) {
				u[0] = (uint8_t)cp;
				un = 1;
			} else if (cp < 0x800) {
				u[0] = (uint8_t)(0xc0 | (cp >> 6));
				u[1] = (uint8_t)(0x80 | (cp & 0x3f));
				un = 2;
			} else if (cp < 0x10000) {
				u[0] = (uint8_t)(0xe0 | (cp >> 12));
				u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
				u[2] = (uint8_t)(0x80 | (cp & 0x3f));
				un = 3;
			} else {
				u[0] = (uint8_t)(0xf0 | (cp >> 18));
				u[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
				u[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
				u[3] = (uint8_t)(0x80 | (cp & 0x3f));
				un = 4;
			}
			if ((rc = jp_str_put(j, u, un)) != TN_OK)
				return rc;
		}
	}
	if ((rc = jp_node(j, TN_JSON_STRING, &i)) != TN_OK)
		return rc;
	n = &j->doc->nodes[i];
	n->v.s.off = off;
	n->v.s.n = j->doc->strlen - off;
	*idx = i;
	return TN_OK;
}

/*
 * Decimal text to double through strtod without a decimal point:
 * sign, the digits of int and frac (leading zeros dropped), 'e', exp -
 * len(frac).  The exponent is saturated far outside the double range.
 */
static int
dec_to_double(int neg, const uint8_t *ip, size_t in, const uint8_t *fp,
    size_t fn, long long e10, double *out)
{
	char sbuf[512], *s = sbuf;
	size_t need = in + fn + 32, k = 0;
	long long e = e10 - (long long)fn;	/* before zeros are dropped */

	while (in > 0 && *ip == '0') {
		ip++;
		in--;
	}
	if (in == 0)
		while (fn > 0 && *fp == '0') {	/* 0.000123 */
			fp++;
			fn--;
		}
	if (in == 0 && fn == 0) {
		*out = neg ? -0.0 : 0.0;
		return 0;
	}
	if (need > sizeof(sbuf) && (s = malloc(need)) == NULL)
		return -1;
	if (neg)
		s[k++] = '-';
	memcpy(s + k, ip, in);
	k += in;
	if (fn > 0)
		memcpy(s + k, fp, fn);
	k += fn;
	if (e > 999999999LL)
		e = 999999999LL;
	if (e < -999999999LL)
		e = -999999999LL;
	(void)snprintf(s + k, need - k, "e%lld", e);
	*out = strtod(s, NULL);
	if (s != sbuf)
		free(s);
	return 0;
}

static int
jp_number(struct jp *j, size_t *idx)
{
	const uint8_t *start = j->p, *ip, *fp = NULL;
	size_t in, fn = 0, i;
	int neg = 0, isfloat = 0;
	long long e10 = 0;
	struct tn_json_node *n;
	int rc;

	if (*j->p == '-') {
		neg = 1;
		j->p++;
	}
	ip = j->p;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (j->p < j->end && *j->p >= '1' && *j->p <= '9')
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	else
		return jp_fail(j, "invalid number");
	in = (size_t)(j->p - ip);
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		fp = j->p;
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
		if ((fn = (size_t)(j->p - fp)) == 0)
			return jp_fail(j, "invalid number");
		isfloat = 1;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		int eneg = 0;
		const uint8_t *ep;

		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			eneg = *j->p++ == '-';
		ep = j->p;
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
			if (e10 < 1000000000LL)
				e10 = e10 * 10 + (*j->p - '0');
			j->p++;
		}
		if (j->p == ep)
			return jp_fail(j, "invalid number");
		if (eneg)
			e10 = -e10;
		isfloat = 1;
	}
	if (!isfloat && in > j->lim->max_int_digits)
		return jp_fail(j, "integer with more digits than Python "
		    "converts");
	if ((rc = jp_node(j, isfloat ? TN_JSON_FLOAT : TN_JSON_INT, &i)) !=
	    TN_OK)
		return rc;
	n = &j->doc->nodes[i];
	n->lex = start;
	n->lexlen = (size_t)(j->p - start);
	if (isfloat) {
		if (dec_to_double(neg, ip, in, fp, fn, e10, &n->v.f) != 0)
			return tn_fail(j->err, TN_ERR_NOMEM, "out of memory");
	} else {
		uint64_t m = 0, lim = neg ? (uint64_t)1 << 63 :
		    ((uint64_t)1 << 63) - 1;
		int fits = 1;

		for (size_t k = 0; k < in && fits; k++) {
			uint64_t d = (uint64_t)(ip[k] - '0');

			if (m > (lim - d) / 10)
				fits = 0;
			else
				m = m * 10 + d;
		}
		if (fits) {
			n->flags |= TN_JSON_F_I64;
			if (neg)
				n->v.i = m == (uint64_t)1 << 63 ? INT64_MIN :
				    -(int64_t)m;
			else
				n->v.i = (int64_t)m;
		}
	}
	*idx = i;
	return TN_OK;
}

struct keyref {
	const uint8_t	*p;
	size_t		 n;
	uint32_t	 ord;
	uint32_t	 node;
};

static int
keyref_cmp(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	size_t m = x->n < y->n ? x->n : y->n;
	int c = memcmp(x->p, y->p, m);

	if (c != 0)
		return c;
	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	return x->ord < y->ord ? -1 : x->ord > y->ord;
}

/* -1, 0, 1 comparing two canonical integer lexemes numerically. */
static int
int_lex_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	int na = an > 0 && a[0] == '-', nb = bn > 0 && b[0] == '-', c;

	if (na != nb)
		return na ? -1 : 1;
	if (an != bn)
		c = an < bn ? -1 : 1;
	else
		c = memcmp(a, b, an) < 0 ? -1 : memcmp(a, b, an) > 0;
	return na ? -c : c;
}

/* A key Python's int repr could have written: -?(0|[1-9][0-9]*), not -0. */
static int
is_int_key(const uint8_t *p, size_t n)
{
	size_t i = 0;

	if (n > 0 && p[0] == '-')
		i = 1;
	if (i >= n || (p[i] == '0' && (n - i > 1 || i == 1)))
		return 0;
	for (; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return 1;
}

/*
 * An object's keys: Python's dict from json.loads keeps a repeated key at
 * its first position with the last value, so later duplicates are marked
 * SHADOWED and the first one's `value` points at the last value.  Links
 * the remaining keys in byte order and flags the object when the written
 * order is byte order or ascending integer order.
 */
static int
jp_object_keys(struct jp *j, size_t obj)
{
	struct tn_json_doc *d = j->doc;
	struct keyref *kr;
	size_t m = d->nodes[obj].count, k, at = obj + 1, prev = obj;
	uint32_t last_ord = 0, flags = TN_JSON_F_BYTE_ORDER |
	    TN_JSON_F_INT_ORDER;
	const struct tn_json_node *lastint = NULL;

	if (m == 0) {
		d->nodes[obj].flags |= flags;
		return TN_OK;
	}
	if ((kr = calloc(m, sizeof(*kr))) == NULL)
		return tn_fail(j->err, TN_ERR_NOMEM, "out of memory");
	for (k = 0; k < m; k++) {
		struct tn_json_node *key = &d->nodes[at];

		kr[k].p = tn_json_str(d, key);
		kr[k].n = key->v.s.n;
		kr[k].ord = (uint32_t)k;
		kr[k].node = (uint32_t)at;
		at += key->size;
		at += d->nodes[at].size;
	}
	qsort(kr, m, sizeof(*kr), keyref_cmp);
	for (k = 0; k < m;) {
		size_t e = k + 1;

		while (e < m && kr[e].n == kr[k].n &&
		    memcmp(kr[e].p, kr[k].p, kr[k].n) == 0)
			e++;
		if (e - k > 1) {
			d->nodes[kr[k].node].value = kr[e - 1].node + 1;
			for (size_t t = k + 1; t < e; t++)
				d->nodes[kr[t].node].flags |=
				    TN_JSON_F_SHADOWED;
		} else {
			d->nodes[kr[k].node].value = kr[k].node + 1;
		}
		/* kr[k] is the first occurrence: link it in byte order */
		if (prev == obj)
			d->nodes[obj].sorted = kr[k].node;
		else
			d->nodes[prev].sorted = kr[k].node;
		prev = kr[k].node;
		if (k > 0 && kr[k].ord < last_ord)
			flags &= ~TN_JSON_F_BYTE_ORDER;
		last_ord = kr[k].ord;
		k = e;
	}
	d->nodes[prev].sorted = 0;
	/* written order, repeated keys left out: ascending integers? */
	at = obj + 1;
	for (k = 0; k < m; k++) {
		const struct tn_json_node *key = &d->nodes[at];

		if (!(key->flags & TN_JSON_F_SHADOWED)) {
			const uint8_t *p = tn_json_str(d, key);

			if (!is_int_key(p, key->v.s.n) || (lastint != NULL &&
			    int_lex_cmp(tn_json_str(d, lastint),
			    lastint->v.s.n, p, key->v.s.n) >= 0))
				flags &= ~TN_JSON_F_INT_ORDER;
			lastint = key;
		}
		at += key->size;
		at += d->nodes[at].size;
	}
	d->nodes[obj].flags |= flags;
	free(kr);
	return TN_OK;
}

static int jp_value(struct jp *j, size_t depth, size_t *idx);

static int
jp_container(struct jp *j, size_t depth, int is_obj, size_t *idx)
{
	size_t i, count = 0, c;
	int rc;

	if (depth > j->lim->max_depth)
		return jp_fail(j, "nesting deeper than the limit");
	if ((rc = jp_node(j, is_obj ? TN_JSON_OBJECT : TN_JSON_ARRAY, &i)) !=
	    TN_OK)
		return rc;
	j->p++;
	jp_ws(j);
	if (j->p < j->end && *j->p == (is_obj ? '}' : ']')) {
		j->p++;
	} else {
		for (;;) {
			if (is_obj) {
				if (j->p >= j->end || *j->p != '"')
					return jp_fail(j, "expected a string "
					    "key");
				if ((rc = jp_string(j, &c)) != TN_OK)
					return rc;
				jp_ws(j);
				if (j->p >= j->end || *j->p != ':')
					return jp_fail(j, "expected ':'");
				j->p++;
				jp_ws(j);
			}
			if ((rc = jp_value(j, depth, &c)) != TN_OK)
				return rc;
			if (count == UINT32_MAX)
				return jp_fail(j, "too many members");
			count++;
			jp_ws(j);
			if (j->p < j->end && *j->p == ',') {
				j->p++;
				jp_ws(j);
				continue;
			}
			if (j->p < j->end && *j->p == (is_obj ? '}' : ']')) {
				j->p++;
				break;
			}
			return jp_fail(j, is_obj ? "expected ',' or '}'" :
			    "expected ',' or ']'");
		}
	}
	j->doc->nodes[i].count = (uint32_t)count;
	j->doc->nodes[i].size = (uint32_t)(j->doc->nnodes - i);
	*idx = i;
	return is_obj ? jp_object_keys(j, i) : TN_OK;
}

static int
jp_value(struct jp *j, size_t depth, size_t *idx)
{
	int rc;

	if (j->p >= j->end)
		return jp_fail(j, "expected a value");
	switch (*j->p) {
	case '{':
		return jp_container(j, depth + 1, 1, idx);
	case '[':
		return jp_container(j, depth + 1, 0, idx);
	case '"':
		return jp_string(j, idx);
	case 't':
		if (!jp_lit(j, "true"))
			return jp_fail(j, "invalid literal");
		return jp_node(j, TN_JSON_TRUE, idx);
	case 'f':
		if (!jp_lit(j, "false"))
			return jp_fail(j, "invalid literal");
		return jp_node(j, TN_JSON_FALSE, idx);
	case 'n':
		if (!jp_lit(j, "null"))
			return jp_fail(j, "invalid literal");
		return jp_node(j, TN_JSON_NULL, idx);
	case 'N':
	case 'I':
	case '-': {
		const uint8_t *start = j->p;
		double v;

		if (jp_lit(j, "NaN"))
			v = NAN;
		else if (jp_lit(j, "Infinity"))
			v = INFINITY;
		else if (jp_lit(j, "-Infinity"))
			v = -INFINITY;
		else if (*j->p == '-')
			return jp_number(j, idx);
		else
			return jp_fail(j, "invalid literal");
		if ((rc = jp_node(j, TN_JSON_FLOAT, idx)) != TN_OK)
			return rc;
		j->doc->nodes[*idx].v.f = v;
		j->doc->nodes[*idx].lex = start;
		j->doc->nodes[*idx].lexlen = (size_t)(j->p - start);
		return TN_OK;
	}
	default:
		if (*j->p >= '0' && *j->p <= '9')
			return jp_number(j, idx);
		return jp_fail(j, "unexpected character");
	}
}

int
tn_json_parse(const uint8_t *buf, size_t len, const struct tn_json_limits *lim,
    struct tn_json_doc *doc, struct tn_error *err)
{
	static const struct tn_json_limits deflim = {
		TN_JSON_DEFAULT_MAX_BYTES, TN_JSON_DEFAULT_MAX_DEPTH,
		TN_JSON_PY_MAX_INT_DIGITS
	};
	static const uint8_t empty[1];
	struct jp j;
	size_t root;
	int rc;

	if (doc == NULL)
		return tn_fail(err, TN_ERR_INVALID_ARG, "no document");
	memset(doc, 0, sizeof(*doc));
	if (lim == NULL)
		lim = &deflim;
	if ((buf == NULL && len > 0) || lim->max_depth > JSON_MAX_DEPTH_CAP)
		return tn_fail(err, TN_ERR_INVALID_ARG, "bad JSON arguments");
	if (buf == NULL)	/* an empty text (protobuf-c's empty bytes) */
		buf = empty;
	if (len > lim->max_bytes)
		return tn_fail(err, TN_ERR_MALFORMED, "JSON text of %zu bytes "
		    "exceeds the limit of %zu", len, lim->max_bytes);
	if (len > 0 && !tn_utf8_valid(buf, len))
		return tn_fail(err, TN_ERR_MALFORMED,
		    "JSON text is not valid UTF-8");
	memset(&j, 0, sizeof(j));
	j.buf = buf;
	j.p = buf;
	j.end = buf + len;
	j.lim = lim;
	j.doc = doc;
	j.err = err;
	/* json.loads(bytes) decodes a leading UTF-8 BOM away */
	if (len >= 3 && buf[0] == 0xef && buf[1] == 0xbb && buf[2] == 0xbf)
		j.p += 3;
	jp_ws(&j);
	rc = jp_value(&j, 0, &root);
	if (rc == TN_OK) {
		jp_ws(&j);
		if (j.p != j.end)
			rc = jp_fail(&j, "extra data after the value");
	}
	if (rc != TN_OK) {
		tn_json_doc_free(doc);
		return rc;
	}
	return TN_OK;
}

void
tn_json_doc_free(struct tn_json_doc *doc)
{
	if (doc == NULL)
		return;
	free(doc->nodes);
	free(doc->str);
	memset(doc, 0, sizeof(*doc));
}

int
tn_json_int_to_double(const struct tn_json_node *n, double *out)
{
	const uint8_t *ip;
	size_t in;
	int neg;

	*out = 0;
	if (n->type != TN_JSON_INT || n->lex == NULL || n->lexlen == 0)
		return -1;
	if (n->flags & TN_JSON_F_I64) {
		*out = (double)n->v.i;	/* correctly rounded (ties even) */
		return 0;
	}
	neg = n->lex[0] == '-';
	ip = n->lex + neg;
	in = n->lexlen - (size_t)neg;
	if (dec_to_double(neg, ip, in, NULL, 0, 0, out) != 0)
		return -1;
	return isinf(*out) ? -1 : 0;
}

/* ------------------------------------------------------------ float repr */

/* digits d[0..nd) with value 0.d * 10^decpt */
struct decimal {
	char	d[24];
	int	nd;
	int	decpt;
};

static int
dec_roundtrips(const struct decimal *x, double v)
{
	double r;

	/* 0.d1..dn * 10^decpt = d1..dn * 10^(decpt - n) */
	if (dec_to_double(0, (const uint8_t *)x->d, (size_t)x->nd, NULL, 0,
	    x->decpt - x->nd, &r) != 0)
		return 0;
	return r == v;
}

/* %.*e gives the correctly rounded prec-digit decimal; parse it. */
static void
dec_from_printf(double v, int prec, struct decimal *x)
{
	char s[64];
	const char *p = s, *e;
	int exp;

	(void)snprintf(s, sizeof(s), "%.*e", prec - 1, v);
	x->nd = 0;
	e = strchr(s, 'e');
	for (; p < e; p++)	/* skip the point, whatever the locale */
		if (*p >= '0' && *p <= '9' && x->nd < (int)sizeof(x->d))
			x->d[x->nd++] = *p;
	exp = atoi(e + 1);
	x->decpt = exp + 1;
}

static void
dec_strip(struct decimal *x)
{
	while (x->nd > 1 && x->d[x->nd - 1] == '0')
		x->nd--;
}

/* x +- one unit in the last digit (x has nd >= 1 digits, d[0] != 0). */
static void
dec_step(const struct decimal *x, int up, struct decimal *y)
{
	int i;

	*y = *x;
	if (up) {
		for (i = y->nd - 1; i >= 0 && y->d[i] == '9'; i--)
			y->d[i] = '0';
		if (i >= 0) {
			y->d[i]++;
		} else {	/* 99 -> 100 */
			memmove(y->d + 1, y->d, (size_t)y->nd);
			y->d[0] = '1';
			y->nd++;
			y->decpt++;
		}
	} else {
		for (i = y->nd - 1; i >= 0 && y->d[i] == '0'; i--)
			y->d[i] = '9';
		if (i < 0)
			return;
		y->d[i]--;
		if (y->d[0] == '0') {	/* 100 -> 099 -> 99 */
			memmove(y->d, y->d + 1, (size_t)(y->nd - 1));
			y->nd--;
			y->decpt--;
		}
	}
	dec_strip(y);
}

/* Shortest digits that read back as v (v finite, > 0). */
static void
dec_shortest(double v, struct decimal *x)
{
	for (int prec = 1; prec <= 17; prec++) {
		struct decimal y;

		dec_from_printf(v, prec, x);
		if (dec_roundtrips(x, v))
			break;
		/*
		 * At a power of two the round-trip interval is lopsided: the
		 * nearest prec-digit decimal may miss it while its neighbour
		 * on the other side of v hits it.
		 */
		dec_step(x, 1, &y);
		if (y.nd <= prec && dec_roundtrips(&y, v)) {
			*x = y;
			break;
		}
		dec_step(x, 0, &y);
		if (y.nd <= prec && y.nd > 0 && dec_roundtrips(&y, v)) {
			*x = y;
			break;
		}
	}
	dec_strip(x);
}

size_t
tn_json_float_repr(double v, char out[TN_JSON_FLOAT_REPR_MAX])
{
	struct decimal x;
	size_t k = 0;

	if (isnan(v))
		return (size_t)snprintf(out, TN_JSON_FLOAT_REPR_MAX, "NaN");
	if (isinf(v))
		return (size_t)snprintf(out, TN_JSON_FLOAT_REPR_MAX, "%s",
		    v < 0 ? "-Infinity" : "Infinity");
	if (signbit(v)) {
		out[k++] = '-';
		v = -v;
	}
	if (v == 0) {
		memcpy(out + k, "0.0", 4);
		return k + 3;
	}
	dec_shortest(v, &x);
	if (x.decpt <= -4 || x.decpt > 16) {
		int e = x.decpt - 1;

		out[k++] = x.d[0];
		if (x.nd > 1) {
			out[k++] = '.';
			memcpy(out + k, x.d + 1, (size_t)(x.nd - 1));
			k += (size_t)(x.nd - 1);
		}
		k += (size_t)snprintf(out + k, TN_JSON_FLOAT_REPR_MAX - k,
		    "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
		return k;
	}
	if (x.decpt <= 0) {
		out[k++] = '0';
		out[k++] = '.';
		for (int i = 0; i < -x.decpt; i++)
			out[k++] = '0';
		memcpy(out + k, x.d, (size_t)x.nd);
		k += (size_t)x.nd;
	} else if (x.decpt >= x.nd) {
		memcpy(out + k, x.d, (size_t)x.nd);
		k += (size_t)x.nd;
		for (int i = x.nd; i < x.decpt; i++)
			out[k++] = '0';
		out[k++] = '.';
		out[k++] = '0';
	} else {
		memcpy(out + k, x.d, (size_t)x.decpt);
		k += (size_t)x.decpt;
		out[k++] = '.';
		memcpy(out + k, x.d + x.decpt, (size_t)(x.nd - x.decpt));
		k += (size_t)(x.nd - x.decpt);
	}
	out[k] = '\0';
	return k;
}

/* ------------------------------------------------------------ escaping */

size_t
tn_json_py_escape(uint8_t c, char out[6])
{
	static const char hex[] = "0123456789abcdef";

	switch (c) {
	case '"':
		memcpy(out, "\\\"", 2);
		return 2;
	case '\\':
		memcpy(out, "\\\\", 2);
		return 2;
	case '\b':
		memcpy(out, "\\b", 2);
		return 2;
	case '\f':
		memcpy(out, "\\f", 2);
		return 2;
	case '\n':
		memcpy(out, "\\n", 2);
		return 2;
	case '\r':
		memcpy(out, "\\r", 2);
		return 2;
	case '\t':
		memcpy(out, "\\t", 2);
		return 2;
	default:
		if (c >= 0x20)
			return 0;
		memcpy(out, "\\u00", 4);
		out[4] = hex[c >> 4];
		out[5] = hex[c & 0xf];
		return 6;
	}
}

void
tn_json_put_py_string(struct tn_buf *b, const uint8_t *s, size_t n)
{
	size_t i = 0, run = 0;
	char e[6];

	tn_buf_put(b, "\"", 1);
	for (i = 0; i < n; i++) {
		size_t en = tn_json_py_escape(s[i], e);

		if (en == 0)
			continue;
		tn_buf_put(b, s + run, i - run);
		tn_buf_put(b, e, en);
		run = i + 1;
	}
	tn_buf_put(b, s + run, n - run);
	tn_buf_put(b, "\"", 1);
}
