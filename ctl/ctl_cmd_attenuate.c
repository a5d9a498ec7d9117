/*
 * ctl_cmd_attenuate.c: delegate a narrower warrant from the leaf of a
 * warrant or stack, signed by the leaf's holder, and print the new stack.
 *
 * The child inherits what it may not widen: max_depth, clearance,
 * required approvers, min_approvals, extensions, and for issuer warrants
 * issuable_tools, constraint_bounds and max_issue_depth unless narrowed.
 * Before anything is printed the child is decoded and checked as a link
 * of the chain (tn_chain_check_link), so an invalid attenuation is denied.
 */
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_mint.h"
#include "tn_chain.h"
#include "tn_codec.h"

#define ATT_MAX_OWNED	(2u * TN_MAX_TOOLS + TN_MAX_EXTENSION_KEYS + 8u)

struct att {
	struct ctl_mint_opts	 o;
	struct tn_stack		*st;
	const struct tn_warrant	*leaf;
	struct tn_mint		 m;
	struct tn_mint_tool	*mt;
	const char		**issuable;
	struct tn_mint_ext	*exts;
	uint8_t			(*approvers)[TN_KEY_LEN];
	void			*owned[ATT_MAX_OWNED];	/* freed at the end */
	size_t			 nowned;
};

static void *
att_keep(struct att *a, void *p)
{
	if (p == NULL || a->nowned == ATT_MAX_OWNED) {
		free(p);
		ctl_err("attenuate: out of memory");
		return NULL;
	}
	return a->owned[a->nowned++] = p;
}

/* A NUL-terminated copy of a text item, kept until the end. */
static const char *
att_text(struct att *a, const struct tn_cbor_item *it)
{
	if (it->type != TN_CBOR_TEXT || memchr(it->v.s.p, 0, it->v.s.n)) {
		ctl_err("--parent: a tool name is not printable text");
		return NULL;
	}
	return att_keep(a, strndup((const char *)it->v.s.p, it->v.s.n));
}

static const uint8_t *
raw(const struct tn_warrant *w, const struct tn_cbor_item *it)
{
	return w->doc.buf + it->off;
}

/* Without --tool: the parent's tools, byte for byte. */
static int
att_copy_tools(struct att *a)
{
	const struct tn_cbor_item *k = a->leaf->tools + 1, *v;

	for (uint32_t i = 0; i < a->leaf->tools->count; i++) {
		v = tn_cbor_next(k);
		if ((a->mt[i].name = att_text(a, k)) == NULL)
			return -1;
		a->mt[i].cset = raw(a->leaf, v);
		a->mt[i].cset_len = v->len;
		k = tn_cbor_next(v);
	}
	a->m.ntools = a->leaf->tools->count;
	return 0;
}

/* With --tool: the given constraints, else the parent's set for it. */
static int
att_new_tools(struct att *a)
{
	const struct ctl_tools *ts = &a->o.tools;
	const struct tn_cbor_item *pset;

	for (size_t i = 0; i < ts->n; i++) {
		pset = tn_warrant_tool_set(a->leaf, ts->names[i],
		    strlen(ts->names[i]));
		a->mt[i].name = ts->names[i];
		if (pset != NULL && ctl_tools_ncons(ts, i) == 0 &&
		    !ts->allow_unknown) {
			a->mt[i].cset = raw(a->leaf, pset);
			a->mt[i].cset_len = pset->len;
		} else {
			a->mt[i].cset = ts->csets[i].p;
			a->mt[i].cset_len = ts->csets[i].len;
		}
	}
	a->m.ntools = ts->n;
	return 0;
}

static int
att_issuer(struct att *a)
{
	const struct tn_warrant *p = a->leaf;
	const struct tn_cbor_item *e;

	if (a->o.tools.n > 0) {
		a->m.issuable_tools = a->o.tools.names;
		a->m.nissuable = a->o.tools.n;
	} else if (p->issuable_tools != NULL) {
		e = p->issuable_tools + 1;
		for (uint32_t i = 0; i < p->issuable_tools->count; i++) {
			if ((a->issuable[i] = att_text(a, e)) == NULL)
				return -1;
			e = tn_cbor_next(e);
		}
		a->m.issuable_tools = a->issuable;
		a->m.nissuable = p->issuable_tools->count;
	}
	if (a->o.tools.ncons > 0 || a->o.tools.allow_unknown) {
		if (ctl_mint_issuer_bounds(&a->o) == -1)
			return -1;
		a->m.constraint_bounds = a->o.tools.csets[0].p;
		a->m.constraint_bounds_len = a->o.tools.csets[0].len;
	} else if (p->constraint_bounds != NULL) {
		a->m.constraint_bounds = raw(p, p->constraint_bounds);
		a->m.constraint_bounds_len = p->constraint_bounds->len;
	}
	a->m.has_max_issue_depth = p->has_max_issue_depth;
	a->m.max_issue_depth = p->max_issue_depth;
	return 0;
}

