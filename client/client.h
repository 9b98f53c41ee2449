/*
 * client.h: libwwd's private header, shared by wwd.c (the connection),
 * worker.c (worker handles), json.c and url.c. Not installed. The
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
 * One dedicated worker seen from its owner. Lives on conn->workers from
 * create until the exit callback returned (or release); busy counts the
 * callbacks of this worker on the stack, so that a release from inside
 * one is finished after it returns.
 */
struct wwd_worker {
	struct wwd_conn			*conn;
	struct wwd_worker		*next;
	struct wwd_worker		*prev;
	uint64_t			 port;	/* the outside port */
	uint64_t			 id;	/* 0 until STARTED */
	int				 pid;
	int				 busy;
	unsigned			 terminated:1;
	unsigned			 exited:1;
	unsigned			 released:1;
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
	struct wwd_worker	*workers;
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
	struct wwd_reply	*reply;		/* wwd_control waiting */
	int			 reply_done;
	char			 msg[CLIENT_MSG_MAX];
	char			 fatal_msg[CLIENT_MSG_MAX];
};

/* wwd.c */
CLIENT_HIDDEN int	wwd_set_error(struct wwd_conn *, int, const char *,
			    ...) __attribute__((format(printf, 3, 4)));
CLIENT_HIDDEN int	wwd_mint_port(struct wwd_conn *, uint64_t *);
CLIENT_HIDDEN void	wwd_queued(struct wwd_conn *);

/* control.c */
CLIENT_HIDDEN int	wwd_control_dispatch(struct wwd_conn *,
			    const struct ipc_frame *);

/* worker.c */
CLIENT_HIDDEN struct wwd_worker *
			wwd_worker_find(struct wwd_conn *, uint64_t);
CLIENT_HIDDEN void	wwd_worker_dispatch(struct wwd_worker *,
			    const struct ipc_frame *);
CLIENT_HIDDEN void	wwd_worker_disconnect(struct wwd_worker *,
			    const char *);
CLIENT_HIDDEN void	wwd_worker_free(struct wwd_worker *);

/* json.c */
CLIENT_HIDDEN int	wwd_json_pack(struct ipc_buf *, const char *, size_t,
			    unsigned, const char **, size_t *);

/* url.c */
CLIENT_HIDDEN int	wwd_url_read_file(const char *, char **, size_t *);

#endif
