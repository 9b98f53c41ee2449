/*
 * load.h: the fault-injection workload shared by the chaos test
 * (tests/integration/test_chaos.c) and the soak tool (wwd-soak). Over
 * libwwd it keeps clients x workers echo workers busy with numbered
 * messages, SIGKILLs a random worker every kill_ms, terminates one every
 * terminate_ms, and replaces each worker that ends. It checks as it
 * goes: replies arrive once and in order, each ended worker gets exactly
 * one exit event with the reason its end calls for, nothing else exits.
 */
#ifndef LOAD_H
#define LOAD_H

#include <stdint.h>

struct load_opts {
	const char	*sock;		/* wwd's socket */
	int		 clients;	/* connections */
	int		 workers;	/* workers per connection */
	int		 window;	/* messages in flight per worker */
	int		 kill_ms;	/* SIGKILL one every kill_ms (0: never) */
	int		 terminate_ms;	/* terminate one every ... (0: never) */
	unsigned	 seed;		/* for rand_r */
};

struct load_stats {
	uint64_t	spawned;	/* STARTED received */
	uint64_t	killed;		/* SIGKILLs sent */
	uint64_t	terminated;	/* wwd_worker_terminate calls */
	uint64_t	exits;		/* exit events, all reasons */
	uint64_t	sent;
	uint64_t	received;
	char		fail[512];	/* the first violation, "" if none */
};

struct load;

int	load_create(struct load **, const struct load_opts *);
int	load_run(struct load *, unsigned, struct load_stats *);
int	load_drain(struct load *, unsigned, struct load_stats *);
void	load_free(struct load *);

#endif
