/*
 * tn_srl.c: signed revocation lists: verify, decode, look up, build.
 *
 * Deployed facts this follows (tenuo-core):
 *   revocation.rs SrlPayload: fields revoked_ids: Vec<String>, version:
 *     u64, issued_at: DateTime<Utc>, issuer: PublicKey, serialized in that
 *     order; SignedRevocationList { payload, signature }.
 *   revocation.rs verify(): issuer must equal the expected key, then the
 *     signature is checked over SRL_CONTEXT || ciborium(payload) through
 *     PublicKey::verify, which prefixes "tenuo-warrant-v1" (crypto.rs).
 *   crypto.rs: PublicKey and Signature serialize as [1, bytes].
 *   chrono serializes DateTime<Utc> as RFC 3339 with SecondsFormat::AutoSi
 *     and "Z".
 *   bin/generate_test_vectors.rs (A.22.b): a separate struct with
 *     issued_at: u64, issuer: [u8; 32] and signature: bytes(64).
 *   No deny_unknown_fields: serde ignores unknown keys; duplicate keys are
 *     an error (and our CBOR decoder refuses them anyway).
 */
#include <stdlib.h>
#include <string.h>

#include "tn_codec.h"
#include "tn_cbor.h"
#include "tn_crypto.h"
#include "tn_srl.h"

#define SRL_PREFIX	TN_CTX_WARRANT TN_CTX_SRL
#define SRL_PREFIX_LEN	(sizeof(SRL_PREFIX) - 1)

/* Map, payload map, revoked_ids / issuer array, [1, bytes]: depth 3. */
static const struct tn_cbor_limits srl_limits = {
	TN_MAX_SRL_BYTES, 3, TN_MAX_SRL_IDS + 64u
};

static const char *const payload_keys[4] = {
	"revoked_ids", "version", "issued_at", "issuer"
};

/* 253402300799 is 9999-12-31T23:59:59Z, the last time chrono writes in
 * four year digits. */
#define MAX_RFC3339_SECS	253402300799ull

/* ------------------------------------------------------------- ids */

/* Reads 2 * nbytes hex digits from s into out. */
static int
hex_run(const char *s, uint8_t *out, size_t nbytes)
{
	for (size_t i = 0; i < nbytes; i++) {
		int hi = tn_hex_digit(s[2 * i]), lo = tn_hex_digit(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)((hi << 4) | lo);
	}
	return 0;
}

int
tn_srl_parse_id(const char *s, size_t n, uint8_t out[TN_ID_LEN])
{
	static const size_t groups[5] = { 4, 2, 2, 2, 6 };	/* bytes */
	size_t pos = 0, o = 0;

	if (out == NULL)
		return -1;
	memset(out, 0, TN_ID_LEN);
	if (s == NULL)
		return -1;
	if (n == 40 && memcmp(s, "tnu_wrt_", 8) == 0) {
		s += 8;
		n -= 8;
	}
	if (n == 32) {
		if (hex_run(s, out, TN_ID_LEN) == 0)
			return 0;
		memset(out, 0, TN_ID_LEN);
		return -1;
	}
	if (n != 36)
		return -1;
	for (size_t g = 0; g < 5; g++) {
		if (g > 0 && s[pos++] != '-')
			goto bad;
		if (hex_run(s + pos, out + o, groups[g]) != 0)
			goto bad;
		pos += 2 * groups[g];
		o += groups[g];
	}
	return 0;
bad:
	memset(out, 0, TN_ID_LEN);
	return -1;
}

static int
id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, TN_ID_LEN);
}

int
tn_srl_is_revoked(const struct tn_srl *srl, const uint8_t id[TN_ID_LEN])
{
	if (srl == NULL || id == NULL || srl->nids == 0)
		return 0;
	return bsearch(id, srl->ids, srl->nids, TN_ID_LEN, id_cmp) != NULL;
}

void
tn_srl_free(struct tn_srl *srl)
{
	if (srl == NULL)
		return;
	free(srl->ids);
	free(srl);
}

/* -------------------------------------------------------- RFC 3339 */

static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

