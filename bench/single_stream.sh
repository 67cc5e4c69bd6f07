#!/usr/bin/env bash
# Single-stream throughput of the HTTP2Server sample against nghttpd: one
# large response on one connection, over h2c and (unless --no-tls) h2 over
# TLS; then one 1 GiB stream from ours with its resident-memory growth.
#
# Ours streams GET /stream?bytes=SIZE (the handler writes 64 KiB chunks into
# response.send()); nghttpd serves a file of SIZE bytes from a tmpfs
# directory. The client is `h2load -n 1 -c 1 -m 1 -w 30 -W 30`: its stream
# and connection receive windows are 2^30-1, so the client's window is not
# the limit. (nghttpd's own -w/-W only set the windows for what nghttpd
# receives, so they do not matter for a download; both servers send DATA
# frames of 16384 bytes, the default SETTINGS_MAX_FRAME_SIZE h2load keeps.)
# MiB/s = SIZE / 2^20 / h2load's "finished in" time (which includes the
# connection setup and, for TLS, the handshake: < 1 ms of a ~0.1 s run).
#
# Servers run on CPU 0 and h2load on CPU 1 (taskset); runs are interleaved
# (ours, nghttpd, ours, nghttpd, ...); it prints every run, the medians and
# the ratio ours/nghttpd.
#
# The 1 GiB part fetches /stream?bytes=1073741824 from ours (h2c, then TLS)
# while sampling VmRSS of the server from /proc/PID/status every 100 ms, and
# prints the peak growth over the resident size just before the request.
#
# Usage: bash bench/single_stream.sh [options]
#   -s BYTES          size of the stream (default 104857600 = 100 MiB)
#   -r N              rounds (default 5)
#   --big=BYTES       size of the memory-growth stream (default 1073741824;
#                     0 skips that part)
#   --no-tls          h2c only
#   --server-args=S   extra arguments for HTTP2Server, e.g. "--threads=1"
#   --server-cpu=N    CPU for the servers (default 0)
#   --client-cpu=N    CPU for h2load (default 1)
#   --no-build        use build-release/ as it is
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SIZE=104857600
ROUNDS=5
BIG=1073741824
TLS=1
SERVER_ARGS=
SERVER_CPU=0
CLIENT_CPU=1
BUILD=1
while [ $# -gt 0 ]; do
	case "$1" in
	-s) SIZE=$2; shift ;;
	-r) ROUNDS=$2; shift ;;
	--big=*) BIG=${1#*=} ;;
	--no-tls) TLS=0 ;;
	--server-args=*) SERVER_ARGS=${1#*=} ;;
	--server-cpu=*) SERVER_CPU=${1#*=} ;;
	--client-cpu=*) CLIENT_CPU=${1#*=} ;;
	--no-build) BUILD=0 ;;
	-h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) echo "single_stream.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done

BUILD_DIR=build-release
if [ "$BUILD" -eq 1 ]; then
	bash scripts/setup.sh --deps-only
	if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
		cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPOCOH2_BUILD_TESTS=OFF
	fi
	cmake --build "$BUILD_DIR" --target HTTP2Server
fi
SERVER=$BUILD_DIR/samples/HTTP2Server/HTTP2Server

