/*
 * ctl_cmd_keys.c: keygen and pubkey.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "tn_codec.h"
#include "tn_crypto.h"

static int
print_pubkey(const uint8_t pk[TN_KEY_LEN])
{
	char hex[2 * TN_KEY_LEN + 1];

	tn_hex_encode(pk, TN_KEY_LEN, hex);
	if (printf("%s\n", hex) < 0 || fflush(stdout) == EOF) {
		ctl_err("cannot write to stdout");
		return CTL_EXIT_USAGE;
	}
	return CTL_EXIT_OK;
}

static int
keygen_seed(const char *hex, uint8_t seed[32])
{
	size_t got;

	if (hex == NULL)
		return ctl_random(seed, 32);
	if (strlen(hex) != 64 ||
	    tn_hex_decode(hex, 64, seed, 32, &got, NULL) != TN_OK) {
		ctl_err("--seed: expected 64 hex digits");
		return -1;
	}
	return 0;
}

int
ctl_cmd_keygen(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *seedhex = NULL, *out = NULL;
	uint8_t seed[32], sk[64], pk[TN_KEY_LEN];
	int c, rc = CTL_EXIT_USAGE;

	while ((c = ctl_getopt(argc, argv, ":ho:", lo)) != -1) {
		if (c == 's')
			seedhex = optarg;
		else if (c == 'o')
			out = optarg;
		else
			return ctl_opt_done(argv[0], c);
	}
	if (optind != argc) {
		ctl_err("keygen: unexpected argument '%s'", argv[optind]);
		return ctl_opt_done(argv[0], '?');
	}
	if (keygen_seed(seedhex, seed) == -1 ||
	    tn_ed25519_keypair_from_seed(seed, pk, sk) != TN_OK)
		goto out;
	if (out != NULL && ctl_key_save(out, seed) == -1)
		goto out;
	if (out == NULL && seedhex == NULL)
		ctl_err("keygen: no -o given: the private key is discarded");
	rc = print_pubkey(pk);
out:
	explicit_bzero(seed, sizeof(seed));
	explicit_bzero(sk, sizeof(sk));
	return rc;
}

int
ctl_cmd_pubkey(int argc, char **argv)
{
	uint8_t sk[64], pk[TN_KEY_LEN];
	int rc;

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0))
		return ctl_opt_done(argv[0], 'h');
	if (argc != 2) {
		ctl_err("pubkey: expected exactly one KEYFILE");
		return ctl_opt_done(argv[0], '?');
	}
	if (ctl_key_load(argv[1], sk, pk) == -1)
		return CTL_EXIT_USAGE;
	explicit_bzero(sk, sizeof(sk));
	rc = print_pubkey(pk);
	return rc;
}
