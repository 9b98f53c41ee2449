/*
 * loop.c: the worker's event loop model on top of libuv. A task (a
 * message, a timer callback, the top-level script) is followed by a
 * microtask checkpoint that drains the microtask FIFO; after that a
 * worker whose close() was called ends. Timers follow the HTML timer
 * rules (shared id space, nesting level over 5 clamps to 4 ms, extra
 * arguments, string handlers). The microtask queue is a small C API so
 * that Promise jobs can share it: one array in the registry holds the
 * packed jobs, emptied whenever it drains (a registry ref per job would
 * intern a new name for every job's address, and mujs never frees
 * interned strings). Timers keep their callbacks as registry refs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "worker.h"

#define LOOP_NESTING_CLAMP	5	/* a nesting level above which... */
#define LOOP_MIN_DELAY		4	/* ...delays are at least 4 ms */
#define LOOP_MICRO		"wwd.microtasks"	/* registry: the FIFO */

/*
 * One setTimeout/setInterval. Owned by w->timers from set to clear;
 * the memory is freed in the handle's close callback. ref is the
 * registry ref of [handler, args...]. A timer cleared while its
 * callback runs is freed when the callback returns.
 */
struct loop_timer {
	uv_timer_t		 handle;
	struct worker		*w;
	uint32_t		 id;
	int			 repeat;
	int			 nesting;
	uint64_t		 delay;
	const char		*ref;
	int			 running;
	int			 cleared;
	struct loop_timer	*next;
	struct loop_timer	**pprev;	/* O(1) unlink */
};

/*
 * Call the function below this, args on the stack (fn, this, n args),
 * protected. An exception is reported as uncaught (fallback names the
 * file for thrown non-errors): from a callback, after the microtask
 * checkpoint of its clean-up (WebIDL cleans up, then reports); from the
 * main script, whose context stays on the stack while it is reported,
 * before any. Pops everything; 0, or -1 if it threw.
 */
int
loop_call(struct worker *w, int nargs, const char *fallback)
{
	js_State	*J = w->J;

	if (w->done) {
		js_pop(J, nargs + 2);
		return -1;
	}
	if (js_pcall(J, nargs)) {
		if (!w->in_script)
			loop_checkpoint(w);	/* the error stays on top */
		events_report(w, fallback);
		return -1;
	}
	js_pop(J, 1);
	return 0;
}

/*
 * Run a packed call [handler, args...] on top of the stack with this =
 * global or undefined; a string handler is compiled and run as a
 * script. Pops the array.
 */
static void
run_packed(struct worker *w, int global_this)
{
	js_State	*J = w->J;
	int		 n, i, arr = js_gettop(J) - 1;

	n = js_getlength(J, arr);
	js_getindex(J, arr, 0);
	if (js_isstring(J, -1)) {
		const char	*code = js_tostring(J, -1);

		if (js_ploadstring(J, w->url, code)) {
			events_report(w, w->url);
			js_pop(J, 2);
			return;
		}
		js_remove(J, -2);
		js_pushglobal(J);
		loop_call(w, 0, w->url);
		js_pop(J, 1);
		return;
	}
	if (global_this)
		js_pushglobal(J);
	else
		js_pushundefined(J);
	for (i = 1; i < n; i++)
		js_getindex(J, arr, i);
	loop_call(w, n - 1, w->url);
	js_pop(J, 1);
}

/* Push an array of the n + 1 stack values below it (fn, args). */
static void
pack(js_State *J, int nargs)
{
	int	i, base = js_gettop(J) - (nargs + 1);

	js_newarray(J);
	for (i = 0; i <= nargs; i++) {
		js_copy(J, base + i);
		js_setindex(J, -2, i);
	}
}

/* Empty the microtask FIFO: its array back to length 0. */
static void
loop_micro_reset(struct worker *w)
{
	w->micro_head = w->micro_len = 0;
	if (w->J == NULL)
		return;
	js_getregistry(w->J, LOOP_MICRO);
	js_setlength(w->J, -1, 0);
	js_pop(w->J, 1);
}

