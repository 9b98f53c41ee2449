/*
 * supervisor.c: wwd's worker table and the policy around it: creating a
 * worker for a client or a parent worker (CREATE, CLOSE and TERMINATE
 * from either), the worker channel's dispatch, killing
 * (terminate, closed port, owner gone, protocol violation, shutdown) and
 * deciding how a worker ended. spawn.c does the acting. A worker record
 * lives until both its process handle and its channel are closed; the
 * EXIT for its owner is sent once the process exited and the channel
 * reached EOF, so every frame the worker wrote is forwarded first.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "url.h"
#include "wwd.h"

#define SUPERVISOR_INIT_SLACK	256	/* INIT beside its strings */

static void	supervisor_report(struct worker *);
static void	supervisor_orphans(struct worker *);
static void	supervisor_refuse(struct wwd *, struct conn *, uint64_t,
		    const char *);
static void	supervisor_end(struct worker *, enum worker_end,
		    const char *);
static void	supervisor_count(struct worker *, int);

static void
supervisor_free(struct worker *k)
{
	struct wwd	*w = k->w;
	struct port	*p;

	if ((k->spawned && !k->exited) || k->conn != NULL)
		return;
	if ((p = router_find(k->w, k->outside)) != NULL && p->worker == k)
		p->worker = NULL;
	if (k->shared)
		registry_free(k);
	if (k->counted)
		supervisor_count(k, -1);
	LIST_REMOVE(k, entry);
	w->nworkers--;
	free(k->url);
	free(k->name);
	free(k->origin);
	free(k->end_message);
	free(k->closing_reason);
	free(k->closing_message);
	free(k);
	if (w->stopping)
		spawn_stop(w);
}

/* k's channel is done: EXIT may go out once the process is reaped. */
static void
supervisor_chan_done(struct worker *k)
{
	k->chan_done = 1;
	spawn_ending(k);
}

static void
supervisor_exit_cb(struct worker *k, int64_t status, int sig)
{
	k->exited = 1;
	k->exit_status = status;
	k->term_signal = sig;
	log_debug("worker[%llu]: pid %d exited (status %lld, signal %d)",
	    (unsigned long long)k->id, k->pid, (long long)status, sig);
	supervisor_report(k);
	supervisor_free(k);
}

/* Record why wwd ended k, unless an earlier reason stands. */
static void
supervisor_set_end(struct worker *k, enum worker_end end, const char *msg)
{
	if (k->end != WORKER_END_NONE)
		return;
	k->end = end;
	free(k->end_message);
	k->end_message = strdup(msg);
}

/*
 * Policy: how worker k ended, as an EXIT body. Strings point into k or
 * into buf (len bytes, for a composed message).
 */
void
supervisor_exit_info(const struct worker *k, struct ipc_exit *e, char *buf,
    size_t len)
{
	const char	*reason = k->closing_reason ? k->closing_reason : "";
	const char	*emsg = k->end_message ? k->end_message : "";

	e->code = k->term_signal ? -1 : (int32_t)k->exit_status;
	e->signal = k->term_signal;
	e->message = ipc_str("");
	if (k->end == WORKER_END_FAILED) {
		e->code = -1;
		e->reason = ipc_str("failed");
		e->message = ipc_str(emsg);
	} else if (k->end == WORKER_END_KILLED) {
		e->reason = ipc_str("killed");
		e->message = ipc_str(emsg);
	} else if (k->end == WORKER_END_CPU) {
		e->reason = ipc_str("cpu-limit");
		e->message = ipc_str(emsg);
	} else if (k->end == WORKER_END_WALL) {
		e->reason = ipc_str("time-limit");
		e->message = ipc_str(emsg);
	} else if (k->end == WORKER_END_PROTOCOL) {
		e->reason = ipc_str("crashed");
		e->message = ipc_str(emsg);
	} else if (k->term_signal) {
		snprintf(buf, len, "killed by signal %d (%s)", k->term_signal,
		    strsignal(k->term_signal));
		e->reason = ipc_str("crashed");
		e->message = ipc_str(buf);
	} else if (strcmp(reason, "closed") == 0 && k->exit_status == 0) {
		e->reason = ipc_str("closed");
	} else if (strcmp(reason, "failed") == 0) {
		e->reason = ipc_str("failed");
		e->message = ipc_str(k->closing_message);
	} else {
		snprintf(buf, len, "exited with status %lld",
		    (long long)k->exit_status);
		e->reason = ipc_str("crashed");
		e->message = ipc_str(buf);
	}
}

