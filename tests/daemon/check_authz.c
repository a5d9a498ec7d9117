/*
 * check_authz.c: the enforcement engine on activity tasks built here with
 * the generated protobuf-c code, warrants minted and PoPs signed with
 * libtenuo: allow, every denial type and its wire type, gzip, chains,
 * PoP anchoring on scheduled_time, dedup, cache, audit-only, policies,
 * header stripping with unknown fields, the failure requests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "authz.h"
#include "chaincache.h"
#include "config.h"
#include "dedup.h"
#include "tn_chain.h"
#include "tn_codec.h"
#include "tn_crypto.h"
#include "tn_pop.h"
#include "tn_srl.h"
#include "tn_warrant.h"

#define T0	1767225600	/* 2026-01-01 */
#define SCHED	(T0 + 600)
#define NOW_MS	((int64_t)(SCHED + 2) * 1000)

typedef Temporal__Api__Common__V1__Payload Payload;
typedef Temporal__Api__Common__V1__Header__FieldsEntry HEntry;
typedef Temporal__Api__Common__V1__Payload__MetadataEntry MEntry;

struct party {
	uint8_t sk[64];
	uint8_t pk[32];
};

static struct party CP, HOLDER, OTHER, SUB;
static struct authz_policies *POL;
static struct authz_trust TRUST;
static struct chaincache *CACHE;
static struct dedup *DEDUP;
static struct authz_ctx CTX;
static uint8_t ROOTS[1][32];

static void
party(struct party *p, uint8_t tag)
{
	uint8_t seed[32];

	memset(seed, tag, sizeof(seed));
	ck_assert_int_eq(tn_ed25519_keypair_from_seed(seed, p->pk, p->sk), 0);
}

static void
set_policies(const struct config_policy *cp, size_t n)
{
	struct authz_globals g;

	authz_policies_free(POL);
	authz_globals_default(&g);
	ck_assert_int_eq(authz_policies_build("t.conf", cp, n, &g, NULL, &POL),
	    0);
	CTX.policies = POL;
}

static void
setup(void)
{
	ck_assert_int_eq(tn_crypto_init(), 0);
	party(&CP, 1);
	party(&HOLDER, 2);
	party(&OTHER, 3);
	party(&SUB, 4);
	memcpy(ROOTS[0], CP.pk, 32);
	memset(&TRUST, 0, sizeof(TRUST));
	TRUST.roots = (const uint8_t (*)[32])ROOTS;
	TRUST.nroots = 1;
	TRUST.generation = 1;
	CACHE = chaincache_new(16);
	DEDUP = dedup_new(DEDUP_DEFAULT_CAPACITY, DEDUP_DEFAULT_TTL_MS);
	CTX.trust = &TRUST;
	CTX.cache = CACHE;
	CTX.dedup = DEDUP;
	POL = NULL;
	set_policies(NULL, 0);
}

static void
teardown(void)
{
	authz_policies_free(POL);
	POL = NULL;
	chaincache_free(CACHE);
	dedup_free(DEDUP);
}

/* ------------------------------------------------------------ warrants */

static const uint8_t EMPTY_SET[] = { 0xa1, 0x6b, 'c', 'o', 'n', 's', 't',
	'r', 'a', 'i', 'n', 't', 's', 0xa0 };

/* read_file: {path: Subpath("/data")}, process: any arguments. */
static uint8_t *
read_set(size_t *n)
{
	struct tn_buf c, s;
	struct tn_cset_entry e;
	uint8_t *out;

	tn_buf_init(&c, 4096);
	tn_cbor_put_array(&c, 2);
	tn_cbor_put_uint(&c, 17);
	tn_cbor_put_map(&c, 3);
	tn_cbor_put_cstr(&c, "root");
	tn_cbor_put_cstr(&c, "/data");
	tn_cbor_put_cstr(&c, "case_sensitive");
	tn_cbor_put_bool(&c, 1);
	tn_cbor_put_cstr(&c, "allow_equal");
	tn_cbor_put_bool(&c, 1);
	ck_assert_int_eq(tn_buf_status(&c), 0);
	e.arg = "path";
	e.constraint = c.p;
	e.len = c.len;
	tn_buf_init(&s, 4096);
	tn_cset_encode(&s, &e, 1, 0);
	tn_buf_free(&c);
	ck_assert_int_eq(tn_buf_take(&s, &out, n), 0);
	return out;
}

struct minted {
	uint8_t			*env;
	size_t			 len;
	struct tn_warrant	*w;
};

static struct minted
mint(const struct party *signer, const struct party *holder,
    const struct tn_warrant *parent, uint8_t idtag, uint64_t exp,
    const uint8_t *ext_gate)
{
	size_t rlen;
	uint8_t *rs = read_set(&rlen);
	struct tn_mint_tool tools[2] = {
		{ "process", EMPTY_SET, sizeof(EMPTY_SET) },
		{ "read_file", rs, rlen },
	};
	struct tn_mint_ext ext = { "tenuo.approval_gates", ext_gate, 1 };
	struct tn_mint m;
	struct minted r;
	struct tn_error err;

	memset(&m, 0, sizeof(m));
	m.type = TN_WARRANT_EXECUTION;
	memset(m.id, idtag, sizeof(m.id));
	memcpy(m.holder, holder->pk, 32);
	m.issued_at = T0;
	m.expires_at = exp;
	m.max_depth = 5;
	m.depth = parent ? parent->depth + 1 : 0;
	m.parent_hash = parent ? parent->payload_hash : NULL;
	m.tools = tools;
	m.ntools = 2;
	if (ext_gate != NULL) {
		m.exts = &ext;
		m.nexts = 1;
	}
	ck_assert_msg(tn_warrant_mint(&m, signer->sk, &r.env, &r.len, &err) ==
	    TN_OK, "%s", err.reason);
	ck_assert_msg(tn_warrant_decode(r.env, r.len, &r.w, &err) == TN_OK,
	    "%s", err.reason);
	free(rs);
	return r;
}

static void
minted_free(struct minted *m)
{
	free(m->env);
	tn_warrant_free(m->w);
}

/* PoP over a CBOR args map given as its encoding. */
static char *
pop_b64(const struct party *signer, const struct tn_warrant *w,
    const char *tool, const uint8_t *args, size_t alen, int64_t ts)
{
	struct tn_cbor_doc doc;
	uint8_t sig[64];
	char *b64;

	ck_assert_int_eq(tn_cbor_decode(args, alen, NULL, &doc, NULL), 0);
	ck_assert_int_eq(tn_pop_sign(signer->sk, w->id, tool, strlen(tool),
	    &doc.items[0], ts, sig, NULL), 0);
	tn_cbor_doc_free(&doc);
	ck_assert_int_eq(tn_b64_encode(sig, 64, TN_B64_STD | TN_B64_PAD, &b64,
	    NULL, NULL), 0);
	return b64;
}

/* {"path": path} */
static uint8_t *
path_args(const char *path, size_t *n)
{
	struct tn_buf b;
	uint8_t *out;

	tn_buf_init(&b, 4096);
	tn_cbor_put_map(&b, 1);
	tn_cbor_put_cstr(&b, "path");
	tn_cbor_put_cstr(&b, path);
	ck_assert_int_eq(tn_buf_take(&b, &out, n), 0);
	return out;
}

/* --------------------------------------------------------------- tasks */

#define TB_MAX	8

