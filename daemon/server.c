/*
 * server.c: wwd's listening socket and its client connections. The
 * socket is made before the daemon detaches (so that start-up errors
 * reach the terminal) and handed to libuv once the loop exists. Each
 * accepted client gets a conn (conn.c) and a struct client owned by it;
 * server_dispatch is the client channel's one switch: a case per type,
 * decode, call a named handler.
 */
#define _GNU_SOURCE /* struct ucred */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "wwd.h"

#define SERVER_BACKLOG	128

/* Per-client protocol state; owned by its conn (conn->owner). */
struct client {
	uint32_t	uid;		/* principal, from SO_PEERCRED */
	int		admin;		/* root or in admin_group */
	int64_t		pid;		/* from SO_PEERCRED, for logs */
	struct port_range range;	/* ids the client may mint */
};

static int
server_fill_addr(struct sockaddr_un *sun, const char *path,
    const char **why)
{
	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun->sun_path) {
		*why = "socket path is too long";
		return -ENAMETOOLONG;
	}
	strcpy(sun->sun_path, path);
	return 0;
}

/*
 * Make path's socket file free: a stale socket (nobody accepts) is
 * removed, a live one means another wwd. 0 or -errno with *why.
 */
static int
server_clear_stale(const char *path, const struct sockaddr_un *sun,
    const char **why)
{
	struct stat	st;
	int		fd, rc;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		*why = "exists and is not a socket";
		return -EEXIST;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof *sun);
	close(fd);
	if (rc == 0) {
		*why = "another wwd is running on it";
		return -EADDRINUSE;
	}
	if (errno != ECONNREFUSED)
		return -errno;
	log_info("removing stale socket %s", path);
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/*
 * Create, bind and listen on the Unix socket at path with the given mode
 * and group (NULL: unchanged). The caller owns the returned descriptor.
 * A descriptor, or -errno with *why set when words help.
 */
