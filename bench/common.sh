# shellcheck shell=bash
# Shared code of the benchmark scripts: building, starting and stopping the
# servers (ours, nghttpd, h2o, nginx, Poco's HTTP/1.1 server) pinned to one
# CPU, waiting for them, h2load runs and their parsing, medians.
# Source it from a script in bench/ after `set -euo pipefail`:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
#   bench_init NAME        # cd to the repository, temp dir $WORK, cleanup traps
#
# Every process started here is remembered and ended (TERM, then KILL after
# 5 s) when the script exits, fails or is interrupted.

BENCH_NAME=bench
BUILD_DIR=${BUILD_DIR:-build-release}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
PYTHON=/usr/bin/python3
# The same TLS version and cipher for every server and client.
TLS_OPTIONS=(--tls13-ciphers=TLS_AES_128_GCM_SHA256 --ciphers=ECDHE-RSA-AES128-GCM-SHA256)
# Peers and tools bench/run.sh needs beyond scripts/setup.sh's own list.
BENCH_PACKAGES="h2o gnuplot-nox nghttp2-client nghttp2-server nginx-light"
BENCH_PIDS=()
STARTED_PID=
STARTED_LOG=/dev/null
WORK=

bench_init()
	# bench_init NAME: goes to the repository root, makes $WORK, sets the
	# traps that end every started process and remove $WORK.
{
	BENCH_NAME=$1
	cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
	WORK=$(mktemp -d -t poco-h2-bench.XXXXXX)
	trap bench_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	# Enough descriptors for 10 000 connections per process.
	ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
}

# shellcheck disable=SC2317 # called by the EXIT trap
bench_cleanup()
{
	local pid
	for pid in "${BENCH_PIDS[@]}"; do
		kill_tree "$pid"
	done
	for pid in "${BENCH_PIDS[@]}"; do
		bench_reap "$pid"
	done
	[ -n "$WORK" ] && rm -rf "$WORK"
	[ -n "${BENCH_SHM:-}" ] && rm -rf "$BENCH_SHM"
	return 0
}

kill_tree()
	# kill_tree PID: sends TERM to PID and all its descendants (children
	# first, so that a wrapper such as timeout cannot outlive them).
{
	local child
	for child in $(pgrep -P "$1" 2>/dev/null); do
		kill_tree "$child"
	done
	kill -TERM "$1" 2>/dev/null || true
}

bench_wait()
	# bench_wait COMMAND...: runs COMMAND in the background and waits for it,
	# so that a TERM sent to the script is handled at once (bash runs traps
	# only between foreground commands); returns COMMAND's status.
{
	"$@" &
	local pid=$!
	BENCH_PIDS+=("$pid")
	local status=0
	wait "$pid" || status=$?
	unset 'BENCH_PIDS[-1]'
	return "$status"
}

bench_reap()
	# bench_reap PID: waits up to 5 s for PID to exit, then kills it.
{
	local pid=$1
	for _ in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

bench_die()
{
	echo "$BENCH_NAME: $*" >&2
	exit 1
}

bench_build()
	# bench_build TARGET...: installs the missing packages (scripts/setup.sh
	# with $BENCH_PACKAGES) and builds TARGETs in $BUILD_DIR (Release).
{
	bash scripts/setup.sh --deps-only --extra-packages "$BENCH_PACKAGES"
	if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
		cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPOCOH2_BUILD_TESTS=OFF \
			-DPOCOH2_BUILD_BENCH=ON
	fi
	cmake --build "$BUILD_DIR" --target "$@"
}

bench_start()
	# bench_start LOG COMMAND...: runs COMMAND in the background on
	# $SERVER_CPU with its output in LOG; sets STARTED_PID.
{
	local log=$1
	shift
	taskset -c "$SERVER_CPU" "$@" >"$log" 2>&1 &
	STARTED_PID=$!
	STARTED_LOG=$log
	BENCH_PIDS+=("$STARTED_PID")
}

bench_stop()
	# bench_stop PID: ends a process started by bench_start.
{
	kill -TERM "$1" 2>/dev/null || true
	bench_reap "$1"
}

free_port()
{
	free_ports 1
}

free_ports()
	# free_ports N: N ports free now, on one line. The sockets are bound all
	# at once, so no two are the same (two separate picks can be: the kernel
	# may hand a port just let go of out again, and h2o then refused a
	# config listening twice on one port).
{
	$PYTHON -c 'import socket, sys
s = [socket.socket() for _ in range(int(sys.argv[1]))]
for x in s:
    x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))' "$1"
}

