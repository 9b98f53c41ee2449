/*
 * test_badframe.c: the malformed-frame battery through a real socket.
 * In each test a well-behaved client holds an echo worker; a second,
 * fresh connection sends one bad input and must get an ERROR frame with
 * the right code and then EOF, while the daemon stays up, the good
 * client still gets its echoes, and no descriptor is left behind.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"

#define RSS_SLACK_KIB	1024	/* growth allowed per bad frame */

static struct rawc	good;		/* the well-behaved client */
static uint64_t		good_port;	/* its worker's outside port */
static int		good_round;
static int		base_fds;	/* wwd's fds with good set up */

/* Start wwd, then the good client with an echo worker. */
static void
setup(void)
{
	harness_setup();
	rawc_connect(&good, harness.sock);
	rawc_hello(&good);
	good_port = good.port_base + 1;
	rawc_create(&good, good_port, harness_js("echo.js"));
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
}

TestSuite(badframe, .init = setup, .fini = teardown, .timeout = 60);

/* The good client still gets an echo, and wwd still runs. */
static void
good_still_served(void)
{
	struct pollfd	pfd = { harness.pidfd, POLLIN, 0 };
	char		s[32];

	cr_assert(poll(&pfd, 1, 0) == 0, "wwd exited");
	snprintf(s, sizeof s, "still-there-%d", ++good_round);
	rawc_post_str(&good, good_port, s);
	rawc_expect_str(&good, good_port, s);
}

/* Read from c until an ERROR with code; then the connection must end. */
static void
expect_error_then_eof(struct rawc *c, const char *code)
{
	struct ipc_frame	 f;
	struct ipc_error	 e;
	const char		*why = "";
	int			 rc;

	rc = rawc_read_until(c, IPC_ERROR, &f, HARNESS_TIMEOUT_MS);
	cr_assert(rc == 1, "expected ERROR \"%s\", got %s", code,
	    rc == 0 ? "EOF without an ERROR frame" : "nothing (timeout)");
	cr_assert(ipc_error_decode(f.body, f.len, &e, &why) == 0,
	    "the ERROR frame does not decode: %s", why);
	cr_assert(ipc_str_eq(e.code, code), "expected ERROR code \"%s\", got "
	    "\"%.*s\" (%.*s)", code, (int)e.code.len, e.code.ptr,
	    (int)e.message.len, e.message.ptr);
	cr_assert(e.message.len > 0, "the ERROR frame has no message");
	rc = rawc_read_frame(c, &f, HARNESS_TIMEOUT_MS);
	cr_assert(rc == 0, "after ERROR the connection should close, got %s",
	    rc == 1 ? ipc_type_name(f.type) : "no EOF (timeout)");
}

/* Appends the bad input; base is the connection's port base (0 without
 * HELLO). */
typedef void	 build_fn(struct ipc_buf *, uint64_t);

/*
 * One case: a fresh connection (with a HELLO exchange first when hello
 * is set) sends what build appends, optionally shuts its write side
 * (after nbytes; 0 = all), and must get ERROR code then EOF; then the
 * good client is checked and the bad connection's descriptors must be
 * gone from wwd.
 */
static void
bad_case(int hello, build_fn *build, size_t nbytes, const char *code)
{
	struct rawc	c;
	struct ipc_buf	b;
	long		rss = harness_rss_kib(harness.pid), grown;

	rawc_connect(&c, harness.sock);
	if (hello)
		rawc_hello(&c);
	ipc_buf_init(&b);
	build(&b, c.port_base);
	if (nbytes == 0)
		rawc_send_buf(&c, &b);
	else {
		rawc_send(&c, ipc_buf_head(&b), nbytes);
		shutdown(c.fd, SHUT_WR);
	}
	ipc_buf_clear(&b);
	expect_error_then_eof(&c, code);
	rawc_close(&c);
	good_still_served();
	harness_wait_fds(&harness, base_fds, HARNESS_TIMEOUT_MS);
	grown = harness_rss_kib(harness.pid) - rss;
	cr_assert(grown < RSS_SLACK_KIB, "wwd grew by %ld KiB", grown);
}

static void
create_kind(struct ipc_buf *b, uint64_t port, const char *kind)
{
	struct ipc_create	m = {
		ipc_str(kind), ipc_str("data:,"), ipc_str(""), ipc_str(""),
		ipc_str(""), ipc_str(""), ipc_str("classic")
	};

	cr_assert(ipc_create_encode(b, port, &m) == 0);
}

