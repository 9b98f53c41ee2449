/*
 * router.c: the port table of wwd. Every port is one end of an entangled
 * pair with exactly one holder (a client or worker connection); the
 * table maps port id -> {holder, peer id, worker}. A POST, FAULT or
 * CONSOLE frame is routed by rewriting its header port in place to the
 * peer's id and appending the raw frame to the peer holder's output: the
 * body is never decoded here. The table owns the port records. Ports
 * move between holders when a POST transfers them; the draining protocol
 * that keeps their messages whole and in order while they move is
 * described in docs/architecture.md ("Moving a port").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "wwd.h"

#define ROUTER_STR(x)	#x
#define ROUTER_XSTR(x)	ROUTER_STR(x)	/* a constant's digits */

#define ROUTER_SLOTS_MIN	64
#define ROUTER_CYCLE_ROOM	4	/* a wait cycle's queues: x the marks */

/* Set up an empty table. 0 or -ENOMEM. */
int
router_init(struct wwd *w)
{
	w->nslots = ROUTER_SLOTS_MIN;
	w->nports = 0;
	if ((w->ports = calloc(w->nslots, sizeof *w->ports)) == NULL)
		return -ENOMEM;
	return 0;
}

/* Free every port record and the table. */
void
router_clear(struct wwd *w)
{
	struct port	*p, *next;
	size_t		 i;

	for (i = 0; i < w->nslots; i++)
		for (p = w->ports[i]; p != NULL; p = next) {
			next = p->next;
			if (p->holder != NULL)
				LIST_REMOVE(p, hold);
			ipc_buf_clear(&p->early);
			ipc_buf_clear(&p->late);
			free(p->waiters);
			free(p);
		}
	free(w->ports);
	w->ports = NULL;
	w->nslots = w->nports = 0;
}

/* The record of port id, or NULL (also once the table is cleared). */
struct port *
router_find(struct wwd *w, uint64_t id)
{
	struct port	*p;

	if (w->nslots == 0)
		return NULL;
	for (p = w->ports[ipc_hash64(id) & (w->nslots - 1)]; p != NULL;
	    p = p->next)
		if (p->id == id)
			return p;
	return NULL;
}

/* The record of port id if c holds it, else NULL. */
struct port *
router_held(struct wwd *w, struct conn *c, uint64_t id)
{
	struct port	*p = router_find(w, id);

	return p != NULL && p->holder == c ? p : NULL;
}

/* Double the chains when the table is full; failure just keeps them. */
static void
router_grow(struct wwd *w)
{
	struct port	**slots, *p, *next;
	size_t		  n = w->nslots * 2, i, h;

	if ((slots = calloc(n, sizeof *slots)) == NULL)
		return;
	for (i = 0; i < w->nslots; i++)
		for (p = w->ports[i]; p != NULL; p = next) {
			next = p->next;
			h = ipc_hash64(p->id) & (n - 1);
			p->next = slots[h];
			slots[h] = p;
		}
	free(w->ports);
	w->ports = slots;
	w->nslots = n;
}

/*
 * Record port id, entangled with peer, held by holder. The table owns
 * the record (*pp, if asked). 0, -EEXIST or -ENOMEM.
 */
int
router_add(struct wwd *w, uint64_t id, uint64_t peer, struct conn *holder,
    struct port **pp)
{
	struct port	*p;
	size_t		 h;

	if (router_find(w, id) != NULL)
		return -EEXIST;
	if ((p = calloc(1, sizeof *p)) == NULL)
		return -ENOMEM;
	if (w->nports >= w->nslots)
		router_grow(w);
	p->id = id;
	p->peer = peer;
	ipc_buf_init(&p->early);
	ipc_buf_init(&p->late);
	p->holder = holder;
	LIST_INSERT_HEAD(&holder->ports, p, hold);
	holder->nports++;
	h = ipc_hash64(id) & (w->nslots - 1);
	p->next = w->ports[h];
	w->ports[h] = p;
	w->nports++;
	if (pp != NULL)
		*pp = p;
	return 0;
}

static void	router_flush(struct wwd *, struct port *);

/*
 * Port id, given away by c, was freed (its new holder closed it or went
 * away, or the message carrying it was dropped): c may still bounce
 * frames for it until its PORT_DRAINED.
 * Remembered until then; a failed allocation only forgets it.
 */
static void
router_gone_add(struct conn *c, uint64_t id)
{
	uint64_t	*more;

	if ((more = realloc(c->gone, (c->ngone + 1) * sizeof *more)) == NULL)
		return;
	c->gone = more;
	c->gone[c->ngone++] = id;
}

