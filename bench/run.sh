#!/usr/bin/env bash
# The benchmark: our HTTP2Server sample against nghttpd, h2o and nginx, and
# against Poco's own HTTP/1.1 HTTPServer; our HTTP2Client against h2load and
# Poco's HTTPClientSession; memory and threads. One command:
#
#   bash bench/run.sh [--quick] [--cases=LIST] [--rounds=N] [options]
#
# It installs what is missing (scripts/setup.sh with h2o, gnuplot-nox, ...),
# builds HTTP2Server, PocoHttp1Server and ClientBench in build-release/
# (Release), starts every server on CPU 0 and runs each load generator on
# CPU 1 (taskset), runs the cases below in rounds, each round visiting every
# server in turn (A B C D A B C D ...) so that the machine's drift hits all
# alike, and prints the medians and our ratio to each peer (paired: the
# median over the rounds of the ratio within a round). Results go to
# bench/results/<UTC time>/ (runs.csv: every run; summary.md: the tables;
# concurrency.png: the plot), and a full run (all cases, not --quick) also
# copies the plot to docs/bench-concurrency.png.
#
# Cases (--cases=a,b,...; default all):
#   small   GET / (13 bytes), h2load -c1 -m1, -c10 -m100, -c100 -m10,
#           -c1000 -m1; h2c and TLS; ours, nghttpd, h2o, nginx
#   large   GET /1m (1 MiB), h2load -c10 -m1; h2c and TLS; all four
#   stream  one 100 MiB stream at a time (h2load -c1 -m1 -w30 -W30); MiB/s
#   post    POST of 1 MiB echoed back (ours /echo, nghttpd --echo-upload;
#           h2o and nginx have no echo handler in Debian's builds), -c10 -m1
#   http1   ours (and ours-inline) over h2c against bench/PocoHttp1Server
#           (Poco HTTPServer, the same handler code) with h2load --h1, same
#           -c/-m as small (HTTP/1.1 pipelined when -m > 1); and with the
#           same requests in flight without pipelining, as HTTP/1.1 clients
#           send them (browsers and Poco's HTTPClientSession never
#           pipeline): N in flight is ours -c N/100 -m100 against Poco
#           --h1 -c N -m1, N = 100 and 1000
#   client  bench/ClientBench (HTTP2Client async with 100 in flight on one
#           connection and 400 on four, and blocking from 16 threads)
#           against nghttpd and h2o over h2c, with h2load at the same
#           concurrency against the same server, and Poco
#           HTTPClientSession (16 threads, 16 sessions) against h2o's
#           HTTP/1.1; req/s and client CPU microseconds per request
#   idle    resident KiB per idle connection and threads with N idle
#           connections (bench/idle_client.py), fresh servers, h2c and TLS
#   memory  our resident growth and threads during a 1 GiB download
#           (/stream) and a 1 GiB upload (POST /echo), fresh server
#
# Options:
#   --quick             smoke check (6 min on a busy 2-core machine): 1 round
#                       of ~1 s runs, 200 idle connections, 64 MiB instead
#                       of 1 GiB
#   --rounds=N          rounds (default 3)
#   --duration=S        about how many seconds each run lasts (default 4;
#                       h2load runs count requests, sized by a first
#                       uncounted run; ClientBench runs 1 s of warm-up
#                       first)
#   --idle=N            idle connections (default 10000)
#   --servers=LIST      among ours,ours-inline,nghttpd,h2o,nginx (default
#                       all; ours-inline is HTTP2Server --inline-handlers,
#                       run in the small, large and stream cases)
#   --ours-args="..."   extra HTTP2Server arguments (default none: one
#                       event-loop thread, 16 handler threads)
#   --no-build          use build-release/ as it is
#
# Cores: the machine this was written on has 2. Every server gets CPU 0 and
# is set to one worker (nghttpd -n1, h2o num-threads 1, nginx
# worker_processes 1, ours --io-threads=1 — its handler threads share CPU 0
# too), the load generator gets CPU 1: it cannot steal the server's core,
# and every server has exactly one core, so the comparison is fair.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

