/*
 * wwd.c: libwwd's connection to the daemon. wwd_connect does the one
 * blocking step (connect and the HELLO exchange); after that the socket
 * is non-blocking and wwd_process reads into one large buffer, cuts
 * frames with ipc_frame_next, dispatches them to the worker handles and
 * writes every queued frame with one send. Runs in the user's process,
 * on whatever loop the user has; all state is in struct wwd_conn.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <fcntl.h>
#include <unistd.h>

#include "check.h"
#include "client.h"
#include "msg.h"
#include "path.h"

#define HELLO_TIMEOUT	30000	/* ms for the daemon's HELLO */
#define HANDOVER_TIMEOUT 5000	/* ms wwd_free waits to hand over */
#define SOFTWARE	"libwwd " WWD_LIB_VERSION

static int	conn_write(struct wwd_conn *);

/*
 * Record a failure's message for wwd_errmsg and return err, so that
 * callers can write "return wwd_set_error(c, -EINVAL, ...)".
 */
int
wwd_set_error(struct wwd_conn *c, int err, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof c->msg, fmt, ap);
	va_end(ap);
	return err;
}

/* -EMSGSIZE: what (size bytes) is over wwd's frame_size. */
int
wwd_too_large(struct wwd_conn *c, const char *what, size_t size)
{
	return wwd_set_error(c, -EMSGSIZE, "%s is too large: %zu bytes, and "
	    "wwd takes at most %u in a frame (its frame_size)", what, size,
	    c->frame_max);
}

/*
 * Whether the frame queued from start on (an offset from c->out's head)
 * fits the frame_size wwd's HELLO gave: 0, or the frame is taken back
 * out and wwd_too_large says why. wwd would close the connection.
 */
int
wwd_frame_fits(struct wwd_conn *c, size_t start, const char *what)
{
	size_t	len = ipc_buf_used(&c->out) - start - IPC_HEADER_SIZE;

	if (len <= c->frame_max)
		return 0;
	c->out.len = c->out.off + start;
	return wwd_too_large(c, what, len);
}

/* Tell the watcher about a changed events mask (or -1: stop). */
static void
conn_notify(struct wwd_conn *c)
{
	int	ev = c->fd < 0 ? -1 : wwd_events(c);

	if (c->watch == NULL || ev == c->watched)
		return;
	c->watched = ev;
	c->watch(c, ev, c->watch_arg);
	if (ev < 0)
		c->watch = NULL;
}

/* Close the socket, if open, telling the watcher first (fd -1). */
static void
conn_close_fd(struct wwd_conn *c)
{
	int	fd = c->fd;

	if (fd < 0)
		return;
	c->fd = -1;
	conn_notify(c);
	close(fd);
}

/* Output was appended: the events mask may now include POLLOUT. */
void
wwd_queued(struct wwd_conn *c)
{
	conn_notify(c);
}

/*
 * The connection is dead: keep the reason, stop the watcher and close
 * the socket. Callbacks run later, from wwd_process (conn_report).
 */
