/*
 * nested.c: what a worker can start and load besides itself: nested
 * dedicated workers (new Worker(url, {name}), the same CREATE a client
 * sends; this worker holds the outside port, ports.c routes its
 * messages), a minimal Blob (string and binary parts, type, size,
 * slice, text, arrayBuffer) and URL.createObjectURL/revokeObjectURL,
 * whose blob: URLs start nested workers. The worker resolves and reads
 * the script (file:, data:, blob:) and sends its source; wwd never
 * reads files for it. Runs in wwd-worker only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"
#include "worker.h"

static const char prelude[] =
"(function (global, native, ev) {\n"
"function hide(o, n, v) { Object.defineProperty(o, n, { value: v,\n"
"  writable: true, enumerable: false, configurable: true }); }\n"
"function Blob(parts, options) {\n"
"  if (!(this instanceof Blob))\n"
"    throw new TypeError(\"Constructor Blob requires 'new'\");\n"
"  var b = [], i, p;\n"
"  parts = parts == null ? [] : parts;\n"
"  if (typeof parts !== 'object' || typeof parts.length !== 'number')\n"
"    throw new TypeError(\"Failed to construct 'Blob': The provided \" +\n"
"      'value cannot be converted to a sequence.');\n"
"  for (i = 0; i < parts.length; i++) { p = parts[i];\n"
"    if (p instanceof Blob) b.push(p._b);\n"
"    else if (p instanceof ArrayBuffer)\n"
"      b.push(native.bytes(p, 0, p.byteLength));\n"
"    else if (p && p.buffer instanceof ArrayBuffer &&\n"
"        typeof p.byteLength === 'number')\n"
"      b.push(native.bytes(p.buffer, p.byteOffset, p.byteLength));\n"
"    else b.push(native.encode(String(p))); }\n"
"  /* A platform object: structured clone refuses it. */\n"
"  var self = native.object(Blob.prototype, 'Blob');\n"
"  hide(self, '_b', b.join(''));\n"
"  var t = options && options.type !== undefined ?\n"
"    String(options.type) : '';\n"
"  hide(self, '_t', /^[\\x20-\\x7e]*$/.test(t) ? t.toLowerCase() : '');\n"
"  return self;\n"
"}\n"
"Object.defineProperty(Blob.prototype, 'size', { configurable: true,\n"
"  get: function () { return this._b.length; } });\n"
"Object.defineProperty(Blob.prototype, 'type', { configurable: true,\n"
"  get: function () { return this._t; } });\n"
"function clamp(v, n, d) { v = v === undefined ? d : Math.floor(+v) || 0;\n"
"  return v < 0 ? Math.max(n + v, 0) : Math.min(v, n); }\n"
"hide(Blob.prototype, 'slice', function (start, end, type) {\n"
"  var n = this._b.length, s = clamp(start, n, 0), e = clamp(end, n, n);\n"
"  var r = new Blob([], { type: type });\n"
"  r._b = e > s ? this._b.substring(s, e) : '';\n"
"  return r; });\n"
"hide(Blob.prototype, 'text', function () {\n"
"  var self = this; return new Promise(function (ok) {\n"
"    ok(native.decode(self._b)); }); });\n"
"hide(Blob.prototype, 'arrayBuffer', function () {\n"
"  var self = this; return new Promise(function (ok) {\n"
"    ok(native.buffer(self._b)); }); });\n"
"hide(Blob.prototype, 'toString', function () {\n"
"  return '[object Blob]'; });\n"
"var blobs = {}, serial = 0, later = global.setTimeout, Ev = Event;\n"
"function URLs() {}\n"
"var U = typeof global.URL === 'function' ? global.URL : URLs;\n"
"hide(U, 'createObjectURL', function (blob) {\n"
"  if (!(blob instanceof Blob))\n"
"    throw new TypeError(\"Failed to execute 'createObjectURL' on \" +\n"
"      \"'URL': parameter 1 is not of type 'Blob'.\");\n"
"  var u = 'blob:' + global.origin + '/' + native.uuid(++serial);\n"
"  blobs[u] = blob; return u; });\n"
"hide(U, 'revokeObjectURL', function (u) { delete blobs[String(u)]; });\n"
"if (U === URLs) hide(global, 'URL', U);\n"
"/* WebIDL's WorkerOptions: each member read once, in order. */\n"
"function workerOptions(o) {\n"
"  var no = \"Failed to construct 'Worker': \", c, n, t;\n"
"  if (o != null && typeof o !== 'object' && typeof o !== 'function')\n"
"    throw new TypeError(no + 'The provided value is not of type ' +\n"
"      \"'WorkerOptions'.\");\n"
"  o = o == null ? {} : o;\n"
"  c = o.credentials;\n"
"  if (c !== undefined && (c = String(c)) !== 'omit' &&\n"
"      c !== 'same-origin' && c !== 'include')\n"
"    throw new TypeError(no + \"The provided value '\" + c +\n"
"      \"' is not a valid enum value of type RequestCredentials.\");\n"
"  n = o.name === undefined ? '' : String(o.name);\n"
"  t = o.type;\n"
"  if (t !== undefined && (t = String(t)) !== 'classic' && t !== 'module')\n"
"    throw new TypeError(no + \"The provided value '\" + t +\n"
"      \"' is not a valid enum value of type WorkerType.\");\n"
"  if (t === 'module')\n"
"    throw new TypeError(no + 'module workers are not supported.');\n"
"  return { name: n };\n"
"}\n"
"function Worker(url, options) {\n"
"  if (!(this instanceof Worker))\n"
"    throw new TypeError(\"Constructor Worker requires 'new'\");\n"
"  if (arguments.length < 1)\n"
"    throw new TypeError(\"Failed to construct 'Worker': 1 argument \" +\n"
"      'required, but only 0 present.');\n"
"  url = String(url);\n"
"  options = workerOptions(options);\n"
"  var href = native.resolve(url), source, origin = '';\n"
"  var blob = href.slice(0, 5) === 'blob:';\n"
"  if (blob && blobs.hasOwnProperty(href)) {\n"
"    source = native.decode(blobs[href]._b); origin = global.origin;\n"
"  }\n"
"  /* A platform object: structured clone refuses it. */\n"
"  var self = native.object(Worker.prototype, 'Worker');\n"
"  ev.handler(self, 'message'); ev.handler(self, 'messageerror');\n"
"  ev.handler(self, 'error');\n"
"  if (blob && source === undefined || !native.create(self, href,\n"
"      options.name, source, origin)) {\n"
"    /* Its script did not load: error at it, later; posts go nowhere. */\n"
"    hide(self, '_id', 0);\n"
"    later(function () { failed(self); }, 0);\n"
"  }\n"
"  return self;\n"
"}\n"
"function failed(t) { ev.fire(t, new Ev('error')); }\n"
"Worker.prototype = Object.create(EventTarget.prototype);\n"
"hide(Worker.prototype, 'constructor', Worker);\n"
"hide(Worker.prototype, 'postMessage', MessagePort.prototype.postMessage);\n"
"hide(Worker.prototype, 'terminate', MessagePort.prototype.close);\n"
"hide(global, 'Worker', Worker);\n"
"hide(global, 'Blob', Blob);\n"
"return {\n"
"  failed: failed,\n"
"  error: function (t, message, filename, lineno, colno) {\n"
"    if (ev.fire(t, new ErrorEvent('error', { message: message,\n"
"      filename: filename, lineno: lineno, colno: colno, error: null,\n"
"      cancelable: true })))\n"
"      return ev.error(message, filename, lineno, colno, null);\n"
"    return true; }\n"
"};\n"
"})";

