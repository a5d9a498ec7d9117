/*
 * tn_crypto.c: strict Ed25519, SHA-256 and constant-time comparison on
 * top of libsodium.
 *
 * tn_ed25519_verify() checks S, A and R itself and leaves the equation to
 * libsodium; tn_crypto_init() makes sure, once, that the linked libsodium
 * uses the cofactorless one.  The checks look only at the public key and
 * the signature, which are public, so they run in variable time.
 */
#include <string.h>

#include <sodium.h>

#include "tn_crypto.h"

_Static_assert(sizeof(crypto_hash_sha256_state) <= TN_SHA256_CTX_BYTES,
    "struct tn_sha256_ctx too small for libsodium's SHA-256 state");
_Static_assert(crypto_sign_ed25519_PUBLICKEYBYTES == TN_ED25519_PK_BYTES &&
    crypto_sign_ed25519_SECRETKEYBYTES == TN_ED25519_SK_BYTES &&
    crypto_sign_ed25519_SEEDBYTES == TN_ED25519_SEED_BYTES &&
    crypto_sign_ed25519_BYTES == TN_ED25519_SIG_BYTES &&
    crypto_hash_sha256_BYTES == TN_SHA256_BYTES,
    "Ed25519/SHA-256 sizes disagree with libsodium");

/* Stands in for a NULL message of length 0, so libsodium never sees NULL. */
static const uint8_t	empty_msg[1];

/* L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
static const uint8_t	ed25519_l[32] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
	0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10
};

/*
 * The y coordinates (little-endian, sign bit clear) of the eight points
 * of order 1, 2, 4 and 8, plus the two unreduced values y = p and
 * y = p + 1 that also decode to such points.  A point is small-order iff
 * its encoding, sign bit ignored, is in this list; ignoring the sign bit
 * also catches the "negative zero" encodings of the two points with
 * x = 0.  The same list as libsodium's ge25519_has_small_order().
 */
static const uint8_t	small_order_y[][32] = {
	/* y = 0: the two points of order 4 */
	{ 0 },
	/* y = 1: the identity */
	{ 0x01 },
	/* the two pairs of points of order 8 */
	{ 0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0,
	  0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
	  0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39,
	  0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05 },
	{ 0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f,
	  0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
	  0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6,
	  0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a },
	/* y = p - 1: the point of order 2 */
	{ 0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },
	/* y = p, unreduced 0 */
	{ 0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },
	/* y = p + 1, unreduced 1 */
	{ 0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f }
};

/*
 * Self-test vectors for tn_crypto_init().  The cofactorless equation is
 * the one thing the checks here cannot enforce: libsodium releases up to
 * 1.0.22 compare R by encoding, while its development branch has moved to
 * the cofactored equation, which would accept the first signature below
 * (vector 4 of "Taming the many EdDSAs": mixed-order A and R whose
 * torsion parts do not cancel).  The second is RFC 8032 TEST 1 (empty
 * message), which must verify.
 */
