/*
 * tcons.c: helpers shared by the constraint suites (check_url, check_regex,
 * check_shlex, check_cel): JSON wire values decoded into a small pool of
 * CBOR documents that a fixture frees with tc_pool_free().
 */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "tcons.h"
#include "testutil.h"
#include "tn_constraint.h"

#define POOL_MAX 64
static struct {
	uint8_t			*buf;
	struct tn_cbor_doc	 doc;
} pool[POOL_MAX];
static size_t npool;

void
tc_pool_free(void)
{
	for (size_t i = 0; i < npool; i++) {
		tn_cbor_doc_free(&pool[i].doc);
		free(pool[i].buf);
	}
	npool = 0;
}

/* JSON text -> decoded CBOR item, freed by the fixture. */
const struct tn_cbor_item *
tc_json(const char *text)
{
	static const struct tn_cbor_limits lim = { 1u << 24, 256, 1u << 20 };
	json_error_t je;
	json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	struct tn_buf b;
	struct tn_error e;
	size_t n;

	ck_assert_msg(j != NULL, "bad test JSON: %s: %s", text, je.text);
	if (npool == POOL_MAX)
		tc_pool_free();
	tn_buf_init(&b, 1u << 24);
	ck_assert_int_eq(tu_json_to_cbor(j, &b), 0);
	json_decref(j);
	ck_assert_int_eq(tn_buf_take(&b, &pool[npool].buf, &n), TN_OK);
	ck_assert_msg(tn_cbor_decode(pool[npool].buf, n, &lim,
	    &pool[npool].doc, &e) == TN_OK, "decode: %s", e.reason);
	return &pool[npool++].doc.items[0];
}

const struct tn_cbor_item *
tc_text(const char *s)
{
	json_t *j = json_string(s);
	char *txt;
	const struct tn_cbor_item *it;

	ck_assert_ptr_nonnull(j);
	txt = json_dumps(j, JSON_ENCODE_ANY);
	it = tc_json(txt);
	free(txt);
	json_decref(j);
	return it;
}

int
tc_check(const char *c, const struct tn_cbor_item *v)
{
	struct tn_error e;

	return tn_constraint_check(tc_json(c), v, &e);
}

int
tc_att(const char *p, const char *c)
{
	struct tn_error e;

	return tn_constraint_attenuates(tc_json(p), tc_json(c), &e);
}
