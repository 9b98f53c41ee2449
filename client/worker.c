/*
 * worker.c: libwwd's worker handles. Creating one mints the outside port
 * from the connection's range and queues CREATE; posts may follow at
 * once. Frames about the port (STARTED, POST, FAULT, CONSOLE, EXIT) are
 * decoded here and turned into the user's callbacks. The connection
 * owns the handles; a handle is freed after its exit callback returns
 * (CLOSE is then sent for its port) or when the user releases it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "client.h"
#include "msg.h"
#include "url.h"

/* The handle of port id in c, moving or not; NULL if none. */
struct wwd_worker *
wwd_worker_find(struct wwd_conn *c, uint64_t id)
{
	struct wwd_worker	*w;

	if (c->nslots == 0)
		return NULL;
	for (w = c->slots[ipc_hash64(id) & (c->nslots - 1)]; w != NULL;
	    w = w->hnext)
		if (w->port == id)
			return w;
	return NULL;
}

/* Put w in its hash chain. */
static void
worker_hash_add(struct wwd_conn *c, struct wwd_worker *w)
{
	size_t	h = ipc_hash64(w->port) & (c->nslots - 1);

	w->hnext = c->slots[h];
	c->slots[h] = w;
}

/* Double the chains when full (first 64). 0 or -ENOMEM. */
static int
worker_hash_grow(struct wwd_conn *c)
{
	struct wwd_worker	**old = c->slots, *w, *next;
	size_t			  n = c->nslots, i;

	if (c->nworkers < c->nslots)
		return 0;
	if ((c->slots = calloc(n ? 2 * n : 64, sizeof *c->slots)) == NULL) {
		c->slots = old;
		return -ENOMEM;
	}
	c->nslots = n ? 2 * n : 64;
	for (i = 0; i < n; i++)
		for (w = old[i]; w != NULL; w = next) {
			next = w->hnext;
			worker_hash_add(c, w);
		}
	free(old);
	return 0;
}

/*
 * Keep w on c's list of handles with queued messages exactly while its
 * queue is not empty (wwd_port_run walks that list, not every handle).
 */
void
wwd_worker_queue_note(struct wwd_worker *w)
{
	struct wwd_conn	*c = w->conn;
	int		 want = ipc_buf_used(&w->queue) > 0;

	if (want == (int)w->inq)
		return;
	w->inq = want;
	if (want) {
		w->qprev = NULL;
		w->qnext = c->queued;
		if (c->queued != NULL)
			c->queued->qprev = w;
		c->queued = w;
		return;
	}
	if (w->qprev != NULL)
		w->qprev->qnext = w->qnext;
	else
		c->queued = w->qnext;
	if (w->qnext != NULL)
		w->qnext->qprev = w->qprev;
}

/* Unlink and free a handle, no callbacks, no frames. */
void
wwd_worker_free(struct wwd_worker *w)
{
	struct wwd_conn		*c;
	struct wwd_worker	**pp;

	if (w == NULL)
		return;
	c = w->conn;
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		c->workers = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	for (pp = &c->slots[ipc_hash64(w->port) & (c->nslots - 1)];
	    *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == w) {
			*pp = w->hnext;
			break;
		}
	c->nworkers--;
	if (w->moving)
		c->nmoving--;
	ipc_buf_clear(&w->queue);
	wwd_worker_queue_note(w);
	free(w->url);
	free(w);
}

/*
 * Put a new handle (its port set) at the head of c's list; c owns it
 * from now on. 0, or -ENOMEM (w is not linked).
 */
int
wwd_worker_link(struct wwd_conn *c, struct wwd_worker *w)
{
	if (worker_hash_grow(c) < 0)
		return -ENOMEM;
	w->conn = c;
	w->prev = NULL;
	w->next = c->workers;
	if (c->workers != NULL)
		c->workers->prev = w;
	c->workers = w;
	worker_hash_add(c, w);
	c->nworkers++;
	return 0;
}

/* Queue CLOSE for the worker's port (a dead connection needs none). */
static void
worker_send_close(struct wwd_worker *w)
{
	struct wwd_conn	*c = w->conn;

	if (c->fd < 0)
		return;
	if (ipc_empty_encode(&c->out, IPC_CLOSE, w->port) < 0) {
		/* Cannot tell the daemon: dropping the connection does. */
		return;
	}
	wwd_queued(c);
}

/* After a callback: finish a release made inside it. */
void
wwd_worker_leave(struct wwd_worker *w)
{
	/* A port given away stays until PORT_MOVED (port.c). */
	if (--w->busy == 0 && w->released && !w->moving)
		wwd_worker_free(w);
}

