/*
 * template.c: wwd's template process, the one mechanism that makes
 * worker processes. At start wwd execs `wwd-worker --template` once
 * (uv_spawn); afterwards every worker is a fork of that warm process,
 * requested over a private SOCK_SEQPACKET pair (ipc/template.h), so wwd
 * itself never forks while its loop runs. The template makes each worker
 * wwd's own child. If the template dies it is started again at once (or
 * at the next request, if that fails too), and wwd says so in the log.
 */
#define _GNU_SOURCE
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdpass.h"
#include "log.h"
#include "template.h"
#include "wwd.h"

#define TEMPLATE_TIMEOUT_MS	5000	/* an answer takes us, getting ready ms */

/* The running template; wwd->tmpl points at the current one. */
struct template {
	struct wwd	*w;
	uv_process_t	 proc;
	int		 fd;		/* wwd's end, blocking; -1: closed */
	int		 ready;		/* its first answer was read */
};

static void
template_close_cb(uv_handle_t *h)
{
	free(h->data);
}

/* Forget t as the current template: no more requests go to it. */
static void
template_drop(struct template *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	if (t->w->tmpl == t)
		t->w->tmpl = NULL;
}

static void
template_exit_cb(uv_process_t *proc, int64_t status, int sig)
{
	struct template	*t = proc->data;
	struct wwd	*w = t->w;
	int		 current = w->tmpl == t, rc;

	template_drop(t);
	uv_close((uv_handle_t *)proc, template_close_cb);
	if (w->stopping || !current) {
		log_debug("template process %d ended", proc->pid);
		return;
	}
	log_warnx("the template process (pid %d) died (status %lld, signal "
	    "%d); starting a new one", proc->pid, (long long)status, sig);
	if ((rc = template_start(w)) < 0)
		log_warnx("cannot restart the template process: %s; trying "
		    "again at the next spawn", uv_strerror(rc));
}

/*
 * The template's environment: wwd's, with LD_BIND_NOW=1. The template
 * then resolves every symbol of every library once, at start, and each
 * worker inherits the tables filled in; with lazy binding each worker
 * resolved its own first calls and wrote its own copy of those pages
 * (about 30 us of each spawn). Free with free(); NULL if out of memory.
 */
static char **
template_env(void)
{
	extern char	**environ;
	char		**env;
	size_t		  n = 0, i, j = 0;

	while (environ[n] != NULL)
		n++;
	if ((env = calloc(n + 2, sizeof *env)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "LD_BIND_NOW=", 12) != 0)
			env[j++] = environ[i];
	env[j] = (char *)"LD_BIND_NOW=1";
	return env;
}

/*
 * Start the template process (wwd-worker --template) and make it
 * w->tmpl. 0 or a negative errno.
 */
int
template_start(struct wwd *w)
{
	uv_process_options_t	 opt;
	uv_stdio_container_t	 stdio[TEMPLATE_FD + 1];
	struct template		*t;
	char			*argv[3];
	int			 sv[2], rc;

	memset(&opt, 0, sizeof opt);
	if ((t = calloc(1, sizeof *t)) == NULL)
		return -ENOMEM;
	if ((opt.env = template_env()) == NULL) {
		free(t);
		return -ENOMEM;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		rc = -errno;
		free(opt.env);
		free(t);
		return rc;
	}
	argv[0] = (char *)w->worker_path;
	argv[1] = (char *)TEMPLATE_ARG;
	argv[2] = NULL;
	stdio[0].flags = UV_IGNORE;
	stdio[1].flags = UV_IGNORE;
	stdio[2].flags = UV_INHERIT_FD;
	stdio[2].data.fd = STDERR_FILENO;
	stdio[3].flags = UV_INHERIT_FD;
	stdio[3].data.fd = sv[1];
	opt.file = w->worker_path;
	opt.args = argv;
	opt.exit_cb = template_exit_cb;
	opt.stdio = stdio;
	opt.stdio_count = TEMPLATE_FD + 1;
	t->w = w;
	t->fd = sv[0];
	t->proc.data = t;
	rc = uv_spawn(&w->loop, &t->proc, &opt);
	free(opt.env);
	close(sv[1]);
	if (rc < 0) {
		close(sv[0]);
		uv_close((uv_handle_t *)&t->proc, template_close_cb);
		return rc;
	}
	w->tmpl = t;
	log_debug("template process started: pid %d", t->proc.pid);
	return 0;
}

