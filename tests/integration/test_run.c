/*
 * test_run.c: `wwctl run` end to end against a real wwd and wwd-worker:
 * echo, the close() example of seed 000, uncaught errors and their
 * cancellation, failing scripts, JSON values both ways, importScripts,
 * console, and the worker's location/name/navigator. Each test has its
 * own daemon (fixture) and checks that no worker is left behind.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"
#include "json.h"

TestSuite(run, .init = harness_setup, .fini = harness_teardown,
    .timeout = 60);

/* A string member of an event, or NULL. */
static const char *
str_of(const struct json *ev, const char *key)
{
	const struct json	*v = json_get(ev, key);

	return v != NULL && v->type == JSON_STRING ? v->str : NULL;
}

/* Whether the number member key of ev exists and equals want. */
static int
num_is(const struct json *ev, const char *key, double want)
{
	const struct json	*v = json_get(ev, key);

	return v != NULL && v->type == JSON_NUMBER && v->num == want;
}

/* --events line i is {"type":"message","data":want} (by value). */
static void
expect_message_event(const struct proc *p, size_t i, const char *want)
{
	char	*text;

	cr_assert(asprintf(&text, "{\"type\":\"message\",\"data\":%s}",
	    want) >= 0);
	expect_json_line(p, i, text);
	free(text);
}

/* --events line i is an exit event with this code, signal and reason. */
static void
expect_exit_event(const struct proc *p, size_t i, int code, int sig,
    const char *reason)
{
	struct json	*ev = out_json(p, i);
	const char	*r = str_of(ev, "reason");

	cr_assert(str_of(ev, "type") != NULL &&
	    strcmp(str_of(ev, "type"), "exit") == 0,
	    "line %zu should be the exit event; %s", i + 1, proc_describe(p));
	cr_assert(r != NULL && strcmp(r, reason) == 0,
	    "exit reason should be \"%s\"; %s", reason, proc_describe(p));
	cr_assert(num_is(ev, "code", code) && num_is(ev, "signal", sig),
	    "exit event should have code %d, signal %d; %s", code, sig,
	    proc_describe(p));
	json_free(ev);
}

/* Whether any stdout line is an event of the given type. */
static int
has_event(const struct proc *p, const char *type)
{
	size_t	n = lines_count(p->obuf), i;
	int	found = 0;

	for (i = 0; i < n && !found; i++) {
		struct json	*ev = out_json(p, i);
		const char	*t = str_of(ev, "type");

		found = t != NULL && strcmp(t, type) == 0;
		json_free(ev);
	}
	return found;
}

static void
expect_status(const struct proc *p, int want)
{
	cr_assert(proc_exit_code(p) == want, "wwctl should exit %d; %s", want,
	    proc_describe(p));
}

static void
finish(struct proc *p)
{
	proc_clear(p);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}

Test(run, echo_prints_each_reply_as_a_json_line)
{
	struct proc	p;

	wwctl_run(&harness, "1\n{\"a\":[1,2,\"x\"]}\n", &p, "--count", "2",
	    harness_js("echo.js"), NULL);
	expect_status(&p, 0);
	cr_assert_str_eq(p.obuf, "1\n{\"a\":[1,2,\"x\"]}\n",
	    "stdout should be the two values as JSON lines; %s",
	    proc_describe(&p));
	finish(&p);
}

Test(run, deleted_globals_leave_onmessage_a_handler)
{
	struct proc	p;

	wwctl_run(&harness, "7\n", &p, "--count", "1",
	    harness_js("delete_globals.js"), NULL);
	expect_status(&p, 0);
	cr_assert_str_eq(p.obuf, "7\n", "the handler should echo 7; %s",
	    proc_describe(&p));
	finish(&p);
}

/* Workers that flood each other (or themselves) must not all wait. */
static void
expect_flood_done(const char *script, const char *want)
{
	struct proc	p;

	wwctl_run(&harness, "", &p, "--count", "1", harness_js(script),
	    NULL);
	expect_status(&p, 0);
	cr_assert_str_eq(p.obuf, want, "%s", proc_describe(&p));
	finish(&p);
}

