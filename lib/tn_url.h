/*
 * tn_url.h: WHATWG URL parsing (the parts Tenuo's UrlSafe and UrlPattern
 * constraints look at) and those two constraints, evaluated and attenuated
 * as deployed tenuo-core does (constraints.rs, Rust crate `url` 2.5).
 *
 * The parser follows the WHATWG basic URL parser for absolute URLs (no
 * base): leading and trailing C0/space stripped, tab and newline removed,
 * special schemes (http, https, ws, wss, ftp, file), userinfo skipped (the
 * last '@' of the authority ends it), hosts parsed and serialized (IPv4 in
 * decimal, octal, hex and short forms; IPv6 compressed; domains
 * percent-decoded and lower-cased; opaque hosts percent-encoded), default
 * ports dropped, dot segments removed and paths percent-encoded.  Query
 * and fragment are not kept.
 *
 * Domains holding non-ASCII text (after percent-decoding) or an "xn--"
 * label go through WHATWG "domain to ASCII" (UTS #46, as the url crate
 * runs it) using libidn2; the host is kept in ASCII form.  Input classes
 * where libidn2 cannot reproduce the url crate (see tn_url.c) make the
 * parser say TN_URL_UNSUPPORTED and callers deny (fail closed).
 */
#ifndef TN_URL_H
#define TN_URL_H

#include <stddef.h>
#include <stdint.h>

#include "tn_cbor.h"
#include "tn_err.h"

/* URLs (and UrlPattern patterns) longer than this are not parsed. */
#define TN_URL_MAX_LEN	8192u

enum tn_url_status {
	TN_URL_OK = 0,
	TN_URL_INVALID,		/* the WHATWG parser returns failure */
	TN_URL_UNSUPPORTED,	/* IDNA class not reproduced, or too long */
	TN_URL_NOMEM
};

enum tn_url_host_kind {
	TN_URL_HOST_NONE = 0,	/* no host (opaque path, "foo:/x") */
	TN_URL_HOST_DOMAIN,
	TN_URL_HOST_IPV4,
	TN_URL_HOST_IPV6,
	TN_URL_HOST_OPAQUE,	/* non-special scheme (may be empty) */
	TN_URL_HOST_EMPTY	/* special "file" URL with an empty host */
};

struct tn_url {
	char			*mem;		/* owned: the strings below */
	const char		*scheme;	/* lower-case */
	size_t			 scheme_len;
	int			 special;
	enum tn_url_host_kind	 host_kind;
	const char		*host;		/* serialized, as host_str() */
	size_t			 host_len;
	uint8_t			 ip[16];	/* IPV4: ip[0..4), IPV6: ip */
	int			 has_port;	/* explicit, non-default port */
	uint16_t		 port;
	const char		*path;		/* serialized, as path() */
	size_t			 path_len;
	const char		*why;		/* static; see tn_url_parse */
};

/*
 * Parses s[0..n) (UTF-8).  On TN_URL_OK fills *u (free with
 * tn_url_free()); otherwise *u is zeroed except u->why, which may point
 * to a static text saying why (always set for TN_URL_UNSUPPORTED).
 */
enum tn_url_status tn_url_parse(const uint8_t *s, size_t n, struct tn_url *u)
	    __attribute__((warn_unused_result));
void	tn_url_free(struct tn_url *u);

/* url::Url::port_or_known_default(): -1 when there is none. */
int	tn_url_port_or_default(const struct tn_url *u);

/* ------------------------------------------------------------ UrlPattern */

/* A parsed UrlPattern (deployed UrlPattern::new). */
struct tn_urlpattern {
	char		*mem;		/* owned */
	const char	*scheme;	/* NULL: any scheme ("*://") */
	size_t		 scheme_len;
	const char	*host;		/* NULL: any host */
	size_t		 host_len;
	int		 has_port;
	uint16_t	 port;
	const char	*path;		/* NULL: any path */
	size_t		 path_len;
	int		 unsupported;	/* valid, but not evaluated: deny */
	const char	*why;		/* static: why unsupported */
};

/*
 * Parses a UrlPattern string as deployed.  TN_OK (possibly with
 * p->unsupported set), TN_ERR_MALFORMED (deployed rejects the pattern;
 * reason in err) or TN_ERR_NOMEM.  Free with tn_urlpattern_free().
 */
int	tn_urlpattern_compile(const uint8_t *pat, size_t n,
	    struct tn_urlpattern *p, struct tn_error *err)
	    __attribute__((warn_unused_result));
void	tn_urlpattern_free(struct tn_urlpattern *p);

/*
 * Deployed UrlPattern::matches_url: 1 match, 0 no match, or
 * TN_ERR_CONSTRAINT_NOT_SATISFIED (the value is not a URL, or its host is
 * in an IDNA class not reproduced; an error that denies, also under Not)
 * / TN_ERR_NOMEM.
 */
int	tn_urlpattern_match(const struct tn_urlpattern *p, const uint8_t *url,
	    size_t n, struct tn_error *err) __attribute__((warn_unused_result));

/*
 * UrlPattern -> UrlPattern attenuation (deployed rules, stricter where
 * they are unsound).  TN_OK or TN_ERR_ATTENUATION_INVALID.
 */
int	tn_urlpattern_attenuates(const struct tn_urlpattern *parent,
	    const struct tn_urlpattern *child, struct tn_error *err)
	    __attribute__((warn_unused_result));

/* ------------------------------------------------------------ UrlSafe */

/*
 * Deployed UrlSafe::is_safe on a validated UrlSafe map: 1 safe, 0 not,
 * TN_ERR_CONSTRAINT_NOT_SATISFIED (host in an IDNA class not reproduced:
 * deny, also under Not) or TN_ERR_NOMEM.
 */
int	tn_urlsafe_check(const struct tn_cbor_item *spec, const uint8_t *url,
	    size_t n, struct tn_error *err) __attribute__((warn_unused_result));

/* UrlSafe -> UrlSafe field rules.  TN_OK or TN_ERR_ATTENUATION_INVALID. */
int	tn_urlsafe_attenuates(const struct tn_cbor_item *parent,
	    const struct tn_cbor_item *child, struct tn_error *err)
	    __attribute__((warn_unused_result));

#endif /* TN_URL_H */
