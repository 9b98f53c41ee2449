/*
 * events.c: EventTarget, Event, MessageEvent, ErrorEvent, DOMException
 * and dispatch at the worker's global scope, plus "report the
 * exception" (ErrorEvent, onerror, FAULT to wwd). The classes are a
 * small ES5 prelude compiled into the binary and run once at start; it
 * hands back its internal entry points (error events, dispatch), which
 * C keeps in the registry; message events are built and, for a lone
 * onmessage, called here in C. Scripts cannot reach into it: the built-ins
 * it calls are captured when it is installed (uncurried, so a script
 * replacing Array.prototype.slice or Function.prototype.call changes
 * nothing), and the state of events and targets (_s, _listeners) sits
 * behind sealed functions that hand it only to the prelude. A received
 * message event starts without state: it is a userdata (EVENTS_TAG, which
 * no script can make) holding its timeStamp, and gets its sealed state
 * the first time the prelude needs it. Runs in wwd-worker only.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "msg.h"
#include "worker.h"

#define EVENTS_INTERNAL	"wwd.events"	/* registry: prelude entry points */
#define EVENTS_TAG	"MessageEvent"	/* userdata: a received message event */

/* The timeStamp rides in the userdata's pointer. */
_Static_assert(sizeof(uintptr_t) >= sizeof(double), "timeStamp bits");

