/*
 * port.c: libwwd's MessagePorts. A connection holds ports besides its
 * workers' outside ports: pairs it mints (wwd_port_channel, announced
 * with CHANNEL) and ports that arrive in messages, adopted the moment
 * the frame is read. Posting may transfer them; a port given away
 * bounces what it queued and every frame that still reaches it (REPOST)
 * and answers PORT_MOVED with PORT_DRAINED, exactly as a worker does
 * (docs/architecture.md, "Moving a port"). Runs in the user's process;
 * the handles are struct wwd_worker, owned by the connection's list.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "client.h"
#include "msg.h"

/* A new plain port handle for id, not started; NULL without memory. */
static struct wwd_worker *
port_add(struct wwd_conn *c, uint64_t id)
{
	struct wwd_worker	*w;

	if ((w = calloc(1, sizeof *w)) == NULL)
		return NULL;
	w->port = id;
	w->port_only = 1;
	ipc_buf_init(&w->queue);
	if (wwd_worker_link(c, w) < 0) {
		free(w);
		return NULL;
	}
	return w;
}

static int	port_give(struct wwd_conn *, uint64_t);

/*
 * Send raw frame back to wwd as a REPOST and give away the ports it
 * carries: they were never handed to the user. 0 or -ENOMEM.
 */
static int
port_bounce(struct wwd_conn *c, const uint8_t *raw)
{
	struct ipc_post	 m;
	const char	*why;
	size_t		 len = IPC_HEADER_SIZE + ipc_get32(raw), start;
	uint32_t	 i;
	int		 rc;

	start = ipc_buf_used(&c->out);
	if (ipc_buf_append(&c->out, raw, len) < 0)
		return -ENOMEM;
	ipc_frame_set_type(ipc_buf_head(&c->out) + start, IPC_REPOST);
	wwd_queued(c);
	if (ipc_post_decode(raw + IPC_HEADER_SIZE,
	    (uint32_t)(len - IPC_HEADER_SIZE), &m, &why) < 0)
		return 0;
	for (i = 0; i < m.ntransfer; i++)
		if ((rc = port_give(c, m.transfer[i])) < 0)
			return rc;
	return 0;
}

/*
 * Port id leaves this connection: bounce its queue in order, and keep
 * its handle (moving, released: no more callbacks) until PORT_MOVED. A
 * port never adopted here (carried by a bounced frame) gets such a
 * handle too, so that frames for it are bounced. 0 or -ENOMEM.
 */
static int
port_give(struct wwd_conn *c, uint64_t id)
{
	struct wwd_worker	*w = wwd_worker_find(c, id);
	const uint8_t		*p;
	size_t			 off = 0;
	int			 rc;

	if (w == NULL && (w = port_add(c, id)) == NULL)
		return -ENOMEM;
	if (!w->moving)
		c->nmoving++;
	w->moving = 1;
	w->released = 1;
	while (off < ipc_buf_used(&w->queue)) {
		p = ipc_buf_head(&w->queue) + off;
		off += IPC_HEADER_SIZE + ipc_get32(p);
		if ((rc = port_bounce(c, p)) < 0)
			return rc;
	}
	ipc_buf_clear(&w->queue);
	wwd_worker_queue_note(w);
	return 0;
}

/*
 * Check the transfer list (ports, n) of a post on w and collect the
 * ids: plain ports of w's connection, still held, not w nor its peer,
 * each once. 0 or -EINVAL.
 */
static int
port_check(struct wwd_worker *w, struct wwd_worker *const *ports, size_t n,
    uint64_t *ids)
{
	struct wwd_conn	*c = w->conn;
	size_t		 i, j;

	if (n > IPC_TRANSFER_MAX)
		return wwd_set_error(c, -EINVAL, "more than %d ports in one "
		    "message", IPC_TRANSFER_MAX);
	for (i = 0; i < n; i++) {
		if (ports[i] == NULL || ports[i]->conn != c ||
		    !ports[i]->port_only || ports[i]->released)
			return wwd_set_error(c, -EINVAL, "DataCloneError: "
			    "transfer[%zu] is not a MessagePort this "
			    "connection holds", i);
		if (ports[i] == w || ports[i]->port == w->peer)
			return wwd_set_error(c, -EINVAL, "DataCloneError: a "
			    "port cannot be transferred through itself or "
			    "its peer");
		for (j = 0; j < i; j++)
			if (ports[j] == ports[i])
				return wwd_set_error(c, -EINVAL,
				    "DataCloneError: transfer[%zu] is "
				    "listed twice", i);
		ids[i] = ports[i]->port;
	}
	return 0;
}

