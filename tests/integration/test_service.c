/*
 * test_service.c: wwd as a service, through the real programs: the
 * configuration file (errors with file:line, SIGHUP and wwctl reload
 * keeping the old settings on error), principals (a second uid through
 * seteuid around connect: SO_PEERCRED records the connecting euid),
 * the workers-per-user limit, wwctl ps/kill/stats (tables and --json),
 * the CPU limit, the JS heap cap, backpressure from a client that does
 * not read (per connection and per port) and wwctl logs (scoped, by
 * worker, followed). Each test starts its own wwd.
 */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"
#include "json.h"

#define NOBODY_NAME	"nobody"

TestSuite(service, .init = harness_setup_nostart, .fini = harness_teardown,
    .timeout = 90);

/* Start wwd with config text. */
static void
start(const char *config)
{
	harness_start_config(&harness, config);
}

/* Start wwd with config; c connects and starts script on its first port. */
static void
start_worker(const char *config, struct rawc *c, const char *script)
{
	start(config);
	rawc_connect(c, harness.sock);
	rawc_hello(c);
	rawc_create(c, c->port_base, harness_js(script));
	(void)rawc_started(c, c->port_base);
}

static struct json *
parse_out(const struct proc *p)
{
	struct json	*j;
	const char	*why = "";

	j = json_parse(p->obuf, &why);
	cr_assert(j != NULL, "wwctl printed no JSON (%s); %s", why,
	    proc_describe(p));
	return j;
}

static double
num(const struct json *o, const char *k)
{
	const struct json	*v = json_get(o, k);

	cr_assert(v != NULL && v->type == JSON_NUMBER, "no number %s", k);
	return v->num;
}

/* The entry of a ps --json array with this pid, or NULL. */
static const struct json *
ps_find(const struct json *a, double pid)
{
	size_t	i;

	for (i = 0; i < a->len; i++)
		if (num(a->items[i], "pid") == pid)
			return a->items[i];
	return NULL;
}

/* EXIT on port: its reason and message, as C strings in the buffers. */
static void
expect_exit(struct rawc *c, uint64_t port, const char *reason,
    const char *msg_part)
{
	struct ipc_frame	 f;
	struct ipc_exit		 e;
	const char		*why = "";

	cr_assert(rawc_read_until(c, IPC_EXIT, &f, HARNESS_TIMEOUT_MS) == 1,
	    "no EXIT");
	cr_assert(f.port == port, "EXIT on another port");
	cr_assert(ipc_exit_decode(f.body, f.len, &e, &why) == 0, "%s", why);
	cr_assert(ipc_str_eq(e.reason, reason), "EXIT reason %.*s, want %s "
	    "(%.*s)", (int)e.reason.len, e.reason.ptr, reason,
	    (int)e.message.len, e.message.ptr);
	cr_assert(memmem(e.message.ptr, e.message.len, msg_part,
	    strlen(msg_part)) != NULL, "EXIT message \"%.*s\" lacks \"%s\"",
	    (int)e.message.len, e.message.ptr, msg_part);
}

static uid_t
nobody_uid(void)
{
	struct passwd	*pw = getpwnam(NOBODY_NAME);

	cr_assert(pw != NULL, "no user " NOBODY_NAME);
	return pw->pw_uid;
}

/* Let another uid reach the socket: the test dir 0755, socket 0666. */
static void
open_socket_dir(void)
{
	cr_assert(chmod(harness.dir, 0755) == 0, "chmod: %s",
	    strerror(errno));
}

/*
 * Start wwd with the configuration file path holding text (if NULL,
 * whatever path is): it must refuse to start, and say why on stderr.
 */
static void
config_refused(const char *path, const char *text, const char *why)
{
	struct proc	 p;
	char		*argv[] = { WWD_BIN_DIR "/wwd", "--foreground",
			    "--config", (char *)path, "--socket",
			    "/nonexistent/s", NULL };
	FILE		*f;

	if (text != NULL) {
		unlink(path);
		cr_assert((f = fopen(path, "w")) != NULL);
		fputs(text, f);
		fclose(f);
	}
	proc_start(&p, argv);
	proc_close_stdin(&p);
	cr_assert(proc_finish(&p, HARNESS_TIMEOUT_MS) == 0);
	cr_assert(proc_exit_code(&p) != 0 && strstr(p.ebuf, why) != NULL,
	    "%s", proc_describe(&p));
	proc_clear(&p);
}