Test(run, workers_flooding_each_other_both_finish)
{
	expect_flood_done("flood_pair.js", "\"both got 8000\"\n");
}

Test(run, worker_flooding_its_own_port_finishes)
{
	expect_flood_done("flood_self.js", "\"got 8000\"\n");
}

Test(run, events_show_message_and_exit)
{
	struct proc	p;

	wwctl_run(&harness, "{\"type\":\"message\",\"data\":\"x\"}\n"
	    "{\"type\":\"message\",\"data\":\"close\"}\n", &p, "--events",
	    harness_js("echo.js"), NULL);
	expect_status(&p, 0);
	cr_assert(lines_count(p.obuf) == 2, "expected a message and an exit "
	    "event; %s", proc_describe(&p));
	expect_message_event(&p, 0, "\"x\"");
	expect_exit_event(&p, 1, 0, 0, "closed");
	finish(&p);
}

Test(run, close_lets_the_running_task_finish_and_drops_timers)
{
	struct proc	 p;
	char		*want = harness_read_file(harness_js("close.out"));

	cr_assert(want != NULL, "tests/js/close.out is missing");
	wwctl_run(&harness, "", &p, harness_js("close.js"), NULL);
	expect_status(&p, 0);
	cr_assert_str_eq(p.obuf, want, "close.js should print foo and bar, "
	    "never baz; %s", proc_describe(&p));
	free(want);
	finish(&p);
}

Test(run, close_reports_exit_reason_closed)
{
	struct proc	p;

	wwctl_run(&harness, "", &p, "--events", harness_js("close.js"), NULL);
	expect_status(&p, 0);
	cr_assert(lines_count(p.obuf) == 3, "expected foo, bar and exit; %s",
	    proc_describe(&p));
	expect_message_event(&p, 0, "\"foo\"");
	expect_message_event(&p, 1, "\"bar\"");
	expect_exit_event(&p, 2, 0, 0, "closed");
	finish(&p);
}

Test(run, uncaught_error_reaches_owner_and_worker_keeps_running)
{
	struct proc	 p;
	struct json	*ev;
	char		*url = harness_file_url(harness_js("error.js"));
	const char	*s;

	wwctl_run(&harness, "{\"type\":\"message\",\"data\":\"boom\"}\n"
	    "{\"type\":\"message\",\"data\":\"ok\"}\n", &p, "--events",
	    "--count", "1", harness_js("error.js"), NULL);
	expect_status(&p, 0);
	ev = out_json(&p, 0);
	s = str_of(ev, "type");
	cr_assert(s != NULL && strcmp(s, "error") == 0,
	    "the first event should be the error; %s", proc_describe(&p));
	s = str_of(ev, "message");
	cr_assert(s != NULL && strstr(s, "boom") != NULL,
	    "the error message should contain \"boom\"; %s", proc_describe(&p));
	s = str_of(ev, "filename");
	cr_assert(s != NULL && strcmp(s, url) == 0,
	    "the error filename should be %s; %s", url, proc_describe(&p));
	cr_assert(num_is(ev, "lineno", 4), "the error lineno should be 4 "
	    "(the throw); %s", proc_describe(&p));
	cr_assert(json_get(ev, "colno") != NULL &&
	    json_get(ev, "colno")->type == JSON_NUMBER,
	    "the error colno should be a number; %s", proc_describe(&p));
	json_free(ev);
	expect_message_event(&p, 1, "\"ok\"");
	free(url);
	finish(&p);
}

Test(run, uncaught_error_is_readable_on_stderr)
{
	struct proc	p;

	wwctl_run(&harness, "\"boom\"\n\"ok\"\n", &p, "--count", "1",
	    harness_js("error.js"), NULL);
	expect_status(&p, 0);
	cr_assert_str_eq(p.obuf, "\"ok\"\n", "%s", proc_describe(&p));
	cr_assert(strstr(p.ebuf, "boom") != NULL,
	    "the error should be printed on stderr; %s", proc_describe(&p));
	finish(&p);
}

