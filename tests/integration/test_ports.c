/*
 * test_ports.c: MessagePorts moving between processes, through the real
 * wwd, wwd-worker and libwwd clients in this process: a port sent
 * client -> worker -> client with messages posted while it travels, a
 * channel between two dedicated workers and one into a nested worker,
 * and a port passed through a shared worker from one client to another
 * while both ends post numbered messages in a tight loop; the limit of
 * ports one connection may hold, from a worker, libwwd and a raw client;
 * and libwwd's contract around control calls and refused options.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <msgpack.h>

#include "harness.h"
#include "wwd.h"

#define NMSG	200	/* numbered messages per burst */
#define NROUND	5	/* trips of the port in the first test */
#define NLOG	((NROUND + 1) * NMSG + 8)
#define BIG	(64 * 1024)	/* a large message's characters */

TestSuite(ports, .init = harness_setup, .fini = harness_teardown,
    .timeout = 60);

/* What one handle received: JSON texts in order, and a port if any. */
struct inbox {
	char			*msg[NLOG];
	int			 n;
	struct wwd_worker	*port;		/* last received port */
	int			 started;
	int			 exits;
};

static void
on_message(struct wwd_worker *w, const void *p, size_t len, void *arg)
{
	struct inbox	*in = arg;
	const char	*why;
	char		*json;
	size_t		 jl;

	cr_assert(wwd_msgpack_to_json(p, len, &json, &jl, &why) == 0, "%s",
	    why);
	cr_assert(in->n < NLOG, "too many messages");
	in->msg[in->n++] = json;
	if (wwd_port_count(w) > 0)
		in->port = wwd_port_get(w, 0);
	cr_assert(wwd_port_get(w, wwd_port_count(w)) == NULL);
}

static void
on_started(struct wwd_worker *w, void *arg)
{
	(void)w;
	((struct inbox *)arg)->started++;
}

static void
on_exit_cb(struct wwd_worker *w, const struct wwd_exit *e, void *arg)
{
	(void)w;
	(void)e;
	((struct inbox *)arg)->exits++;
}

static const struct wwd_worker_callbacks cbs = {
	.started = on_started, .message = on_message, .exit = on_exit_cb,
};

static void
inbox_clear(struct inbox *in)
{
	int	i;

	for (i = 0; i < in->n; i++)
		free(in->msg[i]);
	memset(in, 0, sizeof *in);
}

/* Drive connections c[0..n) until *count >= want; 1 if it got there. */
static int
pump(struct wwd_conn **c, int n, const int *count, int want)
{
	struct pollfd	pfd[2];
	int		i, t;

	for (t = 0; t < HARNESS_TIMEOUT_MS / 10 && *count < want; t++) {
		for (i = 0; i < n; i++) {
			pfd[i].fd = wwd_fd(c[i]);
			pfd[i].events = (short)wwd_events(c[i]);
			pfd[i].revents = 0;
		}
		if (poll(pfd, (nfds_t)n, 10) < 0)
			return 0;
		for (i = 0; i < n; i++)
			if (pfd[i].revents != 0)
				cr_assert(wwd_process(c[i]) == 0, "%s",
				    wwd_errmsg(c[i]));
	}
	return *count >= want;
}

/* Post the number i as JSON on w. */
static void
post_num(struct wwd_worker *w, int i)
{
	char	buf[32];

	snprintf(buf, sizeof buf, "%d", i);
	cr_assert(wwd_worker_post_json(w, buf, strlen(buf)) == 0, "%s",
	    wwd_errmsg(wwd_worker_conn(w)));
}

/* w still answers "ping" with "pong", message at of its inbox in. */
static void
expect_pong(struct wwd_conn *c, struct wwd_worker *w, struct inbox *in,
    int at)
{
	cr_assert(wwd_worker_post_json(w, "\"ping\"", 6) == 0);
	cr_assert(pump(&c, 1, &in->n, at + 1), "no pong as message %d", at);
	cr_assert_str_eq(in->msg[at], "\"pong\"");
	cr_assert(in->exits == 0, "the worker ended");
}

/* Let w go, send that to wwd, then free the connection. */
static void
release_and_free(struct wwd_conn *c, struct wwd_worker *w)
{
	wwd_worker_release(w);
	cr_assert(wwd_process(c) == 0, "%s", wwd_errmsg(c));
	wwd_free(c);
}

/* in holds from..from+n-1 as numbers at positions at..at+n-1. */
static void
expect_numbers(const struct inbox *in, int at, int from, int n)
{
	char	buf[32];
	int	i;

	cr_assert(in->n >= at + n, "%d messages, want %d", in->n, at + n);
	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof buf, "%d", from + i);
		cr_assert_str_eq(in->msg[at + i], buf, "message %d", at + i);
	}
}

