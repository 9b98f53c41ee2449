/*
 * scope.c: the dedicated worker's global scope (WHATWG "Web workers"):
 * name, origin, location, navigator, postMessage, close and
 * importScripts, and the running of scripts (main and imported) whose
 * sources are kept by URL for column numbers. importScripts reads
 * file: and data: URLs, and http(s) URLs of the worker's own origin
 * under INIT's root directory. Also the small helpers every module
 * uses to reach its worker and define natives. Runs in wwd-worker only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"
#include "worker.h"

#define SCOPE_SCRIPT_MAX	(64u * 1024 * 1024)

/* The worker whose JS state J is (main_prepare set it as the context). */
struct worker *
scope_worker(js_State *J)
{
	return js_getcontext(J);
}

/*
 * Define the native f as the global function name (not enumerable). The
 * name must be static: mujs keeps the pointer.
 */
void
scope_defun(js_State *J, const char *name, js_CFunction f, int n)
{
	js_newcfunction(J, f, name, n);
	js_defglobal(J, name, JS_DONTENUM);
}

/* Define the native f as method name of the object on top (static name). */
void
scope_method(js_State *J, const char *name, js_CFunction f, int n)
{
	js_newcfunction(J, f, name, n);
	js_defproperty(J, -2, name, JS_DONTENUM);
}

/* Define the native f as getter name of the object on top (static name). */
void
scope_getter(js_State *J, const char *name, js_CFunction f)
{
	js_newcfunction(J, f, name, 0);
	js_pushnull(J);
	js_defaccessor(J, -3, name, JS_DONTENUM);
}

/*
 * The prototype on top becomes the prototype of a new constructor name
 * (call without new, con with new, n its length), which replaces it on
 * top; the prototype is also kept in the registry under name.
 */
void
scope_constructor(js_State *J, const char *name, js_CFunction call,
    js_CFunction con, int n)
{
	js_copy(J, -1);
	js_setregistry(J, name);
	js_newcconstructor(J, call, con, name, n);
}

/* Push the text of URL u, which this clears. May throw. */
void
scope_push_url(js_State *J, struct url *u)
{
	char	*href = url_format(u);

	url_clear(u);
	if (href == NULL)
		js_error(J, "out of memory");
	text_push_owned(J, href, strlen(href));
}

/*
 * Make the stack of the native running hold `this` and exactly n
 * arguments: missing ones undefined, extra ones dropped.
 */
void
scope_arity(js_State *J, int n)
{
	while (js_gettop(J) < n + 1)
		js_pushundefined(J);
	if (js_gettop(J) > n + 1)
		js_pop(J, js_gettop(J) - (n + 1));
}

/*
 * Keep a script's text by URL, replacing what an earlier import of the
 * same URL left (a script imported in a timer must not grow memory);
 * takes text.
 */
static int
keep_source(struct worker *w, const char *url, char *text)
{
	struct worker_source	*s;

	for (s = w->sources; s != NULL; s = s->next)
		if (strcmp(s->url, url) == 0) {
			free(s->text);
			s->text = text;
			return 0;
		}
	if ((s = calloc(1, sizeof *s)) == NULL ||
	    (s->url = strdup(url)) == NULL) {
		free(s);
		free(text);
		return -ENOMEM;
	}
	s->text = text;
	s->next = w->sources;
	w->sources = s;
	return 0;
}

/*
 * The column of an error at file:line. mujs records no columns, so
 * this is an approximation: the 1-based column of the first non-blank
 * character of that line in the source we ran, 0 if unknown.
 */
int
scope_colno(struct worker *w, const char *file, unsigned line)
{
	struct worker_source	*s;
	const char		*p;
	unsigned		 n = 1;
	int			 col = 1;

	for (s = w->sources; s != NULL; s = s->next)
		if (strcmp(s->url, file) == 0)
			break;
	if (s == NULL || line == 0)
		return 0;
	for (p = s->text; *p != '\0' && n < line; p++)
		if (*p == '\n')
			n++;
	if (n < line)
		return 0;
	while (*p == ' ' || *p == '\t') {
		p++;
		col++;
	}
	return *p == '\n' || *p == '\0' ? 0 : col;
}

