/*
 * test_exitcode.c: the exit statuses of `wwctl run` that other tests do
 * not already cover: 2 usage, 3 daemon unreachable, 124 --timeout and
 * 130 SIGINT (the worker must be gone afterwards in both). 0 and 1 are
 * checked by test_run.c and test_lifecycle.c. Each test has its own wwd.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"

TestSuite(exitcode, .init = harness_setup, .fini = harness_teardown,
    .timeout = 60);

static void
expect_status(const struct proc *p, int want)
{
	cr_assert(proc_exit_code(p) == want, "wwctl should exit %d; %s", want,
	    proc_describe(p));
}

Test(exitcode, unknown_option_is_2_and_short)
{
	struct proc	p;

	wwctl_run(&harness, "", &p, "--no-such-option",
	    harness_js("echo.js"), NULL);
	expect_status(&p, 2);
	cr_assert_str_eq(p.obuf, "", "%s", proc_describe(&p));
	/* The error and where to look, not forty lines of usage. */
	cr_assert_str_eq(p.ebuf, "wwctl run: unrecognized option "
	    "'--no-such-option'\nTry 'wwctl run --help'.\n", "%s",
	    proc_describe(&p));
	proc_clear(&p);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}

Test(exitcode, missing_script_argument_is_2)
{
	struct proc	p;

	wwctl_run(&harness, "", &p, NULL);
	expect_status(&p, 2);
	proc_clear(&p);
}

Test(exitcode, unreachable_daemon_is_3_names_the_socket_and_hints)
{
	struct proc	 p;
	char		*path;
	char		*args[5];

	cr_assert(asprintf(&path, "%s/nobody-here.sock", harness.dir) >= 0);
	args[0] = "run";
	args[1] = "--socket";
	args[2] = path;
	args[3] = (char *)harness_js("echo.js");
	args[4] = NULL;
	wwctl_run_argv("", &p, args);
	expect_status(&p, 3);
	cr_assert(strstr(p.ebuf, path) != NULL && strstr(p.ebuf,
	    "is wwd running?") != NULL, "stderr should name %s and ask "
	    "whether wwd runs; %s", path, proc_describe(&p));
	free(path);
	proc_clear(&p);
}

Test(exitcode, timeout_is_124_and_kills_the_worker)
{
	struct proc	p;
	long long	t0 = harness_now_ms(), took;

	/* stdin stays open: only --timeout may end this run. */
	wwctl_start(&harness, &p, "--timeout", "1", harness_js("silent.js"),
	    NULL);
	proc_write(&p, "\"anyone there?\"\n");
	cr_assert(proc_finish(&p, HARNESS_TIMEOUT_MS) == 0,
	    "wwctl --timeout 1 still ran after %d ms; %s",
	    HARNESS_TIMEOUT_MS, proc_describe(&p));
	took = harness_now_ms() - t0;
	expect_status(&p, 124);
	cr_assert(took >= 900, "--timeout 1 ended after only %lld ms", took);
	proc_clear(&p);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}

Test(exitcode, sigint_is_130_and_kills_the_worker)
{
	struct proc	p;

	wwctl_start(&harness, &p, harness_js("ready.js"), NULL);
	cr_assert(proc_wait_lines(&p, 1, HARNESS_TIMEOUT_MS) == 1,
	    "the worker never said ready; %s", proc_describe(&p));
	cr_assert(kill(p.pid, SIGINT) == 0);
	cr_assert(proc_finish(&p, HARNESS_TIMEOUT_MS) == 0,
	    "wwctl did not end on SIGINT; %s", proc_describe(&p));
	expect_status(&p, 130);
	cr_assert_str_eq(p.obuf, "\"ready\"\n", "%s", proc_describe(&p));
	proc_clear(&p);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}
