/*
 * admin.c: wwctl's control commands. Each connects (libwwd), sends one
 * CONTROL per request and reads the msgpack REPLY data (msgpack-c, after
 * libwwd's validation); --json prints it through libwwd's JSON printer
 * (one line, 64-bit integers exact), else it becomes a table with
 * libsmartcols, colours only when stdout is a terminal. Exit codes: 0
 * done, 1 refused or failed, 2 usage, 3 no daemon.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libsmartcols/libsmartcols.h>
#include <msgpack.h>

#include "wwd.h"
#include "wwctl.h"

#define ADMIN_TIMEOUT_MS	10000

/* Options every control command takes. */
struct admin_opts {
	const char	*sock;
	int		 json;
};

/*
 * A REPLY and its data unpacked (libwwd validated the data, so msgpack-c
 * may read it); the objects' strings point into r.data.
 */
struct admin_answer {
	struct wwd_reply	r;
	msgpack_unpacked	u;
};

static void
admin_answer_clear(struct admin_answer *a)
{
	msgpack_unpacked_destroy(&a->u);
	wwd_reply_clear(&a->r);
}

/*
 * Connect and run command (id for kill). With a, the reply stays in *a
 * for the caller, who calls admin_answer_clear whatever the result;
 * without, its message (if any) is printed. An exit code.
 */
static int
admin_call(const struct admin_opts *o, const char *command, uint64_t id,
    struct admin_answer *a)
{
	struct wwd_conn		*c = NULL;
	struct wwd_reply	 r;
	int			 rc, status = 1;

	memset(&r, 0, sizeof r);
	if (a != NULL) {
		memset(&a->r, 0, sizeof a->r);
		msgpack_unpacked_init(&a->u);
	}
	if ((rc = wwctl_connect(&c, o->sock)) != 0)
		return rc;
	if ((rc = wwd_control(c, command, id, &r, ADMIN_TIMEOUT_MS)) < 0) {
		fprintf(stderr, "wwctl: %s: %s\n", command, wwd_errmsg(c));
		wwd_free(c);
		return rc == -ETIMEDOUT ? EXIT_TIMEOUT : 1;
	}
	wwd_free(c);
	if (strcmp(r.status, "ok") != 0) {
		fprintf(stderr, "wwctl: %s: %s (%s)\n", command,
		    *r.message ? r.message : "refused", r.status);
		goto out;
	}
	status = 0;
	if (a == NULL) {
		if (*r.message != '\0')
			printf("%s\n", r.message);
		goto out;
	}
	a->r = r;
	memset(&r, 0, sizeof r);
	if (msgpack_unpack_next(&a->u, a->r.data, a->r.len, NULL) !=
	    MSGPACK_UNPACK_SUCCESS) {
		fprintf(stderr, "wwctl: %s: unreadable answer\n", command);
		status = 1;
	}
out:
	wwd_reply_clear(&r);
	return status;
}

/* Parse --socket, --json (if json_ok) and --help; optind after them. */
static int
admin_parse(int argc, char **argv, struct admin_opts *o, int json_ok,
    const char *usage)
{
	static const struct option	 opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int				 ch;

	memset(o, 0, sizeof *o);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "s:jh", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			o->sock = optarg;
			break;
		case 'j':
			if (!json_ok)
				goto bad;
			o->json = 1;
			break;
		case 'h':
			printf("usage: wwctl %s\n", usage);
			exit(0);
		default:
			goto bad;
		}
	}
	return 0;
bad:
	fprintf(stderr, "usage: wwctl %s\n", usage);
	return -1;
}

/* msgpack bytes as one line of JSON on stdout (libwwd's printer). */
static int
admin_print_json(const void *p, size_t n)
{
	const char	*why;
	char		*s;

	if (wwd_msgpack_to_json(p, n, &s, NULL, &why) < 0) {
		fprintf(stderr, "wwctl: cannot print the answer: %s\n", why);
		return 1;
	}
	printf("%s\n", s);
	free(s);
	return 0;
}

/* The integer o[k], 0 if missing or not an integer. */
static long long
admin_int(const msgpack_object *o, const char *k)
{
	const msgpack_object	*v = wwctl_map_get(o, k);

	if (v == NULL)
		return 0;
	if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		return (long long)v->via.u64;
	if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		return v->via.i64;
	return 0;
}

/* The string o[k] into buf, "" if missing or not a string. */
static void
admin_str(char *buf, size_t len, const msgpack_object *o, const char *k)
{
	const msgpack_object	*v = wwctl_map_get(o, k);

	if (v != NULL && v->type == MSGPACK_OBJECT_STR)
		snprintf(buf, len, "%.*s", (int)v->via.str.size,
		    v->via.str.ptr);
	else
		snprintf(buf, len, "%s", "");
}

/* 1234567 -> "1.2M" */
static void
admin_bytes(char *buf, size_t len, long long n)
{
	static const char	units[] = "BKMGT";
	double			v = (double)n;
	int			u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%lldB", (long long)n);
	else
		snprintf(buf, len, "%.1f%c", v, units[u]);
}