static const char prelude[] =
"(function (global, native) {\n"
"var fcall = Function.prototype.call, uncurry = fcall.bind.bind(fcall);\n"
"var callf = uncurry(fcall), apply = uncurry(Function.prototype.apply);\n"
"var slice = uncurry(Array.prototype.slice);\n"
"var push = uncurry(Array.prototype.push);\n"
"var splice = uncurry(Array.prototype.splice);\n"
"var indexOf = uncurry(Array.prototype.indexOf);\n"
"var concat = uncurry(Array.prototype.concat);\n"
"var replace = uncurry(String.prototype.replace);\n"
"var hasOwn = uncurry(Object.prototype.hasOwnProperty);\n"
"var defineProperty = Object.defineProperty, create = Object.create;\n"
"var Str = String, TypeErr = TypeError, Err = Error, opened;\n"
"function seal(o, n, v) { defineProperty(o, n, { value: function () {\n"
"  opened = v; }, writable: false, enumerable: false,\n"
"  configurable: false }); }\n"
"function unseal(o, n) {\n"
"  opened = undefined;\n"
"  var f = o != null && hasOwn(o, n) ? o[n] : undefined;\n"
"  if (typeof f === 'function') f();\n"
"  var v = opened; opened = undefined; return v; }\n"
"function cancel(ev) { var s = state(ev);\n"
"  if (ev.cancelable && !s.passive) s.defaultPrevented = true; }\n"
"var fast = [void 0, void 0, null], gmsg;\n"
"function wake(ev, t) { var now = ev === fast[0];\n"
"  var s = { defaultPrevented: false, target: global,\n"
"    currentTarget: now ? global : null, eventPhase: now ? 2 : 0,\n"
"    isTrusted: true, stop: 0, passive: false, dispatching: now,\n"
"    built: true, timeStamp: t };\n"
"  seal(ev, '_s', s); if (now) fast[1] = s; return s; }\n"
"function state(ev) { var s = unseal(ev, '_s'), t;\n"
"  if (s === undefined && (t = native.stamp(ev)) !== undefined)\n"
"    s = wake(ev, t);\n"
"  if (!s) throw new TypeErr('Illegal invocation'); return s; }\n"
"function def(o, n, v) { defineProperty(o, n, { value: v,\n"
"  writable: false, enumerable: true, configurable: true }); }\n"
"function hide(o, n, v) { defineProperty(o, n, { value: v,\n"
"  writable: true, enumerable: false, configurable: true }); }\n"
"function inherit(C, P) { C.prototype = create(P.prototype);\n"
"  hide(C.prototype, 'constructor', C); }\n"
"function expose(n, v) { hide(global, n, v); }\n"
"var codes = { IndexSizeError: 1, HierarchyRequestError: 3,\n"
"  WrongDocumentError: 4, InvalidCharacterError: 5,\n"
"  NoModificationAllowedError: 7, NotFoundError: 8,\n"
"  NotSupportedError: 9, InvalidStateError: 11, SyntaxError: 12,\n"
"  InvalidModificationError: 13, NamespaceError: 14,\n"
"  InvalidAccessError: 15, TypeMismatchError: 17, SecurityError: 18,\n"
"  NetworkError: 19, AbortError: 20, URLMismatchError: 21,\n"
"  QuotaExceededError: 22, TimeoutError: 23, InvalidNodeTypeError: 24,\n"
"  DataCloneError: 25 };\n"
"function DOMException(message, name) {\n"
"  if (!(this instanceof DOMException))\n"
"    throw new TypeErr(\"Constructor DOMException requires 'new'\");\n"
"  hide(this, 'message', message === undefined ? '' : Str(message));\n"
"  name = name === undefined ? 'Error' : Str(name);\n"
"  hide(this, 'name', name);\n"
"  hide(this, 'code', hasOwn(codes, name) ? codes[name] : 0);\n"
"  var st = new Err().stackTrace;\n"
"  if (typeof st === 'string')\n"
"    hide(this, 'stackTrace', replace(st, /^\\n\\tat [^\\n]*/, ''));\n"
"}\n"
"inherit(DOMException, Error);\n"
"hide(DOMException.prototype, 'name', 'Error');\n"
"(function () { var legacy = { INDEX_SIZE_ERR: 1, NOT_FOUND_ERR: 8,\n"
"  NOT_SUPPORTED_ERR: 9, INVALID_STATE_ERR: 11, SYNTAX_ERR: 12,\n"
"  SECURITY_ERR: 18, NETWORK_ERR: 19, ABORT_ERR: 20,\n"
"  QUOTA_EXCEEDED_ERR: 22, TIMEOUT_ERR: 23, DATA_CLONE_ERR: 25 };\n"
"  for (var k in legacy) { def(DOMException, k, legacy[k]);\n"
"    def(DOMException.prototype, k, legacy[k]); } })();\n"
"/* WebIDL: a dictionary is an object, null or undefined (empty); a\n"
"   member that is undefined is missing. */\n"
"function dict(init, name) {\n"
"  if (init == null) return {};\n"
"  if (typeof init !== 'object' && typeof init !== 'function')\n"
"    throw new TypeErr(\"Failed to construct '\" + name + \"': The \" +\n"
"      \"provided value is not of type '\" + name + \"Init'.\");\n"
"  return init; }\n"
"/* The Event constructor's steps, for interface name: arguments checked\n"
"   and converted in WebIDL's order. The init dictionary, for the rest. */\n"
"function construct(self, args, name) {\n"
"  if (!(self instanceof Event))\n"
"    throw new TypeErr('Constructor ' + name + \" requires 'new'\");\n"
"  if (args.length < 1)\n"
"    throw new TypeErr(\"Failed to construct '\" + name + \"': \" +\n"
"      '1 argument required, but only 0 present.');\n"
"  var type = Str(args[0]), init = dict(args[1], name);\n"
"  def(self, 'type', type);\n"
"  def(self, 'bubbles', !!init.bubbles);\n"
"  def(self, 'cancelable', !!init.cancelable);\n"
"  def(self, 'composed', !!init.composed);\n"
"  seal(self, '_s', { defaultPrevented: false, target: null,\n"
"    currentTarget: null, eventPhase: 0, isTrusted: false, stop: 0,\n"
"    passive: false, dispatching: false, timeStamp: native.now() });\n"
"  return init;\n"
"}\n"
"function Event(type) { construct(this, arguments, 'Event'); }\n"
"['defaultPrevented', 'target', 'currentTarget', 'eventPhase',\n"
"  'isTrusted', 'timeStamp'].forEach(function (n) {\n"
"  Object.defineProperty(Event.prototype, n, { configurable: true,\n"
"    enumerable: true, get: function () { return state(this)[n]; } });\n"
"});\n"
"Object.defineProperty(Event.prototype, 'srcElement', {\n"
"  configurable: true, get: function () { return state(this).target; } });\n"
"Event.NONE = 0; Event.CAPTURING_PHASE = 1; Event.AT_TARGET = 2;\n"
"Event.BUBBLING_PHASE = 3;\n"
"hide(Event.prototype, 'preventDefault', function () {\n"
"  cancel(this); });\n"
"hide(Event.prototype, 'stopPropagation', function () {\n"
"  state(this).stop |= 1; });\n"
"hide(Event.prototype, 'stopImmediatePropagation', function () {\n"
"  state(this).stop |= 3; });\n"
"hide(Event.prototype, 'composedPath', function () {\n"
"  return this.currentTarget ? [this.currentTarget] : []; });\n"
"Object.defineProperty(Event.prototype, 'returnValue', {\n"
"  get: function () { return !this.defaultPrevented; },\n"
"  set: function (v) { if (!v) this.preventDefault(); },\n"
"  configurable: true });\n"
"Object.defineProperty(Event.prototype, 'cancelBubble', {\n"
"  get: function () { return (state(this).stop & 1) !== 0; },\n"
"  set: function (v) { if (v) state(this).stop |= 1; },\n"
"  configurable: true });\n"
"function MessageEvent(type) {\n"
"  var init = construct(this, arguments, 'MessageEvent');\n"
"  var no = \"Failed to construct 'MessageEvent': \", i;\n"
"  /* Each member read and converted in WebIDL's order: by name. */\n"
"  var data = init.data, id = init.lastEventId;\n"
"  id = id !== undefined ? Str(id) : '';\n"
"  var origin = init.origin;\n"
"  origin = origin !== undefined ? Str(origin) : '';\n"
"  /* sequence<MessagePort>: an object whose every item is a port. */\n"
"  var p = init.ports;\n"
"  if (p !== undefined) {\n"
"    if (p === null || typeof p !== 'object' && typeof p !== 'function')\n"
"      throw new TypeError(no + 'The provided value cannot be converted ' +\n"
"        'to a sequence.');\n"
"    p = slice(p);\n"
"    for (i = 0; i < p.length; i++)\n"
"      if (!native.isport(p[i]))\n"
"        throw new TypeError(no + 'Failed to convert value to ' +\n"
"          \"'MessagePort'.\");\n"
"  }\n"
"  /* A MessageEventSource (here only a MessagePort) or null. */\n"
"  var src = init.source;\n"
"  if (src != null && !native.isport(src))\n"
"    throw new TypeError(no + 'The provided value is not of type ' +\n"
"      \"'(MessagePort or ServiceWorker or WindowProxy)'.\");\n"
"  def(this, 'data', data !== undefined ? data : null);\n"
"  def(this, 'origin', origin);\n"
"  def(this, 'lastEventId', id);\n"
"  def(this, 'source', src == null ? null : src);\n"
"  def(this, 'ports', p || []);\n"
"}\n"
"inherit(MessageEvent, Event);\n"
"var quiet = { type: 'message', bubbles: false, cancelable: false,\n"
"  composed: false, origin: '', lastEventId: '', source: null };\n"
"function built(ev) { var s = unseal(ev, '_s');\n"
"  return s === undefined ? native.stamp(ev) !== undefined : !!s.built; }\n"
"(function () { for (var k in quiet) (function (n, v) {\n"
"  defineProperty(MessageEvent.prototype, n, { configurable: true,\n"
"    enumerable: true, get: function () {\n"
"      return built(this) ? v : undefined; } }); })(k, quiet[k]); })();\n"
"defineProperty(MessageEvent.prototype, 'ports', { configurable: true,\n"
"  enumerable: true, get: function () {\n"
"    if (!built(this)) return undefined;\n"
"    var s = state(this); return s.ports || (s.ports = []); } });\n"
"function ErrorEvent(type) {\n"
"  var init = construct(this, arguments, 'ErrorEvent');\n"
"  /* Each member read and converted in turn, by name. */\n"
"  var c = init.colno; c = c !== undefined ? c >>> 0 : 0;\n"
"  var e = init.error, f = init.filename;\n"
"  f = f !== undefined ? Str(f) : '';\n"
"  var l = init.lineno; l = l !== undefined ? l >>> 0 : 0;\n"
"  var m = init.message; m = m !== undefined ? Str(m) : '';\n"
"  def(this, 'message', m);\n"
"  def(this, 'filename', f);\n"
"  def(this, 'lineno', l);\n"
"  def(this, 'colno', c);\n"
"  def(this, 'error', e);\n"
"}\n"
"inherit(ErrorEvent, Event);\n"
"function PromiseRejectionEvent(type, init) {\n"
"  init = construct(this, arguments, 'PromiseRejectionEvent');\n"
"  var p = init.promise, r = init.reason;\n"
"  if (p === undefined)\n"
"    throw new TypeErr(\"Failed to construct 'PromiseRejectionEvent': \" +\n"
"      \"required member promise is undefined.\");\n"
"  def(this, 'promise', p);\n"
"  def(this, 'reason', r);\n"
"}\n"
"inherit(PromiseRejectionEvent, Event);\n"
"function listeners(t, type) {\n"
"  var m = unseal(t, '_listeners');\n"
"  if (!m) { m = create(null); seal(t, '_listeners', m); }\n"
"  if (!hasOwn(m, type)) m[type] = [];\n"
"  return m[type];\n"
"}\n"
"function lone(list) { if (list !== gmsg) return;\n"
"  fast[2] = list.length === 0 ? null :\n"
"    list.length === 1 && list[0].handler ? list[0].value : void 0; }\n"
"/* (EventListenerOptions or boolean): an object is the dictionary. */\n"
"function capture(o) {\n"
"  return o !== null && (typeof o === 'object' || typeof o === 'function') ?\n"
"    !!o.capture : !!o; }\n"
"function add(t, type, cb, o) {\n"
"  if (arguments.length < 3) throw new TypeErr(\"Failed to execute \" +\n"
"    \"'addEventListener': 2 arguments required.\");\n"
"  if (cb === null || cb === undefined) return;\n"
"  if (typeof cb !== 'function' && typeof cb !== 'object')\n"
"    throw new TypeErr(\"Failed to execute 'addEventListener': \" +\n"
"      \"parameter 2 is not of type 'Object'.\");\n"
"  var list = listeners(t, Str(type)), c = capture(o), i;\n"
"  for (i = 0; i < list.length; i++)\n"
"    if (!list[i].handler && list[i].callback === cb &&\n"
"        list[i].capture === c) return;\n"
"  var obj = o !== null && (typeof o === 'object' ||\n"
"    typeof o === 'function'), e = create(null);\n"
"  e.callback = cb; e.capture = c; e.once = obj && !!o.once;\n"
"  e.passive = obj && !!o.passive; e.removed = false;\n"
"  push(list, e); lone(list);\n"
"}\n"
"function unlink(list, e) {\n"
"  e.removed = true;\n"
"  var i = indexOf(list, e); if (i >= 0) splice(list, i, 1); lone(list); }\n"
"function remove(t, type, cb, o) {\n"
"  var list = listeners(t, Str(type)), c = capture(o), i;\n"
"  for (i = 0; i < list.length; i++)\n"
"    if (!list[i].handler && list[i].callback === cb &&\n"
"        list[i].capture === c) { unlink(list, list[i]); return; }\n"
"}\n"
"function invoke(t, e, ev) {\n"
"  var cb = e.callback;\n"
"  if (e.handler) {\n"
"    cb = e.get();\n"
"    if (typeof cb !== 'function') return;\n"
"    if (ev.type === 'error' && ev instanceof ErrorEvent && t === global) {\n"
"      if (callf(cb, t, ev.message, ev.filename, ev.lineno, ev.colno,\n"
"          ev.error) === true) cancel(ev);\n"
"    } else if (callf(cb, t, ev) === false) cancel(ev);\n"
"  } else if (typeof cb === 'function') callf(cb, t, ev);\n"
"  else {\n"
"    var h = cb.handleEvent;\n"
"    if (typeof h !== 'function')\n"
"      throw new TypeErr('handleEvent is not a function');\n"
"    callf(h, cb, ev);\n"
"  }\n"
"}\n"
"function dispatch(t, ev, trusted) {\n"
"  var all = listeners(t, ev.type), list = slice(all), s = state(ev);\n"
"  s.dispatching = true; s.isTrusted = trusted;\n"
"  s.target = t; s.currentTarget = t; s.eventPhase = 2;\n"
"  for (var i = 0; i < list.length; i++) {\n"
"    var e = list[i];\n"
"    if (e.removed) continue;\n"
"    if (e.once) unlink(all, e);\n"
"    s.passive = e.passive;\n"
"    try { invoke(t, e, ev); } catch (x) {\n"
"      if (trusted) native.checkpoint();\n"
"      native.report(x); }\n"
"    if (trusted) native.checkpoint();\n"
"    s.passive = false;\n"
"    if (s.stop & 2) break;\n"
"  }\n"
"  s.currentTarget = null; s.eventPhase = 0;\n"
"  s.dispatching = false; s.stop = 0;\n"
"  return !s.defaultPrevented;\n"
"}\n"
"function dispatchEvent(t, ev) {\n"
"  if (!(ev instanceof Event))\n"
"    throw new TypeErr(\"Failed to execute 'dispatchEvent': \" +\n"
"      \"parameter 1 is not of type 'Event'.\");\n"
"  if (state(ev).dispatching)\n"
"    throw new DOMException('The event is already being dispatched.',\n"
"      'InvalidStateError');\n"
"  return dispatch(t, ev, false);\n"
"}\n"
"/* An event handler's value and its place among t's listeners, kept\n"
"   on the list itself (h): the place stays while the value changes. */\n"
"function getHandler(t, type) {\n"
"  var e = listeners(t, type).h; return e ? e.value : null; }\n"
"function setHandler(t, type, v) {\n"
"  var list = listeners(t, type), e = list.h;\n"
"  v = v !== null && (typeof v === 'function' || typeof v === 'object') ?\n"
"    v : null;\n"
"  if (v === null && e) { unlink(list, e); list.h = e = null; }\n"
"  else if (v !== null && !e) {\n"
"    list.h = e = create(null); e.handler = true;\n"
"    e.get = function () { return e.value; };\n"
"    e.capture = e.once = e.passive = false;\n"
"    e.removed = false; push(list, e);\n"
"  }\n"
"  if (e) e.value = v;\n"
"  lone(list);\n"
"}\n"
"function handler(t, type) {\n"
"  Object.defineProperty(t, 'on' + type, { enumerable: true,\n"
"    configurable: true, get: function () { return getHandler(t, type); },\n"
"    set: function (v) { setHandler(t, type, v); } });\n"
"}\n"
"function EventTarget() {\n"
"  if (!(this instanceof EventTarget))\n"
"    throw new TypeErr(\"Constructor EventTarget requires 'new'\");\n"
"  seal(this, '_listeners', create(null));\n"
"}\n"
"hide(EventTarget.prototype, 'addEventListener', function (t, c, o) {\n"
"  apply(add, null, concat([this], slice(arguments)));\n"
"});\n"
"hide(EventTarget.prototype, 'removeEventListener', function (t, c, o) {\n"
"  remove(this, t, c, o); });\n"
"hide(EventTarget.prototype, 'dispatchEvent', function (ev) {\n"
"  return dispatchEvent(this, ev); });\n"
"function illegal() { throw new TypeErr('Illegal constructor'); }\n"
"function WorkerGlobalScope() { illegal(); }\n"
"inherit(WorkerGlobalScope, EventTarget);\n"
"function DedicatedWorkerGlobalScope() { illegal(); }\n"
"inherit(DedicatedWorkerGlobalScope, WorkerGlobalScope);\n"
"function SharedWorkerGlobalScope() { illegal(); }\n"
"inherit(SharedWorkerGlobalScope, WorkerGlobalScope);\n"
"expose('WorkerGlobalScope', WorkerGlobalScope);\n"
"expose('DedicatedWorkerGlobalScope', DedicatedWorkerGlobalScope);\n"
"expose('EventTarget', EventTarget);\n"
"expose('Event', Event);\n"
"expose('MessageEvent', MessageEvent);\n"
"expose('ErrorEvent', ErrorEvent);\n"
"expose('DOMException', DOMException);\n"
"expose('PromiseRejectionEvent', PromiseRejectionEvent);\n"
"expose('addEventListener', function addEventListener(t, c, o) {\n"
"  apply(add, null, concat([global], slice(arguments)));\n"
"});\n"
"expose('removeEventListener', function removeEventListener(t, c, o) {\n"
"  remove(global, t, c, o); });\n"
"expose('dispatchEvent', function dispatchEvent_(ev) {\n"
"  return dispatchEvent(global, ev); });\n"
"gmsg = listeners(global, 'message');\n"
"handler(global, 'message');\n"
"handler(global, 'messageerror');\n"
"handler(global, 'error');\n"
"handler(global, 'languagechange');\n"
"handler(global, 'offline');\n"
"handler(global, 'online');\n"
"handler(global, 'unhandledrejection');\n"
"handler(global, 'rejectionhandled');\n"
"return {\n"
"  proto: MessageEvent.prototype, fast: fast,\n"
"  messageerror: function () {\n"
"    dispatch(global, new MessageEvent('messageerror', { data: null,\n"
"      origin: '', lastEventId: '', source: null, ports: [] }), true); },\n"
"  error: function (message, filename, lineno, colno, error) {\n"
"    var ev = new ErrorEvent('error', { message: message,\n"
"      filename: filename, lineno: lineno, colno: colno, error: error,\n"
"      cancelable: true });\n"
"    return !dispatch(global, ev, true); },\n"
"  rejection: function (type, promise, reason) {\n"
"    return dispatch(global, new PromiseRejectionEvent(type, {\n"
"      promise: promise, reason: reason,\n"
"      cancelable: type === 'unhandledrejection' }), true); },\n"
"  scope: DedicatedWorkerGlobalScope.prototype,\n"
"  shared: SharedWorkerGlobalScope,\n"
"  domexception: function (message, name) {\n"
"    return new DOMException(message, name); },\n"
"  fire: function (t, ev) { return dispatch(t, ev, true); },\n"
"  handler: handler, getHandler: getHandler, setHandler: setHandler\n"
"};\n"
"})";

