/*
 * check_srl.c: signed revocation lists: vector A.22.b byte for byte, the
 * deployed SignedRevocationList form, signature and issuer checks,
 * rollback, id spellings, lookups, limits and hostile bytes.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "testutil.h"
#include "tn_crypto.h"
#include "tn_srl.h"

#define PREFIX	"tenuo-warrant-v1" "tenuo-srl-v1"

static json_t *V;
static uint8_t cp_sk[64], cp_pk[32], at_sk[64], at_pk[32];

static void
setup(void)
{
	uint8_t seed[32];

	ck_assert_int_eq(tn_crypto_init(), 0);
	V = tu_load_json(TU_VECTORS);
	ck_assert_int_eq(tu_role_seed(V, "Control Plane", seed), 0);
	tu_sk_from_seed(seed, cp_sk, cp_pk);
	ck_assert_int_eq(tu_role_seed(V, "Attacker", seed), 0);
	tu_sk_from_seed(seed, at_sk, at_pk);
}

static void
teardown(void)
{
	json_decref(V);
}

static json_t *
srl_rec(void)
{
	json_t *r = json_object_get(tu_vector(V, "A.22.b"), "srl");

	ck_assert_ptr_nonnull(r);
	return r;
}

/* Wraps payload bytes as an SRL signed by sk (over PREFIX || payload). */
static uint8_t *
seal(const uint8_t *pl, size_t n, int deployed, const uint8_t sk[64],
    const char *extra_key, size_t *outlen)
{
	struct tn_buf m, b;
	uint8_t sig[64], *out;

	tn_buf_init(&m, 1u << 24);
	tn_buf_put(&m, PREFIX, sizeof(PREFIX) - 1);
	tn_buf_put(&m, pl, n);
	ck_assert_int_eq(tn_ed25519_sign(sk, m.p, m.len, sig), 0);
	tn_buf_free(&m);
	tn_buf_init(&b, 1u << 24);
	tn_cbor_put_map(&b, extra_key != NULL ? 3 : 2);
	tn_cbor_put_cstr(&b, "payload");
	tn_buf_put(&b, pl, n);
	tn_cbor_put_cstr(&b, "signature");
	if (deployed) {
		tn_cbor_put_array(&b, 2);
		tn_cbor_put_uint(&b, 1);
	}
	tn_cbor_put_bytes(&b, sig, 64);
	if (extra_key != NULL) {
		tn_cbor_put_cstr(&b, extra_key);
		tn_cbor_put_cstr(&b, "ignored");
	}
	ck_assert_int_eq(tn_buf_take(&b, &out, outlen), 0);
	return out;
}

static void
put_issuer_spec(struct tn_buf *b, const uint8_t pk[32])
{
	tn_cbor_put_array(b, 32);
	for (int i = 0; i < 32; i++)
		tn_cbor_put_uint(b, pk[i]);
}

/* A deployed-form payload with issued_at written as the text ts. */
static uint8_t *
deployed_payload(const char *ts, size_t *n)
{
	struct tn_buf b;
	uint8_t *p;

	tn_buf_init(&b, 4096);
	tn_cbor_put_map(&b, 4);
	tn_cbor_put_cstr(&b, "revoked_ids");
	tn_cbor_put_array(&b, 1);
	tn_cbor_put_cstr(&b, "tnu_wrt_019471f8000070008000000000002201");
	tn_cbor_put_cstr(&b, "version");
	tn_cbor_put_uint(&b, 3);
	tn_cbor_put_cstr(&b, "issued_at");
	tn_cbor_put_cstr(&b, ts);
	tn_cbor_put_cstr(&b, "issuer");
	tn_pubkey_put(&b, cp_pk);
	ck_assert_int_eq(tn_buf_take(&b, &p, n), 0);
	return p;
}

static int
decode(const uint8_t *p, size_t n, uint64_t minv, struct tn_srl **out,
    struct tn_error *err)
{
	return tn_srl_decode(p, n, cp_pk, minv, out, err);
}

/* ------------------------------------------------------------ vectors */

