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
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "check.h"
#include "harness.h"

TestSuite(clone, .init = harness_setup, .fini = harness_teardown,
    .timeout = 60);

Test(clone, builtins_behave_as_in_node)
{
	wwctl_expect_output("builtins");
}

Test(clone, buffers_maps_and_sets_clone_and_transfer)
{
	wwctl_expect_output("clone_buffers");
}

Test(clone, transfer_list_is_checked_again_after_getters)
{
	wwctl_expect_output("transfer_in_getter");
}

/* POST the hand-made payload p (n bytes) on port. */
static void
post_raw(struct rawc *c, uint64_t port, const uint8_t *p, size_t n)
{
	struct ipc_post	m;
	struct ipc_buf	b;

	m.ntransfer = 0;
	m.data.ptr = (const char *)p;
	m.data.len = (uint32_t)n;
	ipc_buf_init(&b);
	cr_assert(ipc_post_encode(&b, port, &m) == 0);
	rawc_send_buf(c, &b);
	ipc_buf_clear(&b);
}

/* Read the worker's answer to a bad payload: "messageerror", or fail. */
static void
expect_messageerror(struct rawc *c, uint64_t port, const char *what)
{
	static const char	 want[] = "\xacmessageerror";
	struct ipc_frame	 f;
	struct ipc_post		 m;
	const char		*why = "";
	char			 hex[3 * 16 + 1] = "";
	uint32_t		 i;

	cr_assert(rawc_read_until(c, IPC_POST, &f, HARNESS_TIMEOUT_MS) == 1,
	    "no answer from the worker to %s", what);
	cr_assert(f.port == port && ipc_post_decode(f.body, f.len, &m,
	    &why) == 0, "bad answer to %s: %s", what, why);
	for (i = 0; i < m.data.len && i < 16; i++)
		snprintf(hex + 3 * i, 4, "%02x ", (uint8_t)m.data.ptr[i]);
	cr_assert(m.data.len == sizeof want - 1 &&
	    memcmp(m.data.ptr, want, m.data.len) == 0,
	    "%s should fire messageerror, but the worker got a message "
	    "and echoed %s", what, hex);
}

/* One malformed payload and what is wrong with it. */
struct bad_payload {
	const char	*what;
	const char	*bytes;	/* as a C string of \x escapes */
	size_t		 len;
};

#define BAD(what, s)	{ what, s, sizeof s - 1 }