/* Milliseconds since the worker started (Event.timeStamp). */
double
events_now(struct worker *w)
{
	return (double)(uv_hrtime() - w->start_ns) / 1e6;
}

static void
fn_now(js_State *J)
{
	js_pushnumber(J, events_now(scope_worker(J)));
}

/* Whether the value is a MessagePort. */
static void
fn_isport(js_State *J)
{
	js_pushboolean(J, js_isuserdata(J, 1, PORTS_TAG));
}

/* A received message event's timeStamp; undefined for anything else. */
static void
fn_stamp(js_State *J)
{
	uintptr_t	bits;
	double		t;

	if (!js_isuserdata(J, 1, EVENTS_TAG)) {
		js_pushundefined(J);
		return;
	}
	bits = (uintptr_t)js_touserdata(J, 1, EVENTS_TAG);
	memcpy(&t, &bits, sizeof t);
	js_pushnumber(J, t);
}

/*
 * The microtask checkpoint after a listener callback ("clean up"), but
 * not while the main script is on the stack (its uncaught error's
 * listeners run before any microtask).
 */
static void
fn_checkpoint(js_State *J)
{
	struct worker	*w = scope_worker(J);

	if (!w->in_script)
		loop_checkpoint(w);
	js_pushundefined(J);
}

static void
fn_report(js_State *J)
{
	struct worker	*w = scope_worker(J);

	js_copy(J, 1);
	events_report(w, w->url);
	js_pushundefined(J);
}

