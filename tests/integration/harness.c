/*
 * harness.c: the integration-test harness (see harness.h). Runs in the
 * Criterion test process, which owns the wwd child, every wwctl child
 * and every raw connection it opens; harness_teardown checks that the
 * test left no process, descriptor or file behind. Failures are reported
 * with cr_assert, carrying the daemon log or the child's output.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"
#include "json.h"
#include "template.h"

#ifndef WWD_BIN_DIR
#error "WWD_BIN_DIR must name the directory holding wwd and wwctl"
#endif
#ifndef WWD_JS_DIR
#error "WWD_JS_DIR must name tests/js"
#endif

struct harness harness;

/*
 * Descriptors and children the harness opened for the running test and
 * not yet released: a failed cr_assert leaves the test function at once,
 * so the teardown releases these before it checks for leaks.
 */
#define TRACK_MAX 64
static int	tracked_fds[TRACK_MAX];
static int	ntracked_fds;
static pid_t	tracked_pids[TRACK_MAX];
static int	ntracked_pids;

static void
track_fd(int fd)
{
	cr_assert(ntracked_fds < TRACK_MAX, "too many open descriptors");
	tracked_fds[ntracked_fds++] = fd;
}

/* Close a tracked descriptor (a no-op for -1). */
static void
close_fd(int fd)
{
	int	i;

	if (fd < 0)
		return;
	for (i = 0; i < ntracked_fds; i++)
		if (tracked_fds[i] == fd) {
			tracked_fds[i] = tracked_fds[--ntracked_fds];
			break;
		}
	close(fd);
}

static void
track_pid(pid_t pid)
{
	cr_assert(ntracked_pids < TRACK_MAX, "too many children");
	tracked_pids[ntracked_pids++] = pid;
}

static void
untrack_pid(pid_t pid)
{
	int	i;

	for (i = 0; i < ntracked_pids; i++)
		if (tracked_pids[i] == pid) {
			tracked_pids[i] = tracked_pids[--ntracked_pids];
			return;
		}
}

/* Kill and reap what a failed test left running, close what it left. */
static void
release_tracked(void)
{
	while (ntracked_pids > 0) {
		pid_t	pid = tracked_pids[--ntracked_pids];

		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	while (ntracked_fds > 0)
		close(tracked_fds[--ntracked_fds]);
}

static int
pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* CLOCK_MONOTONIC in milliseconds, for deadlines. */
long long
harness_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
left_ms(long long deadline)
{
	long long	left = deadline - harness_now_ms();

	return left < 0 ? 0 : (int)left;
}

/* Wait until fd is readable; 1 readable, 0 on timeout. */
static int
wait_readable(int fd, int timeout_ms)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	long long	deadline = harness_now_ms() + timeout_ms;
	int		n;

	for (;;) {
		n = poll(&pfd, 1, left_ms(deadline));
		if (n > 0)
			return 1;
		if (n == 0)
			return 0;
		cr_assert(errno == EINTR, "poll: %s", strerror(errno));
	}
}

/*
 * In a forked child: move the given descriptors to 0, 1, 2 (and 3 when
 * extra >= 0), close everything else, restore default signal handling
 * and exec. SIGTERM comes when the test process dies, so a killed test
 * run leaves no daemon (nor its workers) behind. Never returns.
 */