Test(service, bad_config_names_file_and_line)
{
	char	dir[] = "/tmp/wwd-conf.XXXXXX", path[64];

	cr_assert(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/wwd.conf", dir);
	config_refused(path, "[limits]\nworkers = 4\nmemory = lots\n",
	    "wwd.conf:3: bad value \"lots\" for limits.memory");
	/* As root, the worker user is looked up once, at start. */
	if (geteuid() == 0)
		config_refused(path, "[workers]\nuser = wwd-no-such-user\n",
		    "wwd.conf: workers.user: no user wwd-no-such-user");
	/* A --config that does not exist is an error too. */
	unlink(path);
	config_refused(path, NULL, "wwd.conf: No such file");
	/* And one that is a directory (it read as all defaults). */
	cr_assert(mkdir(path, 0700) == 0);
	config_refused(path, NULL, "wwd.conf: Is a directory");
	rmdir(path);
	rmdir(dir);
}

/* CREATE one echo worker on the next port of c; 1 started, 0 refused. */
static int
try_create(struct rawc *c, uint64_t port, const char *refusal)
{
	struct ipc_frame	f;

	rawc_create(c, port, harness_js("echo.js"));
	cr_assert(rawc_read_frame(c, &f, HARNESS_TIMEOUT_MS) == 1);
	if (f.type == IPC_STARTED)
		return 1;
	cr_assert(f.type == IPC_EXIT, "got %s", ipc_type_name(f.type));
	if (refusal != NULL) {
		struct ipc_exit	e;
		const char	*why;

		cr_assert(ipc_exit_decode(f.body, f.len, &e, &why) == 0);
		cr_assert(ipc_str_eq(e.reason, "failed"));
		cr_assert(memmem(e.message.ptr, e.message.len, refusal,
		    strlen(refusal)) != NULL, "message %.*s",
		    (int)e.message.len, e.message.ptr);
	}
	return 0;
}

Test(service, reload_keeps_old_settings_on_error)
{
	struct rawc	 c;
	struct proc	 p;
	char		*log;

	start("[limits]\nworkers_per_user = 1\n");
	rawc_connect(&c, harness.sock);
	rawc_hello(&c);
	cr_assert(try_create(&c, c.port_base, NULL) == 1);
	/* A broken file: SIGHUP and wwctl reload report it, change nothing. */
	harness_write_config(&harness, "[limits]\nworkers_per_user = 5\n"
	    "[nonsense\n");
	kill(harness.pid, SIGHUP);
	wwctl_cmd(&harness, &p, "reload", NULL);
	cr_assert(proc_exit_code(&p) == 1, "%s", proc_describe(&p));
	cr_assert(strstr(p.ebuf, "wwd.conf:3:") != NULL, "%s",
	    proc_describe(&p));
	proc_clear(&p);
	log = harness_read_file(harness.log);
	cr_assert(strstr(log, "wwd.conf:3:") != NULL &&
	    strstr(log, "keeping the old settings") != NULL, "%s", log);
	free(log);
	cr_assert(try_create(&c, c.port_base + 1, "workers_per_user (1)") ==
	    0);
	/* A good file takes effect. */
	harness_write_config(&harness, "[limits]\nworkers_per_user = 2\n");
	wwctl_cmd(&harness, &p, "reload", NULL);
	cr_assert(proc_exit_code(&p) == 0, "%s", proc_describe(&p));
	proc_clear(&p);
	cr_assert(try_create(&c, c.port_base + 2, NULL) == 1);
	rawc_close(&c);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}

/* Connect as uid (euid switched around connect), HELLO done. */
static void
connect_as(struct rawc *c, uid_t uid)
{
	cr_assert(seteuid(uid) == 0, "seteuid: %s", strerror(errno));
	rawc_connect(c, harness.sock);
	cr_assert(seteuid(0) == 0);
	rawc_hello(c);
}

/* Run wwctl CMD as uid through setpriv(1); the caller clears p. */
static void
wwctl_as(uid_t uid, struct proc *p, const char *cmd, const char *arg)
{
	struct passwd	*pw = getpwuid(uid);
	char		 u[16], g[16];
	char		*argv[] = { "/usr/bin/setpriv", "--reuid", u, "--regid",
			    g, "--clear-groups", WWD_BIN_DIR "/wwctl",
			    (char *)cmd, "--socket", harness.sock, (char *)arg,
			    NULL };

	cr_assert(pw != NULL);
	snprintf(u, sizeof u, "%u", (unsigned)uid);
	snprintf(g, sizeof g, "%u", (unsigned)pw->pw_gid);
	proc_start(p, argv);
	proc_close_stdin(p);
	cr_assert(proc_finish(p, HARNESS_TIMEOUT_MS) == 0, "%s",
	    proc_describe(p));
}

/*
 * The ps table prints a name in the user's UTF-8 locale as it is, a
 * name that would drive the terminal escaped, and a long one whole (a
 * pipe has no width to truncate to).
 */
Test(service, ps_table_names_in_the_locale)
{
	struct rawc	c;
	struct proc	p;
	char		long_name[201];

	memset(long_name, 'n', sizeof long_name - 2);
	long_name[sizeof long_name - 2] = 'N';
	long_name[sizeof long_name - 1] = '\0';
	start(NULL);
	rawc_connect(&c, harness.sock);
	rawc_hello(&c);
	rawc_create_named(&c, c.port_base, harness_js("echo.js"), "w\u00f6rker");
	(void)rawc_started(&c, c.port_base);
	rawc_create_named(&c, c.port_base + 1, harness_js("echo.js"),
	    "evil\x1b[2J");
	(void)rawc_started(&c, c.port_base + 1);
	rawc_create_named(&c, c.port_base + 2, harness_js("echo.js"),
	    long_name);
	(void)rawc_started(&c, c.port_base + 2);
	cr_assert(setenv("LC_ALL", "C.UTF-8", 1) == 0);
	wwctl_cmd(&harness, &p, "ps", NULL);
	unsetenv("LC_ALL");
	cr_assert(proc_exit_code(&p) == 0, "%s", proc_describe(&p));
	cr_assert(strstr(p.obuf, " w\u00f6rker ") != NULL, "%s", p.obuf);
	cr_assert(strchr(p.obuf, '\x1b') == NULL && strstr(p.obuf,
	    "evil\\x1b[2J") != NULL, "%s", p.obuf);
	cr_assert(strstr(p.obuf, long_name) != NULL, "%s", p.obuf);
	proc_clear(&p);
	rawc_close(&c);
}

Test(service, principals_limits_ps_and_kill)
{
	struct rawc		 root, other;
	struct proc		 p;
	struct json		*j;
	const struct json	*e;
	uint32_t		 rpid, opid;
	uid_t			 nobody = nobody_uid();
	char			 id[32];

	start("[socket]\nmode = 0666\n[limits]\nworkers_per_user = 1\n");
	open_socket_dir();
	rawc_connect(&root, harness.sock);
	rawc_hello(&root);
	rawc_create(&root, root.port_base, harness_js("echo.js"));
	rpid = rawc_started(&root, root.port_base);
	/* Over root's limit: refused with a message naming the limit. */
	cr_assert(try_create(&root, root.port_base + 1,
	    "workers_per_user (1)") == 0);
	/* Another principal is not affected by root's count. */
	connect_as(&other, nobody);
	rawc_create(&other, other.port_base, harness_js("echo.js"));
	opid = rawc_started(&other, other.port_base);
	rawc_post_str(&other, other.port_base, "hi");
	rawc_expect_str(&other, other.port_base, "hi");

	/* root sees both, as JSON. */
	wwctl_cmd(&harness, &p, "ps", "--json", NULL);
	cr_assert(proc_exit_code(&p) == 0, "%s", proc_describe(&p));
	j = parse_out(&p);
	cr_assert(j->type == JSON_ARRAY && j->len == 2, "%s", p.obuf);
	cr_assert((e = ps_find(j, rpid)) != NULL, "%s", p.obuf);
	cr_assert_str_eq(json_get(e, "user")->str, "root");
	cr_assert(num(e, "uid") == 0);
	cr_assert(strstr(json_get(e, "url")->str, "echo.js") != NULL);
	/* None given: the URL's, as the worker has it (file: is opaque). */
	cr_assert_str_eq(json_get(e, "origin")->str, "null");
	cr_assert_str_eq(json_get(e, "state")->str, "running");
	cr_assert((e = ps_find(j, opid)) != NULL, "%s", p.obuf);
	cr_assert(num(e, "uid") == nobody);
	cr_assert(num(e, "msgs_in") == 1 && num(e, "msgs_out") == 1,
	    "%s", p.obuf);
	cr_assert(num(e, "rss") > 0, "%s", p.obuf);
	snprintf(id, sizeof id, "%.0f", num(ps_find(j, rpid), "id"));
	json_free(j);
	proc_clear(&p);
	/* The table has the columns. */
	wwctl_cmd(&harness, &p, "ps", NULL);
	cr_assert(proc_exit_code(&p) == 0 && strstr(p.obuf, "ID") != NULL &&
	    strstr(p.obuf, "MSGS IN") != NULL &&
	    strstr(p.obuf, "UPTIME") != NULL &&
	    strstr(p.obuf, "STATE") != NULL, "%s", proc_describe(&p));
	cr_assert(lines_count(p.obuf) == 3, "%s", p.obuf);
	proc_clear(&p);

	/* nobody sees only its own worker and cannot kill root's. */
	wwctl_as(nobody, &p, "ps", "--json");
	cr_assert(proc_exit_code(&p) == 0, "%s", proc_describe(&p));
	j = parse_out(&p);
	cr_assert(j->len == 1 && ps_find(j, opid) != NULL, "%s", p.obuf);
	json_free(j);
	proc_clear(&p);
	wwctl_as(nobody, &p, "kill", id);
	cr_assert(proc_exit_code(&p) == 1 && strstr(p.ebuf, "no worker") !=
	    NULL, "%s", proc_describe(&p));
	proc_clear(&p);
	rawc_post_str(&root, root.port_base, "still");
	rawc_expect_str(&root, root.port_base, "still");
	wwctl_as(nobody, &p, "reload", NULL);
	cr_assert(proc_exit_code(&p) == 1 && strstr(p.ebuf,
	    "permission-denied") != NULL, "%s", proc_describe(&p));
	proc_clear(&p);

	/* root kills it: the owner gets EXIT "killed". */
	wwctl_cmd(&harness, &p, "kill", id, NULL);
	cr_assert(proc_exit_code(&p) == 0, "%s", proc_describe(&p));
	proc_clear(&p);
	expect_exit(&root, root.port_base, "killed", "wwctl");
	cr_assert(harness_wait_pid_gone((pid_t)rpid, HARNESS_TIMEOUT_MS));
	wwctl_cmd(&harness, &p, "kill", "999", NULL);
	cr_assert(proc_exit_code(&p) == 1, "%s", proc_describe(&p));
	proc_clear(&p);
	wwctl_cmd(&harness, &p, "kill", "x1", NULL);
	cr_assert(proc_exit_code(&p) == 2, "%s", proc_describe(&p));
	proc_clear(&p);
	rawc_close(&other);
	rawc_close(&root);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}

/*
 * A refused CREATE's port is held until CLOSE, as after any EXIT, and
 * posts on it go nowhere. libwwd closes every port that got EXIT; that
 * CLOSE used to cut the client off and kill its other workers.
 */
Test(service, refused_create_port_is_closed_like_any_other)
{
	struct rawc	c;
	struct ipc_buf	b;

	start_worker("[limits]\nworkers_per_user = 1\n", &c, "echo.js");
	cr_assert(try_create(&c, c.port_base + 1, "workers_per_user") == 0);
	rawc_post_str(&c, c.port_base + 1, "to nobody");
	ipc_buf_init(&b);
	cr_assert(ipc_empty_encode(&b, IPC_CLOSE, c.port_base + 1) == 0);
	rawc_send_buf(&c, &b);
	ipc_buf_clear(&b);
	rawc_post_str(&c, c.port_base, "still served");
	rawc_expect_str(&c, c.port_base, "still served");
	rawc_close(&c);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}

Test(service, stats_json_counts)
{
	struct rawc	 c;
	struct proc	 p;
	struct json	*j;

	start_worker("[limits]\nworkers_per_user = 1\n", &c, "echo.js");
	rawc_post_str(&c, c.port_base, "abc");
	rawc_expect_str(&c, c.port_base, "abc");
	cr_assert(try_create(&c, c.port_base + 1, "workers_per_user") == 0);
	wwctl_cmd(&harness, &p, "stats", "--json", NULL);
	cr_assert(proc_exit_code(&p) == 0, "%s", proc_describe(&p));
	j = parse_out(&p);
	cr_assert(num(j, "workers") == 1 && num(j, "workers_started") == 1,
	    "%s", p.obuf);
	cr_assert(num(j, "frames_routed") == 2, "%s", p.obuf);
	cr_assert(num(j, "bytes_routed") > 0, "%s", p.obuf);
	cr_assert(num(j, "limit_refusals") == 1, "%s", p.obuf);
	cr_assert(num(j, "pid") == harness.pid, "%s", p.obuf);
	cr_assert(num(j, "clients") == 2, "%s", p.obuf);
	json_free(j);
	proc_clear(&p);
	rawc_close(&c);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}

Test(service, cpu_limit_kills_only_the_spinner)
{
	struct rawc	 c;
	uint32_t	 pid;

	start_worker("[limits]\ncpu_seconds = 1\n", &c, "echo.js");
	rawc_create(&c, c.port_base + 1, harness_js("spin.js"));
	pid = rawc_started(&c, c.port_base + 1);
	rawc_post_str(&c, c.port_base, "during");
	rawc_expect_str(&c, c.port_base, "during");
	/* Killed at 1 s of CPU plus at most 10%. */
	expect_exit(&c, c.port_base + 1, "cpu-limit", "the limit is 1 s");
	cr_assert(harness_wait_pid_gone((pid_t)pid, HARNESS_TIMEOUT_MS));
	rawc_post_str(&c, c.port_base, "after");
	rawc_expect_str(&c, c.port_base, "after");
	rawc_close(&c);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}

/* script fills a 4 MiB cap and catches the error; it still answers. */
static void
expect_cap_caught(const char *script)
{
	struct rawc	c;

	start_worker("[limits]\nmemory = 4M\n", &c, script);
	rawc_expect_str(&c, c.port_base, "caught out of memory");
	rawc_post_str(&c, c.port_base, "alive");
	rawc_expect_str(&c, c.port_base, "alive");
	harness_ping(&harness);
	rawc_close(&c);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}

Test(service, memory_cap_is_a_catchable_error)
{
	expect_cap_caught("memory.js");
}

/* Uncaught with the heap still full: reported, nothing sent is lost. */
Test(service, memory_cap_uncaught_is_reported)
{
	struct rawc		 c;
	struct ipc_frame	 f;
	struct ipc_fault	 m;
	const char		*why;

	start_worker("[limits]\nmemory = 4M\n", &c, "memory_uncaught.js");
	rawc_expect_str(&c, c.port_base, "before");
	cr_assert(rawc_read_until(&c, IPC_FAULT, &f, HARNESS_TIMEOUT_MS) == 1);
	cr_assert(ipc_fault_decode(f.body, f.len, &m, &why) == 0, "%s", why);
	cr_assert(m.message.len == 22 &&
	    memcmp(m.message.ptr, "Uncaught out of memory", 22) == 0,
	    "%.*s", (int)m.message.len, m.message.ptr);
	harness_ping(&harness);
	rawc_close(&c);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}

/* A name is interned for good: each new one counts against the cap. */
Test(service, memory_cap_counts_new_names)
{
	expect_cap_caught("memory_names.js");
}

/*
 * Under config, post count strings of size bytes (a str16: under 64 KiB)
 * of fill to count.js, then "end", and expect the count back. The
 * milliseconds from the first post to the count.
 */
static long long
count_strings(const char *config, int count, size_t size, char fill)
{
	uint8_t		 hdr[3] = { 0xda, size >> 8, size & 0xff };
	struct ipc_mark	 mk;
	struct ipc_buf	 all;
	struct rawc	 c;
	char		*text, want[16];
	long long	 t0, took;
	int		 i;

	cr_assert(size < 65536);
	cr_assert((text = malloc(size)) != NULL);
	memset(text, fill, size);
	start_worker(config, &c, "count.js");
	ipc_buf_init(&all);
	for (i = 0; i < count; i++) {
		cr_assert(ipc_post_begin(&all, c.port_base, NULL, 0, &mk) ==
		    0);
		cr_assert(ipc_buf_append(&all, hdr, sizeof hdr) == 0);
		cr_assert(ipc_buf_append(&all, text, size) == 0);
		cr_assert(ipc_post_end(&all, &mk) == 0);
	}
	t0 = harness_now_ms();
	rawc_send_buf(&c, &all);
	rawc_post_str(&c, c.port_base, "end");
	snprintf(want, sizeof want, "%d", count);
	rawc_expect_str(&c, c.port_base, want);
	took = harness_now_ms() - t0;
	ipc_buf_clear(&all);
	free(text);
	rawc_close(&c);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
	return took;
}

/*
 * Large strings that become garbage as soon as they are counted: mujs
 * collects by the number of allocations, so without the worker's own
 * pacing by bytes they filled the whole heap cap first, and the message
 * that crossed it failed for want of memory.
 */
Test(service, large_strings_are_collected_by_size)
{
	(void)count_strings("[limits]\nmemory = 16M\n", 640, 60000,
	    'b');	/* 38 MB through 16M */
}

/*
 * A sender paused for a full port resumes as soon as the port drains,
 * also when the write that drained it went through at once. That write
 * happens in the flusher, after its check for senders to resume, and
 * nothing woke the loop again before the next tick: each pause cost up
 * to 100 ms. With a port mark of two posts, this client pauses about
 * every other post, and its 2,000 posts took a minute instead of a
 * fraction of a second. The deadline is the harness's one wait.
 */
Test(service, paused_sender_resumes_when_its_port_drains)
{
	long long	took;

	took = count_strings("[limits]\nport_queue_high = 8K\n"
	    "port_queue_low = 4K\n", 2000, 4000, 'p');
	cr_assert(took < HARNESS_TIMEOUT_MS, "2,000 posts through a paused "
	    "port took %lld ms", took);
}

/* The daemon's buffered bytes and pauses, from wwctl stats --json. */
static void
daemon_buffers(double *buffered, double *pauses)
{
	struct proc	 p;
	struct json	*j;

	wwctl_cmd(&harness, &p, "stats", "--json", NULL);
	cr_assert(proc_exit_code(&p) == 0, "%s", proc_describe(&p));
	j = parse_out(&p);
	*buffered = num(j, "buffered_bytes");
	*pauses = num(j, "backpressure_pauses");
	json_free(j);
	proc_clear(&p);
}

/*
 * Write len bytes from p on c's socket, made non-blocking, without
 * reading, until wwd stops taking bytes (a second without room) or all
 * are written. The bytes written.
 */
static size_t
write_until_stalled(struct rawc *c, const uint8_t *p, size_t len)
{
	struct pollfd	pfd = { .fd = c->fd, .events = POLLOUT };
	size_t		off = 0;
	ssize_t		n;

	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
	while (off < len) {
		n = write(c->fd, p + off, len - off);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		cr_assert(n < 0 && errno == EAGAIN, "write: %s",
		    strerror(errno));
		if (poll(&pfd, 1, 1000) == 0)
			break;	/* stalled: backpressure all the way */
	}
	return off;
}

#define MOVE_FLOOD	(64 * 1024 * 1024)

/*
 * A client that gives a port's peer away and never acknowledges the move
 * (no PORT_DRAINED): what it posts on the port is held for the moving
 * peer, and wwd used to take all of it, never pausing a sender that owed
 * a PORT_DRAINED. Now it reads on only up to four times the port's mark
 * (1 MiB here), then pauses the client, and shows the bytes held in
 * buffered_bytes.
 */
Test(service, client_that_never_acknowledges_a_move_is_paused)
{
	struct rawc		 c;
	struct ipc_channel	 ch;
	struct ipc_post		 m = { 0 };
	struct ipc_buf		 b;
	static const char	 take[] = "\xa6take b";	/* "take b" */
	char			*big;
	size_t			 off;
	double			 buffered, pauses;

	start_worker("[limits]\nport_queue_high = 256K\n"
	    "port_queue_low = 64K\n", &c, "silent.js");
	ch.a = c.port_base + 1;
	ch.b = c.port_base + 2;
	m.ntransfer = 1;
	m.transfer[0] = ch.b;
	m.data.ptr = take;
	m.data.len = sizeof take - 1;
	ipc_buf_init(&b);
	cr_assert(ipc_channel_encode(&b, &ch) == 0);
	cr_assert(ipc_post_encode(&b, c.port_base, &m) == 0);
	rawc_send_buf(&c, &b);
	ipc_buf_clear(&b);
	/* 64 MiB of posts on a, for b, which is on its way to the worker. */
	m.ntransfer = 0;
	m.data.len = 256 * 1024;
	cr_assert((big = malloc(m.data.len)) != NULL);
	memset(big, 0xc0, m.data.len);	/* nil, nil, ...: never decoded */
	m.data.ptr = big;
	ipc_buf_init(&b);
	while (ipc_buf_used(&b) < MOVE_FLOOD)
		cr_assert(ipc_post_encode(&b, ch.a, &m) == 0);
	free(big);
	off = write_until_stalled(&c, ipc_buf_head(&b), ipc_buf_used(&b));
	daemon_buffers(&buffered, &pauses);
	cr_assert(off < 8 * 1024 * 1024, "wwd took %zu bytes for a moving "
	    "port (buffers %.0f, pauses %.0f)", off, buffered, pauses);
	cr_assert(pauses >= 1, "no backpressure pause");
	cr_assert(buffered >= 1024 * 1024, "buffered_bytes %.0f", buffered);
	ipc_buf_clear(&b);
	rawc_close(&c);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}

#define BP_COUNT	8000
#define BP_SIZE		4000

/*
 * A client that writes 32 MB of posts to an echo worker and reads
 * nothing: wwd (configured by config) must stop taking its bytes with
 * fewer than limit buffered, and lose nothing once the client reads.
 */
static void
backpressure_run(const char *config, double limit)
{
	struct rawc		 c;
	struct ipc_buf		 all;
	struct ipc_frame	 f;
	struct ipc_post		 m;
	struct pollfd		 pfd;
	char			 text[BP_SIZE + 1];
	size_t			 off;
	ssize_t			 n;
	double			 buffered, pauses;
	int			 got = 0, i, flags;
	const char		*why;

	start_worker(config, &c, "echo.js");
	/* 8 MB of posts, each a string naming its number. */
	ipc_buf_init(&all);
	for (i = 0; i < BP_COUNT; i++) {
		uint8_t	hdr[3] = { 0xda, BP_SIZE >> 8, BP_SIZE & 0xff };
		struct ipc_mark	mk;

		memset(text, 'a' + i % 26, BP_SIZE);
		snprintf(text, 16, "%08d", i);
		text[8] = '.';
		cr_assert(ipc_post_begin(&all, c.port_base, NULL, 0, &mk) == 0);
		cr_assert(ipc_buf_append(&all, hdr, 3) == 0);
		cr_assert(ipc_buf_append(&all, text, BP_SIZE) == 0);
		cr_assert(ipc_post_end(&all, &mk) == 0);
	}
	flags = fcntl(c.fd, F_GETFL);
	off = write_until_stalled(&c, ipc_buf_head(&all),
	    ipc_buf_used(&all));
	daemon_buffers(&buffered, &pauses);
	cr_assert(off < ipc_buf_used(&all), "wwd took all %zu bytes from a "
	    "client that does not read (buffers %.0f, pauses %.0f)", off,
	    buffered, pauses);
	cr_assert(pauses >= 1, "no backpressure pause");
	cr_assert(buffered < limit, "wwd buffers %.0f bytes (limit %.0f)",
	    buffered, limit);
	/* Now read everything; the rest goes out as we read. */
	pfd.fd = c.fd;
	while (got < BP_COUNT) {
		pfd.events = off < ipc_buf_used(&all) ? POLLIN | POLLOUT :
		    POLLIN;
		cr_assert(poll(&pfd, 1, HARNESS_TIMEOUT_MS) > 0, "stuck at "
		    "%d of %d", got, BP_COUNT);
		if ((pfd.revents & POLLOUT) && off < ipc_buf_used(&all)) {
			n = write(c.fd, ipc_buf_head(&all) + off,
			    ipc_buf_used(&all) - off);
			if (n > 0)
				off += (size_t)n;
		}
		if (!(pfd.revents & POLLIN))
			continue;
		fcntl(c.fd, F_SETFL, flags);
		while (got < BP_COUNT && rawc_read_frame(&c, &f, 0) == 1) {
			char	want[16];

			cr_assert(f.type == IPC_POST, "%s",
			    ipc_type_name(f.type));
			cr_assert(ipc_post_decode(f.body, f.len, &m, &why) ==
			    0);
			snprintf(want, sizeof want, "%08d.", got);
			cr_assert(m.data.len == BP_SIZE + 3 &&
			    memcmp(m.data.ptr + 3, want, 9) == 0,
			    "message %d out of order or damaged", got);
			got++;
		}
		fcntl(c.fd, F_SETFL, flags | O_NONBLOCK);
	}
	fcntl(c.fd, F_SETFL, flags);
	ipc_buf_clear(&all);
	rawc_close(&c);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}

Test(service, backpressure_bounds_memory_and_loses_nothing)
{
	backpressure_run("[limits]\nconn_queue_high = 256K\n"
	    "conn_queue_low = 64K\n", 256 * 1024 + 2 * 1024 * 1024);
}

/*
 * The per-port marks hold on their own: the connection marks are far
 * above the 32 MB sent, so only the ports' queues can stop the client.
 */
Test(service, backpressure_per_port)
{
	backpressure_run("[limits]\nconn_queue_high = 256M\n"
	    "conn_queue_low = 128M\nport_queue_high = 128K\n"
	    "port_queue_low = 32K\n", 2 * 128 * 1024 + 2 * 1024 * 1024);
}

/*
 * A listing that does not fit in a frame (20 workers with 900 KB names)
 * is an error reply that says so; wwd hung up on wwctl before.
 */
Test(service, ps_over_the_frame_limit_is_an_error_reply)
{
	struct rawc		 c;
	struct ipc_frame	 f;
	struct proc		 p;
	size_t			 n = 900 * 1024;
	char			*name = malloc(n + 1);
	int			 i;

	cr_assert(name != NULL);
	memset(name, 'n', n);
	name[n] = '\0';
	start("");
	rawc_connect(&c, harness.sock);
	rawc_hello(&c);
	for (i = 0; i < 20; i++) {
		rawc_create_named(&c, c.port_base + (uint64_t)i,
		    harness_js("echo.js"), name);
		cr_assert(rawc_read_frame(&c, &f, HARNESS_TIMEOUT_MS) == 1);
		cr_assert(f.type == IPC_STARTED, "got %s",
		    ipc_type_name(f.type));
	}
	free(name);
	wwctl_cmd(&harness, &p, "ps", NULL);
	cr_assert(proc_exit_code(&p) != 0 && strstr(p.ebuf, "over the "
	    "16777216-byte limit of a frame (too-large)") != NULL, "%s",
	    proc_describe(&p));
	proc_clear(&p);
	wwctl_cmd(&harness, &p, "status", NULL);
	cr_assert(proc_exit_code(&p) == 0, "%s", proc_describe(&p));
	proc_clear(&p);
	rawc_close(&c);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}

/*
 * The largest CREATE that fits a frame: its script does not fit the
 * worker's INIT, which carries more. It is refused with a reason that
 * says so; it used to fail as "setup: Cannot allocate memory".
 */
Test(service, script_too_large_for_init_is_refused_by_name)
{
	size_t			 n = IPC_FRAME_MAX;
	char			*src = malloc(n);
	struct ipc_create	 m = {
		ipc_str("dedicated"), ipc_str("file:///big.js"), ipc_str(""),
		ipc_str(""), ipc_str(""), { src, (uint32_t)n },
		ipc_str("classic")
	};
	struct ipc_buf		 b;
	struct ipc_frame	 f;
	struct ipc_exit		 e;
	struct rawc		 c;
	const char		*why;

	cr_assert(src != NULL);
	memset(src, ' ', n);
	start("");
	rawc_connect(&c, harness.sock);
	rawc_hello(&c);
	ipc_buf_init(&b);
	while (ipc_create_encode(&b, c.port_base, &m) < 0)
		m.source.len--;
	free(src);
	rawc_send_buf(&c, &b);
	ipc_buf_clear(&b);
	cr_assert(rawc_read_frame(&c, &f, HARNESS_TIMEOUT_MS) == 1);
	cr_assert(f.type == IPC_EXIT, "got %s", ipc_type_name(f.type));
	cr_assert(ipc_exit_decode(f.body, f.len, &e, &why) == 0, "%s", why);
	cr_assert(ipc_str_eq(e.reason, "failed") && memmem(e.message.ptr,
	    e.message.len, "limit of a worker's INIT", 24) != NULL, "%.*s",
	    (int)e.message.len, e.message.ptr);
	/* The client goes on. */
	cr_assert(try_create(&c, c.port_base + 1, NULL) == 1);
	rawc_close(&c);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}

/* CREATE on port a connection to the shared worker running script. */
static void
connect_shared(struct rawc *c, uint64_t port, const char *script)
{
	rawc_create_kind(c, port, harness_js(script), "shared", "");
	(void)rawc_started(c, port);
}

/* Read c until the message "done" on port; 1, or 0 if it ends first. */
static int
read_until_done(struct rawc *c, uint64_t port)
{
	struct ipc_frame	f;
	struct ipc_post		m;
	const char		*why;

	while (rawc_read_frame(c, &f, HARNESS_TIMEOUT_MS) == 1)
		if (f.type == IPC_POST && f.port == port &&
		    ipc_post_decode(f.body, f.len, &m, &why) == 0 &&
		    m.data.len == 5 &&
		    memcmp(m.data.ptr, "\xa4" "done", 5) == 0)
			return 1;
	return 0;
}

/*
 * A client that stops reading must not stall a shared worker for the
 * others: after 5 s in which it read nothing while the worker waited
 * for it, it is cut off, and the one that reads is served (it waited
 * for good before).
 */
Test(service, client_that_stops_reading_does_not_stall_a_shared_worker)
{
	struct rawc		 a, b;
	struct ipc_frame	 f;
	int			 i, rc;

	start("[limits]\nconn_queue_high = 64K\nconn_queue_low = 16K\n"
	    "port_queue_high = 64K\nport_queue_low = 16K\n");
	rawc_connect(&a, harness.sock);
	rawc_hello(&a);
	rawc_connect(&b, harness.sock);
	rawc_hello(&b);
	connect_shared(&a, a.port_base, "shared_fanout.js");
	connect_shared(&b, b.port_base, "shared_fanout.js");
	for (i = 0; i < 4; i++) {
		rawc_post_str(&a, a.port_base, "20");	/* "20" < i works */
		cr_assert(read_until_done(&a, a.port_base), "round %d", i);
	}
	/* b was cut off: what reached its socket, then the end. */
	while ((rc = rawc_read_frame(&b, &f, HARNESS_TIMEOUT_MS)) == 1)
		;
	cr_assert(rc == 0, "b was not cut off (%d)", rc);
	rawc_close(&b);
	rawc_close(&a);
}

/* Low marks of 0: a paused sender is read again once the queue is empty. */
Test(service, backpressure_with_low_marks_of_zero)
{
	backpressure_run("[limits]\nconn_queue_high = 256K\n"
	    "conn_queue_low = 0\nport_queue_high = 128K\nport_queue_low = 0\n",
	    256 * 1024 + 2 * 1024 * 1024);
}

#define HALF_N		4		/* root's connections */
#define HALF_BIG	(768 * 1024)	/* each one's string */

/*
 * Keep c's socket buffer small, so that what wwd leaves unread stalls
 * the writer whatever net.core.wmem_default allows.
 */
static void
small_sndbuf(struct rawc *c)
{
	int	size = 64 * 1024;

	cr_assert(setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &size,
	    sizeof size) == 0, "SO_SNDBUF: %s", strerror(errno));
}

