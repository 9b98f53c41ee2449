/*
 * test_badworker.c: the malformed-frame battery from the worker side.
 * wwd runs wwd-rawworker (a test program, through --worker) in place of
 * wwd-worker; each case creates one that writes a hand-made bad frame
 * to wwd. Its owner must get EXIT "crashed" naming the protocol error's
 * code, the worker process must be gone, and nothing else may change: a
 * good client's echo worker still answers, wwd holds the descriptors it
 * held before, its RSS grows by less than 1 MiB.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"

#define RSS_SLACK_KIB	1024

static struct rawc	good;
static uint64_t		good_port;
static int		base_fds, round_;

/* Create a rawworker with orders src on port; no wait. */
static void
create_raw(struct rawc *c, uint64_t port, const char *src)
{
	struct ipc_create	m = {
		ipc_str("dedicated"), ipc_str("data:,raw"), ipc_str(""),
		ipc_str(""), ipc_str(""), ipc_str(src), ipc_str("classic")
	};
	struct ipc_buf		b;

	ipc_buf_init(&b);
	cr_assert(ipc_create_encode(&b, port, &m) == 0);
	rawc_send_buf(c, &b);
	ipc_buf_clear(&b);
}

static void
setup(void)
{
	cr_assert(setenv("WWD_ITEST_WORKER", WWD_RAWWORKER, 1) == 0);
	harness_setup();
	rawc_connect(&good, harness.sock);
	rawc_hello(&good);
	good_port = good.port_base + 1;
	create_raw(&good, good_port, "echo");
	rawc_started(&good, good_port);
	rawc_post_str(&good, good_port, "warm-up");
	rawc_expect_str(&good, good_port, "warm-up");
	base_fds = harness_daemon_fds(&harness);
}

static void
teardown(void)
{
	rawc_close(&good);
	harness_teardown();
	unsetenv("WWD_ITEST_WORKER");
}

TestSuite(badworker, .init = setup, .fini = teardown, .timeout = 60);

/*
 * A rawworker writes frame (mode "all", "byte" or "eof"); its owner
 * must see EXIT crashed with "protocol error: <code>".
 */
static void
worker_case(const char *mode, struct ipc_buf *frame, const char *code)
{
	struct ipc_frame	 f;
	struct ipc_exit		 e;
	struct rawc		 c;
	const char		*why = "";
	char			*src, want[64], s[32];
	size_t			 i, n = ipc_buf_used(frame);
	long			 rss = harness_rss_kib(harness.pid), grown;

	cr_assert((src = malloc(strlen(mode) + 2 + 2 * n)) != NULL);
	i = (size_t)sprintf(src, "%s:", mode);
	for (n = 0; n < ipc_buf_used(frame); n++)
		i += (size_t)sprintf(src + i, "%02x",
		    ipc_buf_head(frame)[n]);
	ipc_buf_clear(frame);
	rawc_connect(&c, harness.sock);
	rawc_hello(&c);
	create_raw(&c, c.port_base + 1, src);
	free(src);
	cr_assert(rawc_read_until(&c, IPC_EXIT, &f, HARNESS_TIMEOUT_MS) == 1,
	    "no EXIT for a worker that sent a bad frame");
	cr_assert(ipc_exit_decode(f.body, f.len, &e, &why) == 0, "%s", why);
	snprintf(want, sizeof want, "protocol error: %s: ", code);
	cr_assert(ipc_str_eq(e.reason, "crashed") && e.message.len >=
	    strlen(want) && memcmp(e.message.ptr, want, strlen(want)) == 0,
	    "expected EXIT crashed \"%s...\", got %.*s \"%.*s\"", want,
	    (int)e.reason.len, e.reason.ptr, (int)e.message.len,
	    e.message.ptr);
	rawc_close(&c);
	snprintf(s, sizeof s, "still-there-%d", ++round_);
	rawc_post_str(&good, good_port, s);
	rawc_expect_str(&good, good_port, s);
	harness_ping(&harness);
	harness_wait_workers(&harness, 1, HARNESS_TIMEOUT_MS);
	harness_wait_fds(&harness, base_fds, HARNESS_TIMEOUT_MS);
	grown = harness_rss_kib(harness.pid) - rss;
	cr_assert(grown < RSS_SLACK_KIB, "wwd grew by %ld KiB", grown);
}

