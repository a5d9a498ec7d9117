/*
 * fuzz_warrant.c: libFuzzer target for warrant and stack decoding, chain
 * verification and authorization.  Signatures make most mutations fail
 * early, so the target also feeds the bytes to the payload checks through
 * a re-signed envelope: the first byte picks the mode.  The stack's own
 * root issuer is trusted too, so the published vector chains verify in
 * full and mutations of them reach the checks after the signatures.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tn_chain.h"
#include "tn_crypto.h"
#include "tn_warrant.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t sk[64], pk[32];

static void
keys(void)
{
	static int done;
	uint8_t seed[32];

	if (done)
		return;
	memset(seed, 1, sizeof(seed));
	if (tn_crypto_init() != 0 ||
	    tn_ed25519_keypair_from_seed(seed, pk, sk) != 0)
		abort();
	done = 1;
}

static void
try_stack(const uint8_t *p, size_t n)
{
	struct tn_stack *st;
	struct tn_verify_opts o;
	static const uint8_t args[] = { 0xa1, 0x64, 'p', 'a', 't', 'h', 0x67,
		'/', 'd', 'a', 't', 'a', '/', 'x' };
	struct tn_cbor_doc d;
	uint8_t sig[64] = { 0 };
	struct tn_call call = { "read_file", 9, NULL, sig, NULL, 0 };
	uint8_t roots[2][TN_KEY_LEN];

	if (tn_stack_decode(p, n, &st, NULL) != TN_OK)
		return;
	/* ours, and the stack's own root: vector chains verify in full */
	memcpy(roots[0], pk, TN_KEY_LEN);
	memcpy(roots[1], st->n > 0 ? st->w[0]->issuer : pk, TN_KEY_LEN);
	tn_verify_opts_init(&o);
	o.roots = (const uint8_t (*)[TN_KEY_LEN])roots;
	o.nroots = 2;
	o.now = 1704067300;
	(void)tn_chain_verify(st, &o, NULL, NULL);
	if (tn_cbor_decode(args, sizeof(args), NULL, &d, NULL) == TN_OK) {
		call.args = &d.items[0];
		(void)tn_authorize(st, &call, &o, NULL, NULL);
		tn_cbor_doc_free(&d);
	}
	tn_stack_free(st);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *env;
	size_t n;

	keys();
	if (size < 1)
		return 0;
	if (data[0] & 1) {
		try_stack(data + 1, size - 1);
		return 0;
	}
	/* Treat the rest as a payload and sign it: exercises the body checks. */
	if (tn_warrant_seal(data + 1, size - 1, sk, &env, &n, NULL) == TN_OK) {
		try_stack(env, n);
		free(env);
	}
	return 0;
}