/* A POST to port of a msgpack string of HALF_BIG bytes of ch. */
static void
half_frame(struct ipc_buf *b, uint64_t port, char ch)
{
	uint8_t		hdr[5] = { 0xdb, HALF_BIG >> 24, (HALF_BIG >> 16) &
			    0xff, (HALF_BIG >> 8) & 0xff, HALF_BIG & 0xff };
	struct ipc_mark	mk;

	ipc_buf_init(b);
	cr_assert(ipc_post_begin(b, port, NULL, 0, &mk) == 0);
	cr_assert(ipc_buf_append(b, hdr, sizeof hdr) == 0);
	cr_assert(ipc_buf_reserve(b, HALF_BIG) == 0);
	memset(ipc_buf_tail(b), ch, HALF_BIG);
	b->len += HALF_BIG;
	cr_assert(ipc_post_end(b, &mk) == 0);
}

/* Read c's echo of half_frame(ch) on its first port. */
static void
half_echo(struct rawc *c, char ch)
{
	struct ipc_frame	 f;
	struct ipc_post		 m;
	const char		*why = "";
	int			 flags = fcntl(c->fd, F_GETFL);
	size_t			 i = 0;

	fcntl(c->fd, F_SETFL, flags & ~O_NONBLOCK);
	cr_assert(rawc_read_until(c, IPC_POST, &f, HARNESS_TIMEOUT_MS) == 1,
	    "no echo of the '%c' frame", ch);
	cr_assert(ipc_post_decode(f.body, f.len, &m, &why) == 0, "%s", why);
	cr_assert(f.port == c->port_base && m.data.len == HALF_BIG + 5);
	while (i < HALF_BIG && m.data.ptr[5 + i] == ch)
		i++;
	cr_assert(i == HALF_BIG, "the '%c' echo differs at byte %zu", ch, i);
	fcntl(c->fd, F_SETFL, flags);
}

