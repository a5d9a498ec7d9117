/*
 * tn_regex.h: Regex constraints in the dialect deployed Tenuo uses (Rust
 * crate `regex` 1.x: Unicode-aware, linear time, no backreferences or
 * lookaround), matched with PCRE2.
 *
 * A pattern is first translated from Rust syntax into an equivalent PCRE2
 * pattern: \d, \s, \w and \b get their Rust (Unicode) definitions, $ only
 * matches at the very end (outside multi-line mode), captures become
 * non-capturing groups, nested repetitions ("a**") are grouped explicitly
 * so PCRE2 never reads them as possessive.  Constructs Rust rejects
 * (backreferences, lookahead/lookbehind, atomic and possessive forms,
 * recursion, conditionals, callouts, (*VERB)s, \C, unknown escapes,
 * unbalanced groups, dangling repetitions) make the pattern malformed.
 * Valid Rust constructs this translation does not cover (verbose mode,
 * the u and R flags, class set operations, \b{...}, \< \>, nested classes)
 * are "unsupported": the constraint denies every value (fail closed).
 *
 * Matching is a search (deployed `is_match`: the pattern may match
 * anywhere; anchor with ^ and $) done with the PCRE2 DFA matcher under
 * match, depth and heap limits: no backtracking, so time stays
 * polynomial, and hitting a limit denies.
 */
#ifndef TN_REGEX_H
#define TN_REGEX_H

#include <stddef.h>
#include <stdint.h>

#include "tn_err.h"

/* Patterns longer than this are unsupported (deny). */
#define TN_REGEX_MAX_LEN	4096u
/* Group nesting deeper than this is unsupported (deny). */
#define TN_REGEX_MAX_NEST	64u
/* Counted repetitions above this are unsupported (deny). */
#define TN_REGEX_MAX_REPEAT	1000u
/* PCRE2 limits applied to every match. */
#define TN_REGEX_MATCH_LIMIT	5000000u
#define TN_REGEX_DEPTH_LIMIT	2000u
#define TN_REGEX_HEAP_LIMIT_KIB	(16u * 1024u)

struct tn_regex {
	void	*code;		/* owned pcre2_code, NULL when unsupported */
	int	 unsupported;	/* valid Rust, but not translated: deny */
};

/*
 * Translates and compiles pat[0..n).  TN_OK (possibly with
 * re->unsupported set; reason in err), TN_ERR_MALFORMED (the deployed
 * dialect rejects the pattern; reason in err) or TN_ERR_NOMEM.
 * Free with tn_regex_free().
 */
int	tn_regex_compile(const uint8_t *pat, size_t n, struct tn_regex *re,
	    struct tn_error *err) __attribute__((warn_unused_result));
void	tn_regex_free(struct tn_regex *re);

/*
 * 1 if the pattern matches somewhere in s[0..n) (UTF-8), 0 if not,
 * TN_ERR_CONSTRAINT_NOT_SATISFIED if the pattern is unsupported or a
 * resource limit was hit (deny, also under Not), TN_ERR_NOMEM.
 */
int	tn_regex_match(const struct tn_regex *re, const uint8_t *s, size_t n,
	    struct tn_error *err) __attribute__((warn_unused_result));

/*
 * Only the syntax check: TN_OK for patterns the deployed dialect accepts
 * (supported or not), TN_ERR_MALFORMED otherwise.  No PCRE2 compile.
 */
int	tn_regex_validate(const uint8_t *pat, size_t n, struct tn_error *err)
	    __attribute__((warn_unused_result));

#endif /* TN_REGEX_H */
