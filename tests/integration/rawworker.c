/*
 * rawworker.c: wwd-rawworker, a test-only stand-in for wwd-worker (wwd
 * runs it through --worker; it is never installed). It answers HELLO,
 * reads INIT and takes INIT's source as orders: "echo" sends every POST
 * back on its port; "W:HEX" writes the bytes HEX spells to wwd (W is
 * "all" for one write, "byte" for one write per byte, "eof" for one
 * write and then exit), after which it waits for wwd to close or kill
 * it. So the worker side of the malformed-frame battery runs through the
 * real daemon without any hook in the real worker.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frame.h"
#include "msg.h"
#include "template.h"

#define FD	3

static struct ipc_buf	in;

static void
put(const uint8_t *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		if ((w = write(FD, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			exit(0);	/* wwd closed on us: our end */
		}
		p += w;
		n -= (size_t)w;
	}
}

/* The next frame, or exit(0) at EOF. */
static void
next(struct ipc_frame *f)
{
	const char	*why;
	ssize_t		 n;
	int		 rc;

	while ((rc = ipc_frame_next(&in, IPC_FRAME_MAX, f, &why)) == 0) {
		if (ipc_buf_reserve(&in, 65536) < 0)
			exit(3);
		if ((n = read(FD, ipc_buf_tail(&in), 65536)) <= 0)
			exit(0);
		in.len += (size_t)n;
	}
	if (rc < 0) {
		fprintf(stderr, "wwd-rawworker: %s\n", why);
		exit(2);
	}
}

static int
hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	    c - 'a' + 10 : -1;
}

/* Carry out "W:HEX". */
static void
raw(const char *src, size_t len)
{
	const char	*hex = memchr(src, ':', len);
	uint8_t		*bytes;
	size_t		 n, i;

	if (hex == NULL)
		exit(2);
	hex++;
	n = (size_t)(src + len - hex) / 2;
	if ((bytes = malloc(n + 1)) == NULL)
		exit(3);
	for (i = 0; i < n; i++) {
		int	hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			exit(2);
		bytes[i] = (uint8_t)(hi << 4 | lo);
	}
	if (strncmp(src, "byte:", 5) == 0)
		for (i = 0; i < n; i++)
			put(bytes + i, 1);
	else
		put(bytes, n);
	free(bytes);
	if (strncmp(src, "eof:", 4) == 0)
		exit(0);
}

int
main(int argc, char *argv[])
{
	struct ipc_hello	 h = { IPC_VERSION, { "worker", 6 },
	    { "wwd-rawworker", 13 }, 0, 0, 0 };
	struct ipc_init		 init;
	struct ipc_frame	 f;
	struct ipc_buf		 out;
	const char		*why;
	uint64_t		 port;

	/* wwd's template process: returns in each forked worker. */
	if (argc == 2 && strcmp(argv[1], TEMPLATE_ARG) == 0)
		template_run();
	ipc_buf_init(&in);
	ipc_buf_init(&out);
	next(&f);
	if (f.type != IPC_HELLO || ipc_hello_encode(&out, &h) < 0)
		exit(2);
	put(ipc_buf_head(&out), ipc_buf_used(&out));
	next(&f);
	if (f.type != IPC_INIT ||
	    ipc_init_decode(f.body, f.len, &init, &why) < 0)
		exit(2);
	port = f.port;
	if (!ipc_str_eq(init.source, "echo"))
		raw(init.source.ptr, init.source.len);
	for (;;) {
		next(&f);
		if (f.type == IPC_POST && f.port == port)
			put(f.raw, IPC_HEADER_SIZE + f.len);
	}
}
