/*
 * config.c: wwd's settings: built-in defaults, /etc/wwd/wwd.conf (INI,
 * parsed by Debian's libinih) and the checks on them. config_load fills
 * a fresh struct config or reports "file:line: problem" and leaves the
 * caller's settings alone, so a reload (SIGHUP, wwctl reload) with a
 * broken file keeps the old ones. The caller owns each struct config
 * and releases it with config_clear. docs/man/wwd.conf.5 is the manual.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ini.h>

#include "log.h"
#include "wwd.h"

/* The parse in progress: where to store, and the first problem seen. */
struct config_parse {
	struct config	*c;
	char		 why[256];
	int		 failed;
};

static char *
config_strdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/* Fill c with the built-in defaults. 0 or -ENOMEM. */
int
config_defaults(struct config *c)
{
	memset(c, 0, sizeof *c);
	c->socket_mode = 0600;
	c->worker_user = config_strdup("nobody");
	if (c->worker_user == NULL)
		return -ENOMEM;
	c->workers_max = 1024;
	c->workers_per_user = 64;
	c->frame_max = IPC_FRAME_MAX;
	c->input_per_user = 64u * 1024 * 1024;
	c->conn_high = 8u * 1024 * 1024;
	c->conn_low = 1u * 1024 * 1024;
	c->port_high = 4u * 1024 * 1024;
	c->port_low = 512u * 1024;
	c->worker_memory = 256u * 1024 * 1024;
	c->worker_cpu = 0;
	c->worker_wall = 0;
	c->linger_ms = 60000;
	c->log_level = LOG_LEVEL_INFO;
	return 0;
}

/* Release what c owns; c may then be refilled. */
void
config_clear(struct config *c)
{
	free(c->socket_path);
	free(c->socket_group);
	free(c->worker_user);
	free(c->admin_group);
	memset(c, 0, sizeof *c);
}

/* "64", "512K", "16M", "1G" -> bytes. 0 or -EINVAL. */
static int
config_size(const char *s, uint64_t *out)
{
	unsigned long long	 n, mul = 1;
	char			*end;

	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *s == '-')
		return -EINVAL;
	if (*end != '\0') {
		switch (*end) {
		case 'k': case 'K': mul = 1024ULL; break;
		case 'm': case 'M': mul = 1024ULL * 1024; break;
		case 'g': case 'G': mul = 1024ULL * 1024 * 1024; break;
		default: return -EINVAL;
		}
		if (end[1] != '\0')
			return -EINVAL;
	}
	if (n > UINT64_MAX / mul)
		return -EINVAL;
	*out = n * mul;
	return 0;
}

static int
config_uint(const char *s, uint32_t max, uint32_t *out)
{
	unsigned long	 n;
	char		*end;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *s == '-' || n > max)
		return -EINVAL;
	*out = (uint32_t)n;
	return 0;
}

/* Replace the string *dst with a copy of s. 0 or -ENOMEM. */
static int
config_set_str(char **dst, const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		return -ENOMEM;
	free(*dst);
	*dst = p;
	return 0;
}

/* One key of section [socket]. 0, -EINVAL (bad value) or -ENOENT. */
static int
config_socket(struct config *c, const char *key, const char *val)
{
	unsigned long	 n;
	char		*end;

	if (strcmp(key, "path") == 0) {
		if (val[0] != '/')
			return -EINVAL;
		return config_set_str(&c->socket_path, val);
	}
	if (strcmp(key, "mode") == 0) {
		errno = 0;
		n = strtoul(val, &end, 8);
		if (errno != 0 || end == val || *end != '\0' || n > 0777)
			return -EINVAL;
		c->socket_mode = (unsigned)n;
		return 0;
	}
	if (strcmp(key, "group") == 0)
		return config_set_str(&c->socket_group, val);
	return -ENOENT;
}

static int
config_workers(struct config *c, const char *key, const char *val)
{
	if (strcmp(key, "user") == 0)
		return config_set_str(&c->worker_user, val);
	if (strcmp(key, "admin_group") == 0)
		return config_set_str(&c->admin_group, val);
	return -ENOENT;
}

static int
config_limits(struct config *c, const char *key, const char *val)
{
	uint64_t	v;

	if (strcmp(key, "workers") == 0)
		return config_uint(val, 1000000, &c->workers_max);
	if (strcmp(key, "workers_per_user") == 0)
		return config_uint(val, 1000000, &c->workers_per_user);
	if (strcmp(key, "cpu_seconds") == 0)
		return config_uint(val, 86400 * 365, &c->worker_cpu);
	if (strcmp(key, "wall_seconds") == 0)
		return config_uint(val, 86400 * 365, &c->worker_wall);
	if (config_size(val, &v) < 0)
		return strstr(key, "queue") != NULL || strcmp(key, "memory") ==
		    0 || strcmp(key, "frame_size") == 0 ||
		    strcmp(key, "input_per_user") == 0 ? -EINVAL : -ENOENT;
	if (strcmp(key, "frame_size") == 0) {
		if (v < 1024 || v > IPC_FRAME_MAX)
			return -EINVAL;
		c->frame_max = (uint32_t)v;
	} else if (strcmp(key, "input_per_user") == 0)
		c->input_per_user = v;
	else if (strcmp(key, "memory") == 0)
		c->worker_memory = v;
	else if (strcmp(key, "conn_queue_high") == 0)
		c->conn_high = v;
	else if (strcmp(key, "conn_queue_low") == 0)
		c->conn_low = v;
	else if (strcmp(key, "port_queue_high") == 0)
		c->port_high = v;
	else if (strcmp(key, "port_queue_low") == 0)
		c->port_low = v;
	else
		return -ENOENT;
	return 0;
}

