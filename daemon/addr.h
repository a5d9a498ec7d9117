/*
 * addr.h: socket addresses as written in the config: "host:port",
 * "[v6]:port" or "unix:/path".
 *
 * addr_parse() resolves host names with getaddrinfo() (blocking: call it
 * at config load and reload only, never from the data plane).
 */
#ifndef ADDR_H
#define ADDR_H

#include <sys/socket.h>
#include <stddef.h>

#define ADDR_MAX	8	/* resolved addresses kept per name */
#define ADDR_STR_MAX	300

struct addr {
	struct sockaddr_storage	ss;
	socklen_t		len;
};

struct addr_list {
	struct addr	a[ADDR_MAX];
	size_t		n;
	int		is_unix;
};

/*
 * Parses and resolves s.  passive: for listening (a missing or "*" host
 * means any address).  Returns 0, or -1 with a reason in err.
 */
int	addr_parse(const char *s, int passive, struct addr_list *out,
	    char *err, size_t errlen);

/* Formats a for logs ("127.0.0.1:7233", "[::1]:7233", "unix:/p"). */
void	addr_format(const struct sockaddr *sa, socklen_t len, char *buf,
	    size_t buflen);

#endif /* ADDR_H */