static int
conn_fail(struct wwd_conn *c, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int
conn_fail(struct wwd_conn *c, int err, const char *fmt, ...)
{
	va_list	ap;

	if (c->fatal)
		return c->fatal;
	va_start(ap, fmt);
	vsnprintf(c->fatal_msg, sizeof c->fatal_msg, fmt, ap);
	va_end(ap);
	memcpy(c->msg, c->fatal_msg, sizeof c->msg);
	c->fatal = err;
	conn_close_fd(c);
	ipc_buf_clear(&c->out);
	return err;
}

/* Take the next id from the range the daemon gave at HELLO. */
int
wwd_mint_port(struct wwd_conn *c, uint64_t *port)
{
	for (;;) {
		uint64_t	p;

		if (c->port_next >= c->port_count)
			return wwd_set_error(c, -ENOSPC,
			    "no port ids left on this connection");
		p = c->port_base + c->port_next++;
		if (p != 0) {
			*port = p;
			return 0;
		}
	}
}

/* Exactly n bytes from a blocking socket, within the HELLO timeout. */
static int
conn_read_exact(struct wwd_conn *c, uint8_t *p, size_t n)
{
	struct pollfd	pfd = { .fd = c->fd, .events = POLLIN };
	ssize_t		r;
	int		rc;

	while (n > 0) {
		rc = poll(&pfd, 1, HELLO_TIMEOUT);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		if (rc == 0)
			return -ETIMEDOUT;
		r = read(c->fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EPIPE;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Write all of the output buffer to the still blocking socket. */
static int
conn_write_all(struct wwd_conn *c)
{
	ssize_t	w;

	while (ipc_buf_used(&c->out) > 0) {
		w = send(c->fd, ipc_buf_head(&c->out), ipc_buf_used(&c->out),
		    MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		ipc_buf_consume(&c->out, (size_t)w);
	}
	return 0;
}

/* Turn a decoded ERROR frame into the connection's failure. */
static int
conn_error_frame(struct wwd_conn *c, const struct ipc_frame *f)
{
	struct ipc_error	e;
	const char		*why;

	if (ipc_error_decode(f->body, f->len, &e, &why) < 0)
		return conn_fail(c, -EPROTO,
		    "wwd at %s sent a bad ERROR frame: %s", c->path, why);
	return conn_fail(c, ipc_str_eq(e.code, "version") ?
	    -EPROTONOSUPPORT : -EPROTO, "wwd at %s: %.*s (%.*s)", c->path,
	    (int)e.message.len, e.message.ptr, (int)e.code.len, e.code.ptr);
}

/* Send our HELLO and wait for the daemon's. */
static int
conn_hello(struct wwd_conn *c)
{
	struct ipc_hello	h = { IPC_VERSION, ipc_str("client"),
				    ipc_str(SOFTWARE), 0, 0, 0 };
	struct ipc_frame	f;
	const char		*why = NULL;
	int			rc;

	if ((rc = ipc_hello_encode(&c->out, &h)) < 0)
		return wwd_set_error(c, rc, "out of memory");
	if ((rc = conn_write_all(c)) < 0)
		return conn_fail(c, rc, "cannot send HELLO to wwd at %s: %s",
		    c->path, strerror(-rc));
	/* Read exactly one frame: nothing after it may sit unseen. */
	if ((rc = ipc_buf_reserve(&c->in, IPC_HEADER_SIZE)) < 0)
		return wwd_set_error(c, rc, "out of memory");
	if ((rc = conn_read_exact(c, ipc_buf_tail(&c->in),
	    IPC_HEADER_SIZE)) < 0)
		goto io;
	c->in.len += IPC_HEADER_SIZE;
	if ((rc = ipc_frame_next(&c->in, IPC_FRAME_MAX, &f, &why)) < 0)
		return conn_fail(c, -EPROTO, "wwd at %s: %s", c->path, why);
	if (rc == 0) {
		size_t	want = ipc_frame_want(&c->in);

		if ((rc = ipc_buf_reserve(&c->in, want)) < 0)
			return wwd_set_error(c, rc, "out of memory");
		if ((rc = conn_read_exact(c, ipc_buf_tail(&c->in), want)) < 0)
			goto io;
		c->in.len += want;
		if (ipc_frame_next(&c->in, IPC_FRAME_MAX, &f, &why) != 1)
			return conn_fail(c, -EPROTO, "wwd at %s: bad frame",
			    c->path);
	}
	if (f.type == IPC_ERROR)
		return conn_error_frame(c, &f);
	if (f.type != IPC_HELLO)
		return conn_fail(c, -EPROTO,
		    "wwd at %s did not answer with HELLO", c->path);
	if (ipc_hello_version(f.body, f.len, &h.version) == 0 &&
	    h.version != IPC_VERSION)
		return conn_fail(c, -EPROTONOSUPPORT, "wwd at %s speaks "
		    "protocol version %u; libwwd speaks version %u", c->path,
		    h.version, IPC_VERSION);
	if (ipc_hello_decode(f.body, f.len, &h, &why) < 0)
		return conn_fail(c, -EPROTO, "wwd at %s: bad HELLO: %s",
		    c->path, why);
	if ((rc = ipc_hello_check(&h, "daemon", &why)) < 0)
		return conn_fail(c, rc, "wwd at %s: %s (version %u, role "
		    "\"%.*s\"; libwwd speaks version %u)", c->path, why,
		    h.version, (int)h.role.len, h.role.ptr, IPC_VERSION);
	if ((c->software = ipc_str_dup(h.software)) == NULL)
		return wwd_set_error(c, -ENOMEM, "out of memory");
	c->port_base = h.port_base;
	c->port_count = h.port_count;
	c->frame_max = h.frame_max < IPC_FRAME_MAX ? h.frame_max :
	    IPC_FRAME_MAX;
	return 0;
io:
	if (rc == -ETIMEDOUT)
		return conn_fail(c, rc, "wwd at %s did not answer HELLO",
		    c->path);
	return conn_fail(c, rc, "lost wwd at %s during HELLO: %s", c->path,
	    strerror(-rc));
}

/* Connect and exchange HELLO; see wwd.h. */
int
wwd_connect(struct wwd_conn **connp, const char *path)
{
	struct sockaddr_un	 sun;
	struct wwd_conn		*c;
	int			 rc;

	*connp = NULL;
	if ((c = calloc(1, sizeof *c)) == NULL)
		return -ENOMEM;
	c->fd = -1;
	ipc_buf_init(&c->in);
	ipc_buf_init(&c->out);
	c->path = path != NULL ? strdup(path) : ipc_socket_path();
	if (c->path == NULL) {
		free(c);
		return -ENOMEM;
	}
	*connp = c;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(c->path) >= sizeof sun.sun_path) {
		rc = -ENAMETOOLONG;
		goto fail;
	}
	memcpy(sun.sun_path, c->path, strlen(c->path));
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		rc = -errno;
		goto fail;
	}
	while ((rc = connect(c->fd, (struct sockaddr *)&sun, sizeof sun)) < 0 &&
	    errno == EINTR)
		;
	if (rc < 0) {
		rc = -errno;
		goto fail;
	}
	if ((rc = conn_hello(c)) < 0)
		return rc;
	if (fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK) < 0)
		return conn_fail(c, -errno, "fcntl: %s", strerror(errno));
	return 0;
fail:
	return conn_fail(c, rc, "cannot connect to wwd at %s: %s", c->path,
	    strerror(-rc));
}

/* Milliseconds on the monotonic clock. */
static int64_t
conn_now_ms(void)
{
	struct timespec	t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * Before the connection closes: write what is queued, and hand the
 * ports given away over whole, bouncing what still arrives for them
 * until each one's PORT_MOVED (docs/architecture.md, "Moving a port").
 * Every other frame is dropped; no worker callback runs. Blocks for at most
 * HANDOVER_TIMEOUT ms, and only while there is something to finish.
 */
static void
conn_hand_over(struct wwd_conn *c)
{
	struct pollfd		 pfd = { .fd = c->fd };
	struct ipc_frame	 f;
	struct wwd_worker	*w;
	const char		*why;
	int64_t			 end = conn_now_ms() + HANDOVER_TIMEOUT, left;
	ssize_t			 n;
	int			 rc = 0;

	while (c->fd >= 0 && (c->nmoving > 0 || ipc_buf_used(&c->out) > 0)) {
		while (c->nmoving > 0 && (rc = ipc_frame_next(&c->in,
		    IPC_FRAME_MAX, &f, &why)) == 1)
			if (f.type == IPC_PORT_MOVED || (f.type == IPC_POST &&
			    (w = wwd_worker_find(c, f.port)) != NULL &&
			    w->moving))
				(void)wwd_port_route(c, &f);
		if (rc < 0 || (left = end - conn_now_ms()) <= 0)
			return;
		pfd.events = (short)((c->nmoving > 0 ? POLLIN : 0) |
		    (ipc_buf_used(&c->out) > 0 ? POLLOUT : 0));
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return;
		if ((pfd.revents & POLLOUT) && conn_write(c) < 0)
			return;
		if ((pfd.revents & (POLLIN | POLLHUP)) && c->nmoving > 0 &&
		    (n = ipc_frame_read(c->fd, &c->in)) != -EAGAIN && n <= 0)
			return;		/* wwd is gone */
	}
}

/* Close and free; see wwd.h. */
void
wwd_free(struct wwd_conn *c)
{
	if (c == NULL)
		return;
	if (c->depth > 0) {
		c->freeing = 1;
		return;
	}
	conn_hand_over(c);
	while (c->workers != NULL)
		wwd_worker_free(c->workers);
	free(c->slots);
	conn_close_fd(c);
	ipc_buf_clear(&c->in);
	ipc_buf_clear(&c->out);
	free(c->software);
	free(c->path);
	free(c);
}

/* The descriptor to poll, -1 once failed. */
int
wwd_fd(const struct wwd_conn *c)
{
	return c->fd;
}

/* Whether a whole frame waits in the read buffer. */
static int
conn_frame_ready(const struct wwd_conn *c)
{
	uint16_t	type;
	size_t		size;

	return ipc_frame_peek(&c->in, &type, &size) &&
	    ipc_buf_used(&c->in) >= size;
}

/* Whether the next frame in the read buffer is a REPLY. */
static int
conn_reply_next(const struct wwd_conn *c)
{
	uint16_t	type;
	size_t		size;

	return ipc_frame_peek(&c->in, &type, &size) && type == IPC_REPLY;
}

/* The events wanted on wwd_fd(). */
int
wwd_events(const struct wwd_conn *c)
{
	if (c->fd < 0)
		return 0;
	/*
	 * Queued port messages, or whole frames already read (a wait for a
	 * REPLY stops at the next REPLY): POLLOUT makes the next poll
	 * return at once.
	 */
	return POLLIN | (ipc_buf_used(&c->out) > 0 || wwd_port_runnable(c) ||
	    conn_frame_ready(c) ? POLLOUT : 0);
}

/* Bytes queued for writing. */
size_t
wwd_pending(const struct wwd_conn *c)
{
	return ipc_buf_used(&c->out);
}

/* The last failure's message. */
const char *
wwd_errmsg(const struct wwd_conn *c)
{
	return c->msg;
}

/* Words for an errno the library returns. */
const char *
wwd_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case -EPIPE:
		return "the daemon closed the connection";
	case -EPROTO:
		return "protocol error";
	case -EPROTONOSUPPORT:
		return "protocol version mismatch";
	case -ENOSPC:
		return "no port ids left";
	case -ESRCH:
		return "the worker has exited";
	case -EBUSY:
		return "called from a callback";
	}
	return strerror(-err);
}

/* The socket path. */
const char *
wwd_socket_path(const struct wwd_conn *c)
{
	return c->path;
}

/* The daemon's software string ("" before HELLO). */
const char *
wwd_daemon_software(const struct wwd_conn *c)
{
	return c->software != NULL ? c->software : "";
}

/* Set the connection-failure callback. */
void
wwd_on_error(struct wwd_conn *c,
    void (*cb)(struct wwd_conn *, int, const char *, void *), void *arg)
{
	c->on_error = cb;
	c->on_error_arg = arg;
}

/* Set the watch hook and tell it the current mask at once. */
void
wwd_watch(struct wwd_conn *c, void (*cb)(struct wwd_conn *, int, void *),
    void *arg)
{
	c->watch = cb;
	c->watch_arg = arg;
	c->watched = 0;
	if (cb != NULL && c->fd < 0) {
		c->watch = NULL;
		cb(c, -1, arg);
		return;
	}
	conn_notify(c);
}

/* One frame from the daemon. 0, or the failure. */
static int
conn_dispatch(struct wwd_conn *c, const struct ipc_frame *f)
{
	const char		*name = ipc_type_name(f->type);

	if (!ipc_type_allowed(f->type, IPC_D2C))
		return conn_fail(c, -EPROTO,
		    "wwd at %s sent an unexpected %s frame (type %u)",
		    c->path, name != NULL ? name : "unknown", f->type);
	switch (f->type) {
	case IPC_ERROR:
		return conn_error_frame(c, f);
	case IPC_HELLO:
		return conn_fail(c, -EPROTO, "wwd at %s sent HELLO twice",
		    c->path);
	case IPC_REPLY:
		return wwd_control_dispatch(c, f);
	default:
		/* STARTED, EXIT, POST, FAULT, CONSOLE, PORT_MOVED: a port's. */
		if (wwd_port_route(c, f) < 0)
			return conn_fail(c, -ENOMEM, "out of memory");
		return 0;
	}
}

/* Cut and dispatch every whole frame in the read buffer. */
static int
conn_dispatch_all(struct wwd_conn *c)
{
	struct ipc_frame	f;
	const char		*why = NULL;
	int			rc;

	while (!c->freeing && c->fd >= 0) {
		/*
		 * One REPLY per wait: a later one stays for the next wait,
		 * and what follows it with it, in order; the frames before
		 * it are dispatched now (else no poll would report them).
		 */
		if (c->reply != NULL && c->reply_done && conn_reply_next(c))
			return 0;
		rc = ipc_frame_next(&c->in, IPC_FRAME_MAX, &f, &why);
		if (rc < 0)
			return conn_fail(c, -EPROTO, "wwd at %s: %s", c->path,
			    why);
		if (rc == 0)
			return 0;
		if ((rc = conn_dispatch(c, &f)) < 0)
			return rc;
		wwd_port_run(c);
	}
	return 0;
}

/*
 * Read once (ipc_frame_read: a flood from wwd leaves the caller's other
 * descriptors their turn) and dispatch the frames completed. EOF or a
 * read error fails the connection, after the frames before it were
 * dispatched.
 */
static int
conn_read(struct wwd_conn *c)
{
	ssize_t	n;
	int	rc;

	/* Frames a finished wait for a REPLY left behind come first. */
	if ((rc = conn_dispatch_all(c)) < 0)
		return rc;
	if (c->freeing || c->fd < 0 || (c->reply != NULL && c->reply_done))
		return 0;
	if ((n = ipc_frame_read(c->fd, &c->in)) == -EAGAIN)
		return 0;
	if (n == -ENOMEM)
		return conn_fail(c, -ENOMEM, "out of memory");
	if (n < 0)
		return conn_fail(c, (int)n, "lost the connection to wwd at %s: "
		    "%s", c->path, strerror((int)-n));
	if (n == 0)
		return conn_fail(c, -EPIPE, "wwd at %s closed the connection",
		    c->path);
	return conn_dispatch_all(c);
}

/* Write what the socket takes of the queued frames, in one send each. */
static int
conn_write(struct wwd_conn *c)
{
	ssize_t	w;

	while (c->fd >= 0 && ipc_buf_used(&c->out) > 0) {
		w = send(c->fd, ipc_buf_head(&c->out), ipc_buf_used(&c->out),
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (w < 0 && (errno == EPIPE || errno == ECONNRESET))
			return conn_fail(c, -errno,
			    "wwd at %s closed the connection", c->path);
		if (w < 0)
			return conn_fail(c, -errno,
			    "lost the connection to wwd at %s: %s", c->path,
			    strerror(errno));
		ipc_buf_consume(&c->out, (size_t)w);
	}
	return 0;
}

/*
 * Once per failure: the error callback, then an exit callback with
 * reason "disconnected" for each live worker (which frees it).
 */
static void
conn_report(struct wwd_conn *c)
{
	c->reported = 1;
	if (c->on_error != NULL)
		c->on_error(c, c->fatal, c->fatal_msg, c->on_error_arg);
	while (c->workers != NULL && !c->freeing)
		wwd_worker_disconnect(c->workers, c->fatal_msg);
}

/* Drive the connection; see wwd.h. */
int
wwd_process(struct wwd_conn *c)
{
	int	rc;

	if (c->depth > 0)
		return -EBUSY;
	c->depth++;
	wwd_port_run(c);
	if (c->fd >= 0)
		conn_read(c);
	if (c->fd >= 0 && !c->freeing)
		conn_write(c);
	if (c->fatal && !c->reported && !c->freeing)
		conn_report(c);
	c->depth--;
	if (c->freeing) {
		c->freeing = 0;
		wwd_free(c);
		return 0;
	}
	rc = c->fatal;
	if (rc < 0)
		memcpy(c->msg, c->fatal_msg, sizeof c->msg);
	else
		conn_notify(c);
	return rc;
}
