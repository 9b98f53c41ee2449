/*
 * report.c: the one list of metrics (ROWS) and what is done with it, in
 * wwd-bench: read Node's numbers by key, evaluate the targets,
 * print the table and write the same rows as JSON. A row names a field
 * of struct bench_side; the key is the same in Node's output and ours.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <msgpack.h>

#include "bench.h"
#include "wwd.h"

/* The targets (docs/performance.md), evaluated in target(). */
enum goal {
	GOAL_NONE,
	GOAL_SPAWN,	/* p50 >= 30x faster than Node and <= 0.5 ms */
	GOAL_BURST,	/* >= 2,000 workers/s */
	GOAL_ECHO,	/* p50 <= 1.25x the relay limit and <= 2x Node */
	GOAL_TAIL,	/* p99 <= 2x its own p50 */
	GOAL_SMALL,	/* >= Node and >= 1 M/s */
	GOAL_BIG,	/* >= 2 GB/s */
	GOAL_MEM,	/* <= 256 KiB PSS */
	GOAL_UNMEASURED	/* a target this suite does not measure */
};

struct row {
	const char	*key;	/* JSON key, also in Node's output */
	const char	*label;
	int		 prec;	/* decimals printed */
	long		 off;	/* offsetof the double in bench_side */
	int		 limit;	/* 1: the value is a limit */
	long		 lim;	/* offsetof the limit beside, -1 */
	enum goal	 goal;
	const char	*target;
};

#define F(f)	(long)offsetof(struct bench_side, f)
#define MEM(a, i) (F(a) + (long)((i) * sizeof(double)))

static const struct row ROWS[] = {
	{ "spawn_p50_ms", "spawn to first message p50 (ms)", 2,
	    F(spawn_p50), 0, -1, GOAL_SPAWN, ">=30x faster than node, <=0.5" },
	{ "spawn_p99_ms", "spawn to first message p99 (ms)", 2,
	    F(spawn_p99), 0, -1, GOAL_NONE, "" },
	{ "spawn_rate", "concurrent spawn (workers/s)", 0,
	    F(spawn_rate), 0, -1, GOAL_BURST, ">=2000" },
	{ "echo_p50_us", "echo round trip p50 (us)", 1,
	    F(echo_p50), 0, F(relay_p50), GOAL_ECHO,
	    "<=1.25x relay, <=2x node" },
	{ "echo_p99_us", "echo round trip p99 (us)", 1,
	    F(echo_p99), 0, F(relay_p99), GOAL_TAIL, "<=2x own p50" },
	{ "small_rate", "one-way small messages (msg/s)", 0,
	    F(small_rate), 0, -1, GOAL_SMALL, ">=node, >=1M" },
	{ "big_mbs", "one-way 64 KiB messages (MB/s)", 0,
	    F(big_mbs), 0, -1, GOAL_BIG, ">=2000" },
	{ "mem_kib_0", "idle worker PSS", 0,
	    MEM(mem_kib, 0), 0, -1, GOAL_MEM, "<=256" },
	{ "mem_kib_1", "idle worker PSS", 0,
	    MEM(mem_kib, 1), 0, -1, GOAL_MEM, "<=256" },
	{ "mem_kib_2", "idle worker PSS", 0,
	    MEM(mem_kib, 2), 0, -1, GOAL_MEM, "<=256" },
	{ "slope_kib_0", "wwd's growth per idle worker", 0,
	    MEM(slope_kib, 0), 0, -1, GOAL_MEM, "<=256" },
	{ "slope_kib_1", "wwd's growth per idle worker", 0,
	    MEM(slope_kib, 1), 0, -1, GOAL_MEM, "<=256" },
	{ "slope_kib_2", "wwd's growth per idle worker", 0,
	    MEM(slope_kib, 2), 0, -1, GOAL_MEM, "<=256" },
	{ "pair_p50_us", "limit: socketpair round trip p50 (us)", 1,
	    F(pair_p50), 1, -1, GOAL_NONE, "" },
	{ "pair_p99_us", "limit: socketpair round trip p99 (us)", 1,
	    F(pair_p99), 1, -1, GOAL_NONE, "" },
	{ "relay_p50_us", "limit: relay round trip p50 (us)", 1,
	    F(relay_p50), 1, -1, GOAL_NONE, "" },
	{ "relay_p99_us", "limit: relay round trip p99 (us)", 1,
	    F(relay_p99), 1, -1, GOAL_NONE, "" },
	{ "ten_thousand", "10,000 idle workers, wwctl ps <100 ms", 0,
	    -1, 0, -1, GOAL_UNMEASURED, "not measured" },
};
#define NROWS	(sizeof ROWS / sizeof ROWS[0])

static double
get(const struct bench_side *s, long off)
{
	if (off < 0)
		return -1;
	return *(const double *)(const void *)((const char *)s + off);
}

