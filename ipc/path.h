/*
 * path.h: where the daemon listens when nobody says otherwise; the one
 * rule shared by wwd, libwwd and wwctl.
 */
#ifndef IPC_PATH_H
#define IPC_PATH_H

char	*ipc_socket_path(void);

#endif
