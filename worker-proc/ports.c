/*
 * ports.c: the ports a worker holds besides its own implicit one:
 * MessageChannel and MessagePort (a small ES5 prelude over native
 * calls), ports arriving in messages and in a shared worker's connect
 * events, and ports leaving in a transfer list. A port given away keeps
 * a moving entry until PORT_MOVED: what it had queued, and every frame
 * that still arrives for it, is bounced to wwd as REPOST, and PORT_MOVED
 * is answered with PORT_DRAINED (docs/architecture.md, "Moving a port").
 * Frames for a port closed here (or never held) are dropped. A port
 * that structuredClone transfers stays here under a new JS object.
 * The entries are owned by the worker; each port's JS object is kept in
 * the registry while the port is held here. Runs in wwd-worker only.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "msg.h"
#include "worker.h"

#define PORTS_INTERNAL	"wwd.ports"	/* registry: prelude entry points */

/*
 * One port held here. queue holds whole POST frames not yet dispatched
 * (the port is not started, or waits for its turn); object says the JS
 * object exists (registry key "wwd.port.<id>").
 */
struct ports_entry {
	uint64_t		 id;
	uint64_t		 peer;		/* entangled, if minted here */
	int			 started;
	int			 object;
	int			 moving;	/* given away, until PORT_MOVED */
	int			 fixed;		/* a connect port: stays here */
	struct ipc_buf		 queue;
	struct ports_entry	*next;
};

static const char prelude[] =
"(function (global, native, ev) {\n"
"function hide(o, n, v) { Object.defineProperty(o, n, { value: v,\n"
"  writable: true, enumerable: false, configurable: true }); }\n"
"function MessagePort() { throw new TypeError('Illegal constructor'); }\n"
"MessagePort.prototype = Object.create(EventTarget.prototype);\n"
"hide(MessagePort.prototype, 'constructor', MessagePort);\n"
"hide(MessagePort.prototype, 'postMessage', function (m, t) {\n"
"  if (arguments.length < 1) throw new TypeError(\"Failed to execute \" +\n"
"    \"'postMessage' on 'MessagePort': 1 argument required, but only \" +\n"
"    '0 present.');\n"
"  native.post(this, m, t); });\n"
"hide(MessagePort.prototype, 'start', function () { native.start(this); });\n"
"hide(MessagePort.prototype, 'close', function () { native.close(this); });\n"
"var getHandler = ev.getHandler, setHandler = ev.setHandler;\n"
"function handler(type, start) {\n"
"  Object.defineProperty(MessagePort.prototype, 'on' + type, {\n"
"    configurable: true, enumerable: true,\n"
"    get: function () { return getHandler(this, type); },\n"
"    set: function (v) { setHandler(this, type, v);\n"
"      if (start) native.start(this); } });\n"
"}\n"
"handler('message', true);\n"
"handler('messageerror', false);\n"
"function MessageChannel() {\n"
"  if (!(this instanceof MessageChannel))\n"
"    throw new TypeError(\"Constructor MessageChannel requires 'new'\");\n"
"  var p = native.channel();\n"
"  Object.defineProperty(this, 'port1', { value: p[0], enumerable: true });\n"
"  Object.defineProperty(this, 'port2', { value: p[1], enumerable: true });\n"
"}\n"
"hide(global, 'MessagePort', MessagePort);\n"
"hide(global, 'MessageChannel', MessageChannel);\n"
"return {\n"
"  proto: MessagePort.prototype,\n"
"  connect: function (p) {\n"
"    ev.fire(global, new MessageEvent('connect',\n"
"      { data: '', ports: [p], source: p })); }\n"
"};\n"
"})";

/* The entry of port id, held or moving away; NULL if none. */
static struct ports_entry *
lookup(struct worker *w, uint64_t id)
{
	struct ports_entry	*e;

	for (e = w->ports; e != NULL; e = e->next)
		if (e->id == id)
			return e;
	return NULL;
}

