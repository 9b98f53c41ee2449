/*
 * promise.c: the native Promise of ECMAScript 2023 (section 27.2) in
 * wwd-worker, and HTML's tracking of unhandled rejections. A promise is
 * a mujs userdata (tag "Promise") whose C struct holds its state; its
 * result and reactions are hidden properties, so the garbage collector
 * owns everything JS. Every job (reaction, thenable adoption) goes on
 * loop.c's one microtask queue. There is no species and no subclassing
 * (ES5 has neither); the combinators take arrays and array-likes, as ES5
 * has no iterators.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "worker.h"

#define PROMISE_TAG		"Promise"
#define PROMISE_RESULT		"[[PromiseResult]]"
#define PROMISE_REACTIONS	"[[PromiseReactions]]"
#define PROMISE_SLOT		"[[Slot]]"	/* closure state */
#define REG_PROTO		"wwd.promise.prototype"
#define REG_CTOR		"wwd.promise.constructor"
#define REG_JOB			"wwd.promise.reactionjob"
#define REG_THENJOB		"wwd.promise.thenablejob"
#define REG_NOTIFY		"wwd.promise.notify"	/* about to be notified */
#define REG_HANDLED		"wwd.promise.handled"	/* rejectionhandled due */

enum promise_state {
	PROMISE_PENDING,
	PROMISE_FULFILLED,
	PROMISE_REJECTED,
};

/*
 * The internal slots kept in C; owned by the userdata (freed by its
 * finalizer). outstanding = unhandledrejection fired and not cancelled,
 * so a later handler fires rejectionhandled.
 */
struct promise {
	enum promise_state	state;
	int			handled;
	int			outstanding;
};

static void	resolve_promise(js_State *, int, int);
static void	reject_promise(js_State *, int, int);

/*
 * Push a new record: an object of ours with no prototype, so a missing
 * field reads undefined whatever a script puts on Object.prototype.
 */
static void
record(js_State *J)
{
	js_pushnull(J);
	js_newobjectx(J);
}

static int
absidx(js_State *J, int idx)
{
	return idx < 0 ? js_gettop(J) + idx : idx;
}

static struct promise *
promise_of(js_State *J, int idx)
{
	if (!js_isuserdata(J, idx, PROMISE_TAG))
		return NULL;
	return js_touserdata(J, idx, PROMISE_TAG);
}

static void
finalize(js_State *J, void *data)
{
	(void)J;
	free(data);
}

/* Push a new pending promise. */
static void
new_promise(js_State *J)
{
	struct promise	*p;

	if ((p = calloc(1, sizeof *p)) == NULL)
		js_error(J, "out of memory");
	js_getregistry(J, REG_PROTO);
	js_newuserdata(J, PROMISE_TAG, p, finalize);
}

static void
hide(js_State *J, int obj, const char *name)
{
	js_defproperty(J, obj, name, JS_DONTENUM);
}

/* Append the promise at idx to the registry array reg. */
static void
list_push(js_State *J, const char *reg, int idx)
{
	idx = absidx(J, idx);
	scope_worker(J)->notify_due = 1;
	js_getregistry(J, reg);
	js_copy(J, idx);
	js_setindex(J, -2, js_getlength(J, -2));
	js_pop(J, 1);
}

/* Remove the promise at idx from the registry array reg; 1 if found. */
static int
list_remove(js_State *J, const char *reg, int idx)
{
	int	i, n, found = 0;

	idx = absidx(J, idx);
	js_getregistry(J, reg);
	n = js_getlength(J, -1);
	for (i = 0; i < n && !found; i++) {
		js_getindex(J, -1, i);
		js_copy(J, idx);
		found = js_strictequal(J);
		js_pop(J, 2);
	}
	if (found) {
		/* Shift the rest down; the lists are short. */
		for (; i < n; i++) {
			js_getindex(J, -1, i);
			js_setindex(J, -2, i - 1);
		}
		js_pushnumber(J, n - 1);
		js_setproperty(J, -2, "length");
	}
	js_pop(J, 1);
	return found;
}

