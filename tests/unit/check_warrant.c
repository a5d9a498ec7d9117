/*
 * check_warrant.c: envelopes, payloads, stacks and minting against the
 * published Tenuo vectors (../shared/vectors), and hostile input.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "testutil.h"
#include "tn_crypto.h"
#include "tn_warrant.h"

static json_t *V;

static void
setup(void)
{
	ck_assert_int_eq(tn_crypto_init(), 0);
	V = tu_load_json(TU_VECTORS);
}

static void
teardown(void)
{
	json_decref(V);
}

/* Rebuilds a tn_mint from a decoded warrant: the fields a minter sets. */
struct remint {
	struct tn_mint		 m;
	struct tn_mint_tool	 tools[TN_MAX_TOOLS];
	struct tn_mint_ext	 exts[TN_MAX_EXTENSION_KEYS];
	uint8_t			 extval[TN_MAX_EXTENSION_KEYS][256];
	char			*names[TN_MAX_TOOLS + TN_MAX_EXTENSION_KEYS];
	size_t			 nnames;
	const char		*issuable[TN_MAX_TOOLS];
	uint8_t			 approvers[16][TN_KEY_LEN];
};

static char *
dup_text(struct remint *r, const struct tn_cbor_item *t)
{
	char *s = strndup((const char *)t->v.s.p, t->v.s.n);

	ck_assert_ptr_nonnull(s);
	r->names[r->nnames++] = s;
	return s;
}

static void
remint_from(struct remint *r, const struct tn_warrant *w)
{
	const struct tn_cbor_item *k, *e;

	memset(r, 0, sizeof(*r));
	r->m.type = w->type;
	memcpy(r->m.id, w->id, TN_ID_LEN);
	memcpy(r->m.holder, w->holder, TN_KEY_LEN);
	r->m.issued_at = w->issued_at;
	r->m.expires_at = w->expires_at;
	r->m.max_depth = w->max_depth;
	r->m.depth = w->depth;
	r->m.parent_hash = w->has_parent_hash ? w->parent_hash : NULL;
	k = w->tools + 1;
	for (uint32_t i = 0; i < w->tools->count; i++) {
		const struct tn_cbor_item *v = tn_cbor_next(k);

		r->tools[i].name = dup_text(r, k);
		r->tools[i].cset = w->doc.buf + v->off;
		r->tools[i].cset_len = v->len;
		k = tn_cbor_next(v);
	}
	r->m.tools = r->tools;
	r->m.ntools = w->tools->count;
	if (w->extensions != NULL) {
		k = w->extensions + 1;
		for (uint32_t i = 0; i < w->extensions->count; i++) {
			const struct tn_cbor_item *v = tn_cbor_next(k);

			ck_assert_uint_le(v->count, sizeof(r->extval[0]));
			r->exts[i].key = dup_text(r, k);
			e = v + 1;
			for (uint32_t j = 0; j < v->count; j++, e++)
				r->extval[i][j] = (uint8_t)e->v.u;
			r->exts[i].value = r->extval[i];
			r->exts[i].len = v->count;
			k = tn_cbor_next(v);
		}
		r->m.exts = r->exts;
		r->m.nexts = w->extensions->count;
	}
	if (w->issuable_tools != NULL) {
		e = w->issuable_tools + 1;
		for (uint32_t i = 0; i < w->issuable_tools->count; i++) {
			r->issuable[i] = dup_text(r, e);
			e = tn_cbor_next(e);
		}
		r->m.issuable_tools = r->issuable;
		r->m.nissuable = w->issuable_tools->count;
	}
	r->m.has_max_issue_depth = w->has_max_issue_depth;
	r->m.max_issue_depth = w->max_issue_depth;
	if (w->constraint_bounds != NULL) {
		r->m.constraint_bounds = w->doc.buf + w->constraint_bounds->off;
		r->m.constraint_bounds_len = w->constraint_bounds->len;
	}
	if (w->required_approvers != NULL) {
		e = w->required_approvers + 1;
		for (uint32_t i = 0; i < w->required_approvers->count; i++) {
			ck_assert_int_eq(tn_pubkey_from_item(e, r->approvers[i]),
			    0);
			e = tn_cbor_next(e);
		}
		r->m.approvers = (const uint8_t (*)[TN_KEY_LEN])r->approvers;
		r->m.napprovers = w->required_approvers->count;
	}
	r->m.has_min_approvals = w->has_min_approvals;
	r->m.min_approvals = w->min_approvals;
	r->m.has_clearance = w->has_clearance;
	r->m.clearance = w->clearance;
}

