/*
 * fuzz_gzip.c: libFuzzer target for the gzip size cap (tn_gzip_inflate).
 * The sidecar inflates attacker-supplied gzip in two places (a compressed
 * x-tenuo-warrant header, and gRPC messages with grpc-encoding gzip,
 * fuzz_grpc_frame), always under a cap; this target checks that the cap
 * is exact and holds for any stream.
 *
 * Input: bytes 0-1 (big-endian) pick the cap, 0 .. 32767 bytes, or, with
 * bit 15 set, (low 13 bits) KiB up to 8 MiB so bombs can fit; the rest
 * is the gzip stream.  Seeds (run.sh): members of zeros and of random
 * bytes, bombs that expand far past any cap, concatenated members,
 * truncated members and members with a bad CRC or length.
 *
 * Oracles: a success returns at most cap bytes and the same stream
 * inflates to the same bytes at cap = exactly that length and fails at
 * one byte less; a failure leaves the outputs NULL/0; a success deflated
 * again inflates back to itself.
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *out, *out2, *z;
	size_t cap, len, len2, zlen;
	unsigned sel;
	int rc;

	if (size < 2)
		return 0;
	sel = (unsigned)data[0] << 8 | data[1];
	if (!(sel & 0x8000))
		sel &= 0x7fff;
	cap = (sel & 0x8000) ? (size_t)(sel & 0x1fff) * 1024 : sel;
	data += 2;
	size -= 2;
	rc = tn_gzip_inflate(data, size, cap, &out, &len, NULL);
	if (rc != TN_OK) {
		check(out == NULL && len == 0);
		check(rc == TN_ERR_MALFORMED || rc == TN_ERR_NOMEM);
		return 0;
	}
	check(out != NULL && len <= cap);
	/* the cap is exact: len fits, len - 1 does not */
	check(tn_gzip_inflate(data, size, len, &out2, &len2, NULL) == TN_OK);
	check(len2 == len && (len == 0 || memcmp(out, out2, len) == 0));
	free(out2);
	if (len > 0) {
		check(tn_gzip_inflate(data, size, len - 1, &out2, &len2,
		    NULL) == TN_ERR_MALFORMED);
		check(out2 == NULL && len2 == 0);
	}
	if (len <= 65536) {
		check(tn_gzip_deflate(out, len, 6, &z, &zlen, NULL) == TN_OK);
		check(tn_gzip_inflate(z, zlen, len, &out2, &len2, NULL) ==
		    TN_OK && len2 == len &&
		    (len == 0 || memcmp(out2, out, len) == 0));
		free(out2);
		free(z);
	}
	free(out);
	return 0;
}
