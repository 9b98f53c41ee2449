/*
 * test_msg.c: unit tests of ipc/msg.c: every message type goes through
 * encode -> ipc_frame_next -> decode and comes back field by field, and
 * every decoder refuses bodies with the wrong shape: field count, field
 * types (the error names the field), non-array bodies, trailing bytes,
 * out-of-range integers. The field lists here are written from the
 * protocol description, not taken from msg.c. Criterion process only.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <msgpack.h>

#include "buf.h"
#include "check.h"
#include "frame.h"
#include "msg.h"

static int
same(struct ipc_str a, struct ipc_str b)
{
	return a.len == b.len && (a.len == 0 ||
	    memcmp(a.ptr, b.ptr, a.len) == 0);
}

#define EXPECT_STR(got, want)						\
	cr_assert(same((got), (want)), "%s differs: \"%.*s\"", #got,	\
	    (int)(got).len, (got).ptr)

/*
 * Cut the only frame out of b and check its header. The body stays
 * valid until b is appended to again.
 */
static struct ipc_frame
one_frame(struct ipc_buf *b, uint16_t type, uint64_t port)
{
	struct ipc_frame	 f;
	const char		*why = NULL;

	cr_assert_eq(ipc_frame_next(b, IPC_FRAME_MAX, &f, &why), 1);
	cr_assert_eq(f.type, type, "type %u, want %u", f.type, type);
	cr_assert_eq(f.port, port);
	cr_assert_eq(ipc_buf_used(b), 0, "exactly one frame was written");
	return f;
}

Test(msg, hello_round_trip)
{
	const struct ipc_hello	in[] = {
		{ IPC_VERSION, ipc_str("client"), ipc_str("libwwd 0.1.0"),
		    0, 0, 0 },
		{ IPC_VERSION, ipc_str("daemon"), ipc_str("wwd 0.1.0"),
		    7ull << 32, 1ull << 32, 1u << 24 },
		{ UINT32_MAX, ipc_str(""), ipc_str(NULL), UINT64_MAX,
		    UINT64_MAX, UINT32_MAX },
	};
	struct ipc_hello	out;
	struct ipc_buf		b;
	struct ipc_frame	f;
	const char		*why = NULL;
	size_t			i;

	ipc_buf_init(&b);
	for (i = 0; i < sizeof in / sizeof in[0]; i++) {
		cr_assert_eq(ipc_hello_encode(&b, &in[i]), 0);
		f = one_frame(&b, IPC_HELLO, 0);
		memset(&out, 0xa5, sizeof out);
		cr_assert_eq(ipc_hello_decode(f.body, f.len, &out, &why), 0,
		    "%s", why);
		cr_assert_eq(out.version, in[i].version);
		EXPECT_STR(out.role, in[i].role);
		EXPECT_STR(out.software, in[i].software);
		cr_assert_eq(out.port_base, in[i].port_base);
		cr_assert_eq(out.port_count, in[i].port_count);
		cr_assert_eq(out.frame_max, in[i].frame_max);
	}
	/* The empty role decodes to a slice that compares equal to "". */
	cr_assert(ipc_str_eq(out.role, ""));
	cr_assert_not(ipc_str_eq(out.role, "x"));
	ipc_buf_clear(&b);
}

/* The version is read before the rest, in any unsigned form. */
Test(msg, hello_version_is_read_alone)
{
	static const struct {
		const char	*body;
		size_t		 len;
		int		 rc;
		uint32_t	 version;
	} cases[] = {
		{ "\x95\x04\xa1x", 4, 0, 4 },
		{ "\x96\xcc\x05", 3, 0, 5 },
		{ "\xdc\x00\x06\xcd\x01\x00", 6, 0, 256 },
		{ "\xdd\0\0\0\x06\xce\0\x01\0\0", 10, 0, 65536 },
		{ "\x91\xcf\x01\0\0\0\0\0\0\0", 10, 0, UINT32_MAX },
		{ "\x91\xcd\x01", 3, -EBADMSG, 0 },	/* cut short */
		{ "\x91\xff", 2, -EBADMSG, 0 },		/* negative */
		{ "\x90", 1, -EBADMSG, 0 },
		{ "\x81\x04\x04", 3, -EBADMSG, 0 },	/* a map */
		{ "", 0, -EBADMSG, 0 },
	};
	uint32_t	v;
	size_t		i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		v = 0;
		cr_assert_eq(ipc_hello_version((const uint8_t *)cases[i].body,
		    cases[i].len, &v), cases[i].rc, "case %zu", i);
		cr_assert_eq(v, cases[i].version, "case %zu: %u", i, v);
	}
}

Test(msg, error_round_trip)
{
	struct ipc_error	in = { ipc_str("bad-body"),
	    ipc_str("url must be a string") }, out;
	struct ipc_buf		b;
	struct ipc_frame	f;
	const char		*why = NULL;

	ipc_buf_init(&b);
	cr_assert_eq(ipc_error_encode(&b, &in), 0);
	f = one_frame(&b, IPC_ERROR, 0);
	cr_assert_eq(ipc_error_decode(f.body, f.len, &out, &why), 0);
	EXPECT_STR(out.code, in.code);
	EXPECT_STR(out.message, in.message);
	ipc_buf_clear(&b);
}

Test(msg, create_round_trip)
{
	static char		source[100000];
	struct ipc_create	in, out;
	struct ipc_buf		b;
	struct ipc_frame	f;
	const char		*why = NULL;
	size_t			i;

	for (i = 0; i < sizeof source; i++)
		source[i] = (char)(i % 251);	/* NULs and high bytes too */
	in.kind = ipc_str("dedicated");
	in.url = ipc_str("https://example.com/w\xc3\xa9.js");
	in.name = ipc_str("worker one");
	in.origin = ipc_str("");
	in.root = ipc_str("/srv/www");
	in.source.ptr = source;
	in.source.len = sizeof source;
	in.type = ipc_str("classic");
	ipc_buf_init(&b);
	cr_assert_eq(ipc_create_encode(&b, 0x300000001ull, &in), 0);
	f = one_frame(&b, IPC_CREATE, 0x300000001ull);
	cr_assert_eq(ipc_create_decode(f.body, f.len, &out, &why), 0);
	EXPECT_STR(out.kind, in.kind);
	EXPECT_STR(out.url, in.url);
	EXPECT_STR(out.name, in.name);
	EXPECT_STR(out.origin, in.origin);
	EXPECT_STR(out.root, in.root);
	EXPECT_STR(out.source, in.source);
	EXPECT_STR(out.type, in.type);
	ipc_buf_clear(&b);
}

Test(msg, started_round_trip)
{
	const struct ipc_started	in[] = {
		{ 1, 4242 }, { UINT64_MAX, UINT32_MAX }, { 0, 0 },
	};
	struct ipc_started		out;
	struct ipc_buf			b;
	struct ipc_frame		f;
	const char			*why = NULL;
	size_t				i;

	ipc_buf_init(&b);
	for (i = 0; i < sizeof in / sizeof in[0]; i++) {
		cr_assert_eq(ipc_started_encode(&b, 99 + i, &in[i]), 0);
		f = one_frame(&b, IPC_STARTED, 99 + i);
		cr_assert_eq(ipc_started_decode(f.body, f.len, &out, &why),
		    0);
		cr_assert_eq(out.worker_id, in[i].worker_id);
		cr_assert_eq(out.pid, in[i].pid);
	}
	ipc_buf_clear(&b);
}

