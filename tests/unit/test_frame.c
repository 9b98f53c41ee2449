/*
 * test_frame.c: unit tests of ipc/frame.c: the 16-byte big-endian header,
 * cutting frames out of a read buffer however the bytes arrive, refusing
 * bad headers before the body is there, and writing frames with
 * ipc_frame_begin/end across a buffer compaction, and ipc_frame_read's
 * one bounded read from a socketpair. Runs in the Criterion test process
 * only.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "frame.h"

/* Write a raw header; flags are free so that bad ones can be made. */
static void
put_header(uint8_t *p, uint32_t len, uint16_t type, uint16_t flags,
    uint64_t port)
{
	ipc_put32(p, len);
	p[4] = type >> 8;
	p[5] = (uint8_t)type;
	p[6] = flags >> 8;
	p[7] = (uint8_t)flags;
	ipc_put64(p + 8, port);
}

/* Append a whole frame through ipc_frame_begin/end. */
static void
append_frame(struct ipc_buf *b, uint16_t type, uint64_t port,
    const void *body, size_t len)
{
	size_t	start;

	cr_assert_eq(ipc_frame_begin(b, type, port, &start), 0);
	cr_assert_eq(ipc_buf_append(b, body, len), 0);
	cr_assert_eq(ipc_frame_end(b, start), 0);
}

Test(frame, put_get_are_big_endian)
{
	uint8_t	p[8];

	ipc_put32(p, 0x01020304u);
	cr_assert_arr_eq(p, "\x01\x02\x03\x04", 4);
	cr_assert_eq(ipc_get32(p), 0x01020304u);
	ipc_put64(p, 0x8877665544332211ull);
	cr_assert_arr_eq(p, "\x88\x77\x66\x55\x44\x33\x22\x11", 8);
	cr_assert_eq(ipc_get64(p), 0x8877665544332211ull);
	ipc_put32(p, UINT32_MAX);
	cr_assert_eq(ipc_get32(p), UINT32_MAX);
}

Test(frame, begin_end_writes_exact_bytes)
{
	static const uint8_t want[] = {
		0x00, 0x00, 0x00, 0x03,		/* length */
		0x12, 0x34,			/* type */
		0x00, 0x00,			/* flags */
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* port */
		0x92, 0x01, 0x02,		/* body [1, 2] */
	};
	struct ipc_buf	b;

	ipc_buf_init(&b);
	append_frame(&b, 0x1234, 0x0102030405060708ull, "\x92\x01\x02", 3);
	cr_assert_eq(ipc_buf_used(&b), sizeof want);
	cr_assert_arr_eq(ipc_buf_head(&b), want, sizeof want);
	ipc_buf_clear(&b);
}

Test(frame, next_decodes_known_bytes)
{
	static const uint8_t bytes[] = {
		0x00, 0x00, 0x00, 0x02, 0xab, 0xcd, 0x00, 0x00,
		0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
		0x91, 0xc0,
	};
	struct ipc_buf		b;
	struct ipc_frame	f;
	const char		*why = NULL;

	ipc_buf_init(&b);
	cr_assert_eq(ipc_buf_append(&b, bytes, sizeof bytes), 0);
	cr_assert_eq(ipc_frame_next(&b, IPC_FRAME_MAX, &f, &why), 1);
	cr_assert_eq(f.type, 0xabcd);
	cr_assert_eq(f.flags, 0);
	cr_assert_eq(f.port, 0xfedcba9876543210ull);
	cr_assert_eq(f.len, 2);
	cr_assert_eq(f.body, f.raw + IPC_HEADER_SIZE);
	cr_assert_arr_eq(f.body, "\x91\xc0", 2);
	cr_assert_arr_eq(f.raw, bytes, sizeof bytes);
	cr_assert_eq(ipc_buf_used(&b), 0, "the frame is consumed");
	cr_assert_eq(ipc_frame_next(&b, IPC_FRAME_MAX, &f, &why), 0);
	ipc_buf_clear(&b);
}