static void
remint_free(struct remint *r)
{
	for (size_t i = 0; i < r->nnames; i++)
		free(r->names[i]);
}

/*
 * For every warrant in the vectors: the envelope decodes (or fails with
 * signature_invalid where the vector says the signature is forged), and
 * payload, signature and envelope are re-minted byte for byte from the
 * decoded fields and the signer's seed.
 */
START_TEST(test_warrant_vectors_remint_byte_exact)
{
	json_t *vs = json_object_get(V, "vectors"), *v, *ws, *w;
	size_t i, j, nchecked = 0;

	json_array_foreach(vs, i, v) {
		ws = json_object_get(v, "warrants");
		json_array_foreach(ws, j, w) {
			struct tn_warrant *tw;
			struct tn_error err;
			struct remint r;
			uint8_t seed[32], sk[64], *env, *pl, *out;
			size_t envlen, pllen, outlen;
			int forged = json_is_false(json_object_get(w,
			    "signature_verifies_under_issuer"));
			const char *label = tu_str(w, "label");

			env = tu_unhex(tu_str(w, "envelope_hex"), &envlen);
			pl = tu_unhex(tu_str(w, "payload_hex"), &pllen);
			if (forged) {
				ck_assert_int_eq(tn_warrant_decode(env, envlen,
				    &tw, &err), TN_ERR_SIGNATURE_INVALID);
				ck_assert_ptr_null(tw);
				free(env);
				free(pl);
				continue;
			}
			ck_assert_msg(tn_warrant_decode(env, envlen, &tw, &err)
			    == TN_OK, "%s: %s", label, err.reason);
			ck_assert_uint_eq(tw->payload_len, pllen);
			ck_assert_mem_eq(tw->payload, pl, pllen);
			remint_from(&r, tw);
			ck_assert_int_eq(tn_warrant_payload_encode(&r.m,
			    tw->issuer, &out, &outlen, &err), TN_OK);
			ck_assert_msg(outlen == pllen &&
			    memcmp(out, pl, pllen) == 0,
			    "%s: payload differs", label);
			free(out);
			ck_assert_int_eq(tu_role_seed(V, tu_str(w,
			    "actual_signer_role"), seed), 0);
			tu_sk_from_seed(seed, sk, NULL);
			ck_assert_int_eq(tn_warrant_mint(&r.m, sk, &out,
			    &outlen, &err), TN_OK);
			ck_assert_msg(outlen == envlen &&
			    memcmp(out, env, envlen) == 0,
			    "%s: envelope differs", label);
			free(out);
			remint_free(&r);
			tn_warrant_free(tw);
			free(env);
			free(pl);
			nchecked++;
		}
	}
	ck_assert_uint_ge(nchecked, 40);
}
END_TEST

START_TEST(test_warrant_a1_fields_and_display_id)
{
	json_t *w = tu_vector_warrant(tu_vector(V, "A.1"), "A.1");
	struct tn_warrant *tw;
	char id[TN_WARRANT_ID_STR_LEN], hex[33];
	uint8_t *env, *holder;
	size_t n, hn;

	env = tu_unhex(tu_str(w, "envelope_hex"), &n);
	ck_assert_int_eq(tn_warrant_decode(env, n, &tw, NULL), TN_OK);
	tn_warrant_id_str(tw->id, id);
	ck_assert_str_eq(id, tu_str(w, "id_string"));
	tn_warrant_id_hex(tw->id, hex);
	ck_assert_str_eq(hex, "019471f8000070008000000000000001");
	ck_assert_int_eq(tw->type, TN_WARRANT_EXECUTION);
	ck_assert_uint_eq(tw->issued_at, 1704067200);
	ck_assert_uint_eq(tw->expires_at, 1704070800);
	ck_assert_uint_eq(tw->max_depth, 3);
	ck_assert_uint_eq(tw->depth, 0);
	ck_assert(!tw->has_parent_hash);
	holder = tu_unhex(tu_str(w, "holder_hex"), &hn);
	ck_assert_mem_eq(tw->holder, holder, TN_KEY_LEN);
	ck_assert_ptr_nonnull(tn_warrant_tool_set(tw, "read_file", 9));
	ck_assert_ptr_null(tn_warrant_tool_set(tw, "write_file", 10));
	ck_assert_ptr_null(tn_warrant_tool_set(tw, "read_fil", 8));
	free(holder);
	tn_warrant_free(tw);
	free(env);
}
END_TEST

