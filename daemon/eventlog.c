/*
 * eventlog.c: wwd's lifecycle events and worker console output (started,
 * exited with its reason, killed, limit kills, client connect and
 * disconnect). Each is logged once (ipc/log.c: stderr, or journald with
 * WORKER_ID, PRINCIPAL and PID fields), kept in a ring of the last
 * EVENTLOG_MAX and sent to the clients following "wwctl logs -f". What a
 * client sees is scoped to its principal like ps. The ring and the
 * followers belong to struct wwd; the followers' connections to conn.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <msgpack.h>

#include "log.h"
#include "wwd.h"

/* One kept event; text owned. */
struct event {
	uint64_t	 seq;
	uint64_t	 time_ms;	/* wall clock, ms since the epoch */
	struct log_about about;
	const char	*kind;		/* static */
	enum log_level	 level;
	char		*text;
};

/* A client running "wwctl logs -f": owned by the wwd's followers list. */
struct follower {
	struct conn	*conn;
	uint64_t	 worker;	/* only this worker's, or 0: all */
	uint64_t	 dropped;	/* not sent: it did not read */
	LIST_ENTRY(follower) entry;
};

static int
eventlog_write(void *data, const char *p, size_t n)
{
	return ipc_buf_append(data, p, n) < 0 ? -1 : 0;
}

static void
eventlog_key(msgpack_packer *pk, const char *k)
{
	msgpack_pack_str_with_body(pk, k, strlen(k));
}

/* Whether client c may see e, and whether it asked for e's worker. */
static int
eventlog_visible(const struct conn *c, uint64_t worker,
    const struct event *e)
{
	if (worker != 0 && e->about.worker != worker)
		return 0;
	if (server_is_admin(c))
		return 1;
	return e->about.principal >= 0 &&
	    (uint64_t)e->about.principal == server_uid(c);
}

static void
eventlog_pack(msgpack_packer *pk, const struct event *e)
{
	msgpack_pack_map(pk, 8);
	eventlog_key(pk, "seq");
	msgpack_pack_uint64(pk, e->seq);
	eventlog_key(pk, "time_ms");
	msgpack_pack_uint64(pk, e->time_ms);
	eventlog_key(pk, "level");
	eventlog_key(pk, log_level_name(e->level));
	eventlog_key(pk, "kind");
	eventlog_key(pk, e->kind);
	eventlog_key(pk, "worker");
	msgpack_pack_uint64(pk, e->about.worker);
	eventlog_key(pk, "uid");
	msgpack_pack_int64(pk, e->about.principal);
	eventlog_key(pk, "pid");
	msgpack_pack_int64(pk, e->about.pid);
	eventlog_key(pk, "message");
	eventlog_key(pk, e->text);
}

/* Queue REPLY{"ok", message, data} for c; data is a packed array. */
static void
eventlog_reply(struct conn *c, const char *message, const struct ipc_buf *d)
{
	struct ipc_reply	 r;
	struct ipc_buf		*b;

	r.status = ipc_str("ok");
	r.message = ipc_str(message);
	r.data.ptr = (const char *)ipc_buf_head(d);
	r.data.len = (uint32_t)ipc_buf_used(d);
	if ((b = conn_out(c)) != NULL && ipc_reply_encode(b, &r) < 0)
		conn_abort(c);
}

/* The i-th oldest kept event. */
static struct event *
eventlog_at(struct wwd *w, size_t i)
{
	return &w->events[(w->event_head + i) % EVENTLOG_MAX];
}

/* Send the new event e to every follower who may see it. */
static void
eventlog_push(struct wwd *w, const struct event *e)
{
	struct follower	*f;
	msgpack_packer	 pk;
	struct ipc_buf	 data;
	char		 msg[64];

	LIST_FOREACH(f, &w->followers, entry) {
		if (f->conn->closing || !eventlog_visible(f->conn, f->worker,
		    e))
			continue;
		/* A follower that does not read loses events, not memory. */
		if (conn_queued(f->conn) > w->cfg.conn_high) {
			f->dropped++;
			continue;
		}
		msg[0] = '\0';
		if (f->dropped > 0)
			snprintf(msg, sizeof msg, "%llu events not sent: the "
			    "reader was slow", (unsigned long long)f->dropped);
		f->dropped = 0;
		ipc_buf_init(&data);
		msgpack_packer_init(&pk, &data, eventlog_write);
		msgpack_pack_array(&pk, 1);
		eventlog_pack(&pk, e);
		eventlog_reply(f->conn, msg, &data);
		ipc_buf_clear(&data);
	}
}

