/*
 * test_lifecycle.c: how a worker ends, through the real programs:
 * terminate from wwctl's stdin, SIGKILL from outside (a crash), and a
 * client that disconnects (its worker must not outlive it, and the
 * daemon must not keep its descriptors). Each test has its own wwd.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"
#include "json.h"

TestSuite(lifecycle, .init = harness_setup, .fini = harness_teardown,
    .timeout = 60);

/* Check an exit event's reason and signal. */
static void
expect_exit(const struct proc *p, size_t i, int sig, const char *reason)
{
	struct json		*ev = out_json(p, i);
	const struct json	*t = json_get(ev, "type");
	const struct json	*r = json_get(ev, "reason");
	const struct json	*s = json_get(ev, "signal");

	cr_assert(t != NULL && t->type == JSON_STRING &&
	    strcmp(t->str, "exit") == 0, "line %zu should be the exit event; "
	    "%s", i + 1, proc_describe(p));
	cr_assert(r != NULL && r->type == JSON_STRING &&
	    strcmp(r->str, reason) == 0, "exit reason should be \"%s\"; %s",
	    reason, proc_describe(p));
	cr_assert(s != NULL && s->type == JSON_NUMBER && s->num == sig,
	    "exit signal should be %d; %s", sig, proc_describe(p));
	json_free(ev);
}

Test(lifecycle, terminate_kills_the_worker)
{
	struct proc	p;

	wwctl_start(&harness, &p, "--events", harness_js("echo.js"), NULL);
	proc_write(&p, "{\"type\":\"message\",\"data\":\"hi\"}\n");
	cr_assert(proc_wait_lines(&p, 1, HARNESS_TIMEOUT_MS) == 1,
	    "no echo before terminate; %s", proc_describe(&p));
	proc_write(&p, "{\"type\":\"terminate\"}\n");
	cr_assert(proc_finish(&p, HARNESS_TIMEOUT_MS) == 0,
	    "wwctl did not end after terminate; %s", proc_describe(&p));
	/* Killed by a signal is "died": status 1. */
	cr_assert(proc_exit_code(&p) == 1, "wwctl should exit 1; %s",
	    proc_describe(&p));
	cr_assert(lines_count(p.obuf) == 2, "expected the echo and the exit "
	    "event; %s", proc_describe(&p));
	expect_exit(&p, 1, 9, "killed");
	proc_clear(&p);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}

Test(lifecycle, sigkill_from_outside_is_a_crash)
{
	struct proc	p;
	pid_t		worker;

	wwctl_start(&harness, &p, "--events", harness_js("ready.js"), NULL);
	cr_assert(proc_wait_lines(&p, 1, HARNESS_TIMEOUT_MS) == 1,
	    "the worker never said ready; %s", proc_describe(&p));
	worker = harness_one_worker(&harness);
	cr_assert(kill(worker, SIGKILL) == 0, "kill %d", (int)worker);
	cr_assert(proc_finish(&p, HARNESS_TIMEOUT_MS) == 0,
	    "wwctl did not end after its worker was killed; %s",
	    proc_describe(&p));
	cr_assert(proc_exit_code(&p) == 1, "wwctl should exit 1 (died); %s",
	    proc_describe(&p));
	cr_assert(lines_count(p.obuf) == 2, "expected ready and the exit "
	    "event; %s", proc_describe(&p));
	expect_exit(&p, 1, 9, "crashed");
	proc_clear(&p);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}

/*
 * Killed from outside in the middle of a frame (as the OOM killer does):
 * the owner hears the signal, not a protocol error.
 */
Test(lifecycle, sigkill_inside_a_frame_is_a_crash_by_signal)
{
	struct rawc		 c;
	struct ipc_frame	 f;
	struct ipc_exit		 e;
	const char		*why;
	uint64_t		 port;
	pid_t			 pid;

	rawc_connect(&c, harness.sock);
	rawc_hello(&c);
	port = c.port_base;
	rawc_create(&c, port, harness_js("big_flood.js"));
	pid = (pid_t)rawc_started(&c, port);
	cr_assert(rawc_read_until(&c, IPC_POST, &f, HARNESS_TIMEOUT_MS) == 1);
	cr_assert(kill(pid, SIGKILL) == 0, "kill %d", (int)pid);
	cr_assert(rawc_read_until(&c, IPC_EXIT, &f, HARNESS_TIMEOUT_MS) == 1);
	cr_assert(ipc_exit_decode(f.body, f.len, &e, &why) == 0, "%s", why);
	cr_assert(e.signal == SIGKILL && ipc_str_eq(e.reason, "crashed") &&
	    e.message.len >= 16 && memcmp(e.message.ptr, "killed by signal",
	    16) == 0, "signal %d, %.*s: %.*s", (int)e.signal,
	    (int)e.reason.len, e.reason.ptr, (int)e.message.len,
	    e.message.ptr);
	rawc_close(&c);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}

/*
 * A raw client starts an echo worker, checks it answers, and hangs up;
 * returns the worker's pid (a child of wwd while it ran).
 */
static pid_t
run_and_disconnect(void)
{
	struct rawc	c;
	uint64_t	port;
	pid_t		pid, kids[HARNESS_MAX_PIDS];
	int		n, i, found = 0;

	rawc_connect(&c, harness.sock);
	rawc_hello(&c);
	port = c.port_base + 1;
	rawc_create(&c, port, harness_js("echo.js"));
	rawc_post_str(&c, port, "before-hangup");
	pid = (pid_t)rawc_started(&c, port);
	rawc_expect_str(&c, port, "before-hangup");
	n = harness_descendants(harness.pid, kids, HARNESS_MAX_PIDS);
	for (i = 0; i < n; i++)
		found |= kids[i] == pid;
	cr_assert(found, "STARTED's pid %d is not a process under wwd",
	    (int)pid);
	rawc_close(&c);
	return pid;
}

Test(lifecycle, disconnected_client_leaves_no_worker)
{
	int	fds;
	pid_t	pid;

	/* A first round, so lazily opened descriptors are in the baseline. */
	pid = run_and_disconnect();
	cr_assert(harness_wait_pid_gone(pid, HARNESS_TIMEOUT_MS),
	    "worker %d outlived its client", (int)pid);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
	fds = harness_daemon_fds(&harness);

	pid = run_and_disconnect();
	cr_assert(harness_wait_pid_gone(pid, HARNESS_TIMEOUT_MS),
	    "worker %d outlived its client", (int)pid);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
	harness_wait_fds(&harness, fds, HARNESS_TIMEOUT_MS);
}

Test(lifecycle, client_gone_right_after_create_leaves_no_worker)
{
	struct rawc	c;
	int		fds = harness_daemon_fds(&harness);

	/* Hang up before STARTED can arrive: the race wwd must handle. */
	rawc_connect(&c, harness.sock);
	rawc_hello(&c);
	rawc_create(&c, c.port_base + 1, harness_js("echo.js"));
	rawc_post_str(&c, c.port_base + 1, "lost");
	rawc_close(&c);
	/* After a round trip wwd has seen the CREATE and the hangup. */
	harness_ping(&harness);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
	harness_wait_fds(&harness, fds, HARNESS_TIMEOUT_MS);
}