static void
set(struct bench_side *s, long off, double v)
{
	*(double *)(void *)((char *)s + off) = v;
}

/* 1 met, 0 missed, -1 no target or not measured. */
static int
target(const struct row *r, const struct bench_side *w,
    const struct bench_side *n, const struct bench_side *l)
{
	double	v = get(w, r->off), nv = get(n, r->off);

	if (r->goal == GOAL_NONE || r->goal == GOAL_UNMEASURED || v < 0)
		return -1;
	switch (r->goal) {
	case GOAL_SPAWN:
		return nv > 0 && v * 30 <= nv && v <= 0.5;
	case GOAL_BURST:
		return v >= 2000;
	case GOAL_ECHO:
		return l->relay_p50 > 0 && nv > 0 &&
		    v <= 1.25 * l->relay_p50 && v <= 2 * nv;
	case GOAL_TAIL:
		return w->echo_p50 > 0 && v <= 2 * w->echo_p50;
	case GOAL_SMALL:
		return nv > 0 && v >= nv && v >= 1e6;
	case GOAL_BIG:
		return v >= 2000;
	case GOAL_MEM:
		return v <= 256;
	default:
		return -1;
	}
}

static const char *
verdict(int t)
{
	return t < 0 ? "" : t ? "met" : "MISSED";
}

/* A number with the row's decimals, or "-" if not measured. */
static const char *
num(char *b, size_t len, double v, int prec)
{
	if (v < 0)
		snprintf(b, len, "-");
	else
		snprintf(b, len, "%.*f", prec, v);
	return b;
}

/* The CPU model from /proc/cpuinfo into b. */
static void
cpu_model(char *b, size_t len)
{
	char	 line[256], *p;
	FILE	*f = fopen("/proc/cpuinfo", "r");

	snprintf(b, len, "unknown");
	while (f != NULL && fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, "model name", 10) == 0 &&
		    (p = strchr(line, ':')) != NULL) {
			snprintf(b, len, "%.*s", (int)strcspn(p + 2, "\n\""),
			    p + 2);
			break;
		}
	if (f != NULL)
		fclose(f);
}

/*
 * The label of row r: a memory row's key ends in its fleet step, and its
 * label gets the fleet sizes.
 */
static const char *
label(char *b, size_t len, const struct row *r, const struct bench_side *w,
    const struct bench_side *n)
{
	int	i;

	if (r->goal != GOAL_MEM)
		return r->label;
	i = r->key[strlen(r->key) - 1] - '0';
	if (w->mem_n[i] <= 0 && n->mem_n[i] <= 0)
		snprintf(b, len, "%s, fleet %d (KiB)", r->label, i + 1);
	else if (n->mem_n[i] > 0 && n->mem_n[i] != w->mem_n[i])
		snprintf(b, len, "%s, %d (node %d) workers (KiB)", r->label,
		    w->mem_n[i], n->mem_n[i]);
	else
		snprintf(b, len, "%s, %d workers (KiB)", r->label,
		    w->mem_n[i]);
	return b;
}

/* Print the machine, the mode and the table on stdout. */
void
report_print(const struct bench_opts *o, const char *version,
    const struct bench_side *w, const struct bench_side *n,
    const struct bench_side *l)
{
	char		 a[32], b[32], c[32], d[32], lb[64], cpu[128];
	struct utsname	 u;
	const struct row *r;
	size_t		 i;

	cpu_model(cpu, sizeof cpu);
	uname(&u);
	printf("\nwwd-bench: %ld CPUs, %s, Linux %s, node %s; ",
	    sysconf(_SC_NPROCESSORS_ONLN), cpu, u.release, version);
	if (o->cpu >= 0)
		printf("all processes pinned to CPU %d\n\n", o->cpu);
	else
		printf("not pinned\n\n");
	printf("%-46s %10s %10s %9s %9s  %-30s %s\n", "metric", "wwd",
	    "node", "wwd/node", "limit", "target", "");
	for (i = 0; i < NROWS; i++) {
		r = &ROWS[i];
		if (r->limit) {
			printf("%-46s %10s %10s %9s %9s\n", r->label, "",
			    "", "", num(d, sizeof d, get(l, r->off),
			    r->prec));
			continue;
		}
		if (r->off < 0) {
			printf("%-46s %10s %10s %9s %9s  %-30s\n", r->label,
			    "-", "-", "", "", r->target);
			continue;
		}
		if (get(w, r->off) > 0 && get(n, r->off) > 0)
			snprintf(c, sizeof c, "%.2fx",
			    get(w, r->off) / get(n, r->off));
		else
			snprintf(c, sizeof c, "-");
		printf("%-46s %10s %10s %9s %9s  %-30s %s\n",
		    label(lb, sizeof lb, r, w, n),
		    num(a, sizeof a, get(w, r->off), r->prec),
		    num(b, sizeof b, get(n, r->off), r->prec), c,
		    r->lim < 0 ? "" : num(d, sizeof d, get(l, r->lim),
		    r->prec), r->target, verdict(target(r, w, n, l)));
	}
}