/* What a log line about worker k is about (journald fields, ps scope). */
static struct log_about *
supervisor_about(const struct worker *k, struct log_about *a)
{
	a->worker = k->id;
	a->principal = k->uid;
	a->pid = k->pid;
	return a;
}

/* Send EXIT to the owner once the process and its channel are done. */
static void
supervisor_report(struct worker *k)
{
	struct log_about a;
	struct ipc_exit	 e;
	struct port	*p;
	char		 buf[128];

	if (k->reported || !k->exited || !k->chan_done)
		return;
	k->reported = 1;
	if (k->counted)
		supervisor_count(k, -1);
	supervisor_exit_info(k, &e, buf, sizeof buf);
	eventlog_add(k->w, LOG_LEVEL_INFO, "exited", supervisor_about(k, &a),
	    "worker[%llu] exited: %.*s%s%.*s", (unsigned long long)k->id,
	    (int)e.reason.len, e.reason.ptr, e.message.len ? ": " : "",
	    (int)e.message.len, e.message.ptr);
	supervisor_orphans(k);
	if (k->shared) {
		registry_exit(k, &e);
		return;
	}
	if ((p = router_find(k->w, k->outside)) == NULL || p->worker != k)
		return;
	supervisor_report_port(p, &e);
}

/* Tell the holder of outside port p that its worker ended (EXIT e). */
void
supervisor_report_port(struct port *p, const struct ipc_exit *e)
{
	struct ipc_buf	*b;

	p->worker = NULL;
	if ((b = conn_out(p->holder)) != NULL &&
	    ipc_exit_encode(b, p->id, e) < 0)
		conn_abort(p->holder);
}

/*
 * Kill worker k (SIGKILL) for the reason why, unless it already ended;
 * frames it has not delivered yet are discarded.
 */
void
supervisor_kill(struct worker *k, const char *why)
{
	supervisor_end(k, WORKER_END_KILLED, why);
}

/* Kill k (SIGKILL) recording end as the reason, unless it already ended. */
static void
supervisor_end(struct worker *k, enum worker_end end, const char *why)
{
	int	rc;

	if (k->exited || k->reported || k->killing)
		return;
	k->killing = 1;
	log_debug("worker[%llu]: killing: %s", (unsigned long long)k->id, why);
	supervisor_set_end(k, end, why);
	if ((rc = spawn_kill(k)) < 0)
		log_warnx("worker[%llu]: kill: %s", (unsigned long long)k->id,
		    uv_strerror(rc));
	if (k->conn != NULL)
		conn_close(k->conn);
	supervisor_chan_done(k);
}

/* The worker broke the protocol: ERROR to it, kill it, crashed. */
static void LOG_PRINTF(3, 4)
supervisor_protocol(struct worker *k, const char *code, const char *fmt, ...)
{
	char	msg[512], end[600];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(end, sizeof end, "protocol error: %s: %s", code, msg);
	supervisor_set_end(k, WORKER_END_PROTOCOL, end);
	conn_error(k->conn, code, "%s", msg);
	supervisor_kill(k, end);
}

/* The worker's valid HELLO; INIT went out with ours already. */
static void
supervisor_hello(struct conn *c, const struct ipc_hello *h)
{
	struct worker	*k = c->owner;

	log_debug("worker[%llu]: hello from %.*s", (unsigned long long)k->id,
	    (int)h->software.len, h->software.ptr);
}

static void
supervisor_closing(struct worker *k, struct ipc_frame *f)
{
	struct ipc_closing	 m;
	const char		*why;

	if (ipc_closing_decode(f->body, f->len, &m, &why) < 0) {
		supervisor_protocol(k, "bad-body", "CLOSING: %s", why);
		return;
	}
	free(k->closing_reason);
	free(k->closing_message);
	k->closing_reason = ipc_str_dup(m.reason);
	k->closing_message = ipc_str_dup(m.message);
	k->closed_self = 1;
	log_debug("worker[%llu]: closing: %.*s", (unsigned long long)k->id,
	    (int)m.reason.len, m.reason.ptr);
}

/* Route a POST, FAULT or CONSOLE from the worker to the owner's side. */
static void
supervisor_forward(struct worker *k, struct ipc_frame *f)
{
	k->msgs_out++;
	if (router_forward(k->w, k->conn, f) < 0)
		supervisor_protocol(k, "unknown-port", "%s: port %llu is not "
		    "held by this worker", ipc_type_name(f->type),
		    (unsigned long long)f->port);
}