/* HostPromiseRejectionTracker(promise, "handle"), HTML 8.1.5.7. */
static void
track_handle(js_State *J, int idx, struct promise *p)
{
	if (list_remove(J, REG_NOTIFY, idx))
		return;
	if (p->outstanding) {
		p->outstanding = 0;
		list_push(J, REG_HANDLED, idx);
	}
}

/* Queue a PromiseReactionJob for the reaction at r and the value v. */
static void
queue_reaction(js_State *J, int r, enum promise_state state, int v)
{
	r = absidx(J, r);
	v = absidx(J, v);
	js_getregistry(J, REG_JOB);
	js_getproperty(J, r, "p");
	js_getproperty(J, r, state == PROMISE_FULFILLED ? "f" : "r");
	js_pushnumber(J, state);
	js_copy(J, v);
	loop_queue_microtask(scope_worker(J), 4);
}

/* FulfillPromise / RejectPromise: settle and trigger the reactions. */
static void
settle(js_State *J, int pidx, int vidx, enum promise_state state)
{
	struct promise	*p;
	int		 i, n, list;

	pidx = absidx(J, pidx);
	vidx = absidx(J, vidx);
	p = promise_of(J, pidx);
	js_copy(J, vidx);
	hide(J, pidx, PROMISE_RESULT);
	js_getproperty(J, pidx, PROMISE_REACTIONS);
	list = js_gettop(J) - 1;
	js_pushundefined(J);
	hide(J, pidx, PROMISE_REACTIONS);
	p->state = state;
	if (state == PROMISE_REJECTED && !p->handled)
		list_push(J, REG_NOTIFY, pidx);
	if (js_isarray(J, list)) {
		n = js_getlength(J, list);
		for (i = 0; i < n; i++) {
			js_getindex(J, list, i);
			queue_reaction(J, js_gettop(J) - 1, state, vidx);
			js_pop(J, 1);
		}
	} else if (js_isobject(J, list))
		queue_reaction(J, list, state, vidx);
	js_pop(J, 1);
}

static void
reject_promise(js_State *J, int pidx, int vidx)
{
	settle(J, pidx, vidx, PROMISE_REJECTED);
}

/* Push Get(obj, "then"), or the exception it threw (then -1). */
static int
get_then(js_State *J, int obj)
{
	if (js_try(J))
		return -1;
	js_getproperty(J, obj, "then");
	js_endtry(J);
	return 0;
}

/*
 * The body of a promise's resolve function (27.2.1.3.2) once past its
 * [[AlreadyResolved]] check: reject on self-resolution, fulfill with a
 * non-thenable, or queue a NewPromiseResolveThenableJob.
 */
static void
resolve_promise(js_State *J, int pidx, int vidx)
{
	int	same;

	pidx = absidx(J, pidx);
	vidx = absidx(J, vidx);
	if (!js_isobject(J, vidx)) {
		settle(J, pidx, vidx, PROMISE_FULFILLED);
		return;
	}
	js_copy(J, pidx);
	js_copy(J, vidx);
	same = js_strictequal(J);
	js_pop(J, 2);
	if (same) {
		js_newtypeerror(J, "Chaining cycle detected for promise "
		    "#<Promise>");
		reject_promise(J, pidx, -1);
		js_pop(J, 1);
		return;
	}
	if (get_then(J, vidx) < 0) {
		reject_promise(J, pidx, -1);
		js_pop(J, 1);
		return;
	}
	if (!js_iscallable(J, -1)) {
		js_pop(J, 1);
		settle(J, pidx, vidx, PROMISE_FULFILLED);
		return;
	}
	js_getregistry(J, REG_THENJOB);
	js_copy(J, pidx);
	js_copy(J, vidx);
	js_copy(J, -4);
	loop_queue_microtask(scope_worker(J), 3);
	js_pop(J, 1);
}

/*
 * The "already called" flag of the record at idx: 1 the first time (and
 * now set), 0 after. Resolving functions and combinator elements run
 * once.
 */
static int
first_call(js_State *J, int idx)
{
	int	done;

	js_getproperty(J, idx, "done");
	done = js_toboolean(J, -1);
	js_pop(J, 1);
	if (done)
		return 0;
	js_pushboolean(J, 1);
	js_setproperty(J, idx < 0 ? idx - 1 : idx, "done");
	return 1;
}

