/*
 * sandbox.c: what confines a wwd-worker: the JS heap cap (mujs's
 * allocator hook counts every block; over the cap an allocation fails
 * and mujs throws a catchable "out of memory"), resource limits with
 * RLIMIT_DATA as the hard backstop, no_new_privs, and a seccomp
 * allow-list installed before the script runs: any other system call
 * kills this process only (SCMP_ACT_KILL_PROCESS). open is allowed
 * read-only, for importScripts. The template compiles the list once
 * (libseccomp, to BPF); each worker patches in its pid and loads it.
 */
#define _GNU_SOURCE	/* O_TMPFILE */
#include <sys/prctl.h>
#include <sys/resource.h>

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
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
 * The allow-list compiled once to a classic BPF program (in the template,
 * before it forks), so a worker only patches in its pid and hands the
 * program to the kernel: building it with libseccomp costs a worker
 * about 0.1 ms and a dozen heap pages. The tgkill rule compares with
 * SANDBOX_PID_MARK, a value no pid can have (pid_max is at most 2^22);
 * pid_at is the one instruction that compares with it.
 */
#define SANDBOX_PID_MARK	0x5eedf00du
#define SANDBOX_PROG_MAX	512	/* instructions; we make about 100 */

static struct sock_filter	sandbox_prog[SANDBOX_PROG_MAX];
static unsigned short		sandbox_len;
static int			sandbox_pid_at = -1;

/*
 * Build the allow-list with libseccomp. open/openat only without write
 * access and without O_CREAT/O_TRUNC (importScripts reads files); tgkill
 * only to pid. 0 or -errno.
 */
static int
sandbox_rules(scmp_filter_ctx ctx, uint32_t pid)
{
	const scmp_datum_t	 wmask = O_ACCMODE | O_CREAT | O_TRUNC |
				    O_APPEND | O_TMPFILE;
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof sandbox_allowed / sizeof sandbox_allowed[0];
	    i++)
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
		    sandbox_allowed[i], 0)) < 0 && rc != -EDOM)
			return rc;
	/* abort() signals itself; no other process may be signalled. */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
	    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)pid, 0))) < 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, wmask, O_RDONLY))) < 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(open), 1,
	    SCMP_A1(SCMP_CMP_MASKED_EQ, wmask, O_RDONLY))) < 0)
		return rc;
	return 0;
}

/*
 * Compile the allow-list into sandbox_prog (libseccomp exports it into
 * a pipe; it is a few hundred bytes). 0 or -errno.
 */
int
sandbox_prepare(void)
{
	scmp_filter_ctx	ctx;
	ssize_t		n;
	size_t		got = 0, i;
	int		p[2] = { -1, -1 }, rc;

	if (sandbox_len > 0)
		return 0;
	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		return -ENOMEM;
	/*
	 * A binary tree of system call numbers, not a chain: the kernel
	 * runs the filter for every call number when it loads it (its
	 * cache of constant answers), and this halves that (80 -> 40 us).
	 */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)) < 0 ||
	    (rc = sandbox_rules(ctx, SANDBOX_PID_MARK)) < 0)
		goto fail;
	if (pipe2(p, O_CLOEXEC) < 0) {
		rc = -errno;
		goto fail;
	}
	if ((rc = seccomp_export_bpf(ctx, p[1])) < 0)
		goto fail;
	close(p[1]);
	p[1] = -1;
	while ((n = read(p[0], (char *)sandbox_prog + got,
	    sizeof sandbox_prog - got)) > 0)
		got += (size_t)n;
	rc = -EPROTO;
	if (n < 0 || got == sizeof sandbox_prog || got == 0 ||
	    got % sizeof sandbox_prog[0] != 0)
		goto fail;
	/* Exactly one comparison with the mark, or we cannot patch it. */
	for (i = 0; i < got / sizeof sandbox_prog[0]; i++) {
		if (sandbox_prog[i].code != (BPF_JMP | BPF_JEQ | BPF_K) ||
		    sandbox_prog[i].k != SANDBOX_PID_MARK)
			continue;
		if (sandbox_pid_at >= 0)
			goto fail;
		sandbox_pid_at = (int)i;
	}
	if (sandbox_pid_at < 0)
		goto fail;
	sandbox_len = (unsigned short)(got / sizeof sandbox_prog[0]);
	rc = 0;
fail:
	if (rc < 0)
		sandbox_pid_at = -1;
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	seccomp_release(ctx);
	return rc;
}

/*
 * Install the allow-list (compiled by sandbox_prepare, now if it was
 * not) for this process; no_new_privs must be set (sandbox_limits).
 * 0 or -errno.
 */
int
sandbox_seccomp(void)
{
	struct sock_fprog	fp;
	int			rc;

	if ((rc = sandbox_prepare()) < 0)
		return rc;
	sandbox_prog[sandbox_pid_at].k = (uint32_t)getpid();
	fp.len = sandbox_len;
	fp.filter = sandbox_prog;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp, 0, 0) < 0)
		return -errno;
	return 0;
}