struct tb {
	const char	*activity;
	const char	*wf, *run, *act;
	int32_t		 attempt;
	int64_t		 sched;
	const char	*hkey[TB_MAX];
	const uint8_t	*hval[TB_MAX];
	size_t		 hlen[TB_MAX];
	size_t		 nh;
	const char	*enc[TB_MAX];
	const uint8_t	*pdata[TB_MAX];
	size_t		 plen[TB_MAX];
	size_t		 np;
};

static void
tb_init(struct tb *t, const char *activity)
{
	memset(t, 0, sizeof(*t));
	t->activity = activity;
	t->wf = "wf-1";
	t->run = "run-1";
	t->act = "1";
	t->attempt = 1;
	t->sched = SCHED;
}

static void
tb_hdr(struct tb *t, const char *k, const void *v, size_t n)
{
	ck_assert_uint_lt(t->nh, TB_MAX);
	t->hkey[t->nh] = k;
	t->hval[t->nh] = v;
	t->hlen[t->nh++] = n;
}

static void
tb_hdrs(struct tb *t, const char *k, const char *v)
{
	tb_hdr(t, k, v, strlen(v));
}

static void
tb_arg(struct tb *t, const char *enc, const void *d, size_t n)
{
	ck_assert_uint_lt(t->np, TB_MAX);
	t->enc[t->np] = enc;
	t->pdata[t->np] = d;
	t->plen[t->np++] = n;
}

static void
tb_json(struct tb *t, const char *json)
{
	tb_arg(t, "json/plain", json, strlen(json));
}

#define U(s)	((char *)(uintptr_t)(s))

/* Packs the task; *n gets the length. */
static uint8_t *
tb_pack(const struct tb *t, size_t *n)
{
	authz_task_t m;
	Temporal__Api__Common__V1__ActivityType at;
	Temporal__Api__Common__V1__WorkflowExecution we;
	Temporal__Api__Common__V1__Header h;
	Temporal__Api__Common__V1__Payloads in;
	Google__Protobuf__Timestamp ts;
	HEntry he[TB_MAX], *hp[TB_MAX];
	Payload hv[TB_MAX], pv[TB_MAX], *pp[TB_MAX];
	MEntry me[TB_MAX], *mp[TB_MAX];
	uint8_t *out;

	temporal__api__workflowservice__v1__poll_activity_task_queue_response__init(
	    &m);
	temporal__api__common__v1__activity_type__init(&at);
	temporal__api__common__v1__workflow_execution__init(&we);
	temporal__api__common__v1__header__init(&h);
	temporal__api__common__v1__payloads__init(&in);
	google__protobuf__timestamp__init(&ts);
	m.task_token.data = (uint8_t *)(uintptr_t)"TOKEN-1";
	m.task_token.len = 7;
	m.workflow_namespace = U("default");
	at.name = U(t->activity);
	m.activity_type = &at;
	we.workflow_id = U(t->wf);
	we.run_id = U(t->run);
	m.workflow_execution = &we;
	m.activity_id = U(t->act);
	m.attempt = t->attempt;
	ts.seconds = t->sched;
	m.scheduled_time = &ts;
	for (size_t i = 0; i < t->nh; i++) {
		temporal__api__common__v1__header__fields_entry__init(&he[i]);
		temporal__api__common__v1__payload__init(&hv[i]);
		hv[i].data.data = (uint8_t *)(uintptr_t)t->hval[i];
		hv[i].data.len = t->hlen[i];
		he[i].key = U(t->hkey[i]);
		he[i].value = &hv[i];
		hp[i] = &he[i];
	}
	h.fields = hp;
	h.n_fields = t->nh;
	m.header = &h;
	for (size_t i = 0; i < t->np; i++) {
		temporal__api__common__v1__payload__init(&pv[i]);
		temporal__api__common__v1__payload__metadata_entry__init(&me[i]);
		me[i].key = U("encoding");
		me[i].value.data = (uint8_t *)(uintptr_t)t->enc[i];
		me[i].value.len = strlen(t->enc[i]);
		mp[i] = &me[i];
		pv[i].metadata = &mp[i];
		pv[i].n_metadata = 1;
		pv[i].data.data = (uint8_t *)(uintptr_t)t->pdata[i];
		pv[i].data.len = t->plen[i];
		pp[i] = &pv[i];
	}
	in.payloads = pp;
	in.n_payloads = t->np;
	m.input = &in;
	ck_assert_int_eq(authz_pb_pack(&m.base, &out, n), 0);
	return out;
}

static authz_task_t *
unpack(const uint8_t *b, size_t n)
{
	authz_task_t *m =
	    temporal__api__workflowservice__v1__poll_activity_task_queue_response__unpack(
	    NULL, n, b);

	ck_assert_ptr_nonnull(m);
	return m;
}

static void
task_free(authz_task_t *m)
{
	temporal__api__workflowservice__v1__poll_activity_task_queue_response__free_unpacked(
	    m, NULL);
}

/* Packs, checks the strings, unpacks and decides, as the proxy will. */
static void
decide_at(const struct tb *t, int64_t now_ms, struct authz_result *r)
{
	size_t n;
	uint8_t *b = tb_pack(t, &n);
	authz_task_t *m = unpack(b, n);
	struct authz_input in = { m, "default", "files", now_ms, 0 };

	in.wire_ok = authz_pb_strings_check(
	    &temporal__api__workflowservice__v1__poll_activity_task_queue_response__descriptor,
	    b, n) == 0;
	authz_decide(&CTX, &in, r);
	/* The borrowed strings die with the task: copy what tests read. */
	r->ns = r->task_queue = r->workflow_id = r->run_id = NULL;
	r->activity_id = r->activity_type = NULL;
	if (r->tool != NULL && r->policy != NULL && r->tool == m->activity_type->name)
		r->tool = NULL;
	task_free(m);
	free(b);
}

static void
decide(const struct tb *t, struct authz_result *r)
{
	decide_at(t, NOW_MS, r);
}

static void
assert_deny(const struct authz_result *r, const char *wire,
    enum authz_code code)
{
	ck_assert_msg(r->decision == AUTHZ_DENY, "decision %s (%s)",
	    authz_decision_name(r->decision), r->reason);
	ck_assert_msg(r->code == code, "code %s, want %s: %s",
	    authz_code_name(r->code), authz_code_name(code), r->reason);
	ck_assert_str_eq(r->wire_type, wire);
	ck_assert_ptr_nonnull(strstr(r->message, "denied: "));
}

static void
assert_allow(const struct authz_result *r)
{
	ck_assert_msg(r->decision == AUTHZ_ALLOW, "%s %s: %s",
	    authz_decision_name(r->decision), authz_code_name(r->code),
	    r->reason);
	ck_assert_ptr_null(r->wire_type);
}

/* A read_file task for path with a PoP by signer at ts. */
static void
read_task(struct tb *t, const struct minted *w, const struct party *signer,
    const char *path, const char *signed_path, int64_t ts, char **pop,
    char **json)
{
	size_t an;
	uint8_t *a = path_args(signed_path, &an);

	tb_init(t, "read_file");
	tb_hdr(t, "x-tenuo-warrant", w->env, w->len);
	*pop = pop_b64(signer, w->w, "read_file", a, an, ts);
	tb_hdrs(t, "x-tenuo-pop", *pop);
	tb_hdrs(t, "x-tenuo-arg-keys", "path");
	if (asprintf(json, "\"%s\"", path) < 0)
		ck_abort();
	tb_json(t, *json);
	free(a);
}

/* --------------------------------------------------------------- tests */

