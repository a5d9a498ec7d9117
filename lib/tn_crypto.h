/*
 * tn_crypto.h: Ed25519 signatures, SHA-256 and constant-time comparison,
 * on top of libsodium.
 *
 * Verification is strict: it accepts exactly the signatures that
 * ed25519-dalek 2.x VerifyingKey::verify_strict() accepts, except that it
 * also refuses public keys whose y coordinate is not reduced (y >= p).
 * In detail, a signature (R, S) by key A on a message is refused when
 *   - S is not reduced (S >= L, the order of the base point);
 *   - A or R is not a canonical encoding (y >= p), or is one of the eight
 *     points of order dividing 8, under any encoding;
 *   - [S]B != R + [k]A with k = SHA-512(R || A || M) mod L, compared by
 *     the encoding of R (the cofactorless equation).
 * Keys and signatures with a mixed-order component (a prime-order point
 * plus a small torsion part) pass if they satisfy that equation, as they
 * do in verify_strict.  The scalar and point checks are done here, before
 * libsodium is called, so they hold whatever libsodium's build flags
 * (ED25519_COMPAT) are; the equation itself is libsodium's, and
 * tn_crypto_init() refuses a libsodium that uses the cofactored one.
 *
 * No function here allocates, does I/O or keeps state between calls,
 * except tn_crypto_init(), which initialises libsodium.  All buffers are
 * owned by the caller; fixed-size arguments must point to at least as
 * many bytes as their array bound says.  Arguments may not overlap.
 */
#ifndef TN_CRYPTO_H
#define TN_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "tn_err.h"

#define TN_ED25519_PK_BYTES	32u
#define TN_ED25519_SK_BYTES	64u	/* seed || public key */
#define TN_ED25519_SEED_BYTES	32u
#define TN_ED25519_SIG_BYTES	64u	/* R || S */
#define TN_SHA256_BYTES		32u

/*
 * Initialises libsodium (sodium_init()) and runs a self-test of its
 * Ed25519 verification.  The daemon and tools call it once at startup,
 * before any other libtenuo function and before any thread is started;
 * calling it again is harmless.  It is the only function in libtenuo that
 * touches global state: libsodium's CPU feature detection and
 * random-number source.  Returns TN_OK; TN_ERR_NOMEM if libsodium cannot
 * be initialised; TN_ERR_SIGNATURE_INVALID if the linked libsodium fails
 * the self-test (rejects an RFC 8032 signature, or accepts one that only
 * the cofactored equation accepts).  Either failure is fatal.
 */
int	tn_crypto_init(void) __attribute__((warn_unused_result));

/*
 * Verifies the Ed25519 signature sig (R || S) by the public key pk on
 * msg[0..msglen) with the strict rules above.  msg may be NULL when
 * msglen is 0.  Returns TN_OK only for a valid signature, and
 * TN_ERR_SIGNATURE_INVALID otherwise, including for NULL pk or sig.
 */
int	tn_ed25519_verify(const uint8_t pk[32], const uint8_t *msg,
	    size_t msglen, const uint8_t sig[64])
	    __attribute__((warn_unused_result));

/*
 * Derives the key pair of a 32-byte seed (RFC 8032 private key): pk gets
 * the public key, sk the libsodium secret key layout seed || pk.  sk is
 * secret: the caller wipes it (sodium_memzero/explicit_bzero) when done.
 * Returns TN_OK, or TN_ERR_INVALID_ARG if an argument is NULL (the
 * non-NULL outputs are then zeroed).
 */
int	tn_ed25519_keypair_from_seed(const uint8_t seed[32], uint8_t pk[32],
	    uint8_t sk[64]) __attribute__((warn_unused_result));

/*
 * Signs msg[0..len) with sk (seed || pk) into sig; deterministic, as
 * RFC 8032.  msg may be NULL when len is 0.  The public half of sk is
 * checked against the one derived from its seed first: signing with a
 * mismatched public key would leak the private key.  Returns TN_OK, or
 * TN_ERR_INVALID_ARG if an argument is NULL or sk is inconsistent (sig,
 * if non-NULL, is then zeroed).
 */
int	tn_ed25519_sign(const uint8_t sk[64], const uint8_t *msg, size_t len,
	    uint8_t sig[64]) __attribute__((warn_unused_result));

/* SHA-256 of p[0..n) into out.  p may be NULL when n is 0. */
void	tn_sha256(const uint8_t *p, size_t n, uint8_t out[32]);

/*
 * Incremental SHA-256: init, any number of updates, final.  The context
 * is plain memory owned by the caller (no cleanup needed beyond final,
 * which wipes it); it is opaque, only its size is public.
 */
#define TN_SHA256_CTX_BYTES	128u

struct tn_sha256_ctx {
	uint64_t	opaque[TN_SHA256_CTX_BYTES / 8u];
};

void	tn_sha256_init(struct tn_sha256_ctx *ctx);
/* p may be NULL when n is 0. */
void	tn_sha256_update(struct tn_sha256_ctx *ctx, const uint8_t *p,
	    size_t n);
/* Writes the digest to out and wipes ctx; init it again to reuse it. */
void	tn_sha256_final(struct tn_sha256_ctx *ctx, uint8_t out[32]);

/*
 * Compares a[0..n) and b[0..n) in time that depends on n only, never on
 * the contents.  Returns 1 if they are equal (or n is 0), 0 otherwise.
 */
int	tn_crypto_memeq(const void *a, const void *b, size_t n)
	    __attribute__((warn_unused_result));

#endif /* TN_CRYPTO_H */
