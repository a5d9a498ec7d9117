/*
 * check_cbor.c: the strict CBOR decoder and the deterministic encoder.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "testutil.h"
#include "tn_cbor.h"

static int
decode_hex(const char *hex, const struct tn_cbor_limits *lim,
    struct tn_error *err)
{
	size_t n;
	uint8_t *p = tu_unhex(hex, &n);
	struct tn_cbor_doc d;
	int rc = tn_cbor_decode(p, n, lim, &d, err);

	tn_cbor_doc_free(&d);
	free(p);
	return rc;
}

static char *
enc_float_hex(double v)
{
	static char out[32];
	struct tn_buf b;

	tn_buf_init(&b, 64);
	tn_cbor_put_float(&b, v);
	ck_assert_int_eq(tn_buf_status(&b), TN_OK);
	for (size_t i = 0; i < b.len; i++)
		snprintf(out + 2 * i, 3, "%02x", b.p[i]);
	tn_buf_free(&b);
	return out;
}

START_TEST(test_cbor_valid_items)
{
	static const char *ok[] = {
		"00", "17", "1818", "19ffff", "1a00010000", "1b0000000100000000",
		"20", "3818", "40", "4401020304", "60", "6449455446",
		"80", "83010203", "a0", "a201020304", "f4", "f5", "f6",
		"f93c00", "fa47c35000", "fb3ff199999999999a",
		"a26161016162820203", "c3a5c3a4" /* not decoded here */,
	};

	for (size_t i = 0; i + 1 < sizeof(ok) / sizeof(ok[0]); i++)
		ck_assert_msg(decode_hex(ok[i], NULL, NULL) == TN_OK, "%s",
		    ok[i]);
}
END_TEST

START_TEST(test_cbor_rejects_non_minimal_heads)
{
	static const char *bad[] = {
		"1817", "190017", "1900ff", "1a0000ffff", "1b00000000ffffffff",
		"3817", "5800", "5801ff" /* 1-byte len < 24 */, "7800",
		"9800", "b800", "39000a",
	};
	struct tn_error err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(decode_hex(bad[i], NULL, &err) ==
		    TN_ERR_MALFORMED, "%s accepted", bad[i]);
	}
	ck_assert_ptr_nonnull(strstr(err.reason, "non-minimal"));
}
END_TEST

