/*
 * tn_args.c: Temporal payloads + x-tenuo-arg-keys -> the PoP argument map
 * Tenuo's Python signer built (see tn_args.h for the rules).
 *
 * Text values are written by one streaming writer with an "escape level":
 * a JSON string literal holding the json.dumps text of a normalized value
 * is that text escaped once more, and json.dumps escaping works byte by
 * byte, so text nested k string literals deep is written escaped k times
 * without building the intermediate strings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tn_args.h"
#include "tn_codec.h"
#include "tn_json.h"

enum kind {
	K_SCALAR = 0,	/* stays a Python scalar */
	K_TEXT,		/* becomes a str (json.dumps text) */
	K_LIST		/* stays a list (of scalars and texts) */
};

struct actx {
	const struct tn_json_doc *doc;
	uint8_t		*kind;		/* per node, for arrays and elements */
	size_t		 argi;
	struct tn_error	*err;
};

struct entry {
	const uint8_t	*name;
	size_t		 nlen;
	size_t		 off;		/* value bytes in vals */
	size_t		 len;
	size_t		 pos;		/* payload position */
};

void
tn_args_limits_default(struct tn_args_limits *lim)
{
	lim->max_payloads = TN_ARGS_DEFAULT_MAX_PAYLOADS;
	lim->max_payload_bytes = TN_ARGS_DEFAULT_MAX_PAYLOAD;
	lim->max_total_bytes = TN_ARGS_DEFAULT_MAX_TOTAL;
	lim->max_depth = TN_ARGS_DEFAULT_MAX_DEPTH;
	lim->max_out_bytes = TN_ARGS_DEFAULT_MAX_OUT;
	lim->max_keys_bytes = TN_ARGS_DEFAULT_MAX_KEYS;
}

static int
enc_is(const struct tn_args_payload *p, const char *s)
{
	size_t n = strlen(s);

	return p->encoding_len == n && memcmp(p->encoding, s, n) == 0;
}

static int
contains(const uint8_t *p, size_t n, const char *s)
{
	size_t m = strlen(s);

	for (size_t i = 0; m <= n && i <= n - m; i++)
		if (memcmp(p + i, s, m) == 0)
			return 1;
	return 0;
}

/* The encoding name for a reason, or "(unprintable)". */
static const char *
enc_name(const struct tn_args_payload *p, char out[48])
{
	if (p->encoding_len == 0 || p->encoding_len > 40)
		return "(unprintable)";
	for (size_t i = 0; i < p->encoding_len; i++) {
		uint8_t c = p->encoding[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '/' || c == '.' ||
		    c == '-' || c == '_' || c == '+'))
			return "(unprintable)";
	}
	memcpy(out, p->encoding, p->encoding_len);
	out[p->encoding_len] = '\0';
	return out;
}

static int
refuse_encoding(const struct tn_args_payload *p, size_t i,
    struct tn_error *err)
{
	char nb[48];
	const char *name;

	if (p->encoding == NULL)
		return tn_fail(err, TN_ERR_MALFORMED, "argument %zu: payload "
		    "has no encoding metadata", i);
	name = enc_name(p, nb);
	if (contains(p->encoding, p->encoding_len, "encrypt"))
		return tn_fail(err, TN_ERR_MALFORMED, "argument %zu: payload "
		    "encoding \"%s\" is a payload codec's (encrypted): the "
		    "value Tenuo signed cannot be reproduced", i, name);
	if (contains(p->encoding, p->encoding_len, "zlib") ||
	    contains(p->encoding, p->encoding_len, "gzip") ||
	    contains(p->encoding, p->encoding_len, "zstd") ||
	    contains(p->encoding, p->encoding_len, "snappy") ||
	    contains(p->encoding, p->encoding_len, "lz4") ||
	    contains(p->encoding, p->encoding_len, "compress"))
		return tn_fail(err, TN_ERR_MALFORMED, "argument %zu: payload "
		    "encoding \"%s\" is a payload codec's (compressed): the "
		    "value Tenuo signed cannot be reproduced", i, name);
	if (contains(p->encoding, p->encoding_len, "protobuf"))
		return tn_fail(err, TN_ERR_MALFORMED, "argument %zu: payload "
		    "encoding \"%s\": Tenuo's signer cannot normalize "
		    "protobuf messages", i, name);
	return tn_fail(err, TN_ERR_MALFORMED, "argument %zu: payload encoding "
	    "\"%s\" is not one Tenuo's signing can be reproduced from "
	    "(json/plain, binary/plain)", i, name);
}

