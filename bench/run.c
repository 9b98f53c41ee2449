/*
 * run.c: the wwd side of the benchmark, in the wwd-bench process. One
 * libwwd connection to the wwd that main.c started, driven by poll();
 * every worker runs the same small script (WORKER_JS), which answers a
 * number with the same number, counts any other string and answers
 * "end" with the count. The struct run and its slots own all state.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "wwd.h"

#define RUN_TIMEOUT_US	(60.0 * 1e6)	/* any one wait */
#define RUN_PENDING_MAX	(256 * 1024)	/* queued bytes: pump first */
#define RUN_BIG		(64 * 1024)
#define RUN_PASSES	5	/* timed one-way passes: the best */
#define RUN_BURSTS	3	/* timed bursts of spawns: the median */
#define RUN_FLEET_BATCH	500	/* workers started at once */
#define RUN_FLEET_IDLE_S 5	/* the idle fleet is watched */

static const char WORKER_JS[] =
    "var count = 0;\n"
    "onmessage = function (e) {\n"
    "	var d = e.data;\n"
    "	if (typeof d === 'number') postMessage(d);\n"
    "	else if (d === 'end') { postMessage(count); count = 0; }\n"
    "	else count++;\n"
    "};\n"
    "postMessage(-1);\n";

/* One worker: what it has sent so far. */
struct slot {
	struct run		*run;
	struct wwd_worker	*w;
	long			 up;	/* 1st message seen */
	long			 exited;
	long			 replies;
	double			 last;	/* last number sent */
};

struct run {
	struct wwd_conn		*conn;
	struct wwd_worker_callbacks cb;
	long			 up;	/* workers that sent one */
	long			 exited;
	const char		*failed;
};

static void
on_message(struct wwd_worker *w, const void *data, size_t len, void *arg)
{
	struct slot	*s = arg;
	char		*json;

	(void)w;
	if (!s->up) {
		s->up = 1;
		s->run->up++;
		return;
	}
	s->replies++;
	if (wwd_msgpack_to_json(data, len, &json, NULL, NULL) == 0) {
		s->last = strtod(json, NULL);
		free(json);
	}
}

static void
on_error(struct wwd_worker *w, const struct wwd_fault *f, void *arg)
{
	struct slot	*s = arg;

	(void)w;
	fprintf(stderr, "wwd-bench: worker error: %s\n", f->message);
	s->run->failed = "a worker failed";
}

static void
on_exit_event(struct wwd_worker *w, const struct wwd_exit *e, void *arg)
{
	struct slot	*s = arg;

	(void)w;
	if (strcmp(e->reason, "killed") != 0) {
		fprintf(stderr, "wwd-bench: worker ended: %s %s\n", e->reason,
		    e->message);
		s->run->failed = "a worker ended unexpectedly";
	}
	s->exited = 1;
	s->w = NULL;
	s->run->exited++;
}

/*
 * Run the connection until *flag reaches want (a counter in run or a
 * slot), failing on errors and after RUN_TIMEOUT_US. 0 or -errno.
 */
static int
pump(struct run *r, const long *flag, long want)
{
	double	deadline = main_now_us() + RUN_TIMEOUT_US;
	int	rc;

	while (*flag < want) {
		struct pollfd	pfd = { wwd_fd(r->conn),
				    (short)wwd_events(r->conn), 0 };

		if (r->failed != NULL)
			return -EPROTO;
		if (main_now_us() > deadline) {
			r->failed = "timed out";
			return -ETIMEDOUT;
		}
		if (poll(&pfd, 1, 1000) < 0 && errno != EINTR)
			return -errno;
		if ((rc = wwd_process(r->conn)) < 0) {
			r->failed = wwd_errmsg(r->conn);
			return rc;
		}
	}
	return 0;
}

/* Start one worker into s (not waiting). 0 or -errno. */
static int
start(struct run *r, struct slot *s)
{
	memset(s, 0, sizeof *s);
	s->run = r;
	return wwd_worker_create_source(r->conn, WORKER_JS,
	    sizeof WORKER_JS - 1, NULL, &r->cb, s, &s->w);
}