static void
child_exec(int in, int out, int err, int extra, char *const argv[])
{
	int		src[4] = { in, out, err, extra };
	int		n = extra >= 0 ? 4 : 3, i;
	pid_t		parent = getppid();
	sigset_t	set;

	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
		_exit(126);

	/* Out of the way first, so no dup2 clobbers a later source. */
	for (i = 0; i < n; i++)
		if ((src[i] = fcntl(src[i], F_DUPFD, 10)) < 0)
			_exit(126);
	for (i = 0; i < n; i++)
		if (dup2(src[i], i) < 0)
			_exit(126);
	close_range((unsigned)n, ~0U, 0);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	execv(argv[0], argv);
	dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* The daemon's log so far (for failure messages); the caller frees. */
static char *
daemon_log(const struct harness *h)
{
	char	*s = harness_read_file(h->log);

	return s != NULL ? s : strdup("(no log)");
}

/* Fixture .init: ignore SIGPIPE, note our descriptors, start wwd. */
/*
 * Criterion 2.4 prints a failed assertion in a .fini fixture but still
 * counts the test as passed, so harness_teardown's checks (wwd's exit
 * status, hence LeakSanitizer and valgrind; orphans; our descriptors)
 * would fail nothing. Set while a teardown has not completed; at exit it
 * aborts the test process, which makes the test binary fail.
 */
static int	teardown_pending;

static void
teardown_check(void)
{
	if (!teardown_pending)
		return;
	fprintf(stderr, "harness: the teardown checks failed (see above)\n");
	abort();
}

void
harness_setup(void)
{
	harness_setup_nostart();
	harness_start(&harness);
}

/* Fixture .init for tests that start wwd themselves (harness_start_*). */
void
harness_setup_nostart(void)
{
	static int	registered;

	if (!registered && atexit(teardown_check) == 0)
		registered = 1;
	teardown_pending = 1;
	signal(SIGPIPE, SIG_IGN);
	ntracked_fds = ntracked_pids = 0;
	memset(&harness, 0, sizeof harness);
	harness.pidfd = -1;
	harness.fds = harness_count_fds(getpid());
}

/* Fixture .fini: stop wwd, then check we leaked no descriptor. */
void
harness_teardown(void)
{
	int	fds;

	release_tracked();
	harness_stop(&harness);
	fds = harness_count_fds(getpid());
	cr_assert(fds == harness.fds,
	    "the test process holds %d descriptors at the end, %d at the "
	    "start:\n%s", fds, harness.fds, harness_fd_list(getpid()));
	teardown_pending = 0;
}

/*
 * Start wwd in the foreground on h->sock in a fresh temporary directory
 * and wait (poll, bounded) for its ready byte.
 */
void
harness_start(struct harness *h)
{
	harness_start_config(h, NULL);
}

/* Write text as h's configuration file (h->conf). */
void
harness_write_config(struct harness *h, const char *text)
{
	FILE	*f;

	snprintf(h->conf, sizeof h->conf, "%s/wwd.conf", h->dir);
	f = fopen(h->conf, "w");
	cr_assert(f != NULL, "fopen %s: %s", h->conf, strerror(errno));
	cr_assert(fputs(text, f) >= 0 && fclose(f) == 0, "write %s",
	    h->conf);
}

/*
 * Like harness_start, with config text (NULL: none) written to
 * dir/wwd.conf and given with --config.
 */
void
harness_start_config(struct harness *h, const char *config)
{
	const char	*tmp = getenv("TMPDIR");
	char		*argv[20], *log, *vg, *w;
	int		 ready[2], logfd, nullfd, rc, i;
	char		 byte;
	ssize_t		 n;

	if (tmp == NULL || *tmp == '\0' || strlen(tmp) > 40)
		tmp = "/tmp";
	snprintf(h->dir, sizeof h->dir, "%s/wwd-it.XXXXXX", tmp);
	cr_assert(mkdtemp(h->dir) != NULL, "mkdtemp: %s", strerror(errno));
	snprintf(h->sock, sizeof h->sock, "%s/wwd.sock", h->dir);
	snprintf(h->log, sizeof h->log, "%s/wwd.log", h->dir);
	cr_assert(pipe2(ready, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
	logfd = open(h->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert(logfd >= 0, "open %s: %s", h->log, strerror(errno));
	nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	cr_assert(nullfd >= 0, "open /dev/null: %s", strerror(errno));
	i = 0;
	/* Under valgrind (its path in WWD_ITEST_VALGRIND) any error or leak
	 * makes wwd exit 99, which harness_stop reports. */
	if ((vg = getenv("WWD_ITEST_VALGRIND")) != NULL) {
		argv[i++] = vg;
		argv[i++] = "--quiet";
		argv[i++] = "--error-exitcode=99";
		argv[i++] = "--leak-check=full";
		argv[i++] = "--show-leak-kinds=definite,indirect";
		argv[i++] = "--errors-for-leak-kinds=definite,indirect";
	}
	argv[i++] = WWD_BIN_DIR "/wwd";
	argv[i++] = "--foreground";
	argv[i++] = "--socket";
	argv[i++] = h->sock;
	argv[i++] = "--ready-fd";
	argv[i++] = "3";
	argv[i++] = "--log-level";
	argv[i++] = "debug";
	/* A test may stand a test program in for wwd-worker; valgrind
	 * hides where wwd lives, so then it is named too. */
	if ((w = getenv("WWD_ITEST_WORKER")) != NULL || vg != NULL) {
		argv[i++] = "--worker";
		argv[i++] = w != NULL ? w : WWD_BIN_DIR "/wwd-worker";
	}
	if (config != NULL) {
		harness_write_config(h, config);
		argv[i++] = "--config";
		argv[i++] = h->conf;
	}
	argv[i] = NULL;
	h->pid = fork();
	cr_assert(h->pid >= 0, "fork: %s", strerror(errno));
	if (h->pid == 0)
		child_exec(nullfd, logfd, logfd, ready[1], argv);
	close(ready[1]);
	close(logfd);
	close(nullfd);
	h->pidfd = pidfd_open_(h->pid);
	cr_assert(h->pidfd >= 0, "pidfd_open: %s", strerror(errno));
	rc = wait_readable(ready[0], HARNESS_TIMEOUT_MS);
	n = rc ? read(ready[0], &byte, 1) : -1;
	close(ready[0]);
	if (n != 1) {
		log = daemon_log(h);
		cr_assert_fail("wwd did not signal ready on --ready-fd within "
		    "%d ms (%s); its log:\n%s", HARNESS_TIMEOUT_MS,
		    rc ? "the pipe closed" : "timeout", log);
	}
}

/* Reap h->pid, waiting at most timeout_ms; 1 reaped, 0 not exited. */
static int
reap_daemon(struct harness *h, int timeout_ms, int *status)
{
	if (!wait_readable(h->pidfd, timeout_ms))
		return 0;
	cr_assert(waitpid(h->pid, status, 0) == h->pid, "waitpid: %s",
	    strerror(errno));
	return 1;
}

/*
 * Stop wwd with SIGTERM and check what the issue promises: exit status 0,
 * the socket removed, every worker gone. Then remove the temporary
 * directory. Cleans up first and asserts after, so a failure leaves
 * nothing behind.
 */
void
harness_stop(struct harness *h)
{
	pid_t	 pids[HARNESS_MAX_PIDS];
	int	 pidfds[HARNESS_MAX_PIDS];
	int	 n = 0, i, status = 0, died_early = 0, hung = 0, left = 0;
	int	 sock_left = 0;
	char	*log = NULL;

	if (h->pid > 0) {
		n = harness_descendants(h->pid, pids, HARNESS_MAX_PIDS);
		for (i = 0; i < n; i++)
			pidfds[i] = pidfd_open_(pids[i]);
		died_early = reap_daemon(h, 0, &status);
		if (!died_early) {
			kill(h->pid, SIGTERM);
			if (!reap_daemon(h, HARNESS_TIMEOUT_MS, &status)) {
				hung = 1;
				kill(h->pid, SIGKILL);
				waitpid(h->pid, &status, 0);
			}
		}
		for (i = 0; i < n; i++) {
			if (pidfds[i] < 0)
				continue;
			if (!wait_readable(pidfds[i], HARNESS_TIMEOUT_MS)) {
				left++;
				kill(pids[i], SIGKILL);
			}
			close(pidfds[i]);
		}
		close(h->pidfd);
		h->pidfd = -1;
		h->pid = 0;
	}
	if (h->dir[0] == '\0')
		return;
	sock_left = access(h->sock, F_OK) == 0;
	unlink(h->sock);
	log = daemon_log(h);
	if (getenv("WWD_ITEST_LOG") != NULL)
		fprintf(stderr, "---- wwd log (%s) ----\n%s----\n", h->dir,
		    log);
	unlink(h->log);
	if (h->conf[0] != '\0')
		unlink(h->conf);
	h->conf[0] = '\0';
	cr_assert(rmdir(h->dir) == 0, "rmdir %s: %s (a test left files)",
	    h->dir, strerror(errno));
	h->dir[0] = '\0';
	cr_assert(!died_early, "wwd died during the test (status 0x%x); "
	    "log:\n%s", status, log);
	cr_assert(!hung, "wwd did not exit within %d ms of SIGTERM; log:\n%s",
	    HARNESS_TIMEOUT_MS, log);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "wwd should exit 0 on SIGTERM, got %s %d; log:\n%s",
	    WIFEXITED(status) ? "exit status" : "signal",
	    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), log);
	cr_assert(!sock_left, "wwd did not remove its socket on SIGTERM");
	cr_assert(left == 0, "%d worker process(es) outlived wwd", left);
	free(log);
}

/*
 * Fill pids with every descendant of root (children, their children...),
 * zombies included, from /proc/<pid>/stat, except wwd's template
 * process. Returns how many.
 */
int
harness_descendants(pid_t root, pid_t *pids, int max)
{
	struct {
		pid_t			pid, ppid;
		unsigned long long	start;	/* since boot, in ticks */
		int			tmpl;	/* named like the template */
	}		*tab = NULL;
	size_t		 ntab = 0, cap = 0, i;
	unsigned long long start, oldest = ~0ULL;
	int		 old = -1;
	DIR		*d;
	struct dirent	*e;
	int		 n = 0, k, added;

	cr_assert((d = opendir("/proc")) != NULL, "opendir /proc");
	while ((e = readdir(d)) != NULL) {
		char	 path[64], buf[512], *p;
		FILE	*f;
		pid_t	 pid = (pid_t)atoi(e->d_name), ppid;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
		if ((f = fopen(path, "re")) == NULL)
			continue;
		p = fgets(buf, sizeof buf, f);
		fclose(f);
		/* "pid (comm) state ppid ... starttime": comm may hold ')'. */
		if (p == NULL || (p = strrchr(buf, ')')) == NULL ||
		    sscanf(p + 1, " %*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
		    "%*u %*u %*d %*d %*d %*d %*d %*d %llu", &ppid, &start) != 2)
			continue;
		if (ntab == cap) {
			cap = cap ? cap * 2 : 256;
			tab = realloc(tab, cap * sizeof *tab);
			cr_assert(tab != NULL);
		}
		tab[ntab].pid = pid;
		tab[ntab].ppid = ppid;
		tab[ntab].start = start;
		tab[ntab++].tmpl = strstr(buf, "(" TEMPLATE_COMM ")") != NULL;
	}
	closedir(d);
	/* Grow the set until no process has its parent in it. */
	do {
		added = 0;
		for (i = 0; i < ntab; i++) {
			int	in = tab[i].ppid == root, seen = 0;

			for (k = 0; k < n && !in; k++)
				in = tab[i].ppid == pids[k];
			for (k = 0; k < n && !seen; k++)
				seen = tab[i].pid == pids[k];
			if (in && !seen && n < max) {
				pids[n++] = tab[i].pid;
				added = 1;
			}
		}
	} while (added);
	/*
	 * wwd's template process is not a worker. A worker it has just
	 * forked bears its name until it renames itself: the template is
	 * the oldest process of that name under wwd.
	 */
	for (k = 0; k < n; k++)
		for (i = 0; i < ntab; i++)
			if (tab[i].pid == pids[k] && tab[i].tmpl &&
			    tab[i].start < oldest) {
				oldest = tab[i].start;
				old = k;
			}
	if (old >= 0)
		pids[old] = pids[--n];
	free(tab);
	return n;
}

/* How many descriptors process pid has open (-1 if it is gone). */
int
harness_count_fds(pid_t pid)
{
	char		 path[64];
	DIR		*d;
	struct dirent	*e;
	int		 n = 0;

	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	if (pid == getpid())
		n--; /* the directory stream itself */
	return n;
}

/*
 * A readable list of pid's descriptors and what they point at, for
 * failure messages. The caller frees it.
 */
char *
harness_fd_list(pid_t pid)
{
	char		 path[64], target[PATH_MAX], *out = NULL;
	size_t		 len = 0;
	FILE		*f = open_memstream(&out, &len);
	DIR		*d;
	struct dirent	*e;
	ssize_t		 n;

	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	if (f == NULL)
		return strdup("(open_memstream failed)");
	if ((d = opendir(path)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			char	link[320];

			if (e->d_name[0] == '.')
				continue;
			snprintf(link, sizeof link, "%s/%s", path, e->d_name);
			n = readlink(link, target, sizeof target - 1);
			target[n < 0 ? 0 : n] = '\0';
			fprintf(f, "  fd %s -> %s\n", e->d_name, target);
		}
		closedir(d);
	}
	fclose(f);
	return out;
}

/*
 * One full HELLO round trip on a fresh connection: when it returns, the
 * daemon has run its loop past everything that was ready before.
 */
void
harness_ping(struct harness *h)
{
	struct rawc	c;

	rawc_connect(&c, h->sock);
	rawc_hello(&c);
	rawc_close(&c);
}

/*
 * Wait until exactly want processes are left under the daemon (exited
 * ones reaped): poll the pidfds of those there, and after any exits ping
 * wwd so that its loop handles SIGCHLD. Fails with the list after
 * timeout_ms.
 */
void
harness_wait_workers(struct harness *h, int want, int timeout_ms)
{
	long long	deadline = harness_now_ms() + timeout_ms;
	pid_t		pids[HARNESS_MAX_PIDS];
	struct pollfd	pfd[HARNESS_MAX_PIDS];
	int		n, i, vanished;

	for (;;) {
		n = harness_descendants(h->pid, pids, HARNESS_MAX_PIDS);
		if (n == want)
			return;
		cr_assert(n > want, "%d process(es) under wwd, expected %d",
		    n, want);
		cr_assert(harness_now_ms() < deadline,
		    "%d process(es) under wwd after %d ms, expected %d "
		    "(first: pid %d)", n, timeout_ms, want, (int)pids[0]);
		vanished = 0;
		for (i = 0; i < n; i++) {
			pfd[i].fd = pidfd_open_(pids[i]);
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
			vanished |= pfd[i].fd < 0;
		}
		/* Returns when one of them exits (or is already a zombie). */
		(void)poll(pfd, (nfds_t)n, vanished ? 0 : left_ms(deadline));
		for (i = 0; i < n; i++)
			if (pfd[i].fd >= 0)
				close(pfd[i].fd);
		harness_ping(h);
	}
}

/* Wait until no process is left under the daemon (see above). */
void
harness_wait_workers_gone(struct harness *h, int timeout_ms)
{
	harness_wait_workers(h, 0, timeout_ms);
}

/* Field (VmRSS, VmHWM, ...) of /proc/PID/status, in KiB. */
long
harness_status_kib(pid_t pid, const char *field)
{
	char	 path[64], line[256];
	long	 kib = -1;
	size_t	 n = strlen(field);
	FILE	*f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	cr_assert((f = fopen(path, "re")) != NULL, "open %s", path);
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, field, n) == 0 && line[n] == ':' &&
		    sscanf(line + n + 1, "%ld", &kib) == 1)
			break;
	fclose(f);
	cr_assert(kib >= 0, "no %s in %s", field, path);
	return kib;
}