/*
 * Run the main script: compile it (a failure sends CLOSING "failed"
 * and stops the worker: -EINVAL), then run it as a task; a runtime
 * exception is reported as uncaught and the worker carries on.
 */
int
scope_run(struct worker *w, const char *url, const char *text)
{
	js_State	*J = w->J;
	char		*copy, msg[1024];

	if ((copy = strdup(text)) == NULL || keep_source(w, url, copy) < 0)
		return -ENOMEM;
	if (js_ploadstring(J, url, text)) {
		/* mujs names the token, not the cause a newcomer hits most. */
		snprintf(msg, sizeof msg, "%s (workers run ES5: no let, const, "
		    "arrow functions, classes or template literals)",
		    js_trystring(J, -1, "SyntaxError"));
		js_pop(J, 1);
		log_info("script failed to compile: %s", msg);
		main_leave(w, "failed", msg, 1);
		return -EINVAL;
	}
	js_pushglobal(J);
	w->in_script = 1;
	loop_call(w, 0, url);
	w->in_script = 0;
	return 0;
}

/* Read a whole file (at most SCOPE_SCRIPT_MAX); *out is malloc'd. */
static int
read_file(const char *path, char **out)
{
	struct stat	 st;
	char		*b = NULL;
	size_t		 n = 0;
	ssize_t		 r;
	int		 fd, rc = -EIO;

	/* O_NONBLOCK: a FIFO must not hang the worker; only files pass. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > SCOPE_SCRIPT_MAX)
		goto fail;
	if ((b = malloc((size_t)st.st_size + 1)) == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	while (n < (size_t)st.st_size) {
		r = read(fd, b + n, (size_t)st.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			goto fail;
		}
		if (r == 0)
			break;	/* the file shrank: what we have */
		n += (size_t)r;
	}
	b[n] = '\0';
	close(fd);
	*out = b;
	return 0;
fail:
	free(b);
	close(fd);
	return rc;
}

/* Whether path, symlinks resolved, lies under root. 0, -EPERM or -errno. */
static int
inside_root(const char *root, const char *path)
{
	char	*r, *p;
	size_t	 n;
	int	 rc;

	if ((r = realpath(root, NULL)) == NULL)
		return -errno;
	if ((p = realpath(path, NULL)) == NULL) {
		rc = -errno;
		free(r);
		return rc;
	}
	n = strlen(r);
	rc = strncmp(p, r, n) == 0 && (p[n] == '/' || r[n - 1] == '/') ?
	    0 : -EPERM;
	free(p);
	free(r);
	return rc;
}

/*
 * Fetch an imported script's text: file: (the percent-decoded path),
 * data:, or http(s) of the worker's own origin mapped under root.
 * *out is malloc'd. 0 or -errno with *why.
 */