Test(ports, client_to_worker_to_client_keeps_messages_in_flight)
{
	struct wwd_conn		*c;
	struct wwd_worker	*w, *p1, *p2;
	struct inbox		 win = { 0 }, pin = { 0 }, back = { 0 };
	int			 i, r;

	cr_assert(wwd_connect(&c, harness.sock) == 0, "%s", wwd_errmsg(c));
	cr_assert(wwd_worker_create_file(c, harness_js("port_back.js"), NULL,
	    &cbs, &win, &w) == 0, "%s", wwd_errmsg(c));
	cr_assert(wwd_port_channel(c, &p1, &p2) == 0, "%s", wwd_errmsg(c));
	/* Refused transfers: through itself, twice, a worker's handle. */
	cr_assert(wwd_port_post_json(p1, "1", 1, &p1, 1) == -EINVAL);
	cr_assert(wwd_port_post_json(p1, "1", 1, &p2, 1) == -EINVAL);
	cr_assert(wwd_port_post_json(w, "1", 1, (struct wwd_worker *[]){
	    p2, p2 }, 2) == -EINVAL);
	cr_assert(wwd_port_post_json(p1, "1", 1, &w, 1) == -EINVAL);
	cr_assert(wwd_port_post_json(w, "\"back\"", 6, &p2, 1) == 0, "%s",
	    wwd_errmsg(c));
	/* Posted while p2 travels to the worker and back. */
	for (i = 0; i < NMSG; i++)
		post_num(p1, i);
	/*
	 * Each time the port comes back it goes out again unstarted, with
	 * a burst posted on p1 around it: what queued here is bounced, and
	 * so is what reaches this client after it gave the port away.
	 */
	for (r = 1; r <= NROUND; r++) {
		cr_assert(pump(&c, 1, &win.n, r), "round %d: no port", r);
		cr_assert_str_eq(win.msg[r - 1], "\"back\"");
		cr_assert(win.port != NULL, "no port in the message");
		if (r == NROUND)
			break;
		for (i = 0; i < NMSG / 2; i++)
			post_num(p1, r * NMSG + i);
		cr_assert(wwd_port_post_json(w, "\"back\"", 6, &win.port,
		    1) == 0, "%s", wwd_errmsg(c));
		for (i = NMSG / 2; i < NMSG; i++)
			post_num(p1, r * NMSG + i);
	}
	wwd_port_start(win.port, &cbs, &pin);
	for (i = 0; i < NMSG; i++)
		post_num(p1, NROUND * NMSG + i);
	cr_assert(pump(&c, 1, &pin.n, (NROUND + 1) * NMSG),
	    "%d of %d messages", pin.n, (NROUND + 1) * NMSG);
	expect_numbers(&pin, 0, 0, (NROUND + 1) * NMSG);
	/* Still entangled: the other way round. */
	wwd_port_start(p1, &cbs, &back);
	post_num(win.port, 7);
	cr_assert(pump(&c, 1, &back.n, 1));
	cr_assert_str_eq(back.msg[0], "7");
	/* Closing one end: the other's posts go nowhere, nothing breaks. */
	wwd_worker_release(win.port);
	post_num(p1, 8);
	post_num(w, 9);		/* no port: port_back.js ignores it */
	wwd_worker_release(p1);
	release_and_free(c, w);
	inbox_clear(&win);
	inbox_clear(&pin);
	inbox_clear(&back);
	harness_wait_workers(&harness, 0, HARNESS_TIMEOUT_MS);
}

Test(ports, channel_between_two_workers_and_into_a_nested_one)
{
	struct wwd_conn		*c;
	struct wwd_worker	*a, *b, *n, *p1, *p2;
	struct inbox		 ain = { 0 }, bin = { 0 }, nin = { 0 };
	int			 i;

	cr_assert(wwd_connect(&c, harness.sock) == 0, "%s", wwd_errmsg(c));
	cr_assert(wwd_worker_create_file(c, harness_js("port_peer.js"), NULL,
	    &cbs, &ain, &a) == 0, "%s", wwd_errmsg(c));
	cr_assert(wwd_worker_create_file(c, harness_js("port_peer.js"), NULL,
	    &cbs, &bin, &b) == 0, "%s", wwd_errmsg(c));
	cr_assert(wwd_worker_create_file(c, harness_js("port_nested.js"),
	    NULL, &cbs, &nin, &n) == 0, "%s", wwd_errmsg(c));
	cr_assert(wwd_port_channel(c, &p1, &p2) == 0, "%s", wwd_errmsg(c));
	cr_assert(wwd_port_post_json(a, "0", 1, &p1, 1) == 0);
	cr_assert(wwd_port_post_json(b, "0", 1, &p2, 1) == 0);
	/* a sends over the port, b reports: worker to worker. */
	for (i = 0; i < NMSG; i++) {
		post_num(a, i);
		post_num(n, i);
	}
	cr_assert(pump(&c, 1, &bin.n, NMSG), "%d of %d", bin.n, NMSG);
	expect_numbers(&bin, 0, 0, NMSG);
	cr_assert(pump(&c, 1, &nin.n, NMSG), "nested: %d of %d", nin.n,
	    NMSG);
	for (i = 0; i < NMSG; i++) {
		char	buf[32];

		snprintf(buf, sizeof buf, "%d", 2 * i);
		cr_assert_str_eq(nin.msg[i], buf);
	}
	cr_assert(ain.n == 0, "a heard %d messages", ain.n);
	wwd_free(c);
	inbox_clear(&ain);
	inbox_clear(&bin);
	inbox_clear(&nin);
	harness_wait_workers(&harness, 0, HARNESS_TIMEOUT_MS);
}

