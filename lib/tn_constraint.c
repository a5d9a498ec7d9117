/*
 * tn_constraint.c: constraint validation, evaluation and attenuation on
 * decoded CBOR items, following deployed tenuo-core (constraints.rs).
 *
 * Where deployed tenuo-core is unsound this is stricter, never looser:
 *  - Pattern attenuation compiles both globs (an invalid glob attenuates
 *    nothing, except to an identical copy), and compares the prefix/suffix
 *    token by token as well as byte by byte: "*]" -> "*[a]" passes the
 *    deployed string test although "[a]" is a class, not the text "]".
 *  - Range attenuation rejects NaN bounds (deployed compares them as if
 *    they were absent), and evaluation rejects NaN and infinite values.
 *  - Any -> Any and Not -> Not also require that no parent branch can fail
 *    with an error (deny) where the child's can succeed (evaluation errors
 *    deny; deployed ignores them when comparing).
 *  - Subpath with case_sensitive false lower-cases ASCII only and denies a
 *    root holding non-ASCII bytes (deployed lower-cases all of Unicode).
 *  - Regex patterns the deployed dialect rejects are malformed at
 *    validation (deployed compiles lazily and denies at evaluation).
 * Each is marked "stricter than deployed" below; the Regex, UrlPattern,
 * UrlSafe, Cel and Shlex modules list their own (tn_regex.h, tn_url.c,
 * tn_cel.h, tn_shlex.h).
 */
#define _POSIX_C_SOURCE 200809L	/* inet_pton */

#include <arpa/inet.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tn_cel.h"
#include "tn_constraint.h"
#include "tn_glob.h"
#include "tn_regex.h"
#include "tn_shlex.h"
#include "tn_url.h"

/* Nesting of values we recurse into (the decoder's limit is lower). */
#define CV_MAX_DEPTH	128u

/* ------------------------------------------------------------ type names */

const char *
tn_constraint_type_name(uint64_t t)
{
	switch (t) {
	case TN_C_EXACT:	return "Exact";
	case TN_C_PATTERN:	return "Pattern";
	case TN_C_RANGE:	return "Range";
	case TN_C_ONE_OF:	return "OneOf";
	case TN_C_REGEX:	return "Regex";
	case TN_C_NOT_ONE_OF:	return "NotOneOf";
	case TN_C_CIDR:		return "Cidr";
	case TN_C_URL_PATTERN:	return "UrlPattern";
	case TN_C_CONTAINS:	return "Contains";
	case TN_C_SUBSET:	return "Subset";
	case TN_C_ALL:		return "All";
	case TN_C_ANY:		return "Any";
	case TN_C_NOT:		return "Not";
	case TN_C_CEL:		return "Cel";
	case TN_C_WILDCARD:	return "Wildcard";
	case TN_C_SUBPATH:	return "Subpath";
	case TN_C_URL_SAFE:	return "UrlSafe";
	case TN_C_SHLEX:	return "Shlex";
	default:		return "Unknown";
	}
}

static int
type_known(uint64_t t)
{
	return (t >= 1 && t <= 18 && t != 6) || t == TN_C_SHLEX;
}

int
tn_constraint_type_supported(uint64_t t)
{
	return type_known(t);
}

/* ------------------------------------------------------------ item access */

static uint64_t
ctype(const struct tn_cbor_item *c)
{
	return (c + 1)->v.u;	/* validated: UINT */
}

/* The payload of a validated constraint (NULL for an absent one). */
static const struct tn_cbor_item *
cval(const struct tn_cbor_item *c)
{
	return c->count >= 2 ? tn_cbor_next(c + 1) : NULL;
}

static const struct tn_cbor_item *
map_find(const struct tn_cbor_item *map, const uint8_t *k, size_t kn)
{
	const struct tn_cbor_item *it = map + 1;

	for (uint32_t i = 0; i < map->count; i++) {
		const struct tn_cbor_item *val = tn_cbor_next(it);

		if (it->type == TN_CBOR_TEXT && it->v.s.n == kn &&
		    (kn == 0 || memcmp(it->v.s.p, k, kn) == 0))
			return val;
		it = tn_cbor_next(val);
	}
	return NULL;
}

static const struct tn_cbor_item *
field(const struct tn_cbor_item *map, const char *name)
{
	return tn_cbor_map_get(map, name);
}

static int
flag(const struct tn_cbor_item *map, const char *name, int dflt)
{
	const struct tn_cbor_item *f = field(map, name);

	if (f == NULL)
		return dflt;
	return f->type == TN_CBOR_TRUE;
}

/*
 * A printable, bounded copy of an argument name for reasons: names are
 * caller-chosen text, so control and non-ASCII bytes become '?'.
 */
static void
name_copy(const struct tn_cbor_item *k, char *out, size_t cap)
{
	size_t n = k->v.s.n, o = 0;

	for (size_t i = 0; i < n && o + 4 < cap; i++) {
		uint8_t ch = k->v.s.p[i];

		out[o++] = (ch >= 0x20 && ch < 0x7f && ch != '\'') ? (char)ch :
		    '?';
	}
	if (o + 4 >= cap && n > o) {
		out[o++] = '.';
		out[o++] = '.';
		out[o++] = '.';
	}
	out[o] = '\0';
}

/* ------------------------------------------------------------ values */

enum cv_kind {
	CV_INVALID = 0,
	CV_STR,
	CV_INT,
	CV_FLOAT,
	CV_BOOL,
	CV_NULL,
	CV_LIST,
	CV_OBJ
};

/* Shallow kind of an item under deployed ConstraintValue rules. */
static enum cv_kind
cv_kind(const struct tn_cbor_item *v)
{
	switch (v->type) {
	case TN_CBOR_TEXT:
		return CV_STR;
	case TN_CBOR_BYTES:
		/* Deployed reads UTF-8 byte strings as strings. */
		return tn_utf8_valid(v->v.s.p, v->v.s.n) ? CV_STR : CV_INVALID;
	case TN_CBOR_UINT:
		return v->v.u <= (uint64_t)INT64_MAX ? CV_INT : CV_FLOAT;
	case TN_CBOR_NINT:
		return v->v.u <= (uint64_t)INT64_MAX ? CV_INT : CV_INVALID;
	case TN_CBOR_FLOAT:
		return CV_FLOAT;
	case TN_CBOR_TRUE:
	case TN_CBOR_FALSE:
		return CV_BOOL;
	case TN_CBOR_NULL:
		return CV_NULL;
	case TN_CBOR_ARRAY:
		return CV_LIST;
	case TN_CBOR_MAP:
		return CV_OBJ;
	}
	return CV_INVALID;
}

static int
cv_valid_d(const struct tn_cbor_item *v, unsigned depth)
{
	const struct tn_cbor_item *it;
	enum cv_kind k = cv_kind(v);

	if (k == CV_INVALID)
		return 0;
	if (k != CV_LIST && k != CV_OBJ)
		return 1;
	if (depth >= CV_MAX_DEPTH)
		return 0;
	it = v + 1;
	for (uint32_t i = 0; i < v->count; i++) {
		if (k == CV_OBJ) {
			if (it->type != TN_CBOR_TEXT)
				return 0;
			it = tn_cbor_next(it);
		}
		if (!cv_valid_d(it, depth + 1))
			return 0;
		it = tn_cbor_next(it);
	}
	return 1;
}

static int
cv_valid(const struct tn_cbor_item *v)
{
	return cv_valid_d(v, 0);
}

static int
cv_str(const struct tn_cbor_item *v, const uint8_t **p, size_t *n)
{
	if (cv_kind(v) != CV_STR)
		return 0;
	*p = v->v.s.p;
	*n = v->v.s.n;
	return 1;
}

/* Deployed as_number(): integers and floats, as f64. */
static int
cv_num(const struct tn_cbor_item *v, double *out)
{
	switch (cv_kind(v)) {
	case CV_INT:
		if (v->type == TN_CBOR_UINT)
			*out = (double)(int64_t)v->v.u;
		else
			*out = (double)(-1 - (int64_t)v->v.u);
		return 1;
	case CV_FLOAT:
		*out = v->type == TN_CBOR_FLOAT ? v->v.f : (double)v->v.u;
		return 1;
	default:
		return 0;
	}
}