Test(msg, exit_round_trip)
{
	const struct ipc_exit	in[] = {
		{ -1, 9, ipc_str("killed"), ipc_str("") },
		{ 0, 0, ipc_str("closed"), ipc_str("") },
		{ 1, 0, ipc_str("failed"),
		    ipc_str("SyntaxError: file:///x.js:1: unexpected") },
		{ 255, 0, ipc_str("crashed"), ipc_str("exit status 255") },
		{ INT32_MIN, INT32_MAX, ipc_str("crashed"), ipc_str("x") },
		{ INT32_MAX, -200, ipc_str("crashed"), ipc_str("y") },
		{ -128, -32769, ipc_str("crashed"), ipc_str("z") },
	};
	struct ipc_exit		out;
	struct ipc_buf		b;
	struct ipc_frame	f;
	const char		*why = NULL;
	size_t			i;

	ipc_buf_init(&b);
	for (i = 0; i < sizeof in / sizeof in[0]; i++) {
		cr_assert_eq(ipc_exit_encode(&b, 5, &in[i]), 0);
		f = one_frame(&b, IPC_EXIT, 5);
		cr_assert_eq(ipc_exit_decode(f.body, f.len, &out, &why), 0);
		cr_assert_eq(out.code, in[i].code, "case %zu", i);
		cr_assert_eq(out.signal, in[i].signal, "case %zu", i);
		EXPECT_STR(out.reason, in[i].reason);
		EXPECT_STR(out.message, in[i].message);
	}
	ipc_buf_clear(&b);
}

Test(msg, init_round_trip)
{
	struct ipc_init		in, out;
	struct ipc_buf		b;
	struct ipc_frame	f;
	const char		*why = NULL;

	in.worker_id = 12;
	in.kind = ipc_str("dedicated");
	in.url = ipc_str("file:///tmp/w.js");
	in.name = ipc_str("");
	in.origin = ipc_str("null");
	in.root = ipc_str("");
	in.source = ipc_str("postMessage(1 + 1);\n");
	in.port_base = 3ull << 32;
	in.port_count = 1ull << 32;
	in.log_level = 3;
	in.memory_max = 64ull << 20;
	ipc_buf_init(&b);
	cr_assert_eq(ipc_init_encode(&b, (3ull << 32) + 1, &in), 0);
	f = one_frame(&b, IPC_INIT, (3ull << 32) + 1);
	memset(&out, 0, sizeof out);
	cr_assert_eq(ipc_init_decode(f.body, f.len, &out, &why), 0);
	cr_assert_eq(out.worker_id, in.worker_id);
	EXPECT_STR(out.kind, in.kind);
	EXPECT_STR(out.url, in.url);
	EXPECT_STR(out.name, in.name);
	EXPECT_STR(out.origin, in.origin);
	EXPECT_STR(out.root, in.root);
	EXPECT_STR(out.source, in.source);
	cr_assert_eq(out.port_base, in.port_base);
	cr_assert_eq(out.port_count, in.port_count);
	cr_assert_eq(out.log_level, in.log_level);
	cr_assert_eq(out.memory_max, in.memory_max);
	ipc_buf_clear(&b);
}

Test(msg, closing_round_trip)
{
	struct ipc_closing	in = { ipc_str("failed"),
	    ipc_str("SyntaxError: file:///x.js:1: unexpected token") }, out;
	struct ipc_buf		b;
	struct ipc_frame	f;
	const char		*why = NULL;

	ipc_buf_init(&b);
	cr_assert_eq(ipc_closing_encode(&b, &in), 0);
	f = one_frame(&b, IPC_CLOSING, 0);
	cr_assert_eq(ipc_closing_decode(f.body, f.len, &out, &why), 0);
	EXPECT_STR(out.reason, in.reason);
	EXPECT_STR(out.message, in.message);
	ipc_buf_clear(&b);
}

Test(msg, fault_round_trip)
{
	struct ipc_fault	in = { ipc_str("Uncaught Error: boom"),
	    ipc_str("file:///tmp/w.js"), 17, UINT32_MAX }, out;
	struct ipc_buf		b;
	struct ipc_frame	f;
	const char		*why = NULL;

	ipc_buf_init(&b);
	cr_assert_eq(ipc_fault_encode(&b, 77, &in), 0);
	f = one_frame(&b, IPC_FAULT, 77);
	cr_assert_eq(ipc_fault_decode(f.body, f.len, &out, &why), 0);
	EXPECT_STR(out.message, in.message);
	EXPECT_STR(out.filename, in.filename);
	cr_assert_eq(out.lineno, in.lineno);
	cr_assert_eq(out.colno, in.colno);
	ipc_buf_clear(&b);
}

Test(msg, console_round_trip)
{
	struct ipc_console	in, out;
	struct ipc_buf		b;
	struct ipc_frame	f;
	const char		*why = NULL;

	in.level = ipc_str("warn");
	in.text = ipc_str("hello 1 [object Object]");
	in.args.ptr = "\x93\xa5hello\x01\x80";	/* ["hello", 1, {}] */
	in.args.len = 9;
	ipc_buf_init(&b);
	cr_assert_eq(ipc_console_encode(&b, 0x900000002ull, &in), 0);
	f = one_frame(&b, IPC_CONSOLE, 0x900000002ull);
	cr_assert_eq(ipc_console_decode(f.body, f.len, &out, &why), 0);
	EXPECT_STR(out.level, in.level);
	EXPECT_STR(out.text, in.text);
	EXPECT_STR(out.args, in.args);
	ipc_buf_clear(&b);
}

Test(msg, empty_round_trip)
{
	static const uint16_t	types[] = { IPC_TERMINATE, IPC_CLOSE };
	struct ipc_buf		b;
	struct ipc_frame	f;
	const char		*why = NULL;
	size_t			i;

	ipc_buf_init(&b);
	for (i = 0; i < 2; i++) {
		cr_assert_eq(ipc_empty_encode(&b, types[i], 0x700000003ull),
		    0);
		f = one_frame(&b, types[i], 0x700000003ull);
		cr_assert_eq(f.len, 1);
		cr_assert_eq(f.body[0], 0x90, "the body is []");
		cr_assert_eq(ipc_empty_decode(f.body, f.len, &why), 0);
	}
	ipc_buf_clear(&b);
}

