/*
 * tn_approval.c: SignedApproval envelopes, the request hash, and the
 * m-of-n approval check.
 *
 * Deployed facts this follows (tenuo-core):
 *   approval.rs ApprovalPayload / SignedApproval: field order, types, and
 *     serde defaults (no deny_unknown_fields; extensions optional).
 *   approval.rs SignedApproval::verify: version 1; signature over
 *     APPROVAL_CONTEXT || version || payload through PublicKey::verify
 *     (which prefixes "tenuo-warrant-v1", crypto.rs); payload version 1;
 *     approved_at <= now + CLOCK_SKEW_TOLERANCE_SECS (30, warrant.rs);
 *     expires_at > approved_at.
 *   approval.rs canonical_tool_args_cbor / compute_request_hash.
 *   constraints.rs ConstraintValue: untagged String, Integer(i64),
 *     Float(f64), Boolean, List, Object(BTreeMap), Null.
 *   planes.rs verify_approvals_with_tolerance: threshold, the 2 x
 *     approvers cap, check order, early success, rejection summary.
 *   warrant.rs approval_threshold: min(min_approvals, |approvers|).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tn_approval.h"
#include "tn_crypto.h"

#define APPROVAL_PREFIX		TN_CTX_WARRANT TN_CTX_APPROVAL
#define APPROVAL_PREFIX_LEN	(sizeof(APPROVAL_PREFIX) - 1)
#define ARGS_MAX_DEPTH		64u

/* Envelope: map -> [1, bytes]; a few unknown keys may ride along. */
static const struct tn_cbor_limits env_limits = {
	TN_MAX_APPROVAL_BYTES, 4, 256
};
/* Payload: map -> extensions map -> array of uints. */
static const struct tn_cbor_limits payload_limits = {
	TN_MAX_APPROVAL_BYTES, 4, 8192
};

/* ------------------------------------------------------- request hash */

static int put_value(struct tn_buf *, const struct tn_cbor_item *, size_t);

struct kv {
	const struct tn_cbor_item *k;
	const struct tn_cbor_item *v;
};

static int
kv_cmp(const void *a, const void *b)
{
	return tn_cbor_text_cmp(((const struct kv *)a)->k,
	    ((const struct kv *)b)->k);
}

/* A BTreeMap<String, ConstraintValue>: text keys in byte order. */
static int
put_sorted_map(struct tn_buf *b, const struct tn_cbor_item *m, size_t depth)
{
	const struct tn_cbor_item *k = m + 1;
	struct kv *kv;
	int rc = TN_OK;

	if (m->count == 0) {
		tn_cbor_put_map(b, 0);
		return TN_OK;
	}
	if ((kv = calloc(m->count, sizeof(*kv))) == NULL)
		return TN_ERR_NOMEM;
	for (uint32_t i = 0; i < m->count; i++) {
		kv[i].k = k;
		kv[i].v = tn_cbor_next(k);
		if (k->type != TN_CBOR_TEXT) {
			free(kv);
			return TN_ERR_MALFORMED;
		}
		k = tn_cbor_next(kv[i].v);
	}
	qsort(kv, m->count, sizeof(*kv), kv_cmp);
	tn_cbor_put_map(b, m->count);
	for (uint32_t i = 0; i < m->count && rc == TN_OK; i++) {
		tn_cbor_put_text(b, (const char *)kv[i].k->v.s.p,
		    kv[i].k->v.s.n);
		rc = put_value(b, kv[i].v, depth - 1);
	}
	free(kv);
	return rc;
}

