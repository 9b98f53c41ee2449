/*
 * url.c: the few URL chores of libwwd: the file: URL of a local path
 * (absolute, normalised, percent-encoded), the path of a file: URL, the
 * body of a data: URL (percent-decoding, forgiving base64), and reading
 * a script file whole. Pure helpers; results are malloc'd for the caller.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"

/* Characters left as they are in a URL path. */
static int
url_plain(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') ||
	    (ch != '\0' && strchr("-._~!$&'()*+,;=:@/", ch) != NULL);
}

static int
url_hex(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * The absolute, lexically normalised form of path ("." and ".."
 * segments and repeated slashes removed; symlinks are not resolved, as
 * a browser would not see them). malloc'd, NULL with errno.
 */
static char *
url_abs_path(const char *path)
{
	char	 cwd[PATH_MAX], *full, *out, *seg, *save = NULL;
	size_t	 n, o = 0;

	if (path[0] == '/') {
		if ((full = strdup(path)) == NULL)
			return NULL;
	} else {
		if (getcwd(cwd, sizeof cwd) == NULL)
			return NULL;
		n = strlen(cwd) + strlen(path) + 2;
		if ((full = malloc(n)) == NULL)
			return NULL;
		strcpy(full, cwd);
		strcat(full, "/");
		strcat(full, path);
	}
	if ((out = malloc(strlen(full) + 2)) == NULL) {
		free(full);
		return NULL;
	}
	for (seg = strtok_r(full, "/", &save); seg != NULL;
	    seg = strtok_r(NULL, "/", &save)) {
		if (strcmp(seg, ".") == 0)
			continue;
		if (strcmp(seg, "..") == 0) {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			continue;
		}
		out[o++] = '/';
		n = strlen(seg);
		memcpy(out + o, seg, n);
		o += n;
	}
	if (o == 0)
		out[o++] = '/';
	/* Keep a trailing slash: it names a directory. */
	else if (path[strlen(path) - 1] == '/')
		out[o++] = '/';
	out[o] = '\0';
	free(full);
	return out;
}

/* The file: URL of a path; see wwd.h. */
char *
wwd_url_from_path(const char *path)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			*abs, *url;
	size_t			 i, o;

	if (path == NULL || *path == '\0') {
		errno = EINVAL;
		return NULL;
	}
	if ((abs = url_abs_path(path)) == NULL)
		return NULL;
	if ((url = malloc(7 + 3 * strlen(abs) + 1)) == NULL) {
		free(abs);
		return NULL;
	}
	memcpy(url, "file://", 7);
	o = 7;
	for (i = 0; abs[i] != '\0'; i++) {
		unsigned char	ch = (unsigned char)abs[i];

		if (url_plain(ch))
			url[o++] = (char)ch;
		else {
			url[o++] = '%';
			url[o++] = hex[ch >> 4];
			url[o++] = hex[ch & 15];
		}
	}
	url[o] = '\0';
	free(abs);
	return url;
}

/* Percent-decode n bytes of s into out (room for n bytes); its length. */
static size_t
url_unescape(const char *s, size_t n, char *out)
{
	size_t	i, o = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n &&
		    url_hex(s[i + 1]) >= 0 && url_hex(s[i + 2]) >= 0) {
			out[o++] = (char)(url_hex(s[i + 1]) << 4 |
			    url_hex(s[i + 2]));
			i += 2;
		} else
			out[o++] = s[i];
	}
	return o;
}

/*
 * The local path of a file: URL (file:///p or file://localhost/p;
 * query and fragment dropped, percent-decoded). 0, -EINVAL or -ENOMEM.
 */
