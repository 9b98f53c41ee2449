/*
 * admin.c: wwctl's control commands. Each connects (libwwd), sends one
 * CONTROL per request and turns the msgpack REPLY data into JSON with
 * jansson (--json, 64-bit integers stay exact) or into a table with
 * libsmartcols; colours only when stdout is a terminal. Exit codes: 0
 * done, 1 refused or failed, 2 usage, 3 no daemon.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libsmartcols/libsmartcols.h>
#include <msgpack.h>

#include "wwd.h"
#include "wwctl.h"

#define ADMIN_TIMEOUT_MS	10000

#define ADMIN_JSON	1	/* admin_parse: --json allowed */
#define ADMIN_FOLLOW	2	/* --follow allowed */

/* Options every control command takes. */
struct admin_opts {
	const char	*sock;
	int		 json;
	int		 follow;
};

/* A signal asked "wwctl logs -f" to stop. */
static volatile sig_atomic_t admin_stop;

/* msgpack object -> new JSON value; NULL for what JSON cannot hold. */
static json_t *
admin_to_json(const msgpack_object *o)
{
	json_t		*j, *v;
	uint32_t	 i;

	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		return json_null();
	case MSGPACK_OBJECT_BOOLEAN:
		return json_boolean(o->via.boolean);
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		return json_integer((json_int_t)o->via.u64);
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return json_integer((json_int_t)o->via.i64);
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		return json_real(o->via.f64);
	case MSGPACK_OBJECT_STR:
		return json_stringn(o->via.str.ptr, o->via.str.size);
	case MSGPACK_OBJECT_ARRAY:
		j = json_array();
		for (i = 0; j != NULL && i < o->via.array.size; i++)
			if ((v = admin_to_json(&o->via.array.ptr[i])) != NULL)
				json_array_append_new(j, v);
		return j;
	case MSGPACK_OBJECT_MAP:
		j = json_object();
		for (i = 0; j != NULL && i < o->via.map.size; i++) {
			const msgpack_object_kv	*kv = &o->via.map.ptr[i];
			char			 key[64];

			if (kv->key.type != MSGPACK_OBJECT_STR ||
			    kv->key.via.str.size >= sizeof key ||
			    (v = admin_to_json(&kv->val)) == NULL)
				continue;
			memcpy(key, kv->key.via.str.ptr, kv->key.via.str.size);
			key[kv->key.via.str.size] = '\0';
			json_object_set_new(j, key, v);
		}
		return j;
	default:
		return NULL;
	}
}

/*
 * The REPLY r to command: its data as JSON in *out (NULL if the caller
 * does not want it, when the message is printed instead). Clears r. An
 * exit code.
 */
static int
admin_answer(const char *command, struct wwd_reply *r, json_t **out)
{
	msgpack_unpacked	 u;
	int			 status = 1;

	if (out != NULL)
		*out = NULL;
	if (strcmp(r->status, "ok") != 0) {
		fprintf(stderr, "wwctl: %s: %s (%s)\n", command,
		    *r->message ? r->message : "refused", r->status);
		goto out;
	}
	if (*r->message != '\0' && out == NULL)
		printf("%s\n", r->message);
	status = 0;
	if (out == NULL)
		goto out;
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, r->data, r->len, NULL) ==
	    MSGPACK_UNPACK_SUCCESS)
		*out = admin_to_json(&u.data);
	msgpack_unpacked_destroy(&u);
	if (*out == NULL) {
		fprintf(stderr, "wwctl: %s: unreadable answer\n", command);
		status = 1;
	}
out:
	wwd_reply_clear(r);
	return status;
}

/*
 * Connect, run command (id for kill) and return the reply data as JSON
 * in *out (NULL if the caller does not want it). An exit code; *cp (if
 * not NULL) keeps the connection for more REPLYs, else it is closed.
 */
static int
admin_call(const struct admin_opts *o, const char *command, uint64_t id,
    json_t **out, struct wwd_conn **cp)
{
	struct wwd_conn		*c = NULL;
	struct wwd_reply	 r;
	int			 rc;

	if (out != NULL)
		*out = NULL;
	if ((rc = wwctl_connect(&c, o->sock)) != 0)
		return rc;
	if ((rc = wwd_control(c, command, id, &r, ADMIN_TIMEOUT_MS)) < 0) {
		fprintf(stderr, "wwctl: %s: %s\n", command, wwd_errmsg(c));
		wwd_free(c);
		return rc == -ETIMEDOUT ? EXIT_TIMEOUT : 1;
	}
	rc = admin_answer(command, &r, out);
	if (cp != NULL && rc == 0)
		*cp = c;
	else
		wwd_free(c);
	return rc;
}

/*
 * Parse --socket, --help and what allow permits (ADMIN_JSON: --json,
 * ADMIN_FOLLOW: --follow); optind after them.
 */