START_TEST(test_authz_allow)
{
	struct minted w = mint(&CP, &HOLDER, NULL, 0x11, T0 + 7200, NULL);
	struct authz_result r;
	struct tb t;
	char *pop, *json, id[TN_WARRANT_ID_STR_LEN];
	uint8_t h[32];

	read_task(&t, &w, &HOLDER, "/data/a.txt", "/data/a.txt", SCHED, &pop,
	    &json);
	decide(&t, &r);
	assert_allow(&r);
	ck_assert_int_eq(r.code, AUTHZ_C_OK);
	tn_warrant_id_str(w.w->id, id);
	ck_assert_str_eq(r.warrant_id, id);
	ck_assert_int_eq(r.has_chain, 1);
	ck_assert_uint_eq(r.chain_depth, 0);
	ck_assert_uint_eq(r.chain_len, 1);
	ck_assert_mem_eq(r.root, CP.pk, 32);
	ck_assert_mem_eq(r.holder, HOLDER.pk, 32);
	ck_assert_str_eq(r.arg_names, "path");
	ck_assert_uint_eq(r.nargs, 1);
	tn_sha256(r.args_cbor, r.args_cbor_len, h);
	ck_assert_mem_eq(h, r.args_sha256, 32);
	ck_assert_int_eq(r.strip_tenuo_headers, 1);
	ck_assert_int_eq(r.redact_args, 1);
	ck_assert_int_eq(r.pop_anchor_s, SCHED);
	authz_result_free(&r);
	free(pop);
	free(json);
	minted_free(&w);
}
END_TEST

START_TEST(test_authz_gzip_warrant)
{
	struct minted w = mint(&CP, &HOLDER, NULL, 0x12, T0 + 7200, NULL);
	struct authz_result r;
	struct tb t;
	char *pop, *json;
	uint8_t *gz, *big, *bgz;
	size_t gzn, bgzn;

	ck_assert_int_eq(tn_gzip_deflate(w.env, w.len, 9, &gz, &gzn, NULL), 0);
	read_task(&t, &w, &HOLDER, "/data/a.txt", "/data/a.txt", SCHED, &pop,
	    &json);
	t.hval[0] = gz;
	t.hlen[0] = gzn;
	tb_hdrs(&t, "x-tenuo-compressed", "1");
	decide(&t, &r);
	assert_allow(&r);
	authz_result_free(&r);
	/* "0" (or anything but "1"): the gzip bytes are read raw. */
	t.hval[t.nh - 1] = (const uint8_t *)"0";
	decide(&t, &r);
	assert_deny(&r, "CHAIN_INVALID", AUTHZ_C_WARRANT_MALFORMED);
	authz_result_free(&r);
	/* A bomb: more than 64 KiB once inflated. */
	big = calloc(1, 70 * 1024);
	ck_assert_int_eq(tn_gzip_deflate(big, 70 * 1024, 9, &bgz, &bgzn, NULL),
	    0);
	t.hval[0] = bgz;
	t.hlen[0] = bgzn;
	t.hval[t.nh - 1] = (const uint8_t *)"1";
	decide(&t, &r);
	assert_deny(&r, "CHAIN_INVALID", AUTHZ_C_WARRANT_MALFORMED);
	ck_assert_str_eq(r.warrant_id, "<malformed>");
	authz_result_free(&r);
	/* More than 64 KiB on the wire. */
	t.hval[0] = big;
	t.hlen[0] = 70 * 1024;
	t.nh--;
	decide(&t, &r);
	assert_deny(&r, "CHAIN_INVALID", AUTHZ_C_WARRANT_MALFORMED);
	authz_result_free(&r);
	free(big);
	free(bgz);
	free(gz);
	free(pop);
	free(json);
	minted_free(&w);
}
END_TEST

START_TEST(test_authz_no_warrant)
{
	struct config_kv kv = { U("require_warrant"), U("off"), 3 };
	struct config_policy p = { U("open"), 2, &kv, 1 };
	struct authz_result r;
	struct tb t;

	tb_init(&t, "read_file");
	tb_json(&t, "\"/data/a.txt\"");
	decide(&t, &r);
	assert_deny(&r, "CONSTRAINT_VIOLATED", AUTHZ_C_NO_WARRANT);
	ck_assert_str_eq(r.message, "Activity 'read_file' denied: No warrant "
	    "provided (require_warrant=True) (warrant: none)");
	authz_result_free(&r);
	set_policies(&p, 1);
	decide(&t, &r);
	assert_allow(&r);
	ck_assert_int_eq(r.code, AUTHZ_C_NO_WARRANT_ALLOWED);
	ck_assert_str_eq(r.warrant_id, "none");
	authz_result_free(&r);
}
END_TEST

START_TEST(test_authz_constraint_violation)
{
	struct minted w = mint(&CP, &HOLDER, NULL, 0x13, T0 + 7200, NULL);
	struct authz_result r;
	struct tb t;
	char *pop, *json;

	read_task(&t, &w, &HOLDER, "/etc/passwd", "/etc/passwd", SCHED, &pop,
	    &json);
	decide(&t, &r);
	assert_deny(&r, "constraint_violation", AUTHZ_C_CONSTRAINT);
	ck_assert_ptr_null(strstr(r.message, "passwd"));	/* no values */
	ck_assert_ptr_nonnull(strstr(r.message, "Activity 'read_file' "
	    "denied: "));
	ck_assert_ptr_nonnull(strstr(r.message, "(warrant: tnu_wrt_1313"));
	authz_result_free(&r);
	free(pop);
	free(json);
	/* A tool the warrant does not grant. */
	read_task(&t, &w, &HOLDER, "/data/a", "/data/a", SCHED, &pop, &json);
	t.activity = "write_file";
	decide(&t, &r);
	assert_deny(&r, "constraint_violation", AUTHZ_C_TOOL);
	ck_assert_ptr_nonnull(strstr(r.reason, "Constraint 'tool'"));
	authz_result_free(&r);
	free(pop);
	free(json);
	minted_free(&w);
}
END_TEST

START_TEST(test_authz_pop_denials)
{
	struct minted w = mint(&CP, &HOLDER, NULL, 0x14, T0 + 7200, NULL);
	struct authz_result r;
	struct tb t;
	char *pop, *json;

	/* PoP for other arguments. */
	read_task(&t, &w, &HOLDER, "/data/a.txt", "/data/b.txt", SCHED, &pop,
	    &json);
	decide(&t, &r);
	assert_deny(&r, "CONSTRAINT_VIOLATED", AUTHZ_C_POP_FAILED);
	authz_result_free(&r);
	free(pop);
	free(json);
	/* PoP by a key other than the holder's. */
	read_task(&t, &w, &OTHER, "/data/a.txt", "/data/a.txt", SCHED, &pop,
	    &json);
	decide(&t, &r);
	assert_deny(&r, "CONSTRAINT_VIOLATED", AUTHZ_C_POP_FAILED);
	authz_result_free(&r);
	/* Not base64. */
	t.hval[1] = (const uint8_t *)"!!!!";
	t.hlen[1] = 4;
	decide(&t, &r);
	assert_deny(&r, "POP_VERIFICATION_FAILED", AUTHZ_C_POP_MALFORMED);
	authz_result_free(&r);
	/* Base64 of 3 bytes. */
	t.hval[1] = (const uint8_t *)"AAAA";
	decide(&t, &r);
	assert_deny(&r, "CONSTRAINT_VIOLATED", AUTHZ_C_POP_FAILED);
	ck_assert_ptr_nonnull(strstr(r.reason, "64 bytes"));
	authz_result_free(&r);
	/* Missing. */
	t.hkey[1] = "x-other";
	decide(&t, &r);
	assert_deny(&r, "CONSTRAINT_VIOLATED", AUTHZ_C_POP_MISSING);
	authz_result_free(&r);
	free(pop);
	free(json);
	minted_free(&w);
}
END_TEST

