/*
 * test_check.c: unit tests of ipc/check.c, the msgpack validator that
 * stands between peer bytes and msgpack-c. Valid samples of every
 * msgpack format come from msgpack-c's own packer; the rejections are
 * hand-made bytes. A seeded random generator and mutator check that
 * whatever ipc_check accepts msgpack_unpack_next unpacks exactly, and
 * that nothing crashes (CI runs this under ASan/UBSan). Every input sits
 * in a heap block of its exact size so that an over-read is caught.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <msgpack.h>

#include "check.h"

/* A heap copy of exactly n bytes (one byte for n == 0, never read). */
static uint8_t *
exact_copy(const void *p, size_t n)
{
	uint8_t	*q;

	q = malloc(n ? n : 1);
	cr_assert_not_null(q);
	if (n > 0)
		memcpy(q, p, n);
	return q;
}

/* ipc_check over an exact-size copy; a rejection must say why. */
static int
check(const void *p, size_t n, unsigned maxdepth)
{
	const char	*why = NULL;
	uint8_t		*q = exact_copy(p, n);
	int		 rc;

	rc = ipc_check(q, n, maxdepth, &why);
	free(q);
	if (rc != 0) {
		cr_assert_eq(rc, -EBADMSG);
		cr_assert_not_null(why);
		cr_assert_gt(strlen(why), 0);
	}
	return rc;
}

#define CHECK_BYTES(lit, depth) check(lit, sizeof(lit) - 1, depth)

/* Objects in a tree, counting map keys and values and the containers. */
static size_t
count_objects(const msgpack_object *o)
{
	size_t		n = 1;
	uint32_t	i;

	if (o->type == MSGPACK_OBJECT_ARRAY)
		for (i = 0; i < o->via.array.size; i++)
			n += count_objects(&o->via.array.ptr[i]);
	if (o->type == MSGPACK_OBJECT_MAP)
		for (i = 0; i < o->via.map.size; i++)
			n += count_objects(&o->via.map.ptr[i].key) +
			    count_objects(&o->via.map.ptr[i].val);
	return n;
}

/*
 * Assert that msgpack-c unpacks p[0..n) as one object using all n bytes;
 * returns its object count.
 */
static size_t
expect_unpacks(const void *p, size_t n)
{
	msgpack_unpacked	 u;
	uint8_t			*q = exact_copy(p, n);
	size_t			 off = 0, objects;
	int			 rc;

	msgpack_unpacked_init(&u);
	rc = msgpack_unpack_next(&u, (const char *)q, n, &off);
	cr_assert_eq(rc, MSGPACK_UNPACK_SUCCESS,
	    "msgpack_unpack_next returned %d on %zu accepted bytes", rc, n);
	cr_assert_eq(off, n, "msgpack-c used %zu of %zu bytes", off, n);
	objects = count_objects(&u.data);
	msgpack_unpacked_destroy(&u);
	free(q);
	return objects;
}

static const char	zeros[70000];

#define EXT(n, t) msgpack_pack_ext_with_body(pk, zeros, n, t)

/*
 * Sample i of the valid-samples table packed into sb; *first gets the
 * format byte the sample must start with. 0, or -1 past the last one.
 */
