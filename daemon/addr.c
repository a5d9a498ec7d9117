/*
 * addr.c: parsing and resolving config addresses (see addr.h).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

static int
addr_unix(const char *path, struct addr_list *out, char *err, size_t errlen)
{
	struct sockaddr_un	*sun;
	size_t			 n = strlen(path);

	if (n == 0 || path[0] != '/') {
		(void)snprintf(err, errlen, "unix socket path must be absolute");
		return -1;
	}
	sun = (struct sockaddr_un *)&out->a[0].ss;
	if (n >= sizeof(sun->sun_path)) {
		(void)snprintf(err, errlen, "unix socket path too long "
		    "(%zu bytes, max %zu)", n, sizeof(sun->sun_path) - 1);
		return -1;
	}
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, n + 1);
	out->a[0].len = (socklen_t)sizeof(*sun);
	out->n = 1;
	out->is_unix = 1;
	return 0;
}

static int
addr_split(const char *s, char *host, size_t hostlen, const char **port,
    char *err, size_t errlen)
{
	const char	*colon, *h = s;
	size_t		 n;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (rb == NULL || rb[1] != ':') {
			(void)snprintf(err, errlen, "bad address \"%s\": "
			    "expected [v6addr]:port", s);
			return -1;
		}
		h = s + 1;
		n = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL) {
			(void)snprintf(err, errlen, "bad address \"%s\": "
			    "expected host:port or unix:/path", s);
			return -1;
		}
		n = (size_t)(colon - s);
	}
	if (n >= hostlen) {
		(void)snprintf(err, errlen, "host name too long");
		return -1;
	}
	memcpy(host, h, n);
	host[n] = '\0';
	*port = colon + 1;
	return 0;
}

static int
addr_port_ok(const char *p)
{
	char		*end;
	unsigned long	 v;

	if (*p < '0' || *p > '9')
		return 0;
	v = strtoul(p, &end, 10);
	return *end == '\0' && v >= 1 && v <= 65535;
}

int
addr_parse(const char *s, int passive, struct addr_list *out, char *err,
    size_t errlen)
{
	struct addrinfo		 hints, *res = NULL, *ai;
	char			 host[256];
	const char		*port;
	int			 rc;

	memset(out, 0, sizeof(*out));
	if (strncmp(s, "unix:", 5) == 0)
		return addr_unix(s + 5, out, err, errlen);
	if (addr_split(s, host, sizeof(host), &port, err, errlen) == -1)
		return -1;
	if (!addr_port_ok(port)) {
		(void)snprintf(err, errlen, "bad port \"%s\" in \"%s\" "
		    "(1-65535)", port, s);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
	rc = getaddrinfo(host[0] == '\0' || strcmp(host, "*") == 0 ? NULL :
	    host, port, &hints, &res);
	if (rc != 0) {
		(void)snprintf(err, errlen, "cannot resolve \"%s\": %s", s,
		    gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL && out->n < ADDR_MAX; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(out->a[0].ss))
			continue;
		memcpy(&out->a[out->n].ss, ai->ai_addr, ai->ai_addrlen);
		out->a[out->n].len = ai->ai_addrlen;
		out->n++;
	}
	freeaddrinfo(res);
	if (out->n == 0) {
		(void)snprintf(err, errlen, "no usable address for \"%s\"", s);
		return -1;
	}
	return 0;
}

void
addr_format(const struct sockaddr *sa, socklen_t len, char *buf,
    size_t buflen)
{
	char	h[INET6_ADDRSTRLEN];

	(void)len;
	switch (sa->sa_family) {
	case AF_UNIX:
		(void)snprintf(buf, buflen, "unix:%s",
		    ((const struct sockaddr_un *)(const void *)sa)->sun_path);
		return;
	case AF_INET: {
		const struct sockaddr_in *in =
		    (const struct sockaddr_in *)(const void *)sa;
		(void)inet_ntop(AF_INET, &in->sin_addr, h, sizeof(h));
		(void)snprintf(buf, buflen, "%s:%u", h, ntohs(in->sin_port));
		return;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *in6 =
		    (const struct sockaddr_in6 *)(const void *)sa;
		(void)inet_ntop(AF_INET6, &in6->sin6_addr, h, sizeof(h));
		(void)snprintf(buf, buflen, "[%s]:%u", h,
		    ntohs(in6->sin6_port));
		return;
	}
	default:
		(void)snprintf(buf, buflen, "(family %d)", sa->sa_family);
	}
}
