/*
 * conn.c: the one peer-I/O mechanism of wwd, shared by client and worker
 * connections. Bytes are read into a large buffer and cut into frames;
 * frames to send collect in a pending buffer and go out in one gathered
 * write per connection per loop turn (pending vs in-flight buffers). The
 * flusher, a uv_prepare handle, is the fixed point where output is
 * written and closed connections are handed to uv_close; a connection is
 * never freed inside one of its own callbacks.
 */
#define _GNU_SOURCE	/* POLLRDHUP */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "wwd.h"

/* Buffers bigger than this are released once they drain. */
#define CONN_KEEP_MAX	(1024 * 1024)
#define CONN_CYCLE_HOPS	8	/* longer wait cycles are not seen */

static void	conn_dirty(struct conn *);
#define CONN_STALL_TICKS	50	/* ticks a client may stall a shared
					   worker reading nothing: 5 s */

static void	conn_alloc_cb(uv_handle_t *, size_t, uv_buf_t *);
static void	conn_read_cb(uv_stream_t *, ssize_t, const uv_buf_t *);
static size_t	conn_unfinished(struct conn *);
static int	conn_charge(struct conn *, size_t, int);
static void	conn_hold(struct conn *);

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
	c->frame_max = kind == CONN_CLIENT ? w->cfg.frame_max : IPC_FRAME_MAX;
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
	ssize_t		 room = ipc_frame_room(&c->in, CONN_READ_MIN);

	(void)hint;
	if (room < 0) {
		*ub = uv_buf_init(NULL, 0);	/* read_cb gets UV_ENOBUFS */
		return;
	}
	*ub = uv_buf_init((char *)ipc_buf_tail(&c->in), (unsigned)room);
}

/* Map ipc_frame_next's failures to the protocol's error codes. */
static const char *
conn_frame_code(int rc)
{
	return rc == -EMSGSIZE ? "frame-too-large" : "bad-frame";
}

/* The peer broke the protocol: its ops decide what that costs it. */
static void LOG_PRINTF(3, 4)
conn_fault(struct conn *c, const char *code, const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	c->ops->fault(c, code, msg);
}

/*
 * The checks every channel shares before its dispatch sees a frame: a
 * known type, allowed from this kind of peer, HELLO first and once,
 * with our version and the peer's role.
 */
static void
conn_handshake(struct conn *c, struct ipc_frame *f)
{
	const char		*name = ipc_type_name(f->type), *why;
	struct ipc_hello	 h;
	int			 rc;

	if (name == NULL)
		conn_fault(c, "unknown-type", "unknown message type %u",
		    f->type);
	else if (!ipc_type_allowed(f->type, c->ops->dir))
		conn_fault(c, "wrong-direction", "%s may not be sent by a %s",
		    name, c->ops->role);
	else if (f->type != IPC_HELLO) {
		if (c->hello)
			c->ops->frame(c, f);
		else
			conn_fault(c, "handshake", "the first frame must be "
			    "HELLO, not %s", name);
	} else if (c->hello)
		conn_fault(c, "handshake", "HELLO sent twice");
	else if (ipc_hello_version(f->body, f->len, &h.version) == 0 &&
	    h.version != IPC_VERSION)
		conn_fault(c, "version", "unsupported protocol version: "
		    "version %u (wwd speaks version %u)", h.version,
		    IPC_VERSION);
	else if (ipc_hello_decode(f->body, f->len, &h, &why) < 0)
		conn_fault(c, "bad-body", "HELLO: %s", why);
	else if ((rc = ipc_hello_check(&h, c->ops->role, &why)) < 0)
		conn_fault(c, rc == -EPROTONOSUPPORT ? "version" : "handshake",
		    "%s: version %u, role \"%.*s\" (wwd speaks version %u "
		    "to a \"%s\")", why, h.version, (int)h.role.len,
		    h.role.ptr, IPC_VERSION, c->ops->role);
	else {
		c->hello = 1;
		c->ops->hello(c, &h);
	}
}

/*
 * The largest body c may send in the frame whose header is next in its
 * input: its frame_max; but a REPOST on a port that drains from c
 * bounces a frame someone else sent, as large as any peer may send.
 */
