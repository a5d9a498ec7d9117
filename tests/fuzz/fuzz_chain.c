/*
 * fuzz_chain.c: libFuzzer target for chain verification and attenuation
 * through real, correctly signed chains.  Mutating signed bytes almost
 * never gets past the signature, so this target builds the chain itself:
 * the input gives each warrant's constraint and a few flags, the harness
 * mints warrant i with key i for holder i + 1 (parent hash linked), and
 * the chain is verified, encoded, decoded and used to authorize a call
 * carrying a PoP signed by the leaf's holder.
 *
 * Input:
 *   byte 0   bits 0-1: warrants - 1 (1..4); bit 2: the root is an issuer
 *            warrant; bit 3: break the last parent hash; bit 4:
 *            allow_unknown in every set; bit 5: sign the PoP with the
 *            wrong key; bit 6: the leaf outlives its parent
 *   per warrant: 1 flag byte (bits 0-1: argument name, bits 2-4:
 *            max_depth, bit 5: no constraint at all), 2-byte big-endian
 *            length, that many bytes of one CBOR constraint
 *   the rest: the CBOR value of the leaf's argument in the call
 *
 * Oracles beyond the sanitizers: a stack survives encode/decode with the
 * same warrants; links tn_chain_verify accepts are accepted by
 * tn_chain_check_link; and monotonic attenuation: when the leaf
 * authorizes a call, every execution warrant above it does too (PoP by
 * its own holder), as each link was checked to attenuate.
 * FUZZ_VERBOSE=1 prints each outcome.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tn_chain.h"
#include "tn_crypto.h"
#include "tn_pop.h"
#include "tn_warrant.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXW	4
#define IAT	1704067200u
#define NOW	(IAT + 100)

static const char *const argnames[] = { "path", "x", "url", "cmd" };

static struct party {
	uint8_t	sk[64];
	uint8_t	pk[32];
} party[MAXW + 2];

static int verbose;	/* FUZZ_VERBOSE: print each outcome */

static void
keys(void)
{
	static int done;
	uint8_t seed[32];

	if (done)
		return;
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	if (tn_crypto_init() != 0)
		abort();
	for (int i = 0; i < MAXW + 2; i++) {
		memset(seed, i + 1, sizeof(seed));
		if (tn_ed25519_keypair_from_seed(seed, party[i].pk,
		    party[i].sk) != 0)
			abort();
	}
	done = 1;
}

struct spec {
	uint8_t		 flags;
	const uint8_t	*c;
	size_t		 clen;
};

/* Mints warrant i of the chain; NULL when the minter refuses it. */
static struct tn_warrant *
mint(int i, const struct spec *s, const struct tn_warrant *parent,
    uint8_t top, int last)
{
	struct tn_cset_entry e = { argnames[s->flags & 3], s->c, s->clen };
	struct tn_mint_tool tool = { "read_file", NULL, 0 };
	const char *issuable[] = { "read_file" };
	uint8_t badhash[TN_HASH_LEN];
	struct tn_warrant *w = NULL;
	struct tn_mint m;
	struct tn_buf cs;
	uint8_t *out;
	size_t n;

	tn_buf_init(&cs, 1u << 17);
	tn_cset_encode(&cs, &e, (s->flags & 0x20) ? 0 : 1, top & 0x10);
	if (tn_buf_status(&cs) != TN_OK)
		goto done;
	tool.cset = cs.p;
	tool.cset_len = cs.len;
	memset(&m, 0, sizeof(m));
	m.type = (i == 0 && (top & 4)) ? TN_WARRANT_ISSUER :
	    TN_WARRANT_EXECUTION;
	memset(m.id, 0x40 + i, sizeof(m.id));
	memcpy(m.holder, party[i + 1].pk, TN_KEY_LEN);
	m.issued_at = IAT;
	m.expires_at = IAT + 3600 - (uint64_t)i * 60 +
	    (last && (top & 0x40) ? 600 : 0);
	m.max_depth = (uint32_t)(s->flags >> 2 & 7);
	m.depth = parent != NULL ? parent->depth + 1 : 0;
	if (parent != NULL) {
		memcpy(badhash, parent->payload_hash, sizeof(badhash));
		if (last && (top & 8))
			badhash[0] ^= 1;
		m.parent_hash = badhash;
	}
	if (m.type == TN_WARRANT_EXECUTION) {
		m.tools = &tool;
		m.ntools = 1;
	} else {
		m.issuable_tools = issuable;
		m.nissuable = 1;
		m.constraint_bounds = cs.p;
		m.constraint_bounds_len = cs.len;
	}
	if (tn_warrant_mint(&m, party[i].sk, &out, &n, NULL) != TN_OK)
		goto done;
	if (tn_warrant_decode(out, n, &w, NULL) != TN_OK)
		w = NULL;
	free(out);
done:
	tn_buf_free(&cs);
	return w;
}

