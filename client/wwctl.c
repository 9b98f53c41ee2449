/*
 * wwctl.c: the control and scripting CLI of wwd, a libwwd user. Main
 * dispatches through a table of subcommands; "run" starts one worker
 * and speaks JSON lines: stdin lines are posted to the worker, its
 * messages (or, with --events, all its events) come out on stdout. The
 * loop is a plain poll() over the libwwd socket, stdin and a self-pipe
 * for signals, which is how libwwd's poll API is meant to be driven.
 * All run state lives in struct run; the only static is the signal pipe.
 */
#define _GNU_SOURCE	/* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <msgpack.h>

#include "check.h"
#include "client.h"
#include "wwd.h"
#include "wwctl.h"

#ifndef WWD_VERSION
#define WWD_VERSION WWD_LIB_VERSION
#endif

#define STDIN_CHUNK	(64 * 1024)
#define PENDING_MAX	(1024 * 1024)	/* queued bytes: stdin waits */
#define LINE_MAX_LEN	(16 * 1024 * 1024) /* longest stdin line kept */
#define GRACE_MS	5000		/* wait for EXIT after TERMINATE */

/* Written by the signal handler, read by the loop. */
static int	signal_pipe[2] = { -1, -1 };

/* One "wwctl run". */
struct run {
	struct wwd_conn		*conn;
	struct wwd_worker	*worker;	/* NULL once exited */
	int			 events;	/* --events */
	long			 count;		/* --count or 0 */
	long			 printed;
	int			 stdin_open;
	unsigned long		 lineno;
	char			*line;		/* partial line */
	size_t			 len;
	size_t			 cap;
	int			 skipping;	/* in a long line */
	int			 stopping;	/* we terminated */
	int			 shared;	/* wwctl connect */
	int			 status;	/* the exit status */
	struct timespec		 grace;		/* then give up */
};

static void
usage_main(FILE *f)
{
	fprintf(f,
	    "usage: wwctl [--help] [--version] COMMAND [ARGS]\n"
	    "\n"
	    "Commands:\n"
	    "  run       run a worker script, talking JSON lines\n"
	    "  connect   connect to a shared worker (same options as run)\n"
	    "  ps        list workers (yours; all for root/admins)\n"
	    "  kill      kill workers by id\n"
	    "  stats     daemon totals\n"
	    "  status    whether wwd answers, with its totals\n"
	    "  reload    re-read the configuration file\n"
	    "  shutdown  stop wwd\n"
	    "  logs      worker events and console output (-f: follow)\n"
	    "\n"
	    "wwctl COMMAND --help describes a command.\n");
}

static void
usage_run(FILE *f)
{
	fprintf(f,
	    "usage: wwctl run [--socket PATH] [--origin O] [--name N] "
	    "[--url URL]\n"
	    "                 [--root DIR] [--type T] [--count N] "
	    "[--timeout SEC] [--events]\n"
	    "                 SCRIPT | --eval CODE\n"
	    "\n"
	    "Run SCRIPT (a file) in a dedicated worker. Each stdin line is one "
	    "JSON value\n"
	    "posted to the worker; each message from it is printed as one JSON "
	    "line.\n"
	    "Console output and errors go to stderr.\n"
	    "\n"
	    "  --socket PATH  the daemon's socket (default $WWD_SOCKET, else\n"
	    "                 $XDG_RUNTIME_DIR/wwd.sock, else "
	    "/run/wwd/wwd.sock)\n"
	    "  --eval CODE    run CODE instead of a file\n"
	    "  --url URL      the URL the worker was loaded from (default: the "
	    "file: URL\n"
	    "                 of SCRIPT, or file://$PWD/eval.js with --eval)\n"
	    "  --origin O     the worker's origin (default: derived from the "
	    "URL)\n"
	    "  --name N       the worker's name (self.name)\n"
	    "  --root DIR     serve same-origin absolute paths of an http(s) "
	    "URL from DIR\n"
	    "  --type T       classic (default); module is refused\n"
	    "  --count N      stop after N messages: terminate the worker, "
	    "exit 0\n"
	    "  --timeout SEC  terminate the worker and exit 124 after SEC "
	    "seconds\n"
	    "  --events       stdout carries every event as a JSON object:\n"
	    "                 {\"type\":\"message\",\"data\":V}, "
	    "{\"type\":\"error\",...},\n"
	    "                 {\"type\":\"messageerror\"}, "
	    "{\"type\":\"console\",\"level\":L,\"args\":[...]},\n"
	    "                 {\"type\":\"exit\",\"code\":C,\"signal\":S,"
	    "\"reason\":R};\n"
	    "                 stdin lines are {\"type\":\"message\","
	    "\"data\":V} or {\"type\":\"terminate\"}\n"
	    "  --help         show this help\n"
	    "\n"
	    "Exit status: 0 the worker closed itself (or --count was reached), "
	    "1 it failed\n"
	    "to start or died, 2 usage, 3 the daemon cannot be reached, 124 "
	    "timeout,\n"
	    "130 interrupted. After --count, a timeout or a signal, nothing "
	    "more is\n"
	    "printed on stdout.\n");
}

