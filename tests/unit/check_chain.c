/*
 * check_chain.c: chain verification and authorization against the
 * published outcomes (corrected where tenuo-wire-errata.md shows the
 * document is wrong), invariants I1-I5 on chains built here, time rules,
 * depth, cycles, revocation and issuer warrants.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "testutil.h"
#include "tn_chain.h"
#include "tn_codec.h"
#include "tn_crypto.h"
#include "tn_pop.h"

#define T0	1704067200	/* issued_at of the vectors */
#define NOW	(T0 + 100)

static json_t *V;
static uint8_t CP[32];	/* control plane public key */

static void
setup(void)
{
	uint8_t seed[32], sk[64];

	ck_assert_int_eq(tn_crypto_init(), 0);
	V = tu_load_json(TU_VECTORS);
	ck_assert_int_eq(tu_role_seed(V, "Control Plane", seed), 0);
	tu_sk_from_seed(seed, sk, CP);
}

static void
teardown(void)
{
	json_decref(V);
}

static void
opts(struct tn_verify_opts *o, int64_t now)
{
	tn_verify_opts_init(o);
	o->roots = (const uint8_t (*)[TN_KEY_LEN])CP;
	o->nroots = 1;
	o->now = now;
}

/* Builds a stack from "ID/label" references into the vectors. */
static struct tn_stack *
stack_of(const char *const *refs, size_t n)
{
	struct tn_stack *st = calloc(1, sizeof(*st));

	ck_assert_ptr_nonnull(st);
	for (size_t i = 0; i < n; i++) {
		char id[32];
		const char *slash = strchr(refs[i], '/');
		json_t *w;
		uint8_t *env;
		size_t len;
		struct tn_warrant *tw;
		struct tn_error err;

		ck_assert_ptr_nonnull(slash);
		snprintf(id, sizeof(id), "%.*s", (int)(slash - refs[i]), refs[i]);
		w = tu_vector_warrant(tu_vector(V, id), slash + 1);
		ck_assert_msg(w != NULL, "no warrant %s", refs[i]);
		env = tu_unhex(tu_str(w, "envelope_hex"), &len);
		ck_assert_msg(tn_warrant_decode(env, len, &tw, &err) == TN_OK,
		    "%s: %s", refs[i], err.reason);
		ck_assert_int_eq(tn_stack_push(st, tw, NULL), TN_OK);
		free(env);
	}
	return st;
}

static int
verify_refs(const char *const *refs, size_t n, int64_t now,
    struct tn_error *err)
{
	struct tn_stack *st = stack_of(refs, n);
	struct tn_verify_opts o;
	int rc;

	opts(&o, now);
	rc = tn_chain_verify(st, &o, NULL, err);
	tn_stack_free(st);
	return rc;
}

#define REFS(...) ((const char *const[]){ __VA_ARGS__ }), \
	(sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(char *))