/*
 * Push entry point name of the prelude kept under registry key (see
 * events_prelude), ready to call: the function, then this = undefined.
 */
void
events_entry(js_State *J, const char *key, const char *name)
{
	js_getregistry(J, key);
	js_getproperty(J, -1, name);
	js_rot2(J);
	js_pop(J, 1);
	js_pushundefined(J);
}

/*
 * Push the prelude's internal object (entry points message, error,
 * fire(target, event), handler(target, type)) for other modules.
 */
void
events_push_internal(struct worker *w)
{
	js_getregistry(w->J, EVENTS_INTERNAL);
}

/*
 * Run a module's ES5 prelude (file names it in errors): its script
 * returns a function, called with the global object, an object of the
 * module's native functions and the events internals; what that returns
 * is kept in the registry under key. 0 or -1 (logged).
 */
int
events_prelude(struct worker *w, const char *file, const char *source,
    const struct events_native *fns, size_t n, const char *key)
{
	js_State	*J = w->J;
	size_t		 i;

	if (js_ploadstring(J, file, source))
		goto fail;
	js_pushundefined(J);
	if (js_pcall(J, 0))
		goto fail;
	js_pushundefined(J);
	js_pushglobal(J);
	js_newobject(J);
	for (i = 0; i < n; i++) {
		js_newcfunction(J, fns[i].fn, fns[i].name, fns[i].length);
		js_setproperty(J, -2, fns[i].name);
	}
	events_push_internal(w);
	if (js_pcall(J, 3))
		goto fail;
	js_setregistry(J, key);
	return 0;
fail:
	log_warnx("%s: %s", file, js_trystring(J, -1, "?"));
	js_pop(J, 1);
	return -1;
}