/* Encode a POST, cut it, decode it and compare every field. */
static void
post_round_trip(uint64_t port, const uint64_t *transfer, uint32_t n,
    const void *data, uint32_t len)
{
	static struct ipc_post	in, out;
	struct ipc_buf		b;
	struct ipc_frame	f;
	const char		*why = NULL;
	uint32_t		i;

	cr_assert_leq(n, IPC_TRANSFER_MAX);
	in.ntransfer = n;
	for (i = 0; i < n; i++)
		in.transfer[i] = transfer[i];
	in.data.ptr = data;
	in.data.len = len;
	ipc_buf_init(&b);
	cr_assert_eq(ipc_post_encode(&b, port, &in), 0);
	f = one_frame(&b, IPC_POST, port);
	memset(&out, 0xa5, sizeof out);
	cr_assert_eq(ipc_post_decode(f.body, f.len, &out, &why), 0, "%s",
	    why);
	cr_assert_eq(out.ntransfer, n);
	for (i = 0; i < n; i++)
		cr_assert_eq(out.transfer[i], transfer[i], "transfer %u", i);
	EXPECT_STR(out.data, in.data);
	ipc_buf_clear(&b);
}

static const uint64_t	magnitudes[] = {
	0, 1, 127, 128, 255, 256, 65535, 65536, UINT32_MAX,
	1ull << 32, INT64_MAX, 1ull << 63, UINT64_MAX,
};

Test(msg, post_round_trip_transfer_ids)
{
	uint64_t	ids[IPC_TRANSFER_MAX];
	size_t		i, nmag = sizeof magnitudes / sizeof magnitudes[0];

	post_round_trip(1, NULL, 0, "\xc0", 1);
	for (i = 0; i < nmag; i++)
		post_round_trip(magnitudes[i], &magnitudes[i], 1, "\x01", 1);
	post_round_trip(2, magnitudes, (uint32_t)nmag, "\x90", 1);
	for (i = 0; i < IPC_TRANSFER_MAX; i++)
		ids[i] = magnitudes[i % nmag] ^ i;
	post_round_trip(3, ids, IPC_TRANSFER_MAX, "\xa1x", 2);
}

Test(msg, post_round_trip_payloads)
{
	static uint8_t	big[(1u << 20) + 3];
	uint64_t	id = 42;
	size_t		i;

	for (i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 2654435761u >> 13);
	post_round_trip(1, NULL, 0, NULL, 0);
	post_round_trip(1, NULL, 0, "", 0);
	post_round_trip(1, &id, 1, NULL, 0);
	/* The daemon never decodes data: any bytes travel. */
	post_round_trip(1, NULL, 0, "\xc1\xdd\xff\xff\xff\xff", 6);
	post_round_trip(UINT64_MAX, &id, 1, big, sizeof big);
}

/* The ports queued POSTs carry, in order; the queue is emptied. */
Test(msg, queue_ports_lists_the_carried_ids)
{
	static struct ipc_post	m;
	struct ipc_buf		q, ids;
	const uint64_t		want[] = { 7, UINT64_MAX, 9 };

	ipc_buf_init(&q);
	ipc_buf_init(&ids);
	m.data.ptr = "\xc0";
	m.data.len = 1;
	m.ntransfer = 2;
	m.transfer[0] = 7;
	m.transfer[1] = UINT64_MAX;
	cr_assert_eq(ipc_post_encode(&q, 1, &m), 0);
	m.ntransfer = 0;
	cr_assert_eq(ipc_post_encode(&q, 1, &m), 0);
	m.ntransfer = 1;
	m.transfer[0] = 9;
	cr_assert_eq(ipc_post_encode(&q, 2, &m), 0);
	cr_assert_eq(ipc_queue_ports(&ids, &q), 0);
	cr_assert_eq(ipc_buf_used(&q), 0);
	cr_assert_eq(ipc_buf_used(&ids), sizeof want);
	cr_assert_arr_eq(ipc_buf_head(&ids), want, sizeof want);
	ipc_buf_clear(&ids);
}

Test(msg, post_data_is_bin32)
{
	static const uint8_t	want[] = {
		0x92, 0x91, 0x05, 0xc6, 0x00, 0x00, 0x00, 0x02, 'h', 'i',
	};
	struct ipc_post		in;
	struct ipc_buf		b;
	struct ipc_frame	f;

	in.ntransfer = 1;
	in.transfer[0] = 5;
	in.data = ipc_str("hi");
	ipc_buf_init(&b);
	cr_assert_eq(ipc_post_encode(&b, 8, &in), 0);
	f = one_frame(&b, IPC_POST, 8);
	cr_assert_eq(f.len, sizeof want);
	cr_assert_arr_eq(f.body, want, sizeof want);
	ipc_buf_clear(&b);
}

Test(msg, post_rejects_too_many_transfers_on_encode)
{
	static struct ipc_post	in;
	struct ipc_mark		m;
	struct ipc_buf		b;
	uint64_t		ids[IPC_TRANSFER_MAX + 1] = { 0 };

	ipc_buf_init(&b);
	cr_assert_eq(ipc_empty_encode(&b, IPC_CLOSE, 1), 0);
	in.ntransfer = IPC_TRANSFER_MAX + 1;
	in.data = ipc_str("x");
	cr_assert_eq(ipc_post_encode(&b, 1, &in), -E2BIG);
	cr_assert_eq(ipc_post_begin(&b, 1, ids, IPC_TRANSFER_MAX + 1, &m),
	    -E2BIG);
	one_frame(&b, IPC_CLOSE, 1);
	ipc_buf_clear(&b);
}

static int
buf_writer(void *data, const char *p, size_t n)
{
	return ipc_buf_append(data, p, n) < 0 ? -1 : 0;
}

/* A structured-clone-like payload: [1, "two", {"k": [nil, 3.5]}, str]. */
static void
pack_payload(msgpack_packer *pk, size_t strlen_)
{
	static char	s[50000];

	memset(s, 'q', sizeof s);
	msgpack_pack_array(pk, 4);
	msgpack_pack_int(pk, 1);
	msgpack_pack_str_with_body(pk, "two", 3);
	msgpack_pack_map(pk, 1);
	msgpack_pack_str_with_body(pk, "k", 1);
	msgpack_pack_array(pk, 2);
	msgpack_pack_nil(pk);
	msgpack_pack_double(pk, 3.5);
	msgpack_pack_str_with_body(pk, s, strlen_ < sizeof s ? strlen_ :
	    sizeof s);
}

/*
 * Pack a payload straight into a POST with ipc_post_begin/end, with
 * junk of which keep bytes stay unconsumed in front (b->off > 0), and
 * check the frame against the same payload packed on its own.
 */
