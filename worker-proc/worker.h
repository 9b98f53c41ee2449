/*
 * worker.h: wwd-worker, the process that runs one JavaScript worker:
 * one libuv loop, one mujs state, one channel to wwd on fd 3. The one
 * struct worker lives in main()'s frame and owns everything here; each
 * section below is one .c file. Functions marked "may throw" raise a JS
 * exception and must be called inside a js_try/js_pcall.
 */
#ifndef WORKER_H
#define WORKER_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>
#include <mujs.h>
#include <uv.h>

#include "buf.h"
#include "frame.h"
#include "url.h"

#define WORKER_FD	3		/* the channel to wwd */
#define WORKER_ENCODE_DEPTH 8		/* postMessage inside a getter... */

enum worker_state {
	WORKER_HELLO,		/* waiting for wwd's HELLO */
	WORKER_INIT,		/* waiting for INIT */
	WORKER_RUNNING,		/* script started, POSTs are tasks */
};

/* A script the worker ran (main or imported), kept for column numbers. */
struct worker_source {
	char			*url;
	char			*text;
	struct worker_source	*next;
};

struct loop_timer;
struct ports_entry;

/*
 * events.c: what every message event needs, in one array that stays in
 * slot EVENTS_HOT of the stack's bottom frame (pushed by events_install,
 * never popped). Message tasks run only from the loop, in that frame, so
 * a message reaches the array with one copy, with no property look-up.
 */
#define EVENTS_HOT	0

enum events_hot {
	EVENTS_PROTO,		/* MessageEvent.prototype */
	EVENTS_FAST,		/* [ev, its state, the lone onmessage] */
	EVENTS_FIRE,		/* fire(target, event) */
	EVENTS_NHOT
};

/*
 * sandbox.c: the JS heap: the cap's counters, and free blocks of up to
 * SANDBOX_SMALL bytes kept for reuse (up to pool_max bytes in all), one
 * list per size class (8, 24, 40 ... 248 bytes: class size / 16),
 * linked through their first bytes; owned here, freed by
 * sandbox_heap_clear.
 */
#define SANDBOX_SMALL	248
#define SANDBOX_CLASSES	(SANDBOX_SMALL / 16 + 1)
#define SANDBOX_POOLED	(1024u * 1024)	/* pooled bytes at most */

struct sandbox_heap {
	size_t	used;
	size_t	max;	/* 0 = no cap */
	size_t	gc_at;	/* collect at a task's end above this */
	size_t	pooled;	/* bytes in pool */
	size_t	pool_max; /* 0 until the first collection at a task's end */
	void	*pool[SANDBOX_CLASSES];
	int	over;	/* failed once; the reserve is open */
};

/*
 * The process. Strings are owned (malloc'd); the JS state is freed by
 * main() after the loop stopped. closing = close() was called, the
 * current task still runs; done = the loop is stopping and no more JS
 * may run (exit_code says how it ends).
 */
struct worker {
	uv_loop_t		 loop;
	uv_poll_t		 poll;		/* fd 3 */
	uv_prepare_t		 prepare;	/* one gathered write per turn */
	int			 fd;
	int			 polling;	/* events poll is started with */
	struct ipc_buf		 in;		/* bytes read, frames cut here */
	struct ipc_buf		 out;		/* frames to write */
	/* channel.c: frames made while a postMessage is being encoded */
	struct ipc_buf		 side;		/* finished meanwhile, FIFO */
	struct ipc_buf		 pool[WORKER_ENCODE_DEPTH]; /* nested */
	int			 encoding;	/* postMessage encodes running */
	enum worker_state	 state;
	int			 closing;
	int			 done;
	int			 exit_code;
	int			 reporting;	/* inside "report the exception" */

	uint64_t		 id;
	uint64_t		 port;		/* the inside port */
	char			*url;
	char			*name;
	char			*origin;
	char			*root;
	struct url		 purl;		/* url, parsed */
	js_State		*J;
	struct sandbox_heap	 heap;		/* J's allocations */
	struct worker_source	*sources;

