/*
 * audit.c: bounded, asynchronous JSON Lines audit log (see audit.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "audit.h"
#include "log.h"

struct audit {
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cv;
	pthread_t	 thr;
	int		 running;
	int		 stop;
	int		 reopen;
	char		*path;		/* guarded by mtx */
	char		*q[AUDIT_QUEUE_MAX];
	size_t		 head, n;
	int		 fd;		/* writer thread only */
};

static struct audit	au = {
	.mtx = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
	.fd = -1,
};
static atomic_uint_fast64_t	au_drops;
static uint64_t			au_reported;	/* writer thread only */

void
audit_timestamp(char *buf, size_t len)
{
	struct timespec	ts;
	struct tm	tm;
	char		base[24];

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)gmtime_r(&ts.tv_sec, &tm);
	(void)strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	(void)snprintf(buf, len, "%s.%03ldZ", base, ts.tv_nsec / 1000000);
}

static int
audit_openfd(const char *path)
{
	if (strcmp(path, "-") == 0)
		return dup(STDOUT_FILENO);
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

/*
 * One line, whole.  0, or -1 when the write failed (ENOSPC, EIO...): the
 * line is lost.  Failures are logged at most once per AUDIT_ERR_EVERY
 * seconds, with how many failed since the last such line.
 */
static int
audit_write_line(const char *line)
{
	static time_t	 last_log;
	static uint64_t	 failed;
	size_t		 n = strlen(line), off = 0;
	ssize_t		 w;
	time_t		 now;
	int		 saved;

	if (au.fd == -1)
		return -1;
	while (off < n) {
		w = write(au.fd, line + off, n - off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			saved = w == 0 ? EIO : errno;
			failed++;
			now = time(NULL);
			if (last_log == 0 || now - last_log >= AUDIT_ERR_EVERY) {
				log_warnx("audit log write failed: %s; records "
				    "are dropped and counted (%llu failed "
				    "writes since the last report)",
				    strerror(saved), (unsigned long long)failed);
				last_log = now;
				failed = 0;
			}
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}

/* Writer side of a reopen; called with mtx held. */
static void
audit_do_reopen(void)
{
	int	fd;

	if ((fd = audit_openfd(au.path)) == -1) {
		log_warn("audit log %s: reopen failed, keeping the old file",
		    au.path);
		au.reopen = 0;
		return;
	}
	if (au.fd != -1)
		(void)close(au.fd);
	au.fd = fd;
	au.reopen = 0;
}

/*
 * Audits the drops not yet reported ("audit_dropped").  Only a report
 * that was written counts as made: after failed writes the next one
 * (e.g. once SIGUSR1 has reopened a working file) covers them all.
 */
static void
audit_report_drops(void)
{
	uint64_t	d = atomic_load(&au_drops);
	char		ts[32], line[200];

	if (d == au_reported)
		return;
	audit_timestamp(ts, sizeof(ts));
	(void)snprintf(line, sizeof(line), "{\"ts\":\"%s\",\"event\":"
	    "\"audit_dropped\",\"dropped\":%llu,\"dropped_total\":%llu}\n",
	    ts, (unsigned long long)(d - au_reported),
	    (unsigned long long)d);
	if (audit_write_line(line) == -1)
		return;
	log_warnx("audit log: %llu events dropped (queue full or write "
	    "failed), %llu in all", (unsigned long long)(d - au_reported),
	    (unsigned long long)d);
	au_reported = d;
}

static void *
audit_main(void *arg)
{
	char	*line;
	size_t	 left;

	(void)arg;
	(void)pthread_mutex_lock(&au.mtx);
	for (;;) {
		while (au.n == 0 && !au.stop && !au.reopen)
			(void)pthread_cond_wait(&au.cv, &au.mtx);
		if (au.reopen) {
			audit_do_reopen();
			(void)pthread_mutex_unlock(&au.mtx);
			audit_report_drops();
			(void)pthread_mutex_lock(&au.mtx);
			continue;
		}
		if (au.n == 0 && au.stop)
			break;
		if (au.n == 0)
			continue;
		line = au.q[au.head];
		au.head = (au.head + 1) % AUDIT_QUEUE_MAX;
		left = --au.n;
		(void)pthread_mutex_unlock(&au.mtx);
		if (audit_write_line(line) == -1)
			atomic_fetch_add(&au_drops, 1);
		free(line);
		if (left == 0)
			audit_report_drops();
		(void)pthread_mutex_lock(&au.mtx);
	}
	(void)pthread_mutex_unlock(&au.mtx);
	audit_report_drops();
	return NULL;
}

int
audit_start(const char *path)
{
	if (au.running)
		return 0;
	if ((au.path = strdup(path)) == NULL)
		fatal("strdup");
	if ((au.fd = audit_openfd(path)) == -1) {
		log_warn("audit log %s", path);
		return -1;
	}
	if (pthread_create(&au.thr, NULL, audit_main, NULL) != 0) {
		log_warnx("audit log: cannot start the writer thread");
		return -1;
	}
	au.running = 1;
	return 0;
}

void
audit_set_path(const char *path)
{
	char	*np;

	if (!au.running || (np = strdup(path)) == NULL)
		return;
	(void)pthread_mutex_lock(&au.mtx);
	if (strcmp(np, au.path) == 0) {
		free(np);
	} else {
		free(au.path);
		au.path = np;
		au.reopen = 1;
		(void)pthread_cond_signal(&au.cv);
	}
	(void)pthread_mutex_unlock(&au.mtx);
}

void
audit_reopen(void)
{
	if (!au.running)
		return;
	(void)pthread_mutex_lock(&au.mtx);
	au.reopen = 1;
	(void)pthread_cond_signal(&au.cv);
	(void)pthread_mutex_unlock(&au.mtx);
}

void
audit_stop(void)
{
	if (!au.running)
		return;
	(void)pthread_mutex_lock(&au.mtx);
	au.stop = 1;
	(void)pthread_cond_signal(&au.cv);
	(void)pthread_mutex_unlock(&au.mtx);
	(void)pthread_join(au.thr, NULL);
	au.running = 0;
	if (au.fd != -1)
		(void)close(au.fd);
	au.fd = -1;
	free(au.path);
	au.path = NULL;
}

uint64_t
audit_drops(void)
{
	return atomic_load(&au_drops);
}

/* Serializes and queues obj (consumed). */
static void
audit_emit(json_t *obj)
{
	char	*s, *line;
	size_t	 n;

	if (obj == NULL)
		return;
	s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(obj);
	if (s == NULL || (n = strlen(s)) > AUDIT_LINE_MAX ||
	    (line = malloc(n + 2)) == NULL) {
		free(s);
		atomic_fetch_add(&au_drops, 1);
		return;
	}
	memcpy(line, s, n);
	line[n] = '\n';
	line[n + 1] = '\0';
	free(s);
	(void)pthread_mutex_lock(&au.mtx);
	if (!au.running || au.n == AUDIT_QUEUE_MAX) {
		(void)pthread_mutex_unlock(&au.mtx);
		free(line);
		if (au.running)
			atomic_fetch_add(&au_drops, 1);
		return;
	}
	au.q[(au.head + au.n) % AUDIT_QUEUE_MAX] = line;
	au.n++;
	(void)pthread_cond_signal(&au.cv);
	(void)pthread_mutex_unlock(&au.mtx);
}

static json_t *
audit_base(const char *event)
{
	json_t	*o;
	char	 ts[32];

	audit_timestamp(ts, sizeof(ts));
	if ((o = json_object()) == NULL)
		return NULL;
	(void)json_object_set_new(o, "ts", json_string(ts));
	(void)json_object_set_new(o, "event", json_string(event));
	return o;
}

static void
audit_set_str(json_t *o, const char *k, const char *v)
{
	if (o != NULL && v != NULL)
		(void)json_object_set_new(o, k, json_string(v));
}

void
audit_event_conn(const char *event, const char *peer, const char *upstream,
    const char *reason)
{
	json_t	*o;

	if (!au.running)
		return;
	o = audit_base(event);
	audit_set_str(o, "peer", peer);
	audit_set_str(o, "upstream", upstream);
	audit_set_str(o, "reason", reason);
	audit_emit(o);
}

void
audit_event_config(const char *event, const char *path, const char *reason)
{
	json_t	*o;

	if (!au.running)
		return;
	o = audit_base(event);
	audit_set_str(o, "config", path);
	audit_set_str(o, "reason", reason);
	audit_emit(o);
}

static void
audit_set_int(json_t *o, const char *k, int64_t v)
{
	if (o != NULL && v >= 0)
		(void)json_object_set_new(o, k, json_integer(v));
}

void
audit_event_decision(const struct audit_decision *d)
{
	json_t	*o, *a;

	if (!au.running)
		return;
	o = audit_base(d->event != NULL ? d->event : "decision");
	audit_set_str(o, "decision", d->decision);
	audit_set_str(o, "code", d->code);
	audit_set_str(o, "reason", d->reason);
	audit_set_str(o, "method", d->method);
	audit_set_str(o, "namespace", d->ns);
	audit_set_str(o, "task_queue", d->task_queue);
	audit_set_str(o, "workflow_id", d->workflow_id);
	audit_set_str(o, "run_id", d->run_id);
	audit_set_str(o, "activity_id", d->activity_id);
	audit_set_str(o, "activity_type", d->activity_type);
	audit_set_str(o, "workflow_type", d->workflow_type);
	audit_set_str(o, "tool", d->tool);
	audit_set_int(o, "attempt", d->attempt);
	audit_set_str(o, "warrant_id", d->warrant_id);
	audit_set_int(o, "chain_depth", d->chain_depth);
	audit_set_str(o, "root", d->root);
	audit_set_str(o, "holder", d->holder);
	if (o != NULL && (d->args_names != NULL || d->args_sha256 != NULL)) {
		a = json_object();
		audit_set_str(a, "names", d->args_names);
		audit_set_str(a, "sha256", d->args_sha256);
		audit_set_str(a, "cbor_b64", d->args_cbor_b64);
		if (a != NULL)
			(void)json_object_set_new(o, "args", a);
	}
	audit_set_int(o, "latency_us", d->latency_us);
	audit_set_str(o, "peer", d->peer);
	audit_set_str(o, "delivery", d->delivery);
	audit_emit(o);
}