START_TEST(test_chain_vector_outcomes)
{
	struct tn_error err;
	struct tn_chain_result res;
	struct tn_verify_opts o;
	struct tn_stack *st;

	ck_assert_int_eq(verify_refs(REFS("A.1/A.1"), NOW, &err), TN_OK);
	ck_assert_int_eq(verify_refs(REFS("A.2/A.2"), NOW, &err), TN_OK);
	ck_assert_int_eq(verify_refs(REFS("A.3/Level 0", "A.3/Level 1",
	    "A.3/Level 2"), NOW, &err), TN_OK);
	/* A.4: the attacker signs a child of a warrant it does not hold. */
	ck_assert_int_eq(verify_refs(REFS("A.3/Level 0", "A.4/Invalid Child"),
	    NOW, &err), TN_ERR_ATTENUATION_INVALID);
	ck_assert_ptr_nonnull(strstr(err.reason, "I1"));
	/* A.5: valid until its one second has passed. */
	ck_assert_int_eq(verify_refs(REFS("A.5/A.5"), T0, &err), TN_OK);
	ck_assert_int_eq(verify_refs(REFS("A.5/A.5"), T0 + 1, &err),
	    TN_ERR_WARRANT_EXPIRED);
	ck_assert_int_eq(verify_refs(REFS("A.10/A.10 Parent",
	    "A.10/A.10 Child (Invalid)"), NOW, &err), TN_ERR_DEPTH_EXCEEDED);
	ck_assert_int_eq(verify_refs(REFS("A.11/A.11 Parent",
	    "A.11/A.11 Child (Invalid)"), NOW, &err),
	    TN_ERR_ATTENUATION_INVALID);
	ck_assert_int_eq(verify_refs(REFS("A.12/A.12 Parent",
	    "A.12/A.12 Child (Invalid)"), NOW, &err),
	    TN_ERR_ATTENUATION_INVALID);
	ck_assert_ptr_nonnull(strstr(err.reason, "I5"));
	ck_assert_int_eq(verify_refs(REFS("A.13/A.13 Parent",
	    "A.13/A.13 Child (Invalid)"), NOW, &err), TN_ERR_TTL_EXCEEDED);
	ck_assert_int_eq(verify_refs(REFS("A.14/A.14 Valid (Correct Signature)"),
	    NOW, &err), TN_OK);
	ck_assert_int_eq(verify_refs(REFS("A.15/A.15 Issuer Warrant",
	    "A.15/A.15 Invalid Child"), NOW, &err),
	    TN_ERR_ATTENUATION_INVALID);
	/*
	 * A.16: the document expects self_issuance, but its parent is an
	 * Execution warrant and Execution -> Execution self-delegation is
	 * allowed (protocol-spec 5.4; errata).
	 */
	ck_assert_int_eq(verify_refs(REFS("A.3/Level 0",
	    "A.16/A.16 Invalid Self-Issuance"), NOW, &err), TN_OK);
	ck_assert_int_eq(verify_refs(REFS("A.17/A.17 Parent (Clearance=5)",
	    "A.17/A.17 Invalid Child (Clearance=6)"), NOW, &err),
	    TN_ERR_ATTENUATION_INVALID);
	ck_assert_ptr_nonnull(strstr(err.reason, "clearance"));
	ck_assert_int_eq(verify_refs(REFS("A.18/A.18 Multi-sig"), NOW, &err),
	    TN_OK);
	ck_assert_int_eq(verify_refs(REFS("A.22/A.22 Root", "A.22/A.22 Child"),
	    NOW, &err), TN_OK);
	/* A.23: the child's parent hash names the session-less root: I5. */
	ck_assert_int_eq(verify_refs(REFS("A.23/A.23 Root (session_id=sess-abc)",
	    "A.23/A.23 Child (inherited no session)"), NOW, &err),
	    TN_ERR_ATTENUATION_INVALID);
	ck_assert_int_eq(verify_refs(REFS("A.23/A.23 Root (no session_id)",
	    "A.23/A.23 Child (inherited no session)"), NOW, &err), TN_OK);
	/* Results. */
	st = stack_of(REFS("A.3/Level 0", "A.3/Level 1", "A.3/Level 2"));
	opts(&o, NOW);
	ck_assert_int_eq(tn_chain_verify(st, &o, &res, NULL), TN_OK);
	ck_assert_uint_eq(res.chain_len, 3);
	ck_assert_uint_eq(res.leaf_depth, 2);
	ck_assert_mem_eq(res.root_issuer, CP, 32);
	ck_assert_mem_eq(res.leaf_id, st->w[2]->id, TN_ID_LEN);
	tn_stack_free(st);
}
END_TEST

START_TEST(test_chain_not_anchored)
{
	struct tn_stack *st = stack_of(REFS("A.3/Level 0", "A.3/Level 1"));
	struct tn_verify_opts o;
	uint8_t other[32] = { 0x42 };
	struct tn_error err;

	opts(&o, NOW);
	o.roots = (const uint8_t (*)[TN_KEY_LEN])other;
	ck_assert_int_eq(tn_chain_verify(st, &o, NULL, &err),
	    TN_ERR_CHAIN_NOT_ANCHORED);
	o.nroots = 0;
	ck_assert_int_eq(tn_chain_verify(st, &o, NULL, &err),
	    TN_ERR_CHAIN_NOT_ANCHORED);
	tn_stack_free(st);
	/* A chain starting below the root is not anchored either. */
	st = stack_of(REFS("A.3/Level 1", "A.3/Level 2"));
	opts(&o, NOW);
	ck_assert_int_eq(tn_chain_verify(st, &o, NULL, &err),
	    TN_ERR_CHAIN_NOT_ANCHORED);
	tn_stack_free(st);
}
END_TEST