START_TEST(test_authz_expired)
{
	struct minted w = mint(&CP, &HOLDER, NULL, 0x15, SCHED + 60, NULL);
	struct authz_result r;
	struct tb t;
	char *pop, *json;

	read_task(&t, &w, &HOLDER, "/data/a.txt", "/data/a.txt", SCHED, &pop,
	    &json);
	decide_at(&t, (int64_t)(SCHED + 59) * 1000, &r);
	assert_allow(&r);
	authz_result_free(&r);
	t.act = "2";
	decide_at(&t, (int64_t)(SCHED + 60) * 1000, &r);
	assert_deny(&r, "WARRANT_EXPIRED", AUTHZ_C_EXPIRED);
	ck_assert_ptr_nonnull(strstr(r.reason, "expired at 2026-01-01 "));
	authz_result_free(&r);
	free(pop);
	free(json);
	minted_free(&w);
}
END_TEST

START_TEST(test_authz_revoked)
{
	struct minted w = mint(&CP, &HOLDER, NULL, 0x16, T0 + 7200, NULL);
	struct authz_result r;
	struct tn_srl *srl;
	struct tb t;
	char *pop, *json;
	uint8_t *blob;
	size_t n;

	ck_assert_int_eq(tn_srl_encode((const uint8_t (*)[TN_ID_LEN])w.w->id,
	    1, 1, T0, CP.sk, &blob, &n, NULL), 0);
	ck_assert_int_eq(tn_srl_decode(blob, n, CP.pk, 0, &srl, NULL), 0);
	read_task(&t, &w, &HOLDER, "/data/a.txt", "/data/a.txt", SCHED, &pop,
	    &json);
	decide(&t, &r);		/* cached before the list arrives */
	assert_allow(&r);
	authz_result_free(&r);
	TRUST.srl = srl;
	t.act = "2";
	decide(&t, &r);
	assert_deny(&r, "revoked", AUTHZ_C_REVOKED);
	ck_assert_int_eq(r.cache_hit, 1);	/* a hit still checks the SRL */
	authz_result_free(&r);
	TRUST.srl = NULL;
	tn_srl_free(srl);
	free(blob);
	free(pop);
	free(json);
	minted_free(&w);
}
END_TEST

START_TEST(test_authz_tampered_byte)
{
	struct minted w = mint(&CP, &HOLDER, NULL, 0x17, T0 + 7200, NULL);
	struct authz_result r;
	struct tb t;
	char *pop, *json;
	uint8_t *bad = malloc(w.len);

	read_task(&t, &w, &HOLDER, "/data/a.txt", "/data/a.txt", SCHED, &pop,
	    &json);
	memcpy(bad, w.env, w.len);
	bad[w.len / 2] ^= 0x01;
	t.hval[0] = bad;
	decide(&t, &r);
	assert_deny(&r, "CHAIN_INVALID", AUTHZ_C_WARRANT_MALFORMED);
	authz_result_free(&r);
	free(bad);
	free(pop);
	free(json);
	minted_free(&w);
}
END_TEST

START_TEST(test_authz_untrusted_root)
{
	struct minted w = mint(&OTHER, &HOLDER, NULL, 0x18, T0 + 7200, NULL);
	struct authz_result r;
	struct tb t;
	char *pop, *json;

	read_task(&t, &w, &HOLDER, "/data/a.txt", "/data/a.txt", SCHED, &pop,
	    &json);
	decide(&t, &r);
	assert_deny(&r, "CONSTRAINT_VIOLATED", AUTHZ_C_UNTRUSTED_ROOT);
	authz_result_free(&r);
	free(pop);
	free(json);
	minted_free(&w);
}
END_TEST

/* cp -> HOLDER (orchestrator) -> SUB (reader); the chain header. */
START_TEST(test_authz_chain_header)
{
	struct minted root = mint(&CP, &HOLDER, NULL, 0x21, T0 + 7200, NULL);
	struct minted leaf = mint(&HOLDER, &SUB, root.w, 0x22, T0 + 3600,
	    NULL);
	struct minted stray = mint(&CP, &SUB, NULL, 0x23, T0 + 3600, NULL);
	struct tn_stack st = { NULL, 0 };
	struct authz_result r;
	struct tb t;
	char *pop, *json, *b64;
	uint8_t *enc;
	size_t n;

	ck_assert_int_eq(tn_stack_push(&st, root.w, NULL), 0);
	ck_assert_int_eq(tn_stack_push(&st, leaf.w, NULL), 0);
	ck_assert_int_eq(tn_stack_encode(&st, &enc, &n, NULL), 0);
	free(st.w);
	ck_assert_int_eq(tn_b64_encode(enc, n, TN_B64_STD | TN_B64_PAD, &b64,
	    NULL, NULL), 0);
	read_task(&t, &leaf, &SUB, "/data/a.txt", "/data/a.txt", SCHED, &pop,
	    &json);
	tb_hdrs(&t, "x-tenuo-warrant-chain", b64);
	decide(&t, &r);
	assert_allow(&r);
	ck_assert_uint_eq(r.chain_depth, 1);
	ck_assert_uint_eq(r.chain_len, 2);
	ck_assert_mem_eq(r.root, CP.pk, 32);
	ck_assert_mem_eq(r.holder, SUB.pk, 32);
	authz_result_free(&r);
	/* Without the chain the leaf alone is not anchored. */
	t.nh--;
	t.act = "2";
	decide(&t, &r);
	assert_deny(&r, "CONSTRAINT_VIOLATED", AUTHZ_C_UNTRUSTED_ROOT);
	authz_result_free(&r);
	/* A chain whose leaf is not x-tenuo-warrant. */
	t.nh++;
	t.hval[0] = stray.env;
	t.hlen[0] = stray.len;
	decide(&t, &r);
	assert_deny(&r, "CHAIN_INVALID", AUTHZ_C_CHAIN_LEAF_MISMATCH);
	/* the verified chain is cached, but not for another warrant */
	ck_assert_int_eq(r.cache_hit, 0);
	authz_result_free(&r);
	/* A chain header that is not base64. */
	t.hval[0] = leaf.env;
	t.hlen[0] = leaf.len;
	t.hval[t.nh - 1] = (const uint8_t *)"%%%";
	t.hlen[t.nh - 1] = 3;
	decide(&t, &r);
	assert_deny(&r, "CHAIN_INVALID", AUTHZ_C_CHAIN_MALFORMED);
	authz_result_free(&r);
	free(enc);
	free(b64);
	free(pop);
	free(json);
	minted_free(&stray);
	minted_free(&leaf);
	minted_free(&root);
}
END_TEST

