/*
 * tn_cel.c: a budgeted CEL subset (see tn_cel.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tn_codec.h"
#include "tn_cel.h"
#include "tn_constraint.h"
#include "tn_glob.h"
#include "tn_regex.h"

/* ------------------------------------------------------------ arena */

struct arena {
	uint8_t	*p;
	size_t	 n;
	size_t	 cap;
};

static void *
a_alloc(struct arena *a, size_t sz)
{
	void *r;

	sz = (sz + 7u) & ~(size_t)7u;
	if (sz > a->cap - a->n)
		return NULL;
	r = a->p + a->n;
	a->n += sz;
	return r;
}

/* ------------------------------------------------------------ syntax */

enum nk {
	N_NULL, N_BOOL, N_INT, N_UINT, N_DBL, N_STR, N_IDENT, N_SELECT,
	N_HAS, N_INDEX, N_CALL, N_LIST, N_MAP, N_NOT, N_NEG, N_BIN, N_COND
};

enum op {
	O_NONE, O_OR, O_AND, O_LT, O_LE, O_GT, O_GE, O_EQ, O_NE, O_IN,
	O_ADD, O_SUB, O_MUL, O_DIV, O_MOD
};

struct node {
	enum nk		 k;
	enum op		 op;
	int		 b;
	int64_t		 i;
	uint64_t	 u;
	double		 d;
	const char	*s;	/* string literal (decoded) / name */
	size_t		 sn;
	struct node	*x, *y, *z;	/* operands / target */
	struct node	**args;
	size_t		 nargs;
};

struct parser {
	const char	*p;
	size_t		 n;
	size_t		 i;
	struct arena	*a;
	size_t		 nodes;
	unsigned	 depth;
	const char	*why;
	int		 nomem;
};

static struct node *pexpr(struct parser *ps);

static struct node *
pfail(struct parser *ps, const char *why)
{
	if (ps->why == NULL)
		ps->why = why;
	return NULL;
}

static struct node *
newnode(struct parser *ps, enum nk k)
{
	struct node *nd;

	if (++ps->nodes > TN_CEL_MAX_NODES)
		return pfail(ps, "expression has too many nodes");
	if ((nd = a_alloc(ps->a, sizeof(*nd))) == NULL) {
		ps->nomem = 1;
		return pfail(ps, "memory budget exhausted");
	}
	memset(nd, 0, sizeof(*nd));
	nd->k = k;
	return nd;
}