/*
 * Clients that each leave a large frame half sent: wwd reads one user's
 * unfinished frames only up to limits.input_per_user and leaves the
 * rest unread (40 such connections took it to 671 MB). Another user is
 * not held up, and once the frames are finished every one arrives
 * whole.
 */
Test(service, input_per_user_bounds_unfinished_frames)
{
	struct rawc	 c[HALF_N], other;
	struct ipc_buf	 b[HALF_N], ob;
	struct pollfd	 pfd[HALF_N];
	size_t		 off[HALF_N], half;
	double		 buffered, pauses;
	int		 i, left = HALF_N;

	start("[socket]\nmode = 0666\n[limits]\ninput_per_user = 1M\n");
	open_socket_dir();
	for (i = 0; i < HALF_N; i++) {
		rawc_connect(&c[i], harness.sock);
		small_sndbuf(&c[i]);
		rawc_hello(&c[i]);
		rawc_create(&c[i], c[i].port_base, harness_js("echo.js"));
		(void)rawc_started(&c[i], c[i].port_base);
		half_frame(&b[i], c[i].port_base, (char)('a' + i));
		half = ipc_buf_used(&b[i]) / 2;
		off[i] = write_until_stalled(&c[i], ipc_buf_head(&b[i]), half);
		/* The first fits the budget; the others wait, unread. */
		cr_assert(i == 0 ? off[i] == half : off[i] < half,
		    "connection %d: wwd took %zu of %zu bytes", i, off[i],
		    half);
	}
	daemon_buffers(&buffered, &pauses);
	cr_assert(buffered < 1024 * 1024 && pauses >= HALF_N - 1,
	    "wwd holds %.0f bytes, %.0f pauses", buffered, pauses);

	/* Another principal's frame goes straight through meanwhile. */
	connect_as(&other, nobody_uid());
	rawc_create(&other, other.port_base, harness_js("echo.js"));
	(void)rawc_started(&other, other.port_base);
	half_frame(&ob, other.port_base, 'z');
	cr_assert(write_until_stalled(&other, ipc_buf_head(&ob),
	    ipc_buf_used(&ob)) == ipc_buf_used(&ob), "the other user waits");
	half_echo(&other, 'z');
	ipc_buf_clear(&ob);
	rawc_close(&other);

	/* Finish every frame as wwd takes them; each echo is whole. */
	while (left > 0) {
		for (i = 0; i < HALF_N; i++) {
			pfd[i].fd = off[i] < ipc_buf_used(&b[i]) ? c[i].fd : -1;
			pfd[i].events = POLLOUT;
		}
		cr_assert(poll(pfd, HALF_N, HARNESS_TIMEOUT_MS) > 0,
		    "stuck with %d frames unfinished", left);
		for (i = 0; i < HALF_N; i++) {
			ssize_t	n;

			if (!(pfd[i].revents & POLLOUT))
				continue;
			n = write(c[i].fd, ipc_buf_head(&b[i]) + off[i],
			    ipc_buf_used(&b[i]) - off[i]);
			if (n > 0 && (off[i] += (size_t)n) ==
			    ipc_buf_used(&b[i]))
				left--;
		}
	}
	for (i = 0; i < HALF_N; i++) {
		half_echo(&c[i], (char)('a' + i));
		ipc_buf_clear(&b[i]);
		rawc_close(&c[i]);
	}
}

