#!/usr/bin/env bash
# Interleaved A/B of h2c servers under one h2load load: every round runs each
# server in turn (A B C A B C ...), so that the machine's drift hits all of
# them alike. Each server on CPU 0, h2load on CPU 1 (as bench/run.sh). For
# each run: requests per second and the server's CPU time per request
# (utime + stime of the whole process from /proc/PID/stat); then the medians.
# Use it to compare two builds of ours (and a peer) in the same minutes;
# bench/run.sh is the full benchmark. Last, each server against the first
# one named, paired round by round: the median of the per-round ratios and
# the rounds it was ahead.
#
# Usage: bash bench/ab_servers.sh [options] NAME=COMMAND...
#   COMMAND is the server's command line with the word PORT where its port
#   goes (a free port is picked for each), for example
#     ours=build-release/samples/HTTP2Server/HTTP2Server --bind=127.0.0.1 --port=PORT --tls-port=off --inline-handlers
#     nghttpd=nghttpd -n1 --no-tls --address=127.0.0.1 -d DOCROOT PORT
#   --rounds=N       rounds (default 5)
#   -n N             requests per run (default 300000; a fifth of it warms each server up first)
#   -c N, -m N       h2load's clients and streams per client (default 10 and 100)
#   --path=P         the path requested (default /)
#   --tls            the servers speak TLS on PORT (h2 by ALPN): h2load and
#                    curl use https. A throwaway certificate is made in a
#                    temporary directory; the word CERTS in a command stands
#                    for it (CERTS/cert.pem, CERTS/key.pem), for example
#                    ours=... --port=off --tls-port=PORT --data-dir=CERTS
#                    nghttpd=nghttpd -n1 --address=127.0.0.1 -d DOCROOT PORT CERTS/key.pem CERTS/cert.pem
set -euo pipefail

ROUNDS=5
REQUESTS=300000
CLIENTS=10
STREAMS=100
URL_PATH=/
SCHEME=http
NAMES=()
declare -A COMMAND PID PORT
while [ $# -gt 0 ]; do
	case "$1" in
	--rounds=*) ROUNDS=${1#*=} ;;
	-n) REQUESTS=$2; shift ;;
	-c) CLIENTS=$2; shift ;;
	-m) STREAMS=$2; shift ;;
	--path=*) URL_PATH=${1#*=} ;;
	--tls) SCHEME=https ;;
	-h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*=*) NAMES+=("${1%%=*}"); COMMAND[${1%%=*}]=${1#*=} ;;
	*) echo "ab_servers.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
[ ${#NAMES[@]} -gt 0 ] || { echo "ab_servers.sh: no server given (NAME=COMMAND)" >&2; exit 2; }

WORK=$(mktemp -d -t poco-h2-ab.XXXXXX)
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup()
{
	for name in "${NAMES[@]}"; do
		[ -n "${PID[$name]:-}" ] && kill -TERM "${PID[$name]}" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT
CURL_ARGS=(--http2-prior-knowledge)
if [ "$SCHEME" = https ]; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
		-keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
	CURL_ARGS=(-k --http2)
fi

free_port()
{
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

for name in "${NAMES[@]}"; do
	PORT[$name]=$(free_port)
	command=${COMMAND[$name]//PORT/${PORT[$name]}}
	# shellcheck disable=SC2086 # the command is a list of words
	taskset -c 0 ${command//CERTS/$WORK} >"$WORK/$name.log" 2>&1 &
	PID[$name]=$!
done
for name in "${NAMES[@]}"; do
	for _ in $(seq 1 100); do
		curl -s -o /dev/null "${CURL_ARGS[@]}" "$SCHEME://127.0.0.1:${PORT[$name]}$URL_PATH" && break
		kill -0 "${PID[$name]}" 2>/dev/null || { echo "ab_servers.sh: $name exited: $(tail -3 "$WORK/$name.log")" >&2; exit 1; }
		sleep 0.1
	done
	taskset -c 1 h2load -n $((REQUESTS / 5)) -c "$CLIENTS" -m "$STREAMS" "$SCHEME://127.0.0.1:${PORT[$name]}$URL_PATH" >/dev/null
done

hz=$(getconf CLK_TCK)
echo "round server req/s cpu_us_per_request"
for round in $(seq 1 "$ROUNDS"); do
	for name in "${NAMES[@]}"; do
		before=$(awk '{ print $14 + $15 }' "/proc/${PID[$name]}/stat")
		rate=$(taskset -c 1 h2load -n "$REQUESTS" -c "$CLIENTS" -m "$STREAMS" "$SCHEME://127.0.0.1:${PORT[$name]}$URL_PATH" |
			sed -n 's/^finished in .*, \([0-9.]*\) req\/s.*/\1/p')
		after=$(awk '{ print $14 + $15 }' "/proc/${PID[$name]}/stat")
		cpu=$(awk -v t=$((after - before)) -v hz="$hz" -v n="$REQUESTS" 'BEGIN { printf "%.2f", t / hz * 1e6 / n }')
		echo "$round $name ${rate:-failed} $cpu" | tee -a "$WORK/runs"
	done
done
echo "median: server req/s cpu_us_per_request (of $ROUNDS rounds; h2load -c$CLIENTS -m$STREAMS $URL_PATH)"
for name in "${NAMES[@]}"; do
	median()
	{
		awk -v n="$name" -v col="$1" '$2 == n { print $col }' "$WORK/runs" | sort -n |
			awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
	}
	echo "median: $name $(median 3) $(median 4)"
done
# Paired: each server's rate over the first server's in the same round, then
# the median of those ratios and the rounds it was ahead. Less swayed by a
# slow spell than the ratio of two medians, since both runs of a pair share
# most of it.
base=${NAMES[0]}
echo "paired with $base: server median(req/s ratio per round) rounds ahead"
for name in "${NAMES[@]:1}"; do
	awk -v b="$base" -v n="$name" '$2 == b { r[$1] = $3 } $2 == n { v[$1] = $3 }
		END { for (i in v) if (r[i] > 0 && v[i] != "failed") print v[i] / r[i] }' "$WORK/runs" | sort -n |
		awk -v n="$name" '{ v[NR] = $1; ahead += $1 > 1 }
			END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "paired: %s %.3f %d/%d\n", n, m, ahead, NR }'
done
