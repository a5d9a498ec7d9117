/*
 * check_args.c: Temporal payloads + x-tenuo-arg-keys -> the PoP argument
 * map, against what Tenuo's Python signer builds (tenuo-python/tenuo/
 * temporal/_pop.py _normalize_pop_arg_value, _interceptors.py
 * _extract_arguments, tenuo-core py_to_constraint_value; cases from
 * tests/unit/test_temporal_normalize_pop_args.py and the integration
 * reference §3b/§3c).  Expected texts were produced by CPython's
 * json.dumps; expected numbers are written as hex floats.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "testutil.h"
#include "tn_args.h"
#include "tn_codec.h"
#include "tn_crypto.h"
#include "tn_json.h"
#include "tn_pop.h"
#include "tn_warrant.h"

#define JSONP	"json/plain"

static struct tn_args_payload
jp(const char *data)
{
	struct tn_args_payload p = {
		(const uint8_t *)JSONP, strlen(JSONP),
		(const uint8_t *)data, strlen(data)
	};

	return p;
}

static struct tn_args_payload
enc(const char *encoding, const void *data, size_t n)
{
	struct tn_args_payload p = {
		(const uint8_t *)encoding, encoding ? strlen(encoding) : 0,
		(const uint8_t *)data, n
	};

	return p;
}

/* Normalizes one payload named "x"; returns the code, err filled. */
static int
norm1(struct tn_args_payload p, struct tn_args *a, struct tn_error *err)
{
	tn_error_clear(err);
	return tn_args_normalize(&p, 1, (const uint8_t *)"x", 1, NULL, a,
	    err);
}

/* The encoded value of "x" in a. */
static const struct tn_cbor_item *
val_x(const struct tn_args *a)
{
	const struct tn_cbor_item *v;

	ck_assert_uint_eq(a->nargs, 1);
	v = tn_cbor_map_get(&a->doc.items[0], "x");
	ck_assert_ptr_nonnull(v);
	return v;
}

/* Asserts one json/plain payload normalizes to exactly the CBOR in want. */
static void
expect_cbor(const char *json, const struct tn_buf *want)
{
	struct tn_args a;
	struct tn_error err;
	const struct tn_cbor_item *v;

	ck_assert_msg(norm1(jp(json), &a, &err) == TN_OK, "%s: %s", json,
	    err.reason);
	v = val_x(&a);
	ck_assert_msg(v->len == want->len &&
	    memcmp(a.cbor + v->off, want->p, want->len) == 0,
	    "%s: value differs", json);
	tn_args_free(&a);
}

static void
expect_text(const char *json, const char *text)
{
	struct tn_buf b;

	tn_buf_init(&b, 1u << 20);
	tn_cbor_put_text(&b, text, strlen(text));
	expect_cbor(json, &b);
	tn_buf_free(&b);
}

static void
expect_int(const char *json, int64_t v)
{
	struct tn_buf b;

	tn_buf_init(&b, 64);
	tn_cbor_put_int(&b, v);
	expect_cbor(json, &b);
	tn_buf_free(&b);
}

static void
expect_float(const char *json, double v)
{
	struct tn_buf b;

	tn_buf_init(&b, 64);
	tn_cbor_put_float(&b, v);
	expect_cbor(json, &b);
	tn_buf_free(&b);
}

static void
expect_hex(const char *json, const char *hex)
{
	struct tn_buf b;
	uint8_t *raw;
	size_t n;

	raw = tu_unhex(hex, &n);
	tn_buf_init(&b, 1024);
	tn_buf_put(&b, raw, n);
	expect_cbor(json, &b);
	tn_buf_free(&b);
	free(raw);
}

/* Asserts a refusal whose reason contains `why`. */
static void
expect_refused(struct tn_args_payload p, const char *why)
{
	struct tn_args a;
	struct tn_error err;
	int rc = norm1(p, &a, &err);

	ck_assert_msg(rc == TN_ERR_MALFORMED, "accepted (%d), wanted: %s", rc,
	    why);
	ck_assert_msg(strstr(err.reason, why) != NULL, "reason \"%s\" lacks "
	    "\"%s\"", err.reason, why);
	ck_assert_ptr_null(a.cbor);
	ck_assert_uint_eq(a.nargs, 0);
}

/* ---------------------------------------------------------- scalars */

START_TEST(test_args_strings)
{
	expect_text("\"/data/a.txt\"", "/data/a.txt");
	expect_text("\"\"", "");
	expect_text(" \"padded\"\r\n\t", "padded");
	/* escapes decoded; NUL is a legal string character */
	expect_text("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"",
	    "a\"b\\c/d\b\f\n\r\t");
	{
		struct tn_buf b;

		tn_buf_init(&b, 64);
		tn_cbor_put_text(&b, "a\0b", 3);
		expect_cbor("\"a\\u0000b\"", &b);
		tn_buf_free(&b);
	}
}
END_TEST

START_TEST(test_args_ints_small)
{
	expect_int("42", 42);
	expect_int("-7", -7);
	expect_int("0", 0);
	expect_int("-0", 0);		/* Python: int("-0") == 0 */
	expect_int("9000000000", 9000000000);
	expect_hex("23", "17");
	expect_hex("24", "1818");
	expect_hex("-1", "20");
}
END_TEST