/* The transferred ports left: bounce their queues, keep them moving. */
static int
port_gone(struct wwd_conn *c, const uint64_t *ids, size_t n)
{
	size_t	i;
	int	rc;

	for (i = 0; i < n; i++)
		if ((rc = port_give(c, ids[i])) < 0)
			return wwd_set_error(c, rc, "out of memory");
	return 0;
}

/* Post msgpack bytes with a transfer list; see wwd.h. */
int
wwd_port_post(struct wwd_worker *w, const void *p, size_t len,
    struct wwd_worker *const *ports, size_t n)
{
	struct wwd_conn	*c = w->conn;
	struct ipc_post	 m;
	const char	*why = NULL;
	size_t		 start;
	int		 rc;

	if ((rc = wwd_worker_usable(w)) < 0 ||
	    (rc = port_check(w, ports, n, m.transfer)) < 0)
		return rc;
	if (len > c->frame_max)
		return wwd_too_large(c, "the message", len);
	if (ipc_check(p, len, IPC_CLONE_DEPTH, &why) < 0)
		return wwd_set_error(c, -EINVAL, "invalid message: %s", why);
	m.ntransfer = (uint32_t)n;
	m.data.ptr = p;
	m.data.len = (uint32_t)len;
	start = ipc_buf_used(&c->out);
	if ((rc = ipc_post_encode(&c->out, w->port, &m)) < 0)
		return wwd_set_error(c, rc, "cannot queue the message: %s",
		    wwd_strerror(rc));
	if ((rc = wwd_frame_fits(c, start, "the message")) < 0)
		return rc;
	wwd_queued(c);
	return port_gone(c, m.transfer, n);
}

/* Post JSON text with a transfer list, packed in place; see wwd.h. */
int
wwd_port_post_json(struct wwd_worker *w, const char *json, size_t len,
    struct wwd_worker *const *ports, size_t n)
{
	struct wwd_conn	*c = w->conn;
	struct ipc_mark	 mark;
	uint64_t	 ids[IPC_TRANSFER_MAX];
	const char	*why = NULL;
	size_t		 pos = 0;
	int		 rc;

	if ((rc = wwd_worker_usable(w)) < 0 ||
	    (rc = port_check(w, ports, n, ids)) < 0)
		return rc;
	if ((rc = ipc_post_begin(&c->out, w->port, ids, (uint32_t)n,
	    &mark)) < 0)
		return wwd_set_error(c, rc, "out of memory");
	rc = wwd_json_pack(&c->out, json, len, IPC_CLONE_DEPTH, &why, &pos);
	if (rc < 0) {
		c->out.len = c->out.off + mark.frame;
		if (rc == -EINVAL)
			return wwd_set_error(c, rc,
			    "invalid JSON at byte %zu: %s", pos + 1, why);
		return wwd_set_error(c, rc, "out of memory");
	}
	/* The body is whole: measured before the lengths are patched. */
	if ((rc = wwd_frame_fits(c, mark.frame, "the message")) < 0)
		return rc;
	if ((rc = ipc_post_end(&c->out, &mark)) < 0)
		return wwd_set_error(c, rc, "the message is too large");
	wwd_queued(c);
	return port_gone(c, ids, n);
}

/* Mint an entangled pair, announce it (CHANNEL); see wwd.h. */
int
wwd_port_channel(struct wwd_conn *c, struct wwd_worker **port1,
    struct wwd_worker **port2)
{
	struct ipc_channel	 m;
	struct wwd_worker	*a, *b;
	int			 rc;