/*
 * A client held for the input budget that leaves is still read to its
 * end, so that wwd sees it left and ends its worker; it stayed held
 * while another connection of the user kept a frame unfinished.
 */
Test(service, input_budget_reads_a_held_client_that_left)
{
	struct rawc	 a, b;
	struct ipc_buf	 fa, fb;

	start_worker("[limits]\ninput_per_user = 1M\n", &a, "echo.js");
	half_frame(&fa, a.port_base, 'a');
	cr_assert(write_until_stalled(&a, ipc_buf_head(&fa),
	    ipc_buf_used(&fa) / 2) == ipc_buf_used(&fa) / 2);
	rawc_connect(&b, harness.sock);
	small_sndbuf(&b);
	rawc_hello(&b);
	rawc_create(&b, b.port_base, harness_js("echo.js"));
	(void)rawc_started(&b, b.port_base);
	half_frame(&fb, b.port_base, 'b');
	cr_assert(write_until_stalled(&b, ipc_buf_head(&fb),
	    ipc_buf_used(&fb)) < ipc_buf_used(&fb), "b was not held");
	rawc_close(&b);
	harness_wait_workers(&harness, 1, HARNESS_TIMEOUT_MS);
	ipc_buf_clear(&fa);
	ipc_buf_clear(&fb);
	rawc_close(&a);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}