/* Throw a DOMException with the given name. Never returns. */
void
events_throw(struct worker *w, const char *name, const char *fmt, ...)
{
	js_State	*J = w->J;
	char		 msg[512];
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	events_entry(J, EVENTS_INTERNAL, "domexception");
	js_pushstring(J, msg);
	js_pushstring(J, name);
	js_call(J, 2);
	js_throw(J);
}

/*
 * The location of an uncaught error: the first frame of its mujs
 * stackTrace ("\n\tat f (file:3)" or "\n\tat file:3") that is neither
 * native code nor our prelude. A function's name has no space, so the
 * first " (" ends it; the URL may hold parentheses of its own. 0 if there
 * is none.
 */
static int
locate(const char *st, char *file, size_t size, unsigned *line)
{
	const char	*p = st, *end, *open, *colon;

	while ((p = strstr(p, "\tat ")) != NULL) {
		p += 4;
		end = p + strcspn(p, "\n");
		open = p + strcspn(p, " \n");
		if (end - open > 3 && open[1] == '(' && end[-1] == ')') {
			p = open + 2;
			end--;
		}
		for (colon = end; colon > p && *colon != ':'; colon--)
			;
		if (colon > p && colon + 1 < end &&
		    strncmp(p, "wwd:", 4) != 0 &&
		    (size_t)(colon - p) < size) {
			memcpy(file, p, colon - p);
			file[colon - p] = '\0';
			*line = (unsigned)strtoul(colon + 1, NULL, 10);
			return 1;
		}
		p = end;
	}
	return 0;
}

