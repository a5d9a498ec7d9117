/*
 * tn_warrant.c: SignedWarrant envelopes, payload validation, stacks and
 * minting.
 */
#include <stdlib.h>
#include <string.h>

#include "tn_constraint.h"
#include "tn_crypto.h"
#include "tn_warrant.h"

/* Payload keys (deployed numbering; 12 was removed and is unknown). */
enum {
	PK_VERSION = 0, PK_ID, PK_TYPE, PK_TOOLS, PK_HOLDER, PK_ISSUER,
	PK_ISSUED_AT, PK_EXPIRES_AT, PK_MAX_DEPTH, PK_PARENT_HASH,
	PK_EXTENSIONS, PK_ISSUABLE_TOOLS, PK_REMOVED_12, PK_MAX_ISSUE_DEPTH,
	PK_CONSTRAINT_BOUNDS, PK_REQUIRED_APPROVERS, PK_MIN_APPROVALS,
	PK_CLEARANCE, PK_DEPTH, PK_COUNT
};

/* Envelopes are shallow: [u8, bytes, [u8, bytes]]. */
static const struct tn_cbor_limits envelope_limits = {
	TN_MAX_WARRANT_BYTES, 3, 8
};
/* Payloads hold constraints nested up to 32 levels (two items a level). */
static const struct tn_cbor_limits payload_limits = {
	TN_MAX_WARRANT_BYTES, 80, 16384
};
/* A stack of envelopes: array of envelopes, each three levels deep. */
static const struct tn_cbor_limits stack_limits = {
	TN_MAX_STACK_BYTES, 4, 16 + 8 * (TN_MAX_CHAIN_DEPTH + 1)
};

static const char hexdig[] = "0123456789abcdef";

void
tn_warrant_id_hex(const uint8_t id[TN_ID_LEN], char out[33])
{
	for (size_t i = 0; i < TN_ID_LEN; i++) {
		out[2 * i] = hexdig[id[i] >> 4];
		out[2 * i + 1] = hexdig[id[i] & 0xf];
	}
	out[32] = '\0';
}

void
tn_warrant_id_str(const uint8_t id[TN_ID_LEN], char out[TN_WARRANT_ID_STR_LEN])
{
	memcpy(out, "tnu_wrt_", 8);
	tn_warrant_id_hex(id, out + 8);
}

/* ------------------------------------------------------------ key helpers */

int
tn_pubkey_from_item(const struct tn_cbor_item *it, uint8_t out[TN_KEY_LEN])
{
	const struct tn_cbor_item *alg, *key;

	if (it == NULL || it->type != TN_CBOR_ARRAY || it->count != 2)
		return -1;
	alg = it + 1;
	key = tn_cbor_next(alg);
	if (alg->type != TN_CBOR_UINT || alg->v.u != 1)
		return -1;
	if (key->type != TN_CBOR_BYTES || key->v.s.n != TN_KEY_LEN)
		return -1;
	memcpy(out, key->v.s.p, TN_KEY_LEN);
	return 0;
}

void
tn_pubkey_put(struct tn_buf *b, const uint8_t key[TN_KEY_LEN])
{
	tn_cbor_put_array(b, 2);
	tn_cbor_put_uint(b, 1);
	tn_cbor_put_bytes(b, key, TN_KEY_LEN);
}

/* ------------------------------------------------------------- signature */

/* Verifies "tenuo-warrant-v1" || ver || payload under key. */
static int
verify_envelope_sig(const uint8_t key[TN_KEY_LEN], uint8_t ver,
    const uint8_t *payload, size_t len, const uint8_t sig[TN_SIG_LEN],
    struct tn_error *err)
{
	size_t ctx = sizeof(TN_CTX_WARRANT) - 1;
	uint8_t *msg;
	int rc;

	if ((msg = malloc(ctx + 1 + len)) == NULL)
		return tn_fail(err, TN_ERR_NOMEM, "out of memory");
	memcpy(msg, TN_CTX_WARRANT, ctx);
	msg[ctx] = ver;
	memcpy(msg + ctx + 1, payload, len);
	rc = tn_ed25519_verify(key, msg, ctx + 1 + len, sig);
	free(msg);
	if (rc != TN_OK)
		return tn_fail(err, TN_ERR_SIGNATURE_INVALID,
		    "warrant signature does not verify under its issuer key");
	return TN_OK;
}

/* ---------------------------------------------------------- field parsing */

static int
get_u32(const struct tn_cbor_item *it, uint32_t max, uint32_t *out)
{
	if (it->type != TN_CBOR_UINT || it->v.u > max)
		return -1;
	*out = (uint32_t)it->v.u;
	return 0;
}

