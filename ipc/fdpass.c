/*
 * fdpass.c: send and receive one message with at most one descriptor
 * attached (SCM_RIGHTS) on a Unix socket; EINTR is retried. The only
 * system-call code in ipc/: wwd and its template process (which share
 * no other code) pass the worker's channel with it.
 */
#define _GNU_SOURCE	/* MSG_CMSG_CLOEXEC */
#include <sys/socket.h>

#include <errno.h>
#include <string.h>

#include "fdpass.h"

union fdpass_cmsg {
	struct cmsghdr	hdr;
	char		buf[CMSG_SPACE(sizeof(int))];
};

/*
 * Send len bytes of p on sock with fd attached unless fd < 0. The
 * number of bytes sent or -errno.
 */
ssize_t
fdpass_send(int sock, const void *p, size_t len, int fd)
{
	union fdpass_cmsg	 cm;
	struct msghdr		 mh;
	struct iovec		 iov;
	struct cmsghdr		*c;
	ssize_t			 n;

	memset(&mh, 0, sizeof mh);
	memset(&cm, 0, sizeof cm);
	iov.iov_base = (void *)p;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (fd >= 0) {
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof cm.buf;
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof fd);
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

/*
 * Receive one message of up to len bytes into p from sock; *fd is the
 * descriptor that came with it (close-on-exec) or -1. The number of
 * bytes (0 at EOF), or -errno; -EPROTO if it was cut short.
 */
ssize_t
fdpass_recv(int sock, void *p, size_t len, int *fd)
{
	union fdpass_cmsg	 cm;
	struct msghdr		 mh;
	struct iovec		 iov;
	struct cmsghdr		*c;
	ssize_t			 n;

	*fd = -1;
	memset(&mh, 0, sizeof mh);
	iov.iov_base = p;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof cm.buf;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(fd, CMSG_DATA(c), sizeof *fd);
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		return -EPROTO;
	return n;
}
