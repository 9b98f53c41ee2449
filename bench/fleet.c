/*
 * fleet.c: the large-fleet mode of wwd-bench (`wwd-bench --fleet N`,
 * `make bench-fleet`). With N idle workers alive in one wwd (run.c
 * starts them), it times the real wwctl binary from exec to exit, reads
 * the daemon's CPU time while the fleet idles and counts its
 * descriptors, then prints the rows and writes them as JSON. Runs in
 * the wwd-bench process; nothing here is part of `make test`.
 */
#define _GNU_SOURCE
#include <sys/resource.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

/*
 * Run `wwctl ps --socket sock` (with --json if json) once; its stdout
 * is read to the end through a pipe, as a reader of the output would.
 * *us gets the wall time from fork to exit, *lines and *bytes what it
 * printed. 0, or -errno if it could not run or did not exit 0.
 */
static int
fleet_wwctl_once(const char *sock, int json, double *us, long *lines,
    long *bytes)
{
	char	*argv[] = { WWD_BIN_DIR "/wwctl", "ps", "--socket",
		    (char *)sock, json ? "--json" : NULL, NULL };
	char	 buf[65536];
	double	 t0;
	ssize_t	 n, i;
	pid_t	 pid;
	int	 p[2], status;

	*lines = *bytes = 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	t0 = main_now_us();
	if ((pid = fork()) == 0) {
		dup2(p[1], 1);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	while (pid > 0 && (n = read(p[0], buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		*bytes += n;
		for (i = 0; i < n; i++)
			*lines += buf[i] == '\n';
	}
	close(p[0]);
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -ECHILD;
	*us = main_now_us() - t0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EPROTO;
}

/*
 * Time runs of `wwctl ps` (json: --json) against n visible workers into
 * *p50 and *max (ms). The table must have n rows and a heading. 0 or
 * -errno.
 */
int
fleet_wwctl(const char *sock, int json, int n, int runs, double *p50,
    double *max, long *bytes)
{
	double	*t;
	long	 lines;
	int	 i, rc = 0;

	if ((t = calloc((size_t)runs, sizeof *t)) == NULL)
		return -ENOMEM;
	for (i = 0; i < runs && rc == 0; i++) {
		rc = fleet_wwctl_once(sock, json, &t[i], &lines, bytes);
		if (rc == 0 && !json && lines != n + 1) {
			fprintf(stderr, "wwd-bench: wwctl ps printed %ld "
			    "lines for %d workers\n", lines, n);
			rc = -EPROTO;
		}
	}
	if (rc == 0) {
		*p50 = run_percentile(t, runs, 50) / 1e3;
		*max = t[runs - 1] / 1e3;	/* sorted by the percentile */
	}
	free(t);
	return rc;
}

/* CPU time (user + system) of process pid in ms, or -1. */
double
fleet_cpu_ms(int pid)
{
	char			 path[64], buf[1024], *p;
	unsigned long long	 ut, st;
	FILE			*f;
	size_t			 n;

	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 2, "%*c %*d %*d "
	    "%*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) * 1e3 / (double)sysconf(_SC_CLK_TCK);
}

/* How many descriptors process pid has open, or -1. */
int
fleet_fds(int pid)
{
	char		 path[64];
	struct dirent	*e;
	DIR		*d;
	int		 n = 0;

	snprintf(path, sizeof path, "/proc/%d/fd", pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/*
 * Let this process (and the wwd it starts) hold the descriptors of n
 * workers, one each in wwd: raise the hard RLIMIT_NOFILE where allowed
 * (root with CAP_SYS_RESOURCE), else warn and go on; wwd itself raises
 * its soft limit to the hard one.
 */
void
fleet_nofile(int n)
{
	struct rlimit	rl;
	rlim_t		need = (rlim_t)n + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_max >= need)
		return;
	if (setrlimit(RLIMIT_NOFILE, &(struct rlimit){ need, need }) < 0)
		fprintf(stderr, "wwd-bench: %d workers need about %llu "
		    "descriptors in wwd; the hard limit is %llu and cannot "
		    "be raised (%s)\n", n, (unsigned long long)need,
		    (unsigned long long)rl.rlim_max, strerror(errno));
}

/* Print the fleet rows. */
void
fleet_print(const struct bench_fleet *f)
{
	printf("\nwwd-bench --fleet: %d idle workers alive in one wwd\n\n",
	    f->n);
	printf("  %-44s %10.1f\n", "start the fleet (s)", f->start_s);
	printf("  %-44s %10.1f\n", "  workers/s", f->n / f->start_s);
	printf("  %-44s %10.1f / %.1f\n", "wwctl ps, p50 / max (ms)",
	    f->ps_p50, f->ps_max);
	printf("  %-44s %10.1f / %.1f\n", "wwctl ps --json, p50 / max (ms)",
	    f->json_p50, f->json_max);
	printf("  %-44s %10ld / %ld\n", "  output bytes (table / json)",
	    f->ps_bytes, f->json_bytes);
	printf("  %-44s %10.1f / %.1f\n", "echo p50 (us), 1 worker / fleet",
	    f->echo1_p50, f->echo_p50);
	printf("  %-44s %10.1f / %.1f\n", "echo p99 (us), 1 worker / fleet",
	    f->echo1_p99, f->echo_p99);
	printf("  %-44s %10.2f\n", "wwd CPU while the fleet idles (%)",
	    f->idle_cpu);
	printf("  %-44s %10d\n", "wwd descriptors", f->fds);
	printf("  %-44s %10.0f\n", "wwd RSS (KiB)", f->rss_kib);
	printf("\n  target: wwctl ps within 100 ms with 10,000 workers: %s\n",
	    f->n >= 10000 && f->ps_max <= 100 && f->json_max <= 100 ?
	    "met" : f->n < 10000 ? "not measured (fewer workers)" :
	    "missed");
}

/* Write the fleet rows to path as JSON. 0 or -1 (errno set). */
int
fleet_json(const char *path, const struct bench_fleet *f)
{
	char	 date[32];
	time_t	 now = time(NULL);
	FILE	*o;

	if ((o = fopen(path, "w")) == NULL)
		return -1;
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", localtime(&now));
	fprintf(o, "{\n  \"date\": \"%s\",\n  \"cpu\": %d,\n"
	    "  \"workers\": %d,\n  \"start_s\": %.3f,\n"
	    "  \"ps_p50_ms\": %.2f,\n  \"ps_max_ms\": %.2f,\n"
	    "  \"ps_json_p50_ms\": %.2f,\n  \"ps_json_max_ms\": %.2f,\n"
	    "  \"ps_bytes\": %ld,\n  \"ps_json_bytes\": %ld,\n"
	    "  \"echo_1_p50_us\": %.2f,\n  \"echo_1_p99_us\": %.2f,\n"
	    "  \"echo_fleet_p50_us\": %.2f,\n  \"echo_fleet_p99_us\": %.2f,\n"
	    "  \"wwd_idle_cpu_pct\": %.3f,\n  \"wwd_fds\": %d,\n"
	    "  \"wwd_rss_kib\": %.0f\n}\n", date, f->cpu, f->n, f->start_s,
	    f->ps_p50, f->ps_max, f->json_p50, f->json_max, f->ps_bytes,
	    f->json_bytes, f->echo1_p50, f->echo1_p99, f->echo_p50,
	    f->echo_p99, f->idle_cpu, f->fds, f->rss_kib);
	return fclose(o) == 0 ? 0 : -1;
}