Test(ports, port_through_a_shared_worker_between_two_clients)
{
	struct wwd_worker_options o = { .name = "relay" };
	struct wwd_conn		*c[2];
	struct wwd_worker	*sx, *sy, *x1, *x2;
	struct inbox		 xs = { 0 }, ys = { 0 }, xin = { 0 },
				 yin = { 0 };
	int			 i;

	cr_assert(wwd_connect(&c[0], harness.sock) == 0);
	cr_assert(wwd_connect(&c[1], harness.sock) == 0);
	/* y first, and known to the worker before x sends the port. */
	cr_assert(wwd_shared_connect_file(c[1], harness_js("shared_relay.js"),
	    &o, &cbs, &ys, &sy) == 0, "%s", wwd_errmsg(c[1]));
	post_num(sy, 0);
	cr_assert(pump(c, 2, &ys.n, 1));
	cr_assert_str_eq(ys.msg[0], "1");
	cr_assert(wwd_shared_connect_file(c[0], harness_js("shared_relay.js"),
	    &o, &cbs, &xs, &sx) == 0, "%s", wwd_errmsg(c[0]));
	cr_assert(wwd_port_channel(c[0], &x1, &x2) == 0);
	wwd_port_start(x1, &cbs, &xin);
	cr_assert(wwd_port_post_json(sx, "\"port\"", 6, &x2, 1) == 0);
	/* x posts while its other end travels x -> shared -> y. */
	for (i = 0; i < NMSG; i++)
		post_num(x1, i);
	cr_assert(pump(c, 2, &ys.n, 2), "y got no port");
	cr_assert(ys.port != NULL);
	wwd_port_start(ys.port, &cbs, &yin);
	/* y posts back at once, x keeps posting: both ends busy. */
	for (i = 0; i < NMSG; i++) {
		post_num(ys.port, i);
		post_num(x1, NMSG + i);
	}
	cr_assert(pump(c, 2, &yin.n, 2 * NMSG), "y: %d of %d", yin.n,
	    2 * NMSG);
	cr_assert(pump(c, 2, &xin.n, NMSG), "x: %d of %d", xin.n, NMSG);
	/* A last round trip: nothing arrives twice after the rest. */
	post_num(x1, -1);
	post_num(ys.port, -1);
	cr_assert(pump(c, 2, &yin.n, 2 * NMSG + 1));
	cr_assert(pump(c, 2, &xin.n, NMSG + 1));
	expect_numbers(&yin, 0, 0, 2 * NMSG);
	expect_numbers(&xin, 0, 0, NMSG);
	cr_assert_str_eq(yin.msg[2 * NMSG], "-1");
	cr_assert_str_eq(xin.msg[NMSG], "-1");
	cr_assert(yin.n == 2 * NMSG + 1 && xin.n == NMSG + 1);
	wwd_free(c[0]);
	wwd_free(c[1]);
	inbox_clear(&xs);
	inbox_clear(&ys);
	inbox_clear(&xin);
	inbox_clear(&yin);
}

Test(ports, worker_closing_a_port_under_a_burst_survives)
{
	struct wwd_conn		*c;
	struct wwd_worker	*w, *p1, *p2, *q1, *q2;
	struct inbox		 win = { 0 };
	int			 i, r;

	cr_assert(wwd_connect(&c, harness.sock) == 0, "%s", wwd_errmsg(c));
	cr_assert(wwd_worker_create_file(c, harness_js("port_closer.js"),
	    NULL, &cbs, &win, &w) == 0, "%s", wwd_errmsg(c));
	for (r = 0; r < 3; r++) {
		cr_assert(wwd_port_channel(c, &p1, &p2) == 0);
		cr_assert(wwd_port_post_json(w, "0", 1, &p2, 1) == 0);
		/* The worker closes p2 after the first: the rest race it. */
		for (i = 0; i < NMSG; i++)
			post_num(p1, i);
		cr_assert(pump(&c, 1, &win.n, 2 * r + 1), "round %d", r);
		cr_assert_str_eq(win.msg[2 * r], "\"closed\"");
		/* A port carried to the closed port is closed too. */
		cr_assert(wwd_port_channel(c, &q1, &q2) == 0);
		cr_assert(wwd_port_post_json(p1, "1", 1, &q2, 1) == 0);
		post_num(q1, 2);
		expect_pong(c, w, &win, 2 * r + 1);
		wwd_worker_release(q1);
		wwd_worker_release(p1);
	}
	release_and_free(c, w);
	inbox_clear(&win);
	harness_wait_workers(&harness, 0, HARNESS_TIMEOUT_MS);
}

/*
 * A worker gives a port back while a burst for it waits in its socket;
 * the client closes the port at once, so the burst the worker bounces
 * (REPOST) finds the port gone. It is dropped, as a POST to a closed
 * port is; the worker was killed for it before.
 */