static int
pack_sample(msgpack_packer *pk, int i, uint8_t *first)
{
	size_t	j;

	switch (i) {
	case 0: *first = 0xc0; return msgpack_pack_nil(pk);
	case 1: *first = 0xc3; return msgpack_pack_true(pk);
	case 2: *first = 0xc2; return msgpack_pack_false(pk);
	case 3: *first = 0x7f; return msgpack_pack_uint8(pk, 127);
	case 4: *first = 0x00; return msgpack_pack_uint8(pk, 0);
	case 5: *first = 0xe0; return msgpack_pack_int8(pk, -32);
	case 6: *first = 0xff; return msgpack_pack_int8(pk, -1);
	case 7: *first = 0xcc; return msgpack_pack_fix_uint8(pk, 200);
	case 8: *first = 0xcd; return msgpack_pack_fix_uint16(pk, 65535);
	case 9: *first = 0xce; return msgpack_pack_fix_uint32(pk, UINT32_MAX);
	case 10: *first = 0xcf; return msgpack_pack_fix_uint64(pk, UINT64_MAX);
	case 11: *first = 0xd0; return msgpack_pack_fix_int8(pk, -128);
	case 12: *first = 0xd1; return msgpack_pack_fix_int16(pk, -30000);
	case 13: *first = 0xd2; return msgpack_pack_fix_int32(pk, INT32_MIN);
	case 14: *first = 0xd3; return msgpack_pack_fix_int64(pk, INT64_MIN);
	case 15: *first = 0xca; return msgpack_pack_float(pk, 1.5f);
	case 16: *first = 0xcb; return msgpack_pack_double(pk, -0.0);
	case 17: *first = 0xa0; return msgpack_pack_str_with_body(pk, "", 0);
	case 18:
		*first = 0xbf;
		return msgpack_pack_str_with_body(pk, zeros, 31);
	case 19:
		*first = 0xd9;
		return msgpack_pack_str_with_body(pk, zeros, 32);
	case 20:
		*first = 0xda;
		return msgpack_pack_str_with_body(pk, zeros, 300);
	case 21:
		*first = 0xdb;
		return msgpack_pack_str_with_body(pk, zeros, 65536);
	case 22: *first = 0xc4; return msgpack_pack_bin_with_body(pk, "", 0);
	case 23:
		*first = 0xc4;
		return msgpack_pack_bin_with_body(pk, zeros, 255);
	case 24:
		*first = 0xc5;
		return msgpack_pack_bin_with_body(pk, zeros, 256);
	case 25:
		*first = 0xc6;
		return msgpack_pack_bin_with_body(pk, zeros, 65536);
	case 26: *first = 0xd4; return EXT(1, 1);
	case 27: *first = 0xd5; return EXT(2, -1);
	case 28: *first = 0xd6; return EXT(4, 5);
	case 29: *first = 0xd7; return EXT(8, 127);
	case 30: *first = 0xd8; return EXT(16, 0);
	case 31: /* "undefined" in payloads: c7 00 00 */
		*first = 0xc7;
		return EXT(0, 0);
	case 32: *first = 0xc7; return EXT(3, 9);
	case 33:
		*first = 0xc8;
		return EXT(256, -128);
	case 34:
		*first = 0xc9;
		return EXT(65536, 2);
	case 35: *first = 0x90; return msgpack_pack_array(pk, 0);
	case 36:
		*first = 0x9f;
		msgpack_pack_array(pk, 15);
		for (j = 0; j < 15; j++)
			msgpack_pack_uint32(pk, (uint32_t)j << 20);
		return 0;
	case 37:
		*first = 0xdc;
		msgpack_pack_array(pk, 16);
		for (j = 0; j < 16; j++)
			msgpack_pack_str_with_body(pk, "ab", 2);
		return 0;
	case 38:
		*first = 0xdd;
		msgpack_pack_array(pk, 65536);
		for (j = 0; j < 65536; j++)
			msgpack_pack_nil(pk);
		return 0;
	case 39: *first = 0x80; return msgpack_pack_map(pk, 0);
	case 40:
		*first = 0x8f;
		msgpack_pack_map(pk, 15);
		for (j = 0; j < 15; j++) {
			msgpack_pack_uint8(pk, (uint8_t)j);
			msgpack_pack_double(pk, (double)j);
		}
		return 0;
	case 41:
		*first = 0xde;
		msgpack_pack_map(pk, 16);
		for (j = 0; j < 16; j++) {
			msgpack_pack_uint8(pk, (uint8_t)j);
			msgpack_pack_nil(pk);
		}
		return 0;
	case 42:
		*first = 0xdf;
		msgpack_pack_map(pk, 65536);
		for (j = 0; j < 65536; j++) {
			msgpack_pack_uint32(pk, (uint32_t)j);
			msgpack_pack_true(pk);
		}
		return 0;
	case 43: /* nested: {"a": [1, {"b": [[], {}, nil]}], "c": "d"} */
		*first = 0x82;
		msgpack_pack_map(pk, 2);
		msgpack_pack_str_with_body(pk, "a", 1);
		msgpack_pack_array(pk, 2);
		msgpack_pack_int(pk, 1);
		msgpack_pack_map(pk, 1);
		msgpack_pack_str_with_body(pk, "b", 1);
		msgpack_pack_array(pk, 3);
		msgpack_pack_array(pk, 0);
		msgpack_pack_map(pk, 0);
		msgpack_pack_nil(pk);
		msgpack_pack_str_with_body(pk, "c", 1);
		return msgpack_pack_str_with_body(pk, "d", 1);
	case 44: /* containers as map keys */
		*first = 0x81;
		msgpack_pack_map(pk, 1);
		msgpack_pack_array(pk, 1);
		msgpack_pack_map(pk, 0);
		return msgpack_pack_ext_with_body(pk, "xyz", 3, 4);
	}
	return -1;
}