#define NESTED_INTERNAL	"wwd.nested"
#define NESTED_WORKER_TAG	"Worker"	/* userdata of Worker objects */
#define NESTED_BLOB_TAG		"Blob"		/* and of Blob objects */

/* native.resolve(url): the absolute URL against location. */
static void
fn_resolve(js_State *J)
{
	struct worker	*w = scope_worker(J);
	struct url	 u;

	if (w->purl.path == NULL ||
	    url_resolve(&w->purl, js_tostring(J, 1), &u) < 0)
		events_throw(w, "SyntaxError", "Failed to construct 'Worker': "
		    "The URL '%s' is invalid.", js_tostring(J, 1));
	scope_push_url(J, &u);
}

/*
 * native.object(proto, 'Worker' or 'Blob'): a platform object of that
 * class (so Object.prototype.toString names it), which structured
 * clone refuses.
 */
static void
fn_object(js_State *J)
{
	const char	*tag = strcmp(js_tostring(J, 2), NESTED_BLOB_TAG) == 0 ?
	    NESTED_BLOB_TAG : NESTED_WORKER_TAG;

	js_copy(J, 1);
	js_newuserdata(J, tag, scope_worker(J), NULL);
}

/* native.uuid(n): a random-looking unique tail for a blob: URL. */
static void
fn_uuid(js_State *J)
{
	struct worker	*w = scope_worker(J);
	char		 buf[64];

	snprintf(buf, sizeof buf, "%08llx-%04x-4%03x-8%03x-%012llx",
	    (unsigned long long)(w->start_ns & 0xffffffffu),
	    (unsigned)(w->id & 0xffff), (unsigned)(getpid() & 0xfff),
	    (unsigned)((uv_hrtime() >> 10) & 0xfff),
	    (unsigned long long)js_tonumber(J, 1));
	js_pushstring(J, buf);
}

