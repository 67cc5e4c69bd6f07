#!/usr/bin/env bash
# Memory and threads per idle HTTP/2 connection: the HTTP2Server sample
# against nghttpd, over h2c and (unless --no-tls) h2 over TLS.
#
# For each server and protocol a fresh server process is started (pinned to
# CPU 0) and answered one request (so that its lazy start-up allocations are
# in the baseline); then bench/idle_client.py (on CPU 1) opens N connections,
# each sending the preface and SETTINGS (after a TLS 1.3 handshake with ALPN
# h2 for TLS), reading the server's SETTINGS and acknowledging it, and then
# idling. Once all are open and 2 s have passed, the server's VmRSS and
# thread count are read from /proc/PID/status and compared with the
# baseline: KiB per idle connection = (VmRSS after - VmRSS before) / E,
# where E is the number of ESTABLISHED server-side sockets (ss) at that time
# (normally N).
# HTTP2Server closes connections idle for 60 s (its default idle timeout), so
# the measurement is taken well before that.
#
# Usage: bash bench/idle_connections.sh [options]
#   -N N              connections (default 2000; the script raises
#                     `ulimit -n` to 65536 if it may, else to the hard limit;
#                     each process needs N + a few descriptors)
#   --no-tls          h2c only
#   --no-h2c          TLS only
#   --server-args=S   extra arguments for HTTP2Server
#   --server-cpu=N    CPU for the servers (default 0)
#   --client-cpu=N    CPU for the client (default 1)
#   --no-build        use build-release/ as it is
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

COUNT=2000
TLS=1
H2C=1
SERVER_ARGS=
SERVER_CPU=0
CLIENT_CPU=1
BUILD=1
while [ $# -gt 0 ]; do
	case "$1" in
	-N) COUNT=$2; shift ;;
	--no-tls) TLS=0 ;;
	--no-h2c) H2C=0 ;;
	--server-args=*) SERVER_ARGS=${1#*=} ;;
	--server-cpu=*) SERVER_CPU=${1#*=} ;;
	--client-cpu=*) CLIENT_CPU=${1#*=} ;;
	--no-build) BUILD=0 ;;
	-h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) echo "idle_connections.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done

if ! ulimit -n 65536 2>/dev/null; then
	ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
	echo "idle_connections.sh: cannot raise ulimit -n to 65536 (hard limit $(ulimit -Hn)); it is $(ulimit -n)" >&2
fi
if [ "$(ulimit -n)" -lt $((COUNT + 100)) ]; then
	echo "idle_connections.sh: ulimit -n is $(ulimit -n), too low for $COUNT connections" >&2
	exit 1
fi

BUILD_DIR=build-release
if [ "$BUILD" -eq 1 ]; then
	bash scripts/setup.sh --deps-only
	if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
		cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPOCOH2_BUILD_TESTS=OFF
	fi
	cmake --build "$BUILD_DIR" --target HTTP2Server
fi
SERVER=$BUILD_DIR/samples/HTTP2Server/HTTP2Server
CLIENT=bench/idle_client.py
PYTHON=/usr/bin/python3

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
	$PYTHON -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
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
	echo "idle_connections.sh: $url does not answer" >&2
	exit 1
}

