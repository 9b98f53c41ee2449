/*
 * wwd.h: the supervisor daemon's one header, a section per .c file.
 *
 * wwd runs one libuv loop in one thread. struct wwd (main.c) owns the
 * loop, the listening socket, every connection (conn.c), the worker table
 * (supervisor.c) and the port table (router.c). Connections to clients
 * and to worker processes share one I/O mechanism; what a frame means is
 * decided by the dispatch switch of the connection's kind (server.c for
 * clients, supervisor.c for workers).
 */
#ifndef WWD_DAEMON_H
#define WWD_DAEMON_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "buf.h"
#include "frame.h"
#include "msg.h"

#define WWD_SOFTWARE	"wwd " WWD_VERSION

struct conn;
struct event;
struct follower;
struct log_about;
struct port;
#define WWD_TICK_MS	100	/* the tick: limit checks, paused peers */

struct worker;

/*
 * The port ids one peer may mint (HELLO/INIT range): each new id must
 * lie in [base, base + count) and exceed every id minted before.
 */
struct port_range {
	uint64_t	base;
	uint64_t	count;
	uint64_t	next;		/* the lowest id it may mint now */
};

/*
 * The settings (config.c). Strings are owned; a struct config is
 * replaced whole on reload, never patched in place.
 */
struct config {
	char		*socket_path;	/* NULL: the built-in choice */
	unsigned	 socket_mode;
	char		*socket_group;	/* NULL: unchanged */
	char		*worker_user;	/* workers run as this when root */
	int		 worker_setid;	/* root: switch to worker_uid/gid */
	uint32_t	 worker_uid;	/* config_load's lookup */
	uint32_t	 worker_gid;
	char		*admin_group;	/* members see and manage all */
	uint32_t	 workers_max;
	uint32_t	 workers_per_user;
	uint32_t	 frame_max;
	uint64_t	 input_per_user; /* unfinished frames, bytes */
	uint64_t	 conn_high;	/* backpressure marks, bytes */
	uint64_t	 conn_low;
	uint64_t	 port_high;	/* the same, per port */
	uint64_t	 port_low;
	uint64_t	 worker_memory;	/* bytes, 0 = no cap */
	uint32_t	 worker_cpu;	/* seconds, 0 = none */
	uint32_t	 worker_wall;	/* seconds, 0 = none */
	int64_t		 linger_ms;	/* shared workers; -1 = forever */
	int		 log_level;
};

/* Daemon totals for "wwctl stats". */
struct wwd_stats {
	uint64_t	clients;	/* accepted since start */
	uint64_t	workers;	/* started since start */
	uint64_t	frames;		/* routed */
	uint64_t	bytes;
	uint64_t	spawn_failures;
	uint64_t	limit_kills;	/* cpu, wall */
	uint64_t	limit_refusals;	/* CREATE over a worker limit */
	uint64_t	pauses;		/* backpressure read stops */
};

/* The whole daemon; one per process, owned by main(). */
struct wwd {
	uv_loop_t	 loop;
	uv_pipe_t	 listener;
	uv_signal_t	 sigterm;
	uv_signal_t	 sigint;
	uv_signal_t	 sighup;
	uv_signal_t	 sigchld;	/* a worker may be reapable */
	uv_prepare_t	 flusher;	/* flushes and reaps connections */
	uv_timer_t	 ticker;	/* CPU and wall-clock limits */

	const char	*socket_path;	/* owned by main() */
	const char	*worker_path;	/* owned by main() */
	const char	*config_path;	/* owned by main() */
	int		 config_optional; /* the default path: may be absent */
	int		 cli_level;	/* --log-level, -1 if not given */
	int64_t		 cli_linger;	/* --shared-linger ms, -2 if not */
	struct config	 cfg;		/* current settings */
	int		 stopping;	/* SIGTERM/SIGINT seen */
	int		 activated;	/* the socket came from systemd */
	int		 stop_requested; /* wwctl shutdown: after the flush */
	uv_timer_t	 watchdog;	/* WATCHDOG=1 when systemd asks */
	uint64_t	 started_ms;	/* uv_now at start */
	struct wwd_stats stats;
	struct template	*tmpl;		/* template.c; NULL: none running */
	unsigned	 nworkers;	/* live worker records */
	struct principal *principals;	/* supervisor.c; a handful */
	size_t		 nprincipals;
	int		 drained;	/* output drained or input freed:
					   resume */

