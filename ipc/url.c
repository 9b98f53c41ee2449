/*
 * url.c: URL parsing and resolution (see url.h). RFC 3986 section 5
 * drives the resolver (merge, remove_dot_segments); from the WHATWG URL
 * standard it takes the lower-cased scheme and host, the default ports
 * that are dropped, "/" as the path of an empty special URL and the
 * refusal to resolve a relative reference against an opaque base such
 * as a data: URL. Pure functions, no I/O; every string is malloc'd and
 * owned by the struct url it sits in.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "url.h"

/* Start with every component absent. */
void
url_init(struct url *u)
{
	memset(u, 0, sizeof *u);
}

/* Free the components and return to the empty state. */
void
url_clear(struct url *u)
{
	free(u->scheme);
	free(u->userinfo);
	free(u->host);
	free(u->port);
	free(u->path);
	free(u->query);
	free(u->fragment);
	url_init(u);
}

static char *
dupn(const char *s, size_t n)
{
	char	*p;

	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* A copy of s, or NULL for NULL (*err set when the copy failed). */
static char *
dupopt(const char *s, int *err)
{
	char	*p;

	if (s == NULL)
		return NULL;
	if ((p = strdup(s)) == NULL)
		*err = 1;
	return p;
}

/* The default port of a scheme that has one, else -1. */
int
url_default_port(const char *scheme)
{
	static const struct {
		const char	*scheme;
		int		 port;
	} d[] = { { "http", 80 }, { "https", 443 }, { "ws", 80 },
	    { "wss", 443 }, { "ftp", 21 } };
	size_t	i;

	for (i = 0; scheme && i < sizeof d / sizeof d[0]; i++)
		if (strcmp(scheme, d[i].scheme) == 0)
			return d[i].port;
	return -1;
}

static int
special(const char *scheme)
{
	return scheme && (url_default_port(scheme) >= 0 ||
	    strcmp(scheme, "file") == 0);
}

/* Length of a valid scheme followed by ':' at the start of s, else 0. */
static size_t
scheme_len(const char *s)
{
	size_t	i;

	if (!isalpha((unsigned char)s[0]))
		return 0;
	for (i = 1; s[i] != '\0'; i++) {
		if (s[i] == ':')
			return i;
		if (!isalnum((unsigned char)s[i]) && s[i] != '+' &&
		    s[i] != '-' && s[i] != '.')
			return 0;
	}
	return 0;
}

/*
 * RFC 3986 5.2.4, on a heap copy of path. The input is consumed from
 * the front and the output grows over the bytes already consumed, so
 * it works in place.
 */
static char *
remove_dots(const char *path)
{
	char	*buf, *in, *out, *o;

	if ((buf = strdup(path)) == NULL)
		return NULL;
	in = out = buf;
	o = out;
	while (*in != '\0') {
		if (strncmp(in, "../", 3) == 0)
			in += 3;
		else if (strncmp(in, "./", 2) == 0)
			in += 2;
		else if (strncmp(in, "/./", 3) == 0)
			in += 2;
		else if (strcmp(in, "/.") == 0)
			*(in += 1) = '/';
		else if (strncmp(in, "/../", 4) == 0 ||
		    strcmp(in, "/..") == 0) {
			in += in[3] == '/' ? 3 : 2;
			*in = '/';
			while (o > out && *--o != '/')
				;
		} else if (strcmp(in, ".") == 0 || strcmp(in, "..") == 0)
			break;
		else {
			do
				*o++ = *in++;
			while (*in != '\0' && *in != '/');
		}
	}
	*o = '\0';
	return buf;
}

/*
 * Split s into components; with need_scheme the scheme is required.
 * The path is left as written (no dot removal). 0 or -EINVAL/-ENOMEM.
 */
static int
split(const char *s, struct url *u, int need_scheme)
{
	size_t	 n;
	char	*p;

	url_init(u);
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	if ((n = scheme_len(s)) > 0) {
		if ((u->scheme = dupn(s, n)) == NULL)
			goto nomem;
		for (p = u->scheme; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		s += n + 1;
	} else if (need_scheme)
		goto bad;
	if (s[0] == '/' && s[1] == '/') {
		const char	*a = s + 2, *end, *at, *colon = NULL, *q;

		end = a + strcspn(a, "/?#");
		at = NULL;
		for (q = a; q < end; q++)
			if (*q == '@')
				at = q;
		if (at != NULL) {
			if ((u->userinfo = dupn(a, at - a)) == NULL)
				goto nomem;
			a = at + 1;
		}
		q = a;
		if (*q == '[') {
			while (q < end && *q != ']')
				q++;
			if (q == end)
				goto bad;
		}
		for (; q < end; q++)
			if (*q == ':')
				colon = q;
		if ((u->host = dupn(a, (colon ? colon : end) - a)) == NULL)
			goto nomem;
		for (p = u->host; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (colon != NULL && colon + 1 < end) {
			for (q = colon + 1; q < end; q++)
				if (!isdigit((unsigned char)*q))
					goto bad;
			if (end - colon - 1 > 5 || atoi(colon + 1) > 65535)
				goto bad;
			if ((u->port = dupn(colon + 1, end - colon - 1)) ==
			    NULL)
				goto nomem;
			if (atoi(u->port) == url_default_port(u->scheme)) {
				free(u->port);
				u->port = NULL;
			}
		}
		s = end;
	}
	n = strcspn(s, "?#");
	if ((u->path = dupn(s, n)) == NULL)
		goto nomem;
	s += n;
	if (*s == '?') {
		n = strcspn(++s, "#");
		if ((u->query = dupn(s, n)) == NULL)
			goto nomem;
		s += n;
	}
	if (*s == '#' && (u->fragment = strdup(s + 1)) == NULL)
		goto nomem;
	return 0;
nomem:
	url_clear(u);
	return -ENOMEM;
bad:
	url_clear(u);
	return -EINVAL;
}

/* Replace u->path with its dot-free form, "/" for an empty special URL. */
static int
normalize(struct url *u)
{
	char	*p;

	if (u->host != NULL && u->path[0] == '\0' && special(u->scheme)) {
		free(u->path);
		return (u->path = strdup("/")) == NULL ? -ENOMEM : 0;
	}
	if (u->path[0] != '/')
		return 0;
	if ((p = remove_dots(u->path)) == NULL)
		return -ENOMEM;
	free(u->path);
	u->path = p;
	return 0;
}

/* Parse an absolute URL into u (caller's storage). 0 or -EINVAL/-ENOMEM. */
int
url_parse(const char *s, struct url *u)
{
	int	rc;

	if ((rc = split(s, u, 1)) < 0)
		return rc;
	if ((rc = normalize(u)) < 0)
		url_clear(u);
	return rc;
}

/*
 * Resolve the reference ref against base (RFC 3986 5.2.2) into out.
 * 0, -EINVAL (bad reference, or a relative one against an opaque base)
 * or -ENOMEM.
 */
int
url_resolve(const struct url *base, const char *ref, struct url *out)
{
	struct url	 r;
	char		*merged;
	const char	*slash;
	int		 rc, err = 0;

	if ((rc = split(ref, &r, 0)) < 0)
		return rc;
	if (r.scheme != NULL) {
		*out = r;
		goto done;
	}
	url_init(out);
	if (base->host == NULL && base->path[0] != '/' &&
	    (r.path[0] != '\0' || r.query != NULL)) {
		url_clear(&r);
		return -EINVAL;
	}
	out->scheme = dupopt(base->scheme, &err);
	out->fragment = r.fragment;
	r.fragment = NULL;
	if (r.host != NULL) {
		out->userinfo = r.userinfo;
		out->host = r.host;
		out->port = r.port;
		out->path = r.path;
		out->query = r.query;
		r.userinfo = r.host = r.port = r.path = r.query = NULL;
		goto fill;
	}
	out->userinfo = dupopt(base->userinfo, &err);
	out->host = dupopt(base->host, &err);
	out->port = dupopt(base->port, &err);
	if (r.path[0] == '\0') {
		out->path = dupopt(base->path, &err);
		out->query = r.query ? r.query : dupopt(base->query, &err);
		r.query = NULL;
	} else if (r.path[0] == '/') {
		out->path = r.path;
		out->query = r.query;
		r.path = r.query = NULL;
	} else {
		/* Merge: the base path up to its last '/', then ref. */
		slash = strrchr(base->path, '/');
		if (base->host != NULL && base->path[0] == '\0')
			slash = NULL;
		rc = slash ? (int)(slash - base->path + 1) : 0;
		if ((merged = malloc(rc + strlen(r.path) + 2)) == NULL)
			err = 1;
		else {
			if (base->host != NULL && base->path[0] == '\0')
				strcpy(merged, "/");
			else
				memcpy(merged, base->path, rc), merged[rc] = 0;
			strcat(merged, r.path);
		}
		out->path = merged;
		out->query = r.query;
		r.query = NULL;
	}
fill:
	url_clear(&r);
	if (err || out->path == NULL) {
		url_clear(out);
		return -ENOMEM;
	}
done:
	if ((rc = normalize(out)) < 0)
		url_clear(out);
	return rc;
}

/* Append s to the growing string *b of length *n. */
static int
cat(char **b, size_t *n, const char *s)
{
	size_t	 l = strlen(s);
	char	*p;

	if ((p = realloc(*b, *n + l + 1)) == NULL)
		return -1;
	memcpy(p + *n, s, l + 1);
	*b = p;
	*n += l;
	return 0;
}

/* The URL as a string; the caller frees it. NULL on ENOMEM. */
char *
url_format(const struct url *u)
{
	char	*b = NULL;
	size_t	 n = 0;
	int	 rc = 0;

	rc |= cat(&b, &n, u->scheme ? u->scheme : "");
	rc |= cat(&b, &n, ":");
	if (u->host != NULL) {
		rc |= cat(&b, &n, "//");
		if (u->userinfo != NULL) {
			rc |= cat(&b, &n, u->userinfo);
			rc |= cat(&b, &n, "@");
		}
		rc |= cat(&b, &n, u->host);
		if (u->port != NULL) {
			rc |= cat(&b, &n, ":");
			rc |= cat(&b, &n, u->port);
		}
	}
	rc |= cat(&b, &n, u->path ? u->path : "");
	if (u->query != NULL) {
		rc |= cat(&b, &n, "?");
		rc |= cat(&b, &n, u->query);
	}
	if (u->fragment != NULL) {
		rc |= cat(&b, &n, "#");
		rc |= cat(&b, &n, u->fragment);
	}
	if (rc != 0) {
		free(b);
		return NULL;
	}
	return b;
}

/* "host[:port]" (the port only when not the default); caller frees. */
char *
url_host(const struct url *u)
{
	char	*b = NULL;
	size_t	 n = 0;
	int	 rc = 0;

	rc |= cat(&b, &n, u->host ? u->host : "");
	if (u->port != NULL) {
		rc |= cat(&b, &n, ":");
		rc |= cat(&b, &n, u->port);
	}
	if (rc != 0) {
		free(b);
		return NULL;
	}
	return b;
}

/*
 * The serialized origin: "scheme://host[:port]" for http(s), ws(s) and
 * ftp, "null" (an opaque origin) for everything else, file: included.
 * The caller frees it; NULL on ENOMEM.
 */
char *
url_origin(const struct url *u)
{
	char	*h, *b = NULL;
	size_t	 n = 0;
	int	 rc = 0;

	if (url_default_port(u->scheme) < 0 || u->host == NULL ||
	    u->host[0] == '\0')
		return strdup("null");
	if ((h = url_host(u)) == NULL)
		return NULL;
	rc |= cat(&b, &n, u->scheme);
	rc |= cat(&b, &n, "://");
	rc |= cat(&b, &n, h);
	free(h);
	if (rc != 0) {
		free(b);
		return NULL;
	}
	return b;
}

/*
 * The origin of URL text s: url_origin, or "null" when s does not
 * parse. malloc'd; NULL when out of memory.
 */
char *
url_origin_text(const char *s)
{
	struct url	 u;
	char		*o;

	url_init(&u);
	o = url_parse(s, &u) == 0 ? url_origin(&u) : strdup("null");
	url_clear(&u);
	return o;
}

/* The value of hex digit c, or -1. */
int
url_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * Percent-decode s[0..n) into a NUL-terminated heap buffer (*out, the
 * caller frees it; *outlen excludes the NUL; the bytes may hold NULs).
 * A '%' not followed by two hex digits stays as it is. 0 or -ENOMEM.
 */
int
url_decode(const char *s, size_t n, char **out, size_t *outlen)
{
	size_t	 i, o = 0;
	char	*b;

	if ((b = malloc(n + 1)) == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n &&
		    url_hexval((unsigned char)s[i + 1]) >= 0 &&
		    url_hexval((unsigned char)s[i + 2]) >= 0) {
			b[o++] = (char)(url_hexval((unsigned char)s[i + 1]) <<
			    4 | url_hexval((unsigned char)s[i + 2]));
			i += 2;
		} else
			b[o++] = s[i];
	}
	b[o] = '\0';
	*out = b;
	*outlen = o;
	return 0;
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode base64 in place (forgiving: white space skipped). 0 or -EINVAL. */
static int
unbase64(char *b, size_t *n)
{
	size_t		 i, o = 0, pad = 0, k = 0;
	unsigned long	 acc = 0;
	int		 v;

	for (i = 0; i < *n; i++) {
		if (isspace((unsigned char)b[i]))
			continue;
		if (b[i] == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || (v = b64val((unsigned char)b[i])) < 0)
			return -EINVAL;
		acc = acc << 6 | (unsigned long)v;
		if (++k == 4) {
			b[o++] = (char)(acc >> 16);
			b[o++] = (char)(acc >> 8);
			b[o++] = (char)acc;
			acc = 0;
			k = 0;
		}
	}
	if (k == 1 || pad > 2 || (pad > 0 && (k + pad) % 4 != 0))
		return -EINVAL;
	if (k == 2)
		b[o++] = (char)(acc >> 4);
	else if (k == 3) {
		b[o++] = (char)(acc >> 10);
		b[o++] = (char)(acc >> 2);
	}
	b[o] = '\0';
	*n = o;
	return 0;
}

/*
 * The body of a data: URL (RFC 2397): "data:[type][;base64],<data>".
 * *out is a NUL-terminated heap buffer the caller frees. 0, -EINVAL
 * (not a data: URL, no comma, bad base64) or -ENOMEM.
 */
int
url_data(const struct url *u, char **out, size_t *outlen)
{
	char		*all = NULL, *comma, *meta;
	size_t		 n = 0, mlen;
	int		 b64 = 0, rc = -ENOMEM;

	if (u->scheme == NULL || strcmp(u->scheme, "data") != 0 ||
	    u->host != NULL)
		return -EINVAL;
	if (cat(&all, &n, u->path) < 0 || (u->query &&
	    (cat(&all, &n, "?") < 0 || cat(&all, &n, u->query) < 0)))
		goto out;
	if ((comma = strchr(all, ',')) == NULL) {
		rc = -EINVAL;
		goto out;
	}
	meta = all;
	mlen = comma - all;
	while (mlen > 0 && isspace((unsigned char)meta[mlen - 1]))
		mlen--;
	if (mlen >= 7 && strncasecmp(meta + mlen - 7, ";base64", 7) == 0)
		b64 = 1;
	if ((rc = url_decode(comma + 1, strlen(comma + 1), out, outlen)) < 0)
		goto out;
	if (b64 && (rc = unbase64(*out, outlen)) < 0) {
		free(*out);
		*out = NULL;
	}
out:
	free(all);
	return rc;
}