/*
 * Whether f is from a shared worker's scope, which has no port of its
 * own (INIT's port 0): its console and uncaught errors are only logged,
 * as browsers show them only in the developer console.
 */
static int
supervisor_scope_only(const struct worker *k, const struct ipc_frame *f)
{
	return k->shared && f->port == 0;
}

static void
supervisor_fault(struct worker *k, struct ipc_frame *f)
{
	struct ipc_fault	 m;
	struct log_about	 a;
	const char		*why;

	if (ipc_fault_decode(f->body, f->len, &m, &why) < 0) {
		supervisor_protocol(k, "bad-body", "FAULT: %s", why);
		return;
	}
	supervisor_about(k, &a);
	if (m.filename.len > 0)
		eventlog_add(k->w, LOG_LEVEL_INFO, "uncaught", &a,
		    "worker[%llu]: uncaught: %.*s at %.*s:%u:%u",
		    (unsigned long long)k->id, (int)m.message.len,
		    m.message.ptr, (int)m.filename.len, m.filename.ptr,
		    m.lineno, m.colno);
	else
		eventlog_add(k->w, LOG_LEVEL_INFO, "uncaught", &a,
		    "worker[%llu]: uncaught: %.*s",
		    (unsigned long long)k->id, (int)m.message.len,
		    m.message.ptr);
	if (!supervisor_scope_only(k, f))
		supervisor_forward(k, f);
}

static void
supervisor_console(struct worker *k, struct ipc_frame *f)
{
	struct ipc_console	 m;
	struct log_about	 a;
	struct port		*p, *peer;
	const char		*why;

	if (ipc_console_decode(f->body, f->len, &m, &why) < 0) {
		supervisor_protocol(k, "bad-body", "CONSOLE: %s", why);
		return;
	}
	eventlog_add(k->w, LOG_LEVEL_INFO, "console", supervisor_about(k, &a),
	    "worker[%llu]: console.%.*s: %.*s", (unsigned long long)k->id,
	    (int)m.level.len, m.level.ptr, (int)m.text.len, m.text.ptr);
	if (supervisor_scope_only(k, f))
		return;
	/* A nested worker's console is logged only, as in browsers. */
	if ((p = router_held(k->w, k->conn, f->port)) != NULL &&
	    (peer = router_find(k->w, p->peer)) != NULL &&
	    peer->holder != NULL && peer->holder->kind == CONN_WORKER)
		return;
	supervisor_forward(k, f);
}

/* The worker channel's dispatch: one case per type. */
static void
supervisor_dispatch(struct conn *c, struct ipc_frame *f)
{
	struct worker	*k = c->owner;

	if (f->type == IPC_POST)
		k->msgs_out++;
	if (router_frame(c, f) || supervisor_frame(c, f))
		return;
	switch (f->type) {
	case IPC_CLOSING:
		supervisor_closing(k, f);
		break;
	case IPC_FAULT:
		supervisor_fault(k, f);
		break;
	case IPC_CONSOLE:
		supervisor_console(k, f);
		break;
	default:
		supervisor_protocol(k, "wrong-direction", "%s may not be sent "
		    "by a worker", ipc_type_name(f->type));
		break;
	}
}

static void
supervisor_eof(struct conn *c, int status)
{
	struct worker	*k = c->owner;

	if (ipc_buf_used(&c->in) > 0) {
		/* Killed inside a frame (OOM killer, kill -9): exit says so. */
		if (k->exited ? k->term_signal != 0 : spawn_killed(k))
			log_debug("worker[%llu]: killed inside a frame",
			    (unsigned long long)k->id);
		else if (!k->exited)
			supervisor_protocol(k, "bad-frame", "truncated frame "
			    "at end of stream");
		else	/* as supervisor_protocol says */
			supervisor_set_end(k, WORKER_END_PROTOCOL,
			    "protocol error: bad-frame: truncated frame at "
			    "end of stream");
	} else if (status != UV_EOF)
		log_debug("worker[%llu]: read: %s", (unsigned long long)k->id,
		    uv_strerror(status));
	supervisor_chan_done(k);
	conn_close(c);
	supervisor_report(k);
}

static void
supervisor_gone(struct conn *c)
{
	struct worker	*k = c->owner;

	supervisor_client_gone(k->w, c);
	router_drop_holder(k->w, c);
	k->conn = NULL;
	supervisor_chan_done(k);
	supervisor_report(k);
	supervisor_free(k);
}

/* A worker broke the protocol (at the frame level or in a body). */
static void
supervisor_violation(struct conn *c, const char *code, const char *msg)
{
	supervisor_protocol(c->owner, code, "%s", msg);
}

