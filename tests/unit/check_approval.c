/*
 * check_approval.c: SignedApproval envelopes (vector A.24 byte for byte,
 * the deployed form), the deployed request hash, and the m-of-n check on
 * the multi-sig warrants A.21.1, A.21.2 and A.18.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "testutil.h"
#include "tn_approval.h"
#include "tn_crypto.h"

#define T0	1704067200u	/* vectors' issued_at */
#define NOW	((int64_t)T0 + 60)
#define TOL	30u

static json_t *V;
static uint8_t ap_sk[3][64], ap_pk[3][32], at_sk[64], w_sk[64], w2_sk[64];
static uint8_t nonce[16] = {
	0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8,
	0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8
};

static void
setup(void)
{
	static const char *const roles[3] = {
		"Approver1", "Approver2", "Approver3"
	};
	uint8_t seed[32];

	ck_assert_int_eq(tn_crypto_init(), 0);
	V = tu_load_json(TU_VECTORS);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(tu_role_seed(V, roles[i], seed), 0);
		tu_sk_from_seed(seed, ap_sk[i], ap_pk[i]);
	}
	ck_assert_int_eq(tu_role_seed(V, "Attacker", seed), 0);
	tu_sk_from_seed(seed, at_sk, NULL);
	ck_assert_int_eq(tu_role_seed(V, "Worker", seed), 0);
	tu_sk_from_seed(seed, w_sk, NULL);
	ck_assert_int_eq(tu_role_seed(V, "Worker2", seed), 0);
	tu_sk_from_seed(seed, w2_sk, NULL);
}

static void
teardown(void)
{
	json_decref(V);
}

/* The first warrant of a vector record, decoded. */
static struct tn_warrant *
warrant(const char *id)
{
	json_t *rec = tu_vector(V, id), *w;
	struct tn_warrant *out = NULL;
	struct tn_error err;
	uint8_t *p;
	size_t n;

	ck_assert_ptr_nonnull(rec);
	w = json_array_get(json_object_get(rec, "warrants"), 0);
	ck_assert_ptr_nonnull(w);
	p = tu_unhex(tu_str(w, "envelope_hex"), &n);
	ck_assert_msg(tn_warrant_decode(p, n, &out, &err) == TN_OK, "%s: %s",
	    id, err.reason);
	free(p);
	return out;
}

/* The call every multi-sig test authorizes. */
struct call {
	uint8_t		*buf;
	size_t		 len;
	struct tn_cbor_doc doc;
	uint8_t		 rh[32];
};

static void
call_init(struct call *c, const struct tn_warrant *w, const char *json)
{
	ck_assert_int_eq(tu_args_doc(json, &c->buf, &c->len, &c->doc), 0);
	ck_assert_int_eq(tn_approval_request_hash(w->id, "read_file", 9,
	    &c->doc.items[0], w->holder, c->rh, NULL), TN_OK);
}

static void
call_free(struct call *c)
{
	tn_cbor_doc_free(&c->doc);
	free(c->buf);
}

static struct tn_approval_blob
mk(const uint8_t sk[64], const uint8_t rh[32], uint64_t at, uint64_t exp,
    enum tn_approval_form form)
{
	struct tn_approval_blob b;
	uint8_t *p;
	size_t n;

	ck_assert_int_eq(tn_approval_encode_form(form, rh, nonce,
	    "approver@example.com", at, exp, sk, &p, &n, NULL), TN_OK);
	b.p = p;
	b.n = n;
	return b;
}

static void
blobs_free(struct tn_approval_blob *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((void *)(uintptr_t)b[i].p);
}

static int
check(const struct tn_warrant *w, const struct call *c,
    const struct tn_approval_blob *b, size_t n, size_t *nvalid,
    struct tn_error *err)
{
	return tn_approval_check(w, "read_file", 9, &c->doc.items[0], b, n,
	    NOW, TOL, nvalid, err);
}

/* ------------------------------------------------------------ vectors */

