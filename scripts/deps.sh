#!/bin/sh
# Install the Debian 12 packages wwd needs to build and test, if missing.
# Runs as root (or through sudo when available); safe to run repeatedly.
set -eu

PKGS="cmake make gcc pkg-config libuv1-dev libmujs-dev libmsgpack-dev
libcriterion-dev libinih-dev libsystemd-dev libseccomp-dev libsmartcols-dev
libjansson-dev systemd systemd-container iproute2 clang libclang-rt-14-dev
valgrind"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || {
		echo "deps: need root to install:$missing" >&2
		exit 1
	}
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