/* NOTIFY_SOCKET: wwd says READY=1 (and its STATUS) once it listens. */
Test(service, sd_notify_ready)
{
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	struct pollfd		 pfd;
	char			 buf[512], path[96];
	char			 tmpl[] = "/tmp/wwd-notify.XXXXXX";
	ssize_t			 n;
	int			 fd;

	cr_assert(mkdtemp(tmpl) != NULL);
	snprintf(path, sizeof path, "%s/notify", tmpl);
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert(fd >= 0 && bind(fd, (struct sockaddr *)&sun, sizeof sun) ==
	    0, "bind: %s", strerror(errno));
	setenv("NOTIFY_SOCKET", path, 1);
	start("");
	unsetenv("NOTIFY_SOCKET");
	pfd.fd = fd;
	pfd.events = POLLIN;
	cr_assert(poll(&pfd, 1, HARNESS_TIMEOUT_MS) == 1, "no notification");
	n = recv(fd, buf, sizeof buf - 1, 0);
	cr_assert(n > 0);
	buf[n] = '\0';
	cr_assert(strstr(buf, "READY=1") != NULL && strstr(buf,
	    "STATUS=Serving on ") != NULL, "got: %s", buf);
	close(fd);
	unlink(path);
	rmdir(tmpl);
}