static const struct bad_payload bad_payloads[] = {
	/* ext lengths that do not fit their type */
	BAD("undefined with a data byte", "\xd4\x00\x00"),
	BAD("a Date of 4 bytes", "\xd6\x03\x00\x00\x00\x00"),
	BAD("a back-reference of 2 bytes", "\x91\xd5\x01\x00\x00"),
	BAD("a port index of 8 bytes", "\xd7\x04\x00\x00\x00\x00\x00\x00\x00"
	    "\x00"),
	BAD("a record marker with data", "\x92\xd4\x10\x00\xc3"),
	/* a WTF-8 string (ext 2) that is not WTF-8, as a value and a key */
	BAD("a WTF-8 string of ff fe", "\xd5\x02\xff\xfe"),
	BAD("an overlong WTF-8 string", "\xd5\x02\xc0\xaf"),
	BAD("a WTF-8 key of ff fe", "\x81\xd5\x02\xff\xfe\xc0"),
	/* back-references */
	BAD("a back-reference as the root", "\xd6\x01\x00\x00\x00\x00"),
	BAD("a back-reference out of range",
	    "\x92\x90\xd6\x01\x00\x00\x00\x09"),
	BAD("a back-reference far out of range",
	    "\x91\xd6\x01\xff\xff\xff\xff"),
	BAD("a forward back-reference",
	    "\x93\xd6\x01\x00\x00\x00\x02\x90\x90"),
	BAD("a Boolean object holding itself",
	    "\x92\xc7\x00\x10\xd6\x01\x00\x00\x00\x00"),
	BAD("a view over a ref to itself", "\x95\xc7\x00\x18\x01"
	    "\xd6\x01\x00\x00\x00\x00\x00\x00"),
	BAD("a port not in the transfer list", "\xd6\x04\x00\x00\x00\x00"),
	/* truncation */
	BAD("an array short of elements", "\x93\x01\x02"),
	BAD("a map short of a value", "\x82\xa1\x61\x01\xa1\x62"),
	BAD("a string short of bytes", "\xa5\x61\x62"),
	BAD("a bin short of bytes", "\xc4\x10\x00\x01"),
	BAD("a float64 short of bytes", "\xcb\x00\x00"),
	BAD("a cut ext header", "\xc7\x00"),
	BAD("a RegExp cut after its source",
	    "\x93\xc7\x00\x13\xa1\x61"),
	BAD("an empty payload", ""),
	BAD("bytes after the value", "\xc0\xc0"),
	/* records of the wrong arity or shape */
	BAD("a record marker as the root", "\xc7\x00\x10"),
	BAD("a record marker not first", "\x92\x01\xc7\x00\x10"),
	BAD("a Boolean object with two values",
	    "\x93\xc7\x00\x10\xc3\xc3"),
	BAD("a Boolean object with no value", "\x91\xc7\x00\x10"),
	BAD("a Boolean object holding a number", "\x92\xc7\x00\x10\x01"),
	BAD("a String object holding a number", "\x92\xc7\x00\x12\x01"),
	BAD("a RegExp with no flags", "\x92\xc7\x00\x13\xa1\x61"),
	BAD("a RegExp with a bad flag", "\x93\xc7\x00\x13\xa1\x61\xa1\x7a"),
	BAD("a Map with a key but no value", "\x92\xc7\x00\x16\x01"),
	BAD("an Error with no name", "\x91\xc7\x00\x15"),
	BAD("an Error with an extra element",
	    "\x94\xc7\x00\x15\xa5\x45\x72\x72\x6f\x72\xa1\x6d\x01"),
	BAD("an array record with no length", "\x91\xc7\x00\x14"),
	BAD("an array record with a key and no value",
	    "\x93\xc7\x00\x14\x03\x01"),
	BAD("a view with four elements",
	    "\x94\xc7\x00\x18\x01\xc4\x04\x00\x00\x00\x00\x00"),
	BAD("a view with six elements",
	    "\x96\xc7\x00\x18\x01\xc4\x04\x00\x00\x00\x00\x00\x04\x00"),
	/* views whose range does not fit */
	BAD("a Uint8Array past its buffer's end",
	    "\x95\xc7\x00\x18\x01\xc4\x04\x00\x00\x00\x00\x02\x03"),
	BAD("a view offset past the end",
	    "\x95\xc7\x00\x18\x01\xc4\x04\x00\x00\x00\x00\x05\x00"),
	BAD("a DataView past its buffer's end",
	    "\x95\xc7\x00\x18\x09\xc4\x04\x00\x00\x00\x00\x00\x05"),
	BAD("a Float64Array whose byte length overflows 32 bits",
	    "\x95\xc7\x00\x18\x08\xc4\x08\x00\x00\x00\x00\x00\x00\x00\x00"
	    "\x00\xce\x20\x00\x00\x00"),
	BAD("a Float64Array whose byte length overflows 64 bits",
	    "\x95\xc7\x00\x18\x08\xc4\x08\x00\x00\x00\x00\x00\x00\x00\x00"
	    "\x00\xcf\x20\x00\x00\x00\x00\x00\x00\x01"),
	BAD("an Int32Array at an unaligned offset",
	    "\x95\xc7\x00\x18\x05\xc4\x08\x00\x00\x00\x00\x00\x00\x00\x00"
	    "\x01\x01"),
	BAD("a view of unknown kind",
	    "\x95\xc7\x00\x18\x0a\xc4\x04\x00\x00\x00\x00\x00\x04"),
	BAD("a view over an array", "\x95\xc7\x00\x18\x01\x90\x00\x00"),
	/* unknown ext types */
	BAD("ext type 5", "\xd4\x05\x00"),
	BAD("ext type 127", "\xc7\x00\x7f"),
	BAD("ext type -1", "\xd4\xff\x00"),
	BAD("the reserved marker 25", "\x91\xc7\x00\x19"),
	BAD("the reserved marker 31", "\x91\xc7\x00\x1f"),
	/* not msgpack at all */
	BAD("the never-used byte c1", "\xc1"),
};

/*
 * Each payload of bad_payloads, then payloads nested deeper than
 * IPC_CLONE_DEPTH, POSTed raw to a real worker: each must fire
 * messageerror there (the worker answers "messageerror"), and the worker
 * must still echo a good message after each.
 */