static const struct conn_ops supervisor_worker_ops = {
	.dir = IPC_W2D,
	.role = "worker",
	.hello = supervisor_hello,
	.frame = supervisor_dispatch,
	.fault = supervisor_violation,
	.eof = supervisor_eof,
	.gone = supervisor_gone,
};

/* Queue HELLO and INIT for a freshly spawned worker. 0 or -ENOMEM. */
static int
supervisor_greet(struct worker *k, const struct ipc_create *m)
{
	struct ipc_hello	 h;
	struct ipc_init		 in;
	struct ipc_buf		*b;

	if ((b = conn_out(k->conn)) == NULL)
		return -ENOMEM;
	h.version = IPC_VERSION;
	h.role = ipc_str("daemon");
	h.software = ipc_str(WWD_SOFTWARE);
	h.port_base = k->range.base;
	h.port_count = k->range.count;
	h.frame_max = k->conn->frame_max;
	in.worker_id = k->id;
	in.kind = m->kind;
	in.url = m->url;
	in.name = m->name;
	in.origin = m->origin;
	in.root = m->root;
	in.source = m->source;
	in.port_base = h.port_base;
	in.port_count = h.port_count;
	in.log_level = (uint32_t)log_get_level();
	in.memory_max = k->w->cfg.worker_memory;
	if (ipc_hello_encode(b, &h) < 0 ||
	    ipc_init_encode(b, k->shared ? 0 : k->inside, &in) < 0)
		return -ENOMEM;
	return 0;
}

/* Spawning failed: the owner gets EXIT "failed" now. */
static void
supervisor_failed(struct worker *k, int rc, const char *step)
{
	struct log_about a;
	char		 msg[512];

	if (strcmp(step, "spawn") == 0)
		snprintf(msg, sizeof msg, "cannot start %s: %s",
		    k->w->worker_path, strerror(-rc));
	else
		snprintf(msg, sizeof msg, "cannot start %s: %s: %s",
		    k->w->worker_path, step, strerror(-rc));
	eventlog_add(k->w, LOG_LEVEL_WARN, "failed", supervisor_about(k, &a),
	    "worker[%llu]: %s", (unsigned long long)k->id, msg);
	k->w->stats.spawn_failures++;
	supervisor_set_end(k, WORKER_END_FAILED, msg);
	if (k->spawned)
		(void)spawn_kill(k);
	else
		k->exited = 1;
	if (k->conn != NULL)
		conn_abort(k->conn);
	k->exit_status = -1;
	supervisor_chan_done(k);
	supervisor_report(k);
	supervisor_free(k);
}

/*
 * Start a worker for creator c (a client or a parent worker) as CREATE
 * m asked. A dedicated worker gets the pair outside (held by c) and its
 * inside port; a shared one gets no implicit port (registry.c connects
 * c on outside). The worker table owns the record. The worker, or NULL
 * when nothing could be started: c then has EXIT "failed" on outside.
 */
struct worker *
supervisor_spawn(struct wwd *w, struct conn *c, const struct ipc_create *m,
    uint64_t outside)
{
	struct log_about	 a;
	struct worker		*k;
	struct port		*op = NULL;
	const char		*step = NULL, *over;
	int			 shared = ipc_str_eq(m->kind, "shared");
	char			 msg[160];
	int			 rc;

	if ((over = supervisor_limit(w, supervisor_uid(c), msg,
	    sizeof msg)) != NULL) {
		supervisor_refuse(w, c, outside, over);
		return NULL;
	}
	if ((k = calloc(1, sizeof *k)) == NULL)
		goto nomem;
	k->w = w;
	if ((k->url = ipc_str_dup(m->url)) == NULL ||
	    (k->name = ipc_str_dup(m->name)) == NULL ||
	    (k->origin = ipc_str_dup(m->origin)) == NULL ||
	    (!shared && router_add(w, outside, 0, c, &op) < 0)) {
		free(k->url);
		free(k->name);
		free(k->origin);
		free(k);
		goto nomem;
	}
	k->shared = shared;
	k->uid = supervisor_uid(c);
	k->client = c->id;
	if (c->kind == CONN_WORKER)
		k->parent = ((struct worker *)c->owner)->id;
	k->started_ms = uv_now(&w->loop);
	w->nworkers++;
	w->stats.workers++;
	k->id = w->next_worker++;
	k->outside = shared ? 0 : outside;
	k->inside = w->next_serial++ << 32;
	k->range.base = k->range.next = k->inside + 1;
	k->range.count = (1ULL << 32) - 1;
	if (op != NULL) {
		op->peer = k->inside;
		op->worker = k;
		op->fixed = 1;
	}
	LIST_INSERT_HEAD(&w->workers, k, entry);
	supervisor_count(k, 1);
	if ((rc = spawn_worker(w, k, supervisor_exit_cb,
	    &supervisor_worker_ops, &step)) < 0 ||
	    (!shared && (rc = router_add(w, k->inside, outside, k->conn,
	    &op)) < 0) || (rc = supervisor_greet(k, m)) < 0) {
		supervisor_failed(k, rc, step ? step : "setup");
		if (shared)
			supervisor_refuse(w, c, outside, "cannot start the "
			    "shared worker");
		return NULL;
	}
	k->conn->range = &k->range;
	if (!shared)
		op->fixed = 1;
	eventlog_add(w, LOG_LEVEL_INFO, "started", supervisor_about(k, &a),
	    "worker[%llu] started: pid %d, %s%s, for %s %llu",
	    (unsigned long long)k->id, k->pid, shared ? "shared, " : "",
	    k->url, c->kind == CONN_CLIENT ? "client" : "worker",
	    (unsigned long long)c->id);
	return k;
nomem:
	supervisor_refuse(w, c, outside, "out of memory");
	return NULL;
}