int
server_listen_fd(const char *path, unsigned mode, const char *group,
    const char **why)
{
	struct sockaddr_un	sun;
	struct group		*gr = NULL;
	mode_t			old;
	int			fd, rc;

	*why = NULL;
	if (group != NULL && (gr = getgrnam(group)) == NULL) {
		*why = "socket group does not exist";
		return -ENOENT;
	}
	if ((rc = server_fill_addr(&sun, path, why)) < 0)
		return rc;
	if ((rc = server_clear_stale(path, &sun, why)) < 0)
		return rc;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
	umask(old);
	if (rc < 0 || chmod(path, mode) < 0 ||
	    (gr != NULL && chown(path, (uid_t)-1, gr->gr_gid) < 0) ||
	    listen(fd, SERVER_BACKLOG) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

/* A client's valid HELLO: answer with ours and its port range. */
static void
server_hello(struct conn *c, const struct ipc_hello *in)
{
	struct client		*cl = c->owner;
	struct ipc_hello	 h = *in;
	struct ipc_buf		*b;

	log_debug("client %llu: hello from %.*s", (unsigned long long)c->id,
	    (int)h.software.len, h.software.ptr);
	h.role = ipc_str("daemon");
	h.software = ipc_str(WWD_SOFTWARE);
	h.port_base = cl->range.base;
	h.port_count = cl->range.count;
	h.frame_max = c->frame_max;
	if ((b = conn_out(c)) != NULL && ipc_hello_encode(b, &h) < 0)
		conn_abort(c);
}

static void
server_control(struct conn *c, struct ipc_frame *f)
{
	struct ipc_control	 m;
	const char		*why;

	if (ipc_control_decode(f->body, f->len, &m, &why) < 0) {
		conn_error(c, "bad-body", "CONTROL: %s", why);
		return;
	}
	control_request(c, &m);
}

/* The principal (peer uid) of client connection c. */
uint32_t
server_uid(const struct conn *c)
{
	const struct client	*cl = c->owner;

	return cl != NULL ? cl->uid : UINT32_MAX;
}

/* Whether client c may see and manage every principal's workers. */
int
server_is_admin(const struct conn *c)
{
	const struct client	*cl = c->owner;

	return cl != NULL && cl->admin;
}

/* Whether uid (primary gid gid) belongs to the configured admin group. */
static int
server_in_admin_group(struct wwd *w, uid_t uid, gid_t gid)
{
	struct passwd	*pw;
	struct group	*gr;
	gid_t		 groups[64];
	int		 n = 64, i;

	if (w->cfg.admin_group == NULL ||
	    (gr = getgrnam(w->cfg.admin_group)) == NULL)
		return 0;
	if (gid == gr->gr_gid)
		return 1;
	if ((pw = getpwuid(uid)) == NULL ||
	    getgrouplist(pw->pw_name, gid, groups, &n) < 0)
		return 0;
	for (i = 0; i < n; i++)
		if (groups[i] == gr->gr_gid)
			return 1;
	return 0;
}

/* The client channel's dispatch: one case per type. */
static void
server_dispatch(struct conn *c, struct ipc_frame *f)
{
	if (router_frame(c, f) || supervisor_frame(c, f))
		return;
	switch (f->type) {
	case IPC_CONTROL:
		server_control(c, f);
		break;
	default:
		conn_error(c, "wrong-direction", "%s may not be sent by a "
		    "client", ipc_type_name(f->type));
		break;
	}
}

static void
server_eof(struct conn *c, int status)
{
	if (ipc_buf_used(&c->in) > 0)
		conn_error(c, "bad-frame", "truncated frame at end of stream");
	else if (status != UV_EOF)
		log_info("client %llu: read: %s", (unsigned long long)c->id,
		    uv_strerror(status));
	conn_close(c);
}

static void
server_gone(struct conn *c)
{
	struct client		*cl = c->owner;
	struct log_about	 a = { 0, -1, 0 };

	if (cl != NULL) {
		a.principal = cl->uid;
		a.pid = cl->pid;
	}
	eventlog_add(c->w, LOG_LEVEL_INFO, "disconnected", &a,
	    "client %llu disconnected", (unsigned long long)c->id);
	eventlog_gone(c->w, c);
	supervisor_client_gone(c->w, c);
	router_drop_holder(c->w, c);
	free(c->owner);
	c->owner = NULL;
}

/* A client broke the protocol: ERROR, and its connection closes. */
static void
server_fault(struct conn *c, const char *code, const char *msg)
{
	conn_error(c, code, "%s", msg);
}

static const struct conn_ops server_client_ops = {
	.dir = IPC_C2D,
	.role = "client",
	.hello = server_hello,
	.frame = server_dispatch,
	.fault = server_fault,
	.eof = server_eof,
	.gone = server_gone,
};

/* Take the principal from SO_PEERCRED and log who connected. 0 or -errno. */
static int
server_peer(struct conn *c, struct client *cl)
{
	struct log_about a = { 0, -1, 0 };
	struct ucred	cred;
	socklen_t	len = sizeof cred;
	uv_os_fd_t	fd;

	if (uv_fileno((uv_handle_t *)&c->pipe, &fd) != 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	cl->uid = cred.uid;
	cl->admin = cred.uid == 0 ||
	    server_in_admin_group(c->w, cred.uid, cred.gid);
	cl->pid = cred.pid;
	a.principal = cred.uid;
	a.pid = cred.pid;
	eventlog_add(c->w, LOG_LEVEL_INFO, "connected", &a,
	    "client %llu connected (pid %ld, uid %ld%s)",
	    (unsigned long long)c->id, (long)cred.pid, (long)cred.uid,
	    cl->admin ? ", admin" : "");
	return 0;
}

static void
server_accept_cb(uv_stream_t *s, int status)
{
	struct wwd	*w = s->data;
	struct client	*cl;
	struct conn	*c;
	int		 rc;

	if (status < 0) {
		log_warnx("accept: %s", uv_strerror(status));
		return;
	}
	if ((cl = calloc(1, sizeof *cl)) == NULL ||
	    (c = conn_create(w, CONN_CLIENT, w->next_serial, &server_client_ops,
	    cl)) == NULL) {
		free(cl);
		log_warnx("accept: out of memory");
		return;
	}
	cl->range.base = w->next_serial++ << 32;
	cl->range.count = 1ULL << 32;
	cl->range.next = cl->range.base;
	c->range = &cl->range;
	uv_pipe_init(&w->loop, &c->pipe, 0);
	if ((rc = uv_accept(s, (uv_stream_t *)&c->pipe)) < 0 ||
	    (rc = server_peer(c, cl)) < 0 || (rc = conn_start(c)) < 0) {
		log_warnx("accept: %s", uv_strerror(rc));
		conn_abort(c);
		return;
	}
	w->stats.clients++;
}

/* Serve on the listening descriptor fd (now owned by w). 0 or an error. */
int
server_start(struct wwd *w, int fd)
{
	int	rc;

	if ((rc = uv_pipe_init(&w->loop, &w->listener, 0)) < 0)
		return rc;
	w->listener.data = w;
	if ((rc = uv_pipe_open(&w->listener, fd)) < 0)
		return rc;
	return uv_listen((uv_stream_t *)&w->listener, SERVER_BACKLOG,
	    server_accept_cb);
}

/* Stop accepting and remove the socket file. */
void
server_stop(struct wwd *w)
{
	if (!uv_is_closing((uv_handle_t *)&w->listener))
		uv_close((uv_handle_t *)&w->listener, NULL);
	/* A socket systemd made stays for the next activation. */
	if (!w->activated && unlink(w->socket_path) < 0 && errno != ENOENT)
		log_warn("unlink %s", w->socket_path);
}
