/*
 * wwd.h: libwwd, the C client library of wwd (Web Workers as a system
 * service). One connection to the daemon carries any number of
 * workers and MessagePorts. The connection is non-blocking and is driven from
 * the caller's loop: poll wwd_fd() for wwd_events(), then call
 * wwd_process(), which reads, runs callbacks and writes. wwd_attach_uv()
 * does exactly that on a libuv loop. Nothing here is thread-safe; the
 * library keeps no global state, everything lives in struct wwd_conn.
 * Functions return 0 or a negative errno; wwd_errmsg() has the words.
 */
#ifndef WWD_H
#define WWD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WWD_LIB_VERSION "0.1.0"

struct wwd_conn;
struct wwd_worker;
struct uv_loop_s;	/* uv_loop_t; wwd.h does not need uv.h */

/* An uncaught error in the worker (its ErrorEvent). */
struct wwd_fault {
	const char	*message;
	const char	*filename;
	unsigned	 lineno;
	unsigned	 colno;
};

/* How a worker ended. */
struct wwd_exit {
	int		 code;		/* exit status or -1 */
	int		 signal;	/* 0 if it exited */
	const char	*reason;	/* "closed", "failed", "killed",
					   "crashed", "cpu-limit",
					   "time-limit", or "disconnected"
					   when the daemon connection was
					   lost */
	const char	*message;	/* details, "" if none */
};

/*
 * Callbacks of one worker; any may be NULL. Strings and bytes are valid
 * only during the call. Messages are msgpack bytes (the structured-clone
 * encoding, already validated); wwd_msgpack_to_json() turns them into
 * JSON text. A callback may post, terminate, create workers, release
 * its worker or free the connection.
 */
struct wwd_worker_callbacks {
	/* STARTED arrived: wwd_worker_id() and wwd_worker_pid() are set. */
	void	(*started)(struct wwd_worker *, void *);
	void	(*message)(struct wwd_worker *, const void *, size_t,
		    void *);
	/* A received message could not be decoded; the reason. */
	void	(*messageerror)(struct wwd_worker *, const char *, void *);
	void	(*error)(struct wwd_worker *, const struct wwd_fault *,
		    void *);
	/* level, text (the formatted line), args as msgpack (or NULL, 0). */
	void	(*console)(struct wwd_worker *, const char *, const char *,
		    const void *, size_t, void *);
	/* The last callback; the handle is freed when it returns. */
	void	(*exit)(struct wwd_worker *, const struct wwd_exit *,
		    void *);
};

/* Options of a new worker; NULL fields take their defaults. */
struct wwd_worker_options {
	const char	*url;	/* the URL the worker was loaded from */
	const char	*name;	/* self.name, default "" */
	const char	*origin; /* default "": derived from url */
	const char	*root;	/* directory serving the same-origin
				   absolute paths of an http(s) url */
	const char	*type;	/* "classic" (NULL) or "module" (refused) */
};

/* Connection: wwd.c */

/*
 * Connect to the daemon (path NULL: $WWD_SOCKET, else
 * $XDG_RUNTIME_DIR/wwd.sock when not root, else /run/wwd/wwd.sock) and
 * exchange HELLO; blocks until done. Like sqlite3_open, *connp is set
 * even on failure (except -ENOMEM) so that wwd_errmsg() can name the
 * socket; the caller frees it with wwd_free() either way.
 */
int		 wwd_connect(struct wwd_conn **, const char *);
/*
 * Close the connection and free it and every worker handle, without
 * callbacks (the daemon kills the workers). Inside a callback the free
 * is deferred until the callback returns. NULL is ignored.
 */
void		 wwd_free(struct wwd_conn *);
/* The socket to poll, -1 once the connection failed. */
int		 wwd_fd(const struct wwd_conn *);
/*
 * The poll events wanted: POLLIN, | POLLOUT when there is work to do
 * without waiting (output or port messages queued, whole frames read).
 */
int		 wwd_events(const struct wwd_conn *);
/*
 * Read what is there, run callbacks, write what is queued; never blocks.
 * 0, or a negative errno when the connection failed (-EPIPE or
 * -ECONNRESET: the daemon went away; -EPROTO: it sent ERROR or a bad
 * frame; wwd_errmsg() says which). On failure the error callback runs,
 * then every live worker gets an exit callback with reason
 * "disconnected". Later calls return the same error. -EBUSY if called
 * from a callback.
 */