START_TEST(test_cbor_rejects_indefinite_tags_simple)
{
	static const char *bad[] = {
		"5f4101ff", "7f6161ff", "9f01ff", "bf0101ff", /* indefinite */
		"c11a514b67b0", "c249010000000000000000", "d818420102", /* tags */
		"f0", "f7", "f820", "ff", "1c", "1d", "1e", /* simple/reserved */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(decode_hex(bad[i], NULL, NULL) == TN_ERR_MALFORMED,
		    "%s accepted", bad[i]);
}
END_TEST

START_TEST(test_cbor_rejects_duplicate_keys)
{
	struct tn_error err;

	/* Spec vector A.9.3: {0: 1, 0: 2}. */
	ck_assert_int_eq(decode_hex("a200010002", NULL, &err),
	    TN_ERR_MALFORMED);
	ck_assert_ptr_nonnull(strstr(err.reason, "duplicate"));
	ck_assert_int_eq(decode_hex("a3616101616202616103", NULL, NULL),
	    TN_ERR_MALFORMED);
	/* Same key nested in different maps is fine. */
	ck_assert_int_eq(decode_hex("a20aa1000101a10001", NULL, NULL), TN_OK);
}
END_TEST

START_TEST(test_cbor_rejects_truncated_and_trailing)
{
	size_t n;
	uint8_t *p = tu_unhex("a26161820102616283f5f6fa47c35000", &n);
	struct tn_cbor_doc d;

	for (size_t cut = 0; cut < n; cut++) {
		ck_assert_int_eq(tn_cbor_decode(p, cut, NULL, &d, NULL),
		    TN_ERR_MALFORMED);
		ck_assert_ptr_null(d.items);
	}
	ck_assert_int_eq(tn_cbor_decode(p, n, NULL, &d, NULL), TN_OK);
	tn_cbor_doc_free(&d);
	free(p);
	ck_assert_int_eq(decode_hex("0000", NULL, NULL), TN_ERR_MALFORMED);
	/* A huge declared length with no bytes behind it. */
	ck_assert_int_eq(decode_hex("5bffffffffffffffff", NULL, NULL),
	    TN_ERR_MALFORMED);
	ck_assert_int_eq(decode_hex("9bffffffffffffffff", NULL, NULL),
	    TN_ERR_MALFORMED);
}
END_TEST

START_TEST(test_cbor_rejects_invalid_utf8)
{
	static const char *bad[] = {
		"61ff", "62c328", "63e28228", "62c0af" /* overlong */,
		"63eda080" /* surrogate */, "64f4908080" /* > U+10FFFF */,
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(decode_hex(bad[i], NULL, NULL) == TN_ERR_MALFORMED,
		    "%s accepted", bad[i]);
	ck_assert_int_eq(decode_hex("62c3a9", NULL, NULL), TN_OK);
	ck_assert_int_eq(decode_hex("64f09f9880", NULL, NULL), TN_OK);
}
END_TEST

/* Nesting limit: depth N is accepted, N + 1 refused. */
START_TEST(test_cbor_depth_limit)
{
	struct tn_cbor_limits lim = { 1024, 8, 1024 };
	uint8_t buf[16];
	struct tn_cbor_doc d;

	memset(buf, 0x81, sizeof(buf));
	buf[8] = 0x00;	/* 8 nested arrays around 0: depth 8 + leaf */
	ck_assert_int_eq(tn_cbor_decode(buf, 9, &lim, &d, NULL), TN_OK);
	ck_assert_uint_eq(d.nitems, 9);
	tn_cbor_doc_free(&d);
	memset(buf, 0x81, sizeof(buf));
	buf[9] = 0x00;
	ck_assert_int_eq(tn_cbor_decode(buf, 10, &lim, &d, NULL),
	    TN_ERR_MALFORMED);
}
END_TEST

START_TEST(test_cbor_item_and_size_limits)
{
	struct tn_cbor_limits lim = { 8, 4, 4 };
	struct tn_cbor_doc d;
	uint8_t three[] = { 0x83, 1, 2, 3 }, four[] = { 0x84, 1, 2, 3, 4 };
	uint8_t nine[9] = { 0x48 };

	ck_assert_int_eq(tn_cbor_decode(three, sizeof(three), &lim, &d, NULL),
	    TN_OK);
	tn_cbor_doc_free(&d);
	ck_assert_int_eq(tn_cbor_decode(four, sizeof(four), &lim, &d, NULL),
	    TN_ERR_MALFORMED);
	ck_assert_int_eq(tn_cbor_decode(nine, 8, &lim, &d, NULL),
	    TN_ERR_MALFORMED);	/* truncated */
	ck_assert_int_eq(tn_cbor_decode(nine, 9, &lim, &d, NULL),
	    TN_ERR_MALFORMED);	/* over max_bytes */
}
END_TEST

START_TEST(test_cbor_navigation)
{
	size_t n;
	uint8_t *p = tu_unhex("a3616182010261620a0c63787878", &n);
	struct tn_cbor_doc d;
	const struct tn_cbor_item *m, *a;
	int64_t i;

	ck_assert_int_eq(tn_cbor_decode(p, n, NULL, &d, NULL), TN_OK);
	m = &d.items[0];
	a = tn_cbor_map_get(m, "a");
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(a->type, TN_CBOR_ARRAY);
	ck_assert_int_eq(tn_cbor_get_i64(tn_cbor_array_at(a, 1), &i), 0);
	ck_assert_int_eq(i, 2);
	ck_assert_ptr_null(tn_cbor_array_at(a, 2));
	ck_assert_int_eq(tn_cbor_get_i64(tn_cbor_map_get(m, "b"), &i), 0);
	ck_assert_int_eq(i, 10);
	ck_assert_ptr_null(tn_cbor_map_get(m, "zz"));
	ck_assert_ptr_null(tn_cbor_map_get_uint(m, 10));
	ck_assert(tn_cbor_text_eq(tn_cbor_map_get_uint(m, 12), "xxx"));
	ck_assert(!tn_cbor_text_eq(tn_cbor_map_get_uint(m, 12), "xx"));
	tn_cbor_doc_free(&d);
	free(p);
}
END_TEST

START_TEST(test_cbor_float_shortest_form)
{
	/* As ciborium writes them (errata D5). */
	ck_assert_str_eq(enc_float_hex(0.5), "f93800");
	ck_assert_str_eq(enc_float_hex(0.0), "f90000");
	ck_assert_str_eq(enc_float_hex(-0.0), "f98000");
	ck_assert_str_eq(enc_float_hex(1.0), "f93c00");
	ck_assert_str_eq(enc_float_hex(65504.0), "f97bff");
	ck_assert_str_eq(enc_float_hex(65536.0), "fa47800000");
	ck_assert_str_eq(enc_float_hex(100000.0), "fa47c35000");
	ck_assert_str_eq(enc_float_hex(5.960464477539063e-8), "f90001");
	ck_assert_str_eq(enc_float_hex(1.1), "fb3ff199999999999a");
	ck_assert_str_eq(enc_float_hex(3.4028234663852886e38), "fa7f7fffff");
	ck_assert_str_eq(enc_float_hex(INFINITY), "f97c00");
	ck_assert_str_eq(enc_float_hex(-INFINITY), "f9fc00");
	ck_assert_str_eq(enc_float_hex(NAN), "f97e00");
	ck_assert_str_eq(enc_float_hex(1e300), "fb7e37e43c8800759c");
}
END_TEST

START_TEST(test_cbor_float_round_trip)
{
	static const double v[] = { 0.5, 1.5, -2.75, 1e-7, 123456.789,
		6.103515625e-05, 1e38, -1e-300, 50.0, 150.0 };
	struct tn_cbor_doc d;
	struct tn_buf b;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		tn_buf_init(&b, 64);
		tn_cbor_put_float(&b, v[i]);
		ck_assert_int_eq(tn_cbor_decode(b.p, b.len, NULL, &d, NULL),
		    TN_OK);
		ck_assert_int_eq(d.items[0].type, TN_CBOR_FLOAT);
		ck_assert(d.items[0].v.f == v[i]);
		tn_cbor_doc_free(&d);
		tn_buf_free(&b);
	}
}
END_TEST

START_TEST(test_cbor_encoder_integers)
{
	struct tn_buf b;
	uint8_t *out;
	size_t n;
	static const uint8_t want[] = {
		0x00, 0x17, 0x18, 0x18, 0x19, 0x01, 0x00, 0x1a, 0x00, 0x01,
		0x00, 0x00, 0x1b, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
		0x00, 0x20, 0x38, 0x63, 0x3b, 0x7f, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff,
	};

	tn_buf_init(&b, 256);
	tn_cbor_put_uint(&b, 0);
	tn_cbor_put_uint(&b, 23);
	tn_cbor_put_uint(&b, 24);
	tn_cbor_put_uint(&b, 256);
	tn_cbor_put_uint(&b, 65536);
	tn_cbor_put_uint(&b, 4294967296u);
	tn_cbor_put_int(&b, -1);
	tn_cbor_put_int(&b, -100);
	tn_cbor_put_int(&b, INT64_MIN);
	ck_assert_int_eq(tn_buf_take(&b, &out, &n), TN_OK);
	ck_assert_uint_eq(n, sizeof(want));
	ck_assert_mem_eq(out, want, n);
	free(out);
}
END_TEST

START_TEST(test_cbor_buffer_cap_is_sticky)
{
	struct tn_buf b;
	uint8_t *out;
	size_t n;

	tn_buf_init(&b, 4);
	tn_cbor_put_text(&b, "abc", 3);
	ck_assert_int_eq(tn_buf_status(&b), TN_OK);
	tn_cbor_put_uint(&b, 1);
	ck_assert_int_eq(tn_buf_status(&b), TN_ERR_MALFORMED);
	tn_cbor_put_uint(&b, 1);
	ck_assert_int_eq(tn_buf_take(&b, &out, &n), TN_ERR_MALFORMED);
	ck_assert_ptr_null(out);
}
END_TEST

START_TEST(test_cbor_value_eq_is_typed)
{
	size_t n;
	/* ["100", 100, 1, 1.0 (f16), 1.0 (f64), h'01', "\x01", [1], {"a":1}] */
	uint8_t *p;
	struct tn_cbor_doc d;
	const struct tn_cbor_item *a;

	p = tu_unhex("8963313030186401f93c00fb3ff0000000000000410161018101"
	    "a1616101", &n);
	ck_assert_int_eq(tn_cbor_decode(p, n, NULL, &d, NULL), TN_OK);
	a = &d.items[0];
	ck_assert(!tn_cbor_value_eq(tn_cbor_array_at(a, 0),
	    tn_cbor_array_at(a, 1)));	/* "100" vs 100 */
	ck_assert(!tn_cbor_value_eq(tn_cbor_array_at(a, 2),
	    tn_cbor_array_at(a, 3)));	/* 1 vs 1.0 */
	ck_assert(tn_cbor_value_eq(tn_cbor_array_at(a, 3),
	    tn_cbor_array_at(a, 4)));	/* 1.0 f16 vs f64 */
	ck_assert(!tn_cbor_value_eq(tn_cbor_array_at(a, 5),
	    tn_cbor_array_at(a, 6)));	/* bytes vs text */
	ck_assert(tn_cbor_value_eq(tn_cbor_array_at(a, 7),
	    tn_cbor_array_at(a, 7)));
	ck_assert(!tn_cbor_value_eq(tn_cbor_array_at(a, 7),
	    tn_cbor_array_at(a, 8)));
	tn_cbor_doc_free(&d);
	free(p);
}
END_TEST

START_TEST(test_cbor_canonical_sorts_and_shortens)
{
	size_t n;
	/* {"b": 1.0 as f64, "a": [0.5 as f32]} */
	uint8_t *p;
	struct tn_cbor_doc d;
	struct tn_buf b;
	static const uint8_t want[] = { 0xa2, 0x61, 0x61, 0x81, 0xf9, 0x38,
		0x00, 0x61, 0x62, 0xf9, 0x3c, 0x00 };

	p = tu_unhex("a26162fb3ff0000000000000616181fa3f000000", &n);
	ck_assert_int_eq(tn_cbor_decode(p, n, NULL, &d, NULL), TN_OK);
	tn_buf_init(&b, 256);
	ck_assert_int_eq(tn_cbor_put_canonical(&b, &d.items[0], 8), TN_OK);
	ck_assert_uint_eq(b.len, sizeof(want));
	ck_assert_mem_eq(b.p, want, sizeof(want));
	tn_buf_free(&b);
	/* Depth bound. */
	tn_buf_init(&b, 256);
	ck_assert_int_ne(tn_cbor_put_canonical(&b, &d.items[0], 2), TN_OK);
	tn_buf_free(&b);
	tn_cbor_doc_free(&d);
	free(p);
}
END_TEST

/* Every byte of a valid document flipped: never a crash, never a leak. */
START_TEST(test_cbor_byte_flips)
{
	size_t n;
	uint8_t *p = tu_unhex("a3616182f93800fa47c3500061626464617461"
	    "6163a26178f561794101", &n);
	struct tn_cbor_doc d;

	for (size_t i = 0; i < n; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			p[i] ^= (uint8_t)(1u << bit);
			if (tn_cbor_decode(p, n, NULL, &d, NULL) == TN_OK)
				tn_cbor_doc_free(&d);
			p[i] ^= (uint8_t)(1u << bit);
		}
	}
	ck_assert_int_eq(tn_cbor_decode(p, n, NULL, &d, NULL), TN_OK);
	tn_cbor_doc_free(&d);
	free(p);
}
END_TEST