status_field()
	# status_field PID FIELD: the number after FIELD: in /proc/PID/status.
{
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

mkdir -p "$WORK/docroot" "$WORK/data"
printf 'Hello, world\n' >"$WORK/docroot/index.html"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-keyout "$WORK/nghttpd.key" -out "$WORK/nghttpd.crt" 2>/dev/null

SERVER_PID=
PORT=
start_server()
	# start_server ours|nghttpd h2c|tls: starts a fresh server; sets
	# SERVER_PID and PORT.
{
	local server=$1 protocol=$2
	if [ "$server" = nghttpd ]; then
		PORT=$(free_port)
		local tls_args=(--no-tls)
		[ "$protocol" = tls ] && tls_args=()
		taskset -c "$SERVER_CPU" nghttpd "${tls_args[@]}" --address=127.0.0.1 -d "$WORK/docroot" "$PORT" \
			"$WORK/nghttpd.key" "$WORK/nghttpd.crt" >"$WORK/server.log" 2>&1 &
		SERVER_PID=$!
	else
		local ports=(--port=0 --tls-port=off)
		[ "$protocol" = tls ] && ports=(--port=off --tls-port=0)
		# shellcheck disable=SC2086 # SERVER_ARGS is a list of arguments
		taskset -c "$SERVER_CPU" "$SERVER" --bind=127.0.0.1 "${ports[@]}" --data-dir="$WORK/data" $SERVER_ARGS \
			>"$WORK/server.log" 2>&1 &
		SERVER_PID=$!
		PORT=
		for _ in $(seq 1 200); do
			PORT=$(sed -n 's/^listening [a-z]* on .*:\([0-9]*\)$/\1/p' "$WORK/server.log")
			[ -n "$PORT" ] && break
			sleep 0.05
		done
		if [ -z "$PORT" ]; then
			echo "idle_connections.sh: HTTP2Server did not start:" >&2
			cat "$WORK/server.log" >&2
			exit 1
		fi
	fi
	PIDS+=("$SERVER_PID")
	local scheme=http
	[ "$protocol" = tls ] && scheme=https
	wait_for_h2 "$scheme://127.0.0.1:$PORT/"
}

stop_server()
{
	kill -TERM "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
}

echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(uname -sr)"
echo "peers:   $(nghttpd --version); HTTP2Server args: ${SERVER_ARGS:-(none)}"
echo "load:    $COUNT idle connections per server and protocol; server on CPU $SERVER_CPU, client on CPU $CLIENT_CPU;" \
	"ulimit -n $(ulimit -n)"
echo

PROTOCOLS=()
[ "$H2C" -eq 1 ] && PROTOCOLS+=(h2c)
[ "$TLS" -eq 1 ] && PROTOCOLS+=(tls)
ROWS=()
for protocol in "${PROTOCOLS[@]}"; do
	for server in ours nghttpd; do
		start_server "$server" "$protocol"
		sleep 0.5
		rss0=$(status_field "$SERVER_PID" VmRSS)
		threads0=$(status_field "$SERVER_PID" Threads)
		client_args=()
		[ "$protocol" = tls ] && client_args=(--tls)
		taskset -c "$CLIENT_CPU" $PYTHON "$CLIENT" 127.0.0.1 "$PORT" "$COUNT" "${client_args[@]}" \
			>"$WORK/client.out" 2>"$WORK/client.err" &
		client=$!
		PIDS+=("$client")
		for _ in $(seq 1 1200); do
			grep -q '^ready' "$WORK/client.out" && break
			kill -0 "$client" 2>/dev/null || break
			sleep 0.1
		done
		read -r _ open failed setup <"$WORK/client.out" || {
			echo "idle_connections.sh: the client did not finish:" >&2
			cat "$WORK/client.err" >&2
			exit 1
		}
		sleep 2
		rss1=$(status_field "$SERVER_PID" VmRSS)
		threads1=$(status_field "$SERVER_PID" Threads)
		established=$(ss -Htn state established "( sport = :$PORT )" | wc -l)
		kill -TERM "$client" 2>/dev/null || true
		wait "$client" 2>/dev/null || true
		stop_server
		line=$(awk -v s="$server" -v p="$protocol" -v n="$COUNT" -v o="$open" -v f="$failed" -v e="$established" \
			-v t="$setup" -v r0="$rss0" -v r1="$rss1" -v t0="$threads0" -v t1="$threads1" 'BEGIN {
			printf "| %s | %s | %d/%d (%d failed) | %d | %.1f s | %.1f | %.1f | %.2f | %d | %d |",
				s, p, o, n, f, e, t, r0 / 1024, r1 / 1024, e ? (r1 - r0) / e : 0, t0, t1 }')
		echo "$line"
		sed 's/^/    client: /' "$WORK/client.err"
		if [ "$established" -lt "$open" ]; then
			echo "    warning: only $established of $open connections were still open when measured" \
				"(HTTP2Server closes connections idle for 60 s; the set-up took $setup s)"
		fi
		ROWS+=("$line")
	done
done

echo
echo "| server | protocol | open/asked | ESTABLISHED | set-up time | VmRSS before (MiB) | VmRSS after (MiB) | KiB per idle conn | threads before | threads after |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${ROWS[@]}"
