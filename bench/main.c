/*
 * main.c: wwd-bench, the benchmark suite's one command (`make bench`).
 * Pins itself to one CPU (inherited by everything it starts), measures
 * the socket limits, starts a real wwd in a temporary directory and
 * measures it through libwwd, then runs the Node worker_threads peer
 * script, and prints one table and one JSON file from that one run.
 *
 *   usage: wwd-bench [--no-pin | --cpu N] [--quick] [--json PATH]
 *                    [--node PATH] [--node-max N]
 *                    [--only spawn,messages,memory] [--fleet N]
 *
 * --fleet N runs only the large-fleet mode (fleet.c): N idle workers in
 * one wwd, `wwctl ps` timed against them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#ifndef WWD_BIN_DIR
#error "WWD_BIN_DIR must name the directory holding wwd"
#endif
#ifndef BENCH_DIR
#error "BENCH_DIR must name the bench/ source directory"
#endif

#define MAIN_READY_MS	10000
#define MAIN_FLEET_RUNS	11	/* wwctl ps runs per variant */
#define MAIN_NODE_MAX	(1024 * 1024)	/* Node output kept, bytes */

/* The wwd that main started: its process and temporary directory. */
struct daemon {
	pid_t	pid;
	char	dir[64], sock[96], log[96], conf[96];
};

/* Monotonic time in microseconds. */
double
main_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Mark every number of a side as not measured. */
void
main_side_init(struct bench_side *s)
{
	int	i;

	memset(s, 0, sizeof *s);
	s->spawn_p50 = s->spawn_p99 = s->spawn_rate = -1;
	s->echo_p50 = s->echo_p99 = s->small_rate = s->big_mbs = -1;
	for (i = 0; i < BENCH_MEM_STEPS; i++)
		s->mem_kib[i] = s->slope_kib[i] = -1;
	s->pair_p50 = s->pair_p99 = s->relay_p50 = s->relay_p99 = -1;
}

/* Wait (bounded) for one byte on fd. 0 or -errno. */
static int
wait_byte(int fd, int ms)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	char		c;

	if (poll(&pfd, 1, ms) <= 0)
		return -ETIMEDOUT;
	return read(fd, &c, 1) == 1 ? 0 : -EPIPE;
}

/*
 * In a forked child of parent: get SIGTERM when wwd-bench dies, so a
 * killed run leaves no daemon (nor node) behind; exit at once if it
 * already died before the child asked.
 */
static void
die_with(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
		_exit(126);
}

