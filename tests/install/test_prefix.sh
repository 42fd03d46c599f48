#!/usr/bin/env bash
# An install prefix serves CMake users (find_package(wass), imported targets
# wass::wass and wass::wass_static, version checked) and pkg-config users:
# examples/basic.c is built all three ways against `cmake --install` into a
# temporary prefix and run; the installed CLI finds the shipped stop words.
#   usage: test_prefix.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >/dev/null
for f in include/wass.h include/wass/wmd.h bin/wass share/wass/stopwords_en.txt; do
    [ -e "$prefix/$f" ] || fail "$f not installed"
done
config=$(find "$prefix" -name wassConfig.cmake | head -1)
[ -n "$config" ] && [ -e "$(dirname "$config")/wassConfigVersion.cmake" ] ||
    fail "wassConfig.cmake / wassConfigVersion.cmake not installed"
pcdir=$(dirname "$(find "$prefix" -name wass.pc | head -1)")
libdir=$(dirname "$(find "$prefix" -name 'libwass.so' | head -1)")
[ -e "$libdir/libwass.a" ] || fail "libwass.a not installed"

# CMake: find_package(wass) with the version file
mkdir "$tmp/consumer"
cat > "$tmp/consumer/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.18)
project(consumer C)
find_package(wass \${WANT} REQUIRED CONFIG)
add_executable(basic_shared "$src/examples/basic.c")
target_link_libraries(basic_shared PRIVATE wass::wass)
add_executable(basic_static "$src/examples/basic.c")
target_link_libraries(basic_static PRIVATE wass::wass_static)
CMAKE
cmake -S "$tmp/consumer" -B "$tmp/consumer/build" -DCMAKE_PREFIX_PATH="$prefix" -DWANT=0.1 \
    >"$tmp/cmake.log" 2>&1 || { cat "$tmp/cmake.log" >&2; fail "find_package(wass 0.1) failed"; }
cmake --build "$tmp/consumer/build" >"$tmp/build.log" 2>&1 ||
    { cat "$tmp/build.log" >&2; fail "building against wass::wass failed"; }
for exe in basic_shared basic_static; do
    out=$("$tmp/consumer/build/$exe") || fail "$exe exited $?"
    grep -q "status optimal, W1 = " <<<"$out" || fail "$exe printed: $out"
done
# ldd's whole output first: `ldd | grep -q` fails under pipefail when grep
# stops reading before ldd has written everything (SIGPIPE)
deps=$(ldd "$tmp/consumer/build/basic_shared")
grep -q "$libdir/libwass.so" <<<"$deps" ||
    fail "basic_shared does not use the installed libwass.so: $deps"
if cmake -S "$tmp/consumer" -B "$tmp/consumer/b9" -DCMAKE_PREFIX_PATH="$prefix" -DWANT=9.0 \
    >/dev/null 2>&1; then
    fail "find_package(wass 9.0) accepted version 0.1"
fi

# pkg-config
flags=$(PKG_CONFIG_PATH=$pcdir pkg-config --cflags --libs wass)
cc -std=c11 "$src/examples/basic.c" $flags -o "$tmp/basic_pc"
out=$(LD_LIBRARY_PATH=$libdir "$tmp/basic_pc") || fail "basic_pc exited $?"
grep -q "status optimal, W1 = " <<<"$out" || fail "basic_pc printed: $out"

# the installed CLI finds share/wass/stopwords_en.txt
printf '3 2\ncat 1 0\nsat 0 1\nsits 0 1.5\n' > "$tmp/v.txt"
out=$("$prefix/bin/wass" wmd --text "the cat sat" "a cat sits" --vectors "$tmp/v.txt" \
    --stopwords en) || fail "installed wass wmd --stopwords en failed"
[ -n "$out" ] || fail "no output from wass wmd"
echo "install/prefix: CMake (shared, static, version), pkg-config and the stop words OK"
