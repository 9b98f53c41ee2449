/*
 * control.c: libwwd's control calls (what "wwctl ps", "kill", "stats",
 * "logs", "reload" and "shutdown" use): one CONTROL frame out, wait for
 * the REPLY (REPLYs come in request order, one per CONTROL but for
 * "logs-follow", which keeps sending them), hand its status, message
 * and msgpack data (validated by ipc_check) to the caller, who owns the
 * struct wwd_reply contents until wwd_reply_clear. Runs its own poll()
 * on the connection, so it is meant for programs that do nothing else
 * meanwhile. The REPLY of a wait that gave up is dropped when it comes
 * (replies_owed); of a "logs-follow", only the first.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "client.h"
#include "msg.h"

/* Keep a REPLY frame for the waiting wwd_control. 0 or a failure. */
int
wwd_control_dispatch(struct wwd_conn *c, const struct ipc_frame *f)
{
	struct ipc_reply	 m;
	struct wwd_reply	*r = c->reply;
	const char		*why;

	if (ipc_reply_decode(f->body, f->len, &m, &why) < 0)
		return wwd_set_error(c, -EPROTO, "bad REPLY from wwd: %s",
		    why);
	/* The data is one msgpack value callers may unpack with msgpack-c. */
	if (ipc_check((const uint8_t *)m.data.ptr, m.data.len, IPC_DEPTH_MAX,
	    &why) < 0)
		return wwd_set_error(c, -EPROTO, "bad REPLY data from wwd: %s",
		    why);
	if (c->replies_owed > 0) {
		c->replies_owed--;	/* the answer to a wait that gave up */
		return 0;
	}
	if (r == NULL || c->reply_done)
		return 0;	/* an answer nobody waits for any more */
	r->status = ipc_str_dup(m.status);
	r->message = ipc_str_dup(m.message);
	if ((r->data = malloc(m.data.len ? m.data.len : 1)) != NULL)
		memcpy(r->data, m.data.ptr, m.data.len);
	r->len = m.data.len;
	c->reply_done = 1;
	if (r->status == NULL || r->message == NULL || r->data == NULL)
		return wwd_set_error(c, -ENOMEM, "out of memory");
	return 0;
}

static long
control_ms_left(const struct timespec *end)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (end->tv_sec - now.tv_sec) * 1000 +
	    (end->tv_nsec - now.tv_nsec) / 1000000;
}

/*
 * Wait for the next REPLY into r, at most timeout_ms (negative: no
 * limit). A signal ends the wait with -EINTR when intr is set. If sent,
 * the wait is for the command just sent: should it fail, that command's
 * REPLY, when it comes, is dropped rather than taken for the next one.
 */
static int
control_wait(struct wwd_conn *c, struct wwd_reply *r, int timeout_ms,
    int intr, int sent)
{
	struct timespec	 end;
	struct pollfd	 pfd;
	long		 left = -1;
	int		 rc = 0;

	memset(r, 0, sizeof *r);
	if (c->fd < 0)
		return c->fatal ? c->fatal : -ENOTCONN;
	c->reply = r;
	c->reply_done = 0;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout_ms / 1000;
	end.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (end.tv_nsec >= 1000000000) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000;
	}
	/* Frames already read (a burst of REPLYs) come before any poll. */
	rc = wwd_process(c);
	while (!c->reply_done && rc == 0) {
		if (timeout_ms >= 0 && (left = control_ms_left(&end)) <= 0) {
			rc = wwd_set_error(c, -ETIMEDOUT, "no answer from wwd "
			    "within %d ms", timeout_ms);
			break;
		}
		pfd.fd = wwd_fd(c);
		pfd.events = (short)wwd_events(c);
		if (poll(&pfd, 1, timeout_ms >= 0 ? (int)left : -1) < 0) {
			if (errno != EINTR || intr) {
				rc = -errno;
				break;
			}
		}
		rc = wwd_process(c);
	}
	if (rc < 0 && sent && !c->reply_done)
		c->replies_owed++;
	c->reply = NULL;
	if (rc < 0)
		wwd_reply_clear(r);
	return rc;
}

/* Send one control command and wait for its answer; see wwd.h. */
int
wwd_control(struct wwd_conn *c, const char *command, uint64_t id,
    struct wwd_reply *r, int timeout_ms)
{
	struct ipc_control	 m;
	size_t			 start = ipc_buf_used(&c->out);
	int			 rc;

	memset(r, 0, sizeof *r);
	if (c->fd < 0)
		return c->fatal ? c->fatal : -ENOTCONN;
	/* It could not wait: nothing is sent. */
	if (c->depth > 0)
		return wwd_set_error(c, -EBUSY, "wwd_control: called from a "
		    "callback");
	m.command = ipc_str(command);
	m.id = id;
	if (ipc_control_encode(&c->out, &m) < 0)
		return -ENOMEM;
	if ((rc = wwd_frame_fits(c, start, "the command")) < 0)
		return rc;
	wwd_queued(c);
	return control_wait(c, r, timeout_ms, 0, 1);
}

/* Wait for one more REPLY without sending anything; see wwd.h. */
int
wwd_control_next(struct wwd_conn *c, struct wwd_reply *r, int timeout_ms)
{
	return control_wait(c, r, timeout_ms, 1, 0);
}

/* Release what wwd_control stored in r. */
void
wwd_reply_clear(struct wwd_reply *r)
{
	free(r->status);
	free(r->message);
	free(r->data);
	memset(r, 0, sizeof *r);
}