/*
 * A resolve or reject function made by CreateResolvingFunctions: its
 * slot is the record { p: promise, done: alreadyResolved } it shares
 * with its twin.
 */
static void
resolving(js_State *J, int reject)
{
	int	s;

	js_currentfunction(J);
	js_getproperty(J, -1, PROMISE_SLOT);
	s = js_gettop(J) - 1;
	if (!first_call(J, s)) {
		js_pushundefined(J);
		return;
	}
	js_getproperty(J, s, "p");
	if (reject)
		reject_promise(J, -1, 1);
	else
		resolve_promise(J, -1, 1);
	js_pushundefined(J);
}

static void
fn_resolve(js_State *J)
{
	resolving(J, 0);
}

static void
fn_reject(js_State *J)
{
	resolving(J, 1);
}

/* Push a function made by f whose slot is the value at slot. */
static void
closure(js_State *J, js_CFunction f, int length, int slot)
{
	slot = absidx(J, slot);
	js_newcfunction(J, f, "", length);
	js_copy(J, slot);
	hide(J, -2, PROMISE_SLOT);
}

/* CreateResolvingFunctions for the promise at p: push resolve, reject. */
static void
resolving_functions(js_State *J, int p)
{
	p = absidx(J, p);
	record(J);
	js_copy(J, p);
	js_setproperty(J, -2, "p");
	closure(J, fn_resolve, 1, -1);
	closure(J, fn_reject, 1, -2);
	js_remove(J, -3);
}

/* PromiseReactionJob(derived, handler, kind, argument). */
static void
fn_reaction_job(js_State *J)
{
	int	kind = js_toint32(J, 3);

	if (!js_iscallable(J, 2)) {
		if (kind == PROMISE_FULFILLED)
			resolve_promise(J, 1, 4);
		else
			reject_promise(J, 1, 4);
		js_pushundefined(J);
		return;
	}
	js_copy(J, 2);
	js_pushundefined(J);
	js_copy(J, 4);
	if (js_pcall(J, 1))
		reject_promise(J, 1, -1);
	else
		resolve_promise(J, 1, -1);
	js_pushundefined(J);
}

/*
 * Call the function and `this` on top with the resolving functions at
 * fns and fns + 1; if it throws, reject with what it threw (the
 * executor in new Promise, a thenable's then). What it leaves on the
 * stack is not used.
 */
static void
call_resolver(js_State *J, int fns)
{
	js_copy(J, fns);
	js_copy(J, fns + 1);
	if (js_pcall(J, 2)) {
		js_copy(J, fns + 1);
		js_pushundefined(J);
		js_copy(J, -3);
		js_call(J, 1);
	}
}

/* NewPromiseResolveThenableJob(promise, thenable, then). */
static void
fn_thenable_job(js_State *J)
{
	int	fns;

	resolving_functions(J, 1);
	fns = js_gettop(J) - 2;
	js_copy(J, 3);
	js_copy(J, 2);
	call_resolver(J, fns);
	js_pushundefined(J);
}

/*
 * PerformPromiseThen(promise at p, onFulfilled at f, onRejected at r,
 * derived promise at d).
 */
static void
perform_then(js_State *J, int p, int f, int r, int d)
{
	struct promise	*pr = promise_of(J, p);
	int		 react;

	p = absidx(J, p);
	f = absidx(J, f);
	r = absidx(J, r);
	d = absidx(J, d);
	record(J);
	react = js_gettop(J) - 1;
	js_copy(J, d);
	js_setproperty(J, react, "p");
	if (js_iscallable(J, f)) {
		js_copy(J, f);
		js_setproperty(J, react, "f");
	}
	if (js_iscallable(J, r)) {
		js_copy(J, r);
		js_setproperty(J, react, "r");
	}
	if (pr->state == PROMISE_PENDING) {
		js_getproperty(J, p, PROMISE_REACTIONS);
		if (js_isundefined(J, -1)) {
			js_copy(J, react);
			hide(J, p, PROMISE_REACTIONS);
		} else if (js_isarray(J, -1)) {
			js_copy(J, react);
			js_setindex(J, -2, js_getlength(J, -2));
		} else {
			js_newarray(J);
			js_copy(J, -2);
			js_setindex(J, -2, 0);
			js_copy(J, react);
			js_setindex(J, -2, 1);
			hide(J, p, PROMISE_REACTIONS);
		}
		js_pop(J, 1);
	} else {
		if (pr->state == PROMISE_REJECTED && !pr->handled)
			track_handle(J, p, pr);
		js_getproperty(J, p, PROMISE_RESULT);
		queue_reaction(J, react, pr->state, -1);
		js_pop(J, 1);
	}
	pr->handled = 1;
	js_pop(J, 1);
}