START_TEST(test_chain_order_and_cycles)
{
	struct tn_error err;

	/* Leaf first: the root is not where it must be. */
	ck_assert_int_ne(verify_refs(REFS("A.3/Level 2", "A.3/Level 1",
	    "A.3/Level 0"), NOW, &err), TN_OK);
	/* Skipping a level breaks I1/I5. */
	ck_assert_int_eq(verify_refs(REFS("A.3/Level 0", "A.3/Level 2"), NOW,
	    &err), TN_ERR_ATTENUATION_INVALID);
	/* The same warrant twice is a cycle. */
	ck_assert_int_eq(verify_refs(REFS("A.3/Level 0", "A.3/Level 0"), NOW,
	    &err), TN_ERR_ATTENUATION_INVALID);
	ck_assert_ptr_nonnull(strstr(err.reason, "cycle"));
}
END_TEST

/*
 * links_verified skips the per-link rules only (the caller vouches that
 * this stack passed them): a broken link then goes unnoticed, but a
 * cycle, an untrusted root and the time rules are still refused.
 */
START_TEST(test_chain_links_verified)
{
	struct tn_stack *st = stack_of(REFS("A.3/Level 0", "A.3/Level 2"));
	struct tn_stack *cyc = stack_of(REFS("A.3/Level 0", "A.3/Level 0"));
	struct tn_verify_opts o;
	struct tn_error err;
	uint8_t other[TN_KEY_LEN];

	opts(&o, NOW);
	ck_assert_int_eq(tn_chain_verify(st, &o, NULL, &err),
	    TN_ERR_ATTENUATION_INVALID);
	o.links_verified = 1;
	ck_assert_int_eq(tn_chain_verify(st, &o, NULL, &err), TN_OK);
	ck_assert_int_eq(tn_chain_verify(cyc, &o, NULL, &err),
	    TN_ERR_ATTENUATION_INVALID);
	ck_assert_ptr_nonnull(strstr(err.reason, "cycle"));
	memset(other, 0x5a, sizeof(other));
	o.roots = (const uint8_t (*)[TN_KEY_LEN])other;
	ck_assert_int_eq(tn_chain_verify(st, &o, NULL, &err),
	    TN_ERR_CHAIN_NOT_ANCHORED);
	opts(&o, (int64_t)st->w[1]->expires_at);
	o.links_verified = 1;
	ck_assert_int_eq(tn_chain_verify(st, &o, NULL, &err),
	    TN_ERR_WARRANT_EXPIRED);
	tn_stack_free(st);
	tn_stack_free(cyc);
}
END_TEST

/*
 * Time rules: leaf strict, ancestors with 30 s tolerance, issued_at in the
 * future beyond 30 s refused.
 */
START_TEST(test_chain_time_rules)
{
	struct tn_error err;
	const int64_t exp = 1704070800;

	ck_assert_int_eq(verify_refs(REFS("A.3/Level 0", "A.3/Level 1",
	    "A.3/Level 2"), exp - 1, &err), TN_OK);
	ck_assert_int_eq(verify_refs(REFS("A.3/Level 0", "A.3/Level 1",
	    "A.3/Level 2"), exp, &err), TN_ERR_WARRANT_EXPIRED);
	ck_assert_int_eq(verify_refs(REFS("A.1/A.1"), T0 - 30, &err), TN_OK);
	ck_assert_int_eq(verify_refs(REFS("A.1/A.1"), T0 - 31, &err),
	    TN_ERR_WARRANT_NOT_YET_VALID);
}
END_TEST

/* ---------------------------------------------------- chains built here */