START_TEST(test_authz_depth_limit)
{
	struct config_kv kv = { U("max_chain_depth"), U("0"), 3 };
	struct config_kv kv1 = { U("max_chain_depth"), U("1"), 3 };
	struct config_policy p = { U("shallow"), 2, &kv, 1 };
	struct authz_globals g;
	struct authz_policies *ps = NULL;

	authz_globals_default(&g);
	/* 0 is out of range (1-64). */
	ck_assert_int_eq(authz_policies_build("t.conf", &p, 1, &g, NULL, &ps),
	    1);
	ck_assert_ptr_null(ps);
	p.kv = &kv1;
	set_policies(&p, 1);
	{
		struct minted root = mint(&CP, &HOLDER, NULL, 0x31, T0 + 7200,
		    NULL);
		struct minted mid = mint(&HOLDER, &SUB, root.w, 0x32, T0 + 7200,
		    NULL);
		struct minted leaf = mint(&SUB, &OTHER, mid.w, 0x33, T0 + 7200,
		    NULL);
		struct tn_stack st = { NULL, 0 };
		struct authz_result r;
		struct tb t;
		char *pop, *json, *b64;
		uint8_t *enc;
		size_t n;

		ck_assert_int_eq(tn_stack_push(&st, root.w, NULL), 0);
		ck_assert_int_eq(tn_stack_push(&st, mid.w, NULL), 0);
		ck_assert_int_eq(tn_stack_push(&st, leaf.w, NULL), 0);
		ck_assert_int_eq(tn_stack_encode(&st, &enc, &n, NULL), 0);
		free(st.w);
		ck_assert_int_eq(tn_b64_encode(enc, n, TN_B64_STD, &b64, NULL,
		    NULL), 0);
		read_task(&t, &leaf, &OTHER, "/data/a", "/data/a", SCHED, &pop,
		    &json);
		tb_hdrs(&t, "x-tenuo-warrant-chain", b64);
		decide(&t, &r);
		assert_deny(&r, "CHAIN_INVALID", AUTHZ_C_DEPTH_LIMIT);
		ck_assert_ptr_nonnull(strstr(r.reason, "Chain depth 2 exceeds "
		    "max 1"));
		authz_result_free(&r);
		free(enc);
		free(b64);
		free(pop);
		free(json);
		minted_free(&leaf);
		minted_free(&mid);
		minted_free(&root);
	}
}
END_TEST

/*
 * dict, list, float and bytes arguments: the map is built here by hand as
 * Tenuo's Python signer builds it (json.dumps text for the dict, a list of
 * strings, a float, base64 for bytes) and the PoP signed over that.
 */
START_TEST(test_authz_rich_args)
{
	struct minted w = mint(&CP, &HOLDER, NULL, 0x41, T0 + 7200, NULL);
	static const uint8_t blob[] = { 0x00, 0x01, 0x02 };
	struct authz_result r;
	struct tn_buf b;
	struct tb t;
	uint8_t *a;
	size_t an;
	char *pop;

	tn_buf_init(&b, 4096);
	tn_cbor_put_map(&b, 4);
	tn_cbor_put_cstr(&b, "blob");
	tn_cbor_put_cstr(&b, "AAEC");
	tn_cbor_put_cstr(&b, "cfg");
	tn_cbor_put_cstr(&b, "{\"a\": [1, 2.5], \"b\": \"\xc3\xa9\"}");
	tn_cbor_put_cstr(&b, "items");
	tn_cbor_put_array(&b, 2);
	tn_cbor_put_cstr(&b, "x");
	tn_cbor_put_cstr(&b, "y");
	tn_cbor_put_cstr(&b, "ratio");
	tn_cbor_put_float(&b, 0.5);
	ck_assert_int_eq(tn_buf_take(&b, &a, &an), 0);
	pop = pop_b64(&HOLDER, w.w, "process", a, an, SCHED);
	tb_init(&t, "process");
	tb_hdr(&t, "x-tenuo-warrant", w.env, w.len);
	tb_hdrs(&t, "x-tenuo-pop", pop);
	tb_hdrs(&t, "x-tenuo-arg-keys", "cfg,items,ratio,blob");
	/* Temporal's json/plain: compact, sorted keys, ASCII escapes. */
	tb_json(&t, "{\"a\":[1,2.5],\"b\":\"\\u00e9\"}");
	tb_json(&t, "[\"x\",\"y\"]");
	tb_json(&t, "0.5");
	tb_arg(&t, "binary/plain", blob, sizeof(blob));
	decide(&t, &r);
	assert_allow(&r);
	ck_assert_str_eq(r.arg_names, "blob,cfg,items,ratio");
	ck_assert_uint_eq(r.args_cbor_len, an);
	ck_assert_mem_eq(r.args_cbor, a, an);
	authz_result_free(&r);
	/* A payload codec's output cannot be reproduced: denied, saying so. */
	t.enc[3] = "binary/encrypted";
	t.act = "2";
	decide(&t, &r);
	assert_deny(&r, "CONSTRAINT_VIOLATED", AUTHZ_C_ARGS);
	ck_assert_ptr_nonnull(strstr(r.reason, "binary/encrypted"));
	ck_assert_int_eq(r.has_args, 0);
	authz_result_free(&r);
	free(a);
	free(pop);
	minted_free(&w);
}
END_TEST

/*
 * The PoP was signed when the activity was first scheduled; a retry hours
 * later carries the same headers and the same scheduled_time.
 */
START_TEST(test_authz_scheduled_time_anchor)
{
	struct config_kv kv = { U("pop_clock"), U("now"), 3 };
	struct config_policy p = { U("strict"), 2, &kv, 1 };
	struct minted w = mint(&CP, &HOLDER, NULL, 0x51, T0 + 86400, NULL);
	const int64_t later = (int64_t)(SCHED + 3 * 3600) * 1000;
	struct authz_result r;
	struct tb t;
	char *pop, *json;

	read_task(&t, &w, &HOLDER, "/data/a.txt", "/data/a.txt", SCHED - 5,
	    &pop, &json);
	t.attempt = 4;
	decide_at(&t, later, &r);
	assert_allow(&r);
	ck_assert_int_eq(r.pop_anchor_s, SCHED);
	authz_result_free(&r);
	/* A PoP from an hour before scheduling is not in the windows. */
	free(pop);
	free(json);
	read_task(&t, &w, &HOLDER, "/data/a.txt", "/data/a.txt", SCHED - 3600,
	    &pop, &json);
	t.attempt = 4;
	decide_at(&t, later, &r);
	assert_deny(&r, "CONSTRAINT_VIOLATED", AUTHZ_C_POP_FAILED);
	authz_result_free(&r);
	free(pop);
	free(json);
	/* pop_clock = now: the same retry is denied. */
	set_policies(&p, 1);
	read_task(&t, &w, &HOLDER, "/data/a.txt", "/data/a.txt", SCHED - 5,
	    &pop, &json);
	t.attempt = 4;
	decide_at(&t, later, &r);
	assert_deny(&r, "CONSTRAINT_VIOLATED", AUTHZ_C_POP_FAILED);
	ck_assert_int_eq(r.pop_anchor_s, SCHED + 3 * 3600);
	authz_result_free(&r);
	free(pop);
	free(json);
	minted_free(&w);
}
END_TEST

START_TEST(test_authz_dedup_replay)
{
	struct minted w = mint(&CP, &HOLDER, NULL, 0x61, T0 + 7200, NULL);
	struct authz_result r;
	struct tb t;
	char *pop, *json;

	read_task(&t, &w, &HOLDER, "/data/a.txt", "/data/a.txt", SCHED, &pop,
	    &json);
	decide(&t, &r);
	assert_allow(&r);
	authz_result_free(&r);
	decide_at(&t, NOW_MS + 1500, &r);
	assert_deny(&r, "POP_VERIFICATION_FAILED", AUTHZ_C_REPLAY);
	ck_assert_ptr_nonnull(strstr(r.reason, "replay detected (dedup_key "
	    "seen 1.5s ago)"));
	authz_result_free(&r);
	/* Retries (attempt > 1) are not first attempts. */
	t.attempt = 2;
	decide_at(&t, NOW_MS + 2000, &r);
	assert_allow(&r);
	authz_result_free(&r);
	/* Another activity of the same workflow is not a replay. */
	t.attempt = 1;
	t.act = "2";
	decide_at(&t, NOW_MS + 2000, &r);
	assert_allow(&r);
	authz_result_free(&r);
	free(pop);
	free(json);
	minted_free(&w);
}
END_TEST