static int
admin_parse(int argc, char **argv, struct admin_opts *o, int allow,
    const char *usage)
{
	static const struct option	 opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "follow", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int				 ch;

	memset(o, 0, sizeof *o);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "s:jfh", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			o->sock = optarg;
			break;
		case 'j':
			if (!(allow & ADMIN_JSON))
				goto bad;
			o->json = 1;
			break;
		case 'f':
			if (!(allow & ADMIN_FOLLOW))
				goto bad;
			o->follow = 1;
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

static int
admin_print_json(json_t *j)
{
	char	*s;

	if ((s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS)) == NULL)
		return 1;
	printf("%s\n", s);
	free(s);
	return 0;
}

static json_int_t
admin_int(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static const char *
admin_str(json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

/* 1234567 -> "1.2M" */
static void
admin_bytes(char *buf, size_t len, json_int_t n)
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
admin_duration(char *buf, size_t len, json_int_t ms)
{
	long long	s = ms / 1000;

	if (s >= 3600)
		snprintf(buf, len, "%lldh%02lldm", s / 3600, s / 60 % 60);
	else if (s >= 60)
		snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
	else
		snprintf(buf, len, "%.1fs", (double)ms / 1000);
}

/*
 * uid -> user name. The last answer is kept: a ps of 10,000 workers
 * has a handful of owners, and each getpwuid reads /etc/passwd again.
 */
static void
admin_user(char *buf, size_t len, json_int_t uid)
{
	static json_int_t	 last = -1;
	static char		 name[64];
	struct passwd		*pw;

	if (uid != last) {
		if ((pw = getpwuid((uid_t)uid)) != NULL)
			snprintf(name, sizeof name, "%s", pw->pw_name);
		else
			snprintf(name, sizeof name, "%lld", (long long)uid);
		last = uid;
	}
	snprintf(buf, len, "%s", name);
}

static const char *ps_columns[] = { "ID", "KIND", "PID", "USER", "ORIGIN",
    "NAME", "URL", "CLIENTS", "RSS", "CPU", "MSGS IN", "MSGS OUT", "QUEUED",
    "UPTIME", "STATE" };
#define PS_NCOLS (sizeof ps_columns / sizeof ps_columns[0])

static void
admin_ps_row(struct libscols_table *tb, json_t *k)
{
	struct libscols_line	*ln;
	char			 v[PS_NCOLS][64];
	size_t			 i;

	snprintf(v[0], 64, "%lld", (long long)admin_int(k, "id"));
	snprintf(v[1], 64, "%s", admin_str(k, "kind"));
	snprintf(v[2], 64, "%lld", (long long)admin_int(k, "pid"));
	admin_user(v[3], 64, admin_int(k, "uid"));
	snprintf(v[4], 64, "%s", admin_str(k, "origin"));
	snprintf(v[5], 64, "%s", admin_str(k, "name"));
	snprintf(v[6], 64, "%s", admin_str(k, "url"));
	snprintf(v[7], 64, "%lld", (long long)admin_int(k, "clients"));
	admin_bytes(v[8], 64, admin_int(k, "rss"));
	admin_duration(v[9], 64, admin_int(k, "cpu_ms"));
	snprintf(v[10], 64, "%lld", (long long)admin_int(k, "msgs_in"));
	snprintf(v[11], 64, "%lld", (long long)admin_int(k, "msgs_out"));
	admin_bytes(v[12], 64, admin_int(k, "queued"));
	admin_duration(v[13], 64, admin_int(k, "uptime_ms"));
	snprintf(v[14], 64, "%s", admin_str(k, "state"));
	if ((ln = scols_table_new_line(tb, NULL)) == NULL)
		return;
	for (i = 0; i < PS_NCOLS; i++)
		scols_line_set_data(ln, i, v[i]);
	if (strcmp(v[14], "running") != 0)
		scols_line_set_color(ln, "yellow");
}

/* wwctl ps [--json]: the workers this user may see. */
int
admin_ps(int argc, char **argv)
{
	struct libscols_table	*tb;
	struct admin_opts	 o;
	json_t			*j, *k;
	char			 user[64];
	size_t			 i;
	int			 rc;

	if (admin_parse(argc, argv, &o, 1, "ps [--socket PATH] [--json]") < 0)
		return EXIT_USAGE;
	if ((rc = admin_call(&o, "ps", 0, &j, NULL)) != 0)
		return rc;
	if (o.json) {
		json_array_foreach(j, i, k) {
			admin_user(user, sizeof user, admin_int(k, "uid"));
			json_object_set_new(k, "user", json_string(user));
		}
		rc = admin_print_json(j);
		json_decref(j);
		return rc;
	}
	if ((tb = scols_new_table()) == NULL) {
		json_decref(j);
		return 1;
	}
	scols_table_enable_colors(tb, isatty(STDOUT_FILENO));
	for (i = 0; i < PS_NCOLS; i++)
		scols_table_new_column(tb, ps_columns[i], 0,
		    i == 6 ? SCOLS_FL_TRUNC : 0);
	json_array_foreach(j, i, k)
		admin_ps_row(tb, k);
	scols_print_table(tb);
	scols_unref_table(tb);
	json_decref(j);
	return 0;
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
		if ((rc = admin_call(&o, "kill", id, NULL, NULL)) == EXIT_NODAEMON)
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
	json_t			*j, *v;
	char			 buf[64];
	size_t			 i;
	int			 rc;

	if (admin_parse(argc, argv, &o, 1, usage) < 0)
		return EXIT_USAGE;
	if ((rc = admin_call(&o, "stats", 0, &j, NULL)) != 0)
		return rc;
	if (o.json) {
		rc = admin_print_json(j);
		json_decref(j);
		return rc;
	}
	if ((tb = scols_new_table()) == NULL) {
		json_decref(j);
		return 1;
	}
	scols_table_enable_noheadings(tb, 1);
	scols_table_new_column(tb, "KEY", 0, 0);
	scols_table_new_column(tb, "VALUE", 0, 0);
	for (i = 0; i < sizeof stats_rows / sizeof stats_rows[0]; i++) {
		if ((v = json_object_get(j, stats_rows[i][0])) == NULL)
			continue;
		if (json_is_string(v))
			snprintf(buf, sizeof buf, "%s", json_string_value(v));
		else if (strcmp(stats_rows[i][0], "uptime_ms") == 0)
			admin_duration(buf, sizeof buf, json_integer_value(v));
		else
			snprintf(buf, sizeof buf, "%lld",
			    (long long)json_integer_value(v));
		if ((ln = scols_table_new_line(tb, NULL)) == NULL)
			break;
		scols_line_set_data(ln, 0, stats_rows[i][1]);
		scols_line_set_data(ln, 1, buf);
	}
	scols_print_table(tb);
	scols_unref_table(tb);
	json_decref(j);
	return 0;
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
	return admin_call(&o, command, 0, NULL, NULL);
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

/* Print the events of one logs REPLY: a line each, or JSON lines. */
static void
admin_events(json_t *j, int json)
{
	json_t		*e;
	char		*s, when[32];
	struct tm	 tm;
	time_t		 t;
	json_int_t	 ms;
	size_t		 i;

	json_array_foreach(j, i, e) {
		if (json) {
			s = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS);
			if (s != NULL)
				printf("%s\n", s);
			free(s);
			continue;
		}
		ms = admin_int(e, "time_ms");
		t = (time_t)(ms / 1000);
		if (localtime_r(&t, &tm) == NULL ||
		    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm) == 0)
			snprintf(when, sizeof when, "%lld", (long long)t);
		printf("%s.%03lld %s%s%s\n", when, (long long)(ms % 1000),
		    strcmp(admin_str(e, "level"), "info") == 0 ? "" :
		    admin_str(e, "level"), strcmp(admin_str(e, "level"),
		    "info") == 0 ? "" : ": ", admin_str(e, "message"));
	}
	fflush(stdout);
}

static void
admin_stop_cb(int sig)
{
	(void)sig;
	admin_stop = 1;
}

/* Follow on c until a signal (exit 0) or the daemon goes (exit 1). */
static int
admin_follow(struct wwd_conn *c, int json)
{
	struct sigaction	 sa;
	struct wwd_reply	 r;
	json_t			*j;
	int			 rc;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = admin_stop_cb;	/* no SA_RESTART: poll returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!admin_stop) {
		if ((rc = wwd_control_next(c, &r, -1)) == -EINTR)
			continue;
		if (rc < 0) {
			fprintf(stderr, "wwctl: logs: %s\n", wwd_errmsg(c));
			return 1;
		}
		if (*r.message != '\0')
			fprintf(stderr, "wwctl: logs: %s\n", r.message);
		if ((rc = admin_answer("logs", &r, &j)) != 0)
			return rc;
		admin_events(j, json);
		json_decref(j);
	}
	return 0;
}

/*
 * wwctl logs [-f] [--json] [ID]: the daemon's kept events (the last
 * EVENTLOG_MAX) this user may see, only worker ID's if given; with -f,
 * then every new one until SIGINT or SIGTERM.
 */
int
admin_logs(int argc, char **argv)
{
	static const char	 usage[] = "logs [--socket PATH] [-f|--follow] "
	    "[--json] [ID]";
	struct wwd_conn		*c = NULL;
	struct admin_opts	 o;
	unsigned long long	 id = 0;
	json_t			*j;
	char			*end;
	int			 rc;

	if (admin_parse(argc, argv, &o, ADMIN_JSON | ADMIN_FOLLOW, usage) < 0)
		return EXIT_USAGE;
	if (argc - optind > 1)
		goto usage;
	if (optind < argc) {
		errno = 0;
		id = strtoull(argv[optind], &end, 10);
		if (errno != 0 || end == argv[optind] || *end != '\0' ||
		    id == 0) {
			fprintf(stderr, "wwctl: logs: bad worker id '%s'\n",
			    argv[optind]);
			return EXIT_USAGE;
		}
	}
	if ((rc = admin_call(&o, o.follow ? "logs-follow" : "logs", id, &j,
	    o.follow ? &c : NULL)) != 0)
		return rc;
	admin_events(j, o.json);
	json_decref(j);
	if (c == NULL)
		return 0;
	rc = admin_follow(c, o.json);
	wwd_free(c);
	return rc;
usage:
	fprintf(stderr, "usage: wwctl %s\n", usage);
	return EXIT_USAGE;
}