/* ------------------------------------------------------ the list rule */

/*
 * Kind of node i, reached through `depth` lists (Tenuo's depth argument).
 * Fills c->kind for arrays and their elements.
 */
static int
classify(struct actx *c, size_t i, size_t depth, enum kind *k)
{
	const struct tn_json_node *n = &c->doc->nodes[i];

	if (depth > TN_ARGS_PY_LIST_DEPTH)
		return tn_fail(c->err, TN_ERR_MALFORMED, "argument %zu: lists "
		    "nested deeper than %u (Tenuo's normalization limit)",
		    c->argi, TN_ARGS_PY_LIST_DEPTH);
	if (n->type == TN_JSON_OBJECT) {
		*k = K_TEXT;
	} else if (n->type == TN_JSON_ARRAY) {
		size_t e = i + 1;
		int any_list = 0;

		for (uint32_t j = 0; j < n->count; j++) {
			enum kind ek;
			int rc;

			if ((rc = classify(c, e, depth + 1, &ek)) != TN_OK)
				return rc;
			if (ek == K_LIST)
				any_list = 1;
			e += c->doc->nodes[e].size;
		}
		*k = any_list ? K_TEXT : K_LIST;
	} else {
		*k = K_SCALAR;
	}
	c->kind[i] = (uint8_t)*k;
	return TN_OK;
}

/* ------------------------------------------------ json.dumps writer */

/* Appends s[0..n) escaped `level` times. */
static void
put_esc(struct tn_buf *b, size_t level, const uint8_t *s, size_t n)
{
	size_t run = 0;
	char e[6];

	if (level == 0) {
		tn_buf_put(b, s, n);
		return;
	}
	for (size_t i = 0; i < n && tn_buf_status(b) == TN_OK; i++) {
		size_t en = tn_json_py_escape(s[i], e);

		if (en == 0)
			continue;
		tn_buf_put(b, s + run, i - run);
		put_esc(b, level - 1, (const uint8_t *)e, en);
		run = i + 1;
	}
	tn_buf_put(b, s + run, n - run);
}

static void
put_esc_cstr(struct tn_buf *b, size_t level, const char *s)
{
	put_esc(b, level, (const uint8_t *)s, strlen(s));
}

/* A string literal: quotes at this level, the content one level deeper. */
static void
put_lit(struct tn_buf *b, size_t level, const uint8_t *s, size_t n)
{
	put_esc(b, level, (const uint8_t *)"\"", 1);
	put_esc(b, level + 1, s, n);
	put_esc(b, level, (const uint8_t *)"\"", 1);
}

static void put_raw(struct actx *, struct tn_buf *, size_t, size_t);

static void
put_member(struct actx *c, struct tn_buf *b, const struct tn_json_node *key,
    size_t level)
{
	put_lit(b, level, tn_json_str(c->doc, key), key->v.s.n);
	put_esc_cstr(b, level, ": ");
	put_raw(c, b, key->value, level);
}