Test(ports, bounce_to_a_port_closed_meanwhile_is_dropped)
{
	struct wwd_conn		*c;
	struct wwd_worker	*w, *p1, *p2;
	struct inbox		 win = { 0 };
	char			*big;
	int			 i;

	cr_assert(wwd_connect(&c, harness.sock) == 0, "%s", wwd_errmsg(c));
	cr_assert(wwd_worker_create_file(c, harness_js("port_giver.js"),
	    NULL, &cbs, &win, &w) == 0, "%s", wwd_errmsg(c));
	cr_assert(wwd_port_channel(c, &p1, &p2) == 0, "%s", wwd_errmsg(c));
	cr_assert(wwd_port_post_json(w, "\"take\"", 6, &p2, 1) == 0);
	cr_assert(pump(&c, 1, &win.n, 1), "no answer to take");
	cr_assert(wwd_worker_post_json(w, "\"give\"", 6) == 0);
	/* More than the worker reads at once: 40 strings of 64 KiB. */
	big = malloc(BIG + 3);
	cr_assert(big != NULL);
	memset(big, 'x', BIG + 2);
	big[0] = big[BIG + 1] = '"';
	for (i = 0; i < 40; i++)
		cr_assert(wwd_worker_post_json(p1, big, BIG + 2) == 0);
	free(big);
	cr_assert(pump(&c, 1, &win.n, 2), "the port did not come back");
	cr_assert_str_eq(win.msg[1], "\"here\"");
	cr_assert(win.port != NULL, "no port in the message");
	wwd_worker_release(win.port);
	expect_pong(c, w, &win, 2);
	wwd_worker_release(p1);
	release_and_free(c, w);
	inbox_clear(&win);
	harness_wait_workers(&harness, 0, HARNESS_TIMEOUT_MS);
}

/*
 * A script that never closes its MessageChannels is stopped by an
 * exception at wwd's limit of ports per connection, not by wwd.
 */
Test(ports, channels_past_the_limit_throw_in_the_worker)
{
	struct proc	 p;
	char		*want;

	want = harness_read_file(harness_js("ports_limit.out"));
	cr_assert(want != NULL);
	wwctl_run(&harness, "", &p, harness_js("ports_limit.js"), NULL);
	cr_assert(proc_exit_code(&p) == 0, "%s", proc_describe(&p));
	cr_assert_str_eq(p.obuf, want, "%s", proc_describe(&p));
	free(want);
	proc_clear(&p);
}

/* A client that makes CHANNELs past the limit gets ERROR "limit". */
Test(ports, client_channels_past_the_limit_are_refused)
{
	struct rawc		 c;
	struct ipc_frame	 f;
	struct ipc_error	 e;
	struct ipc_channel	 ch;
	struct ipc_buf		 b;
	const char		*why;
	uint64_t		 id;

	rawc_connect(&c, harness.sock);
	rawc_hello(&c);
	ipc_buf_init(&b);
	for (id = c.port_base; id < c.port_base + IPC_PORTS_MAX + 2; id += 2) {
		ch.a = id;
		ch.b = id + 1;
		cr_assert(ipc_channel_encode(&b, &ch) == 0);
	}
	rawc_send_buf(&c, &b);
	ipc_buf_clear(&b);
	cr_assert(rawc_read_frame(&c, &f, HARNESS_TIMEOUT_MS) == 1);
	cr_assert(f.type == IPC_ERROR, "got %s", ipc_type_name(f.type));
	cr_assert(ipc_error_decode(f.body, f.len, &e, &why) == 0, "%s", why);
	cr_assert(ipc_str_eq(e.code, "limit"), "%.*s: %.*s", (int)e.code.len,
	    e.code.ptr, (int)e.message.len, e.message.ptr);
	rawc_close(&c);
	harness_ping(&harness);
}

/* libwwd stops short of the limit: -ENOSPC, and the connection lives. */
Test(ports, libwwd_channels_stop_short_of_the_limit)
{
	struct wwd_conn		*c;
	struct wwd_worker	*a, *b, *w;
	struct inbox		 win = { 0 };
	int			 n = 0, rc;

	cr_assert(wwd_connect(&c, harness.sock) == 0, "%s", wwd_errmsg(c));
	while ((rc = wwd_port_channel(c, &a, &b)) == 0)
		n++;
	cr_assert(rc == -ENOSPC && n == (IPC_PORTS_MAX - IPC_TRANSFER_MAX) / 2,
	    "%d channels, then %d: %s", n, rc, wwd_errmsg(c));
	cr_assert(wwd_worker_create_file(c, harness_js("echo.js"), NULL,
	    &cbs, &win, &w) == 0, "%s", wwd_errmsg(c));
	post_num(w, 5);
	cr_assert(pump(&c, 1, &win.n, 1), "no echo");
	cr_assert_str_eq(win.msg[0], "5");
	wwd_free(c);
	inbox_clear(&win);
	harness_wait_workers(&harness, 0, HARNESS_TIMEOUT_MS);
}

/* Count the messages of a handle; arg points at the count. */
static void
on_count(struct wwd_worker *w, const void *p, size_t len, void *arg)
{
	(void)w;
	(void)p;
	(void)len;
	(*(int *)arg)++;
}

/* Count STARTED the same way. */
static void
on_started_count(struct wwd_worker *w, void *arg)
{
	(void)w;
	(*(int *)arg)++;
}

/*
 * Messages that came in the same read as a control REPLY were left in
 * libwwd's buffer, and no poll reported them: a program that polls
 * without a timeout waited for good. Here the worker's console line (a
 * REPLY to "logs-follow") and its two messages leave wwd in one write;
 * after the wait for that REPLY, the next poll must not sleep.
 */