/*
 * A Blob keeps its bytes as a binary string, one character (0-255) a
 * byte, which slices and measures as bytes. In mujs's form a byte over
 * 0x7f takes two chars and NUL is C0 80. Push the n bytes at p as one;
 * owned (may be NULL) is freed first, also when that throws.
 */
static void
push_binary(js_State *J, const uint8_t *p, size_t n, void *owned)
{
	char	*s, *o;
	size_t	 i;

	s = malloc(n * 2 + 1);
	for (i = 0, o = s; s != NULL && i < n; i++)
		if (p[i] != 0 && p[i] < 0x80)
			*o++ = (char)p[i];
		else {
			*o++ = (char)(0xc0 | p[i] >> 6);
			*o++ = (char)(0x80 | (p[i] & 0x3f));
		}
	free(owned);
	if (s == NULL)
		js_error(J, "out of memory");
	text_push_owned(J, s, (size_t)(o - s));
}

/*
 * The bytes of the binary string s into out (NULL: only count them);
 * a character over U+00FF gives its low byte. Returns the count.
 */
static size_t
binary_bytes(const char *s, uint8_t *out)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = 0;
	unsigned		 b;

	while (*p != '\0') {
		b = *p++;
		/* The last byte of a sequence holds the low 6 bits. */
		for (; (*p & 0xc0) == 0x80; p++)
			b = (b & 3) << 6 | (*p & 0x3f);
		if (out != NULL)
			out[n] = (uint8_t)b;
		n++;
	}
	return n;
}

/*
 * n bytes as UTF-8 the way WHATWG's decoder reads them: each maximal
 * invalid subpart becomes U+FFFD. out has room for 3n bytes; returns
 * the length written, valid UTF-8.
 */
static size_t
utf8_decode(const uint8_t *p, size_t n, char *out)
{
	size_t	i = 0, o = 0, need, k;
	uint8_t	c, lo, hi;

	while (i < n) {
		c = p[i];
		lo = 0x80;
		hi = 0xbf;
		if (c < 0x80)
			need = 0;
		else if (c >= 0xc2 && c <= 0xdf)
			need = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			lo = c == 0xe0 ? 0xa0 : 0x80;
			hi = c == 0xed ? 0x9f : 0xbf;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			lo = c == 0xf0 ? 0x90 : 0x80;
			hi = c == 0xf4 ? 0x8f : 0xbf;
		} else
			need = 4;	/* never a lead byte */
		for (k = 1; k <= need && need < 4 && i + k < n &&
		    p[i + k] >= lo && p[i + k] <= hi; k++)
			lo = 0x80, hi = 0xbf;
		if (k > need) {
			memcpy(out + o, p + i, k);
			o += k;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
		}
		/* An unexpected byte is read again as a lead. */
		i += k;
	}
	return o;
}