/* The resident memory of pid in KiB. */
long
harness_rss_kib(pid_t pid)
{
	return harness_status_kib(pid, "VmRSS");
}

/*
 * The daemon's open descriptors, counted while one extra connection is
 * known to be accepted (so connections closed before are accounted).
 */
static int
daemon_fds(struct harness *h)
{
	struct rawc	c;
	int		n;

	rawc_connect(&c, h->sock);
	rawc_hello(&c);
	n = harness_count_fds(h->pid) - 1;
	rawc_close(&c);
	return n;
}

/*
 * Wait until the daemon holds exactly want descriptors (a count from
 * harness_daemon_fds). Fails with the list on timeout.
 */
void
harness_wait_fds(struct harness *h, int want, int timeout_ms)
{
	long long	deadline = harness_now_ms() + timeout_ms;
	int		n;

	for (;;) {
		n = daemon_fds(h);
		if (n == want)
			return;
		if (harness_now_ms() >= deadline)
			break;
	}
	cr_assert_fail("wwd holds %d descriptors, expected %d:\n%s", n, want,
	    harness_fd_list(h->pid));
}

/* A baseline for harness_wait_fds. */
int
harness_daemon_fds(struct harness *h)
{
	return daemon_fds(h);
}

/* Wait up to timeout_ms for a process to exit; 1 gone, 0 still there. */
int
harness_wait_pid_gone(pid_t pid, int timeout_ms)
{
	int	fd, gone;

	if ((fd = pidfd_open_(pid)) < 0)
		return errno == ESRCH;
	gone = wait_readable(fd, timeout_ms);
	close(fd);
	return gone;
}