	/* loop.c: microtask FIFO (a registry array), timer list */
	size_t			 micro_head;	/* next job's index */
	size_t			 micro_len;	/* jobs queued, from 0 */
	struct loop_timer	*timers;
	uint32_t		 timer_id;	/* last id handed out */
	int			 nesting;	/* of the running timer task */
	int			 checkpointing;	/* inside a microtask checkpoint */
	int			 in_script;	/* the main script runs */
	int			 notify_due;	/* promise.c listed a rejection */
	uint64_t		 start_ns;	/* uv_hrtime at start */

	/* ports.c: the ports this worker holds besides its own */
	int			 shared;	/* a SharedWorker (INIT kind) */
	uint64_t		 port_next;	/* next id to mint */
	uint64_t		 port_end;	/* end of the minting range */
	struct ports_entry	*ports;
	unsigned		 nports;	/* entries in that list */
	unsigned		 nmoving;	/* of them, given away */
	uint64_t		 forgotten;	/* entries ever freed */
	uv_idle_t		 ports_idle;	/* runs started queues */
	int			 ports_idling;
	int			 ports_rescan;	/* schedule()d since the turn
						   began */
};

/* intern.c; js_intern replaces libmujs's own (same name on purpose) */
const char	*js_intern(js_State *, const char *);
void		 intern_freeze(void);
void		 intern_scratch(int);
void		 intern_clear(struct sandbox_heap *);

void	*sandbox_alloc(void *, void *, int);
void	 sandbox_collect(js_State *, struct sandbox_heap *);
void	 sandbox_heap_init(struct sandbox_heap *);
void	 sandbox_heap_clear(struct sandbox_heap *);
int	 sandbox_limits(uint64_t);
int	 sandbox_prepare(void);
int	 sandbox_seccomp(void);
int	 sandbox_template(void);

/* main.c */
void	main_dispatch(struct worker *, const struct ipc_frame *);
void	main_stop(struct worker *, int);
void	main_finish(struct worker *);
void	main_leave(struct worker *, const char *, const char *, int);

/* channel.c */
int	channel_start(struct worker *);
void	channel_stop(struct worker *);
void	channel_flush(struct worker *);
void	channel_flush_sync(struct worker *);
void	channel_clear(struct worker *);
struct ipc_buf *channel_out(struct worker *);
struct ipc_buf *channel_begin(struct worker *, size_t *);
int	channel_end(struct worker *, size_t, int);

/* loop.c */
void	loop_install(struct worker *);
void	loop_clear(struct worker *);
void	loop_queue_microtask(struct worker *, int);
void	loop_checkpoint(struct worker *);
void	loop_task_done(struct worker *);
void	loop_discard(struct worker *);
int	loop_call(struct worker *, int, const char *);

/* scope.c */
int	scope_prepare(struct worker *);
int	scope_install(struct worker *);
int	scope_run(struct worker *, const char *, const char *);
int	scope_colno(struct worker *, const char *, unsigned);
/* Helpers for every module that defines natives (names must be static). */
struct worker *scope_worker(js_State *);
void	scope_defun(js_State *, const char *, js_CFunction, int);
void	scope_method(js_State *, const char *, js_CFunction, int);
void	scope_getter(js_State *, const char *, js_CFunction);
void	scope_constructor(js_State *, const char *, js_CFunction,
	    js_CFunction, int);
void	scope_arity(js_State *, int);
void	scope_push_url(js_State *, struct url *);

/* events.c */
int	events_install(struct worker *);
void	events_push_internal(struct worker *);

/* A native function a module's prelude receives (events_prelude). */
struct events_native {
	const char	*name;
	js_CFunction	 fn;
	int		 length;
};

int	events_prelude(struct worker *, const char *, const char *,
	    const struct events_native *, size_t, const char *);
void	events_entry(js_State *, const char *, const char *);
void	events_report(struct worker *, const char *);
void	events_rejection(struct worker *, const char *);
void	events_fire_message(struct worker *, const uint8_t *, size_t);
void	events_message(struct worker *, int, int);
JS_NORETURN void events_throw(struct worker *, const char *, const char *,
	    ...) JS_PRINTFLIKE(3, 4);
double	events_now(struct worker *);

/* clone.c, clone_enc.c, clone_dec.c */
int	clone_install(struct worker *);
void	clone_encode(struct worker *, struct ipc_buf *, int);
void	clone_encode_transfer(struct worker *, struct ipc_buf *, int, int,
	    const char *);
