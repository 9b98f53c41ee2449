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
#include <sys/uio.h>

#include "log.h"
#include "msg.h"

static char		log_role[32] = "wwd";
static enum log_level	log_level = LOG_LEVEL_INFO;
static int		log_journal;
static int		log_use_syslog;
/* Structured entries: sd_journal_sendv, when the daemon set it. */
static int		(*log_journal_send)(const struct iovec *, int);

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

/*
 * Send every line as a structured journald entry through send (the
 * daemon passes sd_journal_sendv), or back to stderr with NULL.
 */
void
log_set_journal(int (*send)(const struct iovec *, int))
{
	log_journal_send = send;
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
 * Copy s to out (size n) with control characters and bytes that are not
 * UTF-8 escaped, so that text from a peer (a worker's console output,
 * say) cannot forge log lines, and the line is UTF-8 for the journal
 * and for wwctl's JSON; cut short, it ends between characters.
 */
static void
log_escape(const char *s, char *out, size_t n)
{
	static const char	hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)s;
	size_t			o = 0, k;

	while (*p != '\0' && o + 5 < n) {
		if (*p >= 0x20 && *p < 0x7f) {
			out[o++] = (char)*p++;
			continue;
		}
		if (*p >= 0x80 && (k = ipc_utf8_char(p,
		    strnlen((const char *)p, 4), 0)) > 0) {	/* k < n - o */
			memcpy(out + o, p, k);
			o += k;
			p += k;
			continue;
		}
		out[o++] = '\\';
		if (*p == '\n' || *p == '\r' || *p == '\t')
			out[o++] = *p == '\n' ? 'n' : *p == '\r' ? 'r' : 't';
		else {
			out[o++] = 'x';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
		p++;
	}
	out[o] = '\0';
}

static const int	log_prio[] = { 3, 4, 6, 7 };

/*
 * The journald fields of one line (msg already escaped, strerror
 * appended) into field[] and iov[]: PRIORITY, MESSAGE, SYSLOG_IDENTIFIER
 * and, when a is not NULL, WORKER_ID, PRINCIPAL and PID where known.
 * Returns the number of fields (at most LOG_FIELDS_MAX).
 */
int
log_journal_fields(enum log_level level, const struct log_about *a,
    const char *msg, char field[][LOG_FIELD_MAX], struct iovec *iov)
{
	int	n = 0, i;

	snprintf(field[n++], LOG_FIELD_MAX, "PRIORITY=%d", log_prio[level]);
	snprintf(field[n++], LOG_FIELD_MAX, "MESSAGE=%s", msg);
	snprintf(field[n++], LOG_FIELD_MAX, "SYSLOG_IDENTIFIER=%.*s",
	    (int)strcspn(log_role, "["), log_role);
	if (a != NULL && a->worker != 0)
		snprintf(field[n++], LOG_FIELD_MAX, "WORKER_ID=%llu",
		    (unsigned long long)a->worker);
	if (a != NULL && a->principal >= 0)
		snprintf(field[n++], LOG_FIELD_MAX, "PRINCIPAL=%lld",
		    (long long)a->principal);
	/* The worker's or client's pid; journald's trusted _PID is wwd's. */
	if (a != NULL && a->pid > 0)
		snprintf(field[n++], LOG_FIELD_MAX, "PID=%lld",
		    (long long)a->pid);
	for (i = 0; i < n; i++) {
		iov[i].iov_base = field[i];
		iov[i].iov_len = strlen(field[i]);
	}
	return n;
}

/* Write one finished line (escaped, with its strerror) where it goes. */
static void
log_emit(enum log_level level, const struct log_about *a, const char *msg)
{
	char		field[LOG_FIELDS_MAX][LOG_FIELD_MAX];
	struct iovec	iov[LOG_FIELDS_MAX];
	int		n;

	if (log_journal_send != NULL) {
		n = log_journal_fields(level, a, msg, field, iov);
		if (log_journal_send(iov, n) >= 0)
			return;
	}
	if (log_use_syslog)
		syslog(log_prio[level], "%s", msg);
	else if (log_journal)
		fprintf(stderr, "<%d>%s: %s\n", log_prio[level], log_role,
		    msg);
	else if (level == LOG_LEVEL_INFO)
		fprintf(stderr, "%s: %s\n", log_role, msg);
	else
		fprintf(stderr, "%s: %s: %s\n", log_role, level_names[level],
		    msg);
}

/*
 * Format, escape and write one line about a (NULL: about nothing in
 * particular), strerror(err) appended when err is not 0. The escaped
 * text is left in out (size n, may be NULL) even when the level is
 * below the threshold, for callers that keep it (wwd's event ring).
 */
static void __attribute__((format(printf, 6, 0)))
vlog(enum log_level level, const struct log_about *a, int err, char *out,
    size_t n, const char *fmt, va_list ap)
{
	char	raw[LOG_LINE_MAX], msg[LOG_LINE_MAX];

	if (level > log_level && out == NULL)
		return;
	vsnprintf(raw, sizeof raw, fmt, ap);
	if (err != 0) {
		size_t	len = strlen(raw);

		snprintf(raw + len, sizeof raw - len, ": %s", strerror(err));
	}
	log_escape(raw, msg, sizeof msg);
	if (out != NULL)
		snprintf(out, n, "%s", msg);
	if (level <= log_level)
		log_emit(level, a, msg);
}

/*
 * Log a line about a worker or client a (see struct log_about) and leave
 * its escaped text in out (size n) for the caller to keep.
 */
void
log_vabout(enum log_level level, const struct log_about *a, char *out,
    size_t n, const char *fmt, va_list ap)
{
	vlog(level, a, 0, out, n, fmt, ap);
}

#define LOGFN(fn, level, useerr)					\
void									\
fn(const char *fmt, ...)						\
{									\
	int	saved = errno;						\
	va_list	ap;							\
									\
	va_start(ap, fmt);						\
	vlog(level, NULL, useerr ? saved : 0, NULL, 0, fmt, ap);			\
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
	vlog(LOG_LEVEL_ERROR, NULL, saved, NULL, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

/* Log an error and exit 1. */
void
log_fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_ERROR, NULL, 0, NULL, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