/* A serde Vec<u8> / [u8; N]: an array of uints 0..255 (errata D3). */
static int
get_byte_array(const struct tn_cbor_item *it, uint8_t *out, size_t cap,
    size_t *outlen)
{
	const struct tn_cbor_item *e;

	if (it->type != TN_CBOR_ARRAY || it->count > cap)
		return -1;
	e = it + 1;
	for (uint32_t i = 0; i < it->count; i++, e = tn_cbor_next(e)) {
		if (e->type != TN_CBOR_UINT || e->v.u > 0xff)
			return -1;
		if (out != NULL)
			out[i] = (uint8_t)e->v.u;
	}
	*outlen = it->count;
	return 0;
}

static int
check_text_array(const struct tn_cbor_item *it, size_t maxn, size_t maxlen)
{
	const struct tn_cbor_item *e;

	if (it->type != TN_CBOR_ARRAY || it->count > maxn)
		return -1;
	e = it + 1;
	for (uint32_t i = 0; i < it->count; i++, e = tn_cbor_next(e))
		if (e->type != TN_CBOR_TEXT || e->v.s.n > maxlen)
			return -1;
	return 0;
}

static int
is_prefix(const struct tn_cbor_item *t, const char *p)
{
	size_t n = strlen(p);

	return t->v.s.n >= n && memcmp(t->v.s.p, p, n) == 0;
}

static int
parse_extensions(struct tn_warrant *w, const struct tn_cbor_item *m,
    struct tn_error *err)
{
	const struct tn_cbor_item *k;
	size_t n;

	if (m->type != TN_CBOR_MAP)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "extensions (10) must be a map");
	if (m->count > TN_MAX_EXTENSION_KEYS)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "%u extensions exceed the limit of %u", m->count,
		    TN_MAX_EXTENSION_KEYS);
	k = m + 1;
	for (uint32_t i = 0; i < m->count; i++) {
		const struct tn_cbor_item *v = tn_cbor_next(k);

		if (k->type != TN_CBOR_TEXT || k->v.s.n > TN_MAX_EXTENSION_KEY)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "extension keys must be text of at most %u bytes",
			    TN_MAX_EXTENSION_KEY);
		if (get_byte_array(v, NULL, TN_MAX_EXTENSION_VALUE, &n) != 0)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "extension '%.*s' must be a byte array of at most "
			    "%u bytes", (int)k->v.s.n, (const char *)k->v.s.p,
			    TN_MAX_EXTENSION_VALUE);
		if (is_prefix(k, "tenuo.")) {
			if (tn_cbor_text_eq(k, "tenuo.approval_gates"))
				w->has_approval_gates = 1;
			else if (!tn_cbor_text_eq(k, "tenuo.session_id") &&
			    !tn_cbor_text_eq(k, "tenuo.agent_id"))
				return tn_fail(err, TN_ERR_UNKNOWN_FIELD,
				    "reserved extension key '%.*s' is not "
				    "known to this verifier", (int)k->v.s.n,
				    (const char *)k->v.s.p);
		}
		k = tn_cbor_next(v);
	}
	return TN_OK;
}

static int
parse_tools(const struct tn_cbor_item *m, struct tn_error *err)
{
	const struct tn_cbor_item *k;
	int rc;

	if (m->type != TN_CBOR_MAP)
		return tn_fail(err, TN_ERR_MALFORMED, "tools (3) must be a map");
	if (m->count > TN_MAX_TOOLS)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "%u tools exceed the limit of %u", m->count, TN_MAX_TOOLS);
	k = m + 1;
	for (uint32_t i = 0; i < m->count; i++) {
		const struct tn_cbor_item *v = tn_cbor_next(k);

		if (k->type != TN_CBOR_TEXT)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "tool names must be text");
		if ((rc = tn_constraint_set_validate(v, err)) != TN_OK)
			return rc;
		k = tn_cbor_next(v);
	}
	return TN_OK;
}

static int
parse_approvers(const struct tn_cbor_item *a, struct tn_error *err)
{
	const struct tn_cbor_item *e;
	uint8_t key[TN_KEY_LEN];

	if (a->type != TN_CBOR_ARRAY)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "required_approvers (15) must be an array");
	e = a + 1;
	for (uint32_t i = 0; i < a->count; i++, e = tn_cbor_next(e))
		if (tn_pubkey_from_item(e, key) != 0)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "required_approvers[%u] is not an Ed25519 key", i);
	return TN_OK;
}