/* WBAD(name, mode, type, flags, declared length (0: body's), body, code):
 * the header's port is the worker's inside port as wwd numbers it for
 * the first worker of a connection, which wwd does not check first. */
#define WBAD(tname, mode, type, flags, len, body, code)			\
Test(badworker, tname)							\
{									\
	static const uint8_t	bytes[] = body;				\
	uint32_t		n = sizeof bytes - 1;			\
	struct ipc_buf		b;					\
									\
	ipc_buf_init(&b);						\
	harness_frame(&b, len ? len : n, type, flags, 0, bytes, n);	\
	worker_case(mode, &b, code);					\
}

WBAD(unknown_type_is_unknown_type, "all", 999, 0, 0, "\x90",
    "unknown-type")
WBAD(create_from_a_worker_with_a_bad_body_is_bad_body, "all", IPC_CREATE,
    0, 0, "\x90", "bad-body")
WBAD(terminate_from_a_worker_on_a_port_it_lacks_is_unknown_port, "all",
    IPC_TERMINATE, 0, 0, "\x90", "unknown-port")
WBAD(connect_from_a_worker_is_wrong_direction, "all", IPC_CONNECT, 0, 0,
    "\x90", "wrong-direction")
WBAD(repost_on_a_port_not_moving_is_unknown_port, "all", IPC_REPOST, 0, 0,
    "\x92\x90\xc4\x01\xc0", "unknown-port")
WBAD(init_from_a_worker_is_wrong_direction, "all", IPC_INIT, 0, 0,
    "\x90", "wrong-direction")
WBAD(length_4gib_is_frame_too_large, "all", IPC_POST, 0, 0xffffffffu, "",
    "frame-too-large")
WBAD(nonzero_flags_is_bad_frame, "all", IPC_POST, 1, 0, "\x90",
    "bad-frame")
WBAD(count_bomb_in_post_is_bad_body, "all", IPC_POST, 0, 0,
    "\xdd\xff\xff\xff\xff\x00\x00\x00\x00", "bad-body")
WBAD(count_bomb_in_one_byte_writes_is_bad_body, "byte", IPC_POST, 0, 0,
    "\xdd\xff\xff\xff\xff\x00\x00\x00\x00", "bad-body")
WBAD(empty_post_is_bad_body, "all", IPC_POST, 0, 0, "", "bad-body")
WBAD(fault_with_wrong_types_is_bad_body, "all", IPC_FAULT, 0, 0,
    "\x94\x01\x02\xa1x\xa1y", "bad-body")
WBAD(console_with_wrong_types_is_bad_body, "all", IPC_CONSOLE, 0, 0,
    "\x93\xa3log\xa1x\xa1y", "bad-body")
WBAD(closing_with_wrong_types_is_bad_body, "all", IPC_CLOSING, 0, 0,
    "\x92\x01\x02", "bad-body")
WBAD(hello_twice_is_handshake, "all", IPC_HELLO, 0, 0,
    "\x96\x05\xa6worker\xa1x\x00\x00\x00", "handshake")
WBAD(fault_nested_33_deep_is_bad_body, "all", IPC_FAULT, 0, 0,
    "\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91"
    "\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91"
    "\x91\xc0", "bad-body")

Test(badworker, truncated_header_then_exit_is_bad_frame)
{
	struct ipc_buf	b;

	ipc_buf_init(&b);
	harness_frame(&b, 1, IPC_POST, 0, 0, "\x90", 1);
	b.len -= 7;	/* 10 bytes of the header, then EOF */
	worker_case("eof", &b, "bad-frame");
}
