/*
 * tn_glob.c: deployed-compatible glob patterns (see tn_glob.h), matched
 * by NFA simulation so no pattern can cause exponential backtracking.
 */
#include <stdlib.h>
#include <string.h>

#include "tn_glob.h"

void
tn_glob_free(struct tn_glob *g)
{
	if (g == NULL)
		return;
	free(g->cps);
	free(g->toks);
	memset(g, 0, sizeof(*g));
}

static void
glob_push(struct tn_glob *g, enum tn_glob_tok_kind kind, uint32_t c,
    size_t set_off, size_t set_n, const size_t *boff, size_t from, size_t to)
{
	struct tn_glob_tok *t = &g->toks[g->ntoks++];

	t->kind = kind;
	t->c = c;
	t->set_off = set_off;
	t->set_n = set_n;
	t->src_off = boff[from];
	t->src_len = boff[to] - boff[from];
}

/* Index of the first ']' in cps[from..n), or n. */
static size_t
find_close(const uint32_t *cps, size_t from, size_t n)
{
	for (size_t k = from; k < n; k++)
		if (cps[k] == ']')
			return k;
	return n;
}

int
tn_glob_compile(const uint8_t *pat, size_t n, struct tn_glob *g,
    struct tn_error *err)
{
	size_t *boff = NULL, ncps = 0, i = 0;
	const uint32_t *cp;
	int rc = TN_OK;

	memset(g, 0, sizeof(*g));
	/* Code points never outnumber bytes; +1 keeps zero-length allocs. */
	g->cps = calloc(n + 1, sizeof(*g->cps));
	g->toks = calloc(n + 1, sizeof(*g->toks));
	boff = calloc(n + 1, sizeof(*boff));
	if (g->cps == NULL || g->toks == NULL || boff == NULL) {
		rc = tn_fail(err, TN_ERR_NOMEM, "out of memory");
		goto out;
	}
	while (i < n) {
		int32_t c;

		boff[ncps] = i;
		if ((c = tn_utf8_next(pat, n, &i)) < 0) {
			rc = tn_fail(err, TN_ERR_MALFORMED,
			    "glob: pattern is not valid UTF-8");
			goto out;
		}
		g->cps[ncps++] = (uint32_t)c;
		if (c == '*')
			g->nstars++;
	}
	boff[ncps] = n;
	g->ncps = ncps;
	cp = g->cps;

	i = 0;
	while (i < ncps) {
		size_t start = i, k;

		switch (cp[i]) {
		case '?':
			i++;
			glob_push(g, TN_GLOB_ANY, 0, 0, 0, boff, start, i);
			break;
		case '*':
			while (i < ncps && cp[i] == '*')
				i++;
			if (i - start > 2) {
				rc = tn_fail(err, TN_ERR_MALFORMED,
				    "glob: more than two consecutive '*'");
				goto out;
			}
			if (i - start == 1) {
				glob_push(g, TN_GLOB_SEQ, 0, 0, 0, boff, start, i);
				break;
			}
			/* "**" must be a whole path component. */
			if (start != 0 && cp[start - 1] != '/') {
				rc = tn_fail(err, TN_ERR_MALFORMED,
				    "glob: '**' must follow '/' or start the "
				    "pattern");
				goto out;
			}
			if (i < ncps && cp[i] == '/')
				i++;
			else if (i != ncps) {
				rc = tn_fail(err, TN_ERR_MALFORMED,
				    "glob: '**' must be followed by '/' or end "
				    "the pattern");
				goto out;
			}
			/* Consecutive "**" collapse (as deployed: not first). */
			if (!(g->ntoks > 1 &&
			    g->toks[g->ntoks - 1].kind == TN_GLOB_REC))
				glob_push(g, TN_GLOB_REC, 0, 0, 0, boff, start, i);
			break;
		case '[':
			if (i + 4 <= ncps && cp[i + 1] == '!') {
				k = find_close(cp, i + 3, ncps);
				if (k < ncps) {
					i = k + 1;
					glob_push(g, TN_GLOB_NOT_IN, 0, start + 2,
					    k - (start + 2), boff, start, i);
					break;
				}
			} else if (i + 3 <= ncps && cp[i + 1] != '!') {
				k = find_close(cp, i + 2, ncps);
				if (k < ncps) {
					i = k + 1;
					glob_push(g, TN_GLOB_IN, 0, start + 1,
					    k - (start + 1), boff, start, i);
					break;
				}
			}
			rc = tn_fail(err, TN_ERR_MALFORMED,
			    "glob: invalid character class");
			goto out;
		default:
			i++;
			glob_push(g, TN_GLOB_CHAR, cp[start], 0, 0, boff, start,
			    i);
			break;
		}
	}
out:
	free(boff);
	if (rc != TN_OK)
		tn_glob_free(g);
	return rc;
}