/* native.encode(s): the UTF-8 of s, lone surrogates as U+FFFD. */
static void
fn_encode(js_State *J)
{
	size_t	 n;
	char	*u = text_wire_dup(js_tostring(J, 1), &n);

	if (u == NULL)
		js_error(J, "out of memory");
	text_wire_usv(u, n);
	push_binary(J, (const uint8_t *)u, n, u);
}

/* native.decode(bytes): the text of a binary string of UTF-8. */
static void
fn_decode(js_State *J)
{
	const char	*s = js_tostring(J, 1);
	size_t		 n = binary_bytes(s, NULL), len;
	uint8_t		*b = malloc(n + 1);
	char		*u = malloc(n * 3 + 1), *t = NULL;

	if (b != NULL && u != NULL) {
		binary_bytes(s, b);
		t = text_js(u, utf8_decode(b, n, u), &len);
	}
	free(b);
	free(u);
	if (t == NULL)
		js_error(J, "out of memory");
	text_push_owned(J, t, len);
}

/* The number at idx as a count no larger than max. */
static size_t
count_at(js_State *J, int idx, size_t max)
{
	double	d = js_tonumber(J, idx);

	return d >= 0 ? d < (double)max ? (size_t)d : max : 0;
}

/* native.bytes(arraybuffer, offset, length): those bytes, binary. */
static void
fn_bytes(js_State *J)
{
	size_t	 n = 0, off, len;
	int	 detached;
	uint8_t	*p = NULL;

	if (builtins_buffer_is(J, 1))
		p = builtins_buffer_data(J, 1, &n, &detached);
	off = count_at(J, 2, n);
	len = count_at(J, 3, n - off);
	push_binary(J, p != NULL ? p + off : NULL, len, NULL);
}

/* native.buffer(bytes): a new ArrayBuffer holding a binary string's. */
static void
fn_buffer(js_State *J)
{
	const char	*s = js_tostring(J, 1);
	uint8_t		*p = builtins_buffer_new(J, binary_bytes(s, NULL));

	if (p != NULL)
		binary_bytes(s, p);
}

/* A JS string at idx as wire UTF-8, malloc'd. May throw. */
static char *
wire(js_State *J, int idx, size_t *len)
{
	char	*s = text_wire_dup(js_tostring(J, idx), len);

	if (s == NULL)
		js_error(J, "out of memory");
	return s;
}

/*
 * native.create(worker, href, name, source, origin): fetch the script
 * unless given (blob:), mint the outside port, send CREATE, hold it.
 * False if the script could not be read (HTML fires error at the Worker
 * then, and the constructor does not throw).
 */
static void
fn_create(js_State *J)
{
	struct worker		*w = scope_worker(J);
	struct ipc_create	 m;
	struct url		 u;
	const char		*why;
	char			*text = NULL, *href, *name, *origin, *src;
	size_t			 hl, nl, ol, sl;
	uint64_t		 id;
	int			 rc;

	href = js_tostring(J, 2)[0] ? wire(J, 2, &hl) : NULL;
	if (href == NULL)
		js_error(J, "empty URL");
	if (js_isundefined(J, 4)) {
		if (url_parse(href, &u) < 0) {
			free(href);
			js_error(J, "out of memory");
		}
		rc = scope_fetch(w, &u, &text, &why);
		url_clear(&u);
		if (rc < 0) {
			log_info("worker script %s failed to load: %s", href,
			    why);
			free(href);
			js_pushboolean(J, 0);
			return;
		}
		src = text;
		sl = strlen(text);
	} else
		src = wire(J, 4, &sl);
	name = wire(J, 3, &nl);
	origin = wire(J, 5, &ol);
	/* A data: URL's worker has an opaque origin. */
	if (strncmp(href, "data:", 5) == 0) {
		free(origin);
		origin = strdup("null");
		ol = 4;
	}
	m.kind = ipc_str("dedicated");
	m.url.ptr = href;
	m.url.len = (uint32_t)hl;
	m.name.ptr = name;
	m.name.len = (uint32_t)nl;
	m.origin.ptr = origin ? origin : "";
	m.origin.len = origin ? (uint32_t)ol : 0;
	m.root = ipc_str(w->root);
	m.source.ptr = src;
	m.source.len = (uint32_t)sl;
	m.type = ipc_str("classic");
	id = w->port_next < w->port_end ? w->port_next++ : 0;
	rc = id == 0 ? -ENOSPC : ipc_create_encode(channel_out(w), id, &m);
	free(href);
	free(name);
	free(origin);
	free(src);
	if (rc < 0)
		js_error(J, "cannot create the worker: %s", strerror(-rc));
	js_pushnumber(J, (double)id);
	js_defproperty(J, 1, "_id", JS_DONTENUM);
	ports_adopt(w, id, 1);
	js_pushboolean(J, 1);
}