/* systemd-socket-activate hands wwd the socket (sd_listen_fds). */
Test(service, socket_activation)
{
	char		 tmpl[] = "/tmp/wwd-sa.XXXXXX", sock[64];
	char		*argv[] = { "/usr/bin/systemd-socket-activate", "-l",
			    sock, WWD_BIN_DIR "/wwd", "--foreground",
			    "--config", "/dev/null", NULL };
	struct proc	 sa, p;
	struct json	*j;

	if (access(argv[0], X_OK) != 0)
		cr_skip_test("no systemd-socket-activate");
	cr_assert(mkdtemp(tmpl) != NULL);
	snprintf(sock, sizeof sock, "%s/wwd.sock", tmpl);
	proc_start(&sa, argv);
	proc_close_stdin(&sa);
	/* Wait (bounded) for it to bind; wwd starts on the first client. */
	for (int i = 0; i < 1000 && access(sock, F_OK) != 0; i++) {
		struct pollfd none = { .fd = -1 };

		poll(&none, 1, 10);
	}
	{
		char	*args[] = { "stats", "--socket", sock, "--json",
			    NULL };

		wwctl_run_argv("", &p, args);
	}
	cr_assert(proc_exit_code(&p) == 0, "%s", proc_describe(&p));
	j = parse_out(&p);
	cr_assert(num(j, "pid") == sa.pid, "wwd should replace "
	    "systemd-socket-activate (exec), pid %.0f vs %d", num(j, "pid"),
	    (int)sa.pid);
	json_free(j);
	proc_clear(&p);
	kill(sa.pid, SIGTERM);
	cr_assert(proc_finish(&sa, HARNESS_TIMEOUT_MS) == 0);
	cr_assert(proc_exit_code(&sa) == 0, "%s", proc_describe(&sa));
	/* The socket belongs to whoever made it: wwd leaves it. */
	cr_assert(access(sock, F_OK) == 0);
	proc_clear(&sa);
	unlink(sock);
	rmdir(tmpl);
}

