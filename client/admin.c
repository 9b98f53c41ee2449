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

#include "frame.h"
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

			if (kv->key.type != MSGPACK_OBJECT_STR ||
			    (v = admin_to_json(&kv->val)) == NULL)
				continue;
			json_object_setn_new(j, kv->key.via.str.ptr,
			    kv->key.via.str.size, v);
		}
		return j;
	default:
		return NULL;
	}
}

/* Whether REPLY r to command says "ok"; if not, say why on stderr. */
static int
admin_ok(const char *command, const struct wwd_reply *r)
{
	if (strcmp(r->status, "ok") == 0)
		return 1;
	fprintf(stderr, "wwctl: %s: %s (%s)\n", command,
	    *r->message ? r->message : "refused", r->status);
	return 0;
}

/* The value of REPLY r unpacked into u (initialized by the caller). */
static int
admin_unpack(const char *command, const struct wwd_reply *r,
    msgpack_unpacked *u)
{
	if (msgpack_unpack_next(u, r->data, r->len, NULL) ==
	    MSGPACK_UNPACK_SUCCESS)
		return 0;
	fprintf(stderr, "wwctl: %s: unreadable answer\n", command);
	return 1;
}

/* REPLY r to command: its data as JSON in *out. Clears r. An exit code. */
static int
admin_json(const char *command, struct wwd_reply *r, json_t **out)
{
	msgpack_unpacked	 u;
	int			 rc = 1;

	*out = NULL;
	msgpack_unpacked_init(&u);
	if (admin_ok(command, r) && admin_unpack(command, r, &u) == 0) {
		if ((*out = admin_to_json(&u.data)) != NULL)
			rc = 0;
		else
			fprintf(stderr, "wwctl: %s: unreadable answer\n",
			    command);
	}
	msgpack_unpacked_destroy(&u);
	wwd_reply_clear(r);
	return rc;
}

/*
 * Connect and run command (id for kill): its REPLY in *r, which the
 * caller clears (its data stays valid until then). An exit code; *cp
 * (if not NULL) keeps the connection for more REPLYs, else it is closed.
 */
static int
admin_request(const struct admin_opts *o, const char *command, uint64_t id,
    struct wwd_reply *r, struct wwd_conn **cp)
{
	struct wwd_conn	*c = NULL;
	int		 rc;

	memset(r, 0, sizeof *r);
	if ((rc = wwctl_connect(&c, o->sock)) != 0)
		return rc;
	if ((rc = wwd_control(c, command, id, r, ADMIN_TIMEOUT_MS)) < 0) {
		fprintf(stderr, "wwctl: %s: %s\n", command, wwd_errmsg(c));
		wwd_free(c);
		return rc == -ETIMEDOUT ? EXIT_TIMEOUT : 1;
	}
	if (cp != NULL)
		*cp = c;
	else
		wwd_free(c);
	return 0;
}

/*
 * Run command (id for kill) and return the reply data as JSON in *out,
 * or print its message if out is NULL. An exit code; *cp (if not NULL)
 * keeps the connection for more REPLYs, else it is closed.
 */
static int
admin_call(const struct admin_opts *o, const char *command, uint64_t id,
    json_t **out, struct wwd_conn **cp)
{
	struct wwd_reply	 r;
	int			 rc;

	if (out != NULL)
		*out = NULL;
	if ((rc = admin_request(o, command, id, &r, cp)) != 0)
		return rc;
	if (out != NULL)
		rc = admin_json(command, &r, out);
	else {
		rc = admin_ok(command, &r) ? 0 : 1;
		if (rc == 0 && *r.message != '\0')
			printf("%s\n", r.message);
		wwd_reply_clear(&r);
	}
	if (rc != 0 && cp != NULL) {
		wwd_free(*cp);
		*cp = NULL;
	}
	return rc;
}

/*
 * Parse --socket, --help and what allow permits (ADMIN_JSON: --json,
 * ADMIN_FOLLOW: --follow), before or after the arguments, of which
 * there may be at most nargs (-1: any); optind at the first.
 */
static int
admin_parse(int argc, char **argv, struct admin_opts *o, int allow,
    int nargs, const char *usage)
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
	optind = 0;	/* glibc: start over, permuting again */
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
	if (nargs >= 0 && argc - optind > nargs) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0],
		    argv[optind + nargs]);
		goto bad;
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

	if ((s = json_dumps(j, JSON_INDENT(2))) == NULL)
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