/* Deployed ConstraintValue equality (both valid values). */
static int
cv_eq(const struct tn_cbor_item *a, const struct tn_cbor_item *b)
{
	enum cv_kind ka = cv_kind(a), kb = cv_kind(b);
	const struct tn_cbor_item *x, *y;
	double fa, fb;

	if (ka != kb)
		return 0;
	switch (ka) {
	case CV_STR:
		return a->v.s.n == b->v.s.n && (a->v.s.n == 0 ||
		    memcmp(a->v.s.p, b->v.s.p, a->v.s.n) == 0);
	case CV_INT:
		return a->type == b->type && a->v.u == b->v.u;
	case CV_FLOAT:
		(void)cv_num(a, &fa);
		(void)cv_num(b, &fb);
		return fa == fb;
	case CV_BOOL:
		return a->type == b->type;
	case CV_NULL:
		return 1;
	case CV_LIST:
		if (a->count != b->count)
			return 0;
		x = a + 1;
		y = b + 1;
		for (uint32_t i = 0; i < a->count; i++) {
			if (!cv_eq(x, y))
				return 0;
			x = tn_cbor_next(x);
			y = tn_cbor_next(y);
		}
		return 1;
	case CV_OBJ:
		/* Deployed maps are BTreeMaps: equal regardless of order. */
		if (a->count != b->count)
			return 0;
		x = a + 1;
		for (uint32_t i = 0; i < a->count; i++) {
			y = map_find(b, x->v.s.p, x->v.s.n);
			if (y == NULL || !cv_eq(tn_cbor_next(x), y))
				return 0;
			x = tn_cbor_next(tn_cbor_next(x));
		}
		return 1;
	case CV_INVALID:
		break;
	}
	return 0;
}

/* 1 if some element of the array list equals v. */
static int
cv_in(const struct tn_cbor_item *list, const struct tn_cbor_item *v)
{
	const struct tn_cbor_item *it = list + 1;

	for (uint32_t i = 0; i < list->count; i++) {
		if (cv_eq(it, v))
			return 1;
		it = tn_cbor_next(it);
	}
	return 0;
}

/*
 * A total order on scalar values consistent with cv_eq (kinds first; NaN
 * sorts last and is never looked up, since it equals nothing).
 */
static int
cv_cmp(const void *pa, const void *pb)
{
	const struct tn_cbor_item *a = *(const struct tn_cbor_item *const *)pa;
	const struct tn_cbor_item *b = *(const struct tn_cbor_item *const *)pb;
	enum cv_kind ka = cv_kind(a), kb = cv_kind(b);
	double fa, fb;
	int64_t ia, ib;
	size_t n;
	int c;

	if (ka != kb)
		return ka < kb ? -1 : 1;
	switch (ka) {
	case CV_STR:
		n = a->v.s.n < b->v.s.n ? a->v.s.n : b->v.s.n;
		if (n > 0 && (c = memcmp(a->v.s.p, b->v.s.p, n)) != 0)
			return c;
		return a->v.s.n < b->v.s.n ? -1 : a->v.s.n > b->v.s.n;
	case CV_INT:
		(void)tn_cbor_get_i64(a, &ia);
		(void)tn_cbor_get_i64(b, &ib);
		return ia < ib ? -1 : ia > ib;
	case CV_FLOAT:
		(void)cv_num(a, &fa);
		(void)cv_num(b, &fb);
		if (isnan(fa) || isnan(fb))
			return isnan(fa) - isnan(fb);
		return fa < fb ? -1 : fa > fb;
	case CV_BOOL:
		return (a->type == TN_CBOR_TRUE) - (b->type == TN_CBOR_TRUE);
	default:
		return 0;
	}
}

static int
cv_scalar_list(const struct tn_cbor_item *l)
{
	const struct tn_cbor_item *it = l + 1;

	for (uint32_t i = 0; i < l->count; i++) {
		if (it->type == TN_CBOR_ARRAY || it->type == TN_CBOR_MAP)
			return 0;
		it = tn_cbor_next(it);
	}
	return 1;
}

/*
 * 1 if every element of array a is in array b, else 0; TN_ERR_NOMEM.
 * Large lists of scalars go through a sorted index: O((n + m) log m).
 */
static int
cv_subset(const struct tn_cbor_item *a, const struct tn_cbor_item *b)
{
	const struct tn_cbor_item *it = a + 1, **idx;
	int ok = 1;

	if ((uint64_t)a->count * b->count <= 4096 || !cv_scalar_list(a) ||
	    !cv_scalar_list(b)) {
		for (uint32_t i = 0; i < a->count; i++) {
			if (!cv_in(b, it))
				return 0;
			it = tn_cbor_next(it);
		}
		return 1;
	}
	if ((idx = calloc(b->count, sizeof(*idx))) == NULL)
		return TN_ERR_NOMEM;
	idx[0] = b + 1;
	for (uint32_t j = 1; j < b->count; j++)
		idx[j] = tn_cbor_next(idx[j - 1]);
	qsort(idx, b->count, sizeof(*idx), cv_cmp);
	for (uint32_t i = 0; i < a->count && ok; i++) {
		double f;

		if (cv_kind(it) == CV_FLOAT && cv_num(it, &f) && isnan(f))
			ok = 0;
		else
			ok = bsearch(&it, idx, b->count, sizeof(*idx),
			    cv_cmp) != NULL;
		it = tn_cbor_next(it);
	}
	free(idx);
	return ok;
}

/* ------------------------------------------------------------ Subpath */

int
tn_subpath_is_absolute(const uint8_t *p, size_t n)
{
	if (n >= 1 && p[0] == '/')
		return 1;
	return n >= 3 && ((p[0] >= 'a' && p[0] <= 'z') ||
	    (p[0] >= 'A' && p[0] <= 'Z')) && p[1] == ':' &&
	    (p[2] == '\\' || p[2] == '/');
}

static int
is_sep(uint8_t c)
{
	return c == '/' || c == '\\';
}

size_t
tn_subpath_normalize(const uint8_t *p, size_t n, uint8_t *out)
{
	size_t plen, o, i, ncomp = 0;

	if (n >= 1 && p[0] == '/')
		plen = 1;
	else if (n >= 2 && p[1] == ':')
		plen = (n > 2 && is_sep(p[2])) ? 3 : 2;
	else
		plen = 0;
	memcpy(out, p, plen);
	o = plen;
	i = plen;
	while (i <= n) {
		size_t s = i, len;

		while (i < n && !is_sep(p[i]))
			i++;
		len = i - s;
		i++;	/* past the separator (or the end) */
		if (len == 0 || (len == 1 && p[s] == '.'))
			continue;
		if (len == 2 && p[s] == '.' && p[s + 1] == '.') {
			size_t k = o;

			if (ncomp == 0)
				continue;	/* never above the root */
			while (k > plen && !is_sep(out[k - 1]))
				k--;
			/* k - 1 is our separator, or k == plen. */
			o = k > plen ? k - 1 : plen;
			ncomp--;
			continue;
		}
		if ((ncomp > 0 || plen > 0) && !is_sep(out[o - 1]))
			out[o++] = '/';
		memcpy(out + o, p + s, len);
		o += len;
		ncomp++;
	}
	return o;
}

/*
 * Deployed Subpath::contains_path with the root as stored on the wire.
 * Returns 1, 0, or TN_ERR_NOMEM.
 */
static int
subpath_contains(const struct tn_cbor_item *sp, const uint8_t *path,
    size_t n)
{
	const struct tn_cbor_item *root = field(sp, "root");
	int cs = flag(sp, "case_sensitive", 1);
	int ae = flag(sp, "allow_equal", 1);
	const uint8_t *r = root->v.s.p;
	size_t rn = root->v.s.n, rt, nn;
	uint8_t *norm;
	int ok = 0;

	if (memchr(path, 0, n) != NULL || !tn_subpath_is_absolute(path, n))
		return 0;
	if (!cs) {
		/* Stricter than deployed: ASCII case folding only. */
		for (size_t i = 0; i < rn; i++)
			if (r[i] >= 0x80)
				return 0;
	}
	if ((norm = malloc(n + 2)) == NULL)
		return TN_ERR_NOMEM;
	nn = tn_subpath_normalize(path, n, norm);
	if (!cs)
		for (size_t i = 0; i < nn; i++)
			if (norm[i] >= 'A' && norm[i] <= 'Z')
				norm[i] = (uint8_t)(norm[i] + 32);
	if (ae && nn == rn && memcmp(norm, r, rn) == 0)
		ok = 1;
	rt = rn;
	while (rt > 0 && r[rt - 1] == '/')
		rt--;
	if (!ok && nn > rt && memcmp(norm, r, rt) == 0 && norm[rt] == '/')
		ok = 1;
	free(norm);
	return ok;
}

/* ------------------------------------------------------------ Cidr */