COMMAND_LINE="bash bench/run.sh $*"
QUICK=0
ROUNDS=
DURATION=
IDLE=
ALL_CASES=small,large,stream,post,http1,client,idle,memory
CASES=$ALL_CASES
SERVERS=ours,ours-inline,nghttpd,h2o,nginx
OURS_ARGS=
BUILD=1
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) QUICK=1 ;;
	--rounds=*) ROUNDS=${1#*=} ;;
	--duration=*) DURATION=${1#*=} ;;
	--idle=*) IDLE=${1#*=} ;;
	--cases=*) CASES=${1#*=} ;;
	--servers=*) SERVERS=${1#*=} ;;
	--ours-args=*) OURS_ARGS=${1#*=} ;;
	--no-build) BUILD=0 ;;
	-h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done
WARMUP=1
# The least requests per run, per request in flight (see counted()).
FLOOR_PER_STREAM=10
BIG=1073741824
STREAM_BYTES=104857600
if [ "$QUICK" -eq 1 ]; then
	: "${ROUNDS:=1}" "${DURATION:=1}" "${IDLE:=200}"
	FLOOR_PER_STREAM=2
	BIG=67108864
else
	: "${ROUNDS:=3}" "${DURATION:=4}" "${IDLE:=10000}"
fi
for number in "$ROUNDS" "$DURATION" "$IDLE"; do
	[[ $number =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --rounds, --duration and --idle take a positive whole number" >&2; exit 2; }
done
IFS=, read -r -a CASE_LIST <<<"$CASES"
IFS=, read -r -a SERVER_LIST <<<"$SERVERS"
for c in "${CASE_LIST[@]}"; do
	case "$c" in small | large | stream | post | http1 | client | idle | memory) ;;
	*) echo "run.sh: unknown case $c" >&2; exit 2 ;; esac
done
for s in "${SERVER_LIST[@]}"; do
	case "$s" in ours | ours-inline | nghttpd | h2o | nginx) ;;
	*) echo "run.sh: unknown server $s" >&2; exit 2 ;; esac
done
# shellcheck disable=SC2206 # OURS_ARGS is a list of arguments
OURS_EXTRA=(--io-threads=1 $OURS_ARGS)

bench_init run.sh
# A run that takes far longer than asked has hung (see run_h2load); the
# 1 GiB transfers get the default 300 s.
TIMED_H2LOAD_TIMEOUT=$((DURATION + WARMUP + 60))
COUNTED_H2LOAD_TIMEOUT=$((10 * DURATION + 120))
if [ "$BUILD" -eq 1 ]; then
	bench_build HTTP2Server PocoHttp1Server ClientBench
fi
[ -x "$BUILD_DIR/bench/ClientBench" ] || bench_die "$BUILD_DIR has no bench/ClientBench; build without --no-build"

has_case()
{
	[[ ",$CASES," == *",$1,"* ]]
}

has_server()
{
	[[ ",$SERVERS," == *",$1,"* ]]
}

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=bench/results/$STAMP
mkdir -p "$RESULTS"
CSV=$RESULTS/runs.csv
echo "case,label,protocol,server,round,value,unit,cpu_us_per_request,note" >"$CSV"
LOG=$RESULTS/run.log
exec > >(tee "$LOG") 2>&1

# Files the peers serve live in tmpfs (no disk reads measured).
BENCH_SHM=$(mktemp -d -p /dev/shm poco-h2-bench.XXXXXX)
DOCROOT=$BENCH_SHM/docroot
big_for_docroot=0
has_case stream && big_for_docroot=$STREAM_BYTES
make_docroot "$DOCROOT" "$big_for_docroot"
make_certificate "$WORK"
head -c 1048576 /dev/urandom >"$BENCH_SHM/post-1m"
OURS_DATA=$WORK/ours-data