/* One payload field; v is never NULL.  Optional fields may be null. */
static int
parse_field(struct tn_warrant *w, uint64_t key, const struct tn_cbor_item *v,
    struct tn_error *err)
{
	size_t n;
	uint32_t u;

	if (v->type == TN_CBOR_NULL && key >= PK_PARENT_HASH &&
	    key != PK_EXTENSIONS && key != PK_DEPTH)
		return TN_OK;	/* serde Option: null is None */
	switch (key) {
	case PK_VERSION:
		if (v->type != TN_CBOR_UINT || v->v.u != 1)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "unsupported payload version (expected 1)");
		w->version = 1;
		return TN_OK;
	case PK_ID:
		if (v->type != TN_CBOR_BYTES || v->v.s.n != TN_ID_LEN)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "id (1) must be 16 bytes");
		memcpy(w->id, v->v.s.p, TN_ID_LEN);
		return TN_OK;
	case PK_TYPE:
		if (v->type != TN_CBOR_UINT || v->v.u > 1)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "warrant_type (2) must be 0 or 1");
		w->type = (enum tn_warrant_type)v->v.u;
		return TN_OK;
	case PK_TOOLS:
		w->tools = v;
		return parse_tools(v, err);
	case PK_HOLDER:
	case PK_ISSUER:
		if (tn_pubkey_from_item(v, key == PK_HOLDER ? w->holder :
		    w->issuer) != 0)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "%s must be [1, bytes(32)]", key == PK_HOLDER ?
			    "holder (4)" : "issuer (5)");
		return TN_OK;
	case PK_ISSUED_AT:
	case PK_EXPIRES_AT:
		if (v->type != TN_CBOR_UINT || v->v.u > (uint64_t)INT64_MAX)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "timestamps must be unsigned integers in i64 range");
		*(key == PK_ISSUED_AT ? &w->issued_at : &w->expires_at) =
		    v->v.u;
		return TN_OK;
	case PK_MAX_DEPTH:
		if (get_u32(v, 0xff, &w->max_depth) != 0)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "max_depth (8) must be an integer 0..255");
		return TN_OK;
	case PK_PARENT_HASH:
		if (get_byte_array(v, w->parent_hash, TN_HASH_LEN, &n) != 0 ||
		    n != TN_HASH_LEN)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "parent_hash (9) must be an array of 32 bytes");
		w->has_parent_hash = 1;
		return TN_OK;
	case PK_EXTENSIONS:
		w->extensions = v;
		return parse_extensions(w, v, err);
	case PK_ISSUABLE_TOOLS:
		if (check_text_array(v, TN_MAX_TOOLS, 1024) != 0)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "issuable_tools (11) must be an array of text");
		w->issuable_tools = v;
		return TN_OK;
	case PK_MAX_ISSUE_DEPTH:
		if (get_u32(v, UINT32_MAX, &w->max_issue_depth) != 0)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "max_issue_depth (13) must be a u32");
		w->has_max_issue_depth = 1;
		return TN_OK;
	case PK_CONSTRAINT_BOUNDS:
		w->constraint_bounds = v;
		return tn_constraint_set_validate(v, err);
	case PK_REQUIRED_APPROVERS:
		w->required_approvers = v;
		return parse_approvers(v, err);
	case PK_MIN_APPROVALS:
		if (get_u32(v, UINT32_MAX, &w->min_approvals) != 0)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "min_approvals (16) must be a u32");
		w->has_min_approvals = 1;
		return TN_OK;
	case PK_CLEARANCE:
		if (get_u32(v, 0xff, &u) != 0)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "clearance (17) must be an integer 0..255");
		w->clearance = (uint8_t)u;
		w->has_clearance = 1;
		return TN_OK;
	case PK_DEPTH:
		if (get_u32(v, UINT32_MAX, &w->depth) != 0)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "depth (18) must be a u32");
		return TN_OK;
	default:
		return tn_fail(err, TN_ERR_UNKNOWN_FIELD,
		    "unknown payload field %llu", (unsigned long long)key);
	}
}

