/*
 * conn.c: the one peer-I/O mechanism of wwd, shared by client and worker
 * connections. Bytes are read into a large buffer and cut into frames;
 * frames to send collect in a pending buffer and go out in one gathered
 * write per connection per loop turn (pending vs in-flight buffers). The
 * flusher, a uv_prepare handle, is the fixed point where output is
 * written and closed connections are handed to uv_close; a connection is
 * never freed inside one of its own callbacks.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "wwd.h"

/* Buffers bigger than this are released once they drain. */
#define CONN_KEEP_MAX	(1024 * 1024)

static void	conn_dirty(struct conn *);

/*
 * A new connection of the given kind, registered with w; the caller then
 * initializes and opens c->pipe and calls conn_start. NULL on ENOMEM.
 */
struct conn *
conn_create(struct wwd *w, enum conn_kind kind, uint64_t id,
    const struct conn_ops *ops, void *owner)
{
	struct conn	*c;

	if ((c = calloc(1, sizeof *c)) == NULL)
		return NULL;
	c->w = w;
	c->kind = kind;
	c->id = id;
	c->ops = ops;
	c->owner = owner;
	c->pipe.data = c;
	c->wreq.data = c;
	ipc_buf_init(&c->in);
	ipc_buf_init(&c->out);
	ipc_buf_init(&c->wbuf);
	LIST_INIT(&c->ports);
	TAILQ_INSERT_TAIL(&w->conns, c, entry);
	return c;
}

/* "client 3" or "worker[3]", for logs, in buf. */
const char *
conn_name(const struct conn *c, char *buf, size_t len)
{
	if (c->kind == CONN_CLIENT)
		snprintf(buf, len, "client %llu", (unsigned long long)c->id);
	else
		snprintf(buf, len, "worker[%llu]", (unsigned long long)c->id);
	return buf;
}

static void
conn_alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *ub)
{
	struct conn	*c = h->data;
	size_t		 want = ipc_frame_want(&c->in);

	(void)hint;
	/* An oversized header was refused before we are asked again. */
	if (want > IPC_HEADER_SIZE + (size_t)IPC_FRAME_MAX)
		want = IPC_HEADER_SIZE + (size_t)IPC_FRAME_MAX;
	if (want < CONN_READ_MIN)
		want = CONN_READ_MIN;
	if (ipc_buf_reserve(&c->in, want) < 0) {
		*ub = uv_buf_init(NULL, 0);	/* read_cb gets UV_ENOBUFS */
		return;
	}
	*ub = uv_buf_init((char *)ipc_buf_tail(&c->in),
	    c->in.cap - c->in.len);
}

/* Map ipc_frame_next's failures to the protocol's error codes. */
static const char *
conn_frame_code(int rc)
{
	return rc == -EMSGSIZE ? "frame-too-large" : "bad-frame";
}

/* Cut and dispatch every whole frame; stops when the peer is closed. */
static void
conn_cut(struct conn *c)
{
	struct ipc_frame	 f;
	const char		*why = NULL;
	int			 rc;

	while (c->reading && !c->closing) {
		if ((rc = ipc_frame_next(&c->in, IPC_FRAME_MAX, &f, &why)) == 0)
			break;
		if (rc < 0 && c->ops->broken != NULL) {
			c->ops->broken(c, conn_frame_code(rc), why);
			break;
		}
		if (rc < 0) {
			conn_error(c, conn_frame_code(rc), "%s", why);
			break;
		}
		c->ops->frame(c, &f);
	}
}

static void
conn_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *ub)
{
	struct conn	*c = s->data;

	(void)ub;
	if (nread > 0) {
		c->in.len += (size_t)nread;
		conn_cut(c);
		if (ipc_buf_used(&c->in) == 0 && c->in.cap > CONN_KEEP_MAX)
			ipc_buf_clear(&c->in);
		return;
	}
	if (nread == 0)
		return;
	conn_stop(c);
	c->ops->eof(c, (int)nread);
}

/* Start reading frames. 0 or a libuv error. */
int
conn_start(struct conn *c)
{
	int	rc;

	if ((rc = uv_read_start((uv_stream_t *)&c->pipe, conn_alloc_cb,
	    conn_read_cb)) < 0)
		return rc;
	c->reading = 1;
	return 0;
}

/* Stop reading; frames already read but not dispatched are discarded. */
void
conn_stop(struct conn *c)
{
	if (c->reading)
		uv_read_stop((uv_stream_t *)&c->pipe);
	c->reading = 0;
}

/*
 * The pending output buffer, marked to be flushed this loop turn; NULL
 * once the connection takes no more output. The buffer belongs to c.
 */
struct ipc_buf *
conn_out(struct conn *c)
{
	if (c->sealed || c->closed)
		return NULL;
	conn_dirty(c);
	return &c->out;
}

