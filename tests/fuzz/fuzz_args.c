/*
 * fuzz_args.c: libFuzzer target for Temporal payload normalization
 * (tn_args) and the JSON parser under it.  Input: byte 0 = payload count
 * (mod 5); per payload one encoding byte (json/plain, binary/plain,
 * binary/null, binary/encrypted, none) and a 2-byte big-endian length;
 * when bit 7 of byte 0 is set the rest is the x-tenuo-arg-keys value.
 * Invariants: no crash, no leak; on success the map decodes, has text keys
 * sorted by bytes, and is accepted by tn_pop_challenge; small limits make
 * the caps reachable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tn_args.h"
#include "tn_json.h"
#include "tn_pop.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const encs[] = { "json/plain", "binary/plain",
    "binary/null", "binary/encrypted", NULL };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tn_args_payload pl[4];
	struct tn_args_limits lim;
	struct tn_args a;
	struct tn_json_doc jd;
	size_t n, i = 1, k;
	const uint8_t *keys = NULL;
	static const uint8_t id[TN_ID_LEN];

	/* the whole input as one JSON text, too */
	if (tn_json_parse(size > 0 ? data : NULL, size, NULL, &jd, NULL) ==
	    TN_OK)
		tn_json_doc_free(&jd);
	if (size < 1)
		return 0;
	n = data[0] % 5;
	for (k = 0; k < n; k++) {
		size_t len;
		const char *e;

		if (size - i < 3)
			return 0;
		e = encs[data[i] % 5];
		len = ((size_t)data[i + 1] << 8 | data[i + 2]);
		i += 3;
		if (len > size - i)
			len = size - i;
		pl[k].encoding = (const uint8_t *)e;
		pl[k].encoding_len = e ? strlen(e) : 0;
		/* protobuf-c gives empty bytes as NULL */
		pl[k].data = len > 0 ? data + i : NULL;
		pl[k].data_len = len;
		i += len;
	}
	if (data[0] & 0x80)
		keys = data + i;
	tn_args_limits_default(&lim);
	lim.max_out_bytes = 1u << 16;
	lim.max_depth = 40;
	if (tn_args_normalize(pl, n, keys, keys ? size - i : 0, &lim, &a,
	    NULL) != TN_OK)
		return 0;
	{
		const struct tn_cbor_item *m = &a.doc.items[0], *key = m + 1,
		    *prev = NULL;
		struct tn_buf b;

		if (m->type != TN_CBOR_MAP || m->count != a.nargs ||
		    a.nargs > n)
			abort();
		for (uint32_t j = 0; j < m->count; j++) {
			if (key->type != TN_CBOR_TEXT)
				abort();
			if (prev != NULL) {
				size_t l = prev->v.s.n < key->v.s.n ?
				    prev->v.s.n : key->v.s.n;
				int c = memcmp(prev->v.s.p, key->v.s.p, l);

				if (c > 0 || (c == 0 &&
				    prev->v.s.n >= key->v.s.n))
					abort();
			}
			prev = key;
			key = tn_cbor_next(tn_cbor_next(key));
		}
		tn_buf_init(&b, 1u << 20);
		if (tn_pop_challenge(&b, id, "t", 1, m, 0, NULL) != TN_OK)
			abort();
		tn_buf_free(&b);
	}
	tn_args_free(&a);
	return 0;
}
