/*
 * tn_glob.h: glob matching with the semantics deployed Tenuo uses for
 * Pattern constraints (Rust crate `glob` 0.3, Pattern::matches with the
 * default options: case-sensitive, `*` and `?` match `/`, no leading-dot
 * rule, `/` is the only separator).
 *
 * Syntax, over Unicode scalar values (not bytes):
 *   ?        any one character
 *   *        any sequence, possibly empty (crosses `/`)
 *   **       only as a whole path component (`**` at the start or after
 *            `/`, followed by `/` or the end); it matches the empty string,
 *            any sequence ending in `/`, or the rest of the input
 *   [abc]    one of; `a-z` ranges by code point; `]` right after `[` is a
 *            literal member; `-` at either end is literal
 *   [!abc]   none of (`^` is an ordinary member, not a negation)
 * There is no escape character: a backslash is literal; brackets quote
 * metacharacters (`[*]`).  Three or more `*` in a row, a misplaced `**`
 * and an unterminated `[` make the pattern invalid.
 *
 * Matching simulates the pattern as an NFA: O(len(input) * len(pattern))
 * time and O(len(pattern)) memory, whatever the pattern.
 */
#ifndef TN_GLOB_H
#define TN_GLOB_H

#include <stddef.h>
#include <stdint.h>

#include "tn_cbor.h"

#include "tn_err.h"

enum tn_glob_tok_kind {
	TN_GLOB_CHAR = 0,	/* literal code point c */
	TN_GLOB_ANY,		/* ? */
	TN_GLOB_SEQ,		/* * */
	TN_GLOB_REC,		/* ** as a path component */
	TN_GLOB_IN,		/* [...] */
	TN_GLOB_NOT_IN		/* [!...] */
};

struct tn_glob_tok {
	enum tn_glob_tok_kind kind;
	uint32_t	c;		/* TN_GLOB_CHAR */
	size_t		set_off;	/* IN/NOT_IN: members are cps[off..off+n) */
	size_t		set_n;
	size_t		src_off;	/* the token's bytes in the pattern */
	size_t		src_len;
};

struct tn_glob {
	uint32_t		*cps;	/* owned: the pattern's code points */
	size_t			 ncps;
	struct tn_glob_tok	*toks;	/* owned */
	size_t			 ntoks;
	size_t			 nstars; /* '*' characters in the pattern */
};

/*
 * Compiles pat[0..n) (UTF-8).  Returns TN_OK and fills *g (free with
 * tn_glob_free()), TN_ERR_MALFORMED if the pattern is invalid under the
 * deployed rules (reason in err), or TN_ERR_NOMEM.  On failure *g is zeroed.
 */
int	tn_glob_compile(const uint8_t *pat, size_t n, struct tn_glob *g,
	    struct tn_error *err) __attribute__((warn_unused_result));
void	tn_glob_free(struct tn_glob *g);

/*
 * Matches the whole of s[0..n) (UTF-8) against g.  Returns 1 on a match,
 * 0 on no match (also for input that is not valid UTF-8), TN_ERR_NOMEM.
 */
int	tn_glob_match(const struct tn_glob *g, const uint8_t *s, size_t n)
	    __attribute__((warn_unused_result));


#endif /* TN_GLOB_H */