/* Extension values are arrays of byte-valued uints on the wire (D3). */
static int
att_ext(struct att *a, const struct tn_cbor_item *k,
    const struct tn_cbor_item *v, struct tn_mint_ext *x)
{
	const struct tn_cbor_item *e = v + 1;
	uint8_t *bytes;

	if ((x->key = att_text(a, k)) == NULL)
		return -1;
	if (v->type != TN_CBOR_ARRAY || (bytes = att_keep(a,
	    malloc(v->count + 1u))) == NULL) {
		ctl_err("--parent: extension '%s' cannot be copied", x->key);
		return -1;
	}
	for (uint32_t i = 0; i < v->count; i++, e = tn_cbor_next(e)) {
		if (e->type != TN_CBOR_UINT || e->v.u > 255) {
			ctl_err("--parent: extension '%s' is not a byte array",
			    x->key);
			return -1;
		}
		bytes[i] = (uint8_t)e->v.u;
	}
	x->value = bytes;
	x->len = v->count;
	return 0;
}

static int
att_inherit(struct att *a)
{
	const struct tn_warrant *p = a->leaf;
	const struct tn_cbor_item *e;

	a->m.has_clearance = p->has_clearance;
	a->m.clearance = p->clearance;
	a->m.has_min_approvals = p->has_min_approvals;
	a->m.min_approvals = p->min_approvals;
	if (p->required_approvers != NULL) {
		e = p->required_approvers + 1;
		for (uint32_t i = 0; i < p->required_approvers->count; i++) {
			if (tn_pubkey_from_item(e, a->approvers[i]) != 0) {
				ctl_err("--parent: bad required approver key");
				return -1;
			}
			e = tn_cbor_next(e);
		}
		a->m.approvers = (const uint8_t (*)[TN_KEY_LEN])a->approvers;
		a->m.napprovers = p->required_approvers->count;
	}
	if (p->extensions == NULL)
		return 0;
	e = p->extensions + 1;
	for (uint32_t i = 0; i < p->extensions->count; i++) {
		if (att_ext(a, e, tn_cbor_next(e), &a->exts[i]) == -1)
			return -1;
		e = tn_cbor_next(tn_cbor_next(e));
	}
	a->m.exts = a->exts;
	a->m.nexts = p->extensions->count;
	return 0;
}

static int
att_alloc(struct att *a)
{
	const struct tn_warrant *p = a->leaf;
	size_t nt = a->o.tools.n + (p->tools != NULL ? p->tools->count : 0);
	size_t ni = p->issuable_tools != NULL ? p->issuable_tools->count : 0;
	size_t nx = p->extensions != NULL ? p->extensions->count : 0;
	size_t na = p->required_approvers != NULL ?
	    p->required_approvers->count : 0;

	a->mt = calloc(nt + 1, sizeof(*a->mt));
	a->issuable = calloc(ni + 1, sizeof(*a->issuable));
	a->exts = calloc(nx + 1, sizeof(*a->exts));
	a->approvers = calloc(na + 1, sizeof(*a->approvers));
	if (a->mt == NULL || a->issuable == NULL || a->exts == NULL ||
	    a->approvers == NULL) {
		ctl_err("attenuate: out of memory");
		return -1;
	}
	return 0;
}

