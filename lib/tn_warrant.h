/*
 * tn_warrant.h: Tenuo SignedWarrant envelopes, payloads, WarrantStacks and
 * minting, byte-compatible with deployed Tenuo (tenuo-core).
 *
 * Envelope: CBOR [envelope_version = 1, payload: bytes, [alg = 1, sig: bytes(64)]].
 * The Ed25519 message is "tenuo-warrant-v1" || envelope_version || payload.
 * Decoding verifies that signature against the payload's issuer key before
 * the payload is interpreted: only a structural CBOR parse (bounded) runs on
 * unauthenticated bytes.  No clock is read: time checks live in tn_chain.
 */
#ifndef TN_WARRANT_H
#define TN_WARRANT_H

#include <stddef.h>
#include <stdint.h>

#include "tn_cbor.h"
#include "tn_err.h"

#define TN_KEY_LEN		32
#define TN_SIG_LEN		64
#define TN_ID_LEN		16
#define TN_HASH_LEN		32
/* "tnu_wrt_" + 32 hex + NUL */
#define TN_WARRANT_ID_STR_LEN	41

#define TN_MAX_WARRANT_BYTES	(64u * 1024u)
#define TN_MAX_STACK_BYTES	(256u * 1024u)
#define TN_MAX_CHAIN_DEPTH	64u
#define TN_MAX_TOOLS		256u
#define TN_MAX_CONSTRAINTS_PER_TOOL 64u
#define TN_MAX_EXTENSION_KEYS	64u
#define TN_MAX_EXTENSION_VALUE	(8u * 1024u)
#define TN_MAX_EXTENSION_KEY	255u
#define TN_MAX_TTL_SECS		7776000u	/* 90 days */
#define TN_CLOCK_TOLERANCE_SECS	30u

/* The fixed domain-separation prefix of every Tenuo signature. */
#define TN_CTX_WARRANT		"tenuo-warrant-v1"

enum tn_warrant_type {
	TN_WARRANT_EXECUTION = 0,
	TN_WARRANT_ISSUER = 1
};

/*
 * A decoded, signature-checked warrant.  All item pointers point into
 * `doc`, which points into `raw`; everything is owned by the warrant and
 * freed by tn_warrant_free().
 */
struct tn_warrant {
	uint8_t		*raw;		/* owned copy of the envelope bytes */
	size_t		 raw_len;
	const uint8_t	*payload;	/* inside raw */
	size_t		 payload_len;
	uint8_t		 envelope_version;
	uint8_t		 signature[TN_SIG_LEN];
	uint8_t		 payload_hash[TN_HASH_LEN];	/* SHA-256(payload) */
	struct tn_cbor_doc doc;		/* the decoded payload */

	uint8_t		 version;
	uint8_t		 id[TN_ID_LEN];
	enum tn_warrant_type type;
	const struct tn_cbor_item *tools;	/* map: tool -> constraint set */
	uint8_t		 holder[TN_KEY_LEN];
	uint8_t		 issuer[TN_KEY_LEN];
	uint64_t	 issued_at;
	uint64_t	 expires_at;
	uint32_t	 max_depth;
	uint32_t	 depth;
	int		 has_parent_hash;
	uint8_t		 parent_hash[TN_HASH_LEN];
	const struct tn_cbor_item *extensions;		/* map or NULL */
	const struct tn_cbor_item *issuable_tools;	/* array or NULL */
	int		 has_max_issue_depth;
	uint32_t	 max_issue_depth;
	const struct tn_cbor_item *constraint_bounds;	/* set or NULL */
	const struct tn_cbor_item *required_approvers;	/* array or NULL */
	int		 has_min_approvals;
	uint32_t	 min_approvals;
	int		 has_clearance;
	uint8_t		 clearance;
	int		 has_approval_gates;	/* tenuo.approval_gates present */
};

/*
 * Decodes one SignedWarrant from buf[0..len), verifies its signature
 * against the payload's issuer, then validates the payload (known keys
 * 0-11 and 13-18 only, types, sizes, limits, type consistency, constraint
 * shapes, reserved extension keys).  Returns TN_OK and *out (free with
 * tn_warrant_free()), or TN_ERR_MALFORMED, TN_ERR_SIGNATURE_INVALID,
 * TN_ERR_UNKNOWN_FIELD, TN_ERR_NOMEM; *out is NULL on failure.
 */
int	tn_warrant_decode(const uint8_t *buf, size_t len,
	    struct tn_warrant **out, struct tn_error *err)
	    __attribute__((warn_unused_result));
void	tn_warrant_free(struct tn_warrant *w);

/* "tnu_wrt_" + 32 lowercase hex digits, NUL-terminated. */
void	tn_warrant_id_str(const uint8_t id[TN_ID_LEN],
	    char out[TN_WARRANT_ID_STR_LEN]);
