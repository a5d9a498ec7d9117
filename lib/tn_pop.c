/*
 * tn_pop.c: proof-of-possession challenges, signing and verification.
 */
#include <stdlib.h>
#include <string.h>

#include "tn_crypto.h"
#include "tn_pop.h"

/* PoP values nest (lists of objects...): bound the recursion. */
#define POP_VALUE_DEPTH	32

/* Rejects values deployed Tenuo cannot carry as PoP arguments. */
static int
pop_value_ok(const struct tn_cbor_item *v, size_t depth)
{
	const struct tn_cbor_item *e;

	if (depth == 0)
		return 0;
	switch (v->type) {
	case TN_CBOR_BYTES:
		return 0;
	case TN_CBOR_NINT:
	case TN_CBOR_UINT:
		/* ConstraintValue::Integer is an i64. */
		return v->v.u <= (uint64_t)INT64_MAX;
	case TN_CBOR_ARRAY:
	case TN_CBOR_MAP:
		e = v + 1;
		for (uint32_t i = 0; i < v->count; i++) {
			if (v->type == TN_CBOR_MAP) {
				if (e->type != TN_CBOR_TEXT)
					return 0;
				e = tn_cbor_next(e);
			}
			if (!pop_value_ok(e, depth - 1))
				return 0;
			e = tn_cbor_next(e);
		}
		return 1;
	default:
		return 1;
	}
}

struct arg {
	const struct tn_cbor_item *k;
	const struct tn_cbor_item *v;
};

static int
arg_cmp(const void *a, const void *b)
{
	return tn_cbor_text_cmp(((const struct arg *)a)->k,
	    ((const struct arg *)b)->k);
}

/* Writes [[name, value], ...] sorted by name bytes. */
static int
put_sorted_args(struct tn_buf *b, const struct tn_cbor_item *args,
    struct tn_error *err)
{
	const struct tn_cbor_item *k;
	struct arg *v;
	uint32_t n = args ? args->count : 0;

	if (args != NULL && args->type != TN_CBOR_MAP)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "PoP arguments must be a map");
	if ((v = calloc(n ? n : 1, sizeof(*v))) == NULL)
		return tn_fail(err, TN_ERR_NOMEM, "out of memory");
	k = args ? args + 1 : NULL;
	for (uint32_t i = 0; i < n; i++) {
		v[i].k = k;
		v[i].v = tn_cbor_next(k);
		if (k->type != TN_CBOR_TEXT ||
		    !pop_value_ok(v[i].v, POP_VALUE_DEPTH)) {
			free(v);
			return tn_fail(err, TN_ERR_MALFORMED,
			    "PoP argument %u has a name or value Tenuo cannot "
			    "sign (text names; string, integer, float, bool, "
			    "null, list or object values)", i);
		}
		k = tn_cbor_next(v[i].v);
	}
	qsort(v, n, sizeof(*v), arg_cmp);
	tn_cbor_put_array(b, n);
	for (uint32_t i = 0; i < n; i++) {
		tn_cbor_put_array(b, 2);
		tn_cbor_put_text(b, (const char *)v[i].k->v.s.p, v[i].k->v.s.n);
		(void)tn_cbor_put_canonical(b, v[i].v, POP_VALUE_DEPTH + 1);
	}
	free(v);
	return TN_OK;
}

int
tn_pop_challenge(struct tn_buf *b, const uint8_t id[TN_ID_LEN],
    const char *tool, size_t toollen, const struct tn_cbor_item *args,
    int64_t window_ts, struct tn_error *err)
{
	char hex[33];
	int rc;

	if (!tn_utf8_valid((const uint8_t *)tool, toollen))
		return tn_fail(err, TN_ERR_MALFORMED,
		    "tool name is not valid UTF-8");
	tn_warrant_id_hex(id, hex);
	tn_cbor_put_array(b, 4);
	tn_cbor_put_text(b, hex, 32);
	tn_cbor_put_text(b, tool, toollen);
	if ((rc = put_sorted_args(b, args, err)) != TN_OK)
		return rc;
	tn_cbor_put_int(b, window_ts);
	if ((rc = tn_buf_status(b)) != TN_OK)
		return tn_fail(err, rc, "cannot encode the PoP challenge (%s)",
		    tn_err_name(rc));
	return TN_OK;
}

