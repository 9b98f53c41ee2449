/*
 * msg.h: the wwd protocol's message types and their bodies.
 *
 * IPC_MESSAGES is the one list: it generates the type enum, the names
 * used in logs and the directions each type may travel. Numbers are
 * grouped by channel (1-15 any, 16-31 client and daemon, 32-47 worker
 * and daemon, 48- port traffic), appended and never reused; a changed
 * body bumps IPC_VERSION. Each body is a msgpack array with one struct
 * and one encode/decode pair here. docs/protocol.md is the contract.
 *
 * Decoded strings and binaries point into the frame body they came from
 * and are not NUL-terminated.
 */
#ifndef IPC_MSG_H
#define IPC_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define IPC_VERSION	5

/* Directions: C client, D daemon (wwd), W worker process. */
#define IPC_C2D	0x1
#define IPC_D2C	0x2
#define IPC_W2D	0x4
#define IPC_D2W	0x8
#define IPC_PEER (IPC_C2D | IPC_D2C | IPC_W2D | IPC_D2W)

/* X(NAME, number, directions) */
#define IPC_MESSAGES(X)							\
	X(HELLO,	 1, IPC_PEER)					\
	X(ERROR,	 2, IPC_D2C | IPC_D2W)				\
	X(CREATE,	16, IPC_C2D | IPC_W2D)				\
	X(STARTED,	17, IPC_D2C | IPC_D2W)				\
	X(TERMINATE,	18, IPC_C2D | IPC_W2D)				\
	X(EXIT,		19, IPC_D2C | IPC_D2W)				\
	X(CONTROL,	20, IPC_C2D)					\
	X(REPLY,	21, IPC_D2C)					\
	X(INIT,		32, IPC_D2W)					\
	X(CLOSING,	33, IPC_W2D)					\
	X(CONNECT,	34, IPC_D2W)					\
	X(POST,		48, IPC_PEER)					\
	X(FAULT,	49, IPC_W2D | IPC_D2C | IPC_D2W)		\
	X(CONSOLE,	50, IPC_W2D | IPC_D2C)				\
	X(CLOSE,	51, IPC_C2D | IPC_W2D | IPC_D2W)		\
	X(CHANNEL,	52, IPC_C2D | IPC_W2D)				\
	X(REPOST,	53, IPC_C2D | IPC_W2D)				\
	X(PORT_MOVED,	54, IPC_D2C | IPC_D2W)				\
	X(PORT_DRAINED,	55, IPC_C2D | IPC_W2D)

enum ipc_type {
#define X(name, num, dirs) IPC_##name = num,
	IPC_MESSAGES(X)
#undef X
};

const char	*ipc_type_name(unsigned);
int		 ipc_type_allowed(unsigned, unsigned);

/* A string or binary slice inside a body (or any caller's bytes). */
struct ipc_str {
	const char	*ptr;
	uint32_t	 len;
};

struct ipc_str	 ipc_str(const char *);
int		 ipc_str_eq(struct ipc_str, const char *);
char		*ipc_str_dup(struct ipc_str);
int		 ipc_str_utf8(struct ipc_str);
size_t		 ipc_utf8_char(const uint8_t *, size_t, int);

/* HELLO, both ways first on every connection. */
struct ipc_hello {
	uint32_t	version;
	struct ipc_str	role;		/* "client", "worker" or "daemon" */
	struct ipc_str	software;	/* e.g. "wwd 0.1.0" */
	uint64_t	port_base;	/* daemon -> peer: ids it may mint */
	uint64_t	port_count;
	uint32_t	frame_max;	/* daemon -> peer: largest body it
					   takes from the peer; peers send 0 */
};

/* ERROR, daemon -> peer, just before the daemon closes the connection. */
struct ipc_error {
	struct ipc_str	code;		/* machine-readable, e.g. "bad-body" */
	struct ipc_str	message;	/* for a person */
};

/* CREATE, client -> daemon; header port is the new outside port. */
struct ipc_create {
	struct ipc_str	kind;		/* "dedicated" */
	struct ipc_str	url;
	struct ipc_str	name;
	struct ipc_str	origin;		/* "" = derive from url */
	struct ipc_str	root;		/* "" = none */
	struct ipc_str	source;
	struct ipc_str	type;		/* "classic" or "module" */
};

/* STARTED, daemon -> owner; header port is the outside port. */
struct ipc_started {
	uint64_t	worker_id;
	uint32_t	pid;
};

/* EXIT, daemon -> owner; header port is the outside port. */
struct ipc_exit {
	int32_t		code;		/* exit status, -1 if signalled */
	int32_t		signal;		/* 0 if exited */
	struct ipc_str	reason;		/* closed, crashed, killed, failed */
	struct ipc_str	message;	/* details, "" if none */
};

/* INIT, daemon -> worker, first after HELLO; header port is inside. */
struct ipc_init {
	uint64_t	worker_id;
	struct ipc_str	kind;
	struct ipc_str	url;
	struct ipc_str	name;
	struct ipc_str	origin;
	struct ipc_str	root;
	struct ipc_str	source;
	uint64_t	port_base;
	uint64_t	port_count;
	uint32_t	log_level;
	uint64_t	memory_max;	/* JS heap cap in bytes, 0 = none */
};