START_TEST(test_srl_vector_reencode)
{
	json_t *r = srl_rec();
	size_t wn, n;
	uint8_t *want = tu_unhex(tu_str(r, "signed_srl_hex"), &wn), *out;
	uint8_t id[16];
	const char *idtext = "tnu_wrt_019471f8000070008000000000002201";

	ck_assert_int_eq(tn_srl_parse_id(idtext, strlen(idtext), id), 0);
	ck_assert_int_eq(tn_srl_encode((const uint8_t (*)[16])id, 1, 1,
	    1704067200, cp_sk, &out, &n, NULL), TN_OK);
	ck_assert_uint_eq(n, wn);
	ck_assert_mem_eq(out, want, wn);
	free(out);
	/* The general builder agrees. */
	ck_assert_int_eq(tn_srl_encode_text(TN_SRL_FORM_SPEC, &idtext, 1, 1,
	    1704067200, 0, cp_sk, &out, &n, NULL), TN_OK);
	ck_assert_uint_eq(n, wn);
	ck_assert_mem_eq(out, want, wn);
	free(out);
	free(want);
}
END_TEST

START_TEST(test_srl_vector_verifies)
{
	json_t *r = srl_rec();
	size_t n;
	uint8_t *p = tu_unhex(tu_str(r, "signed_srl_hex"), &n);
	struct tn_srl *srl = NULL;
	struct tn_error err;
	uint8_t id[16], other[16];

	ck_assert_int_eq(decode(p, n, 0, &srl, &err), TN_OK);
	ck_assert_ptr_nonnull(srl);
	ck_assert_uint_eq(srl->version, 1);
	ck_assert_uint_eq(srl->issued_at, 1704067200);
	ck_assert_int_eq(srl->form, TN_SRL_FORM_SPEC);
	ck_assert_mem_eq(srl->issuer, cp_pk, 32);
	ck_assert_uint_eq(srl->nids, 1);
	ck_assert_uint_eq(srl->nskipped, 0);
	ck_assert_int_eq(tn_srl_parse_id("019471f8000070008000000000002201",
	    32, id), 0);
	ck_assert_int_eq(tn_srl_is_revoked(srl, id), 1);
	memcpy(other, id, 16);
	other[15] ^= 1;
	ck_assert_int_eq(tn_srl_is_revoked(srl, other), 0);
	tn_srl_free(srl);
	free(p);
}
END_TEST

/* D8: the signed message carries both prefixes, over the raw payload. */
START_TEST(test_srl_vector_signed_message)
{
	json_t *r = srl_rec();
	size_t pn, sn;
	uint8_t *pl = tu_unhex(tu_str(r, "payload_hex"), &pn);
	uint8_t *sig = tu_unhex(tu_str(r, "signature_hex"), &sn);
	struct tn_buf m;

	ck_assert_uint_eq(sn, 64);
	tn_buf_init(&m, 4096);
	tn_buf_put(&m, PREFIX, sizeof(PREFIX) - 1);
	tn_buf_put(&m, pl, pn);
	ck_assert_int_eq(tn_ed25519_verify(cp_pk, m.p, m.len, sig), TN_OK);
	/* Without the outer "tenuo-warrant-v1" it does not verify. */
	ck_assert_int_ne(tn_ed25519_verify(cp_pk, m.p + 16, m.len - 16, sig),
	    TN_OK);
	tn_buf_free(&m);
	free(pl);
	free(sig);
}
END_TEST

/* ------------------------------------------------------------- keys */

START_TEST(test_srl_wrong_key)
{
	json_t *r = srl_rec();
	size_t n;
	uint8_t *p = tu_unhex(tu_str(r, "signed_srl_hex"), &n), *q;
	struct tn_srl *srl = (struct tn_srl *)1;
	struct tn_error err;
	uint8_t id[16] = { 1 };

	ck_assert_int_eq(tn_srl_decode(p, n, at_pk, 0, &srl, &err),
	    TN_ERR_SIGNATURE_INVALID);
	ck_assert_ptr_null(srl);
	free(p);
	/* A list the attacker signed, naming itself as issuer. */
	ck_assert_int_eq(tn_srl_encode((const uint8_t (*)[16])id, 1, 9, 1,
	    at_sk, &q, &n, NULL), TN_OK);
	ck_assert_int_eq(decode(q, n, 0, &srl, &err),
	    TN_ERR_SIGNATURE_INVALID);
	ck_assert_int_eq(tn_srl_decode(q, n, at_pk, 0, &srl, &err), TN_OK);
	tn_srl_free(srl);
	free(q);
}
END_TEST

