/*
 * tn_err.c: error names and the error-with-reason record.
 */
#include <stdarg.h>
#include <stdio.h>

#include "tn_err.h"

const char *
tn_err_name(int code)
{
	switch (code) {
	case TN_OK:
		return "ok";
	case TN_ERR_MALFORMED:
		return "malformed";
	case TN_ERR_CHAIN_NOT_ANCHORED:
		return "chain_not_anchored";
	case TN_ERR_SIGNATURE_INVALID:
		return "signature_invalid";
	case TN_ERR_WARRANT_EXPIRED:
		return "warrant_expired";
	case TN_ERR_WARRANT_NOT_YET_VALID:
		return "warrant_not_yet_valid";
	case TN_ERR_DEPTH_EXCEEDED:
		return "depth_exceeded";
	case TN_ERR_TTL_EXCEEDED:
		return "ttl_exceeded";
	case TN_ERR_ATTENUATION_INVALID:
		return "attenuation_invalid";
	case TN_ERR_POP_FAILED:
		return "pop_failed";
	case TN_ERR_TOOL_NOT_ALLOWED:
		return "tool_not_allowed";
	case TN_ERR_CONSTRAINT_NOT_SATISFIED:
		return "constraint_not_satisfied";
	case TN_ERR_UNKNOWN_FIELD:
		return "unknown_field";
	case TN_ERR_SELF_ISSUANCE:
		return "self_issuance";
	case TN_ERR_REVOKED:
		return "revoked";
	case TN_ERR_NOMEM:
		return "out_of_memory";
	case TN_ERR_INVALID_ARG:
		return "invalid_argument";
	default:
		return "unknown_error";
	}
}

int
tn_fail(struct tn_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = (enum tn_err)code;
	va_start(ap, fmt);
	(void)vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
	return code;
}

void
tn_error_clear(struct tn_error *err)
{
	if (err == NULL)
		return;
	err->code = TN_OK;
	err->reason[0] = '\0';
}
