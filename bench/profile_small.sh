#!/usr/bin/env bash
# Profiles the HTTP2Server sample on the small-response path (GET /, 13
# bytes) under `h2load -n N -c 10 -m 100` over h2c, as docs/PROFILE.md
# describes. Server on CPU 0, h2load on CPU 1, as in h2load_vs_nghttpd.sh.
#
# Steps (each on a fresh server):
#   rate     h2load alone: req/s of this build
#   ctx      per-thread voluntary/involuntary context switches and CPU time
#            (utime+stime) from /proc/PID/task/*/ before and after one run,
#            summed by thread role (h2-io-*, h2-handler, other), plus
#            `perf stat -e context-switches,cpu-migrations,task-clock`
#   perf     `perf record -e cpu-clock -g` (software clock sampling: this VM
#            has no hardware counters) of the whole server during one run
#   strace   `strace -c -f -p PID` attached (after a warm-up) to all the
#            server's threads during a run of -n SHORT
#   callgrind `valgrind --tool=callgrind` of the server during a run of
#            -n SHORT (instruction counts; threads serialised by valgrind)
#   nghttpd  for comparison: nghttpd's task-clock and context switches under
#            the same load (not part of the default steps)
#   nghttpd-callgrind  nghttpd under callgrind with the same loads as the
#            callgrind step: its instructions per request (not a default step)
#
# Usage: bash bench/profile_small.sh [options] [steps...]   (default: all)
#   --build-dir=D     build with the server (default build-profile: Release
#                     plus -g -fno-omit-frame-pointer, configured if missing)
#   --server-args=S   extra arguments for HTTP2Server, e.g. "--threads=1"
#   --out=DIR         where the outputs go (default /tmp/poco-h2-profile)
#   -n N              requests for rate/ctx/perf (default 200000)
#   --short=N         requests for strace/callgrind (default 20000)
#   --no-build        use the build directory as it is
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD_DIR=build-profile
SERVER_ARGS=
OUT=/tmp/poco-h2-profile
REQUESTS=200000
SHORT=20000
STEPS=()
BUILD=1
while [ $# -gt 0 ]; do
	case "$1" in
	--build-dir=*) BUILD_DIR=${1#*=} ;;
	--server-args=*) SERVER_ARGS=${1#*=} ;;
	--out=*) OUT=${1#*=} ;;
	-n) REQUESTS=$2; shift ;;
	--short=*) SHORT=${1#*=} ;;
	--no-build) BUILD=0 ;;
	-h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	-*) echo "profile_small.sh: unknown option $1" >&2; exit 2 ;;
	*) STEPS+=("$1") ;;
	esac
	shift