/* The signed message: both context strings, then the challenge. */
static int
pop_message(struct tn_buf *b, const uint8_t id[TN_ID_LEN], const char *tool,
    size_t toollen, const struct tn_cbor_item *args, int64_t window_ts,
    struct tn_error *err)
{
	tn_buf_put(b, TN_CTX_WARRANT, sizeof(TN_CTX_WARRANT) - 1);
	tn_buf_put(b, TN_CTX_POP, sizeof(TN_CTX_POP) - 1);
	return tn_pop_challenge(b, id, tool, toollen, args, window_ts, err);
}

/* Floor division by the window, as Rust's `/` for the non-negative case. */
static int64_t
window_of(int64_t ts, int64_t offset)
{
	int64_t q = ts / TN_POP_WINDOW_SECS;

	return (q + offset) * TN_POP_WINDOW_SECS;
}

int
tn_pop_sign(const uint8_t sk[64], const uint8_t id[TN_ID_LEN],
    const char *tool, size_t toollen, const struct tn_cbor_item *args,
    int64_t ts, uint8_t sig[TN_SIG_LEN], struct tn_error *err)
{
	struct tn_buf b;
	int rc;

	tn_buf_init(&b, TN_MAX_WARRANT_BYTES * 4);
	rc = pop_message(&b, id, tool, toollen, args, window_of(ts, 0), err);
	if (rc == TN_OK && tn_ed25519_sign(sk, b.p, b.len, sig) != 0)
		rc = tn_fail(err, TN_ERR_INVALID_ARG, "signing failed");
	tn_buf_free(&b);
	return rc;
}

/*
 * The deployed order of windows: 0, -1, +1, -2, +2, ... for i in
 * 0..max_windows, skipping offsets beyond max_windows / 2.
 */
static int64_t
nth_offset(unsigned i)
{
	int64_t a = (int64_t)((i + 1) / 2);

	if (i == 0)
		return 0;
	return (i % 2 == 1) ? -a : a;
}

int
tn_pop_verify(const uint8_t holder[TN_KEY_LEN], const uint8_t id[TN_ID_LEN],
    const char *tool, size_t toollen, const struct tn_cbor_item *args,
    const uint8_t sig[TN_SIG_LEN], int64_t now, unsigned max_windows,
    int64_t *window_out, struct tn_error *err)
{
	int64_t half = (int64_t)(max_windows / 2);
	struct tn_buf b;
	size_t prefix;
	int rc;

	if (max_windows < TN_POP_MIN_WINDOWS || max_windows > TN_POP_MAX_WINDOWS)
		return tn_fail(err, TN_ERR_INVALID_ARG,
		    "pop max_windows %u out of range %u..%u", max_windows,
		    TN_POP_MIN_WINDOWS, TN_POP_MAX_WINDOWS);
	if (now < 0)
		return tn_fail(err, TN_ERR_INVALID_ARG, "negative time");
	tn_buf_init(&b, TN_MAX_WARRANT_BYTES * 4);
	/* Everything but the trailing window integer is the same each try. */
	rc = pop_message(&b, id, tool, toollen, args, 0, err);
	prefix = b.len - 1;	/* the window 0 encodes as one byte */
	for (unsigned i = 0; rc == TN_OK && i < max_windows; i++) {
		int64_t off = nth_offset(i), w;

		if (off > half || off < -half)
			continue;
		w = window_of(now, off);
		b.len = prefix;
		tn_cbor_put_int(&b, w);
		if ((rc = tn_buf_status(&b)) != TN_OK)
			break;
		if (tn_ed25519_verify(holder, b.p, b.len, sig) == TN_OK) {
			if (window_out != NULL)
				*window_out = w;
			tn_buf_free(&b);
			return TN_OK;
		}
	}
	tn_buf_free(&b);
	if (rc != TN_OK)
		return rc;
	return tn_fail(err, TN_ERR_POP_FAILED,
	    "proof-of-possession does not verify under the holder key in any "
	    "of %u windows around %lld", max_windows, (long long)now);
}