struct net {
	int	 v6;
	uint8_t	 a[16];
	unsigned prefix;
};

/* Rust u8::from_str: optional '+', decimal digits, at most 255. */
static int
parse_u8(const char *s, unsigned *out)
{
	unsigned v = 0;

	if (*s == '+')
		s++;
	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > 255)
			return -1;
	}
	*out = v;
	return 0;
}

/* IpAddr::from_str: an IPv4 or IPv6 address, nothing else. */
static int
ip_parse(const uint8_t *s, size_t n, struct net *ip)
{
	char buf[64];

	memset(ip, 0, sizeof(*ip));
	if (n == 0 || n >= sizeof(buf) || memchr(s, 0, n) != NULL)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, ip->a) == 1) {
		ip->prefix = 32;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, ip->a) == 1) {
		ip->v6 = 1;
		ip->prefix = 128;
		return 0;
	}
	return -1;
}

/* ipnetwork 0.21 IpNetwork::from_str. */
static int
cidr_parse(const uint8_t *s, size_t n, struct net *net)
{
	char buf[128], *slash;
	struct net mask;
	unsigned p;

	memset(net, 0, sizeof(*net));
	if (n == 0 || n >= sizeof(buf) || memchr(s, 0, n) != NULL)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if ((slash = strchr(buf, '/')) != NULL) {
		if (strchr(slash + 1, '/') != NULL)
			return -1;
		*slash = '\0';
	}
	if (inet_pton(AF_INET, buf, net->a) == 1) {
		net->prefix = 32;
		if (slash == NULL)
			return 0;
		if (ip_parse((const uint8_t *)slash + 1, strlen(slash + 1),
		    &mask) == 0 && !mask.v6) {
			uint32_t m = (uint32_t)mask.a[0] << 24 |
			    (uint32_t)mask.a[1] << 16 |
			    (uint32_t)mask.a[2] << 8 | mask.a[3];
			unsigned len = 0;

			while (len < 32 && (m & (0x80000000u >> len)))
				len++;
			if (len < 32 && (m << len) != 0)
				return -1;	/* not contiguous */
			net->prefix = len;
			return 0;
		}
		if (parse_u8(slash + 1, &p) != 0 || p > 32)
			return -1;
		net->prefix = p;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, net->a) == 1) {
		net->v6 = 1;
		net->prefix = 128;
		if (slash == NULL)
			return 0;
		if (parse_u8(slash + 1, &p) != 0 || p > 128)
			return -1;
		net->prefix = p;
		return 0;
	}
	return -1;
}

static int
net_contains(const struct net *net, const struct net *ip)
{
	unsigned full, rem;

	if (net->v6 != ip->v6)
		return 0;
	full = net->prefix / 8;
	rem = net->prefix % 8;
	if (memcmp(net->a, ip->a, full) != 0)
		return 0;
	if (rem != 0) {
		uint8_t m = (uint8_t)(0xff00u >> rem);

		if ((net->a[full] & m) != (ip->a[full] & m))
			return 0;
	}
	return 1;
}

/* The first (bcast 0) or last (bcast 1) address of a network. */
static void
net_edge(const struct net *net, int bcast, struct net *out)
{
	unsigned bytes = net->v6 ? 16 : 4;

	*out = *net;
	for (unsigned i = 0; i < bytes * 8; i++) {
		if (i < net->prefix)
			continue;
		if (bcast)
			out->a[i / 8] = (uint8_t)(out->a[i / 8] |
			    (0x80u >> (i % 8)));
		else
			out->a[i / 8] = (uint8_t)(out->a[i / 8] &
			    ~(0x80u >> (i % 8)));
	}
	out->prefix = bytes * 8;
}

int
tn_constraint_ip_in_cidr(const uint8_t *ip, size_t ipn, const uint8_t *cidr,
    size_t cidrn)
{
	struct net net, a;

	if (ip_parse(ip, ipn, &a) != 0 || cidr_parse(cidr, cidrn, &net) != 0)
		return -1;
	return net_contains(&net, &a);
}

int
tn_constraint_ip_is_private(const uint8_t *ip, size_t n)
{
	struct net a;

	if (ip_parse(ip, n, &a) != 0)
		return -1;
	if (a.v6)
		return (a.a[0] & 0xfe) == 0xfc;
	return a.a[0] == 10 || (a.a[0] == 172 && a.a[1] >= 16 &&
	    a.a[1] <= 31) || (a.a[0] == 192 && a.a[1] == 168);
}

/* ------------------------------------------------------------ validation */

static int
vfail(struct tn_error *err, uint64_t t, const char *what)
{
	return tn_fail(err, TN_ERR_MALFORMED, "constraint %s (%llu): %s",
	    tn_constraint_type_name(t), (unsigned long long)t, what);
}

/* A struct-like map: every key must be text (deployed field names). */
static int
struct_map(const struct tn_cbor_item *m)
{
	const struct tn_cbor_item *it;

	if (m == NULL || m->type != TN_CBOR_MAP)
		return 0;
	it = m + 1;
	for (uint32_t i = 0; i < m->count; i++) {
		if (it->type != TN_CBOR_TEXT)
			return 0;
		it = tn_cbor_next(tn_cbor_next(it));
	}
	return 1;
}

static int
value_list(const struct tn_cbor_item *l)
{
	return l != NULL && l->type == TN_CBOR_ARRAY && cv_valid(l);
}

static int
text_list(const struct tn_cbor_item *l)
{
	const struct tn_cbor_item *it;

	if (l == NULL || l->type != TN_CBOR_ARRAY)
		return 0;
	it = l + 1;
	for (uint32_t i = 0; i < l->count; i++) {
		if (it->type != TN_CBOR_TEXT)
			return 0;
		it = tn_cbor_next(it);
	}
	return 1;
}

static int
opt_bool(const struct tn_cbor_item *m, const char *name)
{
	const struct tn_cbor_item *f = field(m, name);

	return f == NULL || f->type == TN_CBOR_TRUE || f->type == TN_CBOR_FALSE;
}

static int
req_bool(const struct tn_cbor_item *m, const char *name)
{
	const struct tn_cbor_item *f = field(m, name);

	return f != NULL && (f->type == TN_CBOR_TRUE || f->type == TN_CBOR_FALSE);
}

/* Deployed Option<f64>: absent, null or a float (ciborium: no integers). */
static int
opt_float(const struct tn_cbor_item *m, const char *name)
{
	const struct tn_cbor_item *f = field(m, name);

	return f == NULL || f->type == TN_CBOR_NULL || f->type == TN_CBOR_FLOAT;
}

static int
opt_null_or(const struct tn_cbor_item *m, const char *name,
    int (*ok)(const struct tn_cbor_item *))
{
	const struct tn_cbor_item *f = field(m, name);

	return f == NULL || f->type == TN_CBOR_NULL || ok(f);
}

static int
port_list(const struct tn_cbor_item *l)
{
	const struct tn_cbor_item *it;

	if (l->type != TN_CBOR_ARRAY)
		return 0;
	it = l + 1;
	for (uint32_t i = 0; i < l->count; i++) {
		if (it->type != TN_CBOR_UINT || it->v.u > 65535)
			return 0;
		it = tn_cbor_next(it);
	}
	return 1;
}

static int c_validate(const struct tn_cbor_item *c, unsigned level,
    struct tn_error *err);

static int
validate_children(const struct tn_cbor_item *list, unsigned level,
    struct tn_error *err)
{
	const struct tn_cbor_item *it = list + 1;

	for (uint32_t i = 0; i < list->count; i++) {
		int rc = c_validate(it, level, err);

		if (rc != TN_OK)
			return rc;
		it = tn_cbor_next(it);
	}
	return TN_OK;
}