static void
post_in_place(size_t junk, size_t keep, size_t strlen_)
{
	static uint8_t		 filler[4000];
	static struct ipc_post	 out;
	const uint64_t		 ids[] = { 1ull << 40, 7 };
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	struct ipc_mark		 m;
	struct ipc_buf		 b;
	struct ipc_frame	 f;
	const char		*why = NULL;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	pack_payload(&pk, strlen_);
	ipc_buf_init(&b);
	memset(filler, 0xee, sizeof filler);
	cr_assert_eq(ipc_buf_append(&b, filler, junk), 0);
	ipc_buf_consume(&b, junk - keep);
	cr_assert_eq(ipc_post_begin(&b, 0x600000001ull, ids, 2, &m), 0);
	msgpack_packer_init(&pk, &b, buf_writer);
	pack_payload(&pk, strlen_);
	cr_assert_eq(ipc_post_end(&b, &m), 0);
	/* A frame after it must stay intact too. */
	cr_assert_eq(ipc_empty_encode(&b, IPC_CLOSE, 9), 0);
	ipc_buf_consume(&b, keep);
	cr_assert_eq(ipc_frame_next(&b, IPC_FRAME_MAX, &f, &why), 1);
	cr_assert_eq(f.type, IPC_POST);
	cr_assert_eq(f.port, 0x600000001ull);
	cr_assert_eq(ipc_post_decode(f.body, f.len, &out, &why), 0, "%s",
	    why);
	cr_assert_eq(out.ntransfer, 2);
	cr_assert_eq(out.transfer[0], ids[0]);
	cr_assert_eq(out.transfer[1], ids[1]);
	cr_assert_eq(out.data.len, sb.size);
	cr_assert_arr_eq(out.data.ptr, sb.data, sb.size);
	cr_assert_eq(ipc_check((const uint8_t *)out.data.ptr, out.data.len,
	    IPC_CLONE_DEPTH, &why), 0);
	one_frame(&b, IPC_CLOSE, 9);
	ipc_buf_clear(&b);
	msgpack_sbuffer_destroy(&sb);
}

Test(msg, post_begin_end_packs_in_place)
{
	post_in_place(0, 0, 5);
	post_in_place(0, 0, 0);
}

Test(msg, post_begin_end_with_consumed_head)
{
	/* off > 0 all along: offsets must count from the head */
	post_in_place(3500, 10, 5);
}

Test(msg, post_begin_end_survives_compaction)
{
	/* off > 0 and the payload only fits after moving to the front */
	post_in_place(3500, 10, 1000);
}

Test(msg, post_begin_end_survives_growth)
{
	post_in_place(3500, 10, 40000);
}

Test(msg, post_end_with_empty_payload)
{
	static struct ipc_post	out;
	struct ipc_mark		m;
	struct ipc_buf		b;
	struct ipc_frame	f;
	const char		*why = NULL;

	ipc_buf_init(&b);
	cr_assert_eq(ipc_post_begin(&b, 4, NULL, 0, &m), 0);
	cr_assert_eq(ipc_post_end(&b, &m), 0);
	f = one_frame(&b, IPC_POST, 4);
	cr_assert_arr_eq(f.body, "\x92\x90\xc6\0\0\0\0", 7);
	cr_assert_eq(f.len, 7);
	cr_assert_eq(ipc_post_decode(f.body, f.len, &out, &why), 0);
	cr_assert_eq(out.ntransfer, 0);
	cr_assert_eq(out.data.len, 0);
	ipc_buf_clear(&b);
}

Test(msg, frames_of_every_type_back_to_back)
{
	static struct ipc_post	post;
	struct ipc_hello	hello = { IPC_VERSION, ipc_str("worker"),
	    ipc_str("wwd-worker 0.1.0"), 0, 0, 0 };
	struct ipc_error	error = { ipc_str("x"), ipc_str("y") };
	struct ipc_create	create = { ipc_str("dedicated"), ipc_str("u"),
	    ipc_str(""), ipc_str(""), ipc_str(""), ipc_str("s"),
	    ipc_str("classic") };
	struct ipc_started	started = { 1, 2 };
	struct ipc_exit		exit_ = { -1, 9, ipc_str("killed"),
	    ipc_str("") };
	struct ipc_init		init;
	struct ipc_closing	closing = { ipc_str("closed"), ipc_str("") };
	struct ipc_fault	fault = { ipc_str("m"), ipc_str("f"), 1, 2 };
	struct ipc_console	console = { ipc_str("log"), ipc_str("t"),
	    ipc_str("\x90") };
	struct ipc_control	control = { ipc_str("ps"), 0 };
	struct ipc_reply	reply = { ipc_str("ok"), ipc_str(""),
	    ipc_str("\x90") };
	struct ipc_channel	channel = { 5, 6 };
	size_t			at;
	static const uint16_t	order[] = { IPC_HELLO, IPC_ERROR, IPC_CREATE,
	    IPC_STARTED, IPC_TERMINATE, IPC_EXIT, IPC_CONTROL, IPC_REPLY,
	    IPC_INIT, IPC_CLOSING, IPC_CONNECT,
	    IPC_POST, IPC_FAULT, IPC_CONSOLE, IPC_CLOSE, IPC_CHANNEL,
	    IPC_REPOST, IPC_PORT_MOVED, IPC_PORT_DRAINED };
	struct ipc_buf		b;
	struct ipc_frame	f;
	const char		*why = NULL;
	size_t			i;

	memset(&init, 0, sizeof init);
	init.kind = ipc_str("dedicated");
	post.data = ipc_str("\xc0");
	ipc_buf_init(&b);
	cr_assert_eq(ipc_hello_encode(&b, &hello), 0);
	cr_assert_eq(ipc_error_encode(&b, &error), 0);
	cr_assert_eq(ipc_create_encode(&b, 3, &create), 0);
	cr_assert_eq(ipc_started_encode(&b, 4, &started), 0);
	cr_assert_eq(ipc_empty_encode(&b, IPC_TERMINATE, 5), 0);
	cr_assert_eq(ipc_exit_encode(&b, 6, &exit_), 0);
	cr_assert_eq(ipc_control_encode(&b, &control), 0);
	cr_assert_eq(ipc_reply_encode(&b, &reply), 0);
	cr_assert_eq(ipc_init_encode(&b, 9, &init), 0);
	cr_assert_eq(ipc_closing_encode(&b, &closing), 0);
	cr_assert_eq(ipc_empty_encode(&b, IPC_CONNECT, 11), 0);
	cr_assert_eq(ipc_post_encode(&b, 12, &post), 0);
	cr_assert_eq(ipc_fault_encode(&b, 13, &fault), 0);
	cr_assert_eq(ipc_console_encode(&b, 14, &console), 0);
	cr_assert_eq(ipc_empty_encode(&b, IPC_CLOSE, 15), 0);
	cr_assert_eq(ipc_channel_encode(&b, &channel), 0);
	at = ipc_buf_used(&b);
	cr_assert_eq(ipc_post_encode(&b, 17, &post), 0);
	ipc_frame_set_type(ipc_buf_head(&b) + at, IPC_REPOST);
	cr_assert_eq(ipc_empty_encode(&b, IPC_PORT_MOVED, 18), 0);
	cr_assert_eq(ipc_empty_encode(&b, IPC_PORT_DRAINED, 19), 0);
	for (i = 0; i < sizeof order / sizeof order[0]; i++) {
		cr_assert_eq(ipc_frame_next(&b, IPC_FRAME_MAX, &f, &why), 1);
		cr_assert_eq(f.type, order[i]);
		/* Port-less encoders write port 0. */
		if (order[i] == IPC_HELLO || order[i] == IPC_ERROR ||
		    order[i] == IPC_CLOSING || order[i] == IPC_CONTROL ||
		    order[i] == IPC_REPLY || order[i] == IPC_CHANNEL)
			cr_assert_eq(f.port, 0);
		else
			cr_assert_eq(f.port, i + 1);
		cr_assert_eq(ipc_check(f.body, f.len, IPC_DEPTH_MAX, &why), 0);
	}
	cr_assert_eq(ipc_buf_used(&b), 0);
	ipc_buf_clear(&b);
}