/* Beyond 2^53 an int is still an int while it fits i64 (no rounding). */
START_TEST(test_args_ints_beyond_2_53)
{
	expect_int("9007199254740993", 9007199254740993LL);
	expect_int("9223372036854775807", INT64_MAX);
	expect_int("-9223372036854775808", INT64_MIN);
	expect_hex("9223372036854775807", "1b7fffffffffffffff");
}
END_TEST

/*
 * Outside i64, py_to_constraint_value takes f64 (Python float(int),
 * correctly rounded), and CBOR writes its shortest exact width; past the
 * double range the signer raises OverflowError.
 */
START_TEST(test_args_ints_beyond_2_63)
{
	char big[420];

	expect_float("9223372036854775808", 0x1p63);
	expect_hex("9223372036854775808", "fa5f000000");
	expect_float("-9223372036854775809", -0x1p63);
	expect_float("18446744073709551617", 0x1p64);
	expect_float("123456789012345678901234567890",
	    0x1.8ee90ff6c373ep+96);
	/* 2^1024 - 2^970 rounds up to 2^1024: overflow */
	memset(big, '9', 400);
	big[400] = '\0';
	expect_refused(jp(big), "OverflowError");
	/* 4300 digits is Python's limit for int(str) */
	{
		char *d = malloc(4302);

		ck_assert_ptr_nonnull(d);
		memset(d, '1', 4301);
		d[4301] = '\0';
		expect_refused(jp(d), "more digits than Python");
		free(d);
	}
}
END_TEST

START_TEST(test_args_floats)
{
	expect_float("0.1", 0.1);
	expect_hex("0.1", "fb3fb999999999999a");
	expect_float("1e100", 1e100);
	expect_hex("-0.0", "f98000");
	expect_hex("1.0", "f93c00");		/* float: f16 */
	expect_hex("1", "01");			/* int */
	expect_hex("0.5", "f93800");		/* as the Tenuo fixture has it */
	expect_float("1E5", 100000.0);
	expect_float("2.5e-3", 0.0025);
	expect_float("123456.789e3", 123456789.0);
	expect_float("5e-324", 0x1p-1074);
	expect_float("1e400", INFINITY);	/* Python float('1e400') */
	expect_float("-1e400", -INFINITY);
	expect_hex("1e-400", "f90000");
	expect_hex("NaN", "f97e00");
	expect_hex("Infinity", "f97c00");
	expect_hex("-Infinity", "f9fc00");
	/* a long mantissa is rounded once, correctly */
	expect_float("0.30000000000000000000000000000000000000001", 0.3);
	expect_float("9007199254740993.0", 9007199254740992.0);
}
END_TEST

START_TEST(test_args_booleans_and_null)
{
	expect_hex("true", "f5");
	expect_hex("false", "f4");
	expect_refused(jp("null"), "None");
	expect_refused(enc("binary/null", "", 0), "None");
}
END_TEST

/* ---------------------------------------------------------- lists */

START_TEST(test_args_lists)
{
	struct tn_buf b;

	tn_buf_init(&b, 1024);
	tn_cbor_put_array(&b, 4);
	tn_cbor_put_int(&b, 1);
	tn_cbor_put_cstr(&b, "a");
	tn_cbor_put_bool(&b, 1);
	tn_cbor_put_float(&b, 1.5);
	expect_cbor("[1,\"a\",true,1.5]", &b);
	tn_buf_reset(&b);
	tn_cbor_put_array(&b, 0);
	expect_cbor("[]", &b);
	tn_buf_reset(&b);
	/* an int beyond i64 inside a list is a float too */
	tn_cbor_put_array(&b, 2);
	tn_cbor_put_float(&b, 0x1p64);
	tn_cbor_put_int(&b, -1);
	expect_cbor("[18446744073709551616,-1]", &b);
	tn_buf_reset(&b);
	/* [{"b":1,"a":2}] -> ['{"a": 2, "b": 1}'] (normalize_pop_args test) */
	tn_cbor_put_array(&b, 2);
	tn_cbor_put_cstr(&b, "{\"a\": 2, \"b\": 1}");
	tn_cbor_put_cstr(&b, "s");
	expect_cbor("[{\"b\":1,\"a\":2},\"s\"]", &b);
	tn_buf_reset(&b);
	/* [[[{"a":1}]]] -> ['[["{\"a\": 1}"]]'] */
	tn_cbor_put_array(&b, 1);
	tn_cbor_put_cstr(&b, "[[\"{\\\"a\\\": 1}\"]]");
	expect_cbor("[[[{\"a\":1}]]]", &b);
	tn_buf_free(&b);

	/* a list inside a list: the whole list becomes json.dumps text */
	expect_text("[[1,2],[3]]", "[[1, 2], [3]]");
	expect_text("[[]]", "[[]]");
	expect_text("[[null]]", "[[null]]");	/* None inside text is fine */
	expect_text("[1,[2.0,\"x\"],true]", "[1, [2.0, \"x\"], true]");
	/* an object in a list in a list: text escaped twice */
	expect_text("[[{\"a\":\"x\\\"y\"}]]",
	    "[[\"{\\\"a\\\": \\\"x\\\\\\\"y\\\"}\"]]");
	/* every two list levels escape the inner text once more */
	expect_text("[[[[[[\"a\\\"b\"]]]]]]",
	    "[[\"[[\\\"[[\\\\\\\"a\\\\\\\\\\\\\\\"b\\\\\\\"]]\\\"]]\"]]");
	expect_text("[[{\"k\":\"\\\\\"}],[1]]",
	    "[[\"{\\\"k\\\": \\\"\\\\\\\\\\\"}\"], [1]]");
	/* None in a list that stays a list cannot be signed */
	expect_refused(jp("[1,null]"), "None");
}
END_TEST

