/*
 * own_symbols.c: a libwwd user that defines its own log_info and
 * url_parse (names libwwd uses inside), linked statically against
 * libwwd.a. It must link, its functions must stay its own, and libwwd's
 * calls must keep reaching libwwd's copies. Exit 0 when all holds.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "wwd.h"

static int	own_calls;

/* Same names as ipc/log.h and ipc/url.h, other signatures on purpose. */
int	log_info(int);
int	url_parse(int);

int
log_info(int v)
{
	own_calls++;
	return v + 1;
}

int
url_parse(int v)
{
	own_calls++;
	return v * 2;
}

static int
fail(const char *what)
{
	fprintf(stderr, "own_symbols: %s\n", what);
	return 1;
}

int
main(void)
{
	struct wwd_conn		*c = NULL;
	struct wwd_worker	*w = NULL;
	int			 rc;

	if (log_info(1) != 2 || url_parse(3) != 6 || own_calls != 2)
		return fail("the program's own functions were not called");
	if (strcmp(wwd_strerror(-ENOENT), strerror(ENOENT)) != 0)
		return fail("wwd_strerror gave the wrong text");
	/* No daemon there: libwwd parses the URL, then finds no link. */
	rc = wwd_connect(&c, "/nonexistent/wwd-own-symbols.sock");
	if (rc >= 0 || c == NULL)
		return fail("wwd_connect to a missing socket did not fail");
	rc = wwd_worker_create_url(c, "data:text/javascript,1", NULL, NULL,
	    NULL, &w);
	if (rc >= 0 || w != NULL)
		return fail("a worker was created without a daemon");
	if (own_calls != 2 || strstr(wwd_errmsg(c), "bad URL") != NULL)
		return fail("libwwd called the program's url_parse");
	printf("ok: %s\n", wwd_errmsg(c));
	wwd_free(c);
	return 0;
}