/*
 * Rejections. Each table-driven body below is built with msgpack-c's
 * packer from a list of field kinds; one field at a time is replaced by
 * wrongly typed or out-of-range values.
 */
enum kind { K_U32, K_U64, K_I32, K_STR, K_BIN };

struct field {
	const char	*name;
	enum kind	 kind;
};

struct spec {
	const char	*type;
	int		(*decode)(const uint8_t *, size_t, const char **);
	size_t		 n;
	struct field	 f[11];
};

#define WRAP(lname)							\
static int								\
dec_##lname(const uint8_t *p, size_t n, const char **why)		\
{									\
	struct ipc_##lname	m;					\
									\
	return ipc_##lname##_decode(p, n, &m, why);			\
}
WRAP(hello)
WRAP(error)
WRAP(create)
WRAP(started)
WRAP(exit)
WRAP(init)
WRAP(closing)
WRAP(control)
WRAP(reply)
WRAP(fault)
WRAP(console)
#undef WRAP

static const struct spec	specs[] = {
	{ "HELLO", dec_hello, 6, { { "version", K_U32 },
	    { "role", K_STR }, { "software", K_STR },
	    { "port_base", K_U64 }, { "port_count", K_U64 },
	    { "frame_max", K_U32 } } },
	{ "ERROR", dec_error, 2, { { "code", K_STR },
	    { "message", K_STR } } },
	{ "CREATE", dec_create, 7, { { "kind", K_STR }, { "url", K_STR },
	    { "name", K_STR }, { "origin", K_STR }, { "root", K_STR },
	    { "source", K_STR }, { "type", K_STR } } },
	{ "STARTED", dec_started, 2, { { "worker_id", K_U64 },
	    { "pid", K_U32 } } },
	{ "EXIT", dec_exit, 4, { { "code", K_I32 }, { "signal", K_I32 },
	    { "reason", K_STR }, { "message", K_STR } } },
	{ "INIT", dec_init, 11, { { "worker_id", K_U64 },
	    { "kind", K_STR }, { "url", K_STR }, { "name", K_STR },
	    { "origin", K_STR }, { "root", K_STR }, { "source", K_STR },
	    { "port_base", K_U64 }, { "port_count", K_U64 },
	    { "log_level", K_U32 }, { "memory_max", K_U64 } } },
	{ "CONTROL", dec_control, 2, { { "command", K_STR },
	    { "id", K_U64 } } },
	{ "REPLY", dec_reply, 3, { { "status", K_STR },
	    { "message", K_STR }, { "data", K_BIN } } },
	{ "CLOSING", dec_closing, 2, { { "reason", K_STR },
	    { "message", K_STR } } },
	{ "FAULT", dec_fault, 4, { { "message", K_STR },
	    { "filename", K_STR }, { "lineno", K_U32 },
	    { "colno", K_U32 } } },
	{ "CONSOLE", dec_console, 3, { { "level", K_STR },
	    { "text", K_STR }, { "args", K_BIN } } },
	{ "empty", ipc_empty_decode, 0, { { NULL, K_U32 } } },
};

#define NSPECS (sizeof specs / sizeof specs[0])

static void
pack_good(msgpack_packer *pk, enum kind k)
{
	switch (k) {
	case K_U32: msgpack_pack_uint32(pk, 123); break;
	case K_U64: msgpack_pack_uint64(pk, 1ull << 40); break;
	case K_I32: msgpack_pack_int32(pk, -5); break;
	case K_STR: msgpack_pack_str_with_body(pk, "s", 1); break;
	case K_BIN: msgpack_pack_bin_with_body(pk, "b", 1); break;
	}
}

/* Wrong value number v for kind k; -1 when there is none left. */
static int
pack_bad(msgpack_packer *pk, enum kind k, int v)
{
	/* Wrong for every kind. */
	switch (v) {
	case 0: return msgpack_pack_nil(pk);
	case 1: return msgpack_pack_true(pk);
	case 2: return msgpack_pack_double(pk, 1.0);
	case 3: return msgpack_pack_array(pk, 0);
	case 4: return msgpack_pack_map(pk, 0);
	case 5: return msgpack_pack_ext_with_body(pk, "e", 1, 1);
	case 6: return msgpack_pack_float(pk, 2.0f);
	}
	v -= 7;
	switch (k) {
	case K_U32:
		switch (v) {
		case 0: return msgpack_pack_uint64(pk, UINT32_MAX + 1ull);
		case 1: return msgpack_pack_uint64(pk, UINT64_MAX);
		case 2: return msgpack_pack_int(pk, -1);
		case 3: return msgpack_pack_str_with_body(pk, "1", 1);
		case 4: return msgpack_pack_bin_with_body(pk, "1", 1);
		}
		return -1;
	case K_U64:
		switch (v) {
		case 0: return msgpack_pack_int(pk, -1);
		case 1: return msgpack_pack_int64(pk, INT64_MIN);
		case 2: return msgpack_pack_str_with_body(pk, "1", 1);
		case 3: return msgpack_pack_bin_with_body(pk, "1", 1);
		}
		return -1;
	case K_I32:
		switch (v) {
		case 0: return msgpack_pack_int64(pk, (int64_t)INT32_MAX + 1);
		case 1: return msgpack_pack_int64(pk, (int64_t)INT32_MIN - 1);
		case 2: return msgpack_pack_uint64(pk, UINT64_MAX);
		case 3: return msgpack_pack_int64(pk, INT64_MIN);
		case 4: return msgpack_pack_str_with_body(pk, "1", 1);
		}
		return -1;
	case K_STR:
		switch (v) {
		case 0: return msgpack_pack_int(pk, 1);
		case 1: return msgpack_pack_bin_with_body(pk, "s", 1);
		}
		return -1;
	case K_BIN:
		switch (v) {
		case 0: return msgpack_pack_int(pk, 0);
		case 1: return msgpack_pack_str_with_body(pk, "b", 1);
		}
		return -1;
	}
	return -1;
}

static const char *
must_be(enum kind k)
{
	switch (k) {
	case K_U32:
	case K_U64: return "must be an unsigned integer";
	case K_I32: return "must be an integer";
	case K_STR: return "must be a string";
	case K_BIN: return "must be binary";
	}
	return NULL;
}

/*
 * Body of spec s with nfields array elements; field bad (if < n) gets
 * wrong value number v. Returns -1 if there is no such wrong value.
 */
static int
build(msgpack_sbuffer *sb, const struct spec *s, size_t nfields,
    size_t bad, int v)
{
	msgpack_packer	pk;
	size_t		i;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, nfields);
	for (i = 0; i < nfields; i++) {
		if (i >= s->n)
			msgpack_pack_nil(&pk);
		else if (i != bad)
			pack_good(&pk, s->f[i].kind);
		else if (pack_bad(&pk, s->f[i].kind, v) < 0) {
			msgpack_sbuffer_destroy(sb);
			return -1;
		}
	}
	return 0;
}