/* The entry of port id if it is held here. */
static struct ports_entry *
find(struct worker *w, uint64_t id)
{
	struct ports_entry	*e = lookup(w, id);

	return e != NULL && !e->moving ? e : NULL;
}

/* A new entry for port id (not started, no object yet). */
static struct ports_entry *
add(struct worker *w, uint64_t id)
{
	struct ports_entry	*e;

	if ((e = calloc(1, sizeof *e)) == NULL)
		log_fatalx("out of memory for a port");
	e->id = id;
	ipc_buf_init(&e->queue);
	e->next = w->ports;
	w->ports = e;
	w->nports++;
	return e;
}

static void
key_of(uint64_t id, char *buf, size_t len)
{
	snprintf(buf, len, "wwd.port.%llu", (unsigned long long)id);
}

/* Push the JS object kept for port id (a nested Worker's), or undefined. */
void
ports_push_object(struct worker *w, uint64_t id)
{
	char	key[40];

	key_of(id, key, sizeof key);
	js_getregistry(w->J, key);
}

/* Push the JS object of entry e, making the MessagePort if needed. */
static void
push_object(struct worker *w, struct ports_entry *e)
{
	js_State	*J = w->J;
	char		 key[40];

	key_of(e->id, key, sizeof key);
	if (e->object) {
		js_getregistry(J, key);
		return;
	}
	js_getregistry(J, PORTS_INTERNAL);
	js_getproperty(J, -1, "proto");
	js_rot2(J);
	js_pop(J, 1);
	js_newuserdata(J, PORTS_TAG, w, NULL);
	js_pushnumber(J, (double)e->id);
	js_defproperty(J, -2, "_id", JS_DONTENUM);
	js_copy(J, -1);
	js_setregistry(J, key);
	e->object = 1;
}

/* Detach e's JS object (_id 0): the object no longer names the port. */
static void
detach(struct worker *w, struct ports_entry *e)
{
	char	key[40];

	if (e->object && w->J != NULL) {
		key_of(e->id, key, sizeof key);
		js_getregistry(w->J, key);
		js_pushnumber(w->J, 0);
		js_setproperty(w->J, -2, "_id");
		js_pop(w->J, 1);
		js_delregistry(w->J, key);
	}
	e->object = 0;
}

static void	close_carried(struct worker *, struct ipc_buf *);

/* Unlink entry e, detach its object, free it with its queue. */
static void
forget(struct worker *w, struct ports_entry *e)
{
	struct ports_entry	**pp;

	for (pp = &w->ports; *pp != NULL; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			w->nports--;
			break;
		}
	if (e->moving)
		w->nmoving--;
	w->forgotten++;
	detach(w, e);
	ipc_buf_clear(&e->queue);
	free(e);
}

/*
 * Forget entry e. The messages it queued reach no one: the ports they
 * carry are closed.
 */
static void
drop(struct worker *w, struct ports_entry *e)
{
	struct ipc_buf	ids;

	ipc_buf_init(&ids);
	if (ipc_queue_ports(&ids, &e->queue) < 0)
		log_fatalx("out of memory");
	forget(w, e);
	close_carried(w, &ids);
}

/* Close the port of entry e here: CLOSE to wwd, the entry dropped. */
static void
close_entry(struct worker *w, struct ports_entry *e)
{
	if (ipc_empty_encode(channel_out(w), IPC_CLOSE, e->id) < 0)
		js_error(w->J, "out of memory");
	drop(w, e);
}

static void	give(struct worker *, uint64_t);

/*
 * Send raw frame (header and body) back to wwd as a REPOST on its port,
 * and give away the ports it carries: they were never adopted here.
 */
