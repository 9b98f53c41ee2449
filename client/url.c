/*
 * url.c: the file: URL of a local path (absolute, normalised,
 * percent-encoded) and reading a script file whole. Parsing and decoding
 * URLs is ipc/url.c's. Results are malloc'd for the caller.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
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