Test(run, onerror_returning_true_cancels_the_error)
{
	struct proc	p;

	wwctl_run(&harness, "{\"type\":\"message\",\"data\":\"boom\"}\n"
	    "{\"type\":\"message\",\"data\":\"ok\"}\n", &p, "--events",
	    "--count", "2", harness_js("error_onerror.js"), NULL);
	expect_status(&p, 0);
	expect_message_event(&p, 0, "[\"onerror\",true,8]");
	expect_message_event(&p, 1, "\"ok\"");
	cr_assert(!has_event(&p, "error"), "a cancelled error must not reach "
	    "the owner; %s", proc_describe(&p));
	finish(&p);
}

/*
 * An error thrown by onerror while it handles another is reported
 * nowhere (HTML, "Runtime script errors"): it goes to the console. The
 * first error, not cancelled, reaches the owner.
 */
Test(run, error_thrown_by_onerror_is_only_logged)
{
	struct proc	 p;
	struct json	*ev;
	const char	*s;

	wwctl_run(&harness, "", &p, "--events", "--eval",
	    "self.onerror = function () { throw new Error('inner'); };"
	    "setTimeout(function () { throw new Error('outer'); }, 0);"
	    "setTimeout(close, 0);", NULL);
	expect_status(&p, 0);
	cr_assert(lines_count(p.obuf) == 3, "%s", proc_describe(&p));
	ev = out_json(&p, 0);
	s = str_of(ev, "type");
	cr_assert(s != NULL && strcmp(s, "console") == 0 &&
	    strstr(p.obuf, "[\"Uncaught Error: inner\"]") != NULL, "%s",
	    proc_describe(&p));
	json_free(ev);
	ev = out_json(&p, 1);
	s = str_of(ev, "message");
	cr_assert(s != NULL && strcmp(s, "Uncaught Error: outer") == 0, "%s",
	    proc_describe(&p));
	json_free(ev);
	expect_exit_event(&p, 2, 0, 0, "closed");
	finish(&p);
}

Test(run, error_listener_prevent_default_cancels_the_error)
{
	struct proc	p;

	wwctl_run(&harness, "{\"type\":\"message\",\"data\":\"boom\"}\n"
	    "{\"type\":\"message\",\"data\":\"ok\"}\n", &p, "--events",
	    "--count", "2", harness_js("error_listener.js"), NULL);
	expect_status(&p, 0);
	expect_message_event(&p, 0, "[\"listener\",true,9,true]");
	expect_message_event(&p, 1, "\"ok\"");
	cr_assert(!has_event(&p, "error"), "a cancelled error must not reach "
	    "the owner; %s", proc_describe(&p));
	finish(&p);
}

Test(run, syntax_error_fails_to_start)
{
	struct proc	p;

	wwctl_run(&harness, "", &p, harness_js("syntax_error.js"), NULL);
	expect_status(&p, 1);
	cr_assert(strstr(p.ebuf, "SyntaxError") != NULL &&
	    strstr(p.ebuf, "workers run ES5") != NULL,
	    "stderr should give the reason and the hint; %s",
	    proc_describe(&p));
	finish(&p);
}

Test(run, syntax_error_exit_event_is_failed)
{
	struct proc	p;

	wwctl_run(&harness, "", &p, "--events",
	    harness_js("syntax_error.js"), NULL);
	expect_status(&p, 1);
	cr_assert(lines_count(p.obuf) == 1, "only the exit event expected; "
	    "%s", proc_describe(&p));
	expect_exit_event(&p, 0, 1, 0, "failed");
	finish(&p);
}

