# wwd-temp.sh, sourced by scripts that need a daemon of their own (the
# order and Promises/A+ tests, the Promise benchmark). wwd_temp BIN_DIR
# [WWD_ARG...] starts BIN_DIR's wwd (with the extra arguments) on $dir/s
# in a new temporary directory $dir, its log in $dir/log, and returns
# once it listens; at exit it is killed and $dir removed. Sets dir and
# pid.
wwd_temp() {
	bin_=$1
	shift
	dir=$(mktemp -d)
	trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
	mkfifo "$dir/ready"
	"$bin_/wwd" --foreground --socket "$dir/s" --worker "$bin_/wwd-worker" \
	    --ready-fd 4 --log-level warn "$@" 4>"$dir/ready" 2>"$dir/log" &
	pid=$!
	read -r _ <"$dir/ready" || true
}
