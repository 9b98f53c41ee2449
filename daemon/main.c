/*
 * main.c: the wwd process: options, the socket and worker paths,
 * detaching from the terminal (before any libuv loop exists), signals,
 * the ready descriptor, and an orderly shutdown that closes every handle
 * so the loop can be closed. main() owns the struct wwd and the path
 * strings it points at.
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

#include "log.h"
#include "path.h"
#include "wwd.h"

#ifndef WWD_LIBEXECDIR
#define WWD_LIBEXECDIR "/usr/libexec/wwd"
#endif
#ifndef WWD_SYSCONFDIR
#define WWD_SYSCONFDIR "/etc"
#endif
#define MAIN_CONFIG	WWD_SYSCONFDIR "/wwd/wwd.conf"
#define MAIN_MMAP_THRESHOLD	(32 * 1024 * 1024)	/* larger blocks: mmap */
#define MAIN_TRIM_THRESHOLD	(64 * 1024 * 1024)	/* free top kept */

struct main_options {
	char	*socket_path;	/* owned */
	char	*worker_path;	/* owned */
	char	*config_path;	/* owned */
	int	 config_given;	/* --config: the file must exist */
	int	 foreground;
	int	 ready_fd;	/* -1 if none */
	int	 level;
	int	 journal;	/* --log-target: 1 journal, 0 stderr, -1 auto */
	int64_t	 linger_ms;	/* --shared-linger; -2 if not given */
};

static void
main_usage(FILE *f)
{
	fprintf(f,
	    "usage: wwd [--foreground] [--config PATH] [--socket PATH]\n"
	    "           [--worker PATH] [--ready-fd N]\n"
	    "           [--log-level error|warn|info|debug]\n"
	    "           [--log-target auto|journal|stderr]\n"
	    "           [--shared-linger SECONDS|forever]\n"
	    "           [--help] [--version]\n");
}

static __attribute__((noreturn)) void
main_bad_usage(const char *msg, const char *arg)
{
	if (msg != NULL)
		fprintf(stderr, "wwd: %s '%s'\n", msg, arg);
	fprintf(stderr, "Try 'wwd --help' for more information.\n");
	exit(2);
}

static char *
main_strdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		log_fatal("strdup");
	return p;
}