/* The one process under wwd (the worker); fails unless exactly one. */
pid_t
harness_one_worker(struct harness *h)
{
	pid_t	pids[HARNESS_MAX_PIDS];
	int	n;

	n = harness_descendants(h->pid, pids, HARNESS_MAX_PIDS);
	cr_assert(n == 1, "expected exactly one worker process under wwd, "
	    "found %d", n);
	return pids[0];
}

/* WWD_JS_DIR/name, in one of a few rotating static buffers. */
const char *
harness_js(const char *name)
{
	static char	buf[8][PATH_MAX];
	static int	next;
	char		*p = buf[next++ % 8];

	snprintf(p, PATH_MAX, "%s/%s", WWD_JS_DIR, name);
	return p;
}

/* The file: URL of an absolute path; the caller frees it. */
char *
harness_file_url(const char *path)
{
	char	*url;

	cr_assert(asprintf(&url, "file://%s", path) >= 0);
	return url;
}

/* A whole file as a NUL-terminated string, or NULL; the caller frees. */
char *
harness_read_file(const char *path)
{
	FILE	*f;
	char	*s = NULL;
	size_t	 cap = 0, len = 0, n;

	if ((f = fopen(path, "re")) == NULL)
		return NULL;
	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			cr_assert((s = realloc(s, cap)) != NULL);
		}
		n = fread(s + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	s[len] = '\0';
	return s;
}

/* ---- child programs ---- */