/* Create a worker from source text; the common path of the creators. */
static int
worker_create(struct wwd_conn *c, const char *kind, const char *source,
    size_t len, const char *url, const struct wwd_worker_options *o,
    const struct wwd_worker_callbacks *cb, void *data,
    struct wwd_worker **out)
{
	struct wwd_worker	*w = NULL;
	struct ipc_create	 m;
	const char		*type = o != NULL && o->type != NULL ?
				    o->type : "classic";
	size_t			 start;
	int			 rc;

	*out = NULL;
	if (c->fatal)
		return wwd_set_error(c, c->fatal, "%s", c->fatal_msg);
	if (len > IPC_FRAME_MAX / 2)
		return wwd_set_error(c, -EFBIG, "the script is too large");
	/* What wwd would refuse by closing the connection, refused here. */
	if (strcmp(type, "classic") != 0 && strcmp(type, "module") != 0)
		return wwd_set_error(c, -EINVAL, "type \"%.40s\" is neither "
		    "\"classic\" nor \"module\"", type);
	if (!ipc_str_utf8(ipc_str(url)) || (o != NULL &&
	    (!ipc_str_utf8(ipc_str(o->name)) ||
	    !ipc_str_utf8(ipc_str(o->origin)) ||
	    !ipc_str_utf8(ipc_str(o->root)))))
		return wwd_set_error(c, -EINVAL, "url, name, origin and root "
		    "must be UTF-8");
	if ((w = calloc(1, sizeof *w)) == NULL ||
	    (w->url = strdup(url)) == NULL) {
		rc = wwd_set_error(c, -ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = wwd_mint_port(c, &w->port)) < 0)
		goto fail;
	ipc_buf_init(&w->queue);
	if (wwd_worker_link(c, w) < 0) {
		rc = wwd_set_error(c, -ENOMEM, "out of memory");
		goto fail;
	}
	m.kind = ipc_str(kind);
	m.url = ipc_str(url);
	m.name = ipc_str(o != NULL ? o->name : NULL);
	m.origin = ipc_str(o != NULL ? o->origin : NULL);
	m.root = ipc_str(o != NULL ? o->root : NULL);
	m.source.ptr = source;
	m.source.len = (uint32_t)len;
	m.type = ipc_str(type);
	start = ipc_buf_used(&c->out);
	if ((rc = ipc_create_encode(&c->out, w->port, &m)) < 0)
		rc = wwd_set_error(c, rc, "cannot encode CREATE: %s",
		    wwd_strerror(rc));
	else
		rc = wwd_frame_fits(c, start, "the script with its URL and "
		    "options");
	if (rc < 0) {
		wwd_worker_free(w);
		return rc;
	}
	if (cb != NULL)
		w->cb = *cb;
	w->data = data;
	w->started = 1;
	w->shared = strcmp(kind, "shared") == 0;
	*out = w;
	wwd_queued(c);
	return 0;
fail:
	if (w != NULL)
		free(w->url);
	free(w);
	return rc;
}

/* A worker of kind from source text (url defaults to ./eval.js). */
static int
worker_create_source(struct wwd_conn *c, const char *kind,
    const char *source, size_t len, const struct wwd_worker_options *o,
    const struct wwd_worker_callbacks *cb, void *data,
    struct wwd_worker **out)
{
	char	*url = NULL;
	int	 rc;

	if (o != NULL && o->url != NULL)
		return worker_create(c, kind, source, len, o->url, o, cb,
		    data, out);
	if ((url = wwd_url_from_path("eval.js")) == NULL)
		return wwd_set_error(c, -errno,
		    "cannot make the worker URL: %s", strerror(errno));
	rc = worker_create(c, kind, source, len, url, o, cb, data, out);
	free(url);
	return rc;
}

/* Create a worker from source text; see wwd.h. */
int
wwd_worker_create_source(struct wwd_conn *c, const char *source, size_t len,
    const struct wwd_worker_options *o, const struct wwd_worker_callbacks *cb,
    void *data, struct wwd_worker **out)
{
	return worker_create_source(c, "dedicated", source, len, o, cb, data,
	    out);
}

/* A worker of kind from the script in a file (url defaults to its). */
static int
worker_create_file(struct wwd_conn *c, const char *kind, const char *path,
    const struct wwd_worker_options *o, const struct wwd_worker_callbacks *cb,
    void *data, struct wwd_worker **out)
{
	char	*src = NULL, *url = NULL;
	size_t	 len;
	int	 rc;

	*out = NULL;
	if ((rc = wwd_url_read_file(path, &src, &len)) < 0)
		return wwd_set_error(c, rc, "cannot read %s: %s", path,
		    strerror(-rc));
	if (o == NULL || o->url == NULL) {
		if ((url = wwd_url_from_path(path)) == NULL) {
			rc = wwd_set_error(c, -errno,
			    "cannot make the URL of %s: %s", path,
			    strerror(errno));
			goto out;
		}
	}
	rc = worker_create(c, kind, src, len, url != NULL ? url : o->url, o,
	    cb, data, out);
out:
	free(url);
	free(src);
	return rc;
}