/* Promise.prototype.then(onFulfilled, onRejected). */
static void
fn_then(js_State *J)
{
	if (promise_of(J, 0) == NULL)
		js_typeerror(J, "Method Promise.prototype.then called on "
		    "incompatible receiver %s", js_tostring(J, 0));
	new_promise(J);
	perform_then(J, 0, 1, 2, -1);
}

/* Invoke(this, "then", a, b) with the values at a and b. */
static void
invoke_then(js_State *J, int self, int a, int b)
{
	self = absidx(J, self);
	a = absidx(J, a);
	b = absidx(J, b);
	js_getproperty(J, self, "then");
	js_copy(J, self);
	js_copy(J, a);
	js_copy(J, b);
	js_call(J, 2);
}

/* Promise.prototype.catch(onRejected). */
static void
fn_catch(js_State *J)
{
	js_pushundefined(J);
	invoke_then(J, 0, -1, 1);
}

/* () => value and () => { throw reason } of finally (slot: value). */
static void
fn_value_thunk(js_State *J)
{
	js_currentfunction(J);
	js_getproperty(J, -1, PROMISE_SLOT);
}

static void
fn_thrower(js_State *J)
{
	js_currentfunction(J);
	js_getproperty(J, -1, PROMISE_SLOT);
	js_throw(J);
}

static void	promise_resolve(js_State *, int);

/* thenFinally / catchFinally (27.2.5.3.1-2); slot: onFinally. */
static void
finally_step(js_State *J, js_CFunction thunk)
{
	js_currentfunction(J);
	js_getproperty(J, -1, PROMISE_SLOT);
	js_pushundefined(J);
	js_call(J, 0);
	promise_resolve(J, -1);
	closure(J, thunk, 0, 1);
	js_pushundefined(J);
	invoke_then(J, -3, -2, -1);
}

static void
fn_then_finally(js_State *J)
{
	finally_step(J, fn_value_thunk);
}

static void
fn_catch_finally(js_State *J)
{
	finally_step(J, fn_thrower);
}

/* Promise.prototype.finally(onFinally). */
static void
fn_finally(js_State *J)
{
	if (!js_isobject(J, 0))
		js_typeerror(J, "Promise.prototype.finally called on a "
		    "non-object");
	if (!js_iscallable(J, 1)) {
		invoke_then(J, 0, 1, 1);
		return;
	}
	closure(J, fn_then_finally, 1, 1);
	closure(J, fn_catch_finally, 1, 1);
	invoke_then(J, 0, -2, -1);
}

/*
 * PromiseResolve(%Promise%, x): push x itself when it is a native
 * promise whose constructor is Promise, else a new promise resolved
 * with x.
 */
static void
promise_resolve(js_State *J, int x)
{
	int	same = 0;

	x = absidx(J, x);
	if (promise_of(J, x) != NULL) {
		js_getproperty(J, x, "constructor");
		js_getregistry(J, REG_CTOR);
		same = js_strictequal(J);
		js_pop(J, 2);
	}
	if (same) {
		js_copy(J, x);
		return;
	}
	new_promise(J);
	resolve_promise(J, -1, x);
}

static void
fn_static_resolve(js_State *J)
{
	if (!js_isobject(J, 0))
		js_typeerror(J, "PromiseResolve called on non-object");
	promise_resolve(J, 1);
}

static void
fn_static_reject(js_State *J)
{
	if (!js_isobject(J, 0))
		js_typeerror(J, "PromiseReject called on non-object");
	new_promise(J);
	reject_promise(J, -1, 1);
}