START_TEST(test_approval_vector_envelope)
{
	json_t *r = json_object_get(tu_vector(V, "A.24"), "approval");
	size_t wn, pn, rn, n;
	uint8_t *want = tu_unhex(tu_str(r, "envelope_hex"), &wn);
	uint8_t *wpl = tu_unhex(tu_str(r, "payload_hex"), &pn);
	uint8_t *rh = tu_unhex(tu_str(json_object_get(r, "fields"),
	    "request_hash"), &rn);
	uint8_t *out;
	struct tn_approval a;
	struct tn_approval_payload pl;
	struct tn_error err;

	ck_assert_uint_eq(rn, 32);
	ck_assert_int_eq(tn_approval_encode(rh, nonce,
	    "arn:aws:iam::123456789012:user/security-admin", T0, T0 + 3600,
	    ap_sk[0], &out, &n, &err), TN_OK);
	ck_assert_uint_eq(n, wn);
	ck_assert_mem_eq(out, want, wn);
	/* The published envelope parses and its signature verifies. */
	ck_assert_int_eq(tn_approval_parse(want, wn, &a, &err), TN_OK);
	ck_assert_uint_eq(a.approval_version, 1);
	ck_assert_uint_eq(a.payload_len, pn);
	ck_assert_mem_eq(a.payload, wpl, pn);
	ck_assert_mem_eq(a.approver_key, ap_pk[0], 32);
	ck_assert_int_eq(tn_approval_verify(&a, T0, &pl, &err), TN_OK);
	ck_assert_mem_eq(pl.request_hash, rh, 32);
	ck_assert_mem_eq(pl.nonce, nonce, 16);
	ck_assert_uint_eq(pl.approved_at, T0);
	ck_assert_uint_eq(pl.expires_at, T0 + 3600);
	ck_assert_uint_eq(pl.external_id_len, 45);
	ck_assert_mem_eq(pl.external_id,
	    "arn:aws:iam::123456789012:user/security-admin", 45);
	/* Under another key it does not. */
	memcpy(a.approver_key, ap_pk[1], 32);
	ck_assert_int_eq(tn_approval_verify(&a, T0, &pl, &err),
	    TN_ERR_SIGNATURE_INVALID);
	free(out);
	free(want);
	free(wpl);
	free(rh);
}
END_TEST

/*
 * A.24's request_hash is the generator's bare concatenation, not the
 * deployed compute_request_hash (CBOR array).  Pin both.
 */
START_TEST(test_approval_vector_request_hash)
{
	static const char concat[] = "tnu_wrt_019471f8000070008000000000002101"
	    "read_file" "path=/data/sensitive.txt";
	static const char deployed_hex[] =
	    "5f4fa0fbc7b2ee477aa6b97d6a3654113c4360c858e5ac64cb82103ce7f55030";
	json_t *r = json_object_get(tu_vector(V, "A.24"), "approval");
	size_t rn, hn, dn;
	uint8_t *rh = tu_unhex(tu_str(json_object_get(r, "fields"),
	    "request_hash"), &rn);
	uint8_t *holder = tu_unhex(
	    "ed4928c628d1c2c6eae90338905995612959273a5c63f93636c14614ac8737d1",
	    &hn);
	uint8_t *want = tu_unhex(deployed_hex, &dn), got[32];
	struct tn_warrant *w = warrant("A.21.1");
	struct call c;
	struct tn_buf b;

	tn_buf_init(&b, 1024);
	tn_buf_put(&b, concat, sizeof(concat) - 1);
	tn_buf_put(&b, holder, 32);
	tn_sha256(b.p, b.len, got);
	ck_assert_mem_eq(got, rh, 32);
	tn_buf_free(&b);
	call_init(&c, w, "{\"path\": \"/data/sensitive.txt\"}");
	ck_assert_mem_eq(c.rh, want, 32);
	ck_assert_int_ne(memcmp(c.rh, rh, 32), 0);
	call_free(&c);
	tn_warrant_free(w);
	free(rh);
	free(holder);
	free(want);
}
END_TEST

/* ------------------------------------------------------ request hash */

START_TEST(test_approval_request_hash_preimage)
{
	/* 84 | text id | text tool | bytes(a1 "path" "/data/...") | bytes(32) */
	static const char pre_hex[] =
	    "847828746e755f7772745f30313934373166383030303037303030383030"
	    "3030303030303030303231303169726561645f66696c65581aa164706174"
	    "68732f646174612f73656e7369746976652e7478745820ed4928c628d1c2"
	    "c6eae90338905995612959273a5c63f93636c14614ac8737d1";
	size_t pn, an;
	uint8_t *pre = tu_unhex(pre_hex, &pn), want[32], got[32];
	uint8_t id[16] = { 0x01, 0x94, 0x71, 0xf8, 0, 0, 0x70, 0, 0x80, 0,
	    0, 0, 0, 0, 0x21, 0x01 };
	uint8_t *ab;
	struct tn_cbor_doc d;
	struct tn_error err;

	tn_sha256(pre, pn, want);
	ck_assert_int_eq(tu_args_doc("{\"path\": \"/data/sensitive.txt\"}",
	    &ab, &an, &d), 0);
	ck_assert_int_eq(tn_approval_request_hash(id, "read_file", 9,
	    &d.items[0], pre + pn - 32, got, &err), TN_OK);
	ck_assert_mem_eq(got, want, 32);
	/* The tool and the holder are bound. */
	ck_assert_int_eq(tn_approval_request_hash(id, "read_filf", 9,
	    &d.items[0], pre + pn - 32, got, &err), TN_OK);
	ck_assert_int_ne(memcmp(got, want, 32), 0);
	ck_assert_int_eq(tn_approval_request_hash(id, "read_file", 9,
	    &d.items[0], pre, got, &err), TN_OK);
	ck_assert_int_ne(memcmp(got, want, 32), 0);
	/* No arguments: an empty map, a0. */
	ck_assert_int_eq(tn_approval_request_hash(id, "t", 1, NULL, pre, got,
	    &err), TN_OK);
	ck_assert_int_eq(tn_approval_request_hash(id, "\xff", 1, NULL, pre,
	    got, &err), TN_ERR_MALFORMED);
	ck_assert_int_eq(tn_approval_request_hash(id, NULL, 1, NULL, pre,
	    got, &err), TN_ERR_INVALID_ARG);
	tn_cbor_doc_free(&d);
	free(ab);
	free(pre);
}
END_TEST