	uint64_t	 next_serial;	/* connection serials: port ranges */
	uint64_t	 next_worker;	/* worker ids, from 1 */

	TAILQ_HEAD(, conn)	conns;	/* every live connection */
	TAILQ_HEAD(, conn)	dirty;	/* output or a close to handle */
	TAILQ_HEAD(, conn)	paused;	/* reads stopped: backpressure */
	LIST_HEAD(, worker)	workers;
	LIST_HEAD(, worker)	reaping; /* channel done, not reaped */
	int			reap_due; /* SIGCHLD or a new entry */

	struct event	*events;	/* eventlog: ring, EVENTLOG_MAX */
	size_t		 event_head;	/* index of the oldest */
	size_t		 nevents;
	uint64_t	 event_seq;	/* the last event's number */
	LIST_HEAD(, follower)	followers; /* "wwctl logs -f" clients */

	struct port	**ports;	/* router: hash chains */
	size_t		  nslots;	/* power of two */
	size_t		  nports;
};

/* main.c */
void	main_stop(struct wwd *);
int	main_reload(struct wwd *, char *, size_t);

/* config.c */
int	config_defaults(struct config *);
void	config_clear(struct config *);
int	config_load(struct config *, const char *, int, char *, size_t);

/* conn.c: one connection to a client or a worker process */
#define CONN_READ_MIN	(64 * 1024)
#define CONN_SNDBUF	(512 * 1024)	/* SO_SNDBUF asked for: see conn_start */

enum conn_kind {
	CONN_CLIENT,
	CONN_WORKER,
};

struct conn_ops {
	unsigned	 dir;	/* IPC_C2D or IPC_W2D: what the peer sends */
	const char	*role;	/* the role its HELLO must name */
	/* The peer's valid HELLO (conn.c checked version and role). */
	void	(*hello)(struct conn *, const struct ipc_hello *);
	/*
	 * One whole frame after HELLO, of a type the peer may send; f->raw
	 * may be rewritten and forwarded.
	 */
	void	(*frame)(struct conn *, struct ipc_frame *);
	/* The peer broke the protocol: code and message for ERROR. */
	void	(*fault)(struct conn *, const char *, const char *);
	/* The peer closed its end, or reading failed. */
	void	(*eof)(struct conn *, int);
	/* At the fixed point, just before the connection is freed. */
	void	(*gone)(struct conn *);
};

/*
 * Which port's frames fill a stretch of a connection's output: the bytes
 * up to offset end (counted like c->sent, plus out) hold n bytes for
 * port. Routed
 * frames are tagged so that each port's queued bytes are known; tags for
 * the same port in a row are merged.
 */
struct conn_tag {
	uint64_t	end;
	uint64_t	port;
	size_t		n;
};

/*
 * A peer connection. Owned by the wwd's conns list; freed only in the
 * pipe's close callback, which runs after conn_close was requested and
 * the flusher (a fixed point in the loop) found nothing left to write.
 * out collects frames during a loop turn; wbuf is the one write in
 * flight; in holds bytes read but not yet cut into frames.
 */
struct conn {
	struct wwd		*w;
	enum conn_kind		 kind;
	uint64_t		 id;		/* client serial or worker id */
	const struct conn_ops	*ops;
	void			*owner;		/* struct client or worker */
	uint32_t		 frame_max;	/* largest body it may send: a
						   client's frame_size when it
						   connected (its HELLO says) */

	uv_pipe_t		 pipe;
	uv_write_t		 wreq;
	struct ipc_buf		 in;
	struct ipc_buf		 out;
	struct ipc_buf		 wbuf;

