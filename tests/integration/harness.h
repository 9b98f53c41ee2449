/*
 * harness.h: the integration-test harness. Runs in the Criterion test
 * process: starts a real wwd on a socket in a fresh temporary directory
 * (ready byte on a pipe, never a sleep), runs wwctl with given stdin and
 * captures its output with a timeout, speaks the wire protocol as a raw
 * client, and inspects the daemon's descendants and descriptors through
 * /proc. Every wait is a poll() with a deadline; a timeout is a failure.
 */
#ifndef HARNESS_H
#define HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "frame.h"
#include "msg.h"

#define HARNESS_TIMEOUT_MS	30000	/* any one wait (loaded ASan runs) */
#define HARNESS_MAX_PIDS	64

/* One wwd instance, its temporary directory and its log. */
struct harness {
	char	dir[64];	/* mkdtemp'd; removed by harness_stop */
	char	sock[128];	/* dir/wwd.sock */
	char	log[128];	/* dir/wwd.log: the daemon's stderr */
	char	conf[128];	/* dir/wwd.conf when one was written */
	pid_t	pid;		/* the daemon, 0 when not running */
	int	pidfd;		/* of the daemon */
	int	fds;		/* the test process's fds at start */
};

/* The harness of the running test (Criterion fixtures are void(void)). */
extern struct harness harness;

void	harness_setup(void);
void	harness_setup_nostart(void);
void	harness_teardown(void);
void	harness_start(struct harness *);
void	harness_start_config(struct harness *, const char *);
void	harness_write_config(struct harness *, const char *);
void	harness_stop(struct harness *);
int	harness_descendants(pid_t, pid_t *, int);
int	harness_count_fds(pid_t);
char	*harness_fd_list(pid_t);
void	harness_ping(struct harness *);
long long harness_now_ms(void);
void	harness_wait_workers(struct harness *, int, int);
void	harness_wait_workers_gone(struct harness *, int);
int	harness_daemon_fds(struct harness *);
long	harness_rss_kib(pid_t);
long	harness_status_kib(pid_t, const char *);
void	harness_wait_fds(struct harness *, int, int);
int	harness_wait_pid_gone(pid_t, int);
pid_t	harness_one_worker(struct harness *);
const char *harness_js(const char *);
char	*harness_file_url(const char *);
char	*harness_read_file(const char *);

/* A child program with pipes on its stdin, stdout and stderr. */
struct proc {
	pid_t	 pid;
	int	 pidfd;
	int	 in, out, err;	/* our ends, -1 once closed */
	char	*obuf;		/* all of stdout so far, NUL-ended */
	size_t	 olen, ocap;
	char	*ebuf;		/* everything read from stderr */
	size_t	 elen, ecap;
	int	 status;	/* waitpid status once reaped */
	int	 reaped;
};

void	proc_start(struct proc *, char *const []);
void	proc_write(struct proc *, const char *);
void	proc_close_stdin(struct proc *);
int	proc_wait_lines(struct proc *, size_t, int);
int	proc_finish(struct proc *, int);
void	proc_clear(struct proc *);
int	proc_exit_code(const struct proc *);
char	*proc_describe(const struct proc *);

void	wwctl_start(struct harness *, struct proc *, ...);
void	wwctl_run(struct harness *, const char *, struct proc *, ...);
void	wwctl_cmd(struct harness *, struct proc *, const char *, ...);
void	wwctl_run_argv(const char *, struct proc *, char *const []);
void	wwctl_expect_output(const char *);

size_t	 lines_count(const char *);
char	*lines_nth(const char *, size_t);

struct json;
struct json *out_json(const struct proc *, size_t);
void	expect_json_line(const struct proc *, size_t, const char *);

/* A raw protocol client on the daemon's socket. */
struct rawc {
	int		fd;
	struct ipc_buf	in;
	uint64_t	port_base;	/* from the daemon's HELLO */
	uint64_t	port_count;
};

void	rawc_connect(struct rawc *, const char *);
void	rawc_hello(struct rawc *);
void	rawc_send(struct rawc *, const void *, size_t);
void	rawc_send_buf(struct rawc *, struct ipc_buf *);
int	rawc_read_frame(struct rawc *, struct ipc_frame *, int);
int	rawc_read_until(struct rawc *, uint16_t, struct ipc_frame *, int);
void	rawc_close(struct rawc *);
void	rawc_create(struct rawc *, uint64_t, const char *);
void	rawc_create_named(struct rawc *, uint64_t, const char *,
	    const char *);
void	rawc_create_kind(struct rawc *, uint64_t, const char *,
	    const char *, const char *);
void	harness_frame(struct ipc_buf *, uint32_t, uint16_t, uint16_t,
	    uint64_t, const void *, size_t);
uint32_t rawc_started(struct rawc *, uint64_t);
void	rawc_post_str(struct rawc *, uint64_t, const char *);
void	rawc_expect_str(struct rawc *, uint64_t, const char *);

#endif
