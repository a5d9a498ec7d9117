/*
 * ctl_cmd_audit.c: `tenuoctl audit`, a readable tail of the sidecar's
 * audit log (JSON Lines), with filters, colour on a terminal, and -f to
 * follow the file across log rotation (a new inode) and truncation.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

#define AUDIT_LINE_MAX	(256u * 1024u)	/* longer lines are skipped */
#define AUDIT_POLL_NS	200000000L	/* -f: look again every 200 ms */

struct audit_opts {
	const char	*path;
	const char	*decision;	/* NULL: any */
	const char	*tool;		/* NULL: any */
	int64_t		 since_ms;	/* -1: no lower bound */
	int		 follow;
	int		 json;
	int		 color;
};

/* Reads lines from a file descriptor, keeping a partial last line. */
struct linebuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 skipping;	/* inside an over-long line */
	long	 lineno;
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* "30s", "5m", "2h", "1d" or plain seconds -> milliseconds. */
static int
parse_duration(const char *s, int64_t *ms)
{
	char *end;
	unsigned long long v;
	int64_t mult = 1000;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	v = strtoull(s, &end, 10);
	if (errno != 0 || v > 100ull * 365 * 86400)
		return -1;
	if (*end != '\0') {
		if (end[1] != '\0')
			return -1;
		switch (*end) {
		case 's':
			break;
		case 'm':
			mult = 60000;
			break;
		case 'h':
			mult = 3600000;
			break;
		case 'd':
			mult = 86400000;
			break;
		default:
			return -1;
		}
	}
	*ms = (int64_t)v * mult;
	return 0;
}

/* RFC 3339 UTC "YYYY-MM-DDTHH:MM:SS[.fff]Z" -> ms since the epoch. */
static int
parse_ts(const char *s, int64_t *ms)
{
	struct tm tm;
	int frac = 0, digits = 0;
	const char *p;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (p == NULL)
		return -1;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				frac = frac * 10 + (*p - '0');
		while (digits > 0 && digits < 3) {
			frac *= 10;
			digits++;
		}
	}
	if (strcmp(p, "Z") != 0)
		return -1;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	*ms = (int64_t)t * 1000 + frac;
	return 0;
}

static const char *
str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

static int
keep(const struct audit_opts *o, json_t *ev)
{
	int64_t ms;

	if (o->decision != NULL && strcmp(str(ev, "decision"), o->decision))
		return 0;
	if (o->tool != NULL && strcmp(str(ev, "tool"), o->tool) != 0)
		return 0;
	if (o->since_ms >= 0 &&
	    (parse_ts(str(ev, "ts"), &ms) != 0 || ms < o->since_ms))
		return 0;
	return 1;
}

static const char *
decision_color(const char *d)
{
	if (strcmp(d, "allow") == 0)
		return "\033[32m";
	if (strcmp(d, "deny") == 0)
		return "\033[31m";
	return "\033[33m";	/* would_deny and anything new */
}

/* Appends " key=value" for the present, non-empty string fields. */
static void
print_fields(json_t *ev, const char *const *keys)
{
	for (size_t i = 0; keys[i] != NULL; i++) {
		json_t *v = json_object_get(ev, keys[i]);

		if (json_is_string(v) && json_string_length(v) > 0)
			printf(" %s=%s", keys[i], json_string_value(v));
		else if (json_is_integer(v))
			printf(" %s=%lld", keys[i],
			    (long long)json_integer_value(v));
	}
}

static void
print_readable(const struct audit_opts *o, json_t *ev)
{
	static const char *const decision_keys[] = { "code", "warrant_id",
		"workflow_id", "activity_id", "task_queue", "attempt", NULL };
	static const char *const other_keys[] = { "peer", "upstream", "path",
		NULL };
	const char *d = str(ev, "decision");

	printf("%s ", str(ev, "ts"));
	if (*d != '\0') {
		printf("%s%-10s%s %s", o->color ? decision_color(d) : "", d,
		    o->color ? "\033[0m" : "", *str(ev, "tool") ?
		    str(ev, "tool") : "-");
		print_fields(ev, decision_keys);
	} else {
		printf("%s", *str(ev, "event") ? str(ev, "event") : "-");
		print_fields(ev, other_keys);
	}
	if (*str(ev, "reason") != '\0')
		printf(": %s", str(ev, "reason"));
	putchar('\n');
}

static void
handle_line(const struct audit_opts *o, const char *line, long lineno)
{
	json_error_t je;
	json_t *ev;

	if (*line == '\0')
		return;
	ev = json_loads(line, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(ev)) {
		ctl_err("audit: %s:%ld: not a JSON object (%s)", o->path, lineno,
		    ev == NULL ? je.text : "wrong type");
		json_decref(ev);
		return;
	}
	if (keep(o, ev)) {
		if (o->json)
			printf("%s\n", line);
		else
			print_readable(o, ev);
	}
	json_decref(ev);
}