/* The deployed validate_structural() rules, minus anything clock-based. */
static int
check_structure(const struct tn_warrant *w, struct tn_error *err)
{
	if (w->expires_at <= w->issued_at)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "expires_at must be after issued_at");
	if (w->type == TN_WARRANT_EXECUTION) {
		if (w->issuable_tools != NULL || w->has_max_issue_depth)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "an execution warrant cannot carry issuable_tools "
			    "or max_issue_depth");
	} else {
		if (w->tools->count != 0)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "an issuer warrant cannot carry tools");
		if (w->issuable_tools == NULL || w->issuable_tools->count == 0)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "an issuer warrant needs at least one issuable tool");
	}
	if (w->has_max_issue_depth && w->max_issue_depth > w->max_depth)
		return tn_fail(err, TN_ERR_DEPTH_EXCEEDED,
		    "max_issue_depth %u exceeds max_depth %u",
		    w->max_issue_depth, w->max_depth);
	if (w->required_approvers != NULL && w->has_min_approvals) {
		if (w->min_approvals > w->required_approvers->count)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "min_approvals %u exceeds the %u required approvers",
			    w->min_approvals, w->required_approvers->count);
		if (w->min_approvals == 0)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "min_approvals must be at least 1");
	}
	return TN_OK;
}

static int
parse_payload(struct tn_warrant *w, struct tn_error *err)
{
	const struct tn_cbor_item *m = &w->doc.items[0], *k;
	uint32_t seen = 0;
	int rc;

	k = m + 1;
	for (uint32_t i = 0; i < m->count; i++) {
		const struct tn_cbor_item *v = tn_cbor_next(k);

		if (k->type != TN_CBOR_UINT || k->v.u >= PK_COUNT ||
		    k->v.u == PK_REMOVED_12)
			return tn_fail(err, TN_ERR_UNKNOWN_FIELD,
			    "unknown payload field at offset %zu", k->off);
		seen |= 1u << k->v.u;
		if ((rc = parse_field(w, k->v.u, v, err)) != TN_OK)
			return rc;
		k = tn_cbor_next(v);
	}
	for (unsigned f = PK_VERSION; f <= PK_MAX_DEPTH; f++)
		if (!(seen & (1u << f)))
			return tn_fail(err, TN_ERR_MALFORMED,
			    "payload lacks required field %u", f);
	return check_structure(w, err);
}

/* Splits the envelope into version, payload and signature. */
static int
parse_envelope(struct tn_warrant *w, struct tn_error *err)
{
	struct tn_cbor_doc env;
	const struct tn_cbor_item *a, *ver, *pl, *sig, *alg, *sb;
	int rc;

	rc = tn_cbor_decode(w->raw, w->raw_len, &envelope_limits, &env, err);
	if (rc != TN_OK)
		return rc;
	rc = tn_fail(err, TN_ERR_MALFORMED,
	    "envelope must be [1, payload, [1, signature]]");
	a = &env.items[0];
	if (a->type != TN_CBOR_ARRAY || a->count != 3)
		goto out;
	ver = a + 1;
	pl = tn_cbor_next(ver);
	sig = tn_cbor_next(pl);
	if (ver->type != TN_CBOR_UINT || pl->type != TN_CBOR_BYTES ||
	    sig->type != TN_CBOR_ARRAY || sig->count != 2)
		goto out;
	if (ver->v.u != 1) {
		rc = tn_fail(err, TN_ERR_MALFORMED,
		    "unsupported envelope_version %llu",
		    (unsigned long long)ver->v.u);
		goto out;
	}
	alg = sig + 1;
	sb = tn_cbor_next(alg);
	if (alg->type != TN_CBOR_UINT || alg->v.u != 1) {
		rc = tn_fail(err, TN_ERR_SIGNATURE_INVALID,
		    "unsupported signature algorithm (only Ed25519, id 1)");
		goto out;
	}
	if (sb->type != TN_CBOR_BYTES || sb->v.s.n != TN_SIG_LEN)
		goto out;
	w->envelope_version = 1;
	w->payload = pl->v.s.p;
	w->payload_len = pl->v.s.n;
	memcpy(w->signature, sb->v.s.p, TN_SIG_LEN);
	rc = TN_OK;
	tn_error_clear(err);
out:
	tn_cbor_doc_free(&env);
	return rc;
}

int
tn_warrant_decode(const uint8_t *buf, size_t len, struct tn_warrant **out,
    struct tn_error *err)
{
	struct tn_warrant *w;
	const struct tn_cbor_item *issuer;
	int rc;

