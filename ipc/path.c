/*
 * path.c: the default socket path (see path.h). Reads the environment
 * only; the caller owns the returned string.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "path.h"

/*
 * $WWD_SOCKET, else $XDG_RUNTIME_DIR/wwd.sock when not root (and the
 * variable holds an absolute path), else /run/wwd/wwd.sock. malloc'd;
 * NULL when out of memory.
 */
char *
ipc_socket_path(void)
{
	const char	*s;
	char		*p;
	size_t		 n;

	if ((s = getenv("WWD_SOCKET")) != NULL && *s != '\0')
		return strdup(s);
	if (geteuid() != 0 && (s = getenv("XDG_RUNTIME_DIR")) != NULL &&
	    *s == '/') {
		n = strlen(s) + sizeof "/wwd.sock";
		if ((p = malloc(n)) != NULL)
			snprintf(p, n, "%s/wwd.sock", s);
		return p;
	}
	return strdup("/run/wwd/wwd.sock");
}