/* Signed by the control plane but naming another issuer. */
START_TEST(test_srl_issuer_mismatch)
{
	struct tn_buf b;
	uint8_t *pl, *p;
	size_t pn, n;
	struct tn_srl *srl;
	struct tn_error err;

	tn_buf_init(&b, 4096);
	tn_cbor_put_map(&b, 4);
	tn_cbor_put_cstr(&b, "revoked_ids");
	tn_cbor_put_array(&b, 0);
	tn_cbor_put_cstr(&b, "version");
	tn_cbor_put_uint(&b, 1);
	tn_cbor_put_cstr(&b, "issued_at");
	tn_cbor_put_uint(&b, 1);
	tn_cbor_put_cstr(&b, "issuer");
	put_issuer_spec(&b, at_pk);
	ck_assert_int_eq(tn_buf_take(&b, &pl, &pn), 0);
	p = seal(pl, pn, 0, cp_sk, NULL, &n);
	ck_assert_int_eq(decode(p, n, 0, &srl, &err),
	    TN_ERR_SIGNATURE_INVALID);
	ck_assert_ptr_nonnull(strstr(err.reason, "issuer"));
	free(p);
	free(pl);
}
END_TEST

/* --------------------------------------------------------- tampering */

START_TEST(test_srl_bitflip_every_byte)
{
	json_t *r = srl_rec();
	size_t n;
	uint8_t *p = tu_unhex(tu_str(r, "signed_srl_hex"), &n);
	uint8_t *q = malloc(n);
	struct tn_srl *srl;

	ck_assert_ptr_nonnull(q);
	for (size_t i = 0; i < n; i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(q, p, n);
			q[i] ^= (uint8_t)(1u << bit);
			srl = NULL;
			ck_assert_msg(decode(q, n, 0, &srl, NULL) != TN_OK,
			    "flip at %zu bit %d accepted", i, bit);
			ck_assert_ptr_null(srl);
		}
	}
	free(q);
	free(p);
}
END_TEST

START_TEST(test_srl_truncation_every_offset)
{
	json_t *r = srl_rec();
	size_t n;
	uint8_t *p = tu_unhex(tu_str(r, "signed_srl_hex"), &n);
	struct tn_srl *srl;

	for (size_t i = 0; i < n; i++) {
		/* A fresh copy of exactly i bytes, so ASan sees overreads. */
		uint8_t *q = malloc(i ? i : 1);

		ck_assert_ptr_nonnull(q);
		memcpy(q, p, i);
		srl = NULL;
		ck_assert_msg(decode(q, i, 0, &srl, NULL) != TN_OK,
		    "truncation at %zu accepted", i);
		ck_assert_ptr_null(srl);
		free(q);
	}
	/* Trailing bytes are refused as well. */
	{
		uint8_t *q = malloc(n + 1);

		ck_assert_ptr_nonnull(q);
		memcpy(q, p, n);
		q[n] = 0;
		ck_assert_int_eq(decode(q, n + 1, 0, &srl, NULL),
		    TN_ERR_MALFORMED);
		free(q);
	}
	free(p);
}
END_TEST

/* ---------------------------------------------------------- rollback */

START_TEST(test_srl_rollback)
{
	uint8_t id[16] = { 0xab }, *p;
	size_t n;
	struct tn_srl *srl;
	struct tn_error err;

	ck_assert_int_eq(tn_srl_encode((const uint8_t (*)[16])id, 1, 7, 100,
	    cp_sk, &p, &n, NULL), TN_OK);
	ck_assert_int_eq(decode(p, n, 8, &srl, &err), TN_ERR_MALFORMED);
	ck_assert_ptr_null(srl);
	ck_assert_ptr_nonnull(strstr(err.reason, "rollback"));
	ck_assert_int_eq(decode(p, n, UINT64_MAX, &srl, &err),
	    TN_ERR_MALFORMED);
	ck_assert_int_eq(decode(p, n, 7, &srl, &err), TN_OK);	/* equal */
	ck_assert_uint_eq(srl->version, 7);
	tn_srl_free(srl);
	ck_assert_int_eq(decode(p, n, 0, &srl, &err), TN_OK);
	tn_srl_free(srl);
	free(p);
}
END_TEST