static int
days_in_month(int64_t y, int64_t m)
{
	static const int dim[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

/* Reads n decimal digits; -1 if any is not a digit. */
static int64_t
digits(const char *s, size_t n)
{
	int64_t v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * Parses exactly what chrono writes for a DateTime<Utc> (see tn_srl.h):
 * anything else could not carry a signature deployed Tenuo accepts, since
 * it verifies over its own re-serialization.  Years before 1970 are
 * refused (the time is kept as unsigned seconds); so is a leap second.
 */
static int
rfc3339_parse(const uint8_t *p, size_t n, uint64_t *secs, uint32_t *nanos)
{
	const char *s = (const char *)p;
	int64_t y, mo, d, h, mi, se, frac = 0, days;
	size_t fl;

	if (n < 20 || s[n - 1] != 'Z')
		return -1;
	fl = n - 20;
	if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':')
		return -1;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	se = digits(s + 17, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo) || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || se < 0 || se > 59)
		return -1;
	if (fl != 0) {
		if (s[19] != '.' || (fl != 4 && fl != 7 && fl != 10))
			return -1;
		if ((frac = digits(s + 20, fl - 1)) < 0)
			return -1;
		/* AutoSi: the shortest of 3, 6, 9 digits, none for zero. */
		if (fl == 4) {
			if (frac == 0)
				return -1;
			frac *= 1000000;
		} else if (fl == 7) {
			if (frac % 1000 == 0)
				return -1;
			frac *= 1000;
		} else if (frac % 1000 == 0)
			return -1;
	}
	days = days_from_civil(y, mo, d);
	*secs = (uint64_t)(days * 86400 + h * 3600 + mi * 60 + se);
	*nanos = (uint32_t)frac;
	return 0;
}

/* Writes the chrono form of (secs, nanos) into out (room for 31). */
static size_t
rfc3339_format(uint64_t secs, uint32_t nanos, char out[31])
{
	int64_t days = (int64_t)(secs / 86400), rem = (int64_t)(secs % 86400);
	int64_t y, m, d;
	uint64_t v[6];
	static const size_t w[6] = { 4, 2, 2, 2, 2, 2 };
	static const char sep[6] = { '-', '-', 'T', ':', ':', '\0' };
	size_t o = 0, fl = 0;
	uint32_t frac = 0;

	civil_from_days(days, &y, &m, &d);
	v[0] = (uint64_t)y;
	v[1] = (uint64_t)m;
	v[2] = (uint64_t)d;
	v[3] = (uint64_t)(rem / 3600);
	v[4] = (uint64_t)(rem / 60 % 60);
	v[5] = (uint64_t)(rem % 60);
	for (size_t i = 0; i < 6; i++) {
		for (size_t k = w[i]; k > 0; k--) {
			out[o + k - 1] = (char)('0' + v[i] % 10);
			v[i] /= 10;
		}
		o += w[i];
		if (sep[i] != '\0')
			out[o++] = sep[i];
	}
	if (nanos != 0) {
		if (nanos % 1000000 == 0) {
			fl = 3;
			frac = nanos / 1000000;
		} else if (nanos % 1000 == 0) {
			fl = 6;
			frac = nanos / 1000;
		} else {
			fl = 9;
			frac = nanos;
		}
		out[o++] = '.';
		for (size_t k = fl; k > 0; k--) {
			out[o + k - 1] = (char)('0' + frac % 10);
			frac /= 10;
		}
		o += fl;
	}
	out[o++] = 'Z';
	out[o] = '\0';
	return o;
}

/* ----------------------------------------------------------- decode */

static int
verify_sig(const uint8_t key[TN_KEY_LEN], const uint8_t *payload,
    size_t len, const uint8_t sig[TN_SIG_LEN], struct tn_error *err)
{
	uint8_t *msg;
	int rc;

	if ((msg = malloc(SRL_PREFIX_LEN + len)) == NULL)
		return tn_fail(err, TN_ERR_NOMEM, "out of memory");
	memcpy(msg, SRL_PREFIX, SRL_PREFIX_LEN);
	memcpy(msg + SRL_PREFIX_LEN, payload, len);
	rc = tn_ed25519_verify(key, msg, SRL_PREFIX_LEN + len, sig);
	free(msg);
	if (rc != TN_OK)
		return tn_fail(err, TN_ERR_SIGNATURE_INVALID,
		    "SRL signature does not verify under the control-plane key");
	return TN_OK;
}

/* The signature item decides the form. */
static int
get_signature(const struct tn_cbor_item *it, enum tn_srl_form *form,
    const uint8_t **sig)
{
	if (it->type == TN_CBOR_BYTES && it->v.s.n == TN_SIG_LEN) {
		*form = TN_SRL_FORM_SPEC;
		*sig = it->v.s.p;
		return 0;
	}
	if (it->type == TN_CBOR_ARRAY && it->count == 2 &&
	    it[1].type == TN_CBOR_UINT && it[1].v.u == 1 &&
	    it[2].type == TN_CBOR_BYTES && it[2].v.s.n == TN_SIG_LEN) {
		*form = TN_SRL_FORM_DEPLOYED;
		*sig = it[2].v.s.p;
		return 0;
	}
	return -1;
}

static int
get_issuer(const struct tn_cbor_item *it, enum tn_srl_form form,
    uint8_t out[TN_KEY_LEN])
{
	const struct tn_cbor_item *e;

	if (form == TN_SRL_FORM_DEPLOYED)
		return tn_pubkey_from_item(it, out);
	if (it->type != TN_CBOR_ARRAY || it->count != TN_KEY_LEN)
		return -1;
	e = it + 1;
	for (size_t i = 0; i < TN_KEY_LEN; i++, e = tn_cbor_next(e)) {
		if (e->type != TN_CBOR_UINT || e->v.u > 0xff)
			return -1;
		out[i] = (uint8_t)e->v.u;
	}
	return 0;
}

static int
parse_ids(struct tn_srl *srl, const struct tn_cbor_item *arr,
    struct tn_error *err)
{
	const struct tn_cbor_item *e = arr + 1;
	size_t n = 0;

	if (arr->count == 0)
		return TN_OK;
	srl->ids = calloc(arr->count, TN_ID_LEN);
	if (srl->ids == NULL)
		return tn_fail(err, TN_ERR_NOMEM, "out of memory");
	for (uint32_t i = 0; i < arr->count; i++, e = tn_cbor_next(e)) {
		if (tn_srl_parse_id((const char *)e->v.s.p, e->v.s.n,
		    srl->ids[n]) == 0)
			n++;
		else
			srl->nskipped++;
	}
	qsort(srl->ids, n, TN_ID_LEN, id_cmp);
	srl->nids = 0;
	for (size_t i = 0; i < n; i++) {
		if (srl->nids > 0 &&
		    memcmp(srl->ids[srl->nids - 1], srl->ids[i], TN_ID_LEN) == 0)
			continue;
		if (srl->nids != i)
			memcpy(srl->ids[srl->nids], srl->ids[i], TN_ID_LEN);
		srl->nids++;
	}
	return TN_OK;
}

/* The payload, after its signature verified. */
static int
parse_payload(struct tn_srl *srl, const struct tn_cbor_item *p,
    const uint8_t cp_key[TN_KEY_LEN], uint64_t min_version,
    struct tn_error *err)
{
	const struct tn_cbor_item *k, *v[4], *e;

	if (p->count != 4)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "SRL payload has %u keys, expected 4", p->count);
	k = p + 1;
	for (size_t i = 0; i < 4; i++) {
		if (!tn_cbor_text_eq(k, payload_keys[i]))
			return tn_fail(err, TN_ERR_MALFORMED,
			    "SRL payload key %zu is not \"%s\"", i,
			    payload_keys[i]);
		v[i] = tn_cbor_next(k);
		k = tn_cbor_next(v[i]);
	}
	if (v[0]->type != TN_CBOR_ARRAY)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "SRL revoked_ids is not an array");
	if (v[0]->count > TN_MAX_SRL_IDS)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "SRL has %u revoked ids, limit %u", v[0]->count,
		    TN_MAX_SRL_IDS);
	e = v[0] + 1;
	for (uint32_t i = 0; i < v[0]->count; i++, e = tn_cbor_next(e))
		if (e->type != TN_CBOR_TEXT)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "SRL revoked_ids[%u] is not text", i);
	if (tn_cbor_get_u64(v[1], &srl->version) != 0)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "SRL version is not an unsigned integer");
	if (srl->form == TN_SRL_FORM_SPEC) {
		if (tn_cbor_get_u64(v[2], &srl->issued_at) != 0)
			return tn_fail(err, TN_ERR_MALFORMED,
			    "SRL issued_at is not an unsigned integer");
	} else if (v[2]->type != TN_CBOR_TEXT ||
	    rfc3339_parse(v[2]->v.s.p, v[2]->v.s.n, &srl->issued_at,
	    &srl->issued_at_nanos) != 0)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "SRL issued_at is not an RFC 3339 UTC time");
	if (get_issuer(v[3], srl->form, srl->issuer) != 0)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "SRL issuer is not a public key in the signature's form");
	if (!tn_crypto_memeq(srl->issuer, cp_key, TN_KEY_LEN))
		return tn_fail(err, TN_ERR_SIGNATURE_INVALID,
		    "SRL issuer is not the control-plane key");
	if (srl->version < min_version)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "SRL rollback: version %llu is older than %llu",
		    (unsigned long long)srl->version,
		    (unsigned long long)min_version);
	return parse_ids(srl, v[0], err);
}

