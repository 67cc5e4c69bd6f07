#!/usr/bin/env bash
# Small-response throughput of the HTTP2Server sample against nghttpd, with
# h2load, over h2c and (unless --no-tls) h2 over TLS.
#
# Both servers answer GET / with the same 13-byte body ("Hello, world\n").
# Servers run on CPU 0 and h2load on CPU 1 (taskset); the runs are
# interleaved (ours, nghttpd, ours, nghttpd, ...) so that the machine's drift
# hits both alike; the script prints every run, the medians and the ratio.
#
# Usage: bash bench/h2load_vs_nghttpd.sh [options]
#   -n N              requests per run (default 200000)
#   -c N              h2load clients (default 10)
#   -m N              streams in flight per client (default 100)
#   -r N              rounds (default 5)
#   --no-tls          h2c only
#   --server-args=S   extra arguments for HTTP2Server, e.g. "--threads=2"
#   --server-cpu=N    CPU for the servers (default 0)
#   --client-cpu=N    CPU for h2load (default 1)
#   --no-build        use build-release/ as it is
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

REQUESTS=200000
CLIENTS=10
STREAMS=100
ROUNDS=5
TLS=1
SERVER_ARGS=
SERVER_CPU=0
CLIENT_CPU=1
BUILD=1
while [ $# -gt 0 ]; do
	case "$1" in
	-n) REQUESTS=$2; shift ;;
	-c) CLIENTS=$2; shift ;;
	-m) STREAMS=$2; shift ;;
	-r) ROUNDS=$2; shift ;;
	--no-tls) TLS=0 ;;
	--server-args=*) SERVER_ARGS=${1#*=} ;;
	--server-cpu=*) SERVER_CPU=${1#*=} ;;
	--client-cpu=*) CLIENT_CPU=${1#*=} ;;
	--no-build) BUILD=0 ;;
	-h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) echo "h2load_vs_nghttpd.sh: unknown option $1" >&2; exit 2 ;;
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
PIDS=()
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup()
{
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$WORK"
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
	echo "h2load_vs_nghttpd.sh: $url does not answer" >&2
	exit 1
}

# nghttpd: a 13-byte index.html and a throwaway self-signed certificate.
mkdir -p "$WORK/docroot" "$WORK/data"
printf 'Hello, world\n' >"$WORK/docroot/index.html"
NGHTTPD_H2C_PORT=$(free_port)
taskset -c "$SERVER_CPU" nghttpd --no-tls --address=127.0.0.1 -d "$WORK/docroot" "$NGHTTPD_H2C_PORT" \
	>"$WORK/nghttpd-h2c.log" 2>&1 &
PIDS+=($!)
if [ "$TLS" -eq 1 ]; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
		-keyout "$WORK/nghttpd.key" -out "$WORK/nghttpd.crt" 2>/dev/null
	NGHTTPD_TLS_PORT=$(free_port)
	taskset -c "$SERVER_CPU" nghttpd --address=127.0.0.1 -d "$WORK/docroot" "$NGHTTPD_TLS_PORT" \
		"$WORK/nghttpd.key" "$WORK/nghttpd.crt" >"$WORK/nghttpd-tls.log" 2>&1 &
	PIDS+=($!)
fi

# Ours: cleartext and TLS on ports the OS picks.
TLS_PORT_ARG=off
if [ "$TLS" -eq 1 ]; then
	TLS_PORT_ARG=0
fi
# shellcheck disable=SC2086 # SERVER_ARGS is a list of arguments
taskset -c "$SERVER_CPU" "$SERVER" --bind=127.0.0.1 --port=0 --tls-port="$TLS_PORT_ARG" \
	--data-dir="$WORK/data" $SERVER_ARGS >"$WORK/ours.log" 2>&1 &
PIDS+=($!)
wanted=$((1 + TLS))
for _ in $(seq 1 200); do
	if [ "$(grep -c '^listening ' "$WORK/ours.log")" -ge "$wanted" ]; then
		break
	fi
	sleep 0.05
done
OURS_H2C_PORT=$(sed -n 's/^listening cleartext on .*:\([0-9]*\)$/\1/p' "$WORK/ours.log")
OURS_TLS_PORT=$(sed -n 's/^listening tls on .*:\([0-9]*\)$/\1/p' "$WORK/ours.log")
if [ -z "$OURS_H2C_PORT" ] || { [ "$TLS" -eq 1 ] && [ -z "$OURS_TLS_PORT" ]; }; then
	echo "h2load_vs_nghttpd.sh: HTTP2Server did not start:" >&2
	cat "$WORK/ours.log" >&2
	exit 1