/* One value as serde's untagged ConstraintValue re-encodes it. */
static int
put_value(struct tn_buf *b, const struct tn_cbor_item *it, size_t depth)
{
	const struct tn_cbor_item *e;
	int rc;

	if (depth == 0)
		return TN_ERR_MALFORMED;
	switch (it->type) {
	case TN_CBOR_TEXT:
		tn_cbor_put_text(b, (const char *)it->v.s.p, it->v.s.n);
		break;
	case TN_CBOR_BYTES:
		/* String is tried first and accepts UTF-8 bytes. */
		if (!tn_utf8_valid(it->v.s.p, it->v.s.n))
			return TN_ERR_MALFORMED;
		tn_cbor_put_text(b, (const char *)it->v.s.p, it->v.s.n);
		break;
	case TN_CBOR_UINT:
		/* Above i64, Integer fails and Float takes it (as f64). */
		if (it->v.u > (uint64_t)INT64_MAX)
			tn_cbor_put_float(b, (double)it->v.u);
		else
			tn_cbor_put_uint(b, it->v.u);
		break;
	case TN_CBOR_NINT:
		if (it->v.u > (uint64_t)INT64_MAX)
			return TN_ERR_MALFORMED;
		tn_cbor_put_int(b, -1 - (int64_t)it->v.u);
		break;
	case TN_CBOR_FLOAT:
		tn_cbor_put_float(b, it->v.f);
		break;
	case TN_CBOR_TRUE:
	case TN_CBOR_FALSE:
		tn_cbor_put_bool(b, it->type == TN_CBOR_TRUE);
		break;
	case TN_CBOR_NULL:
		tn_cbor_put_null(b);
		break;
	case TN_CBOR_ARRAY:
		tn_cbor_put_array(b, it->count);
		e = it + 1;
		for (uint32_t i = 0; i < it->count; i++, e = tn_cbor_next(e))
			if ((rc = put_value(b, e, depth - 1)) != TN_OK)
				return rc;
		break;
	case TN_CBOR_MAP:
		return put_sorted_map(b, it, depth);
	default:
		return TN_ERR_MALFORMED;
	}
	return TN_OK;
}

int
tn_approval_args_cbor(struct tn_buf *b, const struct tn_cbor_item *args,
    struct tn_error *err)
{
	int rc;

	if (b == NULL)
		return tn_fail(err, TN_ERR_INVALID_ARG, "NULL buffer");
	if (args == NULL) {
		tn_cbor_put_map(b, 0);
		return tn_buf_status(b);
	}
	if (args->type != TN_CBOR_MAP)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "tool arguments are not a map");
	if ((rc = put_sorted_map(b, args, ARGS_MAX_DEPTH)) != TN_OK)
		return tn_fail(err, rc, rc == TN_ERR_NOMEM ? "out of memory" :
		    "tool arguments hold a value deployed Tenuo cannot take");
	if ((rc = tn_buf_status(b)) != TN_OK)
		return tn_fail(err, rc, "tool arguments too large");
	return TN_OK;
}

int
tn_approval_request_hash(const uint8_t id[TN_ID_LEN], const char *tool,
    size_t toollen, const struct tn_cbor_item *args,
    const uint8_t holder[TN_KEY_LEN], uint8_t out[TN_HASH_LEN],
    struct tn_error *err)
{
	struct tn_buf ab, pre;
	char idstr[TN_WARRANT_ID_STR_LEN];
	size_t cap;
	int rc;

	if (out == NULL)
		return tn_fail(err, TN_ERR_INVALID_ARG, "NULL output");
	memset(out, 0, TN_HASH_LEN);
	if (id == NULL || holder == NULL || (tool == NULL && toollen > 0))
		return tn_fail(err, TN_ERR_INVALID_ARG, "NULL argument");
	if (tool == NULL)
		tool = "";
	if (!tn_utf8_valid((const uint8_t *)tool, toollen))
		return tn_fail(err, TN_ERR_MALFORMED,
		    "tool name is not UTF-8");
	/* The canonical form is never longer than the decoded input. */
	cap = (args != NULL ? args->len : 0) + 16;
	tn_buf_init(&ab, cap);
	if ((rc = tn_approval_args_cbor(&ab, args, err)) != TN_OK) {
		tn_buf_free(&ab);
		return rc;
	}
	tn_warrant_id_str(id, idstr);
	tn_buf_init(&pre, cap + toollen + 128);
	tn_cbor_put_array(&pre, 4);
	tn_cbor_put_cstr(&pre, idstr);
	tn_cbor_put_text(&pre, tool, toollen);
	tn_cbor_put_bytes(&pre, ab.p, ab.len);
	tn_cbor_put_bytes(&pre, holder, TN_KEY_LEN);
	tn_buf_free(&ab);
	if ((rc = tn_buf_status(&pre)) != TN_OK) {
		tn_buf_free(&pre);
		return tn_fail(err, rc, "request hash preimage too large");
	}
	tn_sha256(pre.p, pre.len, out);
	tn_buf_free(&pre);
	return TN_OK;
}