/* --------------------------------------------------------------- ids */

START_TEST(test_srl_id_formats)
{
	static const struct {
		const char *s;
		int ok;
	} cases[] = {
		{ "tnu_wrt_019471f8000070008000000000002201", 1 },
		{ "tnu_wrt_019471F8000070008000000000002201", 1 },
		{ "019471f8000070008000000000002201", 1 },
		{ "019471F8000070008000000000002201", 1 },
		{ "019471f8-0000-7000-8000-000000002201", 1 },
		{ "019471F8-0000-7000-8000-000000002201", 1 },
		{ "TNU_WRT_019471f8000070008000000000002201", 0 },
		{ "tnu_wrt_019471f8-0000-7000-8000-000000002201", 0 },
		{ "019471f8000070008000000000002201a", 0 },
		{ "019471f800007000800000000000220", 0 },
		{ "019471f800007000800000000000220g", 0 },
		{ "019471f80-000-7000-8000-000000002201", 0 },
		{ "019471f8-0000-7000-8000_000000002201", 0 },
		{ "019471f8-0000-7000-8000-00000000220 ", 0 },
		{ "tnu_wrt_", 0 },
		{ "", 0 },
		{ "tnu_wrt_compromised_1", 0 },
	};
	uint8_t want[16], got[16], zero[16] = { 0 };

	ck_assert_int_eq(tn_srl_parse_id(cases[0].s, strlen(cases[0].s),
	    want), 0);
	ck_assert_uint_eq(want[0], 0x01);
	ck_assert_uint_eq(want[15], 0x01);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = tn_srl_parse_id(cases[i].s, strlen(cases[i].s), got);

		ck_assert_msg((rc == 0) == cases[i].ok, "%s", cases[i].s);
		ck_assert_mem_eq(got, cases[i].ok ? want : zero, 16);
	}
	ck_assert_int_eq(tn_srl_parse_id(NULL, 32, got), -1);
}
END_TEST

/* A signed list mixing spellings, duplicates and junk entries. */
START_TEST(test_srl_id_formats_in_list)
{
	static const char *const ids[] = {
		"tnu_wrt_00000000000000000000000000000003",
		"00000000000000000000000000000001",
		"00000000-0000-0000-0000-000000000002",
		"tnu_wrt_00000000000000000000000000000001",	/* dup */
		"TNU_WRT_00000000000000000000000000000009",	/* junk */
		"tnu_wrt_compromised_1",			/* junk */
		"0000000000000000000000000000000A",
	};
	uint8_t *p, id[16] = { 0 };
	size_t n;
	struct tn_srl *srl;
	struct tn_error err;

	ck_assert_int_eq(tn_srl_encode_text(TN_SRL_FORM_SPEC, ids, 7, 2, 5,
	    0, cp_sk, &p, &n, NULL), TN_OK);
	ck_assert_int_eq(decode(p, n, 0, &srl, &err), TN_OK);
	ck_assert_uint_eq(srl->nids, 4);
	ck_assert_uint_eq(srl->nskipped, 2);
	for (uint8_t v = 0; v < 12; v++) {
		id[15] = v;
		ck_assert_int_eq(tn_srl_is_revoked(srl, id),
		    v == 1 || v == 2 || v == 3 || v == 10);
	}
	/* Sorted and unique. */
	for (size_t i = 1; i < srl->nids; i++)
		ck_assert_int_lt(memcmp(srl->ids[i - 1], srl->ids[i], 16), 0);
	tn_srl_free(srl);
	free(p);
}
END_TEST

