/*
 * frame.c: cutting frames out of a read buffer and starting/finishing
 * frames in a write buffer (see frame.h for the header layout). Used by
 * wwd, wwd-worker and libwwd alike.
 */
#include <errno.h>
#include <unistd.h>

#include "frame.h"

void
ipc_put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

void
ipc_put64(uint8_t *p, uint64_t v)
{
	ipc_put32(p, v >> 32);
	ipc_put32(p + 4, (uint32_t)v);
}

uint32_t
ipc_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

uint64_t
ipc_get64(const uint8_t *p)
{
	return (uint64_t)ipc_get32(p) << 32 | ipc_get32(p + 4);
}

/* The big-endian unsigned of the n (at most 8) bytes at p. */
uint64_t
ipc_get_be(const uint8_t *p, unsigned n)
{
	uint64_t	v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return v;
}

/*
 * A well-mixed hash of a 64-bit key (port ids are serial << 32 | n,
 * addresses are aligned): MurmurHash3's finalizer.
 */
size_t
ipc_hash64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return (size_t)x;
}

/*
 * Cut the next whole frame from the head of b. Returns 1 with f filled
 * (f->body stays valid until b is next reserved or appended to), 0 when
 * more bytes are needed, or a negative errno with *why when the header is
 * bad: -EMSGSIZE for a body over max, -EPROTO for non-zero flags. The
 * length is checked before anyone allocates for the body.
 */
int
ipc_frame_next(struct ipc_buf *b, uint32_t max, struct ipc_frame *f,
    const char **why)
{
	uint8_t		*p = ipc_buf_head(b);
	uint32_t	 len;

	if (ipc_buf_used(b) < IPC_HEADER_SIZE)
		return 0;
	len = ipc_get32(p);
	if (len > max) {
		*why = "frame body exceeds the size limit";
		return -EMSGSIZE;
	}
	if (p[6] != 0 || p[7] != 0) {
		*why = "frame flags must be 0";
		return -EPROTO;
	}
	if (ipc_buf_used(b) - IPC_HEADER_SIZE < len)
		return 0;
	f->type = (uint16_t)(p[4] << 8 | p[5]);
	f->flags = 0;
	f->port = ipc_get64(p + 8);
	f->body = p + IPC_HEADER_SIZE;
	f->len = len;
	f->raw = p;
	ipc_buf_consume(b, IPC_HEADER_SIZE + len);
	return 1;
}

/*
 * The header of the frame at the head of b, which stays: 1 with *type
 * and *size (the whole frame's, header included), or 0 while the header
 * is incomplete. Nothing is checked.
 */
int
ipc_frame_peek(const struct ipc_buf *b, uint16_t *type, size_t *size)
{
	const uint8_t	*h = ipc_buf_head(b);

	if (ipc_buf_used(b) < IPC_HEADER_SIZE)
		return 0;
	*type = (uint16_t)ipc_get_be(h + 4, 2);
	*size = IPC_HEADER_SIZE + (size_t)ipc_get32(h);
	return 1;
}

/*
 * How many bytes the frame at the head of b still needs (the header's
 * when that is incomplete), so a reader can reserve room for a large
 * frame in one step. Call only after ipc_frame_next returned 0.
 */
size_t
ipc_frame_want(const struct ipc_buf *b)
{
	uint16_t	type;
	size_t		size;

	if (!ipc_frame_peek(b, &type, &size))
		return IPC_HEADER_SIZE - ipc_buf_used(b);
	return size - ipc_buf_used(b);
}

/*
 * Reserve room in b for the next read and return how many bytes to read,
 * or -ENOMEM. A read takes at least min bytes, so that many frames are
 * cut out of one. But once more than IPC_COPY_MAX bytes of an unfinished
 * frame are in b, it takes just the rest of that frame: the frame ends
 * where the read does, b empties and rewinds, and its bytes are never
 * moved to the front to make room, which for a stream of large frames
 * would copy nearly every one once more. Call only after ipc_frame_next
 * returned 0.
 */
ssize_t
ipc_frame_room(struct ipc_buf *b, size_t min)
{
	size_t	want = ipc_frame_want(b);
	int	rc;

	if (ipc_buf_used(b) <= IPC_COPY_MAX && want < min)
		want = min;
	if ((rc = ipc_buf_reserve(b, want)) < 0)
		return rc;
	return (ssize_t)want;
}

/*
 * One read from fd into b: IPC_READ_TURN bytes, or the rest of a large
 * frame (ipc_frame_room). Returns the bytes read, 0 at EOF or a negative
 * errno (-EAGAIN: nothing to read, -ENOMEM: no room). Reading once per
 * turn of a loop, not until the socket drains, leaves the loop's other
 * work its turn while wwd floods the socket; poll reports the rest.
 */
ssize_t
ipc_frame_read(int fd, struct ipc_buf *b)
{
	ssize_t	room, n;

	if ((room = ipc_frame_room(b, IPC_READ_TURN)) < 0)
		return room;
	while ((n = read(fd, ipc_buf_tail(b), (size_t)room)) < 0 &&
	    errno == EINTR)
		;
	if (n < 0)
		return -errno;
	b->len += (size_t)n;
	return n;
}

/*
 * Start a frame of the given type and port at the tail of b; *start
 * remembers where, for ipc_frame_end, as an offset from the head so that
 * a compaction while the body is appended does not invalidate it (nothing
 * may be consumed between begin and end). 0 or -ENOMEM.
 */
int
ipc_frame_begin(struct ipc_buf *b, uint16_t type, uint64_t port,
    size_t *start)
{
	uint8_t	*p;
	int	 rc;

	if ((rc = ipc_buf_reserve(b, IPC_HEADER_SIZE)) < 0)
		return rc;
	*start = ipc_buf_used(b);
	p = ipc_buf_tail(b);
	ipc_put32(p, 0);
	p[4] = type >> 8;
	p[5] = (uint8_t)type;
	p[6] = p[7] = 0;
	ipc_put64(p + 8, port);
	b->len += IPC_HEADER_SIZE;
	return 0;
}

/*
 * Finish the frame begun at start: patch its body length. The body must
 * have been appended since ipc_frame_begin. 0, or -EMSGSIZE if the body
 * is over IPC_FRAME_MAX, which no receiver would take (the frame is then
 * removed again).
 */
int
ipc_frame_end(struct ipc_buf *b, size_t start)
{
	size_t	len = ipc_buf_used(b) - start - IPC_HEADER_SIZE;

	if (len > IPC_FRAME_MAX) {
		b->len = b->off + start;
		return -EMSGSIZE;
	}
	ipc_put32(ipc_buf_head(b) + start, (uint32_t)len);
	return 0;
}

/* Rewrite the port of a frame in place (raw points at its header). */
void
ipc_frame_set_port(uint8_t *raw, uint64_t port)
{
	ipc_put64(raw + 8, port);
}

/* Rewrite the type in a raw frame's header (a REPOST forwarded as POST). */
void
ipc_frame_set_type(uint8_t *raw, uint16_t type)
{
	raw[4] = (uint8_t)(type >> 8);
	raw[5] = (uint8_t)type;
}
