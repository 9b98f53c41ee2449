/*
 * hello-poll.c: the smallest libwwd program, driven by plain poll().
 * Runs a one-line worker, posts one JSON message, prints the reply and
 * the exit.   usage: hello-poll [SOCKET]
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

#include "wwd.h"

static int	done;

static void
on_message(struct wwd_worker *w, const void *data, size_t len, void *arg)
{
	char	*json;

	(void)arg;
	if (wwd_msgpack_to_json(data, len, &json, NULL, NULL) == 0) {
		printf("reply: %s\n", json);
		free(json);
	}
	wwd_worker_terminate(w);
}

static void
on_exit_event(struct wwd_worker *w, const struct wwd_exit *e, void *arg)
{
	(void)w;
	(void)arg;
	printf("exit: %s\n", e->reason);
	done = 1;
}

int
main(int argc, char **argv)
{
	static const char	 src[] =
	    "onmessage = function (e) { postMessage(e.data * 2); };";
	struct wwd_worker_callbacks cb = { 0 };
	struct wwd_conn		*c;
	struct wwd_worker	*w;

	cb.message = on_message;
	cb.exit = on_exit_event;
	if (wwd_connect(&c, argc > 1 ? argv[1] : NULL) < 0) {
		fprintf(stderr, "hello-poll: %s\n", c ? wwd_errmsg(c) :
		    "out of memory");
		wwd_free(c);
		return 1;
	}
	if (wwd_worker_create_source(c, src, sizeof src - 1, NULL, &cb, NULL,
	    &w) < 0 || wwd_worker_post_json(w, "21", 2) < 0) {
		fprintf(stderr, "hello-poll: %s\n", wwd_errmsg(c));
		wwd_free(c);
		return 1;
	}
	while (!done) {
		struct pollfd	pfd = { wwd_fd(c), (short)wwd_events(c), 0 };

		if (poll(&pfd, 1, -1) < 0 || wwd_process(c) < 0) {
			fprintf(stderr, "hello-poll: %s\n", wwd_errmsg(c));
			break;
		}
	}
	wwd_free(c);
	return done ? 0 : 1;
}