/* Start wwd on a socket in a fresh temporary directory. 0 or -errno. */
static int
daemon_start(struct daemon *d)
{
	char	*argv[] = { WWD_BIN_DIR "/wwd", "--foreground", "--socket",
		    d->sock, "--config", d->conf, "--ready-fd", "3",
		    "--log-level", "warn", NULL };
	int	 ready[2], log, rc;
	pid_t	 parent = getpid();
	FILE	*f;

	snprintf(d->dir, sizeof d->dir, "/tmp/wwd-bench.XXXXXX");
	if (mkdtemp(d->dir) == NULL)
		return -errno;
	snprintf(d->sock, sizeof d->sock, "%s/wwd.sock", d->dir);
	snprintf(d->log, sizeof d->log, "%s/wwd.log", d->dir);
	snprintf(d->conf, sizeof d->conf, "%s/wwd.conf", d->dir);
	/* The fleet (1,000) and the burst must fit under the limits. */
	if ((f = fopen(d->conf, "w")) == NULL)
		return -errno;
	fprintf(f, "[limits]\nworkers = 100000\nworkers_per_user = 100000\n");
	fclose(f);
	if ((log = open(d->log, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		return -errno;
	if (pipe(ready) < 0) {
		close(log);
		return -errno;
	}
	if ((d->pid = fork()) == 0) {
		die_with(parent);
		dup2(log, 1);
		dup2(log, 2);
		dup2(ready[1], 3);
		close_range(4, ~0U, 0);
		execv(argv[0], argv);
		_exit(127);
	}
	close(log);
	close(ready[1]);
	rc = d->pid < 0 ? -errno : wait_byte(ready[0], MAIN_READY_MS);
	close(ready[0]);
	return rc;
}

/* Stop wwd (SIGTERM), show its log if it complained, remove the dir. */
static void
daemon_stop(struct daemon *d)
{
	char	 line[512];
	FILE	*f;

	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		waitpid(d->pid, NULL, 0);
	}
	if ((f = fopen(d->log, "r")) != NULL) {
		while (fgets(line, sizeof line, f) != NULL)
			fprintf(stderr, "wwd log: %s", line);
		fclose(f);
	}
	unlink(d->log);
	unlink(d->conf);
	unlink(d->sock);
	rmdir(d->dir);
}

/*
 * Run the groups in only (BENCH_*) of o on a wwd of their own into out:
 * the memory group gets a fresh one, so what the daemon grows by starts
 * from its first worker, not from the heap earlier groups left. 0 or
 * -errno, said on stderr.
 */
static int
main_wwd(const struct bench_opts *o, int only, struct bench_side *out)
{
	struct bench_opts	g = *o;
	struct daemon		d = { 0 };
	int			rc;

	if (only == 0)
		return 0;
	g.only = only;
	if ((rc = daemon_start(&d)) < 0)
		fprintf(stderr, "wwd-bench: wwd did not start: %s\n",
		    strerror(-rc));
	else if ((rc = run_wwd(d.sock, d.pid, &g, out)) < 0)
		fprintf(stderr, "wwd-bench: the wwd run stopped early\n");
	daemon_stop(&d);
	return rc;
}

/*
 * Run the Node peer script with the same amounts of work and read its
 * one JSON object into out. 0 or -errno.
 */
static int
run_node(const char *node, const struct bench_opts *o, char *version,
    size_t vlen, struct bench_side *out)
{
	char	 a[10][16], *buf, *v;
	char	*argv[14];
	int	 p[2], i, status, rc = 0;
	size_t	 len = 0;
	ssize_t	 n;
	pid_t	 pid, parent = getpid();
	int	 nums[10] = { o->spawns, o->burst, o->rtts, o->warmup,
		    o->small, o->big, o->mem[0], o->mem[1], o->node_mem_max,
		    o->only };

	argv[0] = (char *)node;
	argv[1] = "--expose-gc";
	argv[2] = BENCH_DIR "/node/bench.js";
	for (i = 0; i < 10; i++) {
		snprintf(a[i], sizeof a[i], "%d", nums[i]);
		argv[3 + i] = a[i];
	}
	argv[13] = NULL;
	if ((buf = malloc(MAIN_NODE_MAX)) == NULL)
		return -ENOMEM;
	if (pipe(p) < 0) {
		free(buf);
		return -errno;
	}
	if ((pid = fork()) == 0) {
		die_with(parent);
		dup2(p[1], 1);
		close_range(3, ~0U, 0);
		execvp(argv[0], argv);
		fprintf(stderr, "wwd-bench: exec %s: %s\n", node,
		    strerror(errno));
		_exit(127);
	}
	close(p[1]);
	while (pid > 0 && len < MAIN_NODE_MAX - 1 &&
	    (n = read(p[0], buf + len, MAIN_NODE_MAX - 1 - len)) != 0) {
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0)
			len += (size_t)n;
	}
	close(p[0]);
	buf[len] = '\0';
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		rc = -ECHILD;
	if (rc == 0)
		rc = report_node(buf, len, out);
	if (rc == 0 && (v = strstr(buf, "\"version\":\"")) != NULL)
		snprintf(version, vlen, "%.*s", (int)strcspn(v + 11, "\""),
		    v + 11);
	free(buf);
	return rc;
}

static void
usage(void)
{
	fprintf(stderr, "usage: wwd-bench [--no-pin | --cpu N] [--quick] "
	    "[--json PATH] [--node PATH] [--node-max N]\n"
	    "                 [--only spawn,messages,memory] [--fleet N]\n");
	exit(2);
}

/* The BENCH_* groups named in a comma-separated list, or -1. */
static int
groups(const char *list)
{
	static const struct {
		const char	*name;
		int		 bit;
	} names[] = {
		{ "spawn", BENCH_SPAWN },
		{ "messages", BENCH_MESSAGES },
		{ "memory", BENCH_MEMORY },
	};
	size_t	 i, n;
	int	 only = 0;

	while (*list != '\0') {
		n = strcspn(list, ",");
		for (i = 0; i < sizeof names / sizeof names[0]; i++)
			if (strlen(names[i].name) == n &&
			    strncmp(names[i].name, list, n) == 0)
				break;
		if (i == sizeof names / sizeof names[0])
			return -1;
		only |= names[i].bit;
		list += n + (list[n] == ',');
	}
	return only == 0 ? -1 : only;
}

/* Small amounts for a quick look (not for docs/performance.md). */
static void
quick(struct bench_opts *o)
{
	o->spawns = o->burst = 50;
	o->rtts = o->warmup = 2000;
	o->small = 20000;
	o->big = 200;
	o->mem[1] = 10;
	o->mem[2] = o->node_mem_max = 100;
}

static void
pin(int cpu)
{
	cpu_set_t	set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof set, &set) < 0) {
		fprintf(stderr, "wwd-bench: cannot pin to CPU %d: %s\n", cpu,
		    strerror(errno));
		exit(1);
	}
}