START_TEST(test_warrant_a8_stack_round_trip)
{
	json_t *rec = tu_vector(V, "A.8");
	const char *hex = tu_str(json_object_get(rec, "stack"), "hex");
	struct tn_stack *st;
	struct tn_error err;
	uint8_t *raw, *out;
	size_t n, outlen;

	raw = tu_unhex(hex, &n);
	ck_assert_uint_eq(n, 851);
	ck_assert_int_eq(tn_stack_decode(raw, n, &st, &err), TN_OK);
	ck_assert_uint_eq(st->n, 3);
	ck_assert_uint_eq(st->w[0]->payload_len, 163);
	ck_assert_uint_eq(st->w[1]->payload_len, 234);
	ck_assert_uint_eq(st->w[2]->payload_len, 237);
	ck_assert_uint_eq(tn_stack_leaf(st)->depth, 2);
	ck_assert_int_eq(tn_stack_encode(st, &out, &outlen, &err), TN_OK);
	ck_assert_uint_eq(outlen, n);
	ck_assert_mem_eq(out, raw, n);
	free(out);
	tn_stack_free(st);
	/* A single envelope decodes as a stack of one. */
	free(raw);
	raw = tu_unhex(tu_str(tu_vector_warrant(tu_vector(V, "A.1"), "A.1"),
	    "envelope_hex"), &n);
	ck_assert_int_eq(tn_stack_decode(raw, n, &st, &err), TN_OK);
	ck_assert_uint_eq(st->n, 1);
	tn_stack_free(st);
	free(raw);
}
END_TEST

START_TEST(test_warrant_stack_rejects_bad_shapes)
{
	static const char *bad[] = {
		"80",		/* empty stack */
		"8160",		/* element not an array */
		"a0",		/* a map */
		"83f5f5f5",	/* first element neither int nor array */
		"8180",		/* empty element */
	};
	struct tn_stack *st;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n;
		uint8_t *p = tu_unhex(bad[i], &n);

		ck_assert_msg(tn_stack_decode(p, n, &st, NULL) != TN_OK, "%s",
		    bad[i]);
		ck_assert_ptr_null(st);
		free(p);
	}
}
END_TEST

/* Truncation at every offset and every bit flipped: never accepted. */
START_TEST(test_warrant_hostile_truncate_and_flip)
{
	json_t *rec = tu_vector(V, "A.8");
	uint8_t *raw;
	size_t n;
	struct tn_stack *st;

	raw = tu_unhex(tu_str(json_object_get(rec, "stack"), "hex"), &n);
	for (size_t cut = 0; cut < n; cut++) {
		ck_assert_int_ne(tn_stack_decode(raw, cut, &st, NULL), TN_OK);
		ck_assert_ptr_null(st);
	}
	for (size_t i = 0; i < n; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			int rc;

			raw[i] ^= (uint8_t)(1u << bit);
			rc = tn_stack_decode(raw, n, &st, NULL);
			ck_assert_msg(rc != TN_OK, "flip at %zu bit %u accepted",
			    i, bit);
			raw[i] ^= (uint8_t)(1u << bit);
		}
	}
	ck_assert_int_eq(tn_stack_decode(raw, n, &st, NULL), TN_OK);
	tn_stack_free(st);
	free(raw);
}
END_TEST

START_TEST(test_warrant_oversize_refused)
{
	size_t n = TN_MAX_WARRANT_BYTES + 1;
	uint8_t *p = calloc(1, TN_MAX_STACK_BYTES + 1);
	struct tn_warrant *w;
	struct tn_stack *st;
	struct tn_error err;

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(tn_warrant_decode(p, n, &w, &err), TN_ERR_MALFORMED);
	ck_assert_ptr_nonnull(strstr(err.reason, "exceeds"));
	ck_assert_int_eq(tn_stack_decode(p, TN_MAX_STACK_BYTES + 1, &st, &err),
	    TN_ERR_MALFORMED);
	free(p);
}
END_TEST

