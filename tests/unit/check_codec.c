/*
 * check_codec.c: hex, base64, PEM armor and gzip (lib/tn_codec.c).
 *
 * Every decoder input is copied into a heap buffer of exactly its length
 * first, so that under ASan and valgrind a read past the end is caught.
 */
#define ZLIB_CONST

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <check.h>
#include <zlib.h>

#include "tn_codec.h"

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------- helpers */

static char *
heap_copy(const void *p, size_t n)
{
	char *c = malloc(n > 0 ? n : 1);

	ck_assert_ptr_nonnull(c);
	if (n > 0)
		memcpy(c, p, n);
	return c;
}

/* Deterministic pseudo-random bytes. */
static void
fill_pattern(uint8_t *p, size_t n, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1u;
	size_t i;

	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (uint8_t)(x >> 16);
	}
}

/* Compressible text: "warrant 0\nwarrant 1\n..." cut at n bytes. */
static void
fill_text(uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789";
	size_t i, line = 0;

	for (i = 0; i < n; line++) {
		const char *w = "warrant ";
		while (*w != '\0' && i < n)
			p[i++] = (uint8_t)*w++;
		if (i < n)
			p[i++] = (uint8_t)digits[line % 10];
		if (i < n)
			p[i++] = '\n';
	}
}

static int
b64_dec(const char *s, size_t n, unsigned flags, size_t max, uint8_t **out,
    size_t *len, struct tn_error *err)
{
	char *c = heap_copy(s, n);
	int rc;

	tn_error_clear(err);
	rc = tn_b64_decode(c, n, flags, max, out, len, err);
	free(c);
	return rc;
}

static int
pem_dec(const char *s, size_t n, size_t max, struct tn_pem_block **b,
    size_t *nb, struct tn_error *err)
{
	char *c = heap_copy(s, n);
	int rc;

	tn_error_clear(err);
	rc = tn_pem_decode(c, n, max, b, nb, err);
	free(c);
	return rc;
}

static int
gz_inf(const uint8_t *in, size_t n, size_t max, uint8_t **out, size_t *len,
    struct tn_error *err)
{
	char *c = heap_copy(in, n);
	int rc;

	tn_error_clear(err);
	rc = tn_gzip_inflate((const uint8_t *)c, n, max, out, len, err);
	free(c);
	return rc;
}

/* Asserts that s is refused as malformed with why in the reason. */
static void
expect_b64_reject(const char *s, size_t n, unsigned flags, const char *why)
{
	struct tn_error err;
	uint8_t *out = (uint8_t *)&err;
	size_t len = 99;

	ck_assert_int_eq(b64_dec(s, n, flags, 1024, &out, &len, &err),
	    TN_ERR_MALFORMED);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(err.code, TN_ERR_MALFORMED);
	ck_assert_msg(strstr(err.reason, why) != NULL,
	    "input \"%s\": reason \"%s\" lacks \"%s\"", s, err.reason, why);
}

/* Asserts that s decodes under flags to want[0..wlen). */
static void
expect_b64_ok(const char *s, unsigned flags, const void *want, size_t wlen)
{
	struct tn_error err;
	uint8_t *out;
	size_t len;
	int rc;

	rc = b64_dec(s, strlen(s), flags, 1024, &out, &len, &err);
	ck_assert_msg(rc == TN_OK, "\"%s\" flags 0x%x: %s", s, flags,
	    err.reason);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(len, wlen);
	if (wlen > 0)
		ck_assert_mem_eq(out, want, wlen);
	free(out);
}

static char *
b64_enc(const void *in, size_t n, unsigned flags)
{
	char *s;
	size_t len;

	ck_assert_int_eq(tn_b64_encode(in, n, flags, &s, &len, NULL), TN_OK);
	ck_assert_uint_eq(strlen(s), len);
	return s;
}

/* Standard padded base64 to url-safe unpadded, in place. */
static void
to_url_nopad(char *s)
{
	char *p;

	for (p = s; *p != '\0'; p++) {
		if (*p == '+')
			*p = '-';
		else if (*p == '/')
			*p = '_';
		else if (*p == '=') {
			*p = '\0';
			break;
		}
	}
}

/* ------------------------------------------------------- base64 vectors */

struct b64_vec {
	const char	*bin;
	size_t		 len;
	const char	*std;	/* standard alphabet, padded */
};

static const struct b64_vec b64_vecs[] = {
	/* RFC 4648 §10 */
	{ "", 0, "" },
	{ "f", 1, "Zg==" },
	{ "fo", 2, "Zm8=" },
	{ "foo", 3, "Zm9v" },
	{ "foob", 4, "Zm9vYg==" },
	{ "fooba", 5, "Zm9vYmE=" },
	{ "foobar", 6, "Zm9vYmFy" },
	/* symbols 62 and 63, where the alphabets differ */
	{ "\xfb\xff\xbf", 3, "+/+/" },
	{ "\xfb\xff", 2, "+/8=" },
	{ "\xff", 1, "/w==" },
	{ "\xfb\xef\xbe", 3, "++++" },
	/* every symbol once */
	{ "\x00\x10\x83\x10\x51\x87\x20\x92\x8b\x30\xd3\x8f\x41\x14\x93\x51"
	  "\x55\x97\x61\x96\x9b\x71\xd7\x9f\x82\x18\xa3\x92\x59\xa7\xa2\x9a"
	  "\xab\xb2\xdb\xaf\xc3\x1c\xb3\xd3\x5d\xb7\xe3\x9e\xbb\xf3\xdf\xbf",
	  48, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	  "0123456789+/" },
};

START_TEST(test_codec_b64_rfc4648_vectors)
{
	const struct b64_vec *v = &b64_vecs[_i];
	char url_pad[128], std_nopad[128], url_nopad[128], *s, *p;
	int specific = strpbrk(v->std, "+/") != NULL;

	ck_assert_uint_lt(strlen(v->std), sizeof(url_pad));
	snprintf(std_nopad, sizeof(std_nopad), "%s", v->std);
	if ((p = strchr(std_nopad, '=')) != NULL)
		*p = '\0';
	snprintf(url_nopad, sizeof(url_nopad), "%s", v->std);
	to_url_nopad(url_nopad);
	snprintf(url_pad, sizeof(url_pad), "%s%s", url_nopad,
	    v->std + strlen(std_nopad));

	s = b64_enc(v->bin, v->len, TN_B64_STD | TN_B64_PAD);
	ck_assert_str_eq(s, v->std);
	free(s);
	s = b64_enc(v->bin, v->len, TN_B64_STD);
	ck_assert_str_eq(s, std_nopad);
	free(s);
	s = b64_enc(v->bin, v->len, TN_B64_URL | TN_B64_PAD);
	ck_assert_str_eq(s, url_pad);
	free(s);
	s = b64_enc(v->bin, v->len, TN_B64_URL);
	ck_assert_str_eq(s, url_nopad);
	free(s);

	expect_b64_ok(v->std, TN_B64_STD, v->bin, v->len);
	expect_b64_ok(v->std, TN_B64_ANY, v->bin, v->len);
	expect_b64_ok(std_nopad, TN_B64_STD, v->bin, v->len);
	expect_b64_ok(std_nopad, TN_B64_ANY | TN_B64_SKIP_WS, v->bin, v->len);
	expect_b64_ok(url_pad, TN_B64_URL, v->bin, v->len);
	expect_b64_ok(url_pad, TN_B64_ANY, v->bin, v->len);
	expect_b64_ok(url_nopad, TN_B64_URL, v->bin, v->len);
	expect_b64_ok(url_nopad, TN_B64_ANY | TN_B64_PAD, v->bin, v->len);
	if (specific) {
		expect_b64_reject(v->std, strlen(v->std), TN_B64_URL,
		    "not in the url-safe base64 alphabet");
		expect_b64_reject(url_nopad, strlen(url_nopad), TN_B64_STD,
		    "not in the standard base64 alphabet");
	} else {
		expect_b64_ok(v->std, TN_B64_URL, v->bin, v->len);
		expect_b64_ok(url_nopad, TN_B64_STD, v->bin, v->len);
	}
}
END_TEST