/* -------------------------------------------------------------- parse */

static int
get_key(const struct tn_cbor_item *it, uint8_t out[TN_KEY_LEN])
{
	if (it->type == TN_CBOR_BYTES && it->v.s.n == TN_KEY_LEN) {
		memcpy(out, it->v.s.p, TN_KEY_LEN);
		return 0;
	}
	return tn_pubkey_from_item(it, out);
}

static int
get_sig(const struct tn_cbor_item *it, uint8_t out[TN_SIG_LEN])
{
	if (it->type == TN_CBOR_ARRAY && it->count == 2 &&
	    it[1].type == TN_CBOR_UINT && it[1].v.u == 1)
		it += 2;
	else if (it->type == TN_CBOR_ARRAY)
		return -1;
	if (it->type != TN_CBOR_BYTES || it->v.s.n != TN_SIG_LEN)
		return -1;
	memcpy(out, it->v.s.p, TN_SIG_LEN);
	return 0;
}

int
tn_approval_parse(const uint8_t *buf, size_t len, struct tn_approval *a,
    struct tn_error *err)
{
	struct tn_cbor_doc doc;
	const struct tn_cbor_item *root, *k, *ver = NULL, *pl = NULL,
	    *key = NULL, *sig = NULL;
	int rc;

	if (a == NULL)
		return tn_fail(err, TN_ERR_INVALID_ARG, "NULL output");
	memset(a, 0, sizeof(*a));
	if (buf == NULL || len == 0)
		return tn_fail(err, TN_ERR_MALFORMED, "empty approval");
	if (len > TN_MAX_APPROVAL_BYTES)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "approval is %zu bytes, limit %u", len,
		    TN_MAX_APPROVAL_BYTES);
	if ((rc = tn_cbor_decode(buf, len, &env_limits, &doc, err)) != TN_OK)
		return rc;
	root = &doc.items[0];
	if (root->type != TN_CBOR_MAP) {
		rc = tn_fail(err, TN_ERR_MALFORMED,
		    "approval is not a CBOR map");
		goto out;
	}
	k = root + 1;
	for (uint32_t i = 0; i < root->count; i++) {
		const struct tn_cbor_item *v = tn_cbor_next(k);

		if (k->type != TN_CBOR_TEXT) {
			rc = tn_fail(err, TN_ERR_MALFORMED,
			    "approval map key %u is not text", i);
			goto out;
		}
		if (tn_cbor_text_eq(k, "approval_version"))
			ver = v;
		else if (tn_cbor_text_eq(k, "payload"))
			pl = v;
		else if (tn_cbor_text_eq(k, "approver_key"))
			key = v;
		else if (tn_cbor_text_eq(k, "signature"))
			sig = v;
		k = tn_cbor_next(v);
	}
	if (ver == NULL || pl == NULL || key == NULL || sig == NULL) {
		rc = tn_fail(err, TN_ERR_MALFORMED,
		    "approval lacks a required field");
		goto out;
	}
	if (ver->type != TN_CBOR_UINT || ver->v.u > 0xff) {
		rc = tn_fail(err, TN_ERR_MALFORMED,
		    "approval_version is not a u8");
		goto out;
	}
	if (pl->type != TN_CBOR_BYTES) {
		rc = tn_fail(err, TN_ERR_MALFORMED,
		    "approval payload is not a byte string");
		goto out;
	}
	if (get_key(key, a->approver_key) != 0) {
		rc = tn_fail(err, TN_ERR_MALFORMED,
		    "approver_key is neither bytes(32) nor [1, bytes(32)]");
		goto out;
	}
	if (get_sig(sig, a->signature) != 0) {
		rc = tn_fail(err, TN_ERR_MALFORMED,
		    "approval signature is neither bytes(64) nor [1, bytes(64)]");
		goto out;
	}
	a->approval_version = (uint8_t)ver->v.u;
	a->payload = pl->v.s.p;
	a->payload_len = pl->v.s.n;
	rc = TN_OK;
