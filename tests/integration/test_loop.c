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

/*
 * Run tests/js/<script> to its close(), posting the JSON lines of input,
 * and compare all it printed.
 */
static void
expect_lines(const char *input, const char *script, const char *want)
{
	struct proc	p;

	wwctl_run(&harness, input, &p, harness_js(script), NULL);
	cr_assert(proc_exit_code(&p) == 0, "wwctl should exit 0; %s",
	    proc_describe(&p));
	cr_assert_str_eq(p.obuf, want, "%s printed other lines; %s", script,
	    proc_describe(&p));
	proc_clear(&p);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}

Test(loop, global_scope_has_its_interfaces)
{
	expect_lines("", "scope_classes.js", "[true,true,true,"
	    "\"[object DedicatedWorkerGlobalScope]\",\"function\",true,false,"
	    "true,true,true,\"[object WorkerLocation]\","
	    "\"[object WorkerNavigator]\"]\n\"TypeError\"\n");
}

/*
 * name, origin and location, which each worker fills in over the
 * template's placeholders, and postMessage keep their attributes:
 * origin and location read-only, all of them not enumerable.
 */
Test(loop, globals_filled_in_at_init_keep_their_attributes)
{
	expect_lines("", "scope_globals.js", "\"name w-c string, "
	    "origin --c string, location --c object, postMessage w-c "
	    "function, object, string, !\"\n");
}

/* postMessage's and structuredClone's second argument, per WebIDL. */
Test(loop, transfer_arguments_convert_as_webidl_says)
{
	expect_lines("", "transfer_args.js", "1\n1\n1\n"
	    "[\"ok\",\"ok\",\"ok\",\"ok\",\"ok\",\"TypeError\","
	    "\"TypeError\",\"TypeError\",\"ok\",\"ok\",\"ok\","
	    "\"TypeError\"]\n");
}

/* Microtasks around an uncaught error's listeners, script and timer. */
Test(loop, microtasks_around_error_listeners_follow_the_spec)
{
	expect_lines("", "error_order.js", "[\"L1\",\"L2\",\"micro\","
	    "\"m-L1\",\"t-micro\",\"L1\",\"m-L1\",\"L2\"]\n");
}

/* Small conversions and defaults the spec and WebIDL fix. */
Test(loop, webidl_conversions_and_defaults)
{
	expect_lines("", "webidl_misc.js", "[\"object\",null,null,0,null,"
	    "\"data:,function f(){throw new Error(\\\"x\\\")} "
	    "setTimeout(f,0)\",1]\n");
}

