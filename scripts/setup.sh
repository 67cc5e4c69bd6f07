#!/usr/bin/env bash
# Installs the Debian 12 packages poco-h2 needs (only those missing) and
# builds the project in build/ (RelWithDebInfo, Ninja). Idempotent: when
# nothing changed it only checks the packages and runs an incremental build.
#
# Usage: bash scripts/setup.sh [--deps-only] [--target T] [--extra-packages "pkg ..."]
#   --deps-only  install the packages, do not build
#   --target T   build only target T (e.g. HTTP2Server), not everything
# Environment: BUILD_DIR (default build), BUILD_TYPE (default RelWithDebInfo),
#              CMAKE_ARGS (extra arguments for the first configure).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PACKAGES=(cmake ninja-build g++ pkg-config libpoco-dev libnghttp2-dev libssl-dev
	libgtest-dev libgmock-dev googletest nghttp2-client nghttp2-server nginx-light curl python3-h2 openssl
	haproxy chromium)
BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}
DEPS_ONLY=0
TARGET_ARGS=()

while [ $# -gt 0 ]; do
	case "$1" in
	--deps-only) DEPS_ONLY=1 ;;
	--target) TARGET_ARGS=(--target "$2"); shift ;;
	--target=*) TARGET_ARGS=(--target "${1#*=}") ;;
	--extra-packages) read -r -a extra <<<"$2"; PACKAGES+=("${extra[@]}"); shift ;;
	--extra-packages=*) read -r -a extra <<<"${1#*=}"; PACKAGES+=("${extra[@]}") ;;
	-h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) echo "setup.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done

missing=()
for package in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep '^install ok installed$' >/dev/null; then
		missing+=("$package")
	fi
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup.sh: installing ${missing[*]}"
	SUDO=
	if [ "$(id -u)" -ne 0 ]; then
		SUDO=sudo
	fi
	$SUDO apt-get update
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi

if [ "$DEPS_ONLY" -eq 1 ]; then
	exit 0
fi

if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
	# shellcheck disable=SC2086 # CMAKE_ARGS is a list of arguments
	cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" ${CMAKE_ARGS:-}
fi
cmake --build "$BUILD_DIR" "${TARGET_ARGS[@]}"