/* Answer STARTED on port outside of c for worker k. */
static void
supervisor_started(struct conn *c, uint64_t outside, struct worker *k)
{
	struct ipc_started	 st;
	struct ipc_buf		*b;

	st.worker_id = k->id;
	st.pid = (uint32_t)k->pid;
	if ((b = conn_out(c)) != NULL &&
	    ipc_started_encode(b, outside, &st) < 0)
		conn_abort(c);
}

/*
 * CREATE from c (a client, or a worker for a nested worker) on its new
 * port outside, its origin filled in: a dedicated worker is spawned, a
 * shared one found or started by the registry. STARTED or EXIT
 * "failed" answers. 0.
 */
static int
supervisor_create_named(struct wwd *w, struct conn *c, uint64_t outside,
    const struct ipc_create *m)
{
	struct worker	*k;
	uint64_t	 init = (uint64_t)m->url.len + m->name.len +
			    m->origin.len + m->root.len + m->source.len +
			    SUPERVISOR_INIT_SLACK;
	char		 msg[160];

	/* The worker gets it all again in INIT, which must fit a frame. */
	if (init > IPC_FRAME_MAX) {
		snprintf(msg, sizeof msg, "the script, URL, name, origin and "
		    "root (%" PRIu64 " bytes) are over the %u-byte limit of "
		    "a worker's INIT", init - SUPERVISOR_INIT_SLACK,
		    IPC_FRAME_MAX - SUPERVISOR_INIT_SLACK);
		supervisor_fail(c, outside, msg);
		return 0;
	}
	if (ipc_str_eq(m->kind, "shared"))
		return registry_connect(w, c, outside, m);
	if (!ipc_str_eq(m->type, "classic")) {
		supervisor_fail(c, outside, SUPERVISOR_NO_MODULES);
		return 0;
	}
	if ((k = supervisor_spawn(w, c, m, outside)) != NULL)
		supervisor_started(c, outside, k);
	return 0;
}

/* CREATE from c on its new port outside (see above). 0. */
int
supervisor_create(struct wwd *w, struct conn *c, uint64_t outside,
    const struct ipc_create *m)
{
	struct ipc_create	 named = *m;
	char			*url, *origin = NULL;
	int			 rc;

	/* No origin: the URL's, which the worker has, ps shows, keys use. */
	if (m->origin.len == 0) {
		if ((url = ipc_str_dup(m->url)) != NULL)
			origin = url_origin_text(url);
		free(url);
		if (origin == NULL) {
			supervisor_fail(c, outside, "out of memory");
			return 0;
		}
		named.origin = ipc_str(origin);
	}
	rc = supervisor_create_named(w, c, outside, &named);
	free(origin);
	return rc;
}

/* The principal of connection c: a client's uid, a worker's owner's. */
uint32_t
supervisor_uid(const struct conn *c)
{
	if (c->kind == CONN_CLIENT)
		return server_uid(c);
	return c->owner != NULL ? ((const struct worker *)c->owner)->uid :
	    UINT32_MAX;
}

