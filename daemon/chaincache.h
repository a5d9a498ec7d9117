/*
 * chaincache.h: decoded, signature-checked warrant chains, cached by a
 * 32-byte digest of the bytes they were decoded from (authz.c: BLAKE2b-256
 * of the chain headers as received, so a hit skips base64 and gunzip too).
 *
 * What is cached is the expensive part of a task's authorization: decoding
 * a WarrantStack verifies one Ed25519 signature per warrant.  The cheap
 * structural checks (trusted root, links, revocation, expiry at now) are
 * re-run by tn_authorize() on every task, so a hit never skips a check
 * whose answer depends on the time or the trust material.  Entries also
 * leave the cache:
 *   - when the chain's earliest expires_at has passed (lookup at now);
 *   - when the trust store changed: every entry carries the generation it
 *     was stored under, a lookup under another generation misses and frees
 *     it (the caller bumps the generation on every reload of roots or SRL);
 *   - when the cache is full: the least recently used entry is evicted.
 *
 * Fixed capacity chosen at creation (1..CHAINCACHE_MAX_CAPACITY), O(1)
 * lookup and insertion: a hash table of chained indices keyed with a
 * per-cache random SipHash key (libsodium crypto_shorthash; tn_crypto_init()
 * must have run), and an intrusive doubly linked LRU list.  No locking:
 * one cache per thread, or the caller serializes access.
 *
 * Ownership: the cache owns the stacks stored in it.  chaincache_get()
 * returns a borrowed pointer valid until the next call that modifies this
 * cache (put, clear, free, or another get, which may evict).
 */
#ifndef CHAINCACHE_H
#define CHAINCACHE_H

#include <stddef.h>
#include <stdint.h>

#define CHAINCACHE_KEY_LEN		32
#define CHAINCACHE_MAX_CAPACITY		(1u << 20)
#define CHAINCACHE_DEFAULT_CAPACITY	4096u

struct tn_stack;
struct chaincache;

struct chaincache_stats {
	uint64_t	hits;
	uint64_t	misses;
	uint64_t	expired;	/* removed at lookup: past expires_at */
	uint64_t	stale;		/* removed at lookup: old generation */
	uint64_t	evicted;	/* removed to make room (LRU) */
	size_t		entries;
	size_t		capacity;
};

/* A new empty cache, or NULL (capacity out of range, or no memory). */
struct chaincache	*chaincache_new(size_t capacity);
/* Frees the cache and every stack in it; NULL is a no-op. */
void			 chaincache_free(struct chaincache *c);

/*
 * The stack stored under key, if it was stored under generation gen and
 * now < its expires_at; it becomes the most recently used.  NULL on a
 * miss (an expired or stale entry is freed on the way).
 */
const struct tn_stack	*chaincache_get(struct chaincache *c,
			    const uint8_t key[CHAINCACHE_KEY_LEN], uint64_t gen,
			    int64_t now);

/*
 * Stores st under key (replacing an entry with the same key), valid until
 * expires_at, for generation gen; evicts the LRU entry when full.  The
 * cache takes ownership of st in every case: on failure (-1, out of
 * memory is impossible after creation, so only when st is NULL or
 * expires_at is not in the future) st is freed.  Returns 0 or -1.
 */
int			 chaincache_put(struct chaincache *c,
			    const uint8_t key[CHAINCACHE_KEY_LEN],
			    struct tn_stack *st, uint64_t gen, int64_t now,
			    int64_t expires_at);

/* Drops every entry (e.g. on a trust-store reload). */
void			 chaincache_clear(struct chaincache *c);
void			 chaincache_get_stats(const struct chaincache *c,
			    struct chaincache_stats *out);

#endif /* CHAINCACHE_H */