	unsigned		 hello:1;	/* the peer's HELLO arrived */
	unsigned		 reading:1;	/* uv_read_start active */
	unsigned		 writing:1;	/* wreq in flight */
	unsigned		 sealed:1;	/* nothing more to send */
	unsigned		 closing:1;	/* close after the flush */
	unsigned		 closed:1;	/* uv_close called */
	unsigned		 in_dirty:1;
	unsigned		 paused:1;	/* reads stopped: backpressure */
	unsigned		 held:1;	/* of them, for the input budget */
	size_t			 charged;	/* client: its unfinished frame,
						   charged to its principal */
	struct conn		*blocker;	/* paused: the full receiver */
	uint64_t		 blocking;	/* paused: the full port, or 0 */

	struct conn_tag		*tags;		/* ring: routed bytes queued */
	size_t			 tag_head;
	size_t			 ntags;
	size_t			 tag_cap;	/* 0 or a power of two */
	uint64_t		 sent;		/* bytes that ever left out */
	uint64_t		 stall_sent;	/* sent, last seen moving */
	unsigned		 stall_ticks;	/* ticks since, a shared worker
						   waiting for it */

	LIST_HEAD(, port)	 ports;		/* ports this peer holds */
	unsigned		 nports;	/* in that list */
	struct port_range	*range;		/* ids it mints; owner's */
	unsigned		 ndraining;	/* ports draining from it */
	uint64_t		*gone;		/* of those, freed meanwhile */
	size_t			 ngone;		/* (until its PORT_DRAINED) */
	TAILQ_ENTRY(conn)	 entry;
	TAILQ_ENTRY(conn)	 dirty_entry;
	TAILQ_ENTRY(conn)	 paused_entry;
};

struct conn	*conn_create(struct wwd *, enum conn_kind, uint64_t,
		    const struct conn_ops *, void *);
int		 conn_start(struct conn *);
void		 conn_stop(struct conn *);
struct ipc_buf	*conn_out(struct conn *);
void		 conn_append(struct conn *, const void *, size_t);
void		 conn_append_port(struct conn *, struct port *, const void *,
		    size_t);
