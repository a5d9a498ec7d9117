/*
 * log.h: the daemon's logging, with OpenBSD's log.c API.
 *
 * Messages go to stderr.  When stderr is the systemd journal
 * ($JOURNAL_STREAM is set) each line carries a "<N>" priority prefix so
 * the journal records its level; otherwise lines are "tenuo-sidecar: msg".
 * log_debug() prints only at verbosity >= 1.  errno is preserved.
 * fatal()/fatalx() log and exit(1); they exist only in daemon/.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

void	log_init(const char *progname, int verbose);
void	log_setverbose(int);
int	log_getverbose(void);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	vlog(int pri, const char *, va_list) __attribute__((format(printf, 2, 0)));
_Noreturn void	fatal(const char *, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif /* LOG_H */
