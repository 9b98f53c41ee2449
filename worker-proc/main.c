/*
 * main.c: wwd-worker's process contract. wwd starts it with the channel
 * as fd 3: HELLO both ways, then INIT (the script and who we are), then
 * the script runs and every POST on the inside port is a task. The
 * worker exits 0 when wwd goes away, after close() (CLOSING "closed"),
 * or 1 when the script fails to compile (CLOSING "failed") or wwd
 * breaks the protocol. main() owns the struct worker and tears it down.
 * With --template it is wwd's template process instead (template.c).
 */
#define _GNU_SOURCE	/* close_range */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "msg.h"
#include "template.h"
#include "worker.h"

/* Stop the loop; no JS runs after this. The process exits with code. */
void
main_stop(struct worker *w, int code)
{
	if (w->done)
		return;
	w->done = 1;
	w->exit_code = code;
	loop_discard(w);
	uv_stop(&w->loop);
}

/* Send CLOSING and stop with code: the worker's own way out. */
void
main_leave(struct worker *w, const char *reason, const char *message,
    int code)
{
	struct ipc_closing	c = { ipc_str(reason), ipc_str(message) };

	loop_discard(w);
	if (ipc_closing_encode(&w->out, &c) < 0)
		log_warnx("out of memory for CLOSING");
	channel_flush_sync(w);
	main_stop(w, code);
}

/*
 * The end of close(): the closing task and its microtasks are done;
 * drop every queued task (unread frames, timers), finish handing over
 * the ports given away, flush, say CLOSING.
 */
void
main_finish(struct worker *w)
{
	ports_finish(w);
	main_leave(w, "closed", "", 0);
}

/*
 * The JavaScript state with every global that does not depend on INIT
 * (scope_install adds the rest), and the compiled seccomp filter. The
 * template builds both once before it forks, so a new worker starts
 * with them ready and shares their pages.
 */
static void
main_prepare(struct worker *w)
{
	sandbox_heap_init(&w->heap);
	if ((w->J = js_newstate(sandbox_alloc, &w->heap, 0)) == NULL)
		log_fatalx("cannot create the JavaScript state");
	js_setcontext(w->J, w);
	if (events_install(w) < 0)
		log_fatalx("cannot set up the event classes");
	fixes_install(w);
	loop_install(w);
	if (promise_install(w) < 0 || console_install(w) < 0 ||
	    clone_install(w) < 0 || builtins_map_install(w) < 0 ||
	    builtins_buffer_install(w) < 0 || ports_install(w) < 0 ||
	    nested_install(w) < 0 || scope_prepare(w) < 0)
		log_fatalx("cannot set up the global scope");
	if (sandbox_prepare() < 0)
		log_fatalx("cannot compile the seccomp filter");
}

static int
on_hello(struct worker *w, const struct ipc_frame *f)
{
	struct ipc_hello	 h;
	const char		*why;
	char			 soft[64];

	if (ipc_hello_decode(f->body, f->len, &h, &why) < 0 ||
	    ipc_hello_check(&h, "daemon", &why) < 0) {
		log_warnx("bad HELLO from wwd: %s", why);
		return -EPROTO;
	}
	snprintf(soft, sizeof soft, "wwd-worker %s", WWD_VERSION);
	h.version = IPC_VERSION;
	h.role = ipc_str("worker");
	h.software = ipc_str(soft);
	h.port_base = h.port_count = 0;
	h.frame_max = 0;
	if (ipc_hello_encode(&w->out, &h) < 0)
		return -ENOMEM;
	w->state = WORKER_INIT;
	return 0;
}

/* Copy INIT's strings, set up the scope, run the script. */
static int
on_init(struct worker *w, const struct ipc_frame *f)
{
	struct ipc_init	 in;
	const char	*why;
	char		 role[48];
	char		*src;
	int		 rc;

	if (ipc_init_decode(f->body, f->len, &in, &why) < 0) {
		log_warnx("bad INIT from wwd: %s", why);
		return -EPROTO;
	}
	w->id = in.worker_id;
	w->port = f->port;
	snprintf(role, sizeof role, "worker[%llu]",
	    (unsigned long long)in.worker_id);
	log_init(role, in.log_level <= LOG_LEVEL_DEBUG ? in.log_level :
	    LOG_LEVEL_DEBUG);
	w->shared = ipc_str_eq(in.kind, "shared");
	w->port_next = in.port_base;
	w->port_end = in.port_base + in.port_count;
	if (!ipc_str_eq(in.kind, "dedicated") && !w->shared) {
		log_warnx("unsupported worker kind %.*s", (int)in.kind.len,
		    in.kind.ptr);
		return -EPROTO;
	}
	if ((w->url = ipc_str_dup(in.url)) == NULL ||
	    (w->name = text_js(in.name.ptr, in.name.len, NULL)) == NULL ||
	    (w->root = ipc_str_dup(in.root)) == NULL ||
	    (src = text_js(in.source.ptr, in.source.len, NULL)) == NULL)
		log_fatalx("out of memory");
	if (url_parse(w->url, &w->purl) < 0)
		log_warnx("cannot parse the worker URL %s", w->url);
	/* wwd filled it in from the URL if CREATE named none. */
	if ((w->origin = text_js(in.origin.ptr, in.origin.len, NULL)) ==
	    NULL)
		log_fatalx("out of memory");
	w->state = WORKER_RUNNING;
	if ((rc = sandbox_limits(in.memory_max)) < 0)
		log_fatalx("cannot limit the worker: %s", strerror(-rc));
	w->heap.max = (size_t)in.memory_max;
	if (w->J == NULL)
		main_prepare(w);
	if (scope_install(w) < 0)
		log_fatalx("cannot set up the global scope");
	/*
	 * From here on the script runs: only allowed system calls. Not in
	 * sanitizer builds: LeakSanitizer's exit check needs ptrace.
	 */
#if !defined(__SANITIZE_ADDRESS__)
	if ((rc = sandbox_seccomp()) < 0)
		log_fatalx("cannot install the seccomp filter: %s",
		    strerror(-rc));
#endif
	log_debug("running %s", w->url);
	rc = scope_run(w, w->url, src);
	free(src);
	if (rc == -EINVAL)
		return 0;	/* compile failure: main_leave() was called */
	loop_task_done(w);
	return 0;
}

