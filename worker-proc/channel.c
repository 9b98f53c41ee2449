/*
 * channel.c: wwd-worker's I/O with wwd over fd 3 (a SOCK_STREAM Unix
 * socket). A uv_poll watches the descriptor; reads go into one large
 * buffer (w->in) and whole frames are cut out of it and handed to
 * main_dispatch in order; frames are queued in w->out and written with
 * at most one write per loop turn, from a prepare handle, so everything
 * the tasks of a turn produced leaves in one syscall.
 *
 * Encoding a message runs script (getters, toString), which may itself
 * post, log or report an error. So a postMessage builds its frame
 * between channel_begin and channel_end: the outermost one in w->out,
 * nested ones in a buffer of their own depth; every frame finished
 * while an encode is running goes to w->side, and lands in w->out just
 * before the outer frame when that one ends (it finished first, as in
 * browsers).
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "worker.h"

#define CHANNEL_OUT_HIGH	(1024 * 1024)	/* stop reading above */

static void	channel_poll_cb(uv_poll_t *, int, int);

/* Watch for readability, and writability while output is stuck. */
static void
set_events(struct worker *w, int events)
{
	if (w->polling == events || w->done)
		return;
	w->polling = events;
	uv_poll_start(&w->poll, events, channel_poll_cb);
}

/* Backpressure: over the mark, stop taking tasks until wwd reads. */
static void
update_events(struct worker *w)
{
	if (ipc_buf_used(&w->out) > CHANNEL_OUT_HIGH)
		set_events(w, UV_WRITABLE);
	else
		set_events(w, ipc_buf_used(&w->out) > 0 ?
		    UV_READABLE | UV_WRITABLE : UV_READABLE);
}

/* Write what the socket takes now; ask for UV_WRITABLE for the rest. */
static int
write_some(struct worker *w)
{
	ssize_t	n;

	while (ipc_buf_used(&w->out) > 0) {
		n = write(w->fd, ipc_buf_head(&w->out), ipc_buf_used(&w->out));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0)
			return -errno;
		ipc_buf_consume(&w->out, (size_t)n);
	}
	update_events(w);
	return 0;
}

/*
 * Read once into w->in (ipc_frame_read: a turn's share in a flood) and
 * dispatch every whole frame in it.
 */
static void
read_frames(struct worker *w)
{
	struct ipc_frame	 f;
	const char		*why;
	ssize_t			 n;
	int			 rc;

	if (w->done || w->closing || ipc_buf_used(&w->out) > CHANNEL_OUT_HIGH)
		return;
	if ((n = ipc_frame_read(w->fd, &w->in)) == -EAGAIN)
		return;
	if (n == -ENOMEM)
		log_fatalx("out of memory for the read buffer");
	if (n <= 0) {
		/* wwd is gone: nobody is left to tell anything. */
		if (n < 0)
			log_debug("channel read: %s", uv_strerror((int)n));
		main_stop(w, 0);
		return;
	}
	while (!w->done && !w->closing) {
		if ((rc = ipc_frame_next(&w->in, IPC_FRAME_MAX, &f, &why)) == 0)
			break;
		if (rc < 0) {
			log_warnx("bad frame from wwd: %s", why);
			main_stop(w, 1);
			return;
		}
		main_dispatch(w, &f);
	}
}

static void
channel_poll_cb(uv_poll_t *h, int status, int events)
{
	struct worker	*w = h->data;

	if (status < 0) {
		log_debug("channel poll: %s", uv_strerror(status));
		main_stop(w, 0);
		return;
	}
	if ((events & UV_WRITABLE) && write_some(w) < 0) {
		main_stop(w, 0);
		return;
	}
	if ((events & UV_READABLE) && !w->done)
		read_frames(w);
}

static void
channel_prepare_cb(uv_prepare_t *h)
{
	channel_flush(h->data);
}

/* Start watching fd 3 and flushing w->out once per turn. 0 or -errno. */
int
channel_start(struct worker *w)
{
	int	rc;

	if ((rc = uv_poll_init(&w->loop, &w->poll, w->fd)) < 0)
		return rc;
	w->poll.data = w;
	uv_prepare_init(&w->loop, &w->prepare);
	w->prepare.data = w;
	uv_prepare_start(&w->prepare, channel_prepare_cb);
	uv_unref((uv_handle_t *)&w->prepare);
	set_events(w, UV_READABLE);
	return 0;
}