static void
on_signal(int sig)
{
	unsigned char	c = (unsigned char)sig;
	int		saved = errno;

	if (write(signal_pipe[1], &c, 1) < 0) {
		/* The pipe is full: a signal is pending anyway. */
	}
	errno = saved;
}

static int
signals_init(void)
{
	struct sigaction	sa;

	if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return 0;
}

static void
timespec_add_ms(struct timespec *t, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

/* Milliseconds until t (0 if past), for poll. */
static int
ms_until(const struct timespec *t)
{
	struct timespec	now;
	double		ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (double)(t->tv_sec - now.tv_sec) * 1e3 +
	    (double)(t->tv_nsec - now.tv_nsec) / 1e6;
	if (ms <= 0)
		return 0;
	if (ms > INT_MAX)
		return INT_MAX;
	return (int)ceil(ms);
}

/*
 * Stop on our own terms: nothing more on stdout, stdin ignored, the
 * worker terminated; the loop waits for its exit (up to GRACE_MS).
 */
static void
run_stop(struct run *r, int status)
{
	if (r->stopping)
		return;
	r->stopping = 1;
	r->status = status;
	timespec_add_ms(&r->grace, GRACE_MS);
	/* A shared worker stays for the next client: just leave it. */
	if (r->shared && r->worker != NULL) {
		wwd_worker_release(r->worker);
		r->worker = NULL;
	} else if (r->worker != NULL)
		wwd_worker_terminate(r->worker);
}

/* One line on stdout, flushed; a broken stdout stops the run. */
static void
run_print(struct run *r, const char *json)
{
	if (r->stopping)
		return;
	if (fputs(json, stdout) == EOF || fputc('\n', stdout) == EOF ||
	    fflush(stdout) == EOF) {
		fprintf(stderr, "wwctl: stdout: %s\n", strerror(errno));
		run_stop(r, 1);
	}
}

static void
pack_str(msgpack_packer *pk, const char *s)
{
	size_t	n = strlen(s);

	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

/* Start an --events object of n members, "type" first, in *sb. */
static void
run_event_begin(msgpack_sbuffer *sb, msgpack_packer *pk, const char *type,
    uint32_t n)
{
	msgpack_sbuffer_init(sb);
	msgpack_packer_init(pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(pk, n);
	pack_str(pk, "type");
	pack_str(pk, type);
}

/* run_event_end's printing (see there); *sb stays the caller's. */
static int
run_event_print(struct run *r, msgpack_sbuffer *sb, const void *data,
    size_t len)
{
	const char	*why = NULL;
	char		*json, *djson = NULL, *line;
	size_t		 n, dn = 0;

	if (data != NULL && wwd_msgpack_to_json(data, len, &djson, &dn,
	    &why) < 0)
		return -EINVAL;
	if (wwd_msgpack_to_json(sb->data, sb->size, &json, &n, &why) < 0) {
		fprintf(stderr, "wwctl: cannot print an event: %s\n", why);
		free(djson);
		return 0;
	}
	if (djson != NULL && (line = malloc(n + dn + 1)) != NULL) {
		/* json ends in "null}": the nil's place. */
		memcpy(line, json, n - 5);
		memcpy(line + n - 5, djson, dn);
		memcpy(line + n - 5 + dn, "}", 2);
		run_print(r, line);
		free(line);
	} else if (djson == NULL)
		run_print(r, json);
	else
		fprintf(stderr, "wwctl: cannot print an event: %s\n",
		    strerror(ENOMEM));
	free(json);
	free(djson);
	return 0;
}

/*
 * Print the event in *sb through the library's printer and free *sb.
 * With data, the event's last value is a nil standing for that payload,
 * which is printed on its own (its depth is its own, up to the clone
 * limit). 0, or -EINVAL when the payload cannot be printed.
 */
static int
run_event_end(struct run *r, msgpack_sbuffer *sb, const void *data,
    size_t len)
{
	int	rc = run_event_print(r, sb, data, len);

	msgpack_sbuffer_destroy(sb);
	return rc;
}

static void
on_messageerror(struct wwd_worker *w, const char *why, void *arg)
{
	struct run	*r = arg;

	(void)w;
	if (r->stopping)
		return;
	if (r->events)
		run_print(r, "{\"type\":\"messageerror\"}");
	else
		fprintf(stderr, "wwctl: messageerror: %s\n", why);
}

static void
on_message(struct wwd_worker *w, const void *data, size_t len, void *arg)
{
	struct run	*r = arg;
	const char	*why = NULL;
	char		*json;

	if (r->stopping)
		return;
	if (r->events) {
		msgpack_sbuffer	sb;
		msgpack_packer	pk;
		int		rc;

		run_event_begin(&sb, &pk, "message", 2);
		pack_str(&pk, "data");
		msgpack_pack_nil(&pk);
		if ((rc = run_event_end(r, &sb, data, len)) < 0)
			on_messageerror(w, "undecodable payload", arg);
	} else if (wwd_msgpack_to_json(data, len, &json, NULL, &why) < 0) {
		on_messageerror(w, why, arg);
		return;
	} else {
		run_print(r, json);
		free(json);
	}
	if (r->count > 0 && ++r->printed >= r->count)
		run_stop(r, 0);
}

static void
on_error(struct wwd_worker *w, const struct wwd_fault *e, void *arg)
{
	struct run	*r = arg;
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;

	(void)w;
	if (r->stopping)
		return;
	if (!r->events) {
		fprintf(stderr, "wwctl: worker error: %s (%s:%u:%u)\n",
		    e->message, e->filename, e->lineno, e->colno);
		return;
	}
	run_event_begin(&sb, &pk, "error", 5);
	pack_str(&pk, "message");
	pack_str(&pk, e->message);
	pack_str(&pk, "filename");
	pack_str(&pk, e->filename);
	pack_str(&pk, "lineno");
	msgpack_pack_unsigned_int(&pk, e->lineno);
	pack_str(&pk, "colno");
	msgpack_pack_unsigned_int(&pk, e->colno);
	run_event_end(r, &sb, NULL, 0);
}

static void
on_console(struct wwd_worker *w, const char *level, const char *text,
    const void *args, size_t nargs, void *arg)
{
	struct run	*r = arg;
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;

	(void)w;
	if (r->stopping)
		return;
	if (!r->events) {
		fprintf(stderr, "%s\n", text);
		return;
	}
	run_event_begin(&sb, &pk, "console", 3);
	pack_str(&pk, "level");
	pack_str(&pk, level);
	pack_str(&pk, "args");
	if (args != NULL)
		msgpack_pack_nil(&pk);
	else
		msgpack_pack_array(&pk, 0);
	if (run_event_end(r, &sb, args, nargs) < 0)
		fprintf(stderr, "wwctl: cannot print a console event\n");
}

static void
on_exit_event(struct wwd_worker *w, const struct wwd_exit *e, void *arg)
{
	struct run	*r = arg;
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	int		 msg = e->message[0] != '\0';

	(void)w;
	r->worker = NULL;
	if (r->stopping)
		return;
	if (r->events) {
		run_event_begin(&sb, &pk, "exit", msg ? 5 : 4);
		pack_str(&pk, "code");
		msgpack_pack_int(&pk, e->code);
		pack_str(&pk, "signal");
		msgpack_pack_int(&pk, e->signal);
		pack_str(&pk, "reason");
		pack_str(&pk, e->reason);
		if (msg) {
			pack_str(&pk, "message");
			pack_str(&pk, e->message);
		}
		run_event_end(r, &sb, NULL, 0);
	}
	if (strcmp(e->reason, "closed") == 0) {
		r->status = 0;
		return;
	}
	r->status = 1;
	if (strcmp(e->reason, "failed") == 0)
		fprintf(stderr, "wwctl: worker failed to start: %s\n",
		    msg ? e->message : "unknown reason");
	else if (strcmp(e->reason, "disconnected") == 0)
		fprintf(stderr, "wwctl: %s\n", e->message);
	else if (msg)
		fprintf(stderr, "wwctl: worker %s: %s\n", e->reason,
		    e->message);
	else if (e->signal != 0)
		fprintf(stderr, "wwctl: worker %s by signal %d (%s)\n",
		    e->reason, e->signal, strsignal(e->signal));
	else
		fprintf(stderr, "wwctl: worker %s (exit status %d)\n",
		    e->reason, e->code);
}

/* The value of key in msgpack map m; NULL if absent or m is no map. */
const msgpack_object *
wwctl_map_get(const msgpack_object *m, const char *key)
{
	uint32_t	i;
	size_t		n = strlen(key);

	if (m->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (i = 0; i < m->via.map.size; i++) {
		const msgpack_object *k = &m->via.map.ptr[i].key;

		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
		    memcmp(k->via.str.ptr, key, n) == 0)
			return &m->via.map.ptr[i].val;
	}
	return NULL;
}

/*
 * Connect to the daemon at sock (NULL: the default). 0 with *c set, or
 * EXIT_NODAEMON with the reason on stderr and *c NULL.
 */
int
wwctl_connect(struct wwd_conn **c, const char *sock)
{
	int	rc;

	if ((rc = wwd_connect(c, sock)) >= 0)
		return 0;
	fprintf(stderr, "wwctl: %s\n", *c != NULL ? wwd_errmsg(*c) :
	    wwd_strerror(rc));
	if (rc == -ENOENT || rc == -ECONNREFUSED)
		fprintf(stderr, "wwctl: is wwd running? Name its socket with "
		    "--socket PATH or WWD_SOCKET.\n");
	wwd_free(*c);
	*c = NULL;
	return EXIT_NODAEMON;
}

/*
 * An --events stdin line: {"type":"message","data":V} or terminate.
 * Parsed by the library's own walker, one level deeper than a payload,
 * and V's bytes are posted as they are (no re-packing, no depth limit
 * but the payload's).
 */
static int
run_event_line(struct run *r, const char *s, size_t n, const char **why)
{
	struct ipc_buf	 b;
	const uint8_t	*p, *end, *type = NULL, *data = NULL;
	size_t		 klen, vlen, tlen = 0, dlen = 0;
	uint32_t	 count, k;
	int		 rc = -EINVAL;

	ipc_buf_init(&b);
	if (wwd_json_pack(&b, s, n, IPC_CLONE_DEPTH + 1, why, NULL) < 0)
		goto out;
	p = ipc_buf_head(&b);
	end = p + ipc_buf_used(&b);
	if (*p >= 0x80 && *p <= 0x8f)
		count = *p++ & 0x0f;
	else if (*p == 0xde) {
		count = (uint32_t)p[1] << 8 | p[2];
		p += 3;
	} else if (*p == 0xdf) {
		count = ipc_get32(p + 1);
		p += 5;
	} else {
		*why = "an event must be a JSON object";
		goto out;
	}
	for (k = 0; k < count; k++) {
		/* The parser wrote it: every piece checks. */
		if (ipc_check_one(p, (size_t)(end - p), IPC_CLONE_DEPTH,
		    &klen, why) < 0 || ipc_check_one(p + klen,
		    (size_t)(end - p - klen), IPC_CLONE_DEPTH, &vlen, why) < 0)
			goto out;
		if (klen == 5 && memcmp(p, "\xa4" "type", 5) == 0)
			type = p + klen, tlen = vlen;
		else if (klen == 5 && memcmp(p, "\xa4" "data", 5) == 0)
			data = p + klen, dlen = vlen;
		p += klen + vlen;
	}
	if (type != NULL && tlen == 10 && memcmp(type, "\xa9" "terminate",
	    10) == 0) {
		rc = 0;
		if (r->worker != NULL && wwd_worker_terminate(r->worker) < 0)
			*why = wwd_errmsg(r->conn), rc = -EINVAL;
	} else if (type != NULL && tlen == 8 && memcmp(type, "\xa7" "message",
	    8) == 0) {
		if (data == NULL) {
			*why = "a message event needs \"data\"";
			goto out;
		}
		rc = 0;
		if (r->worker != NULL && wwd_worker_post(r->worker, data,
		    dlen) < 0)
			*why = wwd_errmsg(r->conn), rc = -EIO;
	} else if (type == NULL || ((*type < 0xa0 || *type > 0xbf) &&
	    (*type < 0xd9 || *type > 0xdb)))
		*why = "the event has no \"type\" string";
	else
		*why = "unknown event type (message or terminate)";
out:
	ipc_buf_clear(&b);
	return rc;
}

/* One stdin line: post it (or the event), or complain and skip it. */
static void
run_line(struct run *r, char *s, size_t n)
{
	const char	*why = NULL;
	size_t		 k;
	int		 rc;

	r->lineno++;
	if (r->skipping) {
		r->skipping = 0;	/* its tail, already reported */
		return;
	}
	if (n > 0 && s[n - 1] == '\r')
		n--;
	/* Blank: only spaces, tabs, CRs (strchr would match a NUL too). */
	for (k = 0; k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r');
	    k++)
		;
	if (k == n || r->stopping || r->worker == NULL)
		return;
	if (r->events)
		rc = run_event_line(r, s, n, &why);
	else {
		rc = wwd_worker_post_json(r->worker, s, n);
		why = wwd_errmsg(r->conn);
	}
	if (rc < 0)
		fprintf(stderr, "wwctl: stdin line %lu: %s\n", r->lineno, why);
}

/* Read what stdin has, post every whole line; EOF ends stdin. */
static void
run_stdin(struct run *r)
{
	char	*nl, *p;
	ssize_t	 n;
	size_t	 used;

	if (r->cap - r->len < STDIN_CHUNK) {
		size_t	cap = r->cap ? r->cap * 2 : 2 * STDIN_CHUNK;

		while (cap - r->len < STDIN_CHUNK)
			cap *= 2;
		if ((p = realloc(r->line, cap)) == NULL) {
			fprintf(stderr, "wwctl: out of memory\n");
			run_stop(r, 1);
			return;
		}
		r->line = p;
		r->cap = cap;
	}
	n = read(STDIN_FILENO, r->line + r->len, r->cap - r->len);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		if (n < 0)
			fprintf(stderr, "wwctl: stdin: %s\n", strerror(errno));
		if (r->len > 0)
			run_line(r, r->line, r->len);
		r->len = 0;
		r->stdin_open = 0;
		/* connect: EOF is the end, unless --count N is awaited. */
		if (r->shared && r->count == 0)
			run_stop(r, 0);
		return;
	}
	/* Only the new bytes can hold the first newline. */
	nl = memchr(r->line + r->len, '\n', (size_t)n);
	r->len += (size_t)n;
	p = r->line;
	while (nl != NULL) {
		run_line(r, p, (size_t)(nl - p));
		p = nl + 1;
		nl = memchr(p, '\n', r->len - (size_t)(p - r->line));
	}
	used = (size_t)(p - r->line);
	memmove(r->line, p, r->len - used);
	r->len -= used;
	if (r->len > LINE_MAX_LEN) {
		if (!r->skipping)
			fprintf(stderr, "wwctl: stdin line %lu: longer than "
			    "%d bytes, skipped\n", r->lineno + 1,
			    LINE_MAX_LEN);
		r->len = 0;
		r->skipping = 1;
	}
}

/* A signal arrived: the first stops the run, a second gives up. */
static int
run_signal(struct run *r)
{
	unsigned char	c = 0;

	while (read(signal_pipe[0], &c, 1) == 1)
		;
	if (r->stopping)
		return -1;
	run_stop(r, 128 + c);
	return 0;
}

/* The poll loop: until the worker exits or the run gives up. */
static void
run_loop(struct run *r, const struct timespec *deadline)
{
	struct pollfd	pfd[3];
	int		n, rc, timeout;

	while (r->worker != NULL) {
		n = 0;
		pfd[n].fd = wwd_fd(r->conn);
		pfd[n++].events = (short)wwd_events(r->conn);
		pfd[n].fd = signal_pipe[0];
		pfd[n++].events = POLLIN;
		if (r->stdin_open && !r->stopping &&
		    wwd_pending(r->conn) < PENDING_MAX) {
			pfd[n].fd = STDIN_FILENO;
			pfd[n++].events = POLLIN;
		}
		timeout = -1;
		if (r->stopping)
			timeout = ms_until(&r->grace);
		else if (deadline != NULL)
			timeout = ms_until(deadline);
		rc = poll(pfd, (nfds_t)n, timeout);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			fprintf(stderr, "wwctl: poll: %s\n", strerror(errno));
			r->status = 1;
			return;
		}
		if (rc == 0 && r->stopping) {
			fprintf(stderr, "wwctl: the worker did not exit in "
			    "time\n");
			return;
		}
		if (pfd[1].revents != 0 && run_signal(r) < 0)
			return;
		if (n > 2 && pfd[2].revents != 0)
			run_stdin(r);
		if (pfd[0].revents != 0 || rc == 0)
			wwd_process(r->conn);
		/* A dead connection already ran the exit callback. */
		if (!r->stopping && deadline != NULL && ms_until(deadline) == 0
		    && r->worker != NULL) {
			fprintf(stderr, "wwctl: timeout, terminating the "
			    "worker\n");
			run_stop(r, EXIT_TIMEOUT);
		}
	}
}

static int
parse_long(const char *s, long min, long *v)
{
	char	*end;

	errno = 0;
	*v = strtol(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' && *v >= min ? 0 : -1;
}

/* After a usage error: the pointer to --help, not the whole text. */
static int
run_usage_hint(const char *cmd)
{
	fprintf(stderr, "Try '%s --help'.\n", cmd);
	return EXIT_USAGE;
}

/* wwctl run and connect: see usage_run. */
static int
cmd_start(int argc, char **argv, int shared)
{
	static const struct option	 opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "origin", required_argument, NULL, 'o' },
		{ "name", required_argument, NULL, 'n' },
		{ "url", required_argument, NULL, 'u' },
		{ "root", required_argument, NULL, 'r' },
		{ "type", required_argument, NULL, 'T' },
		{ "count", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "events", no_argument, NULL, 'E' },
		{ "eval", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct wwd_worker_callbacks	 cb = { NULL, on_message,
					    on_messageerror, on_error,
					    on_console, on_exit_event };
	struct wwd_worker_options	 o = { NULL, NULL, NULL, NULL, NULL };
	struct run			 r;
	struct timespec			 deadline;
	const char			*sock = NULL, *code = NULL;
	const char			*script = NULL;
	char				*root = NULL;
	double				 timeout = 0;
	int				 ch, fd, rc;

	memset(&r, 0, sizeof r);
	r.shared = shared;
	optind = 0;	/* glibc: start over, permuting again */
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 's': sock = optarg; break;
		case 'o': o.origin = optarg; break;
		case 'n': o.name = optarg; break;
		case 'u': o.url = optarg; break;
		case 'T': o.type = optarg; break;
		case 'r': root = optarg; break;
		case 'e': code = optarg; break;
		case 'E': r.events = 1; break;
		case 'c':
			if (parse_long(optarg, 1, &r.count) < 0) {
				fprintf(stderr, "wwctl: --count needs a "
				    "positive integer\n");
				return EXIT_USAGE;
			}
			break;
		case 't': {
			char	*end;

			timeout = strtod(optarg, &end);
			if (end == optarg || *end != '\0' || !(timeout > 0) ||
			    timeout > 1e9) {
				fprintf(stderr, "wwctl: --timeout needs a "
				    "positive number of seconds\n");
				return EXIT_USAGE;
			}
			break;
		}
		case 'h':
			usage_run(stdout);
			return 0;
		default:
			return run_usage_hint(argv[0]);
		}
	}
	if (optind < argc)
		script = argv[optind++];
	if ((script == NULL) == (code == NULL) || optind < argc) {
		fprintf(stderr, "%s: give one SCRIPT or --eval CODE\n",
		    argv[0]);
		return run_usage_hint(argv[0]);
	}
	if (root != NULL) {
		const char	*dir = root;

		if ((o.root = root = realpath(dir, NULL)) == NULL) {
			fprintf(stderr, "wwctl: --root %s: %s\n", dir,
			    strerror(errno));
			return EXIT_USAGE;
		}
	}
	/* A script that cannot be opened fails before wwd is asked. */
	if (script != NULL) {
		if ((fd = open(script, O_RDONLY | O_CLOEXEC)) < 0) {
			fprintf(stderr, "wwctl: cannot read %s: %s\n", script,
			    strerror(errno));
			free(root);
			return 1;
		}
		close(fd);
	}
	if (signals_init() < 0) {
		fprintf(stderr, "wwctl: pipe: %s\n", strerror(errno));
		r.status = 1;
		goto out;
	}
	if (timeout > 0)
		timespec_add_ms(&deadline, (long)ceil(timeout * 1e3));
	if ((r.status = wwctl_connect(&r.conn, sock)) != 0)
		goto out;
	/* libwwd reads the script and makes the URL (SCRIPT's or eval.js). */
	if (script != NULL)
		rc = (shared ? wwd_shared_connect_file : wwd_worker_create_file)(
		    r.conn, script, &o, &cb, &r, &r.worker);
	else
		rc = (shared ? wwd_shared_connect : wwd_worker_create_source)(
		    r.conn, code, strlen(code), &o, &cb, &r, &r.worker);
	if (rc < 0) {
		fprintf(stderr, "wwctl: %s\n", wwd_errmsg(r.conn));
		r.status = 1;
		goto out;
	}
	r.stdin_open = 1;
	run_loop(&r, timeout > 0 ? &deadline : NULL);
	/* Let the CLOSE for the exited port out; the daemon copes if not. */
	if (wwd_fd(r.conn) >= 0 && wwd_pending(r.conn) > 0)
		wwd_process(r.conn);
out:
	wwd_free(r.conn);
	free(r.line);
	free(root);
	return r.status;
}

