/*
 * test_daemondeath.c: when wwd is SIGKILLed, every worker process exits
 * on its own (watched through pidfds: no orphan is left), a libwwd
 * client gets its error callback and a "disconnected" exit for each
 * worker, and a running wwctl ends with status 1 and a message saying
 * the connection to wwd was lost.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"
#include "wwd.h"

#define NWORKERS	4

TestSuite(daemondeath, .init = harness_setup, .fini = harness_teardown,
    .timeout = 60);

static int	started, disconnected, errors;
static char	errmsg[256];

static void
on_started(struct wwd_worker *w, void *arg)
{
	(void)w;
	(void)arg;
	started++;
}

static void
on_exit_event(struct wwd_worker *w, const struct wwd_exit *e, void *arg)
{
	(void)w;
	(void)arg;
	cr_assert_str_eq(e->reason, "disconnected");
	cr_assert(e->message[0] != '\0', "a disconnected exit needs a message");
	disconnected++;
}

static void
on_error(struct wwd_conn *c, int err, const char *msg, void *arg)
{
	(void)c;
	(void)arg;
	cr_assert(err < 0, "error callback with %d", err);
	snprintf(errmsg, sizeof errmsg, "%s", msg);
	errors++;
}

/* Drive c until cond is true or the deadline passes. */
static int
pump(struct wwd_conn *c, const int *count, int want)
{
	int	i;

	for (i = 0; i < HARNESS_TIMEOUT_MS / 10 && *count < want; i++) {
		struct pollfd	pfd = { wwd_fd(c), (short)wwd_events(c), 0 };

		if (poll(&pfd, 1, 10) > 0 && wwd_process(c) < 0)
			break;
	}
	return *count >= want;
}

Test(daemondeath, workers_exit_and_clients_are_told)
{
	struct wwd_worker_callbacks	 cb = { 0 };
	struct wwd_conn			*c;
	struct wwd_worker		*w[NWORKERS];
	struct proc			 p;
	pid_t				 pids[HARNESS_MAX_PIDS];
	int				 pidfds[HARNESS_MAX_PIDS];
	int				 n, i, st;

	cb.started = on_started;
	cb.exit = on_exit_event;
	cr_assert(wwd_connect(&c, harness.sock) == 0, "connect");
	wwd_on_error(c, on_error, NULL);
	for (i = 0; i < NWORKERS; i++)
		cr_assert(wwd_worker_create_file(c, harness_js("echo.js"),
		    NULL, &cb, NULL, &w[i]) == 0, "%s", wwd_errmsg(c));
	cr_assert(pump(c, &started, NWORKERS), "workers did not start");
	wwctl_start(&harness, &p, harness_js("echo.js"), NULL);
	proc_write(&p, "\"hello\"\n");
	cr_assert(proc_wait_lines(&p, 1, HARNESS_TIMEOUT_MS) == 1,
	    "wwctl got no echo; %s", proc_describe(&p));
	harness_wait_workers(&harness, NWORKERS + 1, HARNESS_TIMEOUT_MS);

	n = harness_descendants(harness.pid, pids, HARNESS_MAX_PIDS);
	cr_assert(n == NWORKERS + 1, "%d worker processes", n);
	for (i = 0; i < n; i++)
		cr_assert((pidfds[i] = (int)syscall(SYS_pidfd_open, pids[i],
		    0)) >= 0, "pidfd_open: %s", strerror(errno));
	cr_assert(kill(harness.pid, SIGKILL) == 0);
	cr_assert(waitpid(harness.pid, &st, 0) == harness.pid);
	close(harness.pidfd);
	harness.pidfd = -1;
	harness.pid = 0;
	unlink(harness.sock);	/* a killed wwd cannot remove it */

	for (i = 0; i < n; i++) {
		struct pollfd	pfd = { pidfds[i], POLLIN, 0 };

		cr_assert(poll(&pfd, 1, HARNESS_TIMEOUT_MS) == 1,
		    "worker %d still runs %d ms after wwd died", (int)pids[i],
		    HARNESS_TIMEOUT_MS);
		close(pidfds[i]);
	}
	cr_assert(pump(c, &disconnected, NWORKERS),
	    "%d of %d workers got a disconnected exit", disconnected,
	    NWORKERS);
	cr_assert(errors == 1, "%d error callbacks", errors);
	cr_assert(strstr(errmsg, "wwd") != NULL || strstr(errmsg,
	    "connection") != NULL, "unclear error: %s", errmsg);
	wwd_free(c);

	cr_assert(proc_finish(&p, HARNESS_TIMEOUT_MS) == 0,
	    "wwctl still runs after wwd died; %s", proc_describe(&p));
	cr_assert(proc_exit_code(&p) == 1, "wwctl status; %s",
	    proc_describe(&p));
	cr_assert(strstr(p.ebuf, "wwctl: ") != NULL, "no message; %s",
	    proc_describe(&p));
	cr_log_info("libwwd: %s; wwctl: %s", errmsg, p.ebuf);
	proc_clear(&p);
}