int
tn_srl_decode(const uint8_t *buf, size_t len,
    const uint8_t cp_key[TN_KEY_LEN], uint64_t min_version,
    struct tn_srl **out, struct tn_error *err)
{
	struct tn_cbor_doc doc;
	const struct tn_cbor_item *root, *k, *payload = NULL, *sigit = NULL;
	const uint8_t *sig = NULL;
	struct tn_srl *srl = NULL;
	enum tn_srl_form form;
	int rc;

	if (out == NULL || cp_key == NULL)
		return tn_fail(err, TN_ERR_INVALID_ARG, "NULL argument");
	*out = NULL;
	if (buf == NULL || len == 0)
		return tn_fail(err, TN_ERR_MALFORMED, "empty SRL");
	if (len > TN_MAX_SRL_BYTES)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "SRL is %zu bytes, limit %u", len, TN_MAX_SRL_BYTES);
	if ((rc = tn_cbor_decode(buf, len, &srl_limits, &doc, err)) != TN_OK)
		return rc;
	root = &doc.items[0];
	if (root->type != TN_CBOR_MAP) {
		rc = tn_fail(err, TN_ERR_MALFORMED, "SRL is not a CBOR map");
		goto out;
	}
	k = root + 1;
	for (uint32_t i = 0; i < root->count; i++) {
		const struct tn_cbor_item *v = tn_cbor_next(k);

		if (k->type != TN_CBOR_TEXT) {
			rc = tn_fail(err, TN_ERR_MALFORMED,
			    "SRL map key %u is not text", i);
			goto out;
		}
		if (tn_cbor_text_eq(k, "payload"))
			payload = v;
		else if (tn_cbor_text_eq(k, "signature"))
			sigit = v;
		k = tn_cbor_next(v);
	}
	if (payload == NULL || sigit == NULL) {
		rc = tn_fail(err, TN_ERR_MALFORMED,
		    "SRL lacks its payload or signature");
		goto out;
	}
	if (payload->type != TN_CBOR_MAP) {
		rc = tn_fail(err, TN_ERR_MALFORMED, "SRL payload is not a map");
		goto out;
	}
	if (get_signature(sigit, &form, &sig) != 0) {
		rc = tn_fail(err, TN_ERR_MALFORMED,
		    "SRL signature is neither bytes(64) nor [1, bytes(64)]");
		goto out;
	}
	/* Authenticate the raw payload bytes before reading them. */
	if ((rc = verify_sig(cp_key, buf + payload->off, payload->len, sig,
	    err)) != TN_OK)
		goto out;
	if ((srl = calloc(1, sizeof(*srl))) == NULL) {
		rc = tn_fail(err, TN_ERR_NOMEM, "out of memory");
		goto out;
	}
	srl->form = form;
	if ((rc = parse_payload(srl, payload, cp_key, min_version, err)) !=
	    TN_OK)
		goto out;
	*out = srl;
	srl = NULL;
	tn_error_clear(err);
