/*
 * tn_spec.c: tenuoctl --constraint SPEC -> CBOR constraint (tn_spec.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tn_constraint.h"
#include "tn_spec.h"

#define SPEC_MAX_BYTES		(64u * 1024u)
#define SPEC_MAX_JSON_DEPTH	128

static int
json_enc(struct tn_buf *b, const json_t *j, int depth, struct tn_error *err)
{
	const char *key;
	json_t *val;
	size_t i;
	int rc;

	if (depth > SPEC_MAX_JSON_DEPTH)
		return tn_fail(err, TN_ERR_INVALID_ARG,
		    "json: nested deeper than %d", SPEC_MAX_JSON_DEPTH);
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		tn_cbor_put_map(b, json_object_size(j));
		json_object_foreach((json_t *)(uintptr_t)j, key, val) {
			tn_cbor_put_cstr(b, key);
			if ((rc = json_enc(b, val, depth + 1, err)) != TN_OK)
				return rc;
		}
		return TN_OK;
	case JSON_ARRAY:
		tn_cbor_put_array(b, json_array_size(j));
		json_array_foreach(j, i, val) {
			if ((rc = json_enc(b, val, depth + 1, err)) != TN_OK)
				return rc;
		}
		return TN_OK;
	case JSON_STRING:
		tn_cbor_put_text(b, json_string_value(j), json_string_length(j));
		return TN_OK;
	case JSON_INTEGER:
		tn_cbor_put_int(b, (int64_t)json_integer_value(j));
		return TN_OK;
	case JSON_REAL:
		tn_cbor_put_float(b, json_real_value(j));
		return TN_OK;
	case JSON_TRUE:
		tn_cbor_put_bool(b, 1);
		return TN_OK;
	case JSON_FALSE:
		tn_cbor_put_bool(b, 0);
		return TN_OK;
	case JSON_NULL:
		tn_cbor_put_null(b);
		return TN_OK;
	}
	return tn_fail(err, TN_ERR_INVALID_ARG, "json: unsupported value");
}

int
tn_spec_json_to_cbor(struct tn_buf *b, const json_t *j, struct tn_error *err)
{
	int rc;

	if ((rc = json_enc(b, j, 0, err)) != TN_OK)
		return rc;
	if ((rc = tn_buf_status(b)) != TN_OK)
		return tn_fail(err, rc == TN_ERR_NOMEM ? TN_ERR_NOMEM :
		    TN_ERR_INVALID_ARG, "json: encoding failed (%s)",
		    rc == TN_ERR_NOMEM ? "out of memory" : "too large");
	return TN_OK;
}

/* A finite number filling s[0..n), or an empty side (*has = 0). */
static int
parse_bound(const char *s, size_t n, double *out, int *has)
{
	char buf[64], *end;

	*has = 0;
	if (n == 0)
		return 0;
	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (buf[0] == ' ' || buf[0] == '\t')
		return -1;
	*out = strtod(buf, &end);
	if (end != buf + n || !isfinite(*out))
		return -1;
	*has = 1;
	return 0;
}

static void
put_key(struct tn_buf *b, const char *k)
{
	tn_cbor_put_cstr(b, k);
}

