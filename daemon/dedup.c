/*
 * dedup.c: see dedup.h.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dedup.h"
#include "tn_crypto.h"

#define DD_NIL		UINT32_MAX
/* Expired keys dropped per call at most: keeps each call O(1). */
#define DD_PURGE_STEP	8

struct dd_entry {
	uint8_t		key[DEDUP_KEY_LEN];
	int64_t		seen_ms;
	uint32_t	hnext;		/* next in bucket, or free list */
	uint32_t	older;		/* toward the oldest */
	uint32_t	newer;
};

struct dedup {
	struct dd_entry	*e;
	uint32_t	 cap;
	uint32_t	*bucket;
	uint32_t	 mask;
	uint32_t	 oldest, newest;
	uint32_t	 freelist;
	int64_t		 ttl_ms;
	uint8_t		 hkey[crypto_shorthash_KEYBYTES];
	struct dedup_stats st;
};

static uint32_t
dd_bucket(const struct dedup *d, const uint8_t key[DEDUP_KEY_LEN])
{
	uint8_t h[crypto_shorthash_BYTES];
	uint32_t v;

	crypto_shorthash(h, key, DEDUP_KEY_LEN, d->hkey);
	memcpy(&v, h, sizeof(v));
	return v & d->mask;
}

static uint32_t *
dd_link(struct dedup *d, const uint8_t key[DEDUP_KEY_LEN])
{
	uint32_t *l = &d->bucket[dd_bucket(d, key)];

	while (*l != DD_NIL &&
	    memcmp(d->e[*l].key, key, DEDUP_KEY_LEN) != 0)
		l = &d->e[*l].hnext;
	return l;
}

/* Removes the oldest entry. */
static void
dd_pop_oldest(struct dedup *d)
{
	uint32_t i = d->oldest;
	struct dd_entry *e = &d->e[i];
	uint32_t *l = dd_link(d, e->key);

	*l = e->hnext;
	d->oldest = e->newer;
	if (d->oldest != DD_NIL)
		d->e[d->oldest].older = DD_NIL;
	else
		d->newest = DD_NIL;
	memset(e, 0, sizeof(*e));
	e->hnext = d->freelist;
	d->freelist = i;
	d->st.entries--;
}

static void
dd_purge(struct dedup *d, int64_t now_ms)
{
	for (int k = 0; k < DD_PURGE_STEP && d->oldest != DD_NIL; k++) {
		if (now_ms - d->e[d->oldest].seen_ms < d->ttl_ms)
			return;
		dd_pop_oldest(d);
		d->st.expired++;
	}
}

static void
dd_insert(struct dedup *d, const uint8_t key[DEDUP_KEY_LEN], int64_t now_ms)
{
	uint32_t i, b;

	if (d->freelist == DD_NIL) {
		dd_pop_oldest(d);
		d->st.evicted++;
	}
	i = d->freelist;
	d->freelist = d->e[i].hnext;
	memcpy(d->e[i].key, key, DEDUP_KEY_LEN);
	d->e[i].seen_ms = now_ms;
	b = dd_bucket(d, key);
	d->e[i].hnext = d->bucket[b];
	d->bucket[b] = i;
	d->e[i].older = d->newest;
	d->e[i].newer = DD_NIL;
	if (d->newest != DD_NIL)
		d->e[d->newest].newer = i;
	else
		d->oldest = i;
	d->newest = i;
	d->st.entries++;
	d->st.recorded++;
}

/* Unlinks entry i from anywhere in the age list and the table. */
static void
dd_remove(struct dedup *d, uint32_t *link)
{
	uint32_t i = *link;
	struct dd_entry *e = &d->e[i];

	*link = e->hnext;
	if (e->older != DD_NIL)
		d->e[e->older].newer = e->newer;
	else
		d->oldest = e->newer;
	if (e->newer != DD_NIL)
		d->e[e->newer].older = e->older;
	else
		d->newest = e->older;
	memset(e, 0, sizeof(*e));
	e->hnext = d->freelist;
	d->freelist = i;
	d->st.entries--;
}

struct dedup *
dedup_new(size_t capacity, int64_t ttl_ms)
{
	struct dedup *d;
	size_t nb = 2;

	if (capacity == 0 || capacity > DEDUP_MAX_CAPACITY || ttl_ms <= 0)
		return NULL;
	while (nb < 2 * capacity)
		nb <<= 1;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->e = calloc(capacity, sizeof(*d->e));
	d->bucket = malloc(nb * sizeof(*d->bucket));
	if (d->e == NULL || d->bucket == NULL) {
		dedup_free(d);
		return NULL;
	}
	d->cap = (uint32_t)capacity;
	d->mask = (uint32_t)(nb - 1);
	d->ttl_ms = ttl_ms;
	memset(d->bucket, 0xff, nb * sizeof(*d->bucket));
	for (uint32_t i = 0; i < d->cap; i++)
		d->e[i].hnext = i + 1 < d->cap ? i + 1 : DD_NIL;
	d->freelist = 0;
	d->oldest = d->newest = DD_NIL;
	randombytes_buf(d->hkey, sizeof(d->hkey));
	d->st.capacity = capacity;
	return d;
}

void
dedup_free(struct dedup *d)
{
	if (d == NULL)
		return;
	free(d->e);
	free(d->bucket);
	sodium_memzero(d->hkey, sizeof(d->hkey));
	free(d);
}

static void
put_field(struct tn_sha256_ctx *h, const void *p, size_t n)
{
	uint8_t len[8];

	for (int i = 0; i < 8; i++)
		len[i] = (uint8_t)((uint64_t)n >> (8 * i));
	tn_sha256_update(h, len, sizeof(len));
	tn_sha256_update(h, p, n);
}

static void
put_str(struct tn_sha256_ctx *h, const char *s)
{
	if (s == NULL)
		s = "";
	put_field(h, s, strlen(s));
}

void
dedup_key(uint8_t out[DEDUP_KEY_LEN], const char *id_hex, const char *tool,
    const uint8_t *args, size_t args_len, const char *workflow_id,
    const char *run_id, const char *activity_id)
{
	struct tn_sha256_ctx h;

	tn_sha256_init(&h);
	put_str(&h, "tenuo-sidecar/dedup/v1");
	put_str(&h, id_hex);
	put_str(&h, tool);
	put_field(&h, args, args != NULL ? args_len : 0);
	put_str(&h, workflow_id);
	put_str(&h, run_id);
	put_str(&h, activity_id);
	tn_sha256_final(&h, out);
}

int
dedup_check(struct dedup *d, const uint8_t key[DEDUP_KEY_LEN], int64_t now_ms,
    int64_t *age_ms)
{
	uint32_t *l;

	dd_purge(d, now_ms);
	l = dd_link(d, key);
	if (*l != DD_NIL) {
		int64_t age = now_ms - d->e[*l].seen_ms;

		if (age < d->ttl_ms) {
			if (age_ms != NULL)
				*age_ms = age;
			d->st.replays++;
			return 1;
		}
		dd_remove(d, l);
		d->st.expired++;
	}
	dd_insert(d, key, now_ms);
	return 0;
}

void
dedup_get_stats(const struct dedup *d, struct dedup_stats *out)
{
	*out = d->st;
}
