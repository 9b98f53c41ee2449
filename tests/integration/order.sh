#!/bin/sh
# order.sh: every tests/js/order/NAME.js with a NAME.expected (made once
# by Node 20, see gen-expected.sh) runs in a real wwd worker through
# wwctl run; its messages must equal the expected lines exactly.
# Usage: order.sh BIN_DIR.
set -u
bin=$1
cases=$(cd "$(dirname "$0")/../js/order" && pwd)
. "$(dirname "$0")/../../scripts/wwd-temp.sh"
wwd_temp "$bin"
fail=0 n=0
for want in "$cases"/*.expected; do
	js=${want%.expected}.js
	n=$((n + 1))
	if ! "$bin/wwctl" run --socket "$dir/s" --timeout 20 "$js" \
	    >"$dir/out" 2>"$dir/err" </dev/null; then
		echo "FAIL $(basename "$js"): wwctl exited $?" >&2
		cat "$dir/err" >&2
		fail=$((fail + 1))
	elif ! diff -u "$want" "$dir/out" >&2; then
		echo "FAIL $(basename "$js"): output differs (above)" >&2
		fail=$((fail + 1))
	else
		echo "ok $(basename "$js")"
	fi
done
echo "$((n - fail))/$n ordering cases match Node"
[ "$n" -gt 0 ] && [ "$fail" -eq 0 ]