struct party {
	uint8_t sk[64];
	uint8_t pk[32];
};

static void
party(struct party *p, uint8_t tag)
{
	uint8_t seed[32];

	memset(seed, tag, sizeof(seed));
	tu_sk_from_seed(seed, p->sk, p->pk);
}

static const uint8_t EMPTY_SET[] = { 0xa1, 0x6b, 'c', 'o', 'n', 's', 't',
	'r', 'a', 'i', 'n', 't', 's', 0xa0 };

/* Mints one warrant; parent may be NULL (root). */
static struct tn_warrant *
mint(const struct party *signer, const struct party *holder,
    const struct tn_warrant *parent, enum tn_warrant_type type,
    uint64_t iat, uint64_t exp, uint32_t max_depth, uint8_t idtag)
{
	struct tn_mint_tool tool = { "read_file", EMPTY_SET,
	    sizeof(EMPTY_SET) };
	const char *issuable[] = { "read_file" };
	struct tn_mint m;
	struct tn_warrant *w;
	struct tn_error err;
	uint8_t *out;
	size_t n;

	memset(&m, 0, sizeof(m));
	m.type = type;
	memset(m.id, idtag, sizeof(m.id));
	memcpy(m.holder, holder->pk, 32);
	m.issued_at = iat;
	m.expires_at = exp;
	m.max_depth = max_depth;
	m.depth = parent ? parent->depth + 1 : 0;
	m.parent_hash = parent ? parent->payload_hash : NULL;
	if (type == TN_WARRANT_EXECUTION) {
		m.tools = &tool;
		m.ntools = 1;
	} else {
		m.issuable_tools = issuable;
		m.nissuable = 1;
	}
	ck_assert_msg(tn_warrant_mint(&m, signer->sk, &out, &n, &err) ==
	    TN_OK, "%s", err.reason);
	ck_assert_msg(tn_warrant_decode(out, n, &w, &err) == TN_OK, "%s",
	    err.reason);
	free(out);
	return w;
}

START_TEST(test_chain_depth_limits)
{
	struct party p[66];
	struct tn_stack st = { NULL, 0 };
	struct tn_verify_opts o;
	struct tn_error err;
	struct tn_warrant *w = NULL;

	for (int i = 0; i < 66; i++)
		party(&p[i], (uint8_t)(i + 1));
	opts(&o, NOW);
	o.roots = (const uint8_t (*)[TN_KEY_LEN])p[0].pk;
	/* 65 warrants: depths 0..64 are allowed at max_depth 64. */
	for (int i = 0; i < 65; i++) {
		w = mint(&p[i], &p[i + 1], w, TN_WARRANT_EXECUTION, T0,
		    T0 + 3600, 64, (uint8_t)(i + 1));
		ck_assert_int_eq(tn_stack_push(&st, w, NULL), TN_OK);
	}
	ck_assert_int_eq(tn_chain_verify(&st, &o, NULL, &err), TN_OK);
	/* A stack never holds a 66th. */
	ck_assert_int_eq(tn_stack_push(&st, w, &err), TN_ERR_DEPTH_EXCEEDED);
	/* A verifier with a lower limit refuses the long chain. */
	o.max_depth = 10;
	ck_assert_int_eq(tn_chain_verify(&st, &o, NULL, &err),
	    TN_ERR_DEPTH_EXCEEDED);
	for (size_t i = 0; i < st.n; i++)
		tn_warrant_free(st.w[i]);
	free(st.w);
}
END_TEST

START_TEST(test_chain_terminal_parent)
{
	struct party a, b, c;
	struct tn_warrant *root, *child, *grand;
	struct tn_error err;

	party(&a, 1);
	party(&b, 2);
	party(&c, 3);
	root = mint(&a, &b, NULL, TN_WARRANT_EXECUTION, T0, T0 + 600, 1, 1);
	child = mint(&b, &c, root, TN_WARRANT_EXECUTION, T0, T0 + 600, 1, 2);
	ck_assert_int_eq(tn_chain_check_link(root, child, &err), TN_OK);
	/* Spec A.9.1: a terminal warrant cannot be attenuated further. */
	grand = mint(&c, &a, child, TN_WARRANT_EXECUTION, T0, T0 + 600, 2, 3);
	ck_assert_int_eq(tn_chain_check_link(child, grand, &err),
	    TN_ERR_DEPTH_EXCEEDED);
	tn_warrant_free(grand);
	tn_warrant_free(child);
	tn_warrant_free(root);
}
END_TEST

