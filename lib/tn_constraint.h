/*
 * tn_constraint.h: Tenuo constraints and constraint sets, evaluated and
 * compared directly on decoded CBOR items (zero-copy).
 *
 * Wire shapes (deployed tenuo-core, see the errata): a constraint is the
 * array [type_id, value]; struct-like values are maps with text keys.
 *   [1,  {"value": v}]                          Exact
 *   [2,  {"pattern": text}]                     Pattern (glob, tn_glob.h)
 *   [3,  {"min": f|null, "max": f|null, "min_inclusive": bool,
 *         "max_inclusive": bool}]               Range
 *   [4,  {"values": [v...]}]                    OneOf
 *   [7,  {"excluded": [v...]}]                  NotOneOf
 *   [8,  "10.0.0.0/8"]                          Cidr
 *   [10, {"required": [v...]}]                  Contains
 *   [11, {"allowed": [v...]}]                   Subset
 *   [12, {"constraints": [c...]}]               All
 *   [13, {"constraints": [c...]}]               Any
 *   [14, {"constraint": c}]                     Not
 *   [5,  {"pattern": text}]                     Regex (tn_regex.h)
 *   [9,  "https://api.example.com/v1/"]         UrlPattern (tn_url.h)
 *   [15, {"expression": text, "parent_expression": text?}]  Cel (tn_cel.h)
 *   [16, null]                                  Wildcard
 *   [17, {"root": text, "case_sensitive": bool, "allow_equal": bool}]
 *   [18, {"schemes": [text], "allow_domains": [text]|null,
 *         "deny_domains": [text]|null, "allow_ports": [u16]|null,
 *         "block_private": bool, "block_loopback": bool,
 *         "block_metadata": bool, "block_reserved": bool,
 *         "block_internal_tlds": bool}]          UrlSafe (tn_url.h)
 *   [128, {"allow": [text]}]                    Shlex (tn_shlex.h)
 * A constraint set is {"constraints": {name: c, ...}, "allow_unknown": true}
 * with allow_unknown omitted when false.
 *
 * Values follow deployed ConstraintValue: text (or a byte string holding
 * valid UTF-8, which deployed reads as a string), integers within int64,
 * floats (an unsigned integer above INT64_MAX reads as a float), booleans,
 * null, arrays, and maps with text keys (compared without regard to key
 * order).  Equality is typed: "100" != 100 and 1 != 1.0.  Anything else
 * (bytes that are not UTF-8, integers below INT64_MIN, maps with non-text
 * keys) is not a value: constraints holding one are malformed and
 * arguments holding one satisfy no constraint.
 *
 * Every function takes items from tn_cbor_decode(); they never modify or
 * retain them.  Evaluation and attenuation validate their inputs first, so
 * malformed items are denied, never trusted.  Reasons name the argument and
 * the constraint type, never values.
 */
#ifndef TN_CONSTRAINT_H
#define TN_CONSTRAINT_H

#include <stddef.h>
#include <stdint.h>

#include "tn_cbor.h"
#include "tn_err.h"

enum tn_constraint_type {
	TN_C_EXACT = 1,
	TN_C_PATTERN = 2,
	TN_C_RANGE = 3,
	TN_C_ONE_OF = 4,
	TN_C_REGEX = 5,
	/* 6 is reserved (IntRange): treated as unknown */
	TN_C_NOT_ONE_OF = 7,
	TN_C_CIDR = 8,
	TN_C_URL_PATTERN = 9,
	TN_C_CONTAINS = 10,
	TN_C_SUBSET = 11,
	TN_C_ALL = 12,
	TN_C_ANY = 13,
	TN_C_NOT = 14,
	TN_C_CEL = 15,
	TN_C_WILDCARD = 16,
	TN_C_SUBPATH = 17,
	TN_C_URL_SAFE = 18,
	TN_C_SHLEX = 128
};

/* Composite constraints (All, Any, Not) nest at most this deep. */
#define TN_CONSTRAINT_MAX_DEPTH	32u

/* "Exact", "Regex", ... or "Unknown" for ids outside the table. */
const char	*tn_constraint_type_name(uint64_t type_id);

/*
 * 1 if this verifier evaluates the type (every known type: 1-5, 7-18 and
 * 128), else 0.  Unknown types are accepted by validation as opaque but
 * deny at evaluation and never attenuate.
 */
int	tn_constraint_type_supported(uint64_t type_id);

/*
 * Structural validation of one constraint as deployed tenuo-core decodes
 * it: known types must have their deployed shape (required fields with the
 * right types; optional fields may be absent; unknown fields are ignored,
 * as serde does); unknown type ids (0..255 outside the table, and 6) are
 * accepted as opaque when their payload is absent, a byte string or an
 * array of byte-sized integers.  Composite nesting is limited to
 * TN_CONSTRAINT_MAX_DEPTH.  Returns TN_OK or TN_ERR_MALFORMED.
 */
int	tn_constraint_validate(const struct tn_cbor_item *c,
	    struct tn_error *err) __attribute__((warn_unused_result));
/* The same for a whole constraint set.  TN_OK or TN_ERR_MALFORMED. */
int	tn_constraint_set_validate(const struct tn_cbor_item *cset,
	    struct tn_error *err) __attribute__((warn_unused_result));

