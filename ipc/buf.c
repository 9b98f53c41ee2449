/*
 * buf.c: growable byte buffer (see buf.h). Used by every process for
 * read and write queues; no I/O here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Start empty; no memory until bytes arrive. */
void
ipc_buf_init(struct ipc_buf *b)
{
	memset(b, 0, sizeof *b);
}

/* Release the memory and return to the empty state. */
void
ipc_buf_clear(struct ipc_buf *b)
{
	free(b->data);
	ipc_buf_init(b);
}

/*
 * Make room for n more bytes after the tail, first by moving the
 * unconsumed bytes to the front, then by growing. 0 or -ENOMEM.
 */
int
ipc_buf_reserve(struct ipc_buf *b, size_t n)
{
	size_t	 used = b->len - b->off, cap;
	uint8_t	*p;

	if (b->cap - b->len >= n)
		return 0;
	if (b->off > 0 && b->cap - used >= n) {
		memmove(b->data, b->data + b->off, used);
		b->off = 0;
		b->len = used;
		return 0;
	}
	if (n > SIZE_MAX / 2 - used)
		return -ENOMEM;
	cap = b->cap ? b->cap : 4096;
	while (cap < used + n)
		cap *= 2;
	if (b->off > 0) {
		memmove(b->data, b->data + b->off, used);
		b->off = 0;
		b->len = used;
	}
	if ((p = realloc(b->data, cap)) == NULL)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

/* Append n bytes. 0 or -ENOMEM. */
int
ipc_buf_append(struct ipc_buf *b, const void *p, size_t n)
{
	int	rc;

	if (n == 0)
		return 0;
	if ((rc = ipc_buf_reserve(b, n)) < 0)
		return rc;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

/*
 * Append n bytes to the ipc_buf at data: a msgpack_packer write callback
 * (msgpack_packer_init(&pk, buf, ipc_buf_write)). 0 or -1.
 */
int
ipc_buf_write(void *data, const char *p, size_t n)
{
	return ipc_buf_append(data, p, n) < 0 ? -1 : 0;
}

/* Drop n bytes from the head; an emptied buffer rewinds to the start. */
void
ipc_buf_consume(struct ipc_buf *b, size_t n)
{
	b->off += n;
	if (b->off >= b->len)
		b->off = b->len = 0;
}

/* Exchange two buffers' contents (used for double-buffered writes). */
void
ipc_buf_swap(struct ipc_buf *a, struct ipc_buf *b)
{
	struct ipc_buf	t = *a;

	*a = *b;
	*b = t;
}