/* Tenuo refuses list elements nested in more than 32 lists. */
START_TEST(test_args_list_depth)
{
	char s[200];
	size_t k = 0;

	/* 32 lists around a scalar: the scalar is at depth 32, fine */
	for (int i = 0; i < 32; i++)
		s[k++] = '[';
	s[k++] = '1';
	for (int i = 0; i < 32; i++)
		s[k++] = ']';
	s[k] = '\0';
	{
		struct tn_args a;
		struct tn_error err;

		ck_assert_msg(norm1(jp(s), &a, &err) == TN_OK, "%s",
		    err.reason);
		tn_args_free(&a);
	}
	/* 33 lists: depth 33 */
	k = 0;
	for (int i = 0; i < 33; i++)
		s[k++] = '[';
	s[k++] = '1';
	for (int i = 0; i < 33; i++)
		s[k++] = ']';
	s[k] = '\0';
	expect_refused(jp(s), "nested deeper than 32");
	/* 33 empty lists: the innermost has no elements to check */
	k = 0;
	for (int i = 0; i < 33; i++)
		s[k++] = '[';
	for (int i = 0; i < 33; i++)
		s[k++] = ']';
	s[k] = '\0';
	{
		struct tn_args a;
		struct tn_error err;

		ck_assert_msg(norm1(jp(s), &a, &err) == TN_OK, "%s",
		    err.reason);
		tn_args_free(&a);
	}
}
END_TEST

/* ---------------------------------------------------------- objects */

START_TEST(test_args_objects)
{
	expect_text("{\"a\":2,\"b\":1}", "{\"a\": 2, \"b\": 1}");
	/* sort_keys: a payload from another encoder is put in order */
	expect_text("{\"b\":1,\"a\":2}", "{\"a\": 2, \"b\": 1}");
	expect_text("{}", "{}");
	/* nested objects sorted at every level, arrays as they are */
	expect_text("{\"z\":{\"y\":[3,{\"q\":1,\"p\":null}],\"x\":true},"
	    "\"a\":\"s\"}",
	    "{\"a\": \"s\", \"z\": {\"x\": true, \"y\": [3, {\"p\": null, "
	    "\"q\": 1}]}}");
	/* code point order: "B" < "a" < "é" < "中" */
	expect_text("{\"\\u4e2d\":1,\"\\u00e9\":2,\"a\":3,\"B\":4}",
	    "{\"B\": 4, \"a\": 3, \"\xc3\xa9\": 2, \"\xe4\xb8\xad\": 1}");
	/* a dict with int keys was sorted numerically: kept */
	expect_text("{\"1\":\"a\",\"2\":\"b\",\"10\":\"c\"}",
	    "{\"1\": \"a\", \"2\": \"b\", \"10\": \"c\"}");
	expect_text("{\"-5\":0,\"-1\":0,\"3\":0}",
	    "{\"-5\": 0, \"-1\": 0, \"3\": 0}");
	/* a dataclass as Temporal encodes it (asdict, sorted) */
	expect_text("{\"amount\":1500.0,\"applicant\":\"Ada\","
	    "\"tags\":[\"a\",\"b\"]}",
	    "{\"amount\": 1500.0, \"applicant\": \"Ada\", "
	    "\"tags\": [\"a\", \"b\"]}");
}
END_TEST

/* json.loads keeps a repeated key at its first place, with the last value. */
START_TEST(test_args_object_duplicate_keys)
{
	expect_text("{\"a\":1,\"a\":2,\"b\":3}", "{\"a\": 2, \"b\": 3}");
	expect_text("{\"b\":1,\"a\":2,\"b\":3}", "{\"a\": 2, \"b\": 3}");
	expect_text("{\"2\":1,\"10\":2,\"2\":3}", "{\"2\": 3, \"10\": 2}");
	expect_text("{\"a\":{\"x\":1},\"a\":[1]}", "{\"a\": [1]}");
}
END_TEST

/* Numbers inside text: int repr and float repr, as json.dumps writes. */
START_TEST(test_args_object_numbers)
{
	expect_text("{\"f\":[1.0,1e16,1e-7,0.1,-0.0,1e100,100000.0,1.5e300,"
	    "NaN,Infinity,-Infinity,12345678901234567890]}",
	    "{\"f\": [1.0, 1e+16, 1e-07, 0.1, -0.0, 1e+100, 100000.0, "
	    "1.5e+300, NaN, Infinity, -Infinity, 12345678901234567890]}");
	expect_text("{\"a\":-0,\"b\":1E5,\"c\":5e-324,\"d\":0.0001,"
	    "\"e\":0.00001,\"f\":1e15,\"g\":123456789012345678.0}",
	    "{\"a\": 0, \"b\": 100000.0, \"c\": 5e-324, \"d\": 0.0001, "
	    "\"e\": 1e-05, \"f\": 1000000000000000.0, "
	    "\"g\": 1.2345678901234568e+17}");
	expect_text("[[0.3,2.2250738585072014e-308,1e22,1e23]]",
	    "[[0.3, 2.2250738585072014e-308, 1e+22, 1e+23]]");
}
END_TEST

