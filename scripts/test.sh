#!/usr/bin/env bash
# Builds poco-h2 and runs its test suite with ctest.
#
# Usage: bash scripts/test.sh [--asan | --tsan] [ctest arguments...]
#   (default)  build/ (RelWithDebInfo, g++), via scripts/setup.sh.
#   --asan     build-asan/ with clang++ and -fsanitize=address,undefined.
#   --tsan     build-tsan/ with clang++ and -fsanitize=thread.
# Further arguments go to ctest, e.g. -R Codec or --repeat until-fail:3.
# Environment: CTEST_TIMEOUT (seconds per test, default 300), BUILD_DIR (the
# build directory: default build, build-asan with --asan, build-tsan with --tsan).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SANITIZER=
CTEST_ARGS=()
while [ $# -gt 0 ]; do
	case "$1" in
	--asan) SANITIZER=asan ;;
	--tsan) SANITIZER=tsan ;;
	-h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) CTEST_ARGS+=("$1") ;;
	esac
	shift
done
TIMEOUT=${CTEST_TIMEOUT:-300}

RUN=()
case "$SANITIZER" in
"")
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

if [ -n "$SANITIZER" ]; then
	bash scripts/setup.sh --deps-only --extra-packages clang
	if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
		CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
			-DPOCOH2_BUILD_BENCH=OFF \
			-DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
			-DCMAKE_EXE_LINKER_FLAGS="$flags" -DCMAKE_SHARED_LINKER_FLAGS="$flags" \
			-DCMAKE_MODULE_LINKER_FLAGS="$flags"
	fi
	cmake --build "$BUILD_DIR"
fi

if [ -n "$SANITIZER" ]; then
	# Resident-memory bounds are measured by the normal build: a sanitizer's
	# shadow memory and quarantine (freed blocks it keeps to catch
	# use-after-free) change the resident set by tens of MiB.
	echo "test.sh: MemoryTest runs in the normal build only (resident set is not meaningful under $SANITIZER)"
	CTEST_ARGS+=(-E MemoryTest)
fi

exec "${RUN[@]}" ctest --test-dir "$BUILD_DIR" --output-on-failure -j2 --timeout "$TIMEOUT" "${CTEST_ARGS[@]}"
