/*
 * bench_ed25519.c: Ed25519 verification speed, libsodium against OpenSSL 3,
 * in one process so that the ratio is measured under the same conditions.
 *
 *	bench_ed25519 [rounds [iterations]]
 *
 * Each round times `iterations` verifications of one valid signature on a
 * 200-byte message with each implementation, in an order that rotates from
 * round to round.  Per implementation it prints the median over the rounds
 * of the wall-clock (CLOCK_MONOTONIC) and CPU (CLOCK_PROCESS_CPUTIME_ID)
 * microseconds per verification, then the OpenSSL/libsodium ratios:
 *
 *	ed25519_verify_us lib=libsodium median=... cpu_median=... min=... ...
 *	ed25519_verify_ratio num=openssl den=libsodium wall=... cpu=...
 *
 * Implementations:
 *	libsodium	crypto_sign_verify_detached()
 *	tenuo		tn_ed25519_verify(): libsodium plus our strict checks
 *	openssl		EVP_DigestVerify(), EVP_PKEY made once, the
 *			EVP_MD_CTX reused (re-initialised per verification)
 *	openssl_newkey	EVP_DigestVerify(), EVP_PKEY and EVP_MD_CTX made and
 *			freed per verification (a key not cached)
 *
 * Exits non-zero if any verification gives a wrong answer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "tn_crypto.h"

#define BENCH_MSG_BYTES		200u
#define BENCH_DEFAULT_ROUNDS	7ul
#define BENCH_MAX_ROUNDS	101ul
#define BENCH_DEFAULT_ITERS	3000ul
#define BENCH_MAX_ITERS		10000000ul
#define BENCH_WARMUP_ITERS	300ul

struct bench_input {
	uint8_t		 pk[32];
	uint8_t		 sig[64];
	uint8_t		 msg[BENCH_MSG_BYTES];
	EVP_PKEY	*pkey;		/* for "openssl" */
	EVP_MD_CTX	*mdctx;		/* for "openssl" */
};

/* Each returns 1 if the signature verifies, 0 if not. */
typedef int	(*verify_fn)(struct bench_input *, const uint8_t *);

struct bench_impl {
	const char	*name;
	verify_fn	 verify;
	double		 wall_us[BENCH_MAX_ROUNDS];
	double		 cpu_us[BENCH_MAX_ROUNDS];
	unsigned long	 wrong;
};

static int
verify_sodium(struct bench_input *in, const uint8_t *sig)
{
	return crypto_sign_verify_detached(sig, in->msg, sizeof(in->msg),
	    in->pk) == 0;
}

static int
verify_tenuo(struct bench_input *in, const uint8_t *sig)
{
	return tn_ed25519_verify(in->pk, in->msg, sizeof(in->msg), sig) ==
	    TN_OK;
}

static int
verify_openssl(struct bench_input *in, const uint8_t *sig)
{
	if (EVP_DigestVerifyInit(in->mdctx, NULL, NULL, NULL, in->pkey) != 1)
		return 0;
	return EVP_DigestVerify(in->mdctx, sig, 64, in->msg,
	    sizeof(in->msg)) == 1;
}

static int
verify_openssl_newkey(struct bench_input *in, const uint8_t *sig)
{
	EVP_PKEY *pkey;
	EVP_MD_CTX *ctx = NULL;
	int ok = 0;

	pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, in->pk,
	    sizeof(in->pk));
	if (pkey == NULL)
		goto out;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		goto out;
	if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) != 1)
		goto out;
	ok = EVP_DigestVerify(ctx, sig, 64, in->msg, sizeof(in->msg)) == 1;
out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ok;
}