wait_for_url()
	# wait_for_url URL [h1|h2]: waits (10 s at most) until URL answers over
	# HTTP/2 (default: prior knowledge for http://, ALPN for https://) or
	# HTTP/1.1. Gives up early, showing its log, if the server last started
	# has exited.
{
	local url=$1 version=${2:-h2} options=()
	if [ "$version" = h1 ]; then
		options=(--http1.1)
	elif [[ $url == https:* ]]; then
		options=(--http2)
	else
		options=(--http2-prior-knowledge)
	fi
	for _ in $(seq 1 100); do
		if curl -s -k -o /dev/null --max-time 2 "${options[@]}" "$url"; then
			return 0
		fi
		if ! kill -0 "$STARTED_PID" 2>/dev/null; then
			bench_die "the server for $url exited: $(tail -5 "$STARTED_LOG")"
		fi
		sleep 0.1
	done
	bench_die "$url does not answer"
}

wait_for_listening()
	# wait_for_listening LOG COUNT: waits (10 s at most) until LOG has COUNT
	# "listening ..." lines (HTTP2Server, PocoHttp1Server).
{
	local log=$1 count=$2
	for _ in $(seq 1 200); do
		[ "$(grep -c '^listening ' "$log")" -ge "$count" ] && return 0
		sleep 0.05
	done
	bench_die "the server did not start: $(cat "$log")"
}

listening_port()
	# listening_port LOG cleartext|tls: the port of that "listening" line.
{
	sed -n "s/^listening $2 on .*:\\([0-9]*\\)\$/\\1/p" "$1"
}

make_docroot()
	# make_docroot DIR [BIG_BYTES]: the peers' files in DIR: index.html (the
	# 13-byte body), 1m (1 MiB of 'x', as the /1m handler) and, with
	# BIG_BYTES, big (that many bytes, as /stream?bytes=N). DIR should be on
	# tmpfs so that no disk read is measured.
{
	local dir=$1 big=${2:-0}
	mkdir -p "$dir"
	printf 'Hello, world\n' >"$dir/index.html"
	head -c 1048576 /dev/zero | tr '\0' x >"$dir/1m"
	if [ "$big" -gt 0 ]; then
		# The /stream handler's bytes: "abc...z" repeated, restarting every 16 KiB.
		$PYTHON -c 'import sys
chunk = bytes(97 + i % 26 for i in range(16384))
n = int(sys.argv[1])
with open(sys.argv[2], "wb") as f:
    while n > 0:
        f.write(chunk[:min(n, len(chunk))]); n -= len(chunk)' "$big" "$dir/big"
	fi
}

make_certificate()
	# make_certificate DIR: a throwaway RSA-2048 self-signed certificate,
	# DIR/cert.pem and DIR/key.pem, for the peers.
{
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
		-keyout "$1/key.pem" -out "$1/cert.pem" 2>/dev/null
}

# ---------------------------------------------------------------------------
# Servers. Each start_* function starts one server on $SERVER_CPU and waits
# until it answers; it sets <NAME>_PID and <NAME>_*_PORT variables.

start_ours()
	# start_ours DATA_DIR [ARGS...]: the HTTP2Server sample, h2c and TLS on
	# ports the OS picks. Sets OURS_PID, OURS_H2C_PORT, OURS_TLS_PORT.
{
	local data=$1
	shift
	local log=$WORK/ours.$RANDOM.log
	bench_start "$log" "$BUILD_DIR/samples/HTTP2Server/HTTP2Server" --bind=127.0.0.1 --port=0 --tls-port=0 \
		--data-dir="$data" "$@"
	OURS_PID=$STARTED_PID
	wait_for_listening "$log" 2
	OURS_H2C_PORT=$(listening_port "$log" cleartext)
	OURS_TLS_PORT=$(listening_port "$log" tls)
	wait_for_url "http://127.0.0.1:$OURS_H2C_PORT/"
	wait_for_url "https://127.0.0.1:$OURS_TLS_PORT/"
}

start_poco_http1()
	# start_poco_http1 THREADS: bench/PocoHttp1Server (Poco's HTTPServer).
	# Sets POCO1_PID, POCO1_PORT.
{
	local log=$WORK/poco-http1.$RANDOM.log
	bench_start "$log" "$BUILD_DIR/bench/PocoHttp1Server" --bind=127.0.0.1 --port=0 --threads="$1"
	POCO1_PID=$STARTED_PID
	wait_for_listening "$log" 1
	POCO1_PORT=$(listening_port "$log" cleartext)
	wait_for_url "http://127.0.0.1:$POCO1_PORT/" h1
}