/* CONTROL, client -> daemon: one wwctl command; answered by REPLY. */
struct ipc_control {
	struct ipc_str	command;	/* ps, stats, kill, reload, ... */
	uint64_t	id;		/* kill: the worker id, else 0 */
};

/* REPLY, daemon -> client: the answer to one CONTROL, in order. */
struct ipc_reply {
	struct ipc_str	status;		/* "ok" or an error code */
	struct ipc_str	message;	/* for a person, "" if none */
	struct ipc_str	data;		/* binary: one msgpack value */
};

/* CLOSING, worker -> daemon: why it is about to exit on its own. */
struct ipc_closing {
	struct ipc_str	reason;		/* "closed" or "failed" */
	struct ipc_str	message;
};

#define IPC_TRANSFER_MAX 256
/*
 * The MessagePorts one connection (a client or a worker) may hold: wwd
 * refuses a CHANNEL past it, which bounds what one leaky script or
 * client can make wwd keep (a few hundred bytes a port).
 */
#define IPC_PORTS_MAX	16384

/* POST on a port: transferred port ids and the opaque payload. */
struct ipc_post {
	uint32_t	ntransfer;
	uint64_t	transfer[IPC_TRANSFER_MAX];
	struct ipc_str	data;		/* structured clone, never decoded
					   by the daemon */
};

/* CHANNEL, holder -> daemon: a new entangled pair, both ids minted. */
struct ipc_channel {
	uint64_t	a;
	uint64_t	b;
};

/* FAULT: an uncaught error the worker's scope did not cancel. */
struct ipc_fault {
	struct ipc_str	message;
	struct ipc_str	filename;
	uint32_t	lineno;
	uint32_t	colno;
};

/* CONSOLE: one console.* call, formatted and as values. */
struct ipc_console {
	struct ipc_str	level;		/* log, info, warn, error, debug */
	struct ipc_str	text;		/* the line a person reads */
	struct ipc_str	args;		/* structured clone of the args array */
};

int ipc_hello_version(const uint8_t *, size_t, uint32_t *);
int ipc_hello_check(const struct ipc_hello *, const char *, const char **);
int ipc_hello_encode(struct ipc_buf *, const struct ipc_hello *);
int ipc_hello_decode(const uint8_t *, size_t, struct ipc_hello *,
    const char **);
int ipc_error_encode(struct ipc_buf *, const struct ipc_error *);
int ipc_error_decode(const uint8_t *, size_t, struct ipc_error *,
    const char **);
int ipc_create_encode(struct ipc_buf *, uint64_t, const struct ipc_create *);
int ipc_create_decode(const uint8_t *, size_t, struct ipc_create *,
    const char **);
int ipc_started_encode(struct ipc_buf *, uint64_t,
    const struct ipc_started *);
int ipc_started_decode(const uint8_t *, size_t, struct ipc_started *,
    const char **);
int ipc_exit_encode(struct ipc_buf *, uint64_t, const struct ipc_exit *);
int ipc_exit_decode(const uint8_t *, size_t, struct ipc_exit *,
    const char **);
int ipc_init_encode(struct ipc_buf *, uint64_t, const struct ipc_init *);
int ipc_init_decode(const uint8_t *, size_t, struct ipc_init *,
    const char **);
int ipc_control_encode(struct ipc_buf *, const struct ipc_control *);
int ipc_control_decode(const uint8_t *, size_t, struct ipc_control *,
    const char **);
int ipc_reply_encode(struct ipc_buf *, const struct ipc_reply *);
int ipc_reply_decode(const uint8_t *, size_t, struct ipc_reply *,
    const char **);
int ipc_closing_encode(struct ipc_buf *, const struct ipc_closing *);
int ipc_closing_decode(const uint8_t *, size_t, struct ipc_closing *,
    const char **);
int ipc_channel_encode(struct ipc_buf *, const struct ipc_channel *);
int ipc_channel_decode(const uint8_t *, size_t, struct ipc_channel *,
    const char **);
int ipc_post_encode(struct ipc_buf *, uint64_t, const struct ipc_post *);
int ipc_post_ports(struct ipc_buf *, const uint8_t *, size_t);
int ipc_queue_ports(struct ipc_buf *, struct ipc_buf *);
int ipc_ports_next(struct ipc_buf *, uint64_t *);
int ipc_post_decode(const uint8_t *, size_t, struct ipc_post *,
    const char **);
/* Where a POST being packed in place started (offsets from the head). */
struct ipc_mark {
	size_t	frame;
	size_t	bin;
};

int ipc_post_begin(struct ipc_buf *, uint64_t, const uint64_t *, uint32_t,
    struct ipc_mark *);
int ipc_post_end(struct ipc_buf *, const struct ipc_mark *);
int ipc_fault_encode(struct ipc_buf *, uint64_t, const struct ipc_fault *);
int ipc_fault_decode(const uint8_t *, size_t, struct ipc_fault *,
    const char **);
int ipc_console_encode(struct ipc_buf *, uint64_t,
    const struct ipc_console *);
int ipc_console_decode(const uint8_t *, size_t, struct ipc_console *,
    const char **);
int ipc_empty_encode(struct ipc_buf *, uint16_t, uint64_t);
int ipc_empty_decode(const uint8_t *, size_t, const char **);

#endif
