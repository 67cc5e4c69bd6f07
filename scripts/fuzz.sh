#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, -fsanitize=fuzzer,address,undefined)
# and runs each on its seed corpus for a bounded time.
#
# Usage: bash scripts/fuzz.sh [seconds] [target...]
#   seconds  time per target (default 60), passed as -max_total_time
#   target   server_connection, server_codec, client_response, adapters
#            (default: all)
# Fails on any crash, sanitizer report, leak or timeout; libFuzzer writes the
# input to $BUILD_DIR/fuzz-artifacts/<target>/ (add it to tests/fuzz/corpus/
# once fixed). New inputs found go to a scratch corpus, not into the repository.
# Environment: BUILD_DIR (default build-fuzz), FUZZ_ARGS (extra libFuzzer flags).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SECONDS_PER_TARGET=60
if [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]+$ ]]; then
	SECONDS_PER_TARGET=$1
	shift
fi
case "${1:-}" in
-h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
esac
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
	TARGETS=(server_connection server_codec client_response adapters)
fi
BUILD_DIR=${BUILD_DIR:-build-fuzz}

bash scripts/setup.sh --deps-only --extra-packages "clang libclang-rt-14-dev"
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
	# The library is instrumented for coverage and sanitizers; the targets
	# link libFuzzer itself (tests/fuzz/CMakeLists.txt). -Bsymbolic-functions:
	# libFuzzer's runtime, built without exceptions, exports its own copies of
	# some libstdc++ templates (string from istreambuf_iterator); bound to
	# them, the library leaks when an exception passes through one.
	# -fno-sanitize=enum: Poco keeps any three-digit status in its
	# HTTPResponse::HTTPStatus enum (its own HTTP/1.1 parser casts the same
	# way), so a valid status from 512 to 599 is an out-of-range enum load in
	# Poco's inline getStatus(); the rest of UBSan stays on.
	flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize=enum -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
	CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DPOCOH2_BUILD_FUZZERS=ON -DPOCOH2_BUILD_BENCH=OFF -DPOCOH2_BUILD_SAMPLES=OFF \
		-DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
		-DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
		-DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined -Wl,-Bsymbolic-functions"
fi
cmake --build "$BUILD_DIR" --target "${TARGETS[@]/#/pocoh2_fuzz_}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/scripts/sanitizers/lsan.supp:print_suppressions=0}

status=0
for target in "${TARGETS[@]}"; do
	seeds=tests/fuzz/corpus/$target
	work=$BUILD_DIR/fuzz-corpus/$target
	artifacts=$BUILD_DIR/fuzz-artifacts/$target/
	mkdir -p "$work" "$artifacts"
	echo "fuzz.sh: $target for ${SECONDS_PER_TARGET} s"
	# libFuzzer's leak check after each input stops every thread and scans
	# the heap whenever an input's mallocs and frees differ, which a server's
	# or client's own threads make the rule: with threads, leaks are checked
	# once at exit (LeakSanitizer), not per input.
	per_input_leaks=1
	case "$target" in
	server_connection | client_response) per_input_leaks=0 ;;
	esac
	# -timeout: one input taking longer is a hang; -rss_limit_mb: a leak or a
	# runaway buffer. The harnesses bound their own waits below the timeout.
	# shellcheck disable=SC2086 # FUZZ_ARGS is a list of flags
	if ! "$BUILD_DIR/tests/fuzz/pocoh2_fuzz_$target" "$work" "$seeds" \
		-max_total_time="$SECONDS_PER_TARGET" -timeout=25 -rss_limit_mb=4096 -max_len=65536 \
		-detect_leaks="$per_input_leaks" -print_final_stats=1 -artifact_prefix="$artifacts" ${FUZZ_ARGS:-} \
		2>"$BUILD_DIR/fuzz-$target.log"; then
		echo "fuzz.sh: $target FAILED; the end of $BUILD_DIR/fuzz-$target.log:" >&2
		tail -n 60 "$BUILD_DIR/fuzz-$target.log" >&2
		status=1
		continue
	fi
	grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)' \
		"$BUILD_DIR/fuzz-$target.log" | sed "s/^/fuzz.sh: $target: /" || true
done
exit $status
