/*
 * tasktoken.c: see tasktoken.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "tasktoken.h"

#define TT_CONTEXT	"tenuo-sidecar/task-token/v1"
/* A key file is 32 raw bytes or 64 hex digits and a newline: read at
 * most one byte more than the longest accepted form. */
#define TT_FILE_MAX	(2 * TASKTOKEN_KEY_LEN + 2)

void
tasktoken_keys_init(struct tasktoken_keys *k,
    const uint8_t cur[TASKTOKEN_KEY_LEN], const uint8_t *prev)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->cur, cur, TASKTOKEN_KEY_LEN);
	if (prev != NULL) {
		memcpy(k->prev, prev, TASKTOKEN_KEY_LEN);
		k->has_prev = 1;
	}
}

void
tasktoken_keys_wipe(struct tasktoken_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

static int
tt_mac(const uint8_t key[TASKTOKEN_KEY_LEN], const uint8_t *tok, size_t n,
    uint8_t mac[TASKTOKEN_MAC_LEN])
{
	static const uint8_t version = TASKTOKEN_VERSION;
	EVP_MAC *alg;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	size_t maclen = 0;
	int ok = 0;

	if ((alg = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return -1;
	params[0] = OSSL_PARAM_construct_utf8_string("digest",
	    (char *)(uintptr_t)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_MAC_CTX_new(alg)) != NULL &&
	    EVP_MAC_init(ctx, key, TASKTOKEN_KEY_LEN, params) == 1 &&
	    EVP_MAC_update(ctx, (const uint8_t *)TT_CONTEXT,
	    sizeof(TT_CONTEXT) - 1) == 1 &&
	    EVP_MAC_update(ctx, &version, 1) == 1 &&
	    EVP_MAC_update(ctx, tok, n) == 1 &&
	    EVP_MAC_final(ctx, mac, &maclen, TASKTOKEN_MAC_LEN) == 1 &&
	    maclen == TASKTOKEN_MAC_LEN)
		ok = 1;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(alg);
	return ok ? 0 : -1;
}

int
tasktoken_wrap(const struct tasktoken_keys *k, const uint8_t *tok, size_t n,
    uint8_t **out, size_t *outlen)
{
	uint8_t *w;

	*out = NULL;
	*outlen = 0;
	if (tok == NULL || n == 0 || n > TASKTOKEN_MAX_TOKEN)
		return -1;
	if ((w = malloc(n + TASKTOKEN_OVERHEAD)) == NULL)
		return -1;
	w[0] = TASKTOKEN_VERSION;
	if (tt_mac(k->cur, tok, n, w + 1) != 0) {
		free(w);
		return -1;
	}
	memcpy(w + TASKTOKEN_OVERHEAD, tok, n);
	*out = w;
	*outlen = n + TASKTOKEN_OVERHEAD;
	return 0;
}

static int
tt_mac_ok(const uint8_t key[TASKTOKEN_KEY_LEN], const uint8_t *w, size_t n)
{
	uint8_t mac[TASKTOKEN_MAC_LEN];
	int ok;

	if (tt_mac(key, w + TASKTOKEN_OVERHEAD, n - TASKTOKEN_OVERHEAD,
	    mac) != 0)
		return 0;
	ok = CRYPTO_memcmp(mac, w + 1, TASKTOKEN_MAC_LEN) == 0;
	OPENSSL_cleanse(mac, sizeof(mac));
	return ok;
}

int
tasktoken_unwrap(const struct tasktoken_keys *k, const uint8_t *w, size_t n,
    const uint8_t **tok, size_t *toklen, int *used_prev)
{
	int prev = 0;

	*tok = NULL;
	*toklen = 0;
	if (w == NULL || n <= TASKTOKEN_OVERHEAD ||
	    n > TASKTOKEN_MAX_TOKEN + TASKTOKEN_OVERHEAD ||
	    w[0] != TASKTOKEN_VERSION)
		return -1;
	if (!tt_mac_ok(k->cur, w, n)) {
		if (!k->has_prev || !tt_mac_ok(k->prev, w, n))
			return -1;
		prev = 1;
	}
	*tok = w + TASKTOKEN_OVERHEAD;
	*toklen = n - TASKTOKEN_OVERHEAD;
	if (used_prev != NULL)
		*used_prev = prev;
	return 0;
}

/* ------------------------------------------------------------ key files */

static int
tt_err(char *errbuf, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
tt_err(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errbuf != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(errbuf, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 32 raw bytes, or 64 hex digits with an optional trailing newline. */
static int
tt_parse_key(const uint8_t *b, size_t n, uint8_t key[TASKTOKEN_KEY_LEN])
{
	if (n == TASKTOKEN_KEY_LEN) {
		memcpy(key, b, TASKTOKEN_KEY_LEN);
		return 0;
	}
	if (n == 2 * TASKTOKEN_KEY_LEN + 1 && b[n - 1] == '\n')
		n--;
	if (n != 2 * TASKTOKEN_KEY_LEN)
		return -1;
	for (size_t i = 0; i < TASKTOKEN_KEY_LEN; i++) {
		int hi = hexval(b[2 * i]), lo = hexval(b[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* 1: created, 0: it already existed, -1: error. */
static int
tt_create(const char *path, char *errbuf, size_t errlen)
{
	uint8_t key[TASKTOKEN_KEY_LEN];
	int fd, rc = -1;

	if (RAND_bytes(key, sizeof(key)) != 1)
		return tt_err(errbuf, errlen, "%s: RAND_bytes failed", path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0) {
		OPENSSL_cleanse(key, sizeof(key));
		if (errno == EEXIST)
			return 0;	/* someone else made it: read theirs */
		return tt_err(errbuf, errlen, "%s: cannot create: %s", path,
		    strerror(errno));
	}
	if (write(fd, key, sizeof(key)) == (ssize_t)sizeof(key) &&
	    fsync(fd) == 0)
		rc = 1;
	else
		tt_err(errbuf, errlen, "%s: cannot write: %s", path,
		    strerror(errno));
	OPENSSL_cleanse(key, sizeof(key));
	if (close(fd) != 0 && rc == 1)
		rc = tt_err(errbuf, errlen, "%s: close: %s", path,
		    strerror(errno));
	if (rc < 0)
		(void)unlink(path);
	return rc;
}

static int
tt_check_mode(int fd, const char *path, char *errbuf, size_t errlen)
{
	struct stat sb;

	if (fstat(fd, &sb) != 0)
		return tt_err(errbuf, errlen, "%s: %s", path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return tt_err(errbuf, errlen, "%s: not a regular file", path);
	if ((sb.st_mode & 077) != 0)
		return tt_err(errbuf, errlen, "%s: must not be readable or "
		    "writable by group or others (mode %03o; chmod 600)", path,
		    (unsigned)(sb.st_mode & 0777));
	if (sb.st_uid != 0 && sb.st_uid != geteuid())
		return tt_err(errbuf, errlen, "%s: owned by uid %u, expected "
		    "root or uid %u", path, (unsigned)sb.st_uid,
		    (unsigned)geteuid());
	return 0;
}

static int
tt_read(const char *path, uint8_t key[TASKTOKEN_KEY_LEN], char *errbuf,
    size_t errlen)
{
	uint8_t buf[TT_FILE_MAX];
	size_t n = 0;
	ssize_t r;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return tt_err(errbuf, errlen, "%s: %s", path, strerror(errno));
	if (tt_check_mode(fd, path, errbuf, errlen) != 0)
		goto out;
	while (n < sizeof(buf) &&
	    (r = read(fd, buf + n, sizeof(buf) - n)) > 0)
		n += (size_t)r;
	if (tt_parse_key(buf, n, key) != 0)
		tt_err(errbuf, errlen, "%s: expected 32 random bytes or 64 hex "
		    "digits (%zu bytes read)", path, n);
	else
		rc = 0;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	(void)close(fd);
	return rc;
}

int
tasktoken_key_file_load(const char *path, int create,
    uint8_t key[TASKTOKEN_KEY_LEN], int *created, char *errbuf, size_t errlen)
{
	struct stat sb;

	if (created != NULL)
		*created = 0;
	if (create && lstat(path, &sb) != 0 && errno == ENOENT) {
		int rc = tt_create(path, errbuf, errlen);

		if (rc < 0)
			return -1;
		if (created != NULL)
			*created = rc;
	}
	if (tt_read(path, key, errbuf, errlen) != 0) {
		OPENSSL_cleanse(key, TASKTOKEN_KEY_LEN);
		return -1;
	}
	return 0;
}
