/*
 * ctl_spec.c: one --constraint ARG=SPEC compiled by the spec parser
 * (tn_spec.h), with tenuoctl's error message.
 */
#include "ctl.h"
#include "tn_spec.h"

int
ctl_constraint_encode(const char *whole, const char *spec, struct tn_buf *b)
{
	struct tn_error err;

	tn_error_clear(&err);
	if (tn_spec_constraint(b, spec, &err) != TN_OK) {
		ctl_err("--constraint %s: %s", whole, err.reason[0] != '\0' ?
		    err.reason : tn_err_name(err.code));
		return -1;
	}
	return 0;
}