/* json.dumps of a value as parsed (objects, arrays inside objects, ...). */
static void
put_raw(struct actx *c, struct tn_buf *b, size_t i, size_t level)
{
	const struct tn_json_doc *d = c->doc;
	const struct tn_json_node *n = &d->nodes[i];
	char f[TN_JSON_FLOAT_REPR_MAX];
	size_t e = i + 1;
	int first = 1;

	if (tn_buf_status(b) != TN_OK)
		return;
	switch (n->type) {
	case TN_JSON_NULL:
		put_esc_cstr(b, level, "null");
		break;
	case TN_JSON_TRUE:
		put_esc_cstr(b, level, "true");
		break;
	case TN_JSON_FALSE:
		put_esc_cstr(b, level, "false");
		break;
	case TN_JSON_INT:	/* int.__repr__: the lexeme, "-0" is 0 */
		if (n->lexlen == 2 && n->lex[0] == '-' && n->lex[1] == '0')
			put_esc_cstr(b, level, "0");
		else
			put_esc(b, level, n->lex, n->lexlen);
		break;
	case TN_JSON_FLOAT:
		(void)tn_json_float_repr(n->v.f, f);
		put_esc_cstr(b, level, f);
		break;
	case TN_JSON_STRING:
		put_lit(b, level, tn_json_str(d, n), n->v.s.n);
		break;
	case TN_JSON_ARRAY:
		put_esc_cstr(b, level, "[");
		for (uint32_t j = 0; j < n->count; j++) {
			if (j > 0)
				put_esc_cstr(b, level, ", ");
			put_raw(c, b, e, level);
			e += d->nodes[e].size;
		}
		put_esc_cstr(b, level, "]");
		break;
	case TN_JSON_OBJECT:
		/*
		 * sort_keys: string keys in code point (byte) order; a
		 * dict with int keys was sorted numerically, which shows as
		 * ascending integer keys: keep those as written.
		 */
		put_esc_cstr(b, level, "{");
		if (n->flags & TN_JSON_F_INT_ORDER) {
			for (uint32_t j = 0; j < n->count; j++) {
				const struct tn_json_node *key = &d->nodes[e];

				if (!(key->flags & TN_JSON_F_SHADOWED)) {
					if (!first)
						put_esc_cstr(b, level, ", ");
					first = 0;
					put_member(c, b, key, level);
				}
				e += key->size;
				e += d->nodes[e].size;
			}
		} else if (n->count > 0) {
			for (size_t k = n->sorted; k != 0;
			    k = d->nodes[k].sorted) {
				if (!first)
					put_esc_cstr(b, level, ", ");
				first = 0;
				put_member(c, b, &d->nodes[k], level);
			}
		}
		put_esc_cstr(b, level, "}");
		break;
	}
}

static void put_text(struct actx *, struct tn_buf *, size_t, size_t);

/* An element of a normalized list inside json.dumps text. */
static void
put_norm(struct actx *c, struct tn_buf *b, size_t i, size_t level)
{
	const struct tn_json_doc *d = c->doc;

	if (tn_buf_status(b) != TN_OK)
		return;
	switch ((enum kind)c->kind[i]) {
	case K_SCALAR:
		put_raw(c, b, i, level);
		break;
	case K_TEXT:		/* a str: its text as a string literal */
		put_esc(b, level, (const uint8_t *)"\"", 1);
		put_text(c, b, i, level + 1);
		put_esc(b, level, (const uint8_t *)"\"", 1);
		break;
	case K_LIST: {
		size_t e = i + 1;

		put_esc_cstr(b, level, "[");
		for (uint32_t j = 0; j < d->nodes[i].count; j++) {
			if (j > 0)
				put_esc_cstr(b, level, ", ");
			put_norm(c, b, e, level);
			e += d->nodes[e].size;
		}
		put_esc_cstr(b, level, "]");
		break;
	}
	}
}

/* The text a K_TEXT node normalizes to. */
static void
put_text(struct actx *c, struct tn_buf *b, size_t i, size_t level)
{
	const struct tn_json_doc *d = c->doc;
	size_t e = i + 1;

	if (d->nodes[i].type == TN_JSON_OBJECT) {
		put_raw(c, b, i, level);
		return;
	}
	put_esc_cstr(b, level, "[");	/* an array with a list inside */
	for (uint32_t j = 0; j < d->nodes[i].count; j++) {
		if (j > 0)
			put_esc_cstr(b, level, ", ");
		put_norm(c, b, e, level);
		e += d->nodes[e].size;
	}
	put_esc_cstr(b, level, "]");
}

