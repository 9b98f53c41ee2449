/*
 * test_exitcode.c: the exit statuses of `wwctl run` that other tests do
 * not already cover: 2 usage, 3 daemon unreachable, 124 --timeout and
 * 130 SIGINT (the worker must be gone afterwards in both). 0 and 1 are
 * checked by test_run.c and test_lifecycle.c. Also how the control
 * commands parse and report, and stdin lines that are not blank. Each
 * test has its own wwd.
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

/*
 * The control commands: options go before or after the arguments (kill
 * took "--socket" for a worker id), an argument too many is named, and
 * an answer that could not be written is exit 1 (it was 0).
 */
Test(exitcode, control_commands_parse_and_report_like_run)
{
	struct proc	 p;
	char		*kill_after[] = { "kill", "999999", "--socket",
			    harness.sock, NULL };
	char		*full[] = { "/bin/sh", "-c", NULL, NULL };
	char		*cmd;

	wwctl_run_argv("", &p, kill_after);
	expect_status(&p, 1);
	cr_assert(strstr(p.ebuf, "no worker 999999") != NULL, "%s",
	    proc_describe(&p));
	proc_clear(&p);
	wwctl_cmd(&harness, &p, "ps", "extra", NULL);
	expect_status(&p, 2);
	cr_assert(strstr(p.ebuf, "unexpected argument 'extra'") != NULL,
	    "%s", proc_describe(&p));
	proc_clear(&p);
	cr_assert(asprintf(&cmd, "'%s/wwctl' stats --json --socket '%s' "
	    ">/dev/full", WWD_BIN_DIR, harness.sock) >= 0);
	full[2] = cmd;
	proc_start(&p, full);
	proc_close_stdin(&p);
	cr_assert(proc_finish(&p, HARNESS_TIMEOUT_MS) == 0);
	expect_status(&p, 1);
	cr_assert(strstr(p.ebuf, "cannot write to stdout") != NULL, "%s",
	    proc_describe(&p));
	proc_clear(&p);
	free(cmd);
}

/* A stdin line of NUL bytes is not blank: it is reported, not skipped. */
Test(exitcode, nul_line_is_reported)
{
	struct proc	 p;
	char		*argv[] = { "/bin/sh", "-c", NULL, NULL };
	char		*cmd;

	cr_assert(asprintf(&cmd, "printf '\\000\\n1\\n' | '%s/wwctl' run "
	    "--socket '%s' --count 1 '%s'", WWD_BIN_DIR, harness.sock,
	    harness_js("echo.js")) >= 0);
	argv[2] = cmd;
	proc_start(&p, argv);
	proc_close_stdin(&p);
	cr_assert(proc_finish(&p, HARNESS_TIMEOUT_MS) == 0);
	expect_status(&p, 0);
	cr_assert(strstr(p.ebuf, "stdin line 1:") != NULL &&
	    strcmp(p.obuf, "1\n") == 0, "%s", proc_describe(&p));
	proc_clear(&p);
	free(cmd);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}