int		 wwd_process(struct wwd_conn *);
/* Bytes queued for the daemon and not yet written. */
size_t		 wwd_pending(const struct wwd_conn *);
/* The message of the last failure on this connection ("" if none). */
const char	*wwd_errmsg(const struct wwd_conn *);
/* A message for one of the library's negative errno returns. */
const char	*wwd_strerror(int);
/* The path of the socket this connection uses. */
const char	*wwd_socket_path(const struct wwd_conn *);
/* The daemon's software string from its HELLO, e.g. "wwd 0.1.0". */
const char	*wwd_daemon_software(const struct wwd_conn *);
/* Called once, from wwd_process(), when the connection fails. */
void		 wwd_on_error(struct wwd_conn *,
		    void (*)(struct wwd_conn *, int, const char *, void *),
		    void *);
/*
 * Watch hook for event-loop adaptors: called with the new wwd_events()
 * mask whenever it changes (e.g. when a post queues output), and with
 * -1 just before the descriptor is closed (failure or wwd_free); it is
 * not called again after -1.
 */
void		 wwd_watch(struct wwd_conn *,
		    void (*)(struct wwd_conn *, int, void *), void *);

/* libuv adaptor: uv.c */

/*
 * Drive the connection from a libuv loop with a uv_poll_t on wwd_fd().
 * Failures go to the wwd_on_error() callback. The poll handle closes
 * itself when the connection fails or is freed; the loop must run
 * once more after wwd_free() to finish that close. 0 or -errno
 * (-EALREADY if attached already).
 */
int		 wwd_attach_uv(struct wwd_conn *, struct uv_loop_s *);

/* Workers: worker.c */

/*
 * Create a dedicated worker running the script in a file (url defaults
 * to the file: URL of its absolute path), a source string (len bytes;
 * url defaults to file://<cwd>/eval.js), or a data: or file: URL (url
 * defaults to that URL). The handle is valid until its exit callback
 * returns. Messages may be posted at once: the daemon queues them.
 * -EINVAL (nothing sent) for a type other than "classic" or "module",
 * or a url, name, origin or root that is not UTF-8.
 */
int		 wwd_worker_create_file(struct wwd_conn *, const char *,
		    const struct wwd_worker_options *,
		    const struct wwd_worker_callbacks *, void *,
		    struct wwd_worker **);
int		 wwd_worker_create_source(struct wwd_conn *, const char *,
		    size_t, const struct wwd_worker_options *,
		    const struct wwd_worker_callbacks *, void *,
		    struct wwd_worker **);
int		 wwd_worker_create_url(struct wwd_conn *, const char *,
		    const struct wwd_worker_options *,
		    const struct wwd_worker_callbacks *, void *,
		    struct wwd_worker **);
/*
 * Connect to a shared worker: the daemon finds the one running for
 * (your uid, options' origin, name, url) or starts it from source (len
 * bytes). The handle is the connection's port: post, receive, and
 * wwd_worker_release() to disconnect (the worker stays, lingering when
 * it was the last connection). Its exit callback means the shared
 * worker ended (closed itself, crashed, was killed). It outlives its
 * clients: wwd_worker_terminate is -EINVAL.
 */
int		 wwd_shared_connect(struct wwd_conn *, const char *, size_t,
		    const struct wwd_worker_options *,
		    const struct wwd_worker_callbacks *, void *,
		    struct wwd_worker **);
/* The same, started from the script in a file (url defaults to its). */
int		 wwd_shared_connect_file(struct wwd_conn *, const char *,
		    const struct wwd_worker_options *,
		    const struct wwd_worker_callbacks *, void *,
		    struct wwd_worker **);
/* Post one message given as msgpack bytes (validated, then copied). */
int		 wwd_worker_post(struct wwd_worker *, const void *, size_t);
/* Post one message given as JSON text; -EINVAL if it is not JSON. */
int		 wwd_worker_post_json(struct wwd_worker *, const char *,
		    size_t);
/*
 * Kill the worker; an exit callback with reason "killed" follows.
 * -EINVAL for a plain MessagePort or a shared worker's connection.
 */
int		 wwd_worker_terminate(struct wwd_worker *);
/*
 * Forget the worker: no more callbacks, the daemon kills it if it
 * still runs. The handle is invalid afterwards.
 */
void		 wwd_worker_release(struct wwd_worker *);
/* The daemon's worker id and the process id, 0 until started. */
uint64_t	 wwd_worker_id(const struct wwd_worker *);
int		 wwd_worker_pid(const struct wwd_worker *);
/* The URL the worker was created with. */
const char	*wwd_worker_url(const struct wwd_worker *);
/* The connection and the user pointer given at creation. */
struct wwd_conn	*wwd_worker_conn(const struct wwd_worker *);
void		*wwd_worker_data(const struct wwd_worker *);

/* MessagePorts: port.c */

