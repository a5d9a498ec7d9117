/*
 * authz.c: one activity task -> allow / deny / would_deny.  See authz.h
 * for the steps and tenuo-temporal-integration.md §4 for the wire types.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "authz.h"
#include "chaincache.h"
#include "dedup.h"
#include "tn_approval.h"
#include "tn_args.h"
#include "tn_chain.h"
#include "tn_codec.h"
#include "tn_constraint.h"
#include "tn_crypto.h"
#include "tn_json.h"
#include "tn_pop.h"

#define H_WARRANT	"x-tenuo-warrant"
#define H_COMPRESSED	"x-tenuo-compressed"
#define H_CHAIN		"x-tenuo-warrant-chain"
#define H_POP		"x-tenuo-pop"
#define H_ARG_KEYS	"x-tenuo-arg-keys"
#define H_APPROVALS	"x-tenuo-approvals"
#define TENUO_PREFIX	"x-tenuo-"

/* Base64 text of a WarrantStack: 4/3 of TN_MAX_STACK_BYTES, and padding. */
#define CHAIN_TEXT_MAX	(TN_MAX_STACK_BYTES / 3u * 4u + 8u)
#define APPROVALS_TEXT_MAX	(AUTHZ_MAX_APPROVALS * \
	(TN_MAX_APPROVAL_BYTES / 3u * 4u + 8u))

/* ------------------------------------------------------------- tables */

static const struct {
	const char	*name;
	const char	*wire;
} codes[AUTHZ_C_COUNT] = {
	[AUTHZ_C_OK] = { "allowed", NULL },
	[AUTHZ_C_NO_WARRANT_ALLOWED] = { "no_warrant", NULL },
	[AUTHZ_C_NO_WARRANT] = { "no_warrant", "CONSTRAINT_VIOLATED" },
	[AUTHZ_C_WARRANT_MALFORMED] = { "warrant_malformed", "CHAIN_INVALID" },
	[AUTHZ_C_CHAIN_MALFORMED] = { "chain_malformed", "CHAIN_INVALID" },
	[AUTHZ_C_CHAIN_LEAF_MISMATCH] = { "chain_leaf_mismatch",
	    "CHAIN_INVALID" },
	[AUTHZ_C_DEPTH_LIMIT] = { "depth_exceeded", "CHAIN_INVALID" },
	[AUTHZ_C_NOT_YET_VALID] = { "not_yet_valid", "CHAIN_INVALID" },
	[AUTHZ_C_POP_MALFORMED] = { "pop_malformed",
	    "POP_VERIFICATION_FAILED" },
	[AUTHZ_C_REPLAY] = { "replay", "POP_VERIFICATION_FAILED" },
	[AUTHZ_C_POP_MISSING] = { "pop_missing", "CONSTRAINT_VIOLATED" },
	[AUTHZ_C_POP_FAILED] = { "pop_failed", "CONSTRAINT_VIOLATED" },
	[AUTHZ_C_UNTRUSTED_ROOT] = { "untrusted_root", "CONSTRAINT_VIOLATED" },
	[AUTHZ_C_CHAIN_BROKEN] = { "chain_broken", "CONSTRAINT_VIOLATED" },
	[AUTHZ_C_ARGS] = { "args_unverifiable", "CONSTRAINT_VIOLATED" },
	[AUTHZ_C_TASK_MALFORMED] = { "task_malformed", "CONSTRAINT_VIOLATED" },
	[AUTHZ_C_INTERNAL] = { "internal_error", "CONSTRAINT_VIOLATED" },
	[AUTHZ_C_EXPIRED] = { "expired", "WARRANT_EXPIRED" },
	[AUTHZ_C_TOOL] = { "tool_not_granted", "constraint_violation" },
	[AUTHZ_C_CONSTRAINT] = { "constraint_violation",
	    "constraint_violation" },
	[AUTHZ_C_REVOKED] = { "revoked", "revoked" },
	[AUTHZ_C_APPROVAL_REQUIRED] = { "approval_required",
	    "approval_required" },
	[AUTHZ_C_APPROVALS_INSUFFICIENT] = { "insufficient_approvals",
	    "insufficient_approvals" },
	[AUTHZ_C_APPROVAL_INVALID] = { "invalid_approval", "invalid_approval" },
};

const char *
authz_code_name(enum authz_code c)
{
	return (unsigned)c < AUTHZ_C_COUNT ? codes[c].name : "unknown";
}

const char *
authz_code_wire_type(enum authz_code c)
{
	return (unsigned)c < AUTHZ_C_COUNT ? codes[c].wire :
	    "CONSTRAINT_VIOLATED";
}

const char *
authz_decision_name(enum authz_decision d)
{
	switch (d) {
	case AUTHZ_ALLOW:
		return "allow";
	case AUTHZ_WOULD_DENY:
		return "would_deny";
	case AUTHZ_DENY:
		break;
	}
	return "deny";
}