static int
config_other(struct config *c, const char *section, const char *key,
    const char *val)
{
	uint32_t	n;
	int		level;

	if (strcmp(section, "shared") == 0 && strcmp(key, "linger") == 0) {
		if (strcmp(val, "forever") == 0) {
			c->linger_ms = -1;
			return 0;
		}
		if (config_uint(val, 86400 * 1000, &n) < 0)
			return -EINVAL;
		c->linger_ms = n;
		return 0;
	}
	if (strcmp(section, "log") == 0 && strcmp(key, "level") == 0) {
		if ((level = log_parse_level(val)) < 0)
			return -EINVAL;
		c->log_level = level;
		return 0;
	}
	return -ENOENT;
}

/* libinih's callback: nonzero to go on, 0 marks this line bad. */
static int
config_handler(void *arg, const char *section, const char *key,
    const char *val)
{
	struct config_parse	*p = arg;
	int			 rc;

	if (strcmp(section, "socket") == 0)
		rc = config_socket(p->c, key, val);
	else if (strcmp(section, "workers") == 0)
		rc = config_workers(p->c, key, val);
	else if (strcmp(section, "limits") == 0)
		rc = config_limits(p->c, key, val);
	else
		rc = config_other(p->c, section, key, val);
	if (rc == 0)
		return 1;
	if (!p->failed) {
		p->failed = 1;
		if (rc == -ENOENT)
			snprintf(p->why, sizeof p->why, "unknown setting "
			    "\"%s\" in [%s]", key, section);
		else if (rc == -ENOMEM)
			snprintf(p->why, sizeof p->why, "out of memory");
		else
			snprintf(p->why, sizeof p->why, "bad value \"%s\" for "
			    "%s.%s", val, section, key);
	}
	return 0;
}

/* Cross-field checks; NULL when c is coherent. */
static const char *
config_check(const struct config *c)
{
	if (c->conn_low >= c->conn_high)
		return "limits.conn_queue_low must be below conn_queue_high";
	if (c->port_low >= c->port_high)
		return "limits.port_queue_low must be below port_queue_high";
	if (c->workers_per_user == 0 || c->workers_max == 0)
		return "worker limits must be at least 1";
	return NULL;
}

/*
 * Look the worker user up once, here rather than at each spawn: running
 * as root, workers switch to its uid and gid (unless it is root). 0, or
 * -ENOENT if there is no such user.
 */
static int
config_worker_id(struct config *c)
{
	struct passwd	*pw;

	if (geteuid() != 0 || strcmp(c->worker_user, "root") == 0)
		return 0;
	if ((pw = getpwnam(c->worker_user)) == NULL)
		return -ENOENT;
	c->worker_setid = 1;
	c->worker_uid = pw->pw_uid;
	c->worker_gid = pw->pw_gid;
	return 0;
}

/*
 * Load path into *c (defaults, then the file). A missing file is fine
 * when optional (the default path); then c holds the defaults. On
 * failure *c is cleared and why (len bytes) says "file:line: problem".
 * 0, 1 if the optional file was missing, or a negative errno.
 */
int
config_load(struct config *c, const char *path, int optional, char *why,
    size_t len)
{
	struct config_parse	 p;
	struct stat		 st;
	const char		*bad;
	FILE			*f;
	int			 rc, absent = 0;

	if ((rc = config_defaults(c)) < 0) {
		snprintf(why, len, "out of memory");
		return rc;
	}
	if ((f = fopen(path, "re")) != NULL) {
		/* A directory opens, and reads as nothing but defaults. */
		if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
			fclose(f);
			snprintf(why, len, "%s: %s", path, strerror(EISDIR));
			rc = -EINVAL;
			goto fail;
		}
		memset(&p, 0, sizeof p);
		p.c = c;
		rc = ini_parse_file(f, config_handler, &p);
		fclose(f);
		if (rc != 0) {
			snprintf(why, len, "%s:%d: %s", path, rc, p.failed ?
			    p.why : "syntax error");
			rc = -EINVAL;
			goto fail;
		}
	} else if (!optional || errno != ENOENT) {
		rc = -errno;
		snprintf(why, len, "%s: %s", path, strerror(-rc));
		goto fail;
	} else
		absent = 1;
	if ((bad = config_check(c)) != NULL) {
		snprintf(why, len, "%s: %s", path, bad);
		rc = -EINVAL;
		goto fail;
	}
	if ((rc = config_worker_id(c)) < 0) {
		snprintf(why, len, "%s: workers.user: no user %s on this "
		    "system", path, c->worker_user);
		goto fail;
	}
	return absent;
fail:
	config_clear(c);
	return rc;
}