static double
now_us(clockid_t clock)
{
	struct timespec ts;

	if (clock_gettime(clock, &ts) != 0) {
		perror("clock_gettime");
		exit(1);
	}
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of v[0..n); sorts a copy. */
static double
median(const double *v, size_t n)
{
	double s[BENCH_MAX_ROUNDS];

	memcpy(s, v, n * sizeof(v[0]));
	qsort(s, n, sizeof(s[0]), cmp_double);
	if (n % 2 == 1)
		return s[n / 2];
	return (s[n / 2 - 1] + s[n / 2]) / 2.0;
}

static double
min_of(const double *v, size_t n)
{
	double m = v[0];
	size_t i;

	for (i = 1; i < n; i++)
		m = v[i] < m ? v[i] : m;
	return m;
}

static double
max_of(const double *v, size_t n)
{
	double m = v[0];
	size_t i;

	for (i = 1; i < n; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

/* Parses a decimal argument in [1, max]; exits on anything else. */
static unsigned long
parse_count(const char *s, unsigned long max, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || v < 1 ||
	    v > max) {
		fprintf(stderr, "bench_ed25519: %s must be 1..%lu\n", what,
		    max);
		exit(2);
	}
	return v;
}

/* A key pair, a 200-byte message and its signature; the OpenSSL key. */
static void
setup(struct bench_input *in)
{
	uint8_t seed[32], sk[64];
	size_t i;

	for (i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(i * 13u + 7u);
	for (i = 0; i < sizeof(in->msg); i++)
		in->msg[i] = (uint8_t)(i * 31u + 1u);
	if (tn_ed25519_keypair_from_seed(seed, in->pk, sk) != TN_OK ||
	    tn_ed25519_sign(sk, in->msg, sizeof(in->msg), in->sig) != TN_OK) {
		fprintf(stderr, "bench_ed25519: key setup failed\n");
		exit(1);
	}
	sodium_memzero(sk, sizeof(sk));
	in->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, in->pk,
	    sizeof(in->pk));
	in->mdctx = EVP_MD_CTX_new();
	if (in->pkey == NULL || in->mdctx == NULL) {
		fprintf(stderr, "bench_ed25519: OpenSSL key setup failed\n");
		exit(1);
	}
}

/* Each implementation accepts the signature and refuses a corrupted one. */
static int
sanity_check(struct bench_input *in, struct bench_impl *impl, size_t n)
{
	uint8_t bad[64];
	size_t i;
	int ok = 1;

	memcpy(bad, in->sig, sizeof(bad));
	bad[10] ^= 0x04;
	for (i = 0; i < n; i++) {
		if (!impl[i].verify(in, in->sig) || impl[i].verify(in, bad)) {
			fprintf(stderr, "bench_ed25519: %s gives a wrong "
			    "answer\n", impl[i].name);
			ok = 0;
		}
	}
	return ok;
}

/* Times iters verifications; returns wall and CPU microseconds each. */
static void
time_impl(struct bench_input *in, struct bench_impl *impl,
    unsigned long iters, double *wall_us, double *cpu_us)
{
	double w0, c0;
	unsigned long i;

	w0 = now_us(CLOCK_MONOTONIC);
	c0 = now_us(CLOCK_PROCESS_CPUTIME_ID);
	for (i = 0; i < iters; i++) {
		if (!impl->verify(in, in->sig))
			impl->wrong++;
	}
	*cpu_us = (now_us(CLOCK_PROCESS_CPUTIME_ID) - c0) / (double)iters;
	*wall_us = (now_us(CLOCK_MONOTONIC) - w0) / (double)iters;
}

static void
report(const struct bench_impl *impl, size_t rounds, unsigned long iters)
{
	printf("ed25519_verify_us lib=%s median=%.2f cpu_median=%.2f "
	    "min=%.2f max=%.2f rounds=%zu iters=%lu msg_bytes=%u\n",
	    impl->name, median(impl->wall_us, rounds),
	    median(impl->cpu_us, rounds), min_of(impl->wall_us, rounds),
	    max_of(impl->wall_us, rounds), rounds, iters, BENCH_MSG_BYTES);
}

static void
report_ratio(const struct bench_impl *num, const struct bench_impl *den,
    size_t rounds)
{
	printf("ed25519_verify_ratio num=%s den=%s wall=%.2f cpu=%.2f\n",
	    num->name, den->name,
	    median(num->wall_us, rounds) / median(den->wall_us, rounds),
	    median(num->cpu_us, rounds) / median(den->cpu_us, rounds));
}

int
main(int argc, char **argv)
{
	struct bench_impl impl[] = {
		{ "libsodium", verify_sodium, { 0 }, { 0 }, 0 },
		{ "tenuo", verify_tenuo, { 0 }, { 0 }, 0 },
		{ "openssl", verify_openssl, { 0 }, { 0 }, 0 },
		{ "openssl_newkey", verify_openssl_newkey, { 0 }, { 0 }, 0 },
	};
	const size_t nimpl = sizeof(impl) / sizeof(impl[0]);
	struct bench_input in;
	unsigned long rounds = BENCH_DEFAULT_ROUNDS;
	unsigned long iters = BENCH_DEFAULT_ITERS;
	double w, c;
	size_t r, j, k;
	int rc = 0;

	if (argc > 3) {
		fprintf(stderr, "usage: bench_ed25519 [rounds [iterations]]\n");
		return 2;
	}
	if (argc > 1)
		rounds = parse_count(argv[1], BENCH_MAX_ROUNDS, "rounds");
	if (argc > 2)
		iters = parse_count(argv[2], BENCH_MAX_ITERS, "iterations");
	if (tn_crypto_init() != TN_OK) {
		fprintf(stderr, "bench_ed25519: tn_crypto_init failed\n");
		return 1;
	}
	setup(&in);
	if (!sanity_check(&in, impl, nimpl))
		return 1;

	printf("# libsodium %s; %s\n", sodium_version_string(),
	    OpenSSL_version(OPENSSL_VERSION));
	for (j = 0; j < nimpl; j++)
		time_impl(&in, &impl[j], BENCH_WARMUP_ITERS, &w, &c);
	for (r = 0; r < rounds; r++) {
		for (j = 0; j < nimpl; j++) {
			k = (r + j) % nimpl;
			time_impl(&in, &impl[k], iters, &impl[k].wall_us[r],
			    &impl[k].cpu_us[r]);
		}
	}

	for (j = 0; j < nimpl; j++) {
		report(&impl[j], (size_t)rounds, iters);
		if (impl[j].wrong != 0) {
			fprintf(stderr, "bench_ed25519: %s rejected a valid "
			    "signature %lu times\n", impl[j].name,
			    impl[j].wrong);
			rc = 1;
		}
	}
	report_ratio(&impl[2], &impl[0], (size_t)rounds);
	report_ratio(&impl[3], &impl[0], (size_t)rounds);
	report_ratio(&impl[1], &impl[0], (size_t)rounds);

	EVP_MD_CTX_free(in.mdctx);
	EVP_PKEY_free(in.pkey);
	return rc;
}
