/*
 * uv.c: libwwd on a libuv loop. A thin adaptor over the poll API: one
 * uv_poll_t on wwd_fd(), started for the events the connection wants
 * (the watch hook keeps it current) and calling wwd_process() when they
 * come. The adaptor owns its poll handle; the handle closes itself when
 * the connection fails or is freed and is freed in its close callback.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include <uv.h>

#include "client.h"

struct uv_watch {
	uv_poll_t	 poll;
	struct wwd_conn	*conn;	/* NULL once detached */
};

static void
uv_watch_closed(uv_handle_t *h)
{
	free(h->data);
}

static void
uv_watch_ready(uv_poll_t *h, int status, int events)
{
	struct uv_watch	*w = h->data;

	(void)status;
	(void)events;
	/* Errors (and a POLLERR status) show up as wwd_process failures. */
	if (w->conn != NULL)
		wwd_process(w->conn);
}

/* The watch hook: follow the connection's events mask. */
static void
uv_watch_update(struct wwd_conn *c, int ev, void *arg)
{
	struct uv_watch	*w = arg;
	int		 uvev = 0;

	(void)c;
	if (ev < 0) {
		w->conn = NULL;
		uv_close((uv_handle_t *)&w->poll, uv_watch_closed);
		return;
	}
	if (ev & POLLIN)
		uvev |= UV_READABLE;
	if (ev & POLLOUT)
		uvev |= UV_WRITABLE;
	if (uvev != 0)
		uv_poll_start(&w->poll, uvev, uv_watch_ready);
	else
		uv_poll_stop(&w->poll);
}

/* Drive the connection from a libuv loop; see wwd.h. */
int
wwd_attach_uv(struct wwd_conn *c, struct uv_loop_s *loop)
{
	struct uv_watch	*w;
	int		 rc;

	if (c->fd < 0)
		return wwd_set_error(c, c->fatal ? c->fatal : -EBADF,
		    "the connection is closed");
	if (c->watch != NULL)
		return wwd_set_error(c, -EALREADY, "already attached");
	if ((w = calloc(1, sizeof *w)) == NULL)
		return wwd_set_error(c, -ENOMEM, "out of memory");
	if ((rc = uv_poll_init(loop, &w->poll, c->fd)) < 0) {
		free(w);
		return wwd_set_error(c, rc, "uv_poll_init: %s",
		    uv_strerror(rc));
	}
	w->poll.data = w;
	w->conn = c;
	wwd_watch(c, uv_watch_update, w);
	return 0;
}
