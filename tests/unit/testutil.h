/*
 * testutil.h: helpers shared by the Check suites: the published Tenuo
 * vectors (../shared/vectors, read with jansson), hex, key material.
 */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "tn_cbor.h"

#define TU_VECTORS	"../shared/vectors/tenuo-spec-vectors.json"
#define TU_POP_FIXTURE	"../shared/vectors/pop-canonical.json"

/* Loads a JSON file; aborts the test (ck_abort) when it cannot. */
json_t		*tu_load_json(const char *path);
/* The vector record with "id" == id, or NULL. Borrowed from root. */
json_t		*tu_vector(json_t *root, const char *id);
/* The warrant of a record whose "label" == label, or NULL. */
json_t		*tu_vector_warrant(json_t *rec, const char *label);
/* A string field of obj; aborts when absent. */
const char	*tu_str(json_t *obj, const char *key);
/* Decodes hex into a malloc'd buffer; aborts on bad hex. */
uint8_t		*tu_unhex(const char *hex, size_t *len);
/* Seed (32 bytes) of the role named in key_material; 0 or -1. */
int		 tu_role_seed(json_t *root, const char *role, uint8_t seed[32]);
/* 64-byte libsodium secret key from a 32-byte seed. */
void		 tu_sk_from_seed(const uint8_t seed[32], uint8_t sk[64],
		    uint8_t pk[32]);
/* Converts a JSON value to CBOR as tenuoctl does (ints stay ints). */
int		 tu_json_to_cbor(json_t *v, struct tn_buf *b);
/* Encodes JSON args to a decoded CBOR doc whose root is the map. */
int		 tu_args_doc(const char *json, uint8_t **buf, size_t *len,
		    struct tn_cbor_doc *doc);

#endif
