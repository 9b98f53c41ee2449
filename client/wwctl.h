/*
 * wwctl.h: the wwctl program's one header. wwctl.c holds main, the
 * command table and "run"; admin.c the control commands that talk
 * CONTROL/REPLY through libwwd (ps, kill, stats, status, reload,
 * shutdown, logs). Both are parts of the wwctl binary only, not of libwwd.
 */
#ifndef WWCTL_H
#define WWCTL_H

#include <msgpack.h>

#include "wwd.h"

#define EXIT_USAGE	2
#define EXIT_NODAEMON	3
#define EXIT_TIMEOUT	124

/* wwctl.c */
const msgpack_object	*wwctl_map_get(const msgpack_object *, const char *);
int			 wwctl_connect(struct wwd_conn **, const char *);

/* admin.c */
int	admin_ps(int, char **);
int	admin_kill(int, char **);
int	admin_stats(int, char **);
int	admin_status(int, char **);
int	admin_reload(int, char **);
int	admin_shutdown(int, char **);
int	admin_logs(int, char **);

#endif
