/*
 * tn_args.h: a Temporal activity task's input payloads and its
 * x-tenuo-arg-keys header, turned into the PoP argument map exactly as
 * Tenuo's Python signer (tenuo-python/tenuo/temporal/_pop.py,
 * _interceptors.py; tenuo-core py_to_constraint_value) built it before it
 * signed, assuming Temporal's default data converter and no payload codec.
 *
 * Names: the header is the UTF-8 text ",".join(names) the signer wrote;
 * payload i is named names[i], or "arg<i>" beyond the list (as Tenuo's
 * verifier does).  A name given twice keeps the later payload (a Python
 * dict).  Without the header every payload is "arg<i>".
 *
 * Values, by the payload's metadata "encoding":
 *   binary/plain  the signer had bytes: standard base64 with padding, text.
 *   binary/null   None: the signer cannot sign it; refused.
 *   json/plain    parsed as Python's json.loads reads it (tn_json.h), then
 *     string        text
 *     true/false    bool
 *     integer       int if within int64, else the nearest double (Python's
 *                   float(int)); beyond the double range refused (the
 *                   signer raises OverflowError)
 *     float         double (NaN and +-Infinity included), CBOR shortest form
 *     null          refused (None)
 *     object        text: json.dumps(obj, sort_keys=True,
 *                   ensure_ascii=False) with the payload's member order
 *                   (Temporal's encoder already sorted it the same way),
 *                   ", " and ": " separators, floats as Python's repr, a
 *                   repeated key once at its first place with its last value
 *     array         Tenuo's list rule: each element normalized (objects
 *                   become text, arrays recursively); if every result is a
 *                   scalar or text the array stays an array (null inside
 *                   refused), otherwise the whole array becomes the
 *                   json.dumps text of the normalized elements.  Elements
 *                   nested in more than 32 arrays are refused (Tenuo's
 *                   limit).
 *   anything else (json/protobuf, binary/protobuf, codec encodings such as
 *   binary/encrypted or compressed payloads, a missing encoding): refused
 *   with a reason naming the encoding, since the value Tenuo signed cannot
 *   be reproduced from it.
 *
 * The result is a CBOR map (text name -> value) with the keys sorted by
 * their bytes, ready for tn_pop_verify() and tn_constraint_set_check().
 * Refusals return TN_ERR_MALFORMED with a reason that names the argument by
 * position and never contains argument values.
 */
#ifndef TN_ARGS_H
#define TN_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "tn_cbor.h"
#include "tn_err.h"

/* Tenuo's _POP_NORMALIZE_MAX_DEPTH: list nesting the signer accepts. */
#define TN_ARGS_PY_LIST_DEPTH		32u

#define TN_ARGS_DEFAULT_MAX_PAYLOADS	64u
#define TN_ARGS_DEFAULT_MAX_PAYLOAD	(256u * 1024u)
#define TN_ARGS_DEFAULT_MAX_TOTAL	(1024u * 1024u)
#define TN_ARGS_DEFAULT_MAX_DEPTH	64u
#define TN_ARGS_DEFAULT_MAX_OUT		(1024u * 1024u)
#define TN_ARGS_DEFAULT_MAX_KEYS	4096u

struct tn_args_limits {
	size_t	max_payloads;		/* input payloads */
	size_t	max_payload_bytes;	/* data of one payload */
	size_t	max_total_bytes;	/* data of all payloads */
	size_t	max_depth;		/* JSON nesting (root is 1), <= 1024 */
	size_t	max_out_bytes;		/* the CBOR map, and each text value */
	size_t	max_keys_bytes;		/* the x-tenuo-arg-keys value */
};

/* One input payload: its metadata["encoding"] (NULL when absent) and data. */
struct tn_args_payload {
	const uint8_t	*encoding;
	size_t		 encoding_len;
	const uint8_t	*data;
	size_t		 data_len;
};

struct tn_args {
	uint8_t			*cbor;	/* owned: the CBOR map */
	size_t			 len;
	struct tn_cbor_doc	 doc;	/* view of cbor; doc.items[0] is the map */
	size_t			 nargs;	/* pairs in the map */
};

/* Fills *lim with the TN_ARGS_DEFAULT_* values. */
void	tn_args_limits_default(struct tn_args_limits *lim);

/*
 * Builds the argument map for payloads pl[0..npl) and the raw value of the
 * x-tenuo-arg-keys header (keys == NULL when the header is absent; an empty
 * value is keys != NULL with keys_len 0).  lim may be NULL for defaults.
 *
 * On success fills *out (free with tn_args_free()) and returns TN_OK.  On
 * failure *out is zeroed and the return is TN_ERR_MALFORMED (a payload or
 * the header cannot be matched to what Tenuo signed, or exceeds a limit;
 * err says which and why), TN_ERR_NOMEM, or TN_ERR_INVALID_ARG.
 */
int	tn_args_normalize(const struct tn_args_payload *pl, size_t npl,
	    const uint8_t *keys, size_t keys_len,
	    const struct tn_args_limits *lim, struct tn_args *out,
	    struct tn_error *err) __attribute__((warn_unused_result));
void	tn_args_free(struct tn_args *a);

#endif /* TN_ARGS_H */