Test(frame, header_round_trip)
{
	static const struct {
		uint16_t	type;
		uint64_t	port;
		uint32_t	len;
	} cases[] = {
		{ 1, 0, 0 },
		{ 48, 1, 1 },
		{ 0xffff, UINT64_MAX, 300 },
		{ 0x8001, 0x100000000ull, 65536 },
		{ 51, 0x7fffffffffffffffull, 70000 },
	};
	static uint8_t		body[70000];
	struct ipc_buf		b;
	struct ipc_frame	f;
	const char		*why = NULL;
	size_t			i;

	for (i = 0; i < sizeof body; i++)
		body[i] = (uint8_t)(i * 13);
	ipc_buf_init(&b);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		append_frame(&b, cases[i].type, cases[i].port, body,
		    cases[i].len);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cr_assert_eq(ipc_frame_next(&b, IPC_FRAME_MAX, &f, &why), 1);
		cr_assert_eq(f.type, cases[i].type);
		cr_assert_eq(f.port, cases[i].port);
		cr_assert_eq(f.len, cases[i].len);
		cr_assert_eq(ipc_get32(f.raw), cases[i].len);
		cr_assert_arr_eq(f.body, body, f.len);
	}
	cr_assert_eq(ipc_buf_used(&b), 0);
	ipc_buf_clear(&b);
}

Test(frame, next_waits_for_partial_header)
{
	uint8_t			raw[IPC_HEADER_SIZE + 1];
	struct ipc_buf		b;
	struct ipc_frame	f;
	const char		*why = NULL;
	size_t			n;

	put_header(raw, 1, 1, 0, 7);
	raw[IPC_HEADER_SIZE] = 0x90;
	ipc_buf_init(&b);
	cr_assert_eq(ipc_frame_next(&b, IPC_FRAME_MAX, &f, &why), 0);
	for (n = 0; n < IPC_HEADER_SIZE; n++) {
		cr_assert_eq(ipc_buf_append(&b, raw + n, 1), 0);
		if (n + 1 == IPC_HEADER_SIZE)
			break;
		cr_assert_eq(ipc_frame_next(&b, IPC_FRAME_MAX, &f, &why), 0);
		cr_assert_eq(ipc_buf_used(&b), n + 1, "nothing consumed");
	}
	cr_assert_eq(ipc_frame_next(&b, IPC_FRAME_MAX, &f, &why), 0,
	    "header complete, body missing");
	cr_assert_eq(ipc_buf_append(&b, raw + IPC_HEADER_SIZE, 1), 0);
	cr_assert_eq(ipc_frame_next(&b, IPC_FRAME_MAX, &f, &why), 1);
	cr_assert_eq(f.port, 7);
	ipc_buf_clear(&b);
}

Test(frame, next_waits_for_partial_body)
{
	uint8_t			raw[IPC_HEADER_SIZE + 100];
	struct ipc_buf		b;
	struct ipc_frame	f;
	const char		*why = NULL;

	put_header(raw, 100, 48, 0, 9);
	memset(raw + IPC_HEADER_SIZE, 0x5a, 100);
	ipc_buf_init(&b);
	cr_assert_eq(ipc_buf_append(&b, raw, IPC_HEADER_SIZE + 99), 0);
	cr_assert_eq(ipc_frame_next(&b, IPC_FRAME_MAX, &f, &why), 0);
	cr_assert_eq(ipc_buf_used(&b), IPC_HEADER_SIZE + 99);
	cr_assert_eq(ipc_frame_want(&b), 1);
	cr_assert_eq(ipc_buf_append(&b, raw + IPC_HEADER_SIZE + 99, 1), 0);
	cr_assert_eq(ipc_frame_next(&b, IPC_FRAME_MAX, &f, &why), 1);
	cr_assert_eq(f.len, 100);
	cr_assert_arr_eq(f.body, raw + IPC_HEADER_SIZE, 100);
	ipc_buf_clear(&b);
}

