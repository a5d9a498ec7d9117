/*
 * fuzz_constraint.c: libFuzzer target for the constraint engine.  The
 * input is one CBOR item, [constraint, value] or [parent, child, value]:
 * it is validated, evaluated (with and without a clock) and, for the
 * three-element form, checked for attenuation both ways.  A value the
 * child accepts must never be rejected by a parent it attenuates.
 */
#include <stdint.h>
#include <stdlib.h>

#include "tn_cbor.h"
#include "tn_constraint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tn_constraint_ctx ctx = { 1, 1704067200 };
	struct tn_cbor_doc doc;
	const struct tn_cbor_item *root, *a, *b, *v;
	struct tn_error err;

	if (tn_cbor_decode(data, size, NULL, &doc, NULL) != TN_OK)
		return 0;
	root = &doc.items[0];
	if (root->type != TN_CBOR_ARRAY || root->count < 2 ||
	    root->count > 3) {
		tn_cbor_doc_free(&doc);
		return 0;
	}
	a = root + 1;
	b = tn_cbor_next(a);
	v = root->count == 3 ? tn_cbor_next(b) : b;
	(void)tn_constraint_validate(a, &err);
	(void)tn_constraint_check(a, v, &err);
	(void)tn_constraint_check_ctx(a, v, &ctx, &err);
	if (root->count == 3) {
		int pa, ca;

		(void)tn_constraint_validate(b, &err);
		if (tn_constraint_attenuates(a, b, &err) == TN_OK) {
			ca = tn_constraint_check_ctx(b, v, &ctx, &err);
			pa = tn_constraint_check_ctx(a, v, &ctx, &err);
			/* Soundness: child allows => parent allows. */
			if (ca == TN_OK && pa != TN_OK && pa != TN_ERR_NOMEM)
				abort();
		}
		(void)tn_constraint_attenuates(b, a, &err);
		(void)tn_constraint_set_check(a, b, &err);
		(void)tn_constraint_set_attenuates(a, b, &err);
	}
	tn_cbor_doc_free(&doc);
	return 0;
}