static void
post_nil(struct ipc_buf *b, uint64_t port)
{
	struct ipc_post	m;

	m.ntransfer = 0;
	m.data = ipc_str("\xc0");
	cr_assert(ipc_post_encode(b, port, &m) == 0);
}

static void
build_oversized(struct ipc_buf *b, uint64_t base)
{
	harness_frame(b, 64u * 1024 * 1024, IPC_POST, 0, base + 1, NULL, 0);
}

Test(badframe, oversized_length_is_frame_too_large)
{
	bad_case(1, build_oversized, 0, "frame-too-large");
}

static void
build_flags(struct ipc_buf *b, uint64_t base)
{
	harness_frame(b, 1, IPC_TERMINATE, 0x0100, base + 1, "\x90", 1);
}

Test(badframe, nonzero_flags_is_bad_frame)
{
	bad_case(1, build_flags, 0, "bad-frame");
}

static void
build_terminate(struct ipc_buf *b, uint64_t base)
{
	cr_assert(ipc_empty_encode(b, IPC_TERMINATE, base + 1) == 0);
}

Test(badframe, truncated_header_then_close_is_bad_frame)
{
	bad_case(1, build_terminate, 10, "bad-frame");
}

static void
build_count_bomb(struct ipc_buf *b, uint64_t base)
{
	/* array32 claiming 0xffffffff elements, in a 9-byte body. */
	static const uint8_t body[9] = { 0xdd, 0xff, 0xff, 0xff, 0xff };

	harness_frame(b, sizeof body, IPC_CREATE, 0, base + 1, body, sizeof body);
}

Test(badframe, count_bomb_is_bad_body)
{
	bad_case(1, build_count_bomb, 0, "bad-body");
}

static void
build_deep(struct ipc_buf *b, uint64_t base)
{
	uint8_t	body[34];

	memset(body, 0x91, 33);	/* [[[ ... [nil] ... ]]], 33 deep */
	body[33] = 0xc0;
	harness_frame(b, sizeof body, IPC_CREATE, 0, base + 1, body, sizeof body);
}

Test(badframe, nesting_depth_33_is_bad_body)
{
	bad_case(1, build_deep, 0, "bad-body");
}

static void
build_unknown_type(struct ipc_buf *b, uint64_t base)
{
	(void)base;
	harness_frame(b, 1, 999, 0, 0, "\x90", 1);
}

#define NILS_BODY	(16 * 1024 * 1024 - 64)

/* A HELLO whose body is one array of nils, as large as a frame may be. */
static void
build_nil_hello(struct ipc_buf *b, uint64_t base)
{
	uint8_t	*body;

	(void)base;
	cr_assert((body = malloc(NILS_BODY)) != NULL);
	body[0] = 0xdd;
	ipc_put32(body + 1, NILS_BODY - 5);
	memset(body + 5, 0xc0, NILS_BODY - 5);
	harness_frame(b, NILS_BODY, IPC_HELLO, 0, 0, body, NILS_BODY);
	free(body);
}

/*
 * Refused by its count before anything is unpacked: msgpack-c made an
 * object of each of the 16 million nils, some 400 MB at the peak, for a
 * body that was wrong from its first bytes.
 */
Test(badframe, sixteen_million_nils_are_refused_without_unpacking)
{
	struct rawc	c;
	struct ipc_buf	b;
	long		peak = harness_status_kib(harness.pid, "VmHWM");

	rawc_connect(&c, harness.sock);
	ipc_buf_init(&b);
	build_nil_hello(&b, 0);
	rawc_send_buf(&c, &b);
	ipc_buf_clear(&b);
	expect_error_then_eof(&c, "bad-body");
	rawc_close(&c);
	good_still_served();
	/* The frame itself is read whole (16 MiB), and that is all. */
	peak = harness_status_kib(harness.pid, "VmHWM") - peak;
	cr_assert(peak < 48 * 1024, "wwd's peak grew by %ld KiB", peak);
}

Test(badframe, unknown_type_999_is_unknown_type)
{
	bad_case(1, build_unknown_type, 0, "unknown-type");
}