START_TEST(test_chain_issuer_rules)
{
	struct party cp, planner, worker;
	struct tn_warrant *iw, *ew, *self, *back, *ii, *ei;
	struct tn_error err;

	party(&cp, 1);
	party(&planner, 2);
	party(&worker, 3);
	iw = mint(&cp, &planner, NULL, TN_WARRANT_ISSUER, T0, T0 + 600, 3, 1);
	ew = mint(&planner, &worker, iw, TN_WARRANT_EXECUTION, T0, T0 + 600,
	    3, 2);
	ck_assert_int_eq(tn_chain_check_link(iw, ew, &err), TN_OK);
	/* The planner may not grant itself execution... */
	self = mint(&planner, &planner, iw, TN_WARRANT_EXECUTION, T0,
	    T0 + 600, 3, 3);
	ck_assert_int_eq(tn_chain_check_link(iw, self, &err),
	    TN_ERR_SELF_ISSUANCE);
	/* ...nor hand it back to the issuer warrant's issuer. */
	back = mint(&planner, &cp, iw, TN_WARRANT_EXECUTION, T0, T0 + 600, 3,
	    4);
	ck_assert_int_eq(tn_chain_check_link(iw, back, &err),
	    TN_ERR_SELF_ISSUANCE);
	/* Issuer -> issuer keeps issuable tools. */
	ii = mint(&planner, &worker, iw, TN_WARRANT_ISSUER, T0, T0 + 600, 3, 5);
	ck_assert_int_eq(tn_chain_check_link(iw, ii, &err), TN_OK);
	/* Execution -> issuer is an escalation. */
	ei = mint(&worker, &cp, ew, TN_WARRANT_ISSUER, T0, T0 + 600, 3, 6);
	ck_assert_int_eq(tn_chain_check_link(ew, ei, &err),
	    TN_ERR_ATTENUATION_INVALID);
	tn_warrant_free(ei);
	tn_warrant_free(ii);
	tn_warrant_free(back);
	tn_warrant_free(self);
	tn_warrant_free(ew);
	tn_warrant_free(iw);
}
END_TEST

/* ------------------------------------------------------------ authorize */

static struct tn_cbor_doc
doc_of(const char *json, uint8_t **buf)
{
	struct tn_cbor_doc d;
	size_t n;

	ck_assert_int_eq(tu_args_doc(json, buf, &n, &d), TN_OK);
	return d;
}