out:
	if (rc != TN_OK)
		memset(a, 0, sizeof(*a));
	tn_cbor_doc_free(&doc);
	return rc;
}

/* ------------------------------------------------------------- verify */

/* serde [u8; N]: a byte string or an array of N small uints. */
static int
get_fixed(const struct tn_cbor_item *it, uint8_t *out, size_t n)
{
	const struct tn_cbor_item *e;

	if (it->type == TN_CBOR_BYTES && it->v.s.n == n) {
		memcpy(out, it->v.s.p, n);
		return 0;
	}
	if (it->type != TN_CBOR_ARRAY || it->count != n)
		return -1;
	e = it + 1;
	for (size_t i = 0; i < n; i++, e = tn_cbor_next(e)) {
		if (e->type != TN_CBOR_UINT || e->v.u > 0xff)
			return -1;
		out[i] = (uint8_t)e->v.u;
	}
	return 0;
}

/* serde Vec<u8>: a byte string or an array of small uints. */
static int
is_byte_vec(const struct tn_cbor_item *it)
{
	const struct tn_cbor_item *e;

	if (it->type == TN_CBOR_BYTES)
		return 1;
	if (it->type != TN_CBOR_ARRAY)
		return 0;
	e = it + 1;
	for (uint32_t i = 0; i < it->count; i++, e = tn_cbor_next(e))
		if (e->type != TN_CBOR_UINT || e->v.u > 0xff)
			return 0;
	return 1;
}

static int
check_extensions(const struct tn_cbor_item *m)
{
	const struct tn_cbor_item *k;

	if (m->type == TN_CBOR_NULL)
		return 0;
	if (m->type != TN_CBOR_MAP)
		return -1;
	k = m + 1;
	for (uint32_t i = 0; i < m->count; i++) {
		const struct tn_cbor_item *v = tn_cbor_next(k);

		if (k->type != TN_CBOR_TEXT || !is_byte_vec(v))
			return -1;
		k = tn_cbor_next(v);
	}
	return 0;
}

enum {
	F_VERSION, F_HASH, F_NONCE, F_EXTID, F_APPROVED, F_EXPIRES, F_EXT, F_N
};

static const char *const field_names[F_N] = {
	"version", "request_hash", "nonce", "external_id", "approved_at",
	"expires_at", "extensions"
};

static int
parse_payload(const struct tn_cbor_item *root, struct tn_approval_payload *p,
    struct tn_error *err)
{
	const struct tn_cbor_item *f[F_N] = { NULL }, *k;