	*out = NULL;
	if (len > TN_MAX_WARRANT_BYTES)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "warrant of %zu bytes exceeds the limit of %u", len,
		    TN_MAX_WARRANT_BYTES);
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->raw = malloc(len ? len : 1)) == NULL) {
		free(w);
		return tn_fail(err, TN_ERR_NOMEM, "out of memory");
	}
	memcpy(w->raw, buf, len);
	w->raw_len = len;
	if ((rc = parse_envelope(w, err)) != TN_OK)
		goto fail;
	rc = tn_cbor_decode(w->payload, w->payload_len, &payload_limits,
	    &w->doc, err);
	if (rc != TN_OK)
		goto fail;
	/* Only the issuer key is read before the signature is checked. */
	issuer = tn_cbor_map_get_uint(&w->doc.items[0], PK_ISSUER);
	if (w->doc.items[0].type != TN_CBOR_MAP ||
	    tn_pubkey_from_item(issuer, w->issuer) != 0) {
		rc = tn_fail(err, TN_ERR_MALFORMED,
		    "payload must be a map with an Ed25519 issuer (5)");
		goto fail;
	}
	rc = verify_envelope_sig(w->issuer, w->envelope_version, w->payload,
	    w->payload_len, w->signature, err);
	if (rc != TN_OK)
		goto fail;
	if ((rc = parse_payload(w, err)) != TN_OK)
		goto fail;
	tn_sha256(w->payload, w->payload_len, w->payload_hash);
	*out = w;
	return TN_OK;
fail:
	tn_warrant_free(w);
	return rc;
}

void
tn_warrant_free(struct tn_warrant *w)
{
	if (w == NULL)
		return;
	tn_cbor_doc_free(&w->doc);
	free(w->raw);
	free(w);
}

const struct tn_cbor_item *
tn_warrant_tool_set(const struct tn_warrant *w, const char *tool,
    size_t toollen)
{
	const struct tn_cbor_item *k, *star = NULL;

	if (w->tools == NULL)
		return NULL;
	k = w->tools + 1;
	for (uint32_t i = 0; i < w->tools->count; i++) {
		const struct tn_cbor_item *v = tn_cbor_next(k);

		if (k->v.s.n == toollen && memcmp(k->v.s.p, tool, toollen) == 0)
			return v;
		if (tn_cbor_text_eq(k, "*"))
			star = v;
		k = tn_cbor_next(v);
	}
	return star;
}

/* ----------------------------------------------------------------- stacks */

int
tn_stack_push(struct tn_stack *st, struct tn_warrant *w, struct tn_error *err)
{
	struct tn_warrant **nw;

	if (st->n >= TN_MAX_CHAIN_DEPTH + 1)
		return tn_fail(err, TN_ERR_DEPTH_EXCEEDED,
		    "a stack holds at most %u warrants", TN_MAX_CHAIN_DEPTH + 1);
	nw = realloc(st->w, (st->n + 1) * sizeof(*nw));
	if (nw == NULL)
		return tn_fail(err, TN_ERR_NOMEM, "out of memory");
	st->w = nw;
	st->w[st->n++] = w;
	return TN_OK;
}

static int
stack_from_doc(struct tn_stack *st, const struct tn_cbor_doc *d,
    struct tn_error *err)
{
	const struct tn_cbor_item *a = &d->items[0], *e;
	struct tn_warrant *w;
	int rc;

	if (a->count == 0)
		return tn_fail(err, TN_ERR_MALFORMED, "empty warrant stack");
	if (a->count > TN_MAX_CHAIN_DEPTH + 1)
		return tn_fail(err, TN_ERR_DEPTH_EXCEEDED,
		    "stack of %u warrants exceeds the limit of %u", a->count,
		    TN_MAX_CHAIN_DEPTH + 1);
	e = a + 1;
	for (uint32_t i = 0; i < a->count; i++, e = tn_cbor_next(e)) {
		if (e->type != TN_CBOR_ARRAY)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "stack element %u is not a warrant", i);
		rc = tn_warrant_decode(d->buf + e->off, e->len, &w, err);
		if (rc != TN_OK)
			return rc;
		if ((rc = tn_stack_push(st, w, err)) != TN_OK) {
			tn_warrant_free(w);
			return rc;
		}
	}
	return TN_OK;
}

int
tn_stack_decode(const uint8_t *buf, size_t len, struct tn_stack **out,
    struct tn_error *err)
{
	struct tn_stack *st;
	struct tn_cbor_doc d;
	const struct tn_cbor_item *first;
	int rc;