static int
in_set(const uint32_t *s, size_t n, uint32_t c)
{
	size_t k = 0;

	while (k < n) {
		if (k + 3 <= n && s[k + 1] == '-') {
			if (s[k] <= c && c <= s[k + 2])
				return 1;
			k += 3;
		} else {
			if (s[k] == c)
				return 1;
			k++;
		}
	}
	return 0;
}

/* Follows empty matches: a star at j lets matching continue at j + 1. */
static void
closure(const struct tn_glob *g, uint8_t *at)
{
	for (size_t j = 0; j < g->ntoks; j++)
		if (at[j] && (g->toks[j].kind == TN_GLOB_SEQ ||
		    g->toks[j].kind == TN_GLOB_REC))
			at[j + 1] = 1;
}

/*
 * State j in `at` means "the next input character is matched against token
 * j" (j == ntoks: the pattern is consumed).  For a `**` token the state
 * `in` means "inside it, after a non-separator": it may not stop there,
 * except at the end of the input, exactly as the deployed matcher does.
 */
int
tn_glob_match(const struct tn_glob *g, const uint8_t *s, size_t n)
{
	size_t m = g->ntoks, i = 0;
	uint8_t *mem, *at, *in, *nat, *nin;
	int result;

	if ((mem = calloc(4, m + 1)) == NULL)
		return TN_ERR_NOMEM;
	at = mem;
	in = at + (m + 1);
	nat = in + (m + 1);
	nin = nat + (m + 1);
	at[0] = 1;
	closure(g, at);
	while (i < n) {
		int32_t c = tn_utf8_next(s, n, &i);
		int alive = 0;
		uint8_t *t;

		if (c < 0) {
			free(mem);
			return 0;
		}
		memset(nat, 0, m + 1);
		memset(nin, 0, m + 1);
		for (size_t j = 0; j < m; j++) {
			const struct tn_glob_tok *tk = &g->toks[j];

			if (!at[j] && !in[j])
				continue;
			switch (tk->kind) {
			case TN_GLOB_SEQ:
				nat[j] = 1;
				break;
			case TN_GLOB_REC:
				if (c == '/')
					nat[j] = 1;
				else
					nin[j] = 1;
				break;
			case TN_GLOB_CHAR:
				if ((uint32_t)c == tk->c)
					nat[j + 1] = 1;
				break;
			case TN_GLOB_ANY:
				nat[j + 1] = 1;
				break;
			case TN_GLOB_IN:
			case TN_GLOB_NOT_IN:
				if (in_set(g->cps + tk->set_off, tk->set_n,
				    (uint32_t)c) == (tk->kind == TN_GLOB_IN))
					nat[j + 1] = 1;
				break;
			}
		}
		closure(g, nat);
		for (size_t j = 0; j <= m; j++)
			alive |= nat[j] | nin[j];
		t = at;
		at = nat;
		nat = t;
		t = in;
		in = nin;
		nin = t;
		if (!alive) {
			free(mem);
			return 0;
		}
	}
	/* At the end of input a `**` may stop after a non-separator. */
	for (size_t j = 0; j < m; j++)
		if (in[j])
			at[j] = 1;
	closure(g, at);
	result = at[m];
	free(mem);
	return result;
}