START_TEST(test_authorize_flow)
{
	struct tn_stack *st = stack_of(REFS("A.3/Level 0", "A.3/Level 1",
	    "A.3/Level 2"));
	const struct tn_warrant *leaf = tn_stack_leaf(st);
	uint8_t seed[32], sk[64], sig[64], *ab, *ab2;
	struct tn_cbor_doc args = doc_of("{\"path\": \"/data/reports/q3.pdf\"}",
	    &ab);
	struct tn_cbor_doc args2 = doc_of("{\"path\": \"/data/other.pdf\"}",
	    &ab2);
	struct tn_call call = { "read_file", 9, &args.items[0], sig, NULL, 0 };
	struct tn_verify_opts o;
	struct tn_chain_result res;
	struct tn_error err;

	/* Level 2's holder: key_material role "Worker2"? find by key. */
	ck_assert_int_eq(tu_role_seed(V, "Worker2", seed), 0);
	tu_sk_from_seed(seed, sk, NULL);
	ck_assert_mem_eq(sk + 32, leaf->holder, 32);
	ck_assert_int_eq(tn_pop_sign(sk, leaf->id, "read_file", 9,
	    &args.items[0], NOW, sig, NULL), TN_OK);
	opts(&o, NOW);
	ck_assert_msg(tn_authorize(st, &call, &o, &res, &err) == TN_OK, "%s",
	    err.reason);
	ck_assert_uint_eq(res.chain_len, 3);
	ck_assert_int_eq(res.pop_window, NOW / 30 * 30);
	/* Missing PoP. */
	call.pop = NULL;
	ck_assert_int_eq(tn_authorize(st, &call, &o, NULL, &err),
	    TN_ERR_POP_FAILED);
	ck_assert_ptr_nonnull(strstr(err.reason, "missing"));
	/* Other tool. */
	call.pop = sig;
	call.tool = "write_file";
	call.toollen = 10;
	ck_assert_int_eq(tn_authorize(st, &call, &o, NULL, &err),
	    TN_ERR_TOOL_NOT_ALLOWED);
	/* PoP over other arguments than those presented. */
	call.tool = "read_file";
	call.toollen = 9;
	call.args = &args2.items[0];
	ck_assert_int_eq(tn_authorize(st, &call, &o, NULL, &err),
	    TN_ERR_POP_FAILED);
	/* PoP too old. */
	call.args = &args.items[0];
	o.now = NOW + 120;
	ck_assert_int_eq(tn_authorize(st, &call, &o, NULL, &err),
	    TN_ERR_POP_FAILED);
	tn_cbor_doc_free(&args);
	tn_cbor_doc_free(&args2);
	free(ab);
	free(ab2);
	tn_stack_free(st);
}
END_TEST

START_TEST(test_authorize_issuer_leaf_refused)
{
	struct tn_stack *st = stack_of(REFS("A.2/A.2"));
	uint8_t sig[64] = { 0 };
	struct tn_call call = { "read_file", 9, NULL, sig, NULL, 0 };
	struct tn_verify_opts o;
	struct tn_error err;

	opts(&o, NOW);
	ck_assert_int_eq(tn_authorize(st, &call, &o, NULL, &err),
	    TN_ERR_TOOL_NOT_ALLOWED);
	tn_stack_free(st);
}
END_TEST

/* A.22: revoking the child in a signed list denies the whole chain. */
START_TEST(test_chain_cascading_revocation)
{
	struct tn_stack *st = stack_of(REFS("A.22/A.22 Root", "A.22/A.22 Child"));
	json_t *rec = tu_vector(V, "A.22.b");
	uint8_t *raw;
	size_t n;
	struct tn_srl *srl;
	struct tn_verify_opts o;
	struct tn_error err;

	raw = tu_unhex(tu_str(json_object_get(rec, "srl"), "signed_srl_hex"),
	    &n);
	ck_assert_msg(tn_srl_decode(raw, n, CP, 0, &srl, &err) == TN_OK, "%s",
	    err.reason);
	opts(&o, NOW);
	ck_assert_int_eq(tn_chain_verify(st, &o, NULL, &err), TN_OK);
	o.srl = srl;
	ck_assert_int_eq(tn_chain_verify(st, &o, NULL, &err), TN_ERR_REVOKED);
	ck_assert_ptr_nonnull(strstr(err.reason,
	    "tnu_wrt_019471f8000070008000000000002201"));
	/* The root alone is not revoked. */
	tn_warrant_free(st->w[1]);
	st->n = 1;
	ck_assert_int_eq(tn_chain_verify(st, &o, NULL, &err), TN_OK);
	tn_srl_free(srl);
	free(raw);
	tn_stack_free(st);
}
END_TEST

/*
 * tenuo.approval_gates on the leaf: approvals are required; a gate with no
 * approvers denies; one valid approval of a 1-of-1 allows.
 */