/*
 * A struct wwd_worker handle is a port. A worker's handle is its
 * outside port; a plain MessagePort handle (from wwd_port_channel or
 * received in a message) is used the same way: wwd_worker_post,
 * wwd_worker_post_json, wwd_port_post and wwd_worker_release (which
 * closes it). It has no worker: wwd_worker_terminate is -EINVAL, its
 * id and pid are 0, and it gets an exit callback only when the
 * connection is lost ("disconnected").
 */

/*
 * new MessageChannel(): mint two entangled ports held by this
 * connection. Their messages queue until wwd_port_start.
 */
int		 wwd_port_channel(struct wwd_conn *, struct wwd_worker **,
		    struct wwd_worker **);
/*
 * Set a plain port's callbacks (copied; message, messageerror and exit
 * are used) and user pointer, and start it (port.onmessage = f): the
 * messages it queued are delivered by wwd_process, in order.
 */
void		 wwd_port_start(struct wwd_worker *,
		    const struct wwd_worker_callbacks *, void *);
/*
 * postMessage(message, transfer) on a worker or a port: the msgpack
 * bytes (a transferred port appears in them, if at all, as ext 4 with
 * its index in ports), and n plain ports of this connection to move to
 * the receiver. On success the ports are given away: their handles are
 * invalid at once (the library keeps what it needs to pass on the
 * messages still in flight to them). -EINVAL for a port listed twice,
 * released, a worker's handle, or the port posted on or its peer
 * (DataCloneError in a browser); nothing is sent then.
 */
int		 wwd_port_post(struct wwd_worker *, const void *, size_t,
		    struct wwd_worker *const *, size_t);
/* The same with the message given as JSON text. */
int		 wwd_port_post_json(struct wwd_worker *, const char *,
		    size_t, struct wwd_worker *const *, size_t);
/*
 * MessageEvent.ports: during a message callback of handle w, how many
 * ports the message carries, and port i of them (NULL when out of
 * range or outside a callback). They are held by this connection from
 * the moment the message arrived; start them with wwd_port_start, pass
 * them on with wwd_port_post, or close them with wwd_worker_release.
 * A port nobody starts keeps its messages queued.
 */
size_t		 wwd_port_count(const struct wwd_worker *);
struct wwd_worker *wwd_port_get(const struct wwd_worker *, size_t);

/* Control: control.c */

/* A control command's answer; the strings and data are owned. */
struct wwd_reply {
	char	*status;	/* "ok" or an error code */
	char	*message;	/* for a person, "" if none */
	void	*data;		/* one msgpack value (nil if none),
					   checked: safe for msgpack-c */
	size_t	 len;
};

/*
 * Send control command (ps, stats, kill, logs, logs-follow, reload,
 * shutdown; id is the worker id for kill and logs, else 0) and wait at
 * most timeout_ms for the reply, driving the connection meanwhile (the
 * workers' callbacks run). 0 with *r filled (a refused command is a
 * status other than "ok"), or a negative errno (see wwd_errmsg): the
 * answer of a wait that timed out is dropped when it comes, never taken
 * for the next command's. -EBUSY, and nothing sent, from a callback.
 * The caller releases *r with wwd_reply_clear.
 */
int		 wwd_control(struct wwd_conn *, const char *, uint64_t,
		    struct wwd_reply *, int);
/*
 * Wait for one more REPLY on c without sending anything: the events a
 * "logs-follow" control command keeps sending. timeout_ms < 0 waits
 * without limit; a signal ends the wait with -EINTR. As wwd_control.
 */
int		 wwd_control_next(struct wwd_conn *, struct wwd_reply *, int);
/* Release the contents of a reply. */
void		 wwd_reply_clear(struct wwd_reply *);

/* URLs: url.c */

/*
 * The file: URL of a path (made absolute against the working directory
 * and normalised, percent-encoded as needed); malloc'd, NULL on error.
 */
char		*wwd_url_from_path(const char *);

/* JSON: json.c */

/*
 * Convert one JSON text (RFC 8259, strict; tagged values as in "The
 * JSON form" of docs/protocol.md) to the message encoding. *out is
 * malloc'd, the caller frees it. 0, -EINVAL with *why (if why is not
 * NULL; valid until the thread's next call), or -ENOMEM.
 */
int		 wwd_json_to_msgpack(const char *, size_t, void **, size_t *,
		    const char **);
/*
 * Convert one message (msgpack bytes) to JSON text, NUL-terminated,
 * malloc'd; what JSON cannot say uses the tagged form, which
 * wwd_json_to_msgpack reads back. 0, -EINVAL with *why, or -ENOMEM.
 */
int		 wwd_msgpack_to_json(const void *, size_t, char **, size_t *,
		    const char **);

#ifdef __cplusplus
}
#endif

#endif