out:
	tn_srl_free(srl);
	tn_cbor_doc_free(&doc);
	return rc;
}

/* ----------------------------------------------------------- encode */

int
tn_srl_encode_text(enum tn_srl_form form, const char *const *ids,
    size_t nids, uint64_t version, uint64_t issued_at,
    uint32_t issued_at_nanos, const uint8_t sk[64], uint8_t **out,
    size_t *outlen, struct tn_error *err)
{
	struct tn_buf pl, env;
	uint8_t sig[TN_SIG_LEN], *msg;
	const uint8_t *pk;
	char ts[31];
	int rc;

	if (out == NULL || outlen == NULL)
		return tn_fail(err, TN_ERR_INVALID_ARG, "NULL output");
	*out = NULL;
	*outlen = 0;
	if (sk == NULL || (ids == NULL && nids > 0) ||
	    (form != TN_SRL_FORM_SPEC && form != TN_SRL_FORM_DEPLOYED))
		return tn_fail(err, TN_ERR_INVALID_ARG, "bad SRL argument");
	if (nids > TN_MAX_SRL_IDS)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "%zu revoked ids, limit %u", nids, TN_MAX_SRL_IDS);
	if (form == TN_SRL_FORM_DEPLOYED &&
	    (issued_at > MAX_RFC3339_SECS || issued_at_nanos >= 1000000000u))
		return tn_fail(err, TN_ERR_INVALID_ARG,
		    "issued_at out of the RFC 3339 range");
	for (size_t i = 0; i < nids; i++)
		if (ids[i] == NULL ||
		    !tn_utf8_valid((const uint8_t *)ids[i], strlen(ids[i])))
			return tn_fail(err, TN_ERR_INVALID_ARG,
			    "revoked id %zu is not UTF-8 text", i);
	pk = sk + 32;

	tn_buf_init(&pl, TN_MAX_SRL_BYTES);
	tn_buf_put(&pl, SRL_PREFIX, SRL_PREFIX_LEN);
	tn_cbor_put_map(&pl, 4);
	tn_cbor_put_cstr(&pl, "revoked_ids");
	tn_cbor_put_array(&pl, nids);
	for (size_t i = 0; i < nids; i++)
		tn_cbor_put_cstr(&pl, ids[i]);
	tn_cbor_put_cstr(&pl, "version");
	tn_cbor_put_uint(&pl, version);
	tn_cbor_put_cstr(&pl, "issued_at");
	if (form == TN_SRL_FORM_SPEC)
		tn_cbor_put_uint(&pl, issued_at);
	else
		tn_cbor_put_text(&pl, ts,
		    rfc3339_format(issued_at, issued_at_nanos, ts));
	tn_cbor_put_cstr(&pl, "issuer");
	if (form == TN_SRL_FORM_SPEC) {
		tn_cbor_put_array(&pl, TN_KEY_LEN);
		for (size_t i = 0; i < TN_KEY_LEN; i++)
			tn_cbor_put_uint(&pl, pk[i]);
	} else
		tn_pubkey_put(&pl, pk);
	if ((rc = tn_buf_status(&pl)) != TN_OK) {
		tn_buf_free(&pl);
		return tn_fail(err, rc, "SRL payload too large");
	}
	/* pl holds prefix || payload: the signed message. */
	msg = pl.p;
	if (tn_ed25519_sign(sk, msg, pl.len, sig) != TN_OK) {
		tn_buf_free(&pl);
		return tn_fail(err, TN_ERR_INVALID_ARG, "bad signing key");
	}
	tn_buf_init(&env, TN_MAX_SRL_BYTES);
	tn_cbor_put_map(&env, 2);
	tn_cbor_put_cstr(&env, "payload");
	tn_buf_put(&env, msg + SRL_PREFIX_LEN, pl.len - SRL_PREFIX_LEN);
	tn_cbor_put_cstr(&env, "signature");
	if (form == TN_SRL_FORM_DEPLOYED) {
		tn_cbor_put_array(&env, 2);
		tn_cbor_put_uint(&env, 1);
	}
	tn_cbor_put_bytes(&env, sig, TN_SIG_LEN);
	tn_buf_free(&pl);
	if ((rc = tn_buf_status(&env)) != TN_OK) {
		tn_buf_free(&env);
		return tn_fail(err, rc, "SRL too large");
	}
	if ((rc = tn_buf_take(&env, out, outlen)) != TN_OK) {
		tn_buf_free(&env);
		return tn_fail(err, rc, "out of memory");
	}
	tn_error_clear(err);
	return TN_OK;
}

