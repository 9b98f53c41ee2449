/*
 * test_buf.c: unit tests of ipc/buf.c, the growable byte buffer every
 * process reads into and writes from. Checks that compaction and growth
 * keep the unconsumed bytes, that an emptied buffer rewinds, and swap and
 * clear. Runs in the Criterion test process only.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"

/* A recognisable byte for position i of a stream. */
static uint8_t
pattern(size_t i)
{
	return (uint8_t)(i * 131 + (i >> 8) * 7 + 3);
}

static void
fill(uint8_t *p, size_t from, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		p[i] = pattern(from + i);
}

/* Assert that the unconsumed bytes are the stream's bytes [from, from+n). */
static void
expect_stream(const struct ipc_buf *b, size_t from, size_t n)
{
	const uint8_t	*p = ipc_buf_head(b);
	size_t		 i;

	cr_assert_eq(ipc_buf_used(b), n, "used %zu, want %zu",
	    ipc_buf_used(b), n);
	for (i = 0; i < n; i++)
		cr_assert_eq(p[i], pattern(from + i), "byte %zu differs", i);
}

Test(buf, init_is_empty_without_memory)
{
	struct ipc_buf	b;

	memset(&b, 0xa5, sizeof b);
	ipc_buf_init(&b);
	cr_assert_null(b.data);
	cr_assert_eq(b.off, 0);
	cr_assert_eq(b.len, 0);
	cr_assert_eq(b.cap, 0);
	cr_assert_eq(ipc_buf_used(&b), 0);
}

Test(buf, append_zero_bytes_allocates_nothing)
{
	struct ipc_buf	b;

	ipc_buf_init(&b);
	cr_assert_eq(ipc_buf_append(&b, NULL, 0), 0);
	cr_assert_null(b.data);
	cr_assert_eq(ipc_buf_used(&b), 0);
}

Test(buf, append_then_consume_keeps_order)
{
	struct ipc_buf	b;
	uint8_t		chunk[100];
	size_t		i;

	ipc_buf_init(&b);
	for (i = 0; i < 10; i++) {
		fill(chunk, i * 100, 100);
		cr_assert_eq(ipc_buf_append(&b, chunk, 100), 0);
	}
	expect_stream(&b, 0, 1000);
	ipc_buf_consume(&b, 250);
	cr_assert_eq(b.off, 250);
	expect_stream(&b, 250, 750);
	ipc_buf_consume(&b, 1);
	expect_stream(&b, 251, 749);
	ipc_buf_clear(&b);
}

Test(buf, reserve_compacts_and_keeps_bytes)
{
	struct ipc_buf	 b;
	uint8_t		 chunk[4000];
	uint8_t		*data;
	size_t		 cap;

	ipc_buf_init(&b);
	fill(chunk, 0, sizeof chunk);
	cr_assert_eq(ipc_buf_append(&b, chunk, sizeof chunk), 0);
	data = b.data;
	cap = b.cap;
	ipc_buf_consume(&b, 3000);
	cr_assert_eq(b.off, 3000);
	/* Too little room after the tail, enough once compacted. */
	cr_assert_lt(cap - b.len, 2000);
	cr_assert_eq(ipc_buf_reserve(&b, 2000), 0);
	cr_assert_eq(b.off, 0, "reserve must move the bytes to the front");
	cr_assert_eq(b.data, data, "compaction must not reallocate");
	cr_assert_eq(b.cap, cap);
	cr_assert_geq(b.cap - b.len, 2000);
	expect_stream(&b, 3000, 1000);
	ipc_buf_clear(&b);
}

Test(buf, append_compacts_and_keeps_bytes)
{
	struct ipc_buf	b;
	uint8_t		chunk[3000];

	ipc_buf_init(&b);
	fill(chunk, 0, sizeof chunk);
	cr_assert_eq(ipc_buf_append(&b, chunk, sizeof chunk), 0);
	ipc_buf_consume(&b, 2500);
	fill(chunk, 3000, sizeof chunk);
	cr_assert_eq(ipc_buf_append(&b, chunk, sizeof chunk), 0);
	cr_assert_eq(b.off, 0);
	expect_stream(&b, 2500, 3500);
	ipc_buf_clear(&b);
}

Test(buf, reserve_grows_and_keeps_unconsumed_bytes)
{
	struct ipc_buf	b;
	uint8_t		chunk[4000];

	ipc_buf_init(&b);
	fill(chunk, 0, sizeof chunk);
	cr_assert_eq(ipc_buf_append(&b, chunk, sizeof chunk), 0);
	ipc_buf_consume(&b, 10);
	/* Compaction alone cannot fit 5000 more bytes. */
	cr_assert_eq(ipc_buf_reserve(&b, 5000), 0);
	cr_assert_eq(b.off, 0);
	cr_assert_geq(b.cap - b.len, 5000);
	expect_stream(&b, 10, 3990);
	ipc_buf_clear(&b);
}

Test(buf, reserve_with_room_changes_nothing)
{
	struct ipc_buf	 b;
	uint8_t		 chunk[100];
	uint8_t		*data;

	ipc_buf_init(&b);
	fill(chunk, 0, sizeof chunk);
	cr_assert_eq(ipc_buf_append(&b, chunk, sizeof chunk), 0);
	ipc_buf_consume(&b, 40);
	data = b.data;
	cr_assert_eq(ipc_buf_reserve(&b, 10), 0);
	cr_assert_eq(b.data, data);
	cr_assert_eq(b.off, 40, "no compaction while the tail has room");
	expect_stream(&b, 40, 60);
	ipc_buf_clear(&b);
}

