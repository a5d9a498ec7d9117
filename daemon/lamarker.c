/*
 * lamarker.c: the activity type a local-activity marker names (see
 * lamarker.h).
 */
#include <stdio.h>
#include <string.h>

#include "tn_err.h"
#include "tn_json.h"

#include "lamarker.h"

typedef Temporal__Api__Command__V1__RecordMarkerCommandAttributes lam_attr_t;
typedef Temporal__Api__Common__V1__Payload lam_payload_t;

static enum lam_result
lam_bad(char *why, size_t whylen, const char *msg)
{
	(void)snprintf(why, whylen, "%s", msg);
	return LAM_UNREADABLE;
}

/* The one details["data"] payload; NULL when absent or repeated. */
static const lam_payload_t *
lam_data(const lam_attr_t *a)
{
	const Temporal__Api__Common__V1__Payloads *v = NULL;
	size_t	i, seen = 0;

	for (i = 0; i < a->n_details; i++) {
		if (a->details[i] == NULL || a->details[i]->key == NULL ||
		    strcmp(a->details[i]->key, LAM_DATA_KEY) != 0)
			continue;
		v = a->details[i]->value;
		seen++;
	}
	if (seen != 1 || v == NULL || v->n_payloads == 0)
		return NULL;
	return v->payloads[0];
}

/* 1 when the payload's metadata says encoding json/plain (once). */
static int
lam_is_json(const lam_payload_t *p)
{
	static const char	want[] = "json/plain";
	size_t			i, seen = 0, ok = 0;

	for (i = 0; i < p->n_metadata; i++) {
		const Temporal__Api__Common__V1__Payload__MetadataEntry *m =
		    p->metadata[i];

		if (m == NULL || m->key == NULL ||
		    strcmp(m->key, "encoding") != 0)
			continue;
		seen++;
		ok = m->value.len == sizeof(want) - 1 &&
		    memcmp(m->value.data, want, sizeof(want) - 1) == 0;
	}
	return seen == 1 && ok;
}

/* The value of the top-level member key of the object doc, if once. */
static const struct tn_json_node *
lam_find(const struct tn_json_doc *doc, const char *key, size_t *seen)
{
	const struct tn_json_node	*root = &doc->nodes[0], *k, *v;
	const struct tn_json_node	*found = NULL;
	size_t				 klen = strlen(key);
	uint32_t			 i;

	*seen = 0;
	k = root + 1;
	for (i = 0; i < root->count; i++, k = tn_json_next(v)) {
		v = tn_json_next(k);
		if (k->v.s.n != klen ||
		    memcmp(tn_json_str(doc, k), key, klen) != 0)
			continue;
		if ((*seen)++ == 0)
			found = v;
	}
	return *seen == 1 ? found : NULL;
}

/* The string value of top-level member key of the object doc. */
static enum lam_result
lam_member(const struct tn_json_doc *doc, const char *key, char *type,
    size_t typelen, char *why, size_t whylen)
{
	const struct tn_json_node	*v;
	size_t				 seen;

	if (doc->nodes[0].type != TN_JSON_OBJECT)
		return lam_bad(why, whylen, "marker data is not a JSON object");
	if ((v = lam_find(doc, key, &seen)) == NULL)
		return lam_bad(why, whylen, seen == 0 ? "marker data names no "
		    "activity type" : "marker data repeats the activity type "
		    "key");
	if (v->type != TN_JSON_STRING || v->v.s.n == 0 ||
	    v->v.s.n >= typelen ||
	    memchr(tn_json_str(doc, v), '\0', v->v.s.n) != NULL)
		return lam_bad(why, whylen, "marker data has no usable "
		    "activity type");
	memcpy(type, tn_json_str(doc, v), v->v.s.n);
	type[v->v.s.n] = '\0';
	return LAM_FOUND;
}

enum lam_result
lam_marker_type(const lam_attr_t *a, char *type, size_t typelen, char *why,
    size_t whylen)
{
	struct tn_json_limits	 lim = { LAM_DATA_MAX, 8,
				    TN_JSON_PY_MAX_INT_DIGITS };
	struct tn_json_doc	 doc;
	struct tn_error		 err;
	const lam_payload_t	*p;
	const char		*key;
	enum lam_result		 rv;

	type[0] = '\0';
	why[0] = '\0';
	if (a == NULL || a->marker_name == NULL)
		return LAM_OTHER;
	if (strcmp(a->marker_name, LAM_NAME_CORE) == 0)
		key = "activity_type";
	else if (strcmp(a->marker_name, LAM_NAME_GO) == 0)
		key = "ActivityType";
	else
		return LAM_OTHER;
	if ((p = lam_data(a)) == NULL)
		return lam_bad(why, whylen, "marker has no single \"data\" "
		    "payload");
	if (!lam_is_json(p))
		return lam_bad(why, whylen, "marker data is not json/plain "
		    "(a payload codec?)");
	if (p->data.len > LAM_DATA_MAX)
		return lam_bad(why, whylen, "marker data too large");
	if (tn_json_parse(p->data.data, p->data.len, &lim, &doc, &err) !=
	    TN_OK)
		return lam_bad(why, whylen, "marker data is not JSON");
	rv = lam_member(&doc, key, type, typelen, why, whylen);
	tn_json_doc_free(&doc);
	return rv;
}