START_TEST(test_args_float_repr)
{
	static const struct {
		double		v;
		const char	*s;
	} t[] = {
		{ 0.0, "0.0" }, { -0.0, "-0.0" }, { 1.0, "1.0" },
		{ 0.1, "0.1" }, { 2.0 / 3.0, "0.6666666666666666" },
		{ 1e16, "1e+16" }, { 1e15, "1000000000000000.0" },
		{ 1e-4, "0.0001" }, { 1e-5, "1e-05" }, { 1.5e-7, "1.5e-07" },
		{ 0x1p-1074, "5e-324" }, { 0x1p-1022,
		"2.2250738585072014e-308" }, { 0x1.fffffffffffffp+1023,
		"1.7976931348623157e+308" }, { 9007199254740992.0,
		"9007199254740992.0" }, { 0x1p63, "9.223372036854776e+18" },
		{ 1e23, "1e+23" }, { 123.456, "123.456" },
	};
	char out[TN_JSON_FLOAT_REPR_MAX];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_uint_eq(tn_json_float_repr(t[i].v, out),
		    strlen(t[i].s));
		ck_assert_str_eq(out, t[i].s);
	}
	/* every power of two round-trips through its shortest repr */
	for (int e = -1074; e <= 1023; e++) {
		double v = ldexp(1.0, e);

		(void)tn_json_float_repr(v, out);
		ck_assert_msg(strtod(out, NULL) == v, "2^%d: %s", e, out);
	}
}
END_TEST

/* ---------------------------------------------------------- unicode */

START_TEST(test_args_unicode)
{
	/* Temporal writes ensure_ascii=True; the signer had the str */
	expect_text("\"caf\\u00e9\"", "caf\xc3\xa9");
	expect_text("\"caf\xc3\xa9\"", "caf\xc3\xa9");
	expect_text("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80");
	expect_text("\"\\uD83D\\uDE00\"", "\xf0\x9f\x98\x80");
	/* in text: ensure_ascii=False, only " \\ and controls escaped */
	expect_text("{\"e\":\"\\u00e9\",\"t\":\"\\t\\u0001\\u007f\\u2028\","
	    "\"s\":\"\\ud83d\\ude00\",\"q\":\"\\\"\\\\/\"}",
	    "{\"e\": \"\xc3\xa9\", \"q\": \"\\\"\\\\/\", "
	    "\"s\": \"\xf0\x9f\x98\x80\", \"t\": \"\\t\\u0001\x7f"
	    "\xe2\x80\xa8\"}");
	expect_text("{\"c\":\"\\u001f\\u000b\\b\\f\\n\\r\"}",
	    "{\"c\": \"\\u001f\\u000b\\b\\f\\n\\r\"}");
	/* a UTF-8 BOM is skipped, as json.loads(bytes) does */
	expect_text("\xef\xbb\xbf\"x\"", "x");
}
END_TEST

START_TEST(test_args_invalid_surrogates)
{
	expect_refused(jp("\"\\ud800\""), "surrogate");
	expect_refused(jp("\"\\udc00\""), "surrogate");
	expect_refused(jp("\"\\ud800\\u0041\""), "surrogate");
	expect_refused(jp("\"\\ude00\\ud83d\""), "surrogate");
	expect_refused(jp("{\"k\":\"\\ud83d\"}"), "surrogate");
	/* surrogates encoded in UTF-8 (CESU) and other invalid UTF-8 */
	expect_refused(jp("\"\xed\xa0\x80\""), "UTF-8");
	expect_refused(jp("\"\xc3\x28\""), "UTF-8");
	expect_refused(jp("\"\xc0\xaf\""), "UTF-8");
}
END_TEST

/* ---------------------------------------------------------- JSON syntax */

