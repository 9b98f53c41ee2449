#!/bin/sh
# make demo: start wwd in the background on a socket in the build
# directory, wait until it listens, then let an example worker answer.
set -eu
build=$1
sock=$2
bin=$build/bin

rm -f "$sock"
# The daemon writes one byte to fd 3 once it listens.
exec 4>"$build/wwd.log"
mkfifo "$build/ready.fifo" 2>/dev/null || true
"$bin/wwd" --foreground --socket "$sock" --ready-fd 3 \
    3>"$build/ready.fifo" </dev/null >/dev/null 2>&4 &
echo $! >"$build/wwd.pid"
ready=$(head -c 1 "$build/ready.fifo" | wc -c)
rm -f "$build/ready.fifo"
if [ "$ready" -ne 1 ]; then
	echo "demo: wwd did not start; its log ($build/wwd.log):" >&2
	cat "$build/wwd.log" >&2
	rm -f "$build/wwd.pid"
	exit 1
fi

echo "== wwd is running (pid $(cat "$build/wwd.pid")), socket $sock"
echo "== wwctl run examples/echo.js, three messages in:"
printf '%s\n' '"hello"' '{"n": 42, "list": [1, 2.5, "three"]}' 'null' |
    "$bin/wwctl" run --socket "$sock" --count 3 examples/echo.js
echo "== the libwwd example program (examples/echo-client.c):"
"$bin/echo-client" examples/echo.js "$sock"
cat <<EOT
== Try it yourself:
   echo '"hi"' | $bin/wwctl run --socket $sock --count 1 examples/echo.js
   The daemon log is $build/wwd.log; 'make stop' stops it.
EOT