/* level: composite constraints (All, Any, Not) enclosing c. */
static int
c_validate(const struct tn_cbor_item *c, unsigned level, struct tn_error *err)
{
	const struct tn_cbor_item *v, *f;
	struct net net;
	uint64_t t;

	if (c == NULL || c->type != TN_CBOR_ARRAY || c->count < 1 ||
	    c->count > 2)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "constraint: not a [type_id, value] array");
	if ((c + 1)->type != TN_CBOR_UINT || (c + 1)->v.u > 255)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "constraint: type id is not an integer in 0..255");
	t = (c + 1)->v.u;
	v = cval(c);
	if (!type_known(t)) {
		/* Deployed reads the payload as a byte buffer. */
		if (v == NULL || v->type == TN_CBOR_BYTES)
			return TN_OK;
		if (v->type == TN_CBOR_ARRAY) {
			const struct tn_cbor_item *it = v + 1;

			for (uint32_t i = 0; i < v->count; i++) {
				if (it->type != TN_CBOR_UINT || it->v.u > 255)
					return vfail(err, t, "opaque payload "
					    "is not a byte string");
				it++;
			}
			return TN_OK;
		}
		return vfail(err, t, "opaque payload is not a byte string");
	}
	if (v == NULL)
		return vfail(err, t, "missing value");
	switch (t) {
	case TN_C_WILDCARD:
		if (v->type != TN_CBOR_NULL)
			return vfail(err, t, "value must be null");
		return TN_OK;
	case TN_C_CIDR:
		if (v->type != TN_CBOR_TEXT || cidr_parse(v->v.s.p, v->v.s.n,
		    &net) != 0)
			return vfail(err, t, "value is not a CIDR network");
		return TN_OK;
	case TN_C_URL_PATTERN: {
		struct tn_urlpattern up;
		struct tn_error sub;
		int rc;

		if (v->type != TN_CBOR_TEXT)
			return vfail(err, t, "value must be text");
		/* Deployed decodes the pattern with UrlPattern::new. */
		rc = tn_urlpattern_compile(v->v.s.p, v->v.s.n, &up, &sub);
		if (rc == TN_ERR_NOMEM)
			return tn_fail(err, TN_ERR_NOMEM, "out of memory");
		if (rc != TN_OK)
			return vfail(err, t, sub.reason);
		tn_urlpattern_free(&up);
		return TN_OK;
	}
	default:
		break;
	}
	if (!struct_map(v))
		return vfail(err, t, "value must be a map with text keys");
	switch (t) {
	case TN_C_EXACT:
		if ((f = field(v, "value")) == NULL || !cv_valid(f))
			return vfail(err, t, "\"value\" missing or not a value");
		return TN_OK;
	case TN_C_PATTERN:
	case TN_C_REGEX:
		if ((f = field(v, "pattern")) == NULL || f->type != TN_CBOR_TEXT)
			return vfail(err, t, "\"pattern\" missing or not text");
		if (t == TN_C_REGEX) {
			struct tn_error sub;
			int rc = tn_regex_validate(f->v.s.p, f->v.s.n, &sub);

			/* Stricter than deployed, which compiles lazily. */
			if (rc == TN_ERR_NOMEM)
				return tn_fail(err, TN_ERR_NOMEM,
				    "out of memory");
			if (rc != TN_OK)
				return vfail(err, t, sub.reason);
		}
		return TN_OK;
	case TN_C_RANGE:
		if (!opt_float(v, "min") || !opt_float(v, "max"))
			return vfail(err, t, "bounds must be floats or null");
		if (!req_bool(v, "min_inclusive") ||
		    !req_bool(v, "max_inclusive"))
			return vfail(err, t, "inclusive flags must be booleans");
		return TN_OK;
	case TN_C_ONE_OF:
		if (!value_list(field(v, "values")))
			return vfail(err, t, "\"values\" must be a list");
		return TN_OK;
	case TN_C_NOT_ONE_OF:
		if (!value_list(field(v, "excluded")))
			return vfail(err, t, "\"excluded\" must be a list");
		return TN_OK;
	case TN_C_CONTAINS:
		if (!value_list(field(v, "required")))
			return vfail(err, t, "\"required\" must be a list");
		return TN_OK;
	case TN_C_SUBSET:
		if (!value_list(field(v, "allowed")))
			return vfail(err, t, "\"allowed\" must be a list");
		return TN_OK;
	case TN_C_ALL:
	case TN_C_ANY:
	case TN_C_NOT:
		if (level >= TN_CONSTRAINT_MAX_DEPTH)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "constraint: nesting deeper than %u",
			    TN_CONSTRAINT_MAX_DEPTH);
		if (t == TN_C_NOT) {
			if ((f = field(v, "constraint")) == NULL)
				return vfail(err, t, "\"constraint\" missing");
			return c_validate(f, level + 1, err);
		}
		if ((f = field(v, "constraints")) == NULL ||
		    f->type != TN_CBOR_ARRAY)
			return vfail(err, t, "\"constraints\" must be a list");
		return validate_children(f, level + 1, err);
	case TN_C_CEL:
		if ((f = field(v, "expression")) == NULL ||
		    f->type != TN_CBOR_TEXT)
			return vfail(err, t, "\"expression\" missing or not text");
		if ((f = field(v, "parent_expression")) != NULL &&
		    f->type != TN_CBOR_TEXT && f->type != TN_CBOR_NULL)
			return vfail(err, t, "\"parent_expression\" not text");
		return TN_OK;
	case TN_C_SUBPATH:
		if ((f = field(v, "root")) == NULL || f->type != TN_CBOR_TEXT)
			return vfail(err, t, "\"root\" missing or not text");
		if (!opt_bool(v, "case_sensitive") ||
		    !opt_bool(v, "allow_equal"))
			return vfail(err, t, "flags must be booleans");
		return TN_OK;
	case TN_C_URL_SAFE:
		if ((f = field(v, "schemes")) != NULL && !text_list(f))
			return vfail(err, t, "\"schemes\" must be a text list");
		if (!opt_null_or(v, "allow_domains", text_list) ||
		    !opt_null_or(v, "deny_domains", text_list) ||
		    !opt_null_or(v, "allow_ports", port_list))
			return vfail(err, t, "domain or port list malformed");
		if (!opt_bool(v, "block_private") ||
		    !opt_bool(v, "block_loopback") ||
		    !opt_bool(v, "block_metadata") ||
		    !opt_bool(v, "block_reserved") ||
		    !opt_bool(v, "block_internal_tlds"))
			return vfail(err, t, "flags must be booleans");
		return TN_OK;
	case TN_C_SHLEX:
		if (!text_list(field(v, "allow")))
			return vfail(err, t, "\"allow\" must be a text list");
		return TN_OK;
	default:
		return vfail(err, t, "unhandled type");
	}
}

int
tn_constraint_validate(const struct tn_cbor_item *c, struct tn_error *err)
{
	return c_validate(c, 0, err);
}

int
tn_constraint_set_validate(const struct tn_cbor_item *cset,
    struct tn_error *err)
{
	const struct tn_cbor_item *cons, *au, *it;

	if (!struct_map(cset))
		return tn_fail(err, TN_ERR_MALFORMED,
		    "constraint set: not a map with text keys");
	cons = field(cset, "constraints");
	if (cons == NULL || cons->type != TN_CBOR_MAP)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "constraint set: \"constraints\" missing or not a map");
	au = field(cset, "allow_unknown");
	if (au != NULL && au->type != TN_CBOR_TRUE && au->type != TN_CBOR_FALSE)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "constraint set: \"allow_unknown\" is not a boolean");
	it = cons + 1;
	for (uint32_t i = 0; i < cons->count; i++) {
		char name[48];
		struct tn_error sub;
		int rc;

		if (it->type != TN_CBOR_TEXT)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "constraint set: argument name is not text");
		if ((rc = c_validate(tn_cbor_next(it), 0, &sub)) != TN_OK) {
			name_copy(it, name, sizeof(name));
			return tn_fail(err, rc, "argument '%s': %s", name,
			    sub.reason);
		}
		it = tn_cbor_next(tn_cbor_next(it));
	}
	return TN_OK;
}

/* ------------------------------------------------------------ evaluation */

#define EV_MATCH	1
#define EV_NO		0

static int
ev_unsupported(uint64_t t, struct tn_error *err)
{
	return tn_fail(err, TN_ERR_CONSTRAINT_NOT_SATISFIED,
	    "constraint type %s (%llu) is not supported by this verifier",
	    tn_constraint_type_name(t), (unsigned long long)t);
}

/* 1, 0, or TN_ERR_MALFORMED (invalid glob) / TN_ERR_NOMEM. */
static int
glob_match_text(const struct tn_cbor_item *pat, const uint8_t *s, size_t n,
    struct tn_error *err)
{
	struct tn_glob g;
	int rc;

	if ((rc = tn_glob_compile(pat->v.s.p, pat->v.s.n, &g, err)) != TN_OK)
		return rc;
	rc = tn_glob_match(&g, s, n);
	tn_glob_free(&g);
	return rc;
}

