/*
 * tn_spec.h: tenuoctl's --constraint SPEC language, compiled to the CBOR
 * wire form of one constraint (see lib/tn_constraint.h).
 *
 *   wildcard             [16, null]
 *   exact:V              [1, {"value": "V"}]            (V is a string)
 *   pattern:GLOB         [2, {"pattern": "GLOB"}]
 *   subpath:/ROOT        [17, {"root": ..., "case_sensitive": true,
 *                              "allow_equal": true}]  (root normalized, as
 *                              deployed Subpath::new does; must be absolute)
 *   oneof:A,B,...        [4, {"values": ["A", "B", ...]}]
 *   range:MIN..MAX       [3, {"min": MIN, "max": MAX, "min_inclusive": true,
 *                              "max_inclusive": true}]  (either side may be
 *                              empty: null; finite numbers, written as
 *                              shortest-form floats)
 *   json:WIRE            any constraint in its wire shape as JSON, e.g.
 *                        json:[2,{"pattern":"staging-*"}]
 *
 * JSON converts as the wire expects: integers stay integers, reals become
 * shortest-form floats, objects become maps with keys in the order written
 * (struct-like maps keep field-declaration order on the wire; write
 * name-keyed maps sorted), duplicate keys are refused.  The result is
 * checked with tn_constraint_validate() before it is appended.
 */
#ifndef TN_SPEC_H
#define TN_SPEC_H

#include <jansson.h>

#include "tn_cbor.h"
#include "tn_err.h"

/*
 * Appends the constraint for spec to b.  Returns TN_OK, TN_ERR_INVALID_ARG
 * (the spec is not understood or yields a malformed constraint; reason in
 * err, without the spec's values) or TN_ERR_NOMEM.  On failure b is left as
 * it was.
 */
int	tn_spec_constraint(struct tn_buf *b, const char *spec,
	    struct tn_error *err) __attribute__((warn_unused_result));

/*
 * Appends the CBOR form of a JSON value to b (nesting limited to 128).
 * TN_OK, TN_ERR_INVALID_ARG or TN_ERR_NOMEM (b's own status).
 */
int	tn_spec_json_to_cbor(struct tn_buf *b, const json_t *j,
	    struct tn_error *err) __attribute__((warn_unused_result));

#endif /* TN_SPEC_H */
