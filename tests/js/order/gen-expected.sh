#!/bin/sh
# gen-expected.sh: make NAME.expected beside each tests/js/order/NAME.js
# by running it under Node 20 with node-shim.js. Run once by hand when a
# case is added; the outputs are committed and the integration test
# (tests/integration/order.sh) compares wwd's output with them.
set -eu
cd "$(dirname "$0")"
for f in *.js; do
	[ "$f" = node-shim.js ] && continue
	node node-shim.js "$f" >"${f%.js}.expected"
done
