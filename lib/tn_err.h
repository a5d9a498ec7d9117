/*
 * tn_err.h: libtenuo's error codes and the error-with-reason record.
 *
 * Every libtenuo function that can fail returns 0 (TN_OK) or one of the
 * negative codes below and, when the caller passes a non-NULL
 * struct tn_error, fills it with the code and a human-readable reason.
 * Access is granted only on TN_OK; on failure outputs are left NULL or
 * zeroed.  The reason never contains key material or argument values.
 */
#ifndef TN_ERR_H
#define TN_ERR_H

#include <stddef.h>

enum tn_err {
	TN_OK = 0,
	TN_ERR_MALFORMED = -1,		/* input cannot be decoded */
	TN_ERR_CHAIN_NOT_ANCHORED = -2,	/* root not signed by a trusted key */
	TN_ERR_SIGNATURE_INVALID = -3,
	TN_ERR_WARRANT_EXPIRED = -4,
	TN_ERR_WARRANT_NOT_YET_VALID = -5,
	TN_ERR_DEPTH_EXCEEDED = -6,
	TN_ERR_TTL_EXCEEDED = -7,
	TN_ERR_ATTENUATION_INVALID = -8,
	TN_ERR_POP_FAILED = -9,
	TN_ERR_TOOL_NOT_ALLOWED = -10,
	TN_ERR_CONSTRAINT_NOT_SATISFIED = -11,
	TN_ERR_UNKNOWN_FIELD = -12,
	TN_ERR_SELF_ISSUANCE = -13,
	TN_ERR_REVOKED = -14,
	TN_ERR_NOMEM = -15,		/* allocation failed: deny */
	TN_ERR_INVALID_ARG = -16	/* caller misuse (bad parameter) */
};

#define TN_ERR_REASON_MAX 200

struct tn_error {
	enum tn_err	code;
	char		reason[TN_ERR_REASON_MAX];
};

/* The stable snake_case name of a code ("chain_not_anchored", ...). */
const char	*tn_err_name(int code);

/*
 * Records code and a printf-style reason in *err (if err is non-NULL) and
 * returns code, so call sites can write `return tn_fail(err, CODE, ...)`.
 * The reason is truncated to TN_ERR_REASON_MAX - 1 bytes.
 */
int	tn_fail(struct tn_error *err, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Clears *err to TN_OK with an empty reason; err may be NULL. */
void	tn_error_clear(struct tn_error *err);

#endif /* TN_ERR_H */