static void
bounce(struct worker *w, const uint8_t *raw)
{
	struct ipc_post	 p;
	struct ipc_frame f;
	const char	*why;
	size_t		 len = IPC_HEADER_SIZE + ipc_get32(raw), start;
	uint32_t	 i;

	start = ipc_buf_used(&w->out);
	if (ipc_buf_append(&w->out, raw, len) < 0)
		log_fatalx("out of memory bouncing a frame");
	ipc_frame_set_type(ipc_buf_head(&w->out) + start, IPC_REPOST);
	f.body = raw + IPC_HEADER_SIZE;
	f.len = (uint32_t)(len - IPC_HEADER_SIZE);
	if (ipc_post_decode(f.body, f.len, &p, &why) < 0)
		return;
	for (i = 0; i < p.ntransfer; i++)
		give(w, p.transfer[i]);
}

/*
 * Port id leaves this worker (transferred, or carried by a bounced
 * frame): bounce what it queued, in order, and keep it moving until
 * PORT_MOVED, bouncing what still arrives. A port never adopted here
 * gets a moving entry too.
 */
static void
give(struct worker *w, uint64_t id)
{
	struct ports_entry	*e = lookup(w, id);
	const uint8_t		*p;
	size_t			 off = 0;

	if (e == NULL)
		e = add(w, id);
	if (e->moving)
		return;
	e->moving = 1;
	w->nmoving++;
	detach(w, e);
	while (off < ipc_buf_used(&e->queue)) {
		p = ipc_buf_head(&e->queue) + off;
		off += IPC_HEADER_SIZE + ipc_get32(p);
		bounce(w, p);
	}
	ipc_buf_clear(&e->queue);
}

/*
 * Close the ports in the list ids (emptied here): ones carried by
 * messages that reach no one, which wwd moved here. Their records go
 * and their peers' posts are dropped; an entry made for one when its
 * message was read goes too, and the ports its own queue carries join
 * the list: a work list, not recursion, as the chain can be as long as
 * the ports a worker holds.
 */
static void
close_carried(struct worker *w, struct ipc_buf *ids)
{
	struct ports_entry	*e;
	uint64_t		 id;

	while (ipc_ports_next(ids, &id)) {
		if ((e = lookup(w, id)) != NULL && e->moving)
			continue;
		if (ipc_empty_encode(channel_out(w), IPC_CLOSE, id) < 0)
			log_fatalx("out of memory");
		if (e == NULL)
			continue;
		if (ipc_queue_ports(ids, &e->queue) < 0)
			log_fatalx("out of memory");
		forget(w, e);
	}
	ipc_buf_clear(ids);
}

/* A POST for a port not held here (closed here): close what it carries. */
static void
discard(struct worker *w, const struct ipc_frame *f)
{
	struct ipc_buf	ids;

	ipc_buf_init(&ids);
	if (ipc_post_ports(&ids, f->body, f->len) < 0)
		log_fatalx("out of memory");
	close_carried(w, &ids);
}

/* The port id of the MessagePort at idx; 0 if it is detached. */
static uint64_t
id_of(js_State *J, int idx)
{
	uint64_t	id;

	js_getproperty(J, idx, "_id");
	id = (uint64_t)js_tonumber(J, -1);
	js_pop(J, 1);
	return id;
}

/* Transfer-list check of the MessagePort at idx (clone_transfer). */
void
ports_check(struct worker *w, int idx, const char *who, int i)
{
	if (id_of(w->J, idx) == 0 || find(w, id_of(w->J, idx)) == NULL)
		events_throw(w, "DataCloneError", "Failed to execute '%s': "
		    "Port at index %d is already neutered.", who, i);
}

/*
 * Renew the checked MessagePort at idx (structuredClone transferred it
 * within this worker): push a new object for the same port, which keeps
 * its peer and its queue, not started (HTML: a transferred port's queue
 * starts disabled); the old object is neutered (_id 0), so that posting
 * on it does nothing and transferring it again is a DataCloneError.
 */
void
ports_renew(struct worker *w, int idx)
{
	struct ports_entry	*e = find(w, id_of(w->J, idx));

	if (e == NULL)
		log_fatalx("ports_renew: port not held");
	detach(w, e);
	e->started = 0;
	push_object(w, e);
}

/*
 * Pack POST on port with the message at msg, built where channel_begin
 * says (getters run while it is encoded: frames they make go before it).
 */