	*out = NULL;
	if (len > TN_MAX_STACK_BYTES)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "warrant stack of %zu bytes exceeds the limit of %u", len,
		    TN_MAX_STACK_BYTES);
	if ((rc = tn_cbor_decode(buf, len, &stack_limits, &d, err)) != TN_OK)
		return rc;
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		tn_cbor_doc_free(&d);
		return tn_fail(err, TN_ERR_NOMEM, "out of memory");
	}
	first = d.items[0].type == TN_CBOR_ARRAY && d.items[0].count > 0 ?
	    &d.items[1] : NULL;
	if (d.items[0].type != TN_CBOR_ARRAY)
		rc = tn_fail(err, TN_ERR_MALFORMED,
		    "neither a warrant nor a warrant stack");
	else if (first != NULL && (first->type == TN_CBOR_UINT ||
	    first->type == TN_CBOR_NINT)) {
		struct tn_warrant *w;

		rc = tn_warrant_decode(buf, len, &w, err);
		if (rc == TN_OK && (rc = tn_stack_push(st, w, err)) != TN_OK)
			tn_warrant_free(w);
	} else if (first == NULL || first->type == TN_CBOR_ARRAY)
		rc = stack_from_doc(st, &d, err);
	else
		rc = tn_fail(err, TN_ERR_MALFORMED,
		    "first element is neither an integer nor an array");
	tn_cbor_doc_free(&d);
	if (rc != TN_OK) {
		tn_stack_free(st);
		return rc;
	}
	*out = st;
	return TN_OK;
}

void
tn_stack_free(struct tn_stack *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; i < st->n; i++)
		tn_warrant_free(st->w[i]);
	free(st->w);
	free(st);
}

const struct tn_warrant *
tn_stack_leaf(const struct tn_stack *st)
{
	return st != NULL && st->n > 0 ? st->w[st->n - 1] : NULL;
}

int
tn_stack_encode(const struct tn_stack *st, uint8_t **out, size_t *outlen,
    struct tn_error *err)
{
	struct tn_buf b;
	int rc;

	tn_buf_init(&b, TN_MAX_STACK_BYTES);
	tn_cbor_put_array(&b, st->n);
	for (size_t i = 0; i < st->n; i++)
		tn_buf_put(&b, st->w[i]->raw, st->w[i]->raw_len);
	if ((rc = tn_buf_take(&b, out, outlen)) != TN_OK)
		return tn_fail(err, rc, "warrant stack exceeds %u bytes",
		    TN_MAX_STACK_BYTES);
	return TN_OK;
}

/* ---------------------------------------------------------------- minting */

struct named {
	const char	*name;
	size_t		 idx;
};

static int
named_cmp(const void *a, const void *b)
{
	const struct named *x = a, *y = b;

	return strcmp(x->name, y->name);	/* byte order, as BTreeMap */
}

/*
 * Sorted index of n records at base, stride bytes apart, each starting
 * with its `const char *` name.  Caller frees; NULL on allocation failure.
 */
static struct named *
sort_names(const void *base, size_t stride, size_t n)
{
	struct named *v = calloc(n ? n : 1, sizeof(*v));

	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		memcpy(&v[i].name, (const char *)base + i * stride,
		    sizeof(v[i].name));
		v[i].idx = i;
	}
	qsort(v, n, sizeof(*v), named_cmp);
	return v;
}

void
tn_cset_encode(struct tn_buf *b, const struct tn_cset_entry *e, size_t n,
    int allow_unknown)
{
	struct named *ix = sort_names(e, sizeof(*e), n);

	if (ix == NULL) {
		b->status = TN_ERR_NOMEM;
		return;
	}
	tn_cbor_put_map(b, allow_unknown ? 2 : 1);
	tn_cbor_put_cstr(b, "constraints");
	tn_cbor_put_map(b, n);
	for (size_t i = 0; i < n; i++) {
		tn_cbor_put_cstr(b, e[ix[i].idx].arg);
		tn_buf_put(b, e[ix[i].idx].constraint, e[ix[i].idx].len);
	}
	if (allow_unknown) {
		tn_cbor_put_cstr(b, "allow_unknown");
		tn_cbor_put_bool(b, 1);
	}
	free(ix);
}

static void
put_byte_array(struct tn_buf *b, const uint8_t *p, size_t n)
{
	tn_cbor_put_array(b, n);
	for (size_t i = 0; i < n; i++)
		tn_cbor_put_uint(b, p[i]);
}