int
wwd_url_file_path(const char *url, char **out)
{
	const char	*p = url + 5, *end;
	char		*path;
	size_t		 n;

	if (strncmp(p, "//", 2) == 0) {
		p += 2;
		if (strncmp(p, "localhost/", 10) == 0)
			p += 9;
		else if (*p != '/')
			return -EINVAL;
	}
	if (*p != '/')
		return -EINVAL;
	end = p + strcspn(p, "?#");
	n = (size_t)(end - p);
	if ((path = malloc(n + 1)) == NULL)
		return -ENOMEM;
	n = url_unescape(p, n, path);
	path[n] = '\0';
	if (memchr(path, '\0', n) != NULL) {
		free(path);
		return -EINVAL;
	}
	*out = path;
	return 0;
}

static int
url_b64(int ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/*
 * Forgiving base64 (WHATWG infra) in place: ASCII whitespace skipped,
 * "=" padding only at the end. The decoded length, or -1.
 */
static long
url_base64(char *s, size_t n)
{
	size_t		 i, o = 0, pad = 0, k = 0;
	unsigned	 acc = 0;

	for (i = 0; i < n; i++) {
		int	v, ch = (unsigned char)s[i];

		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\f' ||
		    ch == '\r')
			continue;
		if (ch == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || (v = url_b64(ch)) < 0)
			return -1;
		acc = acc << 6 | (unsigned)v;
		if (++k % 4 == 0) {
			s[o++] = (char)(acc >> 16);
			s[o++] = (char)(acc >> 8);
			s[o++] = (char)acc;
			acc = 0;
		}
	}
	if (pad > 0 && (k + pad) % 4 != 0)
		return -1;
	switch (k % 4) {
	case 1:
		return -1;
	case 2:
		s[o++] = (char)(acc >> 4);
		break;
	case 3:
		s[o++] = (char)(acc >> 10);
		s[o++] = (char)(acc >> 2);
		break;
	}
	return (long)o;
}

/*
 * The body of a data: URL: data:[<mediatype>][;base64],<data>. *out is
 * malloc'd and NUL-terminated. 0, -EINVAL with *why, or -ENOMEM.
 */
int
wwd_url_data_decode(const char *url, char **out, size_t *len,
    const char **why)
{
	const char	*comma, *body;
	char		*p;
	size_t		 n, mlen;
	long		 b;
	int		 base64 = 0;

	if ((comma = strchr(url + 5, ',')) == NULL) {
		*why = "no comma";
		return -EINVAL;
	}
	/* ";base64" ends the media type, spaces allowed before it. */
	mlen = (size_t)(comma - (url + 5));
	while (mlen > 0 && url[5 + mlen - 1] == ' ')
		mlen--;
	if (mlen >= 7 && strncasecmp(url + 5 + mlen - 7, ";base64", 7) == 0)
		base64 = 1;
	body = comma + 1;
	n = strcspn(body, "#");
	if ((p = malloc(n + 1)) == NULL)
		return -ENOMEM;
	n = url_unescape(body, n, p);
	if (base64) {
		if ((b = url_base64(p, n)) < 0) {
			free(p);
			*why = "invalid base64";
			return -EINVAL;
		}
		n = (size_t)b;
	}
	p[n] = '\0';
	*out = p;
	*len = n;
	return 0;
}

/* Read a whole file; *out malloc'd, NUL-terminated. 0 or -errno. */
int
wwd_url_read_file(const char *path, char **out, size_t *len)
{
	struct stat	 st;
	char		*p = NULL, *q;
	size_t		 n = 0, cap;
	ssize_t		 r;
	int		 fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = -EISDIR;
		goto fail;
	}
	cap = 4096;
	if (S_ISREG(st.st_mode) && (size_t)st.st_size >= cap)
		cap = (size_t)st.st_size + 1;
	for (;;) {
		if (n + 1 >= cap || p == NULL) {
			if (p != NULL)
				cap *= 2;
			if (cap > IPC_FRAME_MAX) {
				rc = -EFBIG;
				goto fail;
			}
			if ((q = realloc(p, cap)) == NULL) {
				rc = -ENOMEM;
				goto fail;
			}
			p = q;
		}
		r = read(fd, p + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	p[n] = '\0';
	*out = p;
	*len = n;
	return 0;
fail:
	free(p);
	close(fd);
	return rc;
}
