/*
 * check_crypto.c: tests for tn_crypto (strict Ed25519, SHA-256, memeq).
 *
 * The edge-case signatures are built here with libsodium's point and
 * scalar arithmetic, and each one is first shown to satisfy the plain
 * RFC 8032 equation (lax_cofactorless() below, which has none of the
 * encoding or small-order checks), so a rejection by tn_ed25519_verify()
 * is due to the strictness rule under test and not to a broken signature.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tn_crypto.h"

/* ---------------------------------------------------------------- helpers */

static const uint8_t	identity_enc[32] = { 0x01 };

/* The Ed25519 base point B. */
static const uint8_t	base_enc[32] = {
	0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66
};

/* L, little-endian. */
static const uint8_t	order_l[32] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
	0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10
};

static void
unhex(const char *hex, uint8_t *out, size_t n)
{
	size_t len = 0;

	ck_assert_int_eq(sodium_hex2bin(out, n, hex, strlen(hex), NULL, &len,
	    NULL), 0);
	ck_assert_uint_eq(len, n);
}

static void
scalar_small(uint8_t s[32], uint8_t v)
{
	memset(s, 0, 32);
	s[0] = v;
}

/* a + b as 256-bit little-endian integers; the sum must fit. */
static void
add256(uint8_t out[32], const uint8_t a[32], const uint8_t b[32])
{
	unsigned int carry = 0;
	size_t i;

	for (i = 0; i < 32; i++) {
		carry += (unsigned int)a[i] + b[i];
		out[i] = (uint8_t)carry;
		carry >>= 8;
	}
	ck_assert_uint_eq(carry, 0);
}

/*
 * out = [n]P by double-and-add over crypto_core_ed25519_add(), which
 * decodes any valid encoding: small-order, mixed-order and unreduced
 * ones too.  n is 32 bytes little-endian and need not be reduced.
 * Returns 1, or 0 if P does not decode.
 */
static int
point_mul(uint8_t out[32], const uint8_t n[32], const uint8_t p[32])
{
	uint8_t acc[32];
	size_t i = 256;
	int started = 0;

	if (crypto_core_ed25519_add(acc, p, identity_enc) != 0)
		return 0;
	memcpy(acc, identity_enc, sizeof(acc));
	while (i-- > 0) {
		if (started)
			ck_assert_int_eq(crypto_core_ed25519_add(acc, acc, acc),
			    0);
		if (((n[i / 8] >> (i % 8)) & 1) == 0)
			continue;
		ck_assert_int_eq(crypto_core_ed25519_add(acc, acc, p), 0);
		started = 1;
	}
	memcpy(out, acc, sizeof(acc));
	return 1;
}

/* k = SHA-512(R || A || M) mod L, the Ed25519 challenge. */
static void
challenge(uint8_t k[32], const uint8_t r[32], const uint8_t a[32],
    const uint8_t *m, size_t n)
{
	crypto_hash_sha512_state st;
	uint8_t h[64];

	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, r, 32);
	crypto_hash_sha512_update(&st, a, 32);
	crypto_hash_sha512_update(&st, m, n);
	crypto_hash_sha512_final(&st, h);
	crypto_core_ed25519_scalar_reduce(k, h);
}

/* A scalar mod L derived from a label. */
static void
scalar_from_label(uint8_t s[32], const char *label)
{
	uint8_t h[64];

	crypto_hash_sha512(h, (const uint8_t *)label, strlen(label));
	crypto_core_ed25519_scalar_reduce(s, h);
}

/* The secret scalar a of a seed (RFC 8032 5.1.5), reduced mod L. */
static void
secret_scalar(uint8_t a[32], const uint8_t seed[32])
{
	uint8_t h[64], wide[64] = { 0 };

	crypto_hash_sha512(h, seed, 32);
	h[0] &= 248;
	h[31] &= 127;
	h[31] |= 64;
	memcpy(wide, h, 32);
	crypto_core_ed25519_scalar_reduce(a, wide);
}

/*
 * d = [S]B - [k]A - R for sig = R || S.  Returns 0 if A or R does not
 * decode.  The signature satisfies the cofactorless equation iff d is
 * the identity, the cofactored one iff [8]d is.
 */
static int
residue(uint8_t d[32], const uint8_t pk[32], const uint8_t *m, size_t n,
    const uint8_t sig[64])
{
	uint8_t k[32], sb[32], ka[32];

	challenge(k, sig, pk, m, n);
	if (!point_mul(sb, sig + 32, base_enc) || !point_mul(ka, k, pk))
		return 0;
	return crypto_core_ed25519_sub(d, sb, ka) == 0 &&
	    crypto_core_ed25519_sub(d, d, sig) == 0;
}

/*
 * RFC 8032 verification with no checks at all on S, A or R beyond their
 * decoding, points compared as points: [S]B == R + [k]A.
 */
static int
lax_cofactorless(const uint8_t pk[32], const uint8_t *m, size_t n,
    const uint8_t sig[64])
{
	uint8_t d[32];

	return residue(d, pk, m, n, sig) &&
	    memcmp(d, identity_enc, 32) == 0;
}