echo "$COMMAND_LINE"
echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- plugin adapters include samples || echo ' + uncommitted changes')"
machine_summary
echo "setup:   servers on CPU $SERVER_CPU (one worker each; ours ${OURS_EXTRA[*]}, default 16 handler threads" \
	"unless --threads), load generators on CPU $CLIENT_CPU; $ROUNDS round(s) of $DURATION s runs" \
	"(h2load: counted, sized by a first uncounted run; ClientBench: + $WARMUP s warm-up); TLS: ${TLS_OPTIONS[*]}"
echo "results: $RESULTS"
echo

record()
	# record CASE LABEL PROTOCOL SERVER ROUND VALUE UNIT [CPU_US] [NOTE]
{
	local fields=("$@") line='' field i
	for i in 0 1 2 3 4 5 6 7 8; do
		field=${fields[$i]:-}
		line+="${line:+,}\"${field//\"/\"\"}\""
	done
	echo "$line" >>"$CSV"
}

declare -A URL_BASE
declare -A PIDS_OF
start_throughput_servers()
	# Starts every selected server once for the throughput cases.
{
	if has_server ours; then
		start_ours "$OURS_DATA" "${OURS_EXTRA[@]}"
		URL_BASE[ours-h2c]=http://127.0.0.1:$OURS_H2C_PORT
		URL_BASE[ours-tls]=https://127.0.0.1:$OURS_TLS_PORT
		PIDS_OF[ours]=$OURS_PID
	fi
	if has_server ours-inline; then
		start_ours "$OURS_DATA" "${OURS_EXTRA[@]}" --inline-handlers
		URL_BASE[ours-inline-h2c]=http://127.0.0.1:$OURS_H2C_PORT
		URL_BASE[ours-inline-tls]=https://127.0.0.1:$OURS_TLS_PORT
		PIDS_OF[ours-inline]=$OURS_PID
	fi
	if has_server nghttpd || has_case client; then
		start_nghttpd "$DOCROOT" "$WORK" h2c
		URL_BASE[nghttpd-h2c]=http://127.0.0.1:$NGHTTPD_PORT
		PIDS_OF[nghttpd]=$NGHTTPD_PID
		start_nghttpd "$DOCROOT" "$WORK" tls
		URL_BASE[nghttpd-tls]=https://127.0.0.1:$NGHTTPD_PORT
	fi
	if has_server h2o || has_case client; then
		start_h2o "$DOCROOT" "$WORK"
		URL_BASE[h2o-h2c]=http://127.0.0.1:$H2O_H2C_PORT
		URL_BASE[h2o-tls]=https://127.0.0.1:$H2O_TLS_PORT
		PIDS_OF[h2o]=$H2O_PID
	fi
	if has_server nginx; then
		start_nginx "$DOCROOT" "$WORK"
		URL_BASE[nginx-h2c]=http://127.0.0.1:$NGINX_H2C_PORT
		URL_BASE[nginx-tls]=https://127.0.0.1:$NGINX_TLS_PORT
		PIDS_OF[nginx]=$NGINX_WORKER_PID
	fi
	if has_case http1; then
		start_poco_http1 1000
		URL_BASE[poco-http1-h1]=http://127.0.0.1:$POCO1_PORT
		PIDS_OF[poco-http1]=$POCO1_PID
	fi
}

check_bodies()
	# Every server answers / and /1m with the same bytes, and echoes a POST.
{
	local key path reference body options
	for path in / /1m; do
		reference=$(curl -s --http2-prior-knowledge "${URL_BASE[ours-h2c]:-${URL_BASE[ours-inline-h2c]:-${URL_BASE[nghttpd-h2c]}}}$path" | md5sum)
		for key in "${!URL_BASE[@]}"; do
			case "$key" in
			*-h1) options=(--http1.1) ;;
			*-tls) options=(--http2) ;;
			*) options=(--http2-prior-knowledge) ;;
			esac
			body=$(curl -s -k "${options[@]}" "${URL_BASE[$key]}$path" | md5sum)
			[ "$body" = "$reference" ] || bench_die "$key answers $path with other bytes than the others"
		done
	done
	for key in ours-h2c nghttpd-h2c; do
		[ -n "${URL_BASE[$key]:-}" ] || continue
		body=$(curl -s --http2-prior-knowledge --data-binary "@$BENCH_SHM/post-1m" "${URL_BASE[$key]}/echo" | md5sum)
		[ "$body" = "$(md5sum <"$BENCH_SHM/post-1m")" ] || bench_die "$key does not echo a POST"
	done
}