/* Decode p[0..n) with s in an exact-size heap copy. */
static int
decode(const struct spec *s, const void *p, size_t n, const char **why)
{
	uint8_t	*q = malloc(n ? n : 1);
	int	 rc;

	cr_assert_not_null(q);
	if (n > 0)
		memcpy(q, p, n);
	*why = NULL;
	rc = s->decode(q, n, why);
	free(q);
	if (rc != 0) {
		cr_assert_eq(rc, -EBADMSG, "%s: rc %d", s->type, rc);
		cr_assert_not_null(*why, "%s: rejected without why", s->type);
	}
	return rc;
}

Test(msg, decoders_accept_the_good_body)
{
	msgpack_sbuffer	 sb;
	const char	*why;
	size_t		 i;

	for (i = 0; i < NSPECS; i++) {
		cr_assert_eq(build(&sb, &specs[i], specs[i].n, SIZE_MAX, 0), 0);
		cr_assert_eq(decode(&specs[i], sb.data, sb.size, &why), 0,
		    "%s: %s", specs[i].type, why);
		msgpack_sbuffer_destroy(&sb);
	}
}

Test(msg, decoders_reject_wrong_field_count)
{
	msgpack_sbuffer	 sb;
	const char	*why;
	size_t		 i;

	for (i = 0; i < NSPECS; i++) {
		cr_assert_eq(build(&sb, &specs[i], specs[i].n + 1, SIZE_MAX,
		    0), 0);
		cr_assert_eq(decode(&specs[i], sb.data, sb.size, &why),
		    -EBADMSG, "%s with one field more", specs[i].type);
		msgpack_sbuffer_destroy(&sb);
		if (specs[i].n == 0)
			continue;
		cr_assert_eq(build(&sb, &specs[i], specs[i].n - 1, SIZE_MAX,
		    0), 0);
		cr_assert_eq(decode(&specs[i], sb.data, sb.size, &why),
		    -EBADMSG, "%s with one field less", specs[i].type);
		msgpack_sbuffer_destroy(&sb);
		cr_assert_eq(build(&sb, &specs[i], 0, SIZE_MAX, 0), 0);
		cr_assert_eq(decode(&specs[i], sb.data, sb.size, &why),
		    -EBADMSG, "%s with no fields", specs[i].type);
		msgpack_sbuffer_destroy(&sb);
	}
}

Test(msg, decoders_reject_wrong_field_types_naming_the_field)
{
	msgpack_sbuffer	 sb;
	const char	*why;
	char		 want[100];
	size_t		 i, j, tried = 0;
	int		 v;

	for (i = 0; i < NSPECS; i++) {
		for (j = 0; j < specs[i].n; j++) {
			snprintf(want, sizeof want, "%s %s",
			    specs[i].f[j].name, must_be(specs[i].f[j].kind));
			for (v = 0; build(&sb, &specs[i], specs[i].n, j, v) ==
			    0; v++) {
				cr_assert_eq(decode(&specs[i], sb.data,
				    sb.size, &why), -EBADMSG,
				    "%s.%s accepted wrong value %d",
				    specs[i].type, specs[i].f[j].name, v);
				cr_assert_str_eq(why, want, "%s value %d",
				    specs[i].type, v);
				msgpack_sbuffer_destroy(&sb);
				tried++;
			}
		}
	}
	cr_assert_gt(tried, 300);
}

Test(msg, decoders_reject_non_array_bodies)
{
	static const struct {
		const char	*p;
		size_t		 n;
	} bodies[] = {
#define B(lit) { lit, sizeof(lit) - 1 }
		B("\xc0"), B("\x05"), B("\xa5hello"), B("\xc4\x01x"),
		B("\x80"), B("\x82\x01\x02\x03\x04"), B("\xc3"),
		B("\xcb\0\0\0\0\0\0\0\0"), B("\xd4\x01\x00"),
#undef B
	};
	const char	*why;
	size_t		 i, j;

	for (i = 0; i < NSPECS; i++)
		for (j = 0; j < sizeof bodies / sizeof bodies[0]; j++)
			cr_assert_eq(decode(&specs[i], bodies[j].p,
			    bodies[j].n, &why), -EBADMSG, "%s body %zu",
			    specs[i].type, j);
}

Test(msg, decoders_reject_trailing_bytes)
{
	msgpack_sbuffer	 sb;
	const char	*why;
	uint8_t		*two;
	size_t		 i, n;

	for (i = 0; i < NSPECS; i++) {
		cr_assert_eq(build(&sb, &specs[i], specs[i].n, SIZE_MAX, 0), 0);
		n = sb.size;
		/* Two good bodies in a row are not one good body. */
		two = malloc(2 * n);
		cr_assert_not_null(two);
		memcpy(two, sb.data, n);
		memcpy(two + n, sb.data, n);
		cr_assert_eq(decode(&specs[i], two, 2 * n, &why), -EBADMSG,
		    "%s twice", specs[i].type);
		free(two);
		msgpack_sbuffer_write(&sb, "\xc0", 1);
		cr_assert_eq(decode(&specs[i], sb.data, sb.size, &why),
		    -EBADMSG, "%s + nil", specs[i].type);
		msgpack_sbuffer_destroy(&sb);
	}
}

Test(msg, decoders_reject_truncated_bodies)
{
	msgpack_sbuffer	 sb;
	const char	*why;
	size_t		 i, k;

	for (i = 0; i < NSPECS; i++) {
		cr_assert_eq(build(&sb, &specs[i], specs[i].n, SIZE_MAX, 0), 0);
		for (k = 0; k < sb.size; k++)
			cr_assert_eq(decode(&specs[i], sb.data, k, &why),
			    -EBADMSG, "%s cut at %zu", specs[i].type, k);
		msgpack_sbuffer_destroy(&sb);
	}
}

Test(msg, decoders_reject_hostile_bodies)
{
	static const struct {
		const char	*p;
		size_t		 n;
	} bodies[] = {
#define B(lit) { lit, sizeof(lit) - 1 }
		B("\xdd\xff\xff\xff\xff\x00\x00\x00\x00"), /* count bomb */
		B("\x92\xdb\xff\xff\xff\xff\xc0"),	/* length bomb */
		B("\x91\xc1"),
		B("\x92\xc0\xc1"),
		B(""),
#undef B
	};
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	const char	*why;
	size_t		 i, j;

	for (i = 0; i < NSPECS; i++)
		for (j = 0; j < sizeof bodies / sizeof bodies[0]; j++)
			cr_assert_eq(decode(&specs[i], bodies[j].p,
			    bodies[j].n, &why), -EBADMSG, "%s body %zu",
			    specs[i].type, j);
	/* A body nested deeper than IPC_DEPTH_MAX. */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	for (j = 0; j <= IPC_DEPTH_MAX; j++)
		msgpack_pack_array(&pk, 1);
	msgpack_pack_nil(&pk);
	for (i = 0; i < NSPECS; i++)
		cr_assert_eq(decode(&specs[i], sb.data, sb.size, &why),
		    -EBADMSG, "%s", specs[i].type);
	msgpack_sbuffer_destroy(&sb);
}

