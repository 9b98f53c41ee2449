/*
 * control.c: the commands wwctl sends on the client socket (CONTROL),
 * each answered by one REPLY whose data is a msgpack value built here:
 * ps (the worker table), stats (daemon totals), kill, reload, status,
 * shutdown and logs (eventlog.c; "logs-follow" keeps sending REPLYs). What a client sees and may act on is scoped to its principal
 * (peer uid); root and members of the admin group see and manage all.
 * Reads the worker table (supervisor.c) and acts through its functions.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <msgpack.h>

#include "log.h"
#include "wwd.h"

/*
 * At most this many /proc reads per ps (about 10 us each): a busy
 * fleet's RSS and CPU may then be a little older, ps stays quick.
 */
#define CONTROL_PS_READS	500

static int
control_write(void *data, const char *p, size_t n)
{
	return ipc_buf_append(data, p, n) < 0 ? -1 : 0;
}

static void
control_key(msgpack_packer *pk, const char *k)
{
	msgpack_pack_str_with_body(pk, k, strlen(k));
}

static void
control_str(msgpack_packer *pk, const char *k, const char *v)
{
	control_key(pk, k);
	v = v != NULL ? v : "";
	msgpack_pack_str_with_body(pk, v, strlen(v));
}

static void
control_u64(msgpack_packer *pk, const char *k, uint64_t v)
{
	control_key(pk, k);
	msgpack_pack_uint64(pk, v);
}

/* Queue REPLY{status, message, data} for c. */
static void
control_reply(struct conn *c, const char *status, const char *message,
    const struct ipc_buf *data)
{
	struct ipc_reply	 r;
	struct ipc_buf		*b;
	static const uint8_t	 nil = 0xc0;
	char			 why[96], name[32];
	int			 rc;

	r.status = ipc_str(status);
	r.message = ipc_str(message);
	r.data.ptr = data != NULL ? (const char *)ipc_buf_head(data) :
	    (const char *)&nil;
	r.data.len = data != NULL ? (uint32_t)ipc_buf_used(data) : 1;
	if ((b = conn_out(c)) == NULL)
		return;
	if ((rc = ipc_reply_encode(b, &r)) == -EMSGSIZE && data != NULL) {
		snprintf(why, sizeof why, "the answer (%zu bytes) is over the "
		    "%u-byte limit of a frame", ipc_buf_used(data),
		    IPC_FRAME_MAX);
		log_warnx("%s: %s", conn_name(c, name, sizeof name), why);
		control_reply(c, "too-large", why, NULL);
	} else if (rc < 0)
		conn_abort(c);
}

/* Whether client c may see worker k. */
static int
control_visible(const struct conn *c, const struct worker *k)
{
	return server_is_admin(c) || k->uid == server_uid(c);
}

static const char *
control_state(const struct worker *k)
{
	if (k->reported || k->exited)
		return "exited";
	if (k->end != WORKER_END_NONE)
		return "killing";
	if (k->closing_reason != NULL)
		return "closing";
	return k->spawned ? "running" : "starting";
}

static void
control_worker(msgpack_packer *pk, struct worker *k, uint64_t now,
    unsigned *reads)
{
	uint64_t	 cpu = 0, rss = 0;
	struct port	*p;
	int		 clients;

	(void)supervisor_usage(k, reads, &cpu, &rss);
	p = router_find(k->w, k->outside);
	clients = k->shared ? (int)k->clients :
	    p != NULL && p->worker == k && p->holder != NULL;
	msgpack_pack_map(pk, 16);
	control_u64(pk, "id", k->id);
	control_str(pk, "kind", k->shared ? "shared" : "dedicated");
	control_u64(pk, "pid", (uint64_t)k->pid);
	control_u64(pk, "uid", k->uid);
	control_str(pk, "origin", k->origin);
	control_str(pk, "name", k->name);
	control_str(pk, "url", k->url);
	control_u64(pk, "clients", (uint64_t)clients);
	control_u64(pk, "client", k->client);
	control_u64(pk, "rss", rss);
	control_u64(pk, "cpu_ms", cpu);
	control_u64(pk, "msgs_in", k->msgs_in);
	control_u64(pk, "msgs_out", k->msgs_out);
	control_u64(pk, "queued", k->conn != NULL ? conn_queued(k->conn) : 0);
	control_u64(pk, "uptime_ms", now - k->started_ms);
	control_str(pk, "state", control_state(k));
}

static void
control_ps(struct conn *c, msgpack_packer *pk, struct ipc_buf *data)
{
	struct worker	*k;
	uint32_t	 n = 0;
	uint64_t	 now = uv_now(&c->w->loop);
	unsigned	 reads = CONTROL_PS_READS;

	LIST_FOREACH(k, &c->w->workers, entry)
		if (control_visible(c, k) && !k->reported)
			n++;
	msgpack_pack_array(pk, n);
	LIST_FOREACH(k, &c->w->workers, entry)
		if (control_visible(c, k) && !k->reported)
			control_worker(pk, k, now, &reads);
	control_reply(c, "ok", "", data);
}