/* Close both handles (freed with the loop; they live in *w). */
void
channel_stop(struct worker *w)
{
	if (!uv_is_closing((uv_handle_t *)&w->poll))
		uv_close((uv_handle_t *)&w->poll, NULL);
	if (!uv_is_closing((uv_handle_t *)&w->prepare))
		uv_close((uv_handle_t *)&w->prepare, NULL);
}

/* Write queued frames without blocking (the gathered write of a turn). */
void
channel_flush(struct worker *w)
{
	if (w->done || ipc_buf_used(&w->out) == 0)
		return;
	if (w->polling & UV_WRITABLE) {
		update_events(w);
		return;
	}
	if (write_some(w) < 0)
		main_stop(w, 0);
}

/*
 * Write everything queued, waiting for the socket as needed: the last
 * act of a worker that exits on its own. Errors mean wwd is gone, and
 * then there is nobody to write to.
 */
void
channel_flush_sync(struct worker *w)
{
	struct pollfd	pfd = { .fd = w->fd, .events = POLLOUT };
	ssize_t		n;

	while (ipc_buf_used(&w->out) > 0) {
		n = write(w->fd, ipc_buf_head(&w->out), ipc_buf_used(&w->out));
		if (n >= 0) {
			ipc_buf_consume(&w->out, (size_t)n);
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
				return;
		} else if (errno != EINTR)
			return;
	}
}

/*
 * Where a frame made in one go (no script runs while it is built:
 * CONSOLE, FAULT) goes now: w->out, or w->side during an encode.
 */
struct ipc_buf *
channel_out(struct worker *w)
{
	return w->encoding > 0 ? &w->side : &w->out;
}

/*
 * Start a frame whose building runs script (postMessage): returns the
 * buffer to build it in, *start set for channel_end; NULL when encodes
 * nest deeper than WORKER_ENCODE_DEPTH.
 */
struct ipc_buf *
channel_begin(struct worker *w, size_t *start)
{
	struct ipc_buf	*b;

	if (w->encoding > WORKER_ENCODE_DEPTH)
		return NULL;
	b = w->encoding == 0 ? &w->out : &w->pool[w->encoding - 1];
	if (w->encoding > 0)
		b->off = b->len = 0;
	*start = ipc_buf_used(b);	/* from off: reserve may move data */
	w->encoding++;
	return b;
}

/*
 * End the frame begun at start: kept (ok) or dropped. A nested frame
 * joins w->side; the outermost gets w->side put in front of it. 0, or
 * -ENOMEM (the side frames could not be placed; they are dropped).
 */
int
channel_end(struct worker *w, size_t start, int ok)
{
	struct ipc_buf	*b, *s = &w->side;
	size_t		 at, n;
	int		 rc = 0;

	w->encoding--;
	b = w->encoding == 0 ? &w->out : &w->pool[w->encoding - 1];
	if (!ok)
		b->len = b->off + start;
	if (w->encoding > 0) {
		if (ok && ipc_buf_append(s, b->data + b->off + start,
		    ipc_buf_used(b) - start) < 0)
			rc = -ENOMEM;
		b->off = b->len = 0;
		return rc;
	}
	if ((n = ipc_buf_used(s)) == 0)
		return 0;
	if (ipc_buf_reserve(b, n) < 0) {
		rc = -ENOMEM;
		goto done;
	}
	at = b->off + start;
	memmove(b->data + at + n, b->data + at, b->len - at);
	memcpy(b->data + at, ipc_buf_head(s), n);
	b->len += n;
done:
	s->off = s->len = 0;
	return rc;
}

/* Free the buffers of nested frames (the end of the process). */
void
channel_clear(struct worker *w)
{
	int	i;

	for (i = 0; i < WORKER_ENCODE_DEPTH; i++)
		ipc_buf_clear(&w->pool[i]);
	ipc_buf_clear(&w->side);
}