/* ------------------------------------------------ CBOR values */

static int
text_value(struct actx *c, struct tn_buf *vals, size_t i, size_t max)
{
	struct tn_buf t;
	int rc;

	tn_buf_init(&t, max);
	put_text(c, &t, i, 0);
	if ((rc = tn_buf_status(&t)) != TN_OK) {
		tn_buf_free(&t);
		if (rc == TN_ERR_NOMEM)
			return tn_fail(c->err, rc, "out of memory");
		return tn_fail(c->err, TN_ERR_MALFORMED, "argument %zu: "
		    "normalized text exceeds %zu bytes", c->argi, max);
	}
	tn_cbor_put_text(vals, (const char *)t.p, t.len);
	tn_buf_free(&t);
	return TN_OK;
}

/* py_to_constraint_value of a Python scalar. */
static int
scalar_value(struct actx *c, struct tn_buf *vals, size_t i)
{
	const struct tn_json_node *n = &c->doc->nodes[i];
	double f;

	switch (n->type) {
	case TN_JSON_STRING:
		tn_cbor_put_text(vals, (const char *)tn_json_str(c->doc, n),
		    n->v.s.n);
		return TN_OK;
	case TN_JSON_TRUE:
	case TN_JSON_FALSE:
		tn_cbor_put_bool(vals, n->type == TN_JSON_TRUE);
		return TN_OK;
	case TN_JSON_INT:
		if (n->flags & TN_JSON_F_I64) {
			tn_cbor_put_int(vals, n->v.i);
			return TN_OK;
		}
		if (tn_json_int_to_double(n, &f) != 0)
			return tn_fail(c->err, TN_ERR_MALFORMED, "argument "
			    "%zu: integer too large for a float (Tenuo's "
			    "signer raises OverflowError)", c->argi);
		tn_cbor_put_float(vals, f);	/* as Tenuo signs it */
		return TN_OK;
	case TN_JSON_FLOAT:
		tn_cbor_put_float(vals, n->v.f);
		return TN_OK;
	case TN_JSON_NULL:
		return tn_fail(c->err, TN_ERR_MALFORMED, "argument %zu: null "
		    "(None) cannot be signed by Tenuo", c->argi);
	default:
		return tn_fail(c->err, TN_ERR_MALFORMED, "argument %zu: "
		    "internal: not a scalar", c->argi);
	}
}

static int
json_value(const struct tn_args_payload *p, size_t argi,
    const struct tn_args_limits *lim, struct tn_buf *vals,
    struct tn_error *err)
{
	struct tn_json_limits jl = { lim->max_payload_bytes, lim->max_depth,
	    TN_JSON_PY_MAX_INT_DIGITS };
	struct tn_json_doc doc;
	struct tn_error jerr;
	struct actx c;
	enum kind k;
	int rc;

	tn_error_clear(&jerr);
	if ((rc = tn_json_parse(p->data, p->data_len, &jl, &doc, &jerr)) !=
	    TN_OK)
		return tn_fail(err, rc, "argument %zu: %s", argi,
		    jerr.reason);
	memset(&c, 0, sizeof(c));
	c.doc = &doc;
	c.argi = argi;
	c.err = err;
	if ((c.kind = calloc(doc.nnodes, 1)) == NULL) {
		tn_json_doc_free(&doc);
		return tn_fail(err, TN_ERR_NOMEM, "out of memory");
	}
	if ((rc = classify(&c, 0, 0, &k)) != TN_OK)
		goto out;
	if (k == K_SCALAR) {
		rc = scalar_value(&c, vals, 0);
	} else if (k == K_TEXT) {
		rc = text_value(&c, vals, 0, lim->max_out_bytes);
	} else {
		size_t e = 1;

		tn_cbor_put_array(vals, doc.nodes[0].count);
		for (uint32_t j = 0; j < doc.nodes[0].count && rc == TN_OK;
		    j++) {
			if (c.kind[e] == K_TEXT)
				rc = text_value(&c, vals, e,
				    lim->max_out_bytes);
			else
				rc = scalar_value(&c, vals, e);
			e += doc.nodes[e].size;
		}
	}
out:
	free(c.kind);
	tn_json_doc_free(&doc);
	return rc;
}

