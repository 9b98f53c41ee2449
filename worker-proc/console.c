/*
 * console.c: console.log & co in the worker. Formatting is a small ES5
 * prelude (browser-like: strings as they are, %s %d %i %f %o %O %c %%
 * substitutions, objects inspected compactly with cycle protection);
 * the result goes to wwd as one CONSOLE frame carrying the line and the
 * arguments as a payload, an argument that cannot be cloned replaced by
 * its text. Runs in wwd-worker only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "log.h"
#include "msg.h"
#include "worker.h"

/* The most text a console line keeps when its values do not fit a frame. */
#define CONSOLE_TEXT_MAX	(1024 * 1024)

static const char prelude[] =
"(function (global, send) {\n"
"function key(k) {\n"
"  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? k :\n"
"    \"'\" + k.replace(/'/g, \"\\\\'\") + \"'\"; }\n"
"function inspect(v, seen, depth) {\n"
"  var t = typeof v, parts = [], i, keys, out;\n"
"  if (t === 'string') return depth > 0 ? \"'\" + v + \"'\" : v;\n"
"  if (t === 'number') return v === 0 && 1 / v < 0 ? '-0' : String(v);\n"
"  if (t === 'function')\n"
"    return '[Function' + (v.name ? ': ' + v.name : ' (anonymous)') + ']';\n"
"  if (v === null || t !== 'object') return String(v);\n"
"  if (v instanceof Error) return String(v);\n"
"  var cls = Object.prototype.toString.call(v);\n"
"  if (cls === '[object Date]') return isNaN(v) ? 'Invalid Date' :\n"
"    v.toISOString();\n"
"  if (cls === '[object RegExp]') return String(v);\n"
"  if (seen.indexOf(v) >= 0) return '[Circular]';\n"
"  if (depth > 2) return Array.isArray(v) ? '[Array]' : '[Object]';\n"
"  seen.push(v);\n"
"  if (Array.isArray(v)) {\n"
"    for (i = 0; i < v.length; i++)\n"
"      parts.push(i in v ? inspect(v[i], seen, depth + 1) : '<empty>');\n"
"    out = parts.length ? '[ ' + parts.join(', ') + ' ]' : '[]';\n"
"  } else {\n"
"    keys = Object.keys(v);\n"
"    for (i = 0; i < keys.length; i++)\n"
"      parts.push(key(keys[i]) + ': ' + inspect(v[keys[i]], seen,\n"
"        depth + 1));\n"
"    out = parts.length ? '{ ' + parts.join(', ') + ' }' : '{}';\n"
"  }\n"
"  seen.pop();\n"
"  return out;\n"
"}\n"
"function show(v) {\n"
"  try { return inspect(v, [], 0); }\n"
"  catch (e) { return '[object]'; }\n"
"}\n"
"function format(args) {\n"
"  var out = [], i = 0, f = args[0];\n"
"  if (typeof f === 'string' && args.length > 1 && f.indexOf('%') >= 0) {\n"
"    i = 1;\n"
"    f = f.replace(/%[sdifoOc%]/g, function (m) {\n"
"      if (m === '%%') return '%';\n"
"      if (i >= args.length) return m;\n"
"      var a = args[i++];\n"
"      switch (m) {\n"
"      case '%s': return typeof a === 'string' ? a : show(a);\n"
"      case '%d': case '%i':\n"
"        return typeof a === 'object' ? 'NaN' : String(parseInt(a, 10));\n"
"      case '%f': return String(parseFloat(a));\n"
"      case '%c': return '';\n"
"      default: return show(a);\n"
"      }\n"
"    });\n"
"    out.push(f);\n"
"  }\n"
"  for (; i < args.length; i++) out.push(show(args[i]));\n"
"  return out.join(' ');\n"
"}\n"
"var indent = '', counts = {}, timers = {}, now = Date.now;\n"
"function emit(level, args, prefix) {\n"
"  var texts = [], i;\n"
"  for (i = 0; i < args.length; i++) texts.push(show(args[i]));\n"
"  send(level, indent + prefix + format(args), args, texts);\n"
"}\n"
"function label(l) {\n"
"  return '$' + (l === undefined ? 'default' : String(l)); }\n"
"function group() {\n"
"  if (arguments.length)\n"
"    emit('log', Array.prototype.slice.call(arguments), '');\n"
"  indent += '  ';\n"
"}\n"
"function elapsed(k, rest) {\n"
"  emit('info', rest, k.slice(1) + ': ' + (now() - timers[k]) + 'ms' +\n"
"    (rest.length ? ' ' : ''));\n"
"}\n"
"function missing(what, k) {\n"
"  emit('warn', [], what + \" '\" + k.slice(1) + \"' does not exist\");\n"
"}\n"
"function method(level, prefix) {\n"
"  return function () {\n"
"    emit(level, Array.prototype.slice.call(arguments), prefix || ''); };\n"
"}\n"
"var console = {\n"
"  log: method('log'), info: method('info'), warn: method('warn'),\n"
"  error: method('error'), debug: method('debug'),\n"
"  trace: method('debug', 'Trace: '),\n"
"  dir: function (v) { emit('log', [v], ''); },\n"
"  table: method('log'),\n"
"  count: function (l) { var k = label(l);\n"
"    counts[k] = (counts.hasOwnProperty(k) ? counts[k] : 0) + 1;\n"
"    emit('info', [], k.slice(1) + ': ' + counts[k]); },\n"
"  countReset: function (l) { var k = label(l);\n"
"    if (counts.hasOwnProperty(k)) counts[k] = 0;\n"
"    else missing('Count for', k); },\n"
"  group: group, groupCollapsed: group,\n"
"  groupEnd: function () { indent = indent.slice(2); },\n"
"  time: function (l) { var k = label(l);\n"
"    if (timers.hasOwnProperty(k))\n"
"      emit('warn', [], \"Timer '\" + k.slice(1) + \"' already exists\");\n"
"    else timers[k] = now(); },\n"
"  timeLog: function (l) { var k = label(l);\n"
"    if (!timers.hasOwnProperty(k)) return missing('Timer', k);\n"
"    elapsed(k, Array.prototype.slice.call(arguments, 1)); },\n"
"  timeEnd: function (l) { var k = label(l);\n"
"    if (!timers.hasOwnProperty(k)) return missing('Timer', k);\n"
"    elapsed(k, []); delete timers[k]; },\n"
"  assert: function (c) {\n"
"    if (c) return;\n"
"    var a = Array.prototype.slice.call(arguments, 1);\n"
"    emit('error', a, a.length ? 'Assertion failed: ' :\n"
"      'Assertion failed'); }\n"
"};\n"
"Object.defineProperty(global, 'console', { value: console,\n"
"  writable: true, enumerable: false, configurable: true });\n"
"})";