START_TEST(test_authz_cache_hit_and_generation)
{
	struct minted w = mint(&CP, &HOLDER, NULL, 0x71, T0 + 7200, NULL);
	struct chaincache_stats s;
	struct authz_result r;
	struct tb t;
	char *pop, *json;

	read_task(&t, &w, &HOLDER, "/data/a.txt", "/data/a.txt", SCHED, &pop,
	    &json);
	decide(&t, &r);
	assert_allow(&r);
	ck_assert_int_eq(r.cache_hit, 0);
	authz_result_free(&r);
	t.act = "2";
	decide(&t, &r);
	assert_allow(&r);
	ck_assert_int_eq(r.cache_hit, 1);
	authz_result_free(&r);
	/*
	 * The key covers x-tenuo-compressed: the same warrant bytes said to
	 * be gzip are not the cached plain warrant (gunzip fails).
	 */
	tb_hdrs(&t, "x-tenuo-compressed", "1");
	t.act = "2c";
	decide(&t, &r);
	ck_assert_int_eq(r.cache_hit, 0);
	assert_deny(&r, "CHAIN_INVALID", AUTHZ_C_WARRANT_MALFORMED);
	authz_result_free(&r);
	t.nh--;
	/* A reload bumps the generation: decoded again. */
	TRUST.generation++;
	t.act = "3";
	decide(&t, &r);
	assert_allow(&r);
	ck_assert_int_eq(r.cache_hit, 0);
	authz_result_free(&r);
	/* A chain that fails verification is not cached. */
	memset(ROOTS[0], 0, 32);
	t.act = "4";
	TRUST.generation++;
	decide(&t, &r);
	assert_deny(&r, "CONSTRAINT_VIOLATED", AUTHZ_C_UNTRUSTED_ROOT);
	authz_result_free(&r);
	chaincache_get_stats(CACHE, &s);
	ck_assert_uint_eq(s.entries, 0);
	memcpy(ROOTS[0], CP.pk, 32);
	free(pop);
	free(json);
	minted_free(&w);
}
END_TEST

START_TEST(test_authz_audit_only)
{
	struct config_kv kv = { U("enforcement"), U("audit-only"), 3 };
	struct config_policy p = { U("shadow"), 2, &kv, 1 };
	struct authz_result r;
	struct tb t;

	set_policies(&p, 1);
	tb_init(&t, "read_file");
	decide(&t, &r);
	ck_assert_int_eq(r.decision, AUTHZ_WOULD_DENY);
	ck_assert_str_eq(r.wire_type, "CONSTRAINT_VIOLATED");
	ck_assert_str_eq(authz_decision_name(r.decision), "would_deny");
	authz_result_free(&r);
}
END_TEST

START_TEST(test_authz_approval_required)
{
	static const uint8_t gate[] = { 0xa0 };
	struct minted w = mint(&CP, &HOLDER, NULL, 0x81, T0 + 7200, gate);
	struct authz_result r;
	struct tb t;
	char *pop, *json;

	read_task(&t, &w, &HOLDER, "/data/a.txt", "/data/a.txt", SCHED, &pop,
	    &json);
	decide(&t, &r);
	assert_deny(&r, "approval_required", AUTHZ_C_APPROVAL_REQUIRED);
	authz_result_free(&r);
	tb_hdrs(&t, "x-tenuo-approvals", "not json");
	decide(&t, &r);
	assert_deny(&r, "invalid_approval", AUTHZ_C_APPROVAL_INVALID);
	authz_result_free(&r);
	/* Constraints still come first on a gated warrant. */
	free(pop);
	free(json);
	read_task(&t, &w, &HOLDER, "/etc/x", "/etc/x", SCHED, &pop, &json);
	decide(&t, &r);
	assert_deny(&r, "constraint_violation", AUTHZ_C_CONSTRAINT);
	authz_result_free(&r);
	free(pop);
	free(json);
	minted_free(&w);
}
END_TEST

static char msgs[8][512];
static int nmsgs;

static void
collect(void *arg, const char *m)
{
	(void)arg;
	if (nmsgs < 8)
		snprintf(msgs[nmsgs++], sizeof(msgs[0]), "%s", m);
}

START_TEST(test_authz_policy_select)
{
	struct config_kv a[] = {
		{ U("namespace"), U("prod"), 2 },
		{ U("task_queue"), U("files-*"), 3 },
		{ U("tool_map"), U("fetch_document:read_file, x:y"), 4 },
		{ U("trusted_root"),
		  U("0101010101010101010101010101010101010101010101010101010101010101"),
		  5 },
	};
	struct config_kv b[] = { { U("pop_max_windows"), U("11"), 8 },
		{ U("pop_clock"), U("later"), 9 },
		{ U("colour"), U("blue"), 10 } };
	struct config_policy p[2] = { { U("files"), 1, a, 4 },
		{ U("bad"), 7, b, 3 } };
	struct authz_policies *ps = NULL;
	const struct authz_policy *sel;
	struct authz_globals g;
	struct config_errsink sink = { collect, NULL };

	authz_globals_default(&g);
	set_policies(p, 1);
	sel = authz_policy_select(POL, "prod", "files-eu");
	ck_assert_str_eq(sel->name, "files");
	ck_assert_str_eq(authz_policy_tool(sel, "fetch_document"), "read_file");
	ck_assert_str_eq(authz_policy_tool(sel, "other"), "other");
	ck_assert_uint_eq(sel->nroots, 1);
	ck_assert_ptr_eq(authz_policy_select(POL, "dev", "files-eu"),
	    &POL->global);
	ck_assert_ptr_eq(authz_policy_select(POL, "prod", "payments"),
	    &POL->global);
	/* Every error of every policy, with file and line. */
	nmsgs = 0;
	ck_assert_int_eq(authz_policies_build("t.conf", p, 2, &g, &sink, &ps),
	    3);
	ck_assert_ptr_null(ps);
	ck_assert_int_eq(nmsgs, 3);
	ck_assert_str_eq(msgs[0], "t.conf:8: pop_max_windows 11 out of range "
	    "(2-10)");
	ck_assert_ptr_nonnull(strstr(msgs[1], "t.conf:9: pop_clock"));
	ck_assert_ptr_nonnull(strstr(msgs[2], "t.conf:10: unknown key "
	    "\"colour\""));
}
END_TEST

START_TEST(test_authz_tool_map_used)
{
	struct config_kv kv = { U("tool_map"), U("fetch_document:read_file"), 2 };
	struct config_policy p = { U("map"), 1, &kv, 1 };
	struct minted w = mint(&CP, &HOLDER, NULL, 0x91, T0 + 7200, NULL);
	struct authz_result r;
	struct tb t;
	char *pop, *json;

	set_policies(&p, 1);
	read_task(&t, &w, &HOLDER, "/data/a.txt", "/data/a.txt", SCHED, &pop,
	    &json);
	t.activity = "fetch_document";
	decide(&t, &r);
	assert_allow(&r);
	ck_assert_str_eq(r.tool, "read_file");
	authz_result_free(&r);
	free(pop);
	free(json);
	minted_free(&w);
}
END_TEST

/* An embedded NUL in a string field: refused by the walker, denied. */
/*
 * authz_pb_check() flags a non-repeated field given twice at any depth
 * (here a header entry's key), and a oneof-free repeated field not.
 */