static const uint8_t	kat_cofactored_pk[32] = {
	0xcd, 0xb2, 0x67, 0xce, 0x40, 0xc5, 0xcd, 0x45,
	0x30, 0x6f, 0xa5, 0xd2, 0xf2, 0x97, 0x31, 0x45,
	0x93, 0x87, 0xdb, 0xf9, 0xeb, 0x93, 0x3b, 0x7b,
	0xd5, 0xae, 0xd9, 0xa7, 0x65, 0xb8, 0x8d, 0x4d
};
static const uint8_t	kat_cofactored_msg[32] = {
	0xe4, 0x7d, 0x62, 0xc6, 0x3f, 0x83, 0x0d, 0xc7,
	0xa6, 0x85, 0x1a, 0x0b, 0x1f, 0x33, 0xae, 0x4b,
	0xb2, 0xf5, 0x07, 0xfb, 0x6c, 0xff, 0xec, 0x40,
	0x11, 0xea, 0xcc, 0xd5, 0x5b, 0x53, 0xf5, 0x6c
};
static const uint8_t	kat_cofactored_sig[64] = {
	0x16, 0x0a, 0x1c, 0xb0, 0xdc, 0x9c, 0x02, 0x58,
	0xcd, 0x0a, 0x7d, 0x23, 0xe9, 0x4d, 0x8f, 0xa8,
	0x78, 0xbc, 0xb1, 0x92, 0x5f, 0x2c, 0x64, 0x24,
	0x6b, 0x2d, 0xee, 0x17, 0x96, 0xbe, 0xd5, 0x12,
	0x5e, 0xc6, 0xbc, 0x98, 0x2a, 0x26, 0x9b, 0x72,
	0x3e, 0x06, 0x68, 0xe5, 0x40, 0x91, 0x1a, 0x9a,
	0x6a, 0x58, 0x92, 0x1d, 0x69, 0x25, 0xe4, 0x34,
	0xab, 0x10, 0xaa, 0x79, 0x40, 0x55, 0x1a, 0x09
};
static const uint8_t	kat_rfc8032_pk[32] = {
	0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7,
	0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a,
	0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25,
	0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a
};
static const uint8_t	kat_rfc8032_sig[64] = {
	0xe5, 0x56, 0x43, 0x00, 0xc3, 0x60, 0xac, 0x72,
	0x90, 0x86, 0xe2, 0xcc, 0x80, 0x6e, 0x82, 0x8a,
	0x84, 0x87, 0x7f, 0x1e, 0xb8, 0xe5, 0xd9, 0x74,
	0xd8, 0x73, 0xe0, 0x65, 0x22, 0x49, 0x01, 0x55,
	0x5f, 0xb8, 0x82, 0x15, 0x90, 0xa3, 0x3b, 0xac,
	0xc6, 0x1e, 0x39, 0x70, 0x1c, 0xf9, 0xb4, 0x6b,
	0xd2, 0x5b, 0xf5, 0xf0, 0x59, 0x5b, 0xbe, 0x24,
	0x65, 0x51, 0x41, 0x43, 0x8e, 0x7a, 0x10, 0x0b
};

/* 1 if the little-endian scalar s is fully reduced (s < L). */
static int
scalar_is_canonical(const uint8_t s[32])
{
	size_t i = 32;

	while (i-- > 0) {
		if (s[i] != ed25519_l[i])
			return s[i] < ed25519_l[i];
	}
	return 0;	/* s == L */
}

/*
 * 1 if the y coordinate of the point encoding e is reduced (y < p).  The
 * unreduced values are p .. 2^255 - 1: bits 8..254 all set and a low
 * byte of at least 0xed.
 */
static int
point_is_canonical(const uint8_t e[32])
{
	size_t i;

	if ((e[31] & 0x7f) != 0x7f)
		return 1;
	for (i = 1; i < 31; i++) {
		if (e[i] != 0xff)
			return 1;
	}
	return e[0] < 0xed;
}

/* 1 if the point encoding e, sign bit ignored, is of a small-order point. */
static int
point_has_small_order(const uint8_t e[32])
{
	size_t i;

	for (i = 0; i < sizeof(small_order_y) / sizeof(small_order_y[0]);
	    i++) {
		if (memcmp(e, small_order_y[i], 31) == 0 &&
		    (e[31] & 0x7f) == small_order_y[i][31])
			return 1;
	}
	return 0;
}

/* 1 if e may stand for A or R in a strict signature. */
static int
point_is_acceptable(const uint8_t e[32])
{
	return point_is_canonical(e) && !point_has_small_order(e);
}

/* sodium_memzero() that accepts NULL. */
static void
wipe(void *p, size_t n)
{
	if (p != NULL)
		sodium_memzero(p, n);
}

int
tn_crypto_init(void)
{
	/* 0: initialised now, 1: already initialised, -1: failure. */
	if (sodium_init() < 0)
		return TN_ERR_NOMEM;
	if (crypto_sign_ed25519_verify_detached(kat_rfc8032_sig, empty_msg, 0,
	    kat_rfc8032_pk) != 0)
		return TN_ERR_SIGNATURE_INVALID;
	if (crypto_sign_ed25519_verify_detached(kat_cofactored_sig,
	    kat_cofactored_msg, sizeof(kat_cofactored_msg),
	    kat_cofactored_pk) == 0)
		return TN_ERR_SIGNATURE_INVALID;
	return TN_OK;
}

