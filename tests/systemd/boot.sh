#!/bin/sh
# boot.sh: wwd's units under a real systemd. In a private mount namespace
# (every mount goes with it): a tmpfs holds an overlay whose lower layer
# is this machine's / and whose upper layer gets cmake --install, a test
# target and inside.sh; systemd-nspawn boots that root with systemd as
# PID 1 in its own cgroup, the target enables wwd.socket and runs
# inside.sh as a service whose end stops the container with its exit
# status. Needs root and systemd-nspawn (systemd-container).
# Usage: boot.sh BUILD_DIR PREFIX SOURCE_DIR.
set -eu
if [ "${WWD_BOOT_NS:-}" != 1 ]; then
	WWD_BOOT_NS=1 exec unshare -m --propagation private sh "$0" "$@"
fi
build=$1
prefix=$2
src=$3
tmp=$(mktemp -d)
cgs=""

cleanup()
{
	set +e
	# Back to our own cgroups, then remove the test's, deepest first.
	for g in $cgs; do
		echo $$ >"${g%/*}/cgroup.procs"
		find "$g" -depth -type d -exec rmdir {} +
	done
	umount -R "$tmp" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

mount -t tmpfs wwd-boot "$tmp"
mkdir "$tmp/upper" "$tmp/work" "$tmp/root" "$tmp/log"
up=$tmp/upper
DESTDIR=$up cmake --install "$build" >/dev/null
mkdir -p "$up$prefix/lib/wwd-test" "$up/etc/systemd/system/wwd.service.d" \
    "$up/wwd-test"
cp "$src/tests/systemd/inside.sh" "$src/tests/js/echo.js" \
    "$up$prefix/lib/wwd-test/"
tr -d - </proc/sys/kernel/random/uuid >"$up/etc/machine-id"

# Shorter times than production so the test sees them within seconds.
cat >"$up/etc/systemd/system/wwd.service.d/test.conf" <<EOT
[Service]
WatchdogSec=2s
RestartSec=3s
EOT
cat >"$up/etc/systemd/system/wwd-test.target" <<EOT
[Unit]
Description=wwd under systemd: the test
Wants=wwd.socket wwd-test.service
EOT
cat >"$up/etc/systemd/system/wwd-test.service" <<EOT
[Unit]
Description=wwd under systemd: the checks
After=wwd.socket
SuccessAction=exit-force
FailureAction=exit-force

[Service]
Type=oneshot
Environment=PATH=$prefix/bin:/usr/sbin:/usr/bin:/sbin:/bin
ExecStart=/bin/sh $prefix/lib/wwd-test/inside.sh $prefix/lib/wwd-test
StandardOutput=file:/wwd-test/log
StandardError=inherit
TimeoutStartSec=90
EOT
mount -t overlay wwd-boot -o "lowerdir=/,upperdir=$up,workdir=$tmp/work" \
    "$tmp/root"
# nspawn keeps its propagation directory in /run: make ours a tmpfs.
mount -t tmpfs wwd-boot-run /run

# The container's systemd gets a cgroup of its own under ours.
for h in /sys/fs/cgroup/systemd /sys/fs/cgroup/unified; do
	[ -d "$h" ] || continue
	if [ "$h" = /sys/fs/cgroup/systemd ]; then
		own=$(sed -n 's/^[0-9]*:name=systemd://p' /proc/self/cgroup)
	else
		own=$(sed -n 's/^0:://p' /proc/self/cgroup)
	fi
	g=$h${own%/}/wwd-test.$$
	mkdir "$g"
	cgs="$g $cgs"
	echo $$ >"$g/cgroup.procs"
done

rc=0
timeout -k 10 100 systemd-nspawn --quiet --register=no --keep-unit \
    --link-journal=no --console=pipe --bind="$tmp/log:/wwd-test" \
    --directory="$tmp/root" --boot systemd.unit=wwd-test.target \
    </dev/null >"$tmp/console" 2>&1 || rc=$?
cat "$tmp/log/log" 2>/dev/null
if [ "$rc" != 0 ]; then
	echo "FAIL the container exited with $rc; its console:" >&2
	cat "$tmp/console" >&2
fi
exit "$rc"
