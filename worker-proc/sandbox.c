/*
 * sandbox.c: what confines a wwd-worker: the JS heap cap (mujs's
 * allocator hook counts every block; over the cap an allocation fails
 * and mujs throws a catchable "out of memory"), resource limits with
 * RLIMIT_DATA as the hard backstop, no_new_privs, and a seccomp
 * allow-list installed before the script runs: any other system call
 * kills this process only (SCMP_ACT_KILL_PROCESS). open is allowed
 * read-only, for importScripts. The filter comes in two layers: the
 * template loads the outer one before it forks, and each worker only a
 * short inner one (sandbox_template, sandbox_seccomp).
 */
#define _GNU_SOURCE	/* O_TMPFILE */
#include <sys/prctl.h>
#include <sys/resource.h>

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
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
#define SANDBOX_GC_MIN		(1024u * 1024) /* growth before a GC */
#define SANDBOX_MMAP_MIN	(4u * 1024 * 1024) /* larger: own mapping */
#define SANDBOX_KEEP		(8u * 1024 * 1024) /* free heap kept */

/* Each block carries its size in front, kept max_align_t aligned. */
#define SANDBOX_HDR	sizeof(max_align_t)

/*
 * The heap's pacing. mujs collects by the number of allocations, blind
 * to their size: a worker taking large strings filled its whole cap with
 * garbage first, every string in newly faulted pages. So a collection
 * also comes at a task's end once the heap grew by as much again as it
 * held after the last one (by SANDBOX_GC_MIN at least), and malloc keeps
 * what a collection frees for the next strings instead of handing it
 * back to the kernel (an idle worker never frees that much, and keeps
 * nothing more). SANDBOX_GC_MIN is small enough for the strings freed
 * to be reused while still in the CPU's cache: at 4 MiB, 64 KiB
 * messages were copied into cold memory and moved 10% slower. Before
 * the state is created.
 */
void
sandbox_heap_init(struct sandbox_heap *h)
{
	mallopt(M_MMAP_THRESHOLD, SANDBOX_MMAP_MIN);
	mallopt(M_TRIM_THRESHOLD, SANDBOX_KEEP);
	h->gc_at = h->used + SANDBOX_GC_MIN;
}

/*
 * At a task's end: collect when over the cap or past the pace. The
 * first such collection also opens the pool of small blocks: a worker
 * that never gets this far (start-up, idle) keeps its heap as malloc
 * laid it out, blocks grown in place and freed ones reused by any size.
 */
void
sandbox_collect(js_State *J, struct sandbox_heap *h)
{
	if (!h->over && h->used <= h->gc_at)
		return;
	h->pool_max = SANDBOX_POOLED;
	js_gc(J, 0);
	h->gc_at = h->used + (h->used > SANDBOX_GC_MIN ? h->used :
	    SANDBOX_GC_MIN);
}

/*
 * A block from the pool of its size class, else from malloc, with its
 * size (rounded up to its class if small) in front. NULL if out.
 */
static unsigned char *
heap_get(struct sandbox_heap *h, size_t size)
{
	unsigned char	*p;

	if (size <= SANDBOX_SMALL && (p = h->pool[size / 16]) != NULL) {
		memcpy(&h->pool[size / 16], p + SANDBOX_HDR, sizeof(void *));
		h->pooled -= size;
		return p;
	}
	if ((p = malloc(SANDBOX_HDR + size)) != NULL)
		memcpy(p, &size, sizeof size);
	return p;
}

/* Give a block of this size back: to its pool while there is room. */
static void
heap_put(struct sandbox_heap *h, unsigned char *p, size_t size)
{
	if (size <= SANDBOX_SMALL && h->pooled + size <= h->pool_max) {
		memcpy(p + SANDBOX_HDR, &h->pool[size / 16], sizeof(void *));
		h->pool[size / 16] = p;
		h->pooled += size;
	} else
		free(p);
}

/*
 * mujs's allocator (js_Alloc): realloc semantics, size 0 frees. heap is
 * a struct sandbox_heap; NULL over the cap, which mujs turns into a
 * thrown "out of memory" the script can catch. Small blocks are pooled
 * by size once the pool is open: a collection frees thousands of
 * objects and properties at once, the next tasks make as many again,
 * and the pool hands them back without going through malloc's bins.
 */