static int
payload_value(const struct tn_args_payload *p, size_t argi,
    const struct tn_args_limits *lim, struct tn_buf *vals,
    struct tn_error *err)
{
	if (p->encoding != NULL && enc_is(p, "json/plain"))
		return json_value(p, argi, lim, vals, err);
	if (p->encoding != NULL && enc_is(p, "binary/plain")) {
		char *s;
		size_t n;
		int rc;

		if ((rc = tn_b64_encode(p->data, p->data_len,
		    TN_B64_STD | TN_B64_PAD, &s, &n, NULL)) != TN_OK)
			return tn_fail(err, rc == TN_ERR_NOMEM ? rc :
			    TN_ERR_MALFORMED, "argument %zu: cannot base64 "
			    "the payload", argi);
		tn_cbor_put_text(vals, s, n);
		free(s);
		return TN_OK;
	}
	if (p->encoding != NULL && enc_is(p, "binary/null"))
		return tn_fail(err, TN_ERR_MALFORMED, "argument %zu: "
		    "binary/null (None) cannot be signed by Tenuo", argi);
	return refuse_encoding(p, argi, err);
}

/* ------------------------------------------------ names and the map */

static int
entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	size_t m = x->nlen < y->nlen ? x->nlen : y->nlen;
	int c = memcmp(x->name, y->name, m);

	if (c != 0)
		return c;
	if (x->nlen != y->nlen)
		return x->nlen < y->nlen ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

int
tn_args_normalize(const struct tn_args_payload *pl, size_t npl,
    const uint8_t *keys, size_t keys_len, const struct tn_args_limits *lim,
    struct tn_args *out, struct tn_error *err)
{
	struct tn_args_limits dl;
	struct entry *ent = NULL;
	struct tn_buf vals, map;
	char (*fallback)[24] = NULL;
	size_t total = 0, kpos = 0, nout = 0;
	int rc;

	if (out == NULL)
		return tn_fail(err, TN_ERR_INVALID_ARG, "no output");
	memset(out, 0, sizeof(*out));
	if (lim == NULL) {
		tn_args_limits_default(&dl);
		lim = &dl;
	}
	if ((pl == NULL && npl > 0) || (keys == NULL && keys_len > 0) ||
	    lim->max_depth > 1024)
		return tn_fail(err, TN_ERR_INVALID_ARG, "bad arguments");
	if (npl > lim->max_payloads)
		return tn_fail(err, TN_ERR_MALFORMED, "%zu input payloads "
		    "exceed the limit of %zu", npl, lim->max_payloads);
	for (size_t i = 0; i < npl; i++) {
		if (pl[i].data == NULL && pl[i].data_len > 0)
			return tn_fail(err, TN_ERR_INVALID_ARG,
			    "bad payload %zu", i);
		if (pl[i].encoding == NULL && pl[i].encoding_len > 0)
			return tn_fail(err, TN_ERR_INVALID_ARG,
			    "bad payload %zu", i);
		if (pl[i].data_len > lim->max_payload_bytes)
			return tn_fail(err, TN_ERR_MALFORMED, "argument %zu: "
			    "payload of %zu bytes exceeds the limit of %zu",
			    i, pl[i].data_len, lim->max_payload_bytes);
		total += pl[i].data_len;
		if (total > lim->max_total_bytes)
			return tn_fail(err, TN_ERR_MALFORMED, "input payloads "
			    "exceed the limit of %zu bytes in all",
			    lim->max_total_bytes);
	}
	if (keys != NULL) {
		if (keys_len > lim->max_keys_bytes)
			return tn_fail(err, TN_ERR_MALFORMED, "x-tenuo-arg-keys "
			    "of %zu bytes exceeds the limit of %zu", keys_len,
			    lim->max_keys_bytes);
		if (keys_len > 0 && !tn_utf8_valid(keys, keys_len))
			return tn_fail(err, TN_ERR_MALFORMED,
			    "x-tenuo-arg-keys is not valid UTF-8");
	}
	if ((ent = calloc(npl ? npl : 1, sizeof(*ent))) == NULL ||
	    (fallback = calloc(npl ? npl : 1, sizeof(*fallback))) == NULL) {
		free(ent);
		return tn_fail(err, TN_ERR_NOMEM, "out of memory");
	}
	tn_buf_init(&vals, lim->max_out_bytes);
	tn_buf_init(&map, lim->max_out_bytes);