/* Send FAULT for an error nobody cancelled. */
static void
fault(struct worker *w, const char *msg, const char *file, unsigned line,
    unsigned col)
{
	struct ipc_fault	 f = { { NULL, 0 }, { NULL, 0 }, line, col };
	char			*m, *fn;
	size_t			 mlen, flen;

	log_debug("uncaught: %s (%s:%u:%u)", msg, file, line, col);
	m = text_wire_dup(msg, &mlen);
	fn = text_wire_dup(file, &flen);
	if (m != NULL && fn != NULL) {
		f.message.ptr = m;
		f.message.len = (uint32_t)mlen;
		f.filename.ptr = fn;
		f.filename.len = (uint32_t)flen;
	}
	if (m == NULL || fn == NULL || ipc_fault_encode(channel_out(w), w->port,
	    &f) < 0)
		log_warnx("out of memory for FAULT");
	free(m);
	free(fn);
}

/*
 * Describe the error at slot err: prefix + String(error) in msg,
 * the place it came from in file and *line (left alone if unknown).
 */
static void
describe(js_State *J, const char *prefix, int err, char *msg, size_t msize,
    char *file, size_t fsize, unsigned *line)
{
	if (js_try(J)) {
		js_pop(J, 1);
		snprintf(msg, msize, "%sexception", prefix);
		return;
	}
	/* js_tostring converts in place: work on a copy. */
	js_copy(J, err);
	snprintf(msg, msize, "%s%s", prefix, js_tostring(J, -1));
	js_pop(J, 1);
	if (js_isobject(J, err)) {
		js_getproperty(J, err, "stackTrace");
		if (js_isstring(J, -1))
			locate(js_tostring(J, -1), file, fsize, line);
		js_pop(J, 1);
	}
	js_endtry(J);
}

/*
 * An error thrown while another was being reported (by an error
 * listener): HTML's "Runtime script errors" reports it nowhere; it goes
 * to the console, as browsers log it, and never to the Worker object.
 */
static void
console_only(struct worker *w, const char *msg)
{
	struct ipc_buf	args;
	msgpack_packer	pk;

	ipc_buf_init(&args);
	msgpack_packer_init(&pk, &args, ipc_buf_write);
	if (msgpack_pack_array(&pk, 1) < 0 || text_pack(&pk, msg) < 0 ||
	    console_frame(w, "error", msg, &args) < 0)
		log_warnx("out of memory for CONSOLE");
	ipc_buf_clear(&args);
}

/*
 * Push the prelude's error entry and its five arguments for the error
 * at slot err: 0, or -1 with the stack as it was when that runs out of
 * memory (then there is no event; the owner hears of the error).
 */
static int
push_error_call(js_State *J, const char *msg, const char *file,
    unsigned line, unsigned col, int err)
{
	int	top = js_gettop(J);

	if (js_try(J)) {
		js_pop(J, js_gettop(J) - top);
		return -1;
	}
	events_entry(J, EVENTS_INTERNAL, "error");
	js_pushstring(J, msg);
	js_pushstring(J, file);
	js_pushnumber(J, line);
	js_pushnumber(J, col);
	js_copy(J, err);
	js_endtry(J);
	return 0;
}

/*
 * "Report the exception" for the value on top of the stack (popped):
 * an ErrorEvent at the global scope, onerror first; uncancelled, it
 * goes to wwd as FAULT. fallback is the file named for thrown values
 * that carry no location. An error while reporting is only logged, so
 * a throwing onerror cannot recurse.
 */