	*port1 = *port2 = NULL;
	if (c->fatal)
		return wwd_set_error(c, c->fatal, "%s", c->fatal_msg);
	/* wwd refuses a CHANNEL past IPC_PORTS_MAX held; in flight first. */
	if (c->nworkers + 2 > IPC_PORTS_MAX - IPC_TRANSFER_MAX)
		return wwd_set_error(c, -ENOSPC, "the connection holds %zu "
		    "workers and ports, wwd's limit", c->nworkers);
	if ((rc = wwd_mint_port(c, &m.a)) < 0 ||
	    (rc = wwd_mint_port(c, &m.b)) < 0)
		return rc;
	if ((rc = ipc_channel_encode(&c->out, &m)) < 0)
		return wwd_set_error(c, rc, "out of memory");
	wwd_queued(c);
	/* Announced: from here on a failure only loses the handles. */
	if ((a = port_add(c, m.a)) == NULL)
		return wwd_set_error(c, -ENOMEM, "out of memory");
	if ((b = port_add(c, m.b)) == NULL) {
		wwd_worker_free(a);
		return wwd_set_error(c, -ENOMEM, "out of memory");
	}
	a->peer = m.b;
	b->peer = m.a;
	*port1 = a;
	*port2 = b;
	return 0;
}

/* Set a port's callbacks and start its message queue; see wwd.h. */
void
wwd_port_start(struct wwd_worker *w, const struct wwd_worker_callbacks *cb,
    void *data)
{
	if (w == NULL || w->released)
		return;
	if (cb != NULL)
		w->cb = *cb;
	w->data = data;
	w->started = 1;
	wwd_queued(w->conn);	/* a queue may now be runnable */
}

/* How many ports the message being delivered to w carries. */
size_t
wwd_port_count(const struct wwd_worker *w)
{
	return w->conn->msg_ports != NULL ? w->conn->msg_nports : 0;
}

/* Port i of the message being delivered, or NULL; see wwd.h. */
struct wwd_worker *
wwd_port_get(const struct wwd_worker *w, size_t i)
{
	if (w->conn->msg_ports == NULL || i >= w->conn->msg_nports)
		return NULL;
	return w->conn->msg_ports[i];
}

/* Run w's message or messageerror callback for POST body (len bytes). */
static void
port_dispatch(struct wwd_worker *w, const uint8_t *body, uint32_t len)
{
	struct wwd_conn		*c = w->conn;
	struct wwd_worker	*ports[IPC_TRANSFER_MAX];
	struct ipc_post		 m;
	const char		*why = NULL;
	uint32_t		 i;

	if (ipc_post_decode(body, len, &m, &why) < 0 ||
	    ipc_check((const uint8_t *)m.data.ptr, m.data.len,
	    IPC_CLONE_DEPTH, &why) < 0) {
		if (w->cb.messageerror != NULL)
			w->cb.messageerror(w, why, w->data);
		return;
	}
	for (i = 0; i < m.ntransfer; i++)
		ports[i] = wwd_worker_find(c, m.transfer[i]);
	if (w->cb.message == NULL)
		return;
	c->msg_ports = ports;
	c->msg_nports = m.ntransfer;
	w->cb.message(w, m.data.ptr, m.data.len, w->data);
	c->msg_ports = NULL;
	c->msg_nports = 0;
}

/*
 * A POST for handle w (held, not moving): adopt the ports it carries at
 * once, then run the callback now, or queue the frame behind earlier
 * ones or until the port is started. 0 or -ENOMEM.
 */
int
wwd_port_deliver(struct wwd_worker *w, const struct ipc_frame *f)
{
	struct wwd_conn	*c = w->conn;
	struct ipc_post	 m;
	const char	*why;
	uint32_t	 i;

	if (ipc_post_decode(f->body, f->len, &m, &why) == 0)
		for (i = 0; i < m.ntransfer; i++)
			if (wwd_worker_find(c, m.transfer[i]) == NULL &&
			    port_add(c, m.transfer[i]) == NULL)
				return -ENOMEM;
	if (w->started && ipc_buf_used(&w->queue) == 0) {
		port_dispatch(w, f->body, f->len);
		return 0;
	}
	if (ipc_buf_append(&w->queue, f->raw, IPC_HEADER_SIZE +
	    (size_t)f->len) < 0)
		return -ENOMEM;
	wwd_worker_queue_note(w);
	return 0;
}