Test(ports, libwwd_frames_after_a_control_reply_are_reported)
{
	static const char	 src[] = "onmessage = function () { "
				    "console.log('x'); postMessage(1); "
				    "postMessage(2); };";
	struct wwd_worker_callbacks cb = { .started = on_started_count,
				    .message = on_count };
	struct wwd_conn		*c;
	struct wwd_worker	*w;
	struct wwd_reply	 r;
	struct pollfd		 pfd;
	int			 got = 0;

	cr_assert(wwd_connect(&c, harness.sock) == 0, "%s", wwd_errmsg(c));
	cr_assert(wwd_worker_create_source(c, src, sizeof src - 1, NULL, &cb,
	    &got, &w) == 0, "%s", wwd_errmsg(c));
	cr_assert(pump(&c, 1, &got, 1), "not started");
	got = 0;
	cr_assert(wwd_control(c, "logs-follow", 0, &r, HARNESS_TIMEOUT_MS) ==
	    0, "%s", wwd_errmsg(c));
	wwd_reply_clear(&r);
	post_num(w, 0);
	cr_assert(wwd_control_next(c, &r, HARNESS_TIMEOUT_MS) == 0, "%s",
	    wwd_errmsg(c));
	wwd_reply_clear(&r);
	while (got < 2) {
		pfd.fd = wwd_fd(c);
		pfd.events = (short)wwd_events(c);
		cr_assert(poll(&pfd, 1, HARNESS_TIMEOUT_MS) == 1,
		    "poll slept with %d of 2 messages delivered", got);
		cr_assert(wwd_process(c) == 0, "%s", wwd_errmsg(c));
	}
	wwd_free(c);
	harness_wait_workers(&harness, 0, HARNESS_TIMEOUT_MS);
}

/* Whether r's data is a msgpack array (ps) rather than a map (stats). */
static int
reply_is_array(const struct wwd_reply *r)
{
	const uint8_t	*d = r->data;

	return r->len > 0 && ((d[0] & 0xf0) == 0x90 || d[0] == 0xdc ||
	    d[0] == 0xdd);
}

static int	busy_rc;

/* A message callback that asks for stats: it cannot wait there. */
static void
on_message_control(struct wwd_worker *w, const void *p, size_t len,
    void *arg)
{
	struct wwd_reply	r;

	(void)p;
	(void)len;
	busy_rc = wwd_control(wwd_worker_conn(w), "stats", 0, &r, 1000);
	(*(int *)arg)++;
}

/*
 * The answer to a control call that gave up (a timeout) or could not
 * wait (inside a callback) was taken as the answer to the next call:
 * ps returned stats' data. It is dropped now, and the callback's call
 * sends nothing.
 */
Test(ports, libwwd_late_reply_is_not_the_next_answer)
{
	struct wwd_worker_callbacks cb = { .message = on_message_control };
	struct wwd_conn		*c;
	struct wwd_worker	*w;
	struct wwd_reply	 r;
	int			 got = 0;

	cr_assert(wwd_connect(&c, harness.sock) == 0, "%s", wwd_errmsg(c));
	/* Sent with the wait, which ends before anything can come back. */
	cr_assert(wwd_control(c, "stats", 0, &r, 0) == -ETIMEDOUT);
	cr_assert(wwd_control(c, "ps", 0, &r, HARNESS_TIMEOUT_MS) == 0, "%s",
	    wwd_errmsg(c));
	cr_assert(reply_is_array(&r), "ps answered with stats' data");
	wwd_reply_clear(&r);
	cr_assert(wwd_worker_create_file(c, harness_js("echo.js"), NULL, &cb,
	    &got, &w) == 0, "%s", wwd_errmsg(c));
	post_num(w, 1);
	cr_assert(pump(&c, 1, &got, 1), "no echo");
	cr_assert(busy_rc == -EBUSY, "wwd_control in a callback: %d", busy_rc);
	cr_assert(wwd_control(c, "ps", 0, &r, HARNESS_TIMEOUT_MS) == 0, "%s",
	    wwd_errmsg(c));
	cr_assert(reply_is_array(&r), "ps answered with stats' data");
	wwd_reply_clear(&r);
	wwd_free(c);
	harness_wait_workers(&harness, 0, HARNESS_TIMEOUT_MS);
}

/*
 * Options wwd would answer by closing the connection (and every worker
 * on it) are refused by the call; terminating a shared worker, which
 * outlives its clients, is -EINVAL rather than a silent no-op.
 */
