/*
 * fdpass.h: one datagram with at most one descriptor attached
 * (SCM_RIGHTS), both ways; used between wwd and its template process.
 */
#ifndef WWD_IPC_FDPASS_H
#define WWD_IPC_FDPASS_H

#include <sys/types.h>

ssize_t	fdpass_send(int, const void *, size_t, int);
ssize_t	fdpass_recv(int, void *, size_t, int *);

#endif
