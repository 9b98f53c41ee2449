/*
 * load.c: the fault-injection workload (see load.h). Runs in the test or
 * soak process over libwwd, one poll() loop over every connection. Each
 * slot holds one worker; the load owns the slots and their connections.
 * Workers are created from the main loop, never inside a callback.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "load.h"
#include "wwd.h"

#define END_NONE	0
#define END_KILLED	1	/* we sent SIGKILL: EXIT "crashed", signal 9 */
#define END_TERMINATED	2	/* we called terminate: EXIT "killed" */

struct slot {
	struct load		*l;
	struct wwd_conn		*conn;
	struct wwd_worker	*w;	/* NULL between exit and respawn */
	int			 pid;	/* 0 until STARTED */
	int			 end;	/* END_* we caused */
	uint64_t		 sent, recv;
};

struct load {
	struct load_opts	 o;
	struct wwd_conn		**conns;
	struct slot		*slots;
	int			 nslots;
	int			 draining;
	int			 closing;
	uint64_t		 next_kill, next_term;	/* ns */
	struct load_stats	 s;
};

static const char	script[] =
    "onmessage = function (e) { postMessage(e.data); };";

static uint64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Record the first violation. */
static void __attribute__((format(printf, 2, 3)))
violation(struct load *l, const char *fmt, ...)
{
	va_list	ap;

	if (l->s.fail[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(l->s.fail, sizeof l->s.fail, fmt, ap);
	va_end(ap);
}

static void
send_one(struct slot *sl)
{
	char	text[32];
	int	n;

	n = snprintf(text, sizeof text, "%" PRIu64, sl->sent);
	if (wwd_worker_post_json(sl->w, text, (size_t)n) < 0) {
		violation(sl->l, "post: %s", wwd_errmsg(sl->conn));
		return;
	}
	sl->sent++;
	sl->l->s.sent++;
}

static void
on_started(struct wwd_worker *w, void *arg)
{
	struct slot	*sl = arg;

	sl->pid = wwd_worker_pid(w);
	sl->l->s.spawned++;
	while (sl->sent < (uint64_t)sl->l->o.window)
		send_one(sl);
}

static void
on_message(struct wwd_worker *w, const void *p, size_t n, void *arg)
{
	struct slot	*sl = arg;
	char		*json = NULL;
	uint64_t	 seq;

	(void)w;
	if (wwd_msgpack_to_json(p, n, &json, NULL, NULL) < 0) {
		violation(sl->l, "worker %d: reply is not JSON-able", sl->pid);
		return;
	}
	seq = strtoull(json, NULL, 10);
	if (seq != sl->recv)
		violation(sl->l, "worker %d: got message %s, expected %" PRIu64
		    " (lost, repeated or out of order)", sl->pid, json,
		    sl->recv);
	free(json);
	sl->recv++;
	sl->l->s.received++;
	if (!sl->l->draining && sl->end == END_NONE)
		send_one(sl);
}

static void
on_exit_event(struct wwd_worker *w, const struct wwd_exit *e, void *arg)
{
	struct slot	*sl = arg;
	struct load	*l = sl->l;

	if (l->closing)
		return;
	l->s.exits++;
	if (w != sl->w)
		violation(l, "a second exit event for one worker");
	else if (sl->end == END_KILLED && (strcmp(e->reason, "crashed") != 0 ||
	    e->signal != SIGKILL))
		violation(l, "worker %d: SIGKILLed, but exit says %s, signal "
		    "%d", sl->pid, e->reason, e->signal);
	else if (sl->end == END_TERMINATED && strcmp(e->reason, "killed"))
		violation(l, "worker %d: terminated, but exit says %s",
		    sl->pid, e->reason);
	else if (sl->end == END_NONE)
		violation(l, "worker %d exited on its own: %s (%s)", sl->pid,
		    e->reason, e->message);
	sl->w = NULL;
}

static void
on_error(struct wwd_conn *c, int err, const char *msg, void *arg)
{
	(void)c;
	violation(arg, "connection error %d: %s", err, msg);
}

static void
spawn(struct slot *sl)
{
	struct wwd_worker_callbacks	cb = { 0 };

	cb.started = on_started;
	cb.message = on_message;
	cb.exit = on_exit_event;
	sl->pid = 0;
	sl->end = END_NONE;
	sl->sent = sl->recv = 0;
	if (wwd_worker_create_source(sl->conn, script, sizeof script - 1,
	    NULL, &cb, sl, &sl->w) < 0) {
		violation(sl->l, "create: %s", wwd_errmsg(sl->conn));
		sl->w = NULL;
	}
}

/* A random running worker we have not ended yet, or NULL. */
static struct slot *
pick(struct load *l)
{
	int	i, k;

	for (k = 0; k < l->nslots; k++) {
		i = rand_r(&l->o.seed) % l->nslots;
		if (l->slots[i].w != NULL && l->slots[i].pid > 0 &&
		    l->slots[i].end == END_NONE)
			return &l->slots[i];
	}
	return NULL;
}

/* Connect o->clients times; 0 or -errno (the message on stderr). */
int
load_create(struct load **lp, const struct load_opts *o)
{
	struct load	*l;
	int		 i, rc;

	if ((l = calloc(1, sizeof *l)) == NULL)
		return -ENOMEM;
	l->o = *o;
	l->nslots = o->clients * o->workers;
	l->conns = calloc((size_t)o->clients, sizeof *l->conns);
	l->slots = calloc((size_t)l->nslots, sizeof *l->slots);
	if (l->conns == NULL || l->slots == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < o->clients; i++) {
		if ((rc = wwd_connect(&l->conns[i], o->sock)) < 0) {
			fprintf(stderr, "load: connect: %s\n", l->conns[i] ?
			    wwd_errmsg(l->conns[i]) : "out of memory");
			goto fail;
		}
		wwd_on_error(l->conns[i], on_error, l);
	}
	for (i = 0; i < l->nslots; i++) {
		l->slots[i].l = l;
		l->slots[i].conn = l->conns[i / o->workers];
	}
	*lp = l;
	return 0;
fail:
	load_free(l);
	return rc;
}

/* One poll() turn over every connection, at most ms. */
static void
turn(struct load *l, int ms)
{
	struct pollfd	pfd[64];
	int		i, n = l->o.clients < 64 ? l->o.clients : 64;

	for (i = 0; i < n; i++) {
		pfd[i].fd = wwd_fd(l->conns[i]);
		pfd[i].events = (short)wwd_events(l->conns[i]);
		pfd[i].revents = 0;
	}
	if (poll(pfd, (nfds_t)n, ms) < 0 && errno != EINTR) {
		violation(l, "poll: %s", strerror(errno));
		return;
	}
	for (i = 0; i < n; i++)
		if (pfd[i].revents != 0 && wwd_process(l->conns[i]) < 0)
			violation(l, "connection %d: %s", i,
			    wwd_errmsg(l->conns[i]));
}

/*
 * Run the workload for ms milliseconds (replacing ended workers, killing
 * and terminating on schedule). Adds to *st. 0, or -1 with st->fail set.
 */
int
load_run(struct load *l, unsigned ms, struct load_stats *st)
{
	uint64_t	t, end = now_ns() + (uint64_t)ms * 1000000u;
	int		i;

	l->draining = 0;
	while ((t = now_ns()) < end && l->s.fail[0] == '\0') {
		for (i = 0; i < l->nslots; i++)
			if (l->slots[i].w == NULL)
				spawn(&l->slots[i]);
		if (l->o.kill_ms > 0 && t >= l->next_kill) {
			struct slot	*sl = pick(l);

			if (sl != NULL && kill(sl->pid, SIGKILL) == 0) {
				sl->end = END_KILLED;
				l->s.killed++;
			}
			l->next_kill = t + (uint64_t)l->o.kill_ms * 1000000u;
		}
		if (l->o.terminate_ms > 0 && t >= l->next_term) {
			struct slot	*sl = pick(l);

			if (sl != NULL && wwd_worker_terminate(sl->w) == 0) {
				sl->end = END_TERMINATED;
				l->s.terminated++;
			}
			l->next_term = t + (uint64_t)l->o.terminate_ms *
			    1000000u;
		}
		turn(l, 1);
	}
	*st = l->s;
	return l->s.fail[0] == '\0' ? 0 : -1;
}

/* Nothing left to wait for: ended workers reported, replies all in. */
static int
settled(struct load *l)
{
	int	i;

	for (i = 0; i < l->nslots; i++) {
		struct slot	*sl = &l->slots[i];

		if (sl->w != NULL && (sl->end != END_NONE || sl->pid == 0 ||
		    sl->recv != sl->sent))
			return 0;
	}
	return 1;
}

/*
 * Stop sending and ending workers, and wait at most ms for every ended
 * worker's exit event and every reply of the live ones. 0, or -1 with
 * st->fail saying what was missing.
 */
int
load_drain(struct load *l, unsigned ms, struct load_stats *st)
{
	uint64_t	end = now_ns() + (uint64_t)ms * 1000000u;
	int		i;

	l->draining = 1;
	while (!settled(l) && now_ns() < end && l->s.fail[0] == '\0')
		turn(l, 10);
	for (i = 0; i < l->nslots && l->s.fail[0] == '\0'; i++) {
		struct slot	*sl = &l->slots[i];

		if (sl->w != NULL && sl->end != END_NONE)
			violation(l, "worker %d: no exit event after its end",
			    sl->pid);
		else if (sl->w != NULL && sl->recv != sl->sent)
			violation(l, "worker %d: %" PRIu64 " of %" PRIu64
			    " replies", sl->pid, sl->recv, sl->sent);
		else if (sl->w != NULL && sl->pid == 0)
			violation(l, "a worker never started");
	}
	*st = l->s;
	return l->s.fail[0] == '\0' ? 0 : -1;
}

/* Close every connection (its workers end with it) and free l. */
void
load_free(struct load *l)
{
	int	i;

	if (l == NULL)
		return;
	l->closing = 1;
	for (i = 0; l->conns != NULL && i < l->o.clients; i++)
		wwd_free(l->conns[i]);
	free(l->conns);
	free(l->slots);
	free(l);
}