START_TEST(test_srl_is_revoked)
{
	enum { N = 2000 };
	uint8_t (*ids)[16] = calloc(N, 16), id[16], *p;
	size_t n;
	struct tn_srl *srl;

	ck_assert_ptr_nonnull(ids);
	/* Ids in a scrambled order: v = i * 7919 mod 2^16, spread out. */
	for (uint32_t i = 0; i < N; i++) {
		uint32_t v = (i * 7919u) & 0xffffu;

		ids[i][0] = (uint8_t)(v >> 8);
		ids[i][7] = (uint8_t)v;
		ids[i][15] = 0x5a;
	}
	ck_assert_int_eq(tn_srl_encode((const uint8_t (*)[16])ids, N, 1, 1,
	    cp_sk, &p, &n, NULL), TN_OK);
	ck_assert_int_eq(decode(p, n, 0, &srl, NULL), TN_OK);
	ck_assert_uint_eq(srl->nids, N);
	for (uint32_t i = 0; i < N; i++) {
		ck_assert_int_eq(tn_srl_is_revoked(srl, ids[i]), 1);
		memcpy(id, ids[i], 16);
		id[15] = 0x5b;
		ck_assert_int_eq(tn_srl_is_revoked(srl, id), 0);
	}
	memset(id, 0, 16);
	ck_assert_int_eq(tn_srl_is_revoked(srl, id), 0);
	ck_assert_int_eq(tn_srl_is_revoked(NULL, id), 0);
	ck_assert_int_eq(tn_srl_is_revoked(srl, NULL), 0);
	tn_srl_free(srl);
	free(p);
	free(ids);
}
END_TEST

START_TEST(test_srl_empty_list)
{
	uint8_t *p, id[16] = { 0 };
	size_t n;
	struct tn_srl *srl;

	ck_assert_int_eq(tn_srl_encode(NULL, 0, 0, 0, cp_sk, &p, &n, NULL),
	    TN_OK);
	ck_assert_int_eq(decode(p, n, 0, &srl, NULL), TN_OK);
	ck_assert_uint_eq(srl->nids, 0);
	ck_assert_int_eq(tn_srl_is_revoked(srl, id), 0);
	tn_srl_free(srl);
	free(p);
}
END_TEST

/* ---------------------------------------------------- deployed form */

START_TEST(test_srl_deployed_form)
{
	static const struct {
		uint32_t nanos;
		const char *text;
	} cases[] = {
		{ 0, "2024-01-01T00:00:00Z" },
		{ 123000000, "2024-01-01T00:00:00.123Z" },
		{ 123456000, "2024-01-01T00:00:00.123456Z" },
		{ 123456789, "2024-01-01T00:00:00.123456789Z" },
		{ 1000, "2024-01-01T00:00:00.000001Z" },
		{ 1, "2024-01-01T00:00:00.000000001Z" },
	};
	const char *ids[] = { "tnu_wrt_019471f8000070008000000000002201" };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *p, *pl;
		size_t n, pn;
		struct tn_srl *srl;
		struct tn_error err;

		ck_assert_int_eq(tn_srl_encode_text(TN_SRL_FORM_DEPLOYED, ids,
		    1, 3, 1704067200, cases[i].nanos, cp_sk, &p, &n, &err),
		    TN_OK);
		/* The encoder writes exactly chrono's text. */
		pl = deployed_payload(cases[i].text, &pn);
		ck_assert_ptr_nonnull(memmem(p, n, pl, pn));
		free(pl);
		ck_assert_int_eq(decode(p, n, 3, &srl, &err), TN_OK);
		ck_assert_int_eq(srl->form, TN_SRL_FORM_DEPLOYED);
		ck_assert_uint_eq(srl->issued_at, 1704067200);
		ck_assert_uint_eq(srl->issued_at_nanos, cases[i].nanos);
		ck_assert_uint_eq(srl->nids, 1);
		tn_srl_free(srl);
		free(p);
	}
}
END_TEST