static void
build_started(struct ipc_buf *b, uint64_t base)
{
	struct ipc_started	m = { 1, 1 };

	cr_assert(ipc_started_encode(b, base + 1, &m) == 0);
}

Test(badframe, daemon_only_type_from_client_is_wrong_direction)
{
	bad_case(1, build_started, 0, "wrong-direction");
}

static void
build_create_types(struct ipc_buf *b, uint64_t base)
{
	static const uint8_t body[] = { 0x96, 1, 2, 3, 4, 5, 6 };

	harness_frame(b, sizeof body, IPC_CREATE, 0, base + 1, body, sizeof body);
}

Test(badframe, create_with_wrong_field_types_is_bad_body)
{
	bad_case(1, build_create_types, 0, "bad-body");
}

static void
build_post_foreign(struct ipc_buf *b, uint64_t base)
{
	(void)base;
	post_nil(b, good_port);
}

Test(badframe, post_on_another_clients_port_is_unknown_port)
{
	bad_case(1, build_post_foreign, 0, "unknown-port");
}

static void
build_post_unminted(struct ipc_buf *b, uint64_t base)
{
	post_nil(b, base + 7);
}

Test(badframe, post_on_a_never_created_port_is_unknown_port)
{
	bad_case(1, build_post_unminted, 0, "unknown-port");
}

static void
build_terminate_foreign(struct ipc_buf *b, uint64_t base)
{
	(void)base;
	cr_assert(ipc_empty_encode(b, IPC_TERMINATE, good_port) == 0);
}

Test(badframe, terminate_on_another_clients_port_is_unknown_port)
{
	/* bad_case then checks that the good worker still answers. */
	bad_case(1, build_terminate_foreign, 0, "unknown-port");
}

static void
build_create_early(struct ipc_buf *b, uint64_t base)
{
	(void)base;
	create_kind(b, 1, "dedicated");
}

Test(badframe, create_before_hello_is_handshake)
{
	bad_case(0, build_create_early, 0, "handshake");
}

static void
build_hello(struct ipc_buf *b, uint64_t base)
{
	struct ipc_hello	m = {
		IPC_VERSION, ipc_str("client"), ipc_str("wwd-itest"), 0, 0, 0
	};

	(void)base;
	cr_assert(ipc_hello_encode(b, &m) == 0);
}

Test(badframe, hello_twice_is_handshake)
{
	bad_case(1, build_hello, 0, "handshake");
}

static void
build_hello_version(struct ipc_buf *b, uint64_t base)
{
	struct ipc_hello	m = {
		IPC_VERSION + 998, ipc_str("client"), ipc_str("wwd-itest"),
		0, 0, 0
	};

	(void)base;
	cr_assert(ipc_hello_encode(b, &m) == 0);
}

Test(badframe, hello_with_wrong_version_is_version)
{
	bad_case(0, build_hello_version, 0, "version");
}

static void
build_create_foreign_range(struct ipc_buf *b, uint64_t base)
{
	(void)base;
	/* A port from the good client's range, never this connection's. */
	create_kind(b, good.port_base + 2, "dedicated");
}

Test(badframe, create_outside_own_range_is_bad_port)
{
	bad_case(1, build_create_foreign_range, 0, "bad-port");
}

static void
build_create_nested(struct ipc_buf *b, uint64_t base)
{
	create_kind(b, base + 1, "nested");
}

Test(badframe, create_of_unsupported_kind_is_unsupported)
{
	bad_case(1, build_create_nested, 0, "unsupported");
}

Test(badframe, create_on_a_used_port_is_bad_port)
{
	struct rawc	c;

	rawc_connect(&c, harness.sock);
	rawc_hello(&c);
	rawc_create(&c, c.port_base + 1, harness_js("echo.js"));
	rawc_started(&c, c.port_base + 1);
	rawc_create(&c, c.port_base + 1, harness_js("echo.js"));
	expect_error_then_eof(&c, "bad-port");
	rawc_close(&c);
	good_still_served();
	/* Its first worker goes with the connection. */
	harness_ping(&harness);
	harness_wait_workers(&harness, 1, HARNESS_TIMEOUT_MS);
	harness_wait_fds(&harness, base_fds, HARNESS_TIMEOUT_MS);
}