/* ms -> "2h03m", "4m05s", "12.3s" */
static void
admin_duration(char *buf, size_t len, long long ms)
{
	long long	s = ms / 1000;

	if (s >= 3600)
		snprintf(buf, len, "%lldh%02lldm", s / 3600, s / 60 % 60);
	else if (s >= 60)
		snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
	else
		snprintf(buf, len, "%.1fs", (double)ms / 1000);
}

static void
admin_user(char *buf, size_t len, long long uid)
{
	struct passwd	*pw = getpwuid((uid_t)uid);

	if (pw != NULL)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "%lld", (long long)uid);
}

static const char *ps_columns[] = { "ID", "KIND", "PID", "USER", "ORIGIN",
    "NAME", "URL", "CLIENTS", "RSS", "CPU", "MSGS IN", "MSGS OUT", "QUEUED",
    "UPTIME", "STATE" };
#define PS_NCOLS (sizeof ps_columns / sizeof ps_columns[0])

static void
admin_ps_row(struct libscols_table *tb, const msgpack_object *k)
{
	struct libscols_line	*ln;
	char			 v[PS_NCOLS][64];
	size_t			 i;

	snprintf(v[0], 64, "%lld", admin_int(k, "id"));
	admin_str(v[1], 64, k, "kind");
	snprintf(v[2], 64, "%lld", admin_int(k, "pid"));
	admin_user(v[3], 64, admin_int(k, "uid"));
	admin_str(v[4], 64, k, "origin");
	admin_str(v[5], 64, k, "name");
	admin_str(v[6], 64, k, "url");
	snprintf(v[7], 64, "%lld", admin_int(k, "clients"));
	admin_bytes(v[8], 64, admin_int(k, "rss"));
	admin_duration(v[9], 64, admin_int(k, "cpu_ms"));
	snprintf(v[10], 64, "%lld", admin_int(k, "msgs_in"));
	snprintf(v[11], 64, "%lld", admin_int(k, "msgs_out"));
	admin_bytes(v[12], 64, admin_int(k, "queued"));
	admin_duration(v[13], 64, admin_int(k, "uptime_ms"));
	admin_str(v[14], 64, k, "state");
	if ((ln = scols_table_new_line(tb, NULL)) == NULL)
		return;
	for (i = 0; i < PS_NCOLS; i++)
		scols_line_set_data(ln, i, v[i]);
	if (strcmp(v[14], "running") != 0)
		scols_line_set_color(ln, "yellow");
}