/* Create a worker from a script file; see wwd.h. */
int
wwd_worker_create_file(struct wwd_conn *c, const char *path,
    const struct wwd_worker_options *o, const struct wwd_worker_callbacks *cb,
    void *data, struct wwd_worker **out)
{
	return worker_create_file(c, "dedicated", path, o, cb, data, out);
}

/* Connect to a shared worker started from a script file; see wwd.h. */
int
wwd_shared_connect_file(struct wwd_conn *c, const char *path,
    const struct wwd_worker_options *o, const struct wwd_worker_callbacks *cb,
    void *data, struct wwd_worker **out)
{
	return worker_create_file(c, "shared", path, o, cb, data, out);
}

/* Create a worker from a data: or file: URL; see wwd.h. */
int
wwd_worker_create_url(struct wwd_conn *c, const char *url,
    const struct wwd_worker_options *o, const struct wwd_worker_callbacks *cb,
    void *data, struct wwd_worker **out)
{
	struct url	 u;
	char		*src = NULL, *path = NULL;
	size_t		 len;
	int		 rc;

	*out = NULL;
	if (url_parse(url, &u) < 0)
		return wwd_set_error(c, -EINVAL, "bad URL %s", url);
	if (strcmp(u.scheme, "data") == 0) {
		if ((rc = url_data(&u, &src, &len)) < 0)
			rc = wwd_set_error(c, rc, "bad data: URL: %s",
			    strerror(-rc));
	} else if (strcmp(u.scheme, "file") == 0 && (u.host == NULL ||
	    *u.host == '\0' || strcmp(u.host, "localhost") == 0)) {
		if ((rc = url_decode(u.path, strlen(u.path), &path, &len)) < 0)
			rc = wwd_set_error(c, rc, "out of memory");
		else if (strlen(path) != len)
			rc = wwd_set_error(c, -EINVAL, "bad file: URL %s", url);
		else if ((rc = wwd_url_read_file(path, &src, &len)) < 0)
			rc = wwd_set_error(c, rc, "cannot read %s: %s", path,
			    strerror(-rc));
		free(path);
	} else
		rc = wwd_set_error(c, -EINVAL,
		    "only data: and file: URLs can be loaded here");
	url_clear(&u);
	if (rc == 0)
		rc = worker_create(c, "dedicated", src, len, o != NULL &&
		    o->url != NULL ? o->url : url, o, cb, data, out);
	free(src);
	return rc;
}

/* Whether the worker or port can still be posted to; 0 or -errno. */
int
wwd_worker_usable(struct wwd_worker *w)
{
	struct wwd_conn	*c = w->conn;

	if (c->fatal)
		return wwd_set_error(c, c->fatal, "%s", c->fatal_msg);
	if (w->exited || w->released)
		return wwd_set_error(c, -ESRCH, "the worker has exited");
	return 0;
}

/* Post msgpack bytes; see wwd.h. */
int
wwd_worker_post(struct wwd_worker *w, const void *p, size_t len)
{
	return wwd_port_post(w, p, len, NULL, 0);
}

/* Post JSON text; see wwd.h. */
int
wwd_worker_post_json(struct wwd_worker *w, const char *json, size_t len)
{
	return wwd_port_post_json(w, json, len, NULL, 0);
}

/* Queue TERMINATE; see wwd.h. */
int
wwd_worker_terminate(struct wwd_worker *w)
{
	struct wwd_conn	*c = w->conn;
	int		 rc;

	if ((rc = wwd_worker_usable(w)) < 0)
		return rc == -ESRCH ? 0 : rc;
	if (w->port_only)
		return wwd_set_error(c, -EINVAL, "a MessagePort has no "
		    "worker to terminate");
	if (w->shared)
		return wwd_set_error(c, -EINVAL, "a shared worker outlives "
		    "its clients: release the connection instead");
	if (w->terminated)
		return 0;
	if ((rc = ipc_empty_encode(&c->out, IPC_TERMINATE, w->port)) < 0)
		return wwd_set_error(c, rc, "out of memory");
	w->terminated = 1;
	wwd_queued(c);
	return 0;
}

/* Forget a worker; see wwd.h. */
void
wwd_worker_release(struct wwd_worker *w)
{
	if (w == NULL || w->released)
		return;
	w->released = 1;
	if (!w->exited)
		worker_send_close(w);
	wwd_port_unqueue(w);
	if (w->busy == 0)
		wwd_worker_free(w);
}

/* Getters. */
uint64_t
wwd_worker_id(const struct wwd_worker *w)
{
	return w->id;
}

/* The worker's process id, 0 until started. */
int
wwd_worker_pid(const struct wwd_worker *w)
{
	return w->pid;
}