Test(ports, libwwd_refuses_what_wwd_would_not_take)
{
	struct wwd_worker_options o = { 0 };
	struct wwd_conn		*c;
	struct wwd_worker	*w, *bad;
	struct inbox		 win = { 0 };

	cr_assert(wwd_connect(&c, harness.sock) == 0, "%s", wwd_errmsg(c));
	cr_assert(wwd_worker_create_file(c, harness_js("echo.js"), NULL,
	    &cbs, &win, &w) == 0, "%s", wwd_errmsg(c));
	o.type = "Classic";
	cr_assert(wwd_worker_create_file(c, harness_js("echo.js"), &o, &cbs,
	    &win, &bad) == -EINVAL && bad == NULL);
	cr_assert(strstr(wwd_errmsg(c), "\"Classic\"") != NULL, "%s",
	    wwd_errmsg(c));
	o.type = NULL;
	o.name = "\xff";
	cr_assert(wwd_worker_create_file(c, harness_js("echo.js"), &o, &cbs,
	    &win, &bad) == -EINVAL && bad == NULL);
	o.name = "totals";
	cr_assert(wwd_shared_connect_file(c, harness_js("shared_closer.js"),
	    &o, &cbs, &win, &bad) == 0, "%s", wwd_errmsg(c));
	cr_assert(wwd_worker_terminate(bad) == -EINVAL);
	post_num(w, 7);
	cr_assert(pump(&c, 1, &win.n, 1), "no echo");
	cr_assert_str_eq(win.msg[0], "7");
	cr_assert(win.exits == 0, "a worker ended");
	post_num(bad, 0);	/* the shared worker closes itself */
	cr_assert(pump(&c, 1, &win.exits, 1), "the shared worker lives on");
	wwd_free(c);
	inbox_clear(&win);
	harness_wait_workers(&harness, 0, HARNESS_TIMEOUT_MS);
}

/* A JSON string of n characters, and its text echoed back. */
static char *
json_string(size_t n)
{
	char	*s = malloc(n + 3);

	cr_assert(s != NULL);
	s[0] = '"';
	memset(s + 1, 'x', n);
	s[n + 1] = '"';
	s[n + 2] = '\0';
	return s;
}

/*
 * wwd's HELLO gives the connection its frame_size: what is larger is
 * -EMSGSIZE from the call, not a closed connection. A connection keeps
 * the limit it was given across a reload; new ones get the new limit.
 */
Test(ports, libwwd_keeps_to_the_frame_size_wwd_gave,
    .init = harness_setup_nostart)
{
	struct wwd_conn		*c, *d;
	struct wwd_worker	*w, *v, *bad;
	struct inbox		 win = { 0 }, vin = { 0 };
	char			*big = json_string(70000);
	char			*mid = json_string(60000);
	char			*src = malloc(70000);
	struct proc		 p;

	harness_start_config(&harness, "[limits]\nframe_size = 64K\n");
	cr_assert(wwd_connect(&c, harness.sock) == 0, "%s", wwd_errmsg(c));
	cr_assert(wwd_worker_create_file(c, harness_js("echo.js"), NULL,
	    &cbs, &win, &w) == 0, "%s", wwd_errmsg(c));
	cr_assert(wwd_worker_post_json(w, big, strlen(big)) == -EMSGSIZE);
	cr_assert(strstr(wwd_errmsg(c), "at most 65536") != NULL, "%s",
	    wwd_errmsg(c));
	cr_assert(wwd_worker_post(w, big, 70000) == -EMSGSIZE);
	cr_assert(src != NULL);
	memset(src, ' ', 70000);
	cr_assert(wwd_worker_create_source(c, src, 70000, NULL, &cbs, &win,
	    &bad) == -EMSGSIZE && bad == NULL);
	/* Nothing was sent: the connection and its worker carry on. */
	cr_assert(wwd_worker_post_json(w, mid, strlen(mid)) == 0, "%s",
	    wwd_errmsg(c));
	cr_assert(pump(&c, 1, &win.n, 1), "no echo");
	cr_assert_str_eq(win.msg[0], mid);

	harness_write_config(&harness, "[limits]\nframe_size = 16K\n");
	wwctl_cmd(&harness, &p, "reload", NULL);
	cr_assert(proc_exit_code(&p) == 0, "%s", proc_describe(&p));
	proc_clear(&p);
	cr_assert(wwd_connect(&d, harness.sock) == 0, "%s", wwd_errmsg(d));
	cr_assert(wwd_worker_create_file(d, harness_js("echo.js"), NULL,
	    &cbs, &vin, &v) == 0, "%s", wwd_errmsg(d));
	cr_assert(wwd_worker_post_json(v, mid, strlen(mid)) == -EMSGSIZE);
	cr_assert(strstr(wwd_errmsg(d), "at most 16384") != NULL, "%s",
	    wwd_errmsg(d));
	post_num(v, 5);
	cr_assert(wwd_worker_post_json(w, mid, strlen(mid)) == 0, "%s",
	    wwd_errmsg(c));
	cr_assert(pump(&c, 1, &win.n, 2), "the old connection was cut");
	cr_assert_str_eq(win.msg[1], mid);
	cr_assert(pump(&d, 1, &vin.n, 1), "no echo on the new connection");
	cr_assert_str_eq(vin.msg[0], "5");
	cr_assert(win.exits == 0 && vin.exits == 0, "a worker ended");
	release_and_free(c, w);
	release_and_free(d, v);
	inbox_clear(&win);
	inbox_clear(&vin);
	free(big);
	free(mid);
	free(src);
	harness_wait_workers(&harness, 0, HARNESS_TIMEOUT_MS);
}

/* A worker that gives a port away and closes at once loses nothing. */
Test(ports, a_closing_worker_hands_its_ports_over_whole)
{
	wwctl_expect_output("port_handover");
}

/* Closing a port that carried the next one in line mid-loop. */
Test(ports, a_task_closing_ports_mid_loop)
{
	wwctl_expect_output("port_close_in_task");
}

/* Starting, in a queued message's task, a port the loop had passed. */
Test(ports, a_task_starting_a_passed_port)
{
	wwctl_expect_output("port_start_in_task");
}