/* The same with the cofactored equation [8][S]B == [8]R + [8][k]A. */
static int
lax_cofactored(const uint8_t pk[32], const uint8_t *m, size_t n,
    const uint8_t sig[64])
{
	uint8_t d[32], eight[32], d8[32];

	scalar_small(eight, 8);
	return residue(d, pk, m, n, sig) && point_mul(d8, eight, d) &&
	    memcmp(d8, identity_enc, 32) == 0;
}

/* 1 if [v]P is the identity; P must decode. */
static int
small_mul_is_identity(const uint8_t p[32], uint8_t v)
{
	uint8_t s[32], q[32];

	scalar_small(s, v);
	ck_assert(point_mul(q, s, p));
	return memcmp(q, identity_enc, 32) == 0;
}

/* ------------------------------------------------------- small-order table */

/* T8, a point of order 8; its multiples [0..7]T8 are the eight torsion
 * points. */
static const char	t8_hex[] =
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05";

/* Every encoding of a point of order dividing 8: the eight canonical ones
 * first, then the six unreduced or "negative zero" ones. */
static const char *const small_order_hex[] = {
	/* canonical */
	"0100000000000000000000000000000000000000000000000000000000000000",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0000000000000000000000000000000000000000000000000000000000000080",
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
	/* identity and the order-2 point with the sign bit set (x = -0) */
	"0100000000000000000000000000000000000000000000000000000000000080",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	/* y = p (0), both signs: the order-4 points */
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	/* y = p + 1 (1), both signs: the identity */
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
};
#define N_SMALL_ORDER	\
	((int)(sizeof(small_order_hex) / sizeof(small_order_hex[0])))
#define N_SMALL_ORDER_CANONICAL	8

/* An honest key pair used to build the edge cases. */
static void
honest_key(uint8_t pk[32], uint8_t sk[64], uint8_t a[32])
{
	uint8_t seed[32];

	memset(seed, 0x5a, sizeof(seed));
	ck_assert_int_eq(tn_ed25519_keypair_from_seed(seed, pk, sk), TN_OK);
	secret_scalar(a, seed);
}

/* A = aB + T8: a key with a torsion component, not small-order. */
static void
mixed_key(uint8_t mixed[32], uint8_t a[32])
{
	uint8_t pk[32], sk[64], t8[32];

	honest_key(pk, sk, a);
	unhex(t8_hex, t8, sizeof(t8));
	ck_assert_int_eq(crypto_core_ed25519_add(mixed, pk, t8), 0);
	sodium_memzero(sk, sizeof(sk));
}

/* -------------------------------------------------------- RFC 8032 */

struct rfc8032_vector {
	const char	*seed;
	const char	*pk;
	const char	*msg;
	const char	*sig;
};

/* RFC 8032 section 7.1, TEST 1 to TEST 3. */
static const struct rfc8032_vector rfc8032[] = {
	{ "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	  "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
	  "",
	  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
	  "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b" },
	{ "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
	  "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
	  "72",
	  "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
	  "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00" },
	{ "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
	  "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
	  "af82",
	  "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
	  "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a" },
};

START_TEST(test_crypto_rfc8032_vectors)
{
	const struct rfc8032_vector *v = &rfc8032[_i];
	uint8_t seed[32], pk[32], sk[64], want_pk[32], want_sig[64], sig[64];
	uint8_t msg[2];
	size_t msglen = strlen(v->msg) / 2;

	unhex(v->seed, seed, sizeof(seed));
	unhex(v->pk, want_pk, sizeof(want_pk));
	unhex(v->sig, want_sig, sizeof(want_sig));
	ck_assert_uint_le(msglen, sizeof(msg));
	unhex(v->msg, msg, msglen);

	ck_assert_int_eq(tn_ed25519_keypair_from_seed(seed, pk, sk), TN_OK);
	ck_assert_mem_eq(pk, want_pk, sizeof(pk));
	ck_assert_mem_eq(sk, seed, 32);
	ck_assert_mem_eq(sk + 32, want_pk, 32);

	ck_assert_int_eq(tn_ed25519_sign(sk, msg, msglen, sig), TN_OK);
	ck_assert_mem_eq(sig, want_sig, sizeof(sig));
	ck_assert_int_eq(tn_ed25519_verify(pk, msg, msglen, sig), TN_OK);
	sodium_memzero(sk, sizeof(sk));
}
END_TEST

START_TEST(test_crypto_empty_message_may_be_null)
{
	const struct rfc8032_vector *v = &rfc8032[0];
	uint8_t seed[32], pk[32], sk[64], sig[64], want_sig[64];

	unhex(v->seed, seed, sizeof(seed));
	unhex(v->sig, want_sig, sizeof(want_sig));
	ck_assert_int_eq(tn_ed25519_keypair_from_seed(seed, pk, sk), TN_OK);
	ck_assert_int_eq(tn_ed25519_sign(sk, NULL, 0, sig), TN_OK);
	ck_assert_mem_eq(sig, want_sig, sizeof(sig));
	ck_assert_int_eq(tn_ed25519_verify(pk, NULL, 0, sig), TN_OK);
}
END_TEST