	if (root->type != TN_CBOR_MAP)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "approval payload is not a map");
	k = root + 1;
	for (uint32_t i = 0; i < root->count; i++) {
		const struct tn_cbor_item *v = tn_cbor_next(k);

		if (k->type != TN_CBOR_TEXT)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "approval payload key %u is not text", i);
		/* Unknown keys are ignored, as serde does. */
		for (size_t j = 0; j < F_N; j++)
			if (tn_cbor_text_eq(k, field_names[j]))
				f[j] = v;
		k = tn_cbor_next(v);
	}
	for (size_t j = 0; j < F_EXT; j++)
		if (f[j] == NULL)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "approval payload lacks %s", field_names[j]);
	if (f[F_VERSION]->type != TN_CBOR_UINT || f[F_VERSION]->v.u > 0xff)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "approval payload version is not a u8");
	p->version = (uint8_t)f[F_VERSION]->v.u;
	if (get_fixed(f[F_HASH], p->request_hash, TN_HASH_LEN) != 0)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "approval request_hash is not 32 bytes");
	if (get_fixed(f[F_NONCE], p->nonce, sizeof(p->nonce)) != 0)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "approval nonce is not 16 bytes");
	if (f[F_EXTID]->type != TN_CBOR_TEXT)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "approval external_id is not text");
	p->external_id = f[F_EXTID]->v.s.p;
	p->external_id_len = f[F_EXTID]->v.s.n;
	if (tn_cbor_get_u64(f[F_APPROVED], &p->approved_at) != 0 ||
	    tn_cbor_get_u64(f[F_EXPIRES], &p->expires_at) != 0)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "approval times are not unsigned integers");
	if (f[F_EXT] != NULL && check_extensions(f[F_EXT]) != 0)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "approval extensions are not a map of byte strings");
	return TN_OK;
}

static uint64_t
now_u64(int64_t now)
{
	return now < 0 ? 0 : (uint64_t)now;
}

static uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

int
tn_approval_verify(const struct tn_approval *a, int64_t now,
    struct tn_approval_payload *p, struct tn_error *err)
{
	struct tn_cbor_doc doc;
	uint8_t *msg;
	size_t mlen;
	int rc;

	if (p == NULL)
		return tn_fail(err, TN_ERR_INVALID_ARG, "NULL output");
	memset(p, 0, sizeof(*p));
	if (a == NULL || (a->payload == NULL && a->payload_len > 0))
		return tn_fail(err, TN_ERR_INVALID_ARG, "NULL approval");
	if (a->approval_version != 1)
		return tn_fail(err, TN_ERR_SIGNATURE_INVALID,
		    "unsupported approval version %u", a->approval_version);
	mlen = APPROVAL_PREFIX_LEN + 1 + a->payload_len;
	if ((msg = malloc(mlen)) == NULL)
		return tn_fail(err, TN_ERR_NOMEM, "out of memory");
	memcpy(msg, APPROVAL_PREFIX, APPROVAL_PREFIX_LEN);
	msg[APPROVAL_PREFIX_LEN] = a->approval_version;
	if (a->payload_len > 0)
		memcpy(msg + APPROVAL_PREFIX_LEN + 1, a->payload,
		    a->payload_len);
	rc = tn_ed25519_verify(a->approver_key, msg, mlen, a->signature);
	free(msg);
	if (rc != TN_OK)
		return tn_fail(err, TN_ERR_SIGNATURE_INVALID,
		    "approval signature does not verify under approver_key");
	/* Only now is the payload read. */
	if ((rc = tn_cbor_decode(a->payload, a->payload_len, &payload_limits,
	    &doc, err)) != TN_OK)
		return rc;
	rc = parse_payload(&doc.items[0], p, err);
	tn_cbor_doc_free(&doc);
	if (rc == TN_OK && p->version != 1)
		rc = tn_fail(err, TN_ERR_MALFORMED,
		    "unsupported approval payload version %u", p->version);
	if (rc == TN_OK &&
	    p->approved_at > sat_add(now_u64(now), TN_APPROVAL_SKEW_SECS))
		rc = tn_fail(err, TN_ERR_MALFORMED,
		    "approval timestamp is in the future (skew > %us)",
		    TN_APPROVAL_SKEW_SECS);
	if (rc == TN_OK && p->expires_at <= p->approved_at)
		rc = tn_fail(err, TN_ERR_MALFORMED,
		    "approval expires_at is not after approved_at");
	if (rc != TN_OK)
		memset(p, 0, sizeof(*p));
	return rc;
}

/* -------------------------------------------------------------- check */

enum { R_INVALID, R_UNTRUSTED, R_DUPLICATE, R_EXPIRED, R_HASH, R_N };

static const char *const rej_label[R_N] = {
	"invalid signature", "untrusted", "duplicate", "expired",
	"hash mismatch"
};

