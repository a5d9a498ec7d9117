/*
 * bench_verify.c: what one authorization costs in libtenuo, against the
 * Ed25519 verification it is made of.
 *
 * Measures, in the same run and process, median microseconds per:
 *   ed25519      one raw libsodium verify of a 200-byte message
 *   warrant      tn_warrant_decode() of one envelope (1 signature)
 *   chain/N      tn_stack_decode() + tn_chain_verify() of a depth-N chain
 *                (N + 1 signatures), N = 1, 4, 8
 *   pop          tn_pop_verify() of a PoP in the current window
 *   policy       tn_constraint_set_check() of six constraints (no crypto)
 * and prints each cost as a ratio to (signatures x ed25519).  The target
 * is a ratio of at most 1.2: parsing and checks add at most 20 %.
 *
 * Usage: bench_verify [ROUNDS]   (default 7 rounds, median reported)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "tn_chain.h"
#include "tn_constraint.h"
#include "tn_crypto.h"
#include "tn_pop.h"
#include "tn_warrant.h"

#define T0	1704067200u

struct party {
	uint8_t sk[64];
	uint8_t pk[32];
};

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
die(const char *what, const struct tn_error *err)
{
	fprintf(stderr, "bench_verify: %s: %s\n", what,
	    err ? err->reason : "failed");
	exit(1);
}

static void
party(struct party *p, uint8_t tag)
{
	uint8_t seed[32];

	memset(seed, tag, sizeof(seed));
	if (tn_ed25519_keypair_from_seed(seed, p->pk, p->sk) != 0)
		die("keypair", NULL);
}

/* A constraint set with six constraints of the common types. */
static void
six_constraints(struct tn_buf *b)
{
	static const char *const pats[] = { "/data/*", "*.pdf" };
	struct tn_buf c[6];
	struct tn_cset_entry e[6];
	const char *names[6] = { "path", "name", "env", "count", "dir", "any" };

	for (int i = 0; i < 6; i++)
		tn_buf_init(&c[i], 1024);
	for (int i = 0; i < 2; i++) {
		tn_cbor_put_array(&c[i], 2);
		tn_cbor_put_uint(&c[i], 2);
		tn_cbor_put_map(&c[i], 1);
		tn_cbor_put_cstr(&c[i], "pattern");
		tn_cbor_put_cstr(&c[i], pats[i]);
	}
	tn_cbor_put_array(&c[2], 2);
	tn_cbor_put_uint(&c[2], 4);
	tn_cbor_put_map(&c[2], 1);
	tn_cbor_put_cstr(&c[2], "values");
	tn_cbor_put_array(&c[2], 3);
	tn_cbor_put_cstr(&c[2], "dev");
	tn_cbor_put_cstr(&c[2], "staging");
	tn_cbor_put_cstr(&c[2], "prod");
	tn_cbor_put_array(&c[3], 2);
	tn_cbor_put_uint(&c[3], 3);
	tn_cbor_put_map(&c[3], 4);
	tn_cbor_put_cstr(&c[3], "min");
	tn_cbor_put_float(&c[3], 0);
	tn_cbor_put_cstr(&c[3], "max");
	tn_cbor_put_float(&c[3], 1000);
	tn_cbor_put_cstr(&c[3], "min_inclusive");
	tn_cbor_put_bool(&c[3], 1);
	tn_cbor_put_cstr(&c[3], "max_inclusive");
	tn_cbor_put_bool(&c[3], 1);
	tn_cbor_put_array(&c[4], 2);
	tn_cbor_put_uint(&c[4], 17);
	tn_cbor_put_map(&c[4], 3);
	tn_cbor_put_cstr(&c[4], "root");
	tn_cbor_put_cstr(&c[4], "/data");
	tn_cbor_put_cstr(&c[4], "case_sensitive");
	tn_cbor_put_bool(&c[4], 1);
	tn_cbor_put_cstr(&c[4], "allow_equal");
	tn_cbor_put_bool(&c[4], 1);
	tn_cbor_put_array(&c[5], 2);
	tn_cbor_put_uint(&c[5], 16);
	tn_cbor_put_null(&c[5]);
	for (int i = 0; i < 6; i++) {
		e[i].arg = names[i];
		e[i].constraint = c[i].p;
		e[i].len = c[i].len;
	}
	tn_cset_encode(b, e, 6, 0);
	for (int i = 0; i < 6; i++)
		tn_buf_free(&c[i]);
}