Test(check, accepts_every_msgpack_type)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;
	uint8_t		first;
	int		i;

	for (i = 0;; i++) {
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		if (pack_sample(&pk, i, &first) < 0) {
			msgpack_sbuffer_destroy(&sb);
			break;
		}
		cr_assert_gt(sb.size, 0);
		cr_assert_eq((uint8_t)sb.data[0], first,
		    "sample %d starts with %#x, want %#x", i,
		    (uint8_t)sb.data[0], first);
		cr_assert_eq(check(sb.data, sb.size, IPC_DEPTH_MAX), 0,
		    "sample %d (%#x) rejected", i, first);
		expect_unpacks(sb.data, sb.size);
		msgpack_sbuffer_destroy(&sb);
	}
	cr_assert_eq(i, 45);
}

Test(check, accepts_every_fixint_and_fixstr_byte)
{
	uint8_t	p[32];
	int	c;

	for (c = 0; c <= 0x7f; c++) {
		p[0] = (uint8_t)c;
		cr_assert_eq(check(p, 1, 0), 0, "%#x", c);
	}
	for (c = 0xe0; c <= 0xff; c++) {
		p[0] = (uint8_t)c;
		cr_assert_eq(check(p, 1, 0), 0, "%#x", c);
	}
	memset(p, 'x', sizeof p);
	for (c = 0xa0; c <= 0xbf; c++) {
		p[0] = (uint8_t)c;
		cr_assert_eq(check(p, 1 + (c & 0x1f), 0), 0, "%#x", c);
		if ((c & 0x1f) > 0)
			cr_assert_neq(check(p, c & 0x1f, 0), 0, "%#x", c);
	}
}

/* All samples in one array: a body with every format inside. */
static void
pack_all_samples(msgpack_sbuffer *sb)
{
	msgpack_packer	pk;
	uint8_t		first;
	int		i;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 45);
	for (i = 0; i < 45; i++)
		cr_assert_eq(pack_sample(&pk, i, &first), 0);
}

Test(check, rejects_every_truncation)
{
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	uint8_t		 first;
	uint8_t		*q;
	size_t		 k;
	const char	*why;
	int		 i;

	/* The big samples are left out to keep this quadratic test fast. */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 41);
	for (i = 0; i < 45; i++)
		if (i != 21 && i != 25 && i != 38 && i != 42)
			cr_assert_eq(pack_sample(&pk, i, &first), 0);
	cr_assert_eq(check(sb.data, sb.size, IPC_DEPTH_MAX), 0);
	for (k = 0; k < sb.size; k++) {
		q = exact_copy(sb.data, k);
		why = NULL;
		cr_assert_eq(ipc_check(q, k, IPC_DEPTH_MAX, &why), -EBADMSG,
		    "prefix of %zu/%zu bytes accepted", k, sb.size);
		cr_assert_not_null(why);
		free(q);
	}
	msgpack_sbuffer_destroy(&sb);
}

Test(check, rejects_every_truncation_of_big_samples)
{
	msgpack_sbuffer	sb;
	size_t		k;

	pack_all_samples(&sb);
	cr_assert_eq(check(sb.data, sb.size, IPC_DEPTH_MAX), 0);
	expect_unpacks(sb.data, sb.size);
	/* The first and last bytes one by one, the middle sampled. */
	for (k = 0; k < sb.size; k += k < 300 || k + 300 > sb.size ? 1 : 4099)
		cr_assert_neq(check(sb.data, k, IPC_DEPTH_MAX), 0, "%zu", k);
	msgpack_sbuffer_destroy(&sb);
}

Test(check, rejects_empty_input)
{
	const char	*why = NULL;

	cr_assert_eq(ipc_check((const uint8_t *)"", 0, IPC_DEPTH_MAX, &why),
	    -EBADMSG);
	cr_assert_not_null(why);
}