/* FAULT from a nested worker: an ErrorEvent at its Worker object. */
static void
on_fault(struct worker *w, const struct ipc_frame *f)
{
	js_State		*J = w->J;
	struct ipc_fault	 m;
	const char		*why;
	int			 top = js_gettop(J);

	if (ipc_fault_decode(f->body, f->len, &m, &why) < 0)
		return;
	if (js_try(J)) {
		js_pop(J, js_gettop(J) - top);
		return;
	}
	events_entry(J, NESTED_INTERNAL, "error");
	ports_push_object(w, f->port);
	text_push(J, m.message.ptr, m.message.len);
	text_push(J, m.filename.ptr, m.filename.len);
	js_pushnumber(J, m.lineno);
	js_pushnumber(J, m.colno);
	js_endtry(J);
	/*
	 * Uncancelled at the Worker object and then at this scope (HTML
	 * "report the exception" in the parent): it goes on to our owner.
	 */
	if (w->done)
		js_pop(J, js_gettop(J) - top);
	else if (js_pcall(J, 5))
		events_report(w, w->url);
	else {
		if (!js_toboolean(J, -1) &&
		    ipc_fault_encode(&w->out, w->port, &m) < 0)
			log_warnx("out of memory for FAULT");
		js_pop(J, 1);
	}
	loop_task_done(w);
}

/*
 * EXIT of a nested worker: one that could not start (its script did not
 * parse, or wwd refused it) fires error at its Worker object first, as
 * HTML does when a worker's script fails. Then the port is let go, and
 * closed.
 */
static void
on_exit_frame(struct worker *w, const struct ipc_frame *f)
{
	js_State		*J = w->J;
	struct ipc_exit		 m;
	const char		*why;
	int			 top = js_gettop(J);

	if (!w->done && ipc_exit_decode(f->body, f->len, &m, &why) == 0 &&
	    ipc_str_eq(m.reason, "failed")) {
		if (js_try(J))
			js_pop(J, js_gettop(J) - top);
		else {
			events_entry(J, NESTED_INTERNAL, "failed");
			ports_push_object(w, f->port);
			js_endtry(J);
			if (js_pcall(J, 1))
				events_report(w, w->url);
			else
				js_pop(J, 1);
			loop_task_done(w);
		}
	}
	ports_forget(w, f->port);
	/* As a client does: wwd may free its record of the port. */
	if (ipc_empty_encode(channel_out(w), IPC_CLOSE, f->port) < 0)
		log_warnx("out of memory for CLOSE");
}

/*
 * Frames about nested workers: STARTED (nothing to do), EXIT, FAULT. 1
 * if handled, 0 if not one of them.
 */
int
nested_frame(struct worker *w, const struct ipc_frame *f)
{
	switch (f->type) {
	case IPC_STARTED:
		return 1;
	case IPC_EXIT:
		on_exit_frame(w, f);
		return 1;
	case IPC_FAULT:
		on_fault(w, f);
		return 1;
	default:
		return 0;
	}
}

/* Define Worker, Blob and URL's object-URL functions. 0 or -1. */
int
nested_install(struct worker *w)
{
	static const struct events_native fns[] = {
		{ "resolve", fn_resolve, 1 },
		{ "create", fn_create, 5 },
		{ "uuid", fn_uuid, 1 },
		{ "object", fn_object, 2 },
		{ "encode", fn_encode, 1 },
		{ "decode", fn_decode, 1 },
		{ "bytes", fn_bytes, 3 },
		{ "buffer", fn_buffer, 1 },
	};

	return events_prelude(w, "wwd:nested.js", prelude, fns,
	    sizeof fns / sizeof fns[0], NESTED_INTERNAL);
}