/*
 * Log one event of kind (a static string) about a (NULL: the daemon
 * itself), keep it in the ring and send it to the followers. The text
 * is what the log line says.
 */
void
eventlog_add(struct wwd *w, int level, const char *kind,
    const struct log_about *a, const char *fmt, ...)
{
	static const struct log_about	 none = { 0, -1, 0 };
	struct event			*e;
	struct timespec			 ts;
	char				 text[LOG_LINE_MAX];
	va_list				 ap;

	va_start(ap, fmt);
	log_vabout((enum log_level)level, a, text, sizeof text, fmt, ap);
	va_end(ap);
	if (w->events == NULL)
		return;		/* before eventlog_init, or out of memory */
	if (w->nevents == EVENTLOG_MAX) {
		e = eventlog_at(w, 0);
		free(e->text);
		w->event_head = (w->event_head + 1) % EVENTLOG_MAX;
		w->nevents--;
	}
	e = eventlog_at(w, w->nevents);
	if ((e->text = strdup(text)) == NULL)
		return;
	w->nevents++;
	clock_gettime(CLOCK_REALTIME, &ts);
	e->seq = ++w->event_seq;
	e->time_ms = (uint64_t)ts.tv_sec * 1000 +
	    (uint64_t)ts.tv_nsec / 1000000;
	e->about = a != NULL ? *a : none;
	e->kind = kind;
	e->level = (enum log_level)level;
	eventlog_push(w, e);
}

/*
 * CONTROL "logs" (follow 0) or "logs-follow" from c: one REPLY with the
 * kept events c may see (only worker id's if id is not 0); when
 * following, one more REPLY per new event until c disconnects.
 */
void
eventlog_request(struct conn *c, uint64_t id, int follow)
{
	struct wwd	*w = c->w;
	struct follower	*f;
	msgpack_packer	 pk;
	struct ipc_buf	 data;
	uint32_t	 n = 0;
	size_t		 i;

	if (follow) {
		LIST_FOREACH(f, &w->followers, entry)
			if (f->conn == c)
				break;
		if (f != NULL) {
			conn_error(c, "bad-request", "already following");
			return;
		}
		if ((f = calloc(1, sizeof *f)) == NULL) {
			conn_error(c, "no-memory", "out of memory");
			return;
		}
		f->conn = c;
		f->worker = id;
		LIST_INSERT_HEAD(&w->followers, f, entry);
	}
	ipc_buf_init(&data);
	msgpack_packer_init(&pk, &data, eventlog_write);
	for (i = 0; i < w->nevents; i++)
		n += eventlog_visible(c, id, eventlog_at(w, i));
	msgpack_pack_array(&pk, n);
	for (i = 0; i < w->nevents; i++)
		if (eventlog_visible(c, id, eventlog_at(w, i)))
			eventlog_pack(&pk, eventlog_at(w, i));
	eventlog_reply(c, "", &data);
	ipc_buf_clear(&data);
}

/* Client c is going away: it follows no more. */
void
eventlog_gone(struct wwd *w, struct conn *c)
{
	struct follower	*f, *next;

	for (f = LIST_FIRST(&w->followers); f != NULL; f = next) {
		next = LIST_NEXT(f, entry);
		if (f->conn != c)
			continue;
		LIST_REMOVE(f, entry);
		free(f);
	}
}

/* Make the ring (empty). 0 or -ENOMEM. */
int
eventlog_init(struct wwd *w)
{
	LIST_INIT(&w->followers);
	if ((w->events = calloc(EVENTLOG_MAX, sizeof *w->events)) == NULL)
		return -ENOMEM;
	return 0;
}

/* Free the ring; the followers left with their connections. */
void
eventlog_clear(struct wwd *w)
{
	size_t	i;

	for (i = 0; w->events != NULL && i < w->nevents; i++)
		free(eventlog_at(w, i)->text);
	free(w->events);
	w->events = NULL;
	w->nevents = 0;
}
