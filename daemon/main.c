/*
 * main.c: tenuo-sidecar's entry point: flags, lifecycle and signals.
 *
 *   tenuo-sidecar [-v] [-c FILE]   run in the foreground
 *   tenuo-sidecar -t [-c FILE]     check config and trust material
 *   tenuo-sidecar -V               print the version
 *
 * Signals (libev signal watchers, so handlers run in the loop):
 *   SIGHUP   reload config and trust material atomically; a config with
 *            errors is refused and the running one stays
 *   SIGUSR1  reopen the audit log
 *   SIGTERM, SIGINT  stop accepting, drain up to shutdown_grace, exit 0
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "admin.h"
#include "audit.h"
#include "config.h"
#include "tn_srl.h"
#include "listen.h"
#include "intercept.h"
#include "log.h"
#include "metrics.h"
#include "probe.h"
#include "proxy.h"
#include "sdnotify.h"
#include "version.h"

#define MAIN_DEFAULT_CONF	"/etc/tenuo-sidecar/tenuo-sidecar.conf"
#define MAIN_DRAIN_POLL_S	0.05

static struct ev_loop	*loop;
static struct config	*cur;
static const char	*conf_path = MAIN_DEFAULT_CONF;
static int		 stopping;
static ev_signal	 sig_hup, sig_usr1, sig_term, sig_int;
static ev_timer		 drain_poll, drain_deadline;

static _Noreturn void
usage(void)
{
	(void)fprintf(stderr, "usage: tenuo-sidecar [-tvV] [-c file]\n");
	exit(1);
}

static struct config *
main_config(void)
{
	return cur;
}

static int
main_ready(void)
{
	return !stopping && cur != NULL && probe_ok();
}

static void
main_accept(struct ev_loop *l, enum listen_kind kind, int fd,
    const char *peer, int tls)
{
	if (kind == LISTEN_ADMIN) {
		admin_accept(l, fd);
		return;
	}
	px_pair_new(l, fd, peer, tls, cur);
}

static int
main_listen(const struct config *cf)
{
	struct config_listen	adm;

	if (listen_sync(LISTEN_DATA, cf->listen, cf->nlisten) == -1)
		return -1;
	if (cf->admin_listen == NULL)
		return listen_sync(LISTEN_ADMIN, NULL, 0);
	memset(&adm, 0, sizeof(adm));
	adm.text = cf->admin_listen;
	adm.addrs = cf->admin_addrs;
	return listen_sync(LISTEN_ADMIN, &adm, 1);
}

static uint64_t
main_monotonic_usec(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void
main_reload(void)
{
	struct config	*ncf;
	int		 nerr;
	char		 why[64];

	(void)sd_notifyf("RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading",
	    (unsigned long long)main_monotonic_usec());
	log_info("reloading %s", conf_path);
	if ((nerr = config_load(conf_path, NULL, &ncf)) != 0) {
		(void)snprintf(why, sizeof(why), "%d error%s", nerr,
		    nerr == 1 ? "" : "s");
		log_warnx("reload refused: %s has %s; keeping the running "
		    "configuration", conf_path, why);
		goto refused;
	}
	if (config_srl_rollback(cur, ncf)) {
		(void)snprintf(why, sizeof(why), "revocation list rollback");
		log_warnx("reload refused: revocation list version %llu is "
		    "older than the running version %llu; keeping the running "
		    "configuration", (unsigned long long)ncf->srl->version,
		    (unsigned long long)cur->srl->version);
		config_unref(ncf);
		goto refused;
	}
	if (cur->srl != NULL && ncf->srl == NULL)
		log_warnx("reload drops the revocation list: warrants it "
		    "revoked are no longer refused");
	if (main_listen(ncf) == -1) {
		(void)snprintf(why, sizeof(why), "cannot listen");
		log_warnx("reload refused: cannot open the new listeners; "
		    "keeping the running configuration");
		config_unref(ncf);
		goto refused;
	}
	audit_set_path(ncf->audit_log);
	config_unref(cur);
	cur = ncf;
	intercept_configure(cur);
	metrics.reloads++;
	log_info("configuration reloaded (%zu trusted roots, revocation list "
	    "%s)", cur->nroots, cur->srl != NULL ? "loaded" : "none");
	audit_event_config("config_reloaded", conf_path, NULL);
	(void)sd_notifyf("READY=1\nSTATUS=serving (reloaded)");
	return;
refused:
	metrics.reload_failures++;
	audit_event_config("config_reload_refused", conf_path, why);
	(void)sd_notifyf("READY=1\nSTATUS=serving (last reload refused: %s)",
	    why);
}

static void
main_drain_check(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	if (px_pair_count() == 0)
		ev_break(l, EVBREAK_ALL);
}

static void
main_drain_expired(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	log_info("shutdown_grace over: closing %u connections",
	    px_pair_count());
	ev_break(l, EVBREAK_ALL);
}

static void
main_stop(void)
{
	double	grace = (double)cur->shutdown_grace_ms / 1000.0;

	if (stopping)
		return;
	stopping = 1;
	(void)sd_notifyf("STOPPING=1\nSTATUS=draining");
	log_info("stopping: draining %u connections for up to %.1fs",
	    px_pair_count(), grace);
	audit_event_config("stopping", conf_path, NULL);
	listen_close_all();
	probe_stop();
	px_drain_all();
	ev_timer_init(&drain_poll, main_drain_check, 0., MAIN_DRAIN_POLL_S);
	ev_timer_init(&drain_deadline, main_drain_expired, grace, 0.);
	ev_timer_again(loop, &drain_poll);
	ev_timer_start(loop, &drain_deadline);
}

static void
main_signal(struct ev_loop *l, ev_signal *w, int revents)
{
	(void)l;
	(void)revents;
	switch (w->signum) {
	case SIGHUP:
		if (!stopping)
			main_reload();
		break;
	case SIGUSR1:
		log_info("reopening the audit log");
		audit_reopen();
		break;
	default:
		main_stop();
	}
}

/* -t prints each error bare, "FILE:LINE: message", for editors. */
static void
main_check_err(void *arg, const char *msg)
{
	(void)arg;
	(void)fprintf(stderr, "%s\n", msg);
}