int
tn_ed25519_verify(const uint8_t pk[32], const uint8_t *msg, size_t msglen,
    const uint8_t sig[64])
{
	if (pk == NULL || sig == NULL || (msg == NULL && msglen != 0))
		return TN_ERR_SIGNATURE_INVALID;
	if (!scalar_is_canonical(sig + 32))
		return TN_ERR_SIGNATURE_INVALID;
	if (!point_is_acceptable(pk) || !point_is_acceptable(sig))
		return TN_ERR_SIGNATURE_INVALID;
	if (msg == NULL)
		msg = empty_msg;
	if (crypto_sign_ed25519_verify_detached(sig, msg, msglen, pk) != 0)
		return TN_ERR_SIGNATURE_INVALID;
	return TN_OK;
}

int
tn_ed25519_keypair_from_seed(const uint8_t seed[32], uint8_t pk[32],
    uint8_t sk[64])
{
	if (seed == NULL || pk == NULL || sk == NULL)
		goto fail;
	if (crypto_sign_ed25519_seed_keypair(pk, sk, seed) != 0)
		goto fail;
	return TN_OK;
fail:
	wipe(pk, TN_ED25519_PK_BYTES);
	wipe(sk, TN_ED25519_SK_BYTES);
	return TN_ERR_INVALID_ARG;
}

int
tn_ed25519_sign(const uint8_t sk[64], const uint8_t *msg, size_t len,
    uint8_t sig[64])
{
	uint8_t	pk[TN_ED25519_PK_BYTES];
	uint8_t	sk2[TN_ED25519_SK_BYTES];
	int	rc = TN_ERR_INVALID_ARG;

	if (sk == NULL || sig == NULL || (msg == NULL && len != 0))
		goto out;
	if (crypto_sign_ed25519_seed_keypair(pk, sk2, sk) != 0)
		goto out;
	if (sodium_memcmp(pk, sk + TN_ED25519_SEED_BYTES, sizeof(pk)) != 0)
		goto out;
	if (msg == NULL)
		msg = empty_msg;
	if (crypto_sign_ed25519_detached(sig, NULL, msg, len, sk) != 0)
		goto out;
	rc = TN_OK;
out:
	sodium_memzero(sk2, sizeof(sk2));
	if (rc != TN_OK)
		wipe(sig, TN_ED25519_SIG_BYTES);
	return rc;
}

void
tn_sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
	if (p == NULL)
		p = empty_msg;
	(void)crypto_hash_sha256(out, p, n);
}

/*
 * The context is opaque storage: the libsodium state is copied in and
 * out, so it is never accessed through a pointer of another type.
 */
void
tn_sha256_init(struct tn_sha256_ctx *ctx)
{
	crypto_hash_sha256_state st;

	(void)crypto_hash_sha256_init(&st);
	memset(ctx, 0, sizeof(*ctx));
	memcpy(ctx->opaque, &st, sizeof(st));
	sodium_memzero(&st, sizeof(st));
}

void
tn_sha256_update(struct tn_sha256_ctx *ctx, const uint8_t *p, size_t n)
{
	crypto_hash_sha256_state st;

	if (n == 0)
		return;
	memcpy(&st, ctx->opaque, sizeof(st));
	(void)crypto_hash_sha256_update(&st, p, n);
	memcpy(ctx->opaque, &st, sizeof(st));
	sodium_memzero(&st, sizeof(st));
}

void
tn_sha256_final(struct tn_sha256_ctx *ctx, uint8_t out[32])
{
	crypto_hash_sha256_state st;

	memcpy(&st, ctx->opaque, sizeof(st));
	(void)crypto_hash_sha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(ctx, sizeof(*ctx));
}

int
tn_crypto_memeq(const void *a, const void *b, size_t n)
{
	if (n == 0)
		return 1;
	return sodium_memcmp(a, b, n) == 0;
}