int
tn_srl_encode(const uint8_t (*ids)[TN_ID_LEN], size_t nids,
    uint64_t version, uint64_t issued_at, const uint8_t sk[64],
    uint8_t **out, size_t *outlen, struct tn_error *err)
{
	char (*strs)[TN_WARRANT_ID_STR_LEN] = NULL;
	const char **ptrs = NULL;
	int rc;

	if (out == NULL || outlen == NULL)
		return tn_fail(err, TN_ERR_INVALID_ARG, "NULL output");
	*out = NULL;
	*outlen = 0;
	if (ids == NULL && nids > 0)
		return tn_fail(err, TN_ERR_INVALID_ARG, "NULL ids");
	if (nids > TN_MAX_SRL_IDS)
		return tn_fail(err, TN_ERR_MALFORMED,
		    "%zu revoked ids, limit %u", nids, TN_MAX_SRL_IDS);
	if (nids > 0) {
		strs = calloc(nids, sizeof(*strs));
		ptrs = calloc(nids, sizeof(*ptrs));
		if (strs == NULL || ptrs == NULL) {
			free(strs);
			free(ptrs);
			return tn_fail(err, TN_ERR_NOMEM, "out of memory");
		}
		for (size_t i = 0; i < nids; i++) {
			tn_warrant_id_str(ids[i], strs[i]);
			ptrs[i] = strs[i];
		}
	}
	rc = tn_srl_encode_text(TN_SRL_FORM_SPEC, ptrs, nids, version,
	    issued_at, 0, sk, out, outlen, err);
	free(strs);
	free(ptrs);
	return rc;
}