/*
 * Queue a microtask: the callable and its nargs arguments are on the
 * stack (callable deepest) and are popped. It runs at the next
 * checkpoint, this = undefined. Throws only when out of memory.
 */
void
loop_queue_microtask(struct worker *w, int nargs)
{
	js_State	*J = w->J;

	pack(J, nargs);
	js_getregistry(J, LOOP_MICRO);
	js_rot2(J);
	js_setindex(J, -2, (int)w->micro_len);
	w->micro_len++;
	js_pop(J, nargs + 2);
}

/*
 * Perform a microtask checkpoint: drain the FIFO, including microtasks
 * queued meanwhile. Not reentrant (HTML's "performing a microtask
 * checkpoint" flag): a checkpoint asked for inside one is a no-op.
 */
void
loop_checkpoint(struct worker *w)
{
	js_State	*J = w->J;

	if (w->checkpointing)
		return;
	w->checkpointing = 1;
	while (!w->done && w->micro_head < w->micro_len) {
		/* Take the job out, so that it can be collected once run. */
		js_getregistry(J, LOOP_MICRO);
		js_getindex(J, -1, (int)w->micro_head);
		js_pushundefined(J);
		js_setindex(J, -3, (int)w->micro_head);
		js_remove(J, -2);
		w->micro_head++;
		run_packed(w, 0);
	}
	if (!w->done && w->micro_len > 0 && w->micro_head == w->micro_len)
		loop_micro_reset(w);
	w->checkpointing = 0;
}

/*
 * After every task: the checkpoint, then HTML's "notify about rejected
 * promises" (run here as the next task, each followed by its own
 * checkpoint), then the end of a closing worker, or a collection if the
 * heap grew enough (sandbox_collect).
 */
void
loop_task_done(struct worker *w)
{
	if (w->done)
		return;
	loop_checkpoint(w);
	/* Its tasks are discarded once close() set the closing flag. */
	while (!w->done && !w->closing && promise_notify(w))
		loop_checkpoint(w);
	if (w->closing && !w->done)
		main_finish(w);
	else if (!w->done)
		sandbox_collect(w->J, &w->heap);
}

static void
free_timer_cb(uv_handle_t *h)
{
	free(h->data);
}

/* Unlink a timer, drop its callback and close its handle. */
static void
timer_free(struct loop_timer *t)
{
	struct worker		 *w = t->w;

	*t->pprev = t->next;
	if (t->next != NULL)
		t->next->pprev = t->pprev;
	if (w->J != NULL)
		js_unref(w->J, t->ref);
	uv_close((uv_handle_t *)&t->handle, free_timer_cb);
}

static void	timer_cb(uv_timer_t *);

/*
 * Start (or restart) a timer. t->nesting is the task's nesting level,
 * one more than that of the task that set it, which is what HTML
 * compares with 5.
 */
static void
timer_start(struct loop_timer *t)
{
	uint64_t	delay = t->delay;

	if (t->nesting - 1 > LOOP_NESTING_CLAMP && delay < LOOP_MIN_DELAY)
		delay = LOOP_MIN_DELAY;
	/*
	 * libuv counts from the time cached at the start of the loop turn;
	 * a script that ran long since would see its timer due before
	 * ones set earlier with longer delays that came due meanwhile.
	 */
	uv_update_time(&t->w->loop);
	uv_timer_start(&t->handle, timer_cb, delay, 0);
}

static void
timer_cb(uv_timer_t *h)
{
	struct loop_timer	*t = h->data;
	struct worker		*w = t->w;
	int			 saved = w->nesting;

	if (w->done)
		return;
	t->running = 1;
	w->nesting = t->nesting;
	js_getregistry(w->J, t->ref);
	run_packed(w, 1);
	t->running = 0;
	if (!t->repeat || t->cleared)
		timer_free(t);
	else {
		t->nesting++;
		timer_start(t);
	}
	/* The checkpoint is part of this task: same nesting level. */
	loop_task_done(w);
	w->nesting = saved;
}

