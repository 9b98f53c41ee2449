/*
 * test_template.c: wwd forks every worker through its template process.
 * Workers are wwd's own children (not the template's), the template is
 * not counted as a worker, and when the template is SIGKILLed the
 * running workers go on, wwd logs it and starts a new template, and new
 * workers start through that one.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"
#include "template.h"

TestSuite(template, .init = harness_setup, .fini = harness_teardown,
    .timeout = 60);

/* The parent pid of pid and whether its comm is the template's. */
static int
stat_of(pid_t pid, pid_t *ppid, int *is_template)
{
	char	 path[64], buf[512], *p;
	FILE	*f;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	p = fgets(buf, sizeof buf, f);
	fclose(f);
	if (p == NULL || (p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %*c %d", ppid) != 1)
		return -1;
	*is_template = strstr(buf, "(" TEMPLATE_COMM ")") != NULL;
	return 0;
}

/* The template process under wwd other than not, or 0 if none. */
static pid_t
find_template(pid_t not)
{
	struct dirent	*e;
	DIR		*d;
	pid_t		 pid, ppid, found = 0;
	int		 is;

	cr_assert((d = opendir("/proc")) != NULL);
	while ((e = readdir(d)) != NULL) {
		if ((pid = (pid_t)atoi(e->d_name)) <= 0 || pid == not)
			continue;
		if (stat_of(pid, &ppid, &is) == 0 && is &&
		    ppid == harness.pid)
			found = pid;
	}
	closedir(d);
	return found;
}

/* Wait (polling /proc, with a deadline) for a template other than old. */
static pid_t
wait_template(pid_t old)
{
	long long	deadline = harness_now_ms() + HARNESS_TIMEOUT_MS;
	pid_t		pid;

	while ((pid = find_template(old)) == 0 && harness_now_ms() < deadline)
		poll(NULL, 0, 10);
	return pid;
}

/* An echo worker through wwctl; it has answered once on return. */
static void
echo_worker(struct proc *p, const char *word)
{
	char	line[64];

	wwctl_start(&harness, p, harness_js("echo.js"), NULL);
	snprintf(line, sizeof line, "\"%s\"\n", word);
	proc_write(p, line);
	cr_assert(proc_wait_lines(p, 1, HARNESS_TIMEOUT_MS) == 1,
	    "no echo; %s", proc_describe(p));
}

Test(template, workers_are_children_of_wwd)
{
	struct proc	p;
	pid_t		worker, ppid, tmpl;
	int		is;

	tmpl = wait_template(0);
	cr_assert(tmpl > 0, "no template process under wwd");
	echo_worker(&p, "one");
	worker = harness_one_worker(&harness);
	cr_assert(stat_of(worker, &ppid, &is) == 0);
	cr_assert(ppid == harness.pid, "the worker's parent is %d, not wwd "
	    "(%d)", (int)ppid, (int)harness.pid);
	cr_assert(!is, "the worker still calls itself the template");
	proc_write(&p, "\"close\"\n");
	cr_assert(proc_finish(&p, HARNESS_TIMEOUT_MS) == 0, "%s",
	    proc_describe(&p));
	proc_clear(&p);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}

Test(template, restarted_when_killed)
{
	struct proc	 a, b;
	pid_t		 old, fresh;
	char		*log;

	old = wait_template(0);
	cr_assert(old > 0, "no template process under wwd");
	echo_worker(&a, "before");
	cr_assert(kill(old, SIGKILL) == 0);
	fresh = wait_template(old);
	cr_assert(fresh > 0, "wwd did not start a new template");

	/* The running worker did not die with its template. */
	proc_write(&a, "\"after\"\n");
	cr_assert(proc_wait_lines(&a, 2, HARNESS_TIMEOUT_MS) == 1,
	    "the worker died with the template; %s", proc_describe(&a));
	/* New workers come from the new template. */
	echo_worker(&b, "new");
	harness_wait_workers(&harness, 2, HARNESS_TIMEOUT_MS);

	proc_write(&a, "\"close\"\n");
	proc_write(&b, "\"close\"\n");
	cr_assert(proc_finish(&a, HARNESS_TIMEOUT_MS) == 0);
	cr_assert(proc_finish(&b, HARNESS_TIMEOUT_MS) == 0);
	cr_assert(proc_exit_code(&a) == 0, "%s", proc_describe(&a));
	cr_assert(proc_exit_code(&b) == 0, "%s", proc_describe(&b));
	proc_clear(&a);
	proc_clear(&b);
	log = harness_read_file(harness.log);
	cr_assert(strstr(log, "template process") != NULL &&
	    strstr(log, "died") != NULL, "wwd did not log the restart:\n%s",
	    log);
	free(log);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
}

/*
 * wwd says it is ready only once its template is: a template that ends
 * before it is prepared (here /bin/true in its place) stops wwd at
 * start, with the reason, instead of failing every spawn later.
 */
Test(template, one_that_never_gets_ready_stops_wwd)
{
	char		 sock[160];
	char *const	 argv[] = { WWD_BIN_DIR "/wwd", "--foreground",
			    "--socket", sock, "--worker", "/bin/true",
			    "--log-target", "stderr", NULL };
	struct proc	 p;

	snprintf(sock, sizeof sock, "%s/other.sock", harness.dir);
	proc_start(&p, argv);
	cr_assert(proc_finish(&p, HARNESS_TIMEOUT_MS) == 0,
	    "wwd went on without a template; %s", proc_describe(&p));
	cr_assert(proc_exit_code(&p) == 1, "%s", proc_describe(&p));
	cr_assert(strstr(p.ebuf, "cannot start the template process "
	    "/bin/true") != NULL, "%s", proc_describe(&p));
	proc_clear(&p);
}