/* canonical_tool_args_cbor: sorted keys, shortest floats, serde's
 * untagged ConstraintValue conversions. */
START_TEST(test_approval_args_canonical)
{
	/* {"b":1,"a":[1.5,100.0,{"z":null,"y":true}],"aa":"x",
	 *  "big":2^63,"neg":-5,"raw":h'6869'}, floats as f64. */
	static const char in_hex[] =
	    "a6616201616183fb3ff8000000000000fb4059000000000000a2617af66179f5"
	    "626161617863626967" "1b8000000000000000" "636e656724"
	    "63726177426869";
	static const char want_hex[] =
	    "a6616183f93e00f95640a26179f5617af6626161617861620163626967"
	    "fa5f000000636e65672463726177626869";
	static const char *const bad[] = {
		"a1617841ff",			/* bytes, not UTF-8 */
		"a161783bffffffffffffffff",	/* below i64 */
		"a10102",			/* non-text key */
		"80",				/* not a map */
	};
	size_t n, wn;
	uint8_t *in = tu_unhex(in_hex, &n), *want = tu_unhex(want_hex, &wn);
	struct tn_cbor_doc d;
	struct tn_buf b;

	ck_assert_int_eq(tn_cbor_decode(in, n, NULL, &d, NULL), TN_OK);
	tn_buf_init(&b, 4096);
	ck_assert_int_eq(tn_approval_args_cbor(&b, &d.items[0], NULL), TN_OK);
	ck_assert_uint_eq(b.len, wn);
	ck_assert_mem_eq(b.p, want, wn);
	tn_buf_free(&b);
	tn_cbor_doc_free(&d);
	free(in);
	free(want);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		in = tu_unhex(bad[i], &n);
		ck_assert_int_eq(tn_cbor_decode(in, n, NULL, &d, NULL), TN_OK);
		tn_buf_init(&b, 4096);
		ck_assert_msg(tn_approval_args_cbor(&b, &d.items[0], NULL) ==
		    TN_ERR_MALFORMED, "%s", bad[i]);
		tn_buf_free(&b);
		tn_cbor_doc_free(&d);
		free(in);
	}
	tn_buf_init(&b, 16);
	ck_assert_int_eq(tn_approval_args_cbor(&b, NULL, NULL), TN_OK);
	ck_assert_uint_eq(b.len, 1);
	ck_assert_uint_eq(b.p[0], 0xa0);
	tn_buf_free(&b);
}
END_TEST

/* ----------------------------------------------------------- m-of-n */

