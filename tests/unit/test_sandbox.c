/*
 * test_sandbox.c: wwd-worker's confinement (worker-proc/sandbox.c), in
 * forked children of the test: the seccomp allow-list kills a process
 * that makes a forbidden call (a socket, a file opened for writing) and
 * lets it read files (importScripts) and run on, also when compiled
 * before the fork as the template does, and when a worker forked by a
 * template under the outer filter adds the inner one; the heap allocator
 * refuses past the cap once, then opens a reserve until use falls back.
 */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "worker.h"

/* Run fn in a child under the filter; its wait status. */
static int
sandboxed(void (*fn)(void))
{
	pid_t	pid;
	int	status;

	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		if (sandbox_limits(0) < 0 || sandbox_seccomp() < 0)
			_exit(100);
		fn();
		_exit(0);
	}
	cr_assert(waitpid(pid, &status, 0) == pid);
	return status;
}

/*
 * As the template does: a child loads the outer filter and forks (a raw
 * clone, CLONE_PARENT, so the test reaps) a worker that loads the inner
 * one and runs fn. The worker's wait status.
 */
static int
templated(void (*fn)(void))
{
	pid_t	t, w = 0;
	int	p[2], status;

	cr_assert(pipe(p) == 0);
	t = fork();
	cr_assert(t >= 0);
	if (t == 0) {
		if (sandbox_template() < 0)
			_exit(100);
		w = (pid_t)syscall(SYS_clone, CLONE_PARENT, 0UL, 0UL, 0UL,
		    0UL);
		if (w == 0) {
			if (sandbox_limits(0) < 0 || sandbox_seccomp() < 0)
				_exit(100);
			fn();
			_exit(0);
		}
		_exit(write(p[1], &w, sizeof w) == sizeof w && w > 0 ? 0 :
		    101);
	}
	close(p[1]);
	cr_assert(waitpid(t, &status, 0) == t && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "template: status %#x", status);
	cr_assert(read(p[0], &w, sizeof w) == sizeof w);
	close(p[0]);
	cr_assert(waitpid(w, &status, 0) == w);
	return status;
}

static void
do_socket(void)
{
	(void)socket(AF_INET, SOCK_STREAM, 0);
}

static void
do_open_write(void)
{
	(void)open("/tmp/wwd-sandbox-test", O_WRONLY | O_CREAT, 0600);
}

static void
do_open_read(void)
{
	char	buf[16];
	int	fd = open("/etc/hostname", O_RDONLY);

	if (fd < 0 || read(fd, buf, sizeof buf) < 0)
		_exit(3);
	close(fd);
}

/* A call only the template may make (the worker's loop is set up). */
static void
do_pipe(void)
{
	int	p[2];

	(void)pipe2(p, 0);
}

static void
do_kill_parent(void)
{
	(void)kill(getppid(), SIGCONT);
}

Test(sandbox, forbidden_calls_kill_the_process)
{
	int	st;

	st = sandboxed(do_socket);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "status %#x",
	    st);
	st = sandboxed(do_open_write);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "status %#x",
	    st);
	st = sandboxed(do_kill_parent);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "status %#x",
	    st);
	st = sandboxed(do_pipe);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "status %#x",
	    st);
	cr_assert(access("/tmp/wwd-sandbox-test", F_OK) != 0);
}

static void
do_abort(void)
{
	abort();	/* tgkill on its own pid: allowed */
}

static void
do_tgkill_parent(void)
{
	(void)syscall(SYS_tgkill, getppid(), getppid(), SIGCONT);
}

/*
 * The template compiles the filter once and its forks load it: the
 * tgkill rule must name each child's own pid, not the compiler's.
 */
Test(sandbox, filter_compiled_before_fork_names_the_child)
{
	int	st;

	cr_assert(sandbox_prepare() == 0);
	st = sandboxed(do_abort);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "status %#x",
	    st);
	st = sandboxed(do_tgkill_parent);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "status %#x",
	    st);
}

Test(sandbox, reading_files_is_allowed)
{
	int	st = sandboxed(do_open_read);

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}

