/*
 * tn_approval.h: Tenuo multi-signature approvals (SignedApproval).
 *
 * Envelope: a CBOR map with text keys, in this order when written:
 *   "approval_version"  uint (u8), must be 1
 *   "payload"           bytes: the encoded ApprovalPayload (signed)
 *   "approver_key"      the approver's Ed25519 key (not signed)
 *   "signature"         Ed25519 signature
 * Payload: a CBOR map with text keys, in this order when written:
 *   "version" uint (u8, must be 1), "request_hash" 32 bytes, "nonce" 16
 *   bytes, "external_id" text, "approved_at" uint, "expires_at" uint,
 *   "extensions"? map text -> byte string (omitted when absent).
 * The Ed25519 message is
 *   "tenuo-warrant-v1" || "tenuo-approval-v1" || approval_version (1 byte)
 *   || payload bytes as they appear in the envelope.
 *
 * Two encodings exist and both are accepted:
 *   TN_APPROVAL_FORM_SPEC      test vector A.24 (generate_test_vectors.rs):
 *                              approver_key bytes(32), signature bytes(64),
 *                              request_hash bytes(32), nonce bytes(16).
 *   TN_APPROVAL_FORM_DEPLOYED  tenuo-core approval.rs SignedApproval:
 *                              approver_key [1, bytes(32)], signature
 *                              [1, bytes(64)], request_hash and nonce arrays
 *                              of uints (serde [u8; N], D3).
 * Deployed Tenuo reads request_hash, nonce and extension values either way
 * (ciborium reads a byte string as a sequence), ignores unknown keys of
 * both maps (no deny_unknown_fields), and checks the signature over the raw
 * payload bytes, so a key-by-key tolerant reading is safe here; the
 * approver key and signature take exactly the two shapes above.
 *
 * Request hash (deployed compute_request_hash, approval.rs):
 *   SHA-256( CBOR array(4) [ text "tnu_wrt_<32 lowercase hex>",
 *                            text tool,
 *                            bytes ARGS,
 *                            bytes(32) leaf holder key ] )
 * ARGS (canonical_tool_args_cbor) is ciborium's encoding of the call's
 * arguments as a BTreeMap<String, ConstraintValue>: a map (a0 when there
 * are none) whose text keys are sorted by their UTF-8 bytes (a prefix sorts
 * first), values written as serde's untagged ConstraintValue writes them:
 *   text -> text; integer in i64 -> the same integer (minimal head);
 *   unsigned integer above 2^63-1 -> float (it deserializes as Float);
 *   float -> the shortest of f16/f32/f64 that holds it exactly (D5);
 *   true/false/null -> themselves; array -> array of converted values;
 *   map -> map with text keys sorted as above, values converted;
 *   byte string -> text if it is valid UTF-8 (serde's String accepts
 *   bytes), else refused; negative integer below -2^63 and non-text map
 *   keys -> refused (deployed cannot deserialize them).
 * Note: the request_hash of vector A.24 is NOT computed this way; the
 * vector generator hashed the bare concatenation
 *   "tnu_wrt_<hex>" || tool || "path=/data/sensitive.txt" || holder.
 */
#ifndef TN_APPROVAL_H
#define TN_APPROVAL_H

#include <stddef.h>
#include <stdint.h>

#include "tn_cbor.h"
#include "tn_err.h"
#include "tn_warrant.h"

#define TN_CTX_APPROVAL		"tenuo-approval-v1"
/* One encoded SignedApproval; deployed approvals are about 330 bytes. */
#define TN_MAX_APPROVAL_BYTES	(16u * 1024u)
/* approved_at may be at most this far ahead of now (deployed
 * CLOCK_SKEW_TOLERANCE_SECS, fixed; independent of the caller's
 * tolerance, which applies to expiry). */
#define TN_APPROVAL_SKEW_SECS	30u

enum tn_approval_form {
	TN_APPROVAL_FORM_SPEC = 0,
	TN_APPROVAL_FORM_DEPLOYED = 1
};

/*
 * Appends ARGS (above) for the argument map args (NULL: no arguments) to
 * b.  Returns TN_OK, TN_ERR_MALFORMED (args not a map, or a value deployed
 * Tenuo cannot take), TN_ERR_NOMEM.
 */
int	tn_approval_args_cbor(struct tn_buf *b, const struct tn_cbor_item *args,
	    struct tn_error *err);

/*
 * Computes the request hash binding an approval to one call (above).
 * tool must be valid UTF-8.  Returns TN_OK, TN_ERR_MALFORMED,
 * TN_ERR_NOMEM or TN_ERR_INVALID_ARG; out is zeroed on failure.
 */
int	tn_approval_request_hash(const uint8_t id[TN_ID_LEN], const char *tool,
	    size_t toollen, const struct tn_cbor_item *args,
	    const uint8_t holder[TN_KEY_LEN], uint8_t out[TN_HASH_LEN],
	    struct tn_error *err);

struct tn_approval_blob {
	const uint8_t	*p;
	size_t		 n;
};