Test(buf, tail_write_after_reserve)
{
	struct ipc_buf	b;

	ipc_buf_init(&b);
	cr_assert_eq(ipc_buf_reserve(&b, 64), 0);
	fill(ipc_buf_tail(&b), 0, 64);
	b.len += 64;
	expect_stream(&b, 0, 64);
	ipc_buf_clear(&b);
}

Test(buf, consume_to_empty_rewinds)
{
	struct ipc_buf	b;
	uint8_t		chunk[300];

	ipc_buf_init(&b);
	fill(chunk, 0, sizeof chunk);
	cr_assert_eq(ipc_buf_append(&b, chunk, sizeof chunk), 0);
	ipc_buf_consume(&b, 100);
	ipc_buf_consume(&b, 200);
	cr_assert_eq(b.off, 0);
	cr_assert_eq(b.len, 0);
	cr_assert_eq(ipc_buf_used(&b), 0);
	cr_assert_not_null(b.data, "memory is kept for reuse");
	/* The next bytes start at the front again. */
	cr_assert_eq(ipc_buf_append(&b, chunk, 10), 0);
	cr_assert_eq(ipc_buf_head(&b), b.data);
	expect_stream(&b, 0, 10);
	ipc_buf_clear(&b);
}

Test(buf, swap_exchanges_contents)
{
	struct ipc_buf	 a, b;
	uint8_t		 chunk[500];
	uint8_t		*adata;

	ipc_buf_init(&a);
	ipc_buf_init(&b);
	fill(chunk, 0, sizeof chunk);
	cr_assert_eq(ipc_buf_append(&a, chunk, sizeof chunk), 0);
	ipc_buf_consume(&a, 100);
	adata = a.data;
	ipc_buf_swap(&a, &b);
	cr_assert_null(a.data);
	cr_assert_eq(ipc_buf_used(&a), 0);
	cr_assert_eq(b.data, adata);
	expect_stream(&b, 100, 400);
	/* Both keep working after the swap. */
	cr_assert_eq(ipc_buf_append(&a, chunk, 50), 0);
	expect_stream(&a, 0, 50);
	ipc_buf_swap(&a, &b);
	expect_stream(&a, 100, 400);
	expect_stream(&b, 0, 50);
	ipc_buf_clear(&a);
	ipc_buf_clear(&b);
}

Test(buf, clear_releases_and_allows_reuse)
{
	struct ipc_buf	b;
	uint8_t		chunk[100];

	ipc_buf_init(&b);
	ipc_buf_clear(&b);
	cr_assert_null(b.data);
	fill(chunk, 0, sizeof chunk);
	cr_assert_eq(ipc_buf_append(&b, chunk, sizeof chunk), 0);
	ipc_buf_consume(&b, 30);
	ipc_buf_clear(&b);
	cr_assert_null(b.data);
	cr_assert_eq(b.off, 0);
	cr_assert_eq(b.len, 0);
	cr_assert_eq(b.cap, 0);
	cr_assert_eq(ipc_buf_append(&b, chunk, sizeof chunk), 0);
	expect_stream(&b, 0, 100);
	ipc_buf_clear(&b);
	ipc_buf_clear(&b);
	cr_assert_null(b.data);
}

Test(buf, large_growth_keeps_every_byte)
{
	static uint8_t	chunk[70001];
	struct ipc_buf	b;
	size_t		total = 0, consumed = 0, n;
	unsigned	i;

	ipc_buf_init(&b);
	/* Uneven chunks and consumption force many grows and compactions. */
	for (i = 0; total < 48u * 1024 * 1024; i++) {
		n = 1 + (i * 7919u) % sizeof chunk;
		fill(chunk, total, n);
		cr_assert_eq(ipc_buf_append(&b, chunk, n), 0);
		total += n;
		if (i % 3 == 0) {
			ipc_buf_consume(&b, n / 2);
			consumed += n / 2;
		}
	}
	cr_assert_geq(b.cap, total - consumed);
	expect_stream(&b, consumed, total - consumed);
	ipc_buf_clear(&b);
}

Test(buf, reserve_impossible_size_fails_without_damage)
{
	struct ipc_buf	 b;
	uint8_t		 chunk[100];
	uint8_t		*data;
	size_t		 cap;

	ipc_buf_init(&b);
	fill(chunk, 0, sizeof chunk);
	cr_assert_eq(ipc_buf_append(&b, chunk, sizeof chunk), 0);
	ipc_buf_consume(&b, 20);
	data = b.data;
	cap = b.cap;
	cr_assert_eq(ipc_buf_reserve(&b, SIZE_MAX), -ENOMEM);
	cr_assert_eq(ipc_buf_reserve(&b, SIZE_MAX / 2), -ENOMEM);
	cr_assert_eq(ipc_buf_append(&b, chunk, SIZE_MAX - 10), -ENOMEM);
	cr_assert_eq(b.data, data);
	cr_assert_eq(b.cap, cap);
	expect_stream(&b, 20, 80);
	ipc_buf_clear(&b);
}
