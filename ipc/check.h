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
 * Payloads are never given to msgpack-c's unpacker (it stops at 32
 * levels): the worker and the JSON printer walk them themselves, so
 * their depth is bounded only by these walkers' C stack use.
 */
#define IPC_CLONE_DEPTH	1000	/* nesting allowed in message payloads */
#define IPC_CHECK_DEPTH	1024	/* the most ipc_check can be asked for */

int	ipc_check(const uint8_t *, size_t, unsigned, const char **);
int	ipc_check_one(const uint8_t *, size_t, unsigned, size_t *,
	    const char **);

#endif