Test(check, rejects_lengths_larger_than_what_is_left)
{
	static const struct {
		const char	*p;
		size_t		 n;
	} bad[] = {
#define B(lit) { lit, sizeof(lit) - 1 }
		B("\xa5" "abcd"),			/* fixstr 5, 4 left */
		B("\xd9\x05" "abcd"),			/* str8 */
		B("\xda\x00\x05" "abcd"),		/* str16 */
		B("\xda\xff\xff" "abcd"),
		B("\xdb\x00\x00\x00\x05" "abcd"),	/* str32 */
		B("\xdb\xff\xff\xff\xff" "abcd"),
		B("\xc4\x05" "abcd"),			/* bin8 */
		B("\xc5\x01\x00" "abcd"),		/* bin16 */
		B("\xc6\x00\x00\x00\x05" "abcd"),	/* bin32 */
		B("\xc6\xff\xff\xff\xff" "abcd"),
		B("\xc7\x05\x01" "abcd"),		/* ext8 */
		B("\xc7\x00"),				/* ext8 without type */
		B("\xc8\x00\x05\x01" "abcd"),		/* ext16 */
		B("\xc9\x00\x00\x00\x05\x01" "abcd"),	/* ext32 */
		B("\xc9\xff\xff\xff\xff\x01" "abcd"),
		B("\xd4\x01"),				/* fixext1 */
		B("\xd5\x01\x00"),			/* fixext2 */
		B("\xd6\x01\x00\x00\x00"),		/* fixext4 */
		B("\xd7\x01\x00\x00\x00\x00\x00\x00\x00"), /* fixext8 */
		B("\xd8\x01" "abcdefghijklmno"),	/* fixext16, 15 */
		B("\xcc"), B("\xcd\x00"), B("\xce\x00\x00\x00"),
		B("\xcf\x00\x00\x00\x00\x00\x00\x00"),
		B("\xd0"), B("\xd1\x00"), B("\xd2\x00\x00\x00"),
		B("\xd3\x00\x00\x00\x00\x00\x00\x00"),
		B("\xca\x00\x00\x00"), B("\xcb\x00\x00\x00\x00\x00\x00\x00"),
		B("\xd9"), B("\xda\x00"), B("\xdb\x00\x00\x00"),
		B("\xc8\x00"), B("\xc9\x00\x00\x00\x00"),
		B("\xdc\x00"), B("\xdd\x00\x00\x00"),
		B("\xde\x00"), B("\xdf\x00\x00\x00"),
		/* the same inside containers, with bytes after them */
		B("\x92\xd9\x06" "abcd" "\xc0"),
		B("\x92\xc0\xc6\x00\x01\x00\x00" "abcd"),
		B("\x81\xa1k\xc9\x00\x00\x10\x00\x07" "abcdefgh"),
#undef B
	};
	const char	*why;
	uint8_t		*q;
	size_t		 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		q = exact_copy(bad[i].p, bad[i].n);
		why = NULL;
		cr_assert_eq(ipc_check(q, bad[i].n, IPC_DEPTH_MAX, &why),
		    -EBADMSG, "case %zu accepted", i);
		/* Not mistaken for trailing bytes after jumping too far. */
		cr_assert(strstr(why, "length") || strstr(why, "truncated"),
		    "case %zu: %s", i, why);
		free(q);
	}
	/* The same lengths are fine when the bytes are there. */
	cr_assert_eq(CHECK_BYTES("\xd9\x04" "abcd", 1), 0);
	cr_assert_eq(CHECK_BYTES("\xc7\x04\x01" "abcd", 1), 0);
	cr_assert_eq(CHECK_BYTES("\xd8\x01" "abcdefghijklmnop", 1), 0);
}

Test(check, rejects_count_bombs)
{
	static const struct {
		const char	*p;
		size_t		 n;
	} bad[] = {
#define B(lit) { lit, sizeof(lit) - 1 }
		/* 9-byte body claiming 4 billion elements */
		B("\xdd\xff\xff\xff\xff\x00\x00\x00\x00"),
		B("\xdd\x00\x00\x00\x05\x00\x00\x00\x00"),
		B("\xdc\xff\xff\x00\x00\x00\x00"),
		B("\xdc\x00\x05\x00\x00\x00\x00"),
		B("\xdf\xff\xff\xff\xff\x00\x00\x00\x00"),
		B("\xdf\x80\x00\x00\x00\x00\x00\x00\x00"),
		B("\xde\xff\xff\x00\x00\x00\x00"),
		/* a map's count is pairs: 3 pairs need 6 bytes, 5 left */
		B("\xde\x00\x03\x00\x00\x00\x00\x00"),
		B("\x83\x00\x00\x00\x00\x00"),
		B("\x9f\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"),
		B("\x91\xdd\xff\xff\xff\xff\x00\x00\x00\x00"),
		B("\x81\xc0\xdf\xff\xff\xff\xff\x00\x00\x00\x00"),
		B("\x92\xdc\xff\xff\xc0\xc0"),
#undef B
	};

	const char	*why;
	uint8_t		*q;
	size_t		 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		q = exact_copy(bad[i].p, bad[i].n);
		why = NULL;
		cr_assert_eq(ipc_check(q, bad[i].n, IPC_DEPTH_MAX, &why),
		    -EBADMSG, "case %zu accepted", i);
		/* Refused for the count, before walking the elements. */
		cr_assert_not_null(strstr(why, "count"), "case %zu: %s", i,
		    why);
		free(q);
	}
	/* Exactly as many one-byte elements as bytes left is fine. */
	cr_assert_eq(CHECK_BYTES("\xdd\x00\x00\x00\x04\x00\x00\x00\x00", 1),
	    0);
	cr_assert_eq(CHECK_BYTES("\xde\x00\x02\x00\x00\x00\x00", 1), 0);
	cr_assert_eq(CHECK_BYTES("\xdc\x00\x00", 1), 0);
	cr_assert_eq(CHECK_BYTES("\xdf\x00\x00\x00\x00", 1), 0);
}