START_TEST(test_authz_pb_ambiguous)
{
	static const uint8_t once[] = { 0x3a, 0x05, 0x0a, 0x03, 0x0a, 0x01,
	    'a' };
	static const uint8_t twice[] = { 0x3a, 0x08, 0x0a, 0x06, 0x0a, 0x01,
	    'a', 0x0a, 0x01, 'b' };
	static const uint8_t two_entries[] = { 0x3a, 0x0a, 0x0a, 0x03, 0x0a,
	    0x01, 'a', 0x0a, 0x03, 0x0a, 0x01, 'b' };
	static const uint8_t two_ids[] = { 0x32, 0x01, 'a', 0x32, 0x01, 'b' };
	const ProtobufCMessageDescriptor *d =
	    &temporal__api__workflowservice__v1__poll_activity_task_queue_response__descriptor;
	int amb = -1;

	ck_assert_int_eq(authz_pb_check(d, once, sizeof(once), &amb), 0);
	ck_assert_int_eq(amb, 0);
	ck_assert_int_eq(authz_pb_check(d, two_entries, sizeof(two_entries),
	    &amb), 0);
	ck_assert_int_eq(amb, 0);	/* fields is repeated */
	ck_assert_int_eq(authz_pb_check(d, twice, sizeof(twice), &amb), 0);
	ck_assert_int_eq(amb, 1);	/* an entry's key twice */
	ck_assert_int_eq(authz_pb_check(d, two_ids, sizeof(two_ids), &amb), 0);
	ck_assert_int_eq(amb, 1);	/* activity_id twice */
	ck_assert_int_eq(authz_pb_strings_check(d, twice, sizeof(twice)), 0);
}
END_TEST

START_TEST(test_authz_embedded_nul)
{
	struct authz_result r;
	struct tb t;
	uint8_t *b, *p;
	size_t n;

	tb_init(&t, "read_file");
	t.activity = "read_fileX";
	b = tb_pack(&t, &n);
	p = memmem(b, n, "read_fileX", 10);
	ck_assert_ptr_nonnull(p);
	p[9] = 0;
	ck_assert_int_eq(authz_pb_strings_check(
	    &temporal__api__workflowservice__v1__poll_activity_task_queue_response__descriptor,
	    b, n), -1);
	p[9] = 0xff;	/* invalid UTF-8 */
	ck_assert_int_eq(authz_pb_strings_check(
	    &temporal__api__workflowservice__v1__poll_activity_task_queue_response__descriptor,
	    b, n), -1);
	p[9] = 'X';
	ck_assert_int_eq(authz_pb_strings_check(
	    &temporal__api__workflowservice__v1__poll_activity_task_queue_response__descriptor,
	    b, n), 0);
	/* Truncated at every offset: never a crash, never a false OK. */
	for (size_t i = 1; i < n; i++)
		(void)authz_pb_strings_check(
		    &temporal__api__workflowservice__v1__poll_activity_task_queue_response__descriptor,
		    b, i);
	free(b);
	/* A header key with a NUL ("x-tenuo-warrant\0x"). */
	tb_init(&t, "read_file");
	tb_hdr(&t, "x-tenuo-warrantZx", "abc", 3);
	b = tb_pack(&t, &n);
	p = memmem(b, n, "x-tenuo-warrantZx", 17);
	p[15] = 0;
	ck_assert_int_eq(authz_pb_strings_check(
	    &temporal__api__workflowservice__v1__poll_activity_task_queue_response__descriptor,
	    b, n), -1);
	free(b);
	decide(&t, &r);		/* the Z variant passes the check */
	assert_deny(&r, "CONSTRAINT_VIOLATED", AUTHZ_C_NO_WARRANT);
	authz_result_free(&r);
	{
		authz_task_t *m;
		struct authz_input in;

		b = tb_pack(&t, &n);
		m = unpack(b, n);
		memset(&in, 0, sizeof(in));
		in.task = m;
		in.now_ms = NOW_MS;	/* wire_ok left 0: fail closed */
		authz_decide(&CTX, &in, &r);
		assert_deny(&r, "CONSTRAINT_VIOLATED", AUTHZ_C_TASK_MALFORMED);
		authz_result_free(&r);
		task_free(m);
		free(b);
	}
}
END_TEST

/* Append an unknown field (number 99, varint 7) to a message. */
static uint8_t *
with_unknown(const uint8_t *b, size_t n, size_t *outn)
{
	uint8_t *o = malloc(n + 3);

	memcpy(o, b, n);
	o[n] = 0x98;	/* (99 << 3) | 0 = 792 = 0x318 */
	o[n + 1] = 0x06;
	o[n + 2] = 0x07;
	*outn = n + 3;
	return o;
}

START_TEST(test_authz_strip_keeps_unknown)
{
	struct tb t, want;
	uint8_t *b, *bu, *wb, *wbu, *out;
	size_t n, nu, wn, wnu, on;
	authz_task_t *m;

	tb_init(&t, "read_file");
	tb_hdrs(&t, "x-tenuo-warrant", "w");
	tb_hdrs(&t, "x-other", "keep me");
	tb_hdrs(&t, "x-tenuo-pop", "p");
	tb_hdrs(&t, "x-tenuo-arg-keys", "path");
	tb_hdrs(&t, "traceparent", "00-abc");
	tb_json(&t, "\"/data/a\"");
	b = tb_pack(&t, &n);
	bu = with_unknown(b, n, &nu);
	m = unpack(bu, nu);
	ck_assert_uint_eq(authz_strip_tenuo_headers(m), 3);
	ck_assert_uint_eq(m->header->n_fields, 2);
	ck_assert_int_eq(authz_pb_pack(&m->base, &out, &on), 0);
	tb_init(&want, "read_file");
	tb_hdrs(&want, "x-other", "keep me");
	tb_hdrs(&want, "traceparent", "00-abc");
	tb_json(&want, "\"/data/a\"");
	wb = tb_pack(&want, &wn);
	wbu = with_unknown(wb, wn, &wnu);
	ck_assert_uint_eq(on, wnu);
	ck_assert_mem_eq(out, wbu, on);
	task_free(m);
	free(b);
	free(bu);
	free(wb);
	free(wbu);
	free(out);
}
END_TEST

START_TEST(test_authz_failure_requests)
{
	Temporal__Api__Workflowservice__V1__RespondActivityTaskFailedRequest *f;
	struct authz_result r;
	struct tb t;
	uint8_t *b, *out;
	size_t n, on;
	authz_task_t *m;

	tb_init(&t, "read_file");
	decide(&t, &r);
	b = tb_pack(&t, &n);
	m = unpack(b, n);
	ck_assert_int_eq(authz_build_denial(m, &r, "default",
	    "tenuo-sidecar@host1", &out, &on), 0);
	f = temporal__api__workflowservice__v1__respond_activity_task_failed_request__unpack(
	    NULL, on, out);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->task_token.len, 7);
	ck_assert_mem_eq(f->task_token.data, "TOKEN-1", 7);
	ck_assert_str_eq(f->namespace_, "default");
	ck_assert_str_eq(f->identity, "tenuo-sidecar@host1");
	ck_assert_str_eq(f->failure->message, r.message);
	ck_assert_int_eq(f->failure->failure_info_case,
	    TEMPORAL__API__FAILURE__V1__FAILURE__FAILURE_INFO_APPLICATION_FAILURE_INFO);
	ck_assert_str_eq(f->failure->application_failure_info->type,
	    "CONSTRAINT_VIOLATED");
	ck_assert_int_eq(f->failure->application_failure_info->non_retryable,
	    1);
	temporal__api__workflowservice__v1__respond_activity_task_failed_request__free_unpacked(
	    f, NULL);
	free(out);
	ck_assert_int_eq(authz_build_undelivered(m, NULL, "tenuo-sidecar@host1",
	    "worker stream closed", &out, &on), 0);
	f = temporal__api__workflowservice__v1__respond_activity_task_failed_request__unpack(
	    NULL, on, out);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->namespace_, "default");
	ck_assert_str_eq(f->failure->application_failure_info->type,
	    AUTHZ_UNDELIVERED_TYPE);
	ck_assert_int_eq(f->failure->application_failure_info->non_retryable,
	    0);
	ck_assert_ptr_nonnull(strstr(f->failure->message,
	    "worker stream closed"));
	temporal__api__workflowservice__v1__respond_activity_task_failed_request__free_unpacked(
	    f, NULL);
	free(out);
	authz_result_free(&r);
	task_free(m);
	free(b);
}
END_TEST