/* A JSON number or null. */
static void
jnum(FILE *f, double v)
{
	if (v < 0)
		fprintf(f, "null");
	else
		fprintf(f, "%.6g", v);
}

/* Write the run as JSON to path. 0 or -1 with errno. */
int
report_json(const char *path, const struct bench_opts *o,
    const char *version, const struct bench_side *w,
    const struct bench_side *n, const struct bench_side *l)
{
	char		 date[32], cpu[128], lb[64];
	struct utsname	 u;
	time_t		 now = time(NULL);
	const struct row *r;
	FILE		*f;
	size_t		 i;
	int		 t;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S%z", localtime(&now));
	cpu_model(cpu, sizeof cpu);
	uname(&u);
	fprintf(f, "{\n  \"date\": \"%s\",\n  \"nproc\": %ld,\n"
	    "  \"cpu\": \"%s\",\n  \"kernel\": \"%s\",\n  \"node\": \"%s\",\n"
	    "  \"pinned_cpu\": %d,\n", date, sysconf(_SC_NPROCESSORS_ONLN),
	    cpu, u.release, version, o->cpu);
	fprintf(f, "  \"work\": { \"spawns\": %d, \"burst\": %d, \"rtts\": "
	    "%d, \"warmup\": %d, \"small\": %d, \"big\": %d, "
	    "\"mem_wwd\": [%d, %d, %d], \"mem_node\": [%d, %d, %d] },\n",
	    o->spawns, o->burst, o->rtts, o->warmup, o->small, o->big,
	    w->mem_n[0], w->mem_n[1], w->mem_n[2], n->mem_n[0], n->mem_n[1],
	    n->mem_n[2]);
	fprintf(f, "  \"metrics\": [\n");
	for (i = 0; i < NROWS; i++) {
		r = &ROWS[i];
		t = target(r, w, n, l);
		fprintf(f, "    { \"key\": \"%s\", \"label\": \"%s\", "
		    "\"wwd\": ", r->key, label(lb, sizeof lb, r, w, n));
		jnum(f, r->limit ? -1 : get(w, r->off));
		fprintf(f, ", \"node\": ");
		jnum(f, r->limit ? -1 : get(n, r->off));
		fprintf(f, ", \"limit\": ");
		jnum(f, r->limit ? get(l, r->off) : get(l, r->lim));
		fprintf(f, ", \"target\": \"%s\", \"met\": %s }%s\n",
		    r->target, t < 0 ? "null" : t ? "true" : "false",
		    i + 1 < NROWS ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	return fclose(f) == 0 ? 0 : -1;
}

/* The number under key in a msgpack map, or -1. */
static double
lookup(const msgpack_object *m, const char *key)
{
	const msgpack_object_kv	*kv;
	uint32_t		 i;

	for (i = 0; i < m->via.map.size; i++) {
		kv = &m->via.map.ptr[i];
		if (kv->key.type != MSGPACK_OBJECT_STR ||
		    kv->key.via.str.size != strlen(key) ||
		    memcmp(kv->key.via.str.ptr, key, strlen(key)) != 0)
			continue;
		switch (kv->val.type) {
		case MSGPACK_OBJECT_FLOAT64:
		case MSGPACK_OBJECT_FLOAT32:
			return kv->val.via.f64;
		case MSGPACK_OBJECT_POSITIVE_INTEGER:
			return (double)kv->val.via.u64;
		default:
			return -1;
		}
	}
	return -1;
}

/*
 * Read the Node peer's output: one JSON object whose keys are the row
 * keys (plus mem_n_0..2). 0 or -EINVAL.
 */
int
report_node(const char *text, size_t len, struct bench_side *n)
{
	msgpack_unpacked	 u;
	const char		*why = NULL;
	char			 key[16];
	void			*mp;
	size_t			 mplen, i;
	int			 rc = -EINVAL;

	if (wwd_json_to_msgpack(text, len, &mp, &mplen, &why) < 0) {
		fprintf(stderr, "wwd-bench: node output: %s\n", why);
		return -EINVAL;
	}
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, mp, mplen, NULL) ==
	    MSGPACK_UNPACK_SUCCESS && u.data.type == MSGPACK_OBJECT_MAP) {
		for (i = 0; i < NROWS; i++)
			if (!ROWS[i].limit && ROWS[i].off >= 0)
				set(n, ROWS[i].off,
				    lookup(&u.data, ROWS[i].key));
		for (i = 0; i < BENCH_MEM_STEPS; i++) {
			snprintf(key, sizeof key, "mem_n_%zu", i);
			n->mem_n[i] = (int)lookup(&u.data, key);
		}
		rc = 0;
	}
	msgpack_unpacked_destroy(&u);
	free(mp);
	return rc;
}