void
events_report(struct worker *w, const char *fallback)
{
	js_State	*J = w->J;
	char		 msg[1024], file[512];
	unsigned	 line = 0, col;
	int		 cancelled = 0, err = js_gettop(J) - 1;

	snprintf(file, sizeof file, "%s", fallback ? fallback : "");
	describe(J, "Uncaught ", err, msg, sizeof msg, file, sizeof file,
	    &line);
	/* mujs has no columns: see scope_colno for the approximation. */
	col = line > 0 ? (unsigned)scope_colno(w, file, line) : 0;
	if (w->reporting) {
		console_only(w, msg);
		js_pop(J, 1);
		return;
	}
	if (!w->done) {
		w->reporting = 1;
		if (push_error_call(J, msg, file, line, col, err) == 0) {
			if (js_pcall(J, 5) == 0)
				cancelled = js_toboolean(J, -1);
			js_pop(J, 1);
		}
		w->reporting = 0;
	}
	if (!cancelled)
		fault(w, msg, file, line, col);
	js_pop(J, 1);
}

/*
 * Fire unhandledrejection or rejectionhandled at the global scope for
 * the promise and reason on the stack (both popped). An unhandled
 * rejection nobody cancelled goes to wwd as an error, "Uncaught (in
 * promise) <reason>" as browsers log it.
 */
void
events_rejection(struct worker *w, const char *type)
{
	js_State	*J = w->J;
	char		 msg[1024], file[512];
	unsigned	 line = 0, col;
	int		 top = js_gettop(J), unhandled, cancelled = 0;

	unhandled = strcmp(type, "unhandledrejection") == 0;
	/* Out of memory here: no event, the owner hears of it. */
	if (js_try(J))
		js_pop(J, js_gettop(J) - top);
	else {
		events_entry(J, EVENTS_INTERNAL, "rejection");
		js_pushstring(J, type);
		js_copy(J, top - 2);
		js_copy(J, top - 1);
		js_endtry(J);
		if (js_pcall(J, 3) == 0) {
			cancelled = !js_toboolean(J, -1);
			js_pop(J, 1);
		} else
			events_report(w, w->url);
	}
	if (unhandled && !cancelled && !w->done) {
		snprintf(file, sizeof file, "%s", w->url);
		describe(J, "Uncaught (in promise) ", top - 1, msg, sizeof msg,
		    file, sizeof file, &line);
		col = line > 0 ? (unsigned)scope_colno(w, file, line) : 0;
		fault(w, msg, file, line, col);
	}
	js_pop(J, js_gettop(J) - top + 2);
}

/*
 * Push a trusted MessageEvent of type (NULL: "message") carrying the
 * value at index data, built here rather than by the prelude's
 * constructor, on the MessageEvent.prototype kept at install. Every
 * property defined costs mujs an allocation and an interned-name
 * look-up, so the event owns only what differs between events: data,
 * and type and ports when given (ports: the array's index, or -1). It
 * is a userdata whose pointer holds its timeStamp; the prelude gives it
 * state when asked (see fn_stamp), and the constant members are the
 * prototype's getters for such events.
 */
static void
push_message_event(struct worker *w, int data, const char *type, int ports)
{
	js_State	*J = w->J;
	double		 t = events_now(w);
	uintptr_t	 bits = 0;

	memcpy(&bits, &t, sizeof t);
	js_getindex(J, EVENTS_HOT, EVENTS_PROTO);
	js_newuserdata(J, EVENTS_TAG, (void *)bits, NULL);
	js_copy(J, data);
	js_defproperty(J, -2, "data", JS_READONLY);
	if (type != NULL) {
		js_pushstring(J, type);
		js_defproperty(J, -2, "type", JS_READONLY);
	}
	if (ports >= 0) {
		js_copy(J, ports);
		js_defproperty(J, -2, "ports", JS_READONLY);
	}
}

/* Set a field of the prelude's event state object on top of stack. */
static void
set_state(js_State *J, const char *name, int null_or_zero)
{
	if (null_or_zero)
		js_pushnull(J);
	else
		js_pushnumber(J, 0);
	js_setproperty(J, -2, name);
}

/*
 * Fire the event on top of the stack (popped) at the global scope
 * whose one listener is the onmessage function under it (popped), as
 * dispatch() in the prelude would: this = global, the microtask
 * checkpoint after the callback, then the event leaves its dispatch.
 * fast[0] tells the prelude which event is being dispatched, for state
 * it creates meanwhile (fast[1]); both are undefined between message
 * tasks, which never nest. fast (at its index) is an array: its slots
 * are read and written without a property look-up.
 */
static void
call_handler(struct worker *w, int fast)
{
	js_State	*J = w->J;
	int		 ev = js_gettop(J) - 1;

	js_copy(J, ev);
	js_setindex(J, fast, 0);
	js_copy(J, ev - 1);
	js_pushglobal(J);
	js_copy(J, ev);
	loop_call(w, 1, w->url);
	loop_checkpoint(w);
	js_getindex(J, fast, 1);
	if (js_isobject(J, -1)) {
		set_state(J, "currentTarget", 1);
		set_state(J, "eventPhase", 0);
		set_state(J, "stop", 0);
		js_pushboolean(J, 0);
		js_setproperty(J, -2, "passive");
		js_pushboolean(J, 0);
		js_setproperty(J, -2, "dispatching");
		js_pushundefined(J);
		js_setindex(J, fast, 1);
	}
	js_pushundefined(J);
	js_setindex(J, fast, 0);
	js_pop(J, 3);
}