Test(clone, malformed_payloads_fire_messageerror)
{
	struct rawc	 c;
	uint64_t	 port;
	uint8_t		*deep;
	size_t		 i, n;

	rawc_connect(&c, harness.sock);
	rawc_hello(&c);
	port = c.port_base + 1;
	rawc_create(&c, port, harness_js("messageerror.js"));
	rawc_started(&c, port);
	for (i = 0; i < sizeof bad_payloads / sizeof bad_payloads[0]; i++) {
		post_raw(&c, port, (const uint8_t *)bad_payloads[i].bytes,
		    bad_payloads[i].len);
		expect_messageerror(&c, port, bad_payloads[i].what);
		rawc_post_str(&c, port, bad_payloads[i].what);
		rawc_expect_str(&c, port, bad_payloads[i].what);
	}
	/* depth bombs: arrays, maps and records, one past the cap and far */
	n = 100000;
	cr_assert((deep = malloc(2 * n + 1)) != NULL);
	for (i = 0; i < n; i++)
		deep[i] = 0x91;
	deep[n] = 0xc0;
	post_raw(&c, port, deep + n - (IPC_CLONE_DEPTH + 1),
	    IPC_CLONE_DEPTH + 2);
	expect_messageerror(&c, port, "arrays one level too deep");
	post_raw(&c, port, deep, n + 1);
	expect_messageerror(&c, port, "100000 nested arrays");
	for (i = 0; i < n; i += 2)	/* {"": {"": ...}} */
		memcpy(deep + i, "\x81\xa0", 2);
	deep[n] = 0xc0;
	post_raw(&c, port, deep, n + 1);
	expect_messageerror(&c, port, "50000 nested maps");
	rawc_post_str(&c, port, "still alive");
	rawc_expect_str(&c, port, "still alive");
	free(deep);
	rawc_close(&c);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}

#define RANDOM_GRAPHS	3000	/* graphs cloned inside the worker */
#define RANDOM_EVERY	10	/* one in this many goes to the owner */
#define RANDOM_WAIT_MS	50000	/* for all of them (ASan is slow) */

/*
 * The randomized round trip of tests/js/clone_random.js: RANDOM_GRAPHS
 * seeded value graphs structuredClone()d and compared in a real worker,
 * and every RANDOM_EVERY-th posted to the owner, printed by `wwctl run`
 * in the JSON form, fed back on its stdin and compared again. The seed
 * is printed; WWD_CLONE_SEED=N replays one.
 */
Test(clone, random_graphs_round_trip)
{
	struct proc	 p;
	const char	*env = getenv("WWD_CLONE_SEED");
	unsigned long	 seed;
	size_t		 i, nsamples = (RANDOM_GRAPHS + RANDOM_EVERY - 1) /
			    RANDOM_EVERY;
	char		*line, *want;

	seed = env != NULL ? strtoul(env, NULL, 10) :
	    (unsigned long)(time(NULL) ^ getpid()) % 2147483646 + 1;
	fprintf(stderr, "clone random: WWD_CLONE_SEED=%lu\n", seed);
	wwctl_start(&harness, &p, harness_js("clone_random.js"), NULL);
	cr_assert(asprintf(&line, "{\"seed\":%lu,\"count\":%d,\"every\":%d}\n",
	    seed, RANDOM_GRAPHS, RANDOM_EVERY) >= 0);
	proc_write(&p, line);
	free(line);
	cr_assert(proc_wait_lines(&p, 1, RANDOM_WAIT_MS) == 1,
	    "seed %lu: the worker should post its verdict; %s", seed,
	    proc_describe(&p));
	cr_assert(asprintf(&want, "\"local ok %d\"", RANDOM_GRAPHS) >= 0);
	line = lines_nth(p.obuf, 0);
	cr_assert_str_eq(line, want, "seed %lu: structuredClone in the worker",
	    seed);
	free(line);
	free(want);
	cr_assert(proc_wait_lines(&p, 1 + nsamples, RANDOM_WAIT_MS) == 1,
	    "seed %lu: the worker should post %zu graphs; %s", seed,
	    nsamples, proc_describe(&p));
	for (i = 1; i <= nsamples; i++) {
		line = lines_nth(p.obuf, i);
		proc_write(&p, line);
		proc_write(&p, "\n");
		free(line);
	}
	proc_close_stdin(&p);
	cr_assert(proc_finish(&p, RANDOM_WAIT_MS) == 0, "seed %lu: %s", seed,
	    proc_describe(&p));
	cr_assert(asprintf(&want, "\"owner ok %zu\"", nsamples) >= 0);
	line = lines_nth(p.obuf, 1 + nsamples);
	cr_assert(line != NULL && strcmp(line, want) == 0, "seed %lu: graphs "
	    "through the owner and back should compare equal; %s", seed,
	    proc_describe(&p));
	cr_assert(proc_exit_code(&p) == 0, "%s", proc_describe(&p));
	free(line);
	free(want);
	proc_clear(&p);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}

Test(clone, ports_transfer_through_structured_clone)
{
	wwctl_expect_output("clone_ports");
}