/* Deployed Range::matches / contains_value on a number. */
static int
range_has(const struct tn_cbor_item *r, double x)
{
	const struct tn_cbor_item *mn = field(r, "min"), *mx = field(r, "max");

	if (isnan(x))
		return 0;
	if (mn != NULL && mn->type == TN_CBOR_FLOAT) {
		if (flag(r, "min_inclusive", 1) ? !(x >= mn->v.f) :
		    !(x > mn->v.f))
			return 0;
	}
	if (mx != NULL && mx->type == TN_CBOR_FLOAT) {
		if (flag(r, "max_inclusive", 1) ? !(x <= mx->v.f) :
		    !(x < mx->v.f))
			return 0;
	}
	return 1;
}

/*
 * Evaluates validated constraint c on valid value v: EV_MATCH, EV_NO, or a
 * negative code with the reason in err (unsupported type, invalid glob,
 * not an IP address, out of memory).  Errors deny, also under Not.
 */
static int
ev(const struct tn_cbor_item *c, const struct tn_cbor_item *v,
    const struct tn_constraint_ctx *ctx, struct tn_error *err)
{
	uint64_t t = ctype(c);
	const struct tn_cbor_item *p = cval(c), *f, *it;
	const uint8_t *s;
	size_t n;
	double x;
	int rc;

	switch (t) {
	case TN_C_WILDCARD:
		return EV_MATCH;
	case TN_C_EXACT:
		return cv_eq(field(p, "value"), v);
	case TN_C_ONE_OF:
		return cv_in(field(p, "values"), v);
	case TN_C_NOT_ONE_OF:
		return !cv_in(field(p, "excluded"), v);
	case TN_C_PATTERN:
		if (!cv_str(v, &s, &n))
			return EV_NO;
		rc = glob_match_text(field(p, "pattern"), s, n, err);
		if (rc == TN_ERR_MALFORMED)
			return tn_fail(err, TN_ERR_CONSTRAINT_NOT_SATISFIED,
			    "Pattern constraint holds an invalid glob");
		return rc;
	case TN_C_RANGE:
		if (!cv_num(v, &x) || !isfinite(x))
			return EV_NO;
		return range_has(p, x);
	case TN_C_SUBPATH:
		if (!cv_str(v, &s, &n))
			return EV_NO;
		return subpath_contains(p, s, n);
	case TN_C_CIDR: {
		struct net net, ip;

		if (!cv_str(v, &s, &n))
			return EV_NO;
		if (cidr_parse(p->v.s.p, p->v.s.n, &net) != 0)
			return tn_fail(err, TN_ERR_CONSTRAINT_NOT_SATISFIED,
			    "Cidr constraint holds an invalid network");
		/* Deployed: a string that is no IP address is an error. */
		if (ip_parse(s, n, &ip) != 0)
			return tn_fail(err, TN_ERR_CONSTRAINT_NOT_SATISFIED,
			    "Cidr: value is not an IP address");
		return net_contains(&net, &ip);
	}
	case TN_C_CONTAINS:
		if (v->type != TN_CBOR_ARRAY)
			return EV_NO;
		return cv_subset(field(p, "required"), v);	/* or NOMEM */
	case TN_C_SUBSET:
		if (v->type != TN_CBOR_ARRAY)
			return EV_NO;
		return cv_subset(v, field(p, "allowed"));
	case TN_C_ALL:
	case TN_C_ANY:
		f = field(p, "constraints");
		it = f + 1;
		for (uint32_t i = 0; i < f->count; i++) {
			if ((rc = ev(it, v, ctx, err)) < 0)
				return rc;
			if (t == TN_C_ALL && rc == EV_NO)
				return EV_NO;
			if (t == TN_C_ANY && rc == EV_MATCH)
				return EV_MATCH;
			it = tn_cbor_next(it);
		}
		return t == TN_C_ALL ? EV_MATCH : EV_NO;
	case TN_C_NOT:
		if ((rc = ev(field(p, "constraint"), v, ctx, err)) < 0)
			return rc;
		return !rc;
	case TN_C_REGEX: {
		struct tn_regex re;

		if (!cv_str(v, &s, &n))
			return EV_NO;
		f = field(p, "pattern");
		rc = tn_regex_compile(f->v.s.p, f->v.s.n, &re, err);
		if (rc == TN_ERR_NOMEM)
			return rc;
		if (rc != TN_OK)
			return tn_fail(err, TN_ERR_CONSTRAINT_NOT_SATISFIED,
			    "Regex constraint holds an invalid pattern");
		rc = tn_regex_match(&re, s, n, err);
		tn_regex_free(&re);
		return rc;
	}
	case TN_C_URL_PATTERN: {
		struct tn_urlpattern up;

		if (!cv_str(v, &s, &n))
			return EV_NO;
		rc = tn_urlpattern_compile(p->v.s.p, p->v.s.n, &up, err);
		if (rc == TN_ERR_NOMEM)
			return rc;
		if (rc != TN_OK)
			return tn_fail(err, TN_ERR_CONSTRAINT_NOT_SATISFIED,
			    "UrlPattern constraint holds an invalid pattern");
		rc = tn_urlpattern_match(&up, s, n, err);
		tn_urlpattern_free(&up);
		return rc;
	}
	case TN_C_URL_SAFE:
		if (!cv_str(v, &s, &n))
			return EV_NO;
		return tn_urlsafe_check(p, s, n, err);
	case TN_C_SHLEX:
		if (!cv_str(v, &s, &n))
			return EV_NO;
		return tn_shlex_match(field(p, "allow"), s, n);
	case TN_C_CEL:
		f = field(p, "expression");
		rc = tn_cel_eval(f->v.s.p, f->v.s.n, v, ctx != NULL &&
		    ctx->have_now, ctx != NULL ? ctx->now : 0, err);
		return rc;
	default:
		return ev_unsupported(t, err);
	}
}

int
tn_constraint_check(const struct tn_cbor_item *c,
    const struct tn_cbor_item *v, struct tn_error *err)
{
	return tn_constraint_check_ctx(c, v, NULL, err);
}

int
tn_constraint_check_ctx(const struct tn_cbor_item *c,
    const struct tn_cbor_item *v, const struct tn_constraint_ctx *ctx,
    struct tn_error *err)
{
	struct tn_error sub;
	int rc;

	if (c == NULL || v == NULL)
		return tn_fail(err, TN_ERR_CONSTRAINT_NOT_SATISFIED,
		    "constraint check: missing constraint or value");
	if (tn_constraint_validate(c, &sub) != TN_OK)
		return tn_fail(err, TN_ERR_CONSTRAINT_NOT_SATISFIED,
		    "malformed constraint: %s", sub.reason);
	if (!cv_valid(v))
		return tn_fail(err, TN_ERR_CONSTRAINT_NOT_SATISFIED,
		    "%s constraint: value is not a Tenuo value "
		    "(e.g. bytes that are not UTF-8)",
		    tn_constraint_type_name(ctype(c)));
	rc = ev(c, v, ctx, err);
	if (rc == TN_ERR_NOMEM)
		return tn_fail(err, TN_ERR_NOMEM, "out of memory");
	if (rc == EV_MATCH) {
		tn_error_clear(err);
		return TN_OK;
	}
	if (rc == EV_NO)
		return tn_fail(err, TN_ERR_CONSTRAINT_NOT_SATISFIED,
		    "%s constraint not satisfied",
		    tn_constraint_type_name(ctype(c)));
	return rc;
}

int
tn_constraint_set_check(const struct tn_cbor_item *cset,
    const struct tn_cbor_item *args, struct tn_error *err)
{
	return tn_constraint_set_check_ctx(cset, args, NULL, err);
}

int
tn_constraint_set_check_ctx(const struct tn_cbor_item *cset,
    const struct tn_cbor_item *args, const struct tn_constraint_ctx *ctx,
    struct tn_error *err)
{
	const struct tn_cbor_item *cons, *it;
	struct tn_error sub;
	char name[48];
	int open, rc;