Test(loop, worker_options_convert_as_webidl_says)
{
	expect_lines("", "worker_options.js", "[[\"TypeError\",\"TypeError\","
	    "\"TypeError\",\"TypeError\",\"TypeError\",\"ok\",\"ok\",\"ok\"],"
	    "[\"url\",\"credentials\",\"name\",\"type\"]]\n");
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

/*
 * onmessage as the only listener is called directly by the worker:
 * the event still has every member, is being dispatched while the
 * listener and its microtasks run (so it cannot be dispatched again),
 * and is finished after, looked at during its dispatch or not.
 */
Test(loop, message_event_to_onmessage_alone_keeps_its_state)
{
	expect_lines("\"a\"\n\"b\"\n\"c\"\n", "message_event_state.js",
	    "[[\"message\",\"a\",\"\",\"\",null,0,"
	    "true,true,2,true,false,false,false,true,\"number\",true,"
	    "\"InvalidStateError\"],[\"micro\",true],"
	    "[null,0,true,false,null,0,true,true,true],"
	    "[\"listener\",false,\"b\"]]\n");
}

/*
 * A received message event (global scope, MessagePort) owns only data,
 * its other members are prototype getters; a constructed one keeps its
 * own; the getters answer nothing for other objects.
 */
Test(loop, received_message_events_own_only_data)
{
	expect_lines("\"a\"\n", "message_event_shape.js",
	    "[[\"data\",\"message\",\"a\","
	    "\"\",\"\",null,0,true,false,false,false,true,true,"
	    "\"number\",true],"
	    "[\"bubbles,cancelable,composed,data,lastEventId,origin,ports,"
	    "source,type\",\"message\",2,\"\",\"\",null,0,true,"
	    "false,false,false,true,false,\"number\",true],"
	    "[{\"$wwd\":\"undefined\"},true],"
	    "[\"data\",\"message\",3,\"\",\"\",null,0,true,"
	    "false,false,false,true,true,\"number\",true]]\n");
}

/*
 * The lone onmessage's shortcut follows the listeners as they change:
 * one is added, removed, onmessage cleared and set again, a "once"
 * listener runs once, and one removed during a dispatch is not called.
 */
Test(loop, lone_onmessage_follows_listener_changes)
{
	expect_lines("1\n2\n3\n4\n5\n6\n", "lone_handler.js",
	    "[\"f1\",\"f2\",\"g2\",\"f3\",\"f4\",\"g5\",\"f6\"]\n");
}

/*
 * Getters that post and log while postMessage or console.log encodes:
 * every frame arrives whole, the ones finished first first.
 */
Test(loop, frames_made_while_encoding_arrive_whole_and_first)
{
	struct proc	p;

	wwctl_run(&harness, "", &p, "--events", harness_js("reentrant.js"),
	    NULL);
	cr_assert(proc_exit_code(&p) == 0, "wwctl should exit 0; %s",
	    proc_describe(&p));
	cr_assert_str_eq(p.obuf,
	    "{\"type\":\"message\",\"data\":\"posted by a getter\"}\n"
	    "{\"type\":\"console\",\"level\":\"log\",\"args\":"
	    "[\"logged by a getter\",{\"y\":1}]}\n"
	    "{\"type\":\"message\",\"data\":{\"a\":{\"x\":1},\"b\":\"outer\"}}\n"
	    "{\"type\":\"message\",\"data\":\"posted by a getter\"}\n"
	    "{\"type\":\"console\",\"level\":\"log\",\"args\":"
	    "[\"logged by a getter\",{\"y\":1}]}\n"
	    "{\"type\":\"message\",\"data\":{\"nested\":{\"x\":1}}}\n"
	    "{\"type\":\"message\",\"data\":[\"deep\",{\"z\":2}]}\n"
	    "{\"type\":\"console\",\"level\":\"log\",\"args\":[\"inner log\"]}\n"
	    "{\"type\":\"console\",\"level\":\"log\",\"args\":"
	    "[\"outer log\",{\"n\":3}]}\n"
	    "{\"type\":\"message\",\"data\":\"before the failure\"}\n"
	    "{\"type\":\"message\",\"data\":\"DataCloneError\"}\n"
	    "{\"type\":\"message\",\"data\":\"end\"}\n"
	    "{\"type\":\"exit\",\"code\":0,\"signal\":0,\"reason\":\"closed\"}\n",
	    "frames out of order or broken; %s", proc_describe(&p));
	proc_clear(&p);
}

/*
 * terminate() from the owner discards what the worker has not yet
 * delivered: the owner reads the first of a 20 MiB burst (the daemon
 * queues at most 8 MiB for it) and terminates; fewer messages than
 * were posted arrive, in order, and the exit reason is "killed".
 */
Test(loop, terminate_discards_what_was_not_delivered)
{
	struct proc	 p;
	size_t		 i, n;
	char		*line, want[64];

	wwctl_start(&harness, &p, "--events", harness_js("burst.js"), NULL);
	cr_assert(proc_wait_lines(&p, 1, HARNESS_TIMEOUT_MS) == 1,
	    "no message before terminate; %s", proc_describe(&p));
	proc_write(&p, "{\"type\":\"terminate\"}\n");
	cr_assert(proc_finish(&p, HARNESS_TIMEOUT_MS) == 0,
	    "wwctl did not end after terminate; %s", proc_describe(&p));
	n = lines_count(p.obuf);
	cr_assert(n >= 2 && n - 1 < 5000, "expected 1 to 4999 messages and "
	    "the exit, got %zu lines", n);
	for (i = 0; i + 1 < n; i++) {
		line = lines_nth(p.obuf, i);
		snprintf(want, sizeof want, "{\"type\":\"message\",\"data\":\"%zu:",
		    i);
		cr_assert(strncmp(line, want, strlen(want)) == 0,
		    "message %zu out of order or broken", i);
		free(line);
	}
	line = lines_nth(p.obuf, n - 1);
	cr_assert(strstr(line, "\"type\":\"exit\"") != NULL &&
	    strstr(line, "\"reason\":\"killed\"") != NULL,
	    "the last line should be the exit, killed: %s", line);
	free(line);
	proc_clear(&p);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}

/*
 * Unhandled rejections: an uncancelled one reaches the owner as an
 * error "Uncaught (in promise) ...", a cancelled one (preventDefault in
 * onunhandledrejection) does not, and rejectionhandled fires when a
 * reported one is handled later.
 */
Test(loop, unhandled_rejections_reach_the_owner_unless_cancelled)
{
	struct proc	 p;
	size_t		 i, n, boom = 0, late = 0;
	char		*line;

	wwctl_run(&harness, "", &p, "--events", harness_js("rejections.js"),
	    NULL);
	cr_assert(proc_exit_code(&p) == 0, "wwctl should exit 0; %s",
	    proc_describe(&p));
	n = lines_count(p.obuf);
	for (i = 0; i < n; i++) {
		line = lines_nth(p.obuf, i);
		if (strstr(line, "\"type\":\"error\"") != NULL) {
			boom += strstr(line, "\"Uncaught (in promise) Error: "
			    "boom\"") != NULL;
			late += strstr(line, "\"Uncaught (in promise) late\"") !=
			    NULL;
			cr_assert(strstr(line, "cancelled") == NULL,
			    "a cancelled rejection reached the owner: %s", line);
		}
		free(line);
	}
	cr_assert(boom == 1 && late == 1, "boom and late (handled only "
	    "later) should each reach the owner once; %s",
	    proc_describe(&p));
	cr_assert(strstr(p.obuf, "{\"type\":\"message\",\"data\":"
	    "[\"unhandled cancelled true\",\"unhandled Error: boom true\","
	    "\"unhandled late true\",\"handled late true\"]}") != NULL,
	    "the worker should see all three and the late handling; %s",
	    proc_describe(&p));
	proc_clear(&p);
}

/*
 * The task-order cases where Node is not a browser: rejectionhandled
 * before a later unhandledrejection, no rejection task after close(),
 * a port started by onmessage = null, WebIDL's conversion order.
 */
Test(loop, spec_task_order_where_node_differs)
{
	wwctl_expect_output("spec_tasks");
}