static void
skipws(struct parser *ps)
{
	while (ps->i < ps->n) {
		char c = ps->p[ps->i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\f' || c == '\v')
			ps->i++;
		else if (c == '/' && ps->i + 1 < ps->n &&
		    ps->p[ps->i + 1] == '/') {
			while (ps->i < ps->n && ps->p[ps->i] != '\n')
				ps->i++;
		} else
			break;
	}
}

static int
peek(struct parser *ps, const char *tok)
{
	size_t tn = strlen(tok);

	skipws(ps);
	return ps->n - ps->i >= tn && memcmp(ps->p + ps->i, tok, tn) == 0;
}

static int
accept(struct parser *ps, const char *tok)
{
	if (!peek(ps, tok))
		return 0;
	ps->i += strlen(tok);
	return 1;
}

static int
idstart(int c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
idchar(int c)
{
	return idstart(c) || (c >= '0' && c <= '9');
}

static size_t
utf8_put(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static struct node *
pstring(struct parser *ps)
{
	char q = ps->p[ps->i++], *o;
	struct node *nd;
	size_t on = 0;

	if (ps->i + 1 < ps->n && ps->p[ps->i] == q && ps->p[ps->i + 1] == q)
		return pfail(ps, "triple-quoted strings are outside the "
		    "supported subset");
	if ((nd = newnode(ps, N_STR)) == NULL)
		return NULL;
	if ((o = a_alloc(ps->a, ps->n - ps->i + 1)) == NULL) {
		ps->nomem = 1;
		return pfail(ps, "memory budget exhausted");
	}
	for (;;) {
		char c;

		if (ps->i >= ps->n)
			return pfail(ps, "unterminated string literal");
		c = ps->p[ps->i++];
		if (c == q)
			break;
		if (c == '\n' || c == '\r')
			return pfail(ps, "newline in string literal");
		if (c != '\\') {
			o[on++] = c;
			continue;
		}
		if (ps->i >= ps->n)
			return pfail(ps, "unterminated string literal");
		c = ps->p[ps->i++];
		switch (c) {
		case 'a': o[on++] = '\a'; break;
		case 'b': o[on++] = '\b'; break;
		case 'f': o[on++] = '\f'; break;
		case 'n': o[on++] = '\n'; break;
		case 'r': o[on++] = '\r'; break;
		case 't': o[on++] = '\t'; break;
		case 'v': o[on++] = '\v'; break;
		case '\\': case '\'': case '"': case '`': case '?':
			o[on++] = c;
			break;
		case 'x': case 'X': case 'u': case 'U': {
			size_t want = (c == 'x' || c == 'X') ? 2 :
			    c == 'u' ? 4 : 8;
			uint32_t cp = 0;

			for (size_t k = 0; k < want; k++) {
				int d = ps->i < ps->n ?
				    tn_hex_digit((unsigned char)ps->p[ps->i]) : -1;

				if (d < 0)
					return pfail(ps, "bad escape");
				cp = cp * 16 + (uint32_t)d;
				ps->i++;
			}
			if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
				return pfail(ps, "bad escape");
			if (want == 2 && cp >= 0x80)
				return pfail(ps, "byte escapes are outside "
				    "the supported subset");
			on += utf8_put(o + on, cp);
			break;
		}
		default:
			return pfail(ps, "unsupported escape in string");
		}
	}
	if (!tn_utf8_valid((const uint8_t *)o, on))
		return pfail(ps, "string literal is not UTF-8");
	nd->s = o;
	nd->sn = on;
	return nd;
}

static struct node *
pnumber(struct parser *ps)
{
	size_t s = ps->i;
	struct node *nd;
	int isf = 0;

	if (ps->n - ps->i >= 2 && ps->p[ps->i] == '0' &&
	    (ps->p[ps->i + 1] == 'x' || ps->p[ps->i + 1] == 'X')) {
		uint64_t v = 0;
		size_t d = 0;

		ps->i += 2;
		while (ps->i < ps->n && tn_hex_digit((unsigned char)ps->p[ps->i]) >= 0) {
			if (v > (UINT64_MAX >> 4))
				return pfail(ps, "integer literal overflows");
			v = v * 16 + (uint64_t)tn_hex_digit((unsigned char)ps->p[ps->i]);
			ps->i++;
			d++;
		}
		if (d == 0)
			return pfail(ps, "bad hex literal");
		if (ps->i < ps->n && (ps->p[ps->i] == 'u' ||
		    ps->p[ps->i] == 'U')) {
			ps->i++;
			if ((nd = newnode(ps, N_UINT)) == NULL)
				return NULL;
			nd->u = v;
			return nd;
		}
		if (v > (uint64_t)INT64_MAX)
			return pfail(ps, "integer literal overflows");
		if ((nd = newnode(ps, N_INT)) == NULL)
			return NULL;
		nd->i = (int64_t)v;
		return nd;
	}
	while (ps->i < ps->n && ps->p[ps->i] >= '0' && ps->p[ps->i] <= '9')
		ps->i++;
	if (ps->i + 1 < ps->n && ps->p[ps->i] == '.' &&
	    ps->p[ps->i + 1] >= '0' && ps->p[ps->i + 1] <= '9') {
		isf = 1;
		ps->i++;
		while (ps->i < ps->n && ps->p[ps->i] >= '0' &&
		    ps->p[ps->i] <= '9')
			ps->i++;
	}
	if (ps->i < ps->n && (ps->p[ps->i] == 'e' || ps->p[ps->i] == 'E')) {
		size_t k = ps->i + 1;

		if (k < ps->n && (ps->p[k] == '+' || ps->p[k] == '-'))
			k++;
		if (k < ps->n && ps->p[k] >= '0' && ps->p[k] <= '9') {
			isf = 1;
			ps->i = k;
			while (ps->i < ps->n && ps->p[ps->i] >= '0' &&
			    ps->p[ps->i] <= '9')
				ps->i++;
		}
	}
	if (isf) {
		char buf[64];
		size_t len = ps->i - s;

		if (len >= sizeof(buf))
			return pfail(ps, "float literal too long");
		memcpy(buf, ps->p + s, len);
		buf[len] = '\0';
		if ((nd = newnode(ps, N_DBL)) == NULL)
			return NULL;
		nd->d = strtod(buf, NULL);
		return nd;
	} else {
		uint64_t v = 0;

		for (size_t k = s; k < ps->i; k++) {
			uint64_t d = (uint64_t)(ps->p[k] - '0');

			if (v > (UINT64_MAX - d) / 10)
				return pfail(ps, "integer literal overflows");
			v = v * 10 + d;
		}
		if (ps->i < ps->n && (ps->p[ps->i] == 'u' ||
		    ps->p[ps->i] == 'U')) {
			ps->i++;
			if ((nd = newnode(ps, N_UINT)) == NULL)
				return NULL;
			nd->u = v;
			return nd;
		}
		if (v > (uint64_t)INT64_MAX)
			return pfail(ps, "integer literal overflows");
		if ((nd = newnode(ps, N_INT)) == NULL)
			return NULL;
		nd->i = (int64_t)v;
		return nd;
	}
}

/* args up to ')' (the '(' consumed). */
static int
pargs(struct parser *ps, struct node *nd, const char *close)
{
	struct node *tmp[64];
	size_t k = 0;

	if (!accept(ps, close)) {
		do {
			if (k == 64) {
				pfail(ps, "too many arguments");
				return -1;
			}
			if ((tmp[k++] = pexpr(ps)) == NULL)
				return -1;
		} while (accept(ps, ","));
		if (!accept(ps, close)) {
			pfail(ps, "expected closing bracket");
			return -1;
		}
	}
	nd->nargs = k;
	if (k > 0) {
		if ((nd->args = a_alloc(ps->a, k * sizeof(*nd->args))) ==
		    NULL) {
			ps->nomem = 1;
			pfail(ps, "memory budget exhausted");
			return -1;
		}
		memcpy(nd->args, tmp, k * sizeof(*nd->args));
	}
	return 0;
}

static int
name_is(const struct node *nd, const char *s)
{
	return nd->sn == strlen(s) && memcmp(nd->s, s, nd->sn) == 0;
}

static struct node *
pprimary(struct parser *ps)
{
	struct node *nd;
	char c;

	skipws(ps);
	if (ps->i >= ps->n)
		return pfail(ps, "unexpected end of expression");
	c = ps->p[ps->i];
	if (c == '(') {
		ps->i++;
		if ((nd = pexpr(ps)) == NULL)
			return NULL;
		if (!accept(ps, ")"))
			return pfail(ps, "expected ')'");
		return nd;
	}
	if (c == '\'' || c == '"')
		return pstring(ps);
	if (c >= '0' && c <= '9')
		return pnumber(ps);
	if (c == '.' && ps->i + 1 < ps->n && ps->p[ps->i + 1] >= '0' &&
	    ps->p[ps->i + 1] <= '9')
		return pfail(ps, "float literal without leading digit");
	if (c == '[') {
		ps->i++;
		if ((nd = newnode(ps, N_LIST)) == NULL ||
		    pargs(ps, nd, "]") != 0)
			return NULL;
		return nd;
	}
	if (c == '{') {
		struct node *tmp[128];
		size_t k = 0;

		ps->i++;
		if ((nd = newnode(ps, N_MAP)) == NULL)
			return NULL;
		if (!accept(ps, "}")) {
			do {
				if (k + 2 > 128)
					return pfail(ps, "map literal too big");
				if ((tmp[k++] = pexpr(ps)) == NULL)
					return NULL;
				if (!accept(ps, ":"))
					return pfail(ps, "expected ':'");
				if ((tmp[k++] = pexpr(ps)) == NULL)
					return NULL;
			} while (accept(ps, ","));
			if (!accept(ps, "}"))
				return pfail(ps, "expected '}'");
		}
		nd->nargs = k;
		if (k > 0) {
			if ((nd->args = a_alloc(ps->a, k *
			    sizeof(*nd->args))) == NULL) {
				ps->nomem = 1;
				return pfail(ps, "memory budget exhausted");
			}
			memcpy(nd->args, tmp, k * sizeof(*nd->args));
		}
		return nd;
	}
	if (idstart((unsigned char)c)) {
		size_t s = ps->i;

		if ((c == 'r' || c == 'R' || c == 'b' || c == 'B') &&
		    ps->i + 1 < ps->n && (ps->p[ps->i + 1] == '\'' ||
		    ps->p[ps->i + 1] == '"'))
			return pfail(ps, "raw and bytes literals are outside "
			    "the supported subset");
		while (ps->i < ps->n && idchar((unsigned char)ps->p[ps->i]))
			ps->i++;
		if ((nd = newnode(ps, N_IDENT)) == NULL)
			return NULL;
		nd->s = ps->p + s;
		nd->sn = ps->i - s;
		if (name_is(nd, "true") || name_is(nd, "false")) {
			nd->k = N_BOOL;
			nd->b = name_is(nd, "true");
			return nd;
		}
		if (name_is(nd, "null")) {
			nd->k = N_NULL;
			return nd;
		}
		if (name_is(nd, "in"))
			return pfail(ps, "unexpected keyword");
		if (accept(ps, "(")) {
			nd->k = N_CALL;
			if (pargs(ps, nd, ")") != 0)
				return NULL;
			if (name_is(nd, "has")) {
				if (nd->nargs != 1 || nd->args[0]->k !=
				    N_SELECT)
					return pfail(ps, "has() needs a field "
					    "selection");
				nd->k = N_HAS;
				nd->x = nd->args[0];
			}
		}
		return nd;
	}
	return pfail(ps, "unexpected character");
}

static struct node *
pmember(struct parser *ps)
{
	struct node *nd = pprimary(ps), *m;

	while (nd != NULL) {
		if (peek(ps, ".") && !peek(ps, "..")) {
			size_t s;

			ps->i++;
			skipws(ps);
			s = ps->i;
			while (ps->i < ps->n &&
			    idchar((unsigned char)ps->p[ps->i]))
				ps->i++;
			if (s == ps->i || !idstart((unsigned char)ps->p[s]))
				return pfail(ps, "expected a field name");
			if ((m = newnode(ps, N_SELECT)) == NULL)
				return NULL;
			m->s = ps->p + s;
			m->sn = ps->i - s;
			m->x = nd;
			if (accept(ps, "(")) {
				m->k = N_CALL;
				if (pargs(ps, m, ")") != 0)
					return NULL;
			}
			nd = m;
		} else if (accept(ps, "[")) {
			if ((m = newnode(ps, N_INDEX)) == NULL)
				return NULL;
			m->x = nd;
			if ((m->y = pexpr(ps)) == NULL)
				return NULL;
			if (!accept(ps, "]"))
				return pfail(ps, "expected ']'");
			nd = m;
		} else
			break;
	}
	return nd;
}

static struct node *
punary(struct parser *ps)
{
	struct node *nd, *in;

	if (++ps->depth > TN_CEL_MAX_DEPTH)
		return pfail(ps, "expression nested too deeply");
	if (accept(ps, "!")) {
		if ((nd = newnode(ps, N_NOT)) == NULL ||
		    (in = punary(ps)) == NULL)
			return NULL;
		nd->x = in;
	} else if (peek(ps, "-")) {
		ps->i++;
		if ((nd = newnode(ps, N_NEG)) == NULL ||
		    (in = punary(ps)) == NULL)
			return NULL;
		nd->x = in;
	} else
		nd = pmember(ps);
	ps->depth--;
	return nd;
}

static struct node *
bin(struct parser *ps, enum op op, struct node *l, struct node *r)
{
	struct node *nd;

	if (l == NULL || r == NULL)
		return NULL;
	if ((nd = newnode(ps, N_BIN)) == NULL)
		return NULL;
	nd->op = op;
	nd->x = l;
	nd->y = r;
	return nd;
}

static struct node *
pmul(struct parser *ps)
{
	struct node *l = punary(ps);

	while (l != NULL) {
		if (accept(ps, "*"))
			l = bin(ps, O_MUL, l, punary(ps));
		else if (accept(ps, "/"))
			l = bin(ps, O_DIV, l, punary(ps));
		else if (accept(ps, "%"))
			l = bin(ps, O_MOD, l, punary(ps));
		else
			break;
	}
	return l;
}

static struct node *
padd(struct parser *ps)
{
	struct node *l = pmul(ps);

	while (l != NULL) {
		if (accept(ps, "+"))
			l = bin(ps, O_ADD, l, pmul(ps));
		else if (accept(ps, "-"))
			l = bin(ps, O_SUB, l, pmul(ps));
		else
			break;
	}
	return l;
}

static struct node *
prel(struct parser *ps)
{
	struct node *l = padd(ps);

	while (l != NULL) {
		if (accept(ps, "<="))
			l = bin(ps, O_LE, l, padd(ps));
		else if (accept(ps, ">="))
			l = bin(ps, O_GE, l, padd(ps));
		else if (accept(ps, "=="))
			l = bin(ps, O_EQ, l, padd(ps));
		else if (accept(ps, "!="))
			l = bin(ps, O_NE, l, padd(ps));
		else if (accept(ps, "<"))
			l = bin(ps, O_LT, l, padd(ps));
		else if (accept(ps, ">"))
			l = bin(ps, O_GT, l, padd(ps));
		else if (peek(ps, "in") && (ps->i + 2 >= ps->n ||
		    !idchar((unsigned char)ps->p[ps->i + 2]))) {
			ps->i += 2;
			l = bin(ps, O_IN, l, padd(ps));
		} else
			break;
	}
	return l;
}

static struct node *
pand(struct parser *ps)
{
	struct node *l = prel(ps);

	while (l != NULL && accept(ps, "&&"))
		l = bin(ps, O_AND, l, prel(ps));
	return l;
}

static struct node *
por(struct parser *ps)
{
	struct node *l = pand(ps);

	while (l != NULL && accept(ps, "||"))
		l = bin(ps, O_OR, l, pand(ps));
	return l;
}

static struct node *
pexpr(struct parser *ps)
{
	struct node *c, *nd;

	if (++ps->depth > TN_CEL_MAX_DEPTH)
		return pfail(ps, "expression nested too deeply");
	c = por(ps);
	if (c != NULL && accept(ps, "?")) {
		if ((nd = newnode(ps, N_COND)) == NULL)
			return NULL;
		nd->x = c;
		if ((nd->y = por(ps)) == NULL)
			return NULL;
		if (!accept(ps, ":"))
			return pfail(ps, "expected ':'");
		if ((nd->z = pexpr(ps)) == NULL)
			return NULL;
		c = nd;
	}
	ps->depth--;
	return c;
}

/* TN_OK, TN_ERR_MALFORMED (reason in *why) or TN_ERR_NOMEM. */
static int
cel_parse(const uint8_t *e, size_t n, struct arena *a, struct node **out,
    const char **why)
{
	struct parser ps;

	memset(&ps, 0, sizeof(ps));
	ps.p = (const char *)e;
	ps.n = n;
	ps.a = a;
	*out = NULL;
	if (n > TN_CEL_MAX_EXPR) {
		*why = "expression too long";
		return TN_ERR_MALFORMED;
	}
	if (!tn_utf8_valid(e, n)) {
		*why = "expression is not UTF-8";
		return TN_ERR_MALFORMED;
	}
	*out = pexpr(&ps);
	if (*out != NULL) {
		skipws(&ps);
		if (ps.i != ps.n) {
			*out = NULL;
			pfail(&ps, "unexpected trailing input");
		}
	}
	if (*out == NULL) {
		*why = ps.why != NULL ? ps.why : "syntax error";
		return ps.nomem && a->cap == 0 ? TN_ERR_NOMEM :
		    TN_ERR_MALFORMED;
	}
	return TN_OK;
}

/* ------------------------------------------------------------ values */

enum vk { V_NULL, V_BOOL, V_INT, V_UINT, V_DBL, V_STR, V_LIST, V_MAP };

struct val {
	enum vk		 k;
	int		 b;
	int64_t		 i;
	uint64_t	 u;
	double		 d;
	const char	*s;
	size_t		 n;	/* string bytes, list items, map pairs */
	struct val	*items;	/* list; map: keys at 2j, values at 2j+1 */
};

struct ev {
	struct arena	 a;
	size_t		 steps;
	const struct val *root;	/* the bound value */
	int		 obj;	/* fields are top-level variables */
	int		 have_now;
	int64_t		 now;
	const char	*why;
	int		 nomem;
};

#define EV_ERR	(-1)

static int
efail(struct ev *e, const char *why)
{
	if (e->why == NULL)
		e->why = why;
	return EV_ERR;
}

static int
from_cbor(struct ev *e, const struct tn_cbor_item *it, struct val *v,
    unsigned depth)
{
	const struct tn_cbor_item *c;

	memset(v, 0, sizeof(*v));
	if (depth > 64)
		return efail(e, "argument nested too deeply");
	switch (it->type) {
	case TN_CBOR_TEXT:
	case TN_CBOR_BYTES:
		v->k = V_STR;
		v->s = (const char *)it->v.s.p;
		v->n = it->v.s.n;
		return 0;
	case TN_CBOR_UINT:
		if (it->v.u <= (uint64_t)INT64_MAX) {
			v->k = V_INT;
			v->i = (int64_t)it->v.u;
		} else {
			v->k = V_DBL;
			v->d = (double)it->v.u;
		}
		return 0;
	case TN_CBOR_NINT:
		v->k = V_INT;
		v->i = -1 - (int64_t)it->v.u;
		return 0;
	case TN_CBOR_FLOAT:
		v->k = V_DBL;
		v->d = it->v.f;
		return 0;
	case TN_CBOR_TRUE:
	case TN_CBOR_FALSE:
		v->k = V_BOOL;
		v->b = it->type == TN_CBOR_TRUE;
		return 0;
	case TN_CBOR_NULL:
		v->k = V_NULL;
		return 0;
	case TN_CBOR_ARRAY:
	case TN_CBOR_MAP: {
		size_t per = it->type == TN_CBOR_MAP ? 2 : 1;

		v->k = it->type == TN_CBOR_MAP ? V_MAP : V_LIST;
		v->n = it->count;
		if (it->count > 0 && (v->items = a_alloc(&e->a,
		    per * it->count * sizeof(*v->items))) == NULL) {
			e->nomem = 1;
			return efail(e, "memory budget exhausted");
		}
		c = it + 1;
		for (size_t j = 0; j < per * it->count; j++) {
			if (from_cbor(e, c, &v->items[j], depth + 1) != 0)
				return EV_ERR;
			c = tn_cbor_next(c);
		}
		return 0;
	}
	}
	return efail(e, "argument is not a value");
}

static int
isnum(const struct val *v)
{
	return v->k == V_INT || v->k == V_UINT || v->k == V_DBL;
}

/* Equality: 1, 0, or EV_ERR for numbers of different types. */
static int
veq(struct ev *e, const struct val *a, const struct val *b)
{
	if (++e->steps > TN_CEL_MAX_STEPS)
		return efail(e, "step budget exhausted");
	if (a->k != b->k) {
		if (isnum(a) && isnum(b))
			return efail(e, "comparing numbers of different types "
			    "is outside the supported subset");
		return 0;
	}
	switch (a->k) {
	case V_NULL:
		return 1;
	case V_BOOL:
		return a->b == b->b;
	case V_INT:
		return a->i == b->i;
	case V_UINT:
		return a->u == b->u;
	case V_DBL:
		return a->d == b->d;
	case V_STR:
		return a->n == b->n && (a->n == 0 || memcmp(a->s, b->s,
		    a->n) == 0);
	case V_LIST:
		if (a->n != b->n)
			return 0;
		for (size_t j = 0; j < a->n; j++) {
			int r = veq(e, &a->items[j], &b->items[j]);

			if (r != 1)
				return r;
		}
		return 1;
	case V_MAP:
		if (a->n != b->n)
			return 0;
		for (size_t j = 0; j < a->n; j++) {
			int found = 0;

			for (size_t k = 0; k < b->n && !found; k++) {
				int r;

				if (a->items[2 * j].k != b->items[2 * k].k)
					continue;
				r = veq(e, &a->items[2 * j], &b->items[2 * k]);
				if (r < 0)
					return r;
				if (r == 1) {
					found = 1;
					r = veq(e, &a->items[2 * j + 1],
					    &b->items[2 * k + 1]);
					if (r != 1)
						return r;
				}
			}
			if (!found)
				return 0;
		}
		return 1;
	}
	return 0;
}

static int
map_key_ok(const struct val *k)
{
	return k->k == V_INT || k->k == V_UINT || k->k == V_STR ||
	    k->k == V_BOOL;
}

/* The value for key in map m, or NULL. */
static const struct val *
map_get(struct ev *e, const struct val *m, const struct val *key)
{
	for (size_t j = 0; j < m->n; j++) {
		const struct val *k = &m->items[2 * j];

		if (k->k == key->k && veq(e, k, key) == 1)
			return &m->items[2 * j + 1];
	}
	return NULL;
}

static const struct val *
map_get_name(const struct val *m, const char *s, size_t n)
{
	for (size_t j = 0; j < m->n; j++) {
		const struct val *k = &m->items[2 * j];

		if (k->k == V_STR && k->n == n && (n == 0 ||
		    memcmp(k->s, s, n) == 0))
			return &m->items[2 * j + 1];
	}
	return NULL;
}

/* ------------------------------------------------------------ time */

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int
dig(const char *s, size_t k, size_t n, unsigned *v)
{
	*v = 0;
	for (size_t j = 0; j < n; j++) {
		if (s[k + j] < '0' || s[k + j] > '9')
			return -1;
		*v = *v * 10 + (unsigned)(s[k + j] - '0');
	}
	return 0;
}

/* RFC 3339 date-time: 0 (seconds and fraction stored), or -1. */
static int
rfc3339(const char *s, size_t n, int64_t *secs, double *frac)
{
	static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	unsigned y, mo, d, h, mi, se, oh = 0, om = 0;
	size_t k = 19;
	int sign = 0;
	double f = 0, scale = 0.1;

	if (n < 20 || dig(s, 0, 4, &y) || s[4] != '-' || dig(s, 5, 2, &mo) ||
	    s[7] != '-' || dig(s, 8, 2, &d) || (s[10] != 'T' &&
	    s[10] != 't') || dig(s, 11, 2, &h) || s[13] != ':' ||
	    dig(s, 14, 2, &mi) || s[16] != ':' || dig(s, 17, 2, &se))
		return -1;
	if (k < n && s[k] == '.') {
		k++;
		if (k >= n || s[k] < '0' || s[k] > '9')
			return -1;
		while (k < n && s[k] >= '0' && s[k] <= '9') {
			f += (s[k] - '0') * scale;
			scale /= 10;
			k++;
		}
	}
	if (k < n && (s[k] == 'Z' || s[k] == 'z'))
		k++;
	else if (k + 6 == n && (s[k] == '+' || s[k] == '-') &&
	    !dig(s, k + 1, 2, &oh) && s[k + 3] == ':' &&
	    !dig(s, k + 4, 2, &om)) {
		sign = s[k] == '+' ? 1 : -1;
		k += 6;
	} else
		return -1;
	if (k != n || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 ||
	    se > 59 || oh > 23 || om > 59)
		return -1;
	if (d > mdays[mo - 1] + (mo == 2 && (y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0))))
		return -1;
	*secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se -
	    sign * (int64_t)(oh * 3600 + om * 60);
	*frac = f;
	return 0;
}

/* ------------------------------------------------------------ eval */

static int ev(struct ev *e, const struct node *nd, struct val *out);

static int
want_str(struct ev *e, const struct val *v)
{
	if (v->k != V_STR)
		return efail(e, "string function applied to a non-string");
	return 0;
}

static struct val *
nv(struct ev *e)
{
	struct val *v = a_alloc(&e->a, sizeof(*v));

	if (v == NULL) {
		e->nomem = 1;
		(void)efail(e, "memory budget exhausted");
	}
	return v;
}

static size_t
ucount(const char *s, size_t n)
{
	size_t c = 0;

	for (size_t j = 0; j < n; j++)
		c += ((uint8_t)s[j] & 0xc0) != 0x80;
	return c;
}

static int
call(struct ev *e, const struct node *nd, struct val *out)
{
	struct val t, a[2];
	int has_t = nd->x != NULL;
	size_t na = nd->nargs;

	memset(out, 0, sizeof(*out));
	if (na > 2)
		return efail(e, "function outside the supported subset");
	if (has_t && ev(e, nd->x, &t) != 0)
		return EV_ERR;
	for (size_t j = 0; j < na; j++)
		if (ev(e, nd->args[j], &a[j]) != 0)
			return EV_ERR;
	if (name_is(nd, "size") && ((has_t && na == 0) || (!has_t &&
	    na == 1))) {
		const struct val *x = has_t ? &t : &a[0];

		out->k = V_INT;
		if (x->k == V_STR)
			out->i = (int64_t)ucount(x->s, x->n);
		else if (x->k == V_LIST || x->k == V_MAP)
			out->i = (int64_t)x->n;
		else
			return efail(e, "size() of a value without a size");
		return 0;
	}
	if (has_t && na == 1 && (name_is(nd, "startsWith") ||
	    name_is(nd, "endsWith") || name_is(nd, "matches") ||
	    name_is(nd, "contains"))) {
		out->k = V_BOOL;
		if (name_is(nd, "contains") && t.k == V_LIST) {
			for (size_t j = 0; j < t.n; j++) {
				int r = veq(e, &t.items[j], &a[0]);

				if (r < 0)
					return r;
				if (r == 1) {
					out->b = 1;
					break;
				}
			}
			return 0;
		}
		if (want_str(e, &t) || want_str(e, &a[0]))
			return EV_ERR;
		if (name_is(nd, "startsWith"))
			out->b = t.n >= a[0].n && (a[0].n == 0 ||
			    memcmp(t.s, a[0].s, a[0].n) == 0);
		else if (name_is(nd, "endsWith"))
			out->b = t.n >= a[0].n && (a[0].n == 0 ||
			    memcmp(t.s + t.n - a[0].n, a[0].s, a[0].n) == 0);
		else if (name_is(nd, "contains")) {
			out->b = a[0].n == 0;
			for (size_t j = 0; !out->b && j + a[0].n <= t.n; j++)
				out->b = memcmp(t.s + j, a[0].s, a[0].n) == 0;
			e->steps += t.n / 16;
		} else {
			struct tn_regex re;
			int rc;

			rc = tn_regex_compile((const uint8_t *)a[0].s, a[0].n,
			    &re, NULL);
			if (rc == TN_ERR_NOMEM) {
				e->nomem = 1;
				return efail(e, "out of memory");
			}
			if (rc != TN_OK)
				return efail(e, "matches(): invalid regex");
			rc = tn_regex_match(&re, (const uint8_t *)t.s, t.n,
			    NULL);
			tn_regex_free(&re);
			if (rc == TN_ERR_NOMEM)
				e->nomem = 1;
			if (rc < 0)
				return efail(e, "matches(): regex not "
				    "supported or limit reached");
			out->b = rc;
		}
		return 0;
	}
	if (has_t)
		return efail(e, "method outside the supported subset");
	if (name_is(nd, "time_now") && na == 1) {
		int64_t days, sod;
		int64_t z, era, yy;
		unsigned doe, yoe, doy, mp, dd, mm;
		char *buf;

		if (!e->have_now)
			return efail(e, "time functions need the current time, "
			    "which the caller did not provide");
		days = e->now >= 0 ? e->now / 86400 : -((-e->now + 86399) /
		    86400);
		sod = e->now - days * 86400;
		z = days + 719468;
		era = (z >= 0 ? z : z - 146096) / 146097;
		doe = (unsigned)(z - era * 146097);
		yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
		yy = (int64_t)yoe + era * 400;
		doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
		mp = (5 * doy + 2) / 153;
		dd = doy - (153 * mp + 2) / 5 + 1;
		mm = mp < 10 ? mp + 3 : mp - 9;
		yy += mm <= 2;
		if (yy < 0 || yy > 9999)
			return efail(e, "time out of range");
		if ((buf = a_alloc(&e->a, 32)) == NULL) {
			e->nomem = 1;
			return efail(e, "memory budget exhausted");
		}
		{
			unsigned v[6] = { (unsigned)yy, mm, dd,
			    (unsigned)(sod / 3600), (unsigned)(sod / 60 % 60),
			    (unsigned)(sod % 60) };
			size_t o = 0;

			for (int k = 3; k >= 0; k--)
				buf[o++] = (char)('0' + v[0] / (k == 3 ? 1000 :
				    k == 2 ? 100 : k == 1 ? 10 : 1) % 10);
			for (int k = 1; k < 6; k++) {
				buf[o++] = "--T::"[k - 1];
				buf[o++] = (char)('0' + v[k] / 10);
				buf[o++] = (char)('0' + v[k] % 10);
			}
			memcpy(buf + o, "+00:00", 6);
			out->k = V_STR;
			out->s = buf;
			out->n = o + 6;
		}
		return 0;
	}
	if ((name_is(nd, "time_is_expired") || name_is(nd, "time_since")) &&
	    na == 1) {
		int since = name_is(nd, "time_since");
		int64_t secs;
		double frac;

		out->k = since ? V_INT : V_BOOL;
		if (a[0].k != V_STR)
			return 0;	/* deployed: false / 0 */
		if (!e->have_now)
			return efail(e, "time functions need the current time, "
			    "which the caller did not provide");
		/* Stricter: text chrono might accept but we cannot parse. */
		if (rfc3339(a[0].s, a[0].n, &secs, &frac) != 0)
			return efail(e, "timestamp is not an RFC 3339 "
			    "date-time this verifier parses");
		if (since) {
			double diff = (double)(e->now - secs) - frac;

			out->i = (int64_t)diff;	/* truncates like chrono */
		} else
			out->b = (double)(secs - e->now) + frac < 0;
		return 0;
	}
	if (name_is(nd, "net_in_cidr") && na == 2) {
		int r;

		out->k = V_BOOL;
		if (a[0].k != V_STR || a[1].k != V_STR)
			return 0;
		r = tn_constraint_ip_in_cidr((const uint8_t *)a[0].s, a[0].n,
		    (const uint8_t *)a[1].s, a[1].n);
		out->b = r == 1;
		return 0;
	}
	if (name_is(nd, "net_is_private") && na == 1) {
		out->k = V_BOOL;
		if (a[0].k != V_STR)
			return 0;
		out->b = tn_constraint_ip_is_private((const uint8_t *)a[0].s,
		    a[0].n) == 1;
		return 0;
	}
	return efail(e, "function outside the supported subset");
}

static int
cmp(struct ev *e, enum op op, const struct val *l, const struct val *r,
    struct val *out)
{
	int c;

	if (l->k != r->k)
		return efail(e, "values are not comparable");
	switch (l->k) {
	case V_INT:
		c = l->i < r->i ? -1 : l->i > r->i;
		break;
	case V_UINT:
		c = l->u < r->u ? -1 : l->u > r->u;
		break;
	case V_DBL:
		if (isnan(l->d) || isnan(r->d))
			return efail(e, "NaN is not comparable");
		c = l->d < r->d ? -1 : l->d > r->d;
		break;
	case V_STR: {
		size_t m = l->n < r->n ? l->n : r->n;

		c = m ? memcmp(l->s, r->s, m) : 0;
		if (c == 0)
			c = l->n < r->n ? -1 : l->n > r->n;
		c = c < 0 ? -1 : c > 0;
		break;
	}
	case V_BOOL:
		c = l->b - r->b;
		break;
	case V_NULL:
		c = 0;
		break;
	default:
		return efail(e, "values are not comparable");
	}
	out->k = V_BOOL;
	out->b = op == O_LT ? c < 0 : op == O_LE ? c <= 0 : op == O_GT ?
	    c > 0 : c >= 0;
	return 0;
}

static int
arith(struct ev *e, enum op op, const struct val *l, const struct val *r,
    struct val *out)
{
	out->k = l->k;
	if (l->k != r->k)
		return efail(e, "arithmetic on different types");
	if (l->k == V_INT) {
		int64_t x = l->i, y = r->i, z;

		switch (op) {
		case O_ADD:
			if (__builtin_add_overflow(x, y, &z))
				return efail(e, "integer overflow");
			break;
		case O_SUB:
			if (__builtin_sub_overflow(x, y, &z))
				return efail(e, "integer overflow");
			break;
		case O_MUL:
			if (__builtin_mul_overflow(x, y, &z))
				return efail(e, "integer overflow");
			break;
		default:
			if (y == 0)
				return efail(e, "division by zero");
			if (x == INT64_MIN && y == -1)
				return efail(e, "integer overflow");
			z = op == O_DIV ? x / y : x % y;
			break;
		}
		out->i = z;
		return 0;
	}
	if (l->k == V_UINT) {
		uint64_t x = l->u, y = r->u, z;

		switch (op) {
		case O_ADD:
			if (__builtin_add_overflow(x, y, &z))
				return efail(e, "integer overflow");
			break;
		case O_SUB:
			if (__builtin_sub_overflow(x, y, &z))
				return efail(e, "integer overflow");
			break;
		case O_MUL:
			if (__builtin_mul_overflow(x, y, &z))
				return efail(e, "integer overflow");
			break;
		default:
			if (y == 0)
				return efail(e, "division by zero");
			z = op == O_DIV ? x / y : x % y;
			break;
		}
		out->u = z;
		return 0;
	}
	if (l->k == V_DBL && op != O_MOD) {
		out->d = op == O_ADD ? l->d + r->d : op == O_SUB ? l->d - r->d :
		    op == O_MUL ? l->d * r->d : l->d / r->d;
		return 0;
	}
	if (op == O_ADD && (l->k == V_STR || l->k == V_LIST)) {
		size_t n = l->n + r->n;

		if (l->k == V_STR) {
			char *s = a_alloc(&e->a, n + 1);

			if (s == NULL) {
				e->nomem = 1;
				return efail(e, "memory budget exhausted");
			}
			if (l->n)
				memcpy(s, l->s, l->n);
			if (r->n)
				memcpy(s + l->n, r->s, r->n);
			out->s = s;
		} else {
			struct val *it = NULL;

			if (n > 0 && (it = a_alloc(&e->a, n *
			    sizeof(*it))) == NULL) {
				e->nomem = 1;
				return efail(e, "memory budget exhausted");
			}
			if (l->n)
				memcpy(it, l->items, l->n * sizeof(*it));
			if (r->n)
				memcpy(it + l->n, r->items, r->n * sizeof(*it));
			out->items = it;
		}
		out->n = n;
		e->steps += n / 16;
		return 0;
	}
	return efail(e, "unsupported operands for arithmetic");
}

static int
ev(struct ev *e, const struct node *nd, struct val *out)
{
	struct val l, r, c;
	const struct val *p;
	int rc;

	memset(out, 0, sizeof(*out));
	if (++e->steps > TN_CEL_MAX_STEPS)
		return efail(e, "step budget exhausted");
	switch (nd->k) {
	case N_NULL:
		out->k = V_NULL;
		return 0;
	case N_BOOL:
		out->k = V_BOOL;
		out->b = nd->b;
		return 0;
	case N_INT:
		out->k = V_INT;
		out->i = nd->i;
		return 0;
	case N_UINT:
		out->k = V_UINT;
		out->u = nd->u;
		return 0;
	case N_DBL:
		out->k = V_DBL;
		out->d = nd->d;
		return 0;
	case N_STR:
		out->k = V_STR;
		out->s = nd->s;
		out->n = nd->sn;
		return 0;
	case N_IDENT:
		if (e->obj)
			p = map_get_name(e->root, nd->s, nd->sn);
		else
			p = name_is(nd, "value") ? e->root : NULL;
		if (p == NULL)
			return efail(e, "undeclared reference");
		*out = *p;
		return 0;
	case N_SELECT:
	case N_HAS:
		if (ev(e, nd->k == N_HAS ? nd->x->x : nd->x, &l) != 0)
			return EV_ERR;
		{
			const struct node *sel = nd->k == N_HAS ? nd->x : nd;

			p = l.k == V_MAP ? map_get_name(&l, sel->s, sel->sn) :
			    NULL;
		}
		if (nd->k == N_HAS) {
			out->k = V_BOOL;
			out->b = p != NULL;
			return 0;
		}
		if (p == NULL)
			return efail(e, "no such key");
		*out = *p;
		return 0;
	case N_INDEX:
		if (ev(e, nd->x, &l) != 0 || ev(e, nd->y, &r) != 0)
			return EV_ERR;
		if (l.k == V_LIST && r.k == V_INT) {
			if (r.i < 0 || (uint64_t)r.i >= l.n)
				return efail(e, "index out of range");
			*out = l.items[r.i];
			return 0;
		}
		if (l.k == V_MAP && map_key_ok(&r)) {
			if ((p = map_get(e, &l, &r)) == NULL)
				return efail(e, "no such key");
			*out = *p;
			return 0;
		}
		return efail(e, "unsupported index");
	case N_CALL:
		return call(e, nd, out);
	case N_LIST:
	case N_MAP: {
		size_t per = nd->k == N_MAP ? 2 : 1;
		struct val *it = NULL;

		if (nd->nargs > 0 && (it = a_alloc(&e->a, nd->nargs *
		    sizeof(*it))) == NULL) {
			e->nomem = 1;
			return efail(e, "memory budget exhausted");
		}
		for (size_t j = 0; j < nd->nargs; j++) {
			if (ev(e, nd->args[j], &it[j]) != 0)
				return EV_ERR;
			if (per == 2 && j % 2 == 0 && !map_key_ok(&it[j]))
				return efail(e, "unsupported map key");
		}
		out->k = per == 2 ? V_MAP : V_LIST;
		out->items = it;
		out->n = nd->nargs / per;
		return 0;
	}
	case N_NOT:
		if (ev(e, nd->x, &l) != 0)
			return EV_ERR;
		if (l.k != V_BOOL)
			return efail(e, "! needs a bool");
		out->k = V_BOOL;
		out->b = !l.b;
		return 0;
	case N_NEG:
		if (ev(e, nd->x, &l) != 0)
			return EV_ERR;
		if (l.k == V_INT && l.i != INT64_MIN) {
			out->k = V_INT;
			out->i = -l.i;
			return 0;
		}
		if (l.k == V_DBL) {
			out->k = V_DBL;
			out->d = -l.d;
			return 0;
		}
		return efail(e, "unsupported operand for unary minus");
	case N_COND:
		if (ev(e, nd->x, &c) != 0 || ev(e, nd->y, &l) != 0 ||
		    ev(e, nd->z, &r) != 0)
			return EV_ERR;
		if (c.k != V_BOOL)
			return efail(e, "?: needs a bool condition");
		*out = c.b ? l : r;
		return 0;
	case N_BIN:
		break;
	}
	if (ev(e, nd->x, &l) != 0 || ev(e, nd->y, &r) != 0)
		return EV_ERR;
	switch (nd->op) {
	case O_AND:
	case O_OR:
		if (l.k != V_BOOL || r.k != V_BOOL)
			return efail(e, "&& and || need bool operands");
		out->k = V_BOOL;
		out->b = nd->op == O_AND ? (l.b && r.b) : (l.b || r.b);
		return 0;
	case O_EQ:
	case O_NE:
		if ((rc = veq(e, &l, &r)) < 0)
			return rc;
		out->k = V_BOOL;
		out->b = nd->op == O_EQ ? rc : !rc;
		return 0;
	case O_LT:
	case O_LE:
	case O_GT:
	case O_GE:
		return cmp(e, nd->op, &l, &r, out);
	case O_IN:
		out->k = V_BOOL;
		if (r.k == V_LIST) {
			for (size_t j = 0; j < r.n; j++) {
				if ((rc = veq(e, &l, &r.items[j])) < 0)
					return rc;
				if (rc == 1) {
					out->b = 1;
					break;
				}
			}
			return 0;
		}
		if (r.k == V_MAP) {
			out->b = map_key_ok(&l) && map_get(e, &r, &l) != NULL;
			return 0;
		}
		return efail(e, "unsupported operands for 'in'");
	default:
		return arith(e, nd->op, &l, &r, out);
	}
}

int
tn_cel_eval(const uint8_t *expr, size_t n, const struct tn_cbor_item *v,
    int have_now, int64_t now, struct tn_error *err)
{
	struct ev e;
	struct node *root;
	struct val *bound, res;
	const char *why = NULL;
	int rc;

	memset(&e, 0, sizeof(e));
	/* The budget, plus room to bind the argument (sized by its items). */
	e.a.cap = TN_CEL_MAX_MEMORY + (size_t)v->size * (sizeof(struct val) +
	    8);
	if ((e.a.p = malloc(e.a.cap)) == NULL)
		return TN_ERR_NOMEM;
	e.have_now = have_now;
	e.now = now;
	rc = cel_parse(expr, n, &e.a, &root, &why);
	if (rc != TN_OK) {
		free(e.a.p);
		return tn_fail(err, TN_ERR_CONSTRAINT_NOT_SATISFIED,
		    "Cel: expression rejected: %s", why);
	}
	if ((bound = nv(&e)) == NULL || from_cbor(&e, v, bound, 0) != 0)
		goto fail;
	e.root = bound;
	e.obj = bound->k == V_MAP;
	if (ev(&e, root, &res) != 0)
		goto fail;
	free(e.a.p);
	if (res.k != V_BOOL)
		return tn_fail(err, TN_ERR_CONSTRAINT_NOT_SATISFIED,
		    "Cel: expression must return bool");
	return res.b;
fail:
	free(e.a.p);
	return tn_fail(err, TN_ERR_CONSTRAINT_NOT_SATISFIED,
	    "Cel: evaluation error: %s", e.why != NULL ? e.why : "error");
}

int
tn_cel_check_syntax(const uint8_t *expr, size_t n, struct tn_error *err)
{
	struct arena a;
	struct node *root;
	const char *why = NULL;
	int rc;

	a.cap = TN_CEL_MAX_MEMORY;
	a.n = 0;
	if ((a.p = malloc(a.cap)) == NULL)
		return TN_ERR_NOMEM;
	rc = cel_parse(expr, n, &a, &root, &why);
	free(a.p);
	if (rc != TN_OK)
		return tn_fail(err, TN_ERR_MALFORMED, "Cel: %s", why);
	return TN_OK;
}

/* ------------------------------------------------------------ attenuation */

static int
node_eq(const struct node *a, const struct node *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	if (a->k != b->k || a->op != b->op || a->nargs != b->nargs ||
	    a->sn != b->sn)
		return 0;
	switch (a->k) {
	case N_BOOL:
		if (a->b != b->b)
			return 0;
		break;
	case N_INT:
		if (a->i != b->i)
			return 0;
		break;
	case N_UINT:
		if (a->u != b->u)
			return 0;
		break;
	case N_DBL:
		if (memcmp(&a->d, &b->d, sizeof(a->d)) != 0)
			return 0;
		break;
	default:
		break;
	}
	if (a->sn > 0 && memcmp(a->s, b->s, a->sn) != 0)
		return 0;
	for (size_t j = 0; j < a->nargs; j++)
		if (!node_eq(a->args[j], b->args[j]))
			return 0;
	return node_eq(a->x, b->x) && node_eq(a->y, b->y) &&
	    node_eq(a->z, b->z);
}

/* Deployed normalize_cel_whitespace: drop Unicode whitespace. */
static size_t
strip_ws(const uint8_t *s, size_t n, char *out)
{
	size_t o = 0, i = 0;

	while (i < n) {
		size_t at = i;
		int32_t c = tn_utf8_next(s, n, &i);

		if (c < 0) {
			i = at + 1;
			out[o++] = (char)s[at];
			continue;
		}
		if ((c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 ||
		    c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
		    c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
		    c == 0x3000)
			continue;
		memcpy(out + o, s + at, i - at);
		o += i - at;
	}
	return o;
}

static int
balanced_outer(const char *s, size_t n)
{
	int depth = 0;

	if (n == 0 || s[0] != '(' || s[n - 1] != ')')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '(')
			depth++;
		else if (s[i] == ')') {
			depth--;
			if (depth == 0 && i != n - 1)
				return 0;
		}
	}
	return depth == 0;
}

int
tn_cel_attenuates(const uint8_t *pe, size_t pn, const uint8_t *ce, size_t cn,
    struct tn_error *err)
{
	struct arena a;
	struct node *pr, *cr;
	const char *why;
	char *pw, *cw;
	size_t pwn, cwn;
	int same, ok = 0;

	if (pn == cn && (pn == 0 || memcmp(pe, ce, pn) == 0))
		return TN_OK;
	if (pn > TN_CEL_MAX_EXPR || cn > TN_CEL_MAX_EXPR)
		return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
		    "Cel: expression too long");
	a.cap = TN_CEL_MAX_MEMORY;
	a.n = 0;
	if ((a.p = malloc(a.cap)) == NULL)
		return TN_ERR_NOMEM;
	pw = (char *)a.p;
	cw = pw + pn + 1;
	a.n = pn + cn + 8;
	a.n = (a.n + 7u) & ~(size_t)7u;
	pwn = strip_ws(pe, pn, pw);
	cwn = strip_ws(ce, cn, cw);
	/* The deployed syntactic test. */
	same = pwn == cwn && (pwn == 0 || memcmp(pw, cw, pwn) == 0);
	if (!same) {
		if (cwn < pwn + 4 || cw[0] != '(' || memcmp(cw + 1, pw, pwn) !=
		    0 || memcmp(cw + 1 + pwn, ")&&", 3) != 0) {
			free(a.p);
			return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
			    "Cel: child must be '(parent) && (predicate)'");
		}
		if (!balanced_outer(cw + pwn + 4, cwn - pwn - 4)) {
			free(a.p);
			return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
			    "Cel: the added predicate must be parenthesized");
		}
	}
	/* Stricter than deployed: the syntax trees must agree. */
	if (cel_parse(pe, pn, &a, &pr, &why) == TN_OK &&
	    cel_parse(ce, cn, &a, &cr, &why) == TN_OK)
		ok = same ? node_eq(pr, cr) : (cr->k == N_BIN &&
		    cr->op == O_AND && node_eq(cr->x, pr));
	free(a.p);
	if (!ok)
		return tn_fail(err, TN_ERR_ATTENUATION_INVALID, "Cel: child is "
		    "not the parent's expression conjoined with a predicate "
		    "(checked on the parsed expressions)");
	return TN_OK;
}
