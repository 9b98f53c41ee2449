#!/bin/sh
# symbols.sh NM ARCHIVE: fail unless ARCHIVE defines wwd_* functions and
# no global symbol outside wwd_* (what a static libwwd user could clash
# with).
set -eu
nm=$1
lib=$2
defs=$("$nm" -g --defined-only "$lib")
echo "$defs" | grep -q ' T wwd_strerror$' || {
	echo "symbols.sh: $lib does not define wwd_strerror" >&2
	exit 1
}
bad=$(echo "$defs" | awk 'NF == 3 && $3 !~ /^wwd_/ { print $3 }')
if [ -n "$bad" ]; then
	echo "symbols.sh: $lib exports symbols outside wwd_*:" >&2
	echo "$bad" >&2
	exit 1
fi
echo "ok: $(echo "$defs" | awk 'NF == 3' | wc -l) wwd_* symbols"