static const char *const rej_single[R_N] = {
	"invalid signature on approval",
	"approver not in trusted set",
	"duplicate approval from same approver",
	"approval expired (beyond clock tolerance)",
	"request hash mismatch (approval was signed for a different request)"
};

static int
key_in(const uint8_t (*keys)[TN_KEY_LEN], size_t n, const uint8_t *k)
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(keys[i], k, TN_KEY_LEN) == 0)
			return 1;
	return 0;
}

static int
fail_summary(struct tn_error *err, uint32_t threshold, size_t valid,
    const size_t counts[R_N], size_t napprovals)
{
	char detail[160];
	size_t o = 0, total = 0;

	for (size_t r = 0; r < R_N; r++)
		total += counts[r];
	if (threshold == 1 && napprovals == 1 && total == 1)
		for (size_t r = 0; r < R_N; r++)
			if (counts[r] == 1)
				return tn_fail(err,
				    TN_ERR_CONSTRAINT_NOT_SATISFIED,
				    "invalid approval: %s", rej_single[r]);
	detail[0] = '\0';
	for (size_t r = 0; r < R_N && total > 0; r++) {
		int w;

		if (counts[r] == 0)
			continue;
		w = snprintf(detail + o, sizeof(detail) - o, "%s%zu %s",
		    o == 0 ? " [rejected: " : ", ", counts[r], rej_label[r]);
		if (w < 0 || (size_t)w >= sizeof(detail) - o)
			break;
		o += (size_t)w;
	}
	if (total > 0 && o + 1 < sizeof(detail)) {
		detail[o++] = ']';
		detail[o] = '\0';
	}
	return tn_fail(err, TN_ERR_CONSTRAINT_NOT_SATISFIED,
	    "insufficient approvals: required %u, received %zu%s", threshold,
	    valid, detail);
}

int
tn_approval_check(const struct tn_warrant *leaf, const char *tool,
    size_t toollen, const struct tn_cbor_item *args,
    const struct tn_approval_blob *approvals, size_t napprovals,
    int64_t now, uint32_t tolerance_secs, size_t *nvalid,
    struct tn_error *err)
{
	const struct tn_cbor_item *ap, *e;
	uint8_t (*keys)[TN_KEY_LEN] = NULL, (*seen)[TN_KEY_LEN] = NULL;
	struct tn_approval *parsed = NULL;
	struct tn_approval_payload pl;
	uint8_t rh[TN_HASH_LEN];
	size_t counts[R_N] = { 0 }, valid = 0, nkeys;
	uint32_t threshold;
	uint64_t nowu = now_u64(now);
	int rc;

	if (nvalid != NULL)
		*nvalid = 0;
	if (leaf == NULL || (tool == NULL && toollen > 0) ||
	    (approvals == NULL && napprovals > 0))
		return tn_fail(err, TN_ERR_INVALID_ARG, "NULL argument");
	ap = leaf->required_approvers;
	if (ap == NULL || ap->type != TN_CBOR_ARRAY || ap->count == 0) {
		tn_error_clear(err);
		return TN_OK;
	}
	nkeys = ap->count;
	threshold = ap->count;
	if (leaf->has_min_approvals && leaf->min_approvals < threshold)
		threshold = leaf->min_approvals;
	if (threshold == 0) {
		tn_error_clear(err);
		return TN_OK;
	}
	if (napprovals > 2 * nkeys)
		return tn_fail(err, TN_ERR_CONSTRAINT_NOT_SATISFIED,
		    "invalid approval: too many approvals: %zu provided, "
		    "max %zu", napprovals, 2 * nkeys);

