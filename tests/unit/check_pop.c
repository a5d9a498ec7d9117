/*
 * check_pop.c: proof-of-possession against Tenuo's cross-language fixture
 * (pop-canonical.json), the spec vectors A.6 / A.20.1 as the errata
 * explain them, the window order, and hostile arguments.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "testutil.h"
#include "tn_codec.h"
#include "tn_crypto.h"
#include "tn_pop.h"

static json_t *P, *V;

static void
setup(void)
{
	ck_assert_int_eq(tn_crypto_init(), 0);
	P = tu_load_json(TU_POP_FIXTURE);
	V = tu_load_json(TU_VECTORS);
}

static void
teardown(void)
{
	json_decref(P);
	json_decref(V);
}

static struct tn_warrant *
decode_b64_warrant(const char *b64)
{
	uint8_t *raw;
	size_t n;
	struct tn_warrant *w;
	struct tn_error err;

	ck_assert_int_eq(tn_b64_decode(b64, strlen(b64), TN_B64_URL,
	    TN_MAX_WARRANT_BYTES, &raw, &n, &err), 0);
	ck_assert_msg(tn_warrant_decode(raw, n, &w, &err) == TN_OK, "%s",
	    err.reason);
	free(raw);
	return w;
}

static struct tn_cbor_doc
args_of(json_t *args, uint8_t **buf)
{
	struct tn_buf b;
	struct tn_cbor_doc d;
	size_t n;

	tn_buf_init(&b, 1u << 16);
	ck_assert_int_eq(tu_json_to_cbor(args, &b), 0);
	ck_assert_int_eq(tn_buf_take(&b, buf, &n), 0);
	ck_assert_int_eq(tn_cbor_decode(*buf, n, NULL, &d, NULL), TN_OK);
	return d;
}

/* All 11 cases: signatures byte-exact, and they verify. */
START_TEST(test_pop_canonical_fixture)
{
	json_t *cases = json_object_get(P, "cases"), *c;
	uint8_t seed[32], sk[64], pk[32], sig[64], *want, *abuf;
	size_t i, n, seedlen;
	const char *hs = tu_str(P, "holder_priv_hex");

	ck_assert_int_eq(tn_hex_decode(hs, strlen(hs), seed, 32, &seedlen,
	    NULL), 0);
	tu_sk_from_seed(seed, sk, pk);
	ck_assert_uint_eq(json_array_size(cases), 11);
	json_array_foreach(cases, i, c) {
		struct tn_warrant *w = decode_b64_warrant(tu_str(c,
		    "warrant_b64"));
		const char *tool = tu_str(c, "tool");
		struct tn_cbor_doc d = args_of(json_object_get(c, "args"),
		    &abuf);
		int64_t ts = json_integer_value(json_object_get(c, "timestamp"));
		int64_t win = -1;
		struct tn_error err;

		ck_assert_mem_eq(w->holder, pk, 32);
		ck_assert_int_eq(tn_pop_sign(sk, w->id, tool, strlen(tool),
		    &d.items[0], ts, sig, &err), TN_OK);
		want = tu_unhex(tu_str(c, "expected_signature_hex"), &n);
		ck_assert_msg(n == 64 && memcmp(sig, want, 64) == 0,
		    "case %s: signature differs", tu_str(c, "name"));
		ck_assert_msg(tn_pop_verify(w->holder, w->id, tool,
		    strlen(tool), &d.items[0], want, ts, 5, &win, &err) ==
		    TN_OK, "case %s: %s", tu_str(c, "name"), err.reason);
		ck_assert_int_eq(win, ts / 30 * 30);
		/* Another tool or another argument value: refused. */
		ck_assert_int_eq(tn_pop_verify(w->holder, w->id, "other", 5,
		    &d.items[0], want, ts, 5, NULL, NULL), TN_ERR_POP_FAILED);
		/* The issuer's key is not the holder's (I6). */
		ck_assert_int_eq(tn_pop_verify(w->issuer, w->id, tool,
		    strlen(tool), &d.items[0], want, ts, 5, NULL, NULL),
		    TN_ERR_POP_FAILED);
		free(want);
		tn_cbor_doc_free(&d);
		free(abuf);
		tn_warrant_free(w);
	}
}
END_TEST

