/*
 * ctl_util.c: messages, number and key parsing, files, clock, randomness.
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "tn_codec.h"
#include "tn_crypto.h"

void
ctl_err(const char *fmt, ...)
{
	va_list ap;

	fputs("tenuoctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
ctl_err_lib(const char *what, const struct tn_error *e)
{
	ctl_err("%s: %s: %s", what, tn_err_name(e->code),
	    e->reason[0] != '\0' ? e->reason : "(no detail)");
}

/* Decimal only, no sign, no leading/trailing junk, within [min, max]. */
int
ctl_parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max,
    uint64_t *out)
{
	uintmax_t v;
	char *end;

	if (s[0] < '0' || s[0] > '9')
		goto bad;
	errno = 0;
	v = strtoumax(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > UINT64_MAX)
		goto bad;
	if (v < min || v > max) {
		ctl_err("%s: %s out of range (%" PRIu64 "-%" PRIu64 ")", opt, s,
		    min, max);
		return -1;
	}
	*out = (uint64_t)v;
	return 0;
bad:
	ctl_err("%s: expected %s integer, got '%s'", opt,
	    min > 0 ? "a positive" : "a non-negative", s);
	return -1;
}

int
ctl_parse_key(const char *opt, const char *s, uint8_t out[TN_KEY_LEN])
{
	size_t n = strlen(s), got;

	if (n != 2 * TN_KEY_LEN ||
	    tn_hex_decode(s, n, out, TN_KEY_LEN, &got, NULL) != TN_OK) {
		ctl_err("%s: expected a public key of 64 hex digits, got '%s'",
		    opt, s);
		return -1;
	}
	return 0;
}

int
ctl_now(int64_t *out)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1 || ts.tv_sec < 0) {
		ctl_err("cannot read the clock: %s", strerror(errno));
		return -1;
	}
	*out = (int64_t)ts.tv_sec;
	return 0;
}

/* Milliseconds since the epoch, for UUIDv7 ids (0 if the clock fails). */
uint64_t
ctl_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1 || ts.tv_sec < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int
ctl_random(void *p, size_t n)
{
	uint8_t *q = p;

	while (n > 0) {
		ssize_t r = getrandom(q, n, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			ctl_err("getrandom: %s", strerror(errno));
			return -1;
		}
		q += r;
		n -= (size_t)r;
	}
	return 0;
}

/* RFC 9562 UUIDv7: 48-bit ms timestamp, version 7, variant 10, random. */
int
ctl_uuidv7(uint64_t ms, uint8_t id[TN_ID_LEN])
{
	if (ctl_random(id + 6, TN_ID_LEN - 6) == -1)
		return -1;
	for (int i = 0; i < 6; i++)
		id[i] = (uint8_t)(ms >> (8 * (5 - i)));
	id[6] = (uint8_t)(0x70u | (id[6] & 0x0fu));
	id[8] = (uint8_t)(0x80u | (id[8] & 0x3fu));
	return 0;
}

static int
read_fd(const char *opt, const char *name, int fd, size_t max, uint8_t **out,
    size_t *outlen)
{
	uint8_t *buf;
	size_t len = 0;
	ssize_t r;

	if ((buf = malloc(max + 1)) == NULL) {
		ctl_err("%s: out of memory", opt);
		return -1;
	}
	while ((r = read(fd, buf + len, max + 1 - len)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ctl_err("%s: %s: %s", opt, name, strerror(errno));
			free(buf);
			return -1;
		}
		len += (size_t)r;
		if (len > max) {
			ctl_err("%s: %s: larger than %zu bytes", opt, name, max);
			free(buf);
			return -1;
		}
	}
	*out = buf;
	*outlen = len;
	return 0;
}

int
ctl_read_path(const char *opt, const char *path, size_t max, uint8_t **out,
    size_t *outlen)
{
	int fd, rc;

	if (strcmp(path, "-") == 0)
		return read_fd(opt, "stdin", STDIN_FILENO, max, out, outlen);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		ctl_err("%s: %s: %s", opt, path, strerror(errno));
		return -1;
	}
	rc = read_fd(opt, path, fd, max, out, outlen);
	close(fd);
	return rc;
}

/*
 * An argument that is "-" or names an existing file is read from there;
 * anything else is the value itself.
 */