/* The port c holds for TERMINATE/CLOSE, or NULL after a fault. */
static struct port *
supervisor_port(struct conn *c, struct ipc_frame *f)
{
	struct port	*p;
	const char	*why;
	char		 msg[160];

	if (ipc_empty_decode(f->body, f->len, &why) < 0) {
		snprintf(msg, sizeof msg, "%s: %s", ipc_type_name(f->type),
		    why);
		c->ops->fault(c, "bad-body", msg);
		return NULL;
	}
	if ((p = router_held(c->w, c, f->port)) == NULL) {
		snprintf(msg, sizeof msg, "%s: port %llu is not held by the "
		    "sender", ipc_type_name(f->type),
		    (unsigned long long)f->port);
		c->ops->fault(c, "unknown-port", msg);
	}
	return p;
}

/* CREATE from c: check the body, the new port id and the kind. */
static void
supervisor_create_frame(struct conn *c, struct ipc_frame *f)
{
	struct ipc_create	 m;
	const char		*why;
	char			 msg[200];

	if (ipc_create_decode(f->body, f->len, &m, &why) < 0) {
		snprintf(msg, sizeof msg, "CREATE: %s", why);
		c->ops->fault(c, "bad-body", msg);
	} else if (router_mint(c, f->port, &why) < 0) {
		snprintf(msg, sizeof msg, "CREATE: port %llu: %s",
		    (unsigned long long)f->port, why);
		c->ops->fault(c, "bad-port", msg);
	} else if (!ipc_str_utf8(m.url) || !ipc_str_utf8(m.name) ||
	    !ipc_str_utf8(m.origin) || !ipc_str_utf8(m.root))
		c->ops->fault(c, "bad-body", "CREATE: url, name, origin and "
		    "root must be UTF-8");
	else if (!ipc_str_eq(m.kind, "dedicated") &&
	    !ipc_str_eq(m.kind, "shared")) {
		snprintf(msg, sizeof msg, "CREATE: kind \"%.*s\" is not "
		    "supported", (int)(m.kind.len > 40 ? 40 : m.kind.len),
		    m.kind.ptr);
		c->ops->fault(c, "unsupported", msg);
	} else if (!ipc_str_eq(m.type, "classic") &&
	    !ipc_str_eq(m.type, "module")) {
		snprintf(msg, sizeof msg, "CREATE: type \"%.*s\" is neither "
		    "\"classic\" nor \"module\"", (int)(m.type.len > 40 ? 40 :
		    m.type.len), m.type.ptr);
		c->ops->fault(c, "bad-body", msg);
	} else if (supervisor_create(c->w, c, f->port, &m) < 0)
		c->ops->fault(c, "unsupported", "CREATE: out of memory");
}

/*
 * The worker requests both clients and workers send: CREATE, TERMINATE
 * and CLOSE. 1 if f was one of them (handled), 0 if not.
 */
int
supervisor_frame(struct conn *c, struct ipc_frame *f)
{
	struct port	*p;

	switch (f->type) {
	case IPC_CREATE:
		supervisor_create_frame(c, f);
		return 1;
	case IPC_TERMINATE:
		if ((p = supervisor_port(c, f)) != NULL)
			supervisor_terminate(c->w, p);
		return 1;
	case IPC_CLOSE:
		if ((p = supervisor_port(c, f)) != NULL)
			supervisor_close_port(c->w, p);
		return 1;
	default:
		return 0;
	}
}

/* uid's record, or NULL; a handful of principals at most. */
static struct principal *
supervisor_find(const struct wwd *w, uint32_t uid)
{
	size_t	i;

	for (i = 0; i < w->nprincipals; i++)
		if (w->principals[i].uid == uid)
			return &w->principals[i];
	return NULL;
}

/* uid's record, made on first use; NULL only if out of memory. */
struct principal *
supervisor_principal(struct wwd *w, uint32_t uid)
{
	struct principal	*p;

	if ((p = supervisor_find(w, uid)) != NULL)
		return p;
	if ((p = realloc(w->principals, (w->nprincipals + 1) *
	    sizeof *p)) == NULL)
		return NULL;
	w->principals = p;
	p = &w->principals[w->nprincipals++];
	memset(p, 0, sizeof *p);
	p->uid = uid;
	return p;
}

/* Count k in (delta 1) or out (-1) of its principal's workers. */
static void
supervisor_count(struct worker *k, int delta)
{
	struct principal	*p;

	if ((p = supervisor_principal(k->w, k->uid)) == NULL)
		return;	/* not counted: the limit is not applied */
	p->workers += (uint32_t)delta;
	k->counted = delta > 0;
}

/* Free the principals' records (at exit). */
void
supervisor_clear(struct wwd *w)
{
	free(w->principals);
	w->principals = NULL;
	w->nprincipals = 0;
}