Test(check, rejects_0xc1)
{
	cr_assert_eq(CHECK_BYTES("\xc1", IPC_DEPTH_MAX), -EBADMSG);
	cr_assert_eq(CHECK_BYTES("\x91\xc1", IPC_DEPTH_MAX), -EBADMSG);
	cr_assert_eq(CHECK_BYTES("\x92\xc0\xc1", IPC_DEPTH_MAX), -EBADMSG);
	cr_assert_eq(CHECK_BYTES("\x81\xc1\xc0", IPC_DEPTH_MAX), -EBADMSG);
	cr_assert_eq(CHECK_BYTES("\x81\xc0\xc1", IPC_DEPTH_MAX), -EBADMSG);
	/* As data inside a string it is just a byte. */
	cr_assert_eq(CHECK_BYTES("\xa1\xc1", IPC_DEPTH_MAX), 0);
}

Test(check, rejects_trailing_bytes)
{
	cr_assert_eq(CHECK_BYTES("\xc0\xc0", IPC_DEPTH_MAX), -EBADMSG);
	cr_assert_eq(CHECK_BYTES("\x90\x90", IPC_DEPTH_MAX), -EBADMSG);
	cr_assert_eq(CHECK_BYTES("\x91\x01\x01", IPC_DEPTH_MAX), -EBADMSG);
	cr_assert_eq(CHECK_BYTES("\xa1x\x00", IPC_DEPTH_MAX), -EBADMSG);
	cr_assert_eq(CHECK_BYTES("\x81\x01\x02\x03", IPC_DEPTH_MAX),
	    -EBADMSG);
	cr_assert_eq(CHECK_BYTES("\x90\xc1", IPC_DEPTH_MAX), -EBADMSG);
}

enum nest { NEST_FULL, NEST_EMPTY, NEST_MAP_VALUE, NEST_MAP_KEY };

/* depth containers nested in each other; the innermost per kind. */
static void
make_nest(msgpack_sbuffer *sb, unsigned depth, enum nest kind)
{
	msgpack_packer	pk;
	unsigned	i;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	for (i = 0; i < depth; i++) {
		switch (kind) {
		case NEST_FULL:
			msgpack_pack_array(&pk, i + 1 < depth ? 1 : 2);
			break;
		case NEST_EMPTY:
			msgpack_pack_array(&pk, i + 1 < depth ? 1 : 0);
			break;
		case NEST_MAP_VALUE:
			msgpack_pack_map(&pk, 1);
			msgpack_pack_str_with_body(&pk, "k", 1);
			if (i + 1 == depth)
				msgpack_pack_nil(&pk);
			break;
		case NEST_MAP_KEY:
			msgpack_pack_map(&pk, 1);
			if (i + 1 == depth)
				msgpack_pack_nil(&pk);
			break;
		}
	}
	if (kind == NEST_FULL && depth > 0) {
		msgpack_pack_nil(&pk);
		msgpack_pack_true(&pk);
	}
	if (kind == NEST_MAP_KEY)
		for (i = 0; i < depth; i++)
			msgpack_pack_int(&pk, (int)i);
	if (depth == 0)
		msgpack_pack_nil(&pk);
}