SEEN_TLS=
h2load_case()
	# h2load_case CASE LABEL PROTOCOL SERVER ROUND UNIT H2LOAD_ARGS... URL:
	# one run; prints it and records req/s (UNIT req/s) or MiB/s (UNIT
	# MiB/s: body bytes / seconds).
{
	local case=$1 label=$2 protocol=$3 server=$4 round=$5 unit=$6
	shift 6
	local out=$WORK/h2load.out value note='' H2LOAD_TIMEOUT=$COUNTED_H2LOAD_TIMEOUT
	if ! run_h2load "$out" "$@"; then
		record "$case" "$label" "$protocol" "$server" "$round" "" "$unit" "" "h2load failed"
		return 0
	fi
	local failed succeeded cpu tls
	failed=$(h2load_field "$out" failed)
	succeeded=$(h2load_field "$out" succeeded)
	cpu=$(h2load_field "$out" cpu)
	if [ "$unit" = MiB/s ]; then
		value=$(awk -v b="$(h2load_field "$out" data)" -v s="$(h2load_field "$out" seconds)" \
			'BEGIN { printf "%.0f", (s>0 ? b / 1048576 / s : 0) }')
	else
		value=$(h2load_field "$out" rate)
	fi
	if [ "${failed:-0}" != 0 ] || [ "${succeeded:-0}" = 0 ]; then
		note="$succeeded succeeded $failed failed"
	fi
	tls=$(h2load_field "$out" tls)
	# Say once per server which TLS version and cipher it got.
	if [ -n "$tls" ] && [[ $SEEN_TLS != *"|$server|"* ]]; then
		SEEN_TLS="$SEEN_TLS|$server|"
		note="${note:+$note; }$tls"
	fi
	printf '  %-7s %-12s %-5s %-11s %10s %-6s in %6.2f s%s\n' "$case" "$label" "$protocol" "$server" "$value" \
		"$unit" "$(h2load_field "$out" seconds)" "${note:+  ($note)}"
	record "$case" "$label" "$protocol" "$server" "$round" "$value" "$unit" \
		"$(awk -v c="$cpu" -v n="$succeeded" 'BEGIN { if (n > 0) printf "%.2f", c / n * 1e6 }')" "$note"
}

declare -A COUNT_FOR
RUN_ARGS=()
counted()
	# counted KEY C M ARGS... URL: sets RUN_ARGS to h2load arguments for a
	# run of about $DURATION seconds: -n N -c C -m M ARGS... URL. N comes
	# from a first, uncounted run of max(10 C M, 200) requests (2 C M with
	# --quick) against the same server (also its warm-up), made the first
	# time KEY is seen, and is at least that. h2load's timed mode (-D) is not used: h2load 1.52
	# sometimes never ends it when many clients connect.
{
	local key=$1 c=$2 m=$3
	shift 3
	local floor=$((FLOOR_PER_STREAM * c * m))
	[ "$floor" -lt 200 ] && floor=200
	if [ -z "${COUNT_FOR[$key]:-}" ]; then
		local H2LOAD_TIMEOUT=$COUNTED_H2LOAD_TIMEOUT rate=0
		if run_h2load "$WORK/calibrate.out" -n "$floor" -c "$c" -m "$m" "$@"; then
			rate=$(h2load_field "$WORK/calibrate.out" rate)
		fi
		COUNT_FOR[$key]=$(awk -v r="${rate:-0}" -v d="$DURATION" -v f="$floor" \
			'BEGIN { n = int(r * d); print (n > f ? n : f) }')
	fi
	RUN_ARGS=(-n "${COUNT_FOR[$key]}" -c "$c" -m "$m" "$@")
}