START_TEST(test_srl_deployed_dates)
{
	static const struct {
		const char *text;
		uint64_t secs;
	} ok[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2000-02-29T23:59:59Z", 951868799 },
		{ "2024-12-31T12:30:45Z", 1735648245 },
		{ "9999-12-31T23:59:59Z", 253402300799ull },
	};
	static const char *const bad[] = {
		"2024-01-01T00:00:00.000Z",		/* zero fraction */
		"2024-01-01T00:00:00.100000Z",		/* not shortest */
		"2024-01-01T00:00:00.123000000Z",
		"2024-01-01T00:00:00.1Z",
		"2024-01-01T00:00:00.1234Z",
		"2024-01-01T00:00:00+00:00",
		"2024-01-01T00:00:00z",
		"2024-01-01t00:00:00Z",
		"2024-01-01 00:00:00Z",
		"2023-02-29T00:00:00Z",
		"1900-02-29T00:00:00Z",
		"2024-13-01T00:00:00Z",
		"2024-00-01T00:00:00Z",
		"2024-04-31T00:00:00Z",
		"2024-01-01T24:00:00Z",
		"2024-01-01T00:60:00Z",
		"2024-01-01T00:00:60Z",
		"1969-12-31T23:59:59Z",
		"+2024-01-01T00:00:00Z",
		"2024-01-01T00:00:00",
		"",
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		size_t pn, n;
		uint8_t *pl = deployed_payload(ok[i].text, &pn);
		uint8_t *p = seal(pl, pn, 1, cp_sk, NULL, &n);
		struct tn_srl *srl;
		struct tn_error err;

		ck_assert_msg(decode(p, n, 0, &srl, &err) == TN_OK, "%s: %s",
		    ok[i].text, err.reason);
		ck_assert_uint_eq(srl->issued_at, ok[i].secs);
		tn_srl_free(srl);
		free(p);
		free(pl);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t pn, n;
		uint8_t *pl = deployed_payload(bad[i], &pn);
		uint8_t *p = seal(pl, pn, 1, cp_sk, NULL, &n);
		struct tn_srl *srl;

		ck_assert_msg(decode(p, n, 0, &srl, NULL) == TN_ERR_MALFORMED,
		    "%s accepted", bad[i]);
		free(p);
		free(pl);
	}
}
END_TEST

/* The payload must match the signature's form; layout is fixed. */
START_TEST(test_srl_layout)
{
	size_t pn, n;
	uint8_t *pl, *p;
	struct tn_buf b;
	struct tn_srl *srl;
	struct tn_error err;

	/* Deployed payload under a spec-form signature, and vice versa. */
	pl = deployed_payload("2024-01-01T00:00:00Z", &pn);
	p = seal(pl, pn, 0, cp_sk, NULL, &n);
	ck_assert_int_eq(decode(p, n, 0, &srl, &err), TN_ERR_MALFORMED);
	free(p);
	/* Same payload, deployed signature, unknown outer key: accepted. */
	p = seal(pl, pn, 1, cp_sk, "lookup_cache", &n);
	ck_assert_int_eq(decode(p, n, 0, &srl, &err), TN_OK);
	tn_srl_free(srl);
	free(p);
	free(pl);

	/* Keys out of order. */
	tn_buf_init(&b, 4096);
	tn_cbor_put_map(&b, 4);
	tn_cbor_put_cstr(&b, "version");
	tn_cbor_put_uint(&b, 1);
	tn_cbor_put_cstr(&b, "revoked_ids");
	tn_cbor_put_array(&b, 0);
	tn_cbor_put_cstr(&b, "issued_at");
	tn_cbor_put_uint(&b, 1);
	tn_cbor_put_cstr(&b, "issuer");
	put_issuer_spec(&b, cp_pk);
	ck_assert_int_eq(tn_buf_take(&b, &pl, &pn), 0);
	p = seal(pl, pn, 0, cp_sk, NULL, &n);
	ck_assert_int_eq(decode(p, n, 0, &srl, &err), TN_ERR_MALFORMED);
	free(p);
	free(pl);

	/* An extra payload key. */
	tn_buf_init(&b, 4096);
	tn_cbor_put_map(&b, 5);
	tn_cbor_put_cstr(&b, "revoked_ids");
	tn_cbor_put_array(&b, 0);
	tn_cbor_put_cstr(&b, "version");
	tn_cbor_put_uint(&b, 1);
	tn_cbor_put_cstr(&b, "issued_at");
	tn_cbor_put_uint(&b, 1);
	tn_cbor_put_cstr(&b, "issuer");
	put_issuer_spec(&b, cp_pk);
	tn_cbor_put_cstr(&b, "extra");
	tn_cbor_put_uint(&b, 1);
	ck_assert_int_eq(tn_buf_take(&b, &pl, &pn), 0);
	p = seal(pl, pn, 0, cp_sk, NULL, &n);
	ck_assert_int_eq(decode(p, n, 0, &srl, &err), TN_ERR_MALFORMED);
	free(p);
	free(pl);

	/* A non-text revoked id, a negative version, a short issuer. */
	for (int k = 0; k < 3; k++) {
		tn_buf_init(&b, 4096);
		tn_cbor_put_map(&b, 4);
		tn_cbor_put_cstr(&b, "revoked_ids");
		tn_cbor_put_array(&b, 1);
		if (k == 0)
			tn_cbor_put_bytes(&b, (const uint8_t *)"x", 1);
		else
			tn_cbor_put_cstr(&b, "x");
		tn_cbor_put_cstr(&b, "version");
		tn_cbor_put_int(&b, k == 1 ? -1 : 1);
		tn_cbor_put_cstr(&b, "issued_at");
		tn_cbor_put_uint(&b, 1);
		tn_cbor_put_cstr(&b, "issuer");
		if (k == 2) {
			tn_cbor_put_array(&b, 31);
			for (int i = 0; i < 31; i++)
				tn_cbor_put_uint(&b, cp_pk[i]);
		} else
			put_issuer_spec(&b, cp_pk);
		ck_assert_int_eq(tn_buf_take(&b, &pl, &pn), 0);
		p = seal(pl, pn, 0, cp_sk, NULL, &n);
		ck_assert_int_eq(decode(p, n, 0, &srl, &err),
		    TN_ERR_MALFORMED);
		free(p);
		free(pl);
	}
}
END_TEST

