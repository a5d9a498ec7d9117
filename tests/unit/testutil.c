/*
 * testutil.c: helpers shared by the Check suites.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "testutil.h"
#include "tn_codec.h"
#include "tn_crypto.h"

json_t *
tu_load_json(const char *path)
{
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);

	if (j == NULL)
		ck_abort_msg("%s:%d: %s", path, e.line, e.text);
	return j;
}

json_t *
tu_vector(json_t *root, const char *id)
{
	json_t *vs = json_object_get(root, "vectors"), *v;
	size_t i;

	json_array_foreach(vs, i, v) {
		const char *s = json_string_value(json_object_get(v, "id"));

		if (s != NULL && strcmp(s, id) == 0)
			return v;
	}
	return NULL;
}

json_t *
tu_vector_warrant(json_t *rec, const char *label)
{
	json_t *ws = json_object_get(rec, "warrants"), *w;
	size_t i;

	json_array_foreach(ws, i, w) {
		const char *s = json_string_value(json_object_get(w, "label"));

		if (s != NULL && strcmp(s, label) == 0)
			return w;
	}
	return NULL;
}

const char *
tu_str(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	if (s == NULL)
		ck_abort_msg("missing string field '%s'", key);
	return s;
}

uint8_t *
tu_unhex(const char *hex, size_t *len)
{
	size_t n = strlen(hex);
	uint8_t *p = malloc(n / 2 + 1);
	struct tn_error err;

	ck_assert_ptr_nonnull(p);
	if (tn_hex_decode(hex, n, p, n / 2 + 1, len, &err) != 0)
		ck_abort_msg("bad hex: %s", err.reason);
	return p;
}

int
tu_role_seed(json_t *root, const char *role, uint8_t seed[32])
{
	json_t *km = json_object_get(root, "key_material"), *k;
	size_t i, n;

	json_array_foreach(km, i, k) {
		const char *r = json_string_value(json_object_get(k, "role"));
		const char *s = json_string_value(json_object_get(k, "seed_hex"));

		if (r == NULL || s == NULL || strcmp(r, role) != 0)
			continue;
		if (tn_hex_decode(s, strlen(s), seed, 32, &n, NULL) != 0 ||
		    n != 32)
			return -1;
		return 0;
	}
	return -1;
}

void
tu_sk_from_seed(const uint8_t seed[32], uint8_t sk[64], uint8_t pk[32])
{
	uint8_t tmp[32];

	ck_assert_int_eq(tn_ed25519_keypair_from_seed(seed, pk ? pk : tmp,
	    sk), 0);
}

int
tu_json_to_cbor(json_t *v, struct tn_buf *b)
{
	const char *k;
	json_t *e;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		tn_cbor_put_map(b, json_object_size(v));
		json_object_foreach(v, k, e) {
			tn_cbor_put_cstr(b, k);
			if (tu_json_to_cbor(e, b) != 0)
				return -1;
		}
		return 0;
	case JSON_ARRAY:
		tn_cbor_put_array(b, json_array_size(v));
		json_array_foreach(v, i, e)
			if (tu_json_to_cbor(e, b) != 0)
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

int
tu_args_doc(const char *json, uint8_t **buf, size_t *len,
    struct tn_cbor_doc *doc)
{
	json_error_t je;
	json_t *j = json_loads(json, 0, &je);
	struct tn_buf b;
	int rc;

	if (j == NULL)
		return -1;
	tn_buf_init(&b, 1u << 20);
	rc = tu_json_to_cbor(j, &b);
	json_decref(j);
	if (rc != 0 || tn_buf_take(&b, buf, len) != 0)
		return -1;
	return tn_cbor_decode(*buf, *len, NULL, doc, NULL);
}