/*
 * Fire a trusted MessageEvent at the target three slots down: the
 * ports array (or undefined: none) above it and the data on top (all
 * popped); bad makes it "messageerror" with data null. The one way
 * message events are made, for the global scope (global) and for
 * MessagePorts. At the global scope, a lone onmessage is called from
 * here and no listener at all makes no event; anything else goes
 * through the prelude's dispatch. The prelude keeps that answer in
 * fast[2] on every change to the global's "message" listeners (lone()
 * there): null for none, the onmessage value when it is the only one,
 * else undefined. May throw (out of memory); a listener's exception is
 * reported.
 */
void
events_message(struct worker *w, int bad, int global)
{
	js_State	*J = w->J;
	int		 target = js_gettop(J) - 3, data = target + 2;
	int		 ports = target + 1;

	if (bad) {
		js_pushnull(J);
		js_replace(J, data);
	} else if (js_isundefined(J, ports) || js_getlength(J, ports) == 0) {
		ports = -1;
		if (global) {
			js_getindex(J, EVENTS_HOT, EVENTS_FAST);
			js_getindex(J, -1, 2);
			if (js_iscallable(J, -1)) {
				push_message_event(w, data, NULL, -1);
				call_handler(w, data + 1);
				js_pop(J, 4);
				return;
			}
			if (!js_isundefined(J, -1)) {
				js_pop(J, 5);
				return;
			}
			js_pop(J, 2);
		}
	}
	if (ports >= 0 && js_isundefined(J, ports)) {
		js_newarray(J);
		js_replace(J, ports);
	}
	push_message_event(w, data, bad ? "messageerror" : NULL, ports);
	js_getindex(J, EVENTS_HOT, EVENTS_FIRE);
	js_pushundefined(J);
	js_copy(J, target);
	js_copy(J, -4);
	loop_call(w, 2, w->url);
	js_pop(J, 4);
}

/*
 * A message task at the global scope: decode the payload and fire
 * "message", or "messageerror" if it does not decode.
 */
void
events_fire_message(struct worker *w, const uint8_t *p, size_t n)
{
	js_State	*J = w->J;
	const char	*why;
	int		 top = js_gettop(J), bad;

	if (js_try(J)) {
		log_warnx("message task: %s", js_trystring(J, -1, "error"));
		js_pop(J, js_gettop(J) - top);
		return;
	}
	js_pushglobal(J);
	js_pushundefined(J);
	if ((bad = clone_decode(w, p, n, &why) < 0)) {
		log_debug("undecodable message: %s", why);
		js_pushnull(J);
	}
	events_message(w, bad, 1);
	js_endtry(J);
}

/* Run the prelude: the classes, listeners and on* handlers. 0 or -1. */
int
events_install(struct worker *w)
{
	static const char	*hot[EVENTS_NHOT] = { "proto", "fast",
				    "fire" };
	js_State		*J = w->J;
	int			 i;

	if (js_ploadstring(J, "wwd:events.js", prelude)) {
		log_warnx("events prelude: %s", js_trystring(J, -1, "?"));
		return -1;
	}
	js_pushundefined(J);
	if (js_pcall(J, 0)) {
		log_warnx("events prelude: %s", js_trystring(J, -1, "?"));
		return -1;
	}
	/* The script's value is the function; call it with its helpers. */
	js_pushundefined(J);
	js_pushglobal(J);
	js_newobject(J);
	js_newcfunction(J, fn_now, "now", 0);
	js_setproperty(J, -2, "now");
	js_newcfunction(J, fn_report, "report", 1);
	js_setproperty(J, -2, "report");
	js_newcfunction(J, fn_checkpoint, "checkpoint", 0);
	js_setproperty(J, -2, "checkpoint");
	js_newcfunction(J, fn_stamp, "stamp", 1);
	js_setproperty(J, -2, "stamp");
	js_newcfunction(J, fn_isport, "isport", 1);
	js_setproperty(J, -2, "isport");
	if (js_pcall(J, 2)) {
		log_warnx("events prelude: %s", js_trystring(J, -1, "?"));
		return -1;
	}
	js_setregistry(J, EVENTS_INTERNAL);
	js_getregistry(J, EVENTS_INTERNAL);
	js_newarray(J);
	for (i = 0; i < EVENTS_NHOT; i++) {
		js_getproperty(J, -2, hot[i]);
		js_setindex(J, -2, i);
	}
	/* Under everything else, for good: EVENTS_HOT. */
	js_rot2pop1(J);
	if (js_gettop(J) != EVENTS_HOT + 1) {
		log_warnx("events: the stack was not empty at install");
		return -1;
	}
	/* The global object inherits DedicatedWorkerGlobalScope.prototype. */
	js_getregistry(J, EVENTS_INTERNAL);
	js_getproperty(J, -1, "scope");
	js_rot2pop1(J);
	if (fixes_global_prototype(w) < 0)
		log_warnx("cannot give the global scope its prototype");
	/* self === the global object, read-only like [Replaceable]. */
	js_pushglobal(J);
	js_defglobal(J, "self", JS_DONTENUM);
	return 0;
}
