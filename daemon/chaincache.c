/*
 * chaincache.c: see chaincache.h.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "chaincache.h"
#include "tn_warrant.h"

#define CC_NIL	UINT32_MAX

struct cc_entry {
	uint8_t		 key[CHAINCACHE_KEY_LEN];
	struct tn_stack	*st;		/* NULL: slot free */
	uint64_t	 gen;
	int64_t		 expires_at;
	uint32_t	 hnext;		/* next in bucket, or free list */
	uint32_t	 prev;		/* LRU: toward the head (MRU) */
	uint32_t	 next;		/* LRU: toward the tail (LRU) */
};

struct chaincache {
	struct cc_entry	*e;
	uint32_t	 cap;
	uint32_t	*bucket;
	uint32_t	 mask;		/* buckets - 1 */
	uint32_t	 head, tail;	/* MRU, LRU */
	uint32_t	 freelist;
	size_t		 n;
	uint8_t		 hkey[crypto_shorthash_KEYBYTES];
	struct chaincache_stats st;
};

static uint32_t
cc_bucket(const struct chaincache *c, const uint8_t key[CHAINCACHE_KEY_LEN])
{
	uint8_t h[crypto_shorthash_BYTES];
	uint32_t v;

	crypto_shorthash(h, key, CHAINCACHE_KEY_LEN, c->hkey);
	memcpy(&v, h, sizeof(v));
	return v & c->mask;
}

static void
lru_unlink(struct chaincache *c, uint32_t i)
{
	struct cc_entry *e = &c->e[i];

	if (e->prev != CC_NIL)
		c->e[e->prev].next = e->next;
	else
		c->head = e->next;
	if (e->next != CC_NIL)
		c->e[e->next].prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = CC_NIL;
}

static void
lru_push_front(struct chaincache *c, uint32_t i)
{
	struct cc_entry *e = &c->e[i];

	e->prev = CC_NIL;
	e->next = c->head;
	if (c->head != CC_NIL)
		c->e[c->head].prev = i;
	c->head = i;
	if (c->tail == CC_NIL)
		c->tail = i;
}

/* Index of the entry for key, or CC_NIL; *link gets the pointer to it. */
static uint32_t
cc_find(struct chaincache *c, const uint8_t key[CHAINCACHE_KEY_LEN],
    uint32_t **link)
{
	uint32_t *l = &c->bucket[cc_bucket(c, key)];

	while (*l != CC_NIL) {
		if (memcmp(c->e[*l].key, key, CHAINCACHE_KEY_LEN) == 0) {
			if (link != NULL)
				*link = l;
			return *l;
		}
		l = &c->e[*l].hnext;
	}
	return CC_NIL;
}

static void
cc_remove(struct chaincache *c, uint32_t i)
{
	struct cc_entry *e = &c->e[i];
	uint32_t *link = NULL;

	if (cc_find(c, e->key, &link) == i)
		*link = e->hnext;
	lru_unlink(c, i);
	tn_stack_free(e->st);
	memset(e, 0, sizeof(*e));
	e->prev = e->next = CC_NIL;
	e->hnext = c->freelist;
	c->freelist = i;
	c->n--;
}

struct chaincache *
chaincache_new(size_t capacity)
{
	struct chaincache *c;
	size_t nb = 2;

	if (capacity == 0 || capacity > CHAINCACHE_MAX_CAPACITY)
		return NULL;
	while (nb < 2 * capacity)
		nb <<= 1;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->e = calloc(capacity, sizeof(*c->e));
	c->bucket = malloc(nb * sizeof(*c->bucket));
	if (c->e == NULL || c->bucket == NULL) {
		chaincache_free(c);
		return NULL;
	}
	c->cap = (uint32_t)capacity;
	c->mask = (uint32_t)(nb - 1);
	memset(c->bucket, 0xff, nb * sizeof(*c->bucket));
	for (uint32_t i = 0; i < c->cap; i++) {
		c->e[i].prev = c->e[i].next = CC_NIL;
		c->e[i].hnext = i + 1 < c->cap ? i + 1 : CC_NIL;
	}
	c->freelist = 0;
	c->head = c->tail = CC_NIL;
	randombytes_buf(c->hkey, sizeof(c->hkey));
	c->st.capacity = capacity;
	return c;
}

void
chaincache_free(struct chaincache *c)
{
	if (c == NULL)
		return;
	if (c->e != NULL && c->bucket != NULL)
		chaincache_clear(c);
	free(c->e);
	free(c->bucket);
	sodium_memzero(c->hkey, sizeof(c->hkey));
	free(c);
}

const struct tn_stack *
chaincache_get(struct chaincache *c, const uint8_t key[CHAINCACHE_KEY_LEN],
    uint64_t gen, int64_t now)
{
	uint32_t i = cc_find(c, key, NULL);

	if (i == CC_NIL) {
		c->st.misses++;
		return NULL;
	}
	if (c->e[i].gen != gen || now >= c->e[i].expires_at) {
		if (c->e[i].gen != gen)
			c->st.stale++;
		else
			c->st.expired++;
		cc_remove(c, i);
		c->st.misses++;
		return NULL;
	}
	lru_unlink(c, i);
	lru_push_front(c, i);
	c->st.hits++;
	return c->e[i].st;
}

int
chaincache_put(struct chaincache *c, const uint8_t key[CHAINCACHE_KEY_LEN],
    struct tn_stack *st, uint64_t gen, int64_t now, int64_t expires_at)
{
	uint32_t i, b;

	if (st == NULL || expires_at <= now) {
		tn_stack_free(st);
		return -1;
	}
	if ((i = cc_find(c, key, NULL)) != CC_NIL)
		cc_remove(c, i);
	if (c->freelist == CC_NIL) {
		cc_remove(c, c->tail);
		c->st.evicted++;
	}
	i = c->freelist;
	c->freelist = c->e[i].hnext;
	memcpy(c->e[i].key, key, CHAINCACHE_KEY_LEN);
	c->e[i].st = st;
	c->e[i].gen = gen;
	c->e[i].expires_at = expires_at;
	b = cc_bucket(c, key);
	c->e[i].hnext = c->bucket[b];
	c->bucket[b] = i;
	lru_push_front(c, i);
	c->n++;
	return 0;
}

void
chaincache_clear(struct chaincache *c)
{
	while (c->head != CC_NIL)
		cc_remove(c, c->head);
}

void
chaincache_get_stats(const struct chaincache *c, struct chaincache_stats *out)
{
	*out = c->st;
	out->entries = c->n;
}
