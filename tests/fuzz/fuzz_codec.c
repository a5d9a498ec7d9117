/*
 * fuzz_codec.c: libFuzzer target for lib/tn_codec.c.
 *
 * The first input byte picks the caps; the rest goes to base64 decoding
 * under every flag combination, to PEM and hex decoding, and to gzip
 * inflating (both as is and after a deflate round trip).  Beyond the
 * sanitizers, the oracles are: outputs on failure are NULL/0, outputs on
 * success respect the caps, a whitespace-free base64 input that decodes
 * re-encodes to exactly itself, and decoded PEM blocks survive an
 * encode/decode round trip.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ilib \
 *       tests/fuzz/fuzz_codec.c lib/tn_codec.c lib/tn_err.c -lz
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tn_codec.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
	if (!ok)
		abort();
}

/* A successful strict decode must re-encode to the very same text. */
static void
b64_reencode(const char *s, size_t n, unsigned flags, const uint8_t *bin,
    size_t len)
{
	unsigned alpha = flags & TN_B64_ANY;
	char *enc;
	size_t elen;

	if (alpha == TN_B64_ANY)
		alpha = memchr(s, '-', n) != NULL || memchr(s, '_', n) != NULL ?
		    TN_B64_URL : TN_B64_STD;
	if (n > 0 && s[n - 1] == '=')
		alpha |= TN_B64_PAD;
	check(tn_b64_encode(bin, len, alpha, &enc, &elen, NULL) == TN_OK);
	check(elen == n && memcmp(enc, s, n) == 0);
	free(enc);
}

static void
fuzz_b64(const char *s, size_t n, size_t cap)
{
	struct tn_error err;
	unsigned flags;
	uint8_t *out;
	size_t len;
	int rc;

	for (flags = 0; flags < 16; flags++) {
		rc = tn_b64_decode(s, n, flags, cap, &out, &len, &err);
		if ((flags & TN_B64_ANY) == 0) {
			check(rc == TN_ERR_INVALID_ARG);
			continue;
		}
		if (rc != TN_OK) {
			check(rc == TN_ERR_MALFORMED && out == NULL &&
			    len == 0);
			continue;
		}
		check(out != NULL && len <= cap && len <= n);
		if ((flags & TN_B64_SKIP_WS) == 0)
			b64_reencode(s, n, flags, out, len);
		free(out);
	}
}

static void
fuzz_pem(const char *s, size_t n, size_t cap)
{
	struct tn_pem_block *b, *b2;
	size_t nb, nb2, i, total = 0;
	char *txt;
	int rc;

	(void)tn_pem_is_armored(s, n);
	rc = tn_pem_decode(s, n, cap, &b, &nb, NULL);
	if (rc != TN_OK) {
		check(rc == TN_ERR_MALFORMED && b == NULL && nb == 0);
		return;
	}
	check(b != NULL && nb > 0);
	for (i = 0; i < nb; i++) {
		check(b[i].len > 0);
		total += b[i].len;
		check(tn_pem_encode(b[i].der, b[i].len, b[i].is_chain, &txt,
		    NULL) == TN_OK);
		check(tn_pem_decode(txt, strlen(txt), b[i].len, &b2, &nb2,
		    NULL) == TN_OK);
		check(nb2 == 1 && b2[0].is_chain == b[i].is_chain &&
		    b2[0].len == b[i].len &&
		    memcmp(b2[0].der, b[i].der, b[i].len) == 0);
		tn_pem_blocks_free(b2, nb2);
		free(txt);
	}
	check(total <= cap);
	tn_pem_blocks_free(b, nb);
}

static void
fuzz_hex(const char *s, size_t n)
{
	uint8_t out[64];
	char back[129];
	size_t len;

	if (tn_hex_decode(s, n, out, sizeof(out), &len, NULL) != TN_OK)
		return;
	check(len == n / 2);
	tn_hex_encode(out, len, back);
	check(strlen(back) == n);
}

static void
fuzz_gzip(const uint8_t *in, size_t n, size_t cap, int roundtrip)
{
	uint8_t *out, *z;
	size_t len, zlen;
	int rc;

	rc = tn_gzip_inflate(in, n, cap, &out, &len, NULL);
	if (rc == TN_OK) {
		check(out != NULL && len <= cap);
		free(out);
	} else
		check(rc == TN_ERR_MALFORMED && out == NULL && len == 0);
	if (!roundtrip)
		return;
	check(tn_gzip_deflate(in, n, 1, &z, &zlen, NULL) == TN_OK);
	rc = tn_gzip_inflate(z, zlen, cap, &out, &len, NULL);
	check(rc == (n <= cap ? TN_OK : TN_ERR_MALFORMED));
	if (rc == TN_OK)
		check(len == n && (n == 0 || memcmp(out, in, n) == 0));
	free(out);
	free(z);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s;
	size_t n, cap;

	if (size < 1)
		return 0;
	cap = (size_t)1 << (data[0] & 15);	/* 1 byte .. 32 KiB */
	s = (const char *)data + 1;
	n = size - 1;
	fuzz_b64(s, n, cap);
	fuzz_pem(s, n, cap);
	fuzz_hex(s, n);
	fuzz_gzip(data + 1, n, cap, (data[0] & 0x10) != 0);
	return 0;
}