/* Fills a->m from the parent leaf and the options. */
static int
att_build(struct att *a)
{
	const struct tn_warrant *p = a->leaf;
	struct tn_mint *m = &a->m;

	m->type = a->o.have_type ? a->o.type : p->type;
	memcpy(m->id, a->o.id, TN_ID_LEN);
	memcpy(m->holder, a->o.holder, TN_KEY_LEN);
	m->issued_at = a->o.issued_at;
	m->expires_at = a->o.issued_at + a->o.ttl;
	if (m->expires_at > p->expires_at)
		m->expires_at = p->expires_at;
	m->max_depth = p->max_depth;
	m->depth = p->depth + 1;
	m->parent_hash = p->payload_hash;
	if (att_alloc(a) == -1 || att_inherit(a) == -1)
		return -1;
	m->tools = a->mt;
	if (m->type == TN_WARRANT_ISSUER)
		return att_issuer(a);
	if (a->o.tools.n > 0)
		return att_new_tools(a);
	if (a->o.tools.allow_unknown) {
		ctl_err("attenuate: --allow-unknown applies to a --tool");
		return -1;
	}
	if (p->tools == NULL || p->tools->count == 0) {
		ctl_err("attenuate: the parent grants no tools: give --tool");
		return -1;
	}
	return att_copy_tools(a);
}

/* Mints, checks the link and prints the stack.  Returns the exit code. */
static int
att_finish(struct att *a)
{
	struct tn_warrant *child = NULL;
	struct tn_error err;
	uint8_t *env = NULL, *out = NULL;
	size_t len, outlen;
	int rc;

	tn_error_clear(&err);
	if ((rc = tn_warrant_mint(&a->m, a->o.sk, &env, &len, &err)) != TN_OK ||
	    (rc = tn_warrant_decode(env, len, &child, &err)) != TN_OK ||
	    (rc = tn_chain_check_link(a->leaf, child, &err)) != TN_OK ||
	    (rc = tn_stack_push(a->st, child, &err)) != TN_OK) {
		tn_warrant_free(child);
		free(env);
		return ctl_deny(rc, err.reason);
	}
	free(env);
	if (tn_stack_encode(a->st, &out, &outlen, &err) != TN_OK) {
		ctl_err_lib("attenuate", &err);
		return CTL_EXIT_DENY;
	}
	rc = ctl_print_b64url(out, outlen);
	free(out);
	return rc;
}

static int
att_load_parent(struct att *a)
{
	char want[2 * TN_KEY_LEN + 1], got[2 * TN_KEY_LEN + 1];
	struct tn_error err;
	int rc;

	if ((rc = ctl_stack_load("--parent", a->o.parent, &a->st, &err)) > 0)
		return rc;
	if (rc < 0)
		return ctl_deny(rc, err.reason);
	a->leaf = tn_stack_leaf(a->st);
	if (memcmp(a->leaf->holder, a->o.pk, TN_KEY_LEN) != 0) {
		tn_hex_encode(a->leaf->holder, TN_KEY_LEN, want);
		tn_hex_encode(a->o.pk, TN_KEY_LEN, got);
		ctl_err("--key: %s is the key %s, but the parent warrant's "
		    "holder is %s: only the holder can attenuate it",
		    a->o.key, got, want);
		return CTL_EXIT_USAGE;
	}
	return 0;
}

int
ctl_cmd_attenuate(int argc, char **argv)
{
	struct att *a;
	int rc;

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		ctl_err("attenuate: out of memory");
		return CTL_EXIT_USAGE;
	}
	if ((rc = ctl_mint_parse(&a->o, argc, argv, 1)) != -1)
		goto out;
	rc = CTL_EXIT_USAGE;
	if (a->o.parent == NULL) {
		ctl_err("attenuate: --parent is required");
		ctl_usage_hint(argv[0]);
		goto out;
	}
	if (!(a->o.have_type && a->o.type == TN_WARRANT_ISSUER) &&
	    ctl_tools_build(&a->o.tools) == -1)
		goto out;
	if (ctl_mint_prepare(&a->o, argv[0]) == -1)
		goto out;
	if ((rc = att_load_parent(a)) != 0)
		goto out;
	rc = att_build(a) == -1 ? CTL_EXIT_USAGE : att_finish(a);
out:
	explicit_bzero(a->o.sk, sizeof(a->o.sk));
	ctl_tools_free(&a->o.tools);
	tn_stack_free(a->st);
	for (size_t i = 0; i < a->nowned; i++)
		free(a->owned[i]);
	free(a->mt);
	free(a->issuable);
	free(a->exts);
	free(a->approvers);
	free(a);
	return rc;
}