static void
control_stats(struct conn *c, msgpack_packer *pk, struct ipc_buf *data)
{
	const struct wwd_stats	*s = &c->w->stats;
	struct conn		*o;
	uint64_t		 clients = 0, queued = 0;

	TAILQ_FOREACH(o, &c->w->conns, entry) {
		if (o->kind == CONN_CLIENT && !o->closed)
			clients++;
		queued += conn_queued(o) + ipc_buf_used(&o->in);
	}
	queued += router_held_bytes(c->w);
	msgpack_pack_map(pk, 15);
	control_u64(pk, "buffered_bytes", queued);
	control_str(pk, "version", WWD_VERSION);
	control_u64(pk, "pid", (uint64_t)getpid());
	control_u64(pk, "uptime_ms", uv_now(&c->w->loop) - c->w->started_ms);
	control_u64(pk, "workers", c->w->nworkers);
	control_u64(pk, "clients", clients);
	control_u64(pk, "workers_started", s->workers);
	control_u64(pk, "clients_accepted", s->clients);
	control_u64(pk, "frames_routed", s->frames);
	control_u64(pk, "bytes_routed", s->bytes);
	control_u64(pk, "spawn_failures", s->spawn_failures);
	control_u64(pk, "limit_kills", s->limit_kills);
	control_u64(pk, "limit_refusals", s->limit_refusals);
	control_u64(pk, "backpressure_pauses", s->pauses);
	control_u64(pk, "ports", c->w->nports);
	control_reply(c, "ok", "", data);
}

/* REPLY "not-found" for worker id. */
static void
control_not_found(struct conn *c, uint64_t id)
{
	char	msg[64];

	snprintf(msg, sizeof msg, "no worker %llu", (unsigned long long)id);
	control_reply(c, "not-found", msg, NULL);
}

static void
control_kill(struct conn *c, uint64_t id)
{
	struct log_about a;
	struct worker	*k;
	char		 msg[96];

	LIST_FOREACH(k, &c->w->workers, entry)
		if (k->id == id && !k->reported && control_visible(c, k))
			break;
	if (k == NULL) {
		/* Another principal's worker looks just like a missing one. */
		control_not_found(c, id);
		return;
	}
	snprintf(msg, sizeof msg, "killed by wwctl (uid %u)", server_uid(c));
	a.worker = k->id;
	a.principal = k->uid;
	a.pid = k->pid;
	eventlog_add(c->w, LOG_LEVEL_INFO, "killed", &a, "worker[%llu]: %s",
	    (unsigned long long)k->id, msg);
	supervisor_kill(k, msg);
	control_reply(c, "ok", "", NULL);
}

/*
 * CONTROL from client c: run the command and queue its REPLY. Unknown
 * commands get status "unknown-command"; reload and shutdown need an
 * admin ("permission-denied").
 */
void
control_request(struct conn *c, const struct ipc_control *m)
{
	msgpack_packer	 pk;
	struct ipc_buf	 data;
	char		 why[512];

	ipc_buf_init(&data);
	msgpack_packer_init(&pk, &data, control_write);
	if (ipc_str_eq(m->command, "ps"))
		control_ps(c, &pk, &data);
	else if (ipc_str_eq(m->command, "stats"))
		control_stats(c, &pk, &data);
	else if (ipc_str_eq(m->command, "kill"))
		control_kill(c, m->id);
	else if ((ipc_str_eq(m->command, "logs") ||
	    ipc_str_eq(m->command, "logs-follow")) &&
	    m->id >= c->w->next_worker)
		control_not_found(c, m->id);	/* never started */
	else if (ipc_str_eq(m->command, "logs"))
		eventlog_request(c, m->id, 0);
	else if (ipc_str_eq(m->command, "logs-follow"))
		eventlog_request(c, m->id, 1);
	else if ((ipc_str_eq(m->command, "reload") ||
	    ipc_str_eq(m->command, "shutdown")) && !server_is_admin(c))
		control_reply(c, "permission-denied", "only root or the admin "
		    "group may do this", NULL);
	else if (ipc_str_eq(m->command, "reload")) {
		if (main_reload(c->w, why, sizeof why) < 0)
			control_reply(c, "config", why, NULL);
		else
			control_reply(c, "ok", why, NULL);
	} else if (ipc_str_eq(m->command, "shutdown")) {
		log_info("shutdown requested by uid %u", server_uid(c));
		control_reply(c, "ok", "", NULL);
		c->w->stop_requested = 1;
	} else
		control_reply(c, "unknown-command", "unknown control command",
		    NULL);
	ipc_buf_clear(&data);
}