/*
 * Numbers as ps and stats show them, in integer arithmetic: a table of
 * 10,000 workers formats 30,000 of them, and printf took a tenth of
 * wwctl's time. Each writes at most 32 bytes at buf.
 */

/* n in decimal at buf, NUL-terminated; the end. */
static char *
admin_dec(char *buf, unsigned long long n)
{
	char	tmp[24], *p = tmp + sizeof tmp;
	size_t	len;

	do
		*--p = (char)('0' + n % 10);
	while ((n /= 10) > 0);
	len = (size_t)(tmp + sizeof tmp - p);
	memcpy(buf, p, len);
	buf[len] = '\0';
	return buf + len;
}

/* n / div with one decimal, rounded half up, then unit: "2.6M". */
static void
admin_tenths(char *buf, unsigned long long n, unsigned long long div,
    char unit)
{
	unsigned long long	t = n / div * 10 + (n % div * 10 + div / 2) / div;
	char			*p = admin_dec(buf, t / 10);

	*p++ = '.';
	*p++ = (char)('0' + t % 10);
	*p++ = unit;
	*p = '\0';
}

/* n as two digits and a unit at p: "03m". */
static void
admin_two(char *p, unsigned long long n, char unit)
{
	p[0] = (char)('0' + n / 10 % 10);
	p[1] = (char)('0' + n % 10);
	p[2] = unit;
	p[3] = '\0';
}

/* 1234567 -> "1.2M" (binary units), 900 -> "900B" */
static void
admin_bytes(char *buf, json_int_t n)
{
	static const char	 units[] = "BKMGT";
	unsigned long long	 v = n > 0 ? (unsigned long long)n : 0, div = 1;
	char			*p;
	int			 u = 0;

	while (v / div >= 1024 && u < 4) {
		div *= 1024;
		u++;
	}
	if (u > 0) {
		admin_tenths(buf, v, div, units[u]);
		return;
	}
	p = admin_dec(buf, v);
	p[0] = 'B';
	p[1] = '\0';
}

/* ms -> "2h03m", "4m05s", "12.3s" */
static void
admin_duration(char *buf, json_int_t ms)
{
	unsigned long long	 m = ms > 0 ? (unsigned long long)ms : 0;
	unsigned long long	 s = m / 1000;
	char			*p;

	if (s >= 3600) {
		p = admin_dec(buf, s / 3600);
		*p++ = 'h';
		admin_two(p, s / 60 % 60, 'm');
	} else if (s >= 60) {
		p = admin_dec(buf, s / 60);
		*p++ = 'm';
		admin_two(p, s % 60, 's');
	} else
		admin_tenths(buf, m, 1000, 's');
}

/*
 * uid -> user name, valid until the next call. The last answer is kept:
 * a ps of 10,000 workers has a handful of owners, and each getpwuid
 * reads /etc/passwd again.
 */
static const char *
admin_user(json_int_t uid)
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
	return name;
}

/* How a ps column shows its value. */
enum ps_show { PS_INT, PS_STR, PS_USER, PS_BYTES, PS_TIME };

/* The ps columns, in the order of the daemon's worker map (control.c). */
static const struct ps_column {
	const char	*head;
	const char	*key;
	enum ps_show	 show;
	int		 flags;		/* libsmartcols' SCOLS_FL_* */
} ps_columns[] = {
	{ "ID", "id", PS_INT, 0 },
	{ "KIND", "kind", PS_STR, 0 },
	{ "PID", "pid", PS_INT, 0 },
	{ "USER", "uid", PS_USER, 0 },
	{ "ORIGIN", "origin", PS_STR, 0 },
	{ "NAME", "name", PS_STR, 0 },
	{ "URL", "url", PS_STR, SCOLS_FL_TRUNC },
	{ "CLIENTS", "clients", PS_INT, 0 },
	{ "RSS", "rss", PS_BYTES, 0 },
	{ "CPU", "cpu_ms", PS_TIME, 0 },
	{ "MSGS IN", "msgs_in", PS_INT, 0 },
	{ "MSGS OUT", "msgs_out", PS_INT, 0 },
	{ "QUEUED", "queued", PS_BYTES, 0 },
	{ "UPTIME", "uptime_ms", PS_TIME, 0 },
	{ "STATE", "state", PS_STR, 0 },	/* last: PS_STATE */
};
#define PS_NCOLS (sizeof ps_columns / sizeof ps_columns[0])
#define PS_STATE (PS_NCOLS - 1)