/* Queue n raw bytes (whole frames) for c; dropped if c is closing. */
void
conn_append(struct conn *c, const void *p, size_t n)
{
	struct ipc_buf	*b;
	char		 name[32];

	if ((b = conn_out(c)) == NULL)
		return;
	if (ipc_buf_append(b, p, n) < 0) {
		log_warnx("%s: out of memory queueing %zu bytes",
		    conn_name(c, name, sizeof name), n);
		conn_abort(c);
	}
}

/*
 * Answer bad input: log it, queue ERROR{code, message}, and close c once
 * the ERROR is written. Nothing queued after this is sent.
 */
void
conn_error(struct conn *c, const char *code, const char *fmt, ...)
{
	struct ipc_error	 e;
	struct ipc_buf		*b;
	char			 msg[512], name[32];
	va_list			 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_warnx("%s: %s: %s", conn_name(c, name, sizeof name), code, msg);
	if ((b = conn_out(c)) != NULL) {
		e.code = ipc_str(code);
		e.message = ipc_str(msg);
		(void)ipc_error_encode(b, &e);
	}
	conn_close(c);
}

/* Close c gracefully: stop reading, write what is queued, then close. */
void
conn_close(struct conn *c)
{
	if (c->closed)
		return;
	conn_stop(c);
	c->sealed = 1;
	c->closing = 1;
	conn_dirty(c);
}

/* Close c without writing what is still queued. */
void
conn_abort(struct conn *c)
{
	if (c->closed)
		return;
	ipc_buf_clear(&c->out);
	conn_close(c);
}

static void
conn_dirty(struct conn *c)
{
	if (c->in_dirty || c->closed)
		return;
	c->in_dirty = 1;
	TAILQ_INSERT_TAIL(&c->w->dirty, c, dirty_entry);
}

static void
conn_close_cb(uv_handle_t *h)
{
	struct conn	*c = h->data;

	ipc_buf_clear(&c->in);
	ipc_buf_clear(&c->out);
	ipc_buf_clear(&c->wbuf);
	free(c);
}

/* The fixed point: tell the owner, unlink, and hand the pipe to uv_close. */
static void
conn_finish(struct conn *c)
{
	if (c->in_dirty) {
		TAILQ_REMOVE(&c->w->dirty, c, dirty_entry);
		c->in_dirty = 0;
	}
	conn_stop(c);
	c->closed = 1;
	c->ops->gone(c);
	TAILQ_REMOVE(&c->w->conns, c, entry);
	uv_close((uv_handle_t *)&c->pipe, conn_close_cb);
}

static void
conn_write_cb(uv_write_t *req, int status)
{
	struct conn	*c = req->data;
	char		 name[32];

	c->writing = 0;
	ipc_buf_consume(&c->wbuf, ipc_buf_used(&c->wbuf));
	if (c->wbuf.cap > CONN_KEEP_MAX)
		ipc_buf_clear(&c->wbuf);
	if (c->closed)
		return;
	if (status < 0) {
		/* Keep reading: the peer may have written before it left. */
		log_debug("%s: write: %s", conn_name(c, name, sizeof name),
		    uv_strerror(status));
		ipc_buf_clear(&c->out);
		c->sealed = 1;
		if (!c->reading)
			conn_close(c);
		return;
	}
	if (ipc_buf_used(&c->out) > 0 || c->closing)
		conn_dirty(c);
}

/* Start one gathered write of everything pending, or finish a close. */
static void
conn_flush(struct conn *c)
{
	uv_buf_t	ub;
	char		name[32];
	int		rc;

	if (c->closed || c->writing)
		return;
	if (ipc_buf_used(&c->out) > 0) {
		ipc_buf_swap(&c->out, &c->wbuf);
		ub = uv_buf_init((char *)ipc_buf_head(&c->wbuf),
		    ipc_buf_used(&c->wbuf));
		rc = uv_write(&c->wreq, (uv_stream_t *)&c->pipe, &ub, 1,
		    conn_write_cb);
		if (rc == 0) {
			c->writing = 1;
			return;
		}
		log_debug("%s: write: %s", conn_name(c, name, sizeof name),
		    uv_strerror(rc));
		ipc_buf_consume(&c->wbuf, ipc_buf_used(&c->wbuf));
		ipc_buf_clear(&c->out);
		c->sealed = 1;
		if (!c->reading)
			c->closing = 1;
	}
	if (c->closing)
		conn_finish(c);
}

/* Flush every dirty connection and finish pending closes. */
void
conn_flush_all(struct wwd *w)
{
	struct conn	*c;

	while ((c = TAILQ_FIRST(&w->dirty)) != NULL) {
		TAILQ_REMOVE(&w->dirty, c, dirty_entry);
		c->in_dirty = 0;
		conn_flush(c);
	}
}

/* Shutdown: close every connection now, without flushing. */
void
conn_close_all(struct wwd *w)
{
	struct conn	*c;

	TAILQ_FOREACH(c, &w->conns, entry)
		conn_abort(c);
	/* A write in flight is cancelled by uv_close; nothing waits. */
	TAILQ_FOREACH(c, &w->conns, entry)
		c->writing = 0;
	conn_flush_all(w);
}