static uint32_t
conn_frame_max(struct conn *c)
{
	uint16_t	type;
	size_t		size;

	if (ipc_frame_peek(&c->in, &type, &size) && type == IPC_REPOST &&
	    c->hello && router_bounces(c->w, c,
	    ipc_get64(ipc_buf_head(&c->in) + 8)))
		return IPC_FRAME_MAX;
	return c->frame_max;
}

/* Cut and dispatch every whole frame; stops when the peer is closed. */
static void
conn_cut(struct conn *c)
{
	struct ipc_frame	 f;
	const char		*why = NULL;
	int			 rc;

	while (c->reading && !c->closing) {
		if ((rc = ipc_frame_next(&c->in, conn_frame_max(c), &f,
		    &why)) == 0)
			break;
		if (rc < 0) {
			conn_fault(c, conn_frame_code(rc), "%s", why);
			break;
		}
		conn_handshake(c, &f);
	}
}

static void
conn_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *ub)
{
	struct conn	*c = s->data;

	if (nread > 0) {
		c->in.len += (size_t)nread;
		conn_cut(c);
		/*
		 * Nothing held and the read did not fill the room it had:
		 * the peer has gone quiet for now, so its buffer goes back
		 * to the heap for the next busy connection (an idle fleet
		 * of 10,000 workers held ~8 KiB each), and a huge one
		 * always does.
		 */
		if (ipc_buf_used(&c->in) == 0 && ((size_t)nread < ub->len ||
		    c->in.cap > CONN_KEEP_MAX))
			ipc_buf_clear(&c->in);
		/* A paused c takes no more bytes: it holds no charge. */
		if (conn_charge(c, c->reading ? conn_unfinished(c) : 0, 0) < 0)
			conn_hold(c);
		return;
	}
	if (nread == 0)
		return;
	conn_stop(c);
	c->ops->eof(c, (int)nread);
}

/*
 * Start reading frames. 0 or a libuv error. The socket's kernel buffer
 * is raised first: with the default (208 KiB) a peer on the same CPU
 * is woken for three 64 KiB frames at a time, and large messages move
 * a fifth slower (docs/performance.md). Linux caps the request at
 * net.core.wmem_max and doubles it: 416 KiB with Debian's default cap,
 * 1 MiB where the cap allows. Only bytes in flight use it, beside the
 * megabytes the queue marks let wwd hold for the same receiver.
 */
int
conn_start(struct conn *c)
{
	char	name[32];
	int	rc, size = CONN_SNDBUF;

	if ((rc = uv_send_buffer_size((uv_handle_t *)&c->pipe, &size)) < 0)
		log_debug("%s: SO_SNDBUF: %s", conn_name(c, name,
		    sizeof name), uv_strerror(rc));
	if ((rc = uv_read_start((uv_stream_t *)&c->pipe, conn_alloc_cb,
	    conn_read_cb)) < 0)
		return rc;
	c->reading = 1;
	return 0;
}

/* Take c off the paused list (it reads again, or never will). */
static void
conn_unpause(struct conn *c)
{
	if (!c->paused)
		return;
	TAILQ_REMOVE(&c->w->paused, c, paused_entry);
	c->paused = 0;
	c->held = 0;
	c->blocker = NULL;
	c->blocking = 0;
}

/* Stop reading; frames already read but not dispatched are discarded. */
void
conn_stop(struct conn *c)
{
	if (c->reading)
		uv_read_stop((uv_stream_t *)&c->pipe);
	c->reading = 0;
	conn_unpause(c);
}

/* Bytes queued for c and not yet written: pending plus in flight. */
size_t
conn_queued(const struct conn *c)
{
	return ipc_buf_used(&c->out) + ipc_buf_used(&c->wbuf);
}

/* Stop reading c and put it on the paused list. */
static void
conn_stop_reading(struct conn *c)
{
	uv_read_stop((uv_stream_t *)&c->pipe);
	c->reading = 0;
	c->paused = 1;
	TAILQ_INSERT_TAIL(&c->w->paused, c, paused_entry);
	c->w->stats.pauses++;
}