start_nghttpd()
	# start_nghttpd DOCROOT CERTDIR h2c|tls: nghttpd with one worker thread
	# (-n1), echoing uploads (--echo-upload: a POST gets its body back, as
	# our /echo). Sets NGHTTPD_PID, NGHTTPD_PORT.
{
	local docroot=$1 certs=$2 protocol=$3
	NGHTTPD_PORT=$(free_port)
	local args=(-n1 --echo-upload --address=127.0.0.1 -d "$docroot" "$NGHTTPD_PORT")
	if [ "$protocol" = h2c ]; then
		args=(--no-tls "${args[@]}")
	else
		args+=("$certs/key.pem" "$certs/cert.pem")
	fi
	bench_start "$WORK/nghttpd-$protocol.log" nghttpd "${args[@]}"
	NGHTTPD_PID=$STARTED_PID
	local scheme=http
	[ "$protocol" = tls ] && scheme=https
	wait_for_url "$scheme://127.0.0.1:$NGHTTPD_PORT/"
}

start_h2o()
	# start_h2o DOCROOT CERTDIR: h2o with one thread, a cleartext port (h2c
	# with prior knowledge and HTTP/1.1) and a TLS port. Sets H2O_PID,
	# H2O_H2C_PORT, H2O_TLS_PORT.
{
	local docroot=$1 certs=$2 conf=$WORK/h2o.$RANDOM.conf
	read -r H2O_H2C_PORT H2O_TLS_PORT < <(free_ports 2)
	{
		echo "num-threads: 1"
		echo "max-connections: 20000"
		echo "error-log: $WORK/h2o-error.log"
		echo "http2-idle-timeout: 600"
		echo "http1-request-timeout: 600"
		# Run as the invoking user (h2o switches to "nobody" when started as root).
		echo "user: $(id -un)"
		echo "listen:"
		echo "  host: 127.0.0.1"
		echo "  port: $H2O_H2C_PORT"
		echo "listen:"
		echo "  host: 127.0.0.1"
		echo "  port: $H2O_TLS_PORT"
		echo "  ssl:"
		echo "    certificate-file: $certs/cert.pem"
		echo "    key-file: $certs/key.pem"
		echo "    ocsp-update-interval: 0"
		echo "hosts:"
		echo "  default:"
		echo "    paths:"
		echo "      /:"
		echo "        file.dir: $docroot"
	} >"$conf"
	bench_start "$WORK/h2o.log" h2o -m worker -c "$conf"
	H2O_PID=$STARTED_PID
	wait_for_url "http://127.0.0.1:$H2O_H2C_PORT/"
	wait_for_url "https://127.0.0.1:$H2O_TLS_PORT/"
}

start_nginx()
	# start_nginx DOCROOT CERTDIR: nginx with one worker process (made fair
	# as DESIGN.md §5 says: keepalive_requests raised, TLS 1.3 on,
	# open_file_cache), an h2c
	# port (prior knowledge: nginx 1.22 `listen ... http2` without ssl), a
	# TLS port (h2 by ALPN) and an HTTP/1.1 port. Sets NGINX_PID (the
	# master), NGINX_WORKER_PID, NGINX_H2C_PORT, NGINX_TLS_PORT,
	# NGINX_H1_PORT.
{
	local docroot=$1 certs=$2 dir=$WORK/nginx.$RANDOM
	mkdir -p "$dir"
	read -r NGINX_H2C_PORT NGINX_TLS_PORT NGINX_H1_PORT < <(free_ports 3)
	{
		if [ "$(id -u)" -eq 0 ]; then
			echo "user root;" # as the invoking user, not nobody
		fi
		echo "worker_processes 1;"
		echo "daemon off;"
		echo "pid $dir/nginx.pid;"
		echo "error_log $dir/error.log;"
		echo "worker_rlimit_nofile 20000;"
		echo "events { worker_connections 20000; }"
		echo "http {"
		echo "  access_log off;"
		for temp in client_body proxy fastcgi uwsgi scgi; do
			echo "  ${temp}_temp_path $dir/$temp;"
		done
		echo "  default_type application/octet-stream;"
		echo "  keepalive_requests 1000000000;"
		echo "  keepalive_timeout 600s;"
		echo "  client_header_timeout 600s;" # a slow client's first request (idle case)
		echo "  open_file_cache max=100;"
		echo "  ssl_protocols TLSv1.2 TLSv1.3;"
		echo "  server {"
		echo "    listen 127.0.0.1:$NGINX_H2C_PORT http2;"
		echo "    listen 127.0.0.1:$NGINX_TLS_PORT ssl http2;"
		echo "    listen 127.0.0.1:$NGINX_H1_PORT;"
		echo "    ssl_certificate $certs/cert.pem;"
		echo "    ssl_certificate_key $certs/key.pem;"
		echo "    root $docroot;"
		echo "  }"
		echo "}"
	} >"$dir/nginx.conf"
	bench_start "$dir/stderr.log" nginx -c "$dir/nginx.conf" -e "$dir/error.log"
	NGINX_PID=$STARTED_PID
	wait_for_url "http://127.0.0.1:$NGINX_H2C_PORT/"
	wait_for_url "https://127.0.0.1:$NGINX_TLS_PORT/"
	wait_for_url "http://127.0.0.1:$NGINX_H1_PORT/" h1
	NGINX_WORKER_PID=$(pgrep -P "$NGINX_PID" | head -1)
}

