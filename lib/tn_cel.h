/*
 * tn_cel.h: the CEL subset deployed Tenuo's Cel constraints (type 15) are
 * checked with here, with hard step and memory budgets.
 *
 * Deployed tenuo-core evaluates Cel with the cel-interpreter crate
 * (tenuo-core/src/cel.rs): an object argument binds each of its fields as
 * a top-level variable, any other argument binds `value`; the result must
 * be a bool.  Its standard library adds time_now(x), time_is_expired(ts),
 * time_since(ts), net_in_cidr(ip, cidr) and net_is_private(ip).
 *
 * Supported here: null, bool, int, uint (1u), double, string ('..', "..",
 * with escapes) and list / map literals; identifiers, a.b, a[i], has(a.b);
 * unary ! and -; * / % + -; < <= > >= == != in; && || and ?:; size(),
 * x.size(), startsWith, endsWith, contains, matches (Rust regex dialect,
 * tn_regex.h), and the five Tenuo functions above.  The time functions need
 * the caller's clock (tn_cel_eval's now); without one they are an error.
 *
 * Anything else (macros such as all/exists/map/filter, conversions,
 * timestamps and durations, bytes, raw or triple-quoted strings) is an
 * error, and every error denies (fail closed, also under Not).  Where the
 * interpreter's behaviour depends on its version the subset is stricter:
 * &&, ||, ! and ?: need bool operands and evaluate both sides (an error on
 * either side is an error); comparing numbers of different types (1 ==
 * 1.0), `string in string`, and out-of-range or missing index lookups are
 * errors.
 */
#ifndef TN_CEL_H
#define TN_CEL_H

#include <stddef.h>
#include <stdint.h>

#include "tn_cbor.h"
#include "tn_err.h"

#define TN_CEL_MAX_EXPR		4096u	/* bytes of expression text */
#define TN_CEL_MAX_NODES	1024u	/* syntax tree nodes */
#define TN_CEL_MAX_DEPTH	48u	/* syntax nesting */
#define TN_CEL_MAX_STEPS	100000u	/* evaluation steps */
#define TN_CEL_MAX_MEMORY	(512u * 1024u)	/* bytes per evaluation, beyond
						   binding the argument */

/*
 * Evaluates expr[0..n) against the (valid Tenuo) value v.  now: seconds
 * since the epoch, used by the time functions when have_now is set.
 * Returns 1 (true), 0 (false), TN_ERR_CONSTRAINT_NOT_SATISFIED (parse
 * error, construct outside the subset, runtime error, non-bool result,
 * budget exhausted; reason in err) or TN_ERR_NOMEM.
 */
int	tn_cel_eval(const uint8_t *expr, size_t n, const struct tn_cbor_item *v,
	    int have_now, int64_t now, struct tn_error *err)
	    __attribute__((warn_unused_result));

/* TN_OK if expr parses within the subset, else TN_ERR_MALFORMED. */
int	tn_cel_check_syntax(const uint8_t *expr, size_t n, struct tn_error *err)
	    __attribute__((warn_unused_result));

/*
 * Cel -> Cel attenuation.  Deployed accepts a child equal to the parent up
 * to whitespace, or "(parent) && (extra)" up to whitespace with extra
 * wrapped in one balanced pair of parentheses.  Both are checked on
 * whitespace-stripped text, so string literals and parentheses inside them
 * can fool it; this is stricter: the texts must pass the deployed test
 * AND the child must parse (within the subset) as exactly the parent's
 * syntax tree, or as `&&` whose left side is exactly the parent's tree
 * (byte-identical texts always pass).  TN_OK, TN_ERR_ATTENUATION_INVALID
 * or TN_ERR_NOMEM.
 */
int	tn_cel_attenuates(const uint8_t *parent, size_t pn,
	    const uint8_t *child, size_t cn, struct tn_error *err)
	    __attribute__((warn_unused_result));

#endif /* TN_CEL_H */