WORK=$(mktemp -d -t poco-h2-bench.XXXXXX)
# The file nghttpd serves lives in tmpfs, so that no disk read is measured.
DOCROOT=$(mktemp -d -p /dev/shm poco-h2-docroot.XXXXXX)
PIDS=()
SAMPLER=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup()
{
	[ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$WORK" "$DOCROOT"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port()
{
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for_h2()
	# wait_for_h2 URL: waits until URL answers over HTTP/2.
{
	local url=$1 option=--http2-prior-knowledge
	case "$url" in https:*) option="--http2 -k" ;; esac
	for _ in $(seq 1 100); do
		# shellcheck disable=SC2086 # option is two words for https
		if curl -s -o /dev/null --max-time 2 $option "$url"; then
			return 0
		fi
		sleep 0.1
	done
	echo "single_stream.sh: $url does not answer" >&2
	exit 1
}

# nghttpd: a SIZE-byte file and a throwaway self-signed certificate.
mkdir -p "$WORK/data"
head -c "$SIZE" /dev/zero | tr '\0' 'a' >"$DOCROOT/big"
printf 'Hello, world\n' >"$DOCROOT/index.html"
NGHTTPD_H2C_PORT=$(free_port)
taskset -c "$SERVER_CPU" nghttpd --no-tls --address=127.0.0.1 -d "$DOCROOT" "$NGHTTPD_H2C_PORT" \
	>"$WORK/nghttpd-h2c.log" 2>&1 &
NGHTTPD_H2C_PID=$!
PIDS+=("$NGHTTPD_H2C_PID")
if [ "$TLS" -eq 1 ]; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
		-keyout "$WORK/nghttpd.key" -out "$WORK/nghttpd.crt" 2>/dev/null
	NGHTTPD_TLS_PORT=$(free_port)
	taskset -c "$SERVER_CPU" nghttpd --address=127.0.0.1 -d "$DOCROOT" "$NGHTTPD_TLS_PORT" \
		"$WORK/nghttpd.key" "$WORK/nghttpd.crt" >"$WORK/nghttpd-tls.log" 2>&1 &
	PIDS+=($!)
fi

TLS_PORT_ARG=off
if [ "$TLS" -eq 1 ]; then
	TLS_PORT_ARG=0
fi
start_ours()
	# start_ours: starts HTTP2Server on ports the OS picks; sets OURS_PID,
	# OURS_H2C_PORT, OURS_TLS_PORT.
{
	: >"$WORK/ours.log"
	# shellcheck disable=SC2086 # SERVER_ARGS is a list of arguments
	taskset -c "$SERVER_CPU" "$SERVER" --bind=127.0.0.1 --port=0 --tls-port="$TLS_PORT_ARG" \
		--data-dir="$WORK/data" $SERVER_ARGS >"$WORK/ours.log" 2>&1 &
	OURS_PID=$!
	PIDS+=("$OURS_PID")
	local wanted=$((1 + TLS))
	for _ in $(seq 1 200); do
		if [ "$(grep -c '^listening ' "$WORK/ours.log")" -ge "$wanted" ]; then
			break
		fi
		sleep 0.05
	done
	OURS_H2C_PORT=$(sed -n 's/^listening cleartext on .*:\([0-9]*\)$/\1/p' "$WORK/ours.log")
	OURS_TLS_PORT=$(sed -n 's/^listening tls on .*:\([0-9]*\)$/\1/p' "$WORK/ours.log")
	if [ -z "$OURS_H2C_PORT" ] || { [ "$TLS" -eq 1 ] && [ -z "$OURS_TLS_PORT" ]; }; then
		echo "single_stream.sh: HTTP2Server did not start:" >&2
		cat "$WORK/ours.log" >&2
		exit 1
	fi
}
start_ours

declare -A URL
URL[ours-h2c]="http://127.0.0.1:$OURS_H2C_PORT/stream?bytes=$SIZE"
URL[nghttpd-h2c]=http://127.0.0.1:$NGHTTPD_H2C_PORT/big
PROTOCOLS=(h2c)
if [ "$TLS" -eq 1 ]; then
	URL[ours-tls]="https://127.0.0.1:$OURS_TLS_PORT/stream?bytes=$SIZE"
	URL[nghttpd-tls]=https://127.0.0.1:$NGHTTPD_TLS_PORT/big
	PROTOCOLS+=(tls)
fi
for protocol in "${PROTOCOLS[@]}"; do
	wait_for_h2 "${URL[ours-$protocol]%%/stream*}/"
	wait_for_h2 "${URL[nghttpd-$protocol]%/big}/"
done

TLS_OPTIONS=(--tls13-ciphers=TLS_AES_128_GCM_SHA256 --ciphers=ECDHE-RSA-AES128-GCM-SHA256)
H2LOAD=(h2load -n 1 -c 1 -m 1 -w 30 -W 30)

echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(uname -sr)"
echo "peers:   $(nghttpd --version), $(h2load --version | head -1)"
echo "load:    ${H2LOAD[*]} on CPU $CLIENT_CPU; servers on CPU $SERVER_CPU; stream $SIZE bytes;" \
	"$ROUNDS rounds; HTTP2Server args: ${SERVER_ARGS:-(none)}"
echo "         load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo

seconds()
	# seconds DURATION: h2load's "1.23s" / "456.78ms" / "9.1us" in seconds.
{
	awk -v d="$1" 'BEGIN {
		if (d ~ /us$/) { sub(/us$/, "", d); print d / 1e6 }
		else if (d ~ /ms$/) { sub(/ms$/, "", d); print d / 1e3 }
		else { sub(/s$/, "", d); print d + 0 } }'
}

declare -A RESULTS
LAST_RATE=
run_h2load()
	# run_h2load NAME [URL]: one h2load run against URL[NAME] (or URL);
	# prints and records its MiB/s; sets LAST_RATE.
{
	local name=$1 url=${2:-${URL[$1]}} out=$WORK/h2load.out
	local options=()
	case "$url" in https:*) options=("${TLS_OPTIONS[@]}") ;; esac
	if ! taskset -c "$CLIENT_CPU" "${H2LOAD[@]}" "${options[@]}" "$url" >"$out" 2>&1; then
		echo "h2load failed against $name:" >&2
		cat "$out" >&2
		exit 1
	fi
	local elapsed succeeded data tls secs rate bytes
	elapsed=$(sed -n 's/^finished in \([0-9.]*[mu]*s\),.*/\1/p' "$out")
	succeeded=$(sed -n 's/^requests:.* \([0-9]*\) succeeded.*/\1/p' "$out")
	data=$(sed -n 's/^traffic:.* (\([0-9]*\)) data.*/\1/p' "$out")
	tls=$(sed -n 's/^TLS Protocol: //p; s/^Cipher: //p' "$out" | paste -sd' ')
	bytes=$SIZE
	case "$url" in *bytes=*) bytes=${url##*bytes=} ;; esac
	secs=$(seconds "$elapsed")
	rate=$(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.0f", b / 1048576 / s }')
	printf '%-12s %6s MiB/s  %s bytes in %s, %s/1 succeeded%s\n' "$name" "$rate" "$data" "$elapsed" \
		"$succeeded" "${tls:+  [$tls]}"
	if [ "$succeeded" != 1 ] || [ "$data" != "$bytes" ]; then
		echo "  the request did not complete: $(grep -E '^(requests|traffic):' "$out" | paste -sd' ')" >&2
	fi
	RESULTS[$name]="${RESULTS[$name]:-} $rate"
	LAST_RATE=$rate
}

# One warm-up fetch of each, not counted.
for protocol in "${PROTOCOLS[@]}"; do
	for server in ours nghttpd; do
		taskset -c "$CLIENT_CPU" "${H2LOAD[@]}" "${URL[$server-$protocol]}" >/dev/null 2>&1 || true
	done
done

for round in $(seq 1 "$ROUNDS"); do
	echo "-- round $round"
	for protocol in "${PROTOCOLS[@]}"; do
		run_h2load "ours-$protocol"
		run_h2load "nghttpd-$protocol"
	done
done

rss_kib()
{
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

median()
{
	tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo
echo "medians of $ROUNDS runs (MiB/s, one $SIZE-byte stream):"
for protocol in "${PROTOCOLS[@]}"; do
	ours=$(median <<<"${RESULTS[ours-$protocol]}")
	theirs=$(median <<<"${RESULTS[nghttpd-$protocol]}")
	awk -v p="$protocol" -v a="$ours" -v b="$theirs" \
		'BEGIN { printf "%-4s HTTP2Server %6.0f   nghttpd %6.0f   ratio ours/nghttpd %.2f\n", p, a, b, a / b }'
done
echo "VmRSS after the rounds: HTTP2Server $(($(rss_kib "$OURS_PID") / 1024)) MiB," \
	"nghttpd h2c $(($(rss_kib "$NGHTTPD_H2C_PID") / 1024)) MiB"

[ "$BIG" -gt 0 ] || exit 0

echo
echo "resident growth of HTTP2Server during one $BIG-byte stream (VmRSS every 100 ms;"
echo "a fresh server for each, warmed by one 1 MiB stream over the same protocol):"
for protocol in "${PROTOCOLS[@]}"; do
	kill -TERM "$OURS_PID"
	wait "$OURS_PID" 2>/dev/null || true
	start_ours
	scheme=http port=$OURS_H2C_PORT
	[ "$protocol" = tls ] && scheme=https port=$OURS_TLS_PORT
	wait_for_h2 "$scheme://127.0.0.1:$port/"
	taskset -c "$CLIENT_CPU" "${H2LOAD[@]}" "$scheme://127.0.0.1:$port/stream?bytes=1048576" >/dev/null 2>&1
	sleep 0.2
	before=$(rss_kib "$OURS_PID")
	(
		peak=0
		while :; do
			v=$(rss_kib "$OURS_PID") || break
			[ "$v" -gt "$peak" ] && peak=$v && echo "$peak" >"$WORK/peak"
			sleep 0.1
		done
	) &
	SAMPLER=$!
	run_h2load "ours-$protocol-big" "$scheme://127.0.0.1:$port/stream?bytes=$BIG" >"$WORK/big.line"
	sed 's/^/  /' "$WORK/big.line"
	sleep 0.2
	kill "$SAMPLER" 2>/dev/null || true
	wait "$SAMPLER" 2>/dev/null || true
	SAMPLER=
	peak=$(cat "$WORK/peak")
	after=$(rss_kib "$OURS_PID")
	awk -v p="$protocol" -v b="$before" -v k="$peak" -v a="$after" -v r="$LAST_RATE" 'BEGIN {
		printf "%-4s before %7.1f MiB  peak %7.1f MiB  growth %6.1f MiB  after %7.1f MiB  (%s MiB/s)\n",
			p, b / 1024, k / 1024, (k - b) / 1024, a / 1024, r }'
	rm -f "$WORK/peak"
done