	keys = calloc(nkeys, TN_KEY_LEN);
	seen = calloc(nkeys, TN_KEY_LEN);
	parsed = calloc(napprovals > 0 ? napprovals : 1, sizeof(*parsed));
	if (keys == NULL || seen == NULL || parsed == NULL) {
		rc = tn_fail(err, TN_ERR_NOMEM, "out of memory");
		goto out;
	}
	e = ap + 1;
	for (size_t i = 0; i < nkeys; i++, e = tn_cbor_next(e))
		if (tn_pubkey_from_item(e, keys[i]) != 0) {
			rc = tn_fail(err, TN_ERR_MALFORMED,
			    "required_approvers[%zu] is not a key", i);
			goto out;
		}
	for (size_t i = 0; i < napprovals; i++) {
		struct tn_error perr;

		tn_error_clear(&perr);
		if ((rc = tn_approval_parse(approvals[i].p, approvals[i].n,
		    &parsed[i], &perr)) != TN_OK) {
			rc = tn_fail(err, rc, "approval %zu: %s", i,
			    perr.reason);
			goto out;
		}
	}
	if ((rc = tn_approval_request_hash(leaf->id, tool, toollen, args,
	    leaf->holder, rh, err)) != TN_OK)
		goto out;

	for (size_t i = 0; i < napprovals; i++) {
		const uint8_t *k = parsed[i].approver_key;

		rc = tn_approval_verify(&parsed[i], now, &pl, NULL);
		if (rc == TN_ERR_NOMEM) {
			rc = tn_fail(err, rc, "out of memory");
			goto out;
		}
		if (rc != TN_OK)
			counts[R_INVALID]++;
		else if (!key_in((const uint8_t (*)[TN_KEY_LEN])keys, nkeys, k))
			counts[R_UNTRUSTED]++;
		else if (key_in((const uint8_t (*)[TN_KEY_LEN])seen, valid, k))
			counts[R_DUPLICATE]++;
		else if (sat_add(pl.expires_at, tolerance_secs) < nowu)
			counts[R_EXPIRED]++;
		else if (!tn_crypto_memeq(pl.request_hash, rh, TN_HASH_LEN))
			counts[R_HASH]++;
		else {
			/* Distinct keys from the list: valid < nkeys here. */
			memcpy(seen[valid++], k, TN_KEY_LEN);
			if (valid >= threshold) {
				if (nvalid != NULL)
					*nvalid = valid;
				tn_error_clear(err);
				rc = TN_OK;
				goto out;
			}
		}
	}
	if (nvalid != NULL)
		*nvalid = valid;
	rc = fail_summary(err, threshold, valid, counts, napprovals);
out:
	free(keys);
	free(seen);
	free(parsed);
	return rc;
}

/* ------------------------------------------------------------- encode */

int
tn_approval_seal(enum tn_approval_form form, const uint8_t *payload,
    size_t len, const uint8_t sk[64], uint8_t **out, size_t *outlen,
    struct tn_error *err)
{
	struct tn_buf m, env;
	uint8_t sig[TN_SIG_LEN];
	int rc;

	if (out == NULL || outlen == NULL)
		return tn_fail(err, TN_ERR_INVALID_ARG, "NULL output");
	*out = NULL;
	*outlen = 0;
	if (sk == NULL || (payload == NULL && len > 0) ||
	    (form != TN_APPROVAL_FORM_SPEC &&
	    form != TN_APPROVAL_FORM_DEPLOYED))
		return tn_fail(err, TN_ERR_INVALID_ARG, "bad argument");
	if (len > TN_MAX_APPROVAL_BYTES)
		return tn_fail(err, TN_ERR_MALFORMED, "payload too large");
	tn_buf_init(&m, APPROVAL_PREFIX_LEN + 1 + len);
	tn_buf_put(&m, APPROVAL_PREFIX, APPROVAL_PREFIX_LEN);
	tn_buf_put(&m, "\x01", 1);
	tn_buf_put(&m, payload, len);
	if ((rc = tn_buf_status(&m)) != TN_OK) {
		tn_buf_free(&m);
		return tn_fail(err, rc, "out of memory");
	}
	rc = tn_ed25519_sign(sk, m.p, m.len, sig);
	tn_buf_free(&m);
	if (rc != TN_OK)
		return tn_fail(err, TN_ERR_INVALID_ARG, "bad signing key");
	tn_buf_init(&env, TN_MAX_APPROVAL_BYTES);
	tn_cbor_put_map(&env, 4);
	tn_cbor_put_cstr(&env, "approval_version");
	tn_cbor_put_uint(&env, 1);
	tn_cbor_put_cstr(&env, "payload");
	tn_cbor_put_bytes(&env, payload, len);
	tn_cbor_put_cstr(&env, "approver_key");
	if (form == TN_APPROVAL_FORM_DEPLOYED)
		tn_pubkey_put(&env, sk + 32);
	else
		tn_cbor_put_bytes(&env, sk + 32, TN_KEY_LEN);
	tn_cbor_put_cstr(&env, "signature");
	if (form == TN_APPROVAL_FORM_DEPLOYED) {
		tn_cbor_put_array(&env, 2);
		tn_cbor_put_uint(&env, 1);
	}
	tn_cbor_put_bytes(&env, sig, TN_SIG_LEN);
	if ((rc = tn_buf_status(&env)) != TN_OK ||
	    (rc = tn_buf_take(&env, out, outlen)) != TN_OK) {
		tn_buf_free(&env);
		return tn_fail(err, rc, "approval too large");
	}
	tn_error_clear(err);
	return TN_OK;
}

