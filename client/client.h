/*
 * client.h: libwwd's private header, shared by wwd.c (the connection),
 * worker.c (worker handles), json*.c and url.c. Not installed. The
 * connection owns its workers, its buffers and its descriptor; a worker
 * belongs to exactly one connection's list.
 */
#ifndef WWD_CLIENT_H
#define WWD_CLIENT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "frame.h"
#include "wwd.h"

#define CLIENT_MSG_MAX	512

/* Internal functions stay out of libwwd.so's symbol table. */
#define CLIENT_HIDDEN	__attribute__((visibility("hidden")))

/*
 * One port held by the connection: a worker's outside port (a dedicated
 * worker or a shared-worker connection) or a plain MessagePort (port_only:
 * minted by wwd_port_channel or received in a message). Lives on
 * conn->workers from create until the exit callback returned (or
 * release), and in conn->slots by port; on conn->queued while its queue
 * is not empty. busy counts the callbacks of this handle on the stack, so
 * that a release from inside one is finished after it returns. A plain
 * port queues raw POST frames in queue until started; one given away
 * stays, moving and released, to bounce late frames until PORT_MOVED.
 */
struct wwd_worker {
	struct wwd_conn			*conn;
	struct wwd_worker		*next;
	struct wwd_worker		*prev;
	struct wwd_worker		*hnext;	/* c->slots chain */
	struct wwd_worker		*qnext;	/* c->queued list */
	struct wwd_worker		*qprev;
	unsigned			 inq:1;	/* on c->queued */
	uint64_t			 port;	/* the outside port */
	uint64_t			 id;	/* 0 until STARTED */
	int				 pid;
	int				 busy;
	unsigned			 terminated:1;
	unsigned			 exited:1;
	unsigned			 released:1;
	unsigned			 port_only:1;
	unsigned			 shared:1;	/* a shared worker's */
	unsigned			 started:1;
	unsigned			 moving:1;
	uint64_t			 peer;	/* minted pair: the other */
	struct ipc_buf			 queue;	/* undelivered POSTs */
	char				*url;	/* owned */
	struct wwd_worker_callbacks	 cb;
	void				*data;
};

/*
 * A connection to wwd. in collects what was read (frames are cut out of
 * it), out collects whole frames for one write. fatal is set once the
 * connection failed (fd is then closed and -1); depth counts callbacks
 * on the stack, freeing defers a wwd_free made inside one.
 */
struct wwd_conn {
	int			 fd;
	char			*path;		/* owned */
	char			*software;	/* owned, the daemon's */
	struct ipc_buf		 in;
	struct ipc_buf		 out;
	uint64_t		 port_base;
	uint64_t		 port_count;
	uint64_t		 port_next;	/* offset of the next id */
	uint32_t		 frame_max;	/* largest body wwd takes */
	struct wwd_worker	*workers;
	struct wwd_worker	**slots;	/* by port: hash chains */
	size_t			 nslots;	/* 0 or a power of two */
	size_t			 nworkers;	/* handles in workers */
	size_t			 nmoving;	/* of them, given away */
	struct wwd_worker	*queued;	/* handles with a queue */
	int			 fatal;
	int			 reported;
	int			 depth;
	int			 freeing;
	int			 watched;	/* last mask told */
	void			(*watch)(struct wwd_conn *, int, void *);
	void			*watch_arg;
	void			(*on_error)(struct wwd_conn *, int,
				    const char *, void *);
	void			*on_error_arg;
	struct wwd_worker	**msg_ports;	/* of the message being
						   delivered, or NULL */
	size_t			 msg_nports;
	struct wwd_reply	*reply;		/* wwd_control waiting */
	int			 reply_done;
	unsigned		 replies_owed;	/* to waits that gave up */
	char			 msg[CLIENT_MSG_MAX];
	char			 fatal_msg[CLIENT_MSG_MAX];
};

/* wwd.c */
CLIENT_HIDDEN int	wwd_set_error(struct wwd_conn *, int, const char *,
			    ...) __attribute__((format(printf, 3, 4)));
CLIENT_HIDDEN int	wwd_mint_port(struct wwd_conn *, uint64_t *);
CLIENT_HIDDEN int	wwd_too_large(struct wwd_conn *, const char *, size_t);
CLIENT_HIDDEN int	wwd_frame_fits(struct wwd_conn *, size_t,
			    const char *);
CLIENT_HIDDEN void	wwd_queued(struct wwd_conn *);

/* control.c */
CLIENT_HIDDEN int	wwd_control_dispatch(struct wwd_conn *,
			    const struct ipc_frame *);

/* worker.c */
CLIENT_HIDDEN void	wwd_worker_dispatch(struct wwd_worker *,
			    const struct ipc_frame *);
CLIENT_HIDDEN void	wwd_worker_disconnect(struct wwd_worker *,
			    const char *);
CLIENT_HIDDEN void	wwd_worker_free(struct wwd_worker *);
CLIENT_HIDDEN void	wwd_worker_leave(struct wwd_worker *);
CLIENT_HIDDEN int	wwd_worker_usable(struct wwd_worker *);
CLIENT_HIDDEN int	wwd_worker_link(struct wwd_conn *,
			    struct wwd_worker *);
CLIENT_HIDDEN struct wwd_worker *wwd_worker_find(struct wwd_conn *,
			    uint64_t);
CLIENT_HIDDEN void	wwd_worker_queue_note(struct wwd_worker *);

/* port.c */
CLIENT_HIDDEN int	wwd_port_route(struct wwd_conn *,
			    const struct ipc_frame *);
CLIENT_HIDDEN int	wwd_port_deliver(struct wwd_worker *,
			    const struct ipc_frame *);
CLIENT_HIDDEN void	wwd_port_run(struct wwd_conn *);
CLIENT_HIDDEN void	wwd_port_unqueue(struct wwd_worker *);
CLIENT_HIDDEN int	wwd_port_runnable(const struct wwd_conn *);

/* json.c: shared by json_read.c and json_write.c */
/*
 * The records of the tagged form (docs/protocol.md), shared by the
 * parser and the printer. kinds has one letter per fixed field: b
 * boolean, n number, s string, u non-negative integer, B ArrayBuffer
 * or ref, k index or name. A record may end in a list (items after the
 * fixed fields); opt: the last fixed field or the list may be absent.
 */
struct wwd_json_rec {
	const char	*tag;
	const char	*kinds;
	const char	*names[4];
	const char	*list;
	char		 each;		/* kind of a list key, or 0: any */
	uint8_t		 marker;
	uint8_t		 opt;
};
CLIENT_HIDDEN extern const struct wwd_json_rec	wwd_json_recs[];
CLIENT_HIDDEN extern const size_t		wwd_json_nrecs;
CLIENT_HIDDEN int	wwd_json_put_utf8(struct ipc_buf *, unsigned);
CLIENT_HIDDEN size_t	wwd_json_utf8(const unsigned char *, size_t,
			    unsigned *);
CLIENT_HIDDEN int	wwd_json_mp_string(const uint8_t *, const uint8_t **,
			    uint32_t *);
CLIENT_HIDDEN int	wwd_json_mp_kind(const uint8_t *, char);

/* json_read.c */
CLIENT_HIDDEN int	wwd_json_pack(struct ipc_buf *, const char *, size_t,
			    unsigned, const char **, size_t *);

/* url.c */
CLIENT_HIDDEN int	wwd_url_read_file(const char *, char **, size_t *);

#endif
