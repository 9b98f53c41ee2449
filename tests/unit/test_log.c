/*
 * test_log.c: ipc/log.c's structured lines. A capturing sender stands
 * where wwd puts sd_journal_sendv, so the fields journald would get
 * (PRIORITY, MESSAGE, SYSLOG_IDENTIFIER, WORKER_ID, PRINCIPAL, PID) are
 * checked exactly, with escaping and strerror.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "log.h"

static char	got[LOG_FIELDS_MAX][LOG_FIELD_MAX];
static int	ngot;

static int
capture(const struct iovec *iov, int n)
{
	int	i;

	cr_assert(n <= LOG_FIELDS_MAX);
	for (i = 0; i < n; i++)
		snprintf(got[i], LOG_FIELD_MAX, "%.*s", (int)iov[i].iov_len,
		    (const char *)iov[i].iov_base);
	ngot = n;
	return 0;
}

static void __attribute__((format(printf, 4, 5)))
about(enum log_level level, const struct log_about *a, char *out,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vabout(level, a, out, LOG_LINE_MAX, fmt, ap);
	va_end(ap);
}

static void
setup(void)
{
	log_init("wwd", LOG_LEVEL_INFO);
	log_set_journal(capture);
	ngot = 0;
}

TestSuite(log, .init = setup);

Test(log, worker_line_has_its_fields)
{
	struct log_about	a = { 12, 1000, 4321 };
	char			text[LOG_LINE_MAX];

	about(LOG_LEVEL_INFO, &a, text, "worker[%d] started", 12);
	cr_assert_eq(ngot, 6);
	cr_assert_str_eq(got[0], "PRIORITY=6");
	cr_assert_str_eq(got[1], "MESSAGE=worker[12] started");
	cr_assert_str_eq(got[2], "SYSLOG_IDENTIFIER=wwd");
	cr_assert_str_eq(got[3], "WORKER_ID=12");
	cr_assert_str_eq(got[4], "PRINCIPAL=1000");
	cr_assert_str_eq(got[5], "PID=4321");
	cr_assert_str_eq(text, "worker[12] started");
}

Test(log, client_line_and_escaping)
{
	struct log_about	a = { 0, 0, 77 };
	char			text[LOG_LINE_MAX];

	about(LOG_LEVEL_WARN, &a, text, "client 3: %s", "a\nb");
	cr_assert_eq(ngot, 5);
	cr_assert_str_eq(got[0], "PRIORITY=4");
	cr_assert_str_eq(got[1], "MESSAGE=client 3: a\\nb");
	cr_assert_str_eq(got[3], "PRINCIPAL=0");
	cr_assert_str_eq(got[4], "PID=77");
}

Test(log, plain_lines_and_levels)
{
	char	text[LOG_LINE_MAX];

	errno = ENOENT;
	log_warn("open %s", "x");
	cr_assert_eq(ngot, 3);
	cr_assert_str_eq(got[1], "MESSAGE=open x: No such file or directory");
	/* Below the level: not sent, but the text is still kept. */
	ngot = 0;
	about(LOG_LEVEL_DEBUG, NULL, text, "quiet %d", 1);
	cr_assert_eq(ngot, 0);
	cr_assert_str_eq(text, "quiet 1");
	log_init("worker[5]", LOG_LEVEL_INFO);
	log_info("hello");
	cr_assert_str_eq(got[2], "SYSLOG_IDENTIFIER=worker");
}

/*
 * A line is UTF-8 for the journal and wwctl's JSON: characters pass,
 * bytes that are not UTF-8 (a lone surrogate's WTF-8, a stray byte) are
 * escaped, and a line cut at its limit ends between characters.
 */
Test(log, lines_stay_utf8)
{
	char	text[LOG_LINE_MAX], big[LOG_LINE_MAX + 8];
	size_t	i, n;

	about(LOG_LEVEL_INFO, NULL, text, "%s", "\xc3\xa9 \xed\xa0\x80 \xff "
	    "\xe2\x82\xac \xc0\xaf \xf0\x9f\x98\x80");
	cr_assert_str_eq(text, "\xc3\xa9 \\xed\\xa0\\x80 \\xff \xe2\x82\xac "
	    "\\xc0\\xaf \xf0\x9f\x98\x80");
	/* 1,100 two-byte characters: cut after a whole one. */
	for (i = 0; i + 2 < sizeof big; i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	big[i] = '\0';
	about(LOG_LEVEL_INFO, NULL, text, "%s", big);
	n = strlen(text);
	cr_assert(n > LOG_LINE_MAX - 8 && n % 2 == 0, "%zu bytes", n);
	cr_assert(memcmp(text + n - 2, "\xc3\xa9", 2) == 0);
}