/* The ps array as JSON, each worker with "user" (its uid's name) added. */
static int
admin_ps_json(const msgpack_object *a)
{
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	const msgpack_object	*k;
	char			 user[64];
	uint32_t		 i, j;
	int			 rc = 0;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	rc |= msgpack_pack_array(&pk, a->via.array.size);
	for (i = 0; i < a->via.array.size; i++) {
		k = &a->via.array.ptr[i];
		if (k->type != MSGPACK_OBJECT_MAP) {
			rc |= msgpack_pack_object(&pk, *k);
			continue;
		}
		rc |= msgpack_pack_map(&pk, k->via.map.size + 1);
		for (j = 0; j < k->via.map.size; j++) {
			rc |= msgpack_pack_object(&pk, k->via.map.ptr[j].key);
			rc |= msgpack_pack_object(&pk, k->via.map.ptr[j].val);
		}
		admin_user(user, sizeof user, admin_int(k, "uid"));
		rc |= msgpack_pack_str_with_body(&pk, "user", 4);
		rc |= msgpack_pack_str_with_body(&pk, user, strlen(user));
	}
	if (rc != 0) {
		fprintf(stderr, "wwctl: ps: out of memory\n");
		rc = 1;
	} else
		rc = admin_print_json(sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

/* wwctl ps [--json]: the workers this user may see. */
int
admin_ps(int argc, char **argv)
{
	struct libscols_table	*tb;
	struct admin_opts	 o;
	struct admin_answer	 a;
	const msgpack_object	*j;
	size_t			 i;
	int			 rc;

	if (admin_parse(argc, argv, &o, 1, "ps [--socket PATH] [--json]") < 0)
		return EXIT_USAGE;
	if ((rc = admin_call(&o, "ps", 0, &a)) != 0)
		goto out;
	j = &a.u.data;
	rc = 1;
	if (j->type != MSGPACK_OBJECT_ARRAY)
		fprintf(stderr, "wwctl: ps: unreadable answer\n");
	else if (o.json)
		rc = admin_ps_json(j);
	else if ((tb = scols_new_table()) != NULL) {
		scols_table_enable_colors(tb, isatty(STDOUT_FILENO));
		for (i = 0; i < PS_NCOLS; i++)
			scols_table_new_column(tb, ps_columns[i], 0,
			    i == 6 ? SCOLS_FL_TRUNC : 0);
		for (i = 0; i < j->via.array.size; i++)
			admin_ps_row(tb, &j->via.array.ptr[i]);
		scols_print_table(tb);
		scols_unref_table(tb);
		rc = 0;
	}
out:
	admin_answer_clear(&a);
	return rc;
}

/* wwctl kill ID...: SIGKILL each worker; 1 if any could not be. */
int
admin_kill(int argc, char **argv)
{
	static const char	 usage[] = "kill [--socket PATH] ID...";
	struct admin_opts	 o;
	unsigned long long	 id;
	char			*end;
	int			 i, rc, status = 0;

	if (admin_parse(argc, argv, &o, 0, usage) < 0)
		return EXIT_USAGE;
	if (optind >= argc) {
		fprintf(stderr, "usage: wwctl %s\n", usage);
		return EXIT_USAGE;
	}
	for (i = optind; i < argc; i++) {
		errno = 0;
		id = strtoull(argv[i], &end, 10);
		if (errno != 0 || end == argv[i] || *end != '\0' || id == 0) {
			fprintf(stderr, "wwctl: kill: bad worker id '%s'\n",
			    argv[i]);
			return EXIT_USAGE;
		}
	}
	for (i = optind; i < argc; i++) {
		id = strtoull(argv[i], NULL, 10);
		if ((rc = admin_call(&o, "kill", id, NULL)) == EXIT_NODAEMON)
			return rc;
		if (rc != 0)
			status = 1;
	}
	return status;
}

static const char *stats_rows[][2] = {
	{ "version", "version" }, { "pid", "pid" },
	{ "uptime_ms", "uptime" }, { "workers", "workers" },
	{ "clients", "clients" }, { "workers_started", "workers started" },
	{ "clients_accepted", "clients accepted" },
	{ "frames_routed", "frames routed" },
	{ "bytes_routed", "bytes routed" },
	{ "spawn_failures", "spawn failures" },
	{ "limit_kills", "limit kills" },
	{ "limit_refusals", "limit refusals" },
	{ "backpressure_pauses", "backpressure pauses" },
	{ "buffered_bytes", "buffered bytes" },
	{ "ports", "ports" },
};

/* Shared by stats and status: totals as a two-column table or JSON. */
static int
admin_totals(int argc, char **argv, const char *usage)
{
	struct libscols_table	*tb;
	struct libscols_line	*ln;
	struct admin_opts	 o;
	struct admin_answer	 a;
	const msgpack_object	*v;
	char			 buf[64];
	size_t			 i;
	int			 rc;

	if (admin_parse(argc, argv, &o, 1, usage) < 0)
		return EXIT_USAGE;
	if ((rc = admin_call(&o, "stats", 0, &a)) != 0)
		goto out;
	if (o.json) {
		rc = admin_print_json(a.r.data, a.r.len);
		goto out;
	}
	if ((tb = scols_new_table()) == NULL) {
		rc = 1;
		goto out;
	}
	scols_table_enable_noheadings(tb, 1);
	scols_table_new_column(tb, "KEY", 0, 0);
	scols_table_new_column(tb, "VALUE", 0, 0);
	for (i = 0; i < sizeof stats_rows / sizeof stats_rows[0]; i++) {
		if ((v = wwctl_map_get(&a.u.data, stats_rows[i][0])) == NULL)
			continue;
		if (v->type == MSGPACK_OBJECT_STR)
			admin_str(buf, sizeof buf, &a.u.data,
			    stats_rows[i][0]);
		else if (strcmp(stats_rows[i][0], "uptime_ms") == 0)
			admin_duration(buf, sizeof buf,
			    admin_int(&a.u.data, stats_rows[i][0]));
		else
			snprintf(buf, sizeof buf, "%lld",
			    admin_int(&a.u.data, stats_rows[i][0]));
		if ((ln = scols_table_new_line(tb, NULL)) == NULL)
			break;
		scols_line_set_data(ln, 0, stats_rows[i][1]);
		scols_line_set_data(ln, 1, buf);
	}
	scols_print_table(tb);
	scols_unref_table(tb);
out:
	admin_answer_clear(&a);
	return rc;
}

/* wwctl stats [--json]: daemon totals. */
int
admin_stats(int argc, char **argv)
{
	return admin_totals(argc, argv, "stats [--socket PATH] [--json]");
}

/* wwctl status [--json]: whether wwd answers, and its totals. */
int
admin_status(int argc, char **argv)
{
	return admin_totals(argc, argv, "status [--socket PATH] [--json]");
}

/* A command without arguments whose answer is only its message. */
static int
admin_plain(int argc, char **argv, const char *command, const char *usage)
{
	struct admin_opts	o;

	if (admin_parse(argc, argv, &o, 0, usage) < 0 || optind != argc)
		return EXIT_USAGE;
	return admin_call(&o, command, 0, NULL);
}

/* wwctl reload: re-read the configuration (root or admin group). */
int
admin_reload(int argc, char **argv)
{
	return admin_plain(argc, argv, "reload", "reload [--socket PATH]");
}

/* wwctl shutdown: stop wwd (root or admin group). */
int
admin_shutdown(int argc, char **argv)
{
	return admin_plain(argc, argv, "shutdown", "shutdown [--socket PATH]");
}