/* -------------------------------------------------------------- state */

struct hdrs {
	const ProtobufCBinaryData *warrant, *compressed, *chain, *pop;
	const ProtobufCBinaryData *arg_keys, *approvals;
};

struct dstate {
	const struct authz_ctx		*ctx;
	const struct authz_input	*in;
	const struct authz_policy	*pol;
	struct authz_result		*r;
	const authz_task_t		*task;	/* NULL: a workflow start */
	const Temporal__Api__Common__V1__Header *hdr;
	int				 wire_ok;
	struct hdrs			 h;
	int64_t				 now;
	const uint8_t			*wbytes;	/* the warrant's CBOR */
	size_t				 wlen;
	uint8_t				*inflated;	/* owned */
	struct tn_stack			*st_owned;	/* decoded here */
	const struct tn_stack		*st;		/* owned or cached */
	uint8_t				 key[CHAINCACHE_KEY_LEN];
	struct tn_args			 args;
	int				 has_args;
	uint8_t				 pop[TN_SIG_LEN];
	int				 has_pop;
	struct tn_approval_blob		*ab;
	uint8_t				**abuf;
	size_t				 nab;
};

static int
deny(struct dstate *d, enum authz_code code, int tn_code, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static int
deny(struct dstate *d, enum authz_code code, int tn_code, const char *fmt, ...)
{
	va_list ap;

	d->r->code = code;
	d->r->tn_code = tn_code;
	va_start(ap, fmt);
	vsnprintf(d->r->reason, sizeof(d->r->reason), fmt, ap);
	va_end(ap);
	return -1;
}

static const char *
str_or_empty(const char *s)
{
	return s != NULL ? s : "";
}

static void
fill_task(struct dstate *d)
{
	const authz_task_t *t = d->task;
	struct authz_result *r = d->r;

	r->ns = d->in->ns ? d->in->ns : str_or_empty(t->workflow_namespace);
	r->task_queue = str_or_empty(d->in->task_queue);
	r->workflow_id = t->workflow_execution ?
	    str_or_empty(t->workflow_execution->workflow_id) : "";
	r->run_id = t->workflow_execution ?
	    str_or_empty(t->workflow_execution->run_id) : "";
	r->activity_id = str_or_empty(t->activity_id);
	r->activity_type = t->activity_type ?
	    str_or_empty(t->activity_type->name) : "";
	r->attempt = t->attempt;
	r->scheduled_s = t->scheduled_time ? t->scheduled_time->seconds : 0;
	snprintf(r->warrant_id, sizeof(r->warrant_id), "none");
}

/* ------------------------------------------------------------ headers */

static void
collect_headers(struct dstate *d)
{
	static const ProtobufCBinaryData empty = { 0, NULL };
	const Temporal__Api__Common__V1__Header *h = d->hdr;

	memset(&d->h, 0, sizeof(d->h));
	if (h == NULL)
		return;
	/* A map: the last entry for a key wins, as protobuf maps merge. */
	for (size_t i = 0; i < h->n_fields; i++) {
		const Temporal__Api__Common__V1__Header__FieldsEntry *e =
		    h->fields[i];
		const ProtobufCBinaryData *v;

		if (e == NULL || e->key == NULL || strncmp(e->key, TENUO_PREFIX,
		    sizeof(TENUO_PREFIX) - 1) != 0)
			continue;
		v = e->value != NULL ? &e->value->data : &empty;
		if (strcmp(e->key, H_WARRANT) == 0)
			d->h.warrant = v;
		else if (strcmp(e->key, H_COMPRESSED) == 0)
			d->h.compressed = v;
		else if (strcmp(e->key, H_CHAIN) == 0)
			d->h.chain = v;
		else if (strcmp(e->key, H_POP) == 0)
			d->h.pop = v;
		else if (strcmp(e->key, H_ARG_KEYS) == 0)
			d->h.arg_keys = v;
		else if (strcmp(e->key, H_APPROVALS) == 0)
			d->h.approvals = v;
	}
}

static int
is_compressed(const struct dstate *d)
{
	const ProtobufCBinaryData *c = d->h.compressed;

	return c != NULL && c->len == 1 && c->data[0] == '1';
}

/* x-tenuo-warrant -> d->wbytes (gunzipped when x-tenuo-compressed is 1). */
static int
warrant_bytes(struct dstate *d)
{
	const ProtobufCBinaryData *w = d->h.warrant;
	struct tn_error err;
	size_t n = 0;

	if (w->len == 0)
		return deny(d, AUTHZ_C_WARRANT_MALFORMED, TN_ERR_MALFORMED,
		    "Warrant chain invalid at depth 0: Failed to deserialize "
		    "warrant: empty " H_WARRANT " header");
	if (w->len > AUTHZ_WARRANT_MAX)
		return deny(d, AUTHZ_C_WARRANT_MALFORMED, TN_ERR_MALFORMED,
		    "Warrant chain invalid at depth 0: Failed to deserialize "
		    "warrant: " H_WARRANT " is %zu bytes (max %u)", w->len,
		    AUTHZ_WARRANT_MAX);
	if (!is_compressed(d)) {
		d->wbytes = w->data;
		d->wlen = w->len;
		return 0;
	}
	if (tn_gzip_inflate(w->data, w->len, AUTHZ_WARRANT_MAX, &d->inflated,
	    &n, &err) != TN_OK)
		return deny(d, AUTHZ_C_WARRANT_MALFORMED, err.code,
		    "Warrant chain invalid at depth 0: Failed to deserialize "
		    "warrant: gzip: %s", err.reason);
	d->wbytes = d->inflated;
	d->wlen = n;
	return 0;
}

/* ------------------------------------------------------------ chains */

static int
decode_single(struct dstate *d)
{
	struct tn_warrant *w = NULL;
	struct tn_error err;

	if (tn_warrant_decode(d->wbytes, d->wlen, &w, &err) != TN_OK)
		return deny(d, err.code == TN_ERR_NOMEM ? AUTHZ_C_INTERNAL :
		    AUTHZ_C_WARRANT_MALFORMED, err.code, "Warrant chain invalid "
		    "at depth 0: Failed to deserialize warrant: %s", err.reason);
	if ((d->st_owned = calloc(1, sizeof(*d->st_owned))) == NULL ||
	    tn_stack_push(d->st_owned, w, &err) != TN_OK) {
		tn_warrant_free(w);
		return deny(d, AUTHZ_C_INTERNAL, TN_ERR_NOMEM, "Internal "
		    "authorization error: out of memory");
	}
	return 0;
}

static int
decode_chain(struct dstate *d, const uint8_t *cbor, size_t n)
{
	struct tn_error err;

	if (tn_stack_decode(cbor, n, &d->st_owned, &err) != TN_OK)
		return deny(d, err.code == TN_ERR_NOMEM ? AUTHZ_C_INTERNAL :
		    AUTHZ_C_CHAIN_MALFORMED, err.code, "Warrant chain invalid: "
		    H_CHAIN ": %s", err.reason);
	return 0;
}

/* The stack bytes: the chain header's base64 decoded, or the warrant. */
static int
stack_source(struct dstate *d, uint8_t **owned, const uint8_t **p, size_t *n)
{
	const ProtobufCBinaryData *c = d->h.chain;
	struct tn_error err;

	*owned = NULL;
	if (c == NULL) {
		*p = d->wbytes;
		*n = d->wlen;
		return 0;
	}
	if (c->len > CHAIN_TEXT_MAX || tn_b64_decode((const char *)c->data,
	    c->len, TN_B64_ANY, TN_MAX_STACK_BYTES, owned, n, &err) != TN_OK)
		return deny(d, AUTHZ_C_CHAIN_MALFORMED, TN_ERR_MALFORMED,
		    "Warrant chain invalid: " H_CHAIN " is not base64 of at "
		    "most %u bytes", TN_MAX_STACK_BYTES);
	*p = *owned;
	return 0;
}

/*
 * The cache key: BLAKE2b-256 of the headers the stack is read from, as
 * received (x-tenuo-warrant, whether x-tenuo-compressed is "1",
 * x-tenuo-warrant-chain), each length-prefixed.  Everything a hit skips
 * (base64, gunzip, decoding with its signature checks, the leaf match) is
 * a function of these bytes alone, so the same bytes give the same
 * verified stack; what depends on the time, the policy or the trust
 * material is checked per task by tn_authorize().
 */
static void
cache_key(struct dstate *d)
{
	static const uint8_t tag[] = "tenuo-sidecar chaincache v2";
	const ProtobufCBinaryData *parts[2] = { d->h.warrant, d->h.chain };
	crypto_generichash_blake2b_state s;
	uint8_t flags[2], len[8];

	(void)crypto_generichash_blake2b_init(&s, NULL, 0, CHAINCACHE_KEY_LEN);
	(void)crypto_generichash_blake2b_update(&s, tag, sizeof(tag));
	flags[0] = (uint8_t)is_compressed(d);
	flags[1] = d->h.chain != NULL;
	(void)crypto_generichash_blake2b_update(&s, flags, sizeof(flags));
	for (size_t i = 0; i < 2; i++) {
		uint64_t n = parts[i] != NULL ? parts[i]->len : 0;

		for (size_t j = 0; j < sizeof(len); j++)
			len[j] = (uint8_t)(n >> (8 * j));
		(void)crypto_generichash_blake2b_update(&s, len, sizeof(len));
		if (n > 0)
			(void)crypto_generichash_blake2b_update(&s,
			    parts[i]->data, n);
	}
	(void)crypto_generichash_blake2b_final(&s, d->key, CHAINCACHE_KEY_LEN);
}

/* A hit: d->st is the stack these exact headers verified to before. */
static int
cache_lookup(struct dstate *d)
{
	if (d->ctx->cache == NULL)
		return 0;
	cache_key(d);
	d->st = chaincache_get(d->ctx->cache, d->key, d->ctx->trust->generation,
	    d->now);
	if (d->st == NULL)
		return 0;
	d->r->cache_hit = 1;
	return 1;
}

static int
load_stack(struct dstate *d)
{
	uint8_t *owned = NULL;
	const uint8_t *p = NULL;
	size_t n = 0;
	int rc;

	if (stack_source(d, &owned, &p, &n) != 0)
		return -1;
	if (d->h.chain != NULL)
		rc = decode_chain(d, p, n);
	else
		rc = decode_single(d);
	free(owned);
	if (rc != 0)
		return -1;
	d->st = d->st_owned;
	return 0;
}

/* The leaf match is checked on a miss only: a hit was stored after it. */
static int
check_leaf(struct dstate *d)
{
	const struct tn_warrant *leaf = tn_stack_leaf(d->st);
	const struct authz_policy *pol = d->pol;

	tn_warrant_id_str(leaf->id, d->r->warrant_id);
	if (!d->r->cache_hit && d->h.chain != NULL &&
	    (leaf->raw_len != d->wlen ||
	    memcmp(leaf->raw, d->wbytes, d->wlen) != 0))
		return deny(d, AUTHZ_C_CHAIN_LEAF_MISMATCH, TN_ERR_MALFORMED,
		    "Warrant chain invalid: the leaf of " H_CHAIN " is not the "
		    H_WARRANT " warrant");
	if (leaf->depth > pol->max_chain_depth)
		return deny(d, AUTHZ_C_DEPTH_LIMIT, TN_ERR_DEPTH_EXCEEDED,
		    "Warrant chain invalid at depth %u: Chain depth %u exceeds "
		    "max %u", leaf->depth, leaf->depth, pol->max_chain_depth);
	return 0;
}

/* ------------------------------------------------------- args and PoP */

static void
payload_encoding(const Temporal__Api__Common__V1__Payload *p,
    struct tn_args_payload *out)
{
	for (size_t i = 0; i < p->n_metadata; i++) {
		const Temporal__Api__Common__V1__Payload__MetadataEntry *m =
		    p->metadata[i];

		if (m != NULL && m->key != NULL &&
		    strcmp(m->key, "encoding") == 0) {
			out->encoding = m->value.data;
			out->encoding_len = m->value.len;
		}
	}
}

static int
build_payloads(struct dstate *d, struct tn_args_payload *pl, size_t npl)
{
	const Temporal__Api__Common__V1__Payloads *in = d->task->input;

	for (size_t i = 0; i < npl; i++) {
		const Temporal__Api__Common__V1__Payload *p = in->payloads[i];

		memset(&pl[i], 0, sizeof(pl[i]));
		if (p == NULL)
			continue;
		if (p->n_external_payloads > 0)
			return deny(d, AUTHZ_C_ARGS, TN_ERR_MALFORMED,
			    "Arguments cannot be verified: argument %zu is "
			    "stored externally (external payload storage)", i);
		payload_encoding(p, &pl[i]);
		pl[i].data = p->data.data;
		pl[i].data_len = p->data.len;
	}
	return 0;
}

static void
arg_names(struct dstate *d)
{
	const struct tn_cbor_item *m = &d->args.doc.items[0], *k = m + 1;
	struct authz_result *r = d->r;
	size_t off = 0;

	for (uint32_t i = 0; i < m->count; i++) {
		size_t need = k->v.s.n + (i > 0 ? 1 : 0);

		if (off + need >= sizeof(r->arg_names)) {
			r->arg_names_truncated = 1;
			break;
		}
		if (i > 0)
			r->arg_names[off++] = ',';
		memcpy(r->arg_names + off, k->v.s.p, k->v.s.n);
		off += k->v.s.n;
		k = tn_cbor_next(tn_cbor_next(k));
	}
	r->arg_names[off] = '\0';
}

static int
build_args(struct dstate *d)
{
	const Temporal__Api__Common__V1__Payloads *in = d->task->input;
	size_t npl = in != NULL ? in->n_payloads : 0;
	struct tn_args_payload *pl = NULL;
	struct tn_error err;
	int rc;

	if (npl > TN_ARGS_DEFAULT_MAX_PAYLOADS)
		return deny(d, AUTHZ_C_ARGS, TN_ERR_MALFORMED, "Arguments "
		    "cannot be verified: %zu payloads (max %u)", npl,
		    TN_ARGS_DEFAULT_MAX_PAYLOADS);
	if (npl > 0 && (pl = calloc(npl, sizeof(*pl))) == NULL)
		return deny(d, AUTHZ_C_INTERNAL, TN_ERR_NOMEM, "Internal "
		    "authorization error: out of memory");
	if (build_payloads(d, pl, npl) != 0) {
		free(pl);
		return -1;
	}
	rc = tn_args_normalize(pl, npl, d->h.arg_keys ? d->h.arg_keys->data :
	    NULL, d->h.arg_keys ? d->h.arg_keys->len : 0, NULL, &d->args, &err);
	free(pl);
	if (rc != TN_OK)
		return deny(d, rc == TN_ERR_NOMEM ? AUTHZ_C_INTERNAL :
		    AUTHZ_C_ARGS, rc, "Arguments cannot be verified: %s",
		    err.reason);
	d->has_args = 1;
	d->r->has_args = 1;
	d->r->nargs = d->args.nargs;
	tn_sha256(d->args.cbor, d->args.len, d->r->args_sha256);
	arg_names(d);
	return 0;
}

static int
decode_pop(struct dstate *d)
{
	const ProtobufCBinaryData *p = d->h.pop;
	struct tn_error err;
	uint8_t *sig = NULL;
	size_t n = 0;

	if (p == NULL)
		return 0;	/* missing: tn_authorize denies it */
	if (p->len > 1024 || tn_b64_decode((const char *)p->data, p->len,
	    TN_B64_STD, 1024, &sig, &n, &err) != TN_OK)
		return deny(d, AUTHZ_C_POP_MALFORMED, TN_ERR_MALFORMED,
		    "PoP verification failed for '%s': Malformed PoP header "
		    "(not standard base64)", d->r->tool);
	if (n != TN_SIG_LEN) {
		free(sig);
		return deny(d, AUTHZ_C_POP_FAILED, TN_ERR_MALFORMED,
		    "Validation error: signature must be exactly 64 bytes "
		    "(got %zu)", n);
	}
	memcpy(d->pop, sig, TN_SIG_LEN);
	d->has_pop = 1;
	free(sig);
	return 0;
}

/* ---------------------------------------------------------- approvals */

static int
approvals_bad(struct dstate *d, const char *why)
{
	return deny(d, AUTHZ_C_APPROVAL_INVALID, TN_ERR_MALFORMED,
	    "Malformed " H_APPROVALS " header: %s", why);
}

static int
approval_add(struct dstate *d, const struct tn_json_doc *doc,
    const struct tn_json_node *s)
{
	uint8_t *blob = NULL;
	size_t n = 0;

	if (s->type != TN_JSON_STRING)
		return approvals_bad(d, "an element is not a string");
	if (tn_b64_decode((const char *)tn_json_str(doc, s), s->v.s.n,
	    TN_B64_STD, TN_MAX_APPROVAL_BYTES, &blob, &n, NULL) != TN_OK)
		return approvals_bad(d, "an element is not base64");
	d->abuf[d->nab] = blob;
	d->ab[d->nab].p = blob;
	d->ab[d->nab].n = n;
	d->nab++;
	return 0;
}

/* x-tenuo-approvals: read only when the leaf carries approval gates. */
static int
load_approvals(struct dstate *d)
{
	const ProtobufCBinaryData *a = d->h.approvals;
	struct tn_json_doc doc;
	const struct tn_json_node *root, *el;
	int rc = 0;

	if (a == NULL || !tn_stack_leaf(d->st)->has_approval_gates)
		return 0;
	if (a->len > APPROVALS_TEXT_MAX || tn_json_parse(a->data, a->len, NULL,
	    &doc, NULL) != TN_OK)
		return approvals_bad(d, "not a JSON list");
	root = &doc.nodes[0];
	if (root->type != TN_JSON_ARRAY || root->count > AUTHZ_MAX_APPROVALS) {
		tn_json_doc_free(&doc);
		return approvals_bad(d, "not a JSON list of at most 64 strings");
	}
	d->ab = calloc(root->count + 1, sizeof(*d->ab));
	d->abuf = calloc(root->count + 1, sizeof(*d->abuf));
	if (d->ab == NULL || d->abuf == NULL)
		rc = deny(d, AUTHZ_C_INTERNAL, TN_ERR_NOMEM, "Internal "
		    "authorization error: out of memory");
	el = root + 1;
	for (uint32_t i = 0; rc == 0 && i < root->count; i++) {
		rc = approval_add(d, &doc, el);
		el = tn_json_next(el);
	}
	tn_json_doc_free(&doc);
	return rc;
}

/* ---------------------------------------------------------- authorize */

/* "YYYY-MM-DD HH:MM:SS+00:00", as Python prints an aware datetime. */
static void
fmt_time(uint64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S+00:00", &tm) == 0)
		snprintf(buf, len, "%llu", (unsigned long long)t);
}

static int
deny_expired(struct dstate *d)
{
	const struct tn_warrant *w = d->st->w[0];
	char id[TN_WARRANT_ID_STR_LEN], when[40];

	for (size_t i = 1; i < d->st->n; i++)
		if (d->st->w[i]->expires_at < w->expires_at)
			w = d->st->w[i];
	tn_warrant_id_str(w->id, id);
	fmt_time(w->expires_at, when, sizeof(when));
	return deny(d, AUTHZ_C_EXPIRED, TN_ERR_WARRANT_EXPIRED,
	    "Warrant '%s' expired at %s", id, when);
}

/* A gated leaf failed: constraints or approvals?  Re-check constraints. */
static int
deny_gated(struct dstate *d, const struct tn_error *err)
{
	const struct tn_warrant *leaf = tn_stack_leaf(d->st);
	const struct tn_cbor_item *cset = tn_warrant_tool_set(leaf,
	    d->r->tool, strlen(d->r->tool));
	struct tn_constraint_ctx cx = { 1, d->now };

	if (cset == NULL || tn_constraint_set_check_ctx(cset,
	    &d->args.doc.items[0], &cx, NULL) != TN_OK)
		return deny(d, AUTHZ_C_CONSTRAINT, err->code, "%s", err->reason);
	return deny(d, d->nab == 0 ? AUTHZ_C_APPROVAL_REQUIRED :
	    AUTHZ_C_APPROVALS_INSUFFICIENT, err->code, "%s", err->reason);
}

static int
map_error(struct dstate *d, int rc, const struct tn_error *err)
{
	switch (rc) {
	case TN_ERR_WARRANT_EXPIRED:
		return deny_expired(d);
	case TN_ERR_WARRANT_NOT_YET_VALID:
		return deny(d, AUTHZ_C_NOT_YET_VALID, rc, "Warrant chain "
		    "invalid: %s", err->reason);
	case TN_ERR_REVOKED:
		return deny(d, AUTHZ_C_REVOKED, rc, "%s", err->reason);
	case TN_ERR_CHAIN_NOT_ANCHORED:
		return deny(d, AUTHZ_C_UNTRUSTED_ROOT, rc, "Signature "
		    "verification failed: root warrant issuer not trusted");
	case TN_ERR_POP_FAILED:
		if (!d->has_pop)
			return deny(d, AUTHZ_C_POP_MISSING, rc, "Missing "
			    "signature: %s", err->reason);
		return deny(d, AUTHZ_C_POP_FAILED, rc, "Signature verification "
		    "failed: Proof-of-Possession verification failed");
	case TN_ERR_TOOL_NOT_ALLOWED:
		return deny(d, AUTHZ_C_TOOL, rc, "Constraint 'tool' not "
		    "satisfied: %s", err->reason);
	case TN_ERR_CONSTRAINT_NOT_SATISFIED:
		if (tn_stack_leaf(d->st)->has_approval_gates)
			return deny_gated(d, err);
		return deny(d, AUTHZ_C_CONSTRAINT, rc, "%s", err->reason);
	case TN_ERR_MALFORMED:
		if (err->reason[0] != '\0' && d->r->has_chain)
			return deny(d, AUTHZ_C_ARGS, rc, "Validation error: %s",
			    err->reason);
		return deny(d, AUTHZ_C_CHAIN_BROKEN, rc, "Validation error: %s",
		    err->reason);
	case TN_ERR_NOMEM:
	case TN_ERR_INVALID_ARG:
		return deny(d, AUTHZ_C_INTERNAL, rc, "Internal authorization "
		    "error: %s", err->reason);
	default:	/* signature, depth, TTL, attenuation, self-issuance */
		return deny(d, AUTHZ_C_CHAIN_BROKEN, rc, "Chain error: %s",
		    err->reason);
	}
}

static void
verify_opts(const struct dstate *d, struct tn_verify_opts *o)
{
	const struct authz_policy *pol = d->pol;
	const struct authz_trust *tr = d->ctx->trust;

	tn_verify_opts_init(o);
	o->roots = pol->roots != NULL ?
	    (const uint8_t (*)[TN_KEY_LEN])pol->roots : tr->roots;
	o->nroots = pol->roots != NULL ? pol->nroots : tr->nroots;
	o->now = d->now;
	/* a cached stack was stored once tn_chain_verify() passed on it */
	o->links_verified = d->r->cache_hit;
	o->pop_max_windows = pol->pop_max_windows;
	o->srl = tr->srl;
	if (pol->pop_clock == AUTHZ_POP_SCHEDULED && d->task != NULL &&
	    d->task->scheduled_time != NULL &&
	    d->task->scheduled_time->seconds > 0) {
		o->has_pop_now = 1;
		o->pop_now = d->task->scheduled_time->seconds;
	}
}

static void
keep_chain(struct dstate *d, const struct tn_chain_result *res)
{
	const struct tn_warrant *leaf = tn_stack_leaf(d->st);
	struct authz_result *r = d->r;

	r->has_chain = 1;
	r->chain_len = res->chain_len;
	r->chain_depth = res->leaf_depth;
	memcpy(r->root, res->root_issuer, TN_KEY_LEN);
	memcpy(r->holder, leaf->holder, TN_KEY_LEN);
}

static int
authorize(struct dstate *d)
{
	struct tn_verify_opts o;
	struct tn_chain_result res;
	struct tn_error err;
	struct tn_call call;
	int rc;

	verify_opts(d, &o);
	d->r->pop_anchor_s = o.has_pop_now ? o.pop_now : o.now;
	memset(&call, 0, sizeof(call));
	call.tool = d->r->tool;
	call.toollen = strlen(d->r->tool);
	call.args = &d->args.doc.items[0];
	call.pop = d->has_pop ? d->pop : NULL;
	call.approvals = d->ab;
	call.napprovals = d->nab;
	tn_error_clear(&err);
	memset(&res, 0, sizeof(res));
	rc = tn_authorize(d->st, &call, &o, &res, &err);
	if (res.chain_len > 0)
		keep_chain(d, &res);
	if (rc != TN_OK)
		return map_error(d, rc, &err);
	return 0;
}

/* Stores a chain this call decoded and verified; frees it otherwise. */
static void
cache_store(struct dstate *d)
{
	int64_t exp = INT64_MAX;

	if (d->st_owned == NULL)
		return;
	if (d->ctx->cache == NULL || !d->r->has_chain) {
		tn_stack_free(d->st_owned);
		d->st_owned = NULL;
		return;
	}
	for (size_t i = 0; i < d->st_owned->n; i++)
		if ((int64_t)d->st_owned->w[i]->expires_at < exp)
			exp = (int64_t)d->st_owned->w[i]->expires_at;
	(void)chaincache_put(d->ctx->cache, d->key, d->st_owned,
	    d->ctx->trust->generation, d->now, exp);
	d->st_owned = NULL;	/* the cache owns (or freed) it */
}

static int
check_replay(struct dstate *d)
{
	char idhex[33];
	uint8_t key[DEDUP_KEY_LEN];
	int64_t age = 0;
	const struct authz_result *r = d->r;

	if (d->ctx->dedup == NULL || d->task->attempt > 1)
		return 0;
	tn_warrant_id_hex(tn_stack_leaf(d->st)->id, idhex);
	dedup_key(key, idhex, r->tool, d->args.cbor, d->args.len,
	    r->workflow_id, r->run_id, r->activity_id);
	if (dedup_check(d->ctx->dedup, key, d->in->now_ms, &age) == 0)
		return 0;
	return deny(d, AUTHZ_C_REPLAY, TN_ERR_POP_FAILED, "PoP verification "
	    "failed for '%s': replay detected (dedup_key seen %lld.%llds ago)",
	    r->tool, (long long)(age / 1000), (long long)(age % 1000 / 100));
}

/* ---------------------------------------------------------- the flow */

static int
decide_steps(struct dstate *d)
{
	if (!d->wire_ok)
		return deny(d, AUTHZ_C_TASK_MALFORMED, TN_ERR_MALFORMED,
		    "Internal authorization error: the task has a string field "
		    "with an embedded NUL or invalid UTF-8 (or was not checked)");
	if (d->r->activity_type[0] == '\0')
		return deny(d, AUTHZ_C_TASK_MALFORMED, TN_ERR_MALFORMED,
		    "Internal authorization error: the task has no activity "
		    "type");
	collect_headers(d);
	if (d->h.warrant == NULL) {
		if (d->pol->require_warrant)
			return deny(d, AUTHZ_C_NO_WARRANT, 0, "No warrant "
			    "provided (require_warrant=True)");
		d->r->code = AUTHZ_C_NO_WARRANT_ALLOWED;
		snprintf(d->r->reason, sizeof(d->r->reason), "no warrant; "
		    "require_warrant is off");
		return 0;
	}
	snprintf(d->r->warrant_id, sizeof(d->r->warrant_id), "<malformed>");
	if (!cache_lookup(d) && (warrant_bytes(d) != 0 || load_stack(d) != 0))
		return -1;
	if (check_leaf(d) != 0)
		return -1;
	if (build_args(d) != 0 || decode_pop(d) != 0 ||
	    load_approvals(d) != 0)
		return -1;
	if (authorize(d) != 0)
		return -1;
	return check_replay(d);
}

static uint64_t
mono_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void
finish(struct dstate *d, int rc)
{
	struct authz_result *r = d->r;

	if (rc == 0) {
		r->decision = AUTHZ_ALLOW;
		if (r->code != AUTHZ_C_NO_WARRANT_ALLOWED)
			r->code = AUTHZ_C_OK;
		r->wire_type = NULL;
		return;
	}
	r->wire_type = authz_code_wire_type(r->code);
	r->retryable = r->code == AUTHZ_C_INTERNAL && r->tn_code ==
	    TN_ERR_NOMEM;
	r->decision = d->pol->audit_only ? AUTHZ_WOULD_DENY : AUTHZ_DENY;
	snprintf(r->message, sizeof(r->message),
	    "Activity '%s' denied: %s (warrant: %s)", r->tool, r->reason,
	    r->warrant_id);
}

static void
cleanup(struct dstate *d)
{
	struct authz_result *r = d->r;

	if (d->has_args) {
		r->args_cbor = d->args.cbor;	/* handed to the result */
		r->args_cbor_len = d->args.len;
		d->args.cbor = NULL;
		tn_args_free(&d->args);
	}
	for (size_t i = 0; i < d->nab; i++)
		free(d->abuf[i]);
	free(d->abuf);
	free(d->ab);
	tn_stack_free(d->st_owned);
	free(d->inflated);
}

void
authz_decide(const struct authz_ctx *ctx, const struct authz_input *in,
    struct authz_result *out)
{
	uint64_t t0 = mono_us();
	struct dstate d;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&d, 0, sizeof(d));
	d.ctx = ctx;
	d.in = in;
	d.r = out;
	d.task = in->task;
	d.hdr = in->task->header;
	d.wire_ok = in->wire_ok;
	d.now = in->now_ms / 1000;
	fill_task(&d);
	d.pol = authz_policy_select(ctx->policies, out->ns, out->task_queue);
	out->policy = d.pol;
	out->strip_tenuo_headers = d.pol->strip_tenuo_headers;
	out->redact_args = d.pol->redact_args;
	out->tool = authz_policy_tool(d.pol, out->activity_type);
	rc = decide_steps(&d);
	finish(&d, rc);
	cache_store(&d);
	cleanup(&d);
	out->latency_us = mono_us() - t0;
}