static int
spec_simple(struct tn_buf *b, const char *spec, struct tn_error *err)
{
	const char *colon = strchr(spec, ':');
	const char *v = colon != NULL ? colon + 1 : NULL;
	size_t kl = colon != NULL ? (size_t)(colon - spec) : strlen(spec);

	if (colon == NULL) {
		if (strcmp(spec, "wildcard") != 0)
			return tn_fail(err, TN_ERR_INVALID_ARG,
			    "constraint spec: unknown kind (expected wildcard, "
			    "exact:, pattern:, subpath:, oneof:, range: or "
			    "json:)");
		tn_cbor_put_array(b, 2);
		tn_cbor_put_uint(b, TN_C_WILDCARD);
		tn_cbor_put_null(b);
		return TN_OK;
	}
	if (kl == 5 && strncmp(spec, "exact", kl) == 0) {
		tn_cbor_put_array(b, 2);
		tn_cbor_put_uint(b, TN_C_EXACT);
		tn_cbor_put_map(b, 1);
		put_key(b, "value");
		tn_cbor_put_cstr(b, v);
		return TN_OK;
	}
	if (kl == 7 && strncmp(spec, "pattern", kl) == 0) {
		tn_cbor_put_array(b, 2);
		tn_cbor_put_uint(b, TN_C_PATTERN);
		tn_cbor_put_map(b, 1);
		put_key(b, "pattern");
		tn_cbor_put_cstr(b, v);
		return TN_OK;
	}
	if (kl == 7 && strncmp(spec, "subpath", kl) == 0) {
		size_t n = strlen(v), nn;
		uint8_t *norm;

		if (!tn_subpath_is_absolute((const uint8_t *)v, n) ||
		    memchr(v, '\0', n) != NULL)
			return tn_fail(err, TN_ERR_INVALID_ARG,
			    "constraint spec: subpath root must be absolute");
		if ((norm = malloc(n + 2)) == NULL)
			return tn_fail(err, TN_ERR_NOMEM, "out of memory");
		nn = tn_subpath_normalize((const uint8_t *)v, n, norm);
		tn_cbor_put_array(b, 2);
		tn_cbor_put_uint(b, TN_C_SUBPATH);
		tn_cbor_put_map(b, 3);
		put_key(b, "root");
		tn_cbor_put_text(b, (const char *)norm, nn);
		put_key(b, "case_sensitive");
		tn_cbor_put_bool(b, 1);
		put_key(b, "allow_equal");
		tn_cbor_put_bool(b, 1);
		free(norm);
		return TN_OK;
	}
	if (kl == 5 && strncmp(spec, "oneof", kl) == 0) {
		size_t count = 1;
		const char *p, *q;

		if (*v == '\0')
			return tn_fail(err, TN_ERR_INVALID_ARG,
			    "constraint spec: oneof needs at least one value");
		for (p = v; *p != '\0'; p++)
			count += *p == ',';
		tn_cbor_put_array(b, 2);
		tn_cbor_put_uint(b, TN_C_ONE_OF);
		tn_cbor_put_map(b, 1);
		put_key(b, "values");
		tn_cbor_put_array(b, count);
		for (p = v;; p = q + 1) {
			q = strchr(p, ',');
			tn_cbor_put_text(b, p, q != NULL ? (size_t)(q - p) :
			    strlen(p));
			if (q == NULL)
				break;
		}
		return TN_OK;
	}
	if (kl == 5 && strncmp(spec, "range", kl) == 0) {
		const char *dots = strstr(v, "..");
		double lo = 0, hi = 0;
		int hlo, hhi;

		if (dots == NULL ||
		    parse_bound(v, (size_t)(dots - v), &lo, &hlo) != 0 ||
		    parse_bound(dots + 2, strlen(dots + 2), &hi, &hhi) != 0)
			return tn_fail(err, TN_ERR_INVALID_ARG,
			    "constraint spec: range must be MIN..MAX with "
			    "finite numbers (either side may be empty)");
		tn_cbor_put_array(b, 2);
		tn_cbor_put_uint(b, TN_C_RANGE);
		tn_cbor_put_map(b, 4);
		put_key(b, "min");
		if (hlo)
			tn_cbor_put_float(b, lo);
		else
			tn_cbor_put_null(b);
		put_key(b, "max");
		if (hhi)
			tn_cbor_put_float(b, hi);
		else
			tn_cbor_put_null(b);
		put_key(b, "min_inclusive");
		tn_cbor_put_bool(b, 1);
		put_key(b, "max_inclusive");
		tn_cbor_put_bool(b, 1);
		return TN_OK;
	}
	return tn_fail(err, TN_ERR_INVALID_ARG,
	    "constraint spec: unknown kind (expected wildcard, exact:, "
	    "pattern:, subpath:, oneof:, range: or json:)");
}

int
tn_spec_constraint(struct tn_buf *b, const char *spec, struct tn_error *err)
{
	struct tn_buf tmp;
	struct tn_cbor_doc doc;
	struct tn_error sub;
	int rc;

	if (b == NULL || spec == NULL)
		return tn_fail(err, TN_ERR_INVALID_ARG,
		    "constraint spec: missing argument");
	tn_buf_init(&tmp, SPEC_MAX_BYTES);
	if (strncmp(spec, "json:", 5) == 0) {
		json_error_t jerr;
		json_t *j;

		j = json_loads(spec + 5, JSON_DECODE_ANY |
		    JSON_REJECT_DUPLICATES, &jerr);
		if (j == NULL) {
			tn_buf_free(&tmp);
			/* jansson's text quotes the input: give the place. */
			return tn_fail(err, TN_ERR_INVALID_ARG,
			    "constraint spec: invalid JSON at line %d "
			    "column %d", jerr.line, jerr.column);
		}
		rc = tn_spec_json_to_cbor(&tmp, j, err);
		json_decref(j);
	} else
		rc = spec_simple(&tmp, spec, err);
	if (rc == TN_OK && (rc = tn_buf_status(&tmp)) != TN_OK)
		rc = tn_fail(err, rc == TN_ERR_NOMEM ? TN_ERR_NOMEM :
		    TN_ERR_INVALID_ARG, "constraint spec: encoding failed");
	if (rc != TN_OK) {
		tn_buf_free(&tmp);
		return rc;
	}
	rc = tn_cbor_decode(tmp.p, tmp.len, NULL, &doc, &sub);
	if (rc == TN_OK) {
		rc = tn_constraint_validate(&doc.items[0], &sub);
		tn_cbor_doc_free(&doc);
	}
	if (rc != TN_OK) {
		tn_buf_free(&tmp);
		return tn_fail(err, rc == TN_ERR_NOMEM ? TN_ERR_NOMEM :
		    TN_ERR_INVALID_ARG, "constraint spec: %s", sub.reason);
	}
	tn_buf_put(b, tmp.p, tmp.len);
	tn_buf_free(&tmp);
	if ((rc = tn_buf_status(b)) != TN_OK)
		return tn_fail(err, rc == TN_ERR_NOMEM ? TN_ERR_NOMEM :
		    TN_ERR_INVALID_ARG, "constraint spec: output buffer full");
	tn_error_clear(err);
	return TN_OK;
}
