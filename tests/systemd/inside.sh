#!/bin/sh
# inside.sh: runs as a oneshot service inside the container that boot.sh
# starts, with a real systemd as PID 1 and wwd installed under /usr/local
# (wwd.socket enabled, wwd.service not started). Checks socket activation,
# Type=notify readiness and STATUS=, the watchdog, reload, and that
# clients connecting while the service is down or restarting are queued
# by the socket unit and served. Exit status: 0 all passed, 1 otherwise.
# Usage: inside.sh SCRIPT_DIR (where echo.js is).
set -u
js=$1/echo.js
sock=/run/wwd/wwd.sock
fail=0

ok()
{
	echo "ok $*"
}

bad()
{
	echo "FAIL $*"
	fail=1
}

# prop NAME: wwd.service's property NAME, as systemctl show prints it.
prop()
{
	systemctl show -P "$1" wwd.service
}

# wait_for SECONDS COMMAND...: poll COMMAND until it succeeds; 1 when
# SECONDS pass first.
wait_for()
{
	n=$(($1 * 20))
	shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.05
	done
}

# state_is STATE [SUBSTATE]: wwd.service is in that state.
state_is()
{
	[ "$(prop ActiveState)" = "$1" ] &&
	    { [ $# -lt 2 ] || [ "$(prop SubState)" = "$2" ]; }
}

# queued: at least one connection waits in wwd.socket's listen queue
# (for a listening Unix socket, ss's Recv-Q is that queue's length).
queued()
{
	[ "$(ss -xlnH "src $sock" | awk '{ print $3 }')" -ge 1 ]
}

# echo_via_socket WORD: one round trip through a worker; its output.
echo_via_socket()
{
	echo "\"$1\"" | wwctl run --count 1 --timeout 30 "$js" 2>&1
}

# 1. Socket activation: the socket listens, the service waits for a client.
if wait_for 30 systemctl is-active wwd.socket; then
	ok "wwd.socket is listening on $sock"
else
	bad "wwd.socket is not active: $(systemctl status wwd.socket)"
fi
if state_is inactive; then
	ok "wwd.service is not started before a client connects"
else
	bad "wwd.service is $(prop ActiveState) before any client"
fi

# 2. A client through the socket unit gets a worker's answer; wwd said
# READY=1 (Type=notify: only then is it active) and its STATUS= line.
out=$(echo_via_socket first)
if [ "$out" = '"first"' ]; then
	ok "wwctl run through the socket unit: $out"
else
	bad "wwctl run through the socket unit printed: $out"
fi
if state_is active running; then
	ok "wwd.service is active (running) after READY=1"
else
	bad "wwd.service is $(prop ActiveState)/$(prop SubState)"
fi
status=$(prop StatusText)
if [ "$status" = "Serving on $sock" ]; then
	ok "STATUS=$status"
else
	bad "StatusText is '$status'"
fi
journalctl -b -u wwd.service -o cat --no-pager | grep -q \
    'socket activation' && ok "wwd took its socket from systemd" ||
    bad "wwd did not log socket activation"

# 3. The watchdog: WatchdogSec=2s (the test's drop-in); wwd pings every
# second, so the timestamp moves and the service is not restarted.
first=$(prop WatchdogTimestampMonotonic)
if [ "$(prop WatchdogUSec)" = 2s ] &&
    wait_for 10 sh -c "[ \"\$(systemctl show -P \
    WatchdogTimestampMonotonic wwd.service)\" != $first ]"; then
	ok "WATCHDOG=1 pings reach systemd"
else
	bad "no watchdog ping (WatchdogUSec $(prop WatchdogUSec))"
fi

# 4. systemctl reload (SIGHUP): still serving, READY=1 again.
pid=$(prop MainPID)
if systemctl reload wwd.service && state_is active running &&
    [ "$(prop MainPID)" = "$pid" ] &&
    [ "$(echo_via_socket reloaded)" = '"reloaded"' ]; then
	ok "systemctl reload keeps the same daemon serving"
else
	bad "systemctl reload: $(prop ActiveState), pid $(prop MainPID)"
fi

# 5. The daemon is SIGKILLed: Restart=on-failure brings it back after
# RestartSec=3s (the drop-in). A client connecting in that gap waits in
# the socket unit's listen queue and is served by the new daemon.
olds=$(pgrep -P "$pid")
kill -KILL "$pid"
if wait_for 10 state_is activating auto-restart; then
	ok "wwd.service killed, waiting to restart"
else
	bad "wwd.service did not enter auto-restart: $(prop SubState)"
fi
echo '"gap"' | wwctl run --count 1 --timeout 30 "$js" >/tmp/gap.out 2>&1 &
client=$!
if wait_for 10 queued && state_is activating auto-restart; then
	ok "a client connected while the service was down is queued"
else
	bad "the client was not queued during the restart gap"
fi
wait "$client"
rc=$?
if [ "$rc" = 0 ] && [ "$(cat /tmp/gap.out)" = '"gap"' ]; then
	ok "the queued client was served by the restarted daemon"
else
	bad "the queued client: exit $rc, $(cat /tmp/gap.out)"
fi
if state_is active running && [ "$(prop NRestarts)" = 1 ] &&
    [ "$(prop MainPID)" != "$pid" ]; then
	ok "wwd.service restarted once (new pid $(prop MainPID))"
else
	bad "after the kill: $(prop ActiveState), NRestarts $(prop NRestarts)"
fi
# KillMode=mixed and PR_SET_PDEATHSIG: none of the old daemon's
# processes survive it.
if [ -n "$olds" ] && wait_for 10 sh -c \
    'for p; do kill -0 "$p" 2>/dev/null && exit 1; done; exit 0' sh $olds
then
	ok "no child of the killed daemon is left (was: $(echo $olds))"
else
	bad "children of the killed wwd: '$(echo $olds)' remain or none seen"
fi

# 6. systemctl stop: the socket stays, the next client starts wwd again.
systemctl stop wwd.service
if state_is inactive && systemctl is-active -q wwd.socket &&
    [ "$(echo_via_socket again)" = '"again"' ] &&
    state_is active running; then
	ok "after systemctl stop, the next client activates wwd again"
else
	bad "after stop: wwd.service $(prop ActiveState)"
fi
[ $fail = 0 ] || journalctl -b -u wwd.service -u wwd.socket --no-pager
exit $fail