Test(run, missing_script_fails_naming_the_file)
{
	struct proc	 p;
	char		*path;

	cr_assert(asprintf(&path, "%s/no-such-script.js", harness.dir) >= 0);
	wwctl_run(&harness, "", &p, path, NULL);
	expect_status(&p, 1);
	cr_assert(strstr(p.ebuf, "no-such-script.js") != NULL,
	    "stderr should name the missing file; %s", proc_describe(&p));
	cr_assert_str_eq(p.obuf, "", "%s", proc_describe(&p));
	free(path);
	finish(&p);
}

Test(run, json_values_cross_both_ways)
{
	/* Line 8 is not JSON: reported naming the line, then skipped. */
	static const char *in =
	    "{\"nested\":{\"a\":[1,{\"b\":[true,false,null]}],\"e\":{},"
	    "\"l\":[]}}\n"
	    "\"h\\u00e9llo \\ud83d\\ude00\"\n"
	    "9007199254740992\n"
	    "-9007199254740992\n"
	    "0.1\n"
	    "1e300\n"
	    "-1.5\n"
	    "{broken\n"
	    "true\n"
	    "null\n"
	    "\"tab\\tquote\\\"back\\\\slash\"\n";
	/* What a browser or Node prints for values.js and this input. */
	static const char *want[] = {
	    "{\"int\":9007199254740992,\"neg\":-9007199254740992,\"f\":0.1,"
	    "\"big\":1e+300,\"m\":-1.5,\"t\":true,\"fa\":false,\"n\":null,"
	    "\"s\":\"h\\u00e9llo \\ud83d\\ude00\",\"arr\":[1,[2,[3,{}]]],"
	    "\"o\":{\"x\":{\"y\":\"z\"}},\"zero\":0}",
	    "[{\"nested\":{\"a\":[1,{\"b\":[true,false,null]}],\"e\":{},"
	    "\"l\":[]}},\"object:{\\\"nested\\\":{\\\"a\\\":[1,{\\\"b\\\":"
	    "[true,false,null]}],\\\"e\\\":{},\\\"l\\\":[]}}\"]",
	    "[\"h\\u00e9llo \\ud83d\\ude00\","
	    "\"string:h%C3%A9llo%20%F0%9F%98%80\"]",
	    "[9007199254740992,\"number:9007199254740992\"]",
	    "[-9007199254740992,\"number:-9007199254740992\"]",
	    "[0.1,\"number:0.1\"]",
	    "[1e+300,\"number:1e+300\"]",
	    "[-1.5,\"number:-1.5\"]",
	    "[true,\"boolean:true\"]",
	    "[null,\"null\"]",
	    "[\"tab\\tquote\\\"back\\\\slash\","
	    "\"string:tab%09quote%22back%5Cslash\"]",
	};
	size_t		n = sizeof want / sizeof want[0], i;
	struct proc	p;

	wwctl_run(&harness, in, &p, "--count", "11",
	    harness_js("values.js"), NULL);
	expect_status(&p, 0);
	cr_assert(lines_count(p.obuf) == n, "expected %zu lines; %s", n,
	    proc_describe(&p));
	for (i = 0; i < n; i++)
		expect_json_line(&p, i, want[i]);
	cr_assert(strstr(p.ebuf, "line 8") != NULL, "the bad stdin line "
	    "should be reported on stderr naming line 8; %s",
	    proc_describe(&p));
	finish(&p);
}

/*
 * A NUL and a character outside the BMP deep in a long string: the
 * worker reads them right, and wwctl prints the string back as UTF-8.
 */
Test(run, long_strings_keep_what_the_worker_stores_differently)
{
	struct proc	 p;
	char		 a[1001], in[3100], want[3200];

	memset(a, 'a', 1000), a[1000] = '\0';
	snprintf(in, sizeof in, "\"%s\\ud83d\\ude00%s\"\n\"%s\\u0000c\"\n",
	    a, a, a);
	snprintf(want, sizeof want, "\"%s\xf0\x9f\x98\x80%s\"\n"
	    "[2002,55357,56832,-1]\n\"%s\\u0000c\"\n[1002,0,99,1000]\n",
	    a, a, a);
	wwctl_run(&harness, in, &p, harness_js("long_text.js"), NULL);
	expect_status(&p, 0);
	cr_assert_str_eq(p.obuf, want, "the strings should come back whole; "
	    "%s", proc_describe(&p));
	finish(&p);
}