void *
sandbox_alloc(void *heap, void *ptr, int size)
{
	struct sandbox_heap	*h = heap;
	unsigned char		*p = ptr, *q;
	size_t			 old = 0, want;

	if (p != NULL) {
		p -= SANDBOX_HDR;
		memcpy(&old, p, sizeof old);
	}
	if (size <= 0) {
		h->used -= old;
		/* Hysteresis: the next failure waits for the GC to free. */
		if (h->used < h->max / 2)
			h->over = 0;
		if (p != NULL)
			heap_put(h, p, old);
		return NULL;
	}
	/*
	 * A small block is rounded up to its class, 8 past a multiple of
	 * 16: with our header and malloc's own 8 bytes, that fills the
	 * chunk glibc would use anyway.
	 */
	want = (size_t)size;
	if (want <= SANDBOX_SMALL)
		want = ((want + 7) | 15) - 7;
	if (want == old)
		return ptr;
	/*
	 * Over the cap, one allocation fails (the script sees the error);
	 * then a reserve lets its catch block and the GC work, until use
	 * falls back under the cap.
	 */
	if (h->max > 0 && want > old) {
		size_t	total = h->used - old + want;

		if (total > h->max && !h->over) {
			h->over = 1;
			return NULL;
		}
		if (total > h->max + SANDBOX_RESERVE)
			return NULL;
	}
	if (p != NULL) {
		if ((q = realloc(p, SANDBOX_HDR + want)) == NULL)
			return NULL;
		memcpy(q, &want, sizeof want);
	} else if ((q = heap_get(h, want)) == NULL)
		return NULL;
	h->used = h->used - old + want;
	return q + SANDBOX_HDR;
}

/* Give every pooled block back to malloc. */
void
sandbox_heap_clear(struct sandbox_heap *h)
{
	unsigned char	*p;
	size_t		 i;

	for (i = 0; i < SANDBOX_CLASSES; i++)
		while ((p = h->pool[i]) != NULL) {
			memcpy(&h->pool[i], p + SANDBOX_HDR, sizeof(void *));
			free(p);
		}
	h->pooled = 0;
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
	/* realpath() of a path that ends in a slash (importScripts) */
	SCMP_SYS(access), SCMP_SYS(faccessat), SCMP_SYS(faccessat2),
};

/*
 * What the template and a new worker do beyond that list, before the
 * worker loads its own filter: fork (clone), take the worker's uid and
 * channel, name itself, and set up its loop.
 */
static const int sandbox_template_only[] = {
	SCMP_SYS(clone), SCMP_SYS(clone3), SCMP_SYS(dup2), SCMP_SYS(dup3),
	SCMP_SYS(prctl), SCMP_SYS(setgroups), SCMP_SYS(setgid),
	SCMP_SYS(setuid), SCMP_SYS(close_range), SCMP_SYS(epoll_create1),
	SCMP_SYS(pipe2), SCMP_SYS(eventfd2),
};

/*
 * Two filters, stacked. The outer one is the allow-list plus the
 * template's own calls; the template loads it once, before it forks, so
 * each worker inherits it for free. The inner one, which each worker
 * loads, only takes the template's calls away again and allows tgkill
 * only to the worker's own pid: it is short, and the kernel evaluates it
 * for just the calls the outer one allows, so loading it costs a worker
 * a fraction of the whole list (loading that one was 60 us of each
 * spawn). Both are compiled once with libseccomp, in the template; a
 * worker patches its pid into the inner one, whose tgkill rule compares
 * with SANDBOX_PID_MARK, a value no pid can have (pid_max is at most
 * 2^22); pid_at is the one instruction that compares with it.
 */
#define SANDBOX_PID_MARK	0x5eedf00du
#define SANDBOX_PROG_MAX	512	/* instructions; we make about 100 */

struct sandbox_filter {
	struct sock_filter	prog[SANDBOX_PROG_MAX];
	unsigned short		len;
	int			pid_at;		/* or -1: names no pid */
};

static struct sandbox_filter	sandbox_outer, sandbox_inner;
static int			sandbox_outer_on; /* loaded in this process */

/* Add rules with action act for the n system calls in nr. */
static int
sandbox_add(scmp_filter_ctx ctx, uint32_t act, const int *nr, size_t n)
{
	size_t	i;
	int	rc;

	for (i = 0; i < n; i++)
		if ((rc = seccomp_rule_add(ctx, act, nr[i], 0)) < 0 &&
		    rc != -EDOM)
			return rc;
	return 0;
}

#define SANDBOX_ADD(ctx, act, list) \
	sandbox_add(ctx, act, list, sizeof list / sizeof list[0])

/*
 * The outer filter's rules: the allow-list and the template's calls;
 * open/openat only without write access and without O_CREAT/O_TRUNC
 * (importScripts reads files); tgkill (abort) to any pid, which the inner
 * filter narrows.
 */
static int
sandbox_outer_rules(scmp_filter_ctx ctx)
{
	const scmp_datum_t	 wmask = O_ACCMODE | O_CREAT | O_TRUNC |
				    O_APPEND | O_TMPFILE;
	int			 rc;

	if ((rc = SANDBOX_ADD(ctx, SCMP_ACT_ALLOW, sandbox_allowed)) < 0 ||
	    (rc = SANDBOX_ADD(ctx, SCMP_ACT_ALLOW,
	    sandbox_template_only)) < 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill),
	    0)) < 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, wmask, O_RDONLY))) < 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(open), 1,
	    SCMP_A1(SCMP_CMP_MASKED_EQ, wmask, O_RDONLY))) < 0)
		return rc;
	return 0;
}