static void
encode_post(struct worker *w, uint64_t port, const uint64_t *ids,
    uint32_t n, int msg, int tidx)
{
	js_State	*J = w->J;
	struct ipc_mark	 m;
	struct ipc_buf	*b;
	size_t		 start;
	int		 rc;

	if ((b = channel_begin(w, &start)) == NULL)
		js_rangeerror(J, "Failed to execute 'postMessage': messages "
		    "nest too deeply");
	if (js_try(J)) {
		channel_end(w, start, 0);
		js_throw(J);
	}
	if (ipc_post_begin(b, port, ids, n, &m) < 0)
		js_error(J, "out of memory");
	clone_encode_transfer(w, b, msg, tidx, "postMessage");
	js_endtry(J);
	rc = ipc_post_end(b, &m);
	if (channel_end(w, start, rc == 0) < 0)
		log_warnx("out of memory: frames made while encoding dropped");
	if (rc < 0)
		events_throw(w, "DataCloneError", "the message is larger than "
		    "the %u-byte limit of a frame", IPC_FRAME_MAX);
}

/*
 * A message whose transfer list holds the port it is sent to is doomed
 * (HTML): it is serialized all the same (getters run, errors throw,
 * the list is checked again), then nothing is sent. The ports it carried
 * are lost with it, the target among them: each is closed here (the
 * channel is gone, as Node warns), and its buffers are detached.
 */
static void
doom(struct worker *w, int msg, int tidx, const uint64_t *ids, uint32_t n)
{
	js_State		*J = w->J;
	struct ports_entry	*e;
	struct ipc_buf		 b;
	uint32_t		 i;

	ipc_buf_init(&b);
	if (js_try(J)) {
		ipc_buf_clear(&b);
		js_throw(J);
	}
	clone_encode_transfer(w, &b, msg, tidx, "postMessage");
	js_endtry(J);
	ipc_buf_clear(&b);
	clone_detach(w, tidx);
	for (i = 0; i < n; i++)
		if ((e = find(w, ids[i])) != NULL)
			close_entry(w, e);
}

/*
 * postMessage on port (the implicit one, a MessagePort or a nested
 * Worker's; 0: a closed MessagePort, HTML's null target port, which
 * dooms the message): the message at stack slot msg, the checked
 * transfer list at tidx (0: none). The ports in it leave this worker.
 * May throw.
 */
void
ports_post(struct worker *w, uint64_t port, int msg, int tidx)
{
	js_State		*J = w->J;
	struct ports_entry	*src = find(w, port);
	uint64_t		 ids[IPC_TRANSFER_MAX] = { 0 };
	uint32_t		 n = 0, i, len;
	int			 doomed = port == 0;

	if (tidx > 0) {
		clone_transfer(w, tidx, "postMessage");
		len = (uint32_t)js_getlength(J, tidx);
		for (i = 0; i < len; i++) {
			js_getindex(J, tidx, (int)i);
			if (js_isuserdata(J, -1, PORTS_TAG)) {
				if (n == IPC_TRANSFER_MAX)
					events_throw(w, "DataCloneError",
					    "too many ports in one message");
				ids[n] = id_of(J, -1);
				if (ids[n] == port)
					events_throw(w, "DataCloneError",
					    "Failed to execute 'postMessage': "
					    "a port cannot be transferred "
					    "through itself.");
				doomed |= src != NULL && ids[n] == src->peer;
				/* wwd keeps a connection's two ends in place. */
				if (find(w, ids[n])->fixed)
					events_throw(w, "DataCloneError",
					    "Failed to execute 'postMessage': "
					    "a shared worker's connect port "
					    "cannot be transferred in wwd.");
				n++;
			}
			js_pop(J, 1);
		}
	}
	if (doomed) {
		doom(w, msg, tidx, ids, n);
		return;
	}
	encode_post(w, port, ids, n, msg, tidx);
	if (tidx > 0)
		clone_detach(w, tidx);
	for (i = 0; i < n; i++)
		give(w, ids[i]);
}

