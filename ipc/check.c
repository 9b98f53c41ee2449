/*
 * check.c: walks one msgpack object without allocating and rejects what
 * could make an unpacker misbehave: declared str/bin/ext lengths or
 * array/map counts larger than the bytes that remain, nesting deeper
 * than the cap, the never-used byte 0xc1, truncation and trailing bytes.
 * Pure function; used by all three programs before msgpack_unpack_next.
 */
#include <errno.h>

#include "check.h"
#include "frame.h"

/* Big-endian length of size 1, 2 or 4 at p. */
static uint32_t
get_len(const uint8_t *p, unsigned size)
{
	if (size == 1)
		return p[0];
	if (size == 2)
		return (uint32_t)p[0] << 8 | p[1];
	return ipc_get32(p);
}

/*
 * Check that p[0..n) starts with one msgpack object whose nesting is
 * at most maxdepth (the outermost container is depth 1; at most
 * IPC_CHECK_DEPTH); *used is its length. 0, or -EBADMSG with *why
 * naming the fault.
 */
int
ipc_check_one(const uint8_t *p, size_t n, unsigned maxdepth, size_t *used,
    const char **why)
{
	uint64_t	left[IPC_CHECK_DEPTH + 1];
	const uint8_t	*start = p, *end = p + n;
	unsigned	 d = 0;

	if (maxdepth > IPC_CHECK_DEPTH)
		maxdepth = IPC_CHECK_DEPTH;
	left[0] = 1;
	for (;;) {
		uint64_t	count = 0;	/* elements of a container */
		int		container = 0;
		size_t		skip = 0;	/* payload bytes to jump */
		unsigned	lensize = 0;	/* bytes of a length field */
		uint8_t		c;

		while (left[d] == 0) {
			if (d == 0)
				goto done;
			d--;
		}
		left[d]--;
		if (p >= end)
			goto truncated;
		c = *p++;
		if (c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 ||
		    c == 0xc3)
			continue;
		if (c >= 0x80 && c <= 0x9f) {
			container = 1;
			count = c <= 0x8f ? 2u * (c & 0x0f) : c & 0x0f;
		}
		else if (c >= 0xa0 && c <= 0xbf)
			skip = c & 0x1f;
		else
			switch (c) {
			case 0xc1:
				*why = "msgpack byte 0xc1 is never used";
				return -EBADMSG;
			case 0xc4: case 0xd9: lensize = 1; break; /* bin8 str8 */
			case 0xc5: case 0xda: lensize = 2; break;
			case 0xc6: case 0xdb: lensize = 4; break;
			case 0xc7: lensize = 1; skip = 1; break; /* ext8 + type */
			case 0xc8: lensize = 2; skip = 1; break;
			case 0xc9: lensize = 4; skip = 1; break;
			case 0xcc: case 0xd0: skip = 1; break;
			case 0xcd: case 0xd1: skip = 2; break;
			case 0xca: case 0xce: case 0xd2: skip = 4; break;
			case 0xcb: case 0xcf: case 0xd3: skip = 8; break;
			case 0xd4: skip = 2; break;	/* fixext 1 + type */
			case 0xd5: skip = 3; break;
			case 0xd6: skip = 5; break;
			case 0xd7: skip = 9; break;
			case 0xd8: skip = 17; break;
			case 0xdc: case 0xde: lensize = 2; break;
			case 0xdd: case 0xdf: lensize = 4; break;
			}
		if (lensize > 0) {
			uint32_t	len;

			if ((size_t)(end - p) < lensize)
				goto truncated;
			len = get_len(p, lensize);
			p += lensize;
			if (c >= 0xdc) {
				container = 1;
				count = c >= 0xde ? 2 * (uint64_t)len : len;
			} else
				skip += len;
		}
		if ((size_t)(end - p) < skip) {
			*why = "declared length exceeds the bytes left";
			return -EBADMSG;
		}
		p += skip;
		if (!container)
			continue;
		if (d + 1 > maxdepth) {
			*why = "nesting exceeds the depth limit";
			return -EBADMSG;
		}
		/* Every element takes at least one byte. */
		if (count > (uint64_t)(end - p)) {
			*why = "declared element count exceeds the bytes left";
			return -EBADMSG;
		}
		if (count > 0)
			left[++d] = count;
	}
done:
	*used = (size_t)(p - start);
	return 0;
truncated:
	*why = "msgpack object is truncated";
	return -EBADMSG;
}

/*
 * Check that p[0..n) holds exactly one msgpack object, as ipc_check_one
 * does. 0, or -EBADMSG with *why naming the fault.
 */
int
ipc_check(const uint8_t *p, size_t n, unsigned maxdepth, const char **why)
{
	size_t	used;
	int	rc;

	if ((rc = ipc_check_one(p, n, maxdepth, &used, why)) < 0)
		return rc;
	if (used != n) {
		*why = "trailing bytes after the msgpack object";
		return -EBADMSG;
	}
	return 0;
}