/* Doomed messages: on a closed port, or carrying their port's peer. */
Test(ports, doomed_messages_drop_their_ports)
{
	wwctl_expect_output("port_doomed");
}

/* A message dropped with a port that still had one on its way. */
Test(ports, a_dropped_message_with_ports_in_flight)
{
	wwctl_expect_output("port_dropped_carrier");
}

/* The daemon's port records, asked on c: after every frame c sent. */
static double
conn_ports(struct wwd_conn *c)
{
	struct wwd_reply	 r;
	msgpack_unpacked	 u;
	msgpack_object_kv	*kv;
	double			 n = -1;
	uint32_t		 i;

	cr_assert(wwd_control(c, "stats", 0, &r, HARNESS_TIMEOUT_MS) == 0,
	    "%s", wwd_errmsg(c));
	msgpack_unpacked_init(&u);
	cr_assert(msgpack_unpack_next(&u, r.data, r.len, NULL) ==
	    MSGPACK_UNPACK_SUCCESS && u.data.type == MSGPACK_OBJECT_MAP);
	for (i = 0; i < u.data.via.map.size; i++) {
		kv = &u.data.via.map.ptr[i];
		if (kv->key.type == MSGPACK_OBJECT_STR &&
		    kv->key.via.str.size == 5 &&
		    memcmp(kv->key.via.str.ptr, "ports", 5) == 0)
			n = (double)kv->val.via.u64;
	}
	msgpack_unpacked_destroy(&u);
	wwd_reply_clear(&r);
	cr_assert(n >= 0, "stats has no ports");
	return n;
}

/* A message callback that releases every port it is given. */
static void
on_message_release(struct wwd_worker *w, const void *p, size_t len,
    void *arg)
{
	on_message(w, p, len, arg);
	if (wwd_port_count(w) > 0)
		wwd_worker_release(wwd_port_get(w, 0));
}

/*
 * The ports carried by messages that reach no one go with them. The
 * client is sent a port which its partner floods with ports, and lets
 * go of it at once (the flood is still queued in wwd, or on its way to
 * the client), or only once all of it has arrived (it is queued in the
 * client's handle). Either way only the worker's own pair is left;
 * before, one record for each carried port stayed, until the connection
 * hit its port limit.
 */
static void
carried_flood(int at_once)
{
	const struct wwd_worker_callbacks rcbs = {
		.message = on_message_release, .exit = on_exit_cb,
	};
	struct wwd_conn		*c;
	struct wwd_worker	*w;
	struct inbox		 win = { 0 };

	cr_assert(wwd_connect(&c, harness.sock) == 0, "%s", wwd_errmsg(c));
	cr_assert(wwd_worker_create_file(c, harness_js("port_carry_flood.js"),
	    NULL, at_once ? &rcbs : &cbs, &win, &w) == 0, "%s",
	    wwd_errmsg(c));
	post_num(w, 3000);
	cr_assert(pump(&c, 1, &win.n, 2), "no \"done\"");
	/* "pong" comes after whatever the port had on its way here. */
	cr_assert(wwd_worker_post_json(w, "\"ping\"", 6) == 0);
	cr_assert(pump(&c, 1, &win.n, 3), "no pong");
	cr_assert_str_eq(win.msg[2], "\"pong\"");
	if (!at_once)
		wwd_worker_release(win.port);
	cr_assert(conn_ports(c) == 2, "%.0f port records", conn_ports(c));
	release_and_free(c, w);
	inbox_clear(&win);
	harness_wait_workers(&harness, 0, HARNESS_TIMEOUT_MS);
}

Test(ports, ports_carried_to_a_closed_port_are_freed)
{
	carried_flood(1);
}

Test(ports, ports_queued_on_a_released_port_are_freed)
{
	carried_flood(0);
}

/* The same in a worker: closing a port that was never started. */
Test(ports, a_worker_closing_a_port_frees_the_ports_queued_on_it)
{
	struct wwd_conn		*c;
	struct wwd_worker	*w;
	struct inbox		 win = { 0 };

	cr_assert(wwd_connect(&c, harness.sock) == 0, "%s", wwd_errmsg(c));
	cr_assert(wwd_worker_create_file(c, harness_js("port_unread.js"),
	    NULL, &cbs, &win, &w) == 0, "%s", wwd_errmsg(c));
	post_num(w, 3000);
	cr_assert(pump(&c, 1, &win.n, 1), "not closed");
	cr_assert_str_eq(win.msg[0], "\"closed\"");
	/* The client's pair and the nested worker's. */
	cr_assert(conn_ports(c) == 4, "%.0f port records", conn_ports(c));
	release_and_free(c, w);
	inbox_clear(&win);
	harness_wait_workers(&harness, 0, HARNESS_TIMEOUT_MS);
}

/*
 * A client that gives a port away and frees its connection at once:
 * wwd_free writes what is queued and hands the port over whole, so the
 * new holder (a shared worker, which outlives the client) gets every
 * message posted on it, in order. Before, the queued frames, the port
 * itself among them, were dropped.
 */
