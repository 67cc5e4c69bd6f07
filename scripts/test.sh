#!/usr/bin/env bash
# Builds poco-h2 and runs its test suite with ctest.
#
# Usage: bash scripts/test.sh [MODE] [ctest arguments...]
#   (default)    build/ (RelWithDebInfo, g++), via scripts/setup.sh; every test
#                but the soak test (ctest -LE soak).
#   --asan       build-asan/ with clang++ and -fsanitize=address,undefined.
#   --tsan       build-tsan/ with clang++ and -fsanitize=thread.
#   --fuzz[=S]   the libFuzzer targets, S seconds each (default 60), in
#                build-fuzz/ (scripts/fuzz.sh).
#   --soak       the soak test alone (ctest -L soak) in build/: 1,000,000
#                requests with client resets and disconnects, a few minutes.
#   --all        all of the above in turn (what CI runs); reports each and
#                fails if any failed.
# Further arguments go to ctest, e.g. -R Codec or --repeat until-fail:3.
# Environment: CTEST_TIMEOUT (seconds per test, default 300), BUILD_DIR (the
# build directory: default build, build-asan with --asan, build-tsan with
# --tsan, build-fuzz with --fuzz; with --all the others are BUILD_DIR-asan,
# BUILD_DIR-tsan, BUILD_DIR-fuzz), FUZZ_SECONDS (--all's time per fuzz target).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

MODE=
FUZZ_TIME=${FUZZ_SECONDS:-60}
CTEST_ARGS=()
while [ $# -gt 0 ]; do
	case "$1" in
	--asan) MODE=asan ;;
	--tsan) MODE=tsan ;;
	--fuzz) MODE=fuzz ;;
	--fuzz=*) MODE=fuzz; FUZZ_TIME=${1#*=} ;;
	--soak) MODE=soak ;;
	--all) MODE=all ;;
	-h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) CTEST_ARGS+=("$1") ;;
	esac
	shift
done
TIMEOUT=${CTEST_TIMEOUT:-300}

if [ "$MODE" = all ]; then
	base=${BUILD_DIR:-build}
	failed=()
	summary=()
	run_step() {
		local name=$1 dir=$2 started
		shift 2
		started=$(date +%s)
		echo "test.sh --all: $name"
		if BUILD_DIR=$dir bash scripts/test.sh "$@"; then
			summary+=("$name: passed in $(($(date +%s) - started)) s")
		else
			summary+=("$name: FAILED after $(($(date +%s) - started)) s")
			failed+=("$name")
		fi
	}
	run_step "test suite" "$base" "${CTEST_ARGS[@]}"
	run_step "ASan+UBSan" "$base-asan" --asan "${CTEST_ARGS[@]}"
	run_step "TSan" "$base-tsan" --tsan "${CTEST_ARGS[@]}"
	run_step "fuzzers (${FUZZ_TIME} s each)" "$base-fuzz" --fuzz="$FUZZ_TIME"
	run_step "soak" "$base" --soak
	printf 'test.sh --all: %s\n' "${summary[@]}"
	[ ${#failed[@]} -eq 0 ]
	exit
fi

if [ "$MODE" = fuzz ]; then
	BUILD_DIR=${BUILD_DIR:-build-fuzz} exec bash scripts/fuzz.sh "$FUZZ_TIME"
fi

RUN=()
case "$MODE" in
"" | soak)
	BUILD_DIR=${BUILD_DIR:-build}
	export BUILD_DIR
	bash scripts/setup.sh
	;;
asan)
	BUILD_DIR=${BUILD_DIR:-build-asan}
	flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
	export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/scripts/sanitizers/lsan.supp:print_suppressions=0}
	;;
tsan)
	BUILD_DIR=${BUILD_DIR:-build-tsan}
	flags="-fsanitize=thread -fno-omit-frame-pointer"
	export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/scripts/sanitizers/tsan.supp}
	# ThreadSanitizer of clang 14 cannot map its shadow memory with the
	# larger mmap randomisation of recent kernels; run without ASLR.
	if setarch "$(uname -m)" -R true 2>/dev/null; then
		RUN=(setarch "$(uname -m)" -R)
	fi
	;;
esac

if [ "$MODE" = asan ] || [ "$MODE" = tsan ]; then
	# clang's sanitizer runtimes are in libclang-rt-14-dev, only a
	# recommendation of clang's packages.
	bash scripts/setup.sh --deps-only --extra-packages "clang libclang-rt-14-dev"
	if [ ! -f "$BUILD_DIR/build.ninja" ]; then
		CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
			-DPOCOH2_BUILD_BENCH=OFF \
			-DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
			-DCMAKE_EXE_LINKER_FLAGS="$flags" -DCMAKE_SHARED_LINKER_FLAGS="$flags" \
			-DCMAKE_MODULE_LINKER_FLAGS="$flags"
	fi
	cmake --build "$BUILD_DIR"
	# Resident-memory bounds are measured by the normal build: a sanitizer's
	# shadow memory and quarantine (freed blocks it keeps to catch
	# use-after-free) change the resident set by tens of MiB.
	# The DoS tests' CPU-second bounds likewise assume an uninstrumented server.
	echo "test.sh: MemoryTest, the DoS tests and the soak test run in the normal build only (resident set and CPU time are not meaningful under $MODE)"
	CTEST_ARGS+=(-E "MemoryTest|^dos\.")
fi

if [ "$MODE" = soak ]; then
	CTEST_ARGS+=(-L soak)
else
	CTEST_ARGS+=(-LE soak)
fi
exec "${RUN[@]}" ctest --test-dir "$BUILD_DIR" --output-on-failure -j2 --timeout "$TIMEOUT" "${CTEST_ARGS[@]}"