/* new Promise(executor). */
static void
fn_construct(js_State *J)
{
	int	p;

	if (!js_iscallable(J, 1))
		js_typeerror(J, "Promise resolver %s is not a function",
		    js_isobject(J, 1) ? "#<Object>" : js_tostring(J, 1));
	new_promise(J);
	p = js_gettop(J) - 1;
	resolving_functions(J, p);
	js_copy(J, 1);
	js_pushundefined(J);
	call_resolver(J, p + 1);
	js_copy(J, p);
}

static void
fn_call(js_State *J)
{
	js_typeerror(J, "Promise constructor cannot be invoked without "
	    "'new'");
}

/*
 * The combinators. The shared record (slot of each element function)
 * is { values, left, p (capability promise), res, rej }; an element
 * function's own "i" is its index and "done" its [[AlreadyCalled]].
 */
enum combinator {
	COMB_ALL,
	COMB_SETTLED,
	COMB_RACE,
	COMB_ANY,
};

/* Count one element down; at zero resolve (or reject, for any). */
static void
element_done(js_State *J, int rec, int any)
{
	int	left;

	js_getproperty(J, rec, "left");
	left = js_toint32(J, -1) - 1;
	js_pop(J, 1);
	js_pushnumber(J, left);
	js_setproperty(J, rec, "left");
	if (left > 0)
		return;
	js_getproperty(J, rec, any ? "rej" : "res");
	js_pushundefined(J);
	if (any) {
		js_getglobal(J, "AggregateError");
		js_getproperty(J, rec, "values");
		js_pushstring(J, "All promises were rejected");
		js_construct(J, 2);
	} else
		js_getproperty(J, rec, "values");
	js_call(J, 1);
	js_pop(J, 1);
}

/*
 * An element function: store the value (wrapped in a status record for
 * allSettled) at its index i, once: its "c" is [[AlreadyCalled]].
 */
static void
element(js_State *J, const char *status, const char *key, int any)
{
	int	rec, i;

	js_currentfunction(J);
	js_getproperty(J, -1, "c");
	if (!first_call(J, -1)) {
		js_pushundefined(J);
		return;
	}
	js_pop(J, 1);
	js_getproperty(J, -1, "i");
	i = js_toint32(J, -1);
	js_pop(J, 1);
	js_getproperty(J, -1, PROMISE_SLOT);
	rec = js_gettop(J) - 1;
	js_getproperty(J, rec, "values");
	if (status != NULL) {
		js_newobject(J);
		js_pushstring(J, status);
		js_setproperty(J, -2, "status");
		js_copy(J, 1);
		js_setproperty(J, -2, key);
	} else
		js_copy(J, 1);
	js_setindex(J, -2, i);
	js_pop(J, 1);
	element_done(J, rec, any);
	js_pushundefined(J);
}

static void
fn_all_element(js_State *J)
{
	element(J, NULL, NULL, 0);
}

static void
fn_settled_fulfilled(js_State *J)
{
	element(J, "fulfilled", "value", 0);
}

static void
fn_settled_rejected(js_State *J)
{
	element(J, "rejected", "reason", 0);
}

static void
fn_any_rejected(js_State *J)
{
	element(J, NULL, NULL, 1);
}

/* An element function for index i of the record at rec, called-flag c. */
static void
element_function(js_State *J, js_CFunction f, int rec, int i, int c)
{
	c = absidx(J, c);
	closure(J, f, 1, rec);
	js_pushnumber(J, i);
	hide(J, -2, "i");
	js_copy(J, c);
	hide(J, -2, "c");
}

/*
 * The loop of PerformPromiseAll & co over an array-like at 1. As an
 * array iterator does, each step reads the length again: a getter the
 * loop runs may add or remove elements.
 */
