/*
 * test_shared.c: shared workers, MessageChannel, moved ports and
 * nested workers through the real wwd, wwd-worker and wwctl: two
 * `wwctl connect` clients sharing state, the linger keeping it (or
 * not), a crash seen by a connected client, ports moved inside a worker
 * with messages queued while in flight, nested data: and blob: workers.
 */
#define _GNU_SOURCE
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <criterion/criterion.h>

#include "harness.h"
#include "json.h"

TestSuite(shared, .init = harness_setup_nostart, .fini = harness_teardown,
    .timeout = 60);

/*
 * Run `wwctl connect --count count [opt val] script` with input; its
 * stdout.
 */
static void
connect_with(const char *count, const char *input, const char *script,
    const char *opt, const char *val, struct proc *p)
{
	char	*argv[] = { WWD_BIN_DIR "/wwctl", "connect", "--socket",
	    harness.sock, "--count", (char *)count,
	    (char *)harness_js(script), NULL, NULL, NULL };

	if (opt != NULL) {
		argv[6] = (char *)opt;
		argv[7] = (char *)val;
		argv[8] = (char *)harness_js(script);
	}
	proc_start(p, argv);
	proc_write(p, input);
	proc_close_stdin(p);
	cr_assert(proc_finish(p, HARNESS_TIMEOUT_MS) == 0, "%s",
	    proc_describe(p));
}

/* Run `wwctl connect --count 1` on script with input; its stdout. */
static void
connect_once_script(const char *input, const char *script, struct proc *p)
{
	connect_with("1", input, script, NULL, NULL, p);
}

/* The same on shared_counter.js. */
static void
connect_once(const char *input, struct proc *p)
{
	connect_once_script(input, "shared_counter.js", p);
}

Test(shared, two_clients_share_state_and_linger_keeps_it)
{
	struct proc	a, b;

	harness_start_config(&harness, "[shared]\nlinger = 60000\n");
	connect_once("5\n", &a);
	cr_assert_str_eq(a.obuf, "5\n", "%s", proc_describe(&a));
	cr_assert_eq(proc_exit_code(&a), 0, "%s", proc_describe(&a));
	/* The first client left; within the linger the total is kept. */
	connect_once("7\n", &b);
	cr_assert_str_eq(b.obuf, "12\n", "%s", proc_describe(&b));
	proc_clear(&a);
	proc_clear(&b);
	harness_wait_workers(&harness, 1, HARNESS_TIMEOUT_MS);
}

/* The daemon's port records now, from `wwctl stats --json`. */
static double
router_ports(void)
{
	struct proc		 p;
	struct json		*j;
	const struct json	*v;
	const char		*why = "";
	double			 n;

	wwctl_cmd(&harness, &p, "stats", "--json", NULL);
	cr_assert(proc_exit_code(&p) == 0, "%s", proc_describe(&p));
	cr_assert((j = json_parse(p.obuf, &why)) != NULL, "%s", why);
	v = json_get(j, "ports");
	cr_assert(v != NULL && v->type == JSON_NUMBER, "%s", p.obuf);
	n = v->num;
	json_free(j);
	proc_clear(&p);
	return n;
}

