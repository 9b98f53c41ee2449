#!/bin/sh
# run.sh: the Promises/A+ compliance suite (promises-aplus-tests 2.1.2,
# fetched with npm into the build directory, never committed) inside a
# wwd worker. Starts its own wwd on a socket in a temporary directory,
# runs the bundle with wwctl run and passes only if all 872 specs pass.
# Usage: run.sh BIN_DIR WORK_DIR. npm unreachable is a failure.
set -eu
bin=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
want=872

mkdir -p "$work"
if [ ! -d "$work/package/lib/tests" ]; then
	(cd "$work" && npm pack --silent promises-aplus-tests@2.1.2 >/dev/null &&
	    tar xzf promises-aplus-tests-2.1.2.tgz) || {
		echo "cannot fetch promises-aplus-tests with npm" >&2
		exit 1
	}
fi

bundle=$work/aplus-bundle.js
{
	cat "$here/runner.js"
	names=""
	for f in "$work"/package/lib/tests/helpers/*.js \
	    "$work"/package/lib/tests/*.js; do
		name=${f#"$work"/package/lib/tests/}
		name=${name%.js}
		printf 'define(%s, function (module, exports, require, global) {\n' \
		    "\"$name\""
		cat "$f"
		printf '\n});\n'
		case $name in helpers/*) ;; *) names="$names\"$name\"," ;; esac
	done
	printf 'run([%s]);\n' "${names%,}"
} >"$bundle"

. "$here/../../scripts/wwd-temp.sh"
wwd_temp "$bin"
"$bin/wwctl" run --socket "$dir/s" --timeout 600 "$bundle" >"$dir/out" ||
    { echo "wwctl run failed ($?)" >&2; cat "$dir/out" "$dir/log" >&2; exit 1; }
grep '^"FAIL' "$dir/out" >&2 || true
summary=$(tail -n 1 "$dir/out")
echo "Promises/A+: $summary"
[ "$summary" = "{\"failed\":0,\"passed\":$want}" ]