int
scope_fetch(struct worker *w, const struct url *u, char **out,
    const char **why)
{
	char	*path = NULL, *o = NULL, *full = NULL, *wo;
	size_t	 n;
	int	 rc;

	*why = "unsupported URL scheme";
	if (strcmp(u->scheme, "data") == 0) {
		*why = "bad data: URL";
		return url_data(u, out, &n);
	}
	if (strcmp(u->scheme, "file") == 0) {
		/* As in browsers: only a file: worker may read files. */
		*why = "file: scripts need a file: worker";
		if (w->purl.scheme == NULL ||
		    strcmp(w->purl.scheme, "file") != 0)
			return -EPERM;
		if (url_decode(u->path, strlen(u->path), &path, &n) < 0)
			return -ENOMEM;
		*why = "cannot read the file";
		rc = strlen(path) != n ? -EINVAL : read_file(path, out);
		free(path);
		return rc;
	}
	if (strcmp(u->scheme, "http") != 0 && strcmp(u->scheme, "https") != 0)
		return -EPROTONOSUPPORT;
	*why = "http(s) scripts need a root and the worker's origin";
	if (w->root[0] == '\0' || w->purl.scheme == NULL)
		return -EPERM;
	o = url_origin(u);
	wo = url_origin(&w->purl);
	rc = o && wo && strcmp(o, wo) == 0 && strcmp(o, "null") != 0 ?
	    0 : -EPERM;
	free(o);
	free(wo);
	if (rc < 0)
		return rc;
	if (url_decode(u->path, strlen(u->path), &path, &n) < 0)
		return -ENOMEM;
	*why = "path escapes the root";
	/* Dot segments are gone after parsing; refuse any left encoded. */
	if (strlen(path) != n || strstr(path, "/../") != NULL ||
	    (n >= 3 && strcmp(path + n - 3, "/..") == 0)) {
		free(path);
		return -EPERM;
	}
	if ((full = malloc(strlen(w->root) + n + 1)) == NULL) {
		free(path);
		return -ENOMEM;
	}
	strcpy(full, w->root);
	strcat(full, path);
	rc = inside_root(w->root, full);
	*why = rc == -EPERM ? "path escapes the root" : "cannot read the file";
	if (rc == 0)
		rc = read_file(full, out);
	free(full);
	free(path);
	return rc;
}

/* importScripts(...urls): fetch and run each in order, here and now. */
static void
fn_import_scripts(js_State *J)
{
	struct worker	*w = scope_worker(J);
	struct url	 u;
	const char	*why;
	char		*raw, *text = NULL;
	int		 i, top = js_gettop(J), rc;

	if (w->purl.path == NULL)
		events_throw(w, "SyntaxError", "the worker URL is invalid");
	/* Resolve them all first: a bad URL throws before anything runs. */
	for (i = 1; i < top; i++) {
		if (url_resolve(&w->purl, js_tostring(J, i), &u) < 0)
			events_throw(w, "SyntaxError",
			    "Failed to execute 'importScripts': The URL '%s' "
			    "is invalid.", js_tostring(J, i));
		scope_push_url(J, &u);
		js_replace(J, i);
	}
	for (i = 1; i < top; i++) {
		const char	*s = js_tostring(J, i);

		if (url_parse(s, &u) < 0)
			js_error(J, "out of memory");
		rc = scope_fetch(w, &u, &raw, &why);
		url_clear(&u);
		if (rc < 0)
			events_throw(w, "NetworkError",
			    "Failed to execute 'importScripts': The script at "
			    "'%s' failed to load (%s).", s, why);
		text = text_js(raw, strlen(raw), NULL);
		free(raw);
		if (text == NULL)
			js_error(J, "out of memory");
		/* The kept source owns the text from here on. */
		if (keep_source(w, s, text) < 0)
			js_error(J, "out of memory");
		js_loadstring(J, s, text);
		js_pushglobal(J);
		js_call(J, 0);
		js_pop(J, 1);
	}
	js_pushundefined(J);
}

/*
 * postMessage(message[, transfer]): packed straight into the output
 * (channel_begin: a getter that posts meanwhile gets its own buffer).
 */
static void
fn_post_message(js_State *J)
{
	struct worker	*w = scope_worker(J);
	int		 tidx = 0;

	if (js_gettop(J) < 2)
		js_typeerror(J, "Failed to execute 'postMessage': "
		    "1 argument required, but only 0 present.");
	if (js_gettop(J) > 2)
		tidx = clone_transfer_arg(J, 2, 1, "postMessage");
	ports_post(w, w->port, 1, tidx);
	js_pushundefined(J);
}

/* close(): the current task finishes, then the worker ends. */
static void
fn_close(js_State *J)
{
	scope_worker(J)->closing = 1;
	js_pushundefined(J);
}

static void
fn_location_to_string(js_State *J)
{
	js_getproperty(J, 0, "href");
}