	if (cset == NULL || args == NULL)
		return tn_fail(err, TN_ERR_CONSTRAINT_NOT_SATISFIED,
		    "constraint set check: missing set or arguments");
	if (tn_constraint_set_validate(cset, &sub) != TN_OK)
		return tn_fail(err, TN_ERR_CONSTRAINT_NOT_SATISFIED,
		    "malformed constraint set: %s", sub.reason);
	if (args->type != TN_CBOR_MAP)
		return tn_fail(err, TN_ERR_CONSTRAINT_NOT_SATISFIED,
		    "arguments are not a map");
	cons = field(cset, "constraints");
	/* Empty set: open world.  Otherwise closed unless allow_unknown. */
	open = cons->count == 0 || flag(cset, "allow_unknown", 0);
	it = args + 1;
	for (uint32_t i = 0; i < args->count; i++) {
		if (it->type != TN_CBOR_TEXT)
			return tn_fail(err, TN_ERR_CONSTRAINT_NOT_SATISFIED,
			    "argument name is not text");
		if (!open && map_find(cons, it->v.s.p, it->v.s.n) == NULL) {
			name_copy(it, name, sizeof(name));
			return tn_fail(err, TN_ERR_CONSTRAINT_NOT_SATISFIED,
			    "argument '%s' is not allowed: no constraint "
			    "declares it (closed world)", name);
		}
		it = tn_cbor_next(tn_cbor_next(it));
	}
	it = cons + 1;
	for (uint32_t i = 0; i < cons->count; i++) {
		const struct tn_cbor_item *c = tn_cbor_next(it), *v;

		name_copy(it, name, sizeof(name));
		v = map_find(args, it->v.s.p, it->v.s.n);
		if (v == NULL)
			return tn_fail(err, TN_ERR_CONSTRAINT_NOT_SATISFIED,
			    "argument '%s' is required by a %s constraint "
			    "but missing", name,
			    tn_constraint_type_name(ctype(c)));
		if ((rc = tn_constraint_check_ctx(c, v, ctx, &sub)) != TN_OK)
			return tn_fail(err, rc, "argument '%s': %s", name,
			    sub.reason);
		it = tn_cbor_next(c);
	}
	tn_error_clear(err);
	return TN_OK;
}

/* ------------------------------------------------------------ attenuation */

#define afail(err, ...)	tn_fail((err), TN_ERR_ATTENUATION_INVALID, __VA_ARGS__)

static int att(const struct tn_cbor_item *p, const struct tn_cbor_item *c,
    struct tn_error *err);

enum pat_kind { PK_EXACT, PK_PREFIX, PK_SUFFIX, PK_COMPLEX };

/* Deployed PatternType: by the number of '*' and where the one is. */
static enum pat_kind
pat_kind(const struct tn_glob *g, const struct tn_cbor_item *pat)
{
	if (g->nstars == 0)
		return PK_EXACT;
	if (g->nstars > 1)
		return PK_COMPLEX;
	if (pat->v.s.p[pat->v.s.n - 1] == '*')
		return PK_PREFIX;
	if (pat->v.s.p[0] == '*')
		return PK_SUFFIX;
	return PK_COMPLEX;
}

static int
tok_eq(const struct tn_cbor_item *pa, const struct tn_glob_tok *a,
    const struct tn_cbor_item *pb, const struct tn_glob_tok *b)
{
	return a->src_len == b->src_len && memcmp(pa->v.s.p + a->src_off,
	    pb->v.s.p + b->src_off, a->src_len) == 0;
}

static int
att_pattern(const struct tn_cbor_item *pp, const struct tn_cbor_item *cp,
    struct tn_error *err)
{
	struct tn_glob pg, cg;
	enum pat_kind pk, ck;
	size_t k, off;
	int rc, ok = 0;

	if (tn_cbor_value_eq(pp, cp))
		return TN_OK;
	if ((rc = tn_glob_compile(pp->v.s.p, pp->v.s.n, &pg, NULL)) != TN_OK)
		return rc == TN_ERR_NOMEM ? rc : tn_fail(err,
		    TN_ERR_ATTENUATION_INVALID,
		    "Pattern: parent pattern is not a valid glob");
	if ((rc = tn_glob_compile(cp->v.s.p, cp->v.s.n, &cg, NULL)) != TN_OK) {
		tn_glob_free(&pg);
		return rc == TN_ERR_NOMEM ? rc : tn_fail(err,
		    TN_ERR_ATTENUATION_INVALID,
		    "Pattern: child pattern is not a valid glob");
	}
	pk = pat_kind(&pg, pp);
	ck = pat_kind(&cg, cp);
	if (pk == PK_PREFIX && (ck == PK_PREFIX || ck == PK_EXACT)) {
		/* Parent's tokens before its final '*' start the child. */
		k = pg.ntoks - 1;
		ok = cg.ntoks >= k;
		for (size_t i = 0; ok && i < k; i++)
			ok = tok_eq(pp, &pg.toks[i], cp, &cg.toks[i]);
		/* and the deployed byte-wise starts_with. */
		ok = ok && cp->v.s.n >= pp->v.s.n - 1 &&
		    memcmp(cp->v.s.p, pp->v.s.p, pp->v.s.n - 1) == 0;
	} else if (pk == PK_SUFFIX && (ck == PK_SUFFIX || ck == PK_EXACT)) {
		/* Parent's tokens after its leading '*' end the child. */
		k = pg.ntoks - 1;
		ok = cg.ntoks >= k;
		off = ok ? cg.ntoks - k : 0;
		for (size_t i = 0; ok && i < k; i++)
			ok = tok_eq(pp, &pg.toks[1 + i], cp, &cg.toks[off + i]);
		ok = ok && cp->v.s.n >= pp->v.s.n - 1 &&
		    memcmp(cp->v.s.p + cp->v.s.n - (pp->v.s.n - 1),
		    pp->v.s.p + 1, pp->v.s.n - 1) == 0;
	}
	tn_glob_free(&pg);
	tn_glob_free(&cg);
	if (ok)
		return TN_OK;
	if (pk == PK_EXACT)
		return afail(err, "Pattern: a pattern without wildcards only "
		    "attenuates to itself");
	if (pk == PK_COMPLEX || ck == PK_COMPLEX)
		return afail(err, "Pattern: complex patterns only attenuate to "
		    "an identical pattern");
	return afail(err, "Pattern: child pattern is not narrower than the "
	    "parent's");
}

static int
att_range(const struct tn_cbor_item *p, const struct tn_cbor_item *c,
    struct tn_error *err)
{
	const struct tn_cbor_item *pmin = field(p, "min"), *pmax = field(p, "max");
	const struct tn_cbor_item *cmin = field(c, "min"), *cmax = field(c, "max");
	int pmi = flag(p, "min_inclusive", 1), pma = flag(p, "max_inclusive", 1);
	int cmi = flag(c, "min_inclusive", 1), cma = flag(c, "max_inclusive", 1);
	int phmin = pmin != NULL && pmin->type == TN_CBOR_FLOAT;
	int phmax = pmax != NULL && pmax->type == TN_CBOR_FLOAT;
	int chmin = cmin != NULL && cmin->type == TN_CBOR_FLOAT;
	int chmax = cmax != NULL && cmax->type == TN_CBOR_FLOAT;

	/* Stricter than deployed: NaN bounds never attenuate. */
	if ((phmin && isnan(pmin->v.f)) || (phmax && isnan(pmax->v.f)) ||
	    (chmin && isnan(cmin->v.f)) || (chmax && isnan(cmax->v.f)))
		return afail(err, "Range: NaN bound");
	if (phmin) {
		if (!chmin)
			return afail(err, "Range: child drops the parent's "
			    "minimum");
		if (cmin->v.f < pmin->v.f)
			return afail(err, "Range: child minimum is below the "
			    "parent's");
		if (cmin->v.f == pmin->v.f && !pmi && cmi)
			return afail(err, "Range: child includes the minimum "
			    "the parent excludes");
	}
	if (phmax) {
		if (!chmax)
			return afail(err, "Range: child drops the parent's "
			    "maximum");
		if (cmax->v.f > pmax->v.f)
			return afail(err, "Range: child maximum is above the "
			    "parent's");
		if (cmax->v.f == pmax->v.f && !pma && cma)
			return afail(err, "Range: child includes the maximum "
			    "the parent excludes");
	}
	return TN_OK;
}

static int
att_subpath(const struct tn_cbor_item *p, const struct tn_cbor_item *c,
    struct tn_error *err)
{
	const struct tn_cbor_item *croot = field(c, "root");
	int rc;

	rc = subpath_contains(p, croot->v.s.p, croot->v.s.n);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return afail(err, "Subpath: child root is not inside the "
		    "parent's root");
	if (flag(p, "case_sensitive", 1) && !flag(c, "case_sensitive", 1))
		return afail(err, "Subpath: child cannot become "
		    "case-insensitive");
	if (!flag(p, "allow_equal", 1) && flag(c, "allow_equal", 1))
		return afail(err, "Subpath: child cannot enable "
		    "allow_equal");
	return TN_OK;
}

