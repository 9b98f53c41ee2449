/*
 * bench.h: the benchmark suite's one header (`make bench`). wwd-bench is
 * a single process: main.c pins it, starts a real wwd on a temporary
 * socket (and a fresh one for the memory rows) and the Node peer script,
 * run.c measures wwd through libwwd (mem.c reads what its processes
 * map), limit.c measures the socket limits with forked helpers, fleet.c
 * the large-fleet mode (--fleet N), report.c prints the table and writes
 * the JSON. Nothing here is part of `make test`; every number of one
 * report comes from the same run.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>

/* The three fleet sizes of the idle-memory measurement. */
#define BENCH_MEM_STEPS	3

/* The groups of rows, for --only (the socket limits always run). */
#define BENCH_SPAWN	0x1	/* spawn to first message, burst */
#define BENCH_MESSAGES	0x2	/* echo, one-way small and 64 KiB */
#define BENCH_MEMORY	0x4	/* idle worker memory */
#define BENCH_ALL	0x7

/* How much to do; filled from the command line. */
struct bench_opts {
	int	spawns;		/* sequential spawns */
	int	burst;		/* workers started at once */
	int	rtts;		/* timed round trips (after warm-up) */
	int	warmup;
	int	small;		/* one-way small messages */
	int	big;		/* one-way 64 KiB messages */
	int	mem[BENCH_MEM_STEPS];	/* fleet sizes */
	int	node_mem_max;	/* Node's largest fleet */
	int	cpu;		/* -1: not pinned */
	int	only;		/* BENCH_* groups to run */
};

/*
 * One side's numbers (wwd, node, or the socket limits); a negative value
 * means not measured. Spawn times in ms, round trips in us, rates per
 * second, memory in KiB per worker.
 */
struct bench_side {
	double	spawn_p50, spawn_p99;	/* spawn to 1st message, ms */
	double	spawn_rate;		/* workers/s, started at once */
	double	echo_p50, echo_p99;	/* small round trip, us */
	double	small_rate;		/* one-way small messages/s */
	double	big_mbs;		/* one-way 64 KiB, MB/s */
	double	mem_kib[BENCH_MEM_STEPS];	/* per idle worker */
	double	slope_kib[BENCH_MEM_STEPS];	/* the service's growth */
	int	mem_n[BENCH_MEM_STEPS];		/* fleet sizes reached */
	double	pair_p50, pair_p99;	/* limit: socketpair */
	double	relay_p50, relay_p99;	/* limit: through a relay */
};

/* The large-fleet mode (--fleet N): times in ms unless named. */
struct bench_fleet {
	int	n;			/* idle workers alive */
	int	cpu;			/* pinned to, or -1 */
	int	runs;			/* wwctl runs per variant */
	int	daemon_pid;
	double	start_s;		/* starting all n, seconds */
	double	ps_p50, ps_max;		/* wwctl ps, exec to exit */
	double	json_p50, json_max;	/* wwctl ps --json */
	long	ps_bytes, json_bytes;	/* their output */
	double	echo1_p50, echo1_p99;	/* us, before the fleet */
	double	echo_p50, echo_p99;	/* us, with the fleet alive */
	double	idle_cpu;		/* wwd CPU %, fleet idle */
	int	fds;			/* wwd's descriptors */
	double	rss_kib;		/* wwd's RSS */
};

/* main.c */
double	 main_now_us(void);
void	 main_side_init(struct bench_side *);

/* run.c */
int	 run_wwd(const char *, int, const struct bench_opts *,
	    struct bench_side *);
double	 run_percentile(double *, int, double);

int	 run_fleet(const char *, const struct bench_opts *,
	    struct bench_fleet *);

/* fleet.c */
int	 fleet_wwctl(const char *, int, int, int, double *, double *,
	    long *);
double	 fleet_cpu_ms(int);
int	 fleet_fds(int);
void	 fleet_nofile(int);
void	 fleet_print(const struct bench_fleet *);
int	 fleet_json(const char *, const struct bench_fleet *);

/* mem.c */
long	 mem_pss_kib(int);
long	 mem_rss_kib(int);
long	 mem_tree_kib(int);

/* limit.c */
int	 limit_run(const struct bench_opts *, struct bench_side *);

/* report.c */
void	 report_print(const struct bench_opts *, const char *,
	    const struct bench_side *, const struct bench_side *,
	    const struct bench_side *);
int	 report_json(const char *, const struct bench_opts *, const char *,
	    const struct bench_side *, const struct bench_side *,
	    const struct bench_side *);
int	 report_node(const char *, size_t, struct bench_side *);

#endif
