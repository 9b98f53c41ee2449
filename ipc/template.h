/*
 * template.h: the private protocol between wwd and its template process
 * (wwd-worker --template). One SOCK_SEQPACKET socketpair, fd 3 in the
 * template. Once its state is prepared, the template sends one struct
 * template_rep with its own pid: it is ready. Then wwd sends one struct
 * template_req per worker with the worker's channel attached
 * (SCM_RIGHTS); the template forks the worker as wwd's child
 * (CLONE_PARENT) and answers one struct template_rep (its pid, or why
 * it failed), with no descriptor.
 * Both ends are built from one source tree, so the structs are sent raw.
 */
#ifndef WWD_IPC_TEMPLATE_H
#define WWD_IPC_TEMPLATE_H

#include <stdint.h>

#define TEMPLATE_ARG		"--template"
#define TEMPLATE_FD		3		/* in the template */
#define TEMPLATE_COMM		"wwd-template"	/* its name (comm) */
#define TEMPLATE_MAGIC		0x77777466u	/* "wwtf" */
#define TEMPLATE_SETID		0x1u		/* switch to uid/gid */

/* One fork request; the channel descriptor rides along. */
struct template_req {
	uint32_t	magic;
	uint32_t	flags;		/* TEMPLATE_SETID */
	uint32_t	uid;
	uint32_t	gid;
};

/*
 * The answer: the new worker's pid, or 0 and a positive errno (first,
 * unasked: the template's own pid).
 */
struct template_rep {
	int32_t		pid;
	int32_t		err;
};

/*
 * The template's side, in worker-proc/template.c (linked into wwd-worker
 * and the test-only wwd-rawworker): serve requests on TEMPLATE_FD; it
 * returns only in a forked worker, with its channel on TEMPLATE_FD.
 */
void	template_run(void);

#endif