int
ctl_read_arg(const char *opt, const char *arg, size_t max, uint8_t **out,
    size_t *outlen)
{
	struct stat st;
	size_t n;

	if (strcmp(arg, "-") == 0 || stat(arg, &st) == 0) {
		if (strcmp(arg, "-") != 0 && S_ISDIR(st.st_mode)) {
			ctl_err("%s: %s is a directory", opt, arg);
			return -1;
		}
		return ctl_read_path(opt, arg, max, out, outlen);
	}
	if ((n = strlen(arg)) > max) {
		ctl_err("%s: value longer than %zu bytes", opt, max);
		return -1;
	}
	if ((*out = malloc(n + 1)) == NULL) {
		ctl_err("%s: out of memory", opt);
		return -1;
	}
	memcpy(*out, arg, n + 1);
	*outlen = n;
	return 0;
}

/* Reads up to cap bytes (less at end of file).  0 or -1 with errno. */
static int
read_small(int fd, char *buf, size_t cap, size_t *n)
{
	ssize_t r;

	*n = 0;
	while (*n < cap && (r = read(fd, buf + *n, cap - *n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		*n += (size_t)r;
	}
	return 0;
}

/* Key file: 64 hex digits of the seed, an optional newline, mode 0600. */
int
ctl_key_load(const char *path, uint8_t sk[64], uint8_t pk[TN_KEY_LEN])
{
	char buf[CTL_KEYFILE_MAX];
	uint8_t seed[32];
	struct stat st;
	size_t n = 0, got;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		ctl_err("--key: %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		ctl_err("--key: %s: not a regular file", path);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		ctl_err("--key: %s: mode %04o gives group/other access; "
		    "run chmod 600 %s", path, (unsigned)(st.st_mode & 07777),
		    path);
		goto out;
	}
	if (read_small(fd, buf, sizeof(buf), &n) == -1) {
		ctl_err("--key: %s: %s", path, strerror(errno));
		goto out;
	}
	if (n == 65 && buf[64] == '\n')
		n = 64;
	if (n != 64 || tn_hex_decode(buf, 64, seed, sizeof(seed), &got,
	    NULL) != TN_OK) {
		ctl_err("--key: %s: expected 64 hex digits (the Ed25519 seed) "
		    "and an optional newline", path);
		goto out;
	}
	if (tn_ed25519_keypair_from_seed(seed, pk, sk) != TN_OK) {
		ctl_err("--key: %s: cannot derive the key pair", path);
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(buf, sizeof(buf));
	explicit_bzero(seed, sizeof(seed));
	close(fd);
	return rc;
}

int
ctl_key_save(const char *path, const uint8_t seed[32])
{
	char hex[65];
	int fd, rc = -1;
	ssize_t w;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		ctl_err("-o: %s: %s%s", path, strerror(errno),
		    errno == EEXIST ? " (refusing to overwrite a key)" : "");
		return -1;
	}
	tn_hex_encode(seed, 32, hex);
	hex[64] = '\n';
	do
		w = write(fd, hex, sizeof(hex));
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)sizeof(hex))
		ctl_err("-o: %s: write failed: %s", path,
		    w < 0 ? strerror(errno) : "short write");
	else if (fsync(fd) == -1)
		ctl_err("-o: %s: fsync: %s", path, strerror(errno));
	else
		rc = 0;
	explicit_bzero(hex, sizeof(hex));
	if (close(fd) == -1 && rc == 0) {
		ctl_err("-o: %s: close: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc == -1)
		unlink(path);
	return rc;
}

/* Prints obj and a newline on stdout, then drops the reference. */
int
ctl_json_print(json_t *obj, size_t flags)
{
	int rc = -1;

	if (obj == NULL)
		ctl_err("out of memory building JSON");
	else if (json_dumpf(obj, stdout, flags | JSON_PRESERVE_ORDER) == -1 ||
	    fputc('\n', stdout) == EOF || fflush(stdout) == EOF)
		ctl_err("cannot write to stdout");
	else
		rc = 0;
	json_decref(obj);
	return rc;
}

/* The deny object on stdout; returns the deny exit code. */
int
ctl_deny(int code, const char *reason)
{
	size_t n = strlen(reason);
	json_t *o;

	/* A reason cut at TN_ERR_REASON_MAX may end inside a character. */
	while (n > 0 && !tn_utf8_valid((const uint8_t *)reason, n))
		n--;
	o = json_pack("{s:s, s:s, s:s%}", "decision", "deny", "code",
	    tn_err_name(code), "reason", reason, n);
	(void)ctl_json_print(o, JSON_COMPACT);
	return CTL_EXIT_DENY;
}