START_TEST(test_args_json_syntax)
{
	static const char *bad[] = {
		"", " ", "01", "-", "1.", ".5", "+1", "1e", "1e+", "'a'",
		"[1,]", "{\"a\":1,}", "{\"a\"}", "{a:1}", "[1 2]", "1 2",
		"\"abc", "\"a\x01\"", "\"\\x\"", "\"\\u12\"", "\"\\u12G4\"",
		"nul", "True", "nan", "-NaN", "Infinity1", "[", "{",
		"\"a\"]", "\x00", "[1]x", "-01", "0x10",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_refused(jp(bad[i]), "invalid JSON");
	/* a NUL byte inside the data */
	expect_refused(enc(JSONP, "\"a\"\0", 4), "invalid JSON");
}
END_TEST

/* ---------------------------------------------------------- binary */

START_TEST(test_args_binary)
{
	static const uint8_t raw[] = { 0x00, 0x01, 0x02, 0xff };
	struct tn_args a;
	struct tn_error err;
	struct tn_buf b;
	const struct tn_cbor_item *v;

	ck_assert_int_eq(norm1(enc("binary/plain", raw, sizeof(raw)), &a,
	    &err), TN_OK);
	ck_assert(tn_cbor_text_eq(val_x(&a), "AAEC/w=="));
	tn_args_free(&a);
	ck_assert_int_eq(norm1(enc("binary/plain", "hi", 2), &a, &err),
	    TN_OK);
	ck_assert(tn_cbor_text_eq(val_x(&a), "aGk="));
	tn_args_free(&a);
	ck_assert_int_eq(norm1(enc("binary/plain", NULL, 0), &a, &err),
	    TN_OK);
	v = val_x(&a);
	tn_buf_init(&b, 16);
	tn_cbor_put_text(&b, "", 0);
	ck_assert_uint_eq(v->len, b.len);
	ck_assert_mem_eq(a.cbor + v->off, b.p, b.len);
	tn_buf_free(&b);
	tn_args_free(&a);
}
END_TEST

/* ---------------------------------------------------------- names */

static struct tn_args
args_n(const struct tn_args_payload *p, size_t n, const char *keys)
{
	struct tn_args a;
	struct tn_error err;

	ck_assert_msg(tn_args_normalize(p, n, (const uint8_t *)keys,
	    keys ? strlen(keys) : 0, NULL, &a, &err) == TN_OK, "%s",
	    err.reason);
	return a;
}

static void
assert_keys(const struct tn_args *a, const char *const *names, size_t n)
{
	const struct tn_cbor_item *m = &a->doc.items[0], *k;

	ck_assert_uint_eq(m->count, n);
	ck_assert_uint_eq(a->nargs, n);
	k = m + 1;
	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(tn_cbor_text_eq(k, names[i]), "key %zu", i);
		k = tn_cbor_next(tn_cbor_next(k));
	}
}

START_TEST(test_args_positional_keys)
{
	struct tn_args_payload p[3] = { jp("\"/data/a\""), jp("100"),
	    jp("true") };
	struct tn_args a;

	a = args_n(p, 3, "path,limit,follow");
	{
		static const char *const k[] = { "follow", "limit", "path" };

		assert_keys(&a, k, 3);
		ck_assert(tn_cbor_text_eq(tn_cbor_map_get(&a.doc.items[0],
		    "path"), "/data/a"));
	}
	tn_args_free(&a);
	/* more payloads than keys: arg<i> beyond */
	a = args_n(p, 3, "path");
	{
		static const char *const k[] = { "arg1", "arg2", "path" };

		assert_keys(&a, k, 3);
	}
	tn_args_free(&a);
	/* more keys than payloads: the extra names are ignored */
	a = args_n(p, 1, "path,limit,follow");
	{
		static const char *const k[] = { "path" };

		assert_keys(&a, k, 1);
	}
	tn_args_free(&a);
	/* no header: arg0, arg1, ... */
	a = args_n(p, 3, NULL);
	{
		static const char *const k[] = { "arg0", "arg1", "arg2" };

		assert_keys(&a, k, 3);
	}
	tn_args_free(&a);
	/* "".split(",") == [""]: the first payload is named "" */
	a = args_n(p, 2, "");
	{
		static const char *const k[] = { "", "arg1" };

		assert_keys(&a, k, 2);
	}
	tn_args_free(&a);
	/* no payloads: the empty map, whatever the header */
	a = args_n(p, 0, "");
	ck_assert_uint_eq(a.len, 1);
	ck_assert_uint_eq(a.cbor[0], 0xa0);
	tn_args_free(&a);
	/* keys sorted by bytes: "B" < "a" < "b" < "é" */
	a = args_n(p, 3, "\xc3\xa9,b,B");
	{
		static const char *const k[] = { "B", "b", "\xc3\xa9" };

		assert_keys(&a, k, 3);
	}
	tn_args_free(&a);
}
END_TEST

/* A Python dict: a name given twice keeps the later payload. */
START_TEST(test_args_repeated_names)
{
	struct tn_args_payload p[2] = { jp("1"), jp("2") };
	struct tn_args a;
	int64_t v;

	a = args_n(p, 2, "a,a");
	ck_assert_uint_eq(a.nargs, 1);
	ck_assert_int_eq(tn_cbor_get_i64(tn_cbor_map_get(&a.doc.items[0], "a"),
	    &v), 0);
	ck_assert_int_eq(v, 2);
	tn_args_free(&a);
	/* a parameter named arg1 and a second positional (arg1 again) */
	a = args_n(p, 2, "arg1");
	ck_assert_uint_eq(a.nargs, 1);
	ck_assert_int_eq(tn_cbor_get_i64(tn_cbor_map_get(&a.doc.items[0],
	    "arg1"), &v), 0);
	ck_assert_int_eq(v, 2);
	tn_args_free(&a);
}
END_TEST

START_TEST(test_args_bad_header)
{
	struct tn_args_payload p = jp("1");
	struct tn_args a;
	struct tn_error err;

	ck_assert_int_eq(tn_args_normalize(&p, 1, (const uint8_t *)"\xff", 1,
	    NULL, &a, &err), TN_ERR_MALFORMED);
	ck_assert_ptr_nonnull(strstr(err.reason, "UTF-8"));
}
END_TEST