/*
 * One message task for the object at top of stack (popped) from the
 * POST body: adopt its ports, decode, fire message or messageerror.
 */
static void
deliver(struct worker *w, const uint8_t *body, uint32_t len)
{
	js_State		*J = w->J;
	struct ipc_post		 p;
	struct ports_entry	*e;
	const char		*why;
	uint32_t		 i;
	int			 top = js_gettop(J) - 1, bad;

	if (ipc_post_decode(body, len, &p, &why) < 0) {
		js_pop(J, 1);
		return;
	}
	if (js_try(J)) {
		log_warnx("message task: %s", js_trystring(J, -1, "error"));
		js_pop(J, js_gettop(J) - top);
		return;
	}
	js_newarray(J);
	for (i = 0; i < p.ntransfer; i++) {
		if ((e = lookup(w, p.transfer[i])) == NULL)
			e = add(w, p.transfer[i]);
		push_object(w, e);
		js_setindex(J, -2, (int)i);
	}
	bad = clone_decode_ports(w, (const uint8_t *)p.data.ptr, p.data.len,
	    js_gettop(J) - 1, &why) < 0;
	if (bad)
		js_pushnull(J);
	events_message(w, bad, 0);
	js_endtry(J);
	loop_task_done(w);
}

/* Run one queued message of each started port; stop when all are empty. */
static void
ports_idle_cb(uv_idle_t *h)
{
	struct worker		*w = h->data;
	struct ports_entry	*e, *next;
	const uint8_t		*raw;
	struct ipc_buf		 one;
	uint64_t		 next_id, forgotten;
	size_t			 len;
	int			 more = 0;

	w->ports_rescan = 0;
	for (e = w->ports; e != NULL && !w->done && !w->closing; e = next) {
		next = e->next;
		next_id = next != NULL ? next->id : 0;
		if (!e->started || ipc_buf_used(&e->queue) == 0)
			continue;
		raw = ipc_buf_head(&e->queue);
		len = IPC_HEADER_SIZE + ipc_get32(raw);
		/* The task may give e away: work on a copy. */
		ipc_buf_init(&one);
		if (ipc_buf_append(&one, raw, len) < 0)
			log_fatalx("out of memory");
		ipc_buf_consume(&e->queue, len);
		more |= ipc_buf_used(&e->queue) > 0;
		push_object(w, e);
		forgotten = w->forgotten;
		deliver(w, ipc_buf_head(&one) + IPC_HEADER_SIZE,
		    (uint32_t)(len - IPC_HEADER_SIZE));
		ipc_buf_clear(&one);
		/* The task closed ports: next may be gone (then next turn). */
		if (w->forgotten != forgotten && next != NULL &&
		    (next = lookup(w, next_id)) == NULL)
			more = 1;
	}
	/* A task may have started a port this turn's walk had passed. */
	if ((!more && !w->ports_rescan) || w->done) {
		uv_idle_stop(h);
		w->ports_idling = 0;
	}
}

static void
schedule(struct worker *w)
{
	w->ports_rescan = 1;
	if (w->ports_idling || w->done)
		return;
	w->ports_idling = 1;
	uv_idle_start(&w->ports_idle, ports_idle_cb);
}

/* port.start(): its queue becomes tasks. */
static void
fn_start(js_State *J)
{
	struct worker		*w = scope_worker(J);
	struct ports_entry	*e = find(w, id_of(J, 1));

	if (e != NULL && !e->started) {
		e->started = 1;
		if (ipc_buf_used(&e->queue) > 0)
			schedule(w);
	}
	js_pushundefined(J);
}

/* port.close(): disentangle; wwd drops what the peer sends from now. */
static void
fn_close(js_State *J)
{
	struct worker		*w = scope_worker(J);
	struct ports_entry	*e = find(w, id_of(J, 1));

	if (e != NULL)
		close_entry(w, e);
	js_pushundefined(J);
}