/* Poll the port count until it is want; 1 if it got there in time. */
static int
wait_ports(double want)
{
	struct timespec	ts = { 0, 20 * 1000 * 1000 };
	int		t;

	for (t = 0; t < HARNESS_TIMEOUT_MS / 20; t++) {
		if (router_ports() == want)
			return 1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

#define NCONNECT	25

Test(shared, connects_and_disconnects_leave_no_port_records)
{
	struct proc	a;
	char		want[16];
	int		i;

	harness_start_config(&harness, "[shared]\nlinger = forever\n");
	for (i = 1; i <= NCONNECT; i++) {
		connect_once("1\n", &a);
		snprintf(want, sizeof want, "%d\n", i);
		cr_assert_str_eq(a.obuf, want, "the same worker; %s",
		    proc_describe(&a));
		proc_clear(&a);
		/* Both records of the connection go once it closed. */
		cr_assert(wait_ports(0), "connect %d: %.0f port records", i,
		    router_ports());
	}
	harness_wait_workers(&harness, 1, HARNESS_TIMEOUT_MS);
}

Test(shared, another_type_is_an_error_and_starts_no_worker)
{
	struct proc	a, b, c, d;

	harness_start_config(&harness, "[shared]\nlinger = forever\n");
	connect_once("5\n", &a);
	cr_assert_str_eq(a.obuf, "5\n", "%s", proc_describe(&a));
	/* The running worker is classic: a module connect is refused. */
	connect_with("1", "1\n", "shared_counter.js", "--type", "module", &b);
	cr_assert(proc_exit_code(&b) != 0 && strstr(b.ebuf,
	    "options mismatch") != NULL, "%s", proc_describe(&b));
	cr_assert_str_eq(b.obuf, "", "%s", proc_describe(&b));
	harness_wait_workers(&harness, 1, HARNESS_TIMEOUT_MS);
	/* With no worker under the key, module is not supported. */
	connect_with("1", "1\n", "shared_relay.js", "--type", "module", &c);
	cr_assert(proc_exit_code(&c) != 0 && strstr(c.ebuf,
	    "module workers are not supported") != NULL, "%s",
	    proc_describe(&c));
	/* The classic worker kept its state. */
	connect_with("1", "2\n", "shared_counter.js", "--type", "classic",
	    &d);
	cr_assert_str_eq(d.obuf, "7\n", "%s", proc_describe(&d));
	harness_wait_workers(&harness, 1, HARNESS_TIMEOUT_MS);
	proc_clear(&a);
	proc_clear(&b);
	proc_clear(&c);
	proc_clear(&d);
}

Test(shared, linger_zero_ends_it_with_the_last_client)
{
	struct proc	a, b;

	harness_start_config(&harness, "[shared]\nlinger = 0\n");
	connect_once("5\n", &a);
	cr_assert_str_eq(a.obuf, "5\n", "%s", proc_describe(&a));
	harness_wait_workers(&harness, 0, HARNESS_TIMEOUT_MS);
	connect_once("7\n", &b);
	cr_assert_str_eq(b.obuf, "7\n", "a fresh worker; %s",
	    proc_describe(&b));
	proc_clear(&a);
	proc_clear(&b);
}

Test(shared, killing_it_tells_the_connected_client)
{
	struct proc	a;
	pid_t		pid;

	char	*argv[] = { WWD_BIN_DIR "/wwctl", "connect", "--socket",
	    harness.sock, "--events",
	    (char *)harness_js("shared_counter.js"), NULL };

	harness_start(&harness);
	proc_start(&a, argv);
	proc_write(&a, "{\"type\":\"message\",\"data\":3}\n");
	cr_assert(proc_wait_lines(&a, 1, HARNESS_TIMEOUT_MS) == 1, "%s",
	    proc_describe(&a));
	pid = harness_one_worker(&harness);
	cr_assert(kill(pid, SIGKILL) == 0);
	cr_assert(proc_wait_lines(&a, 2, HARNESS_TIMEOUT_MS) == 1,
	    "no exit event after the kill; %s", proc_describe(&a));
	cr_assert(strstr(a.obuf, "\"crashed\"") != NULL, "%s",
	    proc_describe(&a));
	proc_close_stdin(&a);
	proc_finish(&a, HARNESS_TIMEOUT_MS);
	proc_clear(&a);
}

/* Whether lines a and b both occur in text, a first. */
static int
in_order(const char *text, const char *a, const char *b)
{
	const char	*pa = strstr(text, a), *pb = strstr(text, b);

	return pa != NULL && pb != NULL && pa < pb;
}

Test(shared, ports_move_and_nested_workers_run)
{
	struct proc	p;

	harness_start(&harness);
	wwctl_run(&harness, "21\n", &p, "--count", "6",
	    harness_js("ports.js"), NULL);
	cr_assert_eq(proc_exit_code(&p), 0, "%s", proc_describe(&p));
	/* In order on each port; the ports' tasks interleave freely. */
	cr_assert(in_order(p.obuf, "\"p2 a\"\n", "\"p2 b\"\n") &&
	    in_order(p.obuf, "\"moved queued\"\n", "\"moved after\"\n") &&
	    in_order(p.obuf, "\"child 42\"\n", "\"blob 50\"\n") &&
	    lines_count(p.obuf) == 6, "%s", proc_describe(&p));
	proc_clear(&p);
	harness_wait_workers(&harness, 0, HARNESS_TIMEOUT_MS);
}

Test(shared, delegation_example_combines_ten_subworkers)
{
	struct proc	p;

	harness_start(&harness);
	/* 10 slices of 1000: the sum of 0..9999. */
	wwctl_run(&harness, "1000\n", &p, "--count", "1",
	    harness_js("delegation.js"), NULL);
	cr_assert_eq(proc_exit_code(&p), 0, "%s", proc_describe(&p));
	cr_assert_str_eq(p.obuf, "49995000\n", "%s", proc_describe(&p));
	proc_clear(&p);
	harness_wait_workers(&harness, 0, HARNESS_TIMEOUT_MS);
}

Test(shared, killing_a_parent_ends_its_nested_workers)
{
	struct proc	 p;
	pid_t		 pids[HARNESS_MAX_PIDS], parent = 0;
	int		 n, i;

	harness_start(&harness);
	wwctl_start(&harness, &p, harness_js("nested_parent.js"), NULL);
	proc_write(&p, "3\n");
	cr_assert(proc_wait_lines(&p, 1, HARNESS_TIMEOUT_MS) == 1, "%s",
	    proc_describe(&p));
	cr_assert_str_eq(p.obuf, "\"ready\"\n");
	/* The parent, 3 children and 3 grandchildren. */
	n = harness_descendants(harness.pid, pids, HARNESS_MAX_PIDS);
	cr_assert(n == 7, "%d worker processes", n);
	/* The parent is the one wwd started first: the lowest pid here. */
	for (i = 0; i < n; i++)
		if (parent == 0 || pids[i] < parent)
			parent = pids[i];
	cr_assert(kill(parent, SIGKILL) == 0);
	harness_wait_workers(&harness, 0, HARNESS_TIMEOUT_MS);
	cr_assert(proc_finish(&p, HARNESS_TIMEOUT_MS) == 0, "%s",
	    proc_describe(&p));
	cr_assert(proc_exit_code(&p) == 1, "the parent died; %s",
	    proc_describe(&p));
	proc_clear(&p);
}

Test(shared, close_ends_it_and_the_next_connect_starts_afresh)
{
	struct proc	a, b;
	char		*argv[] = { WWD_BIN_DIR "/wwctl", "connect", "--socket",
	    harness.sock, "--events", (char *)harness_js("shared_closer.js"),
	    NULL };

	/* Linger forever: only close() can end it. */
	harness_start_config(&harness, "[shared]\nlinger = forever\n");
	proc_start(&a, argv);
	proc_write(&a, "{\"type\":\"message\",\"data\":5}\n");
	cr_assert(proc_wait_lines(&a, 1, HARNESS_TIMEOUT_MS) == 1, "%s",
	    proc_describe(&a));
	proc_write(&a, "{\"type\":\"message\",\"data\":0}\n");
	cr_assert(proc_wait_lines(&a, 2, HARNESS_TIMEOUT_MS) == 1,
	    "no exit event after close(); %s", proc_describe(&a));
	cr_assert(strstr(a.obuf, "\"closed\"") != NULL, "%s",
	    proc_describe(&a));
	harness_wait_workers(&harness, 0, HARNESS_TIMEOUT_MS);
	proc_close_stdin(&a);
	proc_finish(&a, HARNESS_TIMEOUT_MS);
	connect_once_script("7\n", "shared_closer.js", &b);
	cr_assert_str_eq(b.obuf, "7\n", "a fresh worker; %s",
	    proc_describe(&b));
	proc_clear(&a);
	proc_clear(&b);
}

/* `wwctl connect --count 1 shared_counter.js` as uid (setpriv). */
static void
connect_as(uid_t uid, const char *input, struct proc *p)
{
	struct passwd	*pw = getpwuid(uid);
	char		 u[16], g[16];
	char		*argv[] = { "/usr/bin/setpriv", "--reuid", u, "--regid",
			    g, "--clear-groups", WWD_BIN_DIR "/wwctl",
			    "connect", "--socket", harness.sock, "--count",
			    "1", (char *)harness_js("shared_counter.js"),
			    NULL };

	cr_assert(pw != NULL);
	snprintf(u, sizeof u, "%u", (unsigned)uid);
	snprintf(g, sizeof g, "%u", (unsigned)pw->pw_gid);
	proc_start(p, argv);
	proc_write(p, input);
	proc_close_stdin(p);
	cr_assert(proc_finish(p, HARNESS_TIMEOUT_MS) == 0, "%s",
	    proc_describe(p));
}

Test(shared, another_uid_or_origin_never_reaches_the_same_worker)
{
	struct passwd	*pw = getpwnam("nobody");
	struct proc	 p[5];
	int		 i;

	cr_assert(pw != NULL, "no user nobody");
	harness_start_config(&harness, "[socket]\nmode = 0666\n"
	    "[shared]\nlinger = forever\n");
	cr_assert(chmod(harness.dir, 0755) == 0);
	connect_once("5\n", &p[0]);
	cr_assert_str_eq(p[0].obuf, "5\n", "%s", proc_describe(&p[0]));
	/* Same origin, name and URL, another uid: its own worker. */
	connect_as(pw->pw_uid, "7\n", &p[1]);
	cr_assert_str_eq(p[1].obuf, "7\n", "%s", proc_describe(&p[1]));
	/* Same uid, name and URL, another origin: its own worker. */
	connect_with("1", "11\n", "shared_counter.js", "--origin",
	    "https://other.example", &p[2]);
	cr_assert_str_eq(p[2].obuf, "11\n", "%s", proc_describe(&p[2]));
	/* Each one kept its own total. */
	connect_once("1\n", &p[3]);
	cr_assert_str_eq(p[3].obuf, "6\n", "%s", proc_describe(&p[3]));
	connect_as(pw->pw_uid, "1\n", &p[4]);
	cr_assert_str_eq(p[4].obuf, "8\n", "%s", proc_describe(&p[4]));
	harness_wait_workers(&harness, 3, HARNESS_TIMEOUT_MS);
	for (i = 0; i < 5; i++)
		proc_clear(&p[i]);
}

/* How many times needle occurs in text. */
static int
occurrences(const char *text, const char *needle)
{
	int	n = 0;

	while ((text = strstr(text, needle)) != NULL) {
		n++;
		text++;
	}
	return n;
}

Test(shared, nested_error_reaches_worker_object_then_scope_then_owner)
{
	struct proc	p;
	char		*last;

	harness_start(&harness);
	wwctl_start(&harness, &p, "--events", harness_js("nested_error.js"),
	    NULL);
	/* First cancelled by the parent's onerror, then not. */
	proc_write(&p, "{\"type\":\"message\",\"data\":\"cancel\"}\n");
	cr_assert(proc_wait_lines(&p, 3, HARNESS_TIMEOUT_MS) == 1, "%s",
	    proc_describe(&p));
	proc_write(&p, "{\"type\":\"message\",\"data\":\"pass\"}\n");
	cr_assert(proc_wait_lines(&p, 7, HARNESS_TIMEOUT_MS) == 1, "%s",
	    proc_describe(&p));
	cr_assert(occurrences(p.obuf, "\"DataCloneError\"") == 2, "%s",
	    p.obuf);
	cr_assert(in_order(p.obuf, "\"worker Uncaught Error: deep\"",
	    "\"scope Uncaught Error: deep\""), "%s", p.obuf);
	/* One error event for the owner, the last line, the child's. */
	cr_assert(occurrences(p.obuf, "\"type\":\"error\"") == 1, "%s",
	    p.obuf);
	last = lines_nth(p.obuf, 6);
	cr_assert(strstr(last, "\"type\":\"error\"") != NULL &&
	    strstr(last, "deep") != NULL, "%s", p.obuf);
	free(last);
	proc_close_stdin(&p);
	proc_finish(&p, HARNESS_TIMEOUT_MS);
	proc_clear(&p);
}

/*
 * A shared worker's console and its uncaught errors go to wwd's log (the
 * browsers' developer console), not to a client, and the worker carries
 * on with its state. Both used to kill it: they came on its scope's port
 * 0, which wwd took for a port the worker does not hold.
 */
Test(shared, console_and_uncaught_errors_are_logged_and_it_carries_on)
{
	struct proc	 a, b, logs;

	harness_start(&harness);
	connect_with("2", "1\n0\n2\n", "shared_noisy.js", NULL, NULL, &a);
	cr_assert_str_eq(a.obuf, "1\n3\n", "%s", proc_describe(&a));
	cr_assert_eq(proc_exit_code(&a), 0, "%s", proc_describe(&a));
	/* The same worker, its total intact. */
	connect_once_script("4\n", "shared_noisy.js", &b);
	cr_assert_str_eq(b.obuf, "7\n", "%s", proc_describe(&b));
	wwctl_cmd(&harness, &logs, "logs", NULL);
	cr_assert(strstr(logs.obuf, "console.log: shared worker up") != NULL,
	    "%s", logs.obuf);
	cr_assert(strstr(logs.obuf, "uncaught: Uncaught Error: zero") != NULL,
	    "%s", logs.obuf);
	cr_assert(strstr(logs.obuf, "crashed") == NULL, "%s", logs.obuf);
	proc_clear(&a);
	proc_clear(&b);
	proc_clear(&logs);
}

/* Its connect port cannot leave it: an error it catches, not its end. */
Test(shared, connect_port_transfer_is_a_data_clone_error)
{
	struct proc	 p;

	harness_start(&harness);
	connect_with("2", "1\n2\n", "shared_pass.js", NULL, NULL, &p);
	cr_assert_str_eq(p.obuf, "\"DataCloneError\"\n\"DataCloneError\"\n",
	    "%s", proc_describe(&p));
	cr_assert_eq(proc_exit_code(&p), 0, "%s", proc_describe(&p));
	proc_clear(&p);
}

/* Its scope has the globals a dedicated worker's has, but postMessage. */
Test(shared, scope_has_no_post_message)
{
	struct proc	p;

	harness_start(&harness);
	connect_once_script("", "scope_globals.js", &p);
	cr_assert_str_eq(p.obuf, "\"name w-c string, origin --c string, "
	    "location --c object, postMessage none, object, string, !\"\n",
	    "%s", proc_describe(&p));
	proc_clear(&p);
}

/* Its global is a SharedWorkerGlobalScope, not a dedicated one. */
Test(shared, scope_is_a_shared_worker_global_scope)
{
	struct proc	p;

	harness_start(&harness);
	connect_once_script("", "shared_scope.js", &p);
	cr_assert_str_eq(p.obuf, "[\"function\",\"undefined\",true,true,"
	    "true,\"[object SharedWorkerGlobalScope]\",true,\"undefined\","
	    "\"object\",\"function\",\"TypeError\"]\n", "%s",
	    proc_describe(&p));
	proc_clear(&p);
}

/*
 * A nested worker whose script does not parse, cannot be read, or is a
 * revoked blob: URL: the constructor returns, then error fires at the
 * Worker object (a plain Event). The first never fired, the others
 * threw NetworkError from the constructor.
 */
Test(shared, nested_worker_that_cannot_load_fires_error_at_it)
{
	struct proc	p;

	harness_start(&harness);
	wwctl_run(&harness, "", &p, harness_js("nested_fail.js"), NULL);
	cr_assert_eq(proc_exit_code(&p), 0, "%s", proc_describe(&p));
	cr_assert_str_eq(p.obuf, "[\"constructed\",\"blob error false\","
	    "\"missing error false\",\"parse error false\"]\n", "%s",
	    proc_describe(&p));
	proc_clear(&p);
}

/*
 * The parent closes each nested worker's port once it has ended, so wwd
 * forgets them: the records used to stay until the parent ended.
 */
Test(shared, nested_workers_that_end_leave_no_port_records)
{
	struct proc	p;

	harness_start(&harness);
	wwctl_start(&harness, &p, harness_js("nested_churn.js"), NULL);
	cr_assert(proc_wait_lines(&p, 1, HARNESS_TIMEOUT_MS) == 1, "%s",
	    proc_describe(&p));
	/* The parent's own pair, once its five children are gone. */
	cr_assert(wait_ports(2), "ports: %.0f", router_ports());
	proc_close_stdin(&p);
	proc_finish(&p, HARNESS_TIMEOUT_MS);
	proc_clear(&p);
}