/* ------------------------------------------------------------ limits */

/* A spec payload with cnt empty-string ids. */
static uint8_t *
many_empty(size_t cnt, size_t *n)
{
	struct tn_buf b;
	uint8_t *pl, *p;
	size_t pn;

	tn_buf_init(&b, 1u << 24);
	tn_cbor_put_map(&b, 4);
	tn_cbor_put_cstr(&b, "revoked_ids");
	tn_cbor_put_array(&b, cnt);
	for (size_t i = 0; i < cnt; i++)
		tn_cbor_put_cstr(&b, "");
	tn_cbor_put_cstr(&b, "version");
	tn_cbor_put_uint(&b, 1);
	tn_cbor_put_cstr(&b, "issued_at");
	tn_cbor_put_uint(&b, 1);
	tn_cbor_put_cstr(&b, "issuer");
	put_issuer_spec(&b, cp_pk);
	ck_assert_int_eq(tn_buf_take(&b, &pl, &pn), 0);
	p = seal(pl, pn, 0, cp_sk, NULL, n);
	free(pl);
	return p;
}

START_TEST(test_srl_limits)
{
	static const char *const empty = "";
	size_t n;
	uint8_t *p;
	struct tn_srl *srl;
	struct tn_error err;

	p = many_empty(TN_MAX_SRL_IDS, &n);
	ck_assert_int_eq(decode(p, n, 0, &srl, &err), TN_OK);
	ck_assert_uint_eq(srl->nids, 0);
	ck_assert_uint_eq(srl->nskipped, TN_MAX_SRL_IDS);
	tn_srl_free(srl);
	free(p);
	p = many_empty(TN_MAX_SRL_IDS + 1, &n);
	ck_assert_int_eq(decode(p, n, 0, &srl, &err), TN_ERR_MALFORMED);
	ck_assert_ptr_null(srl);
	free(p);
	/* Byte cap, checked before decoding. */
	p = calloc(1, TN_MAX_SRL_BYTES + 1);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(decode(p, TN_MAX_SRL_BYTES + 1, 0, &srl, &err),
	    TN_ERR_MALFORMED);
	free(p);
	/* The builder refuses too many ids before reading any. */
	ck_assert_int_eq(tn_srl_encode_text(TN_SRL_FORM_SPEC, &empty,
	    TN_MAX_SRL_IDS + 1, 1, 1, 0, cp_sk, &p, &n, NULL),
	    TN_ERR_MALFORMED);
	ck_assert_ptr_null(p);
}
END_TEST