/* Terminate n workers and wait for all their exits. */
static int
stop_all(struct run *r, struct slot *s, int n)
{
	long	want = r->exited;
	int	i;

	for (i = 0; i < n; i++)
		if (s[i].w != NULL) {
			wwd_worker_terminate(s[i].w);
			want++;
		}
	return pump(r, &r->exited, want);
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The p-th percentile (0-100) of v[n], nearest rank; sorts v. */
double
run_percentile(double *v, int n, double p)
{
	int	i;

	if (n <= 0)
		return -1;
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	i = (int)(p / 100.0 * n + 0.5) - 1;
	return v[i < 0 ? 0 : i >= n ? n - 1 : i];
}

/* Spawn to first message, one at a time, each terminated after. */
static int
spawn_seq(struct run *r, const struct bench_opts *o, struct bench_side *out)
{
	struct slot	 s;
	double		*t, t0;
	int		 i, rc = 0;

	if ((t = calloc((size_t)o->spawns, sizeof *t)) == NULL)
		return -ENOMEM;
	for (i = 0; i < o->spawns && rc == 0; i++) {
		t0 = main_now_us();
		if ((rc = start(r, &s)) < 0 || (rc = pump(r, &s.up, 1)) < 0)
			break;
		t[i] = (main_now_us() - t0) / 1e3;
		rc = stop_all(r, &s, 1);
	}
	if (rc == 0) {
		out->spawn_p50 = run_percentile(t, o->spawns, 50);
		out->spawn_p99 = run_percentile(t, o->spawns, 99);
	}
	free(t);
	return rc;
}

/*
 * Start n more workers into s[have..n) at once and wait until every
 * one has sent its first message. 0 or -errno.
 */
static int
fleet(struct run *r, struct slot *s, int have, int n)
{
	long	want = r->up + (n - have);
	int	i, rc;

	for (i = have; i < n; i++)
		if ((rc = start(r, &s[i])) < 0)
			return rc;
	return pump(r, &r->up, want);
}

/* RUN_BURSTS times o->burst workers started at once: the median rate. */
static int
spawn_burst(struct run *r, const struct bench_opts *o,
    struct bench_side *out)
{
	struct slot	*s;
	double		 rate[RUN_BURSTS], t0;
	int		 k, rc = 0;

	if ((s = calloc((size_t)o->burst, sizeof *s)) == NULL)
		return -ENOMEM;
	for (k = 0; k < RUN_BURSTS && rc == 0; k++) {
		t0 = main_now_us();
		if ((rc = fleet(r, s, 0, o->burst)) == 0) {
			rate[k] = o->burst / ((main_now_us() - t0) / 1e6);
			rc = stop_all(r, s, o->burst);
		}
	}
	if (rc == 0)
		out->spawn_rate = run_percentile(rate, RUN_BURSTS, 50);
	free(s);
	return rc;
}

/* Post one JSON value; the conversion is outside every timed part. */
static int
post_json(struct slot *s, const char *json)
{
	return wwd_worker_post_json(s->w, json, strlen(json));
}

static int
echo(struct run *r, struct slot *s, const struct bench_opts *o,
    struct bench_side *out)
{
	void	*msg;
	size_t	 len;
	double	*t, t0;
	int	 i, rc, n = o->warmup + o->rtts;
	long	 want;

	if ((rc = wwd_json_to_msgpack("7", 1, &msg, &len, NULL)) < 0)
		return rc;
	if ((t = calloc((size_t)o->rtts, sizeof *t)) == NULL) {
		free(msg);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		t0 = main_now_us();
		want = s->replies + 1;
		if ((rc = wwd_worker_post(s->w, msg, len)) < 0 ||
		    (rc = pump(r, &s->replies, want)) < 0)
			break;
		if (i >= o->warmup)
			t[i - o->warmup] = main_now_us() - t0;
	}
	if (rc == 0) {
		out->echo_p50 = run_percentile(t, o->rtts, 50);
		out->echo_p99 = run_percentile(t, o->rtts, 99);
	}
	free(t);
	free(msg);
	return rc;
}

/*
 * Post n copies of one message as fast as the socket takes them (at
 * most RUN_PENDING_MAX bytes queued), then "end", and wait for the
 * worker's count. Returns the elapsed microseconds, or -errno.
 */
static double
oneway(struct run *r, struct slot *s, const char *json, int n)
{
	void	*msg;
	size_t	 len;
	double	 t0, t;
	int	 i, rc = 0;
	long	 want;

	if ((rc = wwd_json_to_msgpack(json, strlen(json), &msg, &len,
	    NULL)) < 0)
		return rc;
	t0 = main_now_us();
	for (i = 0; i < n && rc == 0; i++) {
		if ((rc = wwd_worker_post(s->w, msg, len)) < 0)
			break;
		while (wwd_pending(r->conn) > RUN_PENDING_MAX && rc == 0) {
			struct pollfd	pfd = { wwd_fd(r->conn),
					    (short)wwd_events(r->conn), 0 };

			if (poll(&pfd, 1, 1000) < 0 && errno != EINTR)
				rc = -errno;
			else
				rc = wwd_process(r->conn);
		}
	}
	want = s->replies + 1;
	if (rc == 0 && (rc = post_json(s, "\"end\"")) == 0)
		rc = pump(r, &s->replies, want);
	t = main_now_us() - t0;
	free(msg);
	if (rc == 0 && s->last != n) {
		fprintf(stderr, "wwd-bench: the worker counted %.0f of %d\n",
		    s->last, n);
		rc = -EPROTO;
	}
	return rc < 0 ? rc : t;
}

/*
 * The best rate of RUN_PASSES timed passes of n copies of json (per
 * second, or MB/s of size-byte messages if size > 0), or a negative
 * errno. A pass lasts a fraction of a second, and whatever else the
 * machine does only ever slows one down; Node's passes also slow down
 * as its heap grows. The best pass is each side's own rate.
 */
static double
oneway_rate(struct run *r, struct slot *s, const char *json, int n,
    size_t size)
{
	double	best = 0, rate, t;
	int	i;

	for (i = 0; i < RUN_PASSES; i++) {
		if ((t = oneway(r, s, json, n)) < 0)
			return t;
		rate = size > 0 ? (double)n * (double)size / t : n / (t / 1e6);
		if (rate > best)
			best = rate;
	}
	return best;
}

static int
messages(struct run *r, const struct bench_opts *o, struct bench_side *out)
{
	struct slot	 s;
	char		*big;
	double		 t;
	int		 rc;

	if ((big = malloc(RUN_BIG + 3)) == NULL)
		return -ENOMEM;
	/* A JSON string whose text is 64 KiB of ASCII. */
	memset(big, 'a', RUN_BIG + 2);
	big[0] = big[RUN_BIG + 1] = '"';
	big[RUN_BIG + 2] = '\0';
	if ((rc = start(r, &s)) < 0 || (rc = pump(r, &s.up, 1)) < 0 ||
	    (rc = echo(r, &s, o, out)) < 0)
		goto fail;
	/* A warm-up pass, then the measured ones. */
	if ((t = oneway(r, &s, "\"x\"", o->warmup)) < 0 ||
	    (t = oneway_rate(r, &s, "\"x\"", o->small, 0)) < 0) {
		rc = (int)t;
		goto fail;
	}
	out->small_rate = t;
	if ((t = oneway_rate(r, &s, big, o->big, RUN_BIG)) < 0) {
		rc = (int)t;
		goto fail;
	}
	out->big_mbs = t;
	rc = stop_all(r, &s, 1);
	free(big);
	return rc;
fail:
	if (s.w != NULL)
		stop_all(r, &s, 1);
	free(big);
	return rc;
}

/*
 * Idle memory at each fleet size, the fleet growing: the mean Pss of a
 * worker process, and what wwd with all its descendants maps (mem.c)
 * more than before the first worker, per worker (daemon is wwd's pid).
 */
static int
memory(struct run *r, int daemon, const struct bench_opts *o,
    struct bench_side *out)
{
	struct slot	*s;
	int		 max = o->mem[BENCH_MEM_STEPS - 1], have = 0;
	int		 i, j, rc = 0;
	long		 sum, k, base, all;

	if ((base = mem_tree_kib(daemon)) < 0)
		return (int)base;
	if ((s = calloc((size_t)max, sizeof *s)) == NULL)
		return -ENOMEM;
	for (i = 0; i < BENCH_MEM_STEPS; i++) {
		if ((rc = fleet(r, s, have, o->mem[i])) < 0)
			break;
		have = o->mem[i];
		for (sum = 0, j = 0; j < have; j++) {
			if (s[j].w == NULL ||
			    (k = mem_pss_kib(wwd_worker_pid(s[j].w))) < 0) {
				rc = -ESRCH;
				goto out;
			}
			sum += k;
		}
		if ((all = mem_tree_kib(daemon)) < 0) {
			rc = (int)all;
			goto out;
		}
		out->mem_kib[i] = (double)sum / have;
		out->slope_kib[i] = (double)(all - base) / have;
		out->mem_n[i] = have;
	}
out:
	if (stop_all(r, s, max) < 0 && rc == 0)
		rc = -EPROTO;
	free(s);
	return rc;
}

/*
 * Measure wwd (listening on sock, process daemon) through libwwd into
 * out. 0, or -errno with a message on stderr.
 */
int
run_wwd(const char *sock, int daemon, const struct bench_opts *o,
    struct bench_side *out)
{
	struct run	r = { 0 };
	int		rc;

	r.cb.message = on_message;
	r.cb.error = on_error;
	r.cb.exit = on_exit_event;
	if ((rc = wwd_connect(&r.conn, sock)) < 0) {
		fprintf(stderr, "wwd-bench: %s\n", r.conn != NULL ?
		    wwd_errmsg(r.conn) : "out of memory");
		wwd_free(r.conn);
		return rc;
	}
	if (((o->only & BENCH_SPAWN) && ((rc = spawn_seq(&r, o, out)) < 0 ||
	    (rc = spawn_burst(&r, o, out)) < 0)) ||
	    ((o->only & BENCH_MESSAGES) && (rc = messages(&r, o, out)) < 0) ||
	    ((o->only & BENCH_MEMORY) && (rc = memory(&r, daemon, o, out)) < 0))
		fprintf(stderr, "wwd-bench: wwd: %s (%s)\n", r.failed != NULL ?
		    r.failed : "failed", strerror(-rc));
	wwd_free(r.conn);
	return rc;
}

/*
 * The large-fleet mode: an echo baseline with one worker, then f->n
 * idle workers started in batches, wwctl ps timed against them, the
 * daemon's idle CPU and descriptors read, echo measured again with the
 * fleet alive; every worker terminated at the end. 0 or -errno.
 */
int
run_fleet(const char *sock, const struct bench_opts *o,
    struct bench_fleet *f)
{
	struct run	 r = { 0 };
	struct bench_side side;
	struct slot	*s = NULL, one;
	double		 t0, cpu0;
	int		 have, rc;

	r.cb.message = on_message;
	r.cb.error = on_error;
	r.cb.exit = on_exit_event;
	main_side_init(&side);
	one.w = NULL;
	if ((rc = wwd_connect(&r.conn, sock)) < 0) {
		fprintf(stderr, "wwd-bench: %s\n", r.conn != NULL ?
		    wwd_errmsg(r.conn) : "out of memory");
		goto out;
	}
	if ((s = calloc((size_t)f->n, sizeof *s)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = start(&r, &one)) < 0 || (rc = pump(&r, &one.up, 1)) < 0 ||
	    (rc = echo(&r, &one, o, &side)) < 0)
		goto out;
	f->echo1_p50 = side.echo_p50;
	f->echo1_p99 = side.echo_p99;
	fprintf(stderr, "wwd-bench: starting %d workers...\n", f->n);
	t0 = main_now_us();
	for (have = 0; have < f->n; have += RUN_FLEET_BATCH)
		if ((rc = fleet(&r, s, have, have + RUN_FLEET_BATCH < f->n ?
		    have + RUN_FLEET_BATCH : f->n)) < 0)
			goto out;
	f->start_s = (main_now_us() - t0) / 1e6;
	fprintf(stderr, "wwd-bench: timing wwctl ps...\n");
	if ((rc = fleet_wwctl(sock, 0, f->n + 1, f->runs, &f->ps_p50,
	    &f->ps_max, &f->ps_bytes)) < 0 ||
	    (rc = fleet_wwctl(sock, 1, f->n + 1, f->runs, &f->json_p50,
	    &f->json_max, &f->json_bytes)) < 0)
		goto out;
	/* The daemon's own cost of an idle fleet: timers, nothing else. */
	cpu0 = fleet_cpu_ms(f->daemon_pid);
	t0 = main_now_us();
	sleep(RUN_FLEET_IDLE_S);
	f->idle_cpu = (fleet_cpu_ms(f->daemon_pid) - cpu0) * 1e3 * 100 /
	    (main_now_us() - t0);
	f->fds = fleet_fds(f->daemon_pid);
	f->rss_kib = (double)mem_rss_kib(f->daemon_pid);
	if ((rc = echo(&r, &one, o, &side)) < 0)
		goto out;
	f->echo_p50 = side.echo_p50;
	f->echo_p99 = side.echo_p99;
out:
	if (rc < 0)
		fprintf(stderr, "wwd-bench: fleet: %s (%s)\n", r.failed !=
		    NULL ? r.failed : "failed", strerror(-rc));
	if (r.conn != NULL && s != NULL) {
		fprintf(stderr, "wwd-bench: stopping the fleet...\n");
		if (stop_all(&r, s, f->n) < 0 || stop_all(&r, &one, 1) < 0)
			rc = rc < 0 ? rc : -EPROTO;
	}
	free(s);
	wwd_free(r.conn);
	return rc;
}