static void
combine(js_State *J, enum combinator kind, int rec, int resolve_fn)
{
	int	i, next;

	if (!js_isobject(J, 1) && !js_isstring(J, 1))
		js_typeerror(J, "%s is not iterable (wwd accepts arrays and "
		    "array-likes)", js_tostring(J, 1));
	js_pushnumber(J, 1);
	js_setproperty(J, rec, "left");
	for (i = 0; i < js_getlength(J, 1); i++) {
		js_getproperty(J, rec, "left");
		js_pushnumber(J, js_tonumber(J, -1) + 1);
		js_setproperty(J, rec, "left");
		js_pop(J, 1);
		js_getproperty(J, rec, "values");
		js_pushundefined(J);
		js_setindex(J, -2, i);
		js_pop(J, 1);
		/* nextPromise = promiseResolve.call(C, value) */
		js_copy(J, resolve_fn);
		js_copy(J, 0);
		js_getindex(J, 1, i);
		js_call(J, 1);
		next = js_gettop(J) - 1;
		record(J);	/* [[AlreadyCalled]], shared by a pair */
		switch (kind) {
		case COMB_ALL:
			element_function(J, fn_all_element, rec, i, next + 1);
			js_getproperty(J, rec, "rej");
			break;
		case COMB_SETTLED:
			element_function(J, fn_settled_fulfilled, rec, i,
			    next + 1);
			element_function(J, fn_settled_rejected, rec, i,
			    next + 1);
			break;
		case COMB_RACE:
			js_getproperty(J, rec, "res");
			js_getproperty(J, rec, "rej");
			break;
		case COMB_ANY:
			js_getproperty(J, rec, "res");
			element_function(J, fn_any_rejected, rec, i, next + 1);
			break;
		}
		invoke_then(J, next, -2, -1);
		js_pop(J, 5);
	}
	if (kind != COMB_RACE)
		element_done(J, rec, kind == COMB_ANY);
}

/* Promise.all & co: capability, loop, rejection on abrupt completion. */
static void
combinator(js_State *J, enum combinator kind)
{
	int	rec, p;

	if (!js_isobject(J, 0))
		js_typeerror(J, "Promise combinator called on non-object");
	new_promise(J);
	p = js_gettop(J) - 1;
	record(J);
	rec = p + 1;
	js_copy(J, p);
	js_setproperty(J, rec, "p");
	js_newarray(J);
	js_setproperty(J, rec, "values");
	resolving_functions(J, p);
	js_setproperty(J, rec, "rej");
	js_setproperty(J, rec, "res");
	if (js_try(J)) {
		js_getproperty(J, rec, "rej");
		js_pushundefined(J);
		js_copy(J, -3);
		js_call(J, 1);
		js_copy(J, p);
		return;
	}
	js_getproperty(J, 0, "resolve");
	if (!js_iscallable(J, -1))
		js_typeerror(J, "Promise resolve is not a function");
	combine(J, kind, rec, js_gettop(J) - 1);
	js_endtry(J);
	js_copy(J, p);
}

static void
fn_all(js_State *J)
{
	combinator(J, COMB_ALL);
}

static void
fn_all_settled(js_State *J)
{
	combinator(J, COMB_SETTLED);
}

static void
fn_race(js_State *J)
{
	combinator(J, COMB_RACE);
}

static void
fn_any(js_State *J)
{
	combinator(J, COMB_ANY);
}

static void
fn_to_string_tag(js_State *J)
{
	js_pushstring(J, "[object Promise]");
}

/* AggregateError (ES2021), written in ES5 on top of Error. */
static const char aggregate[] =
"(function () {\n"
"function AggregateError(errors, message) {\n"
"  if (!(this instanceof AggregateError))\n"
"    return new AggregateError(errors, message);\n"
"  if (message !== undefined) Object.defineProperty(this, 'message',\n"
"    { value: String(message), writable: true, configurable: true });\n"
"  var st = new Error().stackTrace;\n"
"  if (typeof st === 'string') Object.defineProperty(this, 'stackTrace',\n"
"    { value: st, writable: true, configurable: true });\n"
"  Object.defineProperty(this, 'errors', { value:\n"
"    Array.prototype.slice.call(errors), writable: true,\n"
"    configurable: true });\n"
"}\n"
"AggregateError.prototype = Object.create(Error.prototype);\n"
"Object.defineProperty(AggregateError.prototype, 'constructor',\n"
"  { value: AggregateError, writable: true, configurable: true });\n"
"Object.defineProperty(AggregateError.prototype, 'name',\n"
"  { value: 'AggregateError', writable: true, configurable: true });\n"
"Object.defineProperty(AggregateError.prototype, 'message',\n"
"  { value: '', writable: true, configurable: true });\n"
"return AggregateError;\n"
"})()";