START_TEST(test_srl_bad_args)
{
	uint8_t *p = (uint8_t *)1, x = 0xa0;
	size_t n = 1;
	struct tn_srl *srl;
	const char *bad = "\xff";

	ck_assert_int_eq(tn_srl_decode(&x, 1, NULL, 0, &srl, NULL),
	    TN_ERR_INVALID_ARG);
	ck_assert_int_eq(tn_srl_decode(&x, 1, cp_pk, 0, NULL, NULL),
	    TN_ERR_INVALID_ARG);
	ck_assert_int_eq(tn_srl_decode(NULL, 0, cp_pk, 0, &srl, NULL),
	    TN_ERR_MALFORMED);
	ck_assert_int_eq(tn_srl_decode(&x, 1, cp_pk, 0, &srl, NULL),
	    TN_ERR_MALFORMED);
	ck_assert_int_eq(tn_srl_encode(NULL, 1, 1, 1, cp_sk, &p, &n, NULL),
	    TN_ERR_INVALID_ARG);
	ck_assert_ptr_null(p);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(tn_srl_encode_text(TN_SRL_FORM_SPEC, &bad, 1, 1, 1,
	    0, cp_sk, &p, &n, NULL), TN_ERR_INVALID_ARG);
	ck_assert_int_eq(tn_srl_encode_text(TN_SRL_FORM_DEPLOYED, NULL, 0, 1,
	    253402300800ull, 0, cp_sk, &p, &n, NULL), TN_ERR_INVALID_ARG);
	ck_assert_int_eq(tn_srl_encode_text(TN_SRL_FORM_DEPLOYED, NULL, 0, 1,
	    1, 1000000000u, cp_sk, &p, &n, NULL), TN_ERR_INVALID_ARG);
	ck_assert_int_eq(tn_srl_encode_text((enum tn_srl_form)7, NULL, 0, 1,
	    1, 0, cp_sk, &p, &n, NULL), TN_ERR_INVALID_ARG);
	tn_srl_free(NULL);
}
END_TEST

static Suite *
srl_suite(void)
{
	Suite *s = suite_create("srl");
	TCase *v = tcase_create("vectors"), *m = tcase_create("malformed");
	TCase *i = tcase_create("ids"), *d = tcase_create("deployed");
	TCase *l = tcase_create("limits");

	tcase_add_checked_fixture(v, setup, teardown);
	tcase_add_checked_fixture(m, setup, teardown);
	tcase_add_checked_fixture(i, setup, teardown);
	tcase_add_checked_fixture(d, setup, teardown);
	tcase_add_checked_fixture(l, setup, teardown);
	tcase_set_timeout(m, 60);
	tcase_set_timeout(l, 120);
	tcase_add_test(v, test_srl_vector_reencode);
	tcase_add_test(v, test_srl_vector_verifies);
	tcase_add_test(v, test_srl_vector_signed_message);
	tcase_add_test(m, test_srl_wrong_key);
	tcase_add_test(m, test_srl_issuer_mismatch);
	tcase_add_test(m, test_srl_bitflip_every_byte);
	tcase_add_test(m, test_srl_truncation_every_offset);
	tcase_add_test(m, test_srl_rollback);
	tcase_add_test(m, test_srl_layout);
	tcase_add_test(m, test_srl_bad_args);
	tcase_add_test(i, test_srl_id_formats);
	tcase_add_test(i, test_srl_id_formats_in_list);
	tcase_add_test(i, test_srl_is_revoked);
	tcase_add_test(i, test_srl_empty_list);
	tcase_add_test(d, test_srl_deployed_form);
	tcase_add_test(d, test_srl_deployed_dates);
	tcase_add_test(l, test_srl_limits);
	suite_add_tcase(s, v);
	suite_add_tcase(s, m);
	suite_add_tcase(s, i);
	suite_add_tcase(s, d);
	suite_add_tcase(s, l);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(srl_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
