/*
 * registry.c: wwd's shared workers. A CREATE of kind "shared" names
 * (origin, name, url); with the sender's principal that is the key: a
 * running shared worker with the same key that has not closed itself is
 * reused, otherwise one is started (supervisor.c). Each connection is a
 * new port pair: the client holds the outside port, the worker the
 * inside one, announced to it by CONNECT. A shared worker lives while
 * it has connections and lingers cfg.linger_ms after the last one left
 * (-1: forever). The worker table owns the records; the linger timer is
 * owned by its worker and freed in its close callback.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "wwd.h"

/* Whether k is the running shared worker of (uid, m's origin/name/url). */
static int
registry_match(const struct worker *k, uint32_t uid,
    const struct ipc_create *m)
{
	return k->shared && !k->reported && !k->exited && !k->closed_self &&
	    k->end == WORKER_END_NONE && k->uid == uid &&
	    ipc_str_eq(m->origin, k->origin) && ipc_str_eq(m->name, k->name) &&
	    ipc_str_eq(m->url, k->url);
}

static void
registry_timer_close_cb(uv_handle_t *h)
{
	free(h);
}

/* Stop k's linger, if one runs. */
static void
registry_unlinger(struct worker *k)
{
	if (k->linger == NULL)
		return;
	uv_timer_stop(k->linger);
	uv_close((uv_handle_t *)k->linger, registry_timer_close_cb);
	k->linger = NULL;
}

static void
registry_linger_cb(uv_timer_t *t)
{
	struct worker	*k = t->data;

	registry_unlinger(k);
	if (k->clients == 0)
		supervisor_kill(k, "no clients left (linger over)");
}

/*
 * Connect c to k on outside: a new pair, CONNECT to the worker (queued
 * behind its INIT if it is still starting) and STARTED to c.
 */
static int
registry_attach(struct wwd *w, struct worker *k, struct conn *c,
    uint64_t outside)
{
	struct ipc_started	 st;
	struct ipc_buf		*b;
	struct port		*op, *ip;
	uint64_t		 inside = w->next_serial++ << 32;

	if (k->conn == NULL || router_add(w, outside, inside, c, &op) < 0)
		return -1;
	if (router_add(w, inside, outside, k->conn, &ip) < 0) {
		router_free(w, op);
		return -1;
	}
	op->worker = k;
	op->fixed = ip->fixed = 1;
	k->clients++;
	registry_unlinger(k);
	if ((b = conn_out(k->conn)) == NULL ||
	    ipc_empty_encode(b, IPC_CONNECT, inside) < 0)
		return -1;
	st.worker_id = k->id;
	st.pid = (uint32_t)k->pid;
	if ((b = conn_out(c)) != NULL &&
	    ipc_started_encode(b, outside, &st) < 0)
		conn_abort(c);
	return 0;
}

/*
 * CREATE "shared" from c on its new port outside: find or start the
 * worker, connect c to it. EXIT "failed" on outside if that cannot be
 * done. 0.
 */
int
registry_connect(struct wwd *w, struct conn *c, uint64_t outside,
    const struct ipc_create *m)
{
	struct worker	*k;
	uint32_t	 uid = supervisor_uid(c);

	LIST_FOREACH(k, &w->workers, entry)
		if (registry_match(k, uid, m))
			break;
	/*
	 * Every running worker is classic; another type under the same key
	 * is the browsers' options mismatch: an error, no new worker.
	 */
	if (!ipc_str_eq(m->type, "classic")) {
		supervisor_fail(c, outside, k != NULL ? "SharedWorker options "
		    "mismatch: the running worker's type is \"classic\"" :
		    SUPERVISOR_NO_MODULES);
		return 0;
	}
	if (k != NULL)
		log_debug("worker[%llu]: shared, connecting %s %llu",
		    (unsigned long long)k->id, c->kind == CONN_CLIENT ?
		    "client" : "worker", (unsigned long long)c->id);
	else if ((k = supervisor_spawn(w, c, m, outside)) == NULL)
		return 0;	/* c got EXIT "failed" */
	if (registry_attach(w, k, c, outside) < 0)
		supervisor_fail(c, outside, "cannot connect to the shared "
		    "worker");
	return 0;
}

/*
 * The connection of outside port p to shared worker k closed (CLOSE,
 * or its holder left): the worker gets CLOSE on the inside port, and
 * its answering CLOSE frees that record; what it posts on the port
 * meanwhile is dropped. The last connection starts the linger: 0 ends
 * k now, -1 never.
 */
void
registry_leave(struct wwd *w, struct worker *k, struct port *p)
{
	struct port	*ip;
	struct ipc_buf	*b;

	if ((ip = router_find(w, p->peer)) != NULL && k->conn != NULL &&
	    ip->holder == k->conn && (b = conn_out(k->conn)) != NULL &&
	    ipc_empty_encode(b, IPC_CLOSE, ip->id) < 0)
		conn_abort(k->conn);
	if (k->clients > 0)
		k->clients--;
	if (k->clients > 0 || k->reported || k->exited)
		return;
	if (w->cfg.linger_ms == 0) {
		supervisor_kill(k, "no clients left");
		return;
	}
	if (w->cfg.linger_ms < 0 || k->linger != NULL)
		return;
	if ((k->linger = malloc(sizeof *k->linger)) == NULL) {
		supervisor_kill(k, "no clients left (out of memory)");
		return;
	}
	uv_timer_init(&w->loop, k->linger);
	k->linger->data = k;
	uv_timer_start(k->linger, registry_linger_cb,
	    (uint64_t)w->cfg.linger_ms, 0);
	log_debug("worker[%llu]: no clients, lingering %lld ms",
	    (unsigned long long)k->id, (long long)w->cfg.linger_ms);
}

/* Shared worker k ended: EXIT e on every connection's outside port. */
void
registry_exit(struct worker *k, const struct ipc_exit *e)
{
	struct wwd	*w = k->w;
	struct port	*p;
	size_t		 i;

	registry_unlinger(k);
	for (i = 0; i < w->nslots; i++)
		for (p = w->ports[i]; p != NULL; p = p->next)
			if (p->worker == k && p->holder != NULL)
				supervisor_report_port(p, e);
	k->clients = 0;
}

/* k's record is being freed: its timer goes with it. */
void
registry_free(struct worker *k)
{
	registry_unlinger(k);
}