Test(run, import_scripts_file_and_data_urls)
{
	struct proc	 p;
	char		*want = harness_read_file(harness_js("import.out"));

	cr_assert(want != NULL, "tests/js/import.out is missing");
	wwctl_run(&harness, "", &p, harness_js("import.js"), NULL);
	expect_status(&p, 0);
	cr_assert(lines_count(p.obuf) == 1, "%s", proc_describe(&p));
	expect_json_line(&p, 0, want);
	free(want);
	finish(&p);
}

Test(run, console_is_readable_on_stderr)
{
	struct proc	p;

	wwctl_run(&harness, "", &p, harness_js("console.js"), NULL);
	expect_status(&p, 0);
	cr_assert_str_eq(p.obuf, "", "console output must not go to stdout; "
	    "%s", proc_describe(&p));
	cr_assert(strstr(p.ebuf, "hi 1") != NULL, "stderr should show "
	    "console.log's arguments as text; %s", proc_describe(&p));
	finish(&p);
}

Test(run, console_event_carries_level_and_args)
{
	struct proc	 p;
	struct json	*ev, *want;
	const char	*s;

	wwctl_run(&harness, "", &p, "--events", harness_js("console.js"),
	    NULL);
	expect_status(&p, 0);
	cr_assert(lines_count(p.obuf) == 2, "expected console and exit "
	    "events; %s", proc_describe(&p));
	ev = out_json(&p, 0);
	s = str_of(ev, "type");
	cr_assert(s != NULL && strcmp(s, "console") == 0, "%s",
	    proc_describe(&p));
	s = str_of(ev, "level");
	cr_assert(s != NULL && strcmp(s, "log") == 0, "level should be log; "
	    "%s", proc_describe(&p));
	want = json_parse("[\"hi\",1,{\"a\":1}]", NULL);
	cr_assert(json_equal(json_get(ev, "args"), want),
	    "args should be [\"hi\",1,{\"a\":1}]; %s", proc_describe(&p));
	json_free(want);
	json_free(ev);
	expect_exit_event(&p, 1, 0, 0, "closed");
	finish(&p);
}

Test(run, console_counters_groups_and_timers)
{
	struct proc	p;

	wwctl_run(&harness, "", &p, harness_js("console_counters.js"), NULL);
	expect_status(&p, 0);
	cr_assert_str_eq(p.ebuf, "default: 1\ndefault: 2\nx: 1\ndefault: 1\n"
	    "Count for 'nope' does not exist\nG 1\n  inside\n    deeper\n"
	    "out\nTimer 't' already exists\nTimer 'nope' does not exist\n"
	    "Timer 'nope' does not exist\n[ 1 ]\n__proto__: 1\n", "%s",
	    proc_describe(&p));
	finish(&p);
}

/*
 * A Blob is a platform object: its class is Blob, and structured clone
 * refuses it (wwd does not serialize Blobs; it used to send {}).
 */
Test(run, blob_is_refused_by_structured_clone)
{
	struct proc	p;

	wwctl_run(&harness, "", &p, "--eval",
	    "var b = new Blob(['x']), r = [Object.prototype.toString.call(b)];"
	    "try { structuredClone(b); r.push('cloned'); }"
	    "catch (e) { r.push(e.name); }"
	    "try { postMessage({ b: b }); r.push('posted'); }"
	    "catch (e) { r.push(e.name); }"
	    "postMessage(r); close();", NULL);
	expect_status(&p, 0);
	expect_json_line(&p, 0, "[\"[object Blob]\",\"DataCloneError\","
	    "\"DataCloneError\"]");
	finish(&p);
}