void
authz_result_free(struct authz_result *r)
{
	if (r == NULL)
		return;
	free(r->args_cbor);
	r->args_cbor = NULL;
	r->args_cbor_len = 0;
}

/* ---------------------------------------------------- workflow starts */

/* The chain alone: trusted root, links, revocation, expiry at now. */
static int
verify_start_chain(struct dstate *d)
{
	struct tn_verify_opts o;
	struct tn_chain_result res;
	struct tn_error err;
	int rc;

	verify_opts(d, &o);
	tn_error_clear(&err);
	memset(&res, 0, sizeof(res));
	rc = tn_chain_verify(d->st, &o, &res, &err);
	if (res.chain_len > 0)
		keep_chain(d, &res);
	if (rc != TN_OK) {
		d->r->has_chain = 0;
		return map_error(d, rc, &err);
	}
	return 0;
}

static int
start_steps(struct dstate *d)
{
	if (!d->wire_ok)
		return deny(d, AUTHZ_C_TASK_MALFORMED, TN_ERR_MALFORMED,
		    "the start request has a string field with an embedded "
		    "NUL or invalid UTF-8");
	collect_headers(d);
	if (d->h.warrant == NULL)
		return deny(d, AUTHZ_C_NO_WARRANT, 0, "No warrant provided "
		    "(require_warrant_on_start=True)");
	snprintf(d->r->warrant_id, sizeof(d->r->warrant_id), "<malformed>");
	if (!cache_lookup(d) && (warrant_bytes(d) != 0 || load_stack(d) != 0))
		return -1;
	if (check_leaf(d) != 0)
		return -1;
	return verify_start_chain(d);
}