/*
 * The column of map key k, or -1. The search starts after the previous
 * match (*at), so keys in the daemon's order are found at once.
 */
static int
admin_ps_column(const msgpack_object_str *k, size_t *at)
{
	const char	*key;
	size_t		 i, c;

	for (i = 0; i < PS_NCOLS; i++) {
		c = (*at + i) % PS_NCOLS;
		key = ps_columns[c].key;
		if (strlen(key) == k->size &&
		    memcmp(key, k->ptr, k->size) == 0) {
			*at = c + 1;
			return (int)c;
		}
	}
	return -1;
}

/*
 * Value o of column c as cell c of line ln: strings whole (the table
 * truncates them to the terminal), numbers as ps shows them. 0 or -1.
 */
static int
admin_ps_cell(struct libscols_line *ln, size_t c, const msgpack_object *o)
{
	char		 buf[32], *s;
	json_int_t	 n = 0;

	if (ps_columns[c].show == PS_STR) {
		if (o->type != MSGPACK_OBJECT_STR || o->via.str.size == 0)
			return 0;
		if ((s = strndup(o->via.str.ptr, o->via.str.size)) == NULL)
			return -1;
		if (scols_line_refer_data(ln, c, s) < 0) {
			free(s);
			return -1;
		}
		return 0;
	}
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		n = (json_int_t)o->via.u64;
	else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		n = o->via.i64;
	switch (ps_columns[c].show) {
	case PS_USER:
		return scols_line_set_data(ln, c, admin_user(n)) < 0 ? -1 : 0;
	case PS_BYTES:
		admin_bytes(buf, n);
		break;
	case PS_TIME:
		admin_duration(buf, n);
		break;
	default:
		admin_dec(buf, n > 0 ? (unsigned long long)n : 0);
		break;
	}
	return scols_line_set_data(ln, c, buf) < 0 ? -1 : 0;
}

/*
 * wwctl ps: worker i (msgpack map k) as a row of table tb, straight from
 * the map in one pass over its keys; yellow unless running. 0 or -1.
 */
static int
admin_ps_row(const msgpack_object *k, uint32_t i, void *tb)
{
	const msgpack_object_kv	*kv;
	struct libscols_line	*ln;
	size_t			 j, at = 0;
	int			 c, running = 0;

	(void)i;
	if (k->type != MSGPACK_OBJECT_MAP ||
	    (ln = scols_table_new_line(tb, NULL)) == NULL)
		return -1;
	for (j = 0; j < k->via.map.size; j++) {
		kv = &k->via.map.ptr[j];
		if (kv->key.type != MSGPACK_OBJECT_STR ||
		    (c = admin_ps_column(&kv->key.via.str, &at)) < 0)
			continue;
		if (admin_ps_cell(ln, (size_t)c, &kv->val) < 0)
			return -1;
		if ((size_t)c == PS_STATE && kv->val.type == MSGPACK_OBJECT_STR)
			running = kv->val.via.str.size == 7 &&
			    memcmp(kv->val.via.str.ptr, "running", 7) == 0;
	}
	if (!running)
		scols_line_set_color(ln, "yellow");
	return 0;
}

/*
 * Print JSON value k (jansson's text, indented by 2) as element i of an
 * array whose brackets the caller prints: each line one level deeper.
 */
static int
admin_print_element(json_t *k, uint32_t i)
{
	char	*s, *p, *nl;

	if ((s = json_dumps(k, JSON_INDENT(2))) == NULL)
		return -1;
	fputs(i > 0 ? ",\n  " : "\n  ", stdout);
	for (p = s; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		fwrite(p, 1, (size_t)(nl - p) + 1, stdout);
		fputs("  ", stdout);
	}
	fputs(p, stdout);
	free(s);
	return 0;
}

/*
 * wwctl ps --json: worker i (msgpack map m) as element i of the same
 * text as one jansson array; 10,000 workers never make one tree.
 */
static int
admin_ps_json_element(const msgpack_object *m, uint32_t i, void *arg)
{
	json_t	*k;
	int	 rc;

	(void)arg;
	if ((k = admin_to_json(m)) == NULL)
		return -1;
	json_object_set_new(k, "user", json_string(admin_user(admin_int(k,
	    "uid"))));
	rc = admin_print_element(k, i);
	json_decref(k);
	return rc;
}