/* wwctl run: see usage_run. */
static int
cmd_run(int argc, char **argv)
{
	return cmd_start(argc, argv, 0);
}

/* wwctl connect: run's twin for a shared worker; see usage_run. */
static int
cmd_connect(int argc, char **argv)
{
	return cmd_start(argc, argv, 1);
}

static const struct {
	const char	*name;
	int		(*fn)(int, char **);
} commands[] = {
	{ "run", cmd_run },
	{ "connect", cmd_connect },
	{ "ps", admin_ps },
	{ "kill", admin_kill },
	{ "stats", admin_stats },
	{ "status", admin_status },
	{ "reload", admin_reload },
	{ "shutdown", admin_shutdown },
	{ "logs", admin_logs },
};

int
main(int argc, char **argv)
{
	static const struct option	opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static char			cmd[32];
	size_t				i;
	int				ch, rc;

	setlocale(LC_ALL, "");
	argv[0] = "wwctl";	/* getopt's messages name it so */
	while ((ch = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage_main(stdout);
			return 0;
		case 'V':
			printf("wwctl %s\n", WWD_VERSION);
			return 0;
		default:
			fprintf(stderr, "Options other than --help and "
			    "--version go after the command: wwctl COMMAND "
			    "[OPTIONS].\nTry 'wwctl --help'.\n");
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage_main(stderr);
		return EXIT_USAGE;
	}
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[optind], commands[i].name) == 0) {
			/* "wwctl run: ..." in getopt's and our messages. */
			snprintf(cmd, sizeof cmd, "wwctl %s", commands[i].name);
			argv[optind] = cmd;
			rc = commands[i].fn(argc - optind, argv + optind);
			/* An answer that could not be written is a failure. */
			if (rc == 0 && (fflush(stdout) == EOF ||
			    ferror(stdout))) {
				fprintf(stderr, "%s: cannot write to stdout\n",
				    cmd);
				rc = 1;
			}
			return rc;
		}
	fprintf(stderr, "wwctl: unknown command %s\nTry 'wwctl --help'.\n",
	    argv[optind]);
	return EXIT_USAGE;
}
