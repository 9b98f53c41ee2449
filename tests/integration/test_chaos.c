/*
 * test_chaos.c: chaos under load. Four libwwd clients keep 24 echo
 * workers busy with numbered messages while a random worker is
 * SIGKILLed every 5 ms and another terminated every 50 ms, for 5
 * seconds (tests/load does the work and the checking as it goes). Then:
 * wwd still answers, every ended worker got exactly one exit event and
 * no other worker exited, every message to a surviving worker came back
 * once and in order, and once the clients are gone wwd has no worker
 * process (no zombie either) and exactly the descriptors it started with.
 */
#include <criterion/criterion.h>

#include "harness.h"
#include "load.h"

TestSuite(chaos, .init = harness_setup, .fini = harness_teardown,
    .timeout = 120);

Test(chaos, sigkill_workers_under_load)
{
	struct load_opts	 o = { harness.sock, 4, 6, 4, 5, 50, 8 };
	struct load_stats	 st;
	struct load		*l;
	int			 base;

	base = harness_daemon_fds(&harness);
	cr_assert(load_create(&l, &o) == 0, "cannot connect the clients");
	cr_assert(load_run(l, 5000, &st) == 0, "under load: %s", st.fail);
	cr_assert(load_drain(l, 30000, &st) == 0, "draining: %s", st.fail);
	cr_log_info("chaos: %llu spawned, %llu SIGKILLed, %llu terminated, "
	    "%llu messages", (unsigned long long)st.spawned,
	    (unsigned long long)st.killed, (unsigned long long)st.terminated,
	    (unsigned long long)st.received);
	cr_assert(st.killed >= 20, "only %llu workers were killed",
	    (unsigned long long)st.killed);
	cr_assert(st.received > 0, "no message went through");
	cr_assert(st.exits == st.killed + st.terminated, "%llu exit events "
	    "for %llu killed and %llu terminated workers",
	    (unsigned long long)st.exits, (unsigned long long)st.killed,
	    (unsigned long long)st.terminated);
	harness_ping(&harness);
	load_free(l);
	harness_wait_workers_gone(&harness, HARNESS_TIMEOUT_MS);
	harness_wait_fds(&harness, base, HARNESS_TIMEOUT_MS);
}