/* ---------------------------------------------------------- encodings */

START_TEST(test_args_unknown_encodings)
{
	expect_refused(enc(NULL, "1", 1), "no encoding");
	expect_refused(enc("binary/encrypted", "x", 1), "encrypted");
	expect_refused(enc("binary/zlib", "x", 1), "compressed");
	expect_refused(enc("binary/snappy", "x", 1), "compressed");
	expect_refused(enc("json/protobuf", "{}", 2), "protobuf");
	expect_refused(enc("binary/protobuf", "", 0), "protobuf");
	expect_refused(enc("JSON/PLAIN", "1", 1), "\"JSON/PLAIN\"");
	expect_refused(enc("json/plain ", "1", 1), "(unprintable)");
	expect_refused(enc("\x01", "1", 1), "(unprintable)");
	expect_refused(enc("", "1", 1), "(unprintable)");
	/* one bad payload among good ones refuses the task */
	{
		struct tn_args_payload p[2] = { jp("1"),
		    enc("binary/encrypted", "x", 1) };
		struct tn_args a;
		struct tn_error err;

		ck_assert_int_eq(tn_args_normalize(p, 2, NULL, 0, NULL, &a,
		    &err), TN_ERR_MALFORMED);
		ck_assert_ptr_nonnull(strstr(err.reason, "argument 1"));
	}
}
END_TEST

/* ---------------------------------------------------------- limits */

START_TEST(test_args_limits)
{
	struct tn_args_limits lim;
	struct tn_args a;
	struct tn_error err;
	struct tn_args_payload p[3] = { jp("1"), jp("2"), jp("3") };
	char deep[512];
	size_t k = 0;

	tn_args_limits_default(&lim);
	/* payload count: N ok, N+1 refused */
	lim.max_payloads = 3;
	ck_assert_int_eq(tn_args_normalize(p, 3, NULL, 0, &lim, &a, &err),
	    TN_OK);
	tn_args_free(&a);
	lim.max_payloads = 2;
	ck_assert_int_eq(tn_args_normalize(p, 3, NULL, 0, &lim, &a, &err),
	    TN_ERR_MALFORMED);
	ck_assert_ptr_nonnull(strstr(err.reason, "payloads exceed"));
	/* payload bytes */
	tn_args_limits_default(&lim);
	lim.max_payload_bytes = 5;
	p[0] = jp("12345");
	ck_assert_int_eq(tn_args_normalize(p, 1, NULL, 0, &lim, &a, &err),
	    TN_OK);
	tn_args_free(&a);
	p[0] = jp("123456");
	ck_assert_int_eq(tn_args_normalize(p, 1, NULL, 0, &lim, &a, &err),
	    TN_ERR_MALFORMED);
	ck_assert_ptr_nonnull(strstr(err.reason, "exceeds the limit"));
	/* total bytes */
	tn_args_limits_default(&lim);
	lim.max_total_bytes = 3;
	p[0] = jp("12");
	p[1] = jp("3");
	ck_assert_int_eq(tn_args_normalize(p, 2, NULL, 0, &lim, &a, &err),
	    TN_OK);
	tn_args_free(&a);
	p[1] = jp("34");
	ck_assert_int_eq(tn_args_normalize(p, 2, NULL, 0, &lim, &a, &err),
	    TN_ERR_MALFORMED);
	/* JSON depth: objects 4 deep with max_depth 4, then 5 */
	tn_args_limits_default(&lim);
	lim.max_depth = 4;
	p[0] = jp("{\"a\":{\"a\":{\"a\":{}}}}");
	ck_assert_int_eq(tn_args_normalize(p, 1, NULL, 0, &lim, &a, &err),
	    TN_OK);
	tn_args_free(&a);
	p[0] = jp("{\"a\":{\"a\":{\"a\":{\"a\":{}}}}}");
	ck_assert_int_eq(tn_args_normalize(p, 1, NULL, 0, &lim, &a, &err),
	    TN_ERR_MALFORMED);
	ck_assert_ptr_nonnull(strstr(err.reason, "nesting"));
	/* the default depth (64) holds objects nested 64 deep */
	for (int i = 0; i < 63; i++) {
		memcpy(deep + k, "{\"a\":", 5);
		k += 5;
	}
	deep[k++] = '1';
	memset(deep + k, '}', 63);
	k += 63;
	deep[k] = '\0';
	ck_assert(k < sizeof(deep));
	{
		struct tn_args_payload q = jp(deep);

		ck_assert_int_eq(tn_args_normalize(&q, 1, NULL, 0, NULL, &a,
		    &err), TN_OK);
		tn_args_free(&a);
	}
	/* output: a text of 10 bytes fits a map under 16, not under 15 */
	tn_args_limits_default(&lim);
	p[0] = jp("{\"a\":1}");	/* text {"a": 1} = 8 bytes */
	lim.max_out_bytes = 16;
	ck_assert_int_eq(tn_args_normalize(p, 1, (const uint8_t *)"k", 1, &lim,
	    &a, &err), TN_OK);
	ck_assert_uint_eq(a.len, 1 + 2 + 9);
	tn_args_free(&a);
	lim.max_out_bytes = 11;
	ck_assert_int_eq(tn_args_normalize(p, 1, (const uint8_t *)"k", 1, &lim,
	    &a, &err), TN_ERR_MALFORMED);
	ck_assert_ptr_nonnull(strstr(err.reason, "exceed"));
	/* header bytes */
	tn_args_limits_default(&lim);
	lim.max_keys_bytes = 3;
	ck_assert_int_eq(tn_args_normalize(p, 1, (const uint8_t *)"abcd", 4,
	    &lim, &a, &err), TN_ERR_MALFORMED);
	ck_assert_int_eq(tn_args_normalize(p, 1, (const uint8_t *)"abc", 3,
	    &lim, &a, &err), TN_OK);
	tn_args_free(&a);
	/* misuse */
	ck_assert_int_eq(tn_args_normalize(NULL, 1, NULL, 0, NULL, &a, &err),
	    TN_ERR_INVALID_ARG);
	ck_assert_int_eq(tn_args_normalize(p, 1, NULL, 0, NULL, NULL, &err),
	    TN_ERR_INVALID_ARG);
}
END_TEST

