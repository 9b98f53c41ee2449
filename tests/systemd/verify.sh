#!/bin/sh
# verify.sh: the installed units and snippets, checked by systemd's own
# tools: cmake --install into a temporary DESTDIR, that tree laid over
# PREFIX in a private mount namespace (so ExecStart= paths exist; /run a
# tmpfs there, so systemd's files stay in it), then
# systemd-analyze verify of the system and user units (any message is a
# failure), systemd-sysusers and systemd-tmpfiles applied to a scratch
# root. Needs root (unshare, mount). Usage: verify.sh BUILD_DIR PREFIX.
set -u
build=$1
prefix=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail=0

# check WHAT COMMAND...: COMMAND must succeed and print nothing.
check()
{
	what=$1
	shift
	if out=$("$@" 2>&1) && [ -z "$out" ]; then
		echo "ok $what"
	else
		echo "FAIL $what:" >&2
		printf '%s\n' "$out" >&2
		fail=1
	fi
}

DESTDIR=$dir/dest cmake --install "$build" >/dev/null || exit 1
tree=$dir/dest$prefix
units=$prefix/lib/systemd

# systemd-analyze in a mount namespace where PREFIX shows the install.
mkdir -p "$dir/xdg"
check "systemd-analyze verify (system and user units)" \
    unshare -m --propagation private sh -c '
	mount -t overlay wwd-verify -o "lowerdir=$1:$2" "$2" || exit 1
	mount -t tmpfs wwd-verify-run /run || exit 1
	systemd-analyze verify --man=no "$3/system/wwd.service" \
	    "$3/system/wwd.socket" || exit 1
	XDG_RUNTIME_DIR=$4 systemd-analyze --user verify --man=no \
	    "$3/user/wwd.service" "$3/user/wwd.socket"' \
    sh "$tree" "$prefix" "$units" "$dir/xdg"

# The sysusers snippet creates the worker user the example config names.
mkdir -p "$dir/root/etc"
systemd-sysusers --root="$dir/root" "$tree/lib/sysusers.d/wwd.conf" \
    >/dev/null 2>&1
user=$(sed -n 's/^user *= *//p' "$tree/etc/wwd/wwd.conf")
if grep -q "^$user:.*:/usr/sbin/nologin\$" "$dir/root/etc/passwd"; then
	echo "ok systemd-sysusers creates $user"
else
	echo "FAIL systemd-sysusers did not create $user" >&2
	fail=1
fi

# The tmpfiles snippet makes the socket's directory, mode 0755.
check "systemd-tmpfiles --create" systemd-tmpfiles --create \
    --root="$dir/root" "$tree/lib/tmpfiles.d/wwd.conf"
if [ "$(stat -c %a "$dir/root/run/wwd" 2>/dev/null)" = 755 ]; then
	echo "ok /run/wwd is 0755"
else
	echo "FAIL systemd-tmpfiles did not make /run/wwd 0755" >&2
	fail=1
fi
exit $fail
