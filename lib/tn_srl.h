/*
 * tn_srl.h: Tenuo signed revocation lists (SRL).
 *
 * An SRL is a CBOR map {"payload": P, "signature": S}.  P is a map whose
 * keys are, in this order (serde field-declaration order, D4):
 *   "revoked_ids"  array of text warrant ids
 *   "version"      uint, monotonic (anti-rollback)
 *   "issued_at"    the issue time
 *   "issuer"       the control-plane key
 * Two encodings of P and S exist and both are accepted:
 *
 *   TN_SRL_FORM_SPEC      test vector A.22.b (tenuo-core's
 *                         generate_test_vectors.rs): issued_at a uint (Unix
 *                         seconds), issuer an array of 32 uints (serde
 *                         [u8; 32], D3), S = bytes(64).
 *   TN_SRL_FORM_DEPLOYED  what tenuo-core's SignedRevocationList writes and
 *                         what its authorizer reads (revocation.rs, fetched
 *                         by heartbeat.rs): issued_at an RFC 3339 text as
 *                         chrono writes a DateTime<Utc>
 *                         ("YYYY-MM-DDTHH:MM:SS[.fff|.ffffff|.fffffffff]Z",
 *                         fraction only when non-zero, shortest of 3/6/9
 *                         digits), issuer [1, bytes(32)], S = [1, bytes(64)].
 *
 * The Ed25519 message is "tenuo-warrant-v1" || "tenuo-srl-v1" || P's
 * encoded bytes as they appear on the wire; the key is the control-plane
 * key given by the caller, and P's issuer must equal it.
 */
#ifndef TN_SRL_H
#define TN_SRL_H

#include <stddef.h>
#include <stdint.h>

#include "tn_err.h"
#include "tn_warrant.h"

#define TN_CTX_SRL		"tenuo-srl-v1"
#define TN_MAX_SRL_BYTES	(4u * 1024u * 1024u)
/*
 * Entries in revoked_ids.  The shortest spelling of an id (32 bare hex
 * digits) takes 34 bytes, so no list of real ids that fits in
 * TN_MAX_SRL_BYTES reaches this; it bounds lists padded with short junk.
 */
#define TN_MAX_SRL_IDS		(1u << 17)

enum tn_srl_form {
	TN_SRL_FORM_SPEC = 0,
	TN_SRL_FORM_DEPLOYED = 1
};

/* A verified list: the revoked warrant ids as 16-byte ids, sorted. */
struct tn_srl {
	uint64_t	  version;
	uint64_t	  issued_at;		/* Unix seconds */
	uint32_t	  issued_at_nanos;	/* deployed form; else 0 */
	enum tn_srl_form  form;
	uint8_t		  issuer[TN_KEY_LEN];
	uint8_t		(*ids)[TN_ID_LEN];	/* owned; sorted, unique */
	size_t		  nids;
	size_t		  nskipped;	/* entries that spell no warrant id */
};

/*
 * Parses one warrant id written as "tnu_wrt_" + 32 hex digits, as 32 bare
 * hex digits, or as a dashed UUID (8-4-4-4-12); hex digits in either case.
 * Returns 0 and the 16 bytes in out, or -1 (out zeroed).
 */
int	tn_srl_parse_id(const char *s, size_t n, uint8_t out[TN_ID_LEN]);

/*
 * Decodes and verifies an SRL against the control-plane key cp_key, in
 * this order: bounded structural CBOR parse; signature over the raw
 * payload bytes under cp_key; then the payload, which must hold exactly
 * the four keys above, in that order, encoded in the same form as the
 * signature (deployed Tenuo verifies over its own re-serialization of the
 * payload, so no other layout can carry a signature it accepts); issuer ==
 * cp_key; version >= min_version (anti-rollback; pass 0 for the first
 * load).  Unknown keys of the outer map are ignored, as serde does (they
 * are not signed and not used).
 *
 * Entries of revoked_ids that are text but spell no warrant id (see
 * tn_srl_parse_id) are skipped and counted in nskipped: deployed Tenuo
 * compares the strings with "tnu_wrt_<32 lowercase hex>", so such an entry
 * revokes nothing there either, and refusing the whole signed list would
 * instead leave every other entry unrevoked.  Duplicates are merged.
 *
 * Returns TN_OK and *out (free with tn_srl_free()); else *out = NULL and
 * TN_ERR_MALFORMED (undecodable, wrong shape, too large, or version <
 * min_version: the reason says "rollback"), TN_ERR_SIGNATURE_INVALID (bad
 * signature, or issuer is not cp_key), TN_ERR_NOMEM or TN_ERR_INVALID_ARG.
 */
int	tn_srl_decode(const uint8_t *buf, size_t len,
	    const uint8_t cp_key[TN_KEY_LEN], uint64_t min_version,
	    struct tn_srl **out, struct tn_error *err)
	    __attribute__((warn_unused_result));
void	tn_srl_free(struct tn_srl *srl);
/* 1 if id is revoked by srl (srl may be NULL: nothing is revoked).  O(log n). */
int	tn_srl_is_revoked(const struct tn_srl *srl, const uint8_t id[TN_ID_LEN]);

/*
 * Builds and signs an SRL in the spec form (A.22.b) with sk (seed ||
 * public key; the issuer is the public half).  ids are written
 * "tnu_wrt_<lowercase hex>" in the order given.  On success *out is
 * malloc'd (caller frees); on failure *out = NULL, *outlen = 0.  Returns
 * TN_OK, TN_ERR_MALFORMED (too large), TN_ERR_NOMEM or TN_ERR_INVALID_ARG.
 */
int	tn_srl_encode(const uint8_t (*ids)[TN_ID_LEN], size_t nids,
	    uint64_t version, uint64_t issued_at, const uint8_t sk[64],
	    uint8_t **out, size_t *outlen, struct tn_error *err);

/*
 * The general builder: either form, revoked_ids written verbatim from the
 * NUL-terminated strings ids[0..nids) (each valid UTF-8).  issued_at_nanos
 * (< 10^9) is used by the deployed form only.  Same returns as above.
 */
int	tn_srl_encode_text(enum tn_srl_form form, const char *const *ids,
	    size_t nids, uint64_t version, uint64_t issued_at,
	    uint32_t issued_at_nanos, const uint8_t sk[64], uint8_t **out,
	    size_t *outlen, struct tn_error *err);

#endif /* TN_SRL_H */
