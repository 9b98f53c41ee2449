/*
 * limit.c: the floor under wwd's round trip, in wwd-bench and two forked
 * helpers. A socketpair round trip between two processes, and one through
 * a relay process (client -> relay -> worker, the shape of client -> wwd
 * -> worker). Frames are ours (ipc/frame.h, POST bodies from ipc/msg.h):
 * the ends validate and unpack the msgpack payload and pack the reply,
 * the relay cuts frames from a large buffer and rewrites the port only,
 * as wwd does. Each helper owns its end and exits on end of file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <msgpack.h>

#include "bench.h"
#include "buf.h"
#include "check.h"
#include "frame.h"
#include "msg.h"

#define LIMIT_READ	(64 * 1024)

/* One end of a socket with its read and write buffers. */
struct end {
	int		fd;
	struct ipc_buf	in, out;
};

static void
end_init(struct end *e, int fd)
{
	e->fd = fd;
	ipc_buf_init(&e->in);
	ipc_buf_init(&e->out);
}

static void
end_clear(struct end *e)
{
	close(e->fd);
	ipc_buf_clear(&e->in);
	ipc_buf_clear(&e->out);
}

/* Read once into e->in. 1 read, 0 end of file, -errno. */
static int
end_read(struct end *e)
{
	ssize_t	n;

	if (ipc_buf_reserve(&e->in, LIMIT_READ) < 0)
		return -ENOMEM;
	n = read(e->fd, ipc_buf_tail(&e->in), e->in.cap - e->in.len);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : -errno;
	e->in.len += (size_t)n;
	return n > 0;
}

/* Write all of e->out (blocking socket). 0 or -errno. */
static int
end_flush(struct end *e)
{
	ssize_t	n;

	while (ipc_buf_used(&e->out) > 0) {
		n = write(e->fd, ipc_buf_head(&e->out), ipc_buf_used(&e->out));
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			ipc_buf_consume(&e->out, (size_t)n);
	}
	return 0;
}

/* The next whole frame, reading as needed. 1, 0 at end of file, -errno. */
static int
end_frame(struct end *e, struct ipc_frame *f)
{
	const char	*why;
	int		 rc;

	while ((rc = ipc_frame_next(&e->in, IPC_FRAME_MAX, f, &why)) == 0)
		if ((rc = end_read(e)) <= 0)
			return rc;
	return rc < 0 ? rc : 1;
}

/*
 * What every end does with a POST: decode the body, validate and unpack
 * the payload, pack the value again into a reply POST on port in out.
 */
static int
answer(const struct ipc_frame *f, struct ipc_buf *out, uint64_t port)
{
	struct ipc_post		 p;
	msgpack_unpacked	 u;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	const char		*why;
	int			 rc = -EBADMSG;

	if (f->type != IPC_POST ||
	    ipc_post_decode(f->body, f->len, &p, &why) < 0 ||
	    ipc_check((const uint8_t *)p.data.ptr, p.data.len,
	    IPC_CLONE_DEPTH, &why) < 0)
		return -EBADMSG;
	msgpack_unpacked_init(&u);
	msgpack_sbuffer_init(&sb);
	if (msgpack_unpack_next(&u, p.data.ptr, p.data.len, NULL) !=
	    MSGPACK_UNPACK_SUCCESS)
		goto fail;
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_object(&pk, u.data);
	p.data.ptr = sb.data;
	p.data.len = (uint32_t)sb.size;
	rc = ipc_post_encode(out, port, &p);
fail:
	msgpack_sbuffer_destroy(&sb);
	msgpack_unpacked_destroy(&u);
	return rc;
}

/* The worker helper: answer every POST on fd until end of file. */
static void
worker_main(int fd)
{
	struct end		e;
	struct ipc_frame	f;

	end_init(&e, fd);
	while (end_frame(&e, &f) > 0)
		if (answer(&f, &e.out, f.port) < 0 || end_flush(&e) < 0)
			break;
	end_clear(&e);
	_exit(0);
}

/*
 * Move every whole frame from a's input to b's output, port rewritten
 * in place, no payload decoding. 0 or -errno.
 */