static int
check_nest(unsigned depth, enum nest kind, unsigned maxdepth)
{
	msgpack_sbuffer	sb;
	int		rc;

	make_nest(&sb, depth, kind);
	rc = check(sb.data, sb.size, maxdepth);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

Test(check, accepts_maxdepth_rejects_one_more)
{
	static const unsigned	limits[] = { 1, 2, 5, IPC_DEPTH_MAX,
	    IPC_CLONE_DEPTH, IPC_CHECK_DEPTH };
	enum nest		k;
	size_t			i;

	for (i = 0; i < sizeof limits / sizeof limits[0]; i++) {
		for (k = NEST_FULL; k <= NEST_MAP_KEY; k++) {
			cr_assert_eq(check_nest(limits[i], k, limits[i]), 0,
			    "depth %u kind %d", limits[i], k);
			cr_assert_eq(check_nest(limits[i] + 1, k, limits[i]),
			    -EBADMSG, "depth %u + 1 kind %d", limits[i], k);
		}
	}
}

Test(check, maxdepth_zero_allows_only_scalars)
{
	cr_assert_eq(CHECK_BYTES("\xc0", 0), 0);
	cr_assert_eq(CHECK_BYTES("\xa1x", 0), 0);
	cr_assert_eq(CHECK_BYTES("\x90", 0), -EBADMSG);
	cr_assert_eq(CHECK_BYTES("\x80", 0), -EBADMSG);
}

Test(check, maxdepth_above_limit_is_clamped)
{
	static const unsigned	asked[] = { IPC_CHECK_DEPTH + 1,
	    IPC_CHECK_DEPTH + 1000, UINT_MAX };
	enum nest		k;
	size_t			i;

	for (i = 0; i < sizeof asked / sizeof asked[0]; i++) {
		for (k = NEST_FULL; k <= NEST_MAP_KEY; k++) {
			cr_assert_eq(check_nest(IPC_CHECK_DEPTH, k, asked[i]),
			    0);
			cr_assert_eq(check_nest(IPC_CHECK_DEPTH + 1, k,
			    asked[i]), -EBADMSG);
			cr_assert_eq(check_nest(IPC_CHECK_DEPTH + 50, k,
			    asked[i]), -EBADMSG);
		}
	}
}

Test(check, siblings_do_not_add_up_depth)
{
	/* [[[[1]]], [[[[]]]]]: depth 5 through the second element. */
	static const char	p[] = "\x92\x91\x91\x91\x01\x91\x91\x91\x90";
	msgpack_sbuffer		sb;
	msgpack_packer		pk;
	unsigned		i, j;

	cr_assert_eq(check(p, sizeof p - 1, 5), 0);
	cr_assert_eq(check(p, sizeof p - 1, 4), -EBADMSG);
	/* 40 siblings each IPC_DEPTH_MAX - 1 deep under one array. */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 40);
	for (i = 0; i < 40; i++) {
		for (j = 0; j + 1 < IPC_DEPTH_MAX; j++)
			msgpack_pack_array(&pk, 1);
		msgpack_pack_uint32(&pk, i);
	}
	cr_assert_eq(check(sb.data, sb.size, IPC_DEPTH_MAX), 0);
	cr_assert_eq(check(sb.data, sb.size, IPC_DEPTH_MAX - 1), -EBADMSG);
	expect_unpacks(sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}

/*
 * What the receivers rely on: a control body that passes ipc_check at
 * IPC_DEPTH_MAX also unpacks with msgpack_unpack_next (payloads, deeper,
 * are walked by their own decoders instead).
 */
Test(check, accepted_depth_unpacks)
{
	static const unsigned	limits[] = { IPC_DEPTH_MAX };
	msgpack_sbuffer		sb;
	enum nest		k;
	size_t			i;

	for (i = 0; i < sizeof limits / sizeof limits[0]; i++) {
		for (k = NEST_FULL; k <= NEST_MAP_KEY; k++) {
			make_nest(&sb, limits[i], k);
			cr_assert_eq(check(sb.data, sb.size, limits[i]), 0);
			expect_unpacks(sb.data, sb.size);
			msgpack_sbuffer_destroy(&sb);
		}
	}
}

/* xorshift64*: a small seeded generator, the same sequence everywhere. */
struct rng {
	uint64_t	s;
};

static uint64_t
rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

static uint64_t
rng_below(struct rng *r, uint64_t n)
{
	return n ? rng_next(r) % n : 0;
}

/* A length that lands in every size class now and then. */
static size_t
rng_len(struct rng *r)
{
	switch (rng_below(r, 16)) {
	case 0: return 32 + rng_below(r, 224);
	case 1: return 256 + rng_below(r, 300);
	case 2: return rng_below(r, 40) == 0 ? 65536 + rng_below(r, 100) : 3;
	default: return rng_below(r, 32);
	}
}

struct gen {
	struct rng	 rng;
	msgpack_packer	 pk;
	unsigned	 maxdepth;
	size_t		 budget;	/* objects left to make */
	char		 bytes[65700];
};

/*
 * Pack one random value at nesting depth d (containers around it);
 * returns its object count, *depth gets its own nesting depth.
 */
static size_t
gen_value(struct gen *g, unsigned d, unsigned *depth)
{
	struct rng	*r = &g->rng;
	size_t		 i, n, objects = 1;
	unsigned	 sub;
	int		 kind;

	*depth = 0;
	if (g->budget > 0)
		g->budget--;
	kind = (int)rng_below(r, 28);
	/* Containers only while depth and budget last. */
	if ((kind >= 20) && (d >= g->maxdepth || g->budget == 0))
		kind = (int)rng_below(r, 20);
	switch (kind) {
	case 0: msgpack_pack_nil(&g->pk); break;
	case 1: msgpack_pack_true(&g->pk); break;
	case 2: msgpack_pack_false(&g->pk); break;
	case 3: msgpack_pack_uint64(&g->pk, rng_next(r) >> rng_below(r, 64));
		break;
	case 4: msgpack_pack_int64(&g->pk,
		    -(int64_t)(rng_next(r) >> (1 + rng_below(r, 63))));
		break;
	case 5: msgpack_pack_fix_uint8(&g->pk, (uint8_t)rng_next(r)); break;
	case 6: msgpack_pack_fix_uint16(&g->pk, (uint16_t)rng_next(r)); break;
	case 7: msgpack_pack_fix_uint32(&g->pk, (uint32_t)rng_next(r)); break;
	case 8: msgpack_pack_fix_uint64(&g->pk, rng_next(r)); break;
	case 9: msgpack_pack_fix_int8(&g->pk, (int8_t)rng_next(r)); break;
	case 10: msgpack_pack_fix_int16(&g->pk, (int16_t)rng_next(r)); break;
	case 11: msgpack_pack_fix_int32(&g->pk, (int32_t)rng_next(r)); break;
	case 12: msgpack_pack_fix_int64(&g->pk, (int64_t)rng_next(r)); break;
	case 13: msgpack_pack_float(&g->pk, (float)rng_below(r, 1000) / 7);
		break;
	case 14: msgpack_pack_double(&g->pk, (double)rng_next(r) / 3); break;
	case 15: case 16:
		n = rng_len(r);
		for (i = 0; i < n && i < sizeof g->bytes; i++)
			g->bytes[i] = (char)('a' + rng_below(r, 26));
		msgpack_pack_str_with_body(&g->pk, g->bytes, n);
		break;
	case 17:
		n = rng_len(r);
		for (i = 0; i < n && i < 64; i++)
			g->bytes[i] = (char)rng_next(r);
		msgpack_pack_bin_with_body(&g->pk, g->bytes, n);
		break;
	case 18: case 19:
		n = rng_below(r, 3) ? (size_t)1 << rng_below(r, 5) :
		    rng_len(r);
		msgpack_pack_ext_with_body(&g->pk, g->bytes, n,
		    (int8_t)rng_next(r));
		break;
	case 20: case 21: case 22: case 23:
		n = rng_below(r, 4) ? rng_below(r, 5) : rng_below(r, 40);
		if (rng_below(r, 100) == 0)
			n = 16 + rng_below(r, 300);
		msgpack_pack_array(&g->pk, n);
		*depth = 1;
		for (i = 0; i < n; i++) {
			objects += gen_value(g, d + 1, &sub);
			if (sub + 1 > *depth)
				*depth = sub + 1;
		}
		break;
	default:
		n = rng_below(r, 4) ? rng_below(r, 4) : rng_below(r, 20);
		msgpack_pack_map(&g->pk, n);
		*depth = 1;
		for (i = 0; i < 2 * n; i++) {
			objects += gen_value(g, d + 1, &sub);
			if (sub + 1 > *depth)
				*depth = sub + 1;
		}
		break;
	}
	return objects;
}

/*
 * One random top-level value into sb; every 16th is a deep chain of
 * arrays and maps down to maxdepth. Returns the object count.
 */
static size_t
gen_sample(struct gen *g, msgpack_sbuffer *sb, unsigned *depth)
{
	size_t		objects = 0, chain = 0, i;
	unsigned	sub;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&g->pk, sb, msgpack_sbuffer_write);
	g->budget = 1 + rng_below(&g->rng, 200);
	if (rng_below(&g->rng, 16) == 0)
		chain = 1 + rng_below(&g->rng, g->maxdepth);
	for (i = 0; i < chain; i++) {
		if (rng_below(&g->rng, 2)) {
			msgpack_pack_array(&g->pk, 1);
			objects++;
		} else {
			msgpack_pack_map(&g->pk, 1);
			msgpack_pack_int(&g->pk, 7);
			objects += 2;
		}
	}
	objects += gen_value(g, (unsigned)chain, &sub);
	*depth = (unsigned)chain + sub;
	return objects;
}

