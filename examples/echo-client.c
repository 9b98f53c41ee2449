/*
 * echo-client.c: libwwd on a libuv loop. Connects to wwd, starts
 * examples/echo.js (or the script named by argv[1]) as a dedicated
 * worker, posts a few JSON messages, prints every reply, and ends when
 * the worker closes itself after "bye". A timer terminates the worker
 * if it takes more than ten seconds. Exit status 0 on a clean close.
 *
 *   usage: echo-client [SCRIPT [SOCKET]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "wwd.h"

#ifndef ECHO_JS
#define ECHO_JS "echo.js"
#endif

struct echo {
	struct wwd_conn		*conn;
	struct wwd_worker	*worker;
	uv_timer_t		 timer;
	int			 status;
};

static void
on_started(struct wwd_worker *w, void *arg)
{
	(void)arg;
	printf("started worker %llu (pid %d)\n",
	    (unsigned long long)wwd_worker_id(w), wwd_worker_pid(w));
}

static void
on_message(struct wwd_worker *w, const void *data, size_t len, void *arg)
{
	const char	*why;
	char		*json;

	(void)w;
	(void)arg;
	if (wwd_msgpack_to_json(data, len, &json, NULL, &why) < 0) {
		printf("reply that has no JSON form: %s\n", why);
		return;
	}
	printf("reply: %s\n", json);
	free(json);
}

static void
on_error(struct wwd_worker *w, const struct wwd_fault *e, void *arg)
{
	(void)w;
	(void)arg;
	fprintf(stderr, "worker error: %s (%s:%u:%u)\n", e->message,
	    e->filename, e->lineno, e->colno);
}

static void
on_console(struct wwd_worker *w, const char *level, const char *text,
    const void *args, size_t nargs, void *arg)
{
	(void)w;
	(void)args;
	(void)nargs;
	(void)arg;
	printf("console.%s: %s\n", level, text);
}

static void
on_exit_event(struct wwd_worker *w, const struct wwd_exit *e, void *arg)
{
	struct echo	*st = arg;

	(void)w;
	printf("worker exited: %s%s%s\n", e->reason, e->message[0] ? ": " :
	    "", e->message);
	st->worker = NULL;
	st->status = strcmp(e->reason, "closed") == 0 ? 0 : 1;
	/* Done: freeing closes the poll handle, so uv_run returns. */
	uv_close((uv_handle_t *)&st->timer, NULL);
	wwd_free(st->conn);
	st->conn = NULL;
}

static void
on_conn_error(struct wwd_conn *c, int err, const char *msg, void *arg)
{
	(void)c;
	(void)err;
	(void)arg;
	fprintf(stderr, "echo-client: %s\n", msg);
}

static void
on_timeout(uv_timer_t *t)
{
	struct echo	*st = t->data;

	fprintf(stderr, "echo-client: no goodbye after 10 s, terminating\n");
	if (st->worker != NULL)
		wwd_worker_terminate(st->worker);
}

int
main(int argc, char **argv)
{
	static const char *const		 msgs[] = {
		"\"hello\"", "[1, 2.5, true, null]",
		"{\"n\": 42, \"s\": \"caf\\u00e9\"}", "\"bye\""
	};
	const struct wwd_worker_callbacks	 cb = { on_started,
						    on_message, NULL,
						    on_error, on_console,
						    on_exit_event };
	const struct wwd_worker_options		 o = { NULL, "echo",
						    NULL, NULL, NULL };
	const char				*script = argc > 1 ?
						    argv[1] : ECHO_JS;
	struct echo				 st = { 0 };
	uv_loop_t				 loop;
	size_t					 i;

	st.status = 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (uv_loop_init(&loop) < 0)
		return 1;
	if (wwd_connect(&st.conn, argc > 2 ? argv[2] : NULL) < 0) {
		fprintf(stderr, "echo-client: %s\n", st.conn != NULL ?
		    wwd_errmsg(st.conn) : "out of memory");
		wwd_free(st.conn);
		uv_loop_close(&loop);
		return 3;
	}
	wwd_on_error(st.conn, on_conn_error, &st);
	if (wwd_attach_uv(st.conn, &loop) < 0 ||
	    wwd_worker_create_file(st.conn, script, &o, &cb, &st,
	    &st.worker) < 0) {
		fprintf(stderr, "echo-client: %s\n", wwd_errmsg(st.conn));
		wwd_free(st.conn);
		uv_run(&loop, UV_RUN_DEFAULT);
		uv_loop_close(&loop);
		return 1;
	}
	/* No need to wait for the worker to start: the daemon queues. */
	for (i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
		printf("post: %s\n", msgs[i]);
		if (wwd_worker_post_json(st.worker, msgs[i],
		    strlen(msgs[i])) < 0)
			fprintf(stderr, "echo-client: %s\n",
			    wwd_errmsg(st.conn));
	}
	uv_timer_init(&loop, &st.timer);
	st.timer.data = &st;
	uv_timer_start(&st.timer, on_timeout, 10000, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	return st.status;
}