/*
 * Errata D9: A.6 and A.20.1 sign the "tnu_wrt_"-prefixed id, which the
 * deployed verifier never builds; re-signed over the bare hex id they
 * verify.
 */
START_TEST(test_pop_a6_errata)
{
	json_t *rec = tu_vector(V, "A.6");
	json_t *w = tu_vector_warrant(rec, "A.6");
	json_t *blobs = json_object_get(rec, "blobs");
	uint8_t *env, *sig, *chal, seed[32], sk[64], mine[64], *abuf;
	size_t n, sn, cn;
	struct tn_warrant *tw;
	struct tn_cbor_doc d;
	json_t *args = json_pack("{s:s}", "path", "/data/report.pdf");
	struct tn_buf b;

	env = tu_unhex(tu_str(w, "envelope_hex"), &n);
	ck_assert_int_eq(tn_warrant_decode(env, n, &tw, NULL), TN_OK);
	sig = tu_unhex(tu_str(json_object_get(blobs, "PoP Signature (64 bytes)"),
	    "hex"), &sn);
	d = args_of(args, &abuf);
	ck_assert_int_eq(tn_pop_verify(tw->holder, tw->id, "read_file", 9,
	    &d.items[0], sig, 1704067200, 5, NULL, NULL), TN_ERR_POP_FAILED);
	/* Our challenge is the published one with the bare hex id. */
	chal = tu_unhex(tu_str(json_object_get(blobs,
	    "PoP Challenge CBOR (82 bytes)"), "hex"), &cn);
	tn_buf_init(&b, 1024);
	ck_assert_int_eq(tn_pop_challenge(&b, tw->id, "read_file", 9,
	    &d.items[0], 1704067200, NULL), TN_OK);
	ck_assert_uint_eq(b.len + 8, cn);	/* 8 = strlen("tnu_wrt_") */
	ck_assert_mem_eq(b.p + 2 + 32, chal + 2 + 40, cn - 42);
	tn_buf_free(&b);
	/* Re-signed by the Worker (seed 0303...03): verifies. */
	ck_assert_int_eq(tu_role_seed(V, "Worker", seed), 0);
	tu_sk_from_seed(seed, sk, NULL);
	ck_assert_int_eq(tn_pop_sign(sk, tw->id, "read_file", 9, &d.items[0],
	    1704067215, mine, NULL), TN_OK);
	ck_assert_int_eq(tn_pop_verify(tw->holder, tw->id, "read_file", 9,
	    &d.items[0], mine, 1704067200, 5, NULL, NULL), TN_OK);
	tn_cbor_doc_free(&d);
	free(abuf);
	json_decref(args);
	free(chal);
	free(sig);
	free(env);
	tn_warrant_free(tw);
}
END_TEST

/*
 * A.20.1: neither published signature verifies against the deployed
 * verifier (both sign the prefixed id, errata D9); the attacker's would
 * fail anyway, and a holder signature over the bare id verifies.
 */