/*
 * Escaping compounds with list nesting: every two list levels escape the
 * text inside once more, so 32 lists around 64 backslashes make a 4 MB
 * text in Python.  The output cap refuses it (Python would sign it).
 */
START_TEST(test_args_oversize_escaping)
{
	struct tn_buf in;
	struct tn_args_payload p;
	struct tn_args a;
	struct tn_error err;

	tn_buf_init(&in, 1u << 16);
	for (int i = 0; i < 32; i++)
		tn_buf_put(&in, "[", 1);
	tn_buf_put(&in, "\"", 1);
	for (int i = 0; i < 64; i++)
		tn_buf_put(&in, "\\\\", 2);
	tn_buf_put(&in, "\"", 1);
	for (int i = 0; i < 32; i++)
		tn_buf_put(&in, "]", 1);
	ck_assert_int_eq(tn_buf_status(&in), TN_OK);
	p = enc(JSONP, in.p, in.len);
	ck_assert_int_eq(norm1(p, &a, &err), TN_ERR_MALFORMED);
	ck_assert_ptr_nonnull(strstr(err.reason, "exceeds"));
	tn_buf_free(&in);
}
END_TEST

/* ---------------------------------------------------------- end to end */

/*
 * Tenuo's cross-language PoP fixture, reached through Temporal payloads:
 * each case's arguments as Temporal's JSON converter writes them
 * (compact, sorted keys, ASCII escapes), with x-tenuo-arg-keys, must give
 * the map Tenuo signed: the fixture's signatures, byte for byte.
 */
START_TEST(test_args_pop_fixture_via_payloads)
{
	json_t *P = tu_load_json(TU_POP_FIXTURE), *cases, *c;
	uint8_t seed[32], sk[64], pk[32], sig[64], *want, *wb;
	size_t i, n, seedlen;
	const char *hs = tu_str(P, "holder_priv_hex");

	ck_assert_int_eq(tn_crypto_init(), 0);
	ck_assert_int_eq(tn_hex_decode(hs, strlen(hs), seed, 32, &seedlen,
	    NULL), 0);
	tu_sk_from_seed(seed, sk, pk);
	cases = json_object_get(P, "cases");
	ck_assert_uint_eq(json_array_size(cases), 11);
	json_array_foreach(cases, i, c) {
		json_t *args = json_object_get(c, "args"), *v;
		const char *name, *tool = tu_str(c, "tool");
		const char *b64 = tu_str(c, "warrant_b64");
		struct tn_args_payload pl[16];
		char *data[16], keys[512];
		size_t np = 0, kl = 0;
		struct tn_warrant *w;
		struct tn_args a;
		struct tn_error err;

		keys[0] = '\0';
		json_object_foreach(args, name, v) {
			ck_assert_uint_lt(np, 16);
			data[np] = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS |
			    JSON_ENSURE_ASCII | JSON_ENCODE_ANY);
			ck_assert_ptr_nonnull(data[np]);
			pl[np] = jp(data[np]);
			kl += (size_t)snprintf(keys + kl, sizeof(keys) - kl,
			    "%s%s", np ? "," : "", name);
			np++;
		}
		ck_assert_int_eq(tn_b64_decode(b64, strlen(b64), TN_B64_URL,
		    TN_MAX_WARRANT_BYTES, &wb, &n, &err), 0);
		ck_assert_int_eq(tn_warrant_decode(wb, n, &w, &err), TN_OK);
		ck_assert_msg(tn_args_normalize(pl, np, (const uint8_t *)keys,
		    kl, NULL, &a, &err) == TN_OK, "%s: %s", tu_str(c, "name"),
		    err.reason);
		ck_assert_int_eq(tn_pop_sign(sk, w->id, tool, strlen(tool),
		    &a.doc.items[0], json_integer_value(json_object_get(c,
		    "timestamp")), sig, &err), TN_OK);
		want = tu_unhex(tu_str(c, "expected_signature_hex"), &n);
		ck_assert_msg(n == 64 && memcmp(sig, want, 64) == 0,
		    "case %s: signature differs", tu_str(c, "name"));
		free(want);
		tn_args_free(&a);
		tn_warrant_free(w);
		free(wb);
		for (size_t j = 0; j < np; j++)
			free(data[j]);
	}
	json_decref(P);
}
END_TEST

