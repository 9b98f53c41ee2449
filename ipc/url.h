/*
 * url.h: a pure URL parser and reference resolver (RFC 3986 with the
 * WHATWG habits that matter here: lower-case scheme and host, default
 * ports dropped from origins, opaque bases refuse relative references),
 * the origin of a URL and the data: URL body decoder (RFC 2397).
 * No I/O. Used by wwd-worker (location, importScripts) and the daemon.
 * A struct url owns its component strings; url_clear frees them.
 */
#ifndef IPC_URL_H
#define IPC_URL_H

#include <stddef.h>

/* A parsed URL; an absent component is NULL, a present one may be "". */
struct url {
	char	*scheme;	/* lower case, without ':' */
	char	*userinfo;	/* before '@', only with an authority */
	char	*host;		/* NULL = no authority ("data:x") */
	char	*port;		/* digits, NULL if none or default */
	char	*path;		/* never NULL after a successful parse */
	char	*query;		/* without '?' */
	char	*fragment;	/* without '#' */
};

void	 url_init(struct url *);
void	 url_clear(struct url *);
int	 url_parse(const char *, struct url *);
int	 url_resolve(const struct url *, const char *, struct url *);
char	*url_format(const struct url *);
char	*url_origin(const struct url *);
char	*url_origin_text(const char *);
char	*url_host(const struct url *);
int	 url_default_port(const char *);
int	 url_hexval(int);
int	 url_decode(const char *, size_t, char **, size_t *);
int	 url_data(const struct url *, char **, size_t *);

#endif