static int
mint_check(const struct tn_mint *m, struct tn_error *err)
{
	if (m->expires_at <= m->issued_at)
		return tn_fail(err, TN_ERR_TTL_EXCEEDED,
		    "expires_at must be after issued_at");
	if (m->expires_at - m->issued_at > TN_MAX_TTL_SECS)
		return tn_fail(err, TN_ERR_TTL_EXCEEDED,
		    "TTL of %llu s exceeds the protocol maximum of %u s",
		    (unsigned long long)(m->expires_at - m->issued_at),
		    TN_MAX_TTL_SECS);
	if (m->max_depth > TN_MAX_CHAIN_DEPTH || m->depth > m->max_depth)
		return tn_fail(err, TN_ERR_DEPTH_EXCEEDED,
		    "depth %u / max_depth %u out of range (max %u)", m->depth,
		    m->max_depth, TN_MAX_CHAIN_DEPTH);
	if (m->type == TN_WARRANT_EXECUTION && (m->nissuable != 0 ||
	    m->has_max_issue_depth))
		return tn_fail(err, TN_ERR_INVALID_ARG,
		    "an execution warrant cannot carry issuable tools");
	if (m->type == TN_WARRANT_ISSUER && (m->ntools != 0 ||
	    m->nissuable == 0))
		return tn_fail(err, TN_ERR_INVALID_ARG,
		    "an issuer warrant needs issuable tools and no tools");
	if (m->ntools > TN_MAX_TOOLS || m->nexts > TN_MAX_EXTENSION_KEYS)
		return tn_fail(err, TN_ERR_INVALID_ARG, "too many tools or "
		    "extensions");
	if (m->has_max_issue_depth && m->max_issue_depth > m->max_depth)
		return tn_fail(err, TN_ERR_DEPTH_EXCEEDED,
		    "max_issue_depth exceeds max_depth");
	if (m->has_min_approvals && (m->min_approvals > m->napprovers ||
	    m->min_approvals == 0))
		return tn_fail(err, TN_ERR_INVALID_ARG,
		    "min_approvals must be 1..number of approvers");
	return TN_OK;
}

static void
put_tools(struct tn_buf *b, const struct tn_mint *m, struct named *ix)
{
	tn_cbor_put_map(b, m->ntools);
	for (size_t i = 0; i < m->ntools; i++) {
		const struct tn_mint_tool *t = &m->tools[ix[i].idx];

		tn_cbor_put_cstr(b, t->name);
		tn_buf_put(b, t->cset, t->cset_len);
	}
}

static void
put_exts(struct tn_buf *b, const struct tn_mint *m, struct named *ix)
{
	tn_cbor_put_map(b, m->nexts);
	for (size_t i = 0; i < m->nexts; i++) {
		const struct tn_mint_ext *x = &m->exts[ix[i].idx];

		tn_cbor_put_cstr(b, x->key);
		put_byte_array(b, x->value, x->len);
	}
}

static void
put_optional(struct tn_buf *b, const struct tn_mint *m)
{
	if (m->nissuable > 0) {
		tn_cbor_put_uint(b, PK_ISSUABLE_TOOLS);
		tn_cbor_put_array(b, m->nissuable);
		for (size_t i = 0; i < m->nissuable; i++)
			tn_cbor_put_cstr(b, m->issuable_tools[i]);
	}
	if (m->has_max_issue_depth) {
		tn_cbor_put_uint(b, PK_MAX_ISSUE_DEPTH);
		tn_cbor_put_uint(b, m->max_issue_depth);
	}
	if (m->constraint_bounds != NULL) {
		tn_cbor_put_uint(b, PK_CONSTRAINT_BOUNDS);
		tn_buf_put(b, m->constraint_bounds, m->constraint_bounds_len);
	}
	if (m->napprovers > 0) {
		tn_cbor_put_uint(b, PK_REQUIRED_APPROVERS);
		tn_cbor_put_array(b, m->napprovers);
		for (size_t i = 0; i < m->napprovers; i++)
			tn_pubkey_put(b, m->approvers[i]);
	}
	if (m->has_min_approvals) {
		tn_cbor_put_uint(b, PK_MIN_APPROVALS);
		tn_cbor_put_uint(b, m->min_approvals);
	}
	if (m->has_clearance) {
		tn_cbor_put_uint(b, PK_CLEARANCE);
		tn_cbor_put_uint(b, m->clearance);
	}
}

static uint64_t
count_entries(const struct tn_mint *m)
{
	return 10u + (m->parent_hash != NULL) + (m->nexts > 0) +
	    (m->nissuable > 0) + (m->has_max_issue_depth != 0) +
	    (m->constraint_bounds != NULL) + (m->napprovers > 0) +
	    (m->has_min_approvals != 0) + (m->has_clearance != 0);
}

int
tn_warrant_payload_encode(const struct tn_mint *m,
    const uint8_t issuer[TN_KEY_LEN], uint8_t **out, size_t *outlen,
    struct tn_error *err)
{
	struct named *tix = NULL, *xix = NULL;
	struct tn_buf b;
	int rc;