void		 conn_error(struct conn *, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
void		 conn_close(struct conn *);
void		 conn_abort(struct conn *);
const char	*conn_name(const struct conn *, char *, size_t);
void		 conn_flush_all(struct wwd *);
void		 conn_tick(struct wwd *);
void		 conn_close_all(struct wwd *);
size_t		 conn_queued(const struct conn *);
void		 conn_pause(struct conn *, struct conn *, uint64_t);
int		 conn_cycle(const struct conn *, const struct conn *);

/* server.c: the listening socket and client connections */
int	server_listen_fd(const char *, unsigned, const char *,
	    const char **);
int	server_start(struct wwd *, int);
void	server_stop(struct wwd *);
uint32_t server_uid(const struct conn *);
int	server_is_admin(const struct conn *);

/*
 * router.c: port id -> {holder, peer id, worker}. A port moving from
 * one holder to another (transferred in a POST) is "held back" until
 * it landed: from is the old holder until it answered PORT_DRAINED,
 * wait the port whose queue holds the frame that carries it; meanwhile
 * early collects what the old holder bounced (REPOST) and late the
 * newer frames for it, flushed in that order to the holder.
 */
struct port {
	uint64_t		 id;
	uint64_t		 peer;		/* the entangled port's id */
	struct conn		*holder;
	struct worker		*worker;	/* outside port: its worker */
	unsigned		 fixed:1;	/* a worker's: not movable */
	struct conn		*from;		/* draining: the old holder */
	uint64_t		 wait;		/* carried by a queued frame */
	struct ipc_buf		 early;		/* bounced by from */
	struct ipc_buf		 late;		/* newer frames for it */
	size_t			 queued;	/* its bytes in conns' output */
	uint64_t		*waiters;	/* ports carried by its queue */
	size_t			 nwaiters;
	struct port		*next;		/* hash chain */
	LIST_ENTRY(port)	 hold;		/* holder's list */
};

int		 router_init(struct wwd *);
void		 router_clear(struct wwd *);
struct port	*router_find(struct wwd *, uint64_t);
struct port	*router_held(struct wwd *, struct conn *, uint64_t);
int		 router_bounces(struct wwd *, struct conn *, uint64_t);
int		 router_add(struct wwd *, uint64_t, uint64_t, struct conn *,
		    struct port **);
void		 router_free(struct wwd *, struct port *);
void		 router_drop_holder(struct wwd *, struct conn *);
int		 router_forward(struct wwd *, struct conn *,
		    struct ipc_frame *);
int		 router_mint(struct conn *, uint64_t, const char **);
int		 router_channel(struct wwd *, struct conn *,
		    const struct ipc_channel *, const char **);
int		 router_post(struct wwd *, struct conn *, struct ipc_frame *,
		    const struct ipc_post *, const char **);
int		 router_repost(struct wwd *, struct conn *, struct ipc_frame *,
		    const struct ipc_post *, const char **);
int		 router_drained(struct wwd *, struct conn *, uint64_t,
		    const char **);
int		 router_frame(struct conn *, struct ipc_frame *);
size_t		 router_queued(const struct port *);
size_t		 router_held_bytes(const struct wwd *);

/* supervisor.c: worker table and policy */
enum worker_end {
	WORKER_END_NONE,	/* still running, or ended on its own */
	WORKER_END_KILLED,	/* wwd killed it */
	WORKER_END_PROTOCOL,	/* it broke the protocol */
	WORKER_END_FAILED,	/* it could not be spawned */
	WORKER_END_CPU,		/* over its CPU seconds */
	WORKER_END_WALL,	/* over its wall-clock seconds */
};

/*
 * One worker process. Owned by the wwd's workers list; freed once its
 * process handle is closed and its channel connection is gone. EXIT goes
 * to the outside port's holder once the process exited and the channel
 * reached EOF (or was stopped), and only if that port still leads here.
 */
struct worker {
	struct wwd		*w;
	uint64_t		 id;
	uint64_t		 outside;	/* port the owner holds */
	uint64_t		 inside;	/* port the worker holds */
	char			*url;		/* owned; for logs */
	char			*name;		/* owned */
	char			*origin;	/* owned */
	uint32_t		 uid;		/* principal: the owner's uid */
	unsigned		 shared:1;	/* a SharedWorker */
	unsigned		 closed_self:1;	/* sent CLOSING: not reusable */
	uint32_t		 clients;	/* shared: connected ports */
	uint64_t		 parent;	/* creating worker's id, or 0 */
	struct port_range	 range;		/* ids it may mint */
	uv_timer_t		*linger;	/* shared, no clients: owned */
	uint64_t		 client;	/* owner connection serial */
	uint64_t		 started_ms;	/* uv_now at spawn */
	uint64_t		 msgs_in;	/* frames routed to it */
	uint64_t		 msgs_out;	/* frames it sent */
	uint64_t		 cpu_ms;	/* usage cache: /proc/PID/stat */
	uint64_t		 rss;		/* bytes */
	uint64_t		 usage_ms;	/* uv_now of that reading */
	uint64_t		 usage_msgs;	/* msgs_in + msgs_out then */
	uint64_t		 cpu_due;	/* uv_now: next CPU-limit read */
	unsigned		 usage_read:1;	/* the cache holds a reading */

	void			(*exit_cb)(struct worker *, int64_t, int);
	struct conn		*conn;		/* NULL once gone */
	int			 pid;

	unsigned		 spawned:1;	/* a process was started */
	unsigned		 exited:1;	/* reaped; exit callback ran */
	unsigned		 reaping:1;	/* on the wwd's reaping list */
	unsigned		 chan_done:1;	/* EOF, or stopped on kill */
	unsigned		 reported:1;	/* EXIT decided */
	unsigned		 killing:1;	/* SIGKILL sent */
	unsigned		 counted:1;	/* in its principal's count */

	enum worker_end		 end;
	char			*end_message;	/* owned; why it ended */
	char			*closing_reason; /* owned; from CLOSING */
	char			*closing_message;
	int64_t			 exit_status;
	int			 term_signal;

	LIST_ENTRY(worker)	 entry;
	LIST_ENTRY(worker)	 reap_entry;
};

int	supervisor_create(struct wwd *, struct conn *, uint64_t,
	    const struct ipc_create *);
/*
 * One principal (a client's uid) and what it holds: workers not yet
 * reported (limits.workers_per_user) and its clients' unfinished frames
 * (limits.input_per_user, conn.c).
 */
struct principal {
	uint32_t	uid;
	uint32_t	workers;
	uint64_t	input;
};

uint32_t supervisor_uid(const struct conn *);
struct principal *supervisor_principal(struct wwd *, uint32_t);
void	supervisor_fail(struct conn *, uint64_t, const char *);
/* Why a CREATE of type "module" fails: wwd runs classic scripts only. */
#define SUPERVISOR_NO_MODULES \
	"module workers are not supported: wwd runs classic scripts only"
int	supervisor_frame(struct conn *, struct ipc_frame *);
struct worker *supervisor_spawn(struct wwd *, struct conn *,
	    const struct ipc_create *, uint64_t);
void	supervisor_report_port(struct port *, const struct ipc_exit *);
void	supervisor_kill(struct worker *, const char *);
void	supervisor_terminate(struct wwd *, struct port *);
void	supervisor_close_port(struct wwd *, struct port *);
void	supervisor_client_gone(struct wwd *, struct conn *);
void	supervisor_kill_all(struct wwd *);
void	supervisor_exit_info(const struct worker *, struct ipc_exit *,
	    char *, size_t);
const char *supervisor_limit(const struct wwd *, uint32_t, char *, size_t);
/*
 * ps re-reads a busy worker's usage (CPU, RSS) when it is
 * SUPERVISOR_USAGE_MS old, an idle one's when SUPERVISOR_USAGE_IDLE_MS.
 */
#define SUPERVISOR_USAGE_MS	 1000
#define SUPERVISOR_USAGE_IDLE_MS 10000
void	supervisor_tick(struct wwd *);
void	supervisor_clear(struct wwd *);
int	supervisor_usage(struct worker *, unsigned *, uint64_t *,
	    uint64_t *);

/* registry.c: shared workers by (principal, origin, name, url) */
int	registry_connect(struct wwd *, struct conn *, uint64_t,
	    const struct ipc_create *);
void	registry_leave(struct wwd *, struct worker *, struct port *);
void	registry_exit(struct worker *, const struct ipc_exit *);
void	registry_free(struct worker *);

/* control.c: wwctl's commands on the client socket */
void	control_request(struct conn *, const struct ipc_control *);

/* eventlog.c: lifecycle events and console output, kept and followed */
#define EVENTLOG_MAX	1000

int	eventlog_init(struct wwd *);
void	eventlog_clear(struct wwd *);
void	eventlog_add(struct wwd *, int, const char *,
	    const struct log_about *, const char *, ...)
	    __attribute__((format(printf, 5, 6)));
void	eventlog_request(struct conn *, uint64_t, int);
void	eventlog_gone(struct wwd *, struct conn *);

/* spawn.c: starting and signalling worker processes */
int	spawn_worker(struct wwd *, struct worker *,
	    void (*)(struct worker *, int64_t, int), const struct conn_ops *,
	    const char **);
int	spawn_kill(struct worker *);
void	spawn_ending(struct worker *);
int	spawn_killed(const struct worker *);
int	spawn_init(struct wwd *);
void	spawn_reap(struct wwd *);
void	spawn_stop(struct wwd *);

/* template.c: the template process that forks every worker */
struct template;
int	template_start(struct wwd *);
int	template_wait(struct wwd *);
void	template_stop(struct wwd *);
int	template_fork(struct wwd *, int, int, uint32_t, uint32_t, int *);

#endif
