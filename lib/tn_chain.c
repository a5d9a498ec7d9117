/*
 * tn_chain.c: chain verification (I1-I5) and authorization of one call.
 */
#include <string.h>

#include "tn_chain.h"
#include "tn_constraint.h"
#include "tn_pop.h"

void
tn_verify_opts_init(struct tn_verify_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_depth = TN_MAX_CHAIN_DEPTH;
	o->tolerance_secs = TN_CLOCK_TOLERANCE_SECS;
	o->pop_max_windows = TN_POP_DEFAULT_WINDOWS;
}

static const char *
wid(const struct tn_warrant *w, char buf[TN_WARRANT_ID_STR_LEN])
{
	tn_warrant_id_str(w->id, buf);
	return buf;
}

/* ------------------------------------------------------------ link rules */

/* 1 if name (text item) is in the issuable_tools array or it holds "*". */
static int
issuable(const struct tn_cbor_item *tools, const struct tn_cbor_item *name)
{
	const struct tn_cbor_item *e;

	if (tools == NULL)
		return 0;
	e = tools + 1;
	for (uint32_t i = 0; i < tools->count; i++, e = tn_cbor_next(e))
		if (tn_cbor_value_eq(e, name) || tn_cbor_text_eq(e, "*"))
			return 1;
	return 0;
}

static int
link_exec_exec(const struct tn_warrant *p, const struct tn_warrant *c,
    struct tn_error *err)
{
	const struct tn_cbor_item *k = c->tools + 1;
	int rc;

	for (uint32_t i = 0; i < c->tools->count; i++) {
		const struct tn_cbor_item *cset = tn_cbor_next(k), *pset;

		pset = tn_warrant_tool_set(p, (const char *)k->v.s.p, k->v.s.n);
		if (pset == NULL)
			return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
			    "tool '%.*s' is not granted by the parent",
			    (int)k->v.s.n, (const char *)k->v.s.p);
		if ((rc = tn_constraint_set_attenuates(pset, cset, err)) != TN_OK)
			return rc;
		k = tn_cbor_next(cset);
	}
	return TN_OK;
}

static int
link_issuer_issuer(const struct tn_warrant *p, const struct tn_warrant *c,
    struct tn_error *err)
{
	const struct tn_cbor_item *e = c->issuable_tools + 1;

	for (uint32_t i = 0; i < c->issuable_tools->count; i++) {
		if (!issuable(p->issuable_tools, e))
			return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
			    "issuable tool '%.*s' is not in the parent's "
			    "issuable_tools", (int)e->v.s.n,
			    (const char *)e->v.s.p);
		e = tn_cbor_next(e);
	}
	if (p->has_max_issue_depth && (!c->has_max_issue_depth ||
	    c->max_issue_depth > p->max_issue_depth))
		return tn_fail(err, TN_ERR_DEPTH_EXCEEDED,
		    "max_issue_depth may not grow past the parent's %u",
		    p->max_issue_depth);
	if (p->constraint_bounds == NULL)
		return TN_OK;
	if (c->constraint_bounds == NULL)
		return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
		    "child drops the parent's constraint_bounds");
	return tn_constraint_set_attenuates(p->constraint_bounds,
	    c->constraint_bounds, err);
}

static int
link_issuer_exec(const struct tn_warrant *p, const struct tn_warrant *c,
    struct tn_error *err)
{
	const struct tn_cbor_item *k = c->tools + 1;
	int rc;

	if (p->has_max_issue_depth && c->depth > p->max_issue_depth)
		return tn_fail(err, TN_ERR_DEPTH_EXCEEDED,
		    "issued warrant depth %u exceeds max_issue_depth %u",
		    c->depth, p->max_issue_depth);
	for (uint32_t i = 0; i < c->tools->count; i++) {
		const struct tn_cbor_item *cset = tn_cbor_next(k);

		if (!issuable(p->issuable_tools, k))
			return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
			    "tool '%.*s' is not in the issuer's issuable_tools",
			    (int)k->v.s.n, (const char *)k->v.s.p);
		if (p->constraint_bounds != NULL &&
		    (rc = tn_constraint_set_attenuates(p->constraint_bounds,
		    cset, err)) != TN_OK)
			return rc;
		k = tn_cbor_next(cset);
	}
	if (memcmp(c->holder, p->holder, TN_KEY_LEN) == 0)
		return tn_fail(err, TN_ERR_SELF_ISSUANCE,
		    "an issuer cannot grant an execution warrant to itself");
	if (memcmp(c->holder, p->issuer, TN_KEY_LEN) == 0)
		return tn_fail(err, TN_ERR_SELF_ISSUANCE,
		    "the execution holder cannot be the issuer warrant's "
		    "issuer");
	return TN_OK;
}