static void
put_fixed(struct tn_buf *b, enum tn_approval_form form, const uint8_t *p,
    size_t n)
{
	if (form == TN_APPROVAL_FORM_SPEC) {
		tn_cbor_put_bytes(b, p, n);
		return;
	}
	tn_cbor_put_array(b, n);
	for (size_t i = 0; i < n; i++)
		tn_cbor_put_uint(b, p[i]);
}

int
tn_approval_encode_form(enum tn_approval_form form,
    const uint8_t request_hash[TN_HASH_LEN], const uint8_t nonce[16],
    const char *external_id, uint64_t approved_at, uint64_t expires_at,
    const uint8_t sk[64], uint8_t **out, size_t *outlen,
    struct tn_error *err)
{
	struct tn_buf b;
	int rc;

	if (out == NULL || outlen == NULL)
		return tn_fail(err, TN_ERR_INVALID_ARG, "NULL output");
	*out = NULL;
	*outlen = 0;
	if (request_hash == NULL || nonce == NULL || external_id == NULL ||
	    !tn_utf8_valid((const uint8_t *)external_id, strlen(external_id)))
		return tn_fail(err, TN_ERR_INVALID_ARG, "bad argument");
	tn_buf_init(&b, TN_MAX_APPROVAL_BYTES);
	tn_cbor_put_map(&b, 6);
	tn_cbor_put_cstr(&b, "version");
	tn_cbor_put_uint(&b, 1);
	tn_cbor_put_cstr(&b, "request_hash");
	put_fixed(&b, form, request_hash, TN_HASH_LEN);
	tn_cbor_put_cstr(&b, "nonce");
	put_fixed(&b, form, nonce, 16);
	tn_cbor_put_cstr(&b, "external_id");
	tn_cbor_put_cstr(&b, external_id);
	tn_cbor_put_cstr(&b, "approved_at");
	tn_cbor_put_uint(&b, approved_at);
	tn_cbor_put_cstr(&b, "expires_at");
	tn_cbor_put_uint(&b, expires_at);
	if ((rc = tn_buf_status(&b)) != TN_OK) {
		tn_buf_free(&b);
		return tn_fail(err, rc, "approval payload too large");
	}
	rc = tn_approval_seal(form, b.p, b.len, sk, out, outlen, err);
	tn_buf_free(&b);
	return rc;
}

int
tn_approval_encode(const uint8_t request_hash[TN_HASH_LEN],
    const uint8_t nonce[16], const char *external_id,
    uint64_t approved_at, uint64_t expires_at, const uint8_t sk[64],
    uint8_t **out, size_t *outlen, struct tn_error *err)
{
	return tn_approval_encode_form(TN_APPROVAL_FORM_SPEC, request_hash,
	    nonce, external_id, approved_at, expires_at, sk, out, outlen, err);
}