/* The default JSON path: bench/results/<date>-[fleet-]<mode>.json. */
static void
json_path(char *path, size_t len, int cpu, int fleet)
{
	char		date[16];
	time_t		now = time(NULL);

	strftime(date, sizeof date, "%Y-%m-%d", localtime(&now));
	mkdir(BENCH_DIR "/results", 0755);
	snprintf(path, len, "%s/results/%s-%s%s.json", BENCH_DIR, date,
	    fleet ? "fleet-" : "", cpu < 0 ? "unpinned" : "pinned");
}

/* wwd-bench --fleet n: the large-fleet mode alone. An exit code. */
static int
main_fleet(const struct bench_opts *o, int n, const char *json)
{
	struct bench_fleet	 f = { 0 };
	struct daemon		 d = { 0 };
	char			 path[512];
	int			 rc;

	f.n = n;
	f.cpu = o->cpu;
	f.runs = MAIN_FLEET_RUNS;
	fleet_nofile(n);
	if ((rc = daemon_start(&d)) < 0)
		fprintf(stderr, "wwd-bench: wwd did not start: %s\n",
		    strerror(-rc));
	else {
		f.daemon_pid = d.pid;
		rc = run_fleet(d.sock, o, &f);
	}
	daemon_stop(&d);
	if (rc < 0)
		return 1;
	fleet_print(&f);
	if (json == NULL) {
		json_path(path, sizeof path, o->cpu, 1);
		json = path;
	}
	if (fleet_json(json, &f) < 0) {
		fprintf(stderr, "wwd-bench: %s: %s\n", json, strerror(errno));
		return 1;
	}
	printf("\nJSON: %s\n", json);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "no-pin", no_argument, NULL, 'u' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "quick", no_argument, NULL, 'q' },
		{ "json", required_argument, NULL, 'j' },
		{ "node", required_argument, NULL, 'n' },
		{ "node-max", required_argument, NULL, 'm' },
		{ "fleet", required_argument, NULL, 'f' },
		{ "only", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct bench_opts	o = { 200, 200, 20000, 2000, 200000, 2000,
				    { 1, 100, 1000 }, 1000, 0, BENCH_ALL };
	struct bench_side	wwd, node, lim;
	const char		*json = NULL, *nodebin = "node";
	char			 path[512], version[32] = "?";
	double			 t0 = main_now_us();
	int			 ch, rc, nfleet = 0;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			o.cpu = -1;
			break;
		case 'c':
			o.cpu = atoi(optarg);
			break;
		case 'q':
			quick(&o);
			break;
		case 'j':
			json = optarg;
			break;
		case 'n':
			nodebin = optarg;
			break;
		case 'm':
			o.node_mem_max = atoi(optarg);
			break;
		case 'f':
			if ((nfleet = atoi(optarg)) <= 0)
				usage();
			break;
		case 'o':
			if ((o.only = groups(optarg)) < 0)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	signal(SIGPIPE, SIG_IGN);
	if (o.cpu >= 0)
		pin(o.cpu);
	if (nfleet > 0)
		return main_fleet(&o, nfleet, json);
	main_side_init(&wwd);
	main_side_init(&node);
	main_side_init(&lim);

	fprintf(stderr, "wwd-bench: socket limits...\n");
	if ((rc = limit_run(&o, &lim)) < 0)
		fprintf(stderr, "wwd-bench: limits: %s\n", strerror(-rc));
	fprintf(stderr, "wwd-bench: wwd...\n");
	if (main_wwd(&o, o.only & ~BENCH_MEMORY, &wwd) == 0)
		main_wwd(&o, o.only & BENCH_MEMORY, &wwd);
	fprintf(stderr, "wwd-bench: node worker_threads...\n");
	if ((rc = run_node(nodebin, &o, version, sizeof version, &node)) < 0)
		fprintf(stderr, "wwd-bench: node: %s\n", strerror(-rc));
	fprintf(stderr, "wwd-bench: done in %.0f s\n",
	    (main_now_us() - t0) / 1e6);

	report_print(&o, version, &wwd, &node, &lim);
	if (json == NULL) {
		json_path(path, sizeof path, o.cpu, 0);
		json = path;
	}
	if (report_json(json, &o, version, &wwd, &node, &lim) < 0) {
		fprintf(stderr, "wwd-bench: %s: %s\n", json, strerror(errno));
		return 1;
	}
	printf("\nJSON: %s\n", json);
	return 0;
}