/* Evaluates the payload p of a validated type-t constraint on x. */
static int
ev_payload(uint64_t t, const struct tn_cbor_item *p,
    const struct tn_cbor_item *x, struct tn_error *err)
{
	const uint8_t *s;
	size_t n;
	int rc;

	if (!cv_str(x, &s, &n))
		return EV_NO;
	switch (t) {
	case TN_C_REGEX: {
		const struct tn_cbor_item *f = field(p, "pattern");
		struct tn_regex re;

		rc = tn_regex_compile(f->v.s.p, f->v.s.n, &re, err);
		if (rc != TN_OK)
			return rc == TN_ERR_NOMEM ? rc : EV_NO;
		rc = tn_regex_match(&re, s, n, err);
		tn_regex_free(&re);
		return rc;
	}
	case TN_C_URL_PATTERN: {
		struct tn_urlpattern up;

		rc = tn_urlpattern_compile(p->v.s.p, p->v.s.n, &up, err);
		if (rc != TN_OK)
			return rc == TN_ERR_NOMEM ? rc : EV_NO;
		rc = tn_urlpattern_match(&up, s, n, err);
		tn_urlpattern_free(&up);
		return rc;
	}
	case TN_C_URL_SAFE:
		return tn_urlsafe_check(p, s, n, err);
	case TN_C_SHLEX:
		return tn_shlex_match(field(p, "allow"), s, n);
	default:
		return EV_NO;
	}
}

static int
att_urlpattern(const struct tn_cbor_item *p, const struct tn_cbor_item *c,
    struct tn_error *err)
{
	struct tn_urlpattern pp, cp;
	int rc;

	if ((rc = tn_urlpattern_compile(p->v.s.p, p->v.s.n, &pp, NULL)) !=
	    TN_OK)
		return rc == TN_ERR_NOMEM ? rc : afail(err, "UrlPattern: "
		    "invalid parent pattern");
	if ((rc = tn_urlpattern_compile(c->v.s.p, c->v.s.n, &cp, NULL)) !=
	    TN_OK) {
		tn_urlpattern_free(&pp);
		return rc == TN_ERR_NOMEM ? rc : afail(err, "UrlPattern: "
		    "invalid child pattern");
	}
	rc = tn_urlpattern_attenuates(&pp, &cp, err);
	tn_urlpattern_free(&pp);
	tn_urlpattern_free(&cp);
	return rc;
}

/* Parent type -> Exact child with value x. */
static int
att_to_exact(uint64_t pt, const struct tn_cbor_item *p,
    const struct tn_cbor_item *x, struct tn_error *err)
{
	const char *pn = tn_constraint_type_name(pt);
	const uint8_t *s;
	size_t n;
	double d;
	int rc;

	switch (pt) {
	case TN_C_EXACT:
		if (cv_eq(field(p, "value"), x))
			return TN_OK;
		return afail(err, "%s -> Exact: values differ", pn);
	case TN_C_ONE_OF:
		if (cv_in(field(p, "values"), x))
			return TN_OK;
		return afail(err, "%s -> Exact: value is not in the parent's "
		    "set", pn);
	case TN_C_PATTERN:
		if (!cv_str(x, &s, &n))
			return afail(err, "%s -> Exact: value is not a "
			    "string", pn);
		rc = glob_match_text(field(p, "pattern"), s, n, NULL);
		if (rc == 1)
			return TN_OK;
		if (rc == TN_ERR_NOMEM)
			return rc;
		return afail(err, "%s -> Exact: value does not match the "
		    "parent pattern", pn);
	case TN_C_RANGE:
		/* Stricter than deployed: non-finite values never. */
		if (!cv_num(x, &d) || !isfinite(d))
			return afail(err, "%s -> Exact: value is not a finite "
			    "number", pn);
		if (range_has(p, d))
			return TN_OK;
		return afail(err, "%s -> Exact: value is outside the "
		    "range", pn);
	case TN_C_SUBPATH:
		if (!cv_str(x, &s, &n))
			return afail(err, "%s -> Exact: value is not a "
			    "string", pn);
		if ((rc = subpath_contains(p, s, n)) < 0)
			return rc;
		if (rc == 1)
			return TN_OK;
		return afail(err, "%s -> Exact: path is not inside the "
		    "root", pn);
	case TN_C_CIDR: {
		struct net net, ip;

		if (!cv_str(x, &s, &n) || ip_parse(s, n, &ip) != 0)
			return afail(err, "%s -> Exact: value is not an IP "
			    "address", pn);
		if (cidr_parse(p->v.s.p, p->v.s.n, &net) == 0 &&
		    net_contains(&net, &ip))
			return TN_OK;
		return afail(err, "%s -> Exact: address is outside the "
		    "network", pn);
	}
	case TN_C_REGEX:
	case TN_C_URL_PATTERN:
	case TN_C_URL_SAFE:
	case TN_C_SHLEX:
		if (!cv_str(x, &s, &n))
			return afail(err, "%s -> Exact: value is not a "
			    "string", pn);
		rc = ev_payload(pt, p, x, NULL);
		if (rc == TN_ERR_NOMEM)
			return rc;
		if (rc == EV_MATCH)
			return TN_OK;
		return afail(err, "%s -> Exact: the parent does not accept "
		    "the value", pn);
	default:
		return afail(err, "%s -> %s is not a valid attenuation", pn,
		    "Exact");
	}
}

/*
 * How evaluation of c can fail with an error (which denies): 0 never;
 * 1 only for strings that are not IP addresses (a bare Cidr); 2 otherwise
 * possibly (unsupported or unknown types, invalid globs, composites that
 * hold anything but class 0).
 */
static int
err_class(const struct tn_cbor_item *c)
{
	const struct tn_cbor_item *p = cval(c), *f, *it;
	struct tn_glob g;

	switch (ctype(c)) {
	case TN_C_WILDCARD:
	case TN_C_EXACT:
	case TN_C_ONE_OF:
	case TN_C_NOT_ONE_OF:
	case TN_C_RANGE:
	case TN_C_SUBPATH:
	case TN_C_CONTAINS:
	case TN_C_SUBSET:
		return 0;
	case TN_C_SHLEX:
		return 0;
	case TN_C_CIDR:
		return 1;
	case TN_C_PATTERN:
		f = field(p, "pattern");
		if (tn_glob_compile(f->v.s.p, f->v.s.n, &g, NULL) != TN_OK)
			return 2;
		tn_glob_free(&g);
		return 0;
	case TN_C_NOT:
		return err_class(field(p, "constraint")) == 0 ? 0 : 2;
	case TN_C_ALL:
	case TN_C_ANY:
		f = field(p, "constraints");
		it = f + 1;
		for (uint32_t i = 0; i < f->count; i++) {
			if (err_class(it) != 0)
				return 2;
			it = tn_cbor_next(it);
		}
		return 0;
	default:
		return 2;
	}
}

static int
att_all(const struct tn_cbor_item *pl, const struct tn_cbor_item *cl,
    struct tn_error *err)
{
	const struct tn_cbor_item *pi = pl + 1, *ci;
	int rc;

	/* Every parent clause is attenuated by some child clause. */
	for (uint32_t i = 0; i < pl->count; i++) {
		int found = 0;

		ci = cl + 1;
		for (uint32_t j = 0; j < cl->count && !found; j++) {
			rc = att(pi, ci, NULL);
			if (rc == TN_ERR_NOMEM)
				return rc;
			found = rc == TN_OK;
			ci = tn_cbor_next(ci);
		}
		if (!found)
			return afail(err, "All: a parent clause has no "
			    "narrower clause in the child");
		pi = tn_cbor_next(pi);
	}
	return TN_OK;
}

static int
att_any(const struct tn_cbor_item *pc, const struct tn_cbor_item *cc,
    const struct tn_cbor_item *pl, const struct tn_cbor_item *cl,
    struct tn_error *err)
{
	const struct tn_cbor_item *pi, *ci = cl + 1;
	int seen_cidr = 0, rc;

	/* Every child branch is an attenuation of some parent branch. */
	for (uint32_t j = 0; j < cl->count; j++) {
		int found = 0;

		pi = pl + 1;
		for (uint32_t i = 0; i < pl->count && !found; i++) {
			rc = att(pi, ci, NULL);
			if (rc == TN_ERR_NOMEM)
				return rc;
			found = rc == TN_OK;
			pi = tn_cbor_next(pi);
		}
		if (!found)
			return afail(err, "Any: a child branch is not "
			    "covered by any parent branch");
		ci = tn_cbor_next(ci);
	}
	if (tn_cbor_value_eq(pc, cc))
		return TN_OK;
	/*
	 * Stricter than deployed: the parent stops at the first branch
	 * that errors, so a branch that can error must not come before one
	 * the child may rely on.
	 */
	pi = pl + 1;
	for (uint32_t i = 0; i < pl->count; i++) {
		int k = err_class(pi);

		if (k == 2 || (k == 0 && seen_cidr))
			return afail(err, "Any: parent has a branch that can "
			    "fail with an error; only an identical child "
			    "is accepted");
		seen_cidr |= k == 1;
		pi = tn_cbor_next(pi);
	}
	return TN_OK;
}

