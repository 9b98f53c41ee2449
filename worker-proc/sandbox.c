/*
 * sandbox.c: what confines a wwd-worker: the JS heap cap (mujs's
 * allocator hook counts every block; over the cap an allocation fails
 * and mujs throws a catchable "out of memory"), resource limits with
 * RLIMIT_DATA as the hard backstop, no_new_privs, and a seccomp
 * allow-list (libseccomp) installed before the script runs: any other
 * system call kills this process only (SCMP_ACT_KILL_PROCESS). open is
 * allowed read-only, for importScripts. Runs in the worker process.
 */
#define _GNU_SOURCE	/* O_TMPFILE */
#include <sys/prctl.h>
#include <sys/resource.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#include "worker.h"

#define SANDBOX_NOFILE		32	/* epoll, channel, stdio, a file */
#define SANDBOX_RESERVE		(1024u * 1024) /* for the catch block */
#define SANDBOX_SLACK		(64u * 1024 * 1024) /* beyond the JS cap */

/* Each block carries its size in front, kept max_align_t aligned. */
#define SANDBOX_HDR	sizeof(max_align_t)

/*
 * mujs's allocator (js_Alloc): realloc semantics, size 0 frees. heap is
 * a struct sandbox_heap; NULL over the cap, which mujs turns into a
 * thrown "out of memory" the script can catch.
 */
void *
sandbox_alloc(void *heap, void *ptr, int size)
{
	struct sandbox_heap	*h = heap;
	unsigned char		*p = ptr;
	size_t			 old = 0;

	if (p != NULL) {
		p -= SANDBOX_HDR;
		memcpy(&old, p, sizeof old);
	}
	if (size <= 0) {
		h->used -= old;
		/* Hysteresis: the next failure waits for the GC to free. */
		if (h->used < h->max / 2)
			h->over = 0;
		free(p);
		return NULL;
	}
	/*
	 * Over the cap, one allocation fails (the script sees the error);
	 * then a reserve lets its catch block and the GC work, until use
	 * falls back under the cap.
	 */
	if (h->max > 0 && (size_t)size > old) {
		size_t	want = h->used - old + (size_t)size;

		if (want > h->max && !h->over) {
			h->over = 1;
			return NULL;
		}
		if (want > h->max + SANDBOX_RESERVE)
			return NULL;
	}
	if ((p = realloc(p, SANDBOX_HDR + (size_t)size)) == NULL)
		return NULL;
	h->used = h->used - old + (size_t)size;
	old = (size_t)size;
	memcpy(p, &old, sizeof old);
	return p + SANDBOX_HDR;
}

static int
sandbox_rlimit(int resource, rlim_t n)
{
	struct rlimit	rl = { n, n };

	return setrlimit(resource, &rl) < 0 ? -errno : 0;
}

/*
 * Limits for this process before any script runs: no new privileges, a
 * few descriptors, no core files and (unless built with sanitizers,
 * whose shadow memory does not fit) a data-size backstop above the JS
 * cap memory_max (0: none). 0 or a negative errno.
 */
int
sandbox_limits(uint64_t memory_max)
{
	int	rc;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if ((rc = sandbox_rlimit(RLIMIT_NOFILE, SANDBOX_NOFILE)) < 0 ||
	    (rc = sandbox_rlimit(RLIMIT_CORE, 0)) < 0)
		return rc;
#if defined(__SANITIZE_ADDRESS__)
	(void)memory_max;
#else
	if (memory_max > 0 &&
	    (rc = sandbox_rlimit(RLIMIT_DATA, memory_max * 2 +
	    SANDBOX_SLACK)) < 0)
		return rc;
#endif
	return 0;
}

/* The system calls a running worker makes (libuv, glibc, mujs). */
static const int sandbox_allowed[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(recvfrom), SCMP_SYS(sendto), SCMP_SYS(recvmsg),
	SCMP_SYS(sendmsg), SCMP_SYS(close), SCMP_SYS(fstat),
	SCMP_SYS(newfstatat), SCMP_SYS(statx), SCMP_SYS(lseek),
	SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(mprotect), SCMP_SYS(madvise), SCMP_SYS(brk),
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_pwait2),
	SCMP_SYS(epoll_ctl), SCMP_SYS(poll), SCMP_SYS(ppoll),
	SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres),
	SCMP_SYS(gettimeofday), SCMP_SYS(nanosleep),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(futex), SCMP_SYS(getpid),
	SCMP_SYS(gettid), SCMP_SYS(getrandom), SCMP_SYS(rt_sigaction),
	SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(sigaltstack), SCMP_SYS(fcntl), SCMP_SYS(ioctl),
	SCMP_SYS(getrusage), SCMP_SYS(sched_yield), SCMP_SYS(exit),
	SCMP_SYS(exit_group), SCMP_SYS(restart_syscall), SCMP_SYS(uname),
	SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(getppid),
	SCMP_SYS(prlimit64), SCMP_SYS(sysinfo), SCMP_SYS(readlink),
};

/*
 * Install the allow-list. open/openat only without write access and
 * without O_CREAT/O_TRUNC (importScripts reads files). 0 or -errno.
 */
int
sandbox_seccomp(void)
{
	const scmp_datum_t	 wmask = O_ACCMODE | O_CREAT | O_TRUNC |
				    O_APPEND | O_TMPFILE;
	scmp_filter_ctx		 ctx;
	size_t			 i;
	int			 rc;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		return -ENOMEM;
	for (i = 0; i < sizeof sandbox_allowed / sizeof sandbox_allowed[0];
	    i++)
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
		    sandbox_allowed[i], 0)) < 0 && rc != -EDOM)
			goto fail;
	/* abort() signals itself; no other process may be signalled. */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
	    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid(), 0))) < 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, wmask, O_RDONLY))) < 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(open), 1,
	    SCMP_A1(SCMP_CMP_MASKED_EQ, wmask, O_RDONLY))) < 0)
		goto fail;
	rc = seccomp_load(ctx);
fail:
	seccomp_release(ctx);
	return rc;
}