/* Whether port id is one c gave away that was freed; forget it if end. */
static int
router_gone(struct conn *c, uint64_t id, int end)
{
	size_t	i;

	for (i = 0; i < c->ngone; i++)
		if (c->gone[i] == id) {
			if (end)
				c->gone[i] = c->gone[--c->ngone];
			return 1;
		}
	return 0;
}

/*
 * Whether c may bounce frames for port id (REPOST): the port drains from
 * c, or was freed while it did (what c bounces is then dropped).
 */
int
router_bounces(struct wwd *w, struct conn *c, uint64_t id)
{
	struct port	*x = router_find(w, id);

	return x != NULL ? x->from == c : router_gone(c, id, 0);
}

/* Take p out of the table (its next link is then free). */
static void
router_unhash(struct wwd *w, struct port *p)
{
	struct port	**pp;

	for (pp = &w->ports[ipc_hash64(p->id) & (w->nslots - 1)];
	    *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
}

/*
 * Forget port p; its peer's frames to it are dropped from now on. The
 * ports carried by frames lost with it reach no one (their holder never
 * saw them): they go too, and so on down their own queues. Those wait
 * on a stack linked through next, not in recursion: the chain can be as
 * long as the ports there are.
 */
void
router_free(struct wwd *w, struct port *p)
{
	struct port	*doomed, *z;
	size_t		 i;

	router_unhash(w, p);
	p->next = NULL;
	for (doomed = p; (p = doomed) != NULL; free(p)) {
		doomed = p->next;
		for (i = 0; i < p->nwaiters; i++)
			if ((z = router_find(w, p->waiters[i])) != NULL &&
			    z->wait == p->id) {
				router_unhash(w, z);
				z->next = doomed;
				doomed = z;
			}
		if (p->holder != NULL) {
			LIST_REMOVE(p, hold);
			p->holder->nports--;
		}
		if (p->from != NULL) {
			p->from->ndraining--;
			router_gone_add(p->from, p->id);
		}
		w->nports--;
		w->drained = 1;		/* senders paused on p may go on */
		ipc_buf_clear(&p->early);
		ipc_buf_clear(&p->late);
		free(p->waiters);
	}
}

/* Forget every port c holds (c is going away); finish its drains. */
void
router_drop_holder(struct wwd *w, struct conn *c)
{
	struct port	*p;
	size_t		 i;

	while ((p = LIST_FIRST(&c->ports)) != NULL)
		router_free(w, p);
	/* A holder that dies while ports drain from it has no more. */
	for (i = 0; i < w->nslots && c->ndraining > 0; i++)
		for (p = w->ports[i]; p != NULL; p = p->next)
			if (p->from == c) {
				p->from = NULL;
				c->ndraining--;
				router_flush(w, p);
			}
}

/* Whether frames for p must queue: it is moving or not yet announced. */
static int
router_held_back(const struct port *p)
{
	return p->from != NULL || p->wait != 0;
}

/*
 * The bytes queued for p in the daemon: in connections' output and, while
 * it is held back, in its own queues.
 */
size_t
router_queued(const struct port *p)
{
	return p->queued + ipc_buf_used(&p->early) + ipc_buf_used(&p->late);
}

/* The bytes held back in every port's own queues (wwctl stats). */
size_t
router_held_bytes(const struct wwd *w)
{
	const struct port	*p;
	size_t			 i, n = 0;

	for (i = 0; i < w->nslots; i++)
		for (p = w->ports[i]; p != NULL; p = p->next)
			n += ipc_buf_used(&p->early) + ipc_buf_used(&p->late);
	return n;
}

/*
 * Count one frame of n bytes for port p. Backpressure: the sender (if
 * any) stops being read while p's holder or p itself is over its high
 * mark, unless the queues are under ROUTER_CYCLE_ROOM times their marks
 * and pausing it could stall for good: it closes a cycle of waiting
 * workers (conn_cycle), or p is held back while the sender still owes a
 * PORT_DRAINED, which may sit behind what it sends.
 */
static void
router_count(struct wwd *w, struct conn *sender, struct port *p, size_t n)
{
	struct conn	*h = p->holder;
	size_t		 in_conn, in_port;
	int		 full_conn, full_port;

	w->stats.frames++;
	w->stats.bytes += n;
	if (h->kind == CONN_WORKER && h->owner != NULL)
		((struct worker *)h->owner)->msgs_in++;
	if (sender == NULL)
		return;
	in_conn = conn_queued(h);
	in_port = router_queued(p);
	full_conn = in_conn > w->cfg.conn_high;
	full_port = in_port > w->cfg.port_high;
	if (!full_conn && !full_port)
		return;
	/* Either goes on, up to a bound still. */
	if (in_conn <= ROUTER_CYCLE_ROOM * w->cfg.conn_high &&
	    in_port <= ROUTER_CYCLE_ROOM * w->cfg.port_high &&
	    ((router_held_back(p) && sender->ndraining > 0) ||
	    conn_cycle(sender, h)))
		return;
	conn_pause(sender, full_conn ? h : NULL, full_port ? p->id : 0);
}

/*
 * p has landed (no drain, nothing to wait for): hand its queues to the
 * holder, bounced frames first, then let the ports carried by them go.
 */
static void
router_flush(struct wwd *w, struct port *p)
{
	uint64_t	*ids;
	struct port	*z;
	size_t		 i, n;

	if (router_held_back(p))
		return;
	if (p->holder != NULL) {
		conn_append_port(p->holder, p, ipc_buf_head(&p->early),
		    ipc_buf_used(&p->early));
		conn_append_port(p->holder, p, ipc_buf_head(&p->late),
		    ipc_buf_used(&p->late));
	}
	ipc_buf_clear(&p->early);
	ipc_buf_clear(&p->late);
	ids = p->waiters;
	n = p->nwaiters;
	p->waiters = NULL;
	p->nwaiters = 0;
	for (i = 0; i < n; i++)
		if ((z = router_find(w, ids[i])) != NULL &&
		    z->wait == p->id) {
			z->wait = 0;
			router_flush(w, z);
		}
	free(ids);
}

/*
 * Queue raw frame f (header already naming p) for p's holder: now, or
 * in q (p's early or late queue) while p is held back. Ports the frame
 * carries (ids, n) then wait for p. A sender that ports are draining
 * from is never paused for a held-back port: its PORT_DRAINED may be
 * what that port waits for.
 */
static int
router_deliver(struct wwd *w, struct conn *sender, struct port *p,
    struct ipc_buf *q, struct ipc_frame *f, const uint64_t *ids, size_t n)
{
	size_t		 len = IPC_HEADER_SIZE + (size_t)f->len, i;
	struct port	*z;
	uint64_t	*wa;

	if (!router_held_back(p)) {
		conn_append_port(p->holder, p, f->raw, len);
		router_count(w, sender, p, len);
		return 0;
	}
	if (ipc_buf_append(q, f->raw, len) < 0)
		return -ENOMEM;
	if (n > 0) {
		if ((wa = realloc(p->waiters, (p->nwaiters + n) *
		    sizeof *wa)) == NULL)
			return -ENOMEM;
		p->waiters = wa;
		for (i = 0; i < n; i++)
			if ((z = router_find(w, ids[i])) != NULL) {
				z->wait = p->id;
				wa[p->nwaiters++] = ids[i];
			}
	}
	router_count(w, sender, p, len);
	return 0;
}

/*
 * Route frame f (POST, FAULT or CONSOLE) from sender to the holder of
 * the entangled port: rewrite the header port, append the raw frame. A
 * frame for a peer that is gone (its worker exited) is dropped. 0, or
 * -ENOENT when sender does not hold f->port.
 */
int
router_forward(struct wwd *w, struct conn *sender, struct ipc_frame *f)
{
	struct port	*p, *peer;

	if ((p = router_held(w, sender, f->port)) == NULL)
		return -ENOENT;
	if ((peer = router_find(w, p->peer)) == NULL || peer->holder == NULL)
		return 0;
	ipc_frame_set_port(f->raw, peer->id);
	return router_deliver(w, sender, peer, &peer->late, f, NULL, 0);
}

/*
 * Check that c may mint port id now (its range, ids only going up) and
 * take it. 0, or -EINVAL with *why.
 */
int
router_mint(struct conn *c, uint64_t id, const char **why)
{
	struct port_range	*r = c->range;

	if (r == NULL || id < r->base || id - r->base >= r->count) {
		*why = "port id outside the sender's range";
		return -EINVAL;
	}
	/* Minted ids only go up, so an id can never name two ports. */
	if (id < r->next) {
		*why = "port id minted before (ids must increase)";
		return -EINVAL;
	}
	r->next = id + 1;
	return 0;
}

/* CHANNEL from c: a new pair it minted and holds. 0 or -errno, *why. */
int
router_channel(struct wwd *w, struct conn *c, const struct ipc_channel *m,
    const char **why)
{
	struct port	*a;
	int		 rc;

	if ((rc = router_mint(c, m->a, why)) < 0 ||
	    (rc = router_mint(c, m->b, why)) < 0)
		return rc;
	if (c->nports + 2 > IPC_PORTS_MAX) {
		*why = "limit reached: the connection holds "
		    ROUTER_XSTR(IPC_PORTS_MAX) " ports";
		return -EDQUOT;
	}
	if (router_add(w, m->a, m->b, c, &a) < 0)
		goto nomem;
	if (router_add(w, m->b, m->a, c, NULL) < 0) {
		router_free(w, a);
		goto nomem;
	}
	return 0;
nomem:
	*why = "out of memory";
	return -ENOMEM;
}

/*
 * Move port x to holder to. The old holder gets PORT_MOVED and bounces
 * what it still has for x; until it answers PORT_DRAINED, frames for x
 * queue here. A port already draining keeps its first old holder: the
 * later ones never received anything for it. They get PORT_MOVED all
 * the same, so that every holder knows when a port it gave away is
 * done with; their PORT_DRAINED changes nothing.
 */
static void
router_move(struct port *x, struct conn *to)
{
	struct conn	*old = x->holder;
	struct ipc_buf	*b;

	LIST_REMOVE(x, hold);
	old->nports--;
	x->holder = to;
	LIST_INSERT_HEAD(&to->ports, x, hold);
	to->nports++;
	if (x->from == NULL) {
		x->from = old;
		old->ndraining++;
	}
	if ((b = conn_out(old)) != NULL &&
	    ipc_empty_encode(b, IPC_PORT_MOVED, x->id) < 0)
		conn_abort(old);
}

/* Check a transfer list: held by c, movable, not p itself, once. */
static int
router_check_transfer(struct wwd *w, struct conn *c, const struct port *p,
    const struct ipc_post *m, const char **why)
{
	struct port	*x;
	uint32_t	 i, j;

	for (i = 0; i < m->ntransfer; i++) {
		if ((x = router_held(w, c, m->transfer[i])) == NULL) {
			*why = "a transferred port is not held by the sender";
			return -ENOENT;
		}
		if (x->fixed || x->worker != NULL || x == p) {
			*why = "a transferred port cannot be moved";
			return -EINVAL;
		}
		for (j = 0; j < i; j++)
			if (m->transfer[j] == m->transfer[i]) {
				*why = "a port is transferred twice";
				return -EINVAL;
			}
	}
	return 0;
}

/*
 * The message m from sender is dropped, its port being gone: free the
 * ports it carries that sender holds, each with PORT_MOVED all the same,
 * so that the sender forgets them as if they had been delivered.
 */
static void
router_drop_carried(struct wwd *w, struct conn *sender,
    const struct ipc_post *m)
{
	struct port	*x;
	struct ipc_buf	*b;
	uint32_t	 i;

	for (i = 0; i < m->ntransfer; i++)
		if ((x = router_held(w, sender, m->transfer[i])) != NULL) {
			router_free(w, x);
			/* Given away: it may bounce frames until PORT_DRAINED. */
			router_gone_add(sender, m->transfer[i]);
			if ((b = conn_out(sender)) != NULL &&
			    ipc_empty_encode(b, IPC_PORT_MOVED,
			    m->transfer[i]) < 0)
				conn_abort(sender);
		}
}

/*
 * POST m (frame f) from sender on its port f->port: the transferred
 * ports move to the receiver, then the frame is routed. When the peer is
 * gone, the message and its ports are dropped. 0, -ENOENT (the sender
 * does not hold f->port or a transferred port) or -EINVAL, with *why.
 */
int
router_post(struct wwd *w, struct conn *sender, struct ipc_frame *f,
    const struct ipc_post *m, const char **why)
{
	struct port	*p, *peer;
	uint32_t	 i;
	int		 rc;

	if ((p = router_held(w, sender, f->port)) == NULL) {
		*why = "the port is not held by the sender";
		return -ENOENT;
	}
	if ((rc = router_check_transfer(w, sender, p, m, why)) < 0)
		return rc;
	/*
	 * A message that carries the port it is sent to is doomed (HTML):
	 * dropped, with its ports, as when that port is gone. The sender
	 * may not know the two are a pair (it received them apart).
	 */
	for (i = 0; i < m->ntransfer && m->transfer[i] != p->peer; i++)
		;
	if (i < m->ntransfer || (peer = router_find(w, p->peer)) == NULL ||
	    peer->holder == NULL) {
		router_drop_carried(w, sender, m);
		return 0;
	}
	for (i = 0; i < m->ntransfer; i++)
		router_move(router_find(w, m->transfer[i]), peer->holder);
	ipc_frame_set_port(f->raw, peer->id);
	if (router_deliver(w, sender, peer, &peer->late, f, m->transfer,
	    m->ntransfer) < 0) {
		*why = "out of memory";
		return -ENOMEM;
	}
	return 0;
}

/*
 * REPOST m (frame f) on port x from its old holder: a frame it received
 * for x after giving x away, bounced back. It goes to x's holder as a
 * POST, ahead of the newer frames; the ports it carries move along.
 */
int
router_repost(struct wwd *w, struct conn *sender, struct ipc_frame *f,
    const struct ipc_post *m, const char **why)
{
	struct port	*x, *z;
	uint32_t	 i;

	/* Freed meanwhile (its new holder closed it or went away): dropped. */
	if ((x = router_find(w, f->port)) == NULL &&
	    router_gone(sender, f->port, 0)) {
		router_drop_carried(w, sender, m);
		return 0;
	}
	if (x == NULL || x->from != sender) {
		*why = "the port is not draining from the sender";
		return -ENOENT;
	}
	for (i = 0; i < m->ntransfer; i++)
		if ((z = router_held(w, sender, m->transfer[i])) == NULL ||
		    z->fixed || z->worker != NULL || z == x) {
			*why = "a carried port is not held by the sender";
			return -ENOENT;
		}
	for (i = 0; i < m->ntransfer; i++)
		router_move(router_find(w, m->transfer[i]), x->holder);
	ipc_frame_set_type(f->raw, IPC_POST);
	if (router_deliver(w, sender, x, &x->early, f, m->transfer,
	    m->ntransfer) < 0) {
		*why = "out of memory";
		return -ENOMEM;
	}
	return 0;
}

/*
 * PORT_DRAINED x from its old holder: everything it had for x has been
 * bounced; the queued frames go to the new holder. 0.
 */
int
router_drained(struct wwd *w, struct conn *sender, uint64_t id,
    const char **why)
{
	struct port	*x;

	(void)why;
	/*
	 * Freed meanwhile (closed by its new holder), or the sender was a
	 * later holder that never received anything for it: nothing.
	 */
	if ((x = router_find(w, id)) == NULL) {
		router_gone(sender, id, 1);
		return 0;
	}
	if (x->from != sender)
		return 0;
	x->from = NULL;
	sender->ndraining--;
	router_flush(w, x);
	return 0;
}

/* Report a refused port frame through the peer's fault handler. */
static void
router_refuse(struct conn *c, struct ipc_frame *f, int rc, const char *why)
{
	char	msg[160];

	snprintf(msg, sizeof msg, "%s: port %llu: %s", ipc_type_name(f->type),
	    (unsigned long long)f->port, why);
	c->ops->fault(c, rc == -ENOENT ? "unknown-port" : rc == -ENOMEM ?
	    "unsupported" : rc == -EDQUOT ? "limit" : "bad-port", msg);
}

/*
 * The port frames every peer may send (POST, REPOST, CHANNEL,
 * PORT_DRAINED), for both dispatchers; a refusal goes to c's fault
 * handler (ERROR and close, or kill for a worker). 1 if f was one of
 * them, 0 if not.
 */
int
router_frame(struct conn *c, struct ipc_frame *f)
{
	struct wwd		*w = c->w;
	struct ipc_post		 m;
	struct ipc_channel	 ch;
	const char		*why = NULL;
	int			 rc;

	switch (f->type) {
	case IPC_POST:
	case IPC_REPOST:
		if ((rc = ipc_post_decode(f->body, f->len, &m, &why)) < 0)
			break;
		rc = f->type == IPC_POST ? router_post(w, c, f, &m, &why) :
		    router_repost(w, c, f, &m, &why);
		break;
	case IPC_CHANNEL:
		if ((rc = ipc_channel_decode(f->body, f->len, &ch, &why)) < 0)
			break;
		rc = router_channel(w, c, &ch, &why);
		break;
	case IPC_PORT_DRAINED:
		if ((rc = ipc_empty_decode(f->body, f->len, &why)) < 0)
			break;
		rc = router_drained(w, c, f->port, &why);
		break;
	default:
		return 0;
	}
	if (rc == -EBADMSG) {
		char	msg[160];

		snprintf(msg, sizeof msg, "%s: %s", ipc_type_name(f->type), why);
		c->ops->fault(c, "bad-body", msg);
	} else if (rc < 0)
		router_refuse(c, f, rc, why);
	return 1;
}