static char *
main_join(const char *dir, const char *name)
{
	size_t	 n = strlen(dir) + strlen(name) + 2;
	char	*p;

	if ((p = malloc(n)) == NULL)
		log_fatal("malloc");
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/*
 * --socket, $WWD_SOCKET, socket.path of the config, then the default
 * (ipc_socket_path: $XDG_RUNTIME_DIR/wwd.sock when not root, /run/wwd).
 */
static char *
main_socket_path(const char *opt, const struct config *cfg)
{
	const char	*s;
	char		*p;

	if (opt != NULL)
		return main_strdup(opt);
	if ((s = getenv("WWD_SOCKET")) != NULL && *s != '\0')
		return main_strdup(s);
	if (cfg->socket_path != NULL)
		return main_strdup(cfg->socket_path);
	if ((p = ipc_socket_path()) == NULL)
		log_fatalx("out of memory");
	return p;
}

/* --worker, $WWD_WORKER, wwd-worker beside this binary, libexec. */
static char *
main_worker_path(const char *opt)
{
	const char	*s;
	char		 exe[PATH_MAX], *slash, *p, *real;
	ssize_t		 n;

	if (opt != NULL)
		s = opt;
	else if ((s = getenv("WWD_WORKER")) != NULL && *s != '\0')
		;
	else {
		s = WWD_LIBEXECDIR "/wwd-worker";
		n = readlink("/proc/self/exe", exe, sizeof exe - 1);
		if (n > 0) {
			exe[n] = '\0';
			if ((slash = strrchr(exe, '/')) != NULL) {
				*slash = '\0';
				p = main_join(exe, "wwd-worker");
				if (access(p, X_OK) == 0)
					return p;
				free(p);
			}
		}
	}
	/* A relative path must survive chdir("/") when detaching. */
	if (strchr(s, '/') != NULL && s[0] != '/' &&
	    (real = realpath(s, NULL)) != NULL)
		return real;
	return main_strdup(s);
}

/* Create the socket's directory (and its parents) if missing, 0755. */
static void
main_make_dir(const char *path)
{
	char	*dir, *p;

	dir = main_strdup(path);
	if ((p = strrchr(dir, '/')) == NULL || p == dir) {
		free(dir);
		return;
	}
	*p = '\0';
	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			log_fatal("mkdir %s", dir);
		*p = '/';
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		log_fatal("mkdir %s", dir);
	free(dir);
}

static void
main_parse(int argc, char **argv, struct main_options *o)
{
	static const struct option longopts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "worker", required_argument, NULL, 'w' },
		{ "ready-fd", required_argument, NULL, 'r' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "log-target", required_argument, NULL, 'T' },
		{ "shared-linger", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*worker = NULL;
	char		*end;
	long		 n;
	int		 ch;

	memset(o, 0, sizeof *o);
	o->ready_fd = -1;
	o->level = -1;
	o->journal = -1;
	o->linger_ms = -2;
	while ((ch = getopt_long(argc, argv, "fc:s:w:r:l:hV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'f':
			o->foreground = 1;
			break;
		case 'c':
			free(o->config_path);
			o->config_path = main_strdup(optarg);
			o->config_given = 1;
			break;
		case 's':
			free(o->socket_path);
			o->socket_path = main_strdup(optarg);
			break;
		case 'w':
			worker = optarg;
			break;
		case 'r':
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    n < 0 || n > INT_MAX || fcntl((int)n, F_GETFD) < 0)
				main_bad_usage("bad --ready-fd", optarg);
			o->ready_fd = (int)n;
			break;
		case 'l':
			if ((o->level = log_parse_level(optarg)) < 0)
				main_bad_usage("bad --log-level", optarg);
			break;
		case 'T':
			if (strcmp(optarg, "auto") == 0)
				o->journal = -1;
			else if (strcmp(optarg, "journal") == 0)
				o->journal = 1;
			else if (strcmp(optarg, "stderr") == 0)
				o->journal = 0;
			else
				main_bad_usage("bad --log-target", optarg);
			break;
		case 'L':
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (strcmp(optarg, "forever") == 0)
				o->linger_ms = -1;
			else if (errno != 0 || *end != '\0' || end == optarg ||
			    n < 0 || n > 86400)
				main_bad_usage("bad --shared-linger", optarg);
			else
				o->linger_ms = (int64_t)n * 1000;
			break;
		case 'h':
			main_usage(stdout);
			exit(0);
		case 'V':
			printf("wwd %s\n", WWD_VERSION);
			exit(0);
		default:
			main_bad_usage(NULL, NULL);
		}
	}
	if (optind < argc)
		main_bad_usage("unexpected argument", argv[optind]);
	if (o->config_path == NULL)
		o->config_path = main_strdup(MAIN_CONFIG);
	o->worker_path = main_worker_path(worker);
}

/* Detach: fork, setsid, fork, chdir /, stdio to /dev/null, syslog. */
static void
main_daemonize(void)
{
	pid_t	pid;
	int	fd;

	if ((pid = fork()) < 0)
		log_fatal("fork");
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		log_fatal("setsid");
	if ((pid = fork()) < 0)
		log_fatal("fork");
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		log_fatal("chdir /");
	if ((fd = open("/dev/null", O_RDWR)) < 0)
		log_fatal("open /dev/null");
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
	log_syslog(1);
}

/* Begin an orderly shutdown; the loop ends once every handle closed. */
void
main_stop(struct wwd *w)
{
	if (w->stopping)
		return;
	w->stopping = 1;
	log_info("shutting down");
	server_stop(w);
	template_stop(w);
	supervisor_kill_all(w);
	conn_close_all(w);
	spawn_stop(w);
	uv_close((uv_handle_t *)&w->sigterm, NULL);
	uv_close((uv_handle_t *)&w->sigint, NULL);
	uv_close((uv_handle_t *)&w->sighup, NULL);
	uv_close((uv_handle_t *)&w->ticker, NULL);
	uv_close((uv_handle_t *)&w->watchdog, NULL);
	sd_notify(0, "STOPPING=1\nSTATUS=Shutting down");
}

/* Apply the command line over freshly loaded settings. */
static void
main_apply(struct wwd *w)
{
	log_set_level(w->cli_level >= 0 ? w->cli_level : w->cfg.log_level);
	if (w->cli_linger != -2)
		w->cfg.linger_ms = w->cli_linger;
}

/*
 * Re-read the configuration (SIGHUP, wwctl reload). On failure the old
 * settings stay and why (len bytes) says "file:line: problem". The
 * socket path, mode and group take effect at the next start only.
 * 0 or a negative errno.
 */
int
main_reload(struct wwd *w, char *why, size_t len)
{
	struct config	 c;
	int		 rc;

	sd_notify(0, "RELOADING=1");
	if ((rc = config_load(&c, w->config_path, w->config_optional, why,
	    len)) < 0) {
		log_warnx("reload: %s; keeping the old settings", why);
		sd_notify(0, "READY=1\nSTATUS=Reload failed; old settings "
		    "kept");
		return rc;
	}
	config_clear(&w->cfg);
	w->cfg = c;
	main_apply(w);
	snprintf(why, len, "reloaded %s%s", w->config_path, rc == 1 ?
	    " (no such file: the built-in settings)" : "");
	log_info("%s", why);
	sd_notifyf(0, "READY=1\nSTATUS=Serving on %s", w->socket_path);
	return 0;
}

static void
main_sighup_cb(uv_signal_t *h, int sig)
{
	char	why[512];

	(void)sig;
	(void)main_reload(h->data, why, sizeof why);
}

static void
main_tick_cb(uv_timer_t *h)
{
	conn_tick(h->data);
	supervisor_tick(h->data);
}

static void
main_watchdog_cb(uv_timer_t *h)
{
	(void)h;
	sd_notify(0, "WATCHDOG=1");
}

static void
main_signal_cb(uv_signal_t *h, int sig)
{
	log_info("caught %s", strsignal(sig));
	main_stop(h->data);
}

/* The fixed point of each loop turn: reap, then write. */
static void
main_prepare_cb(uv_prepare_t *h)
{
	spawn_reap(h->data);
	conn_flush_all(h->data);
}

/*
 * Every worker costs wwd one descriptor (its channel):
 * take the soft RLIMIT_NOFILE up to the hard one, which systemd sets
 * with LimitNOFILE=. Workers inherit it, but each lowers its own in
 * its sandbox (worker-proc/sandbox.c).
 */
static void
main_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		log_warn("setrlimit RLIMIT_NOFILE %llu",
		    (unsigned long long)rl.rlim_max);
}

