#!/bin/bash
# completion.sh: completion/wwctl, sourced in a plain bash, registers
# _wwctl for wwctl and completes commands, options and, from a real wwd,
# the ID of a running worker for kill and logs.
# Usage: completion.sh BIN_DIR COMPLETION_FILE.
set -u
bin=$1
. "$2" || exit 1
dir=$(mktemp -d)
trap 'exec 5>&-; kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' \
    EXIT
fail=0

# Complete the words of $1 (the cursor at its end) with PATH's wwctl.
comp()
{
	COMP_LINE=$1
	COMP_POINT=${#1}
	read -ra COMP_WORDS <<<"$1"
	[[ $1 == *' ' ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_wwctl wwctl "${COMP_WORDS[COMP_CWORD]}" \
	    "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}"
}

# expect LINE WORD: completing LINE must offer WORD.
expect()
{
	if comp "$1" | grep -qxF -- "$2"; then
		echo "ok '$1' offers $2"
	else
		echo "FAIL '$1' does not offer $2 (got: $(comp "$1" |
		    tr '\n' ' '))" >&2
		fail=1
	fi
}

complete -p wwctl | grep -q -- '-F _wwctl' ||
    { echo "FAIL complete -p wwctl: $(complete -p wwctl)" >&2; exit 1; }
PATH=$bin:$PATH
expect "wwctl k" kill
expect "wwctl ps --j" --json
expect "wwctl logs --f" --follow
expect "wwctl run --ev" --events
expect "wwctl " shutdown

mkfifo "$dir/ready" "$dir/in"
wwd --foreground --socket "$dir/s" --worker "$bin/wwd-worker" \
    --ready-fd 4 --log-level warn 4>"$dir/ready" 2>"$dir/log" &
pid=$!
read -r _ <"$dir/ready" || true
wwctl run --socket "$dir/s" --eval 'onmessage = function () {}' \
    <"$dir/in" >/dev/null 2>&1 &
exec 5>"$dir/in"
id=
for _ in $(seq 100); do
	id=$(wwctl ps --socket "$dir/s" --json |
	    sed -n 's/^    "id": \([0-9]*\),\{0,1\}$/\1/p')
	[[ -n $id ]] && break
	sleep 0.1
done
[[ -n $id ]] || { echo "FAIL no worker in wwctl ps" >&2; exit 1; }
expect "wwctl kill --socket $dir/s " "$id"
expect "wwctl logs --socket $dir/s ${id:0:1}" "$id"
exit $fail