	/* names: keys.split(","), then "arg<i>" */
	for (size_t i = 0; i < npl; i++) {
		ent[i].pos = i;
		if (keys != NULL && kpos <= keys_len) {
			const uint8_t *comma = keys_len > kpos ?
			    memchr(keys + kpos, ',', keys_len - kpos) : NULL;
			size_t end = comma ? (size_t)(comma - keys) : keys_len;

			ent[i].name = keys + kpos;
			ent[i].nlen = end - kpos;
			kpos = end + 1;	/* past keys_len: the list ended */
		} else {
			int n = snprintf(fallback[i], sizeof(fallback[i]),
			    "arg%zu", i);

			ent[i].name = (const uint8_t *)fallback[i];
			ent[i].nlen = (size_t)n;
		}
	}

	/* values: every payload must normalize, shadowed ones included */
	for (size_t i = 0; i < npl; i++) {
		ent[i].off = vals.len;
		if ((rc = payload_value(&pl[i], i, lim, &vals, err)) != TN_OK)
			goto fail;
		if ((rc = tn_buf_status(&vals)) != TN_OK) {
			rc = tn_fail(err, rc, rc == TN_ERR_NOMEM ?
			    "out of memory" : "normalized arguments exceed "
			    "%zu bytes", lim->max_out_bytes);
			goto fail;
		}
		ent[i].len = vals.len - ent[i].off;
	}

	/* a Python dict: the later payload wins; keys sorted by bytes */
	qsort(ent, npl, sizeof(*ent), entry_cmp);
	for (size_t i = 0; i < npl; i++)
		if (i + 1 == npl || ent[i].nlen != ent[i + 1].nlen ||
		    memcmp(ent[i].name, ent[i + 1].name, ent[i].nlen) != 0)
			ent[nout++] = ent[i];
	tn_cbor_put_map(&map, nout);
	for (size_t i = 0; i < nout; i++) {
		tn_cbor_put_text(&map, (const char *)ent[i].name, ent[i].nlen);
		tn_buf_put(&map, vals.p + ent[i].off, ent[i].len);
	}
	if ((rc = tn_buf_status(&map)) != TN_OK) {
		rc = tn_fail(err, rc, rc == TN_ERR_NOMEM ? "out of memory" :
		    "normalized arguments exceed %zu bytes",
		    lim->max_out_bytes);
		goto fail;
	}
	if ((rc = tn_buf_take(&map, &out->cbor, &out->len)) != TN_OK) {
		rc = tn_fail(err, rc, "out of memory");
		goto fail;
	}
	{
		struct tn_cbor_limits cl = { out->len, 4, out->len + 1 };
		struct tn_error cerr;

		if ((rc = tn_cbor_decode(out->cbor, out->len, &cl, &out->doc,
		    &cerr)) != TN_OK) {
			rc = tn_fail(err, rc, "argument map does not decode: "
			    "%s", cerr.reason);
			goto fail;
		}
	}
	out->nargs = nout;
	tn_buf_free(&vals);
	free(ent);
	free(fallback);
	return TN_OK;
fail:
	tn_buf_free(&vals);
	tn_buf_free(&map);
	free(ent);
	free(fallback);
	tn_args_free(out);
	return rc;
}

void
tn_args_free(struct tn_args *a)
{
	if (a == NULL)
		return;
	tn_cbor_doc_free(&a->doc);
	free(a->cbor);
	memset(a, 0, sizeof(*a));
}