Test(run, location_name_and_navigator)
{
	struct proc	p;

	wwctl_run(&harness, "", &p, "--url",
	    "http://example.com/dir/w.js?q=1#h", "--name", "n1",
	    harness_js("location.js"), NULL);
	expect_status(&p, 0);
	cr_assert(lines_count(p.obuf) == 1, "%s", proc_describe(&p));
	expect_json_line(&p, 0, "{"
	    "\"href\":\"http://example.com/dir/w.js?q=1#h\","
	    "\"origin\":\"http://example.com\","
	    "\"protocol\":\"http:\","
	    "\"host\":\"example.com\","
	    "\"hostname\":\"example.com\","
	    "\"port\":\"\","
	    "\"pathname\":\"/dir/w.js\","
	    "\"search\":\"?q=1\","
	    "\"hash\":\"#h\","
	    "\"string\":\"http://example.com/dir/w.js?q=1#h\","
	    "\"name\":\"n1\","
	    "\"selfName\":\"n1\","
	    "\"selfIsThis\":true,"
	    "\"hardwareConcurrency\":\"number\","
	    "\"userAgent\":\"string\","
	    "\"onLine\":\"boolean\"}");
	finish(&p);
}

Test(run, clone_keeps_types_cycles_and_prints_the_json_form)
{
	static const char	*want =
	    "\"true true true true true 5 true a+b true true bad object "
	    "false -Infinity 2 true -Infinity true 55296 3 false e 900 "
	    "DataCloneError DataCloneError\"\n"
	    "{\"a\":1,\"b\":{\"$wwd\":\"Boolean\",\"value\":false},"
	    "\"d\":{\"$wwd\":\"Date\",\"value\":5},"
	    "\"e\":{\"$wwd\":\"Error\",\"name\":\"TypeError\","
	    "\"message\":\"bad\"},"
	    "\"h\":{\"$wwd\":\"array\",\"length\":3,\"items\":[0,1,2,3,"
	    "\"extra\",\"e\"]},"
	    "\"n\":{\"$wwd\":\"Number\",\"value\":{\"$wwd\":\"number\","
	    "\"value\":\"-0\"}},"
	    "\"nan\":{\"$wwd\":\"number\",\"value\":\"NaN\"},"
	    "\"nz\":{\"$wwd\":\"number\",\"value\":\"-0\"},"
	    "\"pair\":[{\"$wwd\":\"ref\",\"index\":2},"
	    "{\"$wwd\":\"ref\",\"index\":2}],"
	    "\"r\":{\"$wwd\":\"RegExp\",\"source\":\"a+b\","
	    "\"flags\":\"gi\"},"
	    "\"s\":\"x\\ud800y\",\"self\":{\"$wwd\":\"ref\",\"index\":0},"
	    "\"st\":{\"$wwd\":\"String\",\"value\":\"hi\"},"
	    "\"u\":{\"$wwd\":\"undefined\"}}\n";
	struct proc	p;

	wwctl_run(&harness, "", &p, harness_js("clone.js"), NULL);
	expect_status(&p, 0);
	cr_assert_str_eq(p.obuf, want, "%s", proc_describe(&p));
	finish(&p);
}

Test(run, location_href_is_the_parsed_url)
{
	struct proc	p;

	wwctl_run(&harness, "", &p, "--url",
	    "HTTP://EXAMPLE.com:80/a/./b/../c.js", "--eval",
	    "postMessage([location.href, String(location), location.host]);"
	    "close();", NULL);
	expect_status(&p, 0);
	expect_json_line(&p, 0, "[\"http://example.com/a/c.js\","
	    "\"http://example.com/a/c.js\",\"example.com\"]");
	finish(&p);
}

