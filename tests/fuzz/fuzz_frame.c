/*
 * fuzz_frame.c: the frame reader and the msgpack validator. The input
 * is a byte stream as a peer would send it. It is cut into frames twice,
 * in one piece and one byte at a time, and both cuts must agree (same
 * frames, same error). Every body that ipc_check accepts must then
 * unpack with msgpack-c as exactly one object: that is the validator's
 * promise to the decoders.
 */
#include <msgpack.h>

#include "check.h"
#include "frame.h"
#include "fuzz.h"
#include "msg.h"

#define FRAME_LIMIT	4096	/* small, so frame-too-large is reachable */
#define MAX_FRAMES	256

struct cut {
	uint16_t	type;
	uint64_t	port;
	uint32_t	len;
	uint32_t	off;	/* of the body in the input */
};

/*
 * The validator's promise: what passes unpacks whole; within the control
 * depth (the one msgpack-c's fixed stack can take) msgpack-c agrees.
 */
static void
check_body(const uint8_t *p, size_t n, unsigned depth)
{
	msgpack_unpacked	 u;
	const char		*why = NULL;
	size_t			 off = 0;
	int			 rc;

	if (ipc_check(p, n, depth, &why) < 0) {
		FUZZ_ASSERT(why != NULL, "ipc_check failed without a reason");
		return;
	}
	if (depth > IPC_DEPTH_MAX)
		return;	/* payloads: the worker's own decoder reads them */
	msgpack_unpacked_init(&u);
	rc = msgpack_unpack_next(&u, (const char *)p, n, &off);
	FUZZ_ASSERT(rc == MSGPACK_UNPACK_SUCCESS && off == n,
	    "ipc_check passed a %zu-byte body msgpack-c rejects (rc %d, "
	    "used %zu)", n, rc, off);
	msgpack_unpacked_destroy(&u);
}

/* Cut frames from in, fed step bytes at a time; returns the count. */
static int
cut(const uint8_t *in, size_t n, size_t step, struct cut *c, int *err)
{
	struct ipc_buf	 b;
	struct ipc_frame f;
	const char	*why;
	size_t		 fed = 0, eaten = 0;
	int		 k = 0, rc = 0;

	ipc_buf_init(&b);
	*err = 0;
	while (fed < n || ipc_buf_used(&b) >= IPC_HEADER_SIZE) {
		size_t	m = n - fed < step ? n - fed : step;

		if (m > 0) {
			FUZZ_ASSERT(ipc_buf_append(&b, in + fed, m) == 0,
			    "out of memory");
			fed += m;
		}
		while (k < MAX_FRAMES &&
		    (rc = ipc_frame_next(&b, FRAME_LIMIT, &f, &why)) == 1) {
			FUZZ_ASSERT(f.len <= FRAME_LIMIT, "frame over limit");
			FUZZ_ASSERT(f.body == f.raw + IPC_HEADER_SIZE,
			    "body does not follow the header");
			c[k].type = f.type;
			c[k].port = f.port;
			c[k].len = f.len;
			c[k].off = (uint32_t)(eaten + IPC_HEADER_SIZE);
			eaten += IPC_HEADER_SIZE + f.len;
			k++;
		}
		if (k == MAX_FRAMES)
			break;
		if (rc < 0) {
			*err = rc;
			FUZZ_ASSERT(why != NULL, "error without a reason");
			break;
		}
		if (m == 0)
			break;	/* all fed, the rest is incomplete */
		FUZZ_ASSERT(ipc_frame_want(&b) > 0,
		    "incomplete frame wants nothing");
	}
	ipc_buf_clear(&b);
	return k;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cut	a[MAX_FRAMES], c[MAX_FRAMES];
	int			na, nc, ea, ec, i;

	na = cut(data, size, size > 0 ? size : 1, a, &ea);
	nc = cut(data, size, 1, c, &ec);
	FUZZ_ASSERT(na == nc && ea == ec, "whole: %d frames, error %d; "
	    "bytewise: %d frames, error %d", na, ea, nc, ec);
	for (i = 0; i < na; i++) {
		FUZZ_ASSERT(a[i].type == c[i].type && a[i].port == c[i].port &&
		    a[i].len == c[i].len && a[i].off == c[i].off,
		    "frame %d differs between the two cuts", i);
		(void)ipc_type_name(a[i].type);
		(void)ipc_type_allowed(a[i].type, IPC_C2D);
		check_body(data + a[i].off, a[i].len, IPC_DEPTH_MAX);
		check_body(data + a[i].off, a[i].len, IPC_CLONE_DEPTH);
	}
	/* The validator alone, on the raw input. */
	check_body(data, size, IPC_CLONE_DEPTH);
	return 0;
}