START_TEST(test_codec_b64_round_trip)
{
	static const unsigned encs[] = { TN_B64_STD, TN_B64_STD | TN_B64_PAD,
	    TN_B64_URL, TN_B64_URL | TN_B64_PAD };
	uint8_t data[300], *out;
	size_t n = (size_t)_i, len, k;
	char *s;

	fill_pattern(data, n, (uint32_t)n);
	for (k = 0; k < ARRAY_LEN(encs); k++) {
		s = b64_enc(data, n, encs[k]);
		ck_assert_int_eq(b64_dec(s, strlen(s), encs[k] & TN_B64_ANY, n,
		    &out, &len, NULL), TN_OK);
		ck_assert_uint_eq(len, n);
		if (n > 0)
			ck_assert_mem_eq(out, data, n);
		free(out);
		ck_assert_int_eq(b64_dec(s, strlen(s), TN_B64_ANY, n, &out,
		    &len, NULL), TN_OK);
		ck_assert_uint_eq(len, n);
		free(out);
		free(s);
	}
}
END_TEST

START_TEST(test_codec_b64_skip_ws)
{
	expect_b64_ok("Zm9v\r\nYm\tFy ", TN_B64_STD | TN_B64_SKIP_WS,
	    "foobar", 6);
	expect_b64_ok(" \n Zg=\n= \n", TN_B64_ANY | TN_B64_SKIP_WS, "f", 1);
	expect_b64_ok("\r\n", TN_B64_URL | TN_B64_SKIP_WS, "", 0);
	expect_b64_reject("Zm9v\r\nYmFy", 10, TN_B64_STD,
	    "whitespace in base64 at offset 4");
	expect_b64_reject("Zm9v\fYmFy", 9, TN_B64_STD | TN_B64_SKIP_WS,
	    "invalid base64 character at offset 4");
	expect_b64_reject("Zm9v\vYmFy", 9, TN_B64_STD | TN_B64_SKIP_WS,
	    "invalid base64 character at offset 4");
}
END_TEST

/* ------------------------------------------------------ base64 rejects */

struct b64_bad {
	unsigned	 flags;
	const char	*s;
	size_t		 n;		/* 0: strlen(s) */
	const char	*why;
};

static void
run_b64_bad(const struct b64_bad *t)
{
	expect_b64_reject(t->s, t->n > 0 ? t->n : strlen(t->s), t->flags,
	    t->why);
}

static const struct b64_bad b64_bad_chars[] = {
	{ TN_B64_ANY, "Zm9v!A==", 0, "invalid base64 character at offset 4" },
	{ TN_B64_ANY, "Zm9v.", 0, "invalid base64 character at offset 4" },
	{ TN_B64_ANY, "Zm9v\0YmFy", 9, "invalid base64 character at offset 4" },
	{ TN_B64_ANY, "Zm9v\xc3\xa9", 0,
	    "invalid base64 character at offset 4" },
	{ TN_B64_ANY, "Zm9v YmFy", 0, "whitespace in base64 at offset 4" },
	{ TN_B64_ANY, "Zm9vYmFy\n", 0, "whitespace in base64 at offset 8" },
	{ TN_B64_URL, "+/+/", 0,
	    "'+' at offset 0 is not in the url-safe base64 alphabet" },
	{ TN_B64_URL, "AAA/", 0,
	    "'/' at offset 3 is not in the url-safe base64 alphabet" },
	{ TN_B64_STD, "-_-_", 0,
	    "'-' at offset 0 is not in the standard base64 alphabet" },
	{ TN_B64_STD | TN_B64_SKIP_WS, "AA\nA_", 0,
	    "'_' at offset 4 is not in the standard base64 alphabet" },
};

START_TEST(test_codec_b64_rejects_bad_char)
{
	run_b64_bad(&b64_bad_chars[_i]);
}
END_TEST

static const struct b64_bad b64_bad_mixed[] = {
	{ TN_B64_ANY, "+-AA", 0, "mixed base64 alphabets at offset 1" },
	{ TN_B64_ANY, "AAAA/AA_", 0, "mixed base64 alphabets at offset 7" },
	{ TN_B64_ANY | TN_B64_SKIP_WS, "-A\n+A==", 0,
	    "mixed base64 alphabets at offset 3" },
	{ TN_B64_ANY, "_w==/w==", 0, "data after padding at offset 4" },
};

START_TEST(test_codec_b64_rejects_mixed_alphabets)
{
	run_b64_bad(&b64_bad_mixed[_i]);
}
END_TEST

static const struct b64_bad b64_bad_pad[] = {
	{ TN_B64_ANY, "Zg=", 0, "wrong base64 padding at offset 2" },
	{ TN_B64_ANY, "Zg===", 0, "wrong base64 padding at offset 2" },
	{ TN_B64_ANY, "Zm8==", 0, "wrong base64 padding at offset 3" },
	{ TN_B64_ANY, "Zm9v=", 0, "wrong base64 padding at offset 4" },
	{ TN_B64_ANY, "Zm9v====", 0, "wrong base64 padding at offset 4" },
	{ TN_B64_ANY, "=", 0, "wrong base64 padding at offset 0" },
	{ TN_B64_ANY, "====", 0, "wrong base64 padding at offset 0" },
	{ TN_B64_ANY, "Zg==Zg==", 0, "data after padding at offset 4" },
	{ TN_B64_ANY, "Zg=a", 0, "data after padding at offset 3" },
	{ TN_B64_ANY | TN_B64_SKIP_WS, "Zm9v\n=", 0,
	    "wrong base64 padding at offset 5" },
};

START_TEST(test_codec_b64_rejects_bad_padding)
{
	run_b64_bad(&b64_bad_pad[_i]);
}
END_TEST

static const struct b64_bad b64_bad_bits[] = {
	{ TN_B64_ANY, "Zh==", 0,
	    "non-zero trailing bits in base64 at offset 1" },
	{ TN_B64_ANY, "Zh", 0,
	    "non-zero trailing bits in base64 at offset 1" },
	{ TN_B64_ANY, "Zm9=", 0,
	    "non-zero trailing bits in base64 at offset 2" },
	{ TN_B64_ANY, "Zm9", 0,
	    "non-zero trailing bits in base64 at offset 2" },
	{ TN_B64_STD, "/x==", 0,
	    "non-zero trailing bits in base64 at offset 1" },
	{ TN_B64_URL, "_-_", 0,
	    "non-zero trailing bits in base64 at offset 2" },
};

START_TEST(test_codec_b64_rejects_trailing_bits)
{
	run_b64_bad(&b64_bad_bits[_i]);
}
END_TEST

