/*
 * frame.h: the frame, the unit on every wwd socket.
 *
 * A frame is a 16-byte header followed by a msgpack body:
 *
 *	u32 length	body bytes, not counting the header
 *	u16 type	one of IPC_MESSAGES (msg.h)
 *	u16 flags	reserved, must be 0
 *	u64 port	the port the frame is about, 0 if none
 *
 * all big-endian. The port sits in the header so the daemon can route a
 * POST by rewriting 8 bytes in place and forward the body untouched.
 * Readers append bytes to an ipc_buf and cut frames out. The one I/O
 * here is ipc_frame_read, the single read of the readers that own their
 * socket (wwd-worker, libwwd); wwd reads through libuv.
 */
#ifndef IPC_FRAME_H
#define IPC_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

#define IPC_HEADER_SIZE	16
#define IPC_FRAME_MAX	(16u * 1024 * 1024) /* default body limit */
#define IPC_COPY_MAX	(16 * 1024) /* more costs more than a syscall */
#define IPC_READ_TURN	(256 * 1024) /* ipc_frame_read's one read */

struct ipc_frame {
	uint16_t	 type;
	uint16_t	 flags;
	uint64_t	 port;
	const uint8_t	*body; /* points into the reader's buffer */
	uint32_t	 len;
	uint8_t		*raw;  /* the header, followed by the body */
};

int	 ipc_frame_next(struct ipc_buf *, uint32_t, struct ipc_frame *,
	    const char **);
int	 ipc_frame_peek(const struct ipc_buf *, uint16_t *, size_t *);
size_t	 ipc_frame_want(const struct ipc_buf *);
ssize_t	 ipc_frame_room(struct ipc_buf *, size_t);
ssize_t	 ipc_frame_read(int, struct ipc_buf *);
int	 ipc_frame_begin(struct ipc_buf *, uint16_t, uint64_t, size_t *);
int	 ipc_frame_end(struct ipc_buf *, size_t);
void	 ipc_frame_set_port(uint8_t *, uint64_t);
void	 ipc_frame_set_type(uint8_t *, uint16_t);

void	 ipc_put32(uint8_t *, uint32_t);
void	 ipc_put64(uint8_t *, uint64_t);
uint32_t ipc_get32(const uint8_t *);
uint64_t ipc_get64(const uint8_t *);
uint64_t ipc_get_be(const uint8_t *, unsigned);
size_t	 ipc_hash64(uint64_t);

#endif
