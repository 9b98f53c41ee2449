/*
 * test_clone.c: the worker's native built-ins (Map, Set, ArrayBuffer,
 * typed arrays, DataView) and structured clone of them through a real
 * wwd, wwd-worker and wwctl. Expected outputs of tests/js/NAME.out are what
 * Node prints for the same ES5 code (see the head of each script).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"

TestSuite(clone, .init = harness_setup, .fini = harness_teardown,
    .timeout = 60);

/* Run tests/js/<name>.js and compare its stdout with <name>.out. */
static void
expect_output(const char *name)
{
	struct proc	 p;
	char		*js, *out, *want;

	cr_assert(asprintf(&js, "%s.js", name) >= 0);
	cr_assert(asprintf(&out, "%s.out", name) >= 0);
	want = harness_read_file(harness_js(out));
	cr_assert(want != NULL, "tests/js/%s is missing", out);
	wwctl_run(&harness, "", &p, harness_js(js), NULL);
	cr_assert(proc_exit_code(&p) == 0, "wwctl should exit 0; %s",
	    proc_describe(&p));
	cr_assert_str_eq(p.obuf, want, "%s should print %s; %s", js, out,
	    proc_describe(&p));
	free(want);
	free(js);
	free(out);
	proc_clear(&p);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}

Test(clone, builtins_behave_as_in_node)
{
	expect_output("builtins");
}

Test(clone, buffers_maps_and_sets_clone_and_transfer)
{
	expect_output("clone_buffers");
}

Test(clone, ports_transfer_through_structured_clone)
{
	expect_output("clone_ports");
}
