/*
 * dedup.h: first-attempt replay detection for authorized activity tasks.
 *
 * As deployed Tenuo does it (tenuo-python _dedup.py, _interceptors.py
 * 989-999): after a task is allowed, and only when its attempt is 1 (or 0),
 * its key is recorded; a second first-attempt task with the same key within
 * the TTL is a replay and is denied (POP_VERIFICATION_FAILED, "replay
 * detected").  Deployed values: TTL 120 s, at most 10,000 keys
 * (_state.py:64-65, warrant.rs:1364-1366).
 *
 * The key (dedup_key()) is SHA-256 over the warrant id, the tool, the
 * canonical argument map (the CBOR of tn_args, keys sorted) and the
 * workflow id, run id and activity id, each length-prefixed, so no two
 * different tuples share a key.
 *
 * Bounded: a fixed capacity chosen at creation; keys are kept in insertion
 * order, expired ones are dropped from the old end as new ones arrive, and
 * when the table is full the oldest key is evicted (it can then no longer
 * be recognised as a replay: the capacity must cover TTL x peak rate).
 * O(1) per call: a hash table with a per-table random SipHash key
 * (libsodium; tn_crypto_init() must have run).  No locking: one table per
 * process behind the caller's lock, or one per thread when tasks of a
 * workflow cannot reach two threads.
 */
#ifndef DEDUP_H
#define DEDUP_H

#include <stddef.h>
#include <stdint.h>

#define DEDUP_KEY_LEN		32
#define DEDUP_DEFAULT_TTL_MS	120000
#define DEDUP_DEFAULT_CAPACITY	10000u
#define DEDUP_MAX_CAPACITY	(1u << 22)

struct dedup;

struct dedup_stats {
	uint64_t	recorded;
	uint64_t	replays;
	uint64_t	expired;
	uint64_t	evicted;	/* dropped before their TTL: table full */
	size_t		entries;
	size_t		capacity;
};

/* A new table, or NULL (capacity out of range, ttl_ms <= 0, no memory). */
struct dedup	*dedup_new(size_t capacity, int64_t ttl_ms);
void		 dedup_free(struct dedup *d);	/* NULL is a no-op */

/*
 * Computes the key of one task.  id_hex: the warrant id as 32 lowercase
 * hex digits; args: the canonical CBOR argument map (may be NULL with
 * args_len 0); the strings are NUL-terminated (NULL reads as "").
 */
void		 dedup_key(uint8_t out[DEDUP_KEY_LEN], const char *id_hex,
		    const char *tool, const uint8_t *args, size_t args_len,
		    const char *workflow_id, const char *run_id,
		    const char *activity_id);

/*
 * Returns 0 if key was not seen within the TTL (it is recorded now), or 1
 * if it was: a replay, *age_ms (if not NULL) says how long ago it was
 * first recorded.  A replay does not refresh the record.
 */
int		 dedup_check(struct dedup *d, const uint8_t key[DEDUP_KEY_LEN],
		    int64_t now_ms, int64_t *age_ms);

void		 dedup_get_stats(const struct dedup *d, struct dedup_stats *out);

#endif /* DEDUP_H */