SMALL_SHAPES=("1 1" "10 100" "100 10" "1000 1")
PROTOCOLS=(h2c tls)

round_small()
{
	local round=$1 shape c m protocol server
	for shape in "${SMALL_SHAPES[@]}"; do
		read -r c m <<<"$shape"
		for protocol in "${PROTOCOLS[@]}"; do
			for server in "${SERVER_LIST[@]}"; do
				counted "small $c $m $protocol $server" "$c" "$m" "${URL_BASE[$server-$protocol]}/"
				h2load_case small "c$c m$m" "$protocol" "$server" "$round" req/s "${RUN_ARGS[@]}"
			done
		done
	done
}

round_large()
{
	local round=$1 protocol server
	for protocol in "${PROTOCOLS[@]}"; do
		for server in "${SERVER_LIST[@]}"; do
			counted "large $protocol $server" 10 1 "${URL_BASE[$server-$protocol]}/1m"
			h2load_case large "c10 m1" "$protocol" "$server" "$round" req/s "${RUN_ARGS[@]}"
		done
	done
}

round_stream()
{
	local round=$1 protocol server path
	for protocol in "${PROTOCOLS[@]}"; do
		for server in "${SERVER_LIST[@]}"; do
			path=/big
			[[ $server == ours* ]] && path="/stream?bytes=$STREAM_BYTES"
			h2load_case stream "$((STREAM_BYTES / 1048576)) MiB" "$protocol" "$server" "$round" MiB/s \
				-n 2 -c 1 -m 1 -w 30 -W 30 "${URL_BASE[$server-$protocol]}$path"
		done
	done
}

round_post()
{
	local round=$1 protocol server
	for protocol in "${PROTOCOLS[@]}"; do
		for server in ours nghttpd; do
			has_server "$server" || continue
			counted "post $protocol $server" 10 1 -d "$BENCH_SHM/post-1m" "${URL_BASE[$server-$protocol]}/echo"
			h2load_case post "1 MiB c10 m1" "$protocol" "$server" "$round" req/s "${RUN_ARGS[@]}"
		done
	done
}

round_http1()
{
	local round=$1 shape c m server
	for shape in "${SMALL_SHAPES[@]}"; do
		read -r c m <<<"$shape"
		for server in ours ours-inline; do
			has_server "$server" || continue
			counted "small $c $m h2c $server" "$c" "$m" "${URL_BASE[$server-h2c]}/"
			h2load_case http1 "c$c m$m" h2c "$server" "$round" req/s "${RUN_ARGS[@]}"
		done
		counted "http1 $c $m" "$c" "$m" --h1 "${URL_BASE[poco-http1-h1]}/"
		h2load_case http1 "c$c m$m" h1 poco-http1 "$round" req/s "${RUN_ARGS[@]}"
	done
	# The same number of requests in flight: HTTP/2 multiplexes them, 100
	# streams per connection; HTTP/1.1 without pipelining needs a
	# connection per request in flight.
	local in_flight
	for in_flight in 100 1000; do
		c=$((in_flight / 100))
		for server in ours ours-inline; do
			has_server "$server" || continue
			counted "small $c 100 h2c $server" "$c" 100 "${URL_BASE[$server-h2c]}/"
			h2load_case http1-in-flight "$in_flight in flight" h2c "$server" "$round" req/s "${RUN_ARGS[@]}"
		done
		counted "http1 $in_flight 1" "$in_flight" 1 --h1 "${URL_BASE[poco-http1-h1]}/"
		h2load_case http1-in-flight "$in_flight in flight" h1 poco-http1 "$round" req/s "${RUN_ARGS[@]}"
	done
}