START_TEST(test_crypto_keys_from_seeds)
{
	static const struct {
		uint8_t		 byte;
		const char	*pk;
	} cases[] = {
		{ 0x01, "8a88e3dd7409f195fd52db2d3cba5d72"
			"ca6709bf1d94121bf3748801b40f6f5c" },
		{ 0x02, "8139770ea87d175f56a35466c34c7ecc"
			"cb8d8a91b4ee37a25df60f5b8fc9b394" },
	};
	uint8_t seed[32], pk[32], sk[64], want[32];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(seed, cases[i].byte, sizeof(seed));
		unhex(cases[i].pk, want, sizeof(want));
		ck_assert_int_eq(tn_ed25519_keypair_from_seed(seed, pk, sk),
		    TN_OK);
		ck_assert_mem_eq(pk, want, sizeof(pk));
		ck_assert_mem_eq(sk + 32, want, 32);
	}
}
END_TEST

START_TEST(test_crypto_sign_verify_roundtrip)
{
	uint8_t pk[32], sk[64], a[32], sig[64], msg[300];
	size_t n;

	honest_key(pk, sk, a);
	for (n = 0; n < sizeof(msg); n++)
		msg[n] = (uint8_t)(n * 7u + 1u);
	for (n = 0; n <= sizeof(msg); n += 23) {
		ck_assert_int_eq(tn_ed25519_sign(sk, msg, n, sig), TN_OK);
		ck_assert_int_eq(tn_ed25519_verify(pk, msg, n, sig), TN_OK);
		ck_assert(lax_cofactorless(pk, msg, n, sig));
	}
}
END_TEST

/* ----------------------------------------------------- bit flips */