static const struct b64_bad b64_bad_len[] = {
	{ TN_B64_ANY, "Z", 0, "1 mod 4: lone symbol at offset 0" },
	{ TN_B64_ANY, "Zm9vY", 0, "1 mod 4: lone symbol at offset 4" },
	{ TN_B64_ANY, "Zm9vY=", 0, "1 mod 4: lone symbol at offset 4" },
	{ TN_B64_ANY, "Zm9vY===", 0, "1 mod 4: lone symbol at offset 4" },
	{ TN_B64_ANY, "Zm9vYmFyZ", 0, "1 mod 4: lone symbol at offset 8" },
	{ TN_B64_ANY | TN_B64_SKIP_WS, "Zm9v\n Y", 0,
	    "1 mod 4: lone symbol at offset 6" },
};

START_TEST(test_codec_b64_rejects_len_1_mod_4)
{
	run_b64_bad(&b64_bad_len[_i]);
}
END_TEST

/* _i bytes decode with max_out _i and are refused with max_out _i - 1. */
START_TEST(test_codec_b64_max_out_n_and_n_plus_1)
{
	size_t n = (size_t)_i, len;
	struct tn_error err;
	uint8_t data[64], *out;
	char *s;

	fill_pattern(data, n, 7u);
	s = b64_enc(data, n, TN_B64_URL);
	ck_assert_int_eq(b64_dec(s, strlen(s), TN_B64_URL, n, &out, &len,
	    &err), TN_OK);
	ck_assert_uint_eq(len, n);
	free(out);
	if (n > 0) {
		out = data;
		ck_assert_int_eq(b64_dec(s, strlen(s), TN_B64_URL, n - 1, &out,
		    &len, &err), TN_ERR_MALFORMED);
		ck_assert_ptr_null(out);
		ck_assert_uint_eq(len, 0);
		ck_assert_ptr_nonnull(strstr(err.reason, "more than"));
	}
	free(s);
}
END_TEST

START_TEST(test_codec_b64_max_out_reason)
{
	struct tn_error err;
	uint8_t *out;
	size_t len;

	ck_assert_int_eq(tn_b64_decode("Zm9vYmFy", 8, TN_B64_STD, 6, &out,
	    &len, &err), TN_OK);
	free(out);
	ck_assert_int_eq(tn_b64_decode("Zm9vYmFy", 8, TN_B64_STD, 5, &out,
	    &len, &err), TN_ERR_MALFORMED);
	ck_assert_str_eq(err.reason, "base64 decodes to 6 bytes, more than 5");
	ck_assert_int_eq(tn_b64_decode("Zm9vYmFy", 8, TN_B64_STD, 5, &out,
	    &len, NULL), TN_ERR_MALFORMED);
}
END_TEST

