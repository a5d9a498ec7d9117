/*
 * fuzz_cbor.c: libFuzzer target for the strict CBOR decoder and the
 * canonical re-encoder.  Invariants: no crash, no leak; a decoded
 * document's items stay inside the input; re-encoding never fails on
 * memory grounds for a bounded input.
 */
#include <stdint.h>
#include <stdlib.h>

#include "tn_cbor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tn_cbor_limits lim = { 1u << 16, 32, 4096 };
	struct tn_cbor_doc d;
	struct tn_buf b;

	if (tn_cbor_decode(data, size, &lim, &d, NULL) != TN_OK)
		return 0;
	for (size_t i = 0; i < d.nitems; i++) {
		const struct tn_cbor_item *it = &d.items[i];

		if (it->off > size || it->len > size - it->off ||
		    it->size == 0 || it->size > d.nitems - i)
			abort();
	}
	tn_buf_init(&b, 1u << 20);
	(void)tn_cbor_put_canonical(&b, &d.items[0], 40);
	tn_buf_free(&b);
	tn_cbor_doc_free(&d);
	return 0;
}
