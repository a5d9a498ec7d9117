/*
 * ctl_json.c: JSON <-> CBOR for PoP arguments (--args) and for inspect.
 *
 * JSON -> CBOR keeps every value's type: integers stay integers, reals
 * stay floats (written in the shortest form that round-trips), so `1.0`
 * is a float and `1` an integer.  Object keys are sorted by their UTF-8
 * bytes, as deployed Tenuo writes name-keyed maps (PoP arguments).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "tn_codec.h"

struct jkey {
	const char	*k;
	size_t		 n;
	json_t		*v;
};

static int
jkey_cmp(const void *a, const void *b)
{
	const struct jkey *x = a, *y = b;
	int c = memcmp(x->k, y->k, x->n < y->n ? x->n : y->n);

	if (c != 0)
		return c;
	return x->n < y->n ? -1 : x->n > y->n;
}

static int
put_object(struct tn_buf *b, const json_t *v, size_t depth)
{
	size_t n = json_object_size(v), i = 0;
	struct jkey *keys;
	void *it;
	int rc = 0;

	if ((keys = calloc(n > 0 ? n : 1, sizeof(*keys))) == NULL)
		return -1;
	for (it = json_object_iter((json_t *)(uintptr_t)v); it != NULL && i < n;
	    it = json_object_iter_next((json_t *)(uintptr_t)v, it), i++) {
		keys[i].k = json_object_iter_key(it);
		keys[i].n = json_object_iter_key_len(it);
		keys[i].v = json_object_iter_value(it);
	}
	qsort(keys, i, sizeof(*keys), jkey_cmp);
	tn_cbor_put_map(b, i);
	for (size_t j = 0; rc == 0 && j < i; j++) {
		tn_cbor_put_text(b, keys[j].k, keys[j].n);
		rc = ctl_json_put(b, keys[j].v, depth - 1);
	}
	free(keys);
	return rc;
}

/* Appends v as CBOR.  Returns 0, or -1 when nested deeper than depth. */
int
ctl_json_put(struct tn_buf *b, const json_t *v, size_t depth)
{
	size_t i;
	json_t *e;

	if (depth == 0)
		return -1;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return put_object(b, v, depth);
	case JSON_ARRAY:
		tn_cbor_put_array(b, json_array_size(v));
		json_array_foreach(v, i, e)
			if (ctl_json_put(b, e, depth - 1) == -1)
				return -1;
		return 0;
	case JSON_STRING:
		tn_cbor_put_text(b, json_string_value(v), json_string_length(v));
		return 0;
	case JSON_INTEGER:
		tn_cbor_put_int(b, (int64_t)json_integer_value(v));
		return 0;
	case JSON_REAL:
		tn_cbor_put_float(b, json_real_value(v));
		return 0;
	case JSON_TRUE:
	case JSON_FALSE:
		tn_cbor_put_bool(b, json_is_true(v));
		return 0;
	case JSON_NULL:
		tn_cbor_put_null(b);
		return 0;
	}
	return -1;
}

/* Parses the JSON text s; reports errors as "opt: ...". */
json_t *
ctl_json_parse(const char *opt, const char *s)
{
	json_error_t je;
	json_t *v;

	v = json_loads(s, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (v == NULL)
		ctl_err("%s: invalid JSON at column %d: %s", opt, je.column,
		    je.text);
	return v;
}

/* --args: a JSON object, written as a CBOR map with sorted keys. */
int
ctl_args_encode(const char *opt, const char *s, struct tn_buf *b)
{
	json_t *v;
	int rc = -1;

	if ((v = ctl_json_parse(opt, s)) == NULL)
		return -1;
	if (!json_is_object(v))
		ctl_err("%s: expected a JSON object of argument values, got "
		    "'%s'", opt, s);
	else if (ctl_json_put(b, v, CTL_JSON_DEPTH) == -1)
		ctl_err("%s: nested deeper than %u levels", opt,
		    CTL_JSON_DEPTH);
	else if (tn_buf_status(b) != TN_OK)
		ctl_err("%s: encoded arguments exceed %zu bytes", opt, b->max);
	else
		rc = 0;
	json_decref(v);
	return rc;
}

json_t *
ctl_hex_json(const uint8_t *p, size_t n)
{
	char *hex;
	json_t *j;

	if ((hex = malloc(2 * n + 1)) == NULL)
		return NULL;
	tn_hex_encode(p, n, hex);
	j = json_stringn(hex, 2 * n);
	free(hex);
	return j;
}

static json_t *
int_json(const struct tn_cbor_item *it)
{
	if (it->v.u > INT64_MAX)
		return json_real(it->type == TN_CBOR_UINT ? (double)it->v.u :
		    -1.0 - (double)it->v.u);
	if (it->type == TN_CBOR_UINT)
		return json_integer((json_int_t)it->v.u);
	return json_integer(-1 - (json_int_t)it->v.u);
}

static json_t *
float_json(double f)
{
	if (isnan(f))
		return json_string("NaN");
	if (isinf(f))
		return json_string(f > 0 ? "Infinity" : "-Infinity");
	return json_real(f);
}

static int
all_text_keys(const struct tn_cbor_item *map)
{
	const struct tn_cbor_item *k = map + 1;

	for (uint32_t i = 0; i < map->count; i++) {
		if (k->type != TN_CBOR_TEXT)
			return 0;
		k = tn_cbor_next(tn_cbor_next(k));
	}
	return 1;
}

/* A map with text keys becomes an object, any other an array of pairs. */
static json_t *
map_json(const struct tn_cbor_item *map, size_t depth)
{
	int obj = all_text_keys(map), rc = 0;
	json_t *j = obj ? json_object() : json_array();
	const struct tn_cbor_item *k = map + 1, *v;

	for (uint32_t i = 0; j != NULL && rc == 0 && i < map->count; i++) {
		v = tn_cbor_next(k);
		if (obj)
			rc = json_object_setn_new(j, (const char *)k->v.s.p,
			    k->v.s.n, ctl_cbor_json(v, depth - 1));
		else
			rc = json_array_append_new(j, json_pack("[oo]",
			    ctl_cbor_json(k, depth - 1),
			    ctl_cbor_json(v, depth - 1)));
		k = tn_cbor_next(v);
	}
	if (rc != 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* The JSON view of a decoded CBOR value; NULL on allocation failure. */
json_t *
ctl_cbor_json(const struct tn_cbor_item *it, size_t depth)
{
	const struct tn_cbor_item *e;
	json_t *j;

	if (depth == 0)
		return NULL;
	switch (it->type) {
	case TN_CBOR_UINT:
	case TN_CBOR_NINT:
		return int_json(it);
	case TN_CBOR_BYTES:
		return ctl_hex_json(it->v.s.p, it->v.s.n);
	case TN_CBOR_TEXT:
		return json_stringn((const char *)it->v.s.p, it->v.s.n);
	case TN_CBOR_ARRAY:
		j = json_array();
		e = it + 1;
		for (uint32_t i = 0; j != NULL && i < it->count; i++) {
			if (json_array_append_new(j, ctl_cbor_json(e,
			    depth - 1)) == -1)
				json_decref(j), j = NULL;
			e = tn_cbor_next(e);
		}
		return j;
	case TN_CBOR_MAP:
		return map_json(it, depth);
	case TN_CBOR_FALSE:
		return json_false();
	case TN_CBOR_TRUE:
		return json_true();
	case TN_CBOR_NULL:
		return json_null();
	case TN_CBOR_FLOAT:
		return float_json(it->v.f);
	}
	return NULL;
}