/*
 * Policy: whether principal uid may start one more worker now. NULL if
 * so, else the message (in buf, len bytes) naming the limit.
 */
const char *
supervisor_limit(const struct wwd *w, uint32_t uid, char *buf, size_t len)
{
	const struct principal	*p = supervisor_find(w, uid);
	uint32_t		 mine = p != NULL ? p->workers : 0;

	if (w->nworkers >= w->cfg.workers_max) {
		snprintf(buf, len, "limit reached: workers (%" PRIu32 ")",
		    w->cfg.workers_max);
		return buf;
	}
	if (mine >= w->cfg.workers_per_user) {
		snprintf(buf, len, "limit reached: workers_per_user (%" PRIu32
		    ") for uid %" PRIu32, w->cfg.workers_per_user, uid);
		return buf;
	}
	return NULL;
}

/*
 * CREATE from c cannot be served: EXIT "failed", msg, on outside. As
 * after any EXIT, c holds outside until its CLOSE (a port with no peer:
 * posts on it are dropped).
 */
void
supervisor_fail(struct conn *c, uint64_t outside, const char *msg)
{
	struct log_about a = { 0, -1, 0 };
	struct ipc_exit	 e;
	struct ipc_buf	*b;

	if (router_held(c->w, c, outside) == NULL &&
	    router_add(c->w, outside, 0, c, NULL) < 0) {
		conn_abort(c);	/* out of memory */
		return;
	}
	a.principal = supervisor_uid(c);
	eventlog_add(c->w, LOG_LEVEL_INFO, "refused", &a,
	    "client %llu: CREATE refused: %s", (unsigned long long)c->id, msg);
	e.code = -1;
	e.signal = 0;
	e.reason = ipc_str("failed");
	e.message = ipc_str(msg);
	if ((b = conn_out(c)) != NULL && ipc_exit_encode(b, outside, &e) < 0)
		conn_abort(c);
}

/* CREATE refused by a limit: EXIT "failed" on the unused port. */
static void
supervisor_refuse(struct wwd *w, struct conn *c, uint64_t outside,
    const char *msg)
{
	w->stats.limit_refusals++;
	supervisor_fail(c, outside, msg);
}

/*
 * Read k's CPU time (user + system, ms) and resident bytes from
 * /proc/PID/stat into its usage cache, stamped now. One open, read and
 * close (about 10 us: the kernel formats the whole line); 0 or -errno.
 */