static int
relay_frames(struct end *a, struct end *b, uint64_t port)
{
	struct ipc_frame	 f;
	const char		*why;
	int			 rc;

	while ((rc = ipc_frame_next(&a->in, IPC_FRAME_MAX, &f, &why)) > 0) {
		ipc_frame_set_port(f.raw, port);
		if (ipc_buf_append(&b->out, f.raw,
		    IPC_HEADER_SIZE + f.len) < 0)
			return -ENOMEM;
	}
	return rc;
}

/* The relay helper: a poll loop between client fd c and worker fd w. */
static void
relay_main(int c, int w)
{
	struct end	e[2];
	struct pollfd	pfd[2];
	int		i, rc = 0;

	end_init(&e[0], c);
	end_init(&e[1], w);
	while (rc == 0) {
		pfd[0] = (struct pollfd){ c, POLLIN, 0 };
		pfd[1] = (struct pollfd){ w, POLLIN, 0 };
		if (poll(pfd, 2, -1) < 0) {
			rc = errno == EINTR ? 0 : -errno;
			continue;
		}
		for (i = 0; i < 2 && rc == 0; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP)))
				continue;
			if ((rc = end_read(&e[i])) <= 0) {
				rc = -EPIPE;
				break;
			}
			rc = relay_frames(&e[i], &e[!i], i == 0 ? 2 : 1);
			if (rc == 0)
				rc = end_flush(&e[!i]);
		}
	}
	end_clear(&e[0]);
	end_clear(&e[1]);
	_exit(0);
}

/*
 * Time n round trips of a small msgpack payload over fd (after warm
 * round trips) into *p50 and *p99.
 */
static int
round_trips(int fd, const struct bench_opts *o, double *p50, double *p99)
{
	struct end		 e;
	struct ipc_frame	 f;
	struct ipc_buf		 hold;
	double			*t, t0;
	int			 i, rc = 0, n = o->warmup + o->rtts;
	static const uint8_t	 seven[] = { 0x07 };
	struct ipc_post		 p = { 0 };

	if ((t = calloc((size_t)o->rtts, sizeof *t)) == NULL)
		return -ENOMEM;
	end_init(&e, fd);
	ipc_buf_init(&hold);
	p.data.ptr = (const char *)seven;
	p.data.len = sizeof seven;
	for (i = 0; i < n && rc == 0; i++) {
		t0 = main_now_us();
		if ((rc = ipc_post_encode(&e.out, 1, &p)) < 0 ||
		    (rc = end_flush(&e)) < 0)
			break;
		if ((rc = end_frame(&e, &f)) <= 0) {
			rc = rc < 0 ? rc : -EPIPE;
			break;
		}
		/* Unpack the answer as a client would; drop the re-encoding. */
		rc = answer(&f, &hold, 1);
		hold.off = hold.len = 0;
		if (i >= o->warmup)
			t[i - o->warmup] = main_now_us() - t0;
	}
	if (rc == 0) {
		*p50 = run_percentile(t, o->rtts, 50);
		*p99 = run_percentile(t, o->rtts, 99);
	}
	ipc_buf_clear(&hold);
	end_clear(&e);
	free(t);
	return rc;
}

static void
reap(pid_t pid)
{
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/* Measure both socket limits into out. 0 or -errno. */
int
limit_run(const struct bench_opts *o, struct bench_side *out)
{
	int	sv[2], cw[2];
	pid_t	wk, rl;
	int	rc;

	/* Client <-> worker over one socketpair. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	if ((wk = fork()) == 0) {
		close(sv[0]);
		worker_main(sv[1]);
	}
	close(sv[1]);
	if (wk < 0) {
		close(sv[0]);
		return -EAGAIN;
	}
	rc = round_trips(sv[0], o, &out->pair_p50, &out->pair_p99);
	reap(wk);
	if (rc < 0)
		return rc;

	/* Client <-> relay <-> worker: every helper keeps only its ends. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cw) < 0) {
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	if ((wk = fork()) == 0) {
		close(sv[0]);
		close(sv[1]);
		close(cw[0]);
		worker_main(cw[1]);
	}
	close(cw[1]);
	if ((rl = fork()) == 0) {
		close(sv[0]);
		relay_main(sv[1], cw[0]);
	}
	close(sv[1]);
	close(cw[0]);
	if (wk < 0 || rl < 0) {
		close(sv[0]);
		rc = -EAGAIN;
	} else
		rc = round_trips(sv[0], o, &out->relay_p50, &out->relay_p99);
	reap(rl);
	reap(wk);
	return rc;
}