Test(frame, byte_at_a_time_yields_frames_in_order)
{
	static const struct {
		uint16_t	 type;
		uint64_t	 port;
		const char	*body;
		size_t		 len;
	} want[] = {
		{ 1, 0, "\x95\x01\xa1x\xa1y\x00\x00", 8 },
		{ 18, 0x500000001ull, "", 0 },
		{ 48, 0xfffffffffffffff0ull, "\x92\x90\xc6\0\0\0\x02hi", 10 },
	};
	struct ipc_buf		src, b;
	struct ipc_frame	f;
	const char		*why = NULL;
	size_t			i, got = 0, total;
	int			rc;

	ipc_buf_init(&src);
	ipc_buf_init(&b);
	for (i = 0; i < 3; i++)
		append_frame(&src, want[i].type, want[i].port, want[i].body,
		    want[i].len);
	total = ipc_buf_used(&src);
	for (i = 0; i < total; i++) {
		cr_assert_eq(ipc_buf_append(&b, ipc_buf_head(&src) + i, 1), 0);
		while ((rc = ipc_frame_next(&b, IPC_FRAME_MAX, &f, &why)) ==
		    1) {
			cr_assert_lt(got, 3);
			cr_assert_eq(f.type, want[got].type);
			cr_assert_eq(f.port, want[got].port);
			cr_assert_eq(f.len, want[got].len);
			cr_assert_arr_eq(f.body, want[got].body, f.len);
			got++;
		}
		cr_assert_eq(rc, 0);
		if (ipc_buf_used(&b) > 0)
			cr_assert_gt(ipc_frame_want(&b), 0);
	}
	cr_assert_eq(got, 3);
	cr_assert_eq(ipc_buf_used(&b), 0);
	ipc_buf_clear(&src);
	ipc_buf_clear(&b);
}

Test(frame, rejects_length_over_limit)
{
	uint8_t			raw[IPC_HEADER_SIZE];
	struct ipc_buf		b;
	struct ipc_frame	f;
	const char		*why = NULL;

	/* Only the header has arrived: the limit is checked already. */
	put_header(raw, 101, 48, 0, 1);
	ipc_buf_init(&b);
	cr_assert_eq(ipc_buf_append(&b, raw, sizeof raw), 0);
	cr_assert_eq(ipc_frame_next(&b, 100, &f, &why), -EMSGSIZE);
	cr_assert_not_null(why);
	ipc_buf_clear(&b);

	put_header(raw, IPC_FRAME_MAX + 1, 48, 0, 1);
	cr_assert_eq(ipc_buf_append(&b, raw, sizeof raw), 0);
	why = NULL;
	cr_assert_eq(ipc_frame_next(&b, IPC_FRAME_MAX, &f, &why),
	    -EMSGSIZE);
	cr_assert_not_null(why);
	ipc_buf_clear(&b);
}

Test(frame, accepts_length_at_limit)
{
	uint8_t			raw[IPC_HEADER_SIZE + 100];
	struct ipc_buf		b;
	struct ipc_frame	f;
	const char		*why = NULL;

	put_header(raw, 100, 48, 0, 1);
	memset(raw + IPC_HEADER_SIZE, 0, 100);
	ipc_buf_init(&b);
	cr_assert_eq(ipc_buf_append(&b, raw, IPC_HEADER_SIZE), 0);
	cr_assert_eq(ipc_frame_next(&b, 100, &f, &why), 0);
	cr_assert_eq(ipc_buf_append(&b, raw + IPC_HEADER_SIZE, 100), 0);
	cr_assert_eq(ipc_frame_next(&b, 100, &f, &why), 1);
	cr_assert_eq(f.len, 100);
	ipc_buf_clear(&b);
}