/* The inner filter's rules: no template call; tgkill only to itself. */
static int
sandbox_inner_rules(scmp_filter_ctx ctx)
{
	int	rc;

	if ((rc = SANDBOX_ADD(ctx, SCMP_ACT_KILL_PROCESS,
	    sandbox_template_only)) < 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS,
	    SCMP_SYS(tgkill), 1, SCMP_A0(SCMP_CMP_NE,
	    (scmp_datum_t)SANDBOX_PID_MARK, 0))) < 0)
		return rc;
	return 0;
}

/*
 * Compile the rules of one filter (default action def) into f:
 * libseccomp exports the program into a pipe (a few hundred bytes).
 * 0 or -errno.
 */
static int
sandbox_compile(struct sandbox_filter *f, uint32_t def,
    int (*rules)(scmp_filter_ctx))
{
	struct sock_filter	*in;
	scmp_filter_ctx		 ctx;
	ssize_t			 n;
	size_t			 got = 0, i;
	int			 p[2] = { -1, -1 }, rc;

	if ((ctx = seccomp_init(def)) == NULL)
		return -ENOMEM;
	/*
	 * A binary tree of system call numbers, not a chain: the kernel
	 * runs the filter for every call number when it loads it (its
	 * cache of constant answers), and this halves that (80 -> 40 us).
	 */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)) < 0 ||
	    (rc = rules(ctx)) < 0)
		goto fail;
	if (pipe2(p, O_CLOEXEC) < 0) {
		rc = -errno;
		goto fail;
	}
	if ((rc = seccomp_export_bpf(ctx, p[1])) < 0)
		goto fail;
	close(p[1]);
	p[1] = -1;
	while ((n = read(p[0], (char *)f->prog + got,
	    sizeof f->prog - got)) > 0)
		got += (size_t)n;
	rc = -EPROTO;
	if (n < 0 || got == sizeof f->prog || got == 0 ||
	    got % sizeof f->prog[0] != 0)
		goto fail;
	/* At most one comparison with the mark, or we cannot patch it. */
	f->pid_at = -1;
	for (i = 0; i < got / sizeof f->prog[0]; i++) {
		in = &f->prog[i];
		if (in->code != (BPF_JMP | BPF_JEQ | BPF_K) ||
		    in->k != SANDBOX_PID_MARK)
			continue;
		if (f->pid_at >= 0)
			goto fail;
		f->pid_at = (int)i;
	}
	f->len = (unsigned short)(got / sizeof f->prog[0]);
	rc = 0;
fail:
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	seccomp_release(ctx);
	return rc;
}

/* Compile both filters, once. 0 or -errno. */
int
sandbox_prepare(void)
{
	int	rc;

	if (sandbox_inner.len > 0)
		return 0;
	if ((rc = sandbox_compile(&sandbox_outer, SCMP_ACT_KILL_PROCESS,
	    sandbox_outer_rules)) < 0 ||
	    (rc = sandbox_compile(&sandbox_inner, SCMP_ACT_ALLOW,
	    sandbox_inner_rules)) < 0)
		return rc;
	if (sandbox_inner.pid_at < 0) {
		sandbox_inner.len = 0;
		return -EPROTO;
	}
	return 0;
}

static int
sandbox_load(struct sandbox_filter *f)
{
	struct sock_fprog	fp = { f->len, f->prog };

	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp, 0, 0) < 0 ?
	    -errno : 0;
}

/*
 * The template, before it forks: no_new_privs and the outer filter,
 * which every worker it forks inherits. 0 or -errno.
 */
int
sandbox_template(void)
{
	int	rc;

	if ((rc = sandbox_prepare()) < 0)
		return rc;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if ((rc = sandbox_load(&sandbox_outer)) < 0)
		return rc;
	sandbox_outer_on = 1;
	return 0;
}

/*
 * Confine this worker: the inner filter, with its own pid, over the
 * outer one (loaded now if the process did not inherit it from the
 * template). no_new_privs must be set (sandbox_limits). 0 or -errno.
 */
int
sandbox_seccomp(void)
{
	int	rc;

	if ((rc = sandbox_prepare()) < 0)
		return rc;
	if (!sandbox_outer_on) {
		if ((rc = sandbox_load(&sandbox_outer)) < 0)
			return rc;
		sandbox_outer_on = 1;
	}
	sandbox_inner.prog[sandbox_inner.pid_at].k = (uint32_t)getpid();
	return sandbox_load(&sandbox_inner);
}