int	clone_decode(struct worker *, const uint8_t *, size_t, const char **);
int	clone_decode_ports(struct worker *, const uint8_t *, size_t, int,
	    const char **);
uintptr_t clone_id(js_State *);
int	clone_transfer_arg(js_State *, int, int, const char *);
void	clone_transfer(struct worker *, int, const char *);
void	clone_detach(struct worker *, int);

/* builtins_map.c */
int	builtins_map_install(struct worker *);
void	builtins_map_new(js_State *, int);
void	builtins_map_put(js_State *, int);
void	builtins_map_items(js_State *, int);

/* builtins_buffer.c: kinds of views, in wire order (docs/protocol.md) */
enum buffer_kind { BUFFER_INT8, BUFFER_UINT8, BUFFER_UINT8C, BUFFER_INT16,
	BUFFER_UINT16, BUFFER_INT32, BUFFER_UINT32, BUFFER_FLOAT32,
	BUFFER_FLOAT64, BUFFER_DATAVIEW, BUFFER_KINDS };
int	 builtins_buffer_install(struct worker *);
int	 builtins_buffer_is(js_State *, int);
uint8_t	*builtins_buffer_data(js_State *, int, size_t *, int *);
uint8_t	*builtins_buffer_new(js_State *, size_t);
int	 builtins_buffer_view(js_State *, int, size_t *, size_t *);
void	 builtins_buffer_view_new(js_State *, int, double, double);
void	 builtins_buffer_detach(js_State *, int);

/* ports.c: MessagePort, MessageChannel, moving ports (may throw) */
#define PORTS_TAG	"MessagePort"	/* userdata tag of a MessagePort */
int	ports_install(struct worker *);
void	ports_start(struct worker *);
void	ports_clear(struct worker *);
void	ports_check(struct worker *, int, const char *, int);
void	ports_post(struct worker *, uint64_t, int, int);
void	ports_renew(struct worker *, int);
int	ports_frame(struct worker *, const struct ipc_frame *);
uint64_t ports_mint(struct worker *);
void	ports_adopt(struct worker *, uint64_t, int);
void	ports_forget(struct worker *, uint64_t);
void	ports_finish(struct worker *);
void	ports_push_object(struct worker *, uint64_t);

/* nested.c: Worker, Blob, URL.createObjectURL inside a worker */
int	nested_install(struct worker *);
int	nested_frame(struct worker *, const struct ipc_frame *);

/* scope.c (shared with nested.c) */
int	scope_fetch(struct worker *, const struct url *, char **,
	    const char **);

/* text.c */
#define TEXT_EXT_WTF8	2	/* ext type of a string with lone surrogates */
char	*text_js(const char *, size_t, size_t *);
void	 text_push(js_State *, const char *, size_t);
void	 text_push_owned(js_State *, char *, size_t);
int	 text_wtf8_valid(const uint8_t *, size_t);
size_t	 text_wire(const char *, char *);
int	 text_pack(msgpack_packer *, const char *);
char	*text_wire_dup(const char *, size_t *);
void	 text_wire_usv(char *, size_t);

/* promise.c */
int	promise_install(struct worker *);
int	promise_notify(struct worker *);

/* fixes.c */
void	 fixes_install(struct worker *);
int	 fixes_array_index(const char *, uint32_t *);
void	 fixes_to_object(js_State *, int);
void	*fixes_libmujs(const char *);
int	 fixes_global_prototype(struct worker *);

/* fixes_delete.c */
int	 fixes_delete_install(struct worker *);

/* libmujs's own (jsi.h, jsvalue.h), exported but not in mujs.h */
struct js_Object;
struct js_Object *js_toobject(js_State *, int);
void	**jsV_getownproperty(js_State *, struct js_Object *, const char *);

/* fixes_number.c */
void	 fixes_number_install(struct worker *);

/* fixes_props.c */
void	 fixes_props_install(struct worker *);
int	 fixes_own(js_State *, int, const char *);
int	 fixes_own_data(js_State *, int, const char *);

/* console.c */
int	console_install(struct worker *);
int	console_frame(struct worker *, const char *, const char *,
	    const struct ipc_buf *);

#endif