/* setTimeout and setInterval: (handler, timeout, ...args) -> id. */
static void
timer_set(js_State *J, int repeat)
{
	struct worker		*w = scope_worker(J);
	struct loop_timer	*t;
	int			 i, top = js_gettop(J);
	int32_t			 delay = 0;

	/* WebIDL converts left to right: a string handler first. */
	if (top > 1 && !js_iscallable(J, 1))
		(void)js_tostring(J, 1);	/* in place */
	/* WebIDL long: ToInt32, so 2^31 wraps negative and becomes 0. */
	if (top > 2)
		delay = js_toint32(J, 2);
	if (delay < 0)
		delay = 0;
	if (js_iscallable(J, 1))
		js_copy(J, 1);
	else
		js_pushstring(J, top > 1 ? js_tostring(J, 1) : "undefined");
	for (i = 3; i < top; i++)
		js_copy(J, i);
	if ((t = calloc(1, sizeof *t)) == NULL)
		js_error(J, "out of memory");
	pack(J, top > 3 ? top - 3 : 0);
	t->ref = js_ref(J);
	t->w = w;
	t->repeat = repeat;
	t->delay = (uint64_t)delay;
	t->nesting = w->nesting + 1;
	if (++w->timer_id == 0 || w->timer_id > INT32_MAX)
		w->timer_id = 1;
	t->id = w->timer_id;
	uv_timer_init(&w->loop, &t->handle);
	t->handle.data = t;
	t->next = w->timers;
	t->pprev = &w->timers;
	if (w->timers != NULL)
		w->timers->pprev = &t->next;
	w->timers = t;
	timer_start(t);
	js_pushnumber(J, t->id);
}

static void
fn_set_timeout(js_State *J)
{
	timer_set(J, 0);
}

static void
fn_set_interval(js_State *J)
{
	timer_set(J, 1);
}

/* clearTimeout and clearInterval: one id space, unknown ids ignored. */
static void
fn_clear_timer(js_State *J)
{
	struct worker		*w = scope_worker(J);
	struct loop_timer	*t;
	uint32_t		 id = (uint32_t)js_toint32(J, 1);	/* long */

	for (t = w->timers; t != NULL; t = t->next)
		if (t->id == id && !t->cleared)
			break;
	if (t != NULL) {
		t->cleared = 1;
		uv_timer_stop(&t->handle);
		if (!t->running)
			timer_free(t);
	}
	js_pushundefined(J);
}

static void
fn_queue_microtask(js_State *J)
{
	if (!js_iscallable(J, 1))
		js_typeerror(J, "Failed to execute 'queueMicrotask': "
		    "parameter 1 is not of type 'Function'.");
	js_copy(J, 1);
	loop_queue_microtask(scope_worker(J), 0);
	js_pushundefined(J);
}

/* Drop every queued task: timers now (microtasks go with the state). */
void
loop_discard(struct worker *w)
{
	struct loop_timer	*t, *next;

	for (t = w->timers; t != NULL; t = next) {
		next = t->next;
		uv_timer_stop(&t->handle);
		t->cleared = 1;
		if (!t->running)
			timer_free(t);
	}
}

/* Free the loop's JS-side state before the JS state goes. */
void
loop_clear(struct worker *w)
{
	loop_discard(w);
	loop_micro_reset(w);
}

/* Define setTimeout & co and queueMicrotask on the global object. */
void
loop_install(struct worker *w)
{
	js_newarray(w->J);
	js_setregistry(w->J, LOOP_MICRO);
	scope_defun(w->J, "setTimeout", fn_set_timeout, 1);
	scope_defun(w->J, "setInterval", fn_set_interval, 1);
	scope_defun(w->J, "clearTimeout", fn_clear_timer, 0);
	scope_defun(w->J, "clearInterval", fn_clear_timer, 0);
	scope_defun(w->J, "queueMicrotask", fn_queue_microtask, 1);
}
