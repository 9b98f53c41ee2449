/*
 * spawn.c: the mechanism of starting and signalling worker processes
 * (the deciding is in supervisor.c). A worker gets one end of a Unix
 * socketpair as fd 3, /dev/null as stdin and stdout and wwd's stderr;
 * wwd keeps the other end as the worker's channel connection. Running
 * as root, workers run as the configured worker user (libuv switches
 * uid, gid and drops supplementary groups before exec). The struct
 * worker (and its uv_process_t) belongs to supervisor.c.
 */
#include <sys/socket.h>

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "wwd.h"

#define SPAWN_CHANNEL_FD	3

/*
 * Spawn w->w->worker_path for worker k with its channel as fd 3, and
 * make k->conn (ops, owned by the wwd's conn list) the parent's end,
 * reading. On failure k->proc_init says whether k->proc still needs
 * uv_close, k->spawned whether a process runs and k->conn whether a
 * connection must be closed. 0, or a negative errno with *why naming
 * the step.
 */
int
spawn_worker(struct wwd *w, struct worker *k, uv_exit_cb exit_cb,
    const struct conn_ops *ops, const char **why)
{
	uv_process_options_t	 opt;
	uv_stdio_container_t	 stdio[SPAWN_CHANNEL_FD + 1];
	struct passwd		*pw;
	char			*argv[2];
	int			 sv[2], rc;

	memset(&opt, 0, sizeof opt);
	k->proc.data = k;
	if (geteuid() == 0 && w->cfg.worker_user != NULL &&
	    strcmp(w->cfg.worker_user, "root") != 0) {
		if ((pw = getpwnam(w->cfg.worker_user)) == NULL) {
			*why = "the worker user does not exist";
			return -ENOENT;
		}
		opt.flags |= UV_PROCESS_SETUID | UV_PROCESS_SETGID;
		opt.uid = pw->pw_uid;
		opt.gid = pw->pw_gid;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		*why = "socketpair";
		return -errno;
	}
	argv[0] = (char *)w->worker_path;
	argv[1] = NULL;
	stdio[0].flags = UV_IGNORE;
	stdio[1].flags = UV_IGNORE;
	stdio[2].flags = UV_INHERIT_FD;
	stdio[2].data.fd = STDERR_FILENO;
	stdio[3].flags = UV_INHERIT_FD;
	stdio[3].data.fd = sv[1];
	opt.file = w->worker_path;
	opt.args = argv;
	opt.exit_cb = exit_cb;
	opt.stdio = stdio;
	opt.stdio_count = SPAWN_CHANNEL_FD + 1;
	rc = uv_spawn(&w->loop, &k->proc, &opt);
	k->proc_init = 1;
	close(sv[1]);
	if (rc < 0) {
		close(sv[0]);
		*why = "spawn";
		return rc;
	}
	k->pid = k->proc.pid;
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

/* SIGKILL worker k if its process still runs. 0 or a libuv error. */
int
spawn_kill(struct worker *k)
{
	if (!k->spawned || k->exited)
		return 0;
	return uv_process_kill(&k->proc, SIGKILL);
}