/* Whether a started port has queued messages (wwd_process runs them). */
int
wwd_port_runnable(const struct wwd_conn *c)
{
	const struct wwd_worker	*w;

	for (w = c->queued; w != NULL; w = w->qnext)
		if (w->started && !w->released)
			return 1;
	return 0;
}

/*
 * Deliver the queued messages of started ports, one at a time, until
 * none is left; a callback may change the list, so each one restarts
 * the scan.
 */
void
wwd_port_run(struct wwd_conn *c)
{
	struct wwd_worker	*w;
	struct ipc_buf		 one;
	const uint8_t		*raw;
	size_t			 len;

	while (!c->freeing && c->fd >= 0) {
		for (w = c->queued; w != NULL; w = w->qnext)
			if (w->started && !w->released)
				break;
		if (w == NULL)
			return;
		raw = ipc_buf_head(&w->queue);
		len = IPC_HEADER_SIZE + ipc_get32(raw);
		ipc_buf_init(&one);
		if (ipc_buf_append(&one, raw, len) < 0)
			return;
		ipc_buf_consume(&w->queue, len);
		wwd_worker_queue_note(w);
		w->busy++;
		port_dispatch(w, ipc_buf_head(&one) + IPC_HEADER_SIZE,
		    (uint32_t)(len - IPC_HEADER_SIZE));
		wwd_worker_leave(w);
		ipc_buf_clear(&one);
	}
}

/*
 * Close the ports in the list ids (emptied here): ones carried by
 * messages that reach no one, which wwd moved to this connection, so
 * that their records go and their peers' posts are dropped. A handle
 * adopted for one (its message was queued) is released once the ports
 * its own queue carries have joined the list, so its release finds
 * nothing left to close: a work list, as the chain can be as long as
 * the ports a connection holds.
 */
static void
port_close_carried(struct wwd_conn *c, struct ipc_buf *ids)
{
	struct wwd_worker	*w;
	uint64_t		 id;

	while (ipc_ports_next(ids, &id)) {
		if ((w = wwd_worker_find(c, id)) != NULL) {
			/* Out of memory: they stay until the connection ends. */
			(void)ipc_queue_ports(ids, &w->queue);
			wwd_worker_queue_note(w);
			wwd_worker_release(w);
		} else if (c->fd >= 0 &&
		    ipc_empty_encode(&c->out, IPC_CLOSE, id) == 0)
			wwd_queued(c);
	}
	ipc_buf_clear(ids);
}

/* Handle w is released: the messages it queued reach no one. */
void
wwd_port_unqueue(struct wwd_worker *w)
{
	struct ipc_buf	ids;

	ipc_buf_init(&ids);
	(void)ipc_queue_ports(&ids, &w->queue);
	wwd_worker_queue_note(w);
	port_close_carried(w->conn, &ids);
}

/* A POST for a port closed here: close what it carries. */
static void
port_discard(struct wwd_conn *c, const struct ipc_frame *f)
{
	struct ipc_buf	ids;

	ipc_buf_init(&ids);
	(void)ipc_post_ports(&ids, f->body, f->len);
	port_close_carried(c, &ids);
}

/*
 * A frame about a port (not ERROR, HELLO or REPLY): PORT_MOVED is
 * answered with PORT_DRAINED and ends a given-away handle; a frame for
 * a moving port is bounced; others go to their handle's dispatcher.
 * Frames for a port closed here are dropped. 0 or -ENOMEM.
 */
int
wwd_port_route(struct wwd_conn *c, const struct ipc_frame *f)
{
	struct wwd_worker	*w = wwd_worker_find(c, f->port);

	if (f->type == IPC_PORT_MOVED) {
		if (ipc_empty_encode(&c->out, IPC_PORT_DRAINED, f->port) < 0)
			return -ENOMEM;
		wwd_queued(c);
		if (w != NULL && w->moving && w->busy == 0)
			wwd_worker_free(w);
		return 0;
	}
	if (w != NULL && w->moving)
		return f->type == IPC_POST ? port_bounce(c, f->raw) : 0;
	if (w != NULL && !w->released)
		wwd_worker_dispatch(w, f);
	else if (f->type == IPC_POST)
		port_discard(c, f);
	return 0;
}
