/*
 * test_loop.c: the worker's global scope and event loop as seen from
 * its owner, through a real wwd, wwd-worker and wwctl: the scope's
 * interfaces, and what the scripts in tests/js print.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"

TestSuite(loop, .init = harness_setup, .fini = harness_teardown,
    .timeout = 60);

/* Run tests/js/<script> to its close() and compare all it printed. */
static void
expect_lines(const char *script, const char *want)
{
	struct proc	p;

	wwctl_run(&harness, "", &p, harness_js(script), NULL);
	cr_assert(proc_exit_code(&p) == 0, "wwctl should exit 0; %s",
	    proc_describe(&p));
	cr_assert_str_eq(p.obuf, want, "%s printed other lines; %s", script,
	    proc_describe(&p));
	proc_clear(&p);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}

Test(loop, global_scope_has_its_interfaces)
{
	expect_lines("scope_classes.js", "[true,true,true,"
	    "\"[object DedicatedWorkerGlobalScope]\",\"function\",true,false,"
	    "true,true,true,\"[object WorkerLocation]\","
	    "\"[object WorkerNavigator]\"]\n\"TypeError\"\n");
}

/* A script that replaces built-ins and pokes at _listeners/_s. */
Test(loop, dispatch_survives_broken_builtins_and_hides_its_state)
{
	struct proc	p;

	wwctl_run(&harness, "\"a\"\n\"b\"\n", &p, "--count", "2",
	    harness_js("robust_events.js"), NULL);
	cr_assert(proc_exit_code(&p) == 0, "wwctl should exit 0; %s",
	    proc_describe(&p));
	cr_assert_str_eq(p.obuf, "[\"function\",\"undefined\",\"undefined\","
	    "false,\"threw\",true]\n[\"a\",\"l:a\",\"b\"]\n",
	    "later messages must be dispatched, the state unreachable; %s",
	    proc_describe(&p));
	cr_assert(strstr(p.ebuf, "error") == NULL, "no error expected; %s",
	    proc_describe(&p));
	proc_clear(&p);
}
