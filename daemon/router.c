/*
 * router.c: the port table of wwd. Every port is one end of an entangled
 * pair with exactly one holder (a client or worker connection); the
 * table maps port id -> {holder, peer id, worker}. A POST, FAULT or
 * CONSOLE frame is routed by rewriting its header port in place to the
 * peer's id and appending the raw frame to the peer holder's output: the
 * body is never decoded here. The table owns the port records.
 */
#include <errno.h>
#include <stdlib.h>

#include "log.h"
#include "wwd.h"

#define ROUTER_SLOTS_MIN	64

/* Port ids are serial << 32 | n: mix the bits before masking. */
static size_t
router_hash(uint64_t id)
{
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdULL;
	id ^= id >> 33;
	id *= 0xc4ceb9fe1a85ec53ULL;
	id ^= id >> 33;
	return (size_t)id;
}

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
			free(p);
		}
	free(w->ports);
	w->ports = NULL;
	w->nslots = w->nports = 0;
}

/* The record of port id, or NULL. */
struct port *
router_find(struct wwd *w, uint64_t id)
{
	struct port	*p;

	for (p = w->ports[router_hash(id) & (w->nslots - 1)]; p != NULL;
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
			h = router_hash(p->id) & (n - 1);
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
	p->holder = holder;
	LIST_INSERT_HEAD(&holder->ports, p, hold);
	h = router_hash(id) & (w->nslots - 1);
	p->next = w->ports[h];
	w->ports[h] = p;
	w->nports++;
	if (pp != NULL)
		*pp = p;
	return 0;
}

/* Forget port p; its peer's frames to it are dropped from now on. */
void
router_free(struct wwd *w, struct port *p)
{
	struct port	**pp;

	for (pp = &w->ports[router_hash(p->id) & (w->nslots - 1)];
	    *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	if (p->holder != NULL)
		LIST_REMOVE(p, hold);
	w->nports--;
	free(p);
}

/* Forget every port c holds (c is going away). */
void
router_drop_holder(struct wwd *w, struct conn *c)
{
	struct port	*p;

	while ((p = LIST_FIRST(&c->ports)) != NULL)
		router_free(w, p);
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
	conn_append(peer->holder, f->raw, IPC_HEADER_SIZE + (size_t)f->len);
	w->stats.frames++;
	w->stats.bytes += IPC_HEADER_SIZE + (size_t)f->len;
	if (peer->holder->kind == CONN_WORKER && peer->holder->owner != NULL)
		((struct worker *)peer->holder->owner)->msgs_in++;
	/* Backpressure: the sender waits until the receiver drains. */
	if (conn_queued(peer->holder) > w->cfg.conn_high)
		conn_pause(sender, peer->holder);
	return 0;
}