fi

declare -A URL
URL[ours-h2c]=http://127.0.0.1:$OURS_H2C_PORT/
URL[nghttpd-h2c]=http://127.0.0.1:$NGHTTPD_H2C_PORT/
PROTOCOLS=(h2c)
if [ "$TLS" -eq 1 ]; then
	URL[ours-tls]=https://127.0.0.1:$OURS_TLS_PORT/
	URL[nghttpd-tls]=https://127.0.0.1:$NGHTTPD_TLS_PORT/
	PROTOCOLS+=(tls)
fi
for key in "${!URL[@]}"; do
	wait_for_h2 "${URL[$key]}"
done
for protocol in "${PROTOCOLS[@]}"; do
	option=--http2-prior-knowledge
	[ "$protocol" = tls ] && option="--http2 -k"
	# shellcheck disable=SC2086
	ours_body=$(curl -s $option "${URL[ours-$protocol]}" | od -c)
	# shellcheck disable=SC2086
	nghttpd_body=$(curl -s $option "${URL[nghttpd-$protocol]}" | od -c)
	if [ "$ours_body" != "$nghttpd_body" ]; then
		echo "h2load_vs_nghttpd.sh: the $protocol bodies differ; ours: $ours_body; nghttpd: $nghttpd_body" >&2
		exit 1
	fi
done

# The same TLS version and cipher for both servers.
TLS_OPTIONS=(--tls13-ciphers=TLS_AES_128_GCM_SHA256 --ciphers=ECDHE-RSA-AES128-GCM-SHA256)

echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(uname -sr)"
echo "peers:   $(nghttpd --version), $(h2load --version | head -1)"
echo "load:    h2load -n $REQUESTS -c $CLIENTS -m $STREAMS on CPU $CLIENT_CPU; servers on CPU $SERVER_CPU;" \
	"$ROUNDS rounds; HTTP2Server args: ${SERVER_ARGS:-(none)}"
echo

declare -A RESULTS
run_h2load()
	# run_h2load NAME: one h2load run against URL[NAME]; prints and records
	# its req/s.
{
	local name=$1 url=${URL[$1]} out=$WORK/h2load.out
	local options=()
	case "$url" in https:*) options=("${TLS_OPTIONS[@]}") ;; esac
	if ! taskset -c "$CLIENT_CPU" h2load -n "$REQUESTS" -c "$CLIENTS" -m "$STREAMS" "${options[@]}" "$url" >"$out" 2>&1; then
		echo "h2load failed against $name:" >&2
		cat "$out" >&2
		exit 1
	fi
	local finished requests rate succeeded tls
	finished=$(grep '^finished in' "$out")
	requests=$(grep '^requests:' "$out")
	rate=$(sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' "$out")
	succeeded=$(sed -n 's/^requests:.* \([0-9]*\) succeeded.*/\1/p' "$out")
	tls=$(sed -n 's/^TLS Protocol: //p; s/^Cipher: //p' "$out" | paste -sd' ')
	local elapsed=${finished#finished in }
	printf '%-12s %10s req/s  %s/%s succeeded in %s%s\n' "$name" "$rate" "$succeeded" "$REQUESTS" \
		"${elapsed%%,*}" "${tls:+  [$tls]}"
	if [ "$succeeded" != "$REQUESTS" ]; then
		echo "  not every request succeeded: $requests" >&2
	fi
	RESULTS[$name]="${RESULTS[$name]:-} $rate"
}

# A short warm-up of each server, not counted.
for protocol in "${PROTOCOLS[@]}"; do
	for server in ours nghttpd; do
		taskset -c "$CLIENT_CPU" h2load -n $((REQUESTS / 10)) -c "$CLIENTS" -m "$STREAMS" "${URL[$server-$protocol]}" \
			>/dev/null 2>&1 || true
	done
done

for round in $(seq 1 "$ROUNDS"); do
	echo "-- round $round"
	for protocol in "${PROTOCOLS[@]}"; do
		run_h2load "ours-$protocol"
		run_h2load "nghttpd-$protocol"
	done
done

median()
{
	tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo
echo "medians of $ROUNDS runs (req/s):"
for protocol in "${PROTOCOLS[@]}"; do
	ours=$(median <<<"${RESULTS[ours-$protocol]}")
	theirs=$(median <<<"${RESULTS[nghttpd-$protocol]}")
	awk -v p="$protocol" -v a="$ours" -v b="$theirs" \
		'BEGIN { printf "%-4s HTTP2Server %10.0f   nghttpd %10.0f   ratio ours/nghttpd %.2f\n", p, a, b, a / b }'
done