static int
link_depth(const struct tn_warrant *p, const struct tn_warrant *c,
    struct tn_error *err)
{
	if (c->depth != p->depth + 1)
		return tn_fail(err, TN_ERR_DEPTH_EXCEEDED,
		    "child depth %u is not parent depth %u + 1", c->depth,
		    p->depth);
	if (c->depth > p->max_depth)
		return tn_fail(err, TN_ERR_DEPTH_EXCEEDED,
		    "child depth %u exceeds the parent's max_depth %u",
		    c->depth, p->max_depth);
	if (c->max_depth > p->max_depth)
		return tn_fail(err, TN_ERR_DEPTH_EXCEEDED,
		    "child max_depth %u exceeds the parent's %u", c->max_depth,
		    p->max_depth);
	return TN_OK;
}

int
tn_chain_check_link(const struct tn_warrant *p, const struct tn_warrant *c,
    struct tn_error *err)
{
	int rc;

	if (memcmp(c->issuer, p->holder, TN_KEY_LEN) != 0)
		return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
		    "I1: child issuer is not the parent's holder");
	if (!c->has_parent_hash ||
	    memcmp(c->parent_hash, p->payload_hash, TN_HASH_LEN) != 0)
		return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
		    "I5: child parent_hash is not SHA-256 of the parent payload");
	if ((rc = link_depth(p, c, err)) != TN_OK)
		return rc;
	if (c->expires_at > p->expires_at)
		return tn_fail(err, TN_ERR_TTL_EXCEEDED,
		    "I3: child expires at %llu, after its parent (%llu)",
		    (unsigned long long)c->expires_at,
		    (unsigned long long)p->expires_at);
	if (p->has_clearance && c->has_clearance &&
	    c->clearance > p->clearance)
		return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
		    "clearance may not increase (%u -> %u)", p->clearance,
		    c->clearance);
	if (p->type == TN_WARRANT_EXECUTION && c->type == TN_WARRANT_EXECUTION)
		return link_exec_exec(p, c, err);
	if (p->type == TN_WARRANT_ISSUER && c->type == TN_WARRANT_ISSUER)
		return link_issuer_issuer(p, c, err);
	if (p->type == TN_WARRANT_ISSUER && c->type == TN_WARRANT_EXECUTION)
		return link_issuer_exec(p, c, err);
	return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
	    "an execution warrant cannot delegate an issuer warrant");
}

/* ------------------------------------------------------------ chain rules */

static int
check_time(const struct tn_warrant *w, int is_leaf,
    const struct tn_verify_opts *o, struct tn_error *err)
{
	char id[TN_WARRANT_ID_STR_LEN];
	/* now >= 0 here; u64 arithmetic cannot overflow below 2^63 + tol. */
	uint64_t now = (uint64_t)o->now, tol = o->tolerance_secs;

	if (w->issued_at > now + tol)
		return tn_fail(err, TN_ERR_WARRANT_NOT_YET_VALID,
		    "warrant %s is issued at %llu, in the future", wid(w, id),
		    (unsigned long long)w->issued_at);
	if (is_leaf ? now >= w->expires_at : now > w->expires_at + tol)
		return tn_fail(err, TN_ERR_WARRANT_EXPIRED,
		    "warrant %s expired at %llu", wid(w, id),
		    (unsigned long long)w->expires_at);
	return TN_OK;
}

static int
is_trusted(const struct tn_verify_opts *o, const uint8_t key[TN_KEY_LEN])
{
	for (size_t i = 0; i < o->nroots; i++)
		if (memcmp(o->roots[i], key, TN_KEY_LEN) == 0)
			return 1;
	return 0;
}

static int
check_shape(const struct tn_stack *st, const struct tn_verify_opts *o,
    struct tn_error *err)
{
	uint32_t maxd = o->max_depth ? o->max_depth : TN_MAX_CHAIN_DEPTH;
	char id[TN_WARRANT_ID_STR_LEN];

	if (maxd > TN_MAX_CHAIN_DEPTH)
		maxd = TN_MAX_CHAIN_DEPTH;
	if (st == NULL || st->n == 0)
		return tn_fail(err, TN_ERR_MALFORMED, "empty warrant chain");
	if (st->n > (size_t)maxd + 1)
		return tn_fail(err, TN_ERR_DEPTH_EXCEEDED,
		    "chain of %zu warrants exceeds depth %u", st->n, maxd);
	for (size_t i = 0; i < st->n; i++) {
		const struct tn_warrant *w = st->w[i];

		if (tn_srl_is_revoked(o->srl, w->id))
			return tn_fail(err, TN_ERR_REVOKED,
			    "warrant %s is revoked", wid(w, id));
		if (w->depth > maxd || w->depth > w->max_depth)
			return tn_fail(err, TN_ERR_DEPTH_EXCEEDED,
			    "warrant %s depth %u exceeds max_depth %u (limit %u)",
			    wid(w, id), w->depth, w->max_depth, maxd);
		for (size_t j = 0; j < i; j++)
			if (memcmp(st->w[j]->id, w->id, TN_ID_LEN) == 0)
				return tn_fail(err, TN_ERR_ATTENUATION_INVALID,
				    "cycle: warrant %s appears twice",
				    wid(w, id));
	}
	return TN_OK;
}