/* port.postMessage(message[, transfer]); a closed port drops it. */
static void
fn_post(js_State *J)
{
	struct worker	*w = scope_worker(J);
	uint64_t	 id = id_of(J, 1);
	int		 tidx = clone_transfer_arg(J, 3, 1, "postMessage");

	ports_post(w, id != 0 && find(w, id) != NULL ? id : 0, 2, tidx);
	js_pushundefined(J);
}

/* A new port id from this worker's range. May throw. */
uint64_t
ports_mint(struct worker *w)
{
	if (w->port_next == 0 || w->port_next >= w->port_end)
		js_error(w->J, "out of port ids");
	return w->port_next++;
}

/* new MessageChannel(): mint a pair, announce it (CHANNEL), push both. */
static void
fn_channel(js_State *J)
{
	struct worker		*w = scope_worker(J);
	struct ipc_channel	 c;
	struct ports_entry	*a, *b;

	/*
	 * wwd refuses a CHANNEL past IPC_PORTS_MAX held; ports in flight
	 * to this worker count there first, hence the margin.
	 */
	if (w->nports + 2 > IPC_PORTS_MAX - IPC_TRANSFER_MAX)
		events_throw(w, "QuotaExceededError", "Failed to construct "
		    "'MessageChannel': this worker holds %u MessagePorts, "
		    "wwd's limit; close() the ones it is done with.",
		    w->nports);
	c.a = ports_mint(w);
	c.b = ports_mint(w);
	if (ipc_channel_encode(channel_out(w), &c) < 0)
		js_error(J, "out of memory");
	a = add(w, c.a);
	b = add(w, c.b);
	a->peer = c.b;
	b->peer = c.a;
	js_newarray(J);
	push_object(w, a);
	js_setindex(J, -2, 0);
	push_object(w, b);
	js_setindex(J, -2, 1);
}

/*
 * Hold port id for a nested Worker object (slot idx): started, its
 * messages fire on that object.
 */
void
ports_adopt(struct worker *w, uint64_t id, int idx)
{
	struct ports_entry	*e = add(w, id);
	char			 key[40];

	e->started = 1;
	e->object = 1;
	key_of(id, key, sizeof key);
	js_copy(w->J, idx);
	js_setregistry(w->J, key);
}

/* CONNECT on the new inside port id: a connect event at the scope. */
static void
on_connect(struct worker *w, uint64_t id)
{
	js_State		*J = w->J;
	struct ports_entry	*e;
	int			 top = js_gettop(J);

	if (js_try(J)) {
		log_warnx("connect task: %s", js_trystring(J, -1, "error"));
		js_pop(J, js_gettop(J) - top);
		return;
	}
	events_entry(J, PORTS_INTERNAL, "connect");
	e = add(w, id);
	e->fixed = 1;
	push_object(w, e);
	js_endtry(J);
	loop_call(w, 1, w->url);
	loop_task_done(w);
}

/*
 * The frames about ports from wwd: POST on a held port (or on the
 * implicit one with ports in it), CONNECT, PORT_MOVED, CLOSE. 1 if handled,
 * 0 if f is not one of them, -EPROTO if it is malformed.
 */