done
[ ${#STEPS[@]} -gt 0 ] || STEPS=(rate ctx perf strace callgrind)

if [ "$BUILD" -eq 1 ]; then
	if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
		cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPOCOH2_BUILD_TESTS=OFF \
			"-DCMAKE_CXX_FLAGS=-g -fno-omit-frame-pointer"
	fi
	cmake --build "$BUILD_DIR" --target HTTP2Server
fi
SERVER=$BUILD_DIR/samples/HTTP2Server/HTTP2Server
mkdir -p "$OUT"
WORK=$(mktemp -d -t poco-h2-profile.XXXXXX)
SERVER_PID=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup()
{
	if [ -n "$SERVER_PID" ]; then
		kill -TERM "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT

PORT=
start_server()
	# start_server [wrapper...]: starts the server on CPU 0 (under wrapper)
	# and waits for it; sets SERVER_PID (the wrapper's, if any) and PORT.
{
	: >"$WORK/server.log"
	# shellcheck disable=SC2086 # SERVER_ARGS is a list of arguments
	taskset -c 0 "$@" "$SERVER" --bind=127.0.0.1 --port=0 --tls-port=off --data-dir="$WORK" $SERVER_ARGS \
		>"$WORK/server.log" 2>&1 &
	SERVER_PID=$!
	PORT=
	for _ in $(seq 1 600); do
		PORT=$(sed -n 's/^listening cleartext on .*:\([0-9]*\)$/\1/p' "$WORK/server.log")
		[ -n "$PORT" ] && break
		sleep 0.1
	done
	[ -n "$PORT" ] || { echo "profile_small.sh: the server did not start" >&2; cat "$WORK/server.log" >&2; exit 1; }
	curl -s -o /dev/null --http2-prior-knowledge "http://127.0.0.1:$PORT/"
}

stop_server()
{
	kill -TERM "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=
}

h2load_run()
	# h2load_run N: one h2load run on CPU 1; prints its summary lines.
{
	taskset -c 1 h2load -n "$1" -c 10 -m 100 "http://127.0.0.1:$PORT/" >"$WORK/h2load.out" 2>&1
	grep -E '^(finished in|requests:)' "$WORK/h2load.out"
}

callgrind_measure()
	# callgrind_measure LABEL OUTFILE: the server runs under callgrind with
	# --callgrind-out-file=OUTFILE; a warm-up, then counters zeroed, SHORT
	# requests, a dump, the server stopped; prints instructions per request.
{
	h2load_run $((SHORT / 10)) >/dev/null
	callgrind_control -z "$SERVER_PID" >/dev/null 2>&1 || true
	h2load_run "$SHORT" | tee -a "$OUT/summary.txt"
	callgrind_control -d "$SERVER_PID" >/dev/null 2>&1 || true
	stop_server
	sleep 1
	# The dump after zeroing holds the measured run: the largest total.
	local total
	total=$(callgrind_annotate "$2".* 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }' | sort -n | tail -1)
	echo "$1: $total instructions for $SHORT requests: $((total / SHORT)) per request" | tee -a "$OUT/summary.txt"
}

thread_stats()
	# thread_stats PID: "role voluntary involuntary cpu_ticks" per thread.
{
	local pid=$1 task name vol invol ticks
	for task in /proc/"$pid"/task/*; do
		name=$(cat "$task/comm" 2>/dev/null) || continue
		vol=$(awk '/^voluntary_ctxt_switches/ { print $2 }' "$task/status")
		invol=$(awk '/^nonvoluntary_ctxt_switches/ { print $2 }' "$task/status")
		ticks=$(awk '{ print $14 + $15 }' "$task/stat")
		case "$name" in h2-io-*) name=io ;; h2-handler*) name=handler ;; *) name=other ;; esac
		echo "${task##*/} $name $vol $invol $ticks"
	done
}

echo "server: $SERVER ${SERVER_ARGS:-(default settings)}; outputs in $OUT" | tee "$OUT/summary.txt"
for step in "${STEPS[@]}"; do
	echo "== $step" | tee -a "$OUT/summary.txt"
	case "$step" in
	rate)
		start_server
		h2load_run $((REQUESTS / 10)) >/dev/null
		h2load_run "$REQUESTS" | tee -a "$OUT/summary.txt"
		stop_server
		;;
	ctx)
		start_server
		h2load_run $((REQUESTS / 10)) >/dev/null
		thread_stats "$SERVER_PID" >"$WORK/before"
		perf stat -e context-switches,cpu-migrations,task-clock -p "$SERVER_PID" -o "$OUT/perf-stat.txt" &
		perf_pid=$!
		sleep 0.3
		h2load_run "$REQUESTS" | tee -a "$OUT/summary.txt"
		kill -INT "$perf_pid"
		wait "$perf_pid" || true
		thread_stats "$SERVER_PID" >"$WORK/after"
		hz=$(getconf CLK_TCK)
		join <(sort "$WORK/before") <(sort "$WORK/after") | awk -v n="$REQUESTS" -v hz="$hz" '
			{ role = $2; vol[role] += $7 - $3; inv[role] += $8 - $4; cpu[role] += $9 - $5; threads[role]++ }
			END {
				printf "%-8s %7s %12s %12s %10s %14s\n", "role", "threads", "voluntary", "involuntary", "cpu s", "switches/req"
				for (r in vol)
					printf "%-8s %7d %12d %12d %10.2f %14.3f\n", r, threads[r], vol[r], inv[r], cpu[r] / hz, (vol[r] + inv[r]) / n
			}' | tee -a "$OUT/summary.txt"
		grep -E 'context-switches|cpu-migrations|task-clock|elapsed' "$OUT/perf-stat.txt" | tee -a "$OUT/summary.txt"
		stop_server
		;;
	perf)
		start_server
		h2load_run $((REQUESTS / 10)) >/dev/null
		perf record -e cpu-clock -F 999 -g -p "$SERVER_PID" -o "$OUT/perf.data" 2>"$WORK/perf.err" &
		perf_pid=$!
		sleep 0.5
		h2load_run "$REQUESTS" | tee -a "$OUT/summary.txt"
		kill -INT "$perf_pid"
		wait "$perf_pid" || true
		perf report -i "$OUT/perf.data" --no-children --sort comm --stdio 2>/dev/null | grep -E '^ +[0-9]' |
			tee "$OUT/perf-by-thread.txt" | tee -a "$OUT/summary.txt"
		perf report -i "$OUT/perf.data" --no-children --sort dso --stdio 2>/dev/null | grep -E '^ +[0-9]' |
			sed -n 1,15p | tee "$OUT/perf-by-dso.txt" | tee -a "$OUT/summary.txt"
		perf report -i "$OUT/perf.data" --no-children --sort comm,dso,sym --stdio -g none 2>/dev/null |
			grep -E '^ +[0-9]' | sed -n 1,60p >"$OUT/perf-self.txt"
		perf report -i "$OUT/perf.data" --children --sort sym --stdio -g none 2>/dev/null |
			grep -E '^ +[0-9]' | sed -n 1,80p >"$OUT/perf-children.txt"
		sed -n 1,40p "$OUT/perf-self.txt" | tee -a "$OUT/summary.txt"
		stop_server
		;;
	strace)
		start_server
		h2load_run $((REQUESTS / 10)) >/dev/null
		strace -c -f -p "$SERVER_PID" -o "$OUT/strace.txt" 2>"$WORK/strace.err" &
		strace_pid=$!
		sleep 1
		h2load_run "$SHORT" | tee -a "$OUT/summary.txt"
		kill -INT "$strace_pid"
		wait "$strace_pid" || true
		stop_server
		# calls per request; the total line has no syscall name column of its own
		awk -v n="$SHORT" '
			$NF == "total" { printf "%-18s %9d calls %8.3f per request\n", "total", $4, $4 / n; next }
			$1 ~ /^[0-9.]+$/ && $4 ~ /^[0-9]+$/ { printf "%-18s %9d calls %8.3f per request\n", $NF, $4, $4 / n }' \
			"$OUT/strace.txt" | tee -a "$OUT/summary.txt"
		;;
	callgrind)
		start_server valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.out" --dump-instr=no
		callgrind_measure ours "$OUT/callgrind.out"
		find "$OUT" -name "callgrind.out*" | tee -a "$OUT/summary.txt"
		;;
	nghttpd | nghttpd-callgrind)
		# The peer under the same load: CPU time and context switches per
		# request (nghttpd serving a 13-byte index.html, h2c), or its
		# instructions per request under callgrind.
		mkdir -p "$WORK/docroot"
		printf 'Hello, world\n' >"$WORK/docroot/index.html"
		PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		wrapper=()
		[ "$step" = nghttpd-callgrind ] &&
			wrapper=(valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind-nghttpd.out" --dump-instr=no)
		taskset -c 0 "${wrapper[@]}" nghttpd -n1 --no-tls --address=127.0.0.1 -d "$WORK/docroot" "$PORT" >/dev/null 2>&1 &
		SERVER_PID=$!
		for _ in $(seq 1 100); do
			curl -s -o /dev/null --http2-prior-knowledge "http://127.0.0.1:$PORT/" && break
			sleep 0.1
		done
		if [ "$step" = nghttpd-callgrind ]; then
			callgrind_measure nghttpd "$OUT/callgrind-nghttpd.out"
			continue
		fi
		h2load_run $((REQUESTS / 10)) >/dev/null
		perf stat -e context-switches,task-clock -p "$SERVER_PID" -o "$OUT/perf-stat-nghttpd.txt" &
		perf_pid=$!
		sleep 0.3
		h2load_run "$REQUESTS" | tee -a "$OUT/summary.txt"
		kill -INT "$perf_pid"
		wait "$perf_pid" || true
		grep -E 'context-switches|task-clock|elapsed' "$OUT/perf-stat-nghttpd.txt" | tee -a "$OUT/summary.txt"
		stop_server
		;;
	*)
		echo "profile_small.sh: unknown step $step" >&2
		exit 2
		;;
	esac
done