/* 32 lowercase hex digits of the id (the PoP form), NUL-terminated. */
void	tn_warrant_id_hex(const uint8_t id[TN_ID_LEN], char out[33]);

/* The constraint set for tool in w->tools, falling back to "*"; or NULL. */
const struct tn_cbor_item *tn_warrant_tool_set(const struct tn_warrant *w,
	    const char *tool, size_t toollen);

/* A WarrantStack: warrants root first, leaf last. */
struct tn_stack {
	struct tn_warrant	**w;	/* owned */
	size_t			  n;
};

/*
 * Decodes either a WarrantStack (CBOR array of envelopes, root -> leaf,
 * at most TN_MAX_CHAIN_DEPTH elements, at most TN_MAX_STACK_BYTES) or a
 * single SignedWarrant (a stack of one), told apart by the major type of
 * the first element.  Each element is decoded with tn_warrant_decode().
 */
int	tn_stack_decode(const uint8_t *buf, size_t len, struct tn_stack **out,
	    struct tn_error *err) __attribute__((warn_unused_result));
void	tn_stack_free(struct tn_stack *st);
/* Encodes the stack as a CBOR array of the original envelopes. */
int	tn_stack_encode(const struct tn_stack *st, uint8_t **out,
	    size_t *outlen, struct tn_error *err);
/* Appends w (ownership passes to st on success). */
int	tn_stack_push(struct tn_stack *st, struct tn_warrant *w,
	    struct tn_error *err);
const struct tn_warrant *tn_stack_leaf(const struct tn_stack *st);

/* ---------------------------------------------------------------- minting */

struct tn_mint_tool {
	const char	*name;
	const uint8_t	*cset;		/* encoded constraint set */
	size_t		 cset_len;
};

struct tn_mint_ext {
	const char	*key;
	const uint8_t	*value;		/* written as an array of uints (D3) */
	size_t		 len;
};

struct tn_mint {
	enum tn_warrant_type	 type;
	uint8_t			 id[TN_ID_LEN];
	uint8_t			 holder[TN_KEY_LEN];
	uint64_t		 issued_at;
	uint64_t		 expires_at;
	uint32_t		 max_depth;
	uint32_t		 depth;
	const uint8_t		*parent_hash;	/* NULL for a root */
	const struct tn_mint_tool *tools;	/* any order; sorted when written */
	size_t			 ntools;
	const struct tn_mint_ext *exts;
	size_t			 nexts;
	const char *const	*issuable_tools;	/* written as given */
	size_t			 nissuable;
	int			 has_max_issue_depth;
	uint32_t		 max_issue_depth;
	const uint8_t		*constraint_bounds;	/* encoded set or NULL */
	size_t			 constraint_bounds_len;
	const uint8_t		(*approvers)[TN_KEY_LEN];	/* as given */
	size_t			 napprovers;
	int			 has_min_approvals;
	uint32_t		 min_approvals;
	int			 has_clearance;
	uint8_t			 clearance;
};

/*
 * Encodes the payload as deployed Tenuo does (keys in numeric order,
 * optional keys omitted, name-keyed maps sorted by UTF-8 bytes) into *out.
 * Lists (issuable_tools, approvers) are written in the order given: the
 * deployed builder sorts them first (tenuoctl does too), the published
 * vectors do not always (A.18).
 * (malloc'd, caller frees).  Validates the builder rules (type
 * consistency, limits, TTL at most 90 days, max_depth at most 64).
 */
int	tn_warrant_payload_encode(const struct tn_mint *m,
	    const uint8_t issuer[TN_KEY_LEN], uint8_t **out, size_t *outlen,
	    struct tn_error *err);
/*
 * Signs payload with sk (libsodium layout: seed || public key) and returns
 * the envelope in *out (malloc'd, caller frees).
 */
int	tn_warrant_seal(const uint8_t *payload, size_t len,
	    const uint8_t sk[64], uint8_t **out, size_t *outlen,
	    struct tn_error *err);
/* tn_warrant_payload_encode() then tn_warrant_seal(). */
int	tn_warrant_mint(const struct tn_mint *m, const uint8_t sk[64],
	    uint8_t **out, size_t *outlen, struct tn_error *err);

/*
 * Encodes a constraint set {"constraints": {...}, "allow_unknown": true?}
 * from (argument name, encoded constraint) pairs in any order.
 */
struct tn_cset_entry {
	const char	*arg;
	const uint8_t	*constraint;
	size_t		 len;
};
void	tn_cset_encode(struct tn_buf *b, const struct tn_cset_entry *e,
	    size_t n, int allow_unknown);

/* Ed25519 public key helpers: [1, bytes(32)] items. */
int	tn_pubkey_from_item(const struct tn_cbor_item *it,
	    uint8_t out[TN_KEY_LEN]);
void	tn_pubkey_put(struct tn_buf *b, const uint8_t key[TN_KEY_LEN]);

#endif /* TN_WARRANT_H */
