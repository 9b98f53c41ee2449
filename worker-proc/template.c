/*
 * template.c: wwd-worker's template mode. wwd execs one of these at
 * start; it has every library loaded and relocated and the JavaScript
 * state prepared (main.c) but no loop; it plugs the holes in its heap
 * and forks a worker for each request on fd 3 (see
 * ipc/template.h). The child is made wwd's own child (CLONE_PARENT), so
 * wwd reaps it, learns its exact exit status and gets its SIGCHLD (the
 * template's own exit signal), and PR_SET_PDEATHSIG in the worker
 * follows wwd, not the template; its pid goes back to wwd with the
 * answer. The child drops privileges, moves its channel to fd 3 and
 * returns into the ordinary worker start.
 * Also linked into the test-only wwd-rawworker, so tests that replace the
 * worker program still spawn through the one mechanism.
 */
#define _GNU_SOURCE	/* close_range, CLONE_PARENT */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <errno.h>
#include <grp.h>
#include <malloc.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "fdpass.h"
#include "log.h"
#include "template.h"

/* Receive one request and its descriptor. 1, 0 at EOF, or -errno. */
static int
template_recv(struct template_req *rq, int *fd)
{
	ssize_t	n;

	if ((n = fdpass_recv(TEMPLATE_FD, rq, sizeof *rq, fd)) <= 0)
		return (int)n;
	if ((size_t)n != sizeof *rq || rq->magic != TEMPLATE_MAGIC ||
	    *fd < 0)
		return -EPROTO;
	return 1;
}

#define TEMPLATE_PLUG_MAX	(64 * 1024)	/* larger ones are mmap'd */
#define TEMPLATE_PLUG_BLOCKS	100000		/* a bound, never reached */

static char	template_comm[16];	/* the program's own name */

/* clone3's arguments, version 0 (linux/sched.h clashes with sched.h). */
struct template_clone {
	uint64_t	flags;
	uint64_t	pidfd;
	uint64_t	child_tid;
	uint64_t	parent_tid;
	uint64_t	exit_signal;
	uint64_t	stack;
	uint64_t	stack_size;
	uint64_t	tls;
};

/* In the new child: become the worker wwd asked for, or die. */
static void
template_child(const struct template_req *rq, int chan)
{
	if (dup2(chan, TEMPLATE_FD) < 0)
		_exit(127);
	close(chan);
	/* Look like a worker again: in ps, and to wwd's tests. */
	prctl(PR_SET_NAME, template_comm);
	if (rq->flags & TEMPLATE_SETID) {
		if (setgroups(0, NULL) < 0 || setgid(rq->gid) < 0 ||
		    setuid(rq->uid) < 0) {
			log_warn("cannot switch to uid %u gid %u", rq->uid,
			    rq->gid);
			_exit(127);
		}
	}
}

/*
 * Fill the holes in malloc's heap with blocks that are never freed.
 * Preparing the JavaScript state left small free chunks all over the
 * template's heap; a worker's first allocations would land in them and
 * make each such page its own private copy. Plugged, a worker allocates
 * at the top of the heap, on fresh pages, and the pages it inherits stay
 * shared. A block is kept only if it came from below the top chunk; the
 * holes were free already, so the template grows by nothing. Sizes go
 * from large to small, every tcache class under 1 KiB.
 */
static void
template_plug(void)
{
#if !defined(__SANITIZE_ADDRESS__)	/* ASan has its own allocator */
	size_t	sz, n = 0;
	char	*top, *p;

	for (sz = TEMPLATE_PLUG_MAX; sz >= 16 && n < TEMPLATE_PLUG_BLOCKS;
	    sz = sz > 1024 ? sz / 2 : sz - 16) {
		/* Once per size: mallinfo2 walks every free chunk. */
		top = (char *)sbrk(0) - mallinfo2().keepcost;
		for (; n < TEMPLATE_PLUG_BLOCKS; n++) {
			if ((p = malloc(sz)) == NULL)
				return;
			if (p + sz > top) {
				free(p);	/* from the top: not a hole */
				break;
			}
		}
	}
#endif
}

/*
 * Serve fork requests on fd 3 until wwd closes it (then exit 0). Returns
 * only in a forked child, with its channel on fd 3: main() goes on to
 * start the worker there.
 */
void
template_run(void)
{
	struct template_req	rq;
	struct template_rep	rp;
	struct template_clone	ca;
	int			chan, rc;
	ssize_t			n;
	pid_t			pid;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	close_range(TEMPLATE_FD + 1, ~0U, 0);
	prctl(PR_GET_NAME, template_comm);
	prctl(PR_SET_NAME, TEMPLATE_COMM);
	log_init("template", LOG_LEVEL_INFO);
	signal(SIGPIPE, SIG_IGN);
	template_plug();
	rp.pid = getpid();	/* prepared: wwd waits for this */
	rp.err = 0;
	if (fdpass_send(TEMPLATE_FD, &rp, sizeof rp, -1) != (ssize_t)sizeof rp)
		_exit(1);
	for (;;) {
		if ((rc = template_recv(&rq, &chan)) <= 0) {
			if (chan >= 0)
				close(chan);
			if (rc == 0)
				_exit(0);
			log_warnx("bad request from wwd: %s", strerror(-rc));
			_exit(1);
		}
		/*
		 * The template is single-threaded and holds no locks here,
		 * so a raw clone is as safe as fork(); CLONE_PARENT makes
		 * the worker wwd's child.
		 */
		memset(&ca, 0, sizeof ca);
		ca.flags = CLONE_PARENT;
		pid = (pid_t)syscall(SYS_clone3, &ca, sizeof ca);
		/*
		 * A seccomp filter that cannot inspect clone3's flags makes
		 * it fail with ENOSYS (systemd's RestrictNamespaces=, as in
		 * wwd.service, nspawn, Docker); clone(2) does the same.
		 */
		if (pid < 0 && errno == ENOSYS)
			pid = (pid_t)syscall(SYS_clone, ca.flags, 0UL, 0UL,
			    0UL, 0UL);
		if (pid == 0) {
			template_child(&rq, chan);
			return;
		}
		rp.pid = pid > 0 ? pid : 0;
		rp.err = pid > 0 ? 0 : errno;
		close(chan);
		n = fdpass_send(TEMPLATE_FD, &rp, sizeof rp, -1);
		if (n != (ssize_t)sizeof rp)
			_exit(1);
	}
}