/* The call {arg: value} authorized against st[0..n) by holder n. */
static int
authorize(struct tn_stack *full, size_t n, const struct tn_cbor_item *args,
    int badpop)
{
	struct tn_stack st = { full->w, n };
	const struct tn_warrant *leaf = full->w[n - 1];
	struct tn_verify_opts o;
	uint8_t sig[TN_SIG_LEN];
	struct tn_call call = { "read_file", 9, args, sig, NULL, 0 };
	const struct party *h = &party[badpop ? 0 : n];

	tn_verify_opts_init(&o);
	o.roots = (const uint8_t (*)[TN_KEY_LEN])party[0].pk;
	o.nroots = 1;
	o.now = NOW;
	if (tn_pop_sign(h->sk, leaf->id, "read_file", 9, args, NOW, sig,
	    NULL) != TN_OK)
		memset(sig, 0, sizeof(sig));
	return tn_authorize(&st, &call, &o, NULL, NULL);
}

static void
roundtrip(const struct tn_stack *st)
{
	struct tn_stack *back;
	uint8_t *enc;
	size_t n;

	if (tn_stack_encode(st, &enc, &n, NULL) != TN_OK)
		return;
	if (tn_stack_decode(enc, n, &back, NULL) == TN_OK) {
		if (back->n != st->n)
			abort();
		for (size_t i = 0; i < st->n; i++)
			if (back->w[i]->raw_len != st->w[i]->raw_len ||
			    memcmp(back->w[i]->raw, st->w[i]->raw,
			    st->w[i]->raw_len) != 0)
				abort();
		tn_stack_free(back);
	}
	free(enc);
}

/* {argname: value} as a decoded map; 0 or -1. */
static int
args_doc(const char *name, const uint8_t *v, size_t n, struct tn_cbor_doc *d,
    struct tn_buf *b)
{
	struct tn_cbor_doc vd;

	if (tn_cbor_decode(v, n, NULL, &vd, NULL) != TN_OK)
		return -1;
	tn_cbor_doc_free(&vd);
	tn_buf_init(b, 1u << 17);
	tn_cbor_put_map(b, 1);
	tn_cbor_put_cstr(b, name);
	tn_buf_put(b, v, n);
	if (tn_buf_status(b) != TN_OK ||
	    tn_cbor_decode(b->p, b->len, NULL, d, NULL) != TN_OK) {
		tn_buf_free(b);
		return -1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spec s[MAXW];
	struct tn_stack *st;
	struct tn_verify_opts o;
	struct tn_warrant *w = NULL;
	struct tn_cbor_doc ad;
	struct tn_buf ab;
	size_t nw, i, off = 1;
	uint8_t top;
	int vrc, arc;

	keys();
	if (size < 1)
		return 0;
	top = data[0];
	nw = (size_t)(top & 3) + 1;
	for (i = 0; i < nw; i++) {
		if (size - off < 3)
			return 0;
		s[i].flags = data[off];
		s[i].clen = (size_t)data[off + 1] << 8 | data[off + 2];
		off += 3;
		if (s[i].clen > size - off)
			s[i].clen = size - off;
		s[i].c = data + off;
		off += s[i].clen;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return 0;
	for (i = 0; i < nw; i++) {
		if ((w = mint((int)i, &s[i], w, top, i + 1 == nw)) == NULL)
			break;
		if (tn_stack_push(st, w, NULL) != TN_OK) {
			tn_warrant_free(w);
			break;
		}
	}
	if (st->n == 0)
		goto out;
	roundtrip(st);
	tn_verify_opts_init(&o);
	o.roots = (const uint8_t (*)[TN_KEY_LEN])party[0].pk;
	o.nroots = 1;
	o.now = NOW;
	vrc = tn_chain_verify(st, &o, NULL, NULL);
	for (i = 1; i < st->n; i++) {
		int lrc = tn_chain_check_link(st->w[i - 1], st->w[i], NULL);

		if (vrc == TN_OK && lrc != TN_OK && lrc != TN_ERR_NOMEM)
			abort();
	}
	if (args_doc(argnames[s[st->n - 1].flags & 3], data + off,
	    size - off, &ad, &ab) != 0)
		goto out;
	arc = authorize(st, st->n, &ad.items[0], top & 0x20);
	if (verbose)
		fprintf(stderr, "chain: %zu/%zu warrants, verify %d, "
		    "authorize %d\n", st->n, nw, vrc, arc);
	if (arc == TN_OK && st->n == nw) {
		/* Monotonic: every execution ancestor allows it too. */
		for (i = 1; i < st->n; i++) {
			int rc;

			if (st->w[i - 1]->type != TN_WARRANT_EXECUTION)
				continue;
			rc = authorize(st, i, &ad.items[0], 0);
			if (rc != TN_OK && rc != TN_ERR_NOMEM)
				abort();
		}
	}
	tn_cbor_doc_free(&ad);
	tn_buf_free(&ab);
out:
	tn_stack_free(st);
	return 0;
}