	*out = NULL;
	*outlen = 0;
	if ((rc = mint_check(m, err)) != TN_OK)
		return rc;
	tix = sort_names(m->tools, sizeof(m->tools[0]), m->ntools);
	xix = sort_names(m->exts, sizeof(m->exts[0]), m->nexts);
	tn_buf_init(&b, TN_MAX_WARRANT_BYTES);
	if (tix == NULL || xix == NULL) {
		rc = TN_ERR_NOMEM;
		goto out;
	}
	tn_cbor_put_map(&b, count_entries(m));
	tn_cbor_put_uint(&b, PK_VERSION);
	tn_cbor_put_uint(&b, 1);
	tn_cbor_put_uint(&b, PK_ID);
	tn_cbor_put_bytes(&b, m->id, TN_ID_LEN);
	tn_cbor_put_uint(&b, PK_TYPE);
	tn_cbor_put_uint(&b, (uint64_t)m->type);
	tn_cbor_put_uint(&b, PK_TOOLS);
	put_tools(&b, m, tix);
	tn_cbor_put_uint(&b, PK_HOLDER);
	tn_pubkey_put(&b, m->holder);
	tn_cbor_put_uint(&b, PK_ISSUER);
	tn_pubkey_put(&b, issuer);
	tn_cbor_put_uint(&b, PK_ISSUED_AT);
	tn_cbor_put_uint(&b, m->issued_at);
	tn_cbor_put_uint(&b, PK_EXPIRES_AT);
	tn_cbor_put_uint(&b, m->expires_at);
	tn_cbor_put_uint(&b, PK_MAX_DEPTH);
	tn_cbor_put_uint(&b, m->max_depth);
	if (m->parent_hash != NULL) {
		tn_cbor_put_uint(&b, PK_PARENT_HASH);
		put_byte_array(&b, m->parent_hash, TN_HASH_LEN);
	}
	if (m->nexts > 0) {
		tn_cbor_put_uint(&b, PK_EXTENSIONS);
		put_exts(&b, m, xix);
	}
	put_optional(&b, m);
	tn_cbor_put_uint(&b, PK_DEPTH);
	tn_cbor_put_uint(&b, m->depth);
	rc = tn_buf_take(&b, out, outlen);
out:
	free(tix);
	free(xix);
	tn_buf_free(&b);
	if (rc != TN_OK)
		return tn_fail(err, rc, "cannot encode the payload (%s)",
		    tn_err_name(rc));
	return TN_OK;
}

int
tn_warrant_seal(const uint8_t *payload, size_t len, const uint8_t sk[64],
    uint8_t **out, size_t *outlen, struct tn_error *err)
{
	size_t ctx = sizeof(TN_CTX_WARRANT) - 1;
	uint8_t sig[TN_SIG_LEN], *msg;
	struct tn_buf b;
	int rc;

	*out = NULL;
	*outlen = 0;
	if ((msg = malloc(ctx + 1 + len)) == NULL)
		return tn_fail(err, TN_ERR_NOMEM, "out of memory");
	memcpy(msg, TN_CTX_WARRANT, ctx);
	msg[ctx] = 1;	/* envelope_version */
	memcpy(msg + ctx + 1, payload, len);
	rc = tn_ed25519_sign(sk, msg, ctx + 1 + len, sig);
	free(msg);
	if (rc != TN_OK)
		return tn_fail(err, TN_ERR_INVALID_ARG, "signing failed");
	tn_buf_init(&b, TN_MAX_WARRANT_BYTES);
	tn_cbor_put_array(&b, 3);
	tn_cbor_put_uint(&b, 1);
	tn_cbor_put_bytes(&b, payload, len);
	tn_cbor_put_array(&b, 2);
	tn_cbor_put_uint(&b, 1);
	tn_cbor_put_bytes(&b, sig, TN_SIG_LEN);
	if ((rc = tn_buf_take(&b, out, outlen)) != TN_OK)
		return tn_fail(err, rc, "envelope exceeds %u bytes",
		    TN_MAX_WARRANT_BYTES);
	return TN_OK;
}

int
tn_warrant_mint(const struct tn_mint *m, const uint8_t sk[64], uint8_t **out,
    size_t *outlen, struct tn_error *err)
{
	uint8_t *payload;
	size_t len;
	int rc;

	/* libsodium's secret key layout: seed || public key. */
	rc = tn_warrant_payload_encode(m, sk + 32, &payload, &len, err);
	if (rc != TN_OK)
		return rc;
	rc = tn_warrant_seal(payload, len, sk, out, outlen, err);
	free(payload);
	return rc;
}