Test(frame, rejects_length_0xffffffff)
{
	uint8_t			raw[IPC_HEADER_SIZE];
	struct ipc_buf		b;
	struct ipc_frame	f;
	const char		*why = NULL;

	put_header(raw, 0xffffffffu, 48, 0, 1);
	ipc_buf_init(&b);
	cr_assert_eq(ipc_buf_append(&b, raw, sizeof raw), 0);
	cr_assert_eq(ipc_frame_next(&b, IPC_FRAME_MAX, &f, &why),
	    -EMSGSIZE);
	cr_assert_not_null(why);
	/* With no limit it is a frame still waiting for its body. */
	cr_assert_eq(ipc_frame_next(&b, UINT32_MAX, &f, &why), 0);
	cr_assert_eq(ipc_frame_want(&b), 0xffffffffu);
	ipc_buf_clear(&b);
}

Test(frame, rejects_nonzero_flags)
{
	static const uint16_t	flags[] = { 1, 0x0100, 0x8000, 0xffff };
	uint8_t			raw[IPC_HEADER_SIZE];
	struct ipc_buf		b;
	struct ipc_frame	f;
	const char		*why;
	size_t			i;

	ipc_buf_init(&b);
	for (i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		/* Header only, body of 5 bytes not yet there. */
		put_header(raw, 5, 1, flags[i], 0);
		cr_assert_eq(ipc_buf_append(&b, raw, sizeof raw), 0);
		why = NULL;
		cr_assert_eq(ipc_frame_next(&b, IPC_FRAME_MAX, &f, &why),
		    -EPROTO, "flags %#x", flags[i]);
		cr_assert_not_null(why);
		ipc_buf_clear(&b);
	}
}

Test(frame, want_counts_missing_bytes)
{
	uint8_t			raw[IPC_HEADER_SIZE + 100];
	struct ipc_buf		b;
	struct ipc_frame	f;
	const char		*why = NULL;

	put_header(raw, 100, 48, 0, 1);
	memset(raw + IPC_HEADER_SIZE, 0, 100);
	ipc_buf_init(&b);
	cr_assert_eq(ipc_frame_want(&b), IPC_HEADER_SIZE);
	cr_assert_eq(ipc_buf_append(&b, raw, 5), 0);
	cr_assert_eq(ipc_frame_want(&b), IPC_HEADER_SIZE - 5);
	cr_assert_eq(ipc_buf_append(&b, raw + 5, IPC_HEADER_SIZE - 5), 0);
	cr_assert_eq(ipc_frame_next(&b, IPC_FRAME_MAX, &f, &why), 0);
	cr_assert_eq(ipc_frame_want(&b), 100);
	cr_assert_eq(ipc_buf_append(&b, raw + IPC_HEADER_SIZE, 30), 0);
	cr_assert_eq(ipc_frame_want(&b), 70);
	ipc_buf_clear(&b);
}

Test(frame, want_counts_from_the_head_after_consume)
{
	uint8_t			raw[2 * IPC_HEADER_SIZE + 4];
	struct ipc_buf		b;
	struct ipc_frame	f;
	const char		*why = NULL;

	put_header(raw, 4, 1, 0, 1);
	memcpy(raw + IPC_HEADER_SIZE, "\x93\x01\x02\x03", 4);
	put_header(raw + IPC_HEADER_SIZE + 4, 1000, 2, 0, 2);
	ipc_buf_init(&b);
	cr_assert_eq(ipc_buf_append(&b, raw, sizeof raw), 0);
	cr_assert_eq(ipc_frame_next(&b, IPC_FRAME_MAX, &f, &why), 1);
	cr_assert_eq(ipc_frame_next(&b, IPC_FRAME_MAX, &f, &why), 0);
	cr_assert_gt(b.off, 0);
	cr_assert_eq(ipc_frame_want(&b), 1000);
	ipc_buf_clear(&b);
}

/*
 * More than IPC_COPY_MAX bytes of an unfinished frame: the next read is
 * just its rest, and nothing moves while the buffer has room for it.
 */
