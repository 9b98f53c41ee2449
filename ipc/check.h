/*
 * check.h: the msgpack validator. msgpack-c trusts the counts it reads,
 * so a 9-byte body can make it reserve gigabytes; every body is walked
 * here first, and only a body that passes goes to msgpack-c.
 */
#ifndef IPC_CHECK_H
#define IPC_CHECK_H

#include <stddef.h>
#include <stdint.h>

#define IPC_DEPTH_MAX	32	/* nesting allowed in control bodies */
/*
 * msgpack-c's unpacker gives up past MSGPACK_EMBED_STACK_SIZE (32) levels,
 * so more than that would pass here and then fail to unpack.
 */
#define IPC_CLONE_DEPTH	32	/* nesting allowed in message payloads */
#define IPC_CHECK_DEPTH	256	/* the most ipc_check can be asked for */

int	ipc_check(const uint8_t *, size_t, unsigned, const char **);

#endif