static struct tn_stack *
gated(const struct party *cp, const struct party *holder,
    const struct party *approver)
{
	static const uint8_t gate[] = { 0xa0 };
	struct tn_mint_tool tool = { "read_file", EMPTY_SET,
	    sizeof(EMPTY_SET) };
	struct tn_mint_ext ext = { "tenuo.approval_gates", gate, 1 };
	struct tn_mint m;
	struct tn_stack *st = calloc(1, sizeof(*st));
	struct tn_warrant *w;
	uint8_t *out;
	size_t n;

	memset(&m, 0, sizeof(m));
	m.type = TN_WARRANT_EXECUTION;
	memset(m.id, 0x77, sizeof(m.id));
	memcpy(m.holder, holder->pk, 32);
	m.issued_at = T0;
	m.expires_at = T0 + 600;
	m.max_depth = 3;
	m.tools = &tool;
	m.ntools = 1;
	m.exts = &ext;
	m.nexts = 1;
	if (approver != NULL) {
		m.approvers = &approver->pk;
		m.napprovers = 1;
		m.has_min_approvals = 1;
		m.min_approvals = 1;
	}
	ck_assert_int_eq(tn_warrant_mint(&m, cp->sk, &out, &n, NULL), TN_OK);
	ck_assert_int_eq(tn_warrant_decode(out, n, &w, NULL), TN_OK);
	ck_assert(w->has_approval_gates);
	ck_assert_int_eq(tn_stack_push(st, w, NULL), TN_OK);
	free(out);
	return st;
}