Test(frame, room_finishes_a_large_frame_in_place)
{
	static uint8_t		raw[2 * IPC_HEADER_SIZE + 4 + 100000];
	struct ipc_buf		b;
	struct ipc_frame	f;
	const char		*why = NULL;
	size_t			off, have = IPC_HEADER_SIZE + 40000;

	put_header(raw, 4, 1, 0, 1);
	memcpy(raw + IPC_HEADER_SIZE, "\x93\x01\x02\x03", 4);
	put_header(raw + IPC_HEADER_SIZE + 4, 100000, 2, 0, 2);
	ipc_buf_init(&b);
	cr_assert_eq(ipc_buf_reserve(&b, sizeof raw), 0);
	cr_assert_eq(ipc_buf_append(&b, raw, IPC_HEADER_SIZE + 4 + have), 0);
	cr_assert_eq(ipc_frame_next(&b, IPC_FRAME_MAX, &f, &why), 1);
	cr_assert_eq(ipc_frame_next(&b, IPC_FRAME_MAX, &f, &why), 0);
	off = b.off;
	cr_assert_eq(ipc_frame_room(&b, 65536), 100000 - 40000);
	cr_assert_eq(b.off, off, "the unfinished frame was moved");
	cr_assert_geq(b.cap - b.len, 100000 - 40000);
	memcpy(ipc_buf_tail(&b), raw + IPC_HEADER_SIZE + 4 + have,
	    100000 - 40000);
	b.len += 100000 - 40000;
	cr_assert_eq(ipc_frame_next(&b, IPC_FRAME_MAX, &f, &why), 1);
	cr_assert_eq(f.len, 100000);
	cr_assert_eq(b.off, 0, "an emptied buffer rewinds");
	cr_assert_eq(b.len, 0);
	ipc_buf_clear(&b);
}

/* A few bytes of a frame: a read as large as asked, room reserved. */
Test(frame, room_reads_at_least_min)
{
	uint8_t			raw[IPC_HEADER_SIZE];
	struct ipc_buf		b;

	put_header(raw, 100000, 2, 0, 2);
	ipc_buf_init(&b);
	cr_assert_eq(ipc_frame_room(&b, 65536), 65536);
	cr_assert_eq(ipc_buf_append(&b, raw, sizeof raw), 0);
	cr_assert_eq(ipc_frame_room(&b, 65536), 100000);
	cr_assert_geq(b.cap - b.len, 100000);
	ipc_buf_clear(&b);
	cr_assert_eq(ipc_buf_append(&b, raw, 5), 0);
	cr_assert_eq(ipc_frame_room(&b, 4096), 4096);
	ipc_buf_clear(&b);
}

/*
 * ipc_frame_read reads once, at most IPC_READ_TURN bytes, even with more
 * waiting: the rest comes with the next call, then -EAGAIN, then 0 at
 * EOF. Every frame arrives whole and in order.
 */
Test(frame, read_takes_one_turn_at_a_time)
{
	enum { BODY = 84, N = 2700, SIZE = N * (IPC_HEADER_SIZE + BODY) };
	static uint8_t		raw[SIZE];
	struct ipc_buf		b;
	struct ipc_frame	f;
	const char		*why = NULL;
	int			sv[2], sndbuf = SIZE, i, got = 0;
	ssize_t			n;

	for (i = 0; i < N; i++) {
		put_header(raw + i * (IPC_HEADER_SIZE + BODY), BODY, 1, 0,
		    (uint64_t)i);
		memset(raw + i * (IPC_HEADER_SIZE + BODY) + IPC_HEADER_SIZE,
		    'x', BODY);
	}
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sndbuf,
	    sizeof sndbuf), 0);
	cr_assert_eq(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	/* 270,000 bytes fit under even the default net.core.wmem_max. */
	cr_assert_eq(send(sv[1], raw, SIZE, MSG_DONTWAIT), SIZE);
	ipc_buf_init(&b);
	cr_assert_eq(ipc_frame_read(sv[0], &b), IPC_READ_TURN,
	    "one read takes a turn's share, not all that waits");
	while (ipc_frame_next(&b, IPC_FRAME_MAX, &f, &why) == 1)
		cr_assert_eq(f.port, (uint64_t)got++);
	cr_assert_eq(ipc_frame_read(sv[0], &b), SIZE - IPC_READ_TURN);
	while (ipc_frame_next(&b, IPC_FRAME_MAX, &f, &why) == 1)
		cr_assert_eq(f.port, (uint64_t)got++);
	cr_assert_eq(got, N);
	cr_assert_eq(ipc_frame_read(sv[0], &b), -EAGAIN);
	close(sv[1]);
	n = ipc_frame_read(sv[0], &b);
	cr_assert_eq(n, 0, "EOF: %zd", n);
	close(sv[0]);
	ipc_buf_clear(&b);
}