static void
main_setup(struct wwd *w, int fd)
{
	uint64_t	usec;
	int		rc;

	main_nofile();
	if ((rc = uv_loop_init(&w->loop)) < 0)
		log_fatalx("uv_loop_init: %s", uv_strerror(rc));
	TAILQ_INIT(&w->conns);
	TAILQ_INIT(&w->dirty);
	TAILQ_INIT(&w->paused);
	LIST_INIT(&w->workers);
	w->next_serial = 1;
	w->next_worker = 1;
	if (router_init(w) < 0 || eventlog_init(w) < 0)
		log_fatalx("out of memory");
	uv_prepare_init(&w->loop, &w->flusher);
	w->flusher.data = w;
	uv_prepare_start(&w->flusher, main_prepare_cb);
	/* The flusher alone must not keep the loop running. */
	uv_unref((uv_handle_t *)&w->flusher);
	uv_signal_init(&w->loop, &w->sigterm);
	uv_signal_init(&w->loop, &w->sigint);
	uv_signal_init(&w->loop, &w->sighup);
	w->sigterm.data = w->sigint.data = w->sighup.data = w;
	if ((rc = spawn_init(w)) < 0 ||
	    (rc = uv_signal_start(&w->sigterm, main_signal_cb, SIGTERM)) < 0 ||
	    (rc = uv_signal_start(&w->sigint, main_signal_cb, SIGINT)) < 0 ||
	    (rc = uv_signal_start(&w->sighup, main_sighup_cb, SIGHUP)) < 0)
		log_fatalx("uv_signal_start: %s", uv_strerror(rc));
	uv_timer_init(&w->loop, &w->ticker);
	w->ticker.data = w;
	uv_timer_start(&w->ticker, main_tick_cb, WWD_TICK_MS, WWD_TICK_MS);
	uv_unref((uv_handle_t *)&w->ticker);
	uv_timer_init(&w->loop, &w->watchdog);
	w->watchdog.data = w;
	if (sd_watchdog_enabled(0, &usec) > 0 && usec >= 2000)
		uv_timer_start(&w->watchdog, main_watchdog_cb, usec / 2000,
		    usec / 2000);
	uv_unref((uv_handle_t *)&w->watchdog);
	w->started_ms = uv_now(&w->loop);
	if ((rc = template_start(w)) < 0 || (rc = template_wait(w)) < 0) {
		if (!w->activated)
			unlink(w->socket_path);	/* main() made it; unused */
		log_fatalx("cannot start the template process %s: %s",
		    w->worker_path, uv_strerror(rc));
	}
	if ((rc = server_start(w, fd)) < 0)
		log_fatalx("listen on %s: %s", w->socket_path, uv_strerror(rc));
}

