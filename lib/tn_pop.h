/*
 * tn_pop.h: Tenuo proof-of-possession (holder binding, invariant I6).
 *
 * The challenge is the CBOR array
 *   [id_hex: text(32 lowercase hex), tool: text, args: [[name, value]...]
 *    sorted by name bytes, window_ts: int]
 * and the Ed25519 message is
 *   "tenuo-warrant-v1" || "tenuo-pop-v1" || CBOR(challenge)
 * with window_ts = (ts / 30 + offset) * 30.  Verifiers try offsets
 * 0, -1, +1, -2, +2, ... and skip |offset| > max_windows / 2, as deployed
 * Tenuo does.  Argument values are re-encoded canonically (shortest floats,
 * object keys sorted), so the caller may pass values decoded from anywhere.
 */
#ifndef TN_POP_H
#define TN_POP_H

#include <stdint.h>

#include "tn_cbor.h"
#include "tn_err.h"
#include "tn_warrant.h"

#define TN_CTX_POP		"tenuo-pop-v1"
#define TN_POP_WINDOW_SECS	30
#define TN_POP_MIN_WINDOWS	2u
#define TN_POP_MAX_WINDOWS	10u
#define TN_POP_DEFAULT_WINDOWS	5u

/*
 * Appends the challenge for (id, tool, args, window_ts) to b.  args is a
 * CBOR map of text keys (NULL or an empty map for no arguments).
 * Returns TN_OK, TN_ERR_MALFORMED (args not a text-keyed map, or a value
 * that is not a PoP value: bytes or non-text map keys) or TN_ERR_NOMEM.
 */
int	tn_pop_challenge(struct tn_buf *b, const uint8_t id[TN_ID_LEN],
	    const char *tool, size_t toollen, const struct tn_cbor_item *args,
	    int64_t window_ts, struct tn_error *err);

/* Signs for the window containing ts (floor to 30 s). */
int	tn_pop_sign(const uint8_t sk[64], const uint8_t id[TN_ID_LEN],
	    const char *tool, size_t toollen, const struct tn_cbor_item *args,
	    int64_t ts, uint8_t sig[TN_SIG_LEN], struct tn_error *err);

/*
 * Verifies sig by holder over the windows around now.  max_windows must be
 * in 2..10 (TN_ERR_INVALID_ARG otherwise).  Returns TN_OK, TN_ERR_POP_FAILED
 * (no window verifies), or the challenge's errors.  *window_out (if not
 * NULL) receives the window that verified.
 */
int	tn_pop_verify(const uint8_t holder[TN_KEY_LEN],
	    const uint8_t id[TN_ID_LEN], const char *tool, size_t toollen,
	    const struct tn_cbor_item *args, const uint8_t sig[TN_SIG_LEN],
	    int64_t now, unsigned max_windows, int64_t *window_out,
	    struct tn_error *err) __attribute__((warn_unused_result));

#endif /* TN_POP_H */