Test(frame, accepts_empty_body)
{
	struct ipc_buf		b;
	struct ipc_frame	f;
	const char		*why = NULL;

	ipc_buf_init(&b);
	append_frame(&b, 51, 42, NULL, 0);
	cr_assert_eq(ipc_buf_used(&b), IPC_HEADER_SIZE);
	cr_assert_eq(ipc_get32(ipc_buf_head(&b)), 0);
	cr_assert_eq(ipc_frame_next(&b, 0, &f, &why), 1,
	    "a 0-byte body fits any limit");
	cr_assert_eq(f.len, 0);
	cr_assert_eq(f.type, 51);
	cr_assert_eq(f.port, 42);
	cr_assert_eq(f.body, f.raw + IPC_HEADER_SIZE);
	ipc_buf_clear(&b);
}

/* Junk in front of the frame, most of it consumed: b->off > 0. */
static void
setup_consumed_prefix(struct ipc_buf *b, size_t junk, size_t keep)
{
	uint8_t	chunk[4000];

	cr_assert_leq(junk, sizeof chunk);
	memset(chunk, 0xee, junk);
	cr_assert_eq(ipc_buf_append(b, chunk, junk), 0);
	ipc_buf_consume(b, junk - keep);
	cr_assert_eq(b->off, junk - keep);
}

/*
 * Begin a frame after junk of which keep bytes are unconsumed, append the
 * body in pieces (the buffer compacts or grows on the way if it must),
 * end it, then cut it out again and compare.
 */
static void
check_frame_across_move(size_t junk, size_t keep, size_t bodylen)
{
	static uint8_t		 body[20000];
	struct ipc_buf		 b;
	struct ipc_frame	 f;
	const char		*why = NULL;
	uint8_t			*data;
	size_t			 start, i, n, cap;

	cr_assert_leq(bodylen, sizeof body);
	for (i = 0; i < bodylen; i++)
		body[i] = (uint8_t)(i * 7 + 1);
	ipc_buf_init(&b);
	setup_consumed_prefix(&b, junk, keep);
	data = b.data;
	cap = b.cap;
	cr_assert_eq(ipc_frame_begin(&b, 48, 0x1122334455667788ull, &start),
	    0);
	cr_assert_eq(b.off, junk - keep, "begin itself did not compact");
	for (i = 0; i < bodylen; i += n) {
		n = bodylen - i < 700 ? bodylen - i : 700;
		cr_assert_eq(ipc_buf_append(&b, body + i, n), 0);
	}
	if (junk + IPC_HEADER_SIZE + bodylen <= cap) {
		cr_assert_eq(b.off, junk - keep, "nothing had to move");
		cr_assert_eq(b.data, data);
	} else {
		cr_assert_eq(b.off, 0, "the buffer moved");
		if (keep + IPC_HEADER_SIZE + bodylen <= cap)
			cr_assert_eq(b.data, data, "compaction, not growth");
	}
	cr_assert_eq(ipc_frame_end(&b, start), 0);
	ipc_buf_consume(&b, keep);
	cr_assert_eq(ipc_frame_next(&b, IPC_FRAME_MAX, &f, &why), 1);
	cr_assert_eq(f.type, 48);
	cr_assert_eq(f.port, 0x1122334455667788ull);
	cr_assert_eq(f.len, bodylen);
	cr_assert_arr_eq(f.body, body, bodylen);
	cr_assert_eq(ipc_buf_used(&b), 0);
	ipc_buf_clear(&b);
}