START_TEST(test_authorize_approval_gates)
{
	struct party cp, holder, approver;
	struct tn_stack *st;
	struct tn_verify_opts o;
	struct tn_error err;
	uint8_t sig[64], hash[32], nonce[16] = { 1 }, *blob;
	size_t bloblen;
	struct tn_approval_blob ab;
	struct tn_call call = { "read_file", 9, NULL, sig, NULL, 0 };

	party(&cp, 1);
	party(&holder, 2);
	party(&approver, 3);
	tn_verify_opts_init(&o);
	o.roots = (const uint8_t (*)[TN_KEY_LEN])cp.pk;
	o.nroots = 1;
	o.now = T0 + 60;
	/* No approvers: nobody can open the gate. */
	st = gated(&cp, &holder, NULL);
	ck_assert_int_eq(tn_pop_sign(holder.sk, st->w[0]->id, "read_file", 9,
	    NULL, o.now, sig, NULL), TN_OK);
	ck_assert_int_eq(tn_authorize(st, &call, &o, NULL, &err),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	ck_assert_msg(strstr(err.reason, "required_approvers") != NULL, "%s",
	    err.reason);
	tn_stack_free(st);
	/* 1-of-1: denied without, allowed with the approval. */
	st = gated(&cp, &holder, &approver);
	ck_assert_int_eq(tn_pop_sign(holder.sk, st->w[0]->id, "read_file", 9,
	    NULL, o.now, sig, NULL), TN_OK);
	ck_assert_int_eq(tn_authorize(st, &call, &o, NULL, &err),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	ck_assert_int_eq(tn_approval_request_hash(st->w[0]->id, "read_file", 9,
	    NULL, holder.pk, hash, NULL), TN_OK);
	ck_assert_int_eq(tn_approval_encode(hash, nonce, "ops@example.com",
	    T0 + 30, T0 + 300, approver.sk, &blob, &bloblen, NULL), TN_OK);
	ab.p = blob;
	ab.n = bloblen;
	call.approvals = &ab;
	call.napprovals = 1;
	ck_assert_msg(tn_authorize(st, &call, &o, NULL, &err) == TN_OK, "%s",
	    err.reason);
	/* The same approval for another holder's request does not count. */
	hash[0] ^= 1;
	free(blob);
	ck_assert_int_eq(tn_approval_encode(hash, nonce, "ops@example.com",
	    T0 + 30, T0 + 300, approver.sk, &blob, &bloblen, NULL), TN_OK);
	ab.p = blob;
	ab.n = bloblen;
	ck_assert_int_eq(tn_authorize(st, &call, &o, NULL, &err),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	free(blob);
	tn_stack_free(st);
}
END_TEST

/* CEL time functions see the verifier's `now`, not a clock of their own. */
START_TEST(test_authorize_cel_uses_now)
{
	struct party cp, holder;
	struct tn_buf c, cs;
	struct tn_cset_entry e;
	struct tn_mint_tool tool;
	struct tn_mint m;
	struct tn_stack *st = calloc(1, sizeof(*st));
	struct tn_warrant *w;
	struct tn_verify_opts o;
	struct tn_error err;
	uint8_t *out, sig[64], *ab;
	size_t n;
	struct tn_cbor_doc args = doc_of("{\"x\": 1}", &ab);
	struct tn_call call = { "read_file", 9, &args.items[0], sig, NULL, 0 };

	party(&cp, 1);
	party(&holder, 2);
	tn_buf_init(&c, 1024);
	tn_cbor_put_array(&c, 2);
	tn_cbor_put_uint(&c, 15);
	tn_cbor_put_map(&c, 1);
	tn_cbor_put_cstr(&c, "expression");
	tn_cbor_put_cstr(&c, "!time_is_expired('2024-01-01T00:10:00Z')");
	e.arg = "x";
	e.constraint = c.p;
	e.len = c.len;
	tn_buf_init(&cs, 1024);
	tn_cset_encode(&cs, &e, 1, 0);
	tool.name = "read_file";
	tool.cset = cs.p;
	tool.cset_len = cs.len;
	memset(&m, 0, sizeof(m));
	m.type = TN_WARRANT_EXECUTION;
	memset(m.id, 0x31, sizeof(m.id));
	memcpy(m.holder, holder.pk, 32);
	m.issued_at = T0;
	m.expires_at = T0 + 3600;
	m.max_depth = 3;
	m.tools = &tool;
	m.ntools = 1;
	ck_assert_int_eq(tn_warrant_mint(&m, cp.sk, &out, &n, &err), TN_OK);
	ck_assert_msg(tn_warrant_decode(out, n, &w, &err) == TN_OK, "%s",
	    err.reason);
	ck_assert_int_eq(tn_stack_push(st, w, NULL), TN_OK);
	tn_verify_opts_init(&o);
	o.roots = (const uint8_t (*)[TN_KEY_LEN])cp.pk;
	o.nroots = 1;
	o.now = T0 + 60;
	ck_assert_int_eq(tn_pop_sign(holder.sk, w->id, "read_file", 9,
	    &args.items[0], o.now, sig, NULL), TN_OK);
	ck_assert_msg(tn_authorize(st, &call, &o, NULL, &err) == TN_OK, "%s",
	    err.reason);
	o.now = T0 + 900;	/* past 00:10:00 */
	ck_assert_int_eq(tn_pop_sign(holder.sk, w->id, "read_file", 9,
	    &args.items[0], o.now, sig, NULL), TN_OK);
	ck_assert_int_eq(tn_authorize(st, &call, &o, NULL, &err),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	free(out);
	tn_buf_free(&c);
	tn_buf_free(&cs);
	tn_cbor_doc_free(&args);
	free(ab);
	tn_stack_free(st);
}
END_TEST

static Suite *
chain_suite(void)
{
	Suite *s = suite_create("chain");
	TCase *v = tcase_create("vectors"), *b = tcase_create("built");
	TCase *a = tcase_create("authorize");

	tcase_add_checked_fixture(v, setup, teardown);
	tcase_add_checked_fixture(b, setup, teardown);
	tcase_add_checked_fixture(a, setup, teardown);
	tcase_set_timeout(b, 60);
	tcase_add_test(v, test_chain_vector_outcomes);
	tcase_add_test(v, test_chain_not_anchored);
	tcase_add_test(v, test_chain_order_and_cycles);
	tcase_add_test(v, test_chain_links_verified);
	tcase_add_test(v, test_chain_time_rules);
	tcase_add_test(v, test_chain_cascading_revocation);
	tcase_add_test(b, test_chain_depth_limits);
	tcase_add_test(b, test_chain_terminal_parent);
	tcase_add_test(b, test_chain_issuer_rules);
	tcase_add_test(a, test_authorize_flow);
	tcase_add_test(a, test_authorize_issuer_leaf_refused);
	tcase_add_test(a, test_authorize_approval_gates);
	tcase_add_test(a, test_authorize_cel_uses_now);
	suite_add_tcase(s, v);
	suite_add_tcase(s, b);
	suite_add_tcase(s, a);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(chain_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