client_case()
	# client_case TARGET PROTOCOL CLIENT ROUND CLIENTBENCH_ARGS... URL
{
	local target=$1 protocol=$2 client=$3 round=$4
	shift 4
	local out=$WORK/client.out line rate cpu note=
	if bench_wait timeout --kill-after=5 "$TIMED_H2LOAD_TIMEOUT" taskset -c "$CLIENT_CPU" \
		"$BUILD_DIR/bench/ClientBench" --duration="$DURATION" --warm-up="$WARMUP" "$@" >"$out" 2>&1; then
		:
	else
		note="failures: $(grep -v '^mode=' "$out" | head -1)"
	fi
	line=$(grep '^mode=' "$out" || true)
	rate=$(sed -n 's/.* req_per_s=\([0-9.]*\).*/\1/p' <<<"$line")
	cpu=$(sed -n 's/.* cpu_us_per_request=\([0-9.]*\).*/\1/p' <<<"$line")
	printf '  %-7s %-10s %-5s %-24s %10s req/s %8s us CPU/request%s\n' client "$target" "$protocol" "$client" \
		"$rate" "$cpu" "${note:+  ($note)}"
	record client "$target" "$protocol" "$client" "$round" "$rate" req/s "$cpu" "$note"
}

client_h2load()
	# client_h2load TARGET PROTOCOL CLIENT ROUND C M [--h1] URL
{
	local target=$1 protocol=$2 client=$3 round=$4 c=$5 m=$6
	shift 6
	# shellcheck disable=SC2034 # H2LOAD_TIMEOUT is read by run_h2load
	local out=$WORK/h2load.out H2LOAD_TIMEOUT=$COUNTED_H2LOAD_TIMEOUT
	counted "client $target $protocol $c $m" "$c" "$m" "$@"
	if ! run_h2load "$out" "${RUN_ARGS[@]}"; then
		record client "$target" "$protocol" "$client" "$round" "" req/s "" "h2load failed"
		return 0
	fi
	local rate cpu n
	rate=$(h2load_field "$out" rate)
	n=$(h2load_field "$out" succeeded)
	cpu=$(awk -v c="$(h2load_field "$out" cpu)" -v n="$n" 'BEGIN { if (n > 0) printf "%.2f", c / n * 1e6 }')
	printf '  %-7s %-10s %-5s %-24s %10s req/s %8s us CPU/request\n' client "$target" "$protocol" "$client" \
		"$rate" "$cpu"
	record client "$target" "$protocol" "$client" "$round" "$rate" req/s "$cpu" ""
}

round_client()
{
	local round=$1 target base
	for target in nghttpd h2o; do
		base=${URL_BASE[$target-h2c]}
		client_case "$target" h2c "HTTP2Client async 100" "$round" --mode=async --in-flight=100 "$base/"
		client_h2load "$target" h2c "h2load -c1 -m100" "$round" 1 100 "$base/"
		client_case "$target" h2c "HTTP2Client async 400, 4 connections" "$round" --mode=async --in-flight=400 \
			--connections=4 "$base/"
		client_h2load "$target" h2c "h2load -c4 -m100" "$round" 4 100 "$base/"
		client_case "$target" h2c "HTTP2Client blocking 16" "$round" --mode=blocking --threads=16 "$base/"
		client_h2load "$target" h2c "h2load -c1 -m16" "$round" 1 16 "$base/"
	done
	base=${URL_BASE[h2o-h2c]}
	client_case h2o h1 "Poco HTTPClientSession 16" "$round" --mode=http1 --threads=16 "$base/"
	client_h2load h2o h1 "h2load --h1 -c16 -m1" "$round" 16 1 --h1 "$base/"
}

report_threads()
	# Threads of each server after the throughput cases (load does not add
	# any: all four are event-driven with fixed threads).
{
	local name pid
	for name in "${!PIDS_OF[@]}"; do
		pid=${PIDS_OF[$name]}
		[ -r "/proc/$pid/status" ] || continue
		record threads "after load" "" "$name" 0 "$(status_field "$pid" Threads)" threads "" \
			"VmRSS $(status_field "$pid" VmRSS) KiB"
	done
}

