/*
 * fuzz_srl.c: libFuzzer target for signed revocation lists and approval
 * envelopes.  The first byte picks the decoder; odd bytes also re-sign
 * the input as an approval payload so payload parsing is reached.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tn_approval.h"
#include "tn_crypto.h"
#include "tn_srl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t sk[64], pk[32];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct tn_srl *srl;
	struct tn_approval a;
	struct tn_approval_payload p;
	uint8_t *env;
	size_t n;

	if (!ready) {
		uint8_t seed[32];

		memset(seed, 1, sizeof(seed));
		if (tn_crypto_init() != 0 ||
		    tn_ed25519_keypair_from_seed(seed, pk, sk) != 0)
			abort();
		ready = 1;
	}
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		if (tn_srl_decode(data + 1, size - 1, pk, 0, &srl, NULL) ==
		    TN_OK) {
			uint8_t id[TN_ID_LEN] = { 0 };

			(void)tn_srl_is_revoked(srl, id);
			tn_srl_free(srl);
		}
		break;
	case 1:
		if (tn_approval_parse(data + 1, size - 1, &a, NULL) == TN_OK)
			(void)tn_approval_verify(&a, 1704067200, &p, NULL);
		break;
	default:
		if (tn_approval_seal(TN_APPROVAL_FORM_SPEC, data + 1, size - 1,
		    sk, &env, &n, NULL) != TN_OK)
			break;
		if (tn_approval_parse(env, n, &a, NULL) == TN_OK)
			(void)tn_approval_verify(&a, 1704067200, &p, NULL);
		free(env);
		break;
	}
	return 0;
}
