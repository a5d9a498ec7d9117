/*
 * tcons.h: helpers shared by the constraint suites.  tc_json() decodes a
 * JSON wire value (e.g. "[5,{\"pattern\":\"^a$\"}]") into a CBOR item that
 * lives until tc_pool_free() (register it as the TCase's teardown);
 * tc_text() does the same for a JSON string value.
 */
#ifndef TCONS_H
#define TCONS_H

#include "tn_cbor.h"

const struct tn_cbor_item	*tc_json(const char *text);
const struct tn_cbor_item	*tc_text(const char *s);
int	tc_check(const char *c, const struct tn_cbor_item *v);
int	tc_att(const char *p, const char *c);
void	tc_pool_free(void);

#define J(text)		tc_json(text)
#define T(s)		tc_text(s)
#define chk(c, v)	tc_check((c), (v))
#define att(p, c)	tc_att((p), (c))
#define pool_free	tc_pool_free

#define ALLOW(c, s)	ck_assert_msg(chk((c), T(s)) == TN_OK, \
			    "expected allow: %s on %s", (c), (s))
#define DENY(c, s)	ck_assert_msg(chk((c), T(s)) == \
			    TN_ERR_CONSTRAINT_NOT_SATISFIED, \
			    "expected deny: %s on %s", (c), (s))
#define ATT_OK(p, c)	ck_assert_msg(att((p), (c)) == TN_OK, \
			    "expected valid attenuation: %s -> %s", (p), (c))
#define ATT_BAD(p, c)	ck_assert_msg(att((p), (c)) == \
			    TN_ERR_ATTENUATION_INVALID, \
			    "expected invalid attenuation: %s -> %s", (p), (c))
#define VALID(c)	ck_assert_msg(tn_constraint_validate(J(c), &e) == \
			    TN_OK, "expected valid: %s (%s)", (c), e.reason)
#define INVALID(c)	ck_assert_msg(tn_constraint_validate(J(c), &e) == \
			    TN_ERR_MALFORMED, "expected malformed: %s", (c))

#endif /* TCONS_H */