idle_case()
	# idle_case SERVER PROTOCOL: a fresh SERVER, IDLE idle connections.
{
	local server=$1 protocol=$2 pid port
	case "$server" in
	ours)
		# The peers' idle timeouts are raised to 600 s (bench/common.sh): so
		# is ours, or a slow machine's 10,000 TLS handshakes outlast its
		# default 60 s and the first connections close before the count.
		printf 'h2.server.idleTimeout = 600\n' >"$WORK/idle.properties"
		start_ours "$OURS_DATA" "${OURS_EXTRA[@]}" --config-file="$WORK/idle.properties"
		pid=$OURS_PID
		port=$OURS_H2C_PORT
		[ "$protocol" = tls ] && port=$OURS_TLS_PORT
		;;
	nghttpd)
		start_nghttpd "$DOCROOT" "$WORK" "$protocol"
		pid=$NGHTTPD_PID
		port=$NGHTTPD_PORT
		;;
	h2o)
		start_h2o "$DOCROOT" "$WORK"
		pid=$H2O_PID
		port=$H2O_H2C_PORT
		[ "$protocol" = tls ] && port=$H2O_TLS_PORT
		;;
	nginx)
		start_nginx "$DOCROOT" "$WORK"
		pid=$NGINX_WORKER_PID
		port=$NGINX_H2C_PORT
		[ "$protocol" = tls ] && port=$NGINX_TLS_PORT
		;;
	esac
	local master=$STARTED_PID
	sleep 0.5
	local rss0 threads0 rss1 threads1 established client_pid open failed setup
	rss0=$(status_field "$pid" VmRSS)
	threads0=$(status_field "$pid" Threads)
	local tls_arg=()
	[ "$protocol" = tls ] && tls_arg=(--tls)
	taskset -c "$CLIENT_CPU" "$PYTHON" bench/idle_client.py 127.0.0.1 "$port" "$IDLE" "${tls_arg[@]}" \
		>"$WORK/idle.out" 2>"$WORK/idle.err" &
	client_pid=$!
	BENCH_PIDS+=("$client_pid")
	for _ in $(seq 1 3000); do
		grep -q '^ready' "$WORK/idle.out" && break
		kill -0 "$client_pid" 2>/dev/null || break
		sleep 0.1
	done
	if ! read -r _ _ failed setup <"$WORK/idle.out"; then
		echo "  idle client did not finish: $(head -3 "$WORK/idle.err")"
		bench_stop "$client_pid"
		bench_stop "$master"
		return 0
	fi
	sleep 2
	rss1=$(status_field "$pid" VmRSS)
	threads1=$(status_field "$pid" Threads)
	established=$(ss -Htn state established "( sport = :$port )" | wc -l)
	bench_stop "$client_pid"
	bench_stop "$master"
	local per note
	per=$(awk -v a="$rss0" -v b="$rss1" -v e="$established" 'BEGIN { if (e > 0) printf "%.2f", (b - a) / e }')
	note="$established/$IDLE established ($failed failed) after ${setup}s; VmRSS $rss0 -> $rss1 KiB; threads $threads0 -> $threads1"
	[ "$established" -lt "$IDLE" ] && note="$note; NOT ALL OPEN: do not use"
	printf '  %-7s %-5s %-8s %8s KiB/conn  %s\n' idle "$protocol" "$server" "$per" "$note"
	record idle "$IDLE connections" "$protocol" "$server" 1 "$per" KiB/conn "" "$note"
	record idle-threads "$IDLE connections" "$protocol" "$server" 1 "$threads1" threads "" "before: $threads0"
}