static void
fn_illegal(js_State *J)
{
	js_typeerror(J, "Illegal constructor");
}

/* Define the global interface name: a constructor that throws. */
static void
define_interface(js_State *J, const char *name)
{
	js_newobject(J);
	js_newcconstructor(J, fn_illegal, fn_illegal, name, 0);
	js_defglobal(J, name, JS_DONTENUM);
}

/*
 * Push an instance of the interface name (define_interface): a userdata
 * tagged name, so that Object.prototype.toString gives "[object name]".
 */
static void
new_instance(js_State *J, const char *name)
{
	js_getglobal(J, name);
	js_getproperty(J, -1, "prototype");
	js_rot2pop1(J);
	js_newuserdata(J, name, NULL, NULL);
}

static void
ro(js_State *J, const char *name, const char *value)
{
	js_pushstring(J, value ? value : "");
	js_defproperty(J, -2, name, JS_READONLY | JS_DONTCONF);
}

/* The strings of a WorkerLocation, owned by install_location. */
struct location {
	char	*href;
	char	*host;
	char	*origin;
	char	*proto;
	char	*search;
	char	*hash;
};

/*
 * Define the location global (or, not global, build one and drop it); 0
 * or -1 if mujs ran out of memory.
 */
static int
define_location(struct worker *w, const struct location *l, int global)
{
	js_State	*J = w->J;

	if (js_try(J)) {
		js_pop(J, 1);
		return -1;
	}
	new_instance(J, "WorkerLocation");
	ro(J, "href", l->href);
	ro(J, "origin", l->origin);
	ro(J, "protocol", l->proto);
	ro(J, "host", l->host);
	ro(J, "hostname", w->purl.host);
	ro(J, "port", w->purl.port);
	ro(J, "pathname", w->purl.path);
	ro(J, "search", l->search);
	ro(J, "hash", l->hash);
	scope_method(J, "toString", fn_location_to_string, 0);
	if (global)
		js_defglobal(J, "location", JS_READONLY | JS_DONTENUM);
	else
		js_pop(J, 1);
	js_endtry(J);
	return 0;
}

/* WorkerLocation: the parts of the worker's URL, read-only. */
static int
install_location(struct worker *w)
{
	struct url	*u = &w->purl;
	struct location	 l = { NULL, NULL, NULL, NULL, NULL, NULL };
	const char	*q = u->query ? u->query : "";
	const char	*h = u->fragment ? u->fragment : "";
	int		 rc = -ENOMEM;

	/* href is the parsed URL, serialized, as the other parts are. */
	if ((l.href = url_format(u)) == NULL ||
	    (l.host = url_host(u)) == NULL ||
	    (l.origin = url_origin(u)) == NULL ||
	    (l.proto = malloc(strlen(u->scheme ? u->scheme : "") + 2)) ==
	    NULL || (l.search = malloc(strlen(q) + 2)) == NULL ||
	    (l.hash = malloc(strlen(h) + 2)) == NULL)
		goto fail;
	sprintf(l.proto, "%s:", u->scheme ? u->scheme : "");
	/* An empty query or fragment reads as "", like in browsers. */
	sprintf(l.search, "%s%s", *q ? "?" : "", q);
	sprintf(l.hash, "%s%s", *h ? "#" : "", h);
	rc = define_location(w, &l, 1);
fail:
	free(l.hash);
	free(l.search);
	free(l.proto);
	free(l.origin);
	free(l.href);
	free(l.host);
	return rc;
}

