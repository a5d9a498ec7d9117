/*
 * log.c: stderr logging with the OpenBSD log.c API (see log.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

#define LOG_LINE_MAX	2048

static const char	*log_progname = "tenuo-sidecar";
static int		 log_verbose;
static int		 log_journal;

void
log_init(const char *progname, int verbose)
{
	if (progname != NULL)
		log_progname = progname;
	log_verbose = verbose;
	log_journal = getenv("JOURNAL_STREAM") != NULL;
}

void
log_setverbose(int v)
{
	log_verbose = v;
}

int
log_getverbose(void)
{
	return log_verbose;
}

static void
log_emit(int pri, const char *line)
{
	if (log_journal)
		(void)fprintf(stderr, "<%d>%s\n", pri, line);
	else
		(void)fprintf(stderr, "%s: %s\n", log_progname, line);
	(void)fflush(stderr);
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	char	line[LOG_LINE_MAX];
	int	saved = errno;

	(void)vsnprintf(line, sizeof(line), fmt, ap);
	log_emit(pri, line);
	errno = saved;
}

static void
vlog_errno(int pri, int code, const char *fmt, va_list ap)
{
	char	msg[LOG_LINE_MAX];
	char	full[LOG_LINE_MAX + 128];

	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	(void)snprintf(full, sizeof(full), "%s: %s", msg, strerror(code));
	log_emit(pri, full);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vlog_errno(LOG_WARNING, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (log_verbose < 1)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vlog_errno(LOG_CRIT, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}
