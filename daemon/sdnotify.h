/*
 * sdnotify.h: the systemd notify protocol, without libsystemd.
 *
 * Sends one datagram to $NOTIFY_SOCKET (a path, or "@name" for the
 * abstract namespace).  Does nothing when the variable is unset.
 */
#ifndef SDNOTIFY_H
#define SDNOTIFY_H

int	sd_notifyf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* SDNOTIFY_H */