/* The URL given at creation. */
const char *
wwd_worker_url(const struct wwd_worker *w)
{
	return w->url;
}

/* The owning connection. */
struct wwd_conn *
wwd_worker_conn(const struct wwd_worker *w)
{
	return w->conn;
}

/* The user pointer. */
void *
wwd_worker_data(const struct wwd_worker *w)
{
	return w->data;
}

/* Run the exit callback, then CLOSE the port and free the handle. */
static void
worker_exit(struct wwd_worker *w, const struct wwd_exit *e)
{
	w->exited = 1;
	w->busy++;
	if (w->cb.exit != NULL && !w->released)
		w->cb.exit(w, e, w->data);
	w->busy--;
	worker_send_close(w);
	wwd_worker_free(w);
}

/* The connection died: a synthetic exit, reason "disconnected". */
void
wwd_worker_disconnect(struct wwd_worker *w, const char *msg)
{
	struct wwd_exit	e = { -1, 0, "disconnected", msg };

	worker_exit(w, &e);
}

static void
worker_on_started(struct wwd_worker *w, const struct ipc_frame *f)
{
	struct ipc_started	m;
	const char		*why;

	if (ipc_started_decode(f->body, f->len, &m, &why) < 0)
		return;
	w->id = m.worker_id;
	w->pid = (int)m.pid;
	if (w->cb.started != NULL)
		w->cb.started(w, w->data);
}

static void
worker_on_fault(struct wwd_worker *w, const struct ipc_frame *f)
{
	struct ipc_fault	 m;
	struct wwd_fault	 e;
	const char		*why;
	char			*msg, *file;

	if (ipc_fault_decode(f->body, f->len, &m, &why) < 0)
		return;
	msg = ipc_str_dup(m.message);
	file = ipc_str_dup(m.filename);
	if (msg != NULL && file != NULL && w->cb.error != NULL) {
		e.message = msg;
		e.filename = file;
		e.lineno = m.lineno;
		e.colno = m.colno;
		w->cb.error(w, &e, w->data);
	}
	free(file);
	free(msg);
}

static void
worker_on_console(struct wwd_worker *w, const struct ipc_frame *f)
{
	struct ipc_console	 m;
	const char		*why;
	const void		*args;
	size_t			 nargs;
	char			*level, *text;

	if (ipc_console_decode(f->body, f->len, &m, &why) < 0)
		return;
	args = m.args.ptr;
	nargs = m.args.len;
	if (ipc_check((const uint8_t *)args, nargs, IPC_CLONE_DEPTH,
	    &why) < 0) {
		args = NULL;
		nargs = 0;
	}
	level = ipc_str_dup(m.level);
	text = ipc_str_dup(m.text);
	if (level != NULL && text != NULL && w->cb.console != NULL)
		w->cb.console(w, level, text, args, nargs, w->data);
	free(text);
	free(level);
}

static void
worker_on_exit(struct wwd_worker *w, const struct ipc_frame *f)
{
	struct ipc_exit	 m;
	struct wwd_exit	 e;
	const char	*why;
	char		*reason = NULL, *msg = NULL;

	if (ipc_exit_decode(f->body, f->len, &m, &why) < 0) {
		e.code = -1;
		e.signal = 0;
		e.reason = "crashed";
		e.message = why;
	} else {
		reason = ipc_str_dup(m.reason);
		msg = ipc_str_dup(m.message);
		e.code = m.code;
		e.signal = m.signal;
		e.reason = reason != NULL ? reason : "crashed";
		e.message = msg != NULL ? msg : "";
	}
	worker_exit(w, &e);
	free(msg);
	free(reason);
}

/*
 * One frame about this worker. Frames the daemon mangled are dropped
 * (messages become messageerror) rather than killing the connection.
 */
void
wwd_worker_dispatch(struct wwd_worker *w, const struct ipc_frame *f)
{
	if (f->type == IPC_EXIT) {
		worker_on_exit(w, f);	/* frees w */
		return;
	}
	w->busy++;
	switch (f->type) {
	case IPC_STARTED:
		worker_on_started(w, f);
		break;
	case IPC_POST:
		wwd_port_deliver(w, f);
		break;
	case IPC_FAULT:
		worker_on_fault(w, f);
		break;
	case IPC_CONSOLE:
		worker_on_console(w, f);
		break;
	}
	wwd_worker_leave(w);
}

/*
 * Connect to the shared worker of (origin, name, url) in options,
 * started from source (len bytes) if it does not run yet; see wwd.h.
 */
int
wwd_shared_connect(struct wwd_conn *c, const char *source, size_t len,
    const struct wwd_worker_options *o, const struct wwd_worker_callbacks *cb,
    void *data, struct wwd_worker **out)
{
	return worker_create_source(c, "shared", source, len, o, cb, data,
	    out);
}
