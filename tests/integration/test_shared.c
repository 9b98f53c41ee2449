/*
 * test_shared.c: shared workers, MessageChannel, moved ports and
 * nested workers through the real wwd, wwd-worker and wwctl: two
 * `wwctl connect` clients sharing state, the linger keeping it (or
 * not), a crash seen by a connected client, ports moved inside a worker
 * with messages queued while in flight, nested data: and blob: workers.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"

TestSuite(shared, .init = harness_setup_nostart, .fini = harness_teardown,
    .timeout = 60);

/* Run `wwctl connect --count N` on script with input; its stdout. */
static void
connect_once(const char *input, const char *count, struct proc *p)
{
	char	*argv[] = { WWD_BIN_DIR "/wwctl", "connect", "--socket",
	    harness.sock, "--count", (char *)count,
	    (char *)harness_js("shared_counter.js"), NULL };

	proc_start(p, argv);
	proc_write(p, input);
	proc_close_stdin(p);
	cr_assert(proc_finish(p, HARNESS_TIMEOUT_MS) == 0, "%s",
	    proc_describe(p));
}

Test(shared, two_clients_share_state_and_linger_keeps_it)
{
	struct proc	a, b;

	harness_start_config(&harness, "[shared]\nlinger = 60000\n");
	connect_once("5\n", "1", &a);
	cr_assert_str_eq(a.obuf, "5\n", "%s", proc_describe(&a));
	cr_assert_eq(proc_exit_code(&a), 0, "%s", proc_describe(&a));
	/* The first client left; within the linger the total is kept. */
	connect_once("7\n", "1", &b);
	cr_assert_str_eq(b.obuf, "12\n", "%s", proc_describe(&b));
	proc_clear(&a);
	proc_clear(&b);
	harness_wait_workers(&harness, 1, HARNESS_TIMEOUT_MS);
}

Test(shared, linger_zero_ends_it_with_the_last_client)
{
	struct proc	a, b;

	harness_start_config(&harness, "[shared]\nlinger = 0\n");
	connect_once("5\n", "1", &a);
	cr_assert_str_eq(a.obuf, "5\n", "%s", proc_describe(&a));
	harness_wait_workers(&harness, 0, HARNESS_TIMEOUT_MS);
	connect_once("7\n", "1", &b);
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