static int
att_not(const struct tn_cbor_item *pin, const struct tn_cbor_item *cin,
    struct tn_error *err)
{
	int rc, k;

	/* Inverted: the child's inner constraint must be the wider one. */
	rc = att(cin, pin, NULL);
	if (rc == TN_ERR_NOMEM)
		return rc;
	if (rc != TN_OK)
		return afail(err, "Not: child inner constraint is not at least "
		    "as permissive as the parent's");
	/* Stricter than deployed: errors of the parent inner deny. */
	k = err_class(pin);
	if (k == 0 || ctype(cin) == TN_C_WILDCARD || tn_cbor_value_eq(pin, cin))
		return TN_OK;
	if (k == 1 && ctype(cin) == TN_C_CIDR)
		return TN_OK;
	return afail(err, "Not: parent inner constraint can fail with an "
	    "error; only an identical child is accepted");
}

static int
att_cidr(const struct tn_cbor_item *p, const struct tn_cbor_item *c,
    struct tn_error *err)
{
	struct net pn, cn, lo, hi;

	if (cidr_parse(p->v.s.p, p->v.s.n, &pn) != 0 ||
	    cidr_parse(c->v.s.p, c->v.s.n, &cn) != 0)
		return afail(err, "Cidr: invalid network");
	net_edge(&cn, 0, &lo);
	net_edge(&cn, 1, &hi);
	if (net_contains(&pn, &lo) && net_contains(&pn, &hi))
		return TN_OK;
	return afail(err, "Cidr: child network is not inside the parent's");
}

/* Both validated. */
static int
att(const struct tn_cbor_item *p, const struct tn_cbor_item *c,
    struct tn_error *err)
{
	uint64_t pt = ctype(p), ct = ctype(c);
	const struct tn_cbor_item *pv = cval(p), *cv = cval(c);
	const char *pn = tn_constraint_type_name(pt);
	const char *cn = tn_constraint_type_name(ct);
	const char *what;
	int rc;

	/* Wildcard is the universal superset (deployed: even of unknown). */
	if (pt == TN_C_WILDCARD)
		return TN_OK;
	/* Unknown types never attenuate, not even to a copy (errata D16). */
	if (!type_known(pt) || !type_known(ct))
		return afail(err, "unknown constraint types never attenuate "
		    "(%s -> %s)", pn, cn);
	if (ct == TN_C_WILDCARD)
		return afail(err, "%s -> %s would widen the constraint", pn, cn);
	if (ct == TN_C_EXACT)
		return att_to_exact(pt, pv, field(cv, "value"), err);
	if (pt != ct)
		return afail(err, "%s -> %s is not a valid attenuation", pn, cn);
	switch (pt) {
	case TN_C_PATTERN:
		return att_pattern(field(pv, "pattern"), field(cv, "pattern"),
		    err);
	case TN_C_RANGE:
		return att_range(pv, cv, err);
	case TN_C_ONE_OF:
		rc = cv_subset(field(cv, "values"), field(pv, "values"));
		what = "OneOf: child holds a value the parent does not";
		break;
	case TN_C_NOT_ONE_OF:
		rc = cv_subset(field(pv, "excluded"), field(cv, "excluded"));
		what = "NotOneOf: child drops an exclusion";
		break;
	case TN_C_CONTAINS:
		rc = cv_subset(field(pv, "required"), field(cv, "required"));
		what = "Contains: child drops a requirement";
		break;
	case TN_C_SUBSET:
		rc = cv_subset(field(cv, "allowed"), field(pv, "allowed"));
		what = "Subset: child allows a value the parent does not";
		break;
	case TN_C_SUBPATH:
		return att_subpath(pv, cv, err);
	case TN_C_CIDR:
		return att_cidr(pv, cv, err);
	case TN_C_ALL:
		return att_all(field(pv, "constraints"),
		    field(cv, "constraints"), err);
	case TN_C_ANY:
		return att_any(p, c, field(pv, "constraints"),
		    field(cv, "constraints"), err);
	case TN_C_NOT:
		return att_not(field(pv, "constraint"),
		    field(cv, "constraint"), err);
	case TN_C_REGEX:
		/* Deployed: equal pattern strings only. */
		if (tn_cbor_value_eq(field(pv, "pattern"), field(cv, "pattern")))
			return TN_OK;
		return afail(err, "Regex: child pattern differs from the "
		    "parent's (use Exact to narrow)");
	case TN_C_SHLEX:
		if (tn_shlex_subset(field(pv, "allow"), field(cv, "allow")))
			return TN_OK;
		return afail(err, "Shlex: child allows a program the parent "
		    "does not");
	case TN_C_URL_SAFE:
		return tn_urlsafe_attenuates(pv, cv, err);
	case TN_C_URL_PATTERN:
		return att_urlpattern(pv, cv, err);
	case TN_C_CEL: {
		const struct tn_cbor_item *pe = field(pv, "expression");
		const struct tn_cbor_item *ce = field(cv, "expression");

		return tn_cel_attenuates(pe->v.s.p, pe->v.s.n, ce->v.s.p,
		    ce->v.s.n, err);
	}
	default:
		return afail(err, "%s -> %s is not a valid attenuation", pn, cn);
	}
	if (rc < 0)
		return rc;
	return rc == 1 ? TN_OK : afail(err, "%s", what);
}

int
tn_constraint_attenuates(const struct tn_cbor_item *parent,
    const struct tn_cbor_item *child, struct tn_error *err)
{
	struct tn_error sub;
	int rc;

	if (parent == NULL || child == NULL)
		return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
		    "attenuation: missing constraint");
	if (tn_constraint_validate(parent, &sub) != TN_OK)
		return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
		    "parent constraint malformed: %s", sub.reason);
	if (tn_constraint_validate(child, &sub) != TN_OK)
		return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
		    "child constraint malformed: %s", sub.reason);
	rc = att(parent, child, err);
	if (rc == TN_OK)
		tn_error_clear(err);
	else if (rc == TN_ERR_NOMEM)
		rc = tn_fail(err, TN_ERR_NOMEM, "out of memory");
	return rc;
}

int
tn_constraint_set_attenuates(const struct tn_cbor_item *ps,
    const struct tn_cbor_item *cs, struct tn_error *err)
{
	const struct tn_cbor_item *pc, *cc, *it;
	struct tn_error sub;
	char name[48];
	int rc;

	if (ps == NULL || cs == NULL)
		return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
		    "attenuation: missing constraint set");
	if (tn_constraint_set_validate(ps, &sub) != TN_OK)
		return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
		    "parent constraint set malformed: %s", sub.reason);
	if (tn_constraint_set_validate(cs, &sub) != TN_OK)
		return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
		    "child constraint set malformed: %s", sub.reason);
	if (!flag(ps, "allow_unknown", 0) && flag(cs, "allow_unknown", 0))
		return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
		    "child cannot enable allow_unknown when the parent has it "
		    "disabled");
	pc = field(ps, "constraints");
	cc = field(cs, "constraints");
	it = pc + 1;
	for (uint32_t i = 0; i < pc->count; i++) {
		const struct tn_cbor_item *c;

		name_copy(it, name, sizeof(name));
		c = map_find(cc, it->v.s.p, it->v.s.n);
		if (c == NULL)
			return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
			    "child drops the constraint on argument '%s'",
			    name);
		if ((rc = tn_constraint_attenuates(tn_cbor_next(it), c,
		    &sub)) != TN_OK)
			return tn_fail(err, rc, "argument '%s': %s", name,
			    sub.reason);
		it = tn_cbor_next(tn_cbor_next(it));
	}
	/* Keyset identity when the parent is closed (non-empty). */
	if (pc->count > 0) {
		it = cc + 1;
		for (uint32_t i = 0; i < cc->count; i++) {
			if (map_find(pc, it->v.s.p, it->v.s.n) == NULL) {
				name_copy(it, name, sizeof(name));
				return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
				    "child adds argument '%s' the parent does "
				    "not constrain", name);
			}
			it = tn_cbor_next(tn_cbor_next(it));
		}
	}
	tn_error_clear(err);
	return TN_OK;
}