/* Send b's bytes one write(2) each. */
static void
send_bytewise(struct rawc *c, struct ipc_buf *b)
{
	size_t	i;

	for (i = 0; i < ipc_buf_used(b); i++)
		rawc_send(c, ipc_buf_head(b) + i, 1);
	ipc_buf_clear(b);
}

Test(badframe, frames_written_one_byte_at_a_time_work)
{
	struct ipc_hello	 reply;
	struct ipc_frame	 f;
	struct ipc_post		 post;
	struct ipc_buf		 b;
	struct rawc		 c;
	const char		*why = "";
	const char		*js = harness_js("echo.js");
	char			*src = harness_read_file(js);
	char			*url = harness_file_url(js);
	struct ipc_create	 m = {
		ipc_str("dedicated"), ipc_str(url), ipc_str(""), ipc_str(""),
		ipc_str(""), ipc_str(src), ipc_str("classic")
	};
	uint64_t		 port;

	rawc_connect(&c, harness.sock);
	ipc_buf_init(&b);
	build_hello(&b, 0);
	send_bytewise(&c, &b);
	cr_assert(rawc_read_until(&c, IPC_HELLO, &f, HARNESS_TIMEOUT_MS) == 1,
	    "no HELLO reply to a byte-by-byte HELLO");
	cr_assert(ipc_hello_decode(f.body, f.len, &reply, &why) == 0, "%s",
	    why);
	port = reply.port_base + 1;
	/* CREATE and a POST right behind it (no round trip needed). */
	cr_assert(ipc_create_encode(&b, port, &m) == 0);
	post.ntransfer = 0;
	post.data = ipc_str("\xa3one");
	cr_assert(ipc_post_encode(&b, port, &post) == 0);
	send_bytewise(&c, &b);
	rawc_started(&c, port);
	rawc_expect_str(&c, port, "one");
	free(src);
	free(url);
	rawc_close(&c);
	good_still_served();
	harness_ping(&harness);
	harness_wait_workers(&harness, 1, HARNESS_TIMEOUT_MS);
	harness_wait_fds(&harness, base_fds, HARNESS_TIMEOUT_MS);
}

/*
 * The rest of the battery, one hand-made frame each: BAD(name, hello
 * first, type, flags, port (relative to the connection's base), declared
 * length (0: the body's), body bytes, expected code).
 */