/* Shutdown: close the request socket; the template exits at EOF. */
void
template_stop(struct wwd *w)
{
	if (w->tmpl != NULL)
		template_drop(w->tmpl);
}

/* Wait for the answer to one request. 0 or -errno. */
static int
template_answer(int fd, struct template_rep *rp)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };
	ssize_t		n;
	int		rc, extra = -1;

	do
		rc = poll(&pfd, 1, TEMPLATE_TIMEOUT_MS);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -errno;
	if (rc == 0)
		return -ETIMEDOUT;
	n = fdpass_recv(fd, rp, sizeof *rp, &extra);
	if (extra >= 0)
		close(extra);	/* answers carry none */
	return n == (ssize_t)sizeof *rp ? 0 : n < 0 ? (int)n : -EPIPE;
}

/*
 * Wait until t has prepared its state: its first answer, unasked, is its
 * own pid. 0 or -errno.
 */
static int
template_ready(struct template *t)
{
	struct template_rep	rp;
	int			rc;

	if (t->ready)
		return 0;
	if ((rc = template_answer(t->fd, &rp)) < 0)
		return rc;
	if (rp.pid != t->proc.pid)
		return -EPROTO;
	t->ready = 1;
	return 0;
}

/* t failed with rc: kill it and forget it; its exit is only logged. */
static void
template_fail(struct template *t, int rc)
{
	log_warnx("the template process (pid %d) does not answer: %s",
	    t->proc.pid, strerror(-rc));
	(void)uv_process_kill(&t->proc, SIGKILL);
	template_drop(t);
}

/*
 * At start: wait until the template is ready, so that wwd says it is
 * ready only once it can fork workers. 0 or -errno.
 */
int
template_wait(struct wwd *w)
{
	int	rc;

	if (w->tmpl == NULL)
		return -ESRCH;
	if ((rc = template_ready(w->tmpl)) < 0)
		template_fail(w->tmpl, rc);
	return rc;
}

/*
 * Have the template fork a worker with chan (one end of its channel) as
 * fd 3, running as uid/gid if setid. The worker is wwd's child; *pid
 * is its pid. Starts a template
 * first if none runs, and retries once with a new one if the current one
 * turns out dead. 0 or -errno.
 */
int
template_fork(struct wwd *w, int chan, int setid, uint32_t uid,
    uint32_t gid, int *pid)
{
	struct template_req	 rq;
	struct template_rep	 rp;
	struct template		*t;
	ssize_t			 n;
	int			 tries, rc = -EPIPE;

	memset(&rq, 0, sizeof rq);
	rq.magic = TEMPLATE_MAGIC;
	rq.flags = setid ? TEMPLATE_SETID : 0;
	rq.uid = uid;
	rq.gid = gid;
	for (tries = 0; tries < 2; tries++) {
		if (w->tmpl == NULL) {
			if ((rc = template_start(w)) < 0)
				return rc;
			log_info("started a new template process (pid %d)",
			    w->tmpl->proc.pid);
		}
		t = w->tmpl;
		if ((rc = template_ready(t)) == 0) {
			n = fdpass_send(t->fd, &rq, sizeof rq, chan);
			rc = n == (ssize_t)sizeof rq ? 0 :
			    n < 0 ? (int)n : -EPIPE;
		}
		if (rc == 0 && (rc = template_answer(t->fd, &rp)) == 0)
			break;
		/* Dead or stuck: replace it. */
		template_fail(t, rc);
	}
	if (rc < 0)
		return rc;
	if (rp.pid <= 0)
		return rp.err > 0 ? -rp.err : -EPROTO;
	*pid = rp.pid;
	return 0;
}