memory_case()
	# memory_case download|upload PROTOCOL: a fresh HTTP2Server; peak VmRSS
	# growth during one BIG-byte transfer.
{
	local direction=$1 protocol=$2 base url args=()
	start_ours "$OURS_DATA" "${OURS_EXTRA[@]}"
	base=http://127.0.0.1:$OURS_H2C_PORT
	[ "$protocol" = tls ] && base=https://127.0.0.1:$OURS_TLS_PORT
	run_h2load "$WORK/warm.out" -n 1 -c 1 -m 1 "$base/stream?bytes=1048576" >/dev/null || true
	if [ "$direction" = download ]; then
		url="$base/stream?bytes=$BIG"
	else
		url="$base/echo"
		[ -f "$BENCH_SHM/upload" ] || head -c "$BIG" /dev/zero | tr '\0' u >"$BENCH_SHM/upload"
		args=(-d "$BENCH_SHM/upload")
	fi
	sleep 0.2
	local before peak=0 threads_peak=0 v t
	before=$(status_field "$OURS_PID" VmRSS)
	run_h2load "$WORK/big.out" -n 1 -c 1 -m 1 -w 30 -W 30 "${args[@]}" "$url" &
	local loader=$!
	BENCH_PIDS+=("$loader")
	while kill -0 "$loader" 2>/dev/null; do
		v=$(status_field "$OURS_PID" VmRSS)
		t=$(status_field "$OURS_PID" Threads)
		[ "${v:-0}" -gt "$peak" ] && peak=$v
		[ "${t:-0}" -gt "$threads_peak" ] && threads_peak=$t
		sleep 0.05
	done
	local status=0
	wait "$loader" || status=$?
	local data seconds rate growth note
	data=$(h2load_field "$WORK/big.out" data)
	seconds=$(h2load_field "$WORK/big.out" seconds)
	rate=$(awk -v b="$BIG" -v s="$seconds" 'BEGIN { if (s > 0) printf "%.0f", b / 1048576 / s }')
	growth=$(awk -v a="$before" -v b="$peak" 'BEGIN { printf "%.1f", (b - a) / 1024 }')
	note="VmRSS before $before KiB, peak $peak KiB; $threads_peak threads; $data body bytes at $rate MiB/s"
	[ "$status" -ne 0 ] || [ "${data:-0}" != "$BIG" ] && note="$note; INCOMPLETE"
	printf '  %-7s %-8s %-5s growth %6s MiB  %s\n' memory "$direction" "$protocol" "$growth" "$note"
	record memory "$((BIG / 1048576)) MiB $direction" "$protocol" ours 1 "$growth" MiB "" "$note"
	bench_stop "$OURS_PID"
}

# ---------------------------------------------------------------------------

THROUGHPUT=0
for c in small large stream post http1 client; do
	has_case "$c" && THROUGHPUT=1
done
if [ "$THROUGHPUT" -eq 1 ]; then
	start_throughput_servers
	check_bodies
	for round in $(seq 1 "$ROUNDS"); do
		echo "-- round $round of $ROUNDS ($(date -u +%H:%M:%S), $(cut -d' ' -f1-3 /proc/loadavg))"
		has_case small && round_small "$round"
		has_case large && round_large "$round"
		has_case stream && round_stream "$round"
		has_case post && round_post "$round"
		has_case http1 && round_http1 "$round"
		has_case client && round_client "$round"
	done
	report_threads
	for pid in "${BENCH_PIDS[@]}"; do
		bench_stop "$pid"
	done
	BENCH_PIDS=()
fi

if has_case idle; then
	echo "-- idle connections ($IDLE; fresh servers; $(cut -d' ' -f1-3 /proc/loadavg))"
	for protocol in "${PROTOCOLS[@]}"; do
		for server in "${SERVER_LIST[@]}"; do
			[ "$server" = ours-inline ] && continue # idle, the same as ours
			idle_case "$server" "$protocol"
		done
	done
fi

if has_case memory && has_server ours; then
	echo "-- resident memory during $((BIG / 1048576)) MiB transfers ($(cut -d' ' -f1-3 /proc/loadavg))"
	for protocol in "${PROTOCOLS[@]}"; do
		memory_case download "$protocol"
		memory_case upload "$protocol"
	done
fi

echo
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
$PYTHON bench/summarize.py "$CSV" "$RESULTS"
if [ "$QUICK" -eq 0 ] && [ "$CASES" = "$ALL_CASES" ] && [ -f "$RESULTS/concurrency.png" ]; then
	cp "$RESULTS/concurrency.png" docs/bench-concurrency.png
	echo "plot copied to docs/bench-concurrency.png"
fi
