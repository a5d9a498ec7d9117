/*
 * tn_shlex.c: the Shlex constraint (see tn_shlex.h).
 */
#include <string.h>

#include "tn_glob.h"
#include "tn_shlex.h"

/* Rust char::is_whitespace (Unicode White_Space). */
static int
uws(int32_t c)
{
	return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 ||
	    c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
	    c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
	    c == 0x3000;
}

static int
dangerous(int32_t c)
{
	/* deployed SHELL_DANGEROUS_CHARS */
	if (c == 0 || c == '\n' || c == '\r' || c == 0x0b || c == 0x0c ||
	    c == 0x07 || c == 0x08 || c == 0x7f || c == '$' || c == '`' ||
	    c == '|' || c == '&' || c == ';' || c == '<' || c == '>' ||
	    c == '(' || c == ')')
		return 1;
	/* Stricter than deployed: every other C0 control but TAB. */
	return c < 0x20 && c != '\t';
}

int
tn_shlex_match(const struct tn_cbor_item *allow, const uint8_t *s, size_t n)
{
	const struct tn_cbor_item *it;
	size_t i = 0, ts = 0, te = 0, bs;
	int in_tok = 0, done = 0;

	if (n == 0)
		return 0;
	while (i < n) {
		size_t at = i;
		int32_t c = tn_utf8_next(s, n, &i);

		if (c < 0 || dangerous(c))
			return 0;
		if (done)
			continue;
		if (uws(c)) {
			if (in_tok) {
				te = at;
				done = 1;
			}
		} else if (!in_tok) {
			in_tok = 1;
			ts = at;
		}
	}
	if (!in_tok)
		return 0;
	if (!done)
		te = n;
	for (size_t k = ts; k + 1 < te; k++)
		if (s[k] == '.' && s[k + 1] == '.')
			return 0;
	bs = te;
	while (bs > ts && s[bs - 1] != '/')
		bs--;
	it = allow + 1;
	for (uint32_t k = 0; k < allow->count; k++, it = tn_cbor_next(it)) {
		if ((it->v.s.n == te - ts && memcmp(it->v.s.p, s + ts,
		    te - ts) == 0) || (it->v.s.n == te - bs &&
		    memcmp(it->v.s.p, s + bs, te - bs) == 0))
			return 1;
	}
	return 0;
}

int
tn_shlex_subset(const struct tn_cbor_item *p, const struct tn_cbor_item *c)
{
	const struct tn_cbor_item *ci = c + 1, *pi;

	for (uint32_t i = 0; i < c->count; i++, ci = tn_cbor_next(ci)) {
		int found = 0;

		pi = p + 1;
		for (uint32_t j = 0; j < p->count && !found; j++,
		    pi = tn_cbor_next(pi))
			found = pi->v.s.n == ci->v.s.n && (ci->v.s.n == 0 ||
			    memcmp(pi->v.s.p, ci->v.s.p, ci->v.s.n) == 0);
		if (!found)
			return 0;
	}
	return 1;
}