/*
 * One CONSOLE frame to the channel: level, the mujs string s as its
 * text, and args (a packed array). One too big for a frame keeps the
 * start of its text and no values. 0, or -1 when out of memory.
 */
int
console_frame(struct worker *w, const char *level, const char *s,
    const struct ipc_buf *args)
{
	struct ipc_console	 c;
	size_t			 len;
	char			*text;
	int			 rc;

	if ((text = text_wire_dup(s, &len)) == NULL)
		return -1;
	c.level = ipc_str(level);
	c.text.ptr = text;
	c.text.len = (uint32_t)len;
	c.args.ptr = (const char *)ipc_buf_head(args);
	c.args.len = (uint32_t)ipc_buf_used(args);
	rc = ipc_console_encode(channel_out(w), w->port, &c);
	if (rc == -EMSGSIZE) {
		/* Too big for one frame: the start of the text, no values. */
		c.text.len = c.text.len < CONSOLE_TEXT_MAX ? c.text.len :
		    CONSOLE_TEXT_MAX;
		while (c.text.len > 0 &&
		    (text[c.text.len] & 0xc0) == 0x80)
			c.text.len--;	/* not inside a UTF-8 sequence */
		c.args.ptr = "\x90";
		c.args.len = 1;
		rc = ipc_console_encode(channel_out(w), w->port, &c);
	}
	free(text);
	return rc < 0 ? -1 : 0;
}

/*
 * send(level, text, args, texts): the args payload goes to out (an
 * argument that cannot be cloned is sent as its text), then one
 * CONSOLE frame to the channel. Encoding runs getters, which may log
 * or post themselves: out is this call's own, and the frame is placed
 * where channel_out says once the payload is complete.
 */
static void
send_line(js_State *J, struct worker *w, struct ipc_buf *out)
{
	msgpack_packer	pk;
	size_t		mark;
	int		i, n = js_getlength(J, 3);

	msgpack_packer_init(&pk, out, ipc_buf_write);
	if (msgpack_pack_array(&pk, (size_t)n) < 0)
		js_error(J, "out of memory");
	for (i = 0; i < n; i++) {
		mark = out->len;
		if (js_try(J)) {
			js_pop(J, 1);
			out->len = mark;
			js_getindex(J, 4, i);
			if (text_pack(&pk, js_tostring(J, -1)) < 0)
				js_error(J, "out of memory");
			js_pop(J, 1);
			continue;
		}
		js_getindex(J, 3, i);
		clone_encode(w, out, -1);
		js_pop(J, 1);
		js_endtry(J);
	}
	if (console_frame(w, js_tostring(J, 1), js_tostring(J, 2), out) < 0)
		js_error(J, "out of memory");
}

static void
fn_send(js_State *J)
{
	struct worker	*w = js_getcontext(J);
	struct ipc_buf	 out;

	ipc_buf_init(&out);
	if (js_try(J)) {
		ipc_buf_clear(&out);
		js_throw(J);
	}
	send_line(J, w, &out);
	js_endtry(J);
	ipc_buf_clear(&out);
	js_pushundefined(J);
}

/* Define console on the global object. 0 or -1. */
int
console_install(struct worker *w)
{
	js_State	*J = w->J;

	if (js_ploadstring(J, "wwd:console.js", prelude)) {
		log_warnx("console prelude: %s", js_trystring(J, -1, "?"));
		return -1;
	}
	js_pushundefined(J);
	if (js_pcall(J, 0)) {
		log_warnx("console prelude: %s", js_trystring(J, -1, "?"));
		return -1;
	}
	js_pushundefined(J);
	js_pushglobal(J);
	js_newcfunction(J, fn_send, "send", 4);
	if (js_pcall(J, 2)) {
		log_warnx("console prelude: %s", js_trystring(J, -1, "?"));
		return -1;
	}
	js_pop(J, 1);
	return 0;
}