/*
 * Each worker of REPLY r's msgpack array, unpacked alone and given to
 * fn(map, index, arg): only the array's header is read here, so the
 * objects of one worker at a time are in memory, never those of 10,000.
 * The count, or -1 if the answer is unreadable or fn fails.
 */
static int64_t
admin_ps_each(const struct wwd_reply *r,
    int (*fn)(const msgpack_object *, uint32_t, void *), void *arg)
{
	const uint8_t		*d = r->data;
	msgpack_unpacked	 u;
	size_t			 off;
	uint32_t		 n, i;

	if (r->len >= 1 && (d[0] & 0xf0) == 0x90) {
		n = d[0] & 0x0f;
		off = 1;
	} else if (r->len >= 3 && d[0] == 0xdc) {
		n = (uint32_t)ipc_get_be(d + 1, 2);
		off = 3;
	} else if (r->len >= 5 && d[0] == 0xdd) {
		n = (uint32_t)ipc_get_be(d + 1, 4);
		off = 5;
	} else
		return -1;
	msgpack_unpacked_init(&u);
	for (i = 0; i < n; i++)
		if (msgpack_unpack_next(&u, r->data, r->len, &off) !=
		    MSGPACK_UNPACK_SUCCESS || fn(&u.data, i, arg) < 0)
			break;
	msgpack_unpacked_destroy(&u);
	return i == n && off == r->len ? (int64_t)n : -1;
}

/* wwctl ps: REPLY r's workers as a table (--json: as JSON). */
static int
admin_ps_print(const struct wwd_reply *r, int json)
{
	static char		 buf[65536];
	struct libscols_table	*tb;
	int64_t			 n;
	uint32_t		 i;

	/* 1.2 MB for 10,000 workers: a pipe's 4 KiB would be 300 writes. */
	setvbuf(stdout, buf, _IOFBF, sizeof buf);
	if (json) {
		fputs("[", stdout);
		if ((n = admin_ps_each(r, admin_ps_json_element, NULL)) < 0)
			return -1;
		fputs(n > 0 ? "\n]\n" : "]\n", stdout);
		return 0;
	}
	if ((tb = scols_new_table()) == NULL)
		return -1;
	scols_table_enable_colors(tb, isatty(STDOUT_FILENO));
	for (i = 0; i < PS_NCOLS; i++)
		scols_table_new_column(tb, ps_columns[i].head, 0,
		    ps_columns[i].flags);
	if ((n = admin_ps_each(r, admin_ps_row, tb)) >= 0)
		scols_print_table(tb);
	scols_unref_table(tb);
	return n >= 0 ? 0 : -1;
}

/* wwctl ps [--json]: the workers this user may see. */
int
admin_ps(int argc, char **argv)
{
	struct admin_opts	 o;
	struct wwd_reply	 r;
	int			 rc;

	if (admin_parse(argc, argv, &o, ADMIN_JSON, 0,
	    "ps [--socket PATH] [--json]") < 0)
		return EXIT_USAGE;
	if ((rc = admin_request(&o, "ps", 0, &r, NULL)) != 0)
		return rc;
	rc = 1;
	if (admin_ok("ps", &r)) {
		if (admin_ps_print(&r, o.json) == 0)
			rc = 0;
		else
			fprintf(stderr, "wwctl: ps: unreadable answer\n");
	}
	wwd_reply_clear(&r);
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

	if (admin_parse(argc, argv, &o, 0, -1, usage) < 0)
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

	if (admin_parse(argc, argv, &o, ADMIN_JSON, 0, usage) < 0)
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
			admin_duration(buf, json_integer_value(v));
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

	if (admin_parse(argc, argv, &o, 0, 0, usage) < 0)
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
		if ((rc = admin_json("logs", &r, &j)) != 0)
			return rc;
		admin_events(j, json);
		json_decref(j);
		if (ferror(stdout)) {
			fprintf(stderr, "wwctl logs: cannot write to stdout\n");
			return 1;
		}
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

	if (admin_parse(argc, argv, &o, ADMIN_JSON | ADMIN_FOLLOW, 1,
	    usage) < 0)
		return EXIT_USAGE;
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
}