Test(sandbox, heap_cap_refuses_then_reserves)
{
	struct sandbox_heap	 h = { .max = 4096 };
	void			*a, *b, *c;

	a = sandbox_alloc(&h, NULL, 3000);
	cr_assert(a != NULL && h.used == 3000);
	cr_assert(sandbox_alloc(&h, NULL, 2000) == NULL, "over the cap");
	cr_assert(h.over);
	b = sandbox_alloc(&h, NULL, 2000);
	cr_assert(b != NULL, "the reserve serves the catch block");
	cr_assert(sandbox_alloc(&h, NULL, 2u << 20) == NULL);
	c = sandbox_alloc(&h, a, 104);
	cr_assert(c != NULL && h.used == 2104);
	sandbox_alloc(&h, b, 0);
	cr_assert(h.used == 104 && !h.over, "under half the cap again");
	sandbox_alloc(&h, c, 0);
	cr_assert(h.used == 0);
	sandbox_heap_clear(&h);
}

/*
 * Small blocks are counted at their class (8 past a multiple of 16).
 * The pool opens at the first collection at a task's end; then a freed
 * block comes back from its class's pool, up to SANDBOX_POOLED bytes in
 * all, and clearing empties it. Resizing keeps the bytes.
 */
Test(sandbox, small_blocks_are_pooled_by_class)
{
	static char		*many[SANDBOX_POOLED / SANDBOX_SMALL + 100];
	struct sandbox_heap	 h = { 0 };
	js_State		*J;
	char			*a, *b;
	size_t			 i, n = sizeof many / sizeof many[0];

	sandbox_heap_init(&h);
	a = sandbox_alloc(&h, NULL, 100);
	cr_assert(a != NULL && h.used == 104, "counted at its class");
	sandbox_alloc(&h, a, 0);
	cr_assert(h.used == 0 && h.pooled == 0, "the pool is not open yet");
	cr_assert((J = js_newstate(sandbox_alloc, &h, 0)) != NULL);
	sandbox_collect(J, &h);
	cr_assert(h.pool_max == 0, "no collection was due");
	h.gc_at = 0;
	sandbox_collect(J, &h);
	cr_assert(h.pool_max == SANDBOX_POOLED, "the first collection opens it");
	js_freestate(J);
	cr_assert(h.used == 0);
	sandbox_heap_clear(&h);

	a = sandbox_alloc(&h, NULL, 100);
	sandbox_alloc(&h, a, 0);
	cr_assert(h.pooled == 104);
	b = sandbox_alloc(&h, NULL, 89);
	cr_assert(b == a && h.used == 104 && h.pooled == 0,
	    "the class's pooled block");
	memset(b, 'x', 89);
	a = sandbox_alloc(&h, b, 5000);
	cr_assert(a != NULL && h.used == 5000 && a[88] == 'x');
	b = sandbox_alloc(&h, a, 16);
	cr_assert(b != NULL && h.used == 24 && b[15] == 'x');
	sandbox_alloc(&h, b, 0);
	for (i = 0; i < n; i++)
		cr_assert((many[i] = sandbox_alloc(&h, NULL, 248)) != NULL);
	for (i = 0; i < n; i++)
		sandbox_alloc(&h, many[i], 0);
	cr_assert(h.used == 0);
	cr_assert(h.pooled <= SANDBOX_POOLED &&
	    h.pooled > SANDBOX_POOLED - SANDBOX_SMALL, "%zu", h.pooled);
	sandbox_heap_clear(&h);
	cr_assert(h.pooled == 0);
	for (i = 0; i < SANDBOX_CLASSES; i++)
		cr_assert(h.pool[i] == NULL);
}

/*
 * A worker forked by a template under the outer filter: the inner one
 * takes the template's calls away, tgkill reaches only itself, the
 * allow-list holds, and files can be read.
 */
Test(sandbox, worker_of_a_template_is_confined)
{
	int	st;

	st = templated(do_pipe);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "status %#x",
	    st);
	st = templated(do_tgkill_parent);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "status %#x",
	    st);
	st = templated(do_socket);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "status %#x",
	    st);
	st = templated(do_abort);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "status %#x",
	    st);
	st = templated(do_open_read);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}