/*
 * Backpressure: stop reading c until the receiver connection (over
 * conn_high, or NULL) is down to conn_low and the port (over port_high,
 * or 0) down to port_low, or gone (a low mark of 0: empty). Frames
 * already read stay in c->in and are cut on resume, so nothing accepted
 * is dropped.
 */
void
conn_pause(struct conn *c, struct conn *receiver, uint64_t port)
{
	char	name[32];

	if (!c->reading || c->closing)
		return;
	conn_stop_reading(c);
	c->blocker = receiver;
	c->blocking = port;
	log_debug("%s: paused: a %s is over its high mark",
	    conn_name(c, name, sizeof name), port != 0 ? "port" : "receiver");
}

/*
 * The size of client c's unfinished frame at the head of its input,
 * header included, once its header is in; else 0. One over frame_size
 * counts nothing: cutting it will fault c.
 */
static size_t
conn_unfinished(struct conn *c)
{
	uint16_t	type;
	size_t		size;

	if (c->closing || c->closed || !ipc_frame_peek(&c->in, &type,
	    &size) || size > IPC_HEADER_SIZE + (size_t)conn_frame_max(c))
		return 0;
	return ipc_buf_used(&c->in) < size ? size : 0;
}

/*
 * The input budget: a client's unfinished frame is charged to its
 * principal while wwd reads it, so that one user's half-sent frames
 * cannot fill the daemon (limits.input_per_user). Charge size (c's
 * unfinished frame, or 0) in place of what c had charged; a paused
 * connection takes no more bytes, so it holds none. -1 if that would
 * take the principal over its budget while its other connections hold
 * some: c must not read on until they finish (conn_hold,
 * conn_resume_all). A principal's first frame is always let through,
 * so a frame up to frame_size never waits for good; with force, any
 * frame is (its peer hung up: what is left is bounded by the socket's
 * buffer).
 */
static int
conn_charge(struct conn *c, size_t size, int force)
{
	struct principal	*p;

	if (c->kind != CONN_CLIENT || size == c->charged ||
	    (p = supervisor_principal(c->w, supervisor_uid(c))) == NULL)
		return 0;
	if (c->charged > 0) {
		p->input -= c->charged;
		c->charged = 0;
		c->w->drained = 1;	/* a held one may fit now */
	}
	if (size > 0 && p->input > 0 && !force &&
	    p->input + size > c->w->cfg.input_per_user)
		return -1;
	p->input += size;
	c->charged = size;
	return 0;
}

/* c's frame is over its principal's input budget: read it later. */
static void
conn_hold(struct conn *c)
{
	char	name[32];

	conn_stop_reading(c);
	c->held = 1;
	log_debug("%s: paused: its user's unfinished frames are over "
	    "limits.input_per_user", conn_name(c, name, sizeof name));
}

/*
 * Whether r waits for c through paused workers, at most hops deep. A
 * worker whose output wwd stops reading soon stops reading its own
 * channel (above 1 MiB of unwritten output), so it waits in turn for
 * whatever it was paused for. Clients are not followed: one that never
 * reads must stall its own senders, and not fill the daemon instead
 * (unless the sender is a shared worker: conn_stalled).
 */
static int
conn_waits(const struct conn *r, const struct conn *c, int hops)
{
	struct port	*p;

	if (r == c)
		return 1;
	if (hops == 0 || r->kind != CONN_WORKER || !r->paused)
		return 0;
	if (r->blocker != NULL && conn_waits(r->blocker, c, hops - 1))
		return 1;
	return r->blocking != 0 && (p = router_find(r->w, r->blocking)) !=
	    NULL && p->holder != NULL && conn_waits(p->holder, c, hops - 1);
}

/*
 * Whether pausing worker c for receiver r would close a cycle of workers
 * that each wait for the next to read (two workers flooding each other,
 * or one flooding its own port): they would all wait for good. c is then
 * read on, and r's queue goes over its mark until the cycle unwinds.
 */
int
conn_cycle(const struct conn *c, const struct conn *r)
{
	return c->kind == CONN_WORKER && conn_waits(r, c, CONN_CYCLE_HOPS);
}