Test(frame, begin_end_with_consumed_prefix)
{
	/* off > 0 from begin to end, nothing moves */
	check_frame_across_move(3000, 100, 0);
	check_frame_across_move(3000, 100, 500);
}

Test(frame, begin_end_survive_compaction)
{
	check_frame_across_move(3000, 100, 2000);
}

Test(frame, begin_end_survive_growth)
{
	check_frame_across_move(3000, 100, 20000);
}

Test(frame, end_patches_only_its_own_frame)
{
	struct ipc_buf		 b;
	struct ipc_frame	 f;
	const char		*why = NULL;
	size_t			 s1, s2;

	ipc_buf_init(&b);
	cr_assert_eq(ipc_frame_begin(&b, 1, 1, &s1), 0);
	cr_assert_eq(ipc_buf_append(&b, "abc", 3), 0);
	cr_assert_eq(ipc_frame_end(&b, s1), 0);
	cr_assert_eq(ipc_frame_begin(&b, 2, 2, &s2), 0);
	cr_assert_eq(ipc_buf_append(&b, "defgh", 5), 0);
	cr_assert_eq(ipc_frame_end(&b, s2), 0);
	cr_assert_eq(ipc_frame_next(&b, IPC_FRAME_MAX, &f, &why), 1);
	cr_assert_eq(f.type, 1);
	cr_assert_eq(f.len, 3);
	cr_assert_arr_eq(f.body, "abc", 3);
	cr_assert_eq(ipc_frame_next(&b, IPC_FRAME_MAX, &f, &why), 1);
	cr_assert_eq(f.type, 2);
	cr_assert_eq(f.port, 2);
	cr_assert_arr_eq(f.body, "defgh", 5);
	ipc_buf_clear(&b);
}

Test(frame, set_port_rewrites_in_place)
{
	struct ipc_buf		 b, out;
	struct ipc_frame	 f, g;
	const char		*why = NULL;
	uint8_t			 before[IPC_HEADER_SIZE + 4];

	ipc_buf_init(&b);
	ipc_buf_init(&out);
	append_frame(&b, 48, 0x100000001ull, "\x92\x90\xc4\x00", 4);
	cr_assert_eq(ipc_frame_next(&b, IPC_FRAME_MAX, &f, &why), 1);
	memcpy(before, f.raw, sizeof before);
	ipc_frame_set_port(f.raw, 0xa0b0c0d0e0f00102ull);
	cr_assert_arr_eq(f.raw, before, 8, "length, type, flags untouched");
	cr_assert_arr_eq(f.raw + 8, "\xa0\xb0\xc0\xd0\xe0\xf0\x01\x02", 8);
	cr_assert_arr_eq(f.raw + IPC_HEADER_SIZE, before + IPC_HEADER_SIZE,
	    4, "body untouched");
	/* Forwarding the raw frame gives the new port to the reader. */
	cr_assert_eq(ipc_buf_append(&out, f.raw, IPC_HEADER_SIZE + f.len), 0);
	cr_assert_eq(ipc_frame_next(&out, IPC_FRAME_MAX, &g, &why), 1);
	cr_assert_eq(g.port, 0xa0b0c0d0e0f00102ull);
	cr_assert_eq(g.type, 48);
	cr_assert_eq(g.len, 4);
	cr_assert_arr_eq(g.body, "\x92\x90\xc4\x00", 4);
	ipc_buf_clear(&b);
	ipc_buf_clear(&out);
}
