#!/usr/bin/env bash
# Tests the packages as a user gets them: builds the .deb and .rpm packages
# (Release, prefix /usr, CPack), installs the .debs with dpkg, builds the
# samples out of tree against the installed package (find_package(PocoH2))
# and a pkg-config consumer that loads the ClassLoader module, runs them
# against the installed pocoh2-server (and curl), removes the packages, and
# checks the .rpm files with rpm -qlp. Cleans up after itself, even when a
# step fails (the build directory is kept for the next run).
#
# Usage: bash scripts/package-test.sh
# Environment: PACKAGE_BUILD_DIR (default build-package).
# Needs root or sudo (dpkg -i / dpkg --purge). Refuses to run when poco-h2
# packages are already installed, since it removes them at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

case "${1:-}" in
-h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
"") ;;
*) echo "package-test.sh: unknown option $1" >&2; exit 2 ;;
esac

BUILD_DIR=${PACKAGE_BUILD_DIR:-build-package}
PACKAGES=(libpocoh2-0 pocoh2-tools libpocoh2-dev)
SUDO=
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
fi

step()
{
	echo
	echo "== package-test.sh: $*"
}
fail()
{
	echo "package-test.sh: FAILED: $*" >&2
	exit 1
}

for package in "${PACKAGES[@]}"; do
	if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep 'installed$' >/dev/null; then
		fail "$package is already installed; remove it first (dpkg --purge ${PACKAGES[*]})"
	fi
done