static Suite *
cbor_suite(void)
{
	Suite *s = suite_create("cbor");
	TCase *v = tcase_create("valid"), *m = tcase_create("malformed");
	TCase *l = tcase_create("limits"), *e = tcase_create("encode");

	tcase_add_test(v, test_cbor_valid_items);
	tcase_add_test(v, test_cbor_navigation);
	tcase_add_test(v, test_cbor_value_eq_is_typed);
	tcase_add_test(m, test_cbor_rejects_non_minimal_heads);
	tcase_add_test(m, test_cbor_rejects_indefinite_tags_simple);
	tcase_add_test(m, test_cbor_rejects_duplicate_keys);
	tcase_add_test(m, test_cbor_rejects_truncated_and_trailing);
	tcase_add_test(m, test_cbor_rejects_invalid_utf8);
	tcase_add_test(m, test_cbor_byte_flips);
	tcase_add_test(l, test_cbor_depth_limit);
	tcase_add_test(l, test_cbor_item_and_size_limits);
	tcase_add_test(e, test_cbor_float_shortest_form);
	tcase_add_test(e, test_cbor_float_round_trip);
	tcase_add_test(e, test_cbor_encoder_integers);
	tcase_add_test(e, test_cbor_buffer_cap_is_sticky);
	tcase_add_test(e, test_cbor_canonical_sorts_and_shortens);
	suite_add_tcase(s, v);
	suite_add_tcase(s, m);
	suite_add_tcase(s, l);
	suite_add_tcase(s, e);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(cbor_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