START_TEST(test_pop_a20_wrong_holder)
{
	json_t *rec = tu_vector(V, "A.20.1");
	json_t *pop = json_object_get(rec, "pop");
	uint8_t *env, *bad, *good, seed[32], sk[64], mine[64], *abuf;
	size_t n, bn, gn;
	struct tn_warrant *tw;
	struct tn_cbor_doc d;
	json_t *args = json_pack("{s:s}", "path", "/data/test.txt");

	env = tu_unhex(tu_str(tu_vector_warrant(rec, "A.20.1"), "envelope_hex"),
	    &n);
	ck_assert_int_eq(tn_warrant_decode(env, n, &tw, NULL), TN_OK);
	bad = tu_unhex(tu_str(pop, "invalid_signature_hex"), &bn);
	good = tu_unhex(tu_str(pop, "valid_signature_hex"), &gn);
	d = args_of(args, &abuf);
	ck_assert_int_eq(tn_pop_verify(tw->holder, tw->id, "read_file", 9,
	    &d.items[0], bad, 1704067200, 5, NULL, NULL), TN_ERR_POP_FAILED);
	ck_assert_int_eq(tn_pop_verify(tw->holder, tw->id, "read_file", 9,
	    &d.items[0], good, 1704067200, 5, NULL, NULL), TN_ERR_POP_FAILED);
	/* What it does sign: the challenge with the prefixed id (D9). */
	{
		struct tn_buf b;
		char ids[TN_WARRANT_ID_STR_LEN];

		tn_warrant_id_str(tw->id, ids);
		tn_buf_init(&b, 1024);
		tn_buf_put(&b, "tenuo-warrant-v1tenuo-pop-v1", 28);
		tn_cbor_put_array(&b, 4);
		tn_cbor_put_cstr(&b, ids);
		tn_cbor_put_cstr(&b, "read_file");
		tn_cbor_put_array(&b, 1);
		tn_cbor_put_array(&b, 2);
		tn_cbor_put_cstr(&b, "path");
		tn_cbor_put_cstr(&b, "/data/test.txt");
		tn_cbor_put_int(&b, 1704067200);
		ck_assert_int_eq(tn_ed25519_verify(tw->holder, b.p, b.len, good),
		    TN_OK);
		tn_buf_free(&b);
	}
	/* The attacker re-signing over the bare id still is not the holder. */
	ck_assert_int_eq(tu_role_seed(V, "Attacker", seed), 0);
	tu_sk_from_seed(seed, sk, NULL);
	ck_assert_int_eq(tn_pop_sign(sk, tw->id, "read_file", 9, &d.items[0],
	    1704067200, mine, NULL), TN_OK);
	ck_assert_int_eq(tn_pop_verify(tw->holder, tw->id, "read_file", 9,
	    &d.items[0], mine, 1704067200, 5, NULL, NULL), TN_ERR_POP_FAILED);
	ck_assert_int_eq(tu_role_seed(V, "Worker", seed), 0);
	tu_sk_from_seed(seed, sk, NULL);
	ck_assert_mem_eq(sk + 32, tw->holder, 32);
	ck_assert_int_eq(tn_pop_sign(sk, tw->id, "read_file", 9, &d.items[0],
	    1704067200, mine, NULL), TN_OK);
	ck_assert_int_eq(tn_pop_verify(tw->holder, tw->id, "read_file", 9,
	    &d.items[0], mine, 1704067200, 5, NULL, NULL), TN_OK);
	tn_cbor_doc_free(&d);
	free(abuf);
	json_decref(args);
	free(good);
	free(bad);
	free(env);
	tn_warrant_free(tw);
}
END_TEST

/*
 * Windows: offsets 0, -1, +1, -2, +2 ... bounded by max_windows / 2; a
 * signature from window k verifies at `now` only when |k| fits.
 */
START_TEST(test_pop_window_tolerance)
{
	uint8_t seed[32] = { 7 }, sk[64], pk[32], id[16] = { 1, 2, 3 };
	uint8_t sig[64];
	const int64_t now = 1700000015;	/* window 1700000010 */
	struct {
		int64_t	 signed_at;
		unsigned windows;
		int	 ok;
	} c[] = {
		{ now, 2, 1 },
		{ now - 30, 2, 1 },	/* -1 */
		{ now + 30, 2, 0 },	/* +1 not tried with 2 */
		{ now + 30, 3, 1 },
		{ now - 60, 3, 0 },
		{ now - 60, 4, 1 },	/* -2 */
		{ now + 60, 4, 0 },	/* +2 skipped with 4 */
		{ now + 60, 5, 1 },
		{ now - 90, 5, 0 },
		{ now - 150, 10, 1 },	/* -5 is the 10th window */
		{ now + 120, 10, 1 },
		{ now + 150, 10, 0 },	/* +5 would be the 11th */
		{ now - 180, 10, 0 },
	};
	int64_t win;

	tu_sk_from_seed(seed, sk, pk);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		ck_assert_int_eq(tn_pop_sign(sk, id, "t", 1, NULL, c[i].signed_at,
		    sig, NULL), TN_OK);
		ck_assert_msg((tn_pop_verify(pk, id, "t", 1, NULL, sig, now,
		    c[i].windows, &win, NULL) == TN_OK) == c[i].ok,
		    "case %zu", i);
		if (c[i].ok)
			ck_assert_int_eq(win, c[i].signed_at / 30 * 30);
	}
	ck_assert_int_eq(tn_pop_verify(pk, id, "t", 1, NULL, sig, now, 1,
	    NULL, NULL), TN_ERR_INVALID_ARG);
	ck_assert_int_eq(tn_pop_verify(pk, id, "t", 1, NULL, sig, now, 11,
	    NULL, NULL), TN_ERR_INVALID_ARG);
}
END_TEST