static void
start_finish(struct dstate *d, int rc)
{
	struct authz_result *r = d->r;

	if (rc == 0) {
		r->decision = AUTHZ_ALLOW;
		r->code = AUTHZ_C_OK;
		return;
	}
	r->wire_type = authz_code_wire_type(r->code);
	r->decision = d->pol->audit_only ? AUTHZ_WOULD_DENY : AUTHZ_DENY;
	snprintf(r->message, sizeof(r->message), "Workflow start denied: %s "
	    "(warrant: %s)", r->reason, r->warrant_id);
}

void
authz_decide_start(const struct authz_ctx *ctx,
    const struct authz_start_input *in, struct authz_result *out)
{
	uint64_t t0 = mono_us();
	struct dstate d;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&d, 0, sizeof(d));
	d.ctx = ctx;
	d.r = out;
	d.hdr = in->header;
	d.wire_ok = in->wire_ok;
	d.now = in->now_ms / 1000;
	out->ns = str_or_empty(in->ns);
	out->task_queue = str_or_empty(in->task_queue);
	out->workflow_id = str_or_empty(in->workflow_id);
	out->workflow_type = str_or_empty(in->workflow_type);
	out->run_id = out->activity_id = out->activity_type = out->tool = "";
	out->attempt = -1;
	snprintf(out->warrant_id, sizeof(out->warrant_id), "none");
	d.pol = authz_policy_select(ctx->policies, out->ns, out->task_queue);
	out->policy = d.pol;
	out->redact_args = d.pol->redact_args;
	rc = start_steps(&d);
	start_finish(&d, rc);
	cache_store(&d);
	cleanup(&d);
	out->latency_us = mono_us() - t0;
}