static int
supervisor_read_usage(struct worker *k, uint64_t now)
{
	static long		 hz, page;
	char			 path[64], buf[1024], *p;
	unsigned long long	 ut, st;
	long			 pages;
	ssize_t			 n;
	int			 fd;

	if (!k->spawned || k->exited)
		return -ESRCH;
	if (hz <= 0) {
		hz = sysconf(_SC_CLK_TCK);
		page = sysconf(_SC_PAGESIZE);
		hz = hz > 0 ? hz : 100;
	}
	snprintf(path, sizeof path, "/proc/%d/stat", k->pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EINVAL;
	buf[n] = '\0';
	/* Fields after the command name, which may hold spaces. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%llu %llu %*d %*d %*d %*d %*d %*d %*u %*u %ld", &ut, &st,
	    &pages) != 3)
		return -EINVAL;
	k->cpu_ms = (ut + st) * 1000 / (unsigned long long)hz;
	k->rss = (uint64_t)pages * (uint64_t)page;
	k->usage_ms = now;
	k->usage_msgs = k->msgs_in + k->msgs_out;
	k->usage_read = 1;
	return 0;
}

/*
 * k's CPU ms and resident bytes for ps, from its usage cache. The cache
 * is read again here if it never was, if k exchanged messages since and
 * the reading is SUPERVISOR_USAGE_MS old, or if it is
 * SUPERVISOR_USAGE_IDLE_MS old; only while *budget (reads left for this
 * ps) lasts, so a large fleet is refreshed over several ps. 0, or
 * -ESRCH with nothing known.
 */
int
supervisor_usage(struct worker *k, unsigned *budget, uint64_t *cpu_ms,
    uint64_t *rss)
{
	uint64_t	now = uv_now(&k->w->loop), age = now - k->usage_ms;

	if (*budget > 0 && (!k->usage_read ||
	    age >= SUPERVISOR_USAGE_IDLE_MS ||
	    (age >= SUPERVISOR_USAGE_MS &&
	    k->msgs_in + k->msgs_out != k->usage_msgs))) {
		(*budget)--;
		(void)supervisor_read_usage(k, now);
	}
	if (!k->usage_read)
		return -ESRCH;
	*cpu_ms = k->cpu_ms;
	*rss = k->rss;
	return 0;
}

/* Kill k for its CPU (cpu non-zero) or wall-clock budget. */
static void
supervisor_over(struct worker *k, int cpu)
{
	struct log_about a;
	char		 msg[96];

	if (cpu)
		snprintf(msg, sizeof msg, "used %llu ms of CPU, the limit is "
		    "%u s", (unsigned long long)k->cpu_ms, k->w->cfg.worker_cpu);
	else
		snprintf(msg, sizeof msg, "ran for %u s of wall-clock time",
		    k->w->cfg.worker_wall);
	k->w->stats.limit_kills++;
	eventlog_add(k->w, LOG_LEVEL_INFO, "limit", supervisor_about(k, &a),
	    "worker[%llu]: %s", (unsigned long long)k->id, msg);
	supervisor_end(k, cpu ? WORKER_END_CPU : WORKER_END_WALL, msg);
}

/*
 * The limits ticker: kill workers past their CPU or wall-clock budget;
 * without limits it does nothing. A worker's CPU is read only when it
 * could have reached the limit: one process uses at most one CPU second
 * per second, so after a reading of c ms under a limit of L ms the next
 * one is due L - c ms later. So an idle fleet costs the walk over the
 * workers, and no /proc reads.
 */
void
supervisor_tick(struct wwd *w)
{
	struct worker	*k;
	uint64_t	 now = uv_now(&w->loop), limit;

	limit = (uint64_t)w->cfg.worker_cpu * 1000;
	if (limit == 0 && w->cfg.worker_wall == 0)
		return;
	LIST_FOREACH(k, &w->workers, entry) {
		if (k->exited || k->reported || !k->spawned ||
		    k->end != WORKER_END_NONE)
			continue;
		if (limit > 0 && now >= k->cpu_due) {
			if (supervisor_read_usage(k, now) == 0 &&
			    k->cpu_ms >= limit) {
				supervisor_over(k, 1);
				continue;
			}
			k->cpu_due = now + (k->usage_read && k->cpu_ms < limit ?
			    limit - k->cpu_ms : 0);
		}
		if (w->cfg.worker_wall > 0 && now - k->started_ms >=
		    (uint64_t)w->cfg.worker_wall * 1000)
			supervisor_over(k, 0);
	}
}

/* TERMINATE on outside port p: kill its worker; EXIT "killed" follows. */
void
supervisor_terminate(struct wwd *w, struct port *p)
{
	(void)w;
	if (p->worker != NULL && !p->worker->shared)
		supervisor_kill(p->worker, "terminated by its owner");
}

/* CLOSE on port p: kill its worker if it runs (no EXIT), forget p. */
void
supervisor_close_port(struct wwd *w, struct port *p)
{
	struct worker	*k = p->worker;

	p->worker = NULL;
	if (k != NULL && k->shared)
		registry_leave(w, k, p);
	else if (k != NULL)
		supervisor_kill(k, "its port was closed");
	router_free(w, p);
}

/*
 * Client or parent worker c is going away: kill the dedicated workers
 * it owns (no EXIT), leave the shared ones it is connected to.
 */
void
supervisor_client_gone(struct wwd *w, struct conn *c)
{
	struct worker	*k;
	struct port	*p;

	LIST_FOREACH(p, &c->ports, hold) {
		if ((k = p->worker) == NULL)
			continue;
		p->worker = NULL;
		if (k->shared)
			registry_leave(w, k, p);
		else
			supervisor_kill(k, c->kind == CONN_CLIENT ? "its owner "
			    "disconnected" : "its parent ended");
	}
}

/*
 * Worker k ended: its nested workers end with it (their outside ports
 * are held by k's channel, which may outlive the process for a while).
 */
static void
supervisor_orphans(struct worker *k)
{
	struct port	*p;

	/* Without its channel, supervisor_client_gone did this already. */
	if (k->conn == NULL)
		return;
	LIST_FOREACH(p, &k->conn->ports, hold)
		if (p->worker != NULL && !p->worker->shared &&
		    p->worker->parent == k->id)
			supervisor_kill(p->worker, "its parent ended");
}

/* Shutdown: kill every worker still running. */
void
supervisor_kill_all(struct wwd *w)
{
	struct worker	*k;

	LIST_FOREACH(k, &w->workers, entry)
		supervisor_kill(k, "wwd is shutting down");
}
