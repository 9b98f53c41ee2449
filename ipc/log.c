/*
 * log.c: see log.h. The process-wide settings are the only static state
 * in ipc/: one role and one level per process, set once at start.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

static char		log_role[32] = "wwd";
static enum log_level	log_level = LOG_LEVEL_INFO;
static int		log_journal;
static int		log_use_syslog;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

/* Name this process in every line and set the level. */
void
log_init(const char *role, enum log_level level)
{
	snprintf(log_role, sizeof log_role, "%s", role);
	log_level = level;
	log_journal = getenv("JOURNAL_STREAM") != NULL;
}

/* Send lines to syslog (after detaching) instead of stderr, or back. */
void
log_syslog(int on)
{
	if (on && !log_use_syslog)
		openlog(log_role, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else if (!on && log_use_syslog)
		closelog();
	log_use_syslog = on;
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

int
log_get_level(void)
{
	return log_level;
}

/* The level named s ("error", "warn", "info", "debug"), or -1. */
int
log_parse_level(const char *s)
{
	unsigned	i;

	for (i = 0; i < sizeof level_names / sizeof level_names[0]; i++)
		if (strcmp(s, level_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
log_level_name(enum log_level level)
{
	return level_names[level];
}

/*
 * Copy s to out (size n) with control characters escaped, so that text
 * from a peer (a worker's console output, say) cannot forge log lines.
 */
static void
log_escape(const char *s, char *out, size_t n)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			o = 0;

	for (; *s != '\0' && o + 5 < n; s++) {
		unsigned char	c = (unsigned char)*s;

		if (c >= 0x20 && c != 0x7f) {
			out[o++] = (char)c;
			continue;
		}
		out[o++] = '\\';
		if (c == '\n' || c == '\r' || c == '\t')
			out[o++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
		else {
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

static void __attribute__((format(printf, 3, 0)))
vlog(enum log_level level, int err, const char *fmt, va_list ap)
{
	static const int	prio[] = { 3, 4, 6, 7 };
	char			raw[1024], msg[1024];
	const char		*sep = err ? ": " : "";
	const char		*what = err ? strerror(err) : "";

	if (level > log_level)
		return;
	vsnprintf(raw, sizeof raw, fmt, ap);
	log_escape(raw, msg, sizeof msg);
	if (log_use_syslog)
		syslog(prio[level], "%s%s%s", msg, sep, what);
	else if (log_journal)
		fprintf(stderr, "<%d>%s: %s%s%s\n", prio[level], log_role, msg,
		    sep, what);
	else if (level == LOG_LEVEL_INFO)
		fprintf(stderr, "%s: %s%s%s\n", log_role, msg, sep, what);
	else
		fprintf(stderr, "%s: %s: %s%s%s\n", log_role,
		    level_names[level], msg, sep, what);
}

#define LOGFN(fn, level, useerr)					\
void									\
fn(const char *fmt, ...)						\
{									\
	int	saved = errno;						\
	va_list	ap;							\
									\
	va_start(ap, fmt);						\
	vlog(level, useerr ? saved : 0, fmt, ap);			\
	va_end(ap);							\
	errno = saved;							\
}

LOGFN(log_debug, LOG_LEVEL_DEBUG, 0)
LOGFN(log_info, LOG_LEVEL_INFO, 0)
LOGFN(log_warn, LOG_LEVEL_WARN, 1)
LOGFN(log_warnx, LOG_LEVEL_WARN, 0)

/* Log an error with strerror(errno) and exit 1. */
void
log_fatal(const char *fmt, ...)
{
	int	saved = errno;
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_ERROR, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

/* Log an error and exit 1. */
void
log_fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
