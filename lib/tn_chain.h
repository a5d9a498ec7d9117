/*
 * tn_chain.h: chain verification (invariants I1-I5) and authorization of
 * one tool call against a WarrantStack, as deployed Tenuo decides it.
 *
 * Time rules (deployed): the leaf expires at now >= expires_at with no
 * tolerance; warrants above the leaf are expired only when now >
 * expires_at + 30 s; any warrant with issued_at > now + 30 s is not yet
 * valid.  The caller passes now: the library never reads a clock.
 */
#ifndef TN_CHAIN_H
#define TN_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "tn_approval.h"
#include "tn_err.h"
#include "tn_srl.h"
#include "tn_warrant.h"

struct tn_verify_opts {
	const uint8_t		(*roots)[TN_KEY_LEN];	/* trusted root keys */
	size_t			  nroots;
	int64_t			  now;
	uint32_t		  max_depth;	/* 0: TN_MAX_CHAIN_DEPTH */
	uint32_t		  tolerance_secs;	/* clock tolerance (30) */
	unsigned		  pop_max_windows;	/* 2..10; 0: 5 */
	const struct tn_srl	 *srl;		/* NULL: nothing revoked */
	/*
	 * PoP windows are tried around pop_now when has_pop_now is set
	 * (tenuo-sidecar anchors them on the task's scheduled_time), else
	 * around now.  Expiry and approvals are always checked at now.
	 */
	int			  has_pop_now;
	int64_t			  pop_now;
	/*
	 * 1: this very stack already passed tn_chain_verify() (e.g. a chain
	 * cache hit): the per-link rules, which depend on the warrants
	 * alone, are not re-checked.  Shape, cycles, depth, revocation,
	 * trusted root and time are checked as always.
	 */
	int			  links_verified;
};

/* Fills opts with defaults: tolerance 30 s, 5 PoP windows, depth 64. */
void	tn_verify_opts_init(struct tn_verify_opts *o);

struct tn_chain_result {
	size_t		chain_len;
	uint32_t	leaf_depth;
	uint8_t		root_issuer[TN_KEY_LEN];
	uint8_t		leaf_id[TN_ID_LEN];
	int64_t		pop_window;	/* window that verified (authorize) */
};

/*
 * Verifies the chain st (root -> leaf): not empty, at most max_depth + 1
 * long, no repeated warrant id (cycle), none revoked, root issued by a
 * trusted key, and every link: I1 issuer == parent holder, I5 parent hash,
 * I2 depth == parent depth + 1 and within both max_depths, I3 expiry not
 * after the parent's, type transitions (Execution->Execution,
 * Issuer->Issuer, Issuer->Execution with issuable_tools, constraint_bounds,
 * clearance and the self-issuance rule; Execution->Issuer refused), I4
 * tool and constraint attenuation, clearance monotonicity; and the time
 * rules above.  Signatures were checked when each warrant was decoded.
 * Returns TN_OK or one of the tn_err denial codes with a reason.
 */
int	tn_chain_verify(const struct tn_stack *st,
	    const struct tn_verify_opts *o, struct tn_chain_result *res,
	    struct tn_error *err) __attribute__((warn_unused_result));

/*
 * Checks that child is a valid attenuation of parent (one link, no
 * time checks): what tn_chain_verify() checks per link.  Used by minting
 * tools before they sign.
 */
int	tn_chain_check_link(const struct tn_warrant *parent,
	    const struct tn_warrant *child, struct tn_error *err);

struct tn_call {
	const char			*tool;
	size_t				 toollen;
	const struct tn_cbor_item	*args;	/* text-keyed map, or NULL */
	const uint8_t			*pop;	/* 64 bytes, or NULL: missing */
	const struct tn_approval_blob	*approvals;
	size_t				 napprovals;
};

/*
 * Authorizes call against st: tn_chain_verify(), then on the leaf: it must
 * be an Execution warrant not expired at now and name the tool (or "*");
 * the PoP must verify under the leaf holder within the configured windows;
 * the arguments must satisfy the tool's constraint set (closed world);
 * approvals are required when the leaf carries tenuo.approval_gates.
 * Returns TN_OK (allow) or the denial code with a reason.
 */
int	tn_authorize(const struct tn_stack *st, const struct tn_call *call,
	    const struct tn_verify_opts *o, struct tn_chain_result *res,
	    struct tn_error *err) __attribute__((warn_unused_result));

#endif /* TN_CHAIN_H */