START_TEST(test_crypto_bit_flips_rejected)
{
	uint8_t pk[32], sk[64], a[32], sig[64], msg[200], bad[200];
	size_t i;

	honest_key(pk, sk, a);
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	ck_assert_int_eq(tn_ed25519_sign(sk, msg, sizeof(msg), sig), TN_OK);
	ck_assert_int_eq(tn_ed25519_verify(pk, msg, sizeof(msg), sig), TN_OK);

	for (i = 0; i < 8 * sizeof(sig); i++) {
		sig[i / 8] ^= (uint8_t)(1u << (i % 8));
		ck_assert_int_eq(tn_ed25519_verify(pk, msg, sizeof(msg), sig),
		    TN_ERR_SIGNATURE_INVALID);
		sig[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	for (i = 0; i < 8 * sizeof(pk); i++) {
		pk[i / 8] ^= (uint8_t)(1u << (i % 8));
		ck_assert_int_eq(tn_ed25519_verify(pk, msg, sizeof(msg), sig),
		    TN_ERR_SIGNATURE_INVALID);
		pk[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	for (i = 0; i < 8 * sizeof(msg); i++) {
		memcpy(bad, msg, sizeof(bad));
		bad[i / 8] ^= (uint8_t)(1u << (i % 8));
		ck_assert_int_eq(tn_ed25519_verify(pk, bad, sizeof(bad), sig),
		    TN_ERR_SIGNATURE_INVALID);
	}
	/* Truncated or extended message. */
	ck_assert_int_eq(tn_ed25519_verify(pk, msg, sizeof(msg) - 1, sig),
	    TN_ERR_SIGNATURE_INVALID);
	ck_assert_int_eq(tn_ed25519_verify(pk, msg, 0, sig),
	    TN_ERR_SIGNATURE_INVALID);
	ck_assert_int_eq(tn_ed25519_verify(pk, msg, sizeof(msg), sig), TN_OK);
}
END_TEST

/* ------------------------------------------------------- scalar S */

START_TEST(test_crypto_noncanonical_s_rejected)
{
	uint8_t pk[32], sk[64], a[32], sig[64], bad[64], l2[32];
	static const uint8_t msg[] = "non-canonical S";

	honest_key(pk, sk, a);
	ck_assert_int_eq(tn_ed25519_sign(sk, msg, sizeof(msg), sig), TN_OK);

	/* S + L: the same point [S]B, so the lax equation still holds. */
	memcpy(bad, sig, 32);
	add256(bad + 32, sig + 32, order_l);
	ck_assert(lax_cofactorless(pk, msg, sizeof(msg), bad));
	ck_assert_int_eq(tn_ed25519_verify(pk, msg, sizeof(msg), bad),
	    TN_ERR_SIGNATURE_INVALID);

	/* S + 2L and S + 8L: high bits set, still [S]B. */
	add256(l2, order_l, order_l);
	add256(bad + 32, sig + 32, l2);
	ck_assert(lax_cofactorless(pk, msg, sizeof(msg), bad));
	ck_assert_int_eq(tn_ed25519_verify(pk, msg, sizeof(msg), bad),
	    TN_ERR_SIGNATURE_INVALID);
	add256(l2, l2, l2);
	add256(l2, l2, l2);
	add256(bad + 32, sig + 32, l2);
	ck_assert(lax_cofactorless(pk, msg, sizeof(msg), bad));
	ck_assert_int_eq(tn_ed25519_verify(pk, msg, sizeof(msg), bad),
	    TN_ERR_SIGNATURE_INVALID);

	/* S = L exactly, and S = 2^256 - 1. */
	memcpy(bad + 32, order_l, 32);
	ck_assert_int_eq(tn_ed25519_verify(pk, msg, sizeof(msg), bad),
	    TN_ERR_SIGNATURE_INVALID);
	memset(bad + 32, 0xff, 32);
	ck_assert_int_eq(tn_ed25519_verify(pk, msg, sizeof(msg), bad),
	    TN_ERR_SIGNATURE_INVALID);
}
END_TEST

/* ----------------------------------------------- small-order points */

START_TEST(test_crypto_torsion_table)
{
	uint8_t t8[32], q[32], s[32], enc[N_SMALL_ORDER][32];
	int seen[N_SMALL_ORDER_CANONICAL] = { 0 };
	int i, j;

	for (i = 0; i < N_SMALL_ORDER; i++)
		unhex(small_order_hex[i], enc[i], 32);
	/* Every listed encoding decodes to a point P with [8]P = 0. */
	for (i = 0; i < N_SMALL_ORDER; i++)
		ck_assert(small_mul_is_identity(enc[i], 8));
	/* [j]T8, j = 0..7, are exactly the eight canonical encodings. */
	unhex(t8_hex, t8, sizeof(t8));
	for (j = 0; j < 8; j++) {
		scalar_small(s, (uint8_t)j);
		ck_assert(point_mul(q, s, t8));
		for (i = 0; i < N_SMALL_ORDER_CANONICAL; i++) {
			if (memcmp(q, enc[i], 32) == 0)
				seen[i]++;
		}
	}
	for (i = 0; i < N_SMALL_ORDER_CANONICAL; i++)
		ck_assert_int_eq(seen[i], 1);
}
END_TEST

/*
 * A = each small-order encoding.  R = [r]B and S = r; the message is
 * chosen so that [k]A = 0, which makes [S]B = R + [k]A hold.
 */
START_TEST(test_crypto_small_order_pk_rejected)
{
	uint8_t pk[32], r[32], k[32], sig[64];
	char msg[48];
	int i, found = 0;

	unhex(small_order_hex[_i], pk, sizeof(pk));
	scalar_from_label(r, "small-order A");
	ck_assert_int_eq(crypto_scalarmult_ed25519_base_noclamp(sig, r), 0);
	memcpy(sig + 32, r, 32);
	for (i = 0; i < 256 && !found; i++) {
		(void)snprintf(msg, sizeof(msg), "small-order A %d", i);
		challenge(k, sig, pk, (const uint8_t *)msg, strlen(msg));
		found = small_mul_is_identity(pk, (uint8_t)(k[0] & 7u));
	}
	ck_assert(found);
	ck_assert(lax_cofactorless(pk, (const uint8_t *)msg, strlen(msg),
	    sig));
	ck_assert_int_eq(tn_ed25519_verify(pk, (const uint8_t *)msg,
	    strlen(msg), sig), TN_ERR_SIGNATURE_INVALID);
	/* Whatever the signature. */
	memset(sig, 0, sizeof(sig));
	ck_assert_int_eq(tn_ed25519_verify(pk, (const uint8_t *)msg,
	    strlen(msg), sig), TN_ERR_SIGNATURE_INVALID);
}
END_TEST

/*
 * R = each small-order encoding, with the mixed-order key A = aB + T8
 * (which verify_strict accepts).  S = k a; the message is chosen so that
 * R + [k]T8 = 0, which makes [S]B = R + [k]A hold.  R = identity also
 * works with the plain key aB: that case is checked as well.
 */
START_TEST(test_crypto_small_order_r_rejected)
{
	uint8_t pk[32], sk[64], a[32], mixed[32], t8[32], k[32], sig[64];
	uint8_t kt[32], ks[32], sum[32];
	char msg[48];
	int i, found = 0;

	mixed_key(mixed, a);
	unhex(t8_hex, t8, sizeof(t8));
	unhex(small_order_hex[_i], sig, 32);
	for (i = 0; i < 256 && !found; i++) {
		(void)snprintf(msg, sizeof(msg), "small-order R %d", i);
		challenge(k, sig, mixed, (const uint8_t *)msg, strlen(msg));
		scalar_small(ks, (uint8_t)(k[0] & 7u));
		ck_assert(point_mul(kt, ks, t8));
		ck_assert_int_eq(crypto_core_ed25519_add(sum, sig, kt), 0);
		found = memcmp(sum, identity_enc, 32) == 0;
	}
	ck_assert(found);
	crypto_core_ed25519_scalar_mul(sig + 32, k, a);
	ck_assert(lax_cofactorless(mixed, (const uint8_t *)msg, strlen(msg),
	    sig));
	ck_assert_int_eq(tn_ed25519_verify(mixed, (const uint8_t *)msg,
	    strlen(msg), sig), TN_ERR_SIGNATURE_INVALID);

	/* R of order 1 with the prime-order key: S = k a. */
	honest_key(pk, sk, a);
	if (small_mul_is_identity(sig, 1)) {
		challenge(k, sig, pk, (const uint8_t *)msg, strlen(msg));
		crypto_core_ed25519_scalar_mul(sig + 32, k, a);
		ck_assert(lax_cofactorless(pk, (const uint8_t *)msg,
		    strlen(msg), sig));
		ck_assert_int_eq(tn_ed25519_verify(pk, (const uint8_t *)msg,
		    strlen(msg), sig), TN_ERR_SIGNATURE_INVALID);
	}
}
END_TEST

/* ------------------------------------------------ unreduced encodings */

/* p + d, d = 0..18, with the sign bit clear or set. */
static void
unreduced_enc(uint8_t e[32], int d, int sign)
{
	memset(e, 0xff, 32);
	e[0] = (uint8_t)(0xed + d);
	e[31] = sign ? 0xff : 0x7f;
}

/*
 * Of the 38 unreduced encodings, 24 decode to a point and 20 of those are
 * not small-order: ed25519-dalek takes them as keys (and hashes them as
 * sent), we refuse them.  No valid signature can be made for them without
 * their discrete logarithm, so this checks refusal, not its cause.
 */
START_TEST(test_crypto_noncanonical_pk_rejected)
{
	uint8_t pk[32], sk[64], a[32], sig[64], bad[32], q[32], one[32];
	static const uint8_t msg[] = "non-canonical A";
	int d, sign, decodes = 0, large = 0;

	honest_key(pk, sk, a);
	ck_assert_int_eq(tn_ed25519_sign(sk, msg, sizeof(msg), sig), TN_OK);
	scalar_small(one, 1);
	for (d = 0; d <= 18; d++) {
		for (sign = 0; sign <= 1; sign++) {
			unreduced_enc(bad, d, sign);
			if (point_mul(q, one, bad)) {
				decodes++;
				large += !small_mul_is_identity(q, 8);
			}
			ck_assert_int_eq(tn_ed25519_verify(bad, msg,
			    sizeof(msg), sig), TN_ERR_SIGNATURE_INVALID);
		}
	}
	ck_assert_int_eq(decodes, 24);
	ck_assert_int_eq(large, 20);
}
END_TEST

START_TEST(test_crypto_noncanonical_r_rejected)
{
	uint8_t pk[32], sk[64], a[32], sig[64], bad[64];
	static const uint8_t msg[] = "non-canonical R";
	int d, sign;

	honest_key(pk, sk, a);
	ck_assert_int_eq(tn_ed25519_sign(sk, msg, sizeof(msg), sig), TN_OK);
	memcpy(bad, sig, sizeof(bad));
	for (d = 0; d <= 18; d++) {
		for (sign = 0; sign <= 1; sign++) {
			unreduced_enc(bad, d, sign);
			ck_assert_int_eq(tn_ed25519_verify(pk, msg,
			    sizeof(msg), bad), TN_ERR_SIGNATURE_INVALID);
		}
	}
}
END_TEST

/* --------------------------------------------- mixed-order points */

/*
 * A = aB + T8 and R = [r]B + [t]T8 with S = r + k a.  The residue
 * [S]B - R - [k]A is -[k + t]T8: zero when k + t = 0 mod 8 (the
 * cofactorless equation holds and verify_strict accepts), a torsion
 * point otherwise (only the cofactored equation holds: rejected).
 */
static void
mixed_signature(uint8_t sig[64], char *msg, size_t msgsz,
    const uint8_t mixed[32], const uint8_t a[32], uint8_t t, int want_zero)
{
	uint8_t r[32], k[32], ka[32], ts[32], tt[32], t8[32];
	int i, found = 0;

	unhex(t8_hex, t8, sizeof(t8));
	scalar_from_label(r, "mixed R");
	ck_assert_int_eq(crypto_scalarmult_ed25519_base_noclamp(sig, r), 0);
	scalar_small(ts, t);
	ck_assert(point_mul(tt, ts, t8));
	ck_assert_int_eq(crypto_core_ed25519_add(sig, sig, tt), 0);
	for (i = 0; i < 256 && !found; i++) {
		(void)snprintf(msg, msgsz, "mixed %u %d", t, i);
		challenge(k, sig, mixed, (const uint8_t *)msg, strlen(msg));
		found = (((k[0] & 7u) + t) % 8u == 0) == (want_zero != 0);
	}
	ck_assert(found);
	crypto_core_ed25519_scalar_mul(ka, k, a);
	crypto_core_ed25519_scalar_add(sig + 32, r, ka);
}

START_TEST(test_crypto_mixed_order_accepted)
{
	uint8_t a[32], mixed[32], sig[64];
	char msg[48];
	uint8_t t;

	mixed_key(mixed, a);
	/* t = 0: R of prime order; t = 1..7: R mixed too. */
	for (t = 0; t < 8; t++) {
		mixed_signature(sig, msg, sizeof(msg), mixed, a, t, 1);
		ck_assert(lax_cofactorless(mixed, (const uint8_t *)msg,
		    strlen(msg), sig));
		ck_assert_int_eq(tn_ed25519_verify(mixed, (const uint8_t *)msg,
		    strlen(msg), sig), TN_OK);
	}
}
END_TEST

START_TEST(test_crypto_cofactored_only_rejected)
{
	uint8_t a[32], mixed[32], sig[64];
	char msg[48];
	uint8_t t;

	mixed_key(mixed, a);
	for (t = 0; t < 8; t++) {
		mixed_signature(sig, msg, sizeof(msg), mixed, a, t, 0);
		ck_assert(lax_cofactored(mixed, (const uint8_t *)msg,
		    strlen(msg), sig));
		ck_assert(!lax_cofactorless(mixed, (const uint8_t *)msg,
		    strlen(msg), sig));
		ck_assert_int_eq(tn_ed25519_verify(mixed, (const uint8_t *)msg,
		    strlen(msg), sig), TN_ERR_SIGNATURE_INVALID);
	}
}
END_TEST

/* ------------------------------------- "Taming the many EdDSAs" vectors */

/*
 * The twelve edge-case vectors of Chalkias, Garillot and Nikolaenko,
 * "Taming the many EdDSAs" (SSR 2020, ePrint 2020/1244), as published in
 * the cases.json of the ed25519-speccheck repository; the expected
 * result is that repository's "Dalek strict" row (ed25519-dalek
 * verify_strict), which accepts only vector 3.  ed25519-dalek 2.x keeps
 * the same verify_strict checks: S canonical, neither R nor A of small
 * order, R compared by encoding.  None of these vectors separates our
 * extra non-canonical-A rule from verify_strict: the non-canonical keys
 * in 10 and 11 are small-order, which verify_strict refuses too.
 */
struct speccheck_vector {
	const char	*msg;
	const char	*pk;
	const char	*sig;
	int		 strict_ok;	/* dalek verify_strict accepts */
	/* Whether the lax equations hold, R and A hashed as sent: */
	int		 cofactored_ok;
	int		 cofactorless_ok;
};

static const struct speccheck_vector speccheck[] = {
	/* 0: S = 0, small-order A and R. */
	{ "8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6",
	  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
	  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"
	  "0000000000000000000000000000000000000000000000000000000000000000",
	  0, 1, 1 },
	/* 1: small-order A, mixed-order R. */
	{ "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79",
	  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
	  "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43"
	  "a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
	  0, 1, 1 },
	/* 2: mixed-order A, small-order R. */
	{ "aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab",
	  "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
	  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"
	  "8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e",
	  0, 1, 1 },
	/* 3: mixed-order A and R, both equations hold: accepted. */
	{ "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79",
	  "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
	  "9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f"
	  "87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009",
	  1, 1, 1 },
	/* 4: mixed-order A and R, only the cofactored equation holds. */
	{ "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c",
	  "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
	  "160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed512"
	  "5ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09",
	  0, 1, 0 },
	/* 5: mixed-order A, prime-order R; cofactored only, and only when
	 * not pre-reduced ([8]R + [8k]A != [8S]B here). */
	{ "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c",
	  "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
	  "21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7"
	  "e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405",
	  0, 1, 0 },
	/* 6: S > L (S - L would be valid). */
	{ "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40",
	  "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623",
	  "e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e"
	  "547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514",
	  0, 1, 1 },
	/* 7: S >> L, top bits set. */
	{ "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40",
	  "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623",
	  "8ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa1942"
	  "7e71f98a473474f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22",
	  0, 1, 1 },
	/* 8: non-canonical small-order R (x = -0), made for a verifier that
	 * reduces R before hashing: with R hashed as sent, neither equation
	 * holds. */
	{ "9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41",
	  "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
	  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
	  "03be9678ac102edcd92b0210bb34d7428d12ffc5df5f37e359941266a4e35f0f",
	  0, 0, 0 },
	/* 9: the same R, not reduced for the hash. */
	{ "9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41",
	  "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
	  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
	  "ca8c5b64cd208982aa38d4936621a4775aa233aa0505711d8fdcfdaa943d4908",
	  0, 1, 1 },
	/* 10: non-canonical small-order A (x = -0), made for a verifier that
	 * reduces A before hashing: with A hashed as sent, only the
	 * cofactored equation (which ignores small-order A) holds. */
	{ "e96b7021eb39c1a163b6da4e3093dcd3f21387da4cc4572be588fafae23c155b",
	  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	  "a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dc"
	  "a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
	  0, 1, 0 },
	/* 11: the same A, not reduced for the hash. */
	{ "39a591f5321bbe07fd5a23dc2f39d025d74526615746727ceefd6e82ae65c06f",
	  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	  "a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dc"
	  "a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
	  0, 1, 1 },
};
#define N_SPECCHECK	((int)(sizeof(speccheck) / sizeof(speccheck[0])))

START_TEST(test_crypto_speccheck_vectors)
{
	const struct speccheck_vector *v = &speccheck[_i];
	uint8_t msg[32], pk[32], sig[64];
	int want;

	unhex(v->msg, msg, sizeof(msg));
	unhex(v->pk, pk, sizeof(pk));
	unhex(v->sig, sig, sizeof(sig));
	/* The vector is the edge case it claims to be. */
	ck_assert_int_eq(lax_cofactored(pk, msg, sizeof(msg), sig),
	    v->cofactored_ok);
	ck_assert_int_eq(lax_cofactorless(pk, msg, sizeof(msg), sig),
	    v->cofactorless_ok);
	want = v->strict_ok ? TN_OK : TN_ERR_SIGNATURE_INVALID;
	ck_assert_int_eq(tn_ed25519_verify(pk, msg, sizeof(msg), sig), want);
}
END_TEST

/* ---------------------------------------------------- misuse */

START_TEST(test_crypto_null_arguments_rejected)
{
	uint8_t pk[32], sk[64], a[32], sig[64], seed[32] = { 0 };
	static const uint8_t msg[] = "m";

	honest_key(pk, sk, a);
	ck_assert_int_eq(tn_ed25519_sign(sk, msg, sizeof(msg), sig), TN_OK);
	ck_assert_int_eq(tn_ed25519_verify(NULL, msg, sizeof(msg), sig),
	    TN_ERR_SIGNATURE_INVALID);
	ck_assert_int_eq(tn_ed25519_verify(pk, msg, sizeof(msg), NULL),
	    TN_ERR_SIGNATURE_INVALID);
	ck_assert_int_eq(tn_ed25519_verify(pk, NULL, sizeof(msg), sig),
	    TN_ERR_SIGNATURE_INVALID);

	ck_assert_int_eq(tn_ed25519_sign(NULL, msg, sizeof(msg), sig),
	    TN_ERR_INVALID_ARG);
	ck_assert_int_eq(tn_ed25519_sign(sk, NULL, 1, sig),
	    TN_ERR_INVALID_ARG);
	ck_assert_int_eq(tn_ed25519_sign(sk, msg, sizeof(msg), NULL),
	    TN_ERR_INVALID_ARG);

	memset(pk, 0xaa, sizeof(pk));
	ck_assert_int_eq(tn_ed25519_keypair_from_seed(NULL, pk, sk),
	    TN_ERR_INVALID_ARG);
	ck_assert(sodium_is_zero(pk, sizeof(pk)));
	ck_assert(sodium_is_zero(sk, sizeof(sk)));
	ck_assert_int_eq(tn_ed25519_keypair_from_seed(seed, NULL, sk),
	    TN_ERR_INVALID_ARG);
	ck_assert_int_eq(tn_ed25519_keypair_from_seed(seed, pk, NULL),
	    TN_ERR_INVALID_ARG);
}
END_TEST

START_TEST(test_crypto_sign_refuses_mismatched_secret_key)
{
	uint8_t pk[32], sk[64], a[32], sig[64];
	static const uint8_t msg[] = "m";

	honest_key(pk, sk, a);
	sk[40] ^= 0x01;
	memset(sig, 0xaa, sizeof(sig));
	ck_assert_int_eq(tn_ed25519_sign(sk, msg, sizeof(msg), sig),
	    TN_ERR_INVALID_ARG);
	ck_assert(sodium_is_zero(sig, sizeof(sig)));
}
END_TEST

/* ----------------------------------------------------- SHA-256 */

static void
check_sha256(const char *in, const char *want_hex)
{
	uint8_t out[32], want[32];

	unhex(want_hex, want, sizeof(want));
	tn_sha256((const uint8_t *)in, strlen(in), out);
	ck_assert_mem_eq(out, want, sizeof(out));
}

START_TEST(test_crypto_sha256_abc)
{
	check_sha256("abc", "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
}
END_TEST

START_TEST(test_crypto_sha256_empty)
{
	static const char empty_hex[] =
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	uint8_t out[32], want[32];

	check_sha256("", empty_hex);
	unhex(empty_hex, want, sizeof(want));
	tn_sha256(NULL, 0, out);
	ck_assert_mem_eq(out, want, sizeof(out));
}
END_TEST

START_TEST(test_crypto_sha256_two_blocks)
{
	check_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1");
}
END_TEST

/* Every split point of a 2-block message gives the one-shot digest. */
START_TEST(test_crypto_sha256_incremental_matches_oneshot)
{
	static const char in[] =
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	const uint8_t *p = (const uint8_t *)in;
	size_t n = strlen(in), cut, i;
	struct tn_sha256_ctx ctx;
	uint8_t want[32], out[32];

	tn_sha256(p, n, want);
	for (cut = 0; cut <= n; cut++) {
		tn_sha256_init(&ctx);
		tn_sha256_update(&ctx, p, cut);
		tn_sha256_update(&ctx, NULL, 0);
		tn_sha256_update(&ctx, p + cut, n - cut);
		tn_sha256_final(&ctx, out);
		ck_assert_mem_eq(out, want, sizeof(out));
	}
	tn_sha256_init(&ctx);
	for (i = 0; i < n; i++)
		tn_sha256_update(&ctx, p + i, 1);
	tn_sha256_final(&ctx, out);
	ck_assert_mem_eq(out, want, sizeof(out));
	/* final wipes the context */
	ck_assert(sodium_is_zero((const uint8_t *)&ctx, sizeof(ctx)));
}
END_TEST

/* FIPS 180-2 B.3: one million 'a', fed in 1000-byte pieces. */
START_TEST(test_crypto_sha256_million_a)
{
	uint8_t chunk[1000], out[32], want[32];
	struct tn_sha256_ctx ctx;
	int i;

	memset(chunk, 'a', sizeof(chunk));
	unhex("cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0", want, sizeof(want));
	tn_sha256_init(&ctx);
	for (i = 0; i < 1000; i++)
		tn_sha256_update(&ctx, chunk, sizeof(chunk));
	tn_sha256_final(&ctx, out);
	ck_assert_mem_eq(out, want, sizeof(out));
}
END_TEST

/* ------------------------------------------------------- memeq */

START_TEST(test_crypto_memeq)
{
	uint8_t a[64], b[64];
	size_t i;

	for (i = 0; i < sizeof(a); i++)
		a[i] = b[i] = (uint8_t)i;
	ck_assert_int_eq(tn_crypto_memeq(a, b, sizeof(a)), 1);
	ck_assert_int_eq(tn_crypto_memeq(a, b, 0), 1);
	ck_assert_int_eq(tn_crypto_memeq(NULL, NULL, 0), 1);
	for (i = 0; i < sizeof(a); i++) {
		b[i] ^= 0x80;
		ck_assert_int_eq(tn_crypto_memeq(a, b, sizeof(a)), 0);
		ck_assert_int_eq(tn_crypto_memeq(a, b, i), 1);
		b[i] ^= 0x80;
	}
}
END_TEST

START_TEST(test_crypto_init_is_idempotent)
{
	ck_assert_int_eq(tn_crypto_init(), TN_OK);
	ck_assert_int_eq(tn_crypto_init(), TN_OK);
}
END_TEST

/* ------------------------------------------------------- suite */

static Suite *
crypto_suite(void)
{
	Suite *s = suite_create("crypto");
	TCase *valid = tcase_create("valid");
	TCase *vectors = tcase_create("vectors");
	TCase *strict = tcase_create("strict");
	TCase *misuse = tcase_create("misuse");
	TCase *hash = tcase_create("sha256");

	tcase_add_loop_test(vectors, test_crypto_rfc8032_vectors, 0,
	    (int)(sizeof(rfc8032) / sizeof(rfc8032[0])));
	tcase_add_test(vectors, test_crypto_keys_from_seeds);
	tcase_add_loop_test(vectors, test_crypto_speccheck_vectors, 0,
	    N_SPECCHECK);
	suite_add_tcase(s, vectors);

	tcase_add_test(valid, test_crypto_empty_message_may_be_null);
	tcase_add_test(valid, test_crypto_sign_verify_roundtrip);
	tcase_add_test(valid, test_crypto_mixed_order_accepted);
	tcase_add_test(valid, test_crypto_memeq);
	tcase_add_test(valid, test_crypto_init_is_idempotent);
	suite_add_tcase(s, valid);

	tcase_set_timeout(strict, 30);
	tcase_add_test(strict, test_crypto_bit_flips_rejected);
	tcase_add_test(strict, test_crypto_noncanonical_s_rejected);
	tcase_add_test(strict, test_crypto_torsion_table);
	tcase_add_loop_test(strict, test_crypto_small_order_pk_rejected, 0,
	    N_SMALL_ORDER);
	tcase_add_loop_test(strict, test_crypto_small_order_r_rejected, 0,
	    N_SMALL_ORDER);
	tcase_add_test(strict, test_crypto_noncanonical_pk_rejected);
	tcase_add_test(strict, test_crypto_noncanonical_r_rejected);
	tcase_add_test(strict, test_crypto_cofactored_only_rejected);
	suite_add_tcase(s, strict);

	tcase_add_test(misuse, test_crypto_null_arguments_rejected);
	tcase_add_test(misuse, test_crypto_sign_refuses_mismatched_secret_key);
	suite_add_tcase(s, misuse);

	tcase_add_test(hash, test_crypto_sha256_abc);
	tcase_add_test(hash, test_crypto_sha256_empty);
	tcase_add_test(hash, test_crypto_sha256_two_blocks);
	tcase_add_test(hash, test_crypto_sha256_incremental_matches_oneshot);
	tcase_add_test(hash, test_crypto_sha256_million_a);
	suite_add_tcase(s, hash);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	if (tn_crypto_init() != TN_OK) {
		fprintf(stderr, "check_crypto: tn_crypto_init failed\n");
		return 1;
	}
	sr = srunner_create(crypto_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
