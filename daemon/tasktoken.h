/*
 * tasktoken.h: binds a worker's answers to the activity tasks the sidecar
 * delivered, across sidecar restarts, in constant memory.
 *
 * On delivery the sidecar replaces the task's task_token (Temporal's opaque
 * bytes) with a wrapped token; on RespondActivityTask{Completed,Failed,
 * Canceled} and RecordActivityTaskHeartbeat it unwraps the token the worker
 * sends back and forwards the original.  A token the sidecar did not wrap
 * (or wrapped under a key it no longer has) fails to unwrap: the caller
 * answers PERMISSION_DENIED and writes an audit event.
 *
 * Wrapped token format (version 1):
 *
 *   byte 0        0x01 (TASKTOKEN_VERSION)
 *   bytes 1..32   HMAC-SHA256(key, "tenuo-sidecar/task-token/v1" ||
 *                              0x01 || original token)
 *   bytes 33..    the original token, unchanged
 *
 * The original stays readable (Temporal's token is not secret: the worker
 * had it before); the MAC only proves the sidecar issued it.  Nothing is
 * stored per task, so memory does not grow with in-flight tasks and a
 * restarted sidecar accepts answers to tasks delivered before the restart.
 * MACs are compared in constant time (CRYPTO_memcmp).
 *
 * Keys: 32 random bytes in a file (tasktoken_key_file_load()).  Rotation:
 * start the sidecar with the new key as current and the old one as
 * previous; tokens under either unwrap, new tokens use the current key.
 * Once every task delivered under the old key has ended (the longest
 * activity timeout), drop the previous key.  Several sidecars in front of
 * the same workers must share the key file.
 *
 * The *ById forms (RespondActivityTaskCompletedById, ...) carry no token;
 * they cannot be bound this way.
 *
 * Ownership: struct tasktoken_keys is plain memory owned by the caller;
 * wipe it with tasktoken_keys_wipe().  Wrapped tokens are malloc'd and
 * owned by the caller; unwrap returns a pointer into the caller's buffer.
 */
#ifndef TASKTOKEN_H
#define TASKTOKEN_H

#include <stddef.h>
#include <stdint.h>

#define TASKTOKEN_VERSION	0x01
#define TASKTOKEN_KEY_LEN	32
#define TASKTOKEN_MAC_LEN	32
#define TASKTOKEN_OVERHEAD	(1 + TASKTOKEN_MAC_LEN)
/* Largest original token wrapped (Temporal's are a few hundred bytes). */
#define TASKTOKEN_MAX_TOKEN	(64u * 1024u)

struct tasktoken_keys {
	uint8_t	cur[TASKTOKEN_KEY_LEN];
	uint8_t	prev[TASKTOKEN_KEY_LEN];
	int	has_prev;
};

/* Sets the current key and, when prev is not NULL, the previous one. */
void	tasktoken_keys_init(struct tasktoken_keys *k,
	    const uint8_t cur[TASKTOKEN_KEY_LEN],
	    const uint8_t *prev);
void	tasktoken_keys_wipe(struct tasktoken_keys *k);

/*
 * Reads a key file: exactly 32 raw bytes, or 64 hex digits and an optional
 * newline.  The file must be a regular file owned by root or by the
 * effective user, neither readable nor writable by group or others.  When
 * it does not exist and create is set, it is created (O_EXCL, mode 0600)
 * with 32 bytes from OpenSSL's RAND_bytes and *created is set.
 * Returns 0, or -1 with a message in errbuf (never the key).
 */
int	tasktoken_key_file_load(const char *path, int create,
	    uint8_t key[TASKTOKEN_KEY_LEN], int *created, char *errbuf,
	    size_t errlen);

/*
 * Wraps tok[0..n) (1..TASKTOKEN_MAX_TOKEN bytes) under the current key.
 * On success *out is malloc'd (caller frees), *outlen = n + OVERHEAD.
 * Returns 0, or -1 (empty or oversized token, no memory, OpenSSL failure)
 * with *out = NULL.
 */
int	tasktoken_wrap(const struct tasktoken_keys *k, const uint8_t *tok,
	    size_t n, uint8_t **out, size_t *outlen)
	    __attribute__((warn_unused_result));

/*
 * Checks a wrapped token: version, then the MAC under the current key and
 * then the previous one.  On success *tok and *toklen give the original
 * token inside w (borrowed), *used_prev (if not NULL) says whether the
 * previous key matched, and the return is 0.  Anything else (too short,
 * unknown version, MAC under neither key) returns -1 with *tok = NULL:
 * the sidecar did not issue this token.
 */
int	tasktoken_unwrap(const struct tasktoken_keys *k, const uint8_t *w,
	    size_t n, const uint8_t **tok, size_t *toklen, int *used_prev)
	    __attribute__((warn_unused_result));

#endif /* TASKTOKEN_H */