/*
 * What evaluation may need from the caller.  The library reads no clock:
 * Cel's time functions use now (seconds since the epoch) when have_now is
 * set and are an error (deny) otherwise.  A NULL context means "no clock".
 */
struct tn_constraint_ctx {
	int	have_now;
	int64_t	now;
};

/*
 * TN_OK if value v satisfies constraint c.  TN_ERR_CONSTRAINT_NOT_SATISFIED
 * if not, and also when c is malformed, of an unsupported or unknown type,
 * or v is not a Tenuo value (fail closed).  TN_ERR_NOMEM on allocation
 * failure (deny as well).
 */
int	tn_constraint_check(const struct tn_cbor_item *c,
	    const struct tn_cbor_item *v, struct tn_error *err)
	    __attribute__((warn_unused_result));

/*
 * Checks an argument map (text name -> value) against a constraint set,
 * as deployed: an empty set allows any arguments; otherwise, unless
 * allow_unknown is set, every argument must be declared; every declared
 * argument must be present (a missing one is denied, even under Wildcard)
 * and satisfy its constraint.  TN_OK, TN_ERR_CONSTRAINT_NOT_SATISFIED or
 * TN_ERR_NOMEM.
 */
int	tn_constraint_set_check(const struct tn_cbor_item *cset,
	    const struct tn_cbor_item *args, struct tn_error *err)
	    __attribute__((warn_unused_result));

/* The same two checks with a caller context (may be NULL). */
int	tn_constraint_check_ctx(const struct tn_cbor_item *c,
	    const struct tn_cbor_item *v, const struct tn_constraint_ctx *ctx,
	    struct tn_error *err) __attribute__((warn_unused_result));
int	tn_constraint_set_check_ctx(const struct tn_cbor_item *cset,
	    const struct tn_cbor_item *args,
	    const struct tn_constraint_ctx *ctx, struct tn_error *err)
	    __attribute__((warn_unused_result));

/*
 * TN_OK if child accepts no value that parent rejects, by the normative
 * matrix as deployed: Wildcard -> anything; nothing -> Wildcard; Exact ->
 * equal Exact; Pattern -> Pattern (prefix/suffix/complex rules) or Exact;
 * OneOf -> OneOf subset or Exact member; Range -> narrower Range or Exact
 * inside; Subpath -> Subpath under the root or Exact inside; NotOneOf ->
 * NotOneOf with more exclusions; Cidr -> subnet Cidr or Exact address;
 * Contains -> more requirements; Subset -> fewer allowed; All -> All
 * keeping every clause; Any -> Any whose every branch is covered; Not ->
 * Not of a wider inner constraint; Regex -> identical Regex or Exact
 * matching; UrlPattern -> narrower UrlPattern or Exact matching; UrlSafe
 * -> UrlSafe at least as strict (field rules) or Exact safe URL; Shlex ->
 * Shlex allowing fewer programs or Exact allowed command; Cel -> Cel
 * "(parent) && (extra)".  Every other pair, and every unknown or
 * unsupported type (even an identical copy), is TN_ERR_ATTENUATION_INVALID.
 * Where deployed is unsound this is stricter (see tn_constraint.c).
 */
int	tn_constraint_attenuates(const struct tn_cbor_item *parent,
	    const struct tn_cbor_item *child, struct tn_error *err)
	    __attribute__((warn_unused_result));

/*
 * Constraint-set attenuation as deployed: the child may not enable
 * allow_unknown when the parent has it off; every argument the parent
 * constrains must be constrained by the child with a valid attenuation;
 * when the parent's map is non-empty the child may not add arguments (when
 * it is empty, any may be added).  TN_OK or TN_ERR_ATTENUATION_INVALID
 * (TN_ERR_NOMEM possible).
 */
int	tn_constraint_set_attenuates(const struct tn_cbor_item *parent_set,
	    const struct tn_cbor_item *child_set, struct tn_error *err)
	    __attribute__((warn_unused_result));

/*
 * Deployed Subpath lexical normalization of path[0..n) into out (capacity
 * at least n + 1 bytes); returns the output length.  `.` and empty
 * components vanish, `..` pops (never above the root), `/` and `\` both
 * separate, a leading `/` or drive (`C:`, `C:\`) is kept.
 */
size_t	tn_subpath_normalize(const uint8_t *path, size_t n, uint8_t *out);
/* 1 if path is absolute in the deployed sense ("/..." or "C:\"/"C:/"). */
int	tn_subpath_is_absolute(const uint8_t *path, size_t n);

/*
 * Deployed IpAddr / IpNetwork parsing, for Cel's net_in_cidr: 1 if ip is
 * inside cidr, 0 if not (or of the other family), -1 if either does not
 * parse.
 */
int	tn_constraint_ip_in_cidr(const uint8_t *ip, size_t ipn,
	    const uint8_t *cidr, size_t cidrn);
/* Cel's net_is_private: RFC 1918 IPv4, fc00::/7 IPv6; -1 not an IP. */
int	tn_constraint_ip_is_private(const uint8_t *ip, size_t n);

#endif /* TN_CONSTRAINT_H */