/* A message on the inside port: one task. */
static int
on_post(struct worker *w, const struct ipc_frame *f)
{
	/* 2 KiB of transfer ids: one decode target, not a malloc each. */
	static struct ipc_post	 p;
	const char		*why;

	if (f->port != w->port) {
		log_warnx("POST on unknown port %llu",
		    (unsigned long long)f->port);
		return -EPROTO;
	}
	if (ipc_post_decode(f->body, f->len, &p, &why) < 0) {
		log_warnx("bad POST from wwd: %s", why);
		return -EPROTO;
	}
	events_fire_message(w, (const uint8_t *)p.data.ptr, p.data.len);
	loop_task_done(w);
	return 0;
}

/*
 * The one dispatcher for frames from wwd: a switch on the type and the
 * connection state. Anything unexpected ends the process with status 1.
 */
void
main_dispatch(struct worker *w, const struct ipc_frame *f)
{
	int	rc;

	switch (f->type) {
	case IPC_HELLO:
		if (w->state != WORKER_HELLO)
			goto unexpected;
		rc = on_hello(w, f);
		break;
	case IPC_INIT:
		if (w->state != WORKER_INIT)
			goto unexpected;
		rc = on_init(w, f);
		break;
	case IPC_POST:
	case IPC_CONNECT:
	case IPC_PORT_MOVED:
	case IPC_CLOSE:
	case IPC_STARTED:
	case IPC_EXIT:
	case IPC_FAULT:
		if (w->state != WORKER_RUNNING)
			goto unexpected;
		if ((rc = ports_frame(w, f)) == 0 &&
		    (rc = nested_frame(w, f)) == 0)
			rc = on_post(w, f);
		if (rc > 0)
			rc = 0;
		break;
	default:
		goto unexpected;
	}
	if (rc < 0)
		main_stop(w, 1);
	return;
unexpected:
	log_warnx("unexpected %s frame (type %u) from wwd",
	    ipc_type_name(f->type) ? ipc_type_name(f->type) : "unknown",
	    f->type);
	main_stop(w, 1);
}

static void
free_sources(struct worker *w)
{
	struct worker_source	*s, *next;

	for (s = w->sources; s != NULL; s = next) {
		next = s->next;
		free(s->url);
		free(s->text);
		free(s);
	}
	w->sources = NULL;
}

static void
walk_close(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

int
main(int argc, char *argv[])
{
	struct worker	w;
	int		flags;

	memset(&w, 0, sizeof w);
	/*
	 * Template mode: prepare the JavaScript state once, then fork;
	 * template_run returns only in a freshly forked worker.
	 */
	if (argc == 2 && strcmp(argv[1], TEMPLATE_ARG) == 0) {
		log_init("template", LOG_LEVEL_INFO);
		main_prepare(&w);
		intern_freeze();
		/*
		 * The read buffer, before the fork: then a worker pays only
		 * for the pages its reads touch. Grown in each worker, the
		 * heap's new top cost every idle worker 4 KiB more.
		 */
		if (ipc_buf_reserve(&w.in, IPC_READ_TURN) < 0)
			log_fatalx("out of memory for the read buffer");
#if !defined(__SANITIZE_ADDRESS__)	/* as in on_init */
		if (sandbox_template() < 0)
			log_fatalx("cannot install the seccomp filter");
#endif
		template_run();
	}
	/* Die with wwd; if it died before this, fd 3 is at EOF anyway. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* Nothing but stdio and the channel may leak in. */
	close_range(WORKER_FD + 1, ~0U, 0);
	log_init("worker", LOG_LEVEL_INFO);
	signal(SIGPIPE, SIG_IGN);
	w.fd = WORKER_FD;
	ipc_buf_init(&w.out);	/* w.in may be the template's */
	url_init(&w.purl);
	if ((flags = fcntl(w.fd, F_GETFL)) < 0 ||
	    fcntl(w.fd, F_SETFL, flags | O_NONBLOCK) < 0)
		log_fatal("fd %d (the channel to wwd)", w.fd);
	if (uv_loop_init(&w.loop) < 0)
		log_fatalx("cannot start the event loop");
	w.start_ns = uv_hrtime();
	ports_start(&w);
	if (channel_start(&w) < 0)
		log_fatalx("cannot watch the channel");
	uv_run(&w.loop, UV_RUN_DEFAULT);

	/* Tear down: handles first, then the JS state and our memory. */
	loop_clear(&w);
	ports_clear(&w);
	channel_stop(&w);
	uv_walk(&w.loop, walk_close, NULL);
	uv_run(&w.loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&w.loop) < 0)
		log_warnx("event loop still busy at exit");
	if (w.J != NULL)
		js_freestate(w.J);
	intern_clear(&w.heap);
	sandbox_heap_clear(&w.heap);
	free_sources(&w);
	ipc_buf_clear(&w.in);
	ipc_buf_clear(&w.out);
	channel_clear(&w);
	url_clear(&w.purl);
	free(w.url);
	free(w.name);
	free(w.origin);
	free(w.root);
	return w.exit_code;
}