/*
 * Payloads with a valid signature but a bad body: each is signed with the
 * control-plane seed so only the body check can refuse it.
 */
static int
sign_and_decode(const char *payload_hex, struct tn_error *err)
{
	uint8_t seed[32], sk[64], *pl, *env;
	size_t n, envlen;
	struct tn_warrant *w;
	int rc;

	ck_assert_int_eq(tu_role_seed(V, "Control Plane", seed), 0);
	tu_sk_from_seed(seed, sk, NULL);
	pl = tu_unhex(payload_hex, &n);
	ck_assert_int_eq(tn_warrant_seal(pl, n, sk, &env, &envlen, NULL), 0);
	rc = tn_warrant_decode(env, envlen, &w, err);
	tn_warrant_free(w);
	free(env);
	free(pl);
	return rc;
}

/* A.1's payload with its 10 fields; the tail replaces "1200" (depth). */
#define A1_HEAD "00010150019471f8000070008000000000000001020003a169726561645f" \
	"66696c65a16b636f6e73747261696e7473a164706174688210f6048201582081" \
	"39770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394058201" \
	"58208a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c" \
	"061a65920080071a65920e900803"

START_TEST(test_warrant_signed_but_bad_bodies)
{
	struct tn_error err;

	/* The original, re-signed: accepted. */
	ck_assert_int_eq(sign_and_decode("aa" A1_HEAD "1200", &err), TN_OK);
	/* Depth (18) may be absent (deployed default 0). */
	ck_assert_int_eq(sign_and_decode("a9" A1_HEAD, &err), TN_OK);
	/* Unknown key 19, removed key 12, text key: unknown_field. */
	ck_assert_int_eq(sign_and_decode("ab" A1_HEAD "12001300", &err),
	    TN_ERR_UNKNOWN_FIELD);
	ck_assert_int_eq(sign_and_decode("ab" A1_HEAD "12000c00", &err),
	    TN_ERR_UNKNOWN_FIELD);
	ck_assert_int_eq(sign_and_decode("ab" A1_HEAD "1200617800", &err),
	    TN_ERR_UNKNOWN_FIELD);
	/* Duplicate key 18: malformed CBOR. */
	ck_assert_int_eq(sign_and_decode("ab" A1_HEAD "12001201", &err),
	    TN_ERR_MALFORMED);
	/* Indefinite-length map. */
	ck_assert_int_eq(sign_and_decode("bf" A1_HEAD "1200ff", &err),
	    TN_ERR_MALFORMED);
	/* Reserved extension key tenuo.foo; known tenuo.session_id is fine. */
	ck_assert_int_eq(sign_and_decode("ab" A1_HEAD
	    "0aa16974656e756f2e666f6f81011200", &err), TN_ERR_UNKNOWN_FIELD);
	ck_assert_ptr_nonnull(strstr(err.reason, "tenuo.foo"));
	ck_assert_int_eq(sign_and_decode("ab" A1_HEAD
	    "0aa17074656e756f2e73657373696f6e5f69648118611200", &err), TN_OK);
	/* Extension value as a byte string instead of an array of uints. */
	ck_assert_int_eq(sign_and_decode("ab" A1_HEAD
	    "0aa163636f6d41011200", &err), TN_ERR_MALFORMED);
	/* Wrong types: depth as text, version 2. */
	ck_assert_int_eq(sign_and_decode("aa" A1_HEAD "126130", &err),
	    TN_ERR_MALFORMED);
	/* An execution warrant with issuable_tools (11). */
	ck_assert_int_eq(sign_and_decode("ab" A1_HEAD "0b8161781200", &err),
	    TN_ERR_MALFORMED);
	/* Missing required field: drop max_depth by replacing key 8 -> 18. */
	ck_assert_int_ne(sign_and_decode("a9" "00010150019471f800007000800000"
	    "0000000001020003a0048201582081" "39770ea87d175f56a35466c34c7ecc"
	    "cb8d8a91b4ee37a25df60f5b8fc9b39405820158208a88e3dd7409f195fd52db2d"
	    "3cba5d72ca6709bf1d94121bf3748801b40f6f5c061a65920080071a65920e90"
	    "1200", &err), TN_OK);
}
END_TEST

