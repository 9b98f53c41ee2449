/*
 * soak.c: wwd-soak, the long-running mixed workload. Starts its own wwd
 * (from -b DIR) on a socket in a temporary directory, runs the load of
 * tests/load (spawn, message, SIGKILL, terminate; shared connects once
 * wwd has them) for -d seconds and prints wwd's RSS and descriptor count
 * every -i seconds. At the end it drains, closes its clients, prints the
 * growth and stops wwd with SIGTERM; exit status 0 only if no check of
 * the workload failed and wwd exited 0.
 *   usage: wwd-soak [-d SECONDS] [-i SECONDS] [-b BINDIR]
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "load.h"

/* wwd's resident set in KiB, from /proc/PID/status. */
static long
rss_kib(pid_t pid)
{
	char	path[64], line[256];
	long	kib = -1;
	FILE	*fp;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, fp) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	fclose(fp);
	return kib;
}

static int
count_fds(pid_t pid)
{
	char		 path[64];
	struct dirent	*d;
	DIR		*dir;
	int		 n = 0;

	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	if ((dir = opendir(path)) == NULL)
		return -1;
	while ((d = readdir(dir)) != NULL)
		if (d->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

/* Start wwd on dir/wwd.sock; returns its pid once it is ready. */
static pid_t
start_wwd(const char *bindir, const char *sock, const char *log)
{
	char	 wwd[4096];
	int	 ready[2];
	char	 byte;
	pid_t	 pid;

	snprintf(wwd, sizeof wwd, "%s/wwd", bindir);
	if (pipe(ready) < 0 || (pid = fork()) < 0) {
		perror("wwd-soak");
		exit(2);
	}
	if (pid == 0) {
		if (dup2(ready[1], 3) < 0 ||
		    freopen(log, "w", stderr) == NULL)
			_exit(127);
		execl(wwd, "wwd", "--foreground", "--socket", sock,
		    "--ready-fd", "3", (char *)NULL);
		_exit(127);
	}
	close(ready[1]);
	if (read(ready[0], &byte, 1) != 1) {
		fprintf(stderr, "wwd-soak: %s did not start (see %s)\n", wwd,
		    log);
		exit(2);
	}
	close(ready[0]);
	return pid;
}

int
main(int argc, char *argv[])
{
	struct load_opts	 o = { NULL, 4, 8, 4, 20, 100, 1 };
	struct load_stats	 st;
	struct load		*l;
	const char		*bindir = "build/bin";
	char			 dir[] = "/tmp/wwd-soak.XXXXXX";
	char			 sock[64], log[64];
	long			 rss0, rss1;
	int			 secs = 600, every = 10, t, ch, fds0, fds1;
	int			 status, rc = 0;
	pid_t			 pid;

	while ((ch = getopt(argc, argv, "d:i:b:")) != -1) {
		switch (ch) {
		case 'd': secs = atoi(optarg); break;
		case 'i': every = atoi(optarg); break;
		case 'b': bindir = optarg; break;
		default:
			fprintf(stderr, "usage: wwd-soak [-d SECONDS] "
			    "[-i SECONDS] [-b BINDIR]\n");
			return 2;
		}
	}
	if (every < 1)
		every = 1;
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(sock, sizeof sock, "%s/wwd.sock", dir);
	snprintf(log, sizeof log, "%s/wwd.log", dir);
	pid = start_wwd(bindir, sock, log);
	o.sock = sock;
	if (load_create(&l, &o) < 0)
		return 2;
	/* The baseline is taken once the first workers run. */
	load_run(l, 2000, &st);
	rss0 = rss_kib(pid);
	fds0 = count_fds(pid);
	printf("# %d clients x %d workers, SIGKILL every %d ms, terminate "
	    "every %d ms; wwd pid %d\n", o.clients, o.workers, o.kill_ms,
	    o.terminate_ms, (int)pid);
	printf("%6s %9s %5s %9s %8s %8s %11s\n", "secs", "rss_kib", "fds",
	    "spawned", "killed", "termd", "messages");
	for (t = 0; t < secs && rc == 0; t += every) {
		rc = load_run(l, (unsigned)every * 1000, &st);
		printf("%6d %9ld %5d %9" PRIu64 " %8" PRIu64 " %8" PRIu64
		    " %11" PRIu64 "\n", t + every, rss_kib(pid),
		    count_fds(pid), st.spawned, st.killed, st.terminated,
		    st.received);
		fflush(stdout);
	}
	if (rc == 0)
		rc = load_drain(l, 30000, &st);
	if (rc == 0) {
		/* Same number of live workers as at the baseline. */
		rss1 = rss_kib(pid);
		fds1 = count_fds(pid);
		printf("# drained: rss %ld -> %ld KiB (%+ld), fds %d -> %d\n",
		    rss0, rss1, rss1 - rss0, fds0, fds1);
	} else
		fprintf(stderr, "wwd-soak: FAILED: %s\n", st.fail);
	load_free(l);
	kill(pid, SIGTERM);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "wwd-soak: wwd did not exit 0 (see %s)\n", log);
		rc = -1;
	}
	if (rc == 0) {
		unlink(log);
		rmdir(dir);
	}
	return rc == 0 ? 0 : 1;
}
