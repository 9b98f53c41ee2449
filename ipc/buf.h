/*
 * buf.h: a growable byte buffer, the one container for bytes in flight.
 *
 * Readers append at the tail and consume from the head (ipc_buf_consume
 * moves an offset, compaction happens when space is needed), writers
 * append whole frames and hand the filled part to one write call.
 * The buffer owns its memory; ipc_buf_clear releases it.
 */
#ifndef IPC_BUF_H
#define IPC_BUF_H

#include <stddef.h>
#include <stdint.h>

struct ipc_buf {
	uint8_t *data; /* owned; NULL until the first reserve */
	size_t	 off;  /* first unconsumed byte */
	size_t	 len;  /* end of the filled part (off <= len <= cap) */
	size_t	 cap;
};

void	 ipc_buf_init(struct ipc_buf *);
void	 ipc_buf_clear(struct ipc_buf *);
int	 ipc_buf_reserve(struct ipc_buf *, size_t);
int	 ipc_buf_append(struct ipc_buf *, const void *, size_t);
void	 ipc_buf_consume(struct ipc_buf *, size_t);
void	 ipc_buf_swap(struct ipc_buf *, struct ipc_buf *);
int	 ipc_buf_write(void *, const char *, size_t);

/* The unconsumed bytes (NULL + 0 is undefined, so a fresh buffer's is
 * NULL). */
static inline uint8_t *
ipc_buf_head(const struct ipc_buf *b)
{
	return b->data != NULL ? b->data + b->off : NULL;
}

static inline size_t
ipc_buf_used(const struct ipc_buf *b)
{
	return b->len - b->off;
}

/* Room after the tail, valid until the next reserve. */
static inline uint8_t *
ipc_buf_tail(const struct ipc_buf *b)
{
	return b->data != NULL ? b->data + b->len : NULL;
}

#endif
