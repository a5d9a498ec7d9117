/*
 * ctl_cmd_inspect.c: print a warrant or stack as JSON.
 *
 * {"chain_length": N, "warrants": [root, ..., leaf]}, each warrant with
 * its fields by name; constraints in their wire JSON ([type, value]).
 * Signatures are checked while decoding; the chain itself is not.
 */
#include <string.h>

#include "ctl.h"

#define INSPECT_DEPTH	48u	/* composite constraints nest 32 deep */

static json_t *
opt_u32(int has, uint32_t v)
{
	return has ? json_integer(v) : json_null();
}

static json_t *
cbor_or_null(const struct tn_cbor_item *it)
{
	return it != NULL ? ctl_cbor_json(it, INSPECT_DEPTH) : json_null();
}

/* tool -> {"constraints": {...}, "allow_unknown": bool} */
static json_t *
tools_json(const struct tn_cbor_item *tools)
{
	const struct tn_cbor_item *k = tools + 1, *set, *c, *au;
	json_t *j = json_object(), *t;

	for (uint32_t i = 0; j != NULL && i < tools->count; i++) {
		set = tn_cbor_next(k);
		c = set->type == TN_CBOR_MAP ?
		    tn_cbor_map_get(set, "constraints") : NULL;
		au = set->type == TN_CBOR_MAP ?
		    tn_cbor_map_get(set, "allow_unknown") : NULL;
		t = json_pack("{s:o, s:b}", "constraints",
		    c != NULL ? ctl_cbor_json(c, INSPECT_DEPTH) : json_object(),
		    "allow_unknown", au != NULL && au->type == TN_CBOR_TRUE);
		if (json_object_setn_new(j, (const char *)k->v.s.p, k->v.s.n,
		    t) == -1) {
			json_decref(j);
			return NULL;
		}
		k = tn_cbor_next(set);
	}
	return j;
}

/* An extension value as bytes: an array of byte-sized uints (D3). */
static int
ext_bytes(const struct tn_cbor_item *v, uint8_t *buf, size_t cap, size_t *n)
{
	const struct tn_cbor_item *e = v + 1;

	if (v->type != TN_CBOR_ARRAY || v->count > cap)
		return -1;
	for (*n = 0; *n < v->count; (*n)++, e = tn_cbor_next(e)) {
		if (e->type != TN_CBOR_UINT || e->v.u > 255)
			return -1;
		buf[*n] = (uint8_t)e->v.u;
	}
	return 0;
}

/* extension key -> hex of its bytes (else the value's JSON view). */
static json_t *
exts_json(const struct tn_warrant *w)
{
	const struct tn_cbor_item *k, *v;
	uint8_t buf[TN_MAX_EXTENSION_VALUE];
	json_t *j = json_object();
	size_t n;

	if (w->extensions == NULL)
		return j;
	k = w->extensions + 1;
	for (uint32_t i = 0; j != NULL && i < w->extensions->count; i++) {
		v = tn_cbor_next(k);
		if (json_object_setn_new(j, (const char *)k->v.s.p, k->v.s.n,
		    ext_bytes(v, buf, sizeof(buf), &n) == 0 ?
		    ctl_hex_json(buf, n) : ctl_cbor_json(v, INSPECT_DEPTH)) ==
		    -1) {
			json_decref(j);
			return NULL;
		}
		k = tn_cbor_next(v);
	}
	return j;
}

static json_t *
approvers_json(const struct tn_warrant *w)
{
	const struct tn_cbor_item *e;
	uint8_t key[TN_KEY_LEN];
	json_t *j;

	if (w->required_approvers == NULL)
		return json_null();
	j = json_array();
	e = w->required_approvers + 1;
	for (uint32_t i = 0; j != NULL && i < w->required_approvers->count;
	    i++, e = tn_cbor_next(e)) {
		if (json_array_append_new(j, tn_pubkey_from_item(e, key) == 0 ?
		    ctl_hex_json(key, TN_KEY_LEN) :
		    ctl_cbor_json(e, INSPECT_DEPTH)) == -1) {
			json_decref(j);
			return NULL;
		}
	}
	return j;
}

static json_t *
warrant_json(const struct tn_warrant *w)
{
	char id[TN_WARRANT_ID_STR_LEN];

	tn_warrant_id_str(w->id, id);
	return json_pack("{s:s, s:s, s:i, s:i, s:i, s:I, s:I, s:o, s:o, s:o, "
	    "s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "id", id,
	    "type", w->type == TN_WARRANT_ISSUER ? "issuer" : "execution",
	    "version", (int)w->version,
	    "depth", (int)w->depth,
	    "max_depth", (int)w->max_depth,
	    "issued_at", (json_int_t)w->issued_at,
	    "expires_at", (json_int_t)w->expires_at,
	    "holder", ctl_hex_json(w->holder, TN_KEY_LEN),
	    "issuer", ctl_hex_json(w->issuer, TN_KEY_LEN),
	    "parent_hash", w->has_parent_hash ?
		ctl_hex_json(w->parent_hash, TN_HASH_LEN) : json_null(),
	    "tools", w->tools != NULL ? tools_json(w->tools) : json_object(),
	    "issuable_tools", cbor_or_null(w->issuable_tools),
	    "max_issue_depth", opt_u32(w->has_max_issue_depth,
		w->max_issue_depth),
	    "constraint_bounds", cbor_or_null(w->constraint_bounds),
	    "clearance", opt_u32(w->has_clearance, w->clearance),
	    "required_approvers", approvers_json(w),
	    "min_approvals", opt_u32(w->has_min_approvals, w->min_approvals),
	    "extensions", exts_json(w),
	    "payload_sha256", ctl_hex_json(w->payload_hash, TN_HASH_LEN));
}

int
ctl_cmd_inspect(int argc, char **argv)
{
	struct tn_stack *st;
	struct tn_error err;
	json_t *arr, *top;
	int rc;

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0))
		return ctl_opt_done(argv[0], 'h');
	if (argc != 2) {
		ctl_err("inspect: expected exactly one WARRANT, STACK or -");
		return ctl_opt_done(argv[0], '?');
	}
	if ((rc = ctl_stack_load("inspect", argv[1], &st, &err)) > 0)
		return rc;
	if (rc < 0) {
		ctl_err_lib("inspect", &err);
		return CTL_EXIT_DENY;
	}
	arr = json_array();
	for (size_t i = 0; arr != NULL && i < st->n; i++)
		if (json_array_append_new(arr, warrant_json(st->w[i])) == -1)
			json_decref(arr), arr = NULL;
	top = json_pack("{s:I, s:o}", "chain_length", (json_int_t)st->n,
	    "warrants", arr);
	tn_stack_free(st);
	return ctl_json_print(top, JSON_INDENT(2)) == 0 ? CTL_EXIT_OK :
	    CTL_EXIT_USAGE;
}