Test(msg, decoders_accept_integer_edges_in_any_form)
{
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	struct ipc_exit		 e;
	struct ipc_started	 s;
	struct ipc_hello	 h;
	const char		*why = NULL;

	/* EXIT code and signal at the int32 edges, in 8-byte forms. */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 4);
	msgpack_pack_fix_int64(&pk, INT32_MIN);
	msgpack_pack_fix_uint64(&pk, INT32_MAX);
	msgpack_pack_str_with_body(&pk, "crashed", 7);
	msgpack_pack_str_with_body(&pk, "", 0);
	cr_assert_eq(ipc_exit_decode((const uint8_t *)sb.data, sb.size, &e,
	    &why), 0, "%s", why);
	cr_assert_eq(e.code, INT32_MIN);
	cr_assert_eq(e.signal, INT32_MAX);
	msgpack_sbuffer_destroy(&sb);

	/* STARTED pid at UINT32_MAX in a uint64 form, worker_id as fixint. */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 2);
	msgpack_pack_uint8(&pk, 3);
	msgpack_pack_fix_uint64(&pk, UINT32_MAX);
	cr_assert_eq(ipc_started_decode((const uint8_t *)sb.data, sb.size, &s,
	    &why), 0, "%s", why);
	cr_assert_eq(s.worker_id, 3);
	cr_assert_eq(s.pid, UINT32_MAX);
	msgpack_sbuffer_destroy(&sb);

	/* A signed form of a non-negative number is still unsigned. */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 6);
	msgpack_pack_fix_int32(&pk, 1);
	msgpack_pack_str_with_body(&pk, "client", 6);
	msgpack_pack_str_with_body(&pk, "x", 1);
	msgpack_pack_fix_int64(&pk, 0);
	msgpack_pack_fix_int8(&pk, 5);
	msgpack_pack_fix_int16(&pk, 1024);
	cr_assert_eq(ipc_hello_decode((const uint8_t *)sb.data, sb.size, &h,
	    &why), 0, "%s", why);
	cr_assert_eq(h.version, 1);
	cr_assert_eq(h.port_count, 5);
	cr_assert_eq(h.frame_max, 1024);
	msgpack_sbuffer_destroy(&sb);
}

/* POST body [transfer, data] with the parts chosen by variant. */
static void
build_post(msgpack_sbuffer *sb, int transfer, int data, size_t nfields)
{
	msgpack_packer	pk;
	size_t		i;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, nfields);
	if (nfields == 0)
		return;
	switch (transfer) {
	case 0: msgpack_pack_array(&pk, 0); break;
	case 1:
		msgpack_pack_array(&pk, IPC_TRANSFER_MAX);
		for (i = 0; i < IPC_TRANSFER_MAX; i++)
			msgpack_pack_uint64(&pk, i << 33);
		break;
	case 2:
		msgpack_pack_array(&pk, IPC_TRANSFER_MAX + 1);
		for (i = 0; i <= IPC_TRANSFER_MAX; i++)
			msgpack_pack_uint64(&pk, i);
		break;
	case 3: msgpack_pack_nil(&pk); break;
	case 4: msgpack_pack_map(&pk, 0); break;
	case 5: msgpack_pack_uint64(&pk, 5); break;
	case 6: msgpack_pack_bin_with_body(&pk, "", 0); break;
	case 7:
		msgpack_pack_array(&pk, 2);
		msgpack_pack_uint64(&pk, 1);
		msgpack_pack_int(&pk, -1);
		break;
	case 8:
		msgpack_pack_array(&pk, 1);
		msgpack_pack_str_with_body(&pk, "1", 1);
		break;
	case 9:
		msgpack_pack_array(&pk, 1);
		msgpack_pack_double(&pk, 1.0);
		break;
	case 10:
		msgpack_pack_array(&pk, 1);
		msgpack_pack_nil(&pk);
		break;
	}
	if (nfields == 1)
		return;
	switch (data) {
	case 0: msgpack_pack_bin_with_body(&pk, "\x90", 1); break;
	case 1: msgpack_pack_bin_with_body(&pk, "", 0); break;	/* bin8 */
	case 2: msgpack_pack_str_with_body(&pk, "\x90", 1); break;
	case 3: msgpack_pack_nil(&pk); break;
	case 4: msgpack_pack_array(&pk, 0); break;
	case 5: msgpack_pack_ext_with_body(&pk, "\x90", 1, 0); break;
	case 6: msgpack_pack_uint64(&pk, 0); break;
	}
	for (i = 2; i < nfields; i++)
		msgpack_pack_nil(&pk);
}

static int
post_decode(msgpack_sbuffer *sb, const char **why)
{
	static struct ipc_post	 m;
	uint8_t			*q = malloc(sb->size);
	int			 rc;

	cr_assert_not_null(q);
	memcpy(q, sb->data, sb->size);
	*why = NULL;
	rc = ipc_post_decode(q, sb->size, &m, why);
	free(q);
	msgpack_sbuffer_destroy(sb);
	if (rc != 0) {
		cr_assert_eq(rc, -EBADMSG, "POST: rc %d", rc);
		cr_assert_not_null(*why);
	}
	return rc;
}

Test(msg, post_decoder_rejects_bad_bodies)
{
	msgpack_sbuffer	 sb;
	const char	*why;
	int		 t, d;

	build_post(&sb, 0, 0, 2);
	cr_assert_eq(post_decode(&sb, &why), 0, "%s", why);
	build_post(&sb, 1, 1, 2);
	cr_assert_eq(post_decode(&sb, &why), 0, "%s", why);
	/* wrong field count */
	build_post(&sb, 0, 0, 3);
	cr_assert_eq(post_decode(&sb, &why), -EBADMSG);
	build_post(&sb, 0, 0, 1);
	cr_assert_eq(post_decode(&sb, &why), -EBADMSG);
	build_post(&sb, 0, 0, 0);
	cr_assert_eq(post_decode(&sb, &why), -EBADMSG);
	/* transfer over IPC_TRANSFER_MAX, not an array, not port ids */
	for (t = 2; t <= 10; t++) {
		build_post(&sb, t, 0, 2);
		cr_assert_eq(post_decode(&sb, &why), -EBADMSG, "transfer %d",
		    t);
		cr_assert_not_null(strstr(why, "transfer"), "%d: %s", t, why);
	}
	/* data not bin */
	for (d = 2; d <= 6; d++) {
		build_post(&sb, 0, d, 2);
		cr_assert_eq(post_decode(&sb, &why), -EBADMSG, "data %d", d);
		cr_assert_str_eq(why, "data must be binary");
	}
}

Test(msg, post_decoder_rejects_non_array_and_trailing_bytes)
{
	static const char	good[] = "\x92\x90\xc4\x01\x90";
	struct ipc_post		m;
	const char		*why = NULL;
	size_t			k;

	cr_assert_eq(ipc_post_decode((const uint8_t *)good, 5, &m, &why), 0);
	cr_assert_eq(ipc_post_decode((const uint8_t *)"\x92\x90\xc4\x01\x90"
	    "\xc0", 6, &m, &why), -EBADMSG);
	cr_assert_eq(ipc_post_decode((const uint8_t *)"\xc4\x01\x90", 3, &m,
	    &why), -EBADMSG);
	cr_assert_eq(ipc_post_decode((const uint8_t *)"\x82\x90\xc4\x01\x90"
	    "\xc0", 6, &m, &why), -EBADMSG);
	for (k = 0; k < 5; k++)
		cr_assert_eq(ipc_post_decode((const uint8_t *)good, k, &m,
		    &why), -EBADMSG);
}