START_TEST(test_approval_multisig_2of3)
{
	struct tn_warrant *w = warrant("A.21.1");
	struct tn_approval_blob b[3];
	struct call c;
	struct tn_error err;
	size_t nv = 99;

	ck_assert_uint_eq(w->required_approvers->count, 3);
	ck_assert_uint_eq(w->min_approvals, 2);
	call_init(&c, w, "{\"path\": \"/data/sensitive.txt\"}");
	b[0] = mk(ap_sk[0], c.rh, T0, T0 + 300, TN_APPROVAL_FORM_SPEC);
	b[1] = mk(ap_sk[1], c.rh, T0, T0 + 300, TN_APPROVAL_FORM_DEPLOYED);
	b[2] = mk(ap_sk[2], c.rh, T0, T0 + 300, TN_APPROVAL_FORM_SPEC);
	ck_assert_msg(check(w, &c, b, 2, &nv, &err) == TN_OK, "%s",
	    err.reason);
	ck_assert_uint_eq(nv, 2);
	ck_assert_int_eq(check(w, &c, b + 1, 2, &nv, &err), TN_OK);
	ck_assert_int_eq(check(w, &c, b, 3, &nv, &err), TN_OK);
	ck_assert_uint_eq(nv, 2);
	/* One of three is not enough. */
	ck_assert_int_eq(check(w, &c, b + 2, 1, &nv, &err),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	ck_assert_uint_eq(nv, 1);
	ck_assert_str_eq(err.reason,
	    "insufficient approvals: required 2, received 1");
	ck_assert_int_eq(check(w, &c, NULL, 0, &nv, &err),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	ck_assert_str_eq(err.reason,
	    "insufficient approvals: required 2, received 0");
	blobs_free(b, 3);
	call_free(&c);
	tn_warrant_free(w);
}
END_TEST

START_TEST(test_approval_multisig_insufficient)
{
	struct tn_warrant *w = warrant("A.21.2");
	struct tn_approval_blob b[2];
	struct call c;
	struct tn_error err;
	size_t nv;

	ck_assert_uint_eq(w->required_approvers->count, 2);
	call_init(&c, w, "{\"path\": \"/data/sensitive.txt\"}");
	b[0] = mk(ap_sk[0], c.rh, T0, T0 + 300, TN_APPROVAL_FORM_SPEC);
	b[1] = mk(ap_sk[1], c.rh, T0, T0 + 300, TN_APPROVAL_FORM_SPEC);
	ck_assert_int_eq(check(w, &c, b, 1, &nv, &err),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	ck_assert_uint_eq(nv, 1);
	ck_assert_str_eq(err.reason,
	    "insufficient approvals: required 2, received 1");
	ck_assert_int_eq(check(w, &c, b, 2, &nv, &err), TN_OK);
	blobs_free(b, 2);
	call_free(&c);
	tn_warrant_free(w);
}
END_TEST

START_TEST(test_approval_duplicates)
{
	struct tn_warrant *w = warrant("A.21.1");
	struct tn_approval_blob b[3];
	struct call c;
	struct tn_error err;
	size_t nv;

	call_init(&c, w, "{\"path\": \"/data/sensitive.txt\"}");
	b[0] = mk(ap_sk[0], c.rh, T0, T0 + 300, TN_APPROVAL_FORM_SPEC);
	/* Same approver, other form and times: still the same key. */
	b[1] = mk(ap_sk[0], c.rh, T0 + 1, T0 + 400,
	    TN_APPROVAL_FORM_DEPLOYED);
	b[2] = mk(ap_sk[0], c.rh, T0, T0 + 300, TN_APPROVAL_FORM_SPEC);
	ck_assert_int_eq(check(w, &c, b, 3, &nv, &err),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	ck_assert_uint_eq(nv, 1);
	ck_assert_str_eq(err.reason, "insufficient approvals: required 2, "
	    "received 1 [rejected: 2 duplicate]");
	blobs_free(b, 3);
	call_free(&c);
	tn_warrant_free(w);
}
END_TEST

START_TEST(test_approval_wrong_approver)
{
	struct tn_warrant *w = warrant("A.21.2");
	struct tn_approval_blob b[3];
	struct call c;
	struct tn_error err;
	size_t nv;

	call_init(&c, w, "{\"path\": \"/data/sensitive.txt\"}");
	b[0] = mk(ap_sk[0], c.rh, T0, T0 + 300, TN_APPROVAL_FORM_SPEC);
	b[1] = mk(ap_sk[2], c.rh, T0, T0 + 300, TN_APPROVAL_FORM_SPEC);
	b[2] = mk(at_sk, c.rh, T0, T0 + 300, TN_APPROVAL_FORM_DEPLOYED);
	ck_assert_int_eq(check(w, &c, b, 3, &nv, &err),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	ck_assert_uint_eq(nv, 1);
	ck_assert_str_eq(err.reason, "insufficient approvals: required 2, "
	    "received 1 [rejected: 2 untrusted]");
	blobs_free(b, 3);
	call_free(&c);
	tn_warrant_free(w);
}
END_TEST

START_TEST(test_approval_expired)
{
	struct tn_warrant *w = warrant("A.21.2");
	struct tn_approval_blob ok, b[4];
	struct call c;
	struct tn_error err;
	size_t nv;
	struct tn_approval_blob pair[2];

	call_init(&c, w, "{\"path\": \"/data/sensitive.txt\"}");
	ok = mk(ap_sk[1], c.rh, T0, T0 + 300, TN_APPROVAL_FORM_SPEC);
	/* expires_at + tolerance == now: still valid (deployed uses <). */
	b[0] = mk(ap_sk[0], c.rh, T0 - 100, (uint64_t)NOW - TOL,
	    TN_APPROVAL_FORM_SPEC);
	/* One second later: expired. */
	b[1] = mk(ap_sk[0], c.rh, T0 - 100, (uint64_t)NOW - TOL - 1,
	    TN_APPROVAL_FORM_SPEC);
	/* approved_at more than 30 s ahead of now: refused by verify. */
	b[2] = mk(ap_sk[0], c.rh, (uint64_t)NOW + 31, (uint64_t)NOW + 300,
	    TN_APPROVAL_FORM_SPEC);
	/* expires_at not after approved_at. */
	b[3] = mk(ap_sk[0], c.rh, T0, T0, TN_APPROVAL_FORM_SPEC);
	pair[0] = b[0];
	pair[1] = ok;
	ck_assert_msg(check(w, &c, pair, 2, &nv, &err) == TN_OK, "%s",
	    err.reason);
	pair[0] = b[1];
	ck_assert_int_eq(check(w, &c, pair, 2, &nv, &err),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	ck_assert_str_eq(err.reason, "insufficient approvals: required 2, "
	    "received 1 [rejected: 1 expired]");
	pair[0] = b[2];
	ck_assert_int_eq(check(w, &c, pair, 2, &nv, &err),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	ck_assert_str_eq(err.reason, "insufficient approvals: required 2, "
	    "received 1 [rejected: 1 invalid signature]");
	/* exactly now + 30 is still accepted */
	blobs_free(&b[2], 1);
	b[2] = mk(ap_sk[0], c.rh, (uint64_t)NOW + 30, (uint64_t)NOW + 300,
	    TN_APPROVAL_FORM_SPEC);
	pair[0] = b[2];
	ck_assert_int_eq(check(w, &c, pair, 2, &nv, &err), TN_OK);
	pair[0] = b[3];
	ck_assert_int_eq(check(w, &c, pair, 2, &nv, &err),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	/* Tolerance 0 makes b[0] expired. */
	pair[0] = b[0];
	ck_assert_int_eq(tn_approval_check(w, "read_file", 9,
	    &c.doc.items[0], pair, 2, NOW, 0, &nv, &err),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	blobs_free(b, 4);
	blobs_free(&ok, 1);
	call_free(&c);
	tn_warrant_free(w);
}
END_TEST

START_TEST(test_approval_wrong_hash)
{
	struct tn_warrant *w = warrant("A.21.1"), *w18 = warrant("A.18");
	struct tn_approval_blob b[2], one;
	struct call c, other, c18;
	struct tn_error err;
	size_t nv;

	call_init(&c, w, "{\"path\": \"/data/sensitive.txt\"}");
	call_init(&other, w, "{\"path\": \"/data/other.txt\"}");
	b[0] = mk(ap_sk[0], c.rh, T0, T0 + 300, TN_APPROVAL_FORM_SPEC);
	b[1] = mk(ap_sk[1], other.rh, T0, T0 + 300, TN_APPROVAL_FORM_SPEC);
	ck_assert_int_eq(check(w, &c, b, 2, &nv, &err),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	ck_assert_str_eq(err.reason, "insufficient approvals: required 2, "
	    "received 1 [rejected: 1 hash mismatch]");
	/* The same approvals for the other call: b[0] mismatches there. */
	ck_assert_int_eq(check(w, &other, b, 2, &nv, &err),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	/* 1-of-1 (A.18: two approvers, min 1): the single cause. */
	call_init(&c18, w18, "{\"path\": \"/data/sensitive.txt\"}");
	one = mk(w_sk, c.rh, T0, T0 + 300, TN_APPROVAL_FORM_SPEC);
	ck_assert_int_eq(check(w18, &c18, &one, 1, &nv, &err),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	ck_assert_str_eq(err.reason, "invalid approval: request hash mismatch "
	    "(approval was signed for a different request)");
	blobs_free(&one, 1);
	one = mk(w2_sk, c18.rh, T0, T0 + 300, TN_APPROVAL_FORM_DEPLOYED);
	ck_assert_int_eq(check(w18, &c18, &one, 1, &nv, &err), TN_OK);
	blobs_free(&one, 1);
	one = mk(at_sk, c18.rh, T0, T0 + 300, TN_APPROVAL_FORM_DEPLOYED);
	ck_assert_int_eq(check(w18, &c18, &one, 1, &nv, &err),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	ck_assert_str_eq(err.reason,
	    "invalid approval: approver not in trusted set");
	blobs_free(&one, 1);
	blobs_free(b, 2);
	call_free(&c);
	call_free(&other);
	call_free(&c18);
	tn_warrant_free(w);
	tn_warrant_free(w18);
}
END_TEST

/* Every bit of a valid 1-of-1 approval flipped, every truncation. */
START_TEST(test_approval_tampered)
{
	struct tn_warrant *w = warrant("A.18");
	struct tn_approval_blob good, t;
	struct call c;
	uint8_t *q;
	int rc;

	call_init(&c, w, "{\"path\": \"/data/sensitive.txt\"}");
	for (int form = 0; form < 2; form++) {
		good = mk(w_sk, c.rh, T0, T0 + 300,
		    (enum tn_approval_form)form);
		ck_assert_int_eq(check(w, &c, &good, 1, NULL, NULL), TN_OK);
		q = malloc(good.n);
		ck_assert_ptr_nonnull(q);
		t.p = q;
		t.n = good.n;
		for (size_t i = 0; i < good.n; i++)
			for (int bit = 0; bit < 8; bit++) {
				memcpy(q, good.p, good.n);
				q[i] ^= (uint8_t)(1u << bit);
				rc = check(w, &c, &t, 1, NULL, NULL);
				ck_assert_msg(rc == TN_ERR_MALFORMED ||
				    rc == TN_ERR_CONSTRAINT_NOT_SATISFIED,
				    "form %d flip %zu/%d: %d", form, i, bit,
				    rc);
			}
		free(q);
		for (size_t i = 0; i < good.n; i++) {
			q = malloc(i ? i : 1);
			ck_assert_ptr_nonnull(q);
			memcpy(q, good.p, i);
			t.p = q;
			t.n = i;
			ck_assert_int_eq(check(w, &c, &t, 1, NULL, NULL),
			    TN_ERR_MALFORMED);
			free(q);
		}
		blobs_free(&good, 1);
	}
	call_free(&c);
	tn_warrant_free(w);
}
END_TEST

START_TEST(test_approval_too_many)
{
	struct tn_warrant *w = warrant("A.18");
	struct tn_approval_blob b[5];
	struct call c;
	struct tn_error err;

	call_init(&c, w, "{\"path\": \"/data/sensitive.txt\"}");
	for (int i = 0; i < 5; i++)
		b[i] = mk(w_sk, c.rh, T0, T0 + 300, TN_APPROVAL_FORM_SPEC);
	/* 4 = 2 x 2 approvers is allowed (and the first one suffices). */
	ck_assert_int_eq(check(w, &c, b, 4, NULL, &err), TN_OK);
	ck_assert_int_eq(check(w, &c, b, 5, NULL, &err),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	ck_assert_str_eq(err.reason,
	    "invalid approval: too many approvals: 5 provided, max 4");
	blobs_free(b, 5);
	call_free(&c);
	tn_warrant_free(w);
}
END_TEST

START_TEST(test_approval_no_approvers)
{
	struct tn_warrant *w = warrant("A.1");
	struct tn_approval_blob junk = { (const uint8_t *)"x", 1 };
	size_t nv = 7;

	ck_assert_ptr_null(w->required_approvers);
	ck_assert_int_eq(tn_approval_check(w, "read_file", 9, NULL, NULL, 0,
	    NOW, TOL, &nv, NULL), TN_OK);
	ck_assert_uint_eq(nv, 0);
	ck_assert_int_eq(tn_approval_check(w, "read_file", 9, NULL, &junk, 1,
	    NOW, TOL, &nv, NULL), TN_OK);
	ck_assert_int_eq(tn_approval_check(NULL, "read_file", 9, NULL, NULL,
	    0, NOW, TOL, &nv, NULL), TN_ERR_INVALID_ARG);
	tn_warrant_free(w);
}
END_TEST

/* A blob that is no envelope spoils the whole set, as deployed. */
START_TEST(test_approval_malformed_blob)
{
	struct tn_warrant *w = warrant("A.21.1");
	struct tn_approval_blob b[3];
	struct call c;
	struct tn_error err;

	call_init(&c, w, "{\"path\": \"/data/sensitive.txt\"}");
	b[0] = mk(ap_sk[0], c.rh, T0, T0 + 300, TN_APPROVAL_FORM_SPEC);
	b[1] = mk(ap_sk[1], c.rh, T0, T0 + 300, TN_APPROVAL_FORM_SPEC);
	b[2].p = (const uint8_t *)"\xa0";
	b[2].n = 1;
	ck_assert_int_eq(check(w, &c, b, 3, NULL, &err), TN_ERR_MALFORMED);
	ck_assert_ptr_nonnull(strstr(err.reason, "approval 2"));
	blobs_free(b, 2);
	call_free(&c);
	tn_warrant_free(w);
}
END_TEST

/* Success returns at the threshold; a bad later approval is not seen. */
START_TEST(test_approval_early_success)
{
	struct tn_warrant *w = warrant("A.21.1");
	struct tn_approval_blob b[3];
	struct call c;
	size_t nv;

	call_init(&c, w, "{\"path\": \"/data/sensitive.txt\"}");
	b[0] = mk(ap_sk[0], c.rh, T0, T0 + 300, TN_APPROVAL_FORM_SPEC);
	b[1] = mk(ap_sk[1], c.rh, T0, T0 + 300, TN_APPROVAL_FORM_SPEC);
	b[2] = mk(at_sk, c.rh, T0, T0 + 300, TN_APPROVAL_FORM_SPEC);
	ck_assert_int_eq(check(w, &c, b, 3, &nv, NULL), TN_OK);
	ck_assert_uint_eq(nv, 2);
	/* Bad first: counted, then two valid ones still pass. */
	{
		struct tn_approval_blob r[3] = { b[2], b[0], b[1] };

		ck_assert_int_eq(check(w, &c, r, 3, &nv, NULL), TN_OK);
	}
	blobs_free(b, 3);
	call_free(&c);
	tn_warrant_free(w);
}
END_TEST

/* ------------------------------------------------------------- forms */

START_TEST(test_approval_deployed_form)
{
	uint8_t rh[32], *p;
	size_t n;
	struct tn_approval a;
	struct tn_approval_payload pl;
	struct tn_error err;
	/* approver_key [1, bytes(32)], request_hash as 32 uints. */
	static const uint8_t key_head[] = { 0x82, 0x01, 0x58, 0x20 };
	static const uint8_t hash_head[] = { 0x6c, 'r', 'e', 'q', 'u', 'e',
	    's', 't', '_', 'h', 'a', 's', 'h', 0x98, 0x20, 0x18, 0xc8 };

	memset(rh, 0xc8, sizeof(rh));
	ck_assert_int_eq(tn_approval_encode_form(TN_APPROVAL_FORM_DEPLOYED,
	    rh, nonce, "x", T0, T0 + 1, ap_sk[2], &p, &n, &err), TN_OK);
	ck_assert_ptr_nonnull(memmem(p, n, key_head, sizeof(key_head)));
	ck_assert_ptr_nonnull(memmem(p, n, hash_head, sizeof(hash_head)));
	ck_assert_int_eq(tn_approval_parse(p, n, &a, &err), TN_OK);
	ck_assert_mem_eq(a.approver_key, ap_pk[2], 32);
	ck_assert_int_eq(tn_approval_verify(&a, T0, &pl, &err), TN_OK);
	ck_assert_mem_eq(pl.request_hash, rh, 32);
	ck_assert_mem_eq(pl.nonce, nonce, 16);
	free(p);
}
END_TEST

/* A payload built by hand and sealed. */
static int
verify_payload(const char *hex, enum tn_approval_form form)
{
	size_t n, en;
	uint8_t *pl = tu_unhex(hex, &n), *env;
	struct tn_approval a;
	struct tn_approval_payload p;
	int rc;

	ck_assert_int_eq(tn_approval_seal(form, pl, n, ap_sk[0], &env, &en,
	    NULL), TN_OK);
	ck_assert_int_eq(tn_approval_parse(env, en, &a, NULL), TN_OK);
	rc = tn_approval_verify(&a, T0, &p, NULL);
	free(env);
	free(pl);
	return rc;
}

START_TEST(test_approval_payload_fields)
{
	/* Pieces: version 1, hash (32 x 0x11), nonce (16 x 0x22), ... */
#define VER	"6776657273696f6e01"
#define HASH	"6c726571756573745f686173685820" \
	"1111111111111111111111111111111111111111111111111111111111111111"
#define NONCE	"656e6f6e636550" "22222222222222222222222222222222"
#define EXTID	"6b65787465726e616c5f69646178"
#define TIMES	"6b617070726f7665645f61741a65920080" \
	"6a657870697265735f61741a65920e90"
	/* Unknown keys and extensions (bytes and uint arrays) are fine. */
	ck_assert_int_eq(verify_payload("a8" VER HASH NONCE EXTID TIMES
	    "63666f6f83010203"
	    "6a657874656e73696f6e73a2616142ffff6162820102",
	    TN_APPROVAL_FORM_SPEC), TN_OK);
	ck_assert_int_eq(verify_payload("a7" VER HASH NONCE EXTID TIMES
	    "6a657874656e73696f6e73f6", TN_APPROVAL_FORM_SPEC), TN_OK);
	/* Keys in another order. */
	ck_assert_int_eq(verify_payload("a6" TIMES EXTID NONCE HASH VER,
	    TN_APPROVAL_FORM_DEPLOYED), TN_OK);
	/* Missing external_id. */
	ck_assert_int_eq(verify_payload("a5" VER HASH NONCE TIMES,
	    TN_APPROVAL_FORM_SPEC), TN_ERR_MALFORMED);
	/* Version 2. */
	ck_assert_int_eq(verify_payload("a6" "6776657273696f6e02" HASH NONCE
	    EXTID TIMES, TN_APPROVAL_FORM_SPEC), TN_ERR_MALFORMED);
	/* A 31-byte hash. */
	ck_assert_int_eq(verify_payload("a6" VER "6c726571756573745f68617368"
	    "581f11111111111111111111111111111111111111111111111111111111111111"
	    NONCE EXTID TIMES, TN_APPROVAL_FORM_SPEC), TN_ERR_MALFORMED);
	/* An extension value that is text. */
	ck_assert_int_eq(verify_payload("a7" VER HASH NONCE EXTID TIMES
	    "6a657874656e73696f6e73a1616161", TN_APPROVAL_FORM_SPEC),
	    TN_ERR_MALFORMED);
	/* Not a map; trailing byte. */
	ck_assert_int_eq(verify_payload("80", TN_APPROVAL_FORM_SPEC),
	    TN_ERR_MALFORMED);
	ck_assert_int_eq(verify_payload("a6" VER HASH NONCE EXTID TIMES "00",
	    TN_APPROVAL_FORM_SPEC), TN_ERR_MALFORMED);
#undef VER
#undef HASH
#undef NONCE
#undef EXTID
#undef TIMES
}
END_TEST

START_TEST(test_approval_envelope_fields)
{
	static const char *const bad[] = {
		/* approval_version 256 */
		"a470617070726f76616c5f76657273696f6e190100"
		"677061796c6f616440"
		"6c617070726f7665725f6b65795820"
		"0000000000000000000000000000000000000000000000000000000000000000"
		"697369676e617475726540",
		/* no signature */
		"a370617070726f76616c5f76657273696f6e01677061796c6f616440"
		"6c617070726f7665725f6b65795820"
		"0000000000000000000000000000000000000000000000000000000000000000",
		/* integer key */
		"a101f6",
		"80",
	};
	struct tn_approval a;
	struct tn_approval_payload p;
	uint8_t rh[32] = { 0 }, *env;
	size_t n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t *q = tu_unhex(bad[i], &n);

		ck_assert_msg(tn_approval_parse(q, n, &a, NULL) ==
		    TN_ERR_MALFORMED, "%zu", i);
		free(q);
	}
	/* approval_version 2 parses but does not verify. */
	ck_assert_int_eq(tn_approval_encode(rh, nonce, "x", T0, T0 + 1,
	    ap_sk[0], &env, &n, NULL), TN_OK);
	ck_assert_uint_eq(env[18], 0x01);
	env[18] = 0x02;
	ck_assert_int_eq(tn_approval_parse(env, n, &a, NULL), TN_OK);
	ck_assert_int_eq(tn_approval_verify(&a, T0, &p, NULL),
	    TN_ERR_SIGNATURE_INVALID);
	free(env);
	ck_assert_int_eq(tn_approval_parse(NULL, 0, &a, NULL),
	    TN_ERR_MALFORMED);
	ck_assert_int_eq(tn_approval_parse((const uint8_t *)"", 1, NULL,
	    NULL), TN_ERR_INVALID_ARG);
}
END_TEST

static Suite *
approval_suite(void)
{
	Suite *s = suite_create("approval");
	TCase *v = tcase_create("vectors"), *h = tcase_create("hash");
	TCase *m = tcase_create("multisig"), *x = tcase_create("malformed");

	tcase_add_checked_fixture(v, setup, teardown);
	tcase_add_checked_fixture(h, setup, teardown);
	tcase_add_checked_fixture(m, setup, teardown);
	tcase_add_checked_fixture(x, setup, teardown);
	tcase_set_timeout(x, 60);
	tcase_add_test(v, test_approval_vector_envelope);
	tcase_add_test(v, test_approval_vector_request_hash);
	tcase_add_test(h, test_approval_request_hash_preimage);
	tcase_add_test(h, test_approval_args_canonical);
	tcase_add_test(m, test_approval_multisig_2of3);
	tcase_add_test(m, test_approval_multisig_insufficient);
	tcase_add_test(m, test_approval_duplicates);
	tcase_add_test(m, test_approval_wrong_approver);
	tcase_add_test(m, test_approval_expired);
	tcase_add_test(m, test_approval_wrong_hash);
	tcase_add_test(m, test_approval_too_many);
	tcase_add_test(m, test_approval_no_approvers);
	tcase_add_test(m, test_approval_early_success);
	tcase_add_test(x, test_approval_tampered);
	tcase_add_test(x, test_approval_malformed_blob);
	tcase_add_test(x, test_approval_deployed_form);
	tcase_add_test(x, test_approval_payload_fields);
	tcase_add_test(x, test_approval_envelope_fields);
	suite_add_tcase(s, v);
	suite_add_tcase(s, h);
	suite_add_tcase(s, m);
	suite_add_tcase(s, x);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(approval_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