/* Arguments are re-encoded canonically: f64 1.5 signs like f16 1.5. */
START_TEST(test_pop_args_canonical)
{
	uint8_t seed[32] = { 9 }, sk[64], pk[32], id[16] = { 0 }, sig[64];
	size_t n1, n2;
	/* {"b": 1.5 (f64), "a": {"y": 1, "x": 2}} vs sorted, shortest */
	uint8_t *p1 = tu_unhex("a26162fb3ff80000000000006161a2617901617802", &n1);
	uint8_t *p2;
	struct tn_cbor_doc d1, d2;

	p2 = tu_unhex("a26161a26178026179016162f93e00", &n2);
	tu_sk_from_seed(seed, sk, pk);
	ck_assert_int_eq(tn_cbor_decode(p1, n1, NULL, &d1, NULL), TN_OK);
	ck_assert_int_eq(tn_cbor_decode(p2, n2, NULL, &d2, NULL), TN_OK);
	ck_assert_int_eq(tn_pop_sign(sk, id, "t", 1, &d1.items[0], 100, sig,
	    NULL), TN_OK);
	ck_assert_int_eq(tn_pop_verify(pk, id, "t", 1, &d2.items[0], sig, 100,
	    5, NULL, NULL), TN_OK);
	tn_cbor_doc_free(&d1);
	tn_cbor_doc_free(&d2);
	free(p1);
	free(p2);
}
END_TEST

START_TEST(test_pop_rejects_unsignable_args)
{
	uint8_t sk[64], pk[32], seed[32] = { 3 }, id[16] = { 0 }, sig[64];
	static const char *bad[] = {
		"a1616141ff",		/* bytes value */
		"a10101",		/* integer key */
		"a16161a10102",		/* nested object with integer key */
		"a161611bffffffffffffffff",	/* beyond i64 */
		"83010203",		/* not a map */
	};
	struct tn_error err;

	tu_sk_from_seed(seed, sk, pk);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n;
		uint8_t *p = tu_unhex(bad[i], &n);
		struct tn_cbor_doc d;

		ck_assert_int_eq(tn_cbor_decode(p, n, NULL, &d, NULL), TN_OK);
		ck_assert_msg(tn_pop_sign(sk, id, "t", 1, &d.items[0], 1, sig,
		    &err) == TN_ERR_MALFORMED, "%s", bad[i]);
		ck_assert_msg(tn_pop_verify(pk, id, "t", 1, &d.items[0], sig,
		    1, 5, NULL, NULL) == TN_ERR_MALFORMED, "%s", bad[i]);
		tn_cbor_doc_free(&d);
		free(p);
	}
	/* A tool name that is not UTF-8. */
	ck_assert_int_eq(tn_pop_sign(sk, id, "\xff", 1, NULL, 1, sig, NULL),
	    TN_ERR_MALFORMED);
}
END_TEST

static Suite *
pop_suite(void)
{
	Suite *s = suite_create("pop");
	TCase *v = tcase_create("vectors"), *w = tcase_create("windows");
	TCase *m = tcase_create("malformed");

	tcase_add_checked_fixture(v, setup, teardown);
	tcase_add_test(v, test_pop_canonical_fixture);
	tcase_add_test(v, test_pop_a6_errata);
	tcase_add_test(v, test_pop_a20_wrong_holder);
	tcase_add_test(w, test_pop_window_tolerance);
	tcase_add_test(w, test_pop_args_canonical);
	tcase_add_test(m, test_pop_rejects_unsignable_args);
	suite_add_tcase(s, v);
	suite_add_tcase(s, w);
	suite_add_tcase(s, m);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(pop_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