int
tn_chain_verify(const struct tn_stack *st, const struct tn_verify_opts *o,
    struct tn_chain_result *res, struct tn_error *err)
{
	int rc;

	if (res != NULL)
		memset(res, 0, sizeof(*res));
	if (o->now < 0)
		return tn_fail(err, TN_ERR_INVALID_ARG, "negative time");
	if ((rc = check_shape(st, o, err)) != TN_OK)
		return rc;
	if (!is_trusted(o, st->w[0]->issuer))
		return tn_fail(err, TN_ERR_CHAIN_NOT_ANCHORED,
		    "root warrant issuer is not a trusted root key");
	for (size_t i = 1; !o->links_verified && i < st->n; i++)
		if ((rc = tn_chain_check_link(st->w[i - 1], st->w[i], err)) !=
		    TN_OK)
			return rc;
	for (size_t i = 0; i < st->n; i++)
		if ((rc = check_time(st->w[i], i == st->n - 1, o, err)) != TN_OK)
			return rc;
	if (res != NULL) {
		const struct tn_warrant *leaf = st->w[st->n - 1];

		res->chain_len = st->n;
		res->leaf_depth = leaf->depth;
		memcpy(res->root_issuer, st->w[0]->issuer, TN_KEY_LEN);
		memcpy(res->leaf_id, leaf->id, TN_ID_LEN);
	}
	return TN_OK;
}

int
tn_authorize(const struct tn_stack *st, const struct tn_call *call,
    const struct tn_verify_opts *o, struct tn_chain_result *res,
    struct tn_error *err)
{
	/* No arguments is the empty map. */
	static const struct tn_cbor_item no_args = { .type = TN_CBOR_MAP,
	    .size = 1, .count = 0 };
	const struct tn_cbor_item *args = call->args ? call->args : &no_args;
	struct tn_constraint_ctx ctx;
	const struct tn_warrant *leaf;
	const struct tn_cbor_item *cset;
	unsigned windows = o->pop_max_windows ? o->pop_max_windows :
	    TN_POP_DEFAULT_WINDOWS;
	int64_t window = 0;
	int rc;

	if ((rc = tn_chain_verify(st, o, res, err)) != TN_OK)
		return rc;
	leaf = tn_stack_leaf(st);
	if (leaf->type != TN_WARRANT_EXECUTION)
		return tn_fail(err, TN_ERR_TOOL_NOT_ALLOWED,
		    "only an execution warrant can authorize a call");
	cset = tn_warrant_tool_set(leaf, call->tool, call->toollen);
	if (cset == NULL)
		return tn_fail(err, TN_ERR_TOOL_NOT_ALLOWED,
		    "warrant does not grant tool '%.*s'",
		    (int)(call->toollen > 128 ? 128 : call->toollen),
		    call->tool);
	if (call->pop == NULL)
		return tn_fail(err, TN_ERR_POP_FAILED,
		    "proof-of-possession signature is missing");
	rc = tn_pop_verify(leaf->holder, leaf->id, call->tool, call->toollen,
	    args, call->pop, o->has_pop_now ? o->pop_now : o->now, windows,
	    &window, err);
	if (rc != TN_OK)
		return rc;
	/* CEL's time functions read the same clock as the expiry checks. */
	ctx.have_now = 1;
	ctx.now = o->now;
	if ((rc = tn_constraint_set_check_ctx(cset, args, &ctx, err)) != TN_OK)
		return rc;
	if (leaf->has_approval_gates) {
		/* A gate nobody can open denies, as deployed Tenuo does. */
		if (leaf->required_approvers == NULL ||
		    leaf->required_approvers->count == 0)
			return tn_fail(err, TN_ERR_CONSTRAINT_NOT_SATISFIED,
			    "approval gate requires approval for tool '%.*s' "
			    "but the warrant names no required_approvers",
			    (int)(call->toollen > 128 ? 128 : call->toollen),
			    call->tool);
		rc = tn_approval_check(leaf, call->tool, call->toollen,
		    args, call->approvals, call->napprovals, o->now,
		    o->tolerance_secs, NULL, err);
		if (rc != TN_OK)
			return rc;
	}
	if (res != NULL)
		res->pop_window = window;
	return TN_OK;
}