/* A depth-n chain p[0] -> ... -> p[n + 1]; returns the stack bytes. */
static uint8_t *
build_chain(struct party *p, size_t n, const uint8_t *cset, size_t csetlen,
    size_t *outlen)
{
	struct tn_stack st = { NULL, 0 };
	struct tn_warrant *prev = NULL;
	struct tn_error err;
	uint8_t *out;

	for (size_t i = 0; i <= n; i++) {
		struct tn_mint_tool tool = { "read_file", cset, csetlen };
		struct tn_mint m;
		struct tn_warrant *w;
		uint8_t *env;
		size_t len;

		memset(&m, 0, sizeof(m));
		m.type = TN_WARRANT_EXECUTION;
		memset(m.id, (int)(i + 1), sizeof(m.id));
		memcpy(m.holder, p[i + 1].pk, 32);
		m.issued_at = T0;
		m.expires_at = T0 + 3600;
		m.max_depth = 16;
		m.depth = (uint32_t)i;
		m.parent_hash = prev ? prev->payload_hash : NULL;
		m.tools = &tool;
		m.ntools = 1;
		if (tn_warrant_mint(&m, p[i].sk, &env, &len, &err) != TN_OK)
			die("mint", &err);
		if (tn_warrant_decode(env, len, &w, &err) != TN_OK)
			die("decode", &err);
		free(env);
		if (tn_stack_push(&st, w, &err) != TN_OK)
			die("push", &err);
		prev = w;
	}
	if (tn_stack_encode(&st, &out, outlen, &err) != TN_OK)
		die("encode", &err);
	for (size_t i = 0; i < st.n; i++)
		tn_warrant_free(st.w[i]);
	free(st.w);
	return out;
}

struct ctx {
	struct party	 p[10];
	uint8_t		*chain[9];
	size_t		 chainlen[9];
	uint8_t		 msg[200];
	uint8_t		 msgsig[64];
	uint8_t		*args;
	struct tn_cbor_doc argdoc;
	struct tn_buf	 cset;
	struct tn_cbor_doc csetdoc;
	uint8_t		 popsig[64];
	struct tn_warrant *leaf1;
};

static void
op_ed25519(struct ctx *c)
{
	if (crypto_sign_verify_detached(c->msgsig, c->msg, sizeof(c->msg),
	    c->p[0].pk) != 0)
		die("ed25519", NULL);
}

static void
op_warrant(struct ctx *c)
{
	struct tn_stack *st;

	/* Depth 0 stack = one envelope inside an array. */
	if (tn_stack_decode(c->chain[0], c->chainlen[0], &st, NULL) != TN_OK)
		die("warrant", NULL);
	tn_stack_free(st);
}

static void
op_chain(struct ctx *c, size_t n)
{
	struct tn_verify_opts o;
	struct tn_stack *st;
	struct tn_error err;

	tn_verify_opts_init(&o);
	o.roots = (const uint8_t (*)[TN_KEY_LEN])c->p[0].pk;
	o.nroots = 1;
	o.now = T0 + 60;
	if (tn_stack_decode(c->chain[n], c->chainlen[n], &st, &err) != TN_OK ||
	    tn_chain_verify(st, &o, NULL, &err) != TN_OK)
		die("chain", &err);
	tn_stack_free(st);
}

static void
op_pop(struct ctx *c)
{
	struct tn_error err;

	if (tn_pop_verify(c->leaf1->holder, c->leaf1->id, "read_file", 9,
	    &c->argdoc.items[0], c->popsig, T0 + 60, 5, NULL, &err) != TN_OK)
		die("pop", &err);
}

static void
op_policy(struct ctx *c)
{
	struct tn_error err;

	if (tn_constraint_set_check(&c->csetdoc.items[0], &c->argdoc.items[0],
	    &err) != TN_OK)
		die("policy", &err);
}

enum op { OP_ED, OP_WARRANT, OP_CHAIN1, OP_CHAIN4, OP_CHAIN8, OP_POP,
	OP_POLICY, OP_COUNT };

static const struct {
	const char	*name;
	int		 sigs;
	int		 iters;
} ops[OP_COUNT] = {
	{ "ed25519_verify", 1, 2000 },
	{ "warrant_verify", 1, 2000 },
	{ "chain_depth1", 2, 1000 },
	{ "chain_depth4", 5, 400 },
	{ "chain_depth8", 9, 200 },
	{ "pop_verify", 1, 2000 },
	{ "policy_6_constraints", 0, 200000 },
};