# ---------------------------------------------------------------------------
# Measuring.

status_field()
	# status_field PID FIELD: the number after FIELD: in /proc/PID/status.
{
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

run_h2load()
	# run_h2load OUT ARGS...: h2load ARGS on $CLIENT_CPU (with the common TLS
	# options for https), output in OUT, plus a last line "cpu U S": the
	# user and system seconds h2load used. Fails if h2load does or runs
	# longer than $H2LOAD_TIMEOUT seconds (default 300): h2load 1.52's timed
	# mode (-D) can run forever when clients connect after its main
	# duration started.
{
	local out=$1
	shift
	local tls=()
	[[ ${*: -1} == https:* ]] && tls=("${TLS_OPTIONS[@]}")
	rm -f "$out.time"
	if ! bench_wait timed "$out.time" timeout --kill-after=5 "${H2LOAD_TIMEOUT:-300}" \
		taskset -c "$CLIENT_CPU" h2load "${tls[@]}" "$@" >"$out" 2>&1; then
		echo "$BENCH_NAME: h2load $* failed or timed out after ${H2LOAD_TIMEOUT:-300} s:" >&2
		tail -3 "$out" >&2
		return 1
	fi
	cat "$out.time" >>"$out"
	rm -f "$out.time"
}

timed()
	# timed FILE COMMAND...: runs COMMAND and appends "cpu USER SYSTEM" (its
	# CPU seconds) to FILE.
{
	local file=$1
	shift
	local TIMEFORMAT='cpu %U %S'
	{ time "$@"; } 2>>"$file"
}

h2load_field()
	# h2load_field OUT rate|succeeded|failed|seconds|data|cpu|tls: a figure
	# of run_h2load's output.
{
	local out=$1
	case "$2" in
	rate) sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' "$out" ;;
	succeeded) sed -n 's/^requests:.* \([0-9]*\) succeeded.*/\1/p' "$out" ;;
	failed) sed -n 's/^requests:.* \([0-9]*\) failed, \([0-9]*\) errored, \([0-9]*\) timeout.*/\1 \2 \3/p' "$out" |
		awk '{ print $1 + $2 + $3 }' ;;
	seconds) sed -n 's/^finished in \([0-9.]*[mu]*s\),.*/\1/p' "$out" | awk '{ d = $1
		if (d ~ /us$/) { sub(/us$/, "", d); print d / 1e6 }
		else if (d ~ /ms$/) { sub(/ms$/, "", d); print d / 1e3 }
		else { sub(/s$/, "", d); print d + 0 } }' ;;
	data) sed -n 's/^traffic:.* (\([0-9]*\)) data.*/\1/p' "$out" ;;
	cpu) awk '$1 == "cpu" { print $2 + $3 }' "$out" ;;
	tls) sed -n 's/^TLS Protocol: //p; s/^Cipher: //p' "$out" | paste -sd' ' ;;
	esac
}

median()
	# median: the median of the numbers on stdin (whitespace separated).
{
	tr ' ' '\n' | grep -v '^$' | sort -g |
		awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

machine_summary()
	# Prints the machine, the peers' versions and the load average.
{
	echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(uname -sr)"
	echo "peers:   $(nghttpd --version), $(h2o --version | head -1), $(nginx -v 2>&1 | sed 's/.*: //'), $(h2load --version | head -1)"
	echo "load:    $(uptime | sed 's/.*load average/load average/')"
}