/* Whether paused c must still wait for its receiver or port to drain. */
static int
conn_blocked(const struct conn *c)
{
	struct wwd	*w = c->w;
	struct port	*p;

	if (c->blocker != NULL && conn_queued(c->blocker) > w->cfg.conn_low)
		return 1;
	return c->blocking != 0 && (p = router_find(w, c->blocking)) != NULL &&
	    router_queued(p) > w->cfg.port_low;
}

/* Whether c's peer has hung up (what it sent may still be unread). */
static int
conn_hung_up(struct conn *c)
{
	struct pollfd	pfd = { .events = POLLRDHUP };
	uv_os_fd_t	fd;

	if (uv_fileno((uv_handle_t *)&c->pipe, &fd) < 0)
		return 0;
	pfd.fd = fd;
	return poll(&pfd, 1, 0) == 1 &&
	    (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

/*
 * Resume the paused connections whose receiver and port drained (or are
 * gone), and, if hangups, those whose peer hung up: what such a peer
 * left is bounded by its socket's buffer, and wwd must read to its end
 * to see that it left (a client that gave a port away and left before
 * acknowledging it, PORT_DRAINED, kept its workers for good, paused for
 * a port that waited on it). The input budget must let its unfinished
 * frame in (conn_charge), unless its peer hung up. They leave the list
 * before any is cut: cutting one may close or pause others.
 */
static void
conn_resume_all(struct wwd *w, int hangups)
{
	TAILQ_HEAD(, conn)	 ready = TAILQ_HEAD_INITIALIZER(ready);
	struct conn		*c, *next;
	int			 hung;

	w->drained = 0;
	for (c = TAILQ_FIRST(&w->paused); c != NULL; c = next) {
		next = TAILQ_NEXT(c, paused_entry);
		hung = hangups && conn_hung_up(c);
		if ((conn_blocked(c) && !hung) ||
		    conn_charge(c, conn_unfinished(c), hung) < 0)
			continue;
		conn_unpause(c);
		TAILQ_INSERT_TAIL(&ready, c, paused_entry);
	}
	while ((c = TAILQ_FIRST(&ready)) != NULL) {
		TAILQ_REMOVE(&ready, c, paused_entry);
		if (c->closing || c->closed)
			continue;
		if (uv_read_start((uv_stream_t *)&c->pipe, conn_alloc_cb,
		    conn_read_cb) < 0) {
			conn_close(c);
			continue;
		}
		c->reading = 1;
		conn_cut(c);
	}
}

/* The i-th oldest tag of c's output. */
static struct conn_tag *
conn_tag_at(const struct conn *c, size_t i)
{
	return &c->tags[(c->tag_head + i) & (c->tag_cap - 1)];
}

/* Room for one more tag: the ring doubles, oldest first. 0 or -ENOMEM. */
static int
conn_tag_grow(struct conn *c)
{
	struct conn_tag	*t;
	size_t		 cap = c->tag_cap != 0 ? 2 * c->tag_cap : 8, i;

	if ((t = malloc(cap * sizeof *t)) == NULL)
		return -ENOMEM;
	for (i = 0; i < c->ntags; i++)
		t[i] = *conn_tag_at(c, i);
	free(c->tags);
	c->tags = t;
	c->tag_cap = cap;
	c->tag_head = 0;
	return 0;
}

/*
 * The last n bytes of c->out are port's: extend the newest tag if it is
 * port's and not in flight, else add one. 0 or -ENOMEM.
 */
static int
conn_tag(struct conn *c, uint64_t port, size_t n)
{
	uint64_t	 end = c->sent + ipc_buf_used(&c->out);
	struct conn_tag	*t;

	if (c->ntags > 0) {
		t = conn_tag_at(c, c->ntags - 1);
		if (t->port == port && t->end > c->sent) {
			t->end = end;
			t->n += n;
			return 0;
		}
	}
	if (c->ntags == c->tag_cap && conn_tag_grow(c) < 0)
		return -ENOMEM;
	t = conn_tag_at(c, c->ntags++);
	t->end = end;
	t->port = port;
	t->n = n;
	return 0;
}

/* Those bytes left c (written or dropped): no longer the port's. */
static void
conn_untag(struct conn *c, const struct conn_tag *t)
{
	struct port	*p;

	if ((p = router_find(c->w, t->port)) != NULL)
		p->queued -= t->n;
	c->w->drained = 1;
}

/* Forget the tags of what was written: everything up to c->sent. */
static void
conn_untag_written(struct conn *c)
{
	struct conn_tag	*t;

	while (c->ntags > 0 && (t = conn_tag_at(c, 0))->end <= c->sent) {
		conn_untag(c, t);
		c->tag_head = (c->tag_head + 1) & (c->tag_cap - 1);
		c->ntags--;
	}
}

/* Drop c's pending output (not the write in flight) and its tags. */
static void
conn_drop_out(struct conn *c)
{
	struct conn_tag	*t;

	while (c->ntags > 0 &&
	    (t = conn_tag_at(c, c->ntags - 1))->end > c->sent) {
		conn_untag(c, t);
		c->ntags--;
	}
	ipc_buf_clear(&c->out);
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
 * Queue n raw bytes (whole routed frames) for c on port p's behalf: they
 * count as p's queued bytes until written or dropped.
 */
void
conn_append_port(struct conn *c, struct port *p, const void *data,
    size_t n)
{
	struct ipc_buf	*b;
	char		 name[32];

	if ((b = conn_out(c)) == NULL)
		return;
	if (ipc_buf_append(b, data, n) < 0 || conn_tag(c, p->id, n) < 0) {
		log_warnx("%s: out of memory queueing %zu bytes",
		    conn_name(c, name, sizeof name), n);
		conn_abort(c);
		return;
	}
	p->queued += n;
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
	conn_drop_out(c);
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
	free(c->tags);
	free(c->gone);
	free(c);
}

/* The fixed point: tell the owner, unlink, and hand the pipe to uv_close. */
static void
conn_finish(struct conn *c)
{
	struct conn	*o;

	if (c->in_dirty) {
		TAILQ_REMOVE(&c->w->dirty, c, dirty_entry);
		c->in_dirty = 0;
	}
	conn_stop(c);
	c->closed = 1;
	(void)conn_charge(c, 0, 0);	/* gives its charge back */
	/* Its queued bytes are no port's now; senders paused on c look again. */
	c->sent += ipc_buf_used(&c->out);
	conn_untag_written(c);
	c->w->drained = 1;
	TAILQ_FOREACH(o, &c->w->paused, paused_entry)
		if (o->blocker == c)
			o->blocker = NULL;
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
	conn_untag_written(c);
	c->w->drained = 1;
	if (status < 0) {
		/* Keep reading: the peer may have written before it left. */
		log_debug("%s: write: %s", conn_name(c, name, sizeof name),
		    uv_strerror(status));
		conn_drop_out(c);
		c->sealed = 1;
		if (!c->reading)
			conn_close(c);
		return;
	}
	if (ipc_buf_used(&c->out) > 0 || c->closing)
		conn_dirty(c);
}

/*
 * One gathered write of everything pending, or finish a close. Most
 * writes go through at once, so the write is tried first without a
 * request: a uv_write's callback would cost another loop turn (and an
 * epoll_wait) after every write. What the socket does not take waits in
 * a uv_write.
 */
static void
conn_flush(struct conn *c)
{
	uv_buf_t	ub;
	char		name[32];
	int		rc;

	if (c->closed || c->writing)
		return;
	if (ipc_buf_used(&c->out) > 0) {
		ub = uv_buf_init((char *)ipc_buf_head(&c->out),
		    ipc_buf_used(&c->out));
		rc = uv_try_write((uv_stream_t *)&c->pipe, &ub, 1);
		if (rc > 0) {
			c->sent += (size_t)rc;
			ipc_buf_consume(&c->out, (size_t)rc);
			conn_untag_written(c);
			c->w->drained = 1;
			rc = 0;
		}
		if ((rc == 0 || rc == UV_EAGAIN) &&
		    ipc_buf_used(&c->out) > 0) {
			c->sent += ipc_buf_used(&c->out);
			ipc_buf_swap(&c->out, &c->wbuf);
			ub = uv_buf_init((char *)ipc_buf_head(&c->wbuf),
			    ipc_buf_used(&c->wbuf));
			rc = uv_write(&c->wreq, (uv_stream_t *)&c->pipe, &ub,
			    1, conn_write_cb);
			if (rc == 0) {
				c->writing = 1;
				return;
			}
			ipc_buf_consume(&c->wbuf, ipc_buf_used(&c->wbuf));
		}
		if (rc < 0) {
			log_debug("%s: write: %s", conn_name(c, name,
			    sizeof name), uv_strerror(rc));
			c->sent += ipc_buf_used(&c->out);
			ipc_buf_consume(&c->out, ipc_buf_used(&c->out));
			conn_untag_written(c);
			c->sealed = 1;
			if (!c->reading)
				c->closing = 1;
		}
	}
	if (c->closing)
		conn_finish(c);
}

/*
 * Paused shared worker c may be waiting for a client that reads nothing
 * at all: one such client would stall the worker for every other. After
 * CONN_STALL_TICKS ticks in which it took no byte, it is cut off (what
 * was queued for it goes with it); a client that reads, however slowly,
 * keeps the usual backpressure.
 */
static int
conn_stalled(struct conn *c)
{
	struct conn	*r = c->blocker;
	struct port	*p;
	char		 name[32];

	if (c->kind != CONN_WORKER || c->owner == NULL ||
	    !((struct worker *)c->owner)->shared)
		return 0;
	if (r == NULL && c->blocking != 0 &&
	    (p = router_find(c->w, c->blocking)) != NULL)
		r = p->holder;
	/*
	 * A closing one counts too: its close waits for that same write.
	 * One held for the input budget waits for wwd, not the reverse.
	 */
	if (r == NULL || r->kind != CONN_CLIENT || r->closed || r->held) {
		if (r != NULL)
			r->stall_ticks = 0;
		return 0;
	}
	if (r->sent != r->stall_sent) {
		r->stall_sent = r->sent;
		r->stall_ticks = 0;
		return 0;
	}
	if (++r->stall_ticks < CONN_STALL_TICKS)
		return 0;
	log_warnx("%s: cut off: a shared worker waited %d ms for it to read "
	    "(%zu bytes queued)", conn_name(r, name, sizeof name),
	    CONN_STALL_TICKS * WWD_TICK_MS, conn_queued(r));
	/* Now: a write it never takes would hold a close back for good. */
	conn_drop_out(r);
	conn_finish(r);
	return 1;
}

/*
 * Every tick: cut off clients that stall a shared worker, and read on
 * paused connections whose peer hung up.
 */
void
conn_tick(struct wwd *w)
{
	struct conn	*c;

	/* A cut-off client may leave the list: start over after one. */
	for (c = TAILQ_FIRST(&w->paused); c != NULL;
	    c = conn_stalled(c) ? TAILQ_FIRST(&w->paused) :
	    TAILQ_NEXT(c, paused_entry))
		;
	if (!TAILQ_EMPTY(&w->paused))
		conn_resume_all(w, 1);
}

/*
 * Flush every dirty connection and finish pending closes. A flush that
 * drains a queue may free a paused sender, and nothing else would wake
 * the loop for it (the write went through at once): resume and flush
 * again until no queue drained. Each round only cuts frames already
 * read, so the rounds end.
 */
void
conn_flush_all(struct wwd *w)
{
	struct conn	*c;

	for (;;) {
		if (w->drained && !TAILQ_EMPTY(&w->paused))
			conn_resume_all(w, 0);	/* clears w->drained */
		else if (TAILQ_EMPTY(&w->dirty))
			break;
		while ((c = TAILQ_FIRST(&w->dirty)) != NULL) {
			TAILQ_REMOVE(&w->dirty, c, dirty_entry);
			c->in_dirty = 0;
			conn_flush(c);
		}
	}
	if (w->stop_requested && !w->stopping)
		main_stop(w);
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