Test(check, random_valid_values_pass_and_unpack)
{
	static struct gen	g;
	msgpack_sbuffer		sb;
	size_t			objects, all = 0, bytes = 0;
	unsigned		depth, deepest = 0, i;

	g.rng.s = 0x5eed0fc0ffee1234ull;
	g.maxdepth = IPC_DEPTH_MAX;
	for (i = 0; i < 3000; i++) {
		objects = gen_sample(&g, &sb, &depth);
		cr_assert_leq(depth, IPC_DEPTH_MAX);
		cr_assert_eq(check(sb.data, sb.size, IPC_DEPTH_MAX), 0,
		    "sample %u rejected", i);
		/* The depth is counted exactly, not just bounded. */
		cr_assert_eq(check(sb.data, sb.size, depth), 0);
		if (depth > 0)
			cr_assert_eq(check(sb.data, sb.size, depth - 1),
			    -EBADMSG, "sample %u depth %u", i, depth);
		cr_assert_eq(expect_unpacks(sb.data, sb.size), objects,
		    "sample %u: msgpack-c sees another tree", i);
		all += objects;
		bytes += sb.size;
		if (depth > deepest)
			deepest = depth;
		msgpack_sbuffer_destroy(&sb);
	}
	/* The generator really covers deep and large values. */
	cr_assert_eq(deepest, IPC_DEPTH_MAX);
	cr_assert_gt(all, 3000 * 20);
	cr_assert_gt(bytes, 3000 * 200);
}

