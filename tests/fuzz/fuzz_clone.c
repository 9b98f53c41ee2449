/*
 * fuzz_clone.c: the structured-clone decoder of wwd-worker, driven
 * through the real process and its fd-3 protocol, so it follows the
 * decoder wherever the worker keeps it. One wwd-worker (from
 * WWD_FUZZ_WORKER, else WWD_BIN_DIR) runs a script that posts back what
 * it receives; each input is the payload of one POST. Every POST must
 * get exactly one POST back (the data, or "messageerror" when it does
 * not decode) whose payload is a valid message, and the worker must
 * never die or report an error. Coverage is the harness's only (the
 * worker runs in its own process), so the seeds carry the variety.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "frame.h"
#include "fuzz.h"
#include "msg.h"

#define PORT		5
#define WAIT_MS		10000

static const char script[] =
    "onmessage = function (e) { postMessage(e.data); };\n"
    "onmessageerror = function () { postMessage('messageerror'); };\n";

static pid_t		worker;
static int		fd = -1;
static struct ipc_buf	in;

static void
send_all(struct ipc_buf *b)
{
	const uint8_t	*p = ipc_buf_head(b);
	size_t		 n = ipc_buf_used(b);
	ssize_t		 w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			FUZZ_ASSERT(errno == EINTR, "write to the worker: %s",
			    strerror(errno));
			continue;
		}
		p += w;
		n -= (size_t)w;
	}
	ipc_buf_consume(b, ipc_buf_used(b));
}

/* The worker went away: say how, then fail. */
static void
died(void)
{
	int	st = 0;

	waitpid(worker, &st, 0);
	FUZZ_ASSERT(0, "wwd-worker died: %s %d", WIFSIGNALED(st) ?
	    "signal" : "exit status", WIFSIGNALED(st) ? WTERMSIG(st) :
	    WEXITSTATUS(st));
}

/* Next frame from the worker, waiting at most WAIT_MS. */
static void
next_frame(struct ipc_frame *f)
{
	struct pollfd	 pfd = { .fd = fd, .events = POLLIN };
	const char	*why;
	struct timespec	 now, end;
	ssize_t		 n;
	int		 rc, left;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += WAIT_MS / 1000;
	while ((rc = ipc_frame_next(&in, IPC_FRAME_MAX, f, &why)) == 0) {
		/*
		 * libFuzzer's timeout ticker (SIGALRM) interrupts poll: that
		 * is no timeout, so wait again for what is left.
		 */
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = (int)((end.tv_sec - now.tv_sec) * 1000 +
		    (end.tv_nsec - now.tv_nsec) / 1000000);
		rc = poll(&pfd, 1, left > 0 ? left : 0);
		if (rc < 0 && errno == EINTR)
			continue;
		FUZZ_ASSERT(rc >= 0, "poll: %s", strerror(errno));
		if (rc == 0) {
			int	unread = -1;

			ioctl(fd, SIOCOUTQ, &unread);
			FUZZ_ASSERT(0, "wwd-worker did not answer in %d ms "
			    "(%d bytes we sent are still unread by it)",
			    WAIT_MS, unread);
		}
		FUZZ_ASSERT(ipc_buf_reserve(&in, 65536) == 0, "memory");
		n = read(fd, ipc_buf_tail(&in), 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			died();
		FUZZ_ASSERT(n > 0, "read: %s", strerror(errno));
		in.len += (size_t)n;
	}
	FUZZ_ASSERT(rc == 1, "bad frame from wwd-worker: %s", why);
}

/* Start the worker, say HELLO, send INIT with the echo script. */
static void
start(void)
{
	struct ipc_hello	 h = { IPC_VERSION, ipc_str("daemon"),
	    ipc_str("fuzz_clone"), 0, 0, 0 };
	struct ipc_init		 init;
	struct ipc_frame	 f;
	struct ipc_buf		 out;
	const char		*path = getenv("WWD_FUZZ_WORKER");
	int			 sv[2];

	if (path == NULL)
		path = WWD_BIN_DIR "/wwd-worker";
	signal(SIGPIPE, SIG_IGN);
	FUZZ_ASSERT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv) == 0, "socketpair: %s", strerror(errno));
	FUZZ_ASSERT((worker = fork()) >= 0, "fork: %s", strerror(errno));
	if (worker == 0) {
		if (dup2(sv[1], 3) < 0)
			_exit(127);
		execl(path, "wwd-worker", (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	fd = sv[0];
	ipc_buf_init(&in);
	ipc_buf_init(&out);
	FUZZ_ASSERT(ipc_hello_encode(&out, &h) == 0, "memory");
	send_all(&out);
	next_frame(&f);
	FUZZ_ASSERT(f.type == IPC_HELLO, "wwd-worker began with type %u",
	    f.type);
	memset(&init, 0, sizeof init);
	init.worker_id = 1;
	init.kind = ipc_str("dedicated");
	init.url = ipc_str("data:,fuzz");
	init.name = init.origin = init.root = ipc_str("");
	init.source = ipc_str(script);
	init.log_level = 1;
	FUZZ_ASSERT(ipc_init_encode(&out, PORT, &init) == 0, "memory");
	send_all(&out);
	ipc_buf_clear(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ipc_post	 post, back;
	struct ipc_frame	 f;
	struct ipc_buf		 out;
	const char		*why = NULL;

	if (size > IPC_FRAME_MAX / 2)
		return 0;
	if (fd < 0)
		start();
	ipc_buf_init(&out);
	post.ntransfer = 0;
	post.data.ptr = (const char *)data;
	post.data.len = (uint32_t)size;
	FUZZ_ASSERT(ipc_post_encode(&out, PORT, &post) == 0, "memory");
	send_all(&out);
	ipc_buf_clear(&out);
	for (;;) {
		next_frame(&f);
		FUZZ_ASSERT(f.type != IPC_FAULT && f.type != IPC_CLOSING,
		    "wwd-worker sent %s for a %zu-byte payload",
		    ipc_type_name(f.type), size);
		if (f.type == IPC_POST)
			break;
		FUZZ_ASSERT(f.type == IPC_CONSOLE, "wwd-worker sent type %u",
		    f.type);
	}
	FUZZ_ASSERT(f.port == PORT, "reply on port %llu",
	    (unsigned long long)f.port);
	FUZZ_ASSERT(ipc_post_decode(f.body, f.len, &back, &why) == 0,
	    "reply does not decode: %s", why);
	FUZZ_ASSERT(ipc_check((const uint8_t *)back.data.ptr, back.data.len,
	    IPC_CLONE_DEPTH, &why) == 0, "reply payload invalid: %s", why);
	return 0;
}