/* Emits every complete line in lb and keeps the partial rest. */
static void
drain_lines(const struct audit_opts *o, struct linebuf *lb)
{
	size_t start = 0;
	char *nl;

	while ((nl = memchr(lb->p + start, '\n', lb->len - start)) != NULL) {
		*nl = '\0';
		lb->lineno++;
		if (!lb->skipping)
			handle_line(o, lb->p + start, lb->lineno);
		lb->skipping = 0;
		start = (size_t)(nl - lb->p) + 1;
	}
	memmove(lb->p, lb->p + start, lb->len - start);
	lb->len -= start;
	if (lb->len >= AUDIT_LINE_MAX) {
		ctl_err("audit: %s:%ld: line longer than %u bytes skipped",
		    o->path, lb->lineno + 1, AUDIT_LINE_MAX);
		lb->len = 0;
		lb->skipping = 1;
	}
}

/* Reads what fd has now.  0 at EOF, 1 after data, -1 on error. */
static int
read_some(const struct audit_opts *o, int fd, struct linebuf *lb)
{
	ssize_t n;

	if (lb->cap - lb->len < 65536) {
		char *np = realloc(lb->p, lb->cap + 65536);

		if (np == NULL) {
			ctl_err("audit: out of memory");
			return -1;
		}
		lb->p = np;
		lb->cap += 65536;
	}
	n = read(fd, lb->p + lb->len, lb->cap - lb->len);
	if (n < 0 && errno == EINTR)
		return 1;
	if (n < 0) {
		ctl_err("audit: %s: %s", o->path, strerror(errno));
		return -1;
	}
	if (n == 0)
		return 0;
	lb->len += (size_t)n;
	drain_lines(o, lb);
	return 1;
}

/* 1 if path now names another file than fd, or fd was truncated. */
static int
rotated(const char *path, int fd)
{
	struct stat a, b;

	if (fstat(fd, &a) != 0 || stat(path, &b) != 0)
		return 0;	/* moved away, not yet recreated: keep reading */
	if (a.st_ino != b.st_ino || a.st_dev != b.st_dev)
		return 1;
	return lseek(fd, 0, SEEK_CUR) > a.st_size;
}

static int
follow_loop(const struct audit_opts *o, int fd, struct linebuf *lb)
{
	const struct timespec nap = { 0, AUDIT_POLL_NS };
	int rc;

	while (!stop) {
		if ((rc = read_some(o, fd, lb)) < 0)
			return -1;
		if (rc > 0)
			continue;
		fflush(stdout);
		if (rotated(o->path, fd)) {
			int nfd = open(o->path, O_RDONLY | O_CLOEXEC);

			if (nfd < 0)
				continue;
			/* What the old file still holds was read above. */
			close(fd);
			fd = nfd;
			lb->len = 0;
			lb->skipping = 0;
			lb->lineno = 0;
			continue;
		}
		nanosleep(&nap, NULL);
	}
	close(fd);
	return 0;
}

static int
audit_run(const struct audit_opts *o)
{
	struct linebuf lb = { NULL, 0, 0, 0, 0 };
	int fd, rc;

	if ((fd = open(o->path, O_RDONLY | O_CLOEXEC)) < 0) {
		ctl_err("audit: %s: %s", o->path, strerror(errno));
		return CTL_EXIT_USAGE;
	}
	if (o->follow) {
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		rc = follow_loop(o, fd, &lb);
	} else {
		while ((rc = read_some(o, fd, &lb)) > 0)
			;
		if (rc == 0 && lb.len > 0 && !lb.skipping) {
			lb.p[lb.len] = '\0';	/* cap > len: room for it */
			handle_line(o, lb.p, lb.lineno + 1);
		}
		close(fd);
	}
	free(lb.p);
	if (fflush(stdout) == EOF)
		rc = -1;
	return rc < 0 ? CTL_EXIT_USAGE : CTL_EXIT_OK;
}

static int
audit_opt(struct audit_opts *o, int c, const char *arg)
{
	int64_t ms, now;

	switch (c) {
	case 'f':
		o->follow = 1;
		return 0;
	case 'j':
		o->json = 1;
		return 0;
	case 't':
		o->tool = arg;
		return 0;
	case 'd':
		if (strcmp(arg, "allow") && strcmp(arg, "deny") &&
		    strcmp(arg, "would_deny")) {
			ctl_err("--decision: expected allow, deny or "
			    "would_deny, got '%s'", arg);
			return -1;
		}
		o->decision = arg;
		return 0;
	case 's':
		if (parse_duration(arg, &ms) != 0) {
			ctl_err("--since: expected a duration like 90s, 15m, "
			    "2h or 1d, got '%s'", arg);
			return -1;
		}
		now = (int64_t)ctl_now_ms();
		o->since_ms = now > ms ? now - ms : 0;
		return 0;
	default:
		return -1;
	}
}

int
ctl_cmd_audit(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "decision", required_argument, NULL, 'd' },
		{ "tool", required_argument, NULL, 't' },
		{ "since", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct audit_opts o;
	int c;

	memset(&o, 0, sizeof(o));
	o.since_ms = -1;
	while ((c = ctl_getopt(argc, argv, ":hf", lo)) != -1) {
		if (c == 'h' || c == '?')
			return ctl_opt_done(argv[0], c);
		if (audit_opt(&o, c, optarg) != 0) {
			ctl_usage_hint(argv[0]);
			return CTL_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		ctl_err("audit: expected exactly one FILE");
		ctl_usage_hint(argv[0]);
		return CTL_EXIT_USAGE;
	}
	o.path = argv[optind];
	o.color = !o.json && isatty(STDOUT_FILENO) &&
	    getenv("NO_COLOR") == NULL;
	return audit_run(&o);
}