/* WorkerNavigator. */
static void
install_navigator(struct worker *w)
{
	js_State	*J = w->J;
	struct utsname	 un;
	char		 ua[64], platform[160];
	long		 cpus = sysconf(_SC_NPROCESSORS_ONLN);

	snprintf(ua, sizeof ua, "wwd/%s", WWD_VERSION);
	if (uname(&un) == 0)
		snprintf(platform, sizeof platform, "%s %s", un.sysname,
		    un.machine);
	else
		snprintf(platform, sizeof platform, "Linux x86_64");
	define_interface(J, "WorkerNavigator");
	new_instance(J, "WorkerNavigator");
	ro(J, "userAgent", ua);
	ro(J, "appCodeName", "Mozilla");
	ro(J, "appName", "Netscape");
	ro(J, "appVersion", WWD_VERSION);
	ro(J, "platform", platform);
	ro(J, "product", "Gecko");
	ro(J, "language", "en-US");
	js_newarray(J);
	js_pushstring(J, "en-US");
	js_setindex(J, -2, 0);
	js_defproperty(J, -2, "languages", JS_READONLY | JS_DONTCONF);
	js_pushboolean(J, 1);
	js_defproperty(J, -2, "onLine", JS_READONLY | JS_DONTCONF);
	js_pushnumber(J, cpus > 0 ? (double)cpus : 1);
	js_defproperty(J, -2, "hardwareConcurrency",
	    JS_READONLY | JS_DONTCONF);
	js_defglobal(J, "navigator", JS_READONLY | JS_DONTENUM);
}

/*
 * Define the globals that do not depend on INIT (navigator, close,
 * importScripts, postMessage, the WorkerLocation interface) and
 * placeholders for those INIT fills in (name, origin, location): a
 * worker then only sets them, which writes their own nodes (props.c),
 * where a new global rewrites a path of the global object's tree on
 * pages shared with the template. Build and drop one empty location, so
 * that its property names are interned before the template forks
 * (intern.c). 0 or -1.
 */
int
scope_prepare(struct worker *w)
{
	js_State	*J = w->J;
	char		 none[1] = "";
	struct location	 l = { none, none, none, none, none, none };

	if (js_try(J))
		return -1;
	define_interface(J, "WorkerLocation");
	install_navigator(w);
	scope_defun(J, "close", fn_close, 0);
	scope_defun(J, "importScripts", fn_import_scripts, 0);
	scope_defun(J, "postMessage", fn_post_message, 1);
	/* Not yet read-only: scope_install sets them, and adds that. */
	js_pushundefined(J);
	js_defglobal(J, "name", JS_DONTENUM);
	js_pushundefined(J);
	js_defglobal(J, "origin", JS_DONTENUM);
	js_pushundefined(J);
	js_defglobal(J, "location", JS_DONTENUM);
	js_endtry(J);
	return define_location(w, &l, 0);
}

/*
 * Fill in the worker-specific globals (scope_prepare's placeholders). 0
 * or -1.
 */
int
scope_install(struct worker *w)
{
	js_State	*J = w->J;

	js_pushstring(J, w->name);
	js_defglobal(J, "name", JS_DONTENUM);
	js_pushstring(J, w->origin);
	js_defglobal(J, "origin", JS_READONLY | JS_DONTENUM);
	if (install_location(w) < 0)
		return -1;
	if (js_try(J))
		return -1;
	/*
	 * A SharedWorkerGlobalScope has onconnect, no postMessage nor
	 * message handlers, and its own interface in place of
	 * DedicatedWorkerGlobalScope.
	 */
	if (w->shared) {
		events_push_internal(w);
		js_getproperty(J, -1, "handler");
		js_pushundefined(J);
		js_pushglobal(J);
		js_pushstring(J, "connect");
		js_call(J, 2);
		js_pop(J, 1);
		js_delglobal(J, "postMessage");
		js_delglobal(J, "onmessage");
		js_delglobal(J, "onmessageerror");
		js_delglobal(J, "DedicatedWorkerGlobalScope");
		js_getproperty(J, -1, "shared");
		js_copy(J, -1);
		js_defglobal(J, "SharedWorkerGlobalScope", JS_DONTENUM);
		js_getproperty(J, -1, "prototype");
		if (fixes_global_prototype(w) < 0)
			log_warnx("cannot give the shared scope its prototype");
		js_pop(J, 2);
	}
	js_endtry(J);
	return 0;
}