static void
append(char **buf, size_t *len, size_t *cap, const char *p, size_t n)
{
	if (*cap - *len < n + 1) {
		while (*cap - *len < n + 1)
			*cap = *cap ? *cap * 2 : 4096;
		cr_assert((*buf = realloc(*buf, *cap)) != NULL);
	}
	memcpy(*buf + *len, p, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/* Start argv[0] with pipes on its stdin, stdout and stderr. */
void
proc_start(struct proc *p, char *const argv[])
{
	int	in[2], out[2], err[2];

	memset(p, 0, sizeof *p);
	cr_assert(pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0 &&
	    pipe2(err, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
	p->pid = fork();
	cr_assert(p->pid >= 0, "fork: %s", strerror(errno));
	if (p->pid == 0)
		child_exec(in[0], out[1], err[1], -1, argv);
	close(in[0]);
	close(out[1]);
	close(err[1]);
	p->in = in[1];
	p->out = out[0];
	p->err = err[0];
	track_pid(p->pid);
	track_fd(p->in);
	track_fd(p->out);
	track_fd(p->err);
	fcntl(p->in, F_SETFL, O_NONBLOCK);
	fcntl(p->out, F_SETFL, O_NONBLOCK);
	fcntl(p->err, F_SETFL, O_NONBLOCK);
	p->pidfd = pidfd_open_(p->pid);
	cr_assert(p->pidfd >= 0, "pidfd_open: %s", strerror(errno));
	track_fd(p->pidfd);
	append(&p->obuf, &p->olen, &p->ocap, "", 0);
	append(&p->ebuf, &p->elen, &p->ecap, "", 0);
}

static void
drain(int *fd, char **buf, size_t *len, size_t *cap)
{
	char	chunk[4096];
	ssize_t	n;

	for (;;) {
		n = read(*fd, chunk, sizeof chunk);
		if (n > 0) {
			append(buf, len, cap, chunk, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		close_fd(*fd);	/* EOF or error */
		*fd = -1;
		return;
	}
}

/*
 * One poll over the child's stdout and stderr (and stdin when want_in),
 * reading whatever is there. Returns the poll count (0 on timeout); with
 * want_in, *writable says whether stdin can take bytes.
 */
static int
proc_pump(struct proc *p, int timeout_ms, int want_in, int *writable)
{
	struct pollfd	pfd[3] = {
		{ p->out, POLLIN, 0 }, { p->err, POLLIN, 0 },
		{ want_in ? p->in : -1, POLLOUT, 0 },
	};
	int		n;

	if (p->out < 0 && p->err < 0 && !want_in)
		return 0;
	n = poll(pfd, 3, timeout_ms);
	if (n < 0) {
		cr_assert(errno == EINTR, "poll: %s", strerror(errno));
		return 1;
	}
	if (pfd[0].revents)
		drain(&p->out, &p->obuf, &p->olen, &p->ocap);
	if (pfd[1].revents)
		drain(&p->err, &p->ebuf, &p->elen, &p->ecap);
	if (writable != NULL)
		*writable = pfd[2].revents != 0;
	return n;
}

/*
 * Write s to the child's stdin, reading its output meanwhile so neither
 * side blocks. A child that closed its stdin (or exited) ends the write
 * quietly: whatever it does next is what the test checks.
 */
void
proc_write(struct proc *p, const char *s)
{
	long long	deadline = harness_now_ms() + HARNESS_TIMEOUT_MS;
	size_t		len = strlen(s), off = 0;
	int		writable = 0;
	ssize_t		n;

	cr_assert(p->in >= 0, "the child's stdin is already closed");
	while (off < len) {
		cr_assert(harness_now_ms() < deadline, "writing to the child's "
		    "stdin timed out after %d ms", HARNESS_TIMEOUT_MS);
		proc_pump(p, left_ms(deadline), 1, &writable);
		if (!writable)
			continue;
		n = write(p->in, s + off, len - off);
		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			return; /* EPIPE: the child stopped reading */
	}
}

/* Close the child's stdin (EOF for it). */
void
proc_close_stdin(struct proc *p)
{
	close_fd(p->in);
	p->in = -1;
}

/*
 * Read until stdout holds at least n complete lines. 1 when it does,
 * 0 if stdout reached EOF first, -ETIMEDOUT after timeout_ms.
 */
int
proc_wait_lines(struct proc *p, size_t n, int timeout_ms)
{
	long long	deadline = harness_now_ms() + timeout_ms;

	for (;;) {
		if (lines_count(p->obuf) >= n)
			return 1;
		if (p->out < 0)
			return 0;
		if (harness_now_ms() >= deadline)
			return -ETIMEDOUT;
		proc_pump(p, left_ms(deadline), 0, NULL);
	}
}

/*
 * Read the child's output to EOF and reap it, within timeout_ms. On
 * timeout the child is killed (SIGKILL) and reaped: -ETIMEDOUT. Else 0.
 */
int
proc_finish(struct proc *p, int timeout_ms)
{
	long long	deadline = harness_now_ms() + timeout_ms;
	int		timedout = 0;

	while (p->out >= 0 || p->err >= 0) {
		if (harness_now_ms() >= deadline) {
			timedout = 1;
			break;
		}
		proc_pump(p, left_ms(deadline), 0, NULL);
	}
	if (!timedout && !wait_readable(p->pidfd, left_ms(deadline)))
		timedout = 1;
	if (timedout)
		kill(p->pid, SIGKILL);
	cr_assert(waitpid(p->pid, &p->status, 0) == p->pid, "waitpid: %s",
	    strerror(errno));
	p->reaped = 1;
	untrack_pid(p->pid);
	return timedout ? -ETIMEDOUT : 0;
}

/* Kill the child if it still runs, reap it, free everything. */
void
proc_clear(struct proc *p)
{
	if (p->pid > 0 && !p->reaped) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, &p->status, 0);
		p->reaped = 1;
		untrack_pid(p->pid);
	}
	proc_close_stdin(p);
	close_fd(p->out);
	close_fd(p->err);
	close_fd(p->pidfd);
	p->out = p->err = p->pidfd = -1;
	free(p->obuf);
	free(p->ebuf);
	p->obuf = p->ebuf = NULL;
}

/* The child's exit status, or -1 if it was killed by a signal. */
int
proc_exit_code(const struct proc *p)
{
	if (!p->reaped || !WIFEXITED(p->status))
		return -1;
	return WEXITSTATUS(p->status);
}

/*
 * How the child ended and what it printed, for failure messages. The
 * string is leaked on purpose: it is only built for a failing assert's
 * message, and the test process ends right after.
 */
char *
proc_describe(const struct proc *p)
{
	char	*s = NULL;
	int	 rc;

	if (!p->reaped)
		rc = asprintf(&s, "still running\nstdout:\n%s\nstderr:\n%s",
		    p->obuf, p->ebuf);
	else if (WIFEXITED(p->status))
		rc = asprintf(&s, "exit status %d\nstdout:\n%s\nstderr:\n%s",
		    WEXITSTATUS(p->status), p->obuf, p->ebuf);
	else
		rc = asprintf(&s, "killed by signal %d\nstdout:\n%s\n"
		    "stderr:\n%s", WTERMSIG(p->status), p->obuf, p->ebuf);
	return rc < 0 ? "(out of memory)" : s;
}

#define WWCTL_MAX_ARGS 40

static void
wwctl_argv(char **argv, const char *first[], size_t nfirst, va_list ap)
{
	size_t		n = 0, i;
	const char	*a;

	argv[n++] = WWD_BIN_DIR "/wwctl";
	for (i = 0; i < nfirst; i++)
		argv[n++] = (char *)first[i];
	while ((a = va_arg(ap, const char *)) != NULL) {
		cr_assert(n < WWCTL_MAX_ARGS - 1, "too many wwctl arguments");
		argv[n++] = (char *)a;
	}
	argv[n] = NULL;
}

/*
 * Start `wwctl run --socket <h's socket> ARGS...` (a NULL-terminated
 * list of strings); the test drives it with proc_write and friends.
 */
void
wwctl_start(struct harness *h, struct proc *p, ...)
{
	const char	*first[] = { "run", "--socket", h->sock };
	char		*argv[WWCTL_MAX_ARGS];
	va_list		 ap;

	va_start(ap, p);
	wwctl_argv(argv, first, 3, ap);
	va_end(ap);
	proc_start(p, argv);
}

/*
 * Run `wwctl run --socket <h's socket> ARGS...` to completion with input
 * on its stdin (then EOF). A run that outlasts HARNESS_TIMEOUT_MS is
 * killed and fails the test.
 */
void
wwctl_run(struct harness *h, const char *input, struct proc *p, ...)
{
	const char	*first[] = { "run", "--socket", h->sock };
	char		*argv[WWCTL_MAX_ARGS];
	va_list		 ap;

	va_start(ap, p);
	wwctl_argv(argv, first, 3, ap);
	va_end(ap);
	proc_start(p, argv);
	proc_write(p, input);
	proc_close_stdin(p);
	cr_assert(proc_finish(p, HARNESS_TIMEOUT_MS) == 0,
	    "wwctl did not finish within %d ms; %s", HARNESS_TIMEOUT_MS,
	    proc_describe(p));
}

/* Run "wwctl CMD --socket h->sock ARGS..." to its end, like wwctl_run. */
void
wwctl_cmd(struct harness *h, struct proc *p, const char *cmd, ...)
{
	const char	*first[] = { cmd, "--socket", h->sock };
	char		*argv[WWCTL_MAX_ARGS];
	va_list		 ap;

	va_start(ap, cmd);
	wwctl_argv(argv, first, 3, ap);
	va_end(ap);
	proc_start(p, argv);
	proc_close_stdin(p);
	cr_assert(proc_finish(p, HARNESS_TIMEOUT_MS) == 0,
	    "wwctl did not finish within %d ms; %s", HARNESS_TIMEOUT_MS,
	    proc_describe(p));
}

/* Run wwctl with exactly the given arguments (NULL-ended), like above. */
void
wwctl_run_argv(const char *input, struct proc *p, char *const args[])
{
	char	*argv[WWCTL_MAX_ARGS];
	size_t	 n = 0;

	argv[n++] = WWD_BIN_DIR "/wwctl";
	for (; *args != NULL; args++) {
		cr_assert(n < WWCTL_MAX_ARGS - 1, "too many wwctl arguments");
		argv[n++] = *args;
	}
	argv[n] = NULL;
	proc_start(p, argv);
	proc_write(p, input);
	proc_close_stdin(p);
	cr_assert(proc_finish(p, HARNESS_TIMEOUT_MS) == 0,
	    "wwctl did not finish within %d ms; %s", HARNESS_TIMEOUT_MS,
	    proc_describe(p));
}

/* Run tests/js/<name>.js and compare its stdout with <name>.out. */
void
wwctl_expect_output(const char *name)
{
	struct proc	 p;
	char		*js, *out, *want;

	cr_assert(asprintf(&js, "%s.js", name) >= 0);
	cr_assert(asprintf(&out, "%s.out", name) >= 0);
	want = harness_read_file(harness_js(out));
	cr_assert(want != NULL, "tests/js/%s is missing", out);
	wwctl_run(&harness, "", &p, harness_js(js), NULL);
	cr_assert(proc_exit_code(&p) == 0, "wwctl should exit 0; %s",
	    proc_describe(&p));
	cr_assert_str_eq(p.obuf, want, "%s should print %s; %s", js, out,
	    proc_describe(&p));
	free(want);
	free(js);
	free(out);
	proc_clear(&p);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}

/* How many complete ('\n'-terminated) lines s holds. */
size_t
lines_count(const char *s)
{
	size_t	n = 0;

	for (; s != NULL && *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

/* A copy of complete line i (from 0) without its newline, or NULL. */
char *
lines_nth(const char *s, size_t i)
{
	const char	*nl;

	for (; i > 0; i--) {
		if ((nl = strchr(s, '\n')) == NULL)
			return NULL;
		s = nl + 1;
	}
	if ((nl = strchr(s, '\n')) == NULL)
		return NULL;
	return strndup(s, (size_t)(nl - s));
}

/*
 * Stdout line i of a finished child, parsed; the line must exist and be
 * JSON. The caller frees the result with json_free.
 */
struct json *
out_json(const struct proc *p, size_t i)
{
	struct json	*v;
	const char	*why = "";
	char		*line = lines_nth(p->obuf, i);

	cr_assert(line != NULL, "wwctl printed no line %zu; %s", i + 1,
	    proc_describe(p));
	v = json_parse(line, &why);
	cr_assert(v != NULL, "stdout line %zu is not JSON (%s): %s; %s",
	    i + 1, why, line, proc_describe(p));
	free(line);
	return v;
}

/* Assert that stdout line i equals the JSON text want, by value. */
void
expect_json_line(const struct proc *p, size_t i, const char *want)
{
	struct json	*got = out_json(p, i), *w;
	const char	*why = "";

	w = json_parse(want, &why);
	cr_assert(w != NULL, "bad expected JSON in the test: %s", why);
	cr_assert(json_equal(got, w), "stdout line %zu should be %s; %s",
	    i + 1, want, proc_describe(p));
	json_free(got);
	json_free(w);
}

/* ---- raw protocol client ---- */

/* Connect to the daemon's socket (blocking descriptor, no HELLO yet). */
void
rawc_connect(struct rawc *c, const char *path)
{
	struct sockaddr_un	sun;

	memset(c, 0, sizeof *c);
	ipc_buf_init(&c->in);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert(c->fd >= 0, "socket: %s", strerror(errno));
	track_fd(c->fd);
	cr_assert(connect(c->fd, (struct sockaddr *)&sun, sizeof sun) == 0,
	    "connect %s: %s", path, strerror(errno));
}

/* Send HELLO and read the daemon's, keeping its port range. */
void
rawc_hello(struct rawc *c)
{
	struct ipc_hello	hello = {
		IPC_VERSION, ipc_str("client"), ipc_str("wwd-itest 0.1.0"),
		0, 0, 0
	};
	struct ipc_buf		b;
	struct ipc_frame	f;
	const char		*why = "";

	ipc_buf_init(&b);
	cr_assert(ipc_hello_encode(&b, &hello) == 0);
	rawc_send_buf(c, &b);
	ipc_buf_clear(&b);
	cr_assert(rawc_read_until(c, IPC_HELLO, &f, HARNESS_TIMEOUT_MS) == 1,
	    "no HELLO from wwd");
	cr_assert(ipc_hello_decode(f.body, f.len, &hello, &why) == 0,
	    "wwd's HELLO does not decode: %s", why);
	cr_assert(hello.version == IPC_VERSION && ipc_str_eq(hello.role,
	    "daemon"), "wwd's HELLO: version %u role %.*s", hello.version,
	    (int)hello.role.len, hello.role.ptr);
	cr_assert(hello.port_count > 0, "wwd gave an empty port range");
	c->port_base = hello.port_base;
	c->port_count = hello.port_count;
}

/*
 * Send bytes. A daemon that already closed the connection (EPIPE,
 * ECONNRESET) is not an error here: the reads that follow tell.
 */
void
rawc_send(struct rawc *c, const void *p, size_t n)
{
	const uint8_t	*b = p;
	ssize_t		 w;

	while (n > 0) {
		w = send(c->fd, b, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EPIPE || errno == ECONNRESET))
			return;
		cr_assert(w > 0, "send: %s", strerror(errno));
		b += w;
		n -= (size_t)w;
	}
}

/* Send everything in b (b keeps its bytes; the caller clears it). */
void
rawc_send_buf(struct rawc *c, struct ipc_buf *b)
{
	rawc_send(c, ipc_buf_head(b), ipc_buf_used(b));
}

/*
 * Read the next frame (valid until the next read). 1 with f filled, 0 at
 * EOF (or reset), -ETIMEDOUT after timeout_ms. A frame the harness
 * cannot cut is a test failure: the daemon must send valid frames.
 */
int
rawc_read_frame(struct rawc *c, struct ipc_frame *f, int timeout_ms)
{
	long long	 deadline = harness_now_ms() + timeout_ms;
	const char	*why = "";
	ssize_t		 n;
	int		 rc;

	for (;;) {
		rc = ipc_frame_next(&c->in, IPC_FRAME_MAX, f, &why);
		cr_assert(rc >= 0, "wwd sent a bad frame: %s", why);
		if (rc == 1)
			return 1;
		if (!wait_readable(c->fd, left_ms(deadline)))
			return -ETIMEDOUT;
		cr_assert(ipc_buf_reserve(&c->in, 65536) == 0);
		n = read(c->fd, ipc_buf_tail(&c->in), 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || (n < 0 && errno == ECONNRESET)) {
			cr_assert(ipc_buf_used(&c->in) == 0, "wwd closed the "
			    "connection in the middle of a frame");
			return 0;
		}
		cr_assert(n > 0, "read: %s", strerror(errno));
		c->in.len += (size_t)n;
	}
}

/*
 * Read frames until one of the given type: 1 (f filled), 0 at EOF,
 * -ETIMEDOUT. An ERROR frame while waiting for something else fails the
 * test with the daemon's code and message.
 */
int
rawc_read_until(struct rawc *c, uint16_t type, struct ipc_frame *f,
    int timeout_ms)
{
	long long		 deadline = harness_now_ms() + timeout_ms;
	struct ipc_error	 e;
	const char		*why = "";
	int			 rc;

	for (;;) {
		rc = rawc_read_frame(c, f, left_ms(deadline));
		if (rc != 1)
			return rc;
		if (f->type == type)
			return 1;
		if (f->type == IPC_ERROR) {
			cr_assert(ipc_error_decode(f->body, f->len, &e, &why)
			    == 0, "undecodable ERROR from wwd: %s", why);
			cr_assert_fail("wwd sent ERROR {%.*s, %.*s} while the "
			    "test waited for %s", (int)e.code.len, e.code.ptr,
			    (int)e.message.len, e.message.ptr,
			    ipc_type_name(type));
		}
	}
}

/* Close the connection and free its buffer. */
void
rawc_close(struct rawc *c)
{
	close_fd(c->fd);
	c->fd = -1;
	ipc_buf_clear(&c->in);
}

/*
 * Send CREATE for a dedicated worker running the script at path (its
 * file: URL as the URL), on the new outside port.
 */
void
rawc_create(struct rawc *c, uint64_t port, const char *path)
{
	rawc_create_named(c, port, path, "");
}

/* The same, for a worker called name (self.name). */
void
rawc_create_named(struct rawc *c, uint64_t port, const char *path,
    const char *name)
{
	rawc_create_kind(c, port, path, "dedicated", name);
}

/* CREATE of kind ("dedicated", "shared") for script path, called name. */
void
rawc_create_kind(struct rawc *c, uint64_t port, const char *path,
    const char *kind, const char *name)
{
	char			*src = harness_read_file(path);
	char			*url = harness_file_url(path);
	struct ipc_create	 m = {
		ipc_str(kind), ipc_str(url), ipc_str(name),
		ipc_str(""), ipc_str(""), ipc_str(src), ipc_str("classic")
	};
	struct ipc_buf		 b;

	cr_assert(src != NULL, "cannot read %s", path);
	ipc_buf_init(&b);
	cr_assert(ipc_create_encode(&b, port, &m) == 0);
	rawc_send_buf(c, &b);
	ipc_buf_clear(&b);
	free(url);
	free(src);
}

/* Append a hand-made frame (for what ipc/ refuses to encode) to b. */
void
harness_frame(struct ipc_buf *b, uint32_t len, uint16_t type,
    uint16_t flags, uint64_t port, const void *body, size_t n)
{
	uint8_t	h[IPC_HEADER_SIZE];

	ipc_put32(h, len);
	h[4] = (uint8_t)(type >> 8);
	h[5] = (uint8_t)type;
	h[6] = (uint8_t)(flags >> 8);
	h[7] = (uint8_t)flags;
	ipc_put64(h + 8, port);
	cr_assert(ipc_buf_append(b, h, sizeof h) == 0);
	cr_assert(ipc_buf_append(b, body, n) == 0);
}

/* Wait for STARTED on port; returns the worker's pid. */
uint32_t
rawc_started(struct rawc *c, uint64_t port)
{
	struct ipc_frame	 f;
	struct ipc_started	 m;
	const char		*why = "";

	cr_assert(rawc_read_until(c, IPC_STARTED, &f, HARNESS_TIMEOUT_MS) ==
	    1, "no STARTED from wwd");
	cr_assert(f.port == port, "STARTED on port %#llx, expected %#llx",
	    (unsigned long long)f.port, (unsigned long long)port);
	cr_assert(ipc_started_decode(f.body, f.len, &m, &why) == 0,
	    "STARTED does not decode: %s", why);
	cr_assert(m.pid > 0, "STARTED with pid 0");
	return m.pid;
}

/* The msgpack encoding of a short string (a payload, not a frame). */
static size_t
pack_str(uint8_t *out, size_t cap, const char *s)
{
	size_t	n = strlen(s);

	cr_assert(n <= 255 && n + 2 <= cap, "test string too long");
	if (n < 32) {
		out[0] = (uint8_t)(0xa0 | n);
		memcpy(out + 1, s, n);
		return n + 1;
	}
	out[0] = 0xd9;
	out[1] = (uint8_t)n;
	memcpy(out + 2, s, n);
	return n + 2;
}

/* POST the string s on port. */
void
rawc_post_str(struct rawc *c, uint64_t port, const char *s)
{
	uint8_t		data[300];
	struct ipc_post	m;
	struct ipc_buf	b;

	m.ntransfer = 0;
	m.data.ptr = (const char *)data;
	m.data.len = (uint32_t)pack_str(data, sizeof data, s);
	ipc_buf_init(&b);
	cr_assert(ipc_post_encode(&b, port, &m) == 0);
	rawc_send_buf(c, &b);
	ipc_buf_clear(&b);
}

/* Read until a POST on port and check that it carries the string s. */
void
rawc_expect_str(struct rawc *c, uint64_t port, const char *s)
{
	uint8_t			 want[300];
	size_t			 n = pack_str(want, sizeof want, s);
	struct ipc_frame	 f;
	struct ipc_post		 m;
	const char		*why = "";

	cr_assert(rawc_read_until(c, IPC_POST, &f, HARNESS_TIMEOUT_MS) == 1,
	    "no POST (echo of \"%s\") from wwd", s);
	cr_assert(f.port == port, "POST on port %#llx, expected %#llx",
	    (unsigned long long)f.port, (unsigned long long)port);
	cr_assert(ipc_post_decode(f.body, f.len, &m, &why) == 0,
	    "POST does not decode: %s", why);
	cr_assert(m.ntransfer == 0 && m.data.len == n &&
	    memcmp(m.data.ptr, want, n) == 0,
	    "the echo should carry the msgpack string \"%s\"", s);
}