Test(ports, libwwd_free_hands_its_ports_over_whole)
{
	struct wwd_worker_options o = { .name = "handover" };
	struct wwd_conn		*c, *d;
	struct wwd_worker	*watch, *sink, *p1, *p2;
	struct inbox		 win = { 0 }, sin = { 0 };
	int			 i;

	cr_assert(wwd_connect(&d, harness.sock) == 0, "%s", wwd_errmsg(d));
	cr_assert(wwd_shared_connect_file(d, harness_js("shared_sink.js"), &o,
	    &cbs, &win, &watch) == 0, "%s", wwd_errmsg(d));
	cr_assert(wwd_worker_post_json(watch, "\"watch\"", 7) == 0);
	cr_assert(pump(&d, 1, &win.n, 1), "not watching");

	cr_assert(wwd_connect(&c, harness.sock) == 0, "%s", wwd_errmsg(c));
	cr_assert(wwd_shared_connect_file(c, harness_js("shared_sink.js"), &o,
	    &cbs, &sin, &sink) == 0, "%s", wwd_errmsg(c));
	cr_assert(wwd_port_channel(c, &p1, &p2) == 0, "%s", wwd_errmsg(c));
	for (i = 0; i < NMSG; i++)
		post_num(p1, i);
	/* Some of them come back to p2 here before it goes. */
	cr_assert(wwd_process(c) == 0, "%s", wwd_errmsg(c));
	cr_assert(wwd_port_post_json(sink, "\"take\"", 6, &p2, 1) == 0,
	    "%s", wwd_errmsg(c));
	cr_assert(wwd_worker_post_json(p1, "\"end\"", 5) == 0);
	wwd_free(c);

	cr_assert(pump(&d, 1, &win.n, 2), "the sink saw no \"end\"");
	expect_numbers(&win, 1, NMSG, 1);
	wwd_worker_release(watch);
	wwd_free(d);
	inbox_clear(&win);
	inbox_clear(&sin);
}

/*
 * A client bounces what a worker sent, whatever the client's own
 * frame_size: here 4 KiB queued on a port the client then gives away,
 * under frame_size = 1K. Before, wwd refused the REPOST and closed the
 * connection, with its workers.
 */
Test(ports, libwwd_bounces_frames_over_its_own_frame_size,
    .init = harness_setup_nostart)
{
	struct wwd_conn		*c;
	struct wwd_worker	*big, *back, *p1, *p2;
	struct inbox		 bin = { 0 }, kin = { 0 }, pin = { 0 };

	harness_start_config(&harness, "[limits]\nframe_size = 1K\n");
	cr_assert(wwd_connect(&c, harness.sock) == 0, "%s", wwd_errmsg(c));
	cr_assert(wwd_worker_create_file(c, harness_js("port_big.js"), NULL,
	    &cbs, &bin, &big) == 0, "%s", wwd_errmsg(c));
	cr_assert(wwd_worker_create_file(c, harness_js("port_back.js"), NULL,
	    &cbs, &kin, &back) == 0, "%s", wwd_errmsg(c));
	cr_assert(wwd_port_channel(c, &p1, &p2) == 0, "%s", wwd_errmsg(c));
	cr_assert(wwd_port_post_json(big, "1", 1, &p1, 1) == 0, "%s",
	    wwd_errmsg(c));
	/* The 4 KiB message came first: it waits on p2, not started. */
	cr_assert(pump(&c, 1, &bin.n, 1), "not sent");
	cr_assert(wwd_port_post_json(back, "2", 1, &p2, 1) == 0, "%s",
	    wwd_errmsg(c));
	cr_assert(pump(&c, 1, &kin.n, 1), "the port did not come back");
	wwd_port_start(kin.port, &cbs, &pin);
	cr_assert(pump(&c, 1, &pin.n, 1), "the message was lost");
	cr_assert_eq(strlen(pin.msg[0]), 4002, "%s", pin.msg[0]);
	cr_assert(bin.exits == 0 && kin.exits == 0, "a worker ended");
	wwd_worker_release(big);
	release_and_free(c, back);
	inbox_clear(&bin);
	inbox_clear(&kin);
	inbox_clear(&pin);
	harness_wait_workers(&harness, 0, HARNESS_TIMEOUT_MS);
}

/*
 * Only a REPOST on a port that drains from the client may be larger
 * than its frame_size: any other is refused from its header, as any
 * frame over the limit is.
 */
Test(ports, a_repost_on_no_port_of_its_own_keeps_frame_size,
    .init = harness_setup_nostart)
{
	struct rawc		 c;
	struct ipc_buf		 b;
	struct ipc_frame	 f;
	struct ipc_error	 e;
	const char		*why = "";

	harness_start_config(&harness, "[limits]\nframe_size = 1K\n");
	rawc_connect(&c, harness.sock);
	rawc_hello(&c);
	ipc_buf_init(&b);
	harness_frame(&b, 4096, IPC_REPOST, 0, c.port_base + 5, NULL, 0);
	rawc_send_buf(&c, &b);
	cr_assert(rawc_read_until(&c, IPC_ERROR, &f, HARNESS_TIMEOUT_MS) == 1,
	    "no ERROR");
	cr_assert(ipc_error_decode(f.body, f.len, &e, &why) == 0, "%s", why);
	cr_assert(ipc_str_eq(e.code, "frame-too-large"), "%.*s",
	    (int)e.code.len, e.code.ptr);
	ipc_buf_clear(&b);
	rawc_close(&c);
}