int
ports_frame(struct worker *w, const struct ipc_frame *f)
{
	struct ports_entry	*e;
	struct ipc_post		 p;
	const char		*why;
	uint32_t		 i;

	switch (f->type) {
	case IPC_CONNECT:
		on_connect(w, f->port);
		return 1;
	case IPC_PORT_MOVED:
		/* Everything for it before the marker has been bounced. */
		if (ipc_empty_encode(&w->out, IPC_PORT_DRAINED, f->port) < 0)
			log_fatalx("out of memory");
		if ((e = lookup(w, f->port)) != NULL && e->moving)
			drop(w, e);
		return 1;
	case IPC_CLOSE:
		/* A shared worker's client left: let go, answer CLOSE. */
		if ((e = find(w, f->port)) != NULL) {
			drop(w, e);
			if (ipc_empty_encode(&w->out, IPC_CLOSE, f->port) < 0)
				log_fatalx("out of memory");
		}
		return 1;
	case IPC_POST:
		break;
	default:
		return 0;
	}
	if (ipc_post_decode(f->body, f->len, &p, &why) < 0) {
		log_warnx("bad POST from wwd: %s", why);
		return -EPROTO;
	}
	if (f->port == w->port && !w->shared) {
		if (p.ntransfer == 0)
			return 0;	/* the plain path of main.c */
		js_pushglobal(w->J);
		deliver(w, f->body, f->len);
		return 1;
	}
	if ((e = lookup(w, f->port)) == NULL)
		discard(w, f);		/* closed here */
	else if (e->moving)
		bounce(w, f->raw);	/* it was given away */
	if (e == NULL || e->moving)
		return 1;
	/* Its ports are held here from now on, dispatched or not. */
	for (i = 0; i < p.ntransfer; i++)
		if (lookup(w, p.transfer[i]) == NULL)
			add(w, p.transfer[i]);
	if (e->started && ipc_buf_used(&e->queue) == 0) {
		push_object(w, e);
		deliver(w, f->body, f->len);
		return 1;
	}
	if (ipc_buf_append(&e->queue, f->raw, IPC_HEADER_SIZE +
	    (size_t)f->len) < 0)
		log_fatalx("out of memory queueing a message");
	if (e->started)
		schedule(w);
	return 1;
}

/* Define MessagePort and MessageChannel. 0 or -1. */
int
ports_install(struct worker *w)
{
	static const struct events_native fns[] = {
		{ "post", fn_post, 3 },
		{ "start", fn_start, 1 },
		{ "close", fn_close, 1 },
		{ "channel", fn_channel, 0 },
	};

	return events_prelude(w, "wwd:ports.js", prelude, fns,
	    sizeof fns / sizeof fns[0], PORTS_INTERNAL);
}

/* The loop side of ports, once the worker has its loop (after fork). */
void
ports_start(struct worker *w)
{
	uv_idle_init(&w->loop, &w->ports_idle);
	w->ports_idle.data = w;
}

/* Free every entry (the JS state goes separately). */
void
ports_clear(struct worker *w)
{
	struct ports_entry	*e;

	while ((e = w->ports) != NULL) {
		w->ports = e->next;
		ipc_buf_clear(&e->queue);
		free(e);
	}
}

/* Let go of port id (a nested worker's, after its EXIT). */
void
ports_forget(struct worker *w, uint64_t id)
{
	struct ports_entry	*e = find(w, id);

	if (e != NULL)
		drop(w, e);
}

/*
 * The end of a closing worker, which runs no more script: the ports it
 * gave away are still handed over whole. What is read for them is
 * bounced until each one's PORT_MOVED; every other frame is dropped.
 * It blocks, as nothing else is left to do, until no port is moving or
 * wwd is gone.
 */
void
ports_finish(struct worker *w)
{
	struct pollfd		 pfd = { .fd = w->fd, .events = POLLIN };
	struct ports_entry	*e;
	struct ipc_frame	 f;
	const char		*why;
	ssize_t			 n;
	int			 rc = 0;

	while (w->nmoving > 0) {
		while (w->nmoving > 0 && (rc = ipc_frame_next(&w->in,
		    IPC_FRAME_MAX, &f, &why)) == 1)
			if (f.type == IPC_PORT_MOVED || (f.type == IPC_POST &&
			    (e = lookup(w, f.port)) != NULL && e->moving))
				(void)ports_frame(w, &f);
		if (w->nmoving == 0 || rc < 0)
			break;
		channel_flush_sync(w);
		if ((n = ipc_frame_read(w->fd, &w->in)) == -EAGAIN)
			(void)poll(&pfd, 1, -1);
		else if (n <= 0)
			break;		/* wwd is gone */
	}
	ipc_buf_consume(&w->in, ipc_buf_used(&w->in));
}