/* Define Promise and AggregateError on the global object. 0 or -1. */
int
promise_install(struct worker *w)
{
	js_State	*J = w->J;

	if (js_try(J)) {
		log_warnx("Promise: %s", js_trystring(J, -1, "?"));
		js_pop(J, 1);
		return -1;
	}
	js_newarray(J);
	js_setregistry(J, REG_NOTIFY);
	js_newarray(J);
	js_setregistry(J, REG_HANDLED);
	js_newcfunction(J, fn_reaction_job, "PromiseReactionJob", 4);
	js_setregistry(J, REG_JOB);
	js_newcfunction(J, fn_thenable_job, "PromiseResolveThenableJob", 3);
	js_setregistry(J, REG_THENJOB);

	js_newobject(J);
	scope_method(J, "then", fn_then, 2);
	scope_method(J, "catch", fn_catch, 1);
	scope_method(J, "finally", fn_finally, 1);
	scope_method(J, "toString", fn_to_string_tag, 0);
	js_copy(J, -1);
	js_setregistry(J, REG_PROTO);
	js_newcconstructor(J, fn_call, fn_construct, "Promise", 1);
	scope_method(J, "resolve", fn_static_resolve, 1);
	scope_method(J, "reject", fn_static_reject, 1);
	scope_method(J, "all", fn_all, 1);
	scope_method(J, "allSettled", fn_all_settled, 1);
	scope_method(J, "race", fn_race, 1);
	scope_method(J, "any", fn_any, 1);
	js_copy(J, -1);
	js_setregistry(J, REG_CTOR);
	js_defglobal(J, "Promise", JS_DONTENUM);

	js_loadstring(J, "wwd:promise.js", aggregate);
	js_pushundefined(J);
	js_call(J, 0);
	js_defglobal(J, "AggregateError", JS_DONTENUM);
	js_endtry(J);
	return 0;
}

/*
 * HTML's "notify about rejected promises" after a checkpoint: fire
 * rejectionhandled for each reported promise handled since (HTML queues
 * those tasks when the handler is added, so they come first), then
 * unhandledrejection for each rejected promise still unhandled (an
 * uncancelled one reaches wwd as an error). Returns whether it ran any
 * script, so the caller runs another checkpoint.
 */
int
promise_notify(struct worker *w)
{
	js_State	*J = w->J;
	struct promise	*p;
	volatile int	 ran = 0;
	int		 i, n;
	const char	*reg[2] = { REG_HANDLED, REG_NOTIFY };
	int		 k;

	/* Nothing was listed since the last look: the common task. */
	if (!w->notify_due)
		return 0;
	w->notify_due = 0;
	if (js_try(J)) {
		log_warnx("rejection tracking: %s", js_trystring(J, -1, "?"));
		js_pop(J, 1);
		return ran;
	}

	/*
	 * Each rejectionhandled is a task of its own, and the
	 * unhandledrejection list one task: close() in a handler discards
	 * the tasks after its own.
	 */
	for (k = 0; k < 2 && !w->done && !w->closing; k++) {
		js_getregistry(J, reg[k]);
		n = js_getlength(J, -1);
		if (n == 0) {
			js_pop(J, 1);
			continue;
		}
		js_newarray(J);
		js_setregistry(J, reg[k]);
		for (i = 0; i < n && !w->done && (k == 1 || !w->closing); i++) {
			js_getindex(J, -1, i);
			p = promise_of(J, -1);
			if (p == NULL || (k == 1 && p->handled)) {
				js_pop(J, 1);
				continue;
			}
			js_getproperty(J, -1, PROMISE_RESULT);
			ran = 1;
			events_rejection(w, k == 1 ? "unhandledrejection" :
			    "rejectionhandled");
			if (k == 1 && !p->handled)
				p->outstanding = 1;
		}
		js_pop(J, 1);
	}
	js_endtry(J);
	return ran;
}