#define BAD(tname, hello, type, flags, port, len, body, code)		\
static void								\
build_##tname(struct ipc_buf *b, uint64_t base)			\
{									\
	static const uint8_t	bytes[] = body;				\
	uint32_t		n = sizeof bytes - 1;			\
									\
	harness_frame(b, len ? len : n, type, flags, base + port, bytes, n);\
}									\
Test(badframe, tname)							\
{									\
	bad_case(hello, build_##tname, 0, code);			\
}

BAD(length_4gib_is_frame_too_large, 1, IPC_POST, 0, 1, 0xffffffffu, "",
    "frame-too-large")
BAD(create_with_empty_body_is_bad_body, 1, IPC_CREATE, 0, 1, 0, "",
    "bad-body")
BAD(terminate_with_empty_body_is_bad_body, 1, IPC_TERMINATE, 0, 1, 0, "",
    "bad-body")
BAD(terminate_with_a_field_is_bad_body, 1, IPC_TERMINATE, 0, 1, 0,
    "\x91\x01", "bad-body")
BAD(map_count_bomb_is_bad_body, 1, IPC_CREATE, 0, 1, 0,
    "\xdf\xff\xff\xff\xff\x00\x00\x00\x00", "bad-body")
BAD(str32_length_bomb_is_bad_body, 1, IPC_CREATE, 0, 1, 0,
    "\x96\xdb\xff\xff\xff\xff\x00\x00", "bad-body")
BAD(bin32_length_bomb_in_post_is_bad_body, 1, IPC_POST, 0, 1, 0,
    "\x92\x90\xc6\xff\xff\xff\xff", "bad-body")
BAD(create_with_five_fields_is_bad_body, 1, IPC_CREATE, 0, 1, 0,
    "\x95\xa9" "dedicated\xa0\xa0\xa0\xa0", "bad-body")
BAD(create_with_a_name_not_utf8_is_bad_body, 1, IPC_CREATE, 0, 1, 0,
    "\x97\xa9" "dedicated" "\xa0" "\xa2\xff\xfe" "\xa0\xa0\xa0" "\xa7"
    "classic", "bad-body")
BAD(create_with_trailing_bytes_is_bad_body, 1, IPC_CREATE, 0, 1, 0,
    "\x96\xa9" "dedicated\xa0\xa0\xa0\xa0\xa0\xc0", "bad-body")
BAD(create_with_a_map_is_bad_body, 1, IPC_CREATE, 0, 1, 0,
    "\x81\xa4kind\xa9" "dedicated", "bad-body")
BAD(never_used_byte_c1_is_bad_body, 1, IPC_CREATE, 0, 1, 0, "\xc1",
    "bad-body")
BAD(post_with_string_data_is_bad_body, 1, IPC_POST, 0, 1, 0,
    "\x92\x90\xa2hi", "bad-body")
BAD(post_with_transfer_not_array_is_bad_body, 1, IPC_POST, 0, 1, 0,
    "\x92\x01\xc4\x01\xc0", "bad-body")
BAD(post_with_negative_transfer_is_bad_body, 1, IPC_POST, 0, 1, 0,
    "\x92\x91\xff\xc4\x01\xc0", "bad-body")
BAD(hello_with_wrong_field_types_is_bad_body, 0, IPC_HELLO, 0, 0, 0,
    "\x96\xa1" "1\x01\x02\x03\x04\x05", "bad-body")
/* The right version, so that only the role is wrong. */
_Static_assert(IPC_VERSION == 5, "update the version byte below");
BAD(hello_as_a_worker_is_handshake, 0, IPC_HELLO, 0, 0, 0,
    "\x96\x05\xa6worker\xa1x\x00\x00\x00", "handshake")
/* An older client's HELLO has other fields: still told by version. */
BAD(hello_of_version_4_is_version, 0, IPC_HELLO, 0, 0, 0,
    "\x95\x04\xa6" "client\xa1x\x00\x00", "version")
BAD(error_from_a_client_is_wrong_direction, 1, IPC_ERROR, 0, 0, 0,
    "\x92\xa1x\xa1y", "wrong-direction")
BAD(init_from_a_client_is_wrong_direction, 1, IPC_INIT, 0, 1, 0,
    "\x90", "wrong-direction")
BAD(exit_from_a_client_is_wrong_direction, 1, IPC_EXIT, 0, 1, 0,
    "\x94\x00\x00\xa0\xa0", "wrong-direction")
BAD(type_0_is_unknown_type, 1, 0, 0, 1, 0, "\x90", "unknown-type")
BAD(type_65535_is_unknown_type, 1, 0xffff, 0, 1, 0, "\x90",
    "unknown-type")
BAD(close_on_an_unknown_port_is_unknown_port, 1, IPC_CLOSE, 0, 9, 0,
    "\x90", "unknown-port")
BAD(flags_ffff_is_bad_frame, 1, IPC_POST, 0xffff, 1, 0, "\x90",
    "bad-frame")

static void
build_create_port0(struct ipc_buf *b, uint64_t base)
{
	(void)base;
	create_kind(b, 0, "dedicated");
}

Test(badframe, create_on_port_0_is_bad_port)
{
	bad_case(1, build_create_port0, 0, "bad-port");
}

static void
build_deep200(struct ipc_buf *b, uint64_t base)
{
	uint8_t	body[201];

	memset(body, 0x91, 200);
	body[200] = 0xc0;
	harness_frame(b, sizeof body, IPC_CREATE, 0, base + 1, body, sizeof body);
}

Test(badframe, nesting_depth_200_is_bad_body)
{
	bad_case(1, build_deep200, 0, "bad-body");
}

Test(badframe, truncated_body_then_close_is_bad_frame)
{
	/* A 16-byte header announcing 1 byte, then EOF. */
	bad_case(1, build_terminate, 16, "bad-frame");
}

Test(badframe, count_bomb_in_one_byte_writes_is_bad_body)
{
	struct rawc	c;
	struct ipc_buf	b;

	rawc_connect(&c, harness.sock);
	rawc_hello(&c);
	ipc_buf_init(&b);
	build_count_bomb(&b, c.port_base);
	send_bytewise(&c, &b);
	expect_error_then_eof(&c, "bad-body");
	rawc_close(&c);
	good_still_served();
	harness_wait_fds(&harness, base_fds, HARNESS_TIMEOUT_MS);
}
