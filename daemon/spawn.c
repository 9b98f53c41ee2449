/*
 * spawn.c: the mechanism of starting and signalling worker processes
 * (the deciding is in supervisor.c). A worker gets one end of a Unix
 * socketpair as fd 3, /dev/null as stdin and stdout and wwd's stderr;
 * wwd keeps the other end as the worker's channel connection. The
 * process is forked by the template process (template.c) as wwd's own
 * child; wwd watches it through the pidfd the template hands back
 * (uv_poll) and reaps it with waitid(P_PIDFD). Nobody else reaps it, so
 * its pid cannot be reused while wwd may still signal it. Running as root, workers run as the configured
 * worker user (the template's child switches uid, gid and drops
 * supplementary groups). The struct worker belongs to supervisor.c.
 */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "wwd.h"

#ifndef P_PIDFD
#define P_PIDFD	3
#endif

/* The pidfd turned readable: the worker exited; reap it, report. */
static void
spawn_poll_cb(uv_poll_t *h, int status, int events)
{
	struct worker	*k = h->data;
	siginfo_t	 si;
	int64_t		 code = 0;
	int		 sig = 0;

	(void)status;
	(void)events;
	memset(&si, 0, sizeof si);
	if (waitid((idtype_t)P_PIDFD, (id_t)k->pidfd, &si,
	    WEXITED | WNOHANG) < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		log_warn("worker[%llu]: waitid", (unsigned long long)k->id);
		sig = SIGKILL;	/* gone without a status: say killed */
	} else if (si.si_pid == 0) {
		return;		/* not yet */
	} else if (si.si_code == CLD_EXITED) {
		code = si.si_status;
	} else {
		sig = si.si_status;
	}
	uv_poll_stop(h);
	k->exit_cb(k, code, sig);
}

/*
 * Spawn w->worker_path for worker k with its channel as fd 3, and make
 * k->conn (ops, owned by the wwd's conn list) the parent's end, reading.
 * exit_cb runs once the process exited. On failure k->proc_init says
 * whether k->proc still needs uv_close (spawn_closed after it), k->spawned
 * whether a process runs and k->conn whether a connection must be
 * closed. 0, or a negative errno with *why naming the step.
 */
int
spawn_worker(struct wwd *w, struct worker *k,
    void (*exit_cb)(struct worker *, int64_t, int),
    const struct conn_ops *ops, const char **why)
{
	struct passwd	*pw;
	uint32_t	 uid = 0, gid = 0;
	int		 sv[2], setid = 0, pid = 0, rc;

	k->proc.data = k;
	k->exit_cb = exit_cb;
	k->pidfd = -1;
	if (geteuid() == 0 && w->cfg.worker_user != NULL &&
	    strcmp(w->cfg.worker_user, "root") != 0) {
		if ((pw = getpwnam(w->cfg.worker_user)) == NULL) {
			*why = "the worker user does not exist";
			return -ENOENT;
		}
		setid = 1;
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		*why = "socketpair";
		return -errno;
	}
	rc = template_fork(w, sv[1], setid, uid, gid, &pid, &k->pidfd);
	close(sv[1]);
	if (rc < 0) {
		close(sv[0]);
		*why = "spawn";
		return rc;
	}
	k->pid = pid;
	k->spawned = 1;
	uv_poll_init(&w->loop, &k->proc, k->pidfd);
	k->proc_init = 1;
	if ((rc = uv_poll_start(&k->proc, UV_READABLE, spawn_poll_cb)) < 0) {
		close(sv[0]);
		*why = "pidfd";
		return rc;
	}
	if ((k->conn = conn_create(w, CONN_WORKER, k->id, ops, k)) == NULL) {
		close(sv[0]);
		*why = "out of memory";
		return -ENOMEM;
	}
	uv_pipe_init(&w->loop, &k->conn->pipe, 0);
	if ((rc = uv_pipe_open(&k->conn->pipe, sv[0])) < 0) {
		close(sv[0]);
		*why = "channel";
		return rc;
	}
	if ((rc = conn_start(k->conn)) < 0) {
		*why = "channel";
		return rc;
	}
	return 0;
}

/*
 * SIGKILL worker k if its process still runs. kill() by pid is exact:
 * the pid stays k's until wwd itself reaps it (waitid above). 0 or a
 * negative errno.
 */
int
spawn_kill(struct worker *k)
{
	if (!k->spawned || k->exited)
		return 0;
	if (kill(k->pid, SIGKILL) < 0)
		return errno == ESRCH ? 0 : -errno;
	return 0;
}

/* k->proc is closed: release the pidfd it watched. */
void
spawn_closed(struct worker *k)
{
	if (k->pidfd >= 0)
		close(k->pidfd);
	k->pidfd = -1;
}