/*
 * Sign over normalized dict, list, float and bytes arguments and verify;
 * other argument values (or names) do not verify.
 */
START_TEST(test_args_pop_sign_verify)
{
	static const uint8_t id[TN_ID_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
	    11, 12, 13, 14, 15, 16 };
	static const uint8_t bin[] = { 0xde, 0xad, 0xbe, 0xef };
	uint8_t seed[32] = { 7 }, sk[64], pk[32], sig[64];
	struct tn_args_payload p[5] = {
		jp("{\"path\":\"/data/a\",\"mode\":\"r\"}"),
		jp("[\"x\",\"y\"]"), jp("0.1"),
		enc("binary/plain", bin, sizeof(bin)), jp("[[1],[2]]")
	};
	const char *keys = "req,tags,ratio,blob,matrix";
	struct tn_args a, b;
	struct tn_error err;
	int64_t ts = 1767225600, win;

	ck_assert_int_eq(tn_crypto_init(), 0);
	tu_sk_from_seed(seed, sk, pk);
	a = args_n(p, 5, keys);
	ck_assert_int_eq(tn_pop_sign(sk, id, "read_file", 9, &a.doc.items[0],
	    ts, sig, &err), TN_OK);
	ck_assert_msg(tn_pop_verify(pk, id, "read_file", 9, &a.doc.items[0],
	    sig, ts + 45, 5, &win, &err) == TN_OK, "%s", err.reason);
	ck_assert_int_eq(win, ts);
	/* the same arguments from differently written payloads verify */
	p[0] = jp(" {\"mode\" : \"r\", \"path\" : \"\\/data\\/a\"} ");
	p[2] = jp("1e-1");
	b = args_n(p, 5, keys);
	ck_assert_uint_eq(a.len, b.len);
	ck_assert_mem_eq(a.cbor, b.cbor, a.len);
	ck_assert_int_eq(tn_pop_verify(pk, id, "read_file", 9,
	    &b.doc.items[0], sig, ts, 5, NULL, &err), TN_OK);
	tn_args_free(&b);
	/* another value: refused */
	p[0] = jp("{\"path\":\"/etc/passwd\",\"mode\":\"r\"}");
	b = args_n(p, 5, keys);
	ck_assert_int_eq(tn_pop_verify(pk, id, "read_file", 9,
	    &b.doc.items[0], sig, ts, 5, NULL, NULL), TN_ERR_POP_FAILED);
	tn_args_free(&b);
	/* 1 is not 1.0 */
	p[0] = jp("{\"path\":\"/data/a\",\"mode\":\"r\"}");
	p[2] = jp("0.10000000000000002");
	b = args_n(p, 5, keys);
	ck_assert_int_eq(tn_pop_verify(pk, id, "read_file", 9,
	    &b.doc.items[0], sig, ts, 5, NULL, NULL), TN_ERR_POP_FAILED);
	tn_args_free(&b);
	/* other names */
	p[2] = jp("0.1");
	b = args_n(p, 5, "req,tags,ratio,blob,grid");
	ck_assert_int_eq(tn_pop_verify(pk, id, "read_file", 9,
	    &b.doc.items[0], sig, ts, 5, NULL, NULL), TN_ERR_POP_FAILED);
	tn_args_free(&b);
	tn_args_free(&a);
}
END_TEST

static Suite *
args_suite(void)
{
	Suite *s = suite_create("args");
	TCase *tv = tcase_create("valid");
	TCase *tm = tcase_create("malformed");
	TCase *tl = tcase_create("limits");
	TCase *te = tcase_create("vectors");

	tcase_add_test(tv, test_args_strings);
	tcase_add_test(tv, test_args_ints_small);
	tcase_add_test(tv, test_args_ints_beyond_2_53);
	tcase_add_test(tv, test_args_ints_beyond_2_63);
	tcase_add_test(tv, test_args_floats);
	tcase_add_test(tv, test_args_booleans_and_null);
	tcase_add_test(tv, test_args_lists);
	tcase_add_test(tv, test_args_objects);
	tcase_add_test(tv, test_args_object_duplicate_keys);
	tcase_add_test(tv, test_args_object_numbers);
	tcase_add_test(tv, test_args_float_repr);
	tcase_add_test(tv, test_args_unicode);
	tcase_add_test(tv, test_args_binary);
	tcase_add_test(tv, test_args_positional_keys);
	tcase_add_test(tv, test_args_repeated_names);
	tcase_add_test(tm, test_args_invalid_surrogates);
	tcase_add_test(tm, test_args_json_syntax);
	tcase_add_test(tm, test_args_bad_header);
	tcase_add_test(tm, test_args_unknown_encodings);
	tcase_add_test(tl, test_args_list_depth);
	tcase_add_test(tl, test_args_limits);
	tcase_add_test(tl, test_args_oversize_escaping);
	tcase_add_test(te, test_args_pop_fixture_via_payloads);
	tcase_add_test(te, test_args_pop_sign_verify);
	suite_add_tcase(s, tv);
	suite_add_tcase(s, tm);
	suite_add_tcase(s, tl);
	suite_add_tcase(s, te);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(args_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