START_TEST(test_authz_code_table)
{
	for (int c = 0; c < AUTHZ_C_COUNT; c++) {
		ck_assert_ptr_nonnull(authz_code_name((enum authz_code)c));
		if (c > AUTHZ_C_NO_WARRANT_ALLOWED)
			ck_assert_ptr_nonnull(authz_code_wire_type(
			    (enum authz_code)c));
	}
	ck_assert_ptr_null(authz_code_wire_type(AUTHZ_C_OK));
	ck_assert_str_eq(authz_code_wire_type(AUTHZ_C_EXPIRED),
	    "WARRANT_EXPIRED");
	ck_assert_str_eq(authz_code_wire_type(AUTHZ_C_REVOKED), "revoked");
}
END_TEST

/* ------------------------------------------------- workflow starts */

/* A start on queue "protected" with the given x-tenuo-warrant (or none). */
static void
start_decide(const uint8_t *w, size_t wlen, struct authz_result *r)
{
	Temporal__Api__Common__V1__Header h;
	HEntry e, *ep = &e;
	Temporal__Api__Common__V1__Payload p;
	struct authz_start_input in;

	temporal__api__common__v1__header__init(&h);
	temporal__api__common__v1__header__fields_entry__init(&e);
	temporal__api__common__v1__payload__init(&p);
	p.data.data = (uint8_t *)(uintptr_t)w;
	p.data.len = wlen;
	e.key = U("x-tenuo-warrant");
	e.value = &p;
	h.n_fields = w != NULL ? 1 : 0;
	h.fields = &ep;
	memset(&in, 0, sizeof(in));
	in.ns = "default";
	in.task_queue = "protected";
	in.workflow_id = "wf-1";
	in.workflow_type = "FileAnalysis";
	in.header = &h;
	in.now_ms = NOW_MS;
	in.wire_ok = 1;
	authz_decide_start(&CTX, &in, r);
}

static void
start_policy(const char *enforcement)
{
	static struct config_kv kv[3];
	static struct config_policy p;

	kv[0] = (struct config_kv){ U("task_queue"), U("protected"), 3 };
	kv[1] = (struct config_kv){ U("require_warrant_on_start"), U("on"),
	    4 };
	kv[2] = (struct config_kv){ U("enforcement"), U(enforcement), 5 };
	p = (struct config_policy){ U("starts"), 2, kv, 3 };
	set_policies(&p, 1);
	ck_assert_int_eq(authz_policies_start_checked(POL), 1);
	ck_assert_int_eq(authz_policy_select(POL, "default", "protected")->
	    require_warrant_on_start, 1);
	ck_assert_int_eq(authz_policy_select(POL, "default", "open")->
	    require_warrant_on_start, 0);
}

START_TEST(test_authz_start)
{
	struct minted w = mint(&CP, &HOLDER, NULL, 0x51, T0 + 86400, NULL);
	struct minted x = mint(&OTHER, &HOLDER, NULL, 0x52, T0 + 86400, NULL);
	struct minted e = mint(&CP, &HOLDER, NULL, 0x53, T0 + 1, NULL);
	struct authz_result r;

	ck_assert_int_eq(authz_policies_start_checked(POL), 0);
	start_policy("enforce");
	start_decide(w.env, w.len, &r);		/* chain to the root */
	ck_assert_int_eq(r.decision, AUTHZ_ALLOW);
	ck_assert_int_eq(r.has_chain, 1);
	ck_assert_str_eq(r.workflow_type, "FileAnalysis");
	authz_result_free(&r);
	start_decide(NULL, 0, &r);		/* no warrant */
	ck_assert_int_eq(r.decision, AUTHZ_DENY);
	ck_assert_int_eq(r.code, AUTHZ_C_NO_WARRANT);
	ck_assert_msg(strstr(r.message, "Workflow start denied") != NULL,
	    "%s", r.message);
	authz_result_free(&r);
	start_decide(x.env, x.len, &r);		/* untrusted root */
	ck_assert_int_eq(r.decision, AUTHZ_DENY);
	ck_assert_int_eq(r.code, AUTHZ_C_UNTRUSTED_ROOT);
	authz_result_free(&r);
	start_decide(e.env, e.len, &r);		/* expired */
	ck_assert_int_eq(r.decision, AUTHZ_DENY);
	ck_assert_int_eq(r.code, AUTHZ_C_EXPIRED);
	authz_result_free(&r);
	start_decide((const uint8_t *)"\x83\x01", 2, &r);	/* garbage */
	ck_assert_int_eq(r.decision, AUTHZ_DENY);
	ck_assert_str_eq(authz_code_wire_type(r.code), "CHAIN_INVALID");
	authz_result_free(&r);
	start_policy("audit-only");
	start_decide(NULL, 0, &r);
	ck_assert_int_eq(r.decision, AUTHZ_WOULD_DENY);
	authz_result_free(&r);
	minted_free(&w);
	minted_free(&x);
	minted_free(&e);
}
END_TEST

static Suite *
authz_suite(void)
{
	Suite *s = suite_create("authz");
	TCase *t = tcase_create("decide");
	TCase *p = tcase_create("pb");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_checked_fixture(p, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, test_authz_allow);
	tcase_add_test(t, test_authz_gzip_warrant);
	tcase_add_test(t, test_authz_no_warrant);
	tcase_add_test(t, test_authz_constraint_violation);
	tcase_add_test(t, test_authz_pop_denials);
	tcase_add_test(t, test_authz_expired);
	tcase_add_test(t, test_authz_revoked);
	tcase_add_test(t, test_authz_tampered_byte);
	tcase_add_test(t, test_authz_untrusted_root);
	tcase_add_test(t, test_authz_chain_header);
	tcase_add_test(t, test_authz_depth_limit);
	tcase_add_test(t, test_authz_rich_args);
	tcase_add_test(t, test_authz_scheduled_time_anchor);
	tcase_add_test(t, test_authz_dedup_replay);
	tcase_add_test(t, test_authz_cache_hit_and_generation);
	tcase_add_test(t, test_authz_pb_ambiguous);
	tcase_add_test(t, test_authz_audit_only);
	tcase_add_test(t, test_authz_start);
	tcase_add_test(t, test_authz_approval_required);
	tcase_add_test(t, test_authz_policy_select);
	tcase_add_test(t, test_authz_tool_map_used);
	tcase_add_test(p, test_authz_embedded_nul);
	tcase_add_test(p, test_authz_strip_keeps_unknown);
	tcase_add_test(p, test_authz_failure_requests);
	tcase_add_test(p, test_authz_code_table);
	suite_add_tcase(s, t);
	suite_add_tcase(s, p);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(authz_suite());
	int nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