static void
run_op(struct ctx *c, int op)
{
	switch (op) {
	case OP_ED:
		op_ed25519(c);
		break;
	case OP_WARRANT:
		op_warrant(c);
		break;
	case OP_CHAIN1:
		op_chain(c, 1);
		break;
	case OP_CHAIN4:
		op_chain(c, 4);
		break;
	case OP_CHAIN8:
		op_chain(c, 8);
		break;
	case OP_POP:
		op_pop(c);
		break;
	default:
		op_policy(c);
		break;
	}
}

static void
setup(struct ctx *c)
{
	struct tn_error err;
	struct tn_buf ab;
	size_t alen;
	struct tn_stack *st;

	memset(c, 0, sizeof(*c));
	for (int i = 0; i < 10; i++)
		party(&c->p[i], (uint8_t)(i + 1));
	randombytes_buf(c->msg, sizeof(c->msg));
	if (tn_ed25519_sign(c->p[0].sk, c->msg, sizeof(c->msg), c->msgsig))
		die("sign", NULL);
	tn_buf_init(&c->cset, 4096);
	six_constraints(&c->cset);
	if (tn_cbor_decode(c->cset.p, c->cset.len, NULL, &c->csetdoc, &err))
		die("cset", &err);
	for (size_t n = 0; n <= 8; n++)
		c->chain[n] = build_chain(c->p, n, c->cset.p, c->cset.len,
		    &c->chainlen[n]);
	tn_buf_init(&ab, 4096);
	tn_cbor_put_map(&ab, 6);
	tn_cbor_put_cstr(&ab, "any");
	tn_cbor_put_int(&ab, 7);
	tn_cbor_put_cstr(&ab, "count");
	tn_cbor_put_int(&ab, 250);
	tn_cbor_put_cstr(&ab, "dir");
	tn_cbor_put_cstr(&ab, "/data/reports/q3");
	tn_cbor_put_cstr(&ab, "env");
	tn_cbor_put_cstr(&ab, "staging");
	tn_cbor_put_cstr(&ab, "name");
	tn_cbor_put_cstr(&ab, "q3-report.pdf");
	tn_cbor_put_cstr(&ab, "path");
	tn_cbor_put_cstr(&ab, "/data/reports/q3.pdf");
	if (tn_buf_take(&ab, &c->args, &alen) != TN_OK ||
	    tn_cbor_decode(c->args, alen, NULL, &c->argdoc, &err) != TN_OK)
		die("args", &err);
	if (tn_stack_decode(c->chain[1], c->chainlen[1], &st, &err) != TN_OK)
		die("chain1", &err);
	c->leaf1 = st->w[1];
	st->n = 1;	/* keep the leaf */
	tn_stack_free(st);
	if (tn_pop_sign(c->p[2].sk, c->leaf1->id, "read_file", 9,
	    &c->argdoc.items[0], T0 + 60, c->popsig, &err) != TN_OK)
		die("pop sign", &err);
}

int
main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 7;
	double med[OP_COUNT];
	struct ctx c;

	if (rounds < 1 || rounds > 1000 || tn_crypto_init() != 0)
		return 2;
	setup(&c);
	for (int op = 0; op < OP_COUNT; op++) {
		double *t = calloc((size_t)rounds, sizeof(*t));

		for (int r = 0; r < rounds; r++) {
			double start = now_us();

			for (int i = 0; i < ops[op].iters; i++)
				run_op(&c, op);
			t[r] = (now_us() - start) / ops[op].iters;
		}
		qsort(t, (size_t)rounds, sizeof(*t), cmp_double);
		med[op] = t[rounds / 2];
		free(t);
	}
	printf("| operation | signatures | median µs | µs / (sigs × raw verify) |\n");
	printf("|---|---:|---:|---:|\n");
	for (int op = 0; op < OP_COUNT; op++) {
		if (ops[op].sigs > 0)
			printf("| %s | %d | %.2f | %.3f |\n", ops[op].name,
			    ops[op].sigs, med[op],
			    med[op] / (ops[op].sigs * med[OP_ED]));
		else
			printf("| %s | 0 | %.3f | (no crypto) |\n",
			    ops[op].name, med[op]);
	}
	tn_cbor_doc_free(&c.argdoc);
	tn_cbor_doc_free(&c.csetdoc);
	tn_buf_free(&c.cset);
	free(c.args);
	tn_warrant_free(c.leaf1);
	for (int n = 0; n <= 8; n++)
		free(c.chain[n]);
	return 0;
}