Test(run, http_worker_cannot_import_local_files)
{
	struct proc	 p;
	char		*code, *url = harness_file_url(harness_js("echo.js"));

	cr_assert(asprintf(&code, "try { importScripts('%s'); "
	    "postMessage('imported'); } catch (e) { postMessage(e.name); }"
	    "close();", url) >= 0);
	wwctl_run(&harness, "", &p, "--url", "http://example.com/w.js",
	    "--eval", code, NULL);
	expect_status(&p, 0);
	expect_json_line(&p, 0, "\"NetworkError\"");
	free(code);
	free(url);
	finish(&p);
}

/*
 * An http(s) worker with a root imports its origin's scripts from under
 * it; a path that names a directory, or escapes the root, is a
 * NetworkError, never the end of the worker.
 */
Test(run, http_worker_imports_from_its_root)
{
	struct proc	 p;
	char		*root = strdup(harness_js("lib/imported.js"));

	*strrchr(root, '/') = '\0';
	wwctl_run(&harness, "", &p, "--url", "http://example.com/a/w.js",
	    "--root", root, "--eval",
	    "importScripts('/imported.js', 'http://example.com/imp_a.js');"
	    "var seen = [imported, order.join()];"
	    "['/', './', '.', '/?x', 'http://example.com', '/../etc/passwd',"
	    " '/%2e%2e/x.js', 'http://example.org/imported.js'].forEach("
	    "function (u) { try { importScripts(u); seen.push('ran ' + u); }"
	    " catch (e) { seen.push(e.name); } });"
	    "postMessage(seen); close();", NULL);
	expect_status(&p, 0);
	expect_json_line(&p, 0, "[\"lib/imported.js\",\"a\","
	    "\"NetworkError\",\"NetworkError\",\"NetworkError\","
	    "\"NetworkError\",\"NetworkError\",\"NetworkError\","
	    "\"NetworkError\",\"NetworkError\"]");
	free(root);
	finish(&p);
}

Test(run, message_over_the_frame_limit_throws_and_worker_goes_on)
{
	struct proc	p;

	/* 2^24 bytes: with the frame's own bytes, over the 16 MiB limit. */
	wwctl_run(&harness, "", &p, "--eval",
	    "var s = 'x'; while (s.length < 16777216) s += s;"
	    "try { postMessage(s); } catch (e) { postMessage(e.name); }"
	    "console.log(s); postMessage('after'); close();", NULL);
	expect_status(&p, 0);
	cr_assert(lines_count(p.obuf) == 2, "%s", proc_describe(&p));
	expect_json_line(&p, 0, "\"DataCloneError\"");
	expect_json_line(&p, 1, "\"after\"");
	/* The oversized console line arrives cut to its first MiB. */
	cr_assert(strlen(p.ebuf) >= 1024 * 1024 &&
	    strlen(p.ebuf) < 2 * 1024 * 1024,
	    "stderr should hold the first MiB of the console line, has %zu "
	    "bytes", strlen(p.ebuf));
	finish(&p);
}

/* Tagged values that a worker sends back exactly as they came. */
static const char *const tagged[] = {
	"{\"$wwd\":\"undefined\"}",
	"[{\"$wwd\":\"number\",\"value\":\"NaN\"},"
	    "{\"$wwd\":\"number\",\"value\":\"Infinity\"},"
	    "{\"$wwd\":\"number\",\"value\":\"-Infinity\"},"
	    "{\"$wwd\":\"number\",\"value\":\"-0\"},0.5,-7]",
	"{\"$wwd\":\"Date\",\"value\":1234}",
	"{\"$wwd\":\"Date\",\"value\":{\"$wwd\":\"number\",\"value\":\"NaN\"}}",
	"{\"$wwd\":\"RegExp\",\"source\":\"a+\",\"flags\":\"gi\"}",
	"[{\"$wwd\":\"Boolean\",\"value\":true},{\"$wwd\":\"Number\","
	    "\"value\":{\"$wwd\":\"number\",\"value\":\"-0\"}},"
	    "{\"$wwd\":\"String\",\"value\":\"x\"}]",
	"{\"$wwd\":\"array\",\"length\":5,\"items\":[1,2,\"foo\","
	    "{\"$wwd\":\"undefined\"}]}",
	"{\"$wwd\":\"Error\",\"name\":\"TypeError\",\"message\":\"bad\"}",
	"{\"$wwd\":\"Map\",\"entries\":[1,2,{\"a\":1},[3]]}",
	"{\"$wwd\":\"Set\",\"values\":[1,\"a\",{\"$wwd\":\"undefined\"}]}",
	"[{\"$wwd\":\"ArrayBuffer\",\"base64\":\"AAECAw==\"},{\"$wwd\":"
	    "\"view\",\"kind\":1,\"buffer\":{\"$wwd\":\"ref\",\"index\":1},"
	    "\"byteOffset\":1,\"length\":2}]",
	"{\"a\":{\"$wwd\":\"ref\",\"index\":0},\"b\":[{\"$wwd\":\"ref\","
	    "\"index\":0}]}",
	"{\"$wwd\":\"object\",\"value\":{\"$wwd\":\"x\",\"b\":1}}",
	"[\"a\\ud800b\",\"\\udc00\",{\"k\\udbff\":1}]",
};