WORK=$(mktemp -d -t pocoh2-package-test.XXXXXX)
SERVER_PIDS=()
INSTALLED=0
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup()
{
	local status=$?
	for pid in "${SERVER_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	if [ "$INSTALLED" -eq 1 ]; then
		echo "package-test.sh: removing ${PACKAGES[*]}"
		$SUDO dpkg --purge "${PACKAGES[@]}" >/dev/null || status=1
	fi
	rm -rf "$WORK"
	if [ "$status" -eq 0 ]; then
		echo "package-test.sh: all checks passed"
	else
		echo "package-test.sh: FAILED (exit status $status)" >&2
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "packages needed: rpm (rpmbuild), file (CPack's shared-library scan)"
bash scripts/setup.sh --deps-only --extra-packages "rpm file"

step "Release build in $BUILD_DIR (prefix /usr), cpack DEB and RPM"
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
	-DPOCOH2_BUILD_TESTS=OFF -DPOCOH2_BUILD_BENCH=OFF -DPOCOH2_BUILD_SAMPLES=ON -DPOCOH2_BUILD_PLUGIN=ON \
	-DPOCOH2_BUILD_SHARED=ON >/dev/null
cmake --build "$BUILD_DIR"
(cd "$BUILD_DIR" && cpack -G "DEB;RPM" -B "$WORK/packages" >"$WORK/cpack.log" 2>&1) || {
	cat "$WORK/cpack.log" >&2
	fail "cpack"
}
ls -l "$WORK"/packages/*.deb "$WORK"/packages/*.rpm

MULTIARCH=$(gcc -print-multiarch)
LIBDIR=/usr/lib/$MULTIARCH
deb_of()
{
	local file
	file=$(find "$WORK/packages" -maxdepth 1 -name "$1_*.deb" -print -quit)
	[ -n "$file" ] || fail "no $1 .deb"
	echo "$file"
}
DEBS=()
for package in "${PACKAGES[@]}"; do
	DEBS+=("$(deb_of "$package")")
done

step "package contents and dependencies"
has_file()
{
	# has_file DEB PATH: the .deb lists PATH
	dpkg-deb -c "$1" | awk '{ print $6 }' | grep -x "\.$2" >/dev/null || fail "$(basename "$1") lacks $2"
}
has_file "${DEBS[0]}" "$LIBDIR/libPocoH2.so.0.1.0"
has_file "${DEBS[0]}" "$LIBDIR/libPocoH2.so.0"
has_file "${DEBS[0]}" "$LIBDIR/pocoh2/libPocoH2Plugin.so"
has_file "${DEBS[1]}" /usr/bin/pocoh2-server
has_file "${DEBS[1]}" /usr/bin/pocoh2-get
has_file "${DEBS[2]}" "$LIBDIR/libPocoH2.so"
has_file "${DEBS[2]}" /usr/include/PocoH2/PocoH2.h
has_file "${DEBS[2]}" "$LIBDIR/cmake/PocoH2/PocoH2Config.cmake"
has_file "${DEBS[2]}" "$LIBDIR/pkgconfig/pocoh2.pc"
dpkg-deb -c "${DEBS[0]}" | awk '{ print $6 }' | grep -E '/include/|/libPocoH2\.so$|\.pc$|/cmake/' &&
	fail "development files in the runtime package"
for deb in "${DEBS[@]}"; do
	echo "$(dpkg-deb -f "$deb" Package): Depends: $(dpkg-deb -f "$deb" Depends)"
done
dpkg-deb -f "${DEBS[0]}" Depends | grep 'libnghttp2-14' >/dev/null || fail "the runtime package does not depend on libnghttp2-14"
dpkg-deb -f "${DEBS[2]}" Depends | grep 'libpoco-dev' >/dev/null || fail "the -dev package does not depend on libpoco-dev"

step "dpkg -i ${PACKAGES[*]}"
INSTALLED=1
$SUDO dpkg -i "${DEBS[@]}" || fail "dpkg -i (are the Depends installed? bash scripts/setup.sh --deps-only)"
objdump -p "$LIBDIR/libPocoH2.so.0" | grep 'SONAME *libPocoH2.so.0$' >/dev/null || fail "libPocoH2's SONAME is not libPocoH2.so.0"

step "the samples, built out of tree with find_package(PocoH2)"
for sample in HTTP2Server HTTP2Get; do
	cmake -S "samples/$sample" -B "$WORK/$sample" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	found=$(sed -n 's/^PocoH2_DIR:PATH=//p' "$WORK/$sample/CMakeCache.txt")
	[ "$found" = "$LIBDIR/cmake/PocoH2" ] || fail "$sample found PocoH2 in '$found', not the installed package"
	cmake --build "$WORK/$sample"
done

step "a pkg-config consumer loading the ClassLoader module"
PLUGIN=$(pkg-config --variable=pluginfile pocoh2)
[ -f "$PLUGIN" ] || fail "pkg-config's pluginfile $PLUGIN does not exist"
# shellcheck disable=SC2046 # pkg-config prints separate arguments
g++ -std=c++17 -o "$WORK/PluginConsumer" packaging/test/PluginConsumer.cpp $(pkg-config --cflags --libs pocoh2)

step "--help of the installed commands"
pocoh2-server --help >"$WORK/server-help.txt" 2>&1 || fail "pocoh2-server --help exited with $?"
grep -q 'usage: pocoh2-server' "$WORK/server-help.txt" || { cat "$WORK/server-help.txt"; fail "pocoh2-server --help"; }
pocoh2-get --help >"$WORK/get-help.txt" 2>&1 || fail "pocoh2-get --help exited with $?"
grep -q 'usage: ' "$WORK/get-help.txt" || { cat "$WORK/get-help.txt"; fail "pocoh2-get --help"; }

start_server()
{
	# start_server NAME COMMAND...: starts an HTTP2Server on ephemeral ports and
	# sets PORT and TLS_PORT from the "listening ..." lines it prints.
	local name=$1 log=$WORK/$1.log
	shift
	"$@" --bind=127.0.0.1 --port=0 --tls-port=0 --data-dir="$WORK/data-$name" >"$log" 2>&1 &
	SERVER_PIDS+=($!)
	for _ in $(seq 1 300); do
		[ "$(grep -c '^listening ' "$log")" -ge 2 ] && break
		kill -0 "${SERVER_PIDS[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	[ "$(grep -c '^listening ' "$log")" -ge 2 ] || { cat "$log"; fail "$name did not start"; }
	PORT=$(sed -n 's/^listening cleartext on .*:\([0-9]*\)$/\1/p' "$log")
	TLS_PORT=$(sed -n 's/^listening tls on .*:\([0-9]*\)$/\1/p' "$log")
	echo "$name: cleartext port $PORT, TLS port $TLS_PORT"
}
expect_hello()
{
	# expect_hello WHAT COMMAND...: COMMAND prints the sample's "Hello, world".
	local output
	output=$("${@:2}" 2>"$WORK/stderr.txt") || { cat "$WORK/stderr.txt"; fail "$1 (exit status $?)"; }
	[ "$output" = "Hello, world" ] || { cat "$WORK/stderr.txt"; fail "$1 printed '$output'"; }
	echo "$1: OK"
}

step "the installed pocoh2-server, fetched by the clients"
start_server pocoh2-server pocoh2-server
version=$(curl -sS --max-time 10 --http2-prior-knowledge -o /dev/null -w '%{http_version}' "http://127.0.0.1:$PORT/")
[ "$version" = 2 ] || fail "curl --http2-prior-knowledge got HTTP version '$version'"
echo "curl --http2-prior-knowledge: HTTP/$version"
expect_hello "curl --http2-prior-knowledge" curl -sS --max-time 10 --http2-prior-knowledge "http://127.0.0.1:$PORT/"
expect_hello "curl --http2 over TLS" curl -sS --max-time 10 --http2 -k "https://127.0.0.1:$TLS_PORT/"
expect_hello "pocoh2-get --h2c" pocoh2-get --h2c "http://127.0.0.1:$PORT/"
expect_hello "pocoh2-get -k (h2 over TLS)" pocoh2-get -k "https://127.0.0.1:$TLS_PORT/"
expect_hello "out-of-tree HTTP2Get --h2c" "$WORK/HTTP2Get/HTTP2Get" --h2c "http://127.0.0.1:$PORT/"
expect_hello "PluginConsumer (URIStreamOpener over h2c)" "$WORK/PluginConsumer" "$PLUGIN" "http://127.0.0.1:$PORT/"

step "the out-of-tree HTTP2Server, fetched by curl"
start_server HTTP2Server "$WORK/HTTP2Server/HTTP2Server"
expect_hello "curl --http2-prior-knowledge" curl -sS --max-time 10 --http2-prior-knowledge "http://127.0.0.1:$PORT/"
expect_hello "curl --http2 over TLS" curl -sS --max-time 10 --http2 -k "https://127.0.0.1:$TLS_PORT/"

step "dpkg --purge ${PACKAGES[*]}"
for pid in "${SERVER_PIDS[@]}"; do
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
done
SERVER_PIDS=()
$SUDO dpkg --purge "${PACKAGES[@]}"
INSTALLED=0
for path in "$LIBDIR/libPocoH2.so.0" "$LIBDIR/pocoh2" /usr/bin/pocoh2-server /usr/include/PocoH2 "$LIBDIR/cmake/PocoH2"; do
	[ ! -e "$path" ] || fail "$path is still there after dpkg --purge"
done

step "rpm -qlp"
RPMS=("$WORK"/packages/*.rpm)
[ "${#RPMS[@]}" -eq 3 ] || fail "expected 3 .rpm files, found ${#RPMS[*]}"
rpm -qlp "${RPMS[@]}" >"$WORK/rpm-files.txt" 2>/dev/null
cat "$WORK/rpm-files.txt"
for path in "$LIBDIR/libPocoH2.so.0.1.0" "$LIBDIR/libPocoH2.so.0" "$LIBDIR/pocoh2/libPocoH2Plugin.so" \
	/usr/bin/pocoh2-server /usr/bin/pocoh2-get "$LIBDIR/libPocoH2.so" /usr/include/PocoH2/PocoH2.h \
	"$LIBDIR/cmake/PocoH2/PocoH2Config.cmake" "$LIBDIR/pkgconfig/pocoh2.pc"; do
	grep -qx "$path" "$WORK/rpm-files.txt" || fail "no .rpm holds $path"
done
for directory in /usr "$LIBDIR" "$LIBDIR/pkgconfig" "$LIBDIR/cmake" /usr/include /usr/bin; do
	! grep -qx "$directory" "$WORK/rpm-files.txt" || fail "an .rpm claims the system directory $directory"
done
rpm -qp --requires "$(find "$WORK/packages" -name 'libpocoh2[0-9]*.rpm' -print -quit)" 2>/dev/null | grep 'libnghttp2' >/dev/null ||
	fail "the runtime .rpm does not require libnghttp2"