/* The events of "wwctl logs --json" output: one object per line. */
static size_t
logs_parse(const char *out, struct json **ev, size_t max)
{
	const char	*why = "";
	char		*copy, *line, *save;
	size_t		 n = 0;

	cr_assert((copy = strdup(out)) != NULL);
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		cr_assert(n < max, "too many events");
		ev[n] = json_parse(line, &why);
		cr_assert(ev[n] != NULL && ev[n]->type == JSON_OBJECT,
		    "not a JSON object (%s): %s", why, line);
		n++;
	}
	free(copy);
	return n;
}

/* The first event of kind about pid, or NULL. */
static const struct json *
logs_find(struct json **ev, size_t n, const char *kind, double pid)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(json_get(ev[i], "kind")->str, kind) == 0 &&
		    num(ev[i], "pid") == pid)
			return ev[i];
	return NULL;
}

static void
logs_free(struct json **ev, size_t n)
{
	while (n > 0)
		json_free(ev[--n]);
}

Test(service, logs_scoped_filtered_and_followed)
{
	struct rawc		 root, other;
	struct proc		 p, f;
	struct json		*ev[64];
	const struct json	*e;
	uint32_t		 rpid, opid;
	uid_t			 nobody = nobody_uid();
	size_t			 n, i;
	char			 id[32];
	char			*argv[] = { WWD_BIN_DIR "/wwctl", "logs", "-f",
			    "--json", "--socket", harness.sock, id, NULL };

	start("[socket]\nmode = 0666\n");
	open_socket_dir();
	rawc_connect(&root, harness.sock);
	rawc_hello(&root);
	rawc_create(&root, root.port_base, harness_js("console.js"));
	rpid = rawc_started(&root, root.port_base);
	expect_exit(&root, root.port_base, "closed", "");
	connect_as(&other, nobody);
	rawc_create(&other, other.port_base, harness_js("echo.js"));
	opid = rawc_started(&other, other.port_base);

	/* root sees both workers' lifecycles and the console line. */
	wwctl_cmd(&harness, &p, "logs", "--json", NULL);
	cr_assert(proc_exit_code(&p) == 0, "%s", proc_describe(&p));
	n = logs_parse(p.obuf, ev, 64);
	cr_assert(logs_find(ev, n, "started", rpid) != NULL, "%s", p.obuf);
	cr_assert((e = logs_find(ev, n, "console", rpid)) != NULL, "%s",
	    p.obuf);
	cr_assert(strstr(json_get(e, "message")->str, "hi 1") != NULL);
	cr_assert((e = logs_find(ev, n, "exited", rpid)) != NULL, "%s",
	    p.obuf);
	cr_assert(strstr(json_get(e, "message")->str, "closed") != NULL);
	cr_assert(num(e, "uid") == 0);
	cr_assert((e = logs_find(ev, n, "started", opid)) != NULL, "%s",
	    p.obuf);
	cr_assert(num(e, "uid") == nobody);
	snprintf(id, sizeof id, "%.0f", num(e, "worker"));
	logs_free(ev, n);
	proc_clear(&p);
	/* A worker never started is not found, as for kill. */
	wwctl_cmd(&harness, &p, "logs", "999999", NULL);
	cr_assert(proc_exit_code(&p) == 1 && strstr(p.ebuf,
	    "no worker 999999") != NULL, "%s", proc_describe(&p));
	proc_clear(&p);
	/* The readable form: a timestamp, then the log line. */
	wwctl_cmd(&harness, &p, "logs", NULL);
	cr_assert(proc_exit_code(&p) == 0 && strstr(p.obuf,
	    "] exited: closed\n") != NULL && p.obuf[4] == '-', "%s",
	    proc_describe(&p));
	proc_clear(&p);

	/* nobody sees only its own: no root worker, no root client. */
	wwctl_as(nobody, &p, "logs", "--json");
	cr_assert(proc_exit_code(&p) == 0, "%s", proc_describe(&p));
	n = logs_parse(p.obuf, ev, 64);
	cr_assert(n >= 2 && logs_find(ev, n, "started", opid) != NULL,
	    "%s", p.obuf);
	for (i = 0; i < n; i++)
		cr_assert(num(ev[i], "uid") == nobody, "%s", p.obuf);
	logs_free(ev, n);
	proc_clear(&p);

	/* One worker's events only. */
	wwctl_cmd(&harness, &p, "logs", "--json", id, NULL);
	cr_assert(proc_exit_code(&p) == 0, "%s", proc_describe(&p));
	n = logs_parse(p.obuf, ev, 64);
	cr_assert(n == 1, "%s", p.obuf);
	cr_assert(num(ev[0], "worker") == atof(id) &&
	    num(ev[0], "pid") == opid);
	logs_free(ev, n);
	proc_clear(&p);

	/* -f: the kept event, then a kill as it happens; SIGINT ends it. */
	proc_start(&f, argv);
	proc_close_stdin(&f);
	cr_assert(proc_wait_lines(&f, 1, HARNESS_TIMEOUT_MS) == 1, "%s",
	    proc_describe(&f));
	wwctl_cmd(&harness, &p, "kill", id, NULL);
	cr_assert(proc_exit_code(&p) == 0, "%s", proc_describe(&p));
	proc_clear(&p);
	cr_assert(proc_wait_lines(&f, 3, HARNESS_TIMEOUT_MS) == 1, "%s",
	    proc_describe(&f));
	n = logs_parse(f.obuf, ev, 64);
	cr_assert(logs_find(ev, n, "killed", opid) != NULL, "%s", f.obuf);
	cr_assert((e = logs_find(ev, n, "exited", opid)) != NULL, "%s",
	    f.obuf);
	cr_assert(strstr(json_get(e, "message")->str, "killed") != NULL);
	logs_free(ev, n);
	cr_assert(kill(f.pid, SIGINT) == 0);
	cr_assert(proc_finish(&f, HARNESS_TIMEOUT_MS) == 0, "%s",
	    proc_describe(&f));
	cr_assert(proc_exit_code(&f) == 0, "%s", proc_describe(&f));
	proc_clear(&f);
	rawc_close(&root);
	rawc_close(&other);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}