static int
main_check(const char *path)
{
	struct config_errsink	 sink = { main_check_err, NULL };
	struct config		*cf;
	int			 nerr;

	if ((nerr = config_load(path, &sink, &cf)) != 0) {
		(void)fprintf(stderr, "%s: %d error%s\n", path, nerr,
		    nerr == 1 ? "" : "s");
		return 1;
	}
	(void)printf("configuration OK\n");
	config_unref(cf);
	return 0;
}

static void
main_signals(void)
{
	ev_signal_init(&sig_hup, main_signal, SIGHUP);
	ev_signal_init(&sig_usr1, main_signal, SIGUSR1);
	ev_signal_init(&sig_term, main_signal, SIGTERM);
	ev_signal_init(&sig_int, main_signal, SIGINT);
	ev_signal_start(loop, &sig_hup);
	ev_signal_start(loop, &sig_usr1);
	ev_signal_start(loop, &sig_term);
	ev_signal_start(loop, &sig_int);
}

static int
main_run(void)
{
	if (config_load(conf_path, NULL, &cur) != 0)
		fatalx("%s: configuration has errors", conf_path);
	(void)signal(SIGPIPE, SIG_IGN);
	if ((loop = ev_default_loop(EVFLAG_AUTO)) == NULL)
		fatalx("cannot initialize libev");
	if (audit_start(cur->audit_log) == -1)
		fatalx("cannot open the audit log");
	intercept_configure(cur);
	admin_init(main_ready);
	listen_init(loop, main_accept);
	if (main_listen(cur) == -1)
		fatalx("cannot listen");
	main_signals();
	probe_start(loop, main_config);
	log_info("tenuo-sidecar %s: forwarding to %s (%s)", SIDECAR_VERSION,
	    cur->upstream, cur->up_tls != NULL ? "TLS" : "h2c");
	if (cur->up_tls != NULL)
		log_info("upstream TLS: server name %s, CA %s, client "
		    "certificate %s", cur->upstream_server_name,
		    cur->upstream_ca_file != NULL ? cur->upstream_ca_file :
		    "system trust store", cur->upstream_cert_file != NULL ?
		    cur->upstream_cert_file : "none");
	audit_event_config("started", conf_path, NULL);
	(void)sd_notifyf("READY=1\nSTATUS=serving, upstream %s", cur->upstream);
	ev_run(loop, 0);
	probe_stop();
	px_close_all();
	admin_close_all(loop);
	listen_close_all();
	log_info("stopped");
	audit_event_config("stopped", conf_path, NULL);
	audit_stop();
	intercept_shutdown();
	config_unref(cur);
	ev_loop_destroy(loop);
	return 0;
}

int
main(int argc, char *argv[])
{
	int	ch, check = 0, verbose = 0;

	log_init("tenuo-sidecar", 0);
	while ((ch = getopt(argc, argv, "c:tvV")) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 't':
			check = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'V':
			(void)printf("tenuo-sidecar %s\n", SIDECAR_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_setverbose(verbose);
	if (check)
		return main_check(conf_path);
	return main_run();
}