/* Bytes that change the structure when written somewhere. */
static const uint8_t	magic[] = {
	0xc1, 0xdc, 0xdd, 0xde, 0xdf, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9,
	0xd9, 0xda, 0xdb, 0x9f, 0x8f, 0xbf, 0x91, 0x81, 0xff, 0x00, 0x7f,
	0xd4, 0xd8, 0xcb, 0xcf,
};

/* Apply 1-4 random mutations to p[0..*n), which has room for cap. */
static void
mutate(struct rng *r, uint8_t *p, size_t *n, size_t cap)
{
	unsigned	k, times = 1 + (unsigned)rng_below(r, 4);
	size_t		at;

	for (k = 0; k < times; k++) {
		at = *n ? rng_below(r, *n) : 0;
		switch (rng_below(r, 8)) {
		case 0:
			if (*n)
				p[at] = (uint8_t)rng_next(r);
			break;
		case 1:
			if (*n)
				p[at] ^= (uint8_t)(1u << rng_below(r, 8));
			break;
		case 2:
			if (*n)
				p[at] = magic[rng_below(r, sizeof magic)];
			break;
		case 3:
			*n = rng_below(r, *n + 1);
			break;
		case 4:
			if (*n < cap) {
				memmove(p + at + 1, p + at, *n - at);
				p[at] = (uint8_t)rng_next(r);
				(*n)++;
			}
			break;
		case 5:
			if (*n) {
				memmove(p + at, p + at + 1, *n - at - 1);
				(*n)--;
			}
			break;
		case 6:
			if (*n >= 4) {
				at = rng_below(r, *n - 3);
				memset(p + at, 0xff, 4);
			}
			break;
		default:
			if (*n) {
				at = rng_below(r, *n);
				p[at] = (uint8_t)(p[at] + rng_below(r, 5) - 2);
			}
			break;
		}
	}
}

/* ipc_check on p; if it accepts, msgpack-c must agree exactly. */
static unsigned
check_mutant(const uint8_t *p, size_t n, unsigned maxdepth)
{
	if (check(p, n, maxdepth) != 0)
		return 0;
	expect_unpacks(p, n);
	return 1;
}

Test(check, random_corruption_never_misleads_msgpack)
{
	static struct gen	 g;
	static const unsigned	 limits[] = { 0, 1, 3, IPC_DEPTH_MAX };
	msgpack_sbuffer		 sb;
	uint8_t			*p;
	size_t			 n, cap;
	unsigned		 i, j, depth, accepted = 0, total = 0;

	g.rng.s = 0xbadc0ffee0ddf00dull;
	g.maxdepth = IPC_DEPTH_MAX;
	for (i = 0; i < 2000; i++) {
		gen_sample(&g, &sb, &depth);
		cap = sb.size + 16;
		p = malloc(cap);
		cr_assert_not_null(p);
		for (j = 0; j < 10; j++) {
			memcpy(p, sb.data, sb.size);
			n = sb.size;
			mutate(&g.rng, p, &n, cap);
			accepted += check_mutant(p, n,
			    limits[rng_below(&g.rng,
			    sizeof limits / sizeof limits[0])]);
			total++;
		}
		free(p);
		msgpack_sbuffer_destroy(&sb);
	}
	/* Both outcomes must have happened, or the test proves nothing. */
	cr_assert_gt(accepted, total / 50, "%u of %u accepted", accepted,
	    total);
	cr_assert_lt(accepted, total - total / 50);
}

Test(check, random_bytes_never_mislead_msgpack)
{
	struct rng	r = { 0x1234567890abcdefull };
	uint8_t		p[48];
	size_t		n, k;
	unsigned	i, accepted = 0;

	for (i = 0; i < 200000; i++) {
		n = rng_below(&r, sizeof p + 1);
		for (k = 0; k < n; k++)
			p[k] = rng_below(&r, 2) ?
			    magic[rng_below(&r, sizeof magic)] :
			    (uint8_t)rng_next(&r);
		accepted += check_mutant(p, n,
		    (unsigned)rng_below(&r, IPC_DEPTH_MAX + 1));
	}
	cr_assert_gt(accepted, 0);
}
