/*
 * spawn.c: the mechanism of starting and signalling worker processes
 * (the deciding is in supervisor.c). A worker gets one end of a Unix
 * socketpair as fd 3, /dev/null as stdin and stdout and wwd's stderr;
 * wwd keeps the other end as the worker's channel connection. The
 * process is forked by the template process (template.c) as wwd's own
 * child, so its pid cannot be reused until wwd reaps it: wwd signals it
 * by pid and holds no other descriptor for it. A worker's process is
 * ending once its channel is done (EOF, or wwd killed it): it then joins
 * the reaping list, and at the next fixed point after a SIGCHLD (or
 * after joining) waitid(P_PID) reaps it without waiting. Running as
 * root, workers run as the configured worker user (the template's child
 * switches uid, gid and drops supplementary groups). The struct worker
 * belongs to supervisor.c.
 */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "wwd.h"

#define SPAWN_PEEK_TRIES	8	/* spawn_killed: yields at most */

static void
spawn_sigchld_cb(uv_signal_t *h, int sig)
{
	struct wwd	*w = h->data;

	(void)sig;
	w->reap_due = 1;
}

/* Watch SIGCHLD for the reaping list. 0 or a libuv error. */
int
spawn_init(struct wwd *w)
{
	LIST_INIT(&w->reaping);
	uv_signal_init(&w->loop, &w->sigchld);
	w->sigchld.data = w;
	return uv_signal_start(&w->sigchld, spawn_sigchld_cb, SIGCHLD);
}

/* Shutting down: stop watching SIGCHLD once no worker is left. */
void
spawn_stop(struct wwd *w)
{
	if (w->nworkers == 0 &&
	    !uv_is_closing((uv_handle_t *)&w->sigchld))
		uv_close((uv_handle_t *)&w->sigchld, NULL);
}

/*
 * Worker k's channel is done: its process has ended or is ending (it
 * was killed, or it exits and its descriptors closed first). List it to
 * be reaped at the next fixed point.
 */
void
spawn_ending(struct worker *k)
{
	if (!k->spawned || k->exited || k->reaping)
		return;
	k->reaping = 1;
	LIST_INSERT_HEAD(&k->w->reaping, k, reap_entry);
	k->w->reap_due = 1;
}

/*
 * Whether k's process has ended by a signal (SIGKILL from the OOM
 * killer or an operator), looked at without reaping it. Its channel
 * closes a moment before it is a zombie: a few yields let it get there.
 */
int
spawn_killed(const struct worker *k)
{
	siginfo_t	si;
	int		tries;

	if (!k->spawned || k->exited)
		return 0;
	for (tries = 0; tries < SPAWN_PEEK_TRIES; tries++) {
		memset(&si, 0, sizeof si);
		if (waitid(P_PID, (id_t)k->pid, &si, WEXITED | WNOHANG |
		    WNOWAIT) < 0)
			return 0;
		if (si.si_pid == k->pid)
			return si.si_code == CLD_KILLED ||
			    si.si_code == CLD_DUMPED;
		sched_yield();
	}
	return 0;
}

/*
 * Reap every listed worker whose process has ended, and report each
 * through its exit callback (which may free it). A fixed point: called
 * before the flusher writes.
 */
void
spawn_reap(struct wwd *w)
{
	struct worker	*k, *next;
	siginfo_t	 si;
	int64_t		 code;
	int		 sig;

	if (!w->reap_due)
		return;
	w->reap_due = 0;
	for (k = LIST_FIRST(&w->reaping); k != NULL; k = next) {
		next = LIST_NEXT(k, reap_entry);
		memset(&si, 0, sizeof si);
		code = 0;
		sig = 0;
		if (waitid(P_PID, (id_t)k->pid, &si, WEXITED | WNOHANG) < 0) {
			if (errno == EINTR) {
				w->reap_due = 1;
				continue;
			}
			log_warn("worker[%llu]: waitid",
			    (unsigned long long)k->id);
			sig = SIGKILL;	/* gone without a status: killed */
		} else if (si.si_pid == 0)
			continue;	/* not yet: SIGCHLD will say */
		else if (si.si_code == CLD_EXITED)
			code = si.si_status;
		else
			sig = si.si_status;
		LIST_REMOVE(k, reap_entry);
		k->reaping = 0;
		k->exit_cb(k, code, sig);
	}
}

/*
 * Spawn w->worker_path for worker k with its channel as fd 3, and make
 * k->conn (ops, owned by the wwd's conn list) the parent's end, reading.
 * exit_cb runs once the process is reaped. On failure k->spawned says
 * whether a process runs and k->conn whether a connection must be
 * closed. 0, or a negative errno with *why naming the step.
 */
int
spawn_worker(struct wwd *w, struct worker *k,
    void (*exit_cb)(struct worker *, int64_t, int),
    const struct conn_ops *ops, const char **why)
{
	int		 sv[2], pid = 0, rc;

	k->exit_cb = exit_cb;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		*why = "socketpair";
		return -errno;
	}
	rc = template_fork(w, sv[1], w->cfg.worker_setid, w->cfg.worker_uid,
	    w->cfg.worker_gid, &pid);
	close(sv[1]);
	if (rc < 0) {
		close(sv[0]);
		*why = "spawn";
		return rc;
	}
	k->pid = pid;
	k->spawned = 1;
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
 * the pid stays k's until wwd itself reaps it (spawn_reap). 0 or a
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