/* The protocol's message list, as the brief and docs describe it. */
static const struct {
	unsigned	 num;
	const char	*name;
	unsigned	 dirs;
} listed[] = {
	{ 1, "HELLO", IPC_C2D | IPC_D2C | IPC_W2D | IPC_D2W },
	{ 2, "ERROR", IPC_D2C | IPC_D2W },
	{ 16, "CREATE", IPC_C2D | IPC_W2D },
	{ 17, "STARTED", IPC_D2C | IPC_D2W },
	{ 18, "TERMINATE", IPC_C2D | IPC_W2D },
	{ 19, "EXIT", IPC_D2C | IPC_D2W },
	{ 20, "CONTROL", IPC_C2D },
	{ 21, "REPLY", IPC_D2C },
	{ 32, "INIT", IPC_D2W },
	{ 33, "CLOSING", IPC_W2D },
	{ 34, "CONNECT", IPC_D2W },
	{ 48, "POST", IPC_C2D | IPC_D2C | IPC_W2D | IPC_D2W },
	{ 49, "FAULT", IPC_W2D | IPC_D2C | IPC_D2W },
	{ 50, "CONSOLE", IPC_W2D | IPC_D2C },
	{ 51, "CLOSE", IPC_C2D | IPC_W2D | IPC_D2W },
	{ 52, "CHANNEL", IPC_C2D | IPC_W2D },
	{ 53, "REPOST", IPC_C2D | IPC_W2D },
	{ 54, "PORT_MOVED", IPC_D2C | IPC_D2W },
	{ 55, "PORT_DRAINED", IPC_C2D | IPC_W2D },
};

#define NLISTED (sizeof listed / sizeof listed[0])

Test(msg, type_numbers_match_the_protocol)
{
	static const unsigned	nums[] = { IPC_HELLO, IPC_ERROR, IPC_CREATE,
	    IPC_STARTED, IPC_TERMINATE, IPC_EXIT, IPC_CONTROL, IPC_REPLY,
	    IPC_INIT, IPC_CLOSING, IPC_CONNECT,
	    IPC_POST, IPC_FAULT, IPC_CONSOLE, IPC_CLOSE, IPC_CHANNEL,
	    IPC_REPOST, IPC_PORT_MOVED, IPC_PORT_DRAINED };
	unsigned		n = 0;
	size_t			i;

	for (i = 0; i < NLISTED; i++)
		cr_assert_eq(nums[i], listed[i].num, "%s", listed[i].name);
	/* No type in the X-macro list that this test does not know. */
#define X(name, num, dirs) n++;
	IPC_MESSAGES(X)
#undef X
	cr_assert_eq(n, NLISTED);
}

Test(msg, type_name_and_allowed_for_listed_types)
{
	static const unsigned	dirs[] = { IPC_C2D, IPC_D2C, IPC_W2D,
	    IPC_D2W };
	size_t			i, j;

	for (i = 0; i < NLISTED; i++) {
		cr_assert_not_null(ipc_type_name(listed[i].num));
		cr_assert_str_eq(ipc_type_name(listed[i].num), listed[i].name);
		for (j = 0; j < 4; j++)
			cr_assert_eq(ipc_type_allowed(listed[i].num, dirs[j]),
			    (listed[i].dirs & dirs[j]) != 0, "%s dir %#x",
			    listed[i].name, dirs[j]);
		cr_assert_eq(ipc_type_allowed(listed[i].num, 0), 0);
	}
}

Test(msg, type_name_and_allowed_for_unknown_types)
{
	static const unsigned	dirs[] = { IPC_C2D, IPC_D2C, IPC_W2D,
	    IPC_D2W, IPC_PEER };
	unsigned		t;
	size_t			i, j;
	int			known;

	for (t = 0; t <= 70000; t++) {
		known = 0;
		for (i = 0; i < NLISTED; i++)
			known |= listed[i].num == t;
		if (known)
			continue;
		cr_assert_null(ipc_type_name(t), "type %u has a name", t);
		for (j = 0; j < sizeof dirs / sizeof dirs[0]; j++)
			cr_assert_eq(ipc_type_allowed(t, dirs[j]), 0,
			    "type %u allowed", t);
	}
	cr_assert_null(ipc_type_name(0));
	cr_assert_null(ipc_type_name(3));
	cr_assert_null(ipc_type_name(65535));
	cr_assert_null(ipc_type_name(UINT_MAX));
	cr_assert_eq(ipc_type_allowed(UINT_MAX, IPC_PEER), 0);
}

Test(msg, str_helpers)
{
	struct ipc_str	s = ipc_str(NULL), t;
	char		*d;

	cr_assert_not_null(s.ptr);
	cr_assert_eq(s.len, 0);
	cr_assert(ipc_str_eq(s, ""));
	s = ipc_str("abc");
	cr_assert_eq(s.len, 3);
	cr_assert(ipc_str_eq(s, "abc"));
	cr_assert_not(ipc_str_eq(s, "ab"));
	cr_assert_not(ipc_str_eq(s, "abcd"));
	cr_assert_not(ipc_str_eq(s, "abd"));
	t.ptr = "a\0b";
	t.len = 3;
	d = ipc_str_dup(t);
	cr_assert_not_null(d);
	cr_assert_arr_eq(d, "a\0b\0", 4);
	free(d);
	t.len = 0;
	d = ipc_str_dup(t);
	cr_assert_str_eq(d, "");
	free(d);
}

/* The protocol's str is UTF-8; a worker's strings may be WTF-8. */
Test(msg, utf8_checks)
{
	static const struct {
		const char	*s;
		int		 utf8, wtf8;
	} c[] = {
		{ "plain", 1, 1 }, { "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 1, 1 },
		{ "\xed\xa0\x80", 0, 1 },		/* a lone surrogate */
		{ "\xc0\xaf", 0, 0 }, { "\xe0\x80\xaf", 0, 0 },	/* overlong */
		{ "\xf4\x90\x80\x80", 0, 0 },		/* above U+10FFFF */
		{ "\xff", 0, 0 }, { "\xc3", 0, 0 }, { "\xe2\x82", 0, 0 },
	};
	const uint8_t	*p;
	size_t		 i, j, k, n;
	int		 ok;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		cr_assert_eq(ipc_str_utf8(ipc_str(c[i].s)), c[i].utf8,
		    "case %zu", i);
		p = (const uint8_t *)c[i].s;
		n = strlen(c[i].s);
		for (ok = 1, j = 0; ok && j < n; j += k)
			ok = (k = ipc_utf8_char(p + j, n - j, 1)) > 0;
		cr_assert_eq(ok, c[i].wtf8, "case %zu as WTF-8", i);
	}
}