/* A structurally decoded envelope; nothing verified yet. */
struct tn_approval {
	uint8_t		 approval_version;
	const uint8_t	*payload;	/* borrowed from the decoded buffer */
	size_t		 payload_len;
	uint8_t		 approver_key[TN_KEY_LEN];
	uint8_t		 signature[TN_SIG_LEN];
};

/*
 * Decodes one SignedApproval envelope (at most TN_MAX_APPROVAL_BYTES).
 * a->payload points into buf.  Returns TN_OK, TN_ERR_MALFORMED,
 * TN_ERR_NOMEM or TN_ERR_INVALID_ARG (a zeroed on failure).
 */
int	tn_approval_parse(const uint8_t *buf, size_t len, struct tn_approval *a,
	    struct tn_error *err) __attribute__((warn_unused_result));

/* A verified payload.  external_id borrows the envelope's buffer. */
struct tn_approval_payload {
	uint8_t		 version;
	uint8_t		 request_hash[TN_HASH_LEN];
	uint8_t		 nonce[16];
	const uint8_t	*external_id;	/* UTF-8, not NUL-terminated */
	size_t		 external_id_len;
	uint64_t	 approved_at;
	uint64_t	 expires_at;
};

/*
 * SignedApproval::verify as deployed: approval_version == 1; the signature
 * under a->approver_key; then the payload decodes, its version is 1,
 * approved_at <= now + TN_APPROVAL_SKEW_SECS and expires_at > approved_at.
 * Expiry against now is not checked here (tn_approval_check does it).
 * Returns TN_OK and *p, or TN_ERR_SIGNATURE_INVALID (bad version or
 * signature) or TN_ERR_MALFORMED (payload) with p zeroed; TN_ERR_NOMEM.
 */
int	tn_approval_verify(const struct tn_approval *a, int64_t now,
	    struct tn_approval_payload *p, struct tn_error *err)
	    __attribute__((warn_unused_result));

/*
 * Checks approvals for the call (leaf, tool, args) at time now, as
 * deployed verify_approvals_with_tolerance (planes.rs) does:
 *   - no required_approvers (absent or empty), or a threshold of 0:
 *     TN_OK at once;
 *   - threshold = min(min_approvals, |approvers|), or |approvers| when
 *     min_approvals is absent (|approvers| counts the array as written);
 *   - more than 2 x |approvers| approvals: refused before any work;
 *   - every blob must decode as an envelope (deployed refuses the whole
 *     approvals header otherwise): TN_ERR_MALFORMED;
 *   - then in order, each approval is rejected as "invalid signature"
 *     (tn_approval_verify fails), "untrusted" (key not in the leaf's
 *     required_approvers), "duplicate" (an approval by the same key was
 *     already counted valid), "expired" (expires_at + tolerance_secs <
 *     now), or "hash mismatch" (request_hash is not the call's); else it
 *     counts, and TN_OK is returned as soon as threshold are counted
 *     (later blobs are not looked at).
 * On failure the reason reads, as deployed, "insufficient approvals:
 * required T, received V [rejected: 1 expired, ...]" or, for one approval
 * against a threshold of 1, the single cause.  Returns TN_OK,
 * TN_ERR_CONSTRAINT_NOT_SATISFIED, TN_ERR_MALFORMED, TN_ERR_NOMEM or
 * TN_ERR_INVALID_ARG.  *nvalid (if not NULL) receives the number of valid
 * approvals counted.
 */
int	tn_approval_check(const struct tn_warrant *leaf, const char *tool,
	    size_t toollen, const struct tn_cbor_item *args,
	    const struct tn_approval_blob *approvals, size_t napprovals,
	    int64_t now, uint32_t tolerance_secs, size_t *nvalid,
	    struct tn_error *err) __attribute__((warn_unused_result));

/*
 * Wraps payload[0..len) in an envelope signed by sk (seed || public key),
 * with approval_version 1, in the given form.  For tests and tools; the
 * payload is not checked.  *out is malloc'd (caller frees).
 */
int	tn_approval_seal(enum tn_approval_form form, const uint8_t *payload,
	    size_t len, const uint8_t sk[64], uint8_t **out, size_t *outlen,
	    struct tn_error *err);

/*
 * Builds the payload (no extensions) in the given form and seals it.
 * external_id is NUL-terminated UTF-8.
 */
int	tn_approval_encode_form(enum tn_approval_form form,
	    const uint8_t request_hash[TN_HASH_LEN], const uint8_t nonce[16],
	    const char *external_id, uint64_t approved_at, uint64_t expires_at,
	    const uint8_t sk[64], uint8_t **out, size_t *outlen,
	    struct tn_error *err);

/* tn_approval_encode_form() in the spec form (A.24 byte for byte). */
int	tn_approval_encode(const uint8_t request_hash[TN_HASH_LEN],
	    const uint8_t nonce[16], const char *external_id,
	    uint64_t approved_at, uint64_t expires_at, const uint8_t sk[64],
	    uint8_t **out, size_t *outlen, struct tn_error *err);

#endif /* TN_APPROVAL_H */