/* wwd: listen, supervise workers until SIGTERM/SIGINT, exit 0. */
int
main(int argc, char **argv)
{
	struct main_options	 o;
	struct wwd		 w;
	const char		*why;
	int			 fd, rc;

	char			 msg[512];
	char			*sock;

	log_init("wwd", LOG_LEVEL_INFO);
	main_parse(argc, argv, &o);
	/* Under systemd (or asked to): structured entries with fields. */
	if (o.journal == 1 || (o.journal == -1 &&
	    getenv("JOURNAL_STREAM") != NULL))
		log_set_journal(sd_journal_sendv);
	signal(SIGPIPE, SIG_IGN);
	/*
	 * Connection buffers of a few MiB come and go with every burst of
	 * large messages. Left to glibc they are mmap'd, or trimmed off the
	 * heap's top, and faulted in again each time (a third of the 64 KiB
	 * message rate); from the heap and kept, their pages are reused.
	 */
	mallopt(M_MMAP_THRESHOLD, MAIN_MMAP_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, MAIN_TRIM_THRESHOLD);

	memset(&w, 0, sizeof w);
	w.config_path = o.config_path;
	w.config_optional = !o.config_given;
	w.cli_level = o.level;
	w.cli_linger = o.linger_ms;
	if (config_load(&w.cfg, w.config_path, w.config_optional, msg,
	    sizeof msg) < 0)
		log_fatalx("%s", msg);
	main_apply(&w);
	sock = main_socket_path(o.socket_path, &w.cfg);
	free(o.socket_path);
	o.socket_path = sock;
	w.socket_path = o.socket_path;
	w.worker_path = o.worker_path;
	if (sd_listen_fds(1) == 1) {
		/* Socket activation: systemd made and owns the socket. */
		fd = SD_LISTEN_FDS_START;
		w.activated = 1;
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	} else {
		main_make_dir(o.socket_path);
		if ((fd = server_listen_fd(o.socket_path, w.cfg.socket_mode,
		    w.cfg.socket_group, &why)) < 0) {
			if (why != NULL)
				log_fatalx("%s: %s", o.socket_path, why);
			errno = -fd;
			log_fatal("%s", o.socket_path);
		}
	}
	if (!o.foreground)
		main_daemonize();

	main_setup(&w, fd);
	log_info("listening on %s%s (worker %s)", w.socket_path,
	    w.activated ? " (socket activation)" : "", w.worker_path);
	sd_notifyf(0, "READY=1\nSTATUS=Serving on %s\nMAINPID=%ld",
	    w.socket_path, (long)getpid());
	if (o.ready_fd >= 0) {
		if (write(o.ready_fd, "R", 1) != 1)
			log_warn("write to --ready-fd %d", o.ready_fd);
		close(o.ready_fd);
	}

	uv_run(&w.loop, UV_RUN_DEFAULT);
	conn_flush_all(&w);
	uv_close((uv_handle_t *)&w.flusher, NULL);
	uv_run(&w.loop, UV_RUN_DEFAULT);
	if ((rc = uv_loop_close(&w.loop)) < 0)
		log_warnx("uv_loop_close: %s", uv_strerror(rc));
	router_clear(&w);
	eventlog_clear(&w);
	supervisor_clear(&w);
	config_clear(&w.cfg);
	free(o.socket_path);
	free(o.worker_path);
	free(o.config_path);
	log_info("exiting");
	return 0;
}