START_TEST(test_codec_b64_invalid_args)
{
	struct tn_error err;
	uint8_t *out;
	size_t len;
	char *s;

	ck_assert_int_eq(tn_b64_decode("Zg", 2, 0, 8, &out, &len, &err),
	    TN_ERR_INVALID_ARG);
	ck_assert_int_eq(tn_b64_decode("Zg", 2, TN_B64_SKIP_WS, 8, &out, &len,
	    &err), TN_ERR_INVALID_ARG);
	ck_assert_int_eq(tn_b64_decode("Zg", 2, TN_B64_STD | 0x100u, 8, &out,
	    &len, &err), TN_ERR_INVALID_ARG);
	ck_assert_int_eq(tn_b64_decode(NULL, 2, TN_B64_STD, 8, &out, &len,
	    &err), TN_ERR_INVALID_ARG);
	ck_assert_int_eq(tn_b64_decode("Zg", 2, TN_B64_STD, 8, NULL, &len,
	    &err), TN_ERR_INVALID_ARG);
	ck_assert_int_eq(tn_b64_decode(NULL, 0, TN_B64_STD, 8, &out, &len,
	    &err), TN_OK);
	ck_assert_uint_eq(len, 0);
	free(out);
	ck_assert_int_eq(tn_b64_encode((const uint8_t *)"f", 1, TN_B64_ANY,
	    &s, &len, &err), TN_ERR_INVALID_ARG);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(tn_b64_encode((const uint8_t *)"f", 1,
	    TN_B64_STD | TN_B64_SKIP_WS, &s, &len, &err), TN_ERR_INVALID_ARG);
	ck_assert_int_eq(tn_b64_encode((const uint8_t *)"f", 1, TN_B64_PAD,
	    &s, &len, &err), TN_ERR_INVALID_ARG);
	ck_assert_int_eq(tn_b64_encode(NULL, 1, TN_B64_STD, &s, &len, &err),
	    TN_ERR_INVALID_ARG);
	ck_assert_int_eq(tn_b64_encode(NULL, 0, TN_B64_URL, &s, NULL, &err),
	    TN_OK);
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

/* -------------------------------------------------- base64 robustness */

static const unsigned all_dec_flags[] = {
	TN_B64_STD, TN_B64_URL, TN_B64_ANY,
	TN_B64_STD | TN_B64_SKIP_WS, TN_B64_URL | TN_B64_SKIP_WS,
	TN_B64_ANY | TN_B64_SKIP_WS, TN_B64_ANY | TN_B64_PAD | TN_B64_SKIP_WS,
};

/*
 * Decodes s[0..n) under every flag set: never more than the original
 * data, and a success decodes to a prefix of it when prefix is set.
 */
static void
b64_decode_all(const char *s, size_t n, const uint8_t *data, size_t dlen,
    int prefix)
{
	struct tn_error err;
	uint8_t *out;
	size_t k, len;
	int rc;

	for (k = 0; k < ARRAY_LEN(all_dec_flags); k++) {
		rc = b64_dec(s, n, all_dec_flags[k], dlen, &out, &len, &err);
		if (rc != TN_OK) {
			ck_assert_int_eq(rc, TN_ERR_MALFORMED);
			ck_assert_ptr_null(out);
			ck_assert_uint_eq(len, 0);
			continue;
		}
		ck_assert_ptr_nonnull(out);
		ck_assert_uint_le(len, dlen);
		if (prefix && len > 0)
			ck_assert_mem_eq(out, data, len);
		free(out);
	}
}

START_TEST(test_codec_b64_truncated_every_offset)
{
	uint8_t data[100];
	char *std, *url, ws[200];
	size_t i, o = 0;

	fill_pattern(data, sizeof(data), 3u);
	std = b64_enc(data, sizeof(data), TN_B64_STD | TN_B64_PAD);
	url = b64_enc(data, sizeof(data), TN_B64_URL);
	for (i = 0; std[i] != '\0'; i++) {
		if (i % 10 == 9)
			ws[o++] = i % 20 == 19 ? '\n' : '\r';
		ws[o++] = std[i];
	}
	for (i = 0; i <= strlen(std); i++) {
		b64_decode_all(std, i, data, sizeof(data), 1);
		b64_decode_all(url, i > strlen(url) ? strlen(url) : i, data,
		    sizeof(data), 1);
	}
	for (i = 0; i <= o; i++)
		b64_decode_all(ws, i, data, sizeof(data), 1);
	free(std);
	free(url);
}
END_TEST

START_TEST(test_codec_b64_byte_flip_every_offset)
{
	uint8_t data[30];
	char *s, *m;
	size_t i, n;
	unsigned v;

	fill_pattern(data, sizeof(data), 11u);
	s = b64_enc(data, sizeof(data) - 1, TN_B64_URL | TN_B64_PAD);
	n = strlen(s);
	m = heap_copy(s, n);
	for (i = 0; i < n; i++) {
		for (v = 0; v < 256; v++) {
			m[i] = (char)v;
			b64_decode_all(m, n, data, sizeof(data), 0);
		}
		m[i] = s[i];
	}
	free(m);
	free(s);
}
END_TEST

/* ------------------------------------------------------------------ hex */

START_TEST(test_codec_hex_round_trip)
{
	uint8_t bin[256], out[256];
	char hex[513], upper[513];
	size_t i, len;

	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (uint8_t)i;
	tn_hex_encode(bin, sizeof(bin), hex);
	ck_assert_uint_eq(strlen(hex), 512);
	ck_assert_int_eq(strncmp(hex, "000102", 6), 0);
	ck_assert_str_eq(hex + 506, "fdfeff");
	ck_assert_int_eq(tn_hex_decode(hex, 512, out, sizeof(out), &len,
	    NULL), TN_OK);
	ck_assert_uint_eq(len, 256);
	ck_assert_mem_eq(out, bin, 256);
	for (i = 0; i < 513; i++)
		upper[i] = hex[i] >= 'a' ? (char)(hex[i] - 'a' + 'A') : hex[i];
	memset(out, 0, sizeof(out));
	ck_assert_int_eq(tn_hex_decode(upper, 512, out, sizeof(out), &len,
	    NULL), TN_OK);
	ck_assert_mem_eq(out, bin, 256);
}
END_TEST

START_TEST(test_codec_hex_encode_lowercase)
{
	char out[9];

	tn_hex_encode((const uint8_t *)"\xde\xad\xbe\xef", 4, out);
	ck_assert_str_eq(out, "deadbeef");
	tn_hex_encode(NULL, 0, out);
	ck_assert_str_eq(out, "");
}
END_TEST

struct hex_bad {
	const char	*s;
	size_t		 outcap;
	const char	*why;
};

static const struct hex_bad hex_bads[] = {
	{ "abc", 8, "odd length 3" },
	{ "a", 8, "odd length 1" },
	{ "zz", 8, "invalid digit at offset 0" },
	{ "1g", 8, "invalid digit at offset 1" },
	{ "0x12", 8, "invalid digit at offset 1" },
	{ " 1", 8, "invalid digit at offset 0" },
	{ "12 ", 8, "odd length" },
	{ "aabb\n0", 8, "invalid digit at offset 4" },
	{ "001122", 2, "3 bytes do not fit in 2" },
};

START_TEST(test_codec_hex_rejects)
{
	const struct hex_bad *t = &hex_bads[_i];
	uint8_t out[8];
	size_t len = 99;
	struct tn_error err;
	char *c = heap_copy(t->s, strlen(t->s));

	memset(out, 0x55, sizeof(out));
	ck_assert_int_eq(tn_hex_decode(c, strlen(t->s), out, t->outcap, &len,
	    &err), TN_ERR_MALFORMED);
	ck_assert_uint_eq(len, 0);
	ck_assert_msg(strstr(err.reason, t->why) != NULL, "\"%s\": %s", t->s,
	    err.reason);
	if (strcmp(t->s, "aabb\n0") == 0)
		ck_assert_int_eq(out[0] | out[1], 0);	/* nothing left */
	free(c);
}
END_TEST

START_TEST(test_codec_hex_outcap_n_and_n_minus_1)
{
	uint8_t out[3];
	size_t len;

	ck_assert_int_eq(tn_hex_decode("00ff7A", 6, out, 3, &len, NULL),
	    TN_OK);
	ck_assert_uint_eq(len, 3);
	ck_assert_mem_eq(out, "\x00\xff\x7a", 3);
	ck_assert_int_eq(tn_hex_decode("00ff7A", 6, out, 2, &len, NULL),
	    TN_ERR_MALFORMED);
	ck_assert_int_eq(tn_hex_decode("", 0, NULL, 0, &len, NULL), TN_OK);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(tn_hex_decode("00", 2, NULL, 1, &len, NULL),
	    TN_ERR_INVALID_ARG);
	ck_assert_int_eq(tn_hex_decode("00", 2, out, 1, NULL, NULL),
	    TN_ERR_INVALID_ARG);
}
END_TEST

/* ------------------------------------------------------------------ PEM */

#define BEGIN_W	TN_PEM_BEGIN_WARRANT "\n"
#define END_W	TN_PEM_END_WARRANT "\n"
#define BEGIN_C	TN_PEM_BEGIN_CHAIN "\n"
#define END_C	TN_PEM_END_CHAIN "\n"

/* An expected block. */
struct pem_want {
	int		 is_chain;
	const void	*der;
	size_t		 len;
};

static char *
pem_enc(const void *der, size_t len, int is_chain)
{
	char *s;

	ck_assert_int_eq(tn_pem_encode(der, len, is_chain, &s, NULL), TN_OK);
	return s;
}

/* Decodes s and asserts it holds exactly the nb blocks in want. */
static void
expect_pem(const char *s, const struct pem_want *want, size_t nb)
{
	struct tn_pem_block *b;
	struct tn_error err;
	size_t n, i;

	ck_assert_msg(pem_dec(s, strlen(s), 1 << 20, &b, &n, &err) == TN_OK,
	    "%s", err.reason);
	ck_assert_uint_eq(n, nb);
	for (i = 0; i < nb; i++) {
		ck_assert_int_eq(b[i].is_chain, want[i].is_chain);
		ck_assert_uint_eq(b[i].len, want[i].len);
		ck_assert_mem_eq(b[i].der, want[i].der, want[i].len);
	}
	tn_pem_blocks_free(b, n);
}

static void
expect_pem_reject(const char *s, const char *why)
{
	static struct tn_pem_block sentinel;
	struct tn_pem_block *b = &sentinel;
	struct tn_error err;
	size_t n = 99;

	ck_assert_int_eq(pem_dec(s, strlen(s), 1 << 20, &b, &n, &err),
	    TN_ERR_MALFORMED);
	ck_assert_ptr_null(b);
	ck_assert_uint_eq(n, 0);
	ck_assert_msg(strstr(err.reason, why) != NULL,
	    "reason \"%s\" lacks \"%s\"", err.reason, why);
}

START_TEST(test_codec_pem_single)
{
	struct pem_want want = { 0, "foobar", 6 };
	char *s;

	s = pem_enc("foobar", 6, 0);
	ck_assert_str_eq(s, BEGIN_W "Zm9vYmFy\n" END_W);
	expect_pem(s, &want, 1);
	free(s);
	expect_pem(BEGIN_W "Zm9vYg\n" END_W,
	    &(struct pem_want){ 0, "foob", 4 }, 1);
	/* no newline after END, blanks around markers */
	expect_pem("  " TN_PEM_BEGIN_WARRANT " \t\n Zm9v YmFy \n\t"
	    TN_PEM_END_WARRANT "  ", &want, 1);
	/* the standard alphabet and padding are accepted too */
	expect_pem(BEGIN_W "+/8=\n" END_W,
	    &(struct pem_want){ 0, "\xfb\xff", 2 }, 1);
	expect_pem(BEGIN_W "-_8\n" END_W,
	    &(struct pem_want){ 0, "\xfb\xff", 2 }, 1);
}
END_TEST

START_TEST(test_codec_pem_chain)
{
	uint8_t der[500];
	struct pem_want want = { 1, der, sizeof(der) };
	char *s;

	fill_pattern(der, sizeof(der), 5u);
	s = pem_enc(der, sizeof(der), 1);
	ck_assert_int_eq(strncmp(s, BEGIN_C, strlen(BEGIN_C)), 0);
	ck_assert_str_eq(s + strlen(s) - strlen(END_C), END_C);
	expect_pem(s, &want, 1);
	free(s);
}
END_TEST

START_TEST(test_codec_pem_encode_layout)
{
	uint8_t der[100];
	char *s, *b64, *p, *nl;
	size_t off = 0, nlines = 0;

	fill_pattern(der, sizeof(der), 9u);
	s = pem_enc(der, sizeof(der), 0);
	b64 = b64_enc(der, sizeof(der), TN_B64_URL);	/* 134 chars */
	ck_assert_int_eq(strncmp(s, BEGIN_W, strlen(BEGIN_W)), 0);
	for (p = s + strlen(BEGIN_W); strncmp(p, "-----END", 8) != 0;
	    p = nl + 1) {
		ck_assert_ptr_nonnull(nl = strchr(p, '\n'));
		ck_assert_uint_eq((size_t)(nl - p), nlines < 2 ? 64u : 6u);
		ck_assert_int_eq(strncmp(p, b64 + off, (size_t)(nl - p)), 0);
		off += (size_t)(nl - p);
		nlines++;
	}
	ck_assert_uint_eq(nlines, 3);
	ck_assert_uint_eq(off, strlen(b64));
	ck_assert_str_eq(p, END_W);
	ck_assert_ptr_null(strpbrk(s, "+/="));
	free(b64);
	free(s);
	/* a multiple of 48 bytes fills the last line exactly */
	s = pem_enc(der, 96, 0);
	ck_assert_uint_eq(strlen(s), strlen(BEGIN_W) + 2 * 65 + strlen(END_W));
	free(s);
	ck_assert_int_eq(tn_pem_encode(der, 0, 0, &s, NULL),
	    TN_ERR_INVALID_ARG);
	ck_assert_ptr_null(s);
}
END_TEST

START_TEST(test_codec_pem_round_trip)
{
	uint8_t der[200];
	size_t n = (size_t)_i;
	struct pem_want want = { (int)(n % 2), der, n };
	char *s;

	fill_pattern(der, n, (uint32_t)n);
	s = pem_enc(der, n, (int)(n % 2));
	expect_pem(s, &want, 1);
	free(s);
}
END_TEST

/* A url-safe body line may start with "-----": not a marker. */
START_TEST(test_codec_pem_body_line_of_dashes)
{
	uint8_t der[96];
	struct pem_want want = { 0, der, sizeof(der) };
	char *s;
	size_t i;

	fill_pattern(der, 48, 1u);
	for (i = 48; i < sizeof(der); i++)
		der[i] = (uint8_t[]){ 0xfb, 0xef, 0xbe }[i % 3];
	s = pem_enc(der, sizeof(der), 0);
	ck_assert_ptr_nonnull(strstr(s, "\n--------"));
	expect_pem(s, &want, 1);
	free(s);
}
END_TEST

START_TEST(test_codec_pem_multiple_blocks)
{
	uint8_t a[10], b[70], c[33];
	struct pem_want want[] = {
		{ 0, a, sizeof(a) }, { 0, b, sizeof(b) }, { 1, c, sizeof(c) },
		{ 0, a, sizeof(a) },
	};
	char *sa, *sb, *sc, text[2048];

	fill_pattern(a, sizeof(a), 1u);
	fill_pattern(b, sizeof(b), 2u);
	fill_pattern(c, sizeof(c), 3u);
	sa = pem_enc(a, sizeof(a), 0);
	sb = pem_enc(b, sizeof(b), 0);
	sc = pem_enc(c, sizeof(c), 1);
	/* cat root.pem leaf.pem chain.pem, with blank lines and indent */
	snprintf(text, sizeof(text), "\n\n%s%s\n \t\n%s\r\n  %s", sa, sb, sc,
	    sa);
	expect_pem(text, want, 4);
	free(sa);
	free(sb);
	free(sc);
}
END_TEST

/* Every "\n" in s becomes "\r\n" in out. */
static void
to_crlf(const char *s, char *out, size_t cap)
{
	size_t o = 0;

	for (; *s != '\0'; s++) {
		ck_assert_uint_lt(o + 2, cap);
		if (*s == '\n')
			out[o++] = '\r';
		out[o++] = *s;
	}
	out[o] = '\0';
}

START_TEST(test_codec_pem_crlf)
{
	uint8_t der[150];
	struct pem_want want[] = { { 0, der, sizeof(der) },
	    { 1, der, sizeof(der) } };
	char *s1, *s2, both[1024], crlf[1100];

	fill_pattern(der, sizeof(der), 4u);
	s1 = pem_enc(der, sizeof(der), 0);
	s2 = pem_enc(der, sizeof(der), 1);
	snprintf(both, sizeof(both), "%s%s", s1, s2);
	to_crlf(both, crlf, sizeof(crlf));
	ck_assert_ptr_nonnull(strstr(crlf, TN_PEM_END_WARRANT "\r\n"));
	expect_pem(crlf, want, 2);
	free(s1);
	free(s2);
}
END_TEST

START_TEST(test_codec_pem_rejects_bad_labels)
{
	expect_pem_reject("-----BEGIN CERTIFICATE-----\nZm9v\n"
	    "-----END CERTIFICATE-----\n",
	    "unknown BEGIN PEM line at offset 0");
	expect_pem_reject("-----BEGIN TENUO WARRANTS-----\nZm9v\n" END_W,
	    "unknown BEGIN PEM line at offset 0");
	expect_pem_reject("-----BEGIN TENUO WARRANT----- Zm9v\n" END_W,
	    "unknown BEGIN PEM line at offset 0");
	expect_pem_reject(BEGIN_W "Zm9v\n" END_C,
	    "END line at offset 35 does not match the BEGIN line at offset 0");
	expect_pem_reject(BEGIN_C "Zm9v\n" END_W,
	    "does not match the BEGIN line at offset 0");
	expect_pem_reject(BEGIN_W "Zm9v\n-----END TENUO WARRANT-----x\n",
	    "does not match the BEGIN line");
	expect_pem_reject(BEGIN_W "Zm9v\n-----END CERTIFICATE-----\n",
	    "does not match the BEGIN line");
	expect_pem_reject(END_W, "unexpected END PEM line at offset 0");
	expect_pem_reject(BEGIN_W "Zm9v\n" END_W END_W,
	    "unexpected END PEM line at offset 63");
}
END_TEST

START_TEST(test_codec_pem_rejects_missing_end)
{
	expect_pem_reject(BEGIN_W "Zm9v\n",
	    "no END line for the PEM block at offset 0");
	expect_pem_reject(BEGIN_W "Zm9v", "no END line");
	expect_pem_reject(TN_PEM_BEGIN_WARRANT, "no END line");
	expect_pem_reject(BEGIN_W, "no END line");
	expect_pem_reject(BEGIN_W "Zm9v\n" END_W "\n" BEGIN_C "Zm9v\n",
	    "no END line for the PEM block at offset 64");
	expect_pem_reject(BEGIN_W "Zm9v\n-----END TENUO WARRANT",
	    "does not match");
}
END_TEST

START_TEST(test_codec_pem_rejects_nested)
{
	expect_pem_reject(BEGIN_W "Zm9v\n" BEGIN_W "Zm9v\n" END_W END_W,
	    "BEGIN line at offset 35 inside the PEM block at offset 0");
	expect_pem_reject(BEGIN_C "Zm9v\n" BEGIN_W "Zm9v\n" END_W END_C,
	    "inside the PEM block at offset 0");
	expect_pem_reject(BEGIN_W "Zm9v\n-----BEGIN FOO-----\n" END_W,
	    "inside the PEM block");
}
END_TEST

START_TEST(test_codec_pem_rejects_garbage)
{
	expect_pem_reject("hello\n" BEGIN_W "Zm9v\n" END_W,
	    "text outside a PEM block at offset 0");
	expect_pem_reject(BEGIN_W "Zm9v\n" END_W "junk\n" BEGIN_W "Zm9v\n"
	    END_W, "text outside a PEM block at offset 63");
	expect_pem_reject(BEGIN_W "Zm9v\n" END_W "x",
	    "text outside a PEM block at offset 63");
	expect_pem_reject(BEGIN_W "Zm9v\f\n" END_W,
	    "invalid base64 character at offset 34");
	expect_pem_reject(BEGIN_W "Zm9v!\n" END_W,
	    "invalid base64 character at offset 34");
	expect_pem_reject(BEGIN_W "Zm9\n" END_W,
	    "non-zero trailing bits in base64 at offset 32");
	expect_pem_reject(BEGIN_W "-_\n+/\n" END_W,
	    "mixed base64 alphabets at offset 33");
	expect_pem_reject("Zm9vYmFy", "text outside a PEM block at offset 0");
}
END_TEST

START_TEST(test_codec_pem_rejects_empty)
{
	expect_pem_reject("", "no TENUO WARRANT PEM block");
	expect_pem_reject(" \r\n\t\n", "no TENUO WARRANT PEM block");
	expect_pem_reject(BEGIN_W END_W, "empty PEM body at offset 30");
	expect_pem_reject(BEGIN_W "\n  \r\n" END_W, "empty PEM body");
	{
		struct tn_pem_block *b;
		size_t n;

		ck_assert_int_eq(tn_pem_decode(NULL, 0, 100, &b, &n, NULL),
		    TN_ERR_MALFORMED);
		ck_assert_int_eq(tn_pem_decode(NULL, 1, 100, &b, &n, NULL),
		    TN_ERR_INVALID_ARG);
		ck_assert_int_eq(tn_pem_decode("", 0, 100, NULL, &n, NULL),
		    TN_ERR_INVALID_ARG);
	}
}
END_TEST

/* Two blocks of 6 and 3 bytes: a cap of 9 holds them, 8 does not. */
START_TEST(test_codec_pem_max_out_n_and_n_minus_1)
{
	static const char text[] = BEGIN_W "Zm9vYmFy\n" END_W BEGIN_C "Zm9v\n"
	    END_C;
	struct tn_pem_block *b;
	struct tn_error err;
	size_t n;

	ck_assert_int_eq(pem_dec(text, strlen(text), 9, &b, &n, &err), TN_OK);
	ck_assert_uint_eq(n, 2);
	tn_pem_blocks_free(b, n);
	ck_assert_int_eq(pem_dec(text, strlen(text), 8, &b, &n, &err),
	    TN_ERR_MALFORMED);
	ck_assert_str_eq(err.reason, "PEM bodies decode to more than 8 bytes");
	ck_assert_int_eq(pem_dec(text, strlen(text), 5, &b, &n, &err),
	    TN_ERR_MALFORMED);
	ck_assert_int_eq(pem_dec(text, strlen(text), 0, &b, &n, &err),
	    TN_ERR_MALFORMED);
	ck_assert_ptr_null(b);
	tn_pem_blocks_free(NULL, 0);
}
END_TEST

START_TEST(test_codec_pem_is_armored)
{
	static const struct {
		const char	*s;
		int		 want;
	} t[] = {
		{ BEGIN_W "Zm9v\n" END_W, 1 },
		{ BEGIN_C, 1 },
		{ TN_PEM_BEGIN_WARRANT, 1 },
		{ "note\r\n  " TN_PEM_BEGIN_WARRANT "\r\n", 1 },
		{ "Zm9vYmFy", 0 },
		{ "", 0 },
		{ "-----BEGIN CERTIFICATE-----\n", 0 },
		{ "x" TN_PEM_BEGIN_WARRANT "\n", 0 },
		{ TN_PEM_BEGIN_WARRANT "x\n", 0 },
		{ END_W, 0 },
		{ "-----BEGIN TENUO WARRANT----", 0 },
	};
	size_t i;
	char *c;

	for (i = 0; i < ARRAY_LEN(t); i++) {
		c = heap_copy(t[i].s, strlen(t[i].s));
		ck_assert_msg(tn_pem_is_armored(c, strlen(t[i].s)) == t[i].want,
		    "case %zu", i);
		free(c);
	}
	ck_assert_int_eq(tn_pem_is_armored(NULL, 0), 0);
}
END_TEST

START_TEST(test_codec_pem_truncated_every_offset)
{
	uint8_t der[120];
	struct tn_pem_block *b;
	struct tn_error err;
	char *s1, *s2, text[1024];
	size_t i, n, tlen;
	int rc;

	fill_pattern(der, sizeof(der), 6u);
	s1 = pem_enc(der, 60, 0);
	s2 = pem_enc(der, sizeof(der), 1);
	snprintf(text, sizeof(text), "%s\r\n%s", s1, s2);
	tlen = strlen(text);
	for (i = 0; i <= tlen; i++) {
		rc = pem_dec(text, i, sizeof(der) + 60, &b, &n, &err);
		if (rc != TN_OK) {
			ck_assert_int_eq(rc, TN_ERR_MALFORMED);
			ck_assert_ptr_null(b);
			continue;
		}
		/* only the whole first block, or everything, is complete */
		ck_assert_uint_ge(i, strlen(s1) - 1);
		ck_assert_uint_eq(n, i >= tlen - 1 ? 2 : 1);
		ck_assert_mem_eq(b[0].der, der, 60);
		tn_pem_blocks_free(b, n);
	}
	free(s1);
	free(s2);
}
END_TEST

START_TEST(test_codec_pem_byte_flip_every_offset)
{
	static const char subst[] = { '\0', '\n', '\r', ' ', '-', '_', '+',
	    '/', '=', 'A', 'E', 'B', (char)0x80, (char)0xff };
	uint8_t der[50];
	struct tn_pem_block *b;
	char *s, *m;
	size_t i, k, n, len;
	int rc;

	fill_pattern(der, sizeof(der), 8u);
	s = pem_enc(der, sizeof(der), 0);
	len = strlen(s);
	m = heap_copy(s, len);
	for (i = 0; i < len; i++) {
		for (k = 0; k < sizeof(subst); k++) {
			m[i] = subst[k];
			rc = tn_pem_decode(m, len, 64, &b, &n, NULL);
			ck_assert(rc == TN_OK || rc == TN_ERR_MALFORMED);
			if (rc == TN_OK)
				ck_assert_uint_le(b[0].len, 64);
			tn_pem_blocks_free(b, n);
		}
		m[i] = s[i];
	}
	free(m);
	free(s);
}
END_TEST

/* ----------------------------------------------------------------- gzip */

static uint8_t *
gz(const void *in, size_t n, size_t *outlen)
{
	uint8_t *out;

	ck_assert_int_eq(tn_gzip_deflate(in, n, -1, &out, outlen, NULL),
	    TN_OK);
	return out;
}

START_TEST(test_codec_gzip_round_trip)
{
	static const size_t sizes[] = { 0, 1, 1000, 16384, 16385, 100000 };
	static const int levels[] = { -1, 0, 1, 9 };
	uint8_t *data, *z, *out;
	size_t i, k, zlen, len;

	data = malloc(100000);
	ck_assert_ptr_nonnull(data);
	for (i = 0; i < ARRAY_LEN(sizes); i++) {
		for (k = 0; k < ARRAY_LEN(levels); k++) {
			if (k % 2 == 0)
				fill_text(data, sizes[i]);
			else
				fill_pattern(data, sizes[i], (uint32_t)i);
			ck_assert_int_eq(tn_gzip_deflate(data, sizes[i],
			    levels[k], &z, &zlen, NULL), TN_OK);
			ck_assert_mem_eq(z, "\x1f\x8b\x08", 3);
			ck_assert_int_eq(gz_inf(z, zlen, sizes[i], &out, &len,
			    NULL), TN_OK);
			ck_assert_ptr_nonnull(out);
			ck_assert_uint_eq(len, sizes[i]);
			if (len > 0)
				ck_assert_mem_eq(out, data, len);
			free(out);
			free(z);
		}
	}
	ck_assert_int_eq(tn_gzip_deflate(data, 1, 10, &z, &zlen, NULL),
	    TN_ERR_INVALID_ARG);
	ck_assert_ptr_null(z);
	free(data);
}
END_TEST

/* N bytes inflate with max_out N and are refused with max_out N - 1. */
START_TEST(test_codec_gzip_cap_exact)
{
	static const size_t sizes[] = { 1, 2, 1000, 16384, 16385, 32768,
	    100000 };
	size_t n = sizes[_i], zlen, len;
	uint8_t *data, *z, *out;
	struct tn_error err;
	char want[64];

	data = malloc(n);
	ck_assert_ptr_nonnull(data);
	fill_text(data, n);
	z = gz(data, n, &zlen);
	ck_assert_int_eq(gz_inf(z, zlen, n, &out, &len, &err), TN_OK);
	ck_assert_uint_eq(len, n);
	ck_assert_mem_eq(out, data, n);
	free(out);
	out = data;
	ck_assert_int_eq(gz_inf(z, zlen, n - 1, &out, &len, &err),
	    TN_ERR_MALFORMED);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(len, 0);
	snprintf(want, sizeof(want), "inflated size exceeds %zu bytes", n - 1);
	ck_assert_str_eq(err.reason, want);
	free(z);
	free(data);
}
END_TEST

START_TEST(test_codec_gzip_empty_with_cap_0)
{
	uint8_t *z, *out;
	size_t zlen, len;

	z = gz(NULL, 0, &zlen);
	ck_assert_int_eq(gz_inf(z, zlen, 0, &out, &len, NULL), TN_OK);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(len, 0);
	free(out);
	free(z);
}
END_TEST

static long
peak_rss_kib(void)
{
	struct rusage ru;

	ck_assert_int_eq(getrusage(RUSAGE_SELF, &ru), 0);
	return ru.ru_maxrss;
}

/* gzip of total zero bytes, compressed 64 KiB at a time. */
static uint8_t *
gzip_zeros(size_t total, size_t *outlen)
{
	static const uint8_t zeros[64 * 1024];
	const size_t cap = 64 * 1024;
	z_stream zs;
	uint8_t *out;
	size_t left = total, chunk;
	int zrc;

	out = malloc(cap);
	ck_assert_ptr_nonnull(out);
	memset(&zs, 0, sizeof(zs));
	ck_assert_int_eq(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	do {
		chunk = left < sizeof(zeros) ? left : sizeof(zeros);
		left -= chunk;
		zs.next_in = zeros;
		zs.avail_in = (uInt)chunk;
		zrc = deflate(&zs, left > 0 ? Z_NO_FLUSH : Z_FINISH);
		ck_assert_uint_eq(zs.avail_in, 0);
	} while (left > 0);
	ck_assert_int_eq(zrc, Z_STREAM_END);
	*outlen = cap - zs.avail_out;
	ck_assert_int_eq(deflateEnd(&zs), Z_OK);
	return out;
}

/*
 * 10 MB of zeros in ~10 KB: refused under a 64 KiB cap, and the peak RSS
 * shows nothing near 10 MB was allocated (inflating it would touch it).
 */
START_TEST(test_codec_gzip_bomb_refused)
{
	uint8_t *z, *out;
	size_t zlen, len;
	struct tn_error err;
	long before, after;

	z = gzip_zeros(10u * 1000u * 1000u, &zlen);
	ck_assert_uint_lt(zlen, 20000);
	before = peak_rss_kib();
	ck_assert_int_eq(tn_gzip_inflate(z, zlen, 64 * 1024, &out, &len, &err),
	    TN_ERR_MALFORMED);
	after = peak_rss_kib();
	ck_assert_ptr_null(out);
	ck_assert_str_eq(err.reason, "inflated size exceeds 65536 bytes");
	ck_assert_msg(after - before < 4096, "peak RSS grew by %ld KiB",
	    after - before);
	/* and with a cap that fits, it inflates */
	ck_assert_int_eq(tn_gzip_inflate(z, zlen, 10u * 1000u * 1000u, &out,
	    &len, &err), TN_OK);
	ck_assert_uint_eq(len, 10u * 1000u * 1000u);
	free(out);
	free(z);
}
END_TEST

START_TEST(test_codec_gzip_truncated_every_offset)
{
	uint8_t data[3000], *z, *out;
	struct tn_error err;
	size_t zlen, i, len;

	fill_text(data, 2000);
	fill_pattern(data + 2000, 1000, 1u);
	z = gz(data, sizeof(data), &zlen);
	for (i = 0; i < zlen; i++) {
		out = data;
		ck_assert_int_eq(gz_inf(z, i, sizeof(data), &out, &len, &err),
		    TN_ERR_MALFORMED);
		ck_assert_ptr_null(out);
		ck_assert_uint_eq(len, 0);
		if (i >= 10)
			ck_assert_msg(strstr(err.reason, "truncated") != NULL,
			    "prefix %zu: %s", i, err.reason);
	}
	ck_assert_int_eq(gz_inf(z, zlen, sizeof(data), &out, &len, &err),
	    TN_OK);
	free(out);
	free(z);
}
END_TEST

START_TEST(test_codec_gzip_bad_crc)
{
	uint8_t data[500], *z, *out;
	struct tn_error err;
	size_t zlen, len, i;

	fill_text(data, sizeof(data));
	z = gz(data, sizeof(data), &zlen);
	for (i = zlen - 8; i < zlen; i++) {
		z[i] ^= 0x01;
		ck_assert_int_eq(gz_inf(z, zlen, sizeof(data), &out, &len,
		    &err), TN_ERR_MALFORMED);
		ck_assert_ptr_null(out);
		ck_assert_ptr_nonnull(strstr(err.reason, i < zlen - 4 ?
		    "incorrect data check" : "incorrect length check"));
		z[i] ^= 0x01;
	}
	free(z);
}
END_TEST

START_TEST(test_codec_gzip_trailing_garbage)
{
	uint8_t data[500], *z, *two, *out;
	struct tn_error err;
	size_t zlen, len;
	char want[64];

	fill_text(data, sizeof(data));
	z = gz(data, sizeof(data), &zlen);
	two = malloc(2 * zlen);
	ck_assert_ptr_nonnull(two);
	memcpy(two, z, zlen);
	memcpy(two + zlen, z, zlen);
	snprintf(want, sizeof(want), "data after the gzip member at offset %zu",
	    zlen);
	/* one stray byte */
	two[zlen] = 0;
	ck_assert_int_eq(gz_inf(two, zlen + 1, 4096, &out, &len, &err),
	    TN_ERR_MALFORMED);
	ck_assert_str_eq(err.reason, want);
	/* a second member */
	two[zlen] = z[0];
	ck_assert_int_eq(gz_inf(two, 2 * zlen, 4096, &out, &len, &err),
	    TN_ERR_MALFORMED);
	ck_assert_str_eq(err.reason, want);
	ck_assert_ptr_null(out);
	free(two);
	free(z);
}
END_TEST

START_TEST(test_codec_gzip_rejects_other_formats)
{
	uint8_t zl[128], *out;
	uLongf zllen = sizeof(zl);
	struct tn_error err;
	size_t len;

	/* zlib format */
	ck_assert_int_eq(compress2(zl, &zllen, (const Bytef *)"hello", 5, 9),
	    Z_OK);
	ck_assert_int_eq(gz_inf(zl, zllen, 100, &out, &len, &err),
	    TN_ERR_MALFORMED);
	ck_assert_ptr_nonnull(strstr(err.reason, "offset"));
	/* plain text */
	ck_assert_int_eq(gz_inf((const uint8_t *)"hello, world", 12, 100, &out,
	    &len, &err), TN_ERR_MALFORMED);
	/* empty */
	ck_assert_int_eq(gz_inf(NULL, 0, 100, &out, &len, &err),
	    TN_ERR_MALFORMED);
	ck_assert_str_eq(err.reason, "gzip stream truncated at offset 0");
	ck_assert_int_eq(tn_gzip_inflate(NULL, 1, 100, &out, &len, &err),
	    TN_ERR_INVALID_ARG);
	ck_assert_int_eq(tn_gzip_inflate(zl, 1, 100, NULL, &len, &err),
	    TN_ERR_INVALID_ARG);
}
END_TEST

START_TEST(test_codec_gzip_byte_flip_every_offset)
{
	uint8_t data[400], *z, *out;
	size_t zlen, len, i;
	unsigned bit;
	int rc;

	fill_text(data, 300);
	fill_pattern(data + 300, 100, 2u);
	z = gz(data, sizeof(data), &zlen);
	for (i = 0; i < zlen; i++) {
		for (bit = 0; bit < 8; bit++) {
			z[i] ^= (uint8_t)(1u << bit);
			rc = gz_inf(z, zlen, 256, &out, &len, NULL);
			ck_assert(rc == TN_OK || rc == TN_ERR_MALFORMED);
			if (rc == TN_OK)
				ck_assert_uint_le(len, 256);
			free(out);
			z[i] ^= (uint8_t)(1u << bit);
		}
	}
	free(z);
}
END_TEST

/* ---------------------------------------------------------------- suite */

static Suite *
codec_suite(void)
{
	Suite *s = suite_create("codec");
	TCase *tc;

	tc = tcase_create("vectors");
	tcase_add_loop_test(tc, test_codec_b64_rfc4648_vectors, 0,
	    (int)ARRAY_LEN(b64_vecs));
	tcase_add_loop_test(tc, test_codec_b64_round_trip, 0, 300);
	tcase_add_test(tc, test_codec_b64_skip_ws);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_loop_test(tc, test_codec_b64_rejects_bad_char, 0,
	    (int)ARRAY_LEN(b64_bad_chars));
	tcase_add_loop_test(tc, test_codec_b64_rejects_mixed_alphabets, 0,
	    (int)ARRAY_LEN(b64_bad_mixed));
	tcase_add_loop_test(tc, test_codec_b64_rejects_bad_padding, 0,
	    (int)ARRAY_LEN(b64_bad_pad));
	tcase_add_loop_test(tc, test_codec_b64_rejects_trailing_bits, 0,
	    (int)ARRAY_LEN(b64_bad_bits));
	tcase_add_loop_test(tc, test_codec_b64_rejects_len_1_mod_4, 0,
	    (int)ARRAY_LEN(b64_bad_len));
	tcase_add_test(tc, test_codec_b64_invalid_args);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_loop_test(tc, test_codec_b64_max_out_n_and_n_plus_1, 0, 64);
	tcase_add_test(tc, test_codec_b64_max_out_reason);
	tcase_add_test(tc, test_codec_hex_outcap_n_and_n_minus_1);
	tcase_add_test(tc, test_codec_pem_max_out_n_and_n_minus_1);
	tcase_add_loop_test(tc, test_codec_gzip_cap_exact, 0, 7);
	tcase_add_test(tc, test_codec_gzip_empty_with_cap_0);
	tcase_add_test(tc, test_codec_gzip_bomb_refused);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("hex");
	tcase_add_test(tc, test_codec_hex_round_trip);
	tcase_add_test(tc, test_codec_hex_encode_lowercase);
	tcase_add_loop_test(tc, test_codec_hex_rejects, 0,
	    (int)ARRAY_LEN(hex_bads));
	suite_add_tcase(s, tc);

	tc = tcase_create("pem");
	tcase_add_test(tc, test_codec_pem_single);
	tcase_add_test(tc, test_codec_pem_chain);
	tcase_add_test(tc, test_codec_pem_encode_layout);
	tcase_add_loop_test(tc, test_codec_pem_round_trip, 1, 200);
	tcase_add_test(tc, test_codec_pem_body_line_of_dashes);
	tcase_add_test(tc, test_codec_pem_multiple_blocks);
	tcase_add_test(tc, test_codec_pem_crlf);
	tcase_add_test(tc, test_codec_pem_rejects_bad_labels);
	tcase_add_test(tc, test_codec_pem_rejects_missing_end);
	tcase_add_test(tc, test_codec_pem_rejects_nested);
	tcase_add_test(tc, test_codec_pem_rejects_garbage);
	tcase_add_test(tc, test_codec_pem_rejects_empty);
	tcase_add_test(tc, test_codec_pem_is_armored);
	suite_add_tcase(s, tc);

	tc = tcase_create("gzip");
	tcase_add_test(tc, test_codec_gzip_round_trip);
	tcase_add_test(tc, test_codec_gzip_bad_crc);
	tcase_add_test(tc, test_codec_gzip_trailing_garbage);
	tcase_add_test(tc, test_codec_gzip_rejects_other_formats);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("robustness");
	tcase_add_test(tc, test_codec_b64_truncated_every_offset);
	tcase_add_test(tc, test_codec_b64_byte_flip_every_offset);
	tcase_add_test(tc, test_codec_pem_truncated_every_offset);
	tcase_add_test(tc, test_codec_pem_byte_flip_every_offset);
	tcase_add_test(tc, test_codec_gzip_truncated_every_offset);
	tcase_add_test(tc, test_codec_gzip_byte_flip_every_offset);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(codec_suite());
	int nfailed;

	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
