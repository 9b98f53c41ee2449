#!/bin/sh
# promise.sh: the Promise benchmark, wwd against `node --jitless` in the
# same run. Usage: promise.sh BIN_DIR. Prints both times and the ratio.
set -eu
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../scripts/wwd-temp.sh"
wwd_temp "$bin" --config "$here/promise.conf"
w=$("$bin/wwctl" run --socket "$dir/s" --timeout 600 "$here/promise-bench.js")
n=$(node --jitless "$here/../tests/js/order/node-shim.js" \
    "$here/promise-bench.js")
echo "wwd:            $w"
echo "node --jitless: $n"
node -e '
const w = JSON.parse(process.argv[1]), n = JSON.parse(process.argv[2]);
for (const k of ["chain", "timers"])
  console.log(k + ": wwd " + w[k] + " ms, node --jitless " + n[k] +
    " ms, ratio " + (w[k] / Math.max(n[k], 1)).toFixed(2) + "x");
const tw = w.chain + w.timers, tn = n.chain + n.timers;
console.log("total ratio " + (tw / Math.max(tn, 1)).toFixed(2) + "x");
' "$w" "$n"