START_TEST(test_warrant_version_and_algorithm)
{
	json_t *w = tu_vector_warrant(tu_vector(V, "A.1"), "A.1");
	struct tn_warrant *tw;
	struct tn_error err;
	uint8_t *env;
	size_t n;

	env = tu_unhex(tu_str(w, "envelope_hex"), &n);
	env[1] = 0x02;		/* envelope_version 2 */
	ck_assert_int_eq(tn_warrant_decode(env, n, &tw, &err),
	    TN_ERR_MALFORMED);
	ck_assert_ptr_nonnull(strstr(err.reason, "envelope_version"));
	env[1] = 0x00;
	ck_assert_int_eq(tn_warrant_decode(env, n, &tw, &err),
	    TN_ERR_MALFORMED);
	env[1] = 0x01;
	/* The signature's algorithm id sits 67 bytes from the end. */
	ck_assert_int_eq(env[n - 67], 0x01);
	env[n - 67] = 0x02;
	ck_assert_int_eq(tn_warrant_decode(env, n, &tw, &err),
	    TN_ERR_SIGNATURE_INVALID);
	free(env);
}
END_TEST

START_TEST(test_warrant_mint_rules)
{
	struct tn_mint m;
	struct tn_mint_tool t = { "t", (const uint8_t *)"\xa1\x6b" "constraints"
	    "\xa0", 14 };
	uint8_t seed[32] = { 1 }, sk[64], pk[32], *out;
	size_t n;
	struct tn_error err;

	tu_sk_from_seed(seed, sk, pk);
	memset(&m, 0, sizeof(m));
	m.type = TN_WARRANT_EXECUTION;
	memcpy(m.holder, pk, 32);
	m.issued_at = 1000;
	m.expires_at = 1000 + TN_MAX_TTL_SECS;
	m.max_depth = 64;
	m.tools = &t;
	m.ntools = 1;
	ck_assert_int_eq(tn_warrant_mint(&m, sk, &out, &n, &err), TN_OK);
	free(out);
	m.expires_at++;
	ck_assert_int_eq(tn_warrant_mint(&m, sk, &out, &n, &err),
	    TN_ERR_TTL_EXCEEDED);
	m.expires_at = 1000;
	ck_assert_int_eq(tn_warrant_mint(&m, sk, &out, &n, &err),
	    TN_ERR_TTL_EXCEEDED);
	m.expires_at = 2000;
	m.max_depth = 65;
	ck_assert_int_eq(tn_warrant_mint(&m, sk, &out, &n, &err),
	    TN_ERR_DEPTH_EXCEEDED);
	m.max_depth = 3;
	m.type = TN_WARRANT_ISSUER;
	ck_assert_int_eq(tn_warrant_mint(&m, sk, &out, &n, &err),
	    TN_ERR_INVALID_ARG);
}
END_TEST

static Suite *
warrant_suite(void)
{
	Suite *s = suite_create("warrant");
	TCase *v = tcase_create("vectors"), *m = tcase_create("malformed");
	TCase *l = tcase_create("limits");

	tcase_add_checked_fixture(v, setup, teardown);
	tcase_add_checked_fixture(m, setup, teardown);
	tcase_add_checked_fixture(l, setup, teardown);
	tcase_set_timeout(m, 60);
	tcase_add_test(v, test_warrant_vectors_remint_byte_exact);
	tcase_add_test(v, test_warrant_a1_fields_and_display_id);
	tcase_add_test(v, test_warrant_a8_stack_round_trip);
	tcase_add_test(m, test_warrant_stack_rejects_bad_shapes);
	tcase_add_test(m, test_warrant_hostile_truncate_and_flip);
	tcase_add_test(m, test_warrant_signed_but_bad_bodies);
	tcase_add_test(m, test_warrant_version_and_algorithm);
	tcase_add_test(l, test_warrant_oversize_refused);
	tcase_add_test(l, test_warrant_mint_rules);
	suite_add_tcase(s, v);
	suite_add_tcase(s, m);
	suite_add_tcase(s, l);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(warrant_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