/* A JSON array nested depth levels deep: [[...[1]...]]. */
static char *
deep_array(unsigned depth)
{
	char		*s = malloc(2 * depth + 2), *q = s;
	unsigned	 k;

	cr_assert(s != NULL);
	for (k = 0; k < depth; k++)
		*q++ = '[';
	*q++ = '1';
	for (k = 0; k < depth; k++)
		*q++ = ']';
	*q = '\0';
	return s;
}

Test(run, tagged_json_makes_the_round_trip_through_a_worker)
{
	char		*in = NULL, *want = NULL, *deep = deep_array(1000);
	size_t		 inlen = 0, wantlen = 0, k, n = 0;
	FILE		*fi = open_memstream(&in, &inlen);
	FILE		*fw = open_memstream(&want, &wantlen);
	char		 count[16];
	struct proc	 p;

	cr_assert(fi != NULL && fw != NULL);
	for (k = 0; k < sizeof tagged / sizeof tagged[0]; k++, n++) {
		fprintf(fi, "%s\n", tagged[k]);
		fprintf(fw, "%s\n", tagged[k]);
	}
	fprintf(fi, "%s\n", deep);
	fprintf(fw, "%s\n", deep);
	n++;
	fclose(fi);
	fclose(fw);
	snprintf(count, sizeof count, "%zu", n);
	wwctl_run(&harness, in, &p, "--count", count, harness_js("echo.js"),
	    NULL);
	expect_status(&p, 0);
	cr_assert_str_eq(p.obuf, want, "%s", proc_describe(&p));
	finish(&p);
	free(in);
	free(want);
	free(deep);
}

Test(run, events_carry_tagged_and_deep_values_both_ways)
{
	char		*in = NULL, *deep = deep_array(1000);
	size_t		 inlen = 0, k, n = sizeof tagged / sizeof tagged[0];
	FILE		*fi = open_memstream(&in, &inlen);
	struct proc	 p;

	cr_assert(fi != NULL);
	for (k = 0; k < n; k++)
		fprintf(fi, "{\"type\":\"message\",\"data\":%s}\n", tagged[k]);
	fprintf(fi, "{\"type\":\"message\",\"data\":%s}\n", deep);
	fprintf(fi, "{\"type\":\"message\",\"data\":\"close\"}\n");
	fclose(fi);
	wwctl_run(&harness, in, &p, "--events", harness_js("echo.js"), NULL);
	expect_status(&p, 0);
	for (k = 0; k < n; k++)
		expect_message_event(&p, k, tagged[k]);
	cr_assert(lines_count(p.obuf) > n && strstr(p.obuf, deep) != NULL,
	    "the 1000-deep value should come back; %s", proc_describe(&p));
	expect_exit_event(&p, n + 1, 0, 0, "closed");
	finish(&p);
	free(in);
	free(deep);
}
