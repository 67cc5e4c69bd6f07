#!/usr/bin/env bash
# Builds poco-h2 (scripts/setup.sh), starts the HTTP2Server sample, checks it
# with curl over h2c (prior knowledge), h2 over TLS and HTTP/1.1, then keeps
# the server in the foreground until Ctrl-C.
#
# Usage: bash scripts/run.sh [--once] [--port=N] [--tls-port=N]
#   --once        stop the server after the checks; exit 0 if they passed.
#   --port=N      cleartext port (env PORT, default 8080; 0 = the OS picks).
#   --tls-port=N  TLS port (env TLS_PORT, default 8443; 0 = the OS picks).
# Environment: BUILD_DIR (default build); the self-signed certificate is kept
# in $BUILD_DIR/data (env DATA_DIR).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ONCE=0
PORT=${PORT:-8080}
TLS_PORT=${TLS_PORT:-8443}
BUILD_DIR=${BUILD_DIR:-build}
DATA_DIR=${DATA_DIR:-$BUILD_DIR/data}
export BUILD_DIR
while [ $# -gt 0 ]; do
	case "$1" in
	--once) ONCE=1 ;;
	--port=*) PORT=${1#*=} ;;
	--tls-port=*) TLS_PORT=${1#*=} ;;
	-h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done

if grep -q '^POCOH2_BUILD_SAMPLES:BOOL=OFF$' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null; then
	echo "run.sh: $BUILD_DIR was configured without the samples; turning them on"
	cmake -S . -B "$BUILD_DIR" -DPOCOH2_BUILD_SAMPLES=ON >/dev/null
fi
bash scripts/setup.sh --target HTTP2Server

SERVER=$BUILD_DIR/samples/HTTP2Server/HTTP2Server
LOG=$(mktemp -t poco-h2-run.XXXXXX)
SERVER_PID=

stop_server()
{
	if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -TERM "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	SERVER_PID=
}
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup()
{
	stop_server
	rm -f "$LOG"
}
trap cleanup EXIT
trap 'echo; echo "run.sh: stopping the server"; exit 130' INT
trap 'exit 143' TERM

mkdir -p "$DATA_DIR"
"$SERVER" --bind=127.0.0.1 --port="$PORT" --tls-port="$TLS_PORT" --data-dir="$DATA_DIR" >"$LOG" 2>&1 &
SERVER_PID=$!

# Wait for the server to print the ports it listens on.
wanted=2
for _ in $(seq 1 200); do
	if [ "$(grep -c '^listening ' "$LOG")" -ge "$wanted" ]; then
		break
	fi
	if ! kill -0 "$SERVER_PID" 2>/dev/null; then
		break
	fi
	sleep 0.05
done
if [ "$(grep -c '^listening ' "$LOG")" -lt "$wanted" ]; then
	echo "run.sh: the server did not start; its output:" >&2
	cat "$LOG" >&2
	exit 1
fi
grep '^listening ' "$LOG"
H2C_PORT=$(sed -n 's/^listening cleartext on .*:\([0-9]*\)$/\1/p' "$LOG")
H2_PORT=$(sed -n 's/^listening tls on .*:\([0-9]*\)$/\1/p' "$LOG")

failures=0
check()
	# check NAME PATTERN CURL-ARGS...: runs curl -sv, shows its output and
	# checks that PATTERN occurs in it.
{
	local name=$1 pattern=$2
	shift 2
	echo
	echo "== $name: curl $*"
	local output status=0
	output=$(curl -sv --max-time 10 "$@" 2>&1) || status=$?
	printf '%s\n' "$output" | grep -E '^(\* ALPN|> [A-Z]+ |< HTTP/)|^[^*<>{}]' || true
	if printf '%s\n' "$output" | grep -- "$pattern" >/dev/null; then
		echo "== $name: OK ($pattern)"
	else
		echo "== $name: FAILED (no \"$pattern\" in curl's output; curl exit status $status)"
		failures=$((failures + 1))
	fi
}
check "h2c, prior knowledge" "< HTTP/2 200" --http2-prior-knowledge "http://127.0.0.1:$H2C_PORT/"
check "h2 over TLS (ALPN)" "< HTTP/2 200" --http2 -k "https://127.0.0.1:$H2_PORT/"
check "HTTP/1.1 on the cleartext port" "< HTTP/1.1 200" --http1.1 "http://127.0.0.1:$H2C_PORT/"

echo
if [ "$failures" -ne 0 ]; then
	echo "run.sh: $failures check(s) failed; server output:"
	cat "$LOG"
	exit 1
fi
echo "run.sh: all checks passed"
if [ "$ONCE" -eq 1 ]; then
	stop_server
	exit 0
fi

echo "run.sh: HTTP2Server (pid $SERVER_PID) serves http://127.0.0.1:$H2C_PORT/ and https://127.0.0.1:$H2_PORT/"
echo "        routes: / /echo /stream?bytes=N /slow?ms=N /form /1m — Ctrl-C stops it"
tail -n +1 -f --pid="$SERVER_PID" "$LOG" | grep -v '^listening ' &
wait "$SERVER_PID" || status=$?
SERVER_PID=
exit "${status:-0}"
